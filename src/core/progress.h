// Progress: the one vocabulary every long operation (backup, restore, check, prune, repair, a
// drill, a repository copying blobs) uses to say how far it has got, and the one callback type it
// says it through. Every count names its unit (files, bytes, packs, trees, snapshots), so a count
// of packs is never shown or emitted as bytes. The command line renders the same events two ways
// (apps/stormproof/progress.h): a terminal line and `--json` status lines (docs/cli.md,
// "PROGRESS").
//
// ProgressEvent is a plain value (thread-compatible); the helpers below are pure. Each operation
// states from which thread it calls its ProgressFn; none calls it from two threads at once.
#ifndef STORMPROOF_CORE_PROGRESS_H_
#define STORMPROOF_CORE_PROGRESS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace stormproof {

// What a count counts. The order is the order counts are shown in.
enum class ProgressUnit { kFiles, kPacks, kTrees, kSnapshots, kBytes };
inline constexpr size_t kProgressUnitCount = 5;

// The unit's word, plural, as output and `--json` field names use it ("files_done",
// "total_packs"): "files", "packs", "trees", "snapshots", "bytes".
std::string_view ProgressUnitName(ProgressUnit unit);

// How far one count has got: `done` so far, out of `total` once that is known.
struct ProgressCount {
  uint64_t done = 0;
  std::optional<uint64_t> total = {};  // nullopt: not known (yet)
};

// Where a long operation stands. Counts the operation does not keep are absent, not zero.
struct ProgressEvent {
  // The step under way when an operation has several ("reading trees", "repacking", a drill's
  // step); "" when it has one.
  std::string phase = {};
  // The item being worked on (a path being read); "" when none is worth showing.
  std::string current = {};
  // The totals are still being counted (a scan runs alongside the work): they only grow, and
  // no percentage or time left is derived from them.
  bool totals_growing = false;
  std::array<std::optional<ProgressCount>, kProgressUnitCount> counts = {};

  // Sets the count of `unit` (adding it); returns *this, so that counts chain.
  ProgressEvent& Count(ProgressUnit unit, uint64_t done,
                       std::optional<uint64_t> total = std::nullopt);
  // The count of `unit`, or nullopt when this event does not keep one.
  const std::optional<ProgressCount>& Get(ProgressUnit unit) const;
};

// Called with each event. An empty ProgressFn means nobody watches: operations may then skip
// work done only for progress (the archiver's totals scan).
using ProgressFn = std::function<void(const ProgressEvent&)>;

// The count that percent done and time left are measured by: bytes when their total is known
// and above 0, else the first count (in ProgressUnit order) whose total is known and above 0.
// nullopt while the totals are growing, or when no total is known.
std::optional<ProgressUnit> MeasuredUnit(const ProgressEvent& event);

// Percent done (0-100) of the measured count; nullopt when there is none.
std::optional<double> PercentDone(const ProgressEvent& event);

// Seconds left at the measured count's average rate over `seconds_elapsed`; nullopt when there
// is no measured count, nothing is left, or nothing was done yet.
std::optional<uint64_t> SecondsRemaining(const ProgressEvent& event, double seconds_elapsed);

namespace internal {
// Whether renderers show every event instead of at most one every 100 ms (terminal) or second
// (`--json`). False unless a test build (core/test_progress.cc, linked only into the end-to-end
// tests' copy of the CLI) found STORMPROOF_TEST_PROGRESS=every at start-up.
bool RenderEveryProgressEvent();
void SetRenderEveryProgressEventForTesting(bool every);
}  // namespace internal

}  // namespace stormproof

#endif  // STORMPROOF_CORE_PROGRESS_H_
