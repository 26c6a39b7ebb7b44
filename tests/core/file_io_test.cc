#include "core/file_io.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/matchers.h"

namespace stormproof {
namespace {

namespace fs = std::filesystem;

class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stormproof-file-io-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
};

TEST_F(FileIoTest, ReplacesContentAndLeavesNoTemporaryFiles) {
  fs::path target = dir_ / "runbook.html";
  ASSERT_THAT(WriteFileAtomically(target.string(), "first"), IsOk());
  ASSERT_THAT(WriteFileAtomically(target.string(), "second"), IsOk());
  EXPECT_EQ(Read(target), "second");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(FileIoTest, FailedRenameRemovesTheTemporaryFileAndNamesThePath) {
  fs::path target = dir_ / "occupied";
  fs::create_directories(target / "child");  // a directory cannot be replaced by a file
  Status s = WriteFileAtomically(target.string(), "new");
  ASSERT_FALSE(s.has_value());
  EXPECT_THAT(s.error().message(), HasSubstr(target.string()));
  EXPECT_THAT(s.error().message(), HasSubstr("rename failed"));
  EXPECT_TRUE(fs::is_directory(target / "child"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(FileIoTest, MissingDirectoryIsAnIoError) {
  Status s = WriteFileAtomically((dir_ / "no" / "such" / "file").string(), "x");
  ASSERT_FALSE(s.has_value());
  EXPECT_THAT(s, ErrorIs(ErrorCode::kIo));
}

}  // namespace
}  // namespace stormproof
