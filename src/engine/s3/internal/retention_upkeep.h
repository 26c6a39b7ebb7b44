// Maintenance of a repository on a bucket with Object Lock (docs/repository-format.md, "Object
// Lock"): extending the retention of the objects still in use, and deleting for good the object
// versions forget and prune hid once their retention has ended. Each sends its per-object
// requests on up to 8 threads at once. Thread-compatible: one call at a time per repository (the
// pruner calls them under the exclusive lock).
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_RETENTION_UPKEEP_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_RETENTION_UPKEEP_H_

#include <functional>
#include <string>

#include "core/result.h"
#include "engine/backend/backend.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/internal/marker_record.h"

namespace stormproof::s3::internal {

// For every stored version (not delete markers) of every object in use under `prefix` (its
// latest entry is an object that `is_file` accepts): all of them, not only the current one, so
// that after an overwrite the original stays retained too. A version stored more than
// RetentionSpareDays(retention) ago (LastModified of the version listing, by the
// server's clock), reads its retention (one GetObjectRetention) and, when it ends before the
// server's now + retention.days, extends it to now + days + RetentionSpareDays (one
// PutObjectRetention, in the mode it already has, read back with one more GetObjectRetention:
// a server that answered success but keeps an earlier date than now + days is kIo naming the
// version). Never shortens, so never needs a bypass.
// A version with no retention at all is not one stormproof wrote (it writes every file with
// one): never given one (the original of an overwritten file keeps its own and is extended),
// counted in stats->unretained with the first's key in stats->first_unretained. A version whose
// retention these credentials may not read or set (403) is counted in stats->refused and the
// others go on; then kPermissionDenied, one line naming how many and the first.
// Counts in stats->overwritten the objects in use that are overwritten now (stored_content.h:
// their newest stored content differs from their oldest; the same content twice is a retried
// PUT, and a key `repair --as-of` restored is no longer overwritten).
// A file hidden by a delete marker: `markers` (marker_record.h; nullptr = no record) tells whose.
// Recorded as removed by stormproof: not in use. Recorded as hidden by `repair --as-of`: kept
// retained like a file in use, counted in stats->hidden_by_repair. Not recorded (someone else's,
// or a lost record): kept retained like a file in use (it may be what an attacker hid), counted
// in stats->hidden_by_others; with stats->adopt_hidden, when stats->may_adopt(key, when hidden)
// accepts it and it was hidden before markers->begun_ns() (or stats->adopt_after_record_begun),
// it is recorded as removed in `markers` instead (the caller saves it; not on a dry run) and
// named in stats->adopted (its key), else named in stats->not_adopted; so is
// a file hidden by `repair --as-of` with stats->release_repair_hidden, in stats->released.
// stats->dry_run: counts, changes nothing. Sets stats->record_begun_ns when there are `markers`.
// `now_ns`: the server's now; 0 (the backend's) = as the listing's answer told it (tests pass a
// later instant to see what a run days from now would do).
// With stats->record_folder, stats->repository_id and `record_name` (the file under the folder,
// one per prefix): a version the record of earlier upkeep (retention_record.h) shows retained
// until at least now + days is not asked about (counted in stats->retained_as_recorded), and the
// dates read or set are recorded for the next run (not on a dry run). A record that is missing,
// damaged or another's counts as empty and one that cannot be written is skipped: why goes into
// stats->record_note, never an error.
Status ExtendRetentionUnder(Client& client, const std::string& prefix,
                            const std::function<bool(const std::string& key)>& is_file,
                            const backend::Retention& retention,
                            backend::Backend::RetentionUpkeep* stats, int64_t now_ns = 0,
                            MarkerRecord* markers = nullptr, const std::string& record_name = "");

// What a key under the purged prefix is to PurgeExpiredVersionsUnder.
enum class KeyKind {
  kFile,   // a repository file (not a lock): purged only when hidden by a marker of ours
  kLock,   // a lock file (never retained, no backup data): purged whoever hid it
  kOther,  // anything else (the proof's canaries, stray keys): left alone
};

// For every key under `prefix` whose latest entry is a delete marker (a file Remove hid):
// deletes by version id each noncurrent version whose retention ended (or that has none),
// reading its retention first (one GetObjectRetention); then the delete markers that no longer
// hide a version. Keys whose latest entry is an object keep all their versions (an overwrite is
// not ours to undo: `repair --as-of` may need the older ones), and so do removed keys that are
// overwritten (stored_content.h: the evidence of an attack). A version still retained
// is never the target of a DELETE; it is counted in `stats` with the earliest date one can go.
// Only files whose latest marker `markers` (marker_record.h; nullptr = none) records as removed
// by stormproof are purged: one hidden by `repair --as-of` keeps every version, and one hidden by
// a marker not recorded (someone else's) too, counted in stats->foreign_markers. Then forgets in
// `markers` the markers no longer listed (the caller saves it).
Status PurgeExpiredVersionsUnder(Client& client, const std::string& prefix,
                                 const std::function<KeyKind(const std::string& key)>& kind_of,
                                 MarkerRecord* markers, backend::Backend::HiddenVersions* stats);

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_RETENTION_UPKEEP_H_
