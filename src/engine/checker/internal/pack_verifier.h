// Reading and verifying whole packs for `check --read-data`: each pack is read with one backend
// read and every blob in it verified from memory (Repository::VerifyPack: authentication,
// decoding, length and the keyed hash against the blob's id), on a few worker threads so that
// reading one pack overlaps verifying another. Memory: one pack (and one blob's plaintext) per
// worker thread. Thread-safe as far as the Repository is (it is).
#ifndef STORMPROOF_ENGINE_CHECKER_INTERNAL_PACK_VERIFIER_H_
#define STORMPROOF_ENGINE_CHECKER_INTERNAL_PACK_VERIFIER_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/repository/repository.h"

namespace stormproof::checker {

// What reading one pack found.
struct PackVerdict {
  repository::Id pack;
  uint64_t bytes_read = 0;
  uint64_t blobs_read = 0;
  std::vector<std::string> errors = {};        // one line each, naming the pack (and blob)
  std::vector<repository::Id> bad_blobs = {};  // blobs that failed to verify
};

// Reads and verifies every pack in `packs` on `threads` worker threads (at least one), calling
// `each` on the calling thread with each pack's verdict as it arrives (in no particular order),
// so `each` needs no locking. Returns when every pack is done. Once the process is interrupted
// (core/interrupt.h) the packs not yet started come back unread (bytes_read 0, no errors).
void VerifyPacks(const repository::Repository& repo, std::span<const repository::Id> packs,
                 unsigned threads, const std::function<void(PackVerdict)>& each);

}  // namespace stormproof::checker

#endif  // STORMPROOF_ENGINE_CHECKER_INTERNAL_PACK_VERIFIER_H_
