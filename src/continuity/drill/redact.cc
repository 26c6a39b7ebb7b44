// Keeping secrets out of what a drill records: the catalog, the reports and the terminal show a
// drill's notes and the last lines of a failed command's standard error, and a plan's command may
// print anything it can read — a repository's password file included.
#include <string>
#include <string_view>
#include <vector>

#include "continuity/drill/drill.h"

namespace stormproof::drill {

using access::AccessOptions;
using access::RepositoryPassword;

namespace {

constexpr std::string_view kRedacted = "[redacted]";
// Shorter secrets would blank ordinary words; such a password is refused by no one, but is
// also no secret worth the damage to the record.
constexpr size_t kMinSecretLength = 4;

void RedactText(const std::vector<std::string>& secrets, std::string* text) {
  for (const std::string& secret : secrets) {
    if (secret.size() < kMinSecretLength) continue;
    for (size_t at = text->find(secret); at != std::string::npos;
         at = text->find(secret, at + kRedacted.size())) {
      text->replace(at, secret.size(), kRedacted);
    }
  }
}

}  // namespace

std::vector<std::string> SecretsOf(const plan::Plan& plan, const plan::System& system,
                                   const AccessOptions& access) {
  std::vector<std::string> secrets;
  if (!access.password.empty()) secrets.push_back(access.password);
  for (const plan::RepositorySpec* repository : plan::SystemRepositories(plan, system)) {
    if (Result<std::string> password = RepositoryPassword(*repository, access)) {
      secrets.push_back(*password);
    }
  }
  return secrets;
}

std::string Redact(const std::vector<std::string>& secrets, std::string text) {
  RedactText(secrets, &text);
  return text;
}

}  // namespace stormproof::drill
