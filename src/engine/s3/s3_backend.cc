// backend::Backend over an S3 bucket: one object per repository file, under the location's
// prefix, at the path the local backend would use (engine/backend/layout.h).
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/mutex.h"
#include "core/time.h"
#include "engine/backend/crash_points.h"
#include "engine/backend/layout.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/internal/marker_record.h"
#include "engine/s3/internal/options_hook.h"
#include "engine/s3/internal/retention_upkeep.h"
#include "engine/s3/internal/stored_content.h"
#include "engine/s3/s3.h"

namespace stormproof::s3 {
namespace {

using backend::FileType;
using backend::Handle;
using internal::Client;

// Added to every retain-until date: the date is computed before the upload, which may then take
// a while and be retried (RetryPolicy::max_total, 2 minutes), and the server's Date header has
// whole seconds. So a file stays retained at least `days` after it was stored.
constexpr int64_t kRetentionSpare = 5 * kNsPerMinute;

class S3Backend : public backend::Backend {
 public:
  explicit S3Backend(Options options)
      : parallel_saves_(std::max(1, options.max_in_flight / 2)), client_(std::move(options)) {
    const std::string& prefix = client_.location().prefix;
    root_ = prefix.empty() ? "" : prefix + "/";
  }

  Status Save(const Handle& handle, ByteView data) override;
  Result<Bytes> Load(const Handle& handle, uint64_t offset, uint64_t length) const override;
  Result<uint64_t> Size(const Handle& handle) const override;
  Result<int64_t> ModifiedNs(const Handle& handle) const override;
  Status Remove(const Handle& handle) override;
  Status List(FileType type,
              const std::function<void(const std::string&, uint64_t)>& each) const override;
  Status RemoveStaleTemporaries(FileType type, std::chrono::seconds min_age,
                                TemporaryFiles* stats) override;
  std::string Location() const override { return client_.location().ToString(); }
  Status SetRetention(const backend::Retention& retention) override;
  // The bucket's Object Lock configuration (one GetObjectLockConfiguration), asked once; a
  // refusal to tell (kPermissionDenied: Client::BucketHasObjectLock) is kept as well.
  Result<bool> HoldsRetention() const override;
  // Remove stays a plain DELETE: on a bucket with Object Lock (versioned) it puts a delete
  // marker, which the server allows under retention; the version stays until purged.
  Status ExtendRetention(FileType type, RetentionUpkeep* stats) override;
  Status PurgeExpiredVersions(HiddenVersions* stats) override;
  // The record of our own delete markers (internal/marker_record.h) lives in place.folder. An
  // empty field keeps what an earlier call set.
  void SetRecordPlace(const RecordPlace& place) override {
    MutexLock lock(markers_mutex_);
    if (!place.folder.empty()) record_place_.folder = place.folder;
    if (!place.repository_id.empty()) record_place_.repository_id = place.repository_id;
    if (!place.none_because.empty()) record_place_.none_because = place.none_because;
  }
  // Half the requests the client lets in flight: pack uploads overlap, and loads (the index,
  // trees) still find a free slot meanwhile.
  int ParallelSaves() const override { return parallel_saves_; }

  Client& client() { return client_; }
  // A backend CreateBackend made checks the bucket's Object Lock on SetRetention (once); an
  // opened one trusts the repository's config (a PUT under retention into a bucket without
  // Object Lock is refused by the server anyway, with ObjectLockRefusal's line).
  void CheckBucketLockOnRetention() {
    MutexLock lock(retention_mutex_);
    check_bucket_lock_ = true;
  }
  // The key of every object of this repository starts with this ("" or "prefix/").
  const std::string& root() const { return root_; }

 private:
  std::string KeyOf(const Handle& handle) const { return root_ + backend::RelativePath(handle); }
  // "prefix/snapshots/", "prefix/data/": where List looks for `type`.
  std::string DirectoryKey(FileType type) const { return root_ + backend::DirectoryOf(type) + "/"; }
  // The name of a listed object under DirectoryKey(type), or "" when it is not a file of `type`
  // (a stray object, a nested key, a pack outside its fan-out directory).
  static std::string NameOf(FileType type, std::string_view relative);

  // The Object Lock a Save of `handle` is stored under: none for locks or without a retention;
  // else the retention's mode until RetainUntilNs(days).
  Result<std::optional<internal::ObjectLock>> LockFor(const Handle& handle) const;
  // The server's now plus `days` plus kRetentionSpare (internal::RetainUntilNs: an error when
  // the server's clock is more than 15 minutes off ours). Learns the server's time with a HEAD
  // of the bucket when no answer has told it yet.
  Result<int64_t> RetainUntilNs(int days) const;
  // The retention SetRetention set (none before it), read under its mutex.
  std::optional<backend::Retention> CurrentRetention() const;
  // Before SetRetention (ExtendRetention's dry run of the config): counts the config in
  // stats->overwritten when its stored versions hold different content. One version listing.
  Status CountConfigOverwritten(RetentionUpkeep* stats) const;

  const int parallel_saves_;  // before client_, which takes the options
  Client client_;
  std::string root_;
  mutable Mutex retention_mutex_;
  std::optional<backend::Retention> retention_ GUARDED_BY(retention_mutex_);
  bool check_bucket_lock_ GUARDED_BY(retention_mutex_) = false;
  // Whether the bucket has Object Lock, once asked (HoldsRetention, SetRetention's check).
  mutable std::optional<bool> holds_retention_ GUARDED_BY(retention_mutex_);
  // Why the bucket would not tell, once HoldsRetention was refused so (kPermissionDenied).
  mutable std::optional<Error> holds_retention_unknown_ GUARDED_BY(retention_mutex_);
  // The record of our own delete markers at record_place_, read under its file lock (held
  // until the result is destroyed); nullptr when no place is set.
  std::unique_ptr<internal::LockedMarkerRecord> LoadMarkers() REQUIRES(markers_mutex_);
  // Why there is no record place, ending a refusal that needs one (record_place_.none_because).
  std::string NoRecordPlace() const REQUIRES(markers_mutex_);
  // What a key under root_ is to the purge.
  internal::KeyKind KindOfKey(const std::string& key) const;

  // Serialises reading, changing and saving the marker record (Remove, ExtendRetention,
  // PurgeExpiredVersions), so that no change is lost between them.
  Mutex markers_mutex_;
  RecordPlace record_place_ GUARDED_BY(markers_mutex_);
};

std::unique_ptr<internal::LockedMarkerRecord> S3Backend::LoadMarkers() {
  if (record_place_.folder.empty() || record_place_.repository_id.empty()) return nullptr;
  return std::make_unique<internal::LockedMarkerRecord>(
      record_place_.folder, record_place_.repository_id, Location(), root_);
}

std::string S3Backend::NoRecordPlace() const {
  return "kept in this user's state folder (~/.local/state/stormproof) when a cache is used: " +
         (record_place_.none_because.empty() ? "run without --no-cache"
                                             : record_place_.none_because);
}

internal::KeyKind S3Backend::KindOfKey(const std::string& key) const {
  const std::string_view relative = std::string_view(key).substr(root_.size());
  if (relative == "config") return internal::KeyKind::kFile;
  for (FileType type : {FileType::kKey, FileType::kSnapshot, FileType::kIndex, FileType::kPack,
                        FileType::kEvidence, FileType::kLock}) {
    const std::string directory = DirectoryKey(type);
    if (!key.starts_with(directory) ||
        NameOf(type, std::string_view(key).substr(directory.size())).empty()) {
      continue;
    }
    return type == FileType::kLock ? internal::KeyKind::kLock : internal::KeyKind::kFile;
  }
  return internal::KeyKind::kOther;
}

Status S3Backend::SetRetention(const backend::Retention& retention) {
  if (retention.days < 1) {
    return Error::InvalidArgument(Location() + ": an Object Lock retention needs at least 1 day");
  }
  MutexLock lock(retention_mutex_);
  if (check_bucket_lock_) {
    // Asked once per backend, HoldsRetention's answer included.
    if (!holds_retention_) {
      STORMPROOF_ASSIGN_OR_RETURN(bool enabled, client_.BucketHasObjectLock());
      holds_retention_ = enabled;
    }
    if (!*holds_retention_) {
      return Error::InvalidArgument(
          Location() + ": bucket '" + client_.location().bucket +
          "' does not have Object Lock enabled (it can only be turned on when a bucket is "
          "created: `stormproof init --object-lock` creates a new bucket with it)");
    }
    check_bucket_lock_ = false;  // once
  }
  retention_ = retention;
  return Ok();
}

Result<bool> S3Backend::HoldsRetention() const {
  MutexLock lock(retention_mutex_);
  if (holds_retention_) return *holds_retention_;
  if (holds_retention_unknown_) return *holds_retention_unknown_;
  Result<bool> enabled = client_.BucketHasObjectLock();
  if (enabled) {
    holds_retention_ = *enabled;
  } else if (enabled.error().code() == ErrorCode::kPermissionDenied) {
    holds_retention_unknown_ = enabled.error();
  }
  return enabled;
}

Status S3Backend::CountConfigOverwritten(RetentionUpkeep* stats) const {
  const std::string config = root_ + "config";
  internal::StoredContent content;
  bool latest_is_object = false;
  STORMPROOF_TRY(client_.ListObjectVersions(config, [&](const internal::ObjectVersion& v) {
    if (v.key != config) return;  // "config.old", or a key outside (a hostile server)
    if (v.is_latest) latest_is_object = !v.delete_marker;
    content.Add(v);
  }));
  // A hidden config opens nothing; one restored by `repair --as-of` is not overwritten now.
  if (latest_is_object && content.rewrite() == internal::StoredContent::Rewrite::kOverwritten) {
    ++stats->overwritten;
  }
  return Ok();
}

std::optional<backend::Retention> S3Backend::CurrentRetention() const {
  MutexLock lock(retention_mutex_);
  return retention_;
}

Result<std::optional<internal::ObjectLock>> S3Backend::LockFor(const Handle& handle) const {
  if (handle.type == FileType::kLock) return std::optional<internal::ObjectLock>();
  const std::optional<backend::Retention> retention = CurrentRetention();
  if (!retention) return std::optional<internal::ObjectLock>();
  // days + E: maintenance then needs to extend only objects older than E (ExtendRetention).
  STORMPROOF_ASSIGN_OR_RETURN(
      int64_t until, RetainUntilNs(retention->days + backend::RetentionSpareDays(*retention)));
  return std::optional<internal::ObjectLock>(internal::ObjectLock{retention->mode, until});
}

Status S3Backend::ExtendRetention(FileType type, RetentionUpkeep* stats) {
  const std::optional<backend::Retention> retention = CurrentRetention();
  if (!retention && type == FileType::kConfig && stats->dry_run) {
    // Only a bucket with Object Lock is asked for the config's versions (s3:ListBucketVersions):
    // a plain one lists none, and one that will not tell is left as before it was asked.
    Result<bool> holds = HoldsRetention();
    if (holds && *holds) return CountConfigOverwritten(stats);
    if (!holds && holds.error().code() != ErrorCode::kPermissionDenied) return holds.error();
    return Ok();
  }
  if (!retention || type == FileType::kLock) return Ok();
  const std::string config = root_ + "config";
  const std::string prefix = type == FileType::kConfig ? config : DirectoryKey(type);
  auto is_file = [&](const std::string& key) {
    if (type == FileType::kConfig) return key == config;
    return !NameOf(type, std::string_view(key).substr(prefix.size())).empty();
  };
  MutexLock lock(markers_mutex_);
  std::unique_ptr<internal::LockedMarkerRecord> locked = LoadMarkers();
  internal::MarkerRecord* markers = locked ? &locked->record : nullptr;
  if ((stats->adopt_hidden || stats->release_repair_hidden) && markers == nullptr) {
    return Error::InvalidArgument(Location() +
                                  ": adopting or releasing hidden files needs this machine's "
                                  "record of stormproof's delete markers, " + NoRecordPlace());
  }
  // Adopting or releasing saves the record: never over one that could not be read.
  if (stats->adopt_hidden || stats->release_repair_hidden) STORMPROOF_TRY(markers->Writable());
  const size_t adopted_before = stats->adopted.size(), released_before = stats->released.size();
  const size_t not_adopted_before = stats->not_adopted.size();
  const uint64_t others_before = stats->hidden_by_others;
  // may_adopt is asked with names relative to the repository, as it is given them.
  const auto may_adopt = std::move(stats->may_adopt);
  if (may_adopt) {
    stats->may_adopt = [&](const std::string& key, int64_t hidden_ns) {
      return may_adopt(key.substr(root_.size()), hidden_ns);
    };
  }
  // One record of earlier upkeep per type, in stats->record_folder (the caching backend's).
  Status done = internal::ExtendRetentionUnder(client_, prefix, is_file, *retention, stats, 0,
                                               markers, backend::FileTypeName(type));
  stats->may_adopt = may_adopt;
  // The files named now, relative to the repository.
  for (auto [files, before] : {std::pair{&stats->adopted, adopted_before},
                               std::pair{&stats->not_adopted, not_adopted_before},
                               std::pair{&stats->released, released_before}}) {
    for (size_t i = before; i < files->size(); ++i) (*files)[i].name.erase(0, root_.size());
  }
  const bool changed = stats->adopted.size() > adopted_before ||
                       stats->released.size() > released_before;
  if (markers != nullptr && changed && !stats->dry_run) STORMPROOF_TRY(markers->Save());
  // Why files count as someone else's when the record was not read (a lost or new record).
  const std::string why = markers != nullptr ? markers->note()
                                             : "no record of stormproof's delete markers is kept "
                                               "on this machine (no cache or no home folder)";
  if (stats->hidden_by_others > others_before && !why.empty() &&
      stats->record_note.find(why) == std::string::npos) {
    stats->record_note += (stats->record_note.empty() ? "" : "; ") + why;
  }
  return done;
}

Status S3Backend::PurgeExpiredVersions(HiddenVersions* stats) {
  // A bucket without Object Lock keeps no hidden versions.
  if (!CurrentRetention()) return Ok();
  MutexLock lock(markers_mutex_);
  std::unique_ptr<internal::LockedMarkerRecord> locked = LoadMarkers();
  internal::MarkerRecord* markers = locked ? &locked->record : nullptr;
  STORMPROOF_TRY(internal::PurgeExpiredVersionsUnder(
      client_, root_, [this](const std::string& key) { return KindOfKey(key); }, markers, stats));
  // A record that could not be read is empty here: every marker counted as someone else's and
  // nothing of a file was purged. It is kept as it is, never written over.
  if (markers != nullptr && markers->Writable()) STORMPROOF_TRY(markers->Save());
  return Ok();
}

Result<int64_t> S3Backend::RetainUntilNs(int days) const {
  if (!client_.KnowsServerTime()) (void)client_.HeadBucket();  // its Date tells the time
  return internal::RetainUntilNs(client_.ServerNowNs(), SystemNowNs(),
                                 kRetentionSpare + int64_t{days} * kNsPerDay, Location());
}

Status S3Backend::Save(const Handle& handle, ByteView data) {
  STORMPROOF_TRY(backend::ValidateHandle(handle));
  // The config is written once: If-None-Match: * makes the server refuse a second writer (AWS
  // S3 and Ceph RGW honour it), so two concurrent `init`s cannot both win.
  auto overwrite = handle.type == FileType::kConfig ? internal::Overwrite::kForbidden
                                                    : internal::Overwrite::kAllowed;
  // Crash points (engine/backend/crash_points.h): a PUT is atomic, so a process killed before
  // it leaves no object and one killed after it the whole object.
  STORMPROOF_TRY(backend::CrashPoint("s3 put: before the request"));
  STORMPROOF_ASSIGN_OR_RETURN(std::optional<internal::ObjectLock> lock, LockFor(handle));
  STORMPROOF_TRY(client_.PutObject(KeyOf(handle), data, overwrite, lock ? &*lock : nullptr));
  return backend::CrashPoint("s3 put: stored");
}

Result<Bytes> S3Backend::Load(const Handle& handle, uint64_t offset, uint64_t length) const {
  STORMPROOF_TRY(backend::ValidateHandle(handle));
  std::string key = KeyOf(handle);
  STORMPROOF_ASSIGN_OR_RETURN(internal::ObjectRange got, client_.GetObject(key, offset, length));
  STORMPROOF_ASSIGN_OR_RETURN(
      backend::ByteRange range,
      backend::ResolveRange(client_.Describe(key), got.object_size, offset, length));
  if (got.data.size() != range.length) {
    return Error::Io(client_.Describe(key) + ": short read: got " +
                     std::to_string(got.data.size()) + " bytes, expected " +
                     std::to_string(range.length));
  }
  return std::move(got.data);
}

Result<uint64_t> S3Backend::Size(const Handle& handle) const {
  STORMPROOF_TRY(backend::ValidateHandle(handle));
  STORMPROOF_ASSIGN_OR_RETURN(internal::ObjectInfo info, client_.HeadObject(KeyOf(handle)));
  return info.size;
}

Result<int64_t> S3Backend::ModifiedNs(const Handle& handle) const {
  STORMPROOF_TRY(backend::ValidateHandle(handle));
  STORMPROOF_ASSIGN_OR_RETURN(internal::ObjectInfo info, client_.HeadObject(KeyOf(handle)));
  return info.modified_ns;
}

Status S3Backend::Remove(const Handle& handle) {
  STORMPROOF_TRY(backend::ValidateHandle(handle));
  // Under retention, the delete marker of a file (locks carry no retention and are purged
  // whoever hid them) is recorded as ours: prune purges only what a marker of ours hides.
  const bool recorded = handle.type != FileType::kLock && CurrentRetention().has_value();
  if (!recorded) {
    STORMPROOF_TRY(backend::CrashPoint("s3 delete: before the request"));
    STORMPROOF_TRY(client_.DeleteObject(KeyOf(handle)));
    return backend::CrashPoint("s3 delete: deleted");
  }
  MutexLock lock(markers_mutex_);
  std::unique_ptr<internal::LockedMarkerRecord> locked = LoadMarkers();
  if (locked == nullptr) {
    return Error::InvalidArgument(client_.Describe(KeyOf(handle)) +
                                  ": not removed: under Object Lock a removal needs this "
                                  "machine's record of stormproof's delete markers, " +
                                  NoRecordPlace());
  }
  internal::MarkerRecord* markers = &locked->record;
  // Refused before the marker is placed: it could not be recorded without losing the record.
  if (Status writable = markers->Writable(); !writable) {
    return writable.error().WithContext(client_.Describe(KeyOf(handle)) + ": not removed");
  }
  STORMPROOF_TRY(backend::CrashPoint("s3 delete: before the request"));
  std::string marker;
  STORMPROOF_TRY(client_.DeleteObject(KeyOf(handle), &marker));
  // A killed process loses this marker's entry: the file then counts as someone else's, and
  // prune refuses until `prune --adopt-hidden-before` (the safe side).
  STORMPROOF_TRY(backend::CrashPoint("s3 delete: deleted"));
  if (marker.empty()) return Ok();  // no marker: nothing hidden to record
  markers->Add(KeyOf(handle), marker, internal::RecordedMarker{});
  Status saved = markers->Save();
  if (!saved) {
    return saved.error().WithContext("recording the delete marker of " +
                                     client_.Describe(KeyOf(handle)));
  }
  return Ok();
}

std::string S3Backend::NameOf(FileType type, std::string_view relative) {
  std::string_view name = relative;
  if (type == FileType::kPack) {
    // "ab/abcdef...": the name must sit in the directory of its first two digits.
    if (relative.size() < 4 || relative[2] != '/') return "";
    name = relative.substr(3);
    if (!name.starts_with(relative.substr(0, 2))) return "";
  }
  Handle handle{type, std::string(name)};
  if (!backend::ValidateHandle(handle)) return "";
  return handle.name;
}

Status S3Backend::List(FileType type,
                       const std::function<void(const std::string&, uint64_t)>& each) const {
  if (type == FileType::kConfig) {
    Result<uint64_t> size = Size(Handle{FileType::kConfig, ""});
    if (size) each("config", *size);
    if (size || size.error().code() == ErrorCode::kNotFound) return Ok();
    return size.error();
  }
  const std::string directory = DirectoryKey(type);
  return client_.ListObjects(directory, [&](const internal::ListedObject& object) {
    // A key outside the directory asked for (a broken or hostile server) is not ours.
    if (!object.key.starts_with(directory)) return;
    std::string name = NameOf(type, std::string_view(object.key).substr(directory.size()));
    if (!name.empty()) each(name, object.size);
  });
}

Status S3Backend::RemoveStaleTemporaries(FileType type, std::chrono::seconds min_age,
                                         TemporaryFiles* stats) {
  // A PUT leaves nothing behind; an interrupted multipart upload does, until it is aborted.
  std::string directory = type == FileType::kConfig ? root_ + "config" : DirectoryKey(type);
  int64_t server_now = 0;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<internal::MultipartUpload> uploads,
                              client_.ListMultipartUploads(directory, &server_now));
  const int64_t min_age_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(min_age).count();
  for (const internal::MultipartUpload& upload : uploads) {
    // A server that ignores the prefix must not make us abort another repository's uploads.
    if (!upload.key.starts_with(directory)) continue;
    // The server's Date has whole seconds; Initiated may have milliseconds: compare seconds.
    Result<int64_t> initiated = ParseRfc3339(upload.initiated);
    if (!initiated || server_now - FloorSeconds(*initiated) * kNsPerSecond < min_age_ns) continue;
    STORMPROOF_TRY(client_.AbortMultipartUpload(upload.key, upload.upload_id));
    if (stats != nullptr) ++stats->files;  // the size of its parts is not listed
  }
  return Ok();
}

Result<std::unique_ptr<S3Backend>> Connect(Options options) {
  if (options.credentials.access_key_id.empty()) {
    return Error::NotFound(options.location.ToString() +
                           ": no S3 credentials: set AWS_ACCESS_KEY_ID and "
                           "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the plan's credentials_file");
  }
  if (internal::OptionsHook hook = internal::GetOptionsHook()) hook(options);
  return std::make_unique<S3Backend>(std::move(options));
}

}  // namespace

Result<std::unique_ptr<backend::Backend>> CreateBackend(Options options) {
  const auto options_lock = options.create_with_object_lock ? internal::BucketObjectLock::kEnabled
                                                            : internal::BucketObjectLock::kOff;
  const std::optional<backend::Retention> retention = options.retention;
  STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<S3Backend> s3, Connect(std::move(options)));
  Client& client = s3->client();
  Status exists = client.CheckBucket();
  if (!exists && exists.error().code() == ErrorCode::kNotFound) {
    STORMPROOF_TRY(client.CreateBucket(options_lock));
  } else if (!exists) {
    return exists.error();
  }
  s3->CheckBucketLockOnRetention();
  if (retention) STORMPROOF_TRY(s3->SetRetention(*retention));
  bool empty = true;
  STORMPROOF_TRY(client.ListObjects(
      s3->root(), [&](const internal::ListedObject&) { empty = false; }, 1));
  if (!empty) {
    return Error::InvalidArgument(s3->Location() +
                                  ": not empty: choose an empty bucket or another prefix");
  }
  return std::unique_ptr<backend::Backend>(std::move(s3));
}

Result<std::unique_ptr<backend::Backend>> OpenBackend(Options options) {
  const std::optional<backend::Retention> retention = options.retention;
  STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<S3Backend> s3, Connect(std::move(options)));
  if (retention) STORMPROOF_TRY(s3->SetRetention(*retention));  // trusted: no request
  return std::unique_ptr<backend::Backend>(std::move(s3));
}

}  // namespace stormproof::s3
