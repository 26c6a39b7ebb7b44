// Test helpers for what reaches a child process's environment: a scoped change of this process's
// environment, a set of secrets to plant in it, and reading what `env -0` printed.
#ifndef STORMPROOF_TESTS_CORE_ENVIRONMENT_FIXTURE_H_
#define STORMPROOF_TESTS_CORE_ENVIRONMENT_FIXTURE_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include "tests/matchers.h"

namespace stormproof {

using EnvironmentChanges = std::vector<std::pair<std::string, std::optional<std::string>>>;

// Sets (or, for nullopt, unsets) variables of this process's environment for its lifetime;
// restores the previous values when destroyed.
class ScopedEnvironment {
 public:
  explicit ScopedEnvironment(const EnvironmentChanges& changes) {
    for (const auto& [name, value] : changes) {
      const char* old = getenv(name.c_str());
      saved_.push_back({name, old == nullptr ? std::nullopt : std::optional<std::string>(old)});
      Apply(name, value);
    }
  }
  ~ScopedEnvironment() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) Apply(it->first, it->second);
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  static void Apply(const std::string& name, const std::optional<std::string>& value) {
    value ? setenv(name.c_str(), value->c_str(), 1) : unsetenv(name.c_str());
  }
  EnvironmentChanges saved_;
};

// Every value holds this marker, so a test can also check that no value leaked under another name.
inline constexpr std::string_view kSecretMarker = "parent-secret";

// Secrets an operator's shell commonly holds while running stormproof: none may reach a plan
// command, and restic/borg get only the one they need (which the adapter sets itself).
inline EnvironmentChanges ParentSecrets() {
  return {{"STORMPROOF_PASSWORD", "parent-secret-stormproof"},
          {"STORMPROOF_PASSWORD_FILE", "/parent-secret/password"},
          {"AWS_ACCESS_KEY_ID", "parent-secret-aws-id"},
          {"AWS_SECRET_ACCESS_KEY", "parent-secret-aws-key"},
          {"AWS_SESSION_TOKEN", "parent-secret-aws-token"},
          {"B2_ACCOUNT_KEY", "parent-secret-b2"},
          {"RESTIC_PASSWORD", "parent-secret-restic"},
          {"RESTIC_PASSWORD_FILE", "/parent-secret/restic-password"},
          {"RESTIC_PASSWORD_COMMAND", "echo parent-secret-restic-command"},
          {"RESTIC_REPOSITORY", "/parent-secret/restic-repo"},
          {"BORG_PASSPHRASE", "parent-secret-borg"},
          {"BORG_PASSCOMMAND", "echo parent-secret-borg-command"},
          {"BORG_PASSPHRASE_FD", "3"},
          {"BORG_NEW_PASSPHRASE", "parent-secret-borg-new"},
          {"SSH_AUTH_SOCK", "/parent-secret/agent.sock"},
          {"STORMPROOF_RESTORE_PATH", "/parent-secret/not-the-restore-path"}};
}

// What `env -0` printed, as name -> value.
inline std::map<std::string, std::string> ParseEnvironment(std::string_view text) {
  std::map<std::string, std::string> variables;
  while (!text.empty()) {
    size_t end = text.find('\0');
    std::string_view entry = text.substr(0, end);
    size_t equals = entry.find('=');
    if (equals != std::string_view::npos) {
      variables[std::string(entry.substr(0, equals))] = std::string(entry.substr(equals + 1));
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return variables;
}

// The variables a child may inherit from stormproof's own environment (docs/cli.md), besides
// every LC_* variable.
inline std::vector<std::string> InheritableNames() {
  return {"PATH", "HOME", "LANG", "TZ", "TMPDIR", "USER", "LOGNAME"};
}

// The entries of `variables` that are neither inheritable nor in `given`.
inline std::vector<std::string> UnexpectedNames(const std::map<std::string, std::string>& variables,
                                                const std::vector<std::string>& given) {
  std::vector<std::string> allowed = InheritableNames();
  allowed.insert(allowed.end(), given.begin(), given.end());
  std::vector<std::string> unexpected;
  for (const auto& [name, value] : variables) {
    bool ok = name.rfind("LC_", 0) == 0;
    for (const std::string& a : allowed) ok |= (a == name);
    if (!ok) unexpected.push_back(name + "=" + value);
  }
  return unexpected;
}

// Fails the test when a planted secret reached `variables` under any name.
inline void ExpectNoParentSecret(const std::map<std::string, std::string>& variables) {
  for (const auto& [name, value] : variables) {
    EXPECT_THAT(value, Not(HasSubstr(kSecretMarker))) << name << "=" << value;
  }
}

}  // namespace stormproof

#endif  // STORMPROOF_TESTS_CORE_ENVIRONMENT_FIXTURE_H_
