// The newest clean restore point of a group of snapshots (design §4, NewestClean).
#include <algorithm>
#include <cstddef>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "core/result.h"
#include "core/time.h"
#include "engine/detect/internal/findings.h"
#include "engine/detect/verdict.h"
#include "engine/repository/signals.h"

namespace stormproof::detect {
namespace {


}  // namespace

std::string DescribeJudged(const JudgedSnapshot& s) {
  return std::string(repository::LevelName(*s.level)) + " snapshot " + s.id.substr(0, internal::kShortId) +
         " (" + FormatUtc(s.time_ns) + ")";
}

void NoteRemovedFlags(std::span<const repository::Snapshot> oldest_first,
                      const repository::MarkSet& marks, std::span<JudgedSnapshot> judged) {
  std::set<repository::Id> here;
  for (const repository::Snapshot& s : oldest_first) here.insert(s.id);
  for (size_t i = 0; i < oldest_first.size() && i < judged.size(); ++i) {
    for (const repository::NamedMark* hold : marks.StandingHolds(oldest_first[i].id)) {
      if (hold->mark.because && !here.contains(*hold->mark.because)) {
        judged[i].removed_flag = hold->mark.because->Hex();
        break;
      }
    }
  }
}

namespace {

// The newest snapshot older than `end` held because of a removed flagged snapshot, unless a
// person vouched for a snapshot newer than it (`resolution`: that attack is over).
std::optional<size_t> RemovedFlagBound(std::span<const JudgedSnapshot> oldest_first, size_t end) {
  for (size_t i = end; i-- > 0;) {
    if (!oldest_first[i].removed_flag.empty()) return i;
    if (oldest_first[i].resolution) return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

Result<CleanPoint> NewestClean(std::span<const JudgedSnapshot> oldest_first) {
  if (oldest_first.empty()) return Error::NotFound("no snapshots to restore from");
  CleanPoint point;
  for (size_t i = 0; i < oldest_first.size(); ++i) {
    if (!oldest_first[i].flagged()) continue;
    if (!point.flagged) point.flagged = i;
    ++point.flagged_count;
  }
  // The point is older than `end`: the first flagged snapshot, or one past the newest snapshot
  // held because of a flagged snapshot since removed, whichever is older.
  size_t end = point.flagged.value_or(oldest_first.size());
  const std::optional<size_t> bound = RemovedFlagBound(oldest_first, end);
  if (bound && *bound + 1 < end) {
    point.removed_flag_bound = bound;
    end = *bound + 1;
  }
  if (!point.flagged && !point.removed_flag_bound) {
    point.index = oldest_first.size() - 1;
    return point;
  }
  for (size_t i = end; i-- > 0;) {
    if (oldest_first[i].clean()) {
      point.index = i;
      return point;
    }
    ++point.unjudged_skipped;  // older than the first flagged, not clean: never judged
  }
  if (point.removed_flag_bound) {
    const JudgedSnapshot& held = oldest_first[*point.removed_flag_bound];
    return Error::NotFound("no clean snapshot at or before " + held.id.substr(0, internal::kShortId) +
                           ", held because of flagged snapshot " +
                           held.removed_flag.substr(0, internal::kShortId) + " (removed)");
  }
  const JudgedSnapshot& first = oldest_first[*point.flagged];
  if (*point.flagged == 0) return Error::NotFound("no snapshot before " + DescribeJudged(first));
  return Error::NotFound("no judged snapshot before " + DescribeJudged(first) +
                         ": the older ones were taken without detection; restore one by its id");
}

Result<LatestClean> ChooseLatestClean(std::span<const JudgedSnapshot> oldest_first,
                                      const std::string& none_judged) {
  if (std::none_of(oldest_first.begin(), oldest_first.end(),
                   [](const JudgedSnapshot& s) { return s.level.has_value(); })) {
    return Error::NotFound(none_judged);
  }
  Result<CleanPoint> point = NewestClean(oldest_first);
  if (!point) return point.error().WithContext("latest-clean");
  return LatestClean{point->index, DescribeCleanPoint(oldest_first, *point)};
}

namespace {

// DescribeCleanPoint when a snapshot held because of a removed flagged one bounds the point.
std::string DescribeRemovedFlagBound(std::span<const JudgedSnapshot> oldest_first,
                                     const CleanPoint& point) {
  const JudgedSnapshot& held = oldest_first[*point.removed_flag_bound];
  std::string text = "newest clean snapshot up to " + held.id.substr(0, internal::kShortId) +
                     ", held because of flagged snapshot " +
                     held.removed_flag.substr(0, internal::kShortId) +
                     ", which was removed: the newer ones may hold what that attack encrypted; " +
                     internal::WithThousands(oldest_first.size() - 1 - point.index) +
                     " newer snapshot(s) passed over";
  if (point.flagged) {
    text += ", " + internal::WithThousands(point.flagged_count) + " of them flagged";
  }
  return text;
}

}  // namespace

std::string DescribeCleanPoint(std::span<const JudgedSnapshot> oldest_first,
                               const CleanPoint& point) {
  if (point.removed_flag_bound) return DescribeRemovedFlagBound(oldest_first, point);
  const std::string resolution = DescribeResolution(oldest_first);  // "" when none
  if (!point.flagged) {
    std::string text = oldest_first[point.index].level
                           ? "newest snapshot (none flagged)"
                           : "newest snapshot (none flagged; it was never judged: "
                             "taken without detection)";
    return resolution.empty() ? text : text + "; " + resolution;
  }
  std::string text = "newest clean snapshot; " + internal::WithThousands(point.flagged_count) +
                     " newer flagged, the first " + DescribeJudged(oldest_first[*point.flagged]);
  if (point.unjudged_skipped > 0) {
    text += "; " + internal::WithThousands(point.unjudged_skipped) +
            " newer never judged (taken without detection)";
  }
  // Snapshots judged clean after the first flagged one are passed over: after an attack they
  // may hold what it encrypted (compared with an encrypted parent, nothing changed); after a
  // false alarm they are good. Say so, so a person can choose one by its id.
  size_t passed_over = 0;
  const JudgedSnapshot* newest_passed = nullptr;
  for (size_t i = *point.flagged + 1; i < oldest_first.size(); ++i) {
    if (!oldest_first[i].clean()) continue;
    ++passed_over;
    newest_passed = &oldest_first[i];
  }
  if (newest_passed != nullptr) {
    text += "; " + internal::WithThousands(passed_over) +
            " newer snapshot(s) judged clean passed over, the newest " +
            newest_passed->id.substr(0, internal::kShortId) + " (" + FormatUtc(newest_passed->time_ns) +
            "): if the flagged one was a false alarm, restore that one by its id";
  }
  if (!resolution.empty()) text += "; " + resolution;
  return text;
}

}  // namespace stormproof::detect
