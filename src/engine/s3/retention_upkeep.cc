#include "engine/s3/internal/retention_upkeep.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "core/time.h"
#include "engine/s3/internal/retention_record.h"
#include "engine/s3/internal/stored_content.h"

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

// Whether a key is overwritten now (stored_content.h): its newest stored content differs from
// its oldest (an attack or a faulty tool). One restored by `repair --as-of` is not.
bool Overwritten(const std::vector<ObjectVersion>& group) {
  StoredContent content;
  for (const ObjectVersion& v : group) content.Add(v);
  return content.rewrite() == StoredContent::Rewrite::kOverwritten;
}

// A stored version of a file in use that upkeep must look at.
struct DueVersion {
  const ObjectVersion* version = nullptr;
  // Whether it matters now (a version with no retention is then a sign of attack): the file's
  // newest stored content (its current version, or the one a marker hides) unless `repair
  // --as-of` hid the file, or any version of a file overwritten now (stored_content.h). Not: an
  // older version of a file restored (the attacker's, kept beside as evidence) or stored again
  // with the same content, and the versions of a file the roll-back hid.
  bool matters_now = true;
};

// Extends `v` (a version of a file in use, stored long enough ago to need a look) when its
// retention ends before `needed`; the new date is `until`. Notes in `record` (if any) the date
// the server answered or, once extended, the one it set. A version with no retention at all is
// not one stormproof wrote (it locks every file it writes): counted in stats->unretained when
// it `matters_now` (DueVersion), else in stats->unretained_restored; never locked (after an
// overwrite, the original keeps its retention and is extended; the attacker's version is not).
// A version whose retention reads back short after the server
// accepted the extension sets *kept_short (one line naming it) and is not counted as extended:
// the caller goes on with the others.
Status ExtendOne(Client& client, const DueVersion& due, int64_t needed, int64_t until,
                 RetentionRecord* record, backend::Backend::RetentionUpkeep* stats,
                 std::string* kept_short) {
  const ObjectVersion& v = *due.version;
  STORMPROOF_ASSIGN_OR_RETURN(ObjectRetention held, client.GetObjectRetention(v.key, v.version_id));
  ++stats->checked;
  if (!held) {
    ++(due.matters_now ? stats->unretained : stats->unretained_restored);
    return Ok();
  }
  if (held->retain_until_ns >= needed) {
    if (record != nullptr) record->Note(v.key, v.version_id, held->retain_until_ns);
    return Ok();
  }
  ObjectLock lock{held->mode, until};  // COMPLIANCE stays COMPLIANCE
  if (!stats->dry_run) {
    STORMPROOF_TRY(client.PutObjectRetention(v.key, v.version_id, lock));
    // Noted as read back, never as asked (retention_record.h): a server that answered success
    // and kept the old date is caught now, not E days later.
    STORMPROOF_ASSIGN_OR_RETURN(ObjectRetention set, client.GetObjectRetention(v.key, v.version_id));
    const int64_t set_until = set ? set->retain_until_ns : 0;
    if (set_until < needed) {
      *kept_short = client.Describe(v.key) + " (version " + v.version_id +
                    "): the server accepted an extension of its retention to " +
                    FormatRfc3339(until) + " but keeps " +
                    (set ? FormatRfc3339(set_until) : std::string("none"));
      return Ok();
    }
    if (record != nullptr) record->Note(v.key, v.version_id, set_until);
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

// Who hides a key's stored versions (`group`, newest first).
enum class Hider {
  kNobody,  // its latest entry is an object, or no stored version is left to hide
  kRemoval,  // a marker recorded as stormproof's removal (forget, prune, adoption)
  kRepair,   // a marker recorded as placed by `repair --as-of`
  kOthers,   // a marker this machine has no record of: someone else's, or a lost record
};
Hider HiddenBy(const std::vector<ObjectVersion>& group, const MarkerRecord* markers) {
  const ObjectVersion& latest = group.front();
  if (!latest.is_latest || !latest.delete_marker ||
      std::none_of(group.begin(), group.end(),
                   [](const ObjectVersion& v) { return !v.delete_marker; })) {
    return Hider::kNobody;
  }
  std::optional<RecordedMarker> recorded =
      markers != nullptr ? markers->Find(latest.key, latest.version_id) : std::nullopt;
  if (!recorded) return Hider::kOthers;
  return recorded->kind == RecordedMarker::Kind::kRemoved ? Hider::kRemoval : Hider::kRepair;
}

// Deletes the noncurrent versions in `group` (a removed key's versions) whose retention ended,
// and then its delete markers when no version is left for them to hide.
Status PurgeRemoved(Client& client, const std::vector<ObjectVersion>& group, int64_t now,
                    backend::Backend::HiddenVersions* stats) {
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

// Purges the key `group` holds when it is a file stormproof removed (or a lock, whoever removed
// it); a file hidden by `repair --as-of` or by someone else keeps every version (the latter
// counted).
Status PurgeKey(Client& client, const std::vector<ObjectVersion>& group, int64_t now,
                KeyKind kind, const MarkerRecord* markers,
                backend::Backend::HiddenVersions* stats) {
  const ObjectVersion& latest = group.front();
  // Only what a removal hid: a key whose latest entry is an object was overwritten, not removed
  // (files are named by their content, so that is a retried upload or someone else's write), and
  // its older versions are what `repair --as-of` may need: left alone.
  if (kind == KeyKind::kOther || !latest.is_latest || !latest.delete_marker) return Ok();
  if (kind == KeyKind::kFile) {
    const Hider hider = HiddenBy(group, markers);
    if (hider == Hider::kOthers) ++stats->foreign_markers;
    if (hider == Hider::kOthers || hider == Hider::kRepair) return Ok();
    // Every version of a key overwritten before it was removed stays: the evidence of an attack.
    if (Overwritten(group)) return Ok();
  }
  return PurgeRemoved(client, group, now, stats);
}

// The stored versions under `keys` (one group per key) that upkeep must look at: every stored
// version of a file in use (`is_file`; the latest entry an object), not only the current one
// (after an overwrite the original, the good content, must stay retained as long as the file is
// in use), stored before `stored_before` (younger ones were stored with days + E:
// S3Backend::LockFor). A file hidden by `repair --as-of` or by someone else counts as in use
// (ExtendRetentionUnder; adopting the latter when stats->adopt_hidden). Counts in `stats`.
std::vector<DueVersion> DueVersions(
    const std::vector<std::vector<ObjectVersion>>& keys,
    const std::function<bool(const std::string& key)>& is_file, int64_t stored_before,
    MarkerRecord* markers, backend::Backend::RetentionUpkeep* stats) {
  std::vector<DueVersion> due;
  for (const std::vector<ObjectVersion>& group : keys) {
    const ObjectVersion& latest = group.front();
    if (!latest.is_latest || !is_file(latest.key)) continue;
    const Hider hider = latest.delete_marker ? HiddenBy(group, markers) : Hider::kNobody;
    if (latest.delete_marker) {
      if (hider == Hider::kNobody || hider == Hider::kRemoval) continue;  // not in use
      // Never a marker placed after the record was begun (it would be in it), unless forced.
      const bool adopt = hider == Hider::kOthers && stats->adopt_hidden && stats->may_adopt &&
                         stats->may_adopt(latest.key, latest.modified_ns) &&
                         (markers == nullptr || latest.modified_ns < markers->begun_ns() ||
                          stats->adopt_after_record_begun);
      if (hider == Hider::kOthers && stats->adopt_hidden && !adopt) {
        stats->not_adopted.push_back({latest.key, latest.modified_ns});
      }
      const bool release = hider == Hider::kRepair && stats->release_repair_hidden;
      if (adopt || release) {
        (adopt ? stats->adopted : stats->released).push_back({latest.key, latest.modified_ns});
        if (!stats->dry_run && markers != nullptr) {
          markers->Add(latest.key, latest.version_id, RecordedMarker{});
        }
        continue;  // from now on a removal of ours
      }
      if (hider == Hider::kRepair) ++stats->hidden_by_repair;
      if (hider == Hider::kOthers) ++stats->hidden_by_others;
    }
    const bool overwritten = Overwritten(group);
    if (overwritten) ++stats->overwritten;
    bool newest = true;  // the first object version in the listing (newest first)
    for (const ObjectVersion& v : group) {
      if (v.delete_marker) continue;
      const bool matters_now = overwritten || (newest && hider != Hider::kRepair);
      newest = false;
      if (v.modified_ns < stored_before) due.push_back({&v, matters_now});
    }
  }
  return due;
}

}  // namespace

Status ExtendRetentionUnder(Client& client, const std::string& prefix,
                            const std::function<bool(const std::string& key)>& is_file,
                            const backend::Retention& retention,
                            backend::Backend::RetentionUpkeep* stats, int64_t now_ns,
                            MarkerRecord* markers, const std::string& record_name) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<ObjectVersion> versions, Versions(client, prefix));
  // The listing's answer told the server's time.
  const int64_t now = now_ns != 0 ? now_ns : client.ServerNowNs();
  const int64_t spare = int64_t{backend::RetentionSpareDays(retention)} * kNsPerDay;
  const int64_t needed = now + int64_t{retention.days} * kNsPerDay;
  const int64_t until = (FloorSeconds(needed + spare) + 1) * kNsPerSecond;
  std::vector<std::vector<ObjectVersion>> keys = ByKey(std::move(versions));
  if (markers != nullptr) stats->record_begun_ns = markers->begun_ns();
  std::vector<DueVersion> due = DueVersions(keys, is_file, now - spare, markers, stats);
  std::unique_ptr<RetentionRecord> record = RecordFor(client, prefix, record_name, stats);
  if (record != nullptr) {
    // Recorded as retained past `needed`: nothing to ask (kept in the next record).
    std::erase_if(due, [&](const DueVersion& d) {
      const ObjectVersion* v = d.version;
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
  std::optional<std::pair<size_t, std::string>> first_short;  // the earliest in listing order
  uint64_t refused = 0, short_count = 0;
  Status done = ForEachInParallel(due.size(), [&](size_t i) {
    backend::Backend::RetentionUpkeep one;
    one.dry_run = stats->dry_run;
    std::string kept_short;
    Status extended = ExtendOne(client, due[i], needed, until, record.get(), &one, &kept_short);
    MutexLock lock(mutex);
    // One version that reads back short must not leave all the others to expire either.
    if (!kept_short.empty()) {
      ++short_count;
      if (!first_short || i < first_short->first) first_short.emplace(i, std::move(kept_short));
    }
    stats->checked += one.checked;
    stats->extended += one.extended;
    stats->unretained += one.unretained;
    stats->unretained_restored += one.unretained_restored;
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
    stats->first_unretained = due[*first_unretained].version->key;
  }
  // Best effort: a record that cannot be written costs reads on the next run, nothing else.
  if (record != nullptr && !stats->dry_run) {
    if (Status saved = record->Save(); !saved && stats->record_note.empty()) {
      stats->record_note = "record of this upkeep not written: " + saved.error().message();
    }
  }
  if (done && first_short) {
    return Error::Io(std::to_string(short_count) + " of " + std::to_string(due.size()) +
                     " object versions under " + client.Describe(prefix) +
                     " kept a shorter retention than asked (the others were extended" +
                     (refused > 0 ? "; " + std::to_string(refused) + " refused" : std::string()) +
                     "); the first: " + first_short->second);
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
                                 const std::function<KeyKind(const std::string& key)>& kind_of,
                                 MarkerRecord* markers, backend::Backend::HiddenVersions* stats) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<ObjectVersion> versions, Versions(client, prefix));
  const int64_t now = client.ServerNowNs();
  std::vector<std::pair<std::string, std::string>> listed_markers;
  for (const ObjectVersion& v : versions) {
    if (v.delete_marker) listed_markers.emplace_back(v.key, v.version_id);
  }
  std::vector<std::vector<ObjectVersion>> keys = ByKey(std::move(versions));
  Mutex mutex;
  Status done = ForEachInParallel(keys.size(), [&](size_t i) {
    backend::Backend::HiddenVersions one;
    Status purged =
        PurgeKey(client, keys[i], now, kind_of(keys[i].front().key), markers, &one);
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
    return purged;
  });
  // Markers purged now or gone before are forgotten (the ones purged now are still listed: they
  // go on the next run; a version id is never used twice, so they can match nothing meanwhile).
  if (done && markers != nullptr) markers->KeepOnly(listed_markers);
  return done;
}

}  // namespace stormproof::s3::internal
