// Key files (keys/<random name>): one per password, each holding the master key sealed under a
// key derived from that password with Argon2id. Plaintext JSON around the sealed data so that
// `key list` can show who created which key without the password. Every field is covered by a
// "mac" under the master key (file_mac.h), so `check` can verify every key file, whichever
// password opened the repository. Internal; pure functions.
#ifndef STORMPROOF_ENGINE_REPOSITORY_KEY_FILE_H_
#define STORMPROOF_ENGINE_REPOSITORY_KEY_FILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "engine/crypto/crypto.h"
#include "engine/repository/sealed_file.h"

namespace stormproof::repository {

struct KeyFile {
  crypto::KdfParams kdf;
  int64_t created_ns = 0;
  std::string hostname, username;
  Bytes data;                     // Seal(DeriveKey(password, kdf), encryption key || id key)
  std::optional<crypto::Id> mac;  // absent only in files this function did not write
};

// A new key file for `password` (fresh KDF salt, default parameters), with its mac. Errors:
// kInvalidArgument when the parameters are below the floor for new keys (crypto.h).
Result<Bytes> NewKeyFile(std::string_view password, const MasterKey& master);
// Errors: kFailedCheck when malformed, truncated (the sealed master key is not 92 bytes) or its
// Argon2id parameters are out of range (crypto::CheckKdfParams), saying which. Does not verify the
// mac (opening needs only the password).
Result<KeyFile> ParseKeyFile(ByteView file);
// Verifies a whole key file without its password: it parses, its mac is the one `master` gives
// its fields, and its bytes are exactly the canonical encoding of those fields (so no byte of it,
// whitespace included, can change unnoticed); returns it parsed. Errors: kFailedCheck saying
// what is wrong.
Result<KeyFile> VerifyKeyFile(ByteView file, const MasterKey& master);
// Errors: kWrongPassword only when `password` does not open it (or its sealed data was altered);
// those of crypto::DeriveKey when no key can be derived (parameters out of range, no memory).
// Wipes what it decrypted.
Result<MasterKey> UnlockKeyFile(const KeyFile& key_file, std::string_view password);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_KEY_FILE_H_
