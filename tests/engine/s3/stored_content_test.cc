// The one rule for "overwritten" that retention upkeep and the immutability proof share
// (internal/stored_content.h): a key is overwritten while its newest stored content differs
// from its oldest; restored once the newest holds the oldest's content again.
#include "engine/s3/internal/stored_content.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stormproof::s3::internal {
namespace {

using Rewrite = StoredContent::Rewrite;

ObjectVersion Stored(uint64_t size, const std::string& etag) {
  ObjectVersion v;
  v.key = "repo/data/ab/ab01";
  v.size = size;
  v.etag = etag;
  return v;
}
ObjectVersion Marker() {
  ObjectVersion v;
  v.key = "repo/data/ab/ab01";
  v.delete_marker = true;
  return v;
}

// Each case: the versions newest first, and what the key is.
struct Case {
  const char* what;
  std::vector<ObjectVersion> newest_first;
  Rewrite expected;
};

TEST(StoredContentTest, AKeyIsOverwrittenOnlyWhileItsNewestContentDiffersFromItsOldest) {
  const ObjectVersion good = Stored(100, "\"aaaa\""), garbage = Stored(7, "\"bbbb\"");
  const std::vector<Case> cases = {
      {"one version", {good}, Rewrite::kNone},
      {"a retried PUT (same size and ETag)", {good, good}, Rewrite::kNone},
      {"garbage over the good content", {garbage, good}, Rewrite::kOverwritten},
      {"restored on top of the garbage (repair --as-of)", {good, garbage, good},
       Rewrite::kRestored},
      {"restored, then removed", {Marker(), good, garbage, good}, Rewrite::kRestored},
      {"overwritten again after a restore", {garbage, good, garbage, good}, Rewrite::kOverwritten},
      {"same ETag, other size", {Stored(101, "\"aaaa\""), good}, Rewrite::kOverwritten},
      {"quotes or none: one ETag", {Stored(100, "aaaa"), good}, Rewrite::kNone},
      {"markers only", {Marker()}, Rewrite::kNone},
  };
  for (const Case& c : cases) {
    StoredContent content;
    for (const ObjectVersion& v : c.newest_first) content.Add(v);
    EXPECT_EQ(content.rewrite(), c.expected) << c.what;
  }
}

// Multipart ETags of the same bytes in other parts differ; a plain and a multipart ETag of one
// size cannot be compared: both count as different content (the safe side), since stormproof
// never stores one file both ways (it uploads in parts only above 64 MiB, with a fixed part
// size). The same multipart ETag twice is one content.
TEST(StoredContentTest, MultipartETagsOfOtherKindsOrPartCountsCountAsDifferent) {
  EXPECT_TRUE(SameStoredContent(80 << 20, "\"abc-2\"", 80 << 20, "\"abc-2\""));
  EXPECT_FALSE(SameStoredContent(80 << 20, "\"abc-2\"", 80 << 20, "\"def-3\""));
  EXPECT_FALSE(SameStoredContent(80 << 20, "\"abc-2\"", 80 << 20, "\"0123456789abcdef\""));
  StoredContent copied;  // a multipart original restored by a copy that made a plain ETag
  copied.Add(Stored(80 << 20, "\"0123456789abcdef\""));
  copied.Add(Stored(7, "\"bbbb\""));
  copied.Add(Stored(80 << 20, "\"abc-2\""));
  EXPECT_EQ(copied.rewrite(), Rewrite::kOverwritten);
}

}  // namespace
}  // namespace stormproof::s3::internal
