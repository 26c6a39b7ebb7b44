// Shared by the reliability suites: a command (a stormproof process, usually) started in the
// background through /bin/sh, its stdout and stderr going to files. Not thread-safe.
#ifndef STORMPROOF_TESTS_RELIABILITY_BACKGROUND_PROCESS_H_
#define STORMPROOF_TESTS_RELIABILITY_BACKGROUND_PROCESS_H_

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>

#include "tests/cli/cli_runner.h"

extern char** environ;

namespace stormproof::testing {

class Background {
 public:
  // Starts `command` (shell words); stdout goes to `out`, stderr to `out`.err.
  Background(const std::string& command, const std::filesystem::path& out) : out_(out) {
    std::string shell = command + " >" + out.string() + " 2>" + out.string() + ".err";
    const char* argv[] = {"/bin/sh", "-c", shell.c_str(), nullptr};
    EXPECT_EQ(::posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ),
              0);
  }
  // Waits; returns the exit code (-1 when killed by a signal).
  int Wait() {
    while (Running()) {
      int status = 0;
      if (::waitpid(pid_, &status, 0) == pid_) {
        done_ = true;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
    }
    return exit_code_;
  }
  bool Running() {
    int status = 0;
    if (done_) return false;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      done_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return !done_;
  }
  int exit_code() const { return exit_code_; }
  pid_t pid() const { return pid_; }
  std::string out() const { return ReadAll(out_.string()); }
  std::string err() const { return ReadAll(out_.string() + ".err"); }

 private:
  std::filesystem::path out_;
  pid_t pid_ = -1;
  bool done_ = false;
  int exit_code_ = -1;
};

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_RELIABILITY_BACKGROUND_PROCESS_H_
