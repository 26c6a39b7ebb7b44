// Verifies the repository's plaintext files for check: every key file (whichever password opened
// the repository) and the config, each down to the last byte (docs/repository-format.md,
// "Integrity of plaintext files"), and warns about key files whose Argon2id parameters are below
// the floor for new keys (crypto.h). Reads only. Thread-compatible.
#ifndef STORMPROOF_ENGINE_CHECKER_INTERNAL_KEY_VERIFIER_H_
#define STORMPROOF_ENGINE_CHECKER_INTERNAL_KEY_VERIFIER_H_

#include <string>
#include <vector>

#include "engine/repository/repository.h"

namespace stormproof::checker {

// Appends one line to `errors` per key file or config that fails verification, naming the file
// ("key <name>: ...", "config: ..."), and one when the keys cannot be listed; and one line to
// `warnings` per verified key file with weak parameters ("key <name>: weak Argon2id parameters:
// ...").
void VerifyKeysAndConfig(const repository::Repository& repo, std::vector<std::string>* errors,
                         std::vector<std::string>* warnings);

}  // namespace stormproof::checker

#endif  // STORMPROOF_ENGINE_CHECKER_INTERNAL_KEY_VERIFIER_H_
