// copier: copies snapshots from one repository into another (`stormproof copy`, and `run` for a
// plan repository with `copy_from`). The two repositories share no key: blob ids are keyed
// (HMAC under each repository's own key), so every blob is re-identified and re-sealed under the
// destination's keys, and every tree is rewritten with the destination's ids.
//
// Only what the destination lacks is written. What the source must be read for is kept small
// without any state outside the two repositories: a snapshot copied earlier and its copy have
// the same shape (same entries, in the same order, with the same number of content blobs), so
// walking the two trees side by side (tree blobs only, never file data) maps source ids to
// destination ids. A file whose source blobs are all mapped, and present in the destination,
// is not read at all; an unmapped blob is read once from the source, re-identified under the
// destination's key and written only when the destination does not already hold it.
//
// A copied snapshot is the source's snapshot (time, host, user, paths, tags, summary, skipped
// and lost entries) with the destination's tree, no parent, and a record of where it came from
// (Snapshot::copied_from: the source repository's id and the source snapshot's id). A source
// snapshot the destination already holds a copy of is never copied again.
//
// Concurrent copies: two copies into one destination at once (each under a shared lock) may
// both find no copy of a source snapshot and both copy it. The copy's snapshot file is sealed
// deterministically (Repository::Sealing::kSameContentSameFile) and its content depends on the
// source snapshot and the destination's key only (the tree's ids are keyed hashes; no parent),
// so both write the same file and the destination holds one copy. Except for a repair
// (repaired_from): its copy names the copy of the snapshot it repairs when that was copied, so
// one copy that copied that snapshot at the same moment and one that did not write two files
// (both restore the same data).
//
// Crash safety: as a backup's. Packs are saved before the index naming them, the index before
// the snapshot, and the snapshot last, so a copy killed at any instant leaves at worst packs
// no snapshot needs (prune removes them, the next copy re-indexes nothing twice) and the next
// copy finishes the work. Interruption (core/interrupt.h) stops between blobs: what was stored
// is indexed, no snapshot of the unfinished copy is saved, kInterrupted is returned.
//
// Locks: the caller holds a shared lock on both repositories (the source is only read).
//
// Verdicts given later (repository/marks.h): a copy's record carries its source snapshot's
// verdict; a verdict marked on the source snapshot afterwards (a slow attack's earlier step, a
// scan) is written on its copy by the next Copy that names the snapshot (copied now or before),
// when it is worse than what the copy stands at, so the destination's forget holds and its
// latest-clean passes over what the source's do. Only what raises a level travels. A false
// alarm, a release and a hold do not: the destination's forget places its own holds from its
// copies' verdicts, and lowering protection in the copy (often the one offsite copy that must
// survive the source's compromise) is decided there, by a person with the copy's delete
// credentials (`hold release --false-alarm` in it).
//
// What counts as a copy: a destination snapshot whose copied_from names the source and a source
// snapshot, and that agrees with that snapshot on what a copy keeps (time, host, paths, lost
// entries; repaired_from only where the source snapshot has one). One that does not (a snapshot
// repaired in the destination, or a false claim) is not a copy: the source snapshot is copied
// again and the disagreeing snapshot is never zipped with. The claimant of a snapshot to copy
// must also prove its content: its tree must be the whole copy of the source snapshot's tree,
// by zipping the two (tree blobs only: every directory agrees entry by entry, every blob
// length agrees, every blob below is held in the destination). Blob ids are keyed per
// repository (HMAC), so no source id names a destination blob by itself, and the copier keeps
// no id map outside one Copy call (internal/id_map.h) that a proof could rely on: what is not
// proven now is unproven. An unproven claimant (a snapshot planted with copied_from and the
// right metadata but an empty or other tree) is listed in CopySummary::unproven_claims and the
// source snapshot is copied again; the destination then holds two snapshots claiming one
// source snapshot (the real copy is another file), which `run`'s forget refuses as a breach
// for a person to look at. While zipping, directories must agree
// entry by entry (metadata, sizes, number of content blobs) and each content blob's plaintext
// length must be the same in both indexes, or the directory is read from the source instead.
// Trust assumption that remains: a destination snapshot forged by someone holding the
// destination's key, with the same metadata and blob lengths but other bytes, is believed (and
// its bytes copied by reference). That is out of scope: whoever holds the destination's key can
// write anything into it anyway. Nothing in the destination alone tells it from a copy: its
// blobs are sealed and identified under the destination's key, so check --read-data on the
// destination passes; only restoring it and comparing with the source snapshot's restore does.
#ifndef STORMPROOF_ENGINE_COPIER_COPIER_H_
#define STORMPROOF_ENGINE_COPIER_COPIER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "core/result.h"
#include "engine/repository/repository.h"

namespace stormproof::copier {

// What one source snapshot became.
struct CopiedSnapshot {
  repository::Id source;       // the snapshot in the source repository
  repository::Id destination;  // its copy (new, or the one copied before)
  bool already_copied = false;  // true: the destination held a copy; nothing was written
};

// A source snapshot that could not be copied because of itself (its snapshot file, or a tree or
// data blob of it, is damaged or missing; a directory nested too deep): nothing of it was saved.
// A source that cannot be read now (kIo, kPermissionDenied) is no such failure: it stops the copy.
struct FailedSnapshot {
  repository::Id source;  // the snapshot in the source repository
  std::string reason;     // one line naming the blob, its pack and the file or directory
};

struct CopySummary {
  std::vector<CopiedSnapshot> snapshots;  // in the order copied (oldest source snapshot first)
  std::vector<FailedSnapshot> failed = {};  // oldest first; not in `snapshots`
  uint64_t data_blobs_written = 0, tree_blobs_written = 0;
  // Destination snapshots claiming (copied_from, metadata) to be the copy of a snapshot to copy
  // whose tree is not its copy ("What counts as a copy"): not counted as copies; the source
  // snapshot was copied again (or failed: `failed`).
  std::vector<repository::Id> unproven_claims = {};
  // Plaintext bytes of blobs read from the source (the trees read to prove earlier copies
  // included).
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;  // sealed bytes newly stored in the destination
  uint64_t blobs_mapped = 0;   // source blobs whose destination id came from an earlier copy
  size_t verdicts_carried = 0;  // verdict marks written on copies ("Verdicts given later")
  double seconds = 0;
};

// Whether destination snapshot `copy` may be a copy of source snapshot `original` ("What counts
// as a copy" above), by its metadata only: it agrees on time, host, paths and lost entries, and
// has no repaired_from where `original` has none. The caller checks that copy.copied_from names
// `original`. Content is not compared: Copy proves that (CopySummary::unproven_claims).
bool IsCopyOf(const repository::Snapshot& copy, const repository::Snapshot& original);

// Copies `snapshots` (ids in `source`, oldest first) into `destination`, skipping those it
// already holds a copy of. Progress: kBytes of file data processed (read, or skipped because
// already copied) against the snapshots' total, `current` the snapshot being copied.
// A failure of one source snapshot's own (see FailedSnapshot) does not stop the copy: it is
// listed in CopySummary::failed and the next snapshot is copied; the caller reports a partial
// failure when `failed` is not empty.
// Then carries the verdicts given later ("Verdicts given later") for every snapshot named.
// Errors (the copy stops; the snapshots before stay copied, nothing of the current one is
// saved): the destination's (writing, flushing, saving the snapshot, a pack it relies on that is
// gone), the source's when it cannot be listed, a requested id is not in it, or a read fails
// without saying the data is damaged (kIo, kPermissionDenied: see FailedSnapshot);
// kInterrupted; kLocked when the destination's lock was lost (a copy's snapshot saved just
// before may be left in place: Repository::SaveSnapshot, kSameContentSameFile);
// kInvalidArgument when `source` and `destination` are the same repository (same id); the
// marks' (LoadMarks, SaveMark) after every snapshot is copied (the next copy carries them).
Result<CopySummary> Copy(const repository::Repository& source,
                         repository::Repository& destination,
                         const std::vector<repository::Id>& snapshots, const ProgressFn& progress);

}  // namespace stormproof::copier

#endif  // STORMPROOF_ENGINE_COPIER_COPIER_H_
