// Key files (keys/<random name>): one per password, each holding the master key sealed under a
// key derived from that password with Argon2id. Plaintext JSON around the sealed data so that
// `key list` can show who created which key without the password. Internal; pure functions.
#ifndef STORMPROOF_REPOSITORY_KEY_FILE_H_
#define STORMPROOF_REPOSITORY_KEY_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/crypto.h"
#include "repository/sealed_file.h"

namespace stormproof::repository {

struct KeyFile {
  crypto::KdfParams kdf;
  int64_t created_ns = 0;
  std::string hostname, username;
  Bytes data;  // Seal(DeriveKey(password, kdf), encryption key || id key)
};

// A new key file for `password` (fresh KDF salt, default parameters).
Result<Bytes> NewKeyFile(std::string_view password, const MasterKey& master);
// Errors: kFailedCheck when malformed.
Result<KeyFile> ParseKeyFile(ByteView file);
// Errors: kFailedCheck when `password` does not open it (or it was altered).
Result<MasterKey> UnlockKeyFile(const KeyFile& key_file, std::string_view password);

}  // namespace stormproof::repository

#endif  // STORMPROOF_REPOSITORY_KEY_FILE_H_
