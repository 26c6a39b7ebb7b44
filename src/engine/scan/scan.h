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
// Reads only, except ScanGroup with Save::kMarks, which adds one verdict mark per snapshot
// (repository/marks.h) and nothing else. Functions are thread-compatible: one scan per repository
// object at a time is what the CLI does; Scan itself reads with several threads.
#ifndef STORMPROOF_ENGINE_SCAN_SCAN_H_
#define STORMPROOF_ENGINE_SCAN_SCAN_H_

#include <cstddef>
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

struct ScanOptions {
  // Canary files as the snapshots name them (absolute paths): any change, deletion or renaming
  // of one makes a snapshot infected, as backup's --canary. Default none.
  std::set<std::string> canaries;
  // Threads reading files' first chunks. Default 4; at least 1 is used.
  int readers = 4;
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
// kInterrupted (checked per directory) when SIGINT/SIGTERM came (core/interrupt.h).
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
  kMarks,    // one verdict mark per scanned snapshot (Repository::SaveMark), as it is judged
  kNothing,  // --dry-run: judge only
};

// Called once per snapshot scanned, in order, after its mark was saved: `mark` is the mark's
// file name ("" with Save::kNothing).
using ScannedFn = std::function<void(const repository::Snapshot& snapshot, const Scanned& scanned,
                                     const std::string& mark)>;

// Scans group[i] for each i in `targets` (ascending indices into `group`, one group oldest
// first), the parent of each being group[i - 1], the history the group's earlier snapshots as
// `marks` make them plus the verdicts of this call's earlier scans (so a snapshot scanned after
// another sees it in its history, as the next backup would). With Save::kMarks each verdict is
// saved at once as a kVerdict mark made by `maker` (signals and verdict set, reason MarkReason):
// an interrupted call keeps the marks of the snapshots it finished and writes nothing half.
// Returns `marks` with the new verdicts added (under kNothing with names "dry-run-N", never
// saved). Errors: Scan's (kInterrupted is checked before each snapshot too), SaveMark's; the
// snapshots done before stay done.
Result<repository::MarkSet> ScanGroup(repository::Repository& repo,
                                      std::span<const repository::Snapshot> group,
                                      std::span<const size_t> targets, repository::MarkSet marks,
                                      const ScanOptions& options, Save save,
                                      const holds::Maker& maker, const ScannedFn& on_scanned);

}  // namespace stormproof::scan

#endif  // STORMPROOF_ENGINE_SCAN_SCAN_H_
