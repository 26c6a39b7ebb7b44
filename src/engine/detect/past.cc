// What the judge and the restore-point rule need of a group's snapshots, from the snapshots'
// records and the repository's marks (verdict.h, PastSnapshotsOf / JudgedSnapshotsOf).
#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include "engine/detect/verdict.h"
#include "engine/repository/marks.h"
#include "engine/repository/repository.h"

namespace stormproof::detect {
namespace {

using repository::Verdict;

// A snapshot's level from its record and the marks: the record's (nullopt: never judged), raised
// by any verdict given later.
std::optional<Verdict::Level> LevelOf(const repository::Snapshot& snapshot,
                                      const repository::Mark* later) {
  std::optional<Verdict::Level> level;
  if (snapshot.verdict) level = snapshot.verdict->level;
  if (later != nullptr)
    level = level ? std::max(*level, later->verdict->level) : later->verdict->level;
  return level;
}

}  // namespace

std::vector<PastSnapshot> PastSnapshotsOf(std::span<const repository::Snapshot> oldest_first,
                                          const repository::MarkSet& marks) {
  std::vector<PastSnapshot> out;
  out.reserve(oldest_first.size());
  for (const repository::Snapshot& snapshot : oldest_first) {
    PastSnapshot past;
    past.id = snapshot.id.Hex();
    past.time_ns = snapshot.time_ns;
    const repository::Mark* later = marks.WorstLaterVerdict(snapshot.id);
    // Judged: its signals describe its normal (a scan's, when the backup gathered none).
    const repository::SnapshotSignals* signals =
        snapshot.signals && snapshot.verdict ? &*snapshot.signals
        : later != nullptr && later->signals ? &*later->signals
                                             : nullptr;
    if (signals != nullptr) {
      past.signals = *signals;
      past.level = LevelOf(snapshot, later);
      if (marks.AcceptedAsFalseAlarm(snapshot.id)) past.level = Verdict::Level::kClean;
    }
    out.push_back(std::move(past));
  }
  return out;
}

std::vector<JudgedSnapshot> JudgedSnapshotsOf(std::span<const repository::Snapshot> oldest_first,
                                              const repository::MarkSet& marks) {
  std::vector<JudgedSnapshot> out;
  out.reserve(oldest_first.size());
  for (const repository::Snapshot& snapshot : oldest_first) {
    JudgedSnapshot judged;
    judged.id = snapshot.id.Hex();
    judged.time_ns = snapshot.time_ns;
    judged.level = LevelOf(snapshot, marks.WorstLaterVerdict(snapshot.id));
    judged.accepted = judged.level && *judged.level != Verdict::Level::kClean &&
                      marks.AcceptedAsFalseAlarm(snapshot.id);
    out.push_back(std::move(judged));
  }
  return out;
}

}  // namespace stormproof::detect
