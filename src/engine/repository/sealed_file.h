// Sealed repository files: the envelope shared by config secrets, index, snapshot, lock and
// evidence files.
//
//   file = salt (32 random bytes) || Seal(DeriveSubkey(master.encryption, salt), plaintext, kind)
//
// A fresh salt per file gives every file its own AES-256-GCM key, so no key ever seals more
// than one file's messages (see docs/repository-format.md). `kind` ("stormproof index", ...)
// is authenticated, so a file cannot be passed off as another kind. Internal; thread-safe.
#ifndef STORMPROOF_ENGINE_REPOSITORY_SEALED_FILE_H_
#define STORMPROOF_ENGINE_REPOSITORY_SEALED_FILE_H_

#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "engine/crypto/crypto.h"

namespace stormproof::repository {

// What every password's key file unlocks; never changes for the life of a repository.
struct MasterKey {
  crypto::Key encryption;  // subkeys for every sealed file derive from this
  crypto::Key id;          // blob ids: KeyedId(id, plaintext)
};

// The `kind` of each sealed file.
inline constexpr std::string_view kConfigKind = "stormproof config";
inline constexpr std::string_view kIndexKind = "stormproof index";
inline constexpr std::string_view kSnapshotKind = "stormproof snapshot";
inline constexpr std::string_view kLockKind = "stormproof lock";
inline constexpr std::string_view kEvidenceKind = "stormproof evidence";
inline constexpr std::string_view kMarkKind = "stormproof mark";

Bytes SealFile(const crypto::Key& master, ByteView plaintext, std::string_view kind);
// Like SealFile, but the same plaintext (and kind) always gives the same file, so its storage id
// too: the salt is HMAC-SHA256(master, "stormproof deterministic salt" || kind || 0 ||
// plaintext) and the nonce zeros. Sound because the subkey derived from that salt seals this one
// plaintext only (another plaintext gives another salt, so another subkey); the files tell no
// more than their names do (whether two hold the same plaintext). Opened by OpenSealedFile.
Bytes SealFileDeterministically(const crypto::Key& master, ByteView plaintext,
                                std::string_view kind);
// Errors: kFailedCheck when the file is truncated; kCorrupt when it is altered or of another kind
// (its authentication fails). The caller adds which file.
Result<Bytes> OpenSealedFile(const crypto::Key& master, ByteView file, std::string_view kind);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_SEALED_FILE_H_
