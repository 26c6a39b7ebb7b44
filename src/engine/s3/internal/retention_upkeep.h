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

namespace stormproof::s3::internal {

// For every stored version (not delete markers) of every object in use under `prefix` (its
// latest entry is an object that `is_file` accepts): all of them, not only the current one, so
// that after an overwrite the original stays retained too. A version stored more than
// RetentionSpareDays(retention) ago (LastModified of the version listing, by the
// server's clock), reads its retention (one GetObjectRetention) and, when it ends before the
// server's now + retention.days, extends it to now + days + RetentionSpareDays (one
// PutObjectRetention, in the mode it already has). Never shortens, so never needs a bypass.
// A version with no retention at all is not one stormproof wrote (it writes every file with
// one): never given one (the original of an overwritten file keeps its own and is extended),
// counted in stats->unretained with the first's key in stats->first_unretained. A version whose
// retention these credentials may not read or set (403) is counted in stats->refused and the
// others go on; then kPermissionDenied, one line naming how many and the first.
// Counts in stats->overwritten the objects in use whose versions hold different content (sizes
// or ETags differ: written over after they were written; the same content twice is a retried
// PUT).
// A file hidden by a delete marker someone else placed (its owner is not `own_id()`, our
// canonical id, asked only when a file is hidden; an error or no function: every hidden file) is
// kept retained like a file in use: it may be what an attacker hid; counted in
// stats->hidden_by_others when our id is known. stats->dry_run: counts, changes nothing.
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
                            const std::function<Result<std::string>()>& own_id = {},
                            const std::string& record_name = "");

// For every key under `prefix` whose latest entry is a delete marker (a file Remove hid):
// deletes by version id each noncurrent version whose retention ended (or that has none),
// reading its retention first (one GetObjectRetention); then the delete markers that no longer
// hide a version. Keys whose latest entry is an object keep all their versions (an overwrite is
// not ours to undo: `repair --as-of` may need the older ones), and so do removed keys that were
// written over with other content before (the evidence of an attack). A version still retained
// is never the target of a DELETE; it is counted in `stats` with the earliest date one can go.
// Only keys hidden by a marker of `own_id` (our canonical id, OwnCanonicalId; the marker's
// <Owner><ID>) are purged: one someone else hid keeps every version and is counted in
// stats->foreign_markers.
Status PurgeExpiredVersionsUnder(Client& client, const std::string& prefix,
                                 const std::string& own_id,
                                 backend::Backend::HiddenVersions* stats);

// The canonical id the server records as the owner of what these credentials write and of the
// delete markers they place: placed on a key under `root` + "locks/" that holds nothing
// ("stormproof-whoami-<random>"), read from the version listing, and removed again. "" when the
// server names no owners. Errors: the server's (a refused DELETE: kPermissionDenied).
Result<std::string> OwnCanonicalId(Client& client, const std::string& root);

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_RETENTION_UPKEEP_H_
