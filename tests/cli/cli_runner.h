// Runs the built stormproof binary the way a user would, capturing exit code and output.
#ifndef STORMPROOF_TESTS_CLI_CLI_RUNNER_H_
#define STORMPROOF_TESTS_CLI_CLI_RUNNER_H_

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace stormproof::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last line of a --json output (its summary), parsed; null for no output, a discarded value
// (is_discarded) when the line is not JSON.
inline nlohmann::json LastJsonLine(const std::string& out) {
  size_t end = out.find_last_not_of('\n');
  if (end == std::string::npos) return nullptr;
  size_t start = out.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return nlohmann::json::parse(out.substr(start, end + 1 - start), nullptr, false);
}

// Runs `stormproof <args>` through /bin/sh (args are shell words, quote them yourself).
// `binary`: by default the test copy of the CLI, which honours STORMPROOF_KDF_TEST
// (src/engine/crypto/test_kdf.h); STORMPROOF_RELEASE_BINARY is the real one.
inline CliResult RunStormproof(const std::string& args, const std::string& env = "",
                               const std::string& binary = STORMPROOF_BINARY) {
  std::string err_path =
      std::filesystem::temp_directory_path() / ("stormproof-cli-err-" + std::to_string(::getpid()));
  std::string command = env + " " + binary + " " + args + " 2>" + err_path;
  CliResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.err = ReadAll(err_path);
  std::filesystem::remove(err_path);
  return result;
}

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_CLI_CLI_RUNNER_H_
