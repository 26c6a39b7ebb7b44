// Upload-only credentials against a real Ceph RGW (docs/object-storage.md, "Upload-only
// credentials for backup hosts"): the bucket's owner (the MSP's maintenance credentials) inits
// the repository; a second user, whom the bucket policy lets list, read and write but explicitly
// denies every delete and retention change, backs up, lists, restores and checks at full speed
// (one refused DELETE per run at most, never retried, no lock left that blocks anyone), and is
// refused by forget, prune and repair in one line before anything changes; the owner then reads
// what the uploader wrote, prunes, and removes the released locks. Through the real CLI (the
// test copy) and a counting proxy in front of the gateway.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "engine/s3/s3.h"
#include "tests/cli/cli_runner.h"
#include "tests/engine/s3/fault_proxy.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

class S3UploadOnlyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ExportRgwCredentials();  // the owner's, for the commands run without an `env`
    uploader_ = new RgwUser(CreateRgwUser("backup-host-upload-only"));
  }

  void SetUp() override {
    ASSERT_FALSE(uploader_->secret_key.empty());
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() /
           ("stormproof-s3-upload-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data" / "sub");
    std::ofstream(dir_ / "password") << "correct horse\n";
    fs::permissions(dir_ / "password", fs::perms::owner_read | fs::perms::owner_write);
    Write("data/hello.txt", "hello, world\n");
    Write("data/sub/random.bin", RandomBytes(300 << 10));
    bucket_ = CreateRgwBucket(UniqueBucketName(name));
    RgwResponse policy = PutRgwBucketPolicy(bucket_, UploadOnlyPolicy(bucket_, uploader_->uid));
    ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
    repo_ = "s3:" + proxy_.endpoint() + "/" + bucket_ + "/hosts/fs1";
    ASSERT_EQ(Owner("init").exit_code, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  static std::string RandomBytes(size_t n) {
    std::mt19937_64 rng(11);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  }
  CliResult Run(const std::string& args, const std::string& env) {
    return RunStormproof(
        "--repo '" + repo_ + "' --cache-dir '" + (dir_ / "cache").string() + "' " + args,
        "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" + (dir_ / "password").string() + "' " +
            env);
  }
  CliResult Owner(const std::string& args) { return Run(args, ""); }
  CliResult Uploader(const std::string& args) {
    return Run(args, "AWS_ACCESS_KEY_ID=" + uploader_->access_key +
                         " AWS_SECRET_ACCESS_KEY=" + uploader_->secret_key);
  }
  std::string Data() const { return (dir_ / "data").string(); }

  // The requests the proxy saw since the last ResetCounts() that start with `prefix`.
  int Requests(const std::string& prefix) const {
    auto all = proxy_.requests();
    return static_cast<int>(std::count_if(
        all.begin(), all.end(), [&](const std::string& r) { return r.rfind(prefix, 0) == 0; }));
  }
  // The S3 backend at `location` with the owner's credentials, or `user`'s.
  static std::unique_ptr<backend::Backend> OwnerStore(const std::string& location,
                                                      const RgwUser* user = nullptr) {
    auto parsed = s3::ParseLocation(location);
    EXPECT_TRUE(parsed.has_value());
    s3::Options options;
    options.location = *parsed;
    options.region = Rgw().region;
    options.credentials.access_key_id = user ? user->access_key : Rgw().access_key;
    options.credentials.secret_access_key =
        SecretString(std::string(user ? user->secret_key : Rgw().secret_key));
    auto store = s3::OpenBackend(std::move(options));
    EXPECT_TRUE(store.has_value()) << store.error().message();
    return store ? std::move(store).value() : nullptr;
  }
  // The sizes of the lock files, by name (the owner lists them, past the proxy).
  std::map<std::string, uint64_t> LockObjects() const {
    std::map<std::string, uint64_t> sizes;
    auto store = OwnerStore(RgwLocation(bucket_, "hosts/fs1"));
    Status listed =
        store->List(backend::FileType::kLock,
                    [&](const std::string& name, uint64_t size) { sizes[name] = size; });
    EXPECT_TRUE(listed.has_value()) << listed.error().message();
    return sizes;
  }
  size_t SnapshotCount() {
    CliResult snapshots = Owner("--json snapshots");
    EXPECT_EQ(snapshots.exit_code, 0) << snapshots.err;
    return nlohmann::json::parse(snapshots.out).size();
  }
  void ExpectNoSecret(const CliResult& result) const {
    EXPECT_EQ(result.out.find(uploader_->secret_key), std::string::npos);
    EXPECT_EQ(result.err.find(uploader_->secret_key), std::string::npos);
  }

  static RgwUser* uploader_;
  FaultProxy proxy_{Rgw().host, Rgw().port};
  fs::path dir_;
  std::string bucket_, repo_;
};

RgwUser* S3UploadOnlyTest::uploader_ = nullptr;

// What a backup host does, with credentials that may not delete: each backup makes at most one
// DELETE (refused with 403, not retried) and releases its lock by emptying it; an unchanged
// backup costs the uploader one request more than the owner (the PUT that empties its lock,
// after the refused DELETE); the owner then reads everything the uploader wrote
// (x-amz-acl: bucket-owner-full-control), backs up beside it and prunes, which removes the
// released locks.
TEST_F(S3UploadOnlyTest, ABackupHostBacksUpRestoresAndChecksWithoutDeleting) {
  ASSERT_EQ(Owner("backup " + Data()).exit_code, 0);
  proxy_.ResetCounts();
  ASSERT_EQ(Owner("backup " + Data()).exit_code, 0);
  const int owner_unchanged = proxy_.counts().total();

  for (int run = 0; run < 2; ++run) {
    proxy_.ResetCounts();
    CliResult backup = Uploader("backup " + Data());
    ASSERT_EQ(backup.exit_code, 0) << "run " << run << ": " << backup.err;
    ExpectNoSecret(backup);
    EXPECT_LE(Requests("DELETE "), 1) << "run " << run << ": the refused DELETE was retried";
    // The owner's 12 (docs/object-storage.md, "REQUESTS AND COSTS") and the empty lock's PUT.
    EXPECT_EQ(proxy_.counts().total(), owner_unchanged + 1)
        << "run " << run << ": " << ::testing::PrintToString(proxy_.requests());
  }
  Write("data/changed.txt", "a change the uploader backs up\n");
  proxy_.ResetCounts();
  CliResult changed = Uploader("backup " + Data());
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_EQ(Requests("DELETE "), 1) << "a fresh process learns the refusal from one DELETE";

  CliResult snapshots = Uploader("--json snapshots");
  ASSERT_EQ(snapshots.exit_code, 0) << snapshots.err;
  EXPECT_EQ(nlohmann::json::parse(snapshots.out).size(), 5u);
  const std::string target = (dir_ / "restored").string();
  CliResult restore = Uploader("restore latest --verify --target " + target);
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_EQ(::system(("diff -r " + Data() + " " + target + Data()).c_str()), 0);
  CliResult check = Uploader("check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

  auto locks = LockObjects();
  EXPECT_FALSE(locks.empty()) << "the uploader's released locks are kept, emptied";
  for (const auto& [key, size] : locks) EXPECT_EQ(size, 0u) << key << " was left holding";

  // The owner reads the uploader's packs (the ACL), is not blocked, and prunes the empty locks.
  CliResult owner_check = Owner("--no-cache check --read-data");
  EXPECT_EQ(owner_check.exit_code, 0) << owner_check.out << owner_check.err;
  ASSERT_EQ(Owner("backup " + Data()).exit_code, 0);
  CliResult prune = Owner("prune");
  ASSERT_EQ(prune.exit_code, 0) << prune.err;
  EXPECT_TRUE(LockObjects().empty()) << "prune left released locks behind";
}

// forget, prune and repair with the uploader's credentials: one line naming the missing
// permission and the credentials to use, exit 14, nothing changed; with the owner's they work.
TEST_F(S3UploadOnlyTest, ForgetPruneAndRepairRefuseUploadOnlyCredentialsInOneLine) {
  ASSERT_EQ(Uploader("backup " + Data()).exit_code, 0);
  Write("data/changed.txt", "second\n");
  ASSERT_EQ(Uploader("backup " + Data()).exit_code, 0);

  for (const char* command : {"forget --keep-last 1", "forget --keep-last 1 --prune", "prune",
                              "repair index", "repair snapshots"}) {
    proxy_.ResetCounts();
    CliResult refused = Uploader(command);
    EXPECT_EQ(refused.exit_code, 14) << command << ": " << refused.out << refused.err;
    EXPECT_EQ(refused.err,
              "stormproof: s3:" + proxy_.endpoint() + "/" + bucket_ +
                  "/hosts/fs1: these credentials may not delete objects (s3:DeleteObject refused "
                  "for locks/" +
                  refused.err.substr(refused.err.find("locks/") + 6, 64) +
                  "): forget, prune and repair need the maintenance credentials (the plan's "
                  "maintenance_credentials_file, or AWS_PROFILE or AWS_ACCESS_KEY_ID of the "
                  "maintenance key)\n")
        << command;
    EXPECT_EQ(Requests("DELETE "), 1) << command;
    EXPECT_EQ(Requests("PUT /" + bucket_ + "/hosts/fs1/snapshots"), 0) << command;
    EXPECT_EQ(Requests("PUT /" + bucket_ + "/hosts/fs1/index"), 0) << command;
    ExpectNoSecret(refused);
  }
  EXPECT_EQ(SnapshotCount(), 2u) << "a refused forget removed snapshots";
  // key passwd could add the new key but not remove the old one: asked first, nothing written.
  std::ofstream(dir_ / "new-password") << "new horse\n";
  proxy_.ResetCounts();
  CliResult passwd =
      Uploader("key passwd --new-password-file '" + (dir_ / "new-password").string() + "'");
  EXPECT_EQ(passwd.exit_code, 14) << passwd.out << passwd.err;
  EXPECT_THAT(passwd.err, HasSubstr("stormproof: the password was not changed: s3:"));
  EXPECT_EQ(Requests("PUT /" + bucket_ + "/hosts/fs1/keys"), 0) << "a key was added";
  EXPECT_EQ(Owner("key list").exit_code, 0) << "the old password no longer opens";
  for (const auto& [key, size] : LockObjects()) EXPECT_EQ(size, 0u) << key << " still holds";
  CliResult check = Owner("--no-cache check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

  CliResult forget = Owner("forget --keep-last 1 --prune");
  ASSERT_EQ(forget.exit_code, 0) << forget.out << forget.err;
  EXPECT_EQ(SnapshotCount(), 1u);
  EXPECT_TRUE(LockObjects().empty()) << "prune left released locks behind";
  EXPECT_EQ(Owner("repair index").exit_code, 0);
}

// A bucket policy that lets the backup host delete its locks but nothing else: key passwd's probe
// under locks/ passes, the DELETE of the old key is refused, and the new key is not passed off
// as the only one: exit 14, saying both passwords may open and which key to remove.
TEST_F(S3UploadOnlyTest, KeyPasswdWhereOnlyLocksMayBeDeletedSaysWhatItLeft) {
  const std::string principal = R"({"AWS": ["arn:aws:iam:::user/)" + uploader_->uid + R"("]})";
  const std::string policy = R"({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": )" + principal + R"(,
     "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:ListBucketVersions",
                "s3:GetObjectVersion", "s3:GetObjectRetention",
                "s3:GetBucketObjectLockConfiguration"],
     "Resource": ["arn:aws:s3:::)" + bucket_ + R"(", "arn:aws:s3:::)" + bucket_ + R"(/*"]},
    {"Effect": "Allow", "Principal": )" + principal + R"(, "Action": ["s3:DeleteObject"],
     "Resource": ["arn:aws:s3:::)" + bucket_ + R"(/hosts/fs1/locks/*"]}]})";
  RgwResponse put = PutRgwBucketPolicy(bucket_, policy);
  ASSERT_EQ(put.status, 204) << put.body << put.error;
  auto keys = [&] {
    std::vector<std::string> names;
    auto store = OwnerStore(RgwLocation(bucket_, "hosts/fs1"));
    EXPECT_TRUE(store->List(backend::FileType::kKey, [&](const std::string& name, uint64_t) {
      names.push_back(name);
    }));
    return names;
  };
  const std::vector<std::string> before = keys();
  ASSERT_EQ(before.size(), 1u);
  std::ofstream(dir_ / "new-password") << "new horse\n";
  CliResult passwd =
      Uploader("key passwd --new-password-file '" + (dir_ / "new-password").string() + "'");
  EXPECT_EQ(passwd.exit_code, 14) << passwd.out << passwd.err;
  EXPECT_THAT(passwd.err, HasSubstr("the password was not changed as asked: the old key " +
                                    before[0] + " could not be removed, and the new key "));
  EXPECT_THAT(passwd.err, HasSubstr("so both passwords may open the repository; remove the old "
                                    "key with credentials that may delete (stormproof key "
                                    "remove " + before[0] + "): "));
  EXPECT_EQ(keys().size(), 2u);
  ExpectNoSecret(passwd);
}

// RGW answers the uploader's DELETE with 403 AccessDenied, also of an object it uploaded itself
// (the explicit Deny): kPermissionDenied naming the object, sent once (a 403 is not retried).
TEST_F(S3UploadOnlyTest, ARefusedDeleteIsPermissionDeniedNamingTheObjectAndNotRetried) {
  const std::string location = "s3:" + proxy_.endpoint() + "/" + bucket_ + "/hosts/fs1";
  auto store = OwnerStore(location, uploader_);
  ASSERT_NE(store, nullptr);
  const std::string name(64, 'b');
  ASSERT_TRUE(store->Save({backend::FileType::kSnapshot, name}, AsBytes("mine")).has_value());
  proxy_.ResetCounts();
  Status removed = store->Remove({backend::FileType::kSnapshot, name});
  ASSERT_FALSE(removed.has_value());
  EXPECT_THAT(removed, ErrorIs(ErrorCode::kPermissionDenied));
  EXPECT_THAT(removed.error().message(),
              HasSubstr(location + "/snapshots/" + name + ": access denied (AccessDenied)"));
  EXPECT_EQ(Requests("DELETE "), 1);
  EXPECT_TRUE(OwnerStore(RgwLocation(bucket_, "hosts/fs1"))
                  ->Load({backend::FileType::kSnapshot, name})
                  .has_value())
      << "the owner cannot read what the uploader wrote (x-amz-acl), or it was deleted";
}

// A server without object ACLs refuses x-amz-acl (older MinIO: 501 NotImplemented; Backblaze
// B2: 400 "Unsupported value for canned acl"): the PUT is sent again at once without it, and the
// header is not sent again by that client (a later 501 is then an error like any other).
TEST_F(S3UploadOnlyTest, AServerWithoutObjectAclsGetsThePutWithoutTheHeader) {
  auto store = OwnerStore("s3:" + proxy_.endpoint() + "/" + bucket_ + "/acl");
  ASSERT_NE(store, nullptr);
  const std::string name(64, 'a');
  proxy_.ResetCounts();
  proxy_.FailNext(1, 501, "NotImplemented");
  Status saved = store->Save({backend::FileType::kSnapshot, name}, AsBytes("snapshot"));
  EXPECT_TRUE(saved.has_value()) << saved.error().message();
  EXPECT_EQ(Requests("PUT "), 2);
  proxy_.FailNext(1, 501, "NotImplemented");
  EXPECT_FALSE(store->Save({backend::FileType::kIndex, name}, AsBytes("index")).has_value())
      << "the header was sent again (and the refusal taken for the header's)";
}

// Only the exact refusals of the header drop it (client.cc, RefusesObjectAcl): another 501 (or a
// 403, a 400 of another code) is an error like any other and the header stays; a 501
// NotImplemented then drops it, with one warning on stderr that says what that means.
TEST_F(S3UploadOnlyTest, OnlyTheDocumentedRefusalsDropTheAclHeaderWithOneWarning) {
  auto store = OwnerStore("s3:" + proxy_.endpoint() + "/" + bucket_ + "/acl-exact");
  ASSERT_NE(store, nullptr);
  const std::string name(64, 'b');
  proxy_.FailNext(1, 501, "NotSupported");
  EXPECT_FALSE(store->Save({backend::FileType::kSnapshot, name}, AsBytes("one")).has_value())
      << "a 501 that does not say NotImplemented was taken for a refusal of the header";
  proxy_.FailNext(1, 403, "AccessDenied");
  EXPECT_FALSE(store->Save({backend::FileType::kSnapshot, name}, AsBytes("one")).has_value());
  ::testing::internal::CaptureStderr();
  proxy_.FailNext(1, 501, "NotImplemented");
  Status saved = store->Save({backend::FileType::kSnapshot, name}, AsBytes("one"));
  EXPECT_TRUE(saved.has_value()) << saved.error().message();
  EXPECT_TRUE(store->Save({backend::FileType::kIndex, name}, AsBytes("two")).has_value());
  const std::string warned = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(warned, HasSubstr("stormproof: warning: s3:"));
  EXPECT_THAT(warned, HasSubstr(": the server refuses x-amz-acl (NotImplemented): objects are now "
                                "written without bucket-owner-full-control"));
  EXPECT_EQ(std::count(warned.begin(), warned.end(), '\n'), 1) << warned;
}

// The policy docs/object-storage.md gives for Ceph RGW is the one these tests (and the demo,
// which takes it from the docs) put on the bucket: read from the source tree, the JSON block
// after "### Ceph RGW (tested)", with the docs' bucket and user replaced.
std::string DocsRgwPolicy(const std::string& bucket, const std::string& user) {
  std::ifstream in(std::string(STORMPROOF_EXAMPLES) + "/../docs/object-storage.md");
  std::string docs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t section = docs.find("### Ceph RGW (tested)");
  if (section == std::string::npos) return "";
  size_t open = docs.find("```json\n", section);
  size_t close = docs.find("```", open + 8);
  if (open == std::string::npos || close == std::string::npos) return "";
  std::string policy = docs.substr(open + 8, close - open - 8);
  for (auto [from, to] : {std::pair<std::string, std::string>{"acme-offsite", bucket},
                          {"acme-backup", user}}) {
    for (size_t at = policy.find(from); at != std::string::npos; at = policy.find(from, at)) {
      policy.replace(at, from.size(), to);
      at += to.size();
    }
  }
  return policy;
}

TEST(UploadOnlyPolicyTest, TheDocsGiveTheSamePolicyAsTheTests) {
  std::string docs = DocsRgwPolicy("sp-bucket-1", "backup-user");
  ASSERT_FALSE(docs.empty()) << "no ```json block after \"### Ceph RGW (tested)\"";
  nlohmann::json documented = nlohmann::json::parse(docs, nullptr, false);
  ASSERT_FALSE(documented.is_discarded()) << docs;
  nlohmann::json tested = nlohmann::json::parse(UploadOnlyPolicy("sp-bucket-1", "backup-user"));
  EXPECT_EQ(documented, tested) << "docs:\n" << documented.dump(2) << "\ntests:\n"
                                << tested.dump(2);
  EXPECT_EQ(tested["Statement"][0]["Principal"]["AWS"][0], "arn:aws:iam:::user/backup-user");
  EXPECT_EQ(tested["Statement"][1]["Resource"][1], "arn:aws:s3:::sp-bucket-1/*");
}

}  // namespace
}  // namespace stormproof::testing
