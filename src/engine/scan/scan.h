// scan: ransomware verdicts for snapshots already in a repository (`stormproof scan`, issue 16),
// including ones taken before detection existed or with it off. A scan judges a snapshot as a
// backup with detection would have: its tree against its parent's (the previous snapshot of its
// group), each chunk's compressibility from the index, each new or changed regular file's first
// chunk read for its header, through the same collector as the backup
// (engine/detect/signal_collector.h) and the same rules and score (engine/detect/verdict.h).
//
// Where scan and backup can differ. A backup knows which chunks it stored itself; a scan counts a
// chunk as new when the parent snapshot and the files before it in this one do not have it, so
// content brought back from an older snapshot (not the parent) counts as new to a scan. A
// canary is named by the path the snapshot recorded (no symlink is resolved: the files may be long
// gone).
//
// Reads only, except ScanGroup with Save::kMarks, which adds marks (repository/marks.h) and
// nothing else: one verdict mark per snapshot, and after a flag those a backup adds after one.
// Functions are thread-compatible: one scan per repository object at a time is what the CLI
// does; Scan itself reads with several threads.
#ifndef STORMPROOF_ENGINE_SCAN_SCAN_H_
#define STORMPROOF_ENGINE_SCAN_SCAN_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/detect/verdict.h"
#include "engine/holds/holds.h"
#include "engine/repository/marks.h"
#include "engine/repository/repository.h"
#include "engine/repository/signals.h"

namespace stormproof::scan {

// Directory levels below a snapshot's root a scan walks, and entries it visits in one snapshot:
// restore's bounds (restorer/internal/restore_plan.h), so that scan judges what restore would
// restore and a hostile tree (a 100,000-level chain, a subtree named twice per level) fails its
// snapshot's scan with kFailedCheck instead of exhausting the stack or never ending.
inline constexpr uint32_t kMaxDepth = 1024;
inline constexpr uint64_t kMaxEntries = uint64_t{1} << 30;

struct ScanOptions {
  // Canary files as the snapshots name them (absolute paths): any change, deletion or renaming
  // of one makes a snapshot infected, as backup's --canary. Default none.
  std::set<std::string> canaries;
  // Threads reading files' first chunks. Default 4; at least 1 is used.
  int readers = 4;
  // Entries (files, directories, others) one snapshot's walk may visit: a tree that names the
  // same subtree twice per level for 40 levels is 2^40 paths, which no backup wrote. Default
  // restore's bound (restorer/internal/restore_plan.h, kMaxEntries).
  uint64_t max_entries = kMaxEntries;
};

// What a scan found in one snapshot.
struct Scanned {
  repository::SnapshotSignals signals;  // source kScan
  repository::Verdict verdict;
};

// Judges `snapshot` against `parent` (the previous snapshot of its group, oldest-first order;
// null for the group's first, judged by absolute rules as a first backup is) and `history`
// (detect::HistoryOf of the group's earlier snapshots). Memory: the parent's chunk ids (32 bytes
// each) and the new ones of this snapshot, plus one directory's tree per level. Errors: a tree
// or a first chunk that cannot be loaded (its own code, with "snapshot 1a2b3c4d: /path: ..."),
// kFailedCheck "snapshot 1a2b3c4d: directories nested deeper than 1024 levels ..." or "... more
// than N entries ..." (kMaxDepth, options.max_entries), kInterrupted (checked per directory)
// when SIGINT/SIGTERM came (core/interrupt.h).
Result<Scanned> Scan(const repository::Repository& repo, const repository::Snapshot& snapshot,
                     const repository::Snapshot* parent, const detect::History& history,
                     const ScanOptions& options);

// The snapshots of `all` grouped as backup and the judge group them (host and paths), each
// group oldest first (stable by time); groups ordered by host, then paths.
std::vector<std::vector<repository::Snapshot>> GroupsOf(std::vector<repository::Snapshot> all);

// "scan: infected (score 97)": the reason a scan's verdict mark gives.
std::string MarkReason(const repository::Verdict& verdict);

// Whether ScanGroup keeps its verdicts.
enum class Save {
  kMarks,    // a verdict mark per scanned snapshot, and the marks a flag asks for (ScanGroup)
  kNothing,  // --dry-run: judge only
};

// What ScanGroup saved for one snapshot.
struct SavedMarks {
  std::string verdict;  // the verdict mark's file name; "" with Save::kNothing
  // After a flag, as a backup does after one (holds::ActOnFlag): the slow attack's earlier steps
  // marked suspicious, then the holds on the group's clean restore points; in the order saved.
  std::vector<repository::NamedMark> after_flag;
  // Why some of those could not be saved ("" when all were): the scan goes on, as a backup
  // does, and the next forget places the holds.
  std::string after_flag_failure;
};

// Called once per snapshot scanned, in order, after its marks were saved.
using ScannedFn = std::function<void(const repository::Snapshot& snapshot, const Scanned& scanned,
                                     const SavedMarks& saved)>;

// Called for a snapshot ScanGroup cannot judge because what it read is damaged or hostile
// (Error::SaysDamaged: a tree that fails its check, nesting deeper than kMaxDepth, more than
// ScanOptions::max_entries entries); `error` names the snapshot. It gets no mark.
using NotJudgedFn = std::function<void(const repository::Snapshot& snapshot, const Error& error)>;

// Scans group[i] for each i in `targets` (ascending indices into `group`, one group oldest
// first), the parent of each being group[i - 1], the history the group's earlier snapshots as
// `marks` make them plus the marks of this call (so a snapshot scanned after another sees it in
// its history, and no longer sees a slow attack's earlier steps, as the next backup would). The
// history is built as the scan goes: linear in the group's size. With Save::kMarks each verdict
// is saved at once as a kVerdict mark made by `maker` (signals and verdict set, reason
// MarkReason), and a suspicious or infected one is acted on as a backup acts on it: the slow
// attack's earlier steps marked (holds::MarkSlowAttack, with the history it was judged with),
// then, when it begins an attack (the newest judged snapshot before it was clean, or it marked
// earlier steps), the holds holds::HoldsToPlace asks for over `group`. An interrupted call keeps
// the marks of the snapshots it finished and writes nothing half. Returns `marks` with the new
// ones added (under kNothing verdicts named "dry-run-N", never saved). With `on_not_judged`, a
// snapshot whose scan fails with damage (Error::SaysDamaged) is told to it and passed over, the
// others scanned; without, that error is returned. Errors: Scan's (kInterrupted is checked
// before each snapshot too), saving a verdict; the snapshots done before stay done.
Result<repository::MarkSet> ScanGroup(repository::Repository& repo,
                                      std::span<const repository::Snapshot> group,
                                      std::span<const size_t> targets, repository::MarkSet marks,
                                      const ScanOptions& options, Save save,
                                      const holds::Maker& maker, const ScannedFn& on_scanned,
                                      const NotJudgedFn& on_not_judged = nullptr);

}  // namespace stormproof::scan

#endif  // STORMPROOF_ENGINE_SCAN_SCAN_H_
