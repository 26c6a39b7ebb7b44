// The record of retain-until dates that retention upkeep keeps on the maintenance host
// (internal/retention_record.h), in the records' file format (internal/record_file.h).
#include "engine/s3/internal/retention_record.h"

#include <algorithm>
#include <utility>

namespace stormproof::s3::internal {
namespace {

constexpr RecordFormat kRetentionRecordFormat{"stormproof retention record 1\n",
                                              "record of earlier upkeep", "every retention is read"};

}  // namespace

RetentionRecord::RetentionRecord(std::string path, RecordBinding binding)
    : path_(std::move(path)), binding_(std::move(binding)) {
  loaded_ = ReadRecordFile(path_, kRetentionRecordFormat, binding_, &note_);
}

int64_t RetentionRecord::RecordedUntilNs(std::string_view key,
                                         std::string_view version_id) const {
  const RecordHash hash = RecordHashOf(key, version_id);
  auto found = std::lower_bound(loaded_.begin(), loaded_.end(), hash,
                                [](const RecordEntry& e, const RecordHash& h) { return e.hash < h; });
  return found != loaded_.end() && found->hash == hash ? found->value : 0;
}

void RetentionRecord::Note(std::string_view key, std::string_view version_id, int64_t until_ns) {
  RecordEntry entry{RecordHashOf(key, version_id), until_ns};
  MutexLock lock(mutex_);
  noted_.push_back(entry);
}

Status RetentionRecord::Save() const {
  std::vector<RecordEntry> entries;
  {
    MutexLock lock(mutex_);
    entries = noted_;
  }
  if (entries.size() > kMaxRecordEntries) {  // the latest dates kept: the others are due first
    std::sort(entries.begin(), entries.end(),
              [](const RecordEntry& a, const RecordEntry& b) { return a.value > b.value; });
    entries.resize(kMaxRecordEntries);
  }
  return WriteRecordFile(path_, kRetentionRecordFormat, binding_, std::move(entries));
}

}  // namespace stormproof::s3::internal
