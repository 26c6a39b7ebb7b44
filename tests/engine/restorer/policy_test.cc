// What a restore may recreate (policy.h): setuid/setgid bits only as root for a trusted
// repository, and with `untrusted` no device nodes, fifos, sockets or security.* / trusted.*
// extended attributes. Whether the restore runs as root is injected (RestoreOptions::as_root), so
// both sides are tested whoever runs the tests; what only root can set up is skipped otherwise.
#include "engine/restorer/internal/policy.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "tests/engine/restorer/restore_fixture.h"
#include "engine/restorer/verify_tree.h"
#include "tests/matchers.h"

namespace stormproof::restorer {
namespace {

namespace fs = std::filesystem;
using repository::Node;
using repository::NodeType;
using testing::Outcome;
using testing::RunRestore;
using testing::TestRepository;

constexpr RestorePolicy kUser{/*as_root=*/false, /*untrusted=*/false};
constexpr RestorePolicy kRoot{/*as_root=*/true, /*untrusted=*/false};
constexpr RestorePolicy kUntrustedRoot{/*as_root=*/true, /*untrusted=*/true};

TEST(RestorePolicyTest, SetuidAndSetgidSurviveOnlyAsRootForATrustedRepository) {
  EXPECT_EQ(RestoredPermissions(NodeType::kFile, 04755, kRoot), 04755u);
  EXPECT_EQ(RestoredPermissions(NodeType::kFile, 06711, kRoot), 06711u);
  for (const RestorePolicy& policy : {kUser, kUntrustedRoot}) {
    EXPECT_EQ(RestoredPermissions(NodeType::kFile, 04755, policy), 0755u);
    EXPECT_EQ(RestoredPermissions(NodeType::kFile, 02755, policy), 0755u);
    EXPECT_EQ(RestoredPermissions(NodeType::kFile, 07755, policy), 01755u) << "sticky stays";
    EXPECT_EQ(RestoredPermissions(NodeType::kCharDevice, 04666, policy), 0666u);
    // A directory's setgid bit only hands its group to new entries: kept.
    EXPECT_EQ(RestoredPermissions(NodeType::kDir, 02775, policy), 02775u);
    EXPECT_EQ(RestoredPermissions(NodeType::kDir, 04775, policy), 0775u);
  }
  EXPECT_EQ(RestoredPermissions(NodeType::kFile, 0100644, kRoot), 0644u) << "type bits dropped";
}

TEST(RestorePolicyTest, UntrustedMakesNoSpecialFilesAndNoSecurityAttributes) {
  for (NodeType type :
       {NodeType::kFifo, NodeType::kSocket, NodeType::kCharDevice, NodeType::kBlockDevice}) {
    EXPECT_TRUE(MakesEntry(type, kRoot));
    EXPECT_TRUE(MakesEntry(type, kUser));
    EXPECT_FALSE(MakesEntry(type, kUntrustedRoot));
  }
  for (NodeType type : {NodeType::kFile, NodeType::kDir, NodeType::kSymlink}) {
    EXPECT_TRUE(MakesEntry(type, kUntrustedRoot));
  }
  for (const char* name : {"security.capability", "security.selinux", "trusted.overlay.opaque"}) {
    EXPECT_TRUE(SetsXattr(name, kRoot)) << name;
    EXPECT_FALSE(SetsXattr(name, kUntrustedRoot)) << name;
  }
  for (const char* name : {"user.comment", "system.posix_acl_access", "securityx", "trusted"}) {
    EXPECT_TRUE(SetsXattr(name, kUntrustedRoot)) << name;
  }
}

TEST(RestorePolicyTest, RootIsInjectableAndDefaultsToTheEffectiveUser) {
  RestoreOptions options;
  EXPECT_EQ(PolicyFor(options).as_root, ::geteuid() == 0);
  EXPECT_FALSE(PolicyFor(options).untrusted);
  options.as_root = false;
  EXPECT_FALSE(PolicyFor(options).as_root);
  options.as_root = true;
  options.untrusted = true;
  EXPECT_TRUE(PolicyFor(options).as_root);
  EXPECT_TRUE(PolicyFor(options).untrusted);
}

class RestorePolicyRunTest : public testing::ScratchTest {
 protected:
  // A valid file capability (struct vfs_cap_data, revision 2): cap_net_bind_service, effective.
  static std::string NetBindCapability() {
    const uint32_t words[5] = {0x02000001, 1u << 10, 0, 0, 0};  // magic|effective, lo, hi words
    std::string value;
    for (uint32_t w : words) {
      for (int i = 0; i < 4; ++i) value.push_back(static_cast<char>((w >> (8 * i)) & 0xFF));
    }
    return value;
  }
  static bool HasXattr(const fs::path& path, const char* name) {
    char value[64];
    return ::lgetxattr(path.c_str(), name, value, sizeof value) >= 0;
  }
};

TEST_F(RestorePolicyRunTest, NotAsRootSetuidAndSetgidAreClearedAndCounted) {
  Node setuid = repo_.File("setuid-tool", {"#!/bin/true\n"}, 04755);
  Node setgid = repo_.File("setgid-tool", {"#!/bin/true\n"}, 02711);
  Node plain = repo_.File("plain", {"x"}, 01644);
  Node shared = TestRepository::Dir("shared", repo_.Tree({}), 02775);
  auto snap = repo_.Snapshot(repo_.Tree({plain, setgid, setuid, shared}));
  RestoreOptions options = Options();
  options.as_root = false;  // whoever runs the test: the decision a non-root user gets

  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  EXPECT_EQ(out.summary->setid_cleared, 2u);
  EXPECT_EQ(Lstat(target_ / "setuid-tool").st_mode & 07777, 0755u);
  EXPECT_EQ(Lstat(target_ / "setgid-tool").st_mode & 07777, 0711u);
  EXPECT_EQ(Lstat(target_ / "plain").st_mode & 07777, 01644u);
  EXPECT_EQ(ReadFile(target_ / "setuid-tool"), "#!/bin/true\n");
  // The kernel drops a setgid bit for a group the user is not in; ours is the test's own group.
  EXPECT_EQ(Lstat(target_ / "shared").st_mode & 07777, 02775u);
}

TEST_F(RestorePolicyRunTest, UntrustedClearsSetuidEvenAsRoot) {
  Node setuid = repo_.File("setuid-tool", {"#!/bin/true\n"}, 04755);
  auto snap = repo_.Snapshot(repo_.Tree({setuid}));
  RestoreOptions options = Options();
  options.as_root = true;  // owners are the test's own, so this works unprivileged as well
  options.untrusted = true;

  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  EXPECT_EQ(out.summary->setid_cleared, 1u);
  EXPECT_EQ(Lstat(target_ / "setuid-tool").st_mode & 07777, 0755u);
}

TEST_F(RestorePolicyRunTest, UntrustedSkipsFifosSocketsAndDeviceNodesWithoutErrors) {
  Node fifo = TestRepository::Base("pipe", NodeType::kFifo, 0666);
  Node socket = TestRepository::Base("sock", NodeType::kSocket, 0755);
  Node mem = TestRepository::Base("mem", NodeType::kCharDevice, 0666);
  mem.rdev = makedev(1, 1);  // /dev/mem
  Node disk = TestRepository::Base("sda", NodeType::kBlockDevice, 0666);
  disk.rdev = makedev(8, 0);
  Node file = repo_.File("file", {"data"});
  auto snap = repo_.Snapshot(repo_.Tree({file, mem, fifo, disk, socket}));
  RestoreOptions options = Options();
  options.untrusted = true;

  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  EXPECT_EQ(out.summary->special_skipped, 4u);
  EXPECT_EQ(out.summary->other, 0u);
  EXPECT_EQ(Listing(target_), std::vector<std::string>{"file"});

  // The drill's data check does not miss what an untrusted restore leaves out on purpose...
  auto check = VerifyRestoredTree(repo_.repo(), snap, target_.string(), "", /*untrusted=*/true);
  ASSERT_THAT(check, IsOk());
  EXPECT_EQ(check->problem_count, 0u) << check->problems[0];
  EXPECT_EQ(check->files_checked, 1u);
  // ...but a check that expects everything does.
  auto strict = VerifyRestoredTree(repo_.repo(), snap, target_.string(), "");
  ASSERT_THAT(strict, IsOk());
  EXPECT_EQ(strict->problem_count, 4u);
}

TEST_F(RestorePolicyRunTest, TrustedRestoreStillMakesFifos) {
  Node fifo = TestRepository::Base("pipe", NodeType::kFifo, 0640);
  auto snap = repo_.Snapshot(repo_.Tree({fifo}));

  Outcome out = RunRestore(repo_.repo(), snap, Options());

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  EXPECT_EQ(out.summary->special_skipped, 0u);
  EXPECT_TRUE(S_ISFIFO(Lstat(target_ / "pipe").st_mode));
}

TEST_F(RestorePolicyRunTest, UntrustedDropsSecurityCapabilityAndTrustedAttributes) {
  if (::geteuid() != 0) GTEST_SKIP() << "setting security.capability and trusted.* needs root";
  Node tool = repo_.File("tool", {"#!/bin/true\n"}, 0755);
  tool.xattrs = {{"security.capability", NetBindCapability()}, {"trusted.stormproof", "t"}};
  auto snap = repo_.Snapshot(repo_.Tree({tool}));

  // Trusted, as root: everything is set (or this file system cannot hold it: skip).
  Outcome trusted = RunRestore(repo_.repo(), snap, Options());
  ASSERT_TRUE(trusted.summary);
  if (trusted.summary->errors > 0) {
    GTEST_SKIP() << "this file system does not take these attributes: "
                 << trusted.reported.front().second;
  }
  ASSERT_TRUE(HasXattr(target_ / "tool", "security.capability"));
  ASSERT_TRUE(HasXattr(target_ / "tool", "trusted.stormproof"));
  fs::remove_all(target_);

  RestoreOptions options = Options();
  options.untrusted = true;
  Outcome out = RunRestore(repo_.repo(), snap, options);

  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->errors, 0u);
  EXPECT_EQ(out.summary->xattrs_skipped, 2u);
  EXPECT_EQ(out.summary->files, 1u);
  EXPECT_FALSE(HasXattr(target_ / "tool", "security.capability"));
  EXPECT_FALSE(HasXattr(target_ / "tool", "trusted.stormproof"));
  EXPECT_EQ(ReadFile(target_ / "tool"), "#!/bin/true\n");
}

}  // namespace
}  // namespace stormproof::restorer
