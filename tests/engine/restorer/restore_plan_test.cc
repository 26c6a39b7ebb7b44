// The planner against trees no honest repository can hold (cycles, absurd depth), fed through
// the TreeSource seam.
#include "engine/restorer/internal/restore_plan.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/matchers.h"

namespace stormproof::restorer {
namespace {

using repository::Node;
using repository::NodeType;
using repository::Tree;

crypto::Id IdOf(uint32_t n) {
  crypto::Id id;
  id.bytes[0] = static_cast<uint8_t>(n);
  id.bytes[1] = static_cast<uint8_t>(n >> 8);
  id.bytes[2] = 0xee;
  return id;
}

class FakeSource : public TreeSource {
 public:
  Result<Tree> LoadTree(const crypto::Id& id) const override {
    auto it = trees.find(id);
    if (it == trees.end()) return Error::NotFound("no tree " + id.ShortHex());
    return it->second;
  }
  std::optional<uint64_t> DataBlobLength(const crypto::Id& id) const override {
    auto it = blobs.find(id);
    if (it == blobs.end()) return std::nullopt;
    return it->second;
  }

  std::map<crypto::Id, Tree> trees;
  std::map<crypto::Id, uint64_t> blobs;
};

Node DirNode(std::string name, const crypto::Id& tree) {
  Node n;
  n.name = std::move(name);
  n.type = NodeType::kDir;
  n.subtree = tree;
  return n;
}

Node FileNode(std::string name, uint64_t size, std::vector<crypto::Id> content) {
  Node n;
  n.name = std::move(name);
  n.size = size;
  n.content = std::move(content);
  return n;
}

class PlanTest : public ::testing::Test {
 protected:
  PlanTest() : reporter_(nullptr_progress_, on_error_) {}

  Result<RestorePlan> Plan(const crypto::Id& root, const std::string& subpath = "",
                           const std::vector<std::string>& includes = {}) {
    return BuildPlan(source_, root, subpath, includes, reporter_);
  }
  std::vector<std::string> Paths(const RestorePlan& plan) {
    std::vector<std::string> out;
    for (uint32_t e = 0; e < plan.entries.size(); ++e) out.push_back(plan.EntryPath(e));
    return out;
  }

  FakeSource source_;
  std::vector<std::string> errors_;
  ProgressFn nullptr_progress_;
  ErrorFn on_error_ = [this](const std::string& path, const Error& e) {
    errors_.push_back(path + ": " + e.message());
  };
  Reporter reporter_;
};

TEST_F(PlanTest, CycleIsReportedAndNotFollowed) {
  source_.trees[IdOf(1)] = Tree{{DirNode("a", IdOf(2))}};
  source_.trees[IdOf(2)] = Tree{{DirNode("back-to-root", IdOf(1)), DirNode("self", IdOf(2))}};

  auto plan = Plan(IdOf(1));

  ASSERT_TRUE(plan);
  EXPECT_EQ(Paths(*plan), std::vector<std::string>{"/a"});
  ASSERT_EQ(errors_.size(), 2u);
  EXPECT_THAT(errors_[0], HasSubstr("/a/back-to-root: cycle")) << errors_[0];
  EXPECT_THAT(errors_[1], HasSubstr("/a/self: cycle")) << errors_[1];
}

TEST_F(PlanTest, SharedSubtreeIsNotACycle) {
  source_.trees[IdOf(1)] = Tree{{DirNode("x", IdOf(2)), DirNode("y", IdOf(2))}};
  source_.trees[IdOf(2)] = Tree{{FileNode("f", 0, {})}};

  auto plan = Plan(IdOf(1));

  ASSERT_TRUE(plan);
  EXPECT_EQ(Paths(*plan), (std::vector<std::string>{"/x", "/x/f", "/y", "/y/f"}));
  EXPECT_TRUE(errors_.empty());
  EXPECT_EQ(plan->entries[1].parent, plan->entries[0].dir);
}

TEST_F(PlanTest, NestingBeyondTheLimitIsCut) {
  for (uint32_t level = 0; level <= kMaxDepth + 5; ++level) {
    source_.trees[IdOf(level)] = Tree{{DirNode("d", IdOf(level + 1))}};
  }
  source_.trees[IdOf(kMaxDepth + 6)] = Tree{};

  auto plan = Plan(IdOf(0));

  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->dirs.size(), kMaxDepth + 1);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_THAT(errors_[0], HasSubstr("nested deeper"));
}

TEST_F(PlanTest, DuplicateNamesKeepTheFirst) {
  source_.trees[IdOf(1)] =
      Tree{{FileNode("b", 0, {}), FileNode("a", 0, {}), DirNode("a", IdOf(2))}};
  source_.trees[IdOf(2)] = Tree{};

  auto plan = Plan(IdOf(1));

  ASSERT_TRUE(plan);
  EXPECT_EQ(Paths(*plan), (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(plan->entries[0].node.type, NodeType::kFile);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_THAT(errors_[0], HasSubstr("duplicate"));
}

TEST_F(PlanTest, FileLayoutComesFromBlobLengths) {
  source_.blobs[IdOf(100)] = 10;
  source_.blobs[IdOf(101)] = 5;
  Node sparse = FileNode("sparse", 25, {IdOf(100), IdOf(101)});
  sparse.holes = {{10, 10}};
  source_.trees[IdOf(1)] = Tree{{sparse, FileNode("wrong", 16, {IdOf(100), IdOf(101)})}};

  auto plan = Plan(IdOf(1));

  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->entries.size(), 1u);
  EXPECT_EQ(plan->entries[0].layout.data_bytes(), 15u);
  EXPECT_EQ(plan->entries[0].layout.extents().size(), 2u);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_THAT(errors_[0], HasSubstr("/wrong: inconsistent node")) << errors_[0];
}

TEST_F(PlanTest, SubpathDirectoryBecomesTheTarget) {
  source_.trees[IdOf(1)] = Tree{{DirNode("home", IdOf(2))}};
  source_.trees[IdOf(2)] = Tree{{DirNode("alice", IdOf(3)), FileNode("bob", 0, {})}};
  source_.trees[IdOf(3)] = Tree{{FileNode("notes", 0, {})}};

  auto plan = Plan(IdOf(1), "/home//alice/");

  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->root_path, "/home/alice");
  EXPECT_EQ(Paths(*plan), std::vector<std::string>{"/home/alice/notes"});
  EXPECT_EQ(plan->entries[0].parent, 0u);

  auto file = Plan(IdOf(1), "home/bob");
  ASSERT_TRUE(file);
  EXPECT_EQ(Paths(*file), std::vector<std::string>{"/home/bob"});

  EXPECT_THAT(Plan(IdOf(1), "home/carol"), ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(Plan(IdOf(1), "home/bob/x"), ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(Plan(IdOf(1), "home/../etc"), ErrorIs(ErrorCode::kInvalidArgument));
}

TEST_F(PlanTest, IncludesKeepOnlyMatchesAndTheirParents) {
  source_.trees[IdOf(1)] =
      Tree{{DirNode("docs", IdOf(2)), DirNode("src", IdOf(3)), FileNode("readme.txt", 0, {})}};
  source_.trees[IdOf(2)] = Tree{{FileNode("a.txt", 0, {}), FileNode("b.pdf", 0, {})}};
  source_.trees[IdOf(3)] = Tree{{DirNode("deep", IdOf(4))}};
  source_.trees[IdOf(4)] = Tree{{FileNode("code.c", 0, {})}};

  auto plan = Plan(IdOf(1), "", {"docs/*.txt", "/src/deep"});

  ASSERT_TRUE(plan);
  EXPECT_EQ(Paths(*plan), (std::vector<std::string>{"/docs", "/docs/a.txt", "/src", "/src/deep",
                                                    "/src/deep/code.c"}));

  auto by_base = Plan(IdOf(1), "", {"*.pdf"});
  ASSERT_TRUE(by_base);
  EXPECT_EQ(Paths(*by_base), (std::vector<std::string>{"/docs", "/docs/b.pdf"}));
}

TEST_F(PlanTest, UnreadableRootIsAnErrorUnreadableSubtreeIsReported) {
  EXPECT_FALSE(Plan(IdOf(9)));
  source_.trees[IdOf(1)] = Tree{{DirNode("gone", IdOf(2)), FileNode("kept", 0, {})}};
  auto plan = Plan(IdOf(1));
  ASSERT_TRUE(plan);
  // The directory itself is still restored (empty, with its metadata); its loss is reported.
  EXPECT_EQ(Paths(*plan), (std::vector<std::string>{"/gone", "/kept"}));
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_THAT(errors_[0], HasSubstr("/gone: cannot read directory tree"));
}

}  // namespace
}  // namespace stormproof::restorer
