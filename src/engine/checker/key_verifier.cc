#include "engine/checker/internal/key_verifier.h"

namespace stormproof::checker {

void VerifyKeysAndConfig(const repository::Repository& repo, std::vector<std::string>* errors,
                         std::vector<std::string>* warnings) {
  Status config = repo.VerifyConfig();
  if (!config) errors->push_back("config: " + config.error().message());
  std::vector<std::string> names;
  Status listed = repo.backend().List(
      backend::FileType::kKey, [&](const std::string& name, uint64_t) { names.push_back(name); });
  if (!listed) errors->push_back("listing keys: " + listed.error().message());
  for (const std::string& name : names) {
    crypto::KdfParams kdf;
    Status verified = repo.VerifyKeyFile(name, &kdf);
    if (!verified) {
      errors->push_back("key " + name + ": " + verified.error().message());
      continue;
    }
    if (Status strong = crypto::CheckNewKdfParams(kdf); !strong) {
      warnings->push_back("key " + name + ": " + strong.error().message() +
                          " (replace it: 'stormproof key passwd' with its password)");
    }
  }
}

}  // namespace stormproof::checker
