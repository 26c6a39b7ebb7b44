// Verifies the repository's plaintext files for check: every key file (whichever password opened
// the repository) and the config, each down to the last byte (docs/repository-format.md,
// "Integrity of plaintext files"). Reads only. Thread-compatible.
#ifndef STORMPROOF_CHECKER_KEY_VERIFIER_H_
#define STORMPROOF_CHECKER_KEY_VERIFIER_H_

#include <string>
#include <vector>

#include "repository/repository.h"

namespace stormproof::checker {

// Appends one line to `errors` per key file or config that fails verification, naming the file
// ("key <name>: ...", "config: ..."), and one when the keys cannot be listed.
void VerifyKeysAndConfig(const repository::Repository& repo, std::vector<std::string>* errors);

}  // namespace stormproof::checker

#endif  // STORMPROOF_CHECKER_KEY_VERIFIER_H_
