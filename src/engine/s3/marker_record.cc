// The record of stormproof's own delete markers (internal/marker_record.h).
#include "engine/s3/internal/marker_record.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace stormproof::s3::internal {
namespace {

constexpr RecordFormat kFormat{"stormproof delete-marker record 1\n",
                               "record of stormproof's delete markers",
                               "every delete marker counts as someone else's"};

int64_t ValueOf(const RecordedMarker& marker) {
  if (marker.kind == RecordedMarker::Kind::kRemoved) return 0;
  return std::max<int64_t>(marker.repair_as_of_ns, 1);
}

}  // namespace

std::string MarkerRecordName(std::string_view repository_id) {
  return "delete-markers-" + std::string(repository_id.substr(0, 16));
}

MarkerRecord::MarkerRecord(std::string path, RecordBinding binding)
    : path_(std::move(path)), binding_(std::move(binding)) {
  for (const RecordEntry& entry : ReadRecordFile(path_, kFormat, binding_, &note_)) {
    markers_[entry.hash] = entry.value;
  }
  if (note_.empty()) return;
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::symlink_status(path_, error);
  // A first run has no file; anything else there is kept.
  unreadable_ = status.type() != std::filesystem::file_type::not_found;
}

Status MarkerRecord::Writable() const {
  if (!unreadable_) return Ok();
  return Error::FailedCheck(
      note_ + "; not written over, so that none of its entries is lost: look at it, then restore "
      "it from a copy or move it aside (every delete marker not recorded then counts as someone "
      "else's) and run again");
}

std::optional<RecordedMarker> MarkerRecord::Find(std::string_view key,
                                                 std::string_view version_id) const {
  auto found = markers_.find(RecordHashOf(key, version_id));
  if (found == markers_.end()) return std::nullopt;
  if (found->second == 0) return RecordedMarker{};
  return RecordedMarker{RecordedMarker::Kind::kHiddenByRepair, found->second};
}

void MarkerRecord::Add(std::string_view key, std::string_view version_id,
                       const RecordedMarker& marker) {
  markers_[RecordHashOf(key, version_id)] = ValueOf(marker);
}

void MarkerRecord::KeepOnly(const std::vector<std::pair<std::string, std::string>>& present) {
  std::map<RecordHash, int64_t> kept;
  for (const auto& [key, version_id] : present) {
    auto found = markers_.find(RecordHashOf(key, version_id));
    if (found != markers_.end()) kept.insert(*found);
  }
  markers_ = std::move(kept);
}

Status MarkerRecord::Save() const {
  STORMPROOF_TRY(Writable());
  std::vector<RecordEntry> entries;
  entries.reserve(markers_.size());
  for (const auto& [hash, value] : markers_) entries.push_back({hash, value});
  return WriteRecordFile(path_, kFormat, binding_, std::move(entries));
}

}  // namespace stormproof::s3::internal
