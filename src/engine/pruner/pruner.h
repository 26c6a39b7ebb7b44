// pruner: removes data no snapshot references any more (`stormproof prune`).
//
// Prune reads every snapshot's trees to find the blobs in use, then sorts the packs: a pack with
// no blob in use is deleted; a pack whose unused share reaches the repack threshold is repacked
// (its blobs in use are copied into new packs, then it is deleted); other packs are kept whole.
// Packs no index names (left by a crashed backup) are deleted too, once older than
// kUnindexedPackGrace.
//
// Crash safety, step by step: new packs are saved first (unreferenced until indexed); then new
// index files naming every kept and new pack are saved, and only then are the old index files
// removed; packs are deleted last, when no index names them. A crash at any instant leaves a
// consistent repository whose every snapshot restores; the next prune finishes the job.
// Interruption (core/interrupt.h) is honoured at those same step boundaries (and between trees
// while reading them): Prune then returns kInterrupted, its message saying what was left.
//
// Prune runs under the repository's exclusive lock, held by the repository::Maintenance it is
// given (maintenance.h), so it never runs beside a backup; a dry run (PlanPrune) needs only a
// shared lock. It refuses, changing nothing, when the
// repository is damaged in a way that makes "unused" uncertain: a tree that cannot be read, a blob
// in use that no index names, a blob in use whose only copies the index names are in missing
// packs, or a blob in use of which no copy the index names verifies. Entries for a missing pack
// are otherwise dropped from the index (PruneStats::packs_missing): a planted index naming a pack
// that never existed cannot block prune.
//
// The index is not trusted where it decides a deletion: before a pack holding a copy of a blob in
// use is deleted or repacked away, the copy prune keeps instead is read and re-hashed (also in a
// dry run). A kept copy that does not verify (an index planted by a backup host, which holds the
// password, claiming its own pack holds everything; or a damaged pack) is never kept: prune plans
// again without it, keeping a copy that verifies, and reports it (PruneStats::copies_unverified).
// So a lying index can never make the real data look unused, nor be the only copy kept.
// Index entries that disagree (for one offset of a pack, or for one blob in it, a field differs:
// a planted file giving a real pack's blob another length, say) are settled before planning,
// whatever is removed, by the pack's own header (one small read it authenticates): an entry the
// header does not list is a lie, dropped from the new index unread. Only when the header does not
// verify are the entries read and re-hashed, one offset at a time until one there verifies. An
// entry found lying is dropped and counted like any other (copies_unverified); prune refuses
// (kFailedCheck, changing nothing) only when that leaves a blob in use with no copy that may be
// kept. A header-listed entry is not taken as verified: a kept copy of a blob in use is still
// re-hashed before another copy of it goes (even a pack forged whole, header included, cannot
// pass that). Each entry is read at most once, so however many copies lie, prune ends; the
// copies of a blob in use are read in the order the plan prefers them until one verifies, so
// prune plans twice, not once per lie.
// Unused bytes are counted only where the pack's size accounts for them: an entry ending past
// its pack is distrusted unread, and a pack whose entries do not tile it exactly (overlapping,
// leaving a gap or reaching into the header) is settled by its header first; where that header
// does not verify, the pack is never repacked and its entries of blobs in use are read. So a
// planted entry claiming a huge unused blob cannot make prune repack a pack.
#ifndef STORMPROOF_ENGINE_PRUNER_PRUNER_H_
#define STORMPROOF_ENGINE_PRUNER_PRUNER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/progress.h"
#include "core/result.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/repository.h"

namespace stormproof::pruner {

// Temporary files younger than this are left alone even under the exclusive lock.
inline constexpr std::chrono::seconds kStaleTemporaryAge{3600};
// A pack no index names is deleted only once this old by the storage's clock: longer than any
// holder keeps an unrefreshed lock (repository::kStaleAfter) plus a margin, so a backup whose
// lock was wrongly judged stale still finds the packs it wrote (and its snapshot checks them).
inline constexpr std::chrono::minutes kUnindexedPackGrace{40};

struct PruneOptions {
  // Repack a pack when at least this share of its blob bytes is unused: 0 repacks every pack
  // holding unused data, 1 (or more) never repacks. Default: "mostly empty".
  double repack_threshold = 0.5;
  bool dry_run = false;  // plan and report; change nothing
  // Packs no index names are deleted only once this old by the storage's clock (default
  // kUnindexedPackGrace). Zero deletes them at once: for when nothing else can be writing to the
  // repository, e.g. after a failed backup filled the disk.
  std::chrono::nanoseconds unindexed_grace = kUnindexedPackGrace;
  // What the retention upkeep the caller ran before taking the lock did
  // (repository::Repository::KeepRetention): Prune then does not extend again, and reports and
  // judges these figures as its own. Nothing (the default): Prune extends first itself.
  std::optional<backend::Backend::RetentionUpkeep> retention_kept = std::nullopt;
};

struct PruneStats {
  uint64_t snapshots = 0;
  uint64_t blobs_used = 0;  // distinct blobs the snapshots reference
  uint64_t packs = 0;       // packs in the repository before
  uint64_t packs_kept = 0;
  uint64_t packs_unused = 0;    // deleted: no blob in use
  uint64_t packs_repacked = 0;  // deleted after copying their blobs in use
  uint64_t packs_orphaned = 0;  // deleted: no index names them
  // Not in the index but younger than kUnindexedPackGrace: kept, a backup may still be writing
  // them (its index comes later).
  uint64_t packs_recent = 0;
  uint64_t packs_written = 0;  // new packs holding the repacked blobs
  uint64_t blobs_removed = 0;  // index entries dropped
  uint64_t blobs_repacked = 0;
  // Copies of blobs in use read and re-hashed before prune removed another copy of each (a
  // duplicate in a deleted or repacked pack): none unless backups saved a blob twice.
  uint64_t blobs_confirmed = 0;
  // Index entries found placing a blob in a pack which does not hold it (a copy of a blob in use
  // that did not verify or lies past the pack's end, or a disagreeing entry the pack's header
  // does not list): a damaged or planted index or pack. Prune keeps a copy that verifies instead
  // and leaves these out of the new index (a pack holding nothing else in use is deleted). The
  // first, one line naming pack, blob and why, in first_unverified.
  uint64_t copies_unverified = 0;
  std::string first_unverified = {};
  // Packs the index names that are not on the backend (an index planted naming a pack that never
  // existed, or a lost pack), and their index entries, left out of the new index: prune keeps a
  // copy of every blob in use elsewhere (it refuses when one has none). The first's id in
  // first_missing_pack.
  uint64_t packs_missing = 0;
  uint64_t entries_for_missing_packs = 0;
  std::string first_missing_pack = {};
  // How many times prune planned: 1, or 2 once kept copies were found lying (each such blob's
  // copies are read in the plan's order until one verifies, however many lie); more only when
  // the lies left out make further packs unused. Not printed.
  uint64_t plan_rounds = 0;
  uint64_t bytes_before = 0;       // size of all packs before
  uint64_t bytes_deleted = 0;      // size of the packs deleted
  uint64_t bytes_written = 0;      // size of the new packs
  uint64_t bytes_unused_kept = 0;  // unused blob bytes left in kept packs
  uint64_t index_files_before = 0, index_files_after = 0;
  // Temporary files of interrupted writes removed (older than kStaleTemporaryAge).
  uint64_t temporary_files_removed = 0, temporary_bytes_removed = 0;
  // Object Lock (docs/repository-format.md, "Object Lock"); all zero on storage without
  // retention. Files in use whose retain-until date was read, and whose retention was extended
  // (one request each); the versions forget and prune hid that were deleted for good now that
  // their retention ended, and those still retained (the earliest can go at
  // hidden_earliest_release_ns, by the storage's clock; 0: none).
  uint64_t retention_checked = 0, retention_extended = 0;
  // Files in use not read because the record of earlier upkeep on this machine shows them
  // retained long enough, and why that record was not used or written ("" = it was, or none is
  // kept) (Backend::RetentionUpkeep::retained_as_recorded, record_note).
  uint64_t retention_known = 0;
  std::string retention_record_note = {};
  uint64_t hidden_purged_files = 0, hidden_purged_bytes = 0;
  uint64_t hidden_retained_files = 0, hidden_retained_bytes = 0;
  int64_t hidden_earliest_release_ns = 0;
  // Files in use stored more than once with different content (Backend::RetentionUpkeep::
  // overwritten): written over after they were written, which stormproof never does.
  uint64_t overwritten_files = 0;
  // Files hidden by a delete marker someone else placed (Backend::HiddenVersions::
  // foreign_markers): an attack or another tool; kept retained, never purged.
  uint64_t foreign_delete_markers = 0;
  // Versions of files in use stored with no retention at all (Backend::RetentionUpkeep::
  // unretained): not stormproof's writes; never given one. The first's key in first_unretained.
  uint64_t unretained_versions = 0;
  std::string first_unretained = {};
  // Versions a roll-back (repair --as-of) left without retention (Backend::RetentionUpkeep::
  // unretained_restored): a note, not a sign of an attack.
  uint64_t unretained_restored = 0;

  int64_t bytes_freed() const {
    return static_cast<int64_t>(bytes_deleted) - static_cast<int64_t>(bytes_written);
  }
};

// Progress, by phase: "reading trees" counts the trees read (kTrees, no total), "repacking" the
// bytes copied into new packs (kBytes; the total is the stored size of the blobs to copy, so an
// estimate; called from the copying threads, one call at a time), "deleting packs" the packs
// deleted (kPacks, of the total to delete). The other phases call from the calling thread.
//
// On storage with retention (S3 Object Lock), deleting a file hides it (a delete marker) and its
// version stays until its retention ends. Prune first extends the retention of every file there
// (Maintenance::ExtendRetention), before it reads anything else and whether or not it then
// refuses (a refusal's message says what the extension did); after its own changes it deletes
// for good the hidden versions whose retention has ended (Maintenance::PurgeExpiredVersions),
// never one still retained nor one someone else hid.
//
// Prunes (with options.dry_run: only plans). Errors: kLocked (the lock was lost: stopped before
// the next change), kFailedCheck (damaged as above; the message says what and that nothing was
// changed), the backend's errors otherwise (a failure after the first change leaves the
// repository consistent, as described above).
Result<PruneStats> Prune(repository::Maintenance& maintenance, const PruneOptions& options,
                         const ProgressFn& progress);
// What Prune would do, changing nothing (prune --dry-run): the same statistics. `lock` is the
// lock the caller holds on `repo` (a shared one is enough; its storage time dates the grace
// period). Errors: as Prune's before its first change.
Result<PruneStats> PlanPrune(const repository::Repository& repo, const repository::Lock& lock,
                             const PruneOptions& options, const ProgressFn& progress);

}  // namespace stormproof::pruner

#endif  // STORMPROOF_ENGINE_PRUNER_PRUNER_H_
