#include "engine/restorer/internal/layout.h"

#include <algorithm>
#include <string>

namespace stormproof::restorer {
namespace {

Error Inconsistent(const std::string& why) {
  return Error::FailedCheck("inconsistent node: " + why);
}

}  // namespace

Result<FileLayout> FileLayout::Build(uint64_t size,
                                     const std::vector<std::pair<uint64_t, uint64_t>>& holes,
                                     uint64_t content_bytes) {
  FileLayout layout;
  layout.size_ = size;
  uint64_t at = 0, stream = 0;
  for (const auto& [offset, length] : holes) {
    if (length == 0) continue;
    uint64_t end;
    if (offset < at || __builtin_add_overflow(offset, length, &end) || end > size) {
      return Inconsistent("hole at " + std::to_string(offset) + " (+" + std::to_string(length) +
                          ") is out of order or beyond the size " + std::to_string(size));
    }
    if (offset > at) {
      layout.extents_.push_back({at, stream, offset - at});
      stream += offset - at;
    }
    at = end;
  }
  if (size > at) {
    layout.extents_.push_back({at, stream, size - at});
    stream += size - at;
  }
  if (stream != content_bytes) {
    return Inconsistent("size " + std::to_string(size) + " leaves " + std::to_string(stream) +
                        " bytes of data, but the content holds " + std::to_string(content_bytes));
  }
  return layout;
}

uint64_t FileLayout::data_bytes() const {
  if (extents_.empty()) return 0;
  return extents_.back().stream_offset + extents_.back().length;
}

size_t FileLayout::FirstExtentAt(uint64_t stream_offset) const {
  auto it =
      std::upper_bound(extents_.begin(), extents_.end(), stream_offset,
                       [](uint64_t offset, const Extent& e) { return offset < e.stream_offset; });
  return it == extents_.begin() ? 0 : static_cast<size_t>(it - extents_.begin() - 1);
}

}  // namespace stormproof::restorer
