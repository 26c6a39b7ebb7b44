// The config file: plaintext JSON naming the format and version (readable before any password,
// so a newer repository is refused with a clear message), the repository id, and a sealed
// secret holding the chunker parameters (the gear seed is secret). A "mac" under the master key
// covers every other field (file_mac.h), so `check` detects any changed byte of the public part
// too. Internal; pure functions.
#ifndef STORMPROOF_ENGINE_REPOSITORY_CONFIG_H_
#define STORMPROOF_ENGINE_REPOSITORY_CONFIG_H_

#include <cstdint>
#include <optional>

#include "engine/backend/backend.h"
#include "engine/chunker/chunker.h"
#include "core/bytes.h"
#include "core/result.h"
#include "engine/crypto/crypto.h"

namespace stormproof::repository {

struct Config {
  // 1, or 2 when object_lock is set (so that a stormproof that knows only version 1 refuses the
  // repository as newer rather than writing files without retention into it).
  int version = 1;
  crypto::Id id;  // random, names the repository
  int64_t created_ns = 0;
  chunker::Params chunker;  // from the sealed secret
  // Public, covered by the mac: every file but locks is written under this retention
  // (backend::Backend::SetRetention). Only in version 2.
  std::optional<backend::Retention> object_lock = {};
};

// A new config with a random id and chunker seed and the default chunk sizes; version 2 with
// `object_lock` when given, else version 1.
Config NewConfig(std::optional<backend::Retention> object_lock = {});
// The config version a repository with (or without) Object Lock is written as.
inline constexpr int kPlainConfigVersion = 1;
inline constexpr int kObjectLockConfigVersion = 2;

// The config file, its mac included.
Bytes EncodeConfig(const Config& config, const crypto::Key& master_encryption);

// The config's public part, checked before any password is asked for.
struct ConfigFile {
  Config config;                  // without chunker parameters
  Bytes secret;                   // sealed
  std::optional<crypto::Id> mac;  // absent only in files EncodeConfig did not write
};
// Errors: kInvalidArgument for a newer format version; kFailedCheck when malformed. Does not
// verify the mac (that needs the master key).
Result<ConfigFile> ParseConfig(ByteView data);
// Verifies the whole config file: it parses, its mac matches, its bytes are exactly the canonical
// encoding of its fields (so no byte, whitespace included, changes unnoticed) and its secret
// opens and is valid. Errors: kFailedCheck (kInvalidArgument for a newer version, kCorrupt for a
// mac or secret that does not verify) saying what.
Status VerifyConfig(ByteView data, const crypto::Key& master_encryption);
// Verifies the mac of a parsed config's public part under the master key, so that no field a
// writer obeys (the Object Lock retention above all) can be changed or removed by someone
// without the key. Errors: kCorrupt "config mac does not match (altered)" or "config has no mac".
Status VerifyConfigMac(const ConfigFile& file, const crypto::Key& master_encryption);
// Errors: kCorrupt when the secret is altered (authentication fails), kFailedCheck when malformed.
Result<chunker::Params> OpenConfigSecret(const crypto::Key& master_encryption, ByteView secret);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_CONFIG_H_
