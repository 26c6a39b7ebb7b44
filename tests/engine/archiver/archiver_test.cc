// Backup() end to end on real files: every kind of entry and its metadata.
#include "engine/archiver/archiver.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>

#include <cerrno>
#include <cstring>

#include "tests/engine/archiver/archiver_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::archiver::testing {
namespace {

TEST_F(ArchiverTest, StoresRegularAndEmptyFilesAndDirectories) {
  MakeDir("docs");
  MakeDir("docs/nested");
  MakeDir("docs/nested/deeper");
  MakeDir("empty-dir");
  Write("docs/readme.txt", "hello, archive\n");
  Write("docs/nested/deeper/data.bin", RandomData(3 << 20, 1));
  Write("empty-file", "");

  Result<Snapshot> snapshot = Run(Options({root_}));
  ASSERT_THAT(snapshot, IsOk());
  EXPECT_TRUE(errors_.empty());
  EXPECT_TRUE(snapshot->skipped.empty());

  std::optional<Node> readme = FindRelative(*snapshot, "docs/readme.txt");
  ASSERT_TRUE(readme.has_value());
  EXPECT_EQ(readme->type, NodeType::kFile);
  EXPECT_EQ(readme->size, 15u);
  EXPECT_EQ(AsText(Content(*readme)), "hello, archive\n");
  std::optional<Node> data = FindRelative(*snapshot, "docs/nested/deeper/data.bin");
  ASSERT_TRUE(data.has_value());
  EXPECT_EQ(Content(*data), RandomData(3 << 20, 1));

  std::optional<Node> empty_file = FindRelative(*snapshot, "empty-file");
  ASSERT_TRUE(empty_file.has_value());
  EXPECT_EQ(empty_file->size, 0u);
  EXPECT_TRUE(empty_file->content.empty());
  std::optional<Node> empty_dir = FindRelative(*snapshot, "empty-dir");
  ASSERT_TRUE(empty_dir.has_value());
  EXPECT_EQ(empty_dir->type, NodeType::kDir);
  ASSERT_TRUE(empty_dir->subtree.has_value());
  EXPECT_TRUE(LoadTree(*empty_dir->subtree).nodes.empty());

  EXPECT_EQ(snapshot->summary.files_new, 3u);
  EXPECT_EQ(snapshot->summary.bytes_processed, 15u + (3u << 20));
  EXPECT_GT(snapshot->summary.data_blobs_added, 0u);
  EXPECT_GT(snapshot->summary.bytes_added, 0u);
}

TEST_F(ArchiverTest, KeepsAbsoluteLocationAndSnapshotFields) {
  Write("file", "x");
  BackupOptions options = Options({root_ + "/./file"});
  options.tags = {{"client", "acme"}};
  options.hostname = "backup-host";
  Result<Snapshot> snapshot = Run(options);
  ASSERT_THAT(snapshot, IsOk());
  EXPECT_EQ(snapshot->paths, std::vector<std::string>{Path("file")});
  EXPECT_EQ(snapshot->hostname, "backup-host");
  EXPECT_EQ(snapshot->tags.at("client"), "acme");
  EXPECT_EQ(snapshot->program_version, "stormproof 0.1.0");
  EXPECT_GT(snapshot->time_ns, 0);
  EXPECT_FALSE(snapshot->parent.has_value());

  // The root tree has "tmp" only; "tmp" has this test's directory only.
  Tree root = LoadTree(snapshot->tree);
  ASSERT_EQ(root.nodes.size(), 1u);
  EXPECT_EQ(root.nodes[0].name, "tmp");
  EXPECT_EQ(root.nodes[0].type, NodeType::kDir);
  ASSERT_TRUE(FindRelative(*snapshot, "file").has_value());
  Tree tmp = LoadTree(*root.nodes[0].subtree);
  ASSERT_EQ(tmp.nodes.size(), 1u);

  // The saved snapshot is the one returned.
  Result<Snapshot> loaded = repo_->LoadSnapshot(snapshot->id);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->tree, snapshot->tree);
  EXPECT_EQ(loaded->summary.files_new, 1u);
}

TEST_F(ArchiverTest, RecordsSymlinkWithNonUtf8TargetWithoutFollowingIt) {
  const std::string target("../\xff\xfe-not-utf8/\x80");
  ASSERT_EQ(::symlink(target.c_str(), Path("link").c_str()), 0);
  ASSERT_EQ(::symlink("/etc", Path("etc-link").c_str()), 0);
  Result<Snapshot> snapshot = Run(Options({root_}));
  ASSERT_THAT(snapshot, IsOk());
  std::optional<Node> link = FindRelative(*snapshot, "link");
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->type, NodeType::kSymlink);
  EXPECT_EQ(link->link_target, target);
  std::optional<Node> etc = FindRelative(*snapshot, "etc-link");
  ASSERT_TRUE(etc.has_value());
  EXPECT_EQ(etc->type, NodeType::kSymlink);
  EXPECT_FALSE(etc->subtree.has_value());
}

TEST_F(ArchiverTest, RecordsHardLinksWithTheirInodeAndLinkCount) {
  Write("first", "shared content");
  ASSERT_EQ(::link(Path("first").c_str(), Path("second").c_str()), 0);
  Result<Snapshot> snapshot = Run(Options({root_}));
  ASSERT_THAT(snapshot, IsOk());
  std::optional<Node> first = FindRelative(*snapshot, "first");
  std::optional<Node> second = FindRelative(*snapshot, "second");
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->links, 2u);
  EXPECT_EQ(second->links, 2u);
  EXPECT_EQ(first->inode, second->inode);
  EXPECT_EQ(first->device, second->device);
  EXPECT_EQ(first->content, second->content);  // stored once
}

TEST_F(ArchiverTest, RecordsHolesOfSparseFilesAndStoresOnlyData) {
  const uint64_t kSize = 64ull << 20;
  const uint64_t kDataAt = 32ull << 20;
  Bytes data = RandomData(1 << 20, 2);
  int fd = ::open(Path("sparse").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(kSize)), 0);
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), kDataAt), static_cast<ssize_t>(data.size()));
  ::close(fd);
  struct stat st {};
  ASSERT_EQ(::stat(Path("sparse").c_str(), &st), 0);
  if (static_cast<uint64_t>(st.st_blocks) * 512 >= kSize) GTEST_SKIP() << "no sparse files here";

  Result<Snapshot> snapshot = Run(Options({root_}));
  ASSERT_THAT(snapshot, IsOk());
  std::optional<Node> node = FindRelative(*snapshot, "sparse");
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(node->size, kSize);
  ASSERT_EQ(node->holes.size(), 2u);
  EXPECT_EQ(node->holes[0], std::make_pair(uint64_t{0}, kDataAt));
  EXPECT_EQ(node->holes[1], std::make_pair(kDataAt + data.size(), kSize - kDataAt - data.size()));
  EXPECT_EQ(Content(*node), data);
  EXPECT_EQ(snapshot->summary.bytes_processed, kSize);
}

TEST_F(ArchiverTest, RecordsAFullySparseFileAsOneHole) {
  int fd = ::open(Path("nothing").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 8 << 20), 0);
  ::close(fd);
  Result<Snapshot> snapshot = Run(Options({root_}));
  ASSERT_THAT(snapshot, IsOk());
  std::optional<Node> node = FindRelative(*snapshot, "nothing");
  ASSERT_TRUE(node.has_value());
  EXPECT_TRUE(node->content.empty());
  ASSERT_EQ(node->holes.size(), 1u);
  EXPECT_EQ(node->holes[0], std::make_pair(uint64_t{0}, uint64_t{8 << 20}));
}

TEST_F(ArchiverTest, RecordsFifosWithoutReadingThem) {
  ASSERT_EQ(::mkfifo(Path("pipe").c_str(), 0640), 0);
  Result<Snapshot> snapshot = Run(Options({root_}));  // would block forever if it opened it
  ASSERT_THAT(snapshot, IsOk());
  std::optional<Node> pipe = FindRelative(*snapshot, "pipe");
  ASSERT_TRUE(pipe.has_value());
  EXPECT_EQ(pipe->type, NodeType::kFifo);
  EXPECT_EQ(pipe->mode, 0640u);
  EXPECT_TRUE(pipe->content.empty());
}

TEST_F(ArchiverTest, RecordsUnixSocketsWithoutContent) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string path = Path("sock");
  ASSERT_LT(path.size(), sizeof address.sun_path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  Result<Snapshot> snapshot = Run(Options({root_}));
  ::close(fd);
  ASSERT_THAT(snapshot, IsOk());
  std::optional<Node> sock = FindRelative(*snapshot, "sock");
  ASSERT_TRUE(sock.has_value());
  EXPECT_EQ(sock->type, NodeType::kSocket);
  EXPECT_TRUE(sock->content.empty());
}

TEST_F(ArchiverTest, BacksUpDeepDirectoryChains) {
  std::string relative = "deep";
  MakeDir(relative);
  for (int i = 0; i < 300; ++i) {
    relative += "/level";
    MakeDir(relative);
  }
  Write(relative + "/leaf", "at the bottom");
  Result<Snapshot> snapshot = Run(Options({Path("deep")}));
  ASSERT_THAT(snapshot, IsOk());
  EXPECT_TRUE(errors_.empty());
  std::optional<Node> leaf = FindRelative(*snapshot, relative + "/leaf");
  ASSERT_TRUE(leaf.has_value());
  EXPECT_EQ(AsText(Content(*leaf)), "at the bottom");
  EXPECT_EQ(snapshot->summary.dirs, 301u + Components(root_).size());
}

TEST_F(ArchiverTest, RecordsDeviceNodesWhenThePlatformAllowsMakingThem) {
  if (::mknod(Path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "mknod: " << strerror(errno);
  }
  Result<Snapshot> snapshot = Run(Options({root_}));
  ASSERT_THAT(snapshot, IsOk());
  std::optional<Node> dev = FindRelative(*snapshot, "null");
  ASSERT_TRUE(dev.has_value());
  EXPECT_EQ(dev->type, NodeType::kCharDevice);
  EXPECT_EQ(dev->rdev, makedev(1, 3));
}

TEST_F(ArchiverTest, RecordsModeBitsOwnerAndNanosecondTimes) {
  Write("setuid", "x");
  MakeDir("sticky");
  ASSERT_EQ(::chmod(Path("setuid").c_str(), 04755), 0);
  ASSERT_EQ(::chmod(Path("sticky").c_str(), 01777), 0);
  const struct timespec times[2] = {{1'600'000'000, 111'222'333}, {1'700'000'000, 123'456'789}};
  ASSERT_EQ(::utimensat(AT_FDCWD, Path("setuid").c_str(), times, AT_SYMLINK_NOFOLLOW), 0);

  Result<Snapshot> snapshot = Run(Options({root_}));
  ASSERT_THAT(snapshot, IsOk());
  std::optional<Node> file = FindRelative(*snapshot, "setuid");
  std::optional<Node> dir = FindRelative(*snapshot, "sticky");
  ASSERT_TRUE(file.has_value() && dir.has_value());
  EXPECT_EQ(file->mode, 04755u);
  EXPECT_EQ(dir->mode, 01777u);
  EXPECT_EQ(file->mtime_ns, 1'700'000'000'123'456'789);
  EXPECT_EQ(file->atime_ns, 1'600'000'000'111'222'333);
  EXPECT_EQ(file->uid, ::geteuid());
  EXPECT_EQ(file->gid, ::getegid());
  if (::geteuid() == 0) {
    EXPECT_EQ(file->user, "root");
  }
  struct stat st {};
  ASSERT_EQ(::lstat(Path("setuid").c_str(), &st), 0);
  EXPECT_EQ(file->inode, st.st_ino);
  EXPECT_EQ(file->device, st.st_dev);
  EXPECT_EQ(file->ctime_ns, st.st_ctim.tv_sec * 1'000'000'000 + st.st_ctim.tv_nsec);
}

TEST_F(ArchiverTest, RecordsExtendedAttributesSortedByName) {
  Write("tagged", "x");
  const std::string value("\x00\x01binary\xff", 9);
  if (::setxattr(Path("tagged").c_str(), "user.zeta", value.data(), value.size(), 0) != 0) {
    GTEST_SKIP() << "setxattr: " << strerror(errno);
  }
  ASSERT_EQ(::setxattr(Path("tagged").c_str(), "user.alpha", "1", 1, 0), 0);
  Result<Snapshot> snapshot = Run(Options({root_}));
  ASSERT_THAT(snapshot, IsOk());
  std::optional<Node> node = FindRelative(*snapshot, "tagged");
  ASSERT_TRUE(node.has_value());
  std::vector<std::pair<std::string, std::string>> user_xattrs;
  for (const repository::Xattr& x : node->xattrs) {
    if (x.name.rfind("user.", 0) == 0) user_xattrs.emplace_back(x.name, x.value);
  }
  EXPECT_EQ(user_xattrs, (std::vector<std::pair<std::string, std::string>>{{"user.alpha", "1"},
                                                                           {"user.zeta", value}}));
}

TEST_F(ArchiverTest, StoresNonUtf8NamesAsBytesInBytewiseOrder) {
  const std::string odd("caf\xe9-\xff\x01", 7);
  Write(odd, "latin-1 name");
  Write("Zebra", "z");
  Write("apple", "a");
  Result<Snapshot> snapshot = Run(Options({root_}));
  ASSERT_THAT(snapshot, IsOk());
  std::optional<Node> node = FindRelative(*snapshot, odd);
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(node->name, odd);
  EXPECT_EQ(AsText(Content(*node)), "latin-1 name");
  std::optional<Node> dir = Find(*snapshot, root_);
  ASSERT_TRUE(dir.has_value());
  std::vector<std::string> names;
  for (const Node& n : LoadTree(*dir->subtree).nodes) names.push_back(n.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Zebra", "apple", odd}));
}

TEST_F(ArchiverTest, LargeFilesAndManySmallFilesRoundTripThroughSharedArenas) {
  // 40 MiB spans many arenas (3 MiB with the default chunker); small files between them share
  // arenas.
  MakeDir("mix");
  for (int i = 0; i < 200; ++i) {
    Write("mix/small-" + std::to_string(i), TextData(100 + i * 37, i));
  }
  Write("mix/large-a", RandomData(40 << 20, 3));
  Write("mix/large-b", TextData(9 << 20, 4));
  for (unsigned threads : {1u, 3u}) {
    BackupOptions options = Options({Path("mix")});
    options.threads = threads;
    Result<Snapshot> snapshot = Run(options);
    ASSERT_THAT(snapshot, IsOk());
    EXPECT_EQ(Content(*FindRelative(*snapshot, "mix/large-a")), RandomData(40 << 20, 3));
    EXPECT_EQ(Content(*FindRelative(*snapshot, "mix/large-b")), TextData(9 << 20, 4));
    for (int i = 0; i < 200; i += 17) {
      std::optional<Node> small = FindRelative(*snapshot, "mix/small-" + std::to_string(i));
      ASSERT_TRUE(small.has_value());
      EXPECT_EQ(Content(*small), TextData(100 + i * 37, i));
    }
    EXPECT_EQ(snapshot->summary.files_new, 202u);
  }
}

TEST_F(ArchiverTest, UnchangedDirectoryGivesTheSameTreeAndStoresNothingNew) {
  MakeDir("d");
  Write("d/a", RandomData(1 << 20, 5));
  Write("d/b", "bee");
  Result<Snapshot> first = Run(Options({Path("d")}));
  ASSERT_THAT(first, IsOk());
  Result<Snapshot> second = Run(Options({Path("d")}));  // no parent: reads everything again
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->summary.data_blobs_added, 0u);
  EXPECT_EQ(FindRelative(*first, "d")->subtree, FindRelative(*second, "d")->subtree);
}

TEST_F(ArchiverTest, OverlappingAndRepeatedPathsAreBackedUpOnce) {
  MakeDir("a");
  MakeDir("a/b");
  MakeDir("c");
  Write("a/b/f", "f");
  Write("c/g", "g");
  Result<Snapshot> snapshot = Run(Options({Path("a/b"), Path("a"), Path("c"), Path("c/")}));
  ASSERT_THAT(snapshot, IsOk());
  EXPECT_EQ(snapshot->paths, (std::vector<std::string>{Path("a/b"), Path("a"), Path("c")}));
  std::optional<Node> dir = Find(*snapshot, root_);
  ASSERT_TRUE(dir.has_value());
  EXPECT_EQ(LoadTree(*dir->subtree).nodes.size(), 2u);
  EXPECT_TRUE(FindRelative(*snapshot, "a/b/f").has_value());
  EXPECT_TRUE(FindRelative(*snapshot, "c/g").has_value());
  EXPECT_EQ(snapshot->summary.files_new, 2u);
}

TEST_F(ArchiverTest, RelativePathsAreMadeAbsolute) {
  Write("rel", "r");
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(::chdir(root_.c_str()), 0);
  Result<Snapshot> snapshot = Run(Options({"rel", "../" + root_.substr(5) + "/rel"}));
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_THAT(snapshot, IsOk());
  EXPECT_EQ(snapshot->paths, std::vector<std::string>{Path("rel")});
  EXPECT_TRUE(FindRelative(*snapshot, "rel").has_value());
}

TEST_F(ArchiverTest, ProgressIsReportedButThrottled) {
  MakeDir("many");
  for (int i = 0; i < 300; ++i) Write("many/f" + std::to_string(i), TextData(5000, i));
  auto start = std::chrono::steady_clock::now();
  Result<Snapshot> snapshot = Run(Options({Path("many")}));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_THAT(snapshot, IsOk());
  EXPECT_GE(progress_calls_, 1);  // at least the final report
  EXPECT_LE(progress_calls_, 2 + elapsed / std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace stormproof::archiver::testing
