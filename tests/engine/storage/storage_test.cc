#include "engine/storage/storage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/core/environment_fixture.h"
#include "tests/matchers.h"

namespace stormproof::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::StartsWith;

struct LocalCase {
  const char* text;
  const char* path;
};

TEST(ParseLocationTest, LocalPaths) {
  const LocalCase kCases[] = {
      {"/srv/backup/repo", "/srv/backup/repo"},
      {"repo", "repo"},
      {"./repo", "./repo"},
      {"../x:y", "../x:y"},        // ':' after a '/': a path
      {"./x:y", "./x:y"},          // how to name a directory called "x:y"
      {"D:/backup", "D:/backup"},  // a Windows drive letter is no scheme
      {"d:\\backup", "d:\\backup"},
      {"local:/srv/repo", "/srv/repo"},  // restic's explicit spelling
      {"local:x:y", "x:y"},
      {"local:relative", "relative"},
      {"my repo", "my repo"},
      {"x:y", "x:y"},      // a single letter: a drive, not a scheme
      {"_x:y", "_x:y"},    // a scheme starts with a letter
      {"a_b:c", "a_b:c"},  // '_' is no scheme character
      {"1a:b", "1a:b"},
  };
  for (const LocalCase& c : kCases) {
    Result<Location> parsed = ParseLocation(c.text);
    ASSERT_THAT(parsed, IsOk()) << c.text;
    EXPECT_EQ(parsed->kind, LocationKind::kLocal) << c.text;
    EXPECT_EQ(parsed->path, c.path) << c.text;
    EXPECT_FALSE(IsRemote(c.text)) << c.text;
  }
}

TEST(ParseLocationTest, RefusesSchemesThisBuildCannotUse) {
  const char* kRefused[][2] = {
      {"b2:bucket:path", "b2"},
      {"sftp:user@host:/srv/repo", "sftp"},
      {"rest:http://host:8000/", "rest"},
      {"azure:container:/", "azure"},
      {"gs:bucket:/", "gs"},
      {"rclone:remote:path", "rclone"},
      {"swift:container:/", "swift"},
      {"https://host/bucket", "https"},
      {"http://host/x", "http"},
      {"ab:c", "ab"},
      {"svn+ssh://h/r", "svn+ssh"},
      {"S3:https://host/bucket", "S3"},
  };
  for (const auto& [text, scheme] : kRefused) {
    EXPECT_THAT(
        ParseLocation(text),
        ErrorIs(ErrorCode::kInvalidArgument,
                AllOf(StartsWith("repository location '" + std::string(text) + "': "),
                      HasSubstr("this build cannot use " + std::string(scheme) + ": locations"),
                      HasSubstr("supported: a local path, local:PATH, "
                                "s3:https://host/bucket[/prefix]"))))
        << text;
  }
}

TEST(ParseLocationTest, TheBriefsExampleMessage) {
  EXPECT_THAT(ParseLocation("b2:x"),
              ErrorIs(ErrorCode::kInvalidArgument,
                      "repository location 'b2:x': this build cannot use b2: locations "
                      "(supported: a local path, local:PATH, s3:https://host/bucket[/prefix])"));
}

TEST(ParseLocationTest, S3Locations) {
  Result<Location> parsed = ParseLocation("s3:https://s3.example.com/acme-offsite/hosts/fs1");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->kind, LocationKind::kS3);
  EXPECT_EQ(parsed->s3.host, "s3.example.com");
  EXPECT_EQ(parsed->s3.bucket, "acme-offsite");
  EXPECT_EQ(parsed->s3.prefix, "hosts/fs1");
  EXPECT_TRUE(IsRemote("s3:https://s3.example.com/acme-offsite"));
  EXPECT_TRUE(IsRemote("s3:"));  // remote even when malformed: never a path
}

TEST(ParseLocationTest, MalformedS3AndEmptyLocations) {
  EXPECT_THAT(ParseLocation("s3:"), ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("s3:")));
  EXPECT_THAT(ParseLocation("s3:https://host"),
              ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("bucket")));
  EXPECT_THAT(ParseLocation(""), ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(ParseLocation("local:"),
              ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("no path after 'local:'")));
}

// A pasted location with a space or tab around it is never taken for a local path named
// " s3:https:" (an "offsite" copy that never leaves the machine); local:PATH still says so.
TEST(ParseLocationTest, SurroundingSpaceIsRefusedNotTakenForAPath) {
  for (const char* text : {" s3:https://host/bucket", "s3:https://host/bucket ",
                           "\ts3:https://host/bucket", " /srv/repo", "/srv/repo\n"}) {
    EXPECT_THAT(ParseLocation(text),
                ErrorIs(ErrorCode::kInvalidArgument,
                        AllOf(StartsWith("repository location '"),
                              HasSubstr("space before or after it"))))
        << text;
  }
  Result<Location> spaced = ParseLocation("local: odd name");
  ASSERT_THAT(spaced, IsOk());
  EXPECT_EQ(spaced->path, " odd name");
}

// "s3://bucket" is how the AWS CLI names a bucket: the error shows stormproof's form.
TEST(ParseLocationTest, AwsCliStyleBucketGetsAHint) {
  EXPECT_THAT(ParseLocation("s3://acme-offsite/fs1"),
              ErrorIs(ErrorCode::kInvalidArgument,
                      AllOf(HasSubstr("s3://acme-offsite/fs1"),
                            HasSubstr("s3:https://s3.amazonaws.com/acme-offsite/fs1"))));
}

class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("storage-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(StorageTest, CreatesAndOpensLocalRepositories) {
  const std::string plain = (dir_ / "plain").string();
  ASSERT_THAT(CreateBackendAt(plain, {}), IsOk());
  EXPECT_TRUE(fs::is_directory(plain));
  const std::string spelled = "local:" + (dir_ / "spelled").string();
  auto created = CreateBackendAt(spelled, {});
  ASSERT_THAT(created, IsOk());
  EXPECT_TRUE(fs::is_directory(dir_ / "spelled"));
  EXPECT_FALSE(fs::exists("local:" + (dir_ / "spelled").string()));
  EXPECT_THAT(OpenBackendAt(spelled, {}), IsOk());
  EXPECT_THAT(OpenBackendAt((dir_ / "missing").string(), {}), ErrorIs(ErrorCode::kNotFound));
}

TEST_F(StorageTest, RefusedLocationsCreateNothing) {
  const fs::path before = fs::current_path();
  fs::current_path(dir_);
  for (const char* text : {"b2:foo", "sftp:x:/y", "s3:", "s3:https:", "s3:https://host"}) {
    EXPECT_THAT(CreateBackendAt(text, {}), ErrorIs(ErrorCode::kInvalidArgument)) << text;
    EXPECT_THAT(OpenBackendAt(text, {}), ErrorIs(ErrorCode::kInvalidArgument)) << text;
  }
  fs::current_path(before);
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(StorageTest, S3WithoutCredentialsNamesTheLocationAndWhatToDo) {
  ScopedEnvironment env({{"AWS_ACCESS_KEY_ID", std::nullopt},
                         {"AWS_SECRET_ACCESS_KEY", std::nullopt},
                         {"AWS_SESSION_TOKEN", std::nullopt},
                         {"AWS_PROFILE", std::nullopt},
                         {"AWS_SHARED_CREDENTIALS_FILE", (dir_ / "no-such-file").string()},
                         {"AWS_CONFIG_FILE", (dir_ / "no-such-config").string()},
                         {"HOME", dir_.string()}});
  EXPECT_THAT(OpenBackendAt("s3:http://127.0.0.1:1/acme", {}),
              ErrorIs(ErrorCode::kInvalidArgument, AllOf(StartsWith("s3:http://127.0.0.1:1/acme: "),
                                                         HasSubstr("AWS_ACCESS_KEY_ID"))));
  EXPECT_TRUE(fs::is_empty(dir_));
}

// S3OptionsFor: the one place S3 options are built (the backend, the immutability proof, `repair
// --as-of`): credentials from the plan's file, and every transport setting carried over.
TEST_F(StorageTest, S3OptionsForResolvesCredentialsAndCarriesEverySetting) {
  std::ofstream(dir_ / "backup.aws") << "[default]\naws_access_key_id = AKIABACKUPHOST000001\n"
                                        "aws_secret_access_key = the-secret\nregion = eu-west-2\n";
  StorageOptions options;
  options.credentials.credentials_file = (dir_ / "backup.aws").string();
  options.ca_file = "/etc/ssl/private-ca.pem";
  options.insecure_tls = true;
  options.addressing = s3::Addressing::kPath;
  options.create_with_object_lock = true;
  const s3::Location location = *s3::ParseLocation("s3:https://s3.example.com/acme/hosts");
  std::string source;
  Result<s3::Options> got = S3OptionsFor(location, options, &source);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->location.ToString(), "s3:https://s3.example.com/acme/hosts");
  EXPECT_EQ(got->credentials.access_key_id, "AKIABACKUPHOST000001");
  EXPECT_EQ(got->credentials.secret_access_key.view(), "the-secret");
  EXPECT_EQ(got->region, "eu-west-2");
  EXPECT_EQ(got->ca_file, "/etc/ssl/private-ca.pem");
  EXPECT_TRUE(got->insecure_tls);
  EXPECT_EQ(got->addressing, s3::Addressing::kPath);
  EXPECT_TRUE(got->create_with_object_lock);
  EXPECT_THAT(source, HasSubstr((dir_ / "backup.aws").string()));
  EXPECT_THAT(source, Not(HasSubstr("the-secret")));
  EXPECT_THAT(S3OptionsFor(location, options), IsOk());  // where from is optional

  options.s3_setup_error = "STORMPROOF_S3_BUCKET_LOOKUP: 'sideways' is not auto, dns or path";
  EXPECT_THAT(S3OptionsFor(location, options, &source),
              ErrorIs(ErrorCode::kInvalidArgument,
                      "s3:https://s3.example.com/acme/hosts: STORMPROOF_S3_BUCKET_LOOKUP: "
                      "'sideways' is not auto, dns or path"));
  options.s3_setup_error = "";
  options.credentials.credentials_file = (dir_ / "missing.aws").string();
  EXPECT_THAT(S3OptionsFor(location, options, &source),
              ErrorIs(ErrorCode::kInvalidArgument,
                      AllOf(StartsWith("s3:https://s3.example.com/acme/hosts: "),
                            HasSubstr("missing.aws"))));
}

// Where `run --init` may create a repository: nothing there, or an empty directory.
TEST_F(StorageTest, NothingStoredAtALocalPath) {
  const std::string repo = (dir_ / "repo").string();
  EXPECT_THAT(NothingStoredAt(repo, {}), IsOkAndHolds(true));
  fs::create_directories(repo);
  EXPECT_THAT(NothingStoredAt("local:" + repo, {}), IsOkAndHolds(true));
  std::ofstream(dir_ / "repo" / "precious.txt") << "keep me";
  EXPECT_THAT(NothingStoredAt(repo, {}), IsOkAndHolds(false));
  EXPECT_THAT(NothingStoredAt("local:" + repo, {}), IsOkAndHolds(false));
  EXPECT_THAT(NothingStoredAt("sftp:x:/y", {}), ErrorIs(ErrorCode::kInvalidArgument));
}

TEST(HoldsNothingTest, SeesAnyFile) {
  auto memory = backend::NewMemoryBackend();
  EXPECT_THAT(HoldsNothing(*memory), IsOkAndHolds(true));
  const std::string name(64, 'a');
  ASSERT_THAT(memory->Save({backend::FileType::kLock, name}, AsBytes("x")), IsOk());
  EXPECT_THAT(HoldsNothing(*memory), IsOkAndHolds(false));
  auto with_config = backend::NewMemoryBackend();
  ASSERT_THAT(with_config->Save({backend::FileType::kConfig, ""}, AsBytes("x")), IsOk());
  EXPECT_THAT(HoldsNothing(*with_config), IsOkAndHolds(false));
}

TEST(CacheFolderForTest, OneFolderPerLocationWhateverTheSpelling) {
  auto a = ParseLocation("s3:https://host/bucket/prefix");
  auto b = ParseLocation("s3:https://host/bucket//prefix/");
  auto c = ParseLocation("s3:https://host/bucket/other");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  ASSERT_THAT(c, IsOk());
  const std::string folder = CacheFolderFor("/cache", a->s3);
  EXPECT_THAT(folder, StartsWith("/cache/"));
  EXPECT_EQ(folder, CacheFolderFor("/cache", b->s3));
  EXPECT_NE(folder, CacheFolderFor("/cache", c->s3));
}

}  // namespace
}  // namespace stormproof::storage
