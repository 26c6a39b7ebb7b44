// Hostile snapshots and hostile targets: nothing may be written outside the target, whatever
// the snapshot says; what is refused is reported and the rest is restored.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/engine/cache/counting_backend.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/engine/restorer/restore_fixture.h"
#include "engine/repository/index_files.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/tree.h"
#include "engine/restorer/restorer.h"
#include "tests/matchers.h"

namespace stormproof::restorer {
namespace {

namespace fs = std::filesystem;
using repository::Node;
using repository::NodeType;
using testing::Outcome;
using testing::RunRestore;
using testing::TestRepository;

class HostileTest : public testing::ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    outside_ = scratch_ / "outside";
    fs::create_directories(outside_);
    WriteFile(outside_ / "victim", "original");
    before_ = OutsideState();
  }

  // Everything in the scratch directory except the target, with file contents.
  std::vector<std::string> OutsideState() {
    std::vector<std::string> state;
    for (const std::string& p : Listing(scratch_)) {
      if (p == "target" || p.rfind("target/", 0) == 0) continue;
      fs::path full = scratch_ / p;
      state.push_back(p +
                      (fs::is_regular_file(fs::symlink_status(full)) ? "=" + ReadFile(full) : ""));
    }
    return state;
  }

  void ExpectOutsideUnchanged() { EXPECT_EQ(OutsideState(), before_); }

  fs::path outside_;
  std::vector<std::string> before_;
};

TEST_F(HostileTest, UnsafeNamesAreReportedAndSkipped) {
  std::vector<std::string> bad = {".", "/etc/passwd",      "a/b", std::string("x\0y", 3),
                                  "",  "../outside/victim"};
  std::vector<Node> nodes;
  for (const std::string& name : bad) nodes.push_back(repo_.File(name, {"pwned"}));
  nodes.push_back(TestRepository::Dir("..", repo_.Tree({repo_.File("escaped", {"pwned"})})));
  nodes.push_back(repo_.File("fine", {"ok"}));
  auto snap = repo_.Snapshot(repo_.Tree(nodes));
  struct stat passwd_before = Lstat("/etc/passwd");

  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary) << out.error->message();
  EXPECT_EQ(out.summary->errors, bad.size() + 1);
  EXPECT_TRUE(out.Reported("", "empty file name"));
  EXPECT_TRUE(out.Reported("", "contains '/'"));
  EXPECT_TRUE(out.Reported("", "NUL"));
  EXPECT_TRUE(out.Reported("", "'..'"));
  EXPECT_TRUE(out.Reported("", "'.'"));
  EXPECT_EQ(Listing(target_), std::vector<std::string>{"fine"});
  ExpectOutsideUnchanged();
  EXPECT_FALSE(fs::exists(scratch_ / "escaped"));
  EXPECT_EQ(Lstat("/etc/passwd").st_mtim.tv_nsec, passwd_before.st_mtim.tv_nsec);
}

TEST_F(HostileTest, DirectoryWhereAnEarlierRestoreLeftASymlinkDoesNotEscape) {
  auto first = repo_.Snapshot(repo_.Tree({TestRepository::Symlink("evil", outside_.string())}));
  Outcome out = RunRestore(repo_.repo(), first, Options());
  ASSERT_TRUE(out.summary);
  ASSERT_TRUE(fs::is_symlink(target_ / "evil"));

  auto inside = repo_.Tree({repo_.File("pwned", {"pwned"}), repo_.File("victim", {"pwned"})});
  auto second = repo_.Snapshot(repo_.Tree({TestRepository::Dir("evil", inside)}));
  out = RunRestore(repo_.repo(), second, Options());

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  ExpectOutsideUnchanged();
  EXPECT_FALSE(fs::is_symlink(target_ / "evil"));
  EXPECT_EQ(ReadFile(target_ / "evil" / "pwned"), "pwned");
}

TEST_F(HostileTest, SymlinkAndDirectoryOfTheSameNameInOneTreeDoNotEscape) {
  // The tree codec refuses duplicate names outright; the planner would keep only the first.
  auto inside = repo_.Tree({repo_.File("pwned", {"pwned"})});
  auto twisted = repo_.Tree(
      {TestRepository::Symlink("evil", outside_.string()), TestRepository::Dir("evil", inside)});
  auto snap =
      repo_.Snapshot(repo_.Tree({TestRepository::Dir("sub", twisted), repo_.File("fine", {"ok"})}));

  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 1u);
  EXPECT_FALSE(fs::exists(outside_ / "pwned"));
  ExpectOutsideUnchanged();
  EXPECT_EQ(ReadFile(target_ / "fine"), "ok");
}

TEST_F(HostileTest, ExistingSymlinkInTargetIsReplacedNotFollowed) {
  fs::create_directories(target_);
  fs::create_symlink(outside_, target_ / "dir");
  fs::create_symlink(outside_ / "victim", target_ / "victim");
  auto inside = repo_.Tree({repo_.File("pwned", {"pwned"})});
  auto snap = repo_.Snapshot(
      repo_.Tree({TestRepository::Dir("dir", inside), repo_.File("victim", {"replaced"})}));

  RestoreOptions options = Options();
  options.verify = true;
  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  ExpectOutsideUnchanged();
  EXPECT_FALSE(fs::is_symlink(target_ / "dir"));
  EXPECT_EQ(ReadFile(target_ / "dir" / "pwned"), "pwned");
  EXPECT_FALSE(fs::is_symlink(target_ / "victim"));
  EXPECT_EQ(ReadFile(target_ / "victim"), "replaced");
}

TEST_F(HostileTest, HardLinkGroupWhoseFirstMemberIsRefused) {
  Node refused = repo_.File("../escape", {"linked content"});
  refused.links = 2;
  refused.inode = 9;
  Node kept = refused;
  kept.name = "kept";
  auto snap = repo_.Snapshot(repo_.Tree({refused, kept}));

  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 1u);
  EXPECT_EQ(ReadFile(target_ / "kept"), "linked content");
  ExpectOutsideUnchanged();
}

TEST_F(HostileTest, SubtreeCycleTerminatesAndIsReported) {
  // A tree cannot name itself through honest ids; store one under a forged id.
  crypto::Id forged;
  forged.bytes.fill(0xc5);
  Bytes loop = repository::EncodeTree({{TestRepository::Dir("loop", forged)}});
  ASSERT_THAT(repo_.repo().SaveBlob(repository::BlobType::kTree, forged, loop), IsOk());
  auto snap = repo_.Snapshot(repo_.Tree({TestRepository::Dir("a", forged)}));

  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary);
  EXPECT_GE(out.summary->errors, 1u);  // the forged tree fails its id check, or is a cycle
  EXPECT_LE(Listing(target_).size(), 2u);
}

TEST_F(HostileTest, InconsistentFileNodesAreSkipped) {
  Node too_big = repo_.File("too-big", {"12345"});
  too_big.size = 1000;
  Node too_small = repo_.File("too-small", {"12345", "678"});
  too_small.size = 2;
  Node missing_blob = repo_.File("missing-blob", {"12345"});
  missing_blob.content[0].bytes.fill(0x77);
  // Hole lists the tree codec already refuses: each makes its whole directory unreadable.
  Node hole_beyond = repo_.File("hole-beyond", {"12345"});
  hole_beyond.holes = {{3, 1ull << 62}};
  Node overflow = repo_.File("overflow", {"12345"});
  overflow.size = UINT64_MAX;
  overflow.holes = {{5, UINT64_MAX - 4}, {UINT64_MAX - 1, 10}};
  Node unsorted = repo_.File("unsorted", {"12345"});
  unsorted.size = 25;
  unsorted.holes = {{10, 10}, {0, 5}};
  auto snap = repo_.Snapshot(repo_.Tree({too_big, too_small, missing_blob, repo_.File("ok", {}),
                                         TestRepository::Dir("h1", repo_.Tree({hole_beyond})),
                                         TestRepository::Dir("h2", repo_.Tree({overflow})),
                                         TestRepository::Dir("h3", repo_.Tree({unsorted}))}));

  auto start = std::chrono::steady_clock::now();
  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary) << out.error->message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(out.summary->errors, 6u);
  EXPECT_TRUE(out.Reported("too-big", "inconsistent node"));
  EXPECT_TRUE(out.Reported("too-small", "inconsistent node"));
  EXPECT_TRUE(out.Reported("missing-blob", "not in the index"));
  EXPECT_TRUE(out.Reported("/h1", "cannot read directory tree"));
  EXPECT_TRUE(out.Reported("/h2", "cannot read directory tree"));
  EXPECT_TRUE(out.Reported("/h3", "cannot read directory tree"));
  EXPECT_EQ(Listing(target_), (std::vector<std::string>{"h1", "h2", "h3", "ok"}));
}

TEST_F(HostileTest, EnormousSparseSizeNeedsNoSpace) {
  Node huge = repo_.File("huge", {"tail"});
  huge.size = 1ull << 60;
  huge.holes = {{0, huge.size - 4}};
  auto snap = repo_.Snapshot(repo_.Tree({huge}));

  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary);  // the file system may refuse the size; nothing else may happen
  if (out.summary->errors == 0) {
    EXPECT_LT(Lstat(target_ / "huge").st_blocks, 1024);
  }
  ExpectOutsideUnchanged();
}

TEST_F(HostileTest, BadSymlinkTargetsAndUnknownTypesAreReported) {
  Node nul_target = TestRepository::Symlink("nul", std::string("a\0b", 3));
  Node empty_target = TestRepository::Symlink("empty", "");
  Node no_tree = TestRepository::Base("no-tree", NodeType::kDir, 0755);
  Node unknown = TestRepository::Base("unknown", static_cast<NodeType>(42), 0644);
  auto snap = repo_.Snapshot(repo_.Tree(
      {nul_target, empty_target, no_tree, TestRepository::Dir("u", repo_.Tree({unknown}))}));

  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary) << out.error->message();
  EXPECT_EQ(out.summary->errors, 4u);
  EXPECT_TRUE(out.Reported("/nul", "symlink target"));
  EXPECT_TRUE(out.Reported("/empty", "symlink target"));
  EXPECT_TRUE(out.Reported("/no-tree", "without a tree"));
  EXPECT_EQ(Listing(target_), std::vector<std::string>{"u"});
}

TEST_F(HostileTest, CorruptedBlobIsReportedAndOtherFilesRestored) {
  Node bad = repo_.File("bad", {std::string(100000, 'c')});
  Node replacing = bad;
  replacing.name = "existing";
  Node good = repo_.File("good", {"fine"});
  auto snap = repo_.Snapshot(repo_.Tree({bad, replacing, good}));
  auto location = repo_.repo().FindBlob(repository::BlobType::kData, bad.content[0]);
  ASSERT_TRUE(location);
  backend::Handle pack{backend::FileType::kPack, location->pack.Hex()};
  Bytes bytes = repo_.files().Load(pack).value();
  bytes[location->offset + location->length / 2] ^= 0x01;
  ASSERT_THAT(repo_.files().Save(pack, bytes), IsOk());
  fs::create_directories(target_);
  WriteFile(target_ / "existing", "previous");

  RestoreOptions options = Options();
  options.verify = true;
  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 2u);
  EXPECT_TRUE(out.Reported("/bad", "data blob"));
  EXPECT_TRUE(out.Reported("/existing", "data blob"));
  EXPECT_EQ(Listing(target_), (std::vector<std::string>{"existing", "good"}))
      << "no partial file, no leftover temporary file";
  EXPECT_EQ(ReadFile(target_ / "existing"), "previous");
  EXPECT_EQ(ReadFile(target_ / "good"), "fine");
  EXPECT_EQ(out.summary->verified_files, 1u);
  EXPECT_EQ(out.summary->files, 1u);
}

// A hostile index: every data blob listed a second time at its own place with a raw length one
// short, read before the true entry (it sorts first). Review R9-4: the restore plan, the writer
// and the verifier each asked for the blob's copy and each read both copies again. The copy
// chosen is remembered: each blob is read at most three times (the lie and the true copy once to
// choose, the chosen copy to write), `verify` included.
class PlantedIndexTest : public testing::ScratchTest {
 protected:
  // Rewrites the index of `repo` with the lies added.
  static void PlantRawLengthLies(repository::Repository& repo) {
    auto maintenance = repository::Maintenance::Begin(repo);
    ASSERT_THAT(maintenance, IsOk());
    auto listing = (*maintenance)->repository().ListIndex();
    ASSERT_THAT(listing, IsOk());
    std::vector<repository::IndexedPack> packs = listing->packs;
    for (repository::IndexedPack& pack : packs) {
      std::vector<repository::PackEntry> entries;
      for (const repository::PackEntry& e : pack.blobs) {
        if (e.type == repository::BlobType::kData) {
          entries.push_back(e);
          entries.back().raw_length -= 1;
        }
        entries.push_back(e);
      }
      pack.blobs = std::move(entries);
    }
    ASSERT_THAT((*maintenance)->RewriteIndex(packs, listing->files), IsOk());
  }
};

TEST_F(PlantedIndexTest, RawLengthLiesCostEachBlobAtMostThreeReads) {
  constexpr size_t kFiles = 12;
  auto counts = std::make_shared<cache::testing::Counts>();
  repository::testing::Store store(std::make_shared<cache::testing::CountingBackend>(
      std::shared_ptr<backend::Backend>(
          backend::NewMemoryBackend(repository::testing::StorageNow)),
      counts));
  std::unique_ptr<repository::Repository> writer = store.Init();
  std::vector<std::string> contents;
  std::vector<Node> nodes;
  for (size_t i = 0; i < kFiles; ++i) {
    contents.push_back("file " + std::to_string(i) + ": " + std::string(400 + i, 'x'));
    Node file = TestRepository::Base("f" + std::to_string(i), NodeType::kFile, 0644);
    crypto::Id id = writer->BlobId(AsBytes(contents.back()));
    ASSERT_THAT(writer->SaveBlob(repository::BlobType::kData, id, AsBytes(contents.back())),
                IsOk());
    file.content.push_back(id);
    file.size = contents.back().size();
    nodes.push_back(std::move(file));
  }
  Bytes tree = repository::EncodeTree(repository::Tree{nodes});
  repository::Snapshot snapshot;
  snapshot.tree = writer->BlobId(tree);
  ASSERT_THAT(writer->SaveBlob(repository::BlobType::kTree, snapshot.tree, tree), IsOk());
  ASSERT_THAT(writer->Flush(), IsOk());
  PlantRawLengthLies(*writer);
  auto repo = store.Open();
  ASSERT_THAT(repo, IsOk());
  ASSERT_EQ((*repo)->FindBlobLocations(repository::BlobType::kData, nodes[0].content[0]).size(),
            2u);

  counts->Reset();
  RestoreOptions options = Options();
  options.verify = true;
  Outcome out = RunRestore(**repo, snapshot, options);
  ASSERT_TRUE(out.summary) << out.error->message();
  EXPECT_TRUE(out.reported.empty()) << out.reported.front().first << ": "
                                    << out.reported.front().second;
  for (size_t i = 0; i < kFiles; ++i) {
    EXPECT_EQ(ReadFile(target_ / ("f" + std::to_string(i))), contents[i]) << i;
  }
  // A few more loads for the tree and the packs' keys.
  EXPECT_LE(counts->Loads(backend::FileType::kPack), static_cast<int>(3 * kFiles + 6));
}

}  // namespace
}  // namespace stormproof::restorer
