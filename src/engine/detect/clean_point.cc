// The newest clean restore point of a group of snapshots (design §4, NewestClean).
#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "core/result.h"
#include "core/time.h"
#include "engine/detect/internal/findings.h"
#include "engine/detect/verdict.h"
#include "engine/repository/signals.h"

namespace stormproof::detect {
namespace {

constexpr size_t kShortId = 8;

}  // namespace

std::string DescribeJudged(const JudgedSnapshot& s) {
  return std::string(repository::LevelName(*s.level)) + " snapshot " + s.id.substr(0, kShortId) +
         " (" + FormatUtc(s.time_ns) + ")";
}

Result<CleanPoint> NewestClean(std::span<const JudgedSnapshot> oldest_first) {
  if (oldest_first.empty()) return Error::NotFound("no snapshots to restore from");
  CleanPoint point;
  for (size_t i = 0; i < oldest_first.size(); ++i) {
    if (!oldest_first[i].flagged()) continue;
    if (!point.flagged) point.flagged = i;
    ++point.flagged_count;
  }
  if (!point.flagged) {
    point.index = oldest_first.size() - 1;
    return point;
  }
  for (size_t i = *point.flagged; i-- > 0;) {
    if (oldest_first[i].clean()) {
      point.index = i;
      return point;
    }
    ++point.unjudged_skipped;  // older than the first flagged, not clean: never judged
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

std::string DescribeCleanPoint(std::span<const JudgedSnapshot> oldest_first,
                               const CleanPoint& point) {
  if (!point.flagged) {
    return oldest_first[point.index].level ? "newest snapshot (none flagged)"
                                           : "newest snapshot (none flagged; it was never judged: "
                                             "taken without detection)";
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
            newest_passed->id.substr(0, kShortId) + " (" + FormatUtc(newest_passed->time_ns) +
            "): if the flagged one was a false alarm, restore that one by its id";
  }
  return text;
}

}  // namespace stormproof::detect
