#include "core/secret.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/matchers.h"

namespace stormproof {
namespace {

namespace fs = std::filesystem;

class PasswordFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-secret-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text, mode_t mode) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }

  fs::path dir_;
};

TEST_F(PasswordFileTest, ReadsTheFirstLineWithoutItsLineEnd) {
  struct Case {
    std::string text, want;
  } cases[] = {{"correct horse\nsecond line\n", "correct horse"},
               {"windows\r\n", "windows"},
               {"no newline", "no newline"},
               {"", ""},
               {std::string(10000, 'x') + "\n", std::string(10000, 'x')}};
  for (const Case& c : cases) {
    Result<SecretString> line = ReadPasswordFile(Write("password", c.text, 0600));
    ASSERT_THAT(line, IsOk());
    EXPECT_EQ(line->view(), c.want);
  }
}

TEST_F(PasswordFileTest, ErrorsNameTheFile) {
  std::string missing = (dir_ / "missing").string();
  Result<SecretString> absent = ReadPasswordFile(missing);
  ASSERT_FALSE(absent.has_value());
  EXPECT_THAT(absent, ErrorIs(ErrorCode::kNotFound));
  EXPECT_EQ(absent.error().message(), missing + ": No such file or directory");
  std::string huge = Write("huge", std::string((1 << 20) + 5000, 'x'), 0600);
  Result<SecretString> refused = ReadPasswordFile(huge);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message(), huge + ": first line longer than 1 MiB");
}

TEST_F(PasswordFileTest, WarnsOnceWhenGroupOrOthersMayReadIt) {
  std::string shared = Write("shared", "pw\n", 0644);
  std::string group = Write("group", "pw\n", 0640);
  std::string private_file = Write("private", "pw\n", 0600);
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(ReadPasswordFile(shared), IsOk());
    EXPECT_THAT(ReadPasswordFile(group), IsOk());
    EXPECT_THAT(ReadPasswordFile(private_file), IsOk());
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "warning: password file " + shared + " is readable by group or others (chmod 600 " +
                shared + ")\nwarning: password file " + group +
                " is readable by group or others (chmod 600 " + group + ")\n");
}

TEST(SecretStringTest, MovingLeavesTheSourceEmpty) {
  std::string text = "a password longer than the small-string buffer";
  SecretString secret(std::move(text));
  EXPECT_TRUE(text.empty());
  SecretString moved(std::move(secret));
  EXPECT_TRUE(secret.empty());  // NOLINT: checking the moved-from state is the point
  EXPECT_EQ(moved.view(), "a password longer than the small-string buffer");
  SecretString assigned;
  assigned = std::move(moved);
  EXPECT_TRUE(moved.empty());  // NOLINT
  EXPECT_EQ(std::string_view(assigned), "a password longer than the small-string buffer");
}

TEST(WipeTest, ZeroesTheWholeBufferAndEmptiesIt) {
  Bytes bytes = {1, 2, 3, 4};
  bytes.pop_back();
  const uint8_t* data = bytes.data();
  Wipe(&bytes);
  EXPECT_TRUE(bytes.empty());
  EXPECT_EQ(bytes.data(), data) << "wiped in place, not reallocated";
  EXPECT_EQ(std::vector<uint8_t>(data, data + 4), std::vector<uint8_t>(4, 0));
  std::string text = "secret";
  Wipe(&text);
  EXPECT_TRUE(text.empty());
}

// In a child, so that the test process stays dumpable for debugging.
TEST(DisableCoreDumpsTest, MakesTheProcessNotDumpableWithNoCoreLimit) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    DisableCoreDumps();
    rlimit core{};
    bool ok = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 && ::getrlimit(RLIMIT_CORE, &core) == 0 &&
              core.rlim_cur == 0;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace stormproof
