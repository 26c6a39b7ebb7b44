// Shared by the reliability suites: comparing a restored tree with the data it was taken from.
#ifndef STORMPROOF_TESTS_RELIABILITY_RESTORED_TREE_H_
#define STORMPROOF_TESTS_RELIABILITY_RESTORED_TREE_H_

#include <filesystem>
#include <map>
#include <string>

#include "tests/cli/cli_runner.h"

namespace stormproof::testing {

// Every regular file under `root`, by path relative to it, with its content.
inline std::map<std::string, std::string> Contents(const std::filesystem::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) {
      files[std::filesystem::relative(entry.path(), root).string()] =
          ReadAll(entry.path().string());
    }
  }
  return files;
}

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_RELIABILITY_RESTORED_TREE_H_
