// FindByIdPrefix: the unique-prefix rule behind snapshot, key and restore point ids.
#include "core/id_prefix.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/matchers.h"

namespace stormproof {
namespace {

const std::vector<std::string> kIds = {"3f2a9c", "3f2b00", "a1", "a1b2"};

TEST(IdPrefixTest, AUniquePrefixOrAWholeIdNamesOneItem) {
  EXPECT_EQ(*FindByIdPrefix(kIds, "3f2a", "snapshot"), 0u);
  EXPECT_EQ(*FindByIdPrefix(kIds, "3f2b00", "snapshot"), 1u);
  EXPECT_EQ(*FindByIdPrefix(kIds, "a1b", "snapshot"), 3u);
}

TEST(IdPrefixTest, NothingOrAnEmptyPrefixIsNotFound) {
  for (const char* prefix : {"ff", "", "3f2a9c0"}) {
    Result<size_t> found = FindByIdPrefix(kIds, prefix, "key");
    ASSERT_FALSE(found.has_value()) << prefix;
    EXPECT_THAT(found, ErrorIs(ErrorCode::kNotFound));
    EXPECT_EQ(found.error().message(), "no key '" + std::string(prefix) + "'");
  }
}

// "a1" is a whole id and a prefix of "a1b2": it names both, so it is ambiguous.
TEST(IdPrefixTest, SeveralMatchesAreAmbiguous) {
  for (const char* prefix : {"3f2", "a1"}) {
    Result<size_t> found = FindByIdPrefix(kIds, prefix, "snapshot");
    ASSERT_FALSE(found.has_value()) << prefix;
    EXPECT_THAT(found, ErrorIs(ErrorCode::kInvalidArgument));
    EXPECT_EQ(found.error().message(),
              "snapshot prefix '" + std::string(prefix) + "' is ambiguous (2 match)");
  }
}

}  // namespace
}  // namespace stormproof
