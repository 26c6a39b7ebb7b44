// ProofOwnerOf (readiness.h): whose immutability proof counts. With the plan's credentials_file,
// the key of its [default] profile, whatever AWS_PROFILE the viewer's shell sets; without one,
// the key `run` would make it with, found by the same credential resolution
// (s3::ResolveCredentials): AWS_ACCESS_KEY_ID, else the profile AWS_PROFILE names in
// AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials. With temporary files and a scoped
// environment.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "continuity/readiness/readiness.h"
#include "engine/s3/s3.h"
#include "tests/core/environment_fixture.h"

namespace stormproof::readiness {
namespace {

// A new temporary folder.
std::string MakeFolder() {
  char pattern[] = "/tmp/proof-owner-test-XXXXXX";
  return mkdtemp(pattern);
}

// [default] holds the owner's key, [backup] the backup hosts'.
constexpr char kTwoProfiles[] =
    "[default]\naws_access_key_id = AKIAOWNER\naws_secret_access_key = s1\n"
    "[backup]\naws_access_key_id = AKIABACKUP\naws_secret_access_key = s2\n";

class ProofOwnerTest : public ::testing::Test {
 protected:
  ProofOwnerTest() {
    std::filesystem::create_directories(dir_ + "/.aws");
    std::ofstream(dir_ + "/.aws/credentials") << kTwoProfiles;
    std::ofstream(dir_ + "/vault.aws") << kTwoProfiles;
    spec_.id = "vault";
    spec_.location = "s3:https://s3.example.com/vault";
  }
  ~ProofOwnerTest() override { std::filesystem::remove_all(dir_); }

  // The key `run` would prove with (access::RepositoryStorage's sources) and ProofOwnerOf's.
  void ExpectSameKey(const std::string& expected) {
    auto run = s3::ResolveCredentials({spec_.credentials_file, "", spec_.region});
    ASSERT_TRUE(run.has_value()) << run.error().message();
    EXPECT_EQ(run->credentials.access_key_id, expected);
    analysis::ProofOwner owner = ProofOwnerOf(spec_);
    EXPECT_EQ(owner.unknown, "");
    EXPECT_EQ(owner.access_key_id, expected);
    EXPECT_EQ(owner.source, run->source);
  }

  std::string dir_ = MakeFolder();
  // Every variable the resolver reads cleared (restored when done), and HOME in dir_: no ~/.aws
  // of the machine running the tests.
  ScopedEnvironment environment_{{{"AWS_ACCESS_KEY_ID", std::nullopt},
                                  {"AWS_SECRET_ACCESS_KEY", std::nullopt},
                                  {"AWS_SESSION_TOKEN", std::nullopt},
                                  {"AWS_PROFILE", std::nullopt},
                                  {"AWS_SHARED_CREDENTIALS_FILE", std::nullopt},
                                  {"AWS_CONFIG_FILE", std::nullopt},
                                  {"AWS_REGION", std::nullopt},
                                  {"AWS_DEFAULT_REGION", std::nullopt},
                                  {"HOME", dir_}}};
  plan::RepositorySpec spec_;
};

TEST_F(ProofOwnerTest, WithoutACredentialsFileAwsProfilePicksTheSharedFilesProfile) {
  ExpectSameKey("AKIAOWNER");  // [default]
  setenv("AWS_PROFILE", "backup", 1);
  ExpectSameKey("AKIABACKUP");
  EXPECT_EQ(ProofOwnerOf(spec_).source, "profile 'backup' of " + dir_ + "/.aws/credentials");
  setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ + "/vault.aws").c_str(), 1);
  ExpectSameKey("AKIABACKUP");
}

TEST_F(ProofOwnerTest, ExportedKeysComeBeforeAwsProfile) {
  setenv("AWS_PROFILE", "backup", 1);
  setenv("AWS_ACCESS_KEY_ID", "AKIAEXPORTED", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "s3", 1);
  ExpectSameKey("AKIAEXPORTED");
}

TEST_F(ProofOwnerTest, TheCredentialsFileComesFirst) {
  spec_.credentials_file = dir_ + "/vault.aws";
  setenv("AWS_ACCESS_KEY_ID", "AKIAEXPORTED", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "s3", 1);
  ExpectSameKey("AKIAOWNER");
}

// `status` in a shell with another AWS_PROFILE judges as in any other: with a credentials_file,
// the key of its [default] profile counts, for the backup hosts and for the maintenance machine.
TEST_F(ProofOwnerTest, WithACredentialsFileTheViewersAwsProfileChangesNothing) {
  spec_.credentials_file = dir_ + "/vault.aws";
  spec_.maintenance_credentials_file = dir_ + "/vault.aws";
  setenv("AWS_PROFILE", "backup", 1);
  analysis::ProofOwner owner = ProofOwnerOf(spec_);
  EXPECT_EQ(owner.unknown, "");
  EXPECT_EQ(owner.access_key_id, "AKIAOWNER");
  EXPECT_EQ(owner.maintenance_key_id, "AKIAOWNER");
  EXPECT_EQ(owner.source, "profile 'default' of " + dir_ + "/vault.aws");
  unsetenv("AWS_PROFILE");
  EXPECT_EQ(ProofOwnerOf(spec_).access_key_id, "AKIAOWNER");
  // A file without [default]: unknown, whatever AWS_PROFILE names.
  std::ofstream(dir_ + "/backup-only.aws")
      << "[backup]\naws_access_key_id = AKIABACKUP\naws_secret_access_key = s2\n";
  spec_.credentials_file = dir_ + "/backup-only.aws";
  setenv("AWS_PROFILE", "backup", 1);
  owner = ProofOwnerOf(spec_);
  EXPECT_EQ(owner.access_key_id, "");
  EXPECT_NE(owner.unknown.find("backup-only.aws"), std::string::npos) << owner.unknown;
}

}  // namespace
}  // namespace stormproof::readiness
