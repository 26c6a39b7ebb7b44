#include "engine/s3/internal/retention_upkeep.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <utility>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "core/time.h"
#include "engine/s3/internal/retention_record.h"

namespace stormproof::s3::internal {
namespace {

// A retention is over only once the server's clock is this far past it: our estimate of the
// server's time (its Date header, whole seconds, moved on by our clock) may run a little ahead,
// and a DELETE the server would refuse must never be sent.
constexpr int64_t kExpiryMargin = 2 * kNsPerSecond;

// Requests at once: each object needs one or two small requests, mostly waiting on the network
// (the client bounds the requests in flight too).
constexpr size_t kWorkers = 8;

// Calls `each(i)` for every i < count on up to kWorkers threads; the first error stops the rest
// (calls under way finish) and is returned.
Status ForEachInParallel(size_t count, const std::function<Status(size_t)>& each) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  Mutex mutex;
  std::optional<Error> error;
  auto work = [&] {
    for (size_t i = next++; i < count && !failed; i = next++) {
      Status done = each(i);
      if (done) continue;
      MutexLock lock(mutex);
      if (!error) error = done.error();
      failed = true;
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < std::min(kWorkers, count); ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  if (error) return *error;
  return Ok();
}

// Every version of `prefix`'s keys, in the listing's order (by key, newest first).
Result<std::vector<ObjectVersion>> Versions(const Client& client, const std::string& prefix) {
  std::vector<ObjectVersion> versions;
  STORMPROOF_TRY(client.ListObjectVersions(prefix, [&](const ObjectVersion& v) {
    if (v.key.starts_with(prefix)) versions.push_back(v);  // a key outside is not ours
  }));
  return versions;
}

// Every key's versions (the listing's order: by key, newest first), one group per key.
std::vector<std::vector<ObjectVersion>> ByKey(std::vector<ObjectVersion> versions) {
  std::vector<std::vector<ObjectVersion>> keys;
  for (ObjectVersion& v : versions) {
    if (keys.empty() || keys.back().front().key != v.key) keys.emplace_back();
    keys.back().push_back(std::move(v));
  }
  return keys;
}

// Whether a key's versions hold different content: it was written over after it was written
// (an attack or a faulty tool). Versions of the same size and ETag are one content stored twice
// (a PUT retried after its answer was lost), not an overwrite.
bool Overwritten(const std::vector<ObjectVersion>& group) {
  const ObjectVersion* first = nullptr;
  for (const ObjectVersion& v : group) {
    if (v.delete_marker) continue;
    if (first == nullptr) {
      first = &v;
    } else if (v.size != first->size || v.etag != first->etag) {
      return true;
    }
  }
  return false;
}

// Extends `v` (a version of a file in use, stored long enough ago to need a look) when its
// retention ends before `needed`; the new date is `until`. Notes in `record` (if any) the date
// the server answered or, once extended, the one it set. A version with no retention at all is
// not one stormproof wrote (it locks every file it writes): counted in stats->unretained, never
// locked (after an overwrite, the original keeps its retention and is extended; the
// attacker's version is not).
Status ExtendOne(Client& client, const ObjectVersion& v, int64_t needed, int64_t until,
                 RetentionRecord* record, backend::Backend::RetentionUpkeep* stats) {
  STORMPROOF_ASSIGN_OR_RETURN(ObjectRetention held, client.GetObjectRetention(v.key, v.version_id));
  ++stats->checked;
  if (!held) {
    ++stats->unretained;
    return Ok();
  }
  if (held->retain_until_ns >= needed) {
    if (record != nullptr) record->Note(v.key, v.version_id, held->retain_until_ns);
    return Ok();
  }
  ObjectLock lock{held->mode, until};  // COMPLIANCE stays COMPLIANCE
  if (!stats->dry_run) {
    STORMPROOF_TRY(client.PutObjectRetention(v.key, v.version_id, lock));
    if (record != nullptr) record->Note(v.key, v.version_id, until);
  }
  ++stats->extended;
  return Ok();
}

// The record of earlier upkeep under `prefix` (retention_record.h), when the caller gives a
// folder on this machine and the repository's id and `record_name` names the file; else none.
// Why it is empty goes into stats->record_note (the first such line of a run).
std::unique_ptr<RetentionRecord> RecordFor(const Client& client, const std::string& prefix,
                                           const std::string& record_name,
                                           backend::Backend::RetentionUpkeep* stats) {
  if (stats->record_folder.empty() || stats->repository_id.empty() || record_name.empty()) {
    return nullptr;
  }
  auto record = std::make_unique<RetentionRecord>(
      stats->record_folder + "/" + record_name,
      RecordBinding{stats->repository_id, client.location().ToString(), prefix});
  if (stats->record_note.empty()) stats->record_note = record->note();
  return record;
}

// Whether `group` (a key's versions) is hidden by a delete marker someone other than `own_id`
// placed while a stored version is there to hide: an attack or another tool, never ours to undo.
bool HiddenByOthers(const std::vector<ObjectVersion>& group, const std::string& own_id) {
  const ObjectVersion& latest = group.front();
  return latest.is_latest && latest.delete_marker && latest.owner_id != own_id &&
         std::any_of(group.begin(), group.end(),
                     [](const ObjectVersion& v) { return !v.delete_marker; });
}

// For a key removed by a delete marker we placed (`own_id`), deletes the noncurrent versions in
// `group` (the key's versions) whose retention ended, and then its delete markers when no
// version is left for them to hide. A key someone else hid is counted and left alone.
Status PurgeKey(Client& client, const std::vector<ObjectVersion>& group, int64_t now,
                const std::string& own_id, backend::Backend::HiddenVersions* stats) {
  if (HiddenByOthers(group, own_id)) {
    ++stats->foreign_markers;
    return Ok();
  }
  // Only what a removal hid: a key whose latest entry is an object was overwritten, not removed
  // (files are named by their content, so that is a retried upload or someone else's write), and
  // its older versions are what `repair --as-of` may need: left alone. So is every version of a
  // key written over with other content before it was removed: the evidence of an attack.
  const bool removed = std::any_of(group.begin(), group.end(), [](const ObjectVersion& v) {
    return v.is_latest && v.delete_marker;
  });
  if (!removed || Overwritten(group)) return Ok();
  size_t versions_left = 0;
  for (const ObjectVersion& v : group) {
    if (v.delete_marker) continue;
    if (v.is_latest) {
      ++versions_left;
      continue;
    }
    STORMPROOF_ASSIGN_OR_RETURN(ObjectRetention held,
                                client.GetObjectRetention(v.key, v.version_id));
    if (held && held->retain_until_ns + kExpiryMargin > now) {
      ++versions_left;
      ++stats->retained_files;
      stats->retained_bytes += v.size;
      if (stats->earliest_release_ns == 0 || held->retain_until_ns < stats->earliest_release_ns) {
        stats->earliest_release_ns = held->retain_until_ns;
      }
      continue;
    }
    STORMPROOF_TRY(client.DeleteObjectVersion(v.key, v.version_id));
    ++stats->purged_files;
    stats->purged_bytes += v.size;
  }
  for (const ObjectVersion& v : group) {
    // A marker that is not the latest hides nothing; the latest hides the versions left.
    if (!v.delete_marker || (v.is_latest && versions_left > 0)) continue;
    STORMPROOF_TRY(client.DeleteObjectVersion(v.key, v.version_id));
  }
  return Ok();
}

// The stored versions under `keys` (one group per key) that upkeep must look at: every stored
// version of a file in use (`is_file`; the latest entry an object), not only the current one
// (after an overwrite the original, the good content, must stay retained as long as the file is
// in use), stored before `stored_before` (younger ones were stored with days + E:
// S3Backend::LockFor). A file hidden by someone else's delete marker counts as in use. Counts
// overwritten and hidden files in `stats`.
std::vector<const ObjectVersion*> DueVersions(
    const std::vector<std::vector<ObjectVersion>>& keys,
    const std::function<bool(const std::string& key)>& is_file, int64_t stored_before,
    const std::function<Result<std::string>()>& own_id,
    backend::Backend::RetentionUpkeep* stats) {
  // Whose delete markers are ours: asked only when a file is hidden (unknown: every hidden file
  // is kept retained, the safe side).
  std::optional<Result<std::string>> own;
  auto hidden_by_others = [&](const std::vector<ObjectVersion>& group) {
    if (!own) own = own_id ? own_id() : Result<std::string>(Error::NotFound("not asked"));
    return *own ? HiddenByOthers(group, **own)
                : std::any_of(group.begin(), group.end(),
                              [](const ObjectVersion& v) { return !v.delete_marker; });
  };
  std::vector<const ObjectVersion*> due;
  for (const std::vector<ObjectVersion>& group : keys) {
    const ObjectVersion& latest = group.front();
    if (!latest.is_latest || !is_file(latest.key)) continue;
    // Not in use, unless someone else hid it: then it stays retained as if in use.
    if (latest.delete_marker) {
      if (!hidden_by_others(group)) continue;
      if (*own) ++stats->hidden_by_others;  // known to be someone else's (not merely unknown)
    }
    if (Overwritten(group)) ++stats->overwritten;
    for (const ObjectVersion& v : group) {
      if (!v.delete_marker && v.modified_ns < stored_before) due.push_back(&v);
    }
  }
  return due;
}

}  // namespace

Status ExtendRetentionUnder(Client& client, const std::string& prefix,
                            const std::function<bool(const std::string& key)>& is_file,
                            const backend::Retention& retention,
                            backend::Backend::RetentionUpkeep* stats, int64_t now_ns,
                            const std::function<Result<std::string>()>& own_id,
                            const std::string& record_name) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<ObjectVersion> versions, Versions(client, prefix));
  // The listing's answer told the server's time.
  const int64_t now = now_ns != 0 ? now_ns : client.ServerNowNs();
  const int64_t spare = int64_t{backend::RetentionSpareDays(retention)} * kNsPerDay;
  const int64_t needed = now + int64_t{retention.days} * kNsPerDay;
  const int64_t until = (FloorSeconds(needed + spare) + 1) * kNsPerSecond;
  std::vector<std::vector<ObjectVersion>> keys = ByKey(std::move(versions));
  std::vector<const ObjectVersion*> due = DueVersions(keys, is_file, now - spare, own_id, stats);
  std::unique_ptr<RetentionRecord> record = RecordFor(client, prefix, record_name, stats);
  if (record != nullptr) {
    // Recorded as retained past `needed`: nothing to ask (kept in the next record).
    std::erase_if(due, [&](const ObjectVersion* v) {
      const int64_t recorded = record->RecordedUntilNs(v->key, v->version_id);
      if (recorded < needed) return false;
      record->Note(v->key, v->version_id, recorded);
      ++stats->retained_as_recorded;
      return true;
    });
  }
  Mutex mutex;
  std::optional<std::pair<size_t, Error>> first_refused;  // the earliest in listing order
  std::optional<size_t> first_unretained;
  uint64_t refused = 0;
  Status done = ForEachInParallel(due.size(), [&](size_t i) {
    backend::Backend::RetentionUpkeep one;
    one.dry_run = stats->dry_run;
    Status extended = ExtendOne(client, *due[i], needed, until, record.get(), &one);
    MutexLock lock(mutex);
    stats->checked += one.checked;
    stats->extended += one.extended;
    stats->unretained += one.unretained;
    if (one.unretained > 0 && (!first_unretained || i < *first_unretained)) first_unretained = i;
    // One version these credentials may not touch must not leave all the others to expire.
    if (!extended && extended.error().code() == ErrorCode::kPermissionDenied) {
      ++refused;
      if (!first_refused || i < first_refused->first) first_refused.emplace(i, extended.error());
      return Ok();
    }
    return extended;
  });
  stats->refused += refused;
  if (first_unretained && stats->first_unretained.empty()) {
    stats->first_unretained = due[*first_unretained]->key;
  }
  // Best effort: a record that cannot be written costs reads on the next run, nothing else.
  if (record != nullptr && !stats->dry_run) {
    if (Status saved = record->Save(); !saved && stats->record_note.empty()) {
      stats->record_note = "record of this upkeep not written: " + saved.error().message();
    }
  }
  if (done && first_refused) {
    return Error::PermissionDenied(
        std::to_string(refused) + " of " + std::to_string(due.size()) + " object versions under " +
        client.Describe(prefix) + " could not be kept retained (the others were); the first: " +
        first_refused->second.message() + " (a version another user uploaded without "
        "bucket-owner-full-control is closed to the bucket owner: see 'check --immutability')");
  }
  return done;
}

Status PurgeExpiredVersionsUnder(Client& client, const std::string& prefix,
                                 const std::string& own_id,
                                 backend::Backend::HiddenVersions* stats) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<ObjectVersion> versions, Versions(client, prefix));
  const int64_t now = client.ServerNowNs();
  std::vector<std::vector<ObjectVersion>> keys = ByKey(std::move(versions));
  Mutex mutex;
  return ForEachInParallel(keys.size(), [&](size_t i) {
    backend::Backend::HiddenVersions one;
    Status done = PurgeKey(client, keys[i], now, own_id, &one);
    MutexLock lock(mutex);
    stats->purged_files += one.purged_files;
    stats->purged_bytes += one.purged_bytes;
    stats->retained_files += one.retained_files;
    stats->retained_bytes += one.retained_bytes;
    stats->foreign_markers += one.foreign_markers;
    if (one.earliest_release_ns != 0 &&
        (stats->earliest_release_ns == 0 || one.earliest_release_ns < stats->earliest_release_ns)) {
      stats->earliest_release_ns = one.earliest_release_ns;
    }
    return done;
  });
}

Result<std::string> OwnCanonicalId(Client& client, const std::string& root) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string probe = root + "locks/stormproof-whoami-";
  uint64_t random = static_cast<uint64_t>(SystemNowNs()) * 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 16; ++i, random >>= 4) probe += kHex[random & 15];
  STORMPROOF_TRY(client.DeleteObject(probe));  // a delete marker of ours, hiding nothing
  std::optional<ObjectVersion> marker;
  STORMPROOF_TRY(client.ListObjectVersions(probe, [&](const ObjectVersion& v) {
    if (v.key == probe && v.delete_marker) marker = v;
  }));
  if (!marker) {
    return Error::Io(client.Describe(probe) + ": a DELETE answered success but made no delete "
                     "marker: is versioning on for this bucket?");
  }
  STORMPROOF_TRY(client.DeleteObjectVersion(probe, marker->version_id));
  return marker->owner_id;
}

}  // namespace stormproof::s3::internal
