#include "engine/restorer/internal/layout.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <tuple>
#include <vector>

#include "tests/matchers.h"

namespace stormproof::restorer {
namespace {

using Holes = std::vector<std::pair<uint64_t, uint64_t>>;
using Piece = std::tuple<uint64_t, uint64_t, uint64_t>;  // file offset, position, length

std::vector<Piece> Pieces(const FileLayout& layout, uint64_t offset, uint64_t length) {
  std::vector<Piece> out;
  layout.ForEachPiece(offset, length,
                      [&](uint64_t at, uint64_t pos, uint64_t n) { out.emplace_back(at, pos, n); });
  return out;
}

std::vector<std::pair<uint64_t, uint64_t>> HolesOf(const FileLayout& layout) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  layout.ForEachHole([&](uint64_t at, uint64_t n) { out.emplace_back(at, n); });
  return out;
}

TEST(FileLayoutTest, DenseFileIsOneExtent) {
  auto layout = FileLayout::Build(100, {}, 100);
  ASSERT_TRUE(layout);
  EXPECT_EQ(layout->extents().size(), 1u);
  EXPECT_EQ(Pieces(*layout, 40, 20), (std::vector<Piece>{{40, 0, 20}}));
  EXPECT_TRUE(HolesOf(*layout).empty());
}

TEST(FileLayoutTest, EmptyAndAllHoleFiles) {
  auto empty = FileLayout::Build(0, {}, 0);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->data_bytes(), 0u);
  auto all_hole = FileLayout::Build(1ull << 40, {{0, 1ull << 40}}, 0);
  ASSERT_TRUE(all_hole);
  EXPECT_TRUE(all_hole->extents().empty());
  EXPECT_EQ(HolesOf(*all_hole), (Holes{{0, 1ull << 40}}));
}

TEST(FileLayoutTest, PiecesStraddleHoles) {
  // data [0,10) hole [10,20) data [20,25) hole [25,40) data [40,50)
  auto layout = FileLayout::Build(50, {{10, 10}, {25, 15}}, 25);
  ASSERT_TRUE(layout);
  EXPECT_EQ(Pieces(*layout, 5, 15), (std::vector<Piece>{{5, 0, 5}, {20, 5, 5}, {40, 10, 5}}));
  EXPECT_EQ(Pieces(*layout, 15, 10), (std::vector<Piece>{{40, 0, 10}}));
  EXPECT_EQ(HolesOf(*layout), (Holes{{10, 10}, {25, 15}}));
}

TEST(FileLayoutTest, LeadingTrailingAndAdjacentHoles) {
  auto layout = FileLayout::Build(30, {{0, 5}, {5, 5}, {12, 0}, {20, 10}}, 10);
  ASSERT_TRUE(layout);
  EXPECT_EQ(Pieces(*layout, 0, 10), (std::vector<Piece>{{10, 0, 10}}));
  EXPECT_EQ(HolesOf(*layout), (Holes{{0, 10}, {20, 10}}));
}

TEST(FileLayoutTest, InconsistentNodesAreRejected) {
  struct Case {
    const char* what;
    uint64_t size;
    Holes holes;
    uint64_t content;
  };
  const Case cases[] = {
      {"content shorter than size", 10, {}, 9},
      {"content longer than size", 10, {}, 11},
      {"hole beyond size", 10, {{5, 6}}, 5},
      {"overlapping holes", 20, {{0, 10}, {5, 10}}, 5},
      {"holes out of order", 20, {{10, 5}, {0, 5}}, 10},
      {"offset + length overflows", UINT64_MAX, {{10, UINT64_MAX}}, 10},
      {"holes leave data the content lacks", 1ull << 62, {{0, 10}}, 5},
  };
  for (const Case& c : cases) {
    auto layout = FileLayout::Build(c.size, c.holes, c.content);
    ASSERT_FALSE(layout) << c.what;
    EXPECT_THAT(layout, ErrorIs(ErrorCode::kFailedCheck)) << c.what;
    EXPECT_THAT(layout.error().message(), HasSubstr("inconsistent node")) << c.what;
  }
}

}  // namespace
}  // namespace stormproof::restorer
