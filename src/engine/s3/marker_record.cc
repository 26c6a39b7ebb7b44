// The record of stormproof's own delete markers (internal/marker_record.h).
#include "engine/s3/internal/marker_record.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "core/time.h"

namespace stormproof::s3::internal {
namespace {

constexpr RecordFormat kMarkerRecordFormat{
    "stormproof delete-marker record 2\n", "record of stormproof's delete markers",
    "every delete marker counts as someone else's", "stormproof delete-marker record 1\n", true};

// When the lock file beside the record at `path` was last changed (a version 1 record's stand-in
// for when it was begun: RecordFileLock makes it before the first save and never writes it);
// now when it is not there.
int64_t LockFileChangedNs(const std::string& path) {
  struct stat info {};
  if (::stat((path + ".lock").c_str(), &info) != 0) return SystemNowNs();
  return int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec;
}

int64_t ValueOf(const RecordedMarker& marker) {
  if (marker.kind == RecordedMarker::Kind::kRemoved) return 0;
  return std::max<int64_t>(marker.repair_as_of_ns, 1);
}

}  // namespace

std::string MarkerRecordName(std::string_view repository_id) {
  return "delete-markers-" + std::string(repository_id.substr(0, 16));
}

LockedMarkerRecord::LockedMarkerRecord(const std::string& folder,
                                       const std::string& repository_id,
                                       const std::string& location, const std::string& root)
    : path(folder + "/" + MarkerRecordName(repository_id)),
      lock(path),
      record(path, RecordBinding{repository_id, location, root}, lock) {}

MarkerRecord::MarkerRecord(std::string path, RecordBinding binding, const RecordFileLock& lock)
    : path_(std::move(path)), binding_(std::move(binding)), locked_(lock.status()) {
  for (const RecordEntry& entry :
       ReadRecordFile(path_, kMarkerRecordFormat, binding_, &note_, &begun_ns_)) {
    markers_[entry.hash] = entry.value;
  }
  if (note_.empty() && begun_ns_ == 0) begun_ns_ = LockFileChangedNs(path_);  // version 1
  if (note_.empty()) return;
  begun_ns_ = SystemNowNs();
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::symlink_status(path_, error);
  // A first run has no file; anything else there is kept.
  unreadable_ = status.type() != std::filesystem::file_type::not_found;
}

Status MarkerRecord::Writable() const {
  STORMPROOF_TRY(locked_);
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
  return WriteRecordFile(path_, kMarkerRecordFormat, binding_, std::move(entries), begun_ns_);
}

}  // namespace stormproof::s3::internal
