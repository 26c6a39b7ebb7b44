#include "tests/continuity/report/browser/headless_chromium.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

std::string Tail(const fs::path& file, size_t bytes) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

// Runs argv in its own process group with stdout and stderr to `log`; kills the group after
// `timeout`. Returns "" when it exited with status 0.
std::string Run(const std::vector<std::string>& argv, const fs::path& log,
                std::chrono::seconds timeout) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);  // or the child would write the parent's buffered output again
  pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::setpgid(0, 0);
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    if (out != nullptr) ::dup2(::fileno(stdout), STDERR_FILENO);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return "chromium did not finish within " + std::to_string(timeout.count()) +
             " s and was killed";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);  // helpers it may have left behind
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return "chromium exited with status " +
         std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

}  // namespace

std::string FindChromium() {
  if (const char* given = std::getenv("STORMPROOF_CHROMIUM"); given != nullptr && *given) {
    return given;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path == nullptr ? "/usr/bin:/bin" : path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    for (const char* name : {"chromium", "chromium-browser"}) {
      fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return "";
}

std::string TakeScreenshot(const std::string& chromium, const std::string& html_file,
                           const std::string& png_file, const ScreenshotOptions& options) {
  std::string pattern = (fs::temp_directory_path() / "stormproof-chromium-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return "cannot create a profile directory";
  fs::path profile = pattern;
  fs::remove(png_file);
  std::vector<std::string> argv = {
      chromium,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",  // CI containers often have a 64 MiB /dev/shm
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-extensions",
      "--hide-scrollbars",
      "--force-device-scale-factor=" + std::to_string(options.scale),
      "--user-data-dir=" + profile.string(),
      "--window-size=" + std::to_string(options.width) + "," + std::to_string(options.height),
      "--screenshot=" + png_file,
      "file://" + fs::absolute(html_file).string()};
  std::string error = Run(argv, profile / "chromium.log", options.timeout);
  if (error.empty() && !fs::exists(png_file)) error = "chromium wrote no screenshot";
  if (!error.empty()) error += "; its output ends:\n" + Tail(profile / "chromium.log", 1500);
  std::error_code ignored;
  fs::remove_all(profile, ignored);
  return error;
}

}  // namespace stormproof::testing
