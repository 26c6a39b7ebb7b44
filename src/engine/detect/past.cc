// What the judge and the restore-point rule need of a group's snapshots, from the snapshots'
// records and the repository's marks (verdict.h, PastSnapshotsOf / JudgedSnapshotsOf).
#include <algorithm>
#include <cstddef>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/text.h"
#include "core/time.h"
#include "engine/detect/internal/findings.h"
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
  std::set<std::string> resolved_at;  // snapshots with a resolution mark
  std::vector<const repository::NamedMark*> resolutions(oldest_first.size(), nullptr);
  for (size_t i = 0; i < oldest_first.size(); ++i) {
    resolutions[i] = marks.Resolution(oldest_first[i].id);
    if (resolutions[i] != nullptr) resolved_at.insert(out[i].id);
  }
  ApplyResolutions(out, resolved_at);
  for (size_t i = 0; i < out.size(); ++i) {
    if (!out[i].resolution || resolutions[i] == nullptr) continue;
    const repository::Mark& mark = resolutions[i]->mark;
    out[i].resolution_by = EscapeName(mark.username) + "@" + EscapeName(mark.hostname) + " on " +
                           FormatUtc(mark.time_ns);
  }
  NoteRemovedFlags(oldest_first, marks, out);
  return out;
}

void ApplyResolutions(std::span<JudgedSnapshot> oldest_first,
                      const std::set<std::string>& resolved_at) {
  for (size_t i = oldest_first.size(); i-- > 0;) {
    if (!resolved_at.contains(oldest_first[i].id) || oldest_first[i].flagged()) continue;
    oldest_first[i].resolution = true;
    for (size_t older = 0; older < i; ++older) {
      oldest_first[older].resolved = oldest_first[older].flagged();
    }
    return;
  }
}

std::string DescribeResolution(std::span<const JudgedSnapshot> oldest_first) {
  const JudgedSnapshot* first = nullptr;
  const JudgedSnapshot* resolution = nullptr;
  size_t resolved = 0;
  for (const JudgedSnapshot& s : oldest_first) {
    if (s.resolved) {
      if (first == nullptr) first = &s;
      ++resolved;
    }
    if (s.resolution) resolution = &s;
  }
  if (first == nullptr || resolution == nullptr) return "";
  return internal::WithThousands(resolved) +
         " older flagged snapshot(s) resolved: " +
         (resolution->resolution_by.empty() ? std::string("a person")
                                            : resolution->resolution_by) +
         " vouched for snapshot " +
         resolution->id.substr(0, internal::kShortId) + " (" + FormatUtc(resolution->time_ns) +
         ") after the attack (the first " + DescribeJudged(*first) + ")";
}

}  // namespace stormproof::detect
