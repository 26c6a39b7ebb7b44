// Where a regular file's stored content goes on disk.
//
// A snapshot stores a file as `size`, a list of holes (zero runs that are not stored) and a list
// of data blobs. The file's data regions are [0, size) minus the holes; the blobs concatenated —
// "the stream" — fill the data regions in order, so one blob may straddle a hole. A FileLayout
// maps stream offsets to file offsets. Plain value; thread-compatible.
#ifndef STORMPROOF_ENGINE_RESTORER_INTERNAL_LAYOUT_H_
#define STORMPROOF_ENGINE_RESTORER_INTERNAL_LAYOUT_H_

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/result.h"

namespace stormproof::restorer {

class FileLayout {
 public:
  struct Extent {
    uint64_t file_offset = 0;
    uint64_t stream_offset = 0;
    uint64_t length = 0;
  };

  // Checks the hole list against `size` and the stream length `content_bytes`. Errors
  // (kFailedCheck, "inconsistent node: ..."): holes out of order, overlapping or beyond `size`;
  // or size minus holes != content_bytes. Zero-length holes are ignored. Never allocates more
  // than one extent per hole, whatever `size` says.
  static Result<FileLayout> Build(uint64_t size,
                                  const std::vector<std::pair<uint64_t, uint64_t>>& holes,
                                  uint64_t content_bytes);

  uint64_t size() const { return size_; }
  uint64_t data_bytes() const;
  const std::vector<Extent>& extents() const { return extents_; }

  // Calls each(file_offset, position, length) for every piece of the stream range
  // [stream_offset, stream_offset + length), where `position` counts from stream_offset.
  // REQUIRES: the range lies within [0, data_bytes()).
  template <typename Fn>
  void ForEachPiece(uint64_t stream_offset, uint64_t length, Fn&& each) const;

  // Calls each(file_offset, length) for every hole (gap between data extents), in order.
  template <typename Fn>
  void ForEachHole(Fn&& each) const;

 private:
  size_t FirstExtentAt(uint64_t stream_offset) const;

  std::vector<Extent> extents_;  // data regions, in file (and stream) order, none empty
  uint64_t size_ = 0;
};

template <typename Fn>
void FileLayout::ForEachPiece(uint64_t stream_offset, uint64_t length, Fn&& each) const {
  uint64_t done = 0;
  for (size_t i = FirstExtentAt(stream_offset); i < extents_.size() && done < length; ++i) {
    const Extent& e = extents_[i];
    uint64_t skip = stream_offset + done - e.stream_offset;
    uint64_t n = std::min(e.length - skip, length - done);
    each(e.file_offset + skip, done, n);
    done += n;
  }
}

template <typename Fn>
void FileLayout::ForEachHole(Fn&& each) const {
  uint64_t at = 0;
  for (const Extent& e : extents_) {
    if (e.file_offset > at) each(at, e.file_offset - at);
    at = e.file_offset + e.length;
  }
  if (size_ > at) each(at, size_ - at);
}

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_INTERNAL_LAYOUT_H_
