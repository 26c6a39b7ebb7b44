// Verification catches a restored file that no longer matches the snapshot.
#include "engine/restorer/internal/verify.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/engine/restorer/restore_fixture.h"
#include "engine/restorer/internal/safe_fs.h"
#include "tests/matchers.h"

namespace stormproof::restorer {
namespace {

namespace fs = std::filesystem;
using repository::Node;
using repository::NodeType;
using testing::Outcome;
using testing::RunRestore;
using testing::TestRepository;

class VerifyTest : public testing::ScratchTest {
 protected:
  // Restores one sparse file and returns its node.
  Node RestoreSparseFile() {
    Node node = TestRepository::Base("file", NodeType::kFile, 0644);
    node.size = 3 << 20;
    node.holes = {{1 << 20, 1 << 20}};
    node.content = {repo_.Data(std::string(1 << 20, 'a')), repo_.Data(std::string(1 << 20, 'b'))};
    Outcome out = RunRestore(repo_.repo(), repo_.Snapshot(repo_.Tree({node})), Options());
    EXPECT_TRUE(out.summary && out.summary->errors == 0);
    return node;
  }

  Status Verify(const Node& node) {
    UniqueFd fd(::open((target_ / "file").c_str(), O_RDONLY));
    auto layout = FileLayout::Build(node.size, node.holes, 2 << 20);
    EXPECT_TRUE(layout);
    return VerifyFileContent(repo_.repo(), fd.get(), node, *layout);
  }

  void Patch(off_t offset, std::string_view bytes) {
    UniqueFd fd(::open((target_ / "file").c_str(), O_WRONLY));
    ASSERT_EQ(::pwrite(fd.get(), bytes.data(), bytes.size(), offset),
              static_cast<ssize_t>(bytes.size()));
  }
};

TEST_F(VerifyTest, IntactFilePasses) {
  Node node = RestoreSparseFile();
  EXPECT_TRUE(Verify(node));
}

TEST_F(VerifyTest, ModifiedDataIsDetected) {
  Node node = RestoreSparseFile();
  Patch((2 << 20) + 5, "X");
  Status s = Verify(node);
  ASSERT_FALSE(s);
  EXPECT_THAT(s, ErrorIs(ErrorCode::kFailedCheck));
  EXPECT_THAT(s.error().message(), HasSubstr("differs from the snapshot: content blob 1"))
      << s.error().message();
}

TEST_F(VerifyTest, DataInAHoleIsDetected) {
  Node node = RestoreSparseFile();
  Patch((1 << 20) + 4096 * 3, "not zero");
  Status s = Verify(node);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message(), HasSubstr("hole at byte")) << s.error().message();
}

TEST_F(VerifyTest, TruncatedOrExtendedFileIsDetected) {
  Node node = RestoreSparseFile();
  ASSERT_EQ(::truncate((target_ / "file").c_str(), 3 << 20 | 1), 0);
  Status s = Verify(node);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message(), HasSubstr("size"));
}

TEST_F(VerifyTest, HardLinkLookalikesWithDifferentContentStayApart) {
  // Two nodes claiming one inode but with different content are restored as separate files.
  Node a = repo_.File("a", {"same"});
  Node b = repo_.File("b", {"other"});
  a.links = b.links = 2;
  a.inode = b.inode = 5;
  RestoreOptions options = Options();
  options.verify = true;
  Outcome out = RunRestore(repo_.repo(), repo_.Snapshot(repo_.Tree({a, b})), options);
  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  EXPECT_EQ(out.summary->verified_files, 2u);
  EXPECT_EQ(ReadFile(target_ / "b"), "other");
}

}  // namespace
}  // namespace stormproof::restorer
