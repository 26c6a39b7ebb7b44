// ResolveCredentials and the profile file format, with temporary files and a scoped
// environment (every AWS_* variable the resolver reads is saved, cleared and restored).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "engine/s3/internal/profile_file.h"
#include "engine/s3/s3.h"
#include "tests/matchers.h"

namespace stormproof::s3 {
namespace {

constexpr const char* kVariables[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_REGION",        "AWS_DEFAULT_REGION",    "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "HOME"};

class CredentialsTest : public ::testing::Test {
 protected:
  CredentialsTest() {
    char pattern[] = "/tmp/s3-credentials-test-XXXXXX";
    dir_ = mkdtemp(pattern);
    for (const char* name : kVariables) {
      const char* value = getenv(name);
      if (value != nullptr) saved_[name] = value;
      unsetenv(name);
    }
    setenv("HOME", dir_.c_str(), 1);  // no ~/.aws of the machine running the tests
  }
  ~CredentialsTest() override {
    for (const char* name : kVariables) {
      auto it = saved_.find(name);
      if (it == saved_.end()) {
        unsetenv(name);
      } else {
        setenv(name, it->second.c_str(), 1);
      }
    }
    std::filesystem::remove_all(dir_);
  }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
  std::map<std::string, std::string> saved_;
};

constexpr char kSharedFile[] =
    "# comment\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key = default-secret\n"
    "\n"
    "; another comment\n"
    "[backup]\n"
    "aws_access_key_id=AKIDBACKUP\n"
    "aws_secret_access_key=backup/secret+key\n"
    "aws_session_token = tok\n"
    "region = eu-central-1\n"
    "s3 =\n"
    "  addressing_style = path\n";

TEST_F(CredentialsTest, NothingConfiguredIsNotFoundWithWhatToSet) {
  Result<ResolvedCredentials> resolved = ResolveCredentials({});
  ASSERT_FALSE(resolved.has_value());
  EXPECT_THAT(resolved, ErrorIs(ErrorCode::kNotFound, HasSubstr("AWS_ACCESS_KEY_ID")));
  EXPECT_THAT(resolved.error().message(), HasSubstr("credentials_file"));
}

TEST_F(CredentialsTest, TakesTheEnvironment) {
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  setenv("AWS_SESSION_TOKEN", "env-token", 1);
  setenv("AWS_DEFAULT_REGION", "eu-west-3", 1);
  Result<ResolvedCredentials> resolved = ResolveCredentials({});
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(resolved->credentials.secret_access_key.view(), "env-secret");
  EXPECT_EQ(resolved->credentials.session_token.view(), "env-token");
  EXPECT_EQ(resolved->region, "eu-west-3");
  EXPECT_EQ(resolved->source, "AWS_ACCESS_KEY_ID");
  setenv("AWS_REGION", "ap-south-1", 1);  // AWS_REGION wins over AWS_DEFAULT_REGION
  EXPECT_EQ(ResolveCredentials({})->region, "ap-south-1");
}

TEST_F(CredentialsTest, AnAccessKeyWithoutItsSecretIsAClearError) {
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  EXPECT_THAT(ResolveCredentials({}),
              ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("AWS_SECRET_ACCESS_KEY is not")));
}

TEST_F(CredentialsTest, ReadsTheDefaultProfileOfTheSharedFile) {
  Write(".aws/credentials", kSharedFile);
  Result<ResolvedCredentials> resolved = ResolveCredentials({});
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->credentials.access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(resolved->credentials.secret_access_key.view(), "default-secret");
  EXPECT_TRUE(resolved->credentials.session_token.empty());
  EXPECT_EQ(resolved->region, "us-east-1");
  EXPECT_THAT(resolved->source, HasSubstr("profile 'default' of "));
  EXPECT_THAT(resolved->source, Not(HasSubstr("default-secret")));
}

TEST_F(CredentialsTest, ReadsAwsProfileOfAwsSharedCredentialsFile) {
  std::string path = Write("elsewhere/creds", kSharedFile);
  setenv("AWS_SHARED_CREDENTIALS_FILE", path.c_str(), 1);
  setenv("AWS_PROFILE", "backup", 1);
  Result<ResolvedCredentials> resolved = ResolveCredentials({});
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->credentials.access_key_id, "AKIDBACKUP");
  EXPECT_EQ(resolved->credentials.secret_access_key.view(), "backup/secret+key");
  EXPECT_EQ(resolved->credentials.session_token.view(), "tok");
  EXPECT_EQ(resolved->region, "eu-central-1");
  EXPECT_EQ(resolved->source, "profile 'backup' of " + path);
}

TEST_F(CredentialsTest, ANamedProfileThatIsMissingIsAnError) {
  Write(".aws/credentials", kSharedFile);
  setenv("AWS_PROFILE", "nosuch", 1);
  EXPECT_THAT(ResolveCredentials({}), ErrorIs(ErrorCode::kNotFound, HasSubstr("[nosuch]")));
}

TEST_F(CredentialsTest, ThePlansFileAndRegionComeFirst) {
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  setenv("AWS_REGION", "ap-south-1", 1);
  std::string path = Write("plan-creds", kSharedFile);
  Result<ResolvedCredentials> resolved = ResolveCredentials({path, "", "us-west-2"});
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->credentials.access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(resolved->region, "us-west-2");
  Result<ResolvedCredentials> named = ResolveCredentials({path, "backup", ""});
  ASSERT_THAT(named, IsOk());
  EXPECT_EQ(named->credentials.access_key_id, "AKIDBACKUP");
  EXPECT_EQ(named->region, "ap-south-1");  // the environment's region before the profile's
}

TEST_F(CredentialsTest, AMissingPlanFileIsNamed) {
  Result<ResolvedCredentials> resolved = ResolveCredentials({dir_ + "/absent", "", ""});
  EXPECT_THAT(resolved, ErrorIs(ErrorCode::kNotFound, HasSubstr(dir_ + "/absent")));
  EXPECT_THAT(resolved.error().message(), HasSubstr("credentials_file"));
}

TEST_F(CredentialsTest, ErrorsNameFileAndLineButNeverTheSecret) {
  std::string path = Write("bad", "[default]\naws_access_key_id = AKID\nsupersecretline\n");
  Result<ResolvedCredentials> resolved = ResolveCredentials({path, "", ""});
  ASSERT_FALSE(resolved.has_value());
  EXPECT_THAT(resolved, ErrorIs(ErrorCode::kInvalidArgument, HasSubstr(path + ":3:")));
  EXPECT_THAT(resolved.error().message(), Not(HasSubstr("supersecretline")));

  std::string no_secret = Write("nosecret", "[default]\naws_access_key_id = AKID\n");
  EXPECT_THAT(ResolveCredentials({no_secret, "", ""}),
              ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("no aws_secret_access_key")));
}

TEST_F(CredentialsTest, TakesTheRegionFromTheConfigFile) {
  Write(".aws/credentials", kSharedFile);
  Write(".aws/config",
        "[default]\nregion = eu-north-1\n[profile other]\nregion = sa-east-1\n");
  EXPECT_EQ(ResolveCredentials({})->region, "eu-north-1");
  std::string config = Write("cfg", "[profile default]\nregion = ca-central-1\n");
  setenv("AWS_CONFIG_FILE", config.c_str(), 1);
  EXPECT_EQ(ResolveCredentials({})->region, "ca-central-1");
}

TEST(ProfileFileTest, ParsesSectionsKeysAndComments) {
  Result<internal::ProfileFile> file = internal::ParseProfileFile(kSharedFile, "f");
  ASSERT_THAT(file, IsOk());
  EXPECT_EQ(file->sections.size(), 2u);
  EXPECT_EQ(file->sections["backup"]["region"], "eu-central-1");
  EXPECT_EQ(file->sections["backup"].count("addressing_style"), 0u);
  EXPECT_EQ(file->sections["default"]["aws_access_key_id"], "AKIDDEFAULT");
}

TEST(ProfileFileTest, RejectsMalformedLines) {
  struct Case {
    const char* text;
    const char* problem;
  };
  const Case cases[] = {{"key = value\n", "f:1: setting before any [profile]"},
                        {"[default\n", "f:1: section header without ']'"},
                        {"# c\n[]\n", "f:2: empty section name"},
                        {"[a]\n= v\n", "f:2: setting without a name"},
                        {"[a]\nx\n", "f:2: expected 'key = value'"}};
  for (const Case& c : cases) {
    EXPECT_THAT(internal::ParseProfileFile(c.text, "f"),
                ErrorIs(ErrorCode::kInvalidArgument, HasSubstr(c.problem)))
        << c.text;
  }
}

}  // namespace
}  // namespace stormproof::s3
