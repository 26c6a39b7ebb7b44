// Whether a key was written over (internal/stored_content.h).
#include "engine/s3/internal/stored_content.h"

namespace stormproof::s3::internal {
namespace {

std::string_view Unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace

bool SameStoredContent(uint64_t size_a, std::string_view etag_a, uint64_t size_b,
                       std::string_view etag_b) {
  etag_a = Unquoted(etag_a);
  etag_b = Unquoted(etag_b);
  // ETags of different kinds (plain, multipart of other part counts) never equal as text: not
  // comparable counts as different content, as the header says.
  return size_a == size_b && etag_a == etag_b;
}

void StoredContent::Add(const ObjectVersion& v) {
  if (v.delete_marker) return;
  if (versions_++ == 0) {
    newest_size_ = v.size;
    newest_etag_ = v.etag;
  } else if (!SameStoredContent(v.size, v.etag, newest_size_, newest_etag_)) {
    any_differ_ = true;
  }
  oldest_size_ = v.size;
  oldest_etag_ = v.etag;
}

StoredContent::Rewrite StoredContent::rewrite() const {
  if (!any_differ_) return Rewrite::kNone;
  return SameStoredContent(newest_size_, newest_etag_, oldest_size_, oldest_etag_)
             ? Rewrite::kRestored
             : Rewrite::kOverwritten;
}

}  // namespace stormproof::s3::internal
