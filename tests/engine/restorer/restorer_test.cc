// Round trips of hand-built snapshots: every kind of entry and metadata comes back as stored.
#include "engine/restorer/restorer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>

#include "tests/engine/restorer/restore_fixture.h"
#include "tests/matchers.h"

namespace stormproof::restorer {
namespace {

namespace fs = std::filesystem;
using repository::Node;
using repository::NodeType;
using testing::Outcome;
using testing::RunRestore;
using testing::TestRepository;

constexpr uint64_t kMiB = 1 << 20;

class RestorerTest : public testing::ScratchTest {};

TEST_F(RestorerTest, RestoresRegularAndEmptyFilesWithContentAndTimes) {
  Node hello = repo_.File("hello.txt", {"hello, ", "world\n"}, 0640);
  hello.mtime_ns = 1'234'567'890'123'456'789;
  Node empty = repo_.File("empty", {});
  auto snap = repo_.Snapshot(repo_.Tree({empty, hello}));

  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary) << out.error->message();
  EXPECT_TRUE(out.reported.empty()) << out.reported.front().second;
  struct stat st = Lstat(target_ / "hello.txt");  // before reading bumps the access time
  EXPECT_EQ(ReadFile(target_ / "hello.txt"), "hello, world\n");
  EXPECT_EQ(ReadFile(target_ / "empty"), "");
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1'234'567'890);
  EXPECT_EQ(st.st_mtim.tv_nsec, 123'456'789);
  EXPECT_EQ(st.st_atim.tv_sec, 1'600'000'001);
  EXPECT_EQ(out.summary->files, 2u);
  EXPECT_EQ(out.summary->bytes, 13u);
  EXPECT_EQ(out.summary->errors, 0u);
}

TEST_F(RestorerTest, SparseFileKeepsItsHolesAndDataStraddlingAHole) {
  Node sparse = TestRepository::Base("disk.img", NodeType::kFile, 0600);
  sparse.size = 64 * kMiB;
  sparse.holes = {{0, 16 * kMiB}, {16 * kMiB + 8192, 48 * kMiB - 8192}};
  sparse.content = {repo_.Data(std::string(4096, 'a')), repo_.Data(std::string(4096, 'b'))};
  Node straddle = TestRepository::Base("straddle", NodeType::kFile, 0600);
  straddle.size = 300;
  straddle.holes = {{100, 100}};  // data [0,100) and [200,300) from one 200-byte blob
  straddle.content = {repo_.Data(std::string(100, 'x') + std::string(100, 'y'))};
  auto snap = repo_.Snapshot(repo_.Tree({sparse, straddle}));

  RestoreOptions options = Options();
  options.verify = true;
  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  EXPECT_EQ(out.summary->verified_files, 2u);
  struct stat st = Lstat(target_ / "disk.img");
  EXPECT_EQ(static_cast<uint64_t>(st.st_size), 64 * kMiB);
  EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, kMiB) << "holes were written as data";
  std::string image = ReadFile(target_ / "disk.img");
  EXPECT_EQ(image.substr(16 * kMiB - 1, 4098), std::string(1, '\0') + std::string(4096, 'a') + "b");
  EXPECT_EQ(image.back(), '\0');
  EXPECT_EQ(ReadFile(target_ / "straddle"),
            std::string(100, 'x') + std::string(100, '\0') + std::string(100, 'y'));
}

TEST_F(RestorerTest, SymlinkWithNonUtf8TargetAndNonUtf8Names) {
  std::string odd_name = "caf\xe9-\xff";
  std::string odd_target = "../\xfe\xff/target";
  Node file = repo_.File(odd_name, {"bytes"});
  Node link = TestRepository::Symlink("link\x80", odd_target);
  link.mtime_ns = 1'500'000'000'000'000'042;
  auto snap = repo_.Snapshot(repo_.Tree({file, link}));

  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  EXPECT_EQ(ReadFile(target_ / odd_name), "bytes");
  fs::path link_path = target_ / "link\x80";
  EXPECT_EQ(fs::read_symlink(link_path).string(), odd_target);
  struct stat st = Lstat(link_path);
  EXPECT_EQ(st.st_mtim.tv_nsec, 42);
  EXPECT_EQ(out.summary->symlinks, 1u);
}

TEST_F(RestorerTest, HardLinksShareOneInode) {
  Node first = repo_.File("first", {"shared content"});
  first.links = 2;
  first.device = 5;
  first.inode = 77;
  Node second = first;
  second.name = "second";
  Node alone = repo_.File("alone", {"shared content"});  // same content, not a link
  auto sub = repo_.Tree({second});
  auto snap = repo_.Snapshot(repo_.Tree({alone, first, TestRepository::Dir("sub", sub)}));

  RestoreOptions options = Options();
  options.verify = true;
  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  struct stat a = Lstat(target_ / "first"), b = Lstat(target_ / "sub" / "second");
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_nlink, 2u);
  EXPECT_NE(Lstat(target_ / "alone").st_ino, a.st_ino);
  EXPECT_EQ(ReadFile(target_ / "sub" / "second"), "shared content");
  EXPECT_EQ(out.summary->files, 3u);
}

TEST_F(RestorerTest, FifoSetuidAndStickyModes) {
  Node fifo = TestRepository::Base("pipe", NodeType::kFifo, 0620);
  Node setuid = repo_.File("tool", {"#!/bin/true\n"}, 04755);
  Node shared = TestRepository::Dir("shared", repo_.Tree({}), 01777);
  auto snap = repo_.Snapshot(repo_.Tree({fifo, shared, setuid}));
  RestoreOptions options = Options();
  options.as_root = true;  // setuid survives only as root (policy_test.cc); owners are ours

  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  struct stat st = Lstat(target_ / "pipe");
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0620u);
  EXPECT_EQ(Lstat(target_ / "tool").st_mode & 07777, 04755u);
  EXPECT_EQ(Lstat(target_ / "shared").st_mode & 07777, 01777u);
  EXPECT_EQ(out.summary->other, 1u);
}

TEST_F(RestorerTest, OwnerAndDeviceNodesWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "owners and device nodes need root";
  Node owned = repo_.File("owned", {"x"}, 04750);
  owned.uid = 1234;
  owned.gid = 5678;
  Node null_dev = TestRepository::Base("null", NodeType::kCharDevice, 0666);
  null_dev.rdev = makedev(1, 3);
  auto snap = repo_.Snapshot(repo_.Tree({null_dev, owned}));

  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary);
  struct stat st = Lstat(target_ / "owned");
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(st.st_mode & 07777, 04750u) << "mode must be set after the owner";
  if (out.Reported("null", "special file")) GTEST_SKIP() << "mknod not permitted here";
  struct stat dev = Lstat(target_ / "null");
  EXPECT_TRUE(S_ISCHR(dev.st_mode));
  EXPECT_EQ(dev.st_rdev, makedev(1, 3));
}

TEST_F(RestorerTest, DeviceNodesAreReportedWhenNotRoot) {
  Node dev = TestRepository::Base("sda", NodeType::kBlockDevice, 0660);
  dev.rdev = makedev(8, 0);
  auto snap = repo_.Snapshot(repo_.Tree({dev, repo_.File("f", {"x"})}));
  RestoreOptions options = Options();
  options.as_root = false;  // what a non-root user gets, whoever runs the test

  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 1u);
  EXPECT_TRUE(out.Reported("/sda", "only restored when running as root"));
  EXPECT_EQ(Listing(target_), std::vector<std::string>{"f"});
}

TEST_F(RestorerTest, ExtendedAttributesOrOneUnsupportedReport) {
  Node a = repo_.File("a", {"1"});
  a.xattrs = {{"user.stormproof", std::string("v\0al", 4)}};
  Node b = repo_.File("b", {"2"});
  b.xattrs = {{"user.stormproof", "other"}};
  auto snap = repo_.Snapshot(repo_.Tree({a, b}));

  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary);
  if (out.Reported("", "not restored")) {
    EXPECT_EQ(out.summary->errors, 1u) << "ENOTSUP is reported once, not per file";
    GTEST_SKIP() << "this file system does not support user extended attributes";
  }
  EXPECT_EQ(out.summary->errors, 0u);
  char value[16];
  ssize_t n = ::getxattr((target_ / "a").c_str(), "user.stormproof", value, sizeof value);
  ASSERT_EQ(n, 4);
  EXPECT_EQ(std::string(value, 4), std::string("v\0al", 4));
}

TEST_F(RestorerTest, DeepNestingAndDirectoryTimesRestoredLast) {
  crypto::Id tree = repo_.Tree({repo_.File("bottom", {"deep"})});
  for (int level = 199; level >= 0; --level) {
    Node dir = TestRepository::Dir("d" + std::to_string(level), tree, 0750);
    dir.mtime_ns = 1'000'000'000'000'000'000 + level;
    tree = repo_.Tree({dir});
  }
  auto snap = repo_.Snapshot(tree);

  RestoreOptions options = Options();
  options.verify = true;
  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  EXPECT_EQ(out.summary->dirs, 200u);
  fs::path p = target_;
  for (int level = 0; level < 200; ++level) {
    p /= "d" + std::to_string(level);
    struct stat st = Lstat(p);
    ASSERT_EQ(st.st_mtim.tv_nsec, level) << "directory times must survive their contents";
    ASSERT_EQ(st.st_mode & 07777, 0750u);
  }
  EXPECT_EQ(ReadFile(p / "bottom"), "deep");
}

TEST_F(RestorerTest, SharedBlobsAreWrittenEverywhereWithManyThreads) {
  std::vector<std::string> parts = {std::string(70000, 'p'), std::string(5000, 'q'), "r"};
  std::vector<Node> nodes;
  for (int i = 0; i < 60; ++i) {
    std::vector<std::string> order = {parts[i % 3], parts[(i + 1) % 3], parts[i % 3]};
    nodes.push_back(repo_.File("f" + std::to_string(100 + i), order));
  }
  auto snap = repo_.Snapshot(repo_.Tree(nodes));

  RestoreOptions options = Options();
  options.threads = 4;
  options.verify = true;
  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  EXPECT_EQ(out.summary->verified_files, 60u);
  for (int i = 0; i < 60; ++i) {
    EXPECT_EQ(ReadFile(target_ / ("f" + std::to_string(100 + i))),
              parts[i % 3] + parts[(i + 1) % 3] + parts[i % 3]);
  }
  ASSERT_FALSE(out.progress.empty());
  const std::optional<ProgressCount>& bytes = out.progress.back().Get(ProgressUnit::kBytes);
  ASSERT_NE(bytes, std::nullopt);
  EXPECT_EQ(bytes->done, out.summary->bytes);
  EXPECT_EQ(bytes->total, out.summary->bytes);
  ASSERT_NE(out.progress.back().Get(ProgressUnit::kFiles), std::nullopt);
  EXPECT_EQ(out.progress.back().Get(ProgressUnit::kFiles)->done, out.summary->files);
}

TEST_F(RestorerTest, ReplacesExistingFilesAndReusesExistingDirectories) {
  fs::create_directories(target_ / "dir");
  WriteFile(target_ / "dir" / "f", "old content that is longer");
  fs::create_hard_link(target_ / "dir" / "f", scratch_ / "other-link");
  auto snap = repo_.Snapshot(
      repo_.Tree({TestRepository::Dir("dir", repo_.Tree({repo_.File("f", {"new"})}))}));

  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  EXPECT_EQ(ReadFile(target_ / "dir" / "f"), "new");
  EXPECT_EQ(ReadFile(scratch_ / "other-link"), "old content that is longer")
      << "the old file is replaced by rename, not rewritten in place";
  EXPECT_EQ(Listing(target_), (std::vector<std::string>{"dir", "dir/f"}));
}

TEST_F(RestorerTest, SubpathRestoresOnlyThatDirectoryIntoTheTarget) {
  auto docs = repo_.Tree({repo_.File("report.txt", {"r"}), repo_.File("notes.md", {"n"})});
  auto home = repo_.Tree({TestRepository::Dir("docs", docs), repo_.File("other", {"o"})});
  auto snap = repo_.Snapshot(repo_.Tree({TestRepository::Dir("home", home)}));

  RestoreOptions options = Options();
  options.subpath = "/home/docs";
  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(Listing(target_), (std::vector<std::string>{"notes.md", "report.txt"}));

  options.target = (scratch_ / "single").string();
  options.subpath = "home/other";
  out = RunRestore(repo_.repo(), snap, options);
  ASSERT_TRUE(out.summary);
  EXPECT_EQ(Listing(scratch_ / "single"), (std::vector<std::string>{"other"}));

  options.subpath = "/home/missing";
  out = RunRestore(repo_.repo(), snap, options);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code(), ErrorCode::kNotFound);
}

TEST_F(RestorerTest, IncludesRestoreMatchesAndTheirDirectories) {
  auto docs = repo_.Tree({repo_.File("a.txt", {"a"}), repo_.File("b.bin", {"b"})});
  auto keep = repo_.Tree({repo_.File("k.bin", {"k"})});
  auto snap = repo_.Snapshot(
      repo_.Tree({TestRepository::Dir("docs", docs), TestRepository::Dir("keep", keep),
                  TestRepository::Dir("empty", repo_.Tree({})), repo_.File("top.bin", {"t"})}));

  RestoreOptions options = Options();
  options.includes = {"*.txt", "/keep"};
  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  EXPECT_EQ(Listing(target_),
            (std::vector<std::string>{"docs", "docs/a.txt", "keep", "keep/k.bin"}));
}

TEST_F(RestorerTest, UncreatableTargetIsAnError) {
  WriteFile(scratch_ / "a-file", "x");
  RestoreOptions options = Options();
  options.target = (scratch_ / "a-file" / "below").string();
  Outcome out = RunRestore(repo_.repo(), repo_.Snapshot(repo_.Tree({})), options);
  ASSERT_TRUE(out.error);
  EXPECT_THAT(out.error->message(), HasSubstr("a-file"));
}

TEST_F(RestorerTest, UnreadableRootTreeIsAnError) {
  crypto::Id missing;
  missing.bytes.fill(0x42);
  Outcome out = RunRestore(repo_.repo(), repo_.Snapshot(missing), Options());
  ASSERT_TRUE(out.error);
  EXPECT_THAT(out.error->message(), HasSubstr("root tree"));
}

}  // namespace
}  // namespace stormproof::restorer
