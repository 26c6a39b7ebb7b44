// Shared fixture for the adapter tests that run real tools: a scratch directory with a small
// source tree (nested directories, an empty file, a symbolic link) and helpers to compare a
// restored copy with it byte for byte.
#ifndef STORMPROOF_TESTS_CONTINUITY_ACCESS_EXTERNAL_FIXTURE_H_
#define STORMPROOF_TESTS_CONTINUITY_ACCESS_EXTERNAL_FIXTURE_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/subprocess.h"
#include "tests/matchers.h"

namespace stormproof::access {

namespace fs = std::filesystem;

inline std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

inline void WriteAll(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// True when `pid` still runs (not a zombie) 5 s from now: a killed process can take a moment
// to die on a loaded machine.
inline bool StillRunsLater(pid_t pid) {
  auto running = [pid] {
    std::string state = ReadAll("/proc/" + std::to_string(pid) + "/stat");
    return kill(pid, 0) == 0 && state.find(") Z") == std::string::npos;
  };
  for (int waited_ms = 0; waited_ms < 5000 && running(); waited_ms += 10) usleep(10'000);
  return running();
}

class ExternalRepoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("stormproof-" + std::string(info->name()) + "-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    source_ = (dir_ / "src").string();
    MakeTree(source_);
    WriteAll(dir_ / "password", "correct horse\n");
    WriteAll(dir_ / "wrong-password", "battery staple\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A small tree: nested directories, an empty file, a binary file and a symbolic link.
  static void MakeTree(const std::string& root) {
    WriteAll(root + "/top.txt", "top level\n");
    WriteAll(root + "/a/b/deep.bin", std::string("\0\1\2binary\xff", 10) + std::string(5000, 'z'));
    WriteAll(root + "/a/empty", "");
    WriteAll(root + "/a/name with spaces", "spaces\n");
    fs::create_symlink("a/b/deep.bin", root + "/link");
  }

  // Runs a tool for the fixture (init/backup); fails the test when it fails.
  void Tool(std::vector<std::string> argv, std::vector<std::pair<std::string, std::string>> env,
            const std::string& cwd = "") {
    ProcessOptions options;
    options.argv = std::move(argv);
    options.env = std::move(env);
    options.env.push_back({"HOME", (dir_ / "home").string()});
    options.cwd = cwd;
    Result<ProcessResult> run = RunProcess(options);
    ASSERT_THAT(run, IsOk());
    ASSERT_TRUE(run->exit_code == 0)
        << options.argv[0] << " " << options.argv[1] << ": " << run->err;
  }

  // Expects `restored` to hold the fixture tree byte for byte.
  void ExpectSameTree(const fs::path& original, const fs::path& restored) {
    size_t entries = 0;
    for (const auto& entry : fs::recursive_directory_iterator(original)) {
      fs::path relative = entry.path().lexically_relative(original);
      fs::path copy = restored / relative;
      ++entries;
      if (entry.is_symlink()) {
        ASSERT_TRUE(fs::is_symlink(copy)) << copy;
        EXPECT_EQ(fs::read_symlink(copy), fs::read_symlink(entry.path()));
      } else if (entry.is_directory()) {
        EXPECT_TRUE(fs::is_directory(copy)) << copy;
      } else {
        ASSERT_TRUE(fs::is_regular_file(fs::symlink_status(copy))) << copy;
        EXPECT_EQ(ReadAll(copy), ReadAll(entry.path())) << copy;
      }
    }
    EXPECT_EQ(entries, 7u);
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // An executable /bin/sh script Path(name) running `body`: a stand-in for restic or borg that
  // records what stormproof passes to it, or hangs.
  std::string FakeTool(const std::string& name, const std::string& body) const {
    const std::string path = Path(name);
    WriteAll(path, "#!/bin/sh\n" + body + "\n");
    fs::permissions(path, fs::perms::owner_all);
    return path;
  }

  // A fake tool that never answers; its background child's pid goes to Path("hung.pid").
  std::string HungTool(const std::string& name) const {
    return FakeTool(name, "sleep 1000 & echo $! > '" + Path("hung.pid") + "'; sleep 1000");
  }

  fs::path dir_;
  std::string source_;
};

// The fixture tree holds 4 regular files.
inline constexpr uint64_t kFixtureFiles = 4;
inline constexpr uint64_t kFixtureBytes = 10 + 10 + 5000 + 0 + 7;

}  // namespace stormproof::access

#endif  // STORMPROOF_TESTS_CONTINUITY_ACCESS_EXTERNAL_FIXTURE_H_
