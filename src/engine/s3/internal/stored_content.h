// Whether a key was written over, by its version listing: the one rule retention upkeep
// (retention_upkeep.h: an overwritten file keeps every version retained and is never purged)
// and the immutability proof (immutability.h: an overwrite is a problem) share.
//
// A key is overwritten only while its current content — its newest stored version, delete
// markers aside — differs from its oldest stored version (the one the repository wrote). A key
// whose versions differed but whose newest holds the oldest's content again was restored
// (`repair --as-of` copies the good version on top; the attacker's stays beside it as evidence):
// not a problem any more, a note. Two versions hold the same content when their sizes and ETags
// are equal (a retried PUT stores the same bytes again).
//
// Multipart ETags ("<hex>-<parts>") are not the MD5 of the bytes but of the parts' MD5s, so the
// same bytes uploaded in other parts have another ETag, and a server-side copy may turn one into
// a plain MD5. stormproof uploads in parts only objects over Options::multipart_threshold (64
// MiB, far above its 8 MiB packs) with a fixed part size, so its own versions of one file compare
// equal. Two ETags of different kinds (plain and multipart, or multipart with other part counts)
// are not comparable and count as different content (the safe side): such a pair is not one
// stormproof made.
//
// Thread-compatible value type.
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_STORED_CONTENT_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_STORED_CONTENT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/s3/internal/client.h"

namespace stormproof::s3::internal {

// Whether versions of sizes `size_a`, `size_b` and ETags `etag_a`, `etag_b` (quotes included
// or not) hold the same content, by the rule above.
bool SameStoredContent(uint64_t size_a, std::string_view etag_a, uint64_t size_b,
                       std::string_view etag_b);

// One key's stored versions, fed in listing order (newest first).
class StoredContent {
 public:
  enum class Rewrite {
    kNone,         // every version holds the same content (or there is one)
    kOverwritten,  // the newest differs from the oldest
    kRestored,     // some version differs, but the newest holds the oldest's content again
  };
  // Adds `v` (delete markers are ignored). REQUIRES: versions of one key, newest first.
  void Add(const ObjectVersion& v);
  int versions() const { return versions_; }
  Rewrite rewrite() const;

 private:
  int versions_ = 0;
  uint64_t newest_size_ = 0, oldest_size_ = 0;
  std::string newest_etag_, oldest_etag_;
  bool any_differ_ = false;  // some version differs from the newest
};

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_STORED_CONTENT_H_
