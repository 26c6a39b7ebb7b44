// ApplyPolicy: restic's forget algorithm, one group at a time, snapshots dated in the future
// set aside first (retention.h).
#include <algorithm>
#include <array>
#include <limits>
#include <optional>

#include "core/time.h"
#include "engine/retention/internal/calendar.h"
#include "engine/retention/retention.h"

namespace stormproof::retention {
namespace {

using repository::Snapshot;

// One --keep-<bucket> N rule while snapshots are evaluated newest first.
class CountingRule {
 public:
  // `bucket` empty: --keep-last (every snapshot is its own bucket).
  CountingRule(int count, std::optional<Bucket> bucket, std::string reason)
      : remaining_(count), bucket_(bucket), reason_(std::move(reason)) {}

  // Adds a reason when the rule keeps the snapshot at position `nr` (0 = newest).
  void Offer(const Snapshot& snapshot, size_t nr, bool oldest, std::vector<std::string>* reasons) {
    if (remaining_ <= 0) return;
    int64_t value = bucket_ ? BucketOf(*bucket_, snapshot.time_ns) : static_cast<int64_t>(nr);
    bool same_bucket = last_ == value;
    if (same_bucket && !oldest) return;
    reasons->push_back(same_bucket ? "oldest " + reason_ : reason_);
    last_ = value;
    --remaining_;
  }

 private:
  int remaining_;
  std::optional<Bucket> bucket_;
  std::string reason_;
  std::optional<int64_t> last_;  // bucket of the last snapshot this rule kept
};

std::vector<CountingRule> CountingRules(const Policy& p) {
  return {{p.last, std::nullopt, "last snapshot"},
          {p.hourly, Bucket::kHour, "hourly snapshot"},
          {p.daily, Bucket::kDay, "daily snapshot"},
          {p.weekly, Bucket::kWeek, "weekly snapshot"},
          {p.monthly, Bucket::kMonth, "monthly snapshot"},
          {p.yearly, Bucket::kYear, "yearly snapshot"}};
}

// Newest first in repository::OlderThan's order (ties in time broken by id, as holds and the
// newest clean restore point break them).
void SortNewestFirst(std::vector<Snapshot>* snapshots) {
  std::sort(snapshots->begin(), snapshots->end(),
            [](const Snapshot& a, const Snapshot& b) { return repository::OlderThan(b, a); });
}

// --keep-within keeps snapshots strictly newer than this; the newest snapshot not after `now`
// is the reference (restic ignores snapshots from the future there). None at all: keep all.
int64_t WithinThreshold(const std::vector<Snapshot>& newest_first, const Span& within,
                        int64_t now_ns) {
  for (const Snapshot& s : newest_first) {
    if (s.time_ns < now_ns) return within.SubtractFrom(s.time_ns);
  }
  return std::numeric_limits<int64_t>::min();
}

// Moves the snapshots dated in the future (a prefix of `newest_first`) into the decision, kept.
void SetAsideFutureDated(std::vector<Snapshot>* newest_first, int64_t now_ns, Decision* decision) {
  auto counted = std::find_if(newest_first->begin(), newest_first->end(),
                              [&](const Snapshot& s) { return !IsFutureDated(s.time_ns, now_ns); });
  for (auto it = newest_first->begin(); it != counted; ++it) {
    decision->future_dated.push_back(*it);
    decision->keep.push_back({std::move(*it), {kFutureDatedReason}});
  }
  newest_first->erase(newest_first->begin(), counted);
}

}  // namespace

bool IsFutureDated(int64_t time_ns, int64_t now_ns) {
  const int64_t tolerance_ns = kFutureTolerance.seconds() * kNsPerSecond;
  return now_ns <= std::numeric_limits<int64_t>::max() - tolerance_ns &&
         time_ns > now_ns + tolerance_ns;
}

bool Policy::Empty() const {
  return last <= 0 && hourly <= 0 && daily <= 0 && weekly <= 0 && monthly <= 0 && yearly <= 0 &&
         within.Zero();
}

int Policy::CountingRulesUsed() const {
  int used = 0;
  for (int count : {last, hourly, daily, weekly, monthly, yearly}) used += count > 0 ? 1 : 0;
  return used;
}

std::string Policy::ToString() const {
  std::string counts;
  const std::pair<int, const char*> rules[] = {{last, "last"},       {hourly, "hourly"},
                                               {daily, "daily"},     {weekly, "weekly"},
                                               {monthly, "monthly"}, {yearly, "yearly"}};
  for (const auto& [count, name] : rules) {
    if (count > 0) counts += (counts.empty() ? "" : ", ") + std::to_string(count) + " " + name;
  }
  std::string out = "keep";
  if (!counts.empty()) out += " " + counts + " snapshots";
  if (!within.Zero()) {
    out += std::string(counts.empty() ? "" : " and") + " all within " + within.ToString() +
           " of the newest";
  }
  return out;
}

std::string HeldReason(const std::string& why) { return "held: " + why; }

Result<Decision> ApplyPolicy(std::vector<Snapshot> snapshots, const Policy& policy, int64_t now_ns,
                             const Held& held) {
  if (policy.Empty()) return Error::InvalidArgument(kEmptyPolicyMessage);
  SortNewestFirst(&snapshots);
  Decision decision;
  SetAsideFutureDated(&snapshots, now_ns, &decision);
  for (KeptSnapshot& future : decision.keep) {
    if (auto hold = held.find(future.snapshot.id); hold != held.end()) {
      future.reasons.push_back(HeldReason(hold->second));
    }
  }
  std::vector<CountingRule> rules = CountingRules(policy);
  const bool within = !policy.within.Zero();
  const int64_t threshold = within ? WithinThreshold(snapshots, policy.within, now_ns) : 0;
  for (size_t nr = 0; nr < snapshots.size(); ++nr) {
    std::vector<std::string> reasons;
    if (within && snapshots[nr].time_ns > threshold) {
      reasons.push_back("within " + policy.within.ToString());
    }
    bool oldest = nr + 1 == snapshots.size();
    for (CountingRule& rule : rules) rule.Offer(snapshots[nr], nr, oldest, &reasons);
    if (auto hold = held.find(snapshots[nr].id); hold != held.end()) {
      reasons.push_back(HeldReason(hold->second));
    }
    if (reasons.empty()) {
      decision.remove.push_back(std::move(snapshots[nr]));
    } else {
      decision.keep.push_back({std::move(snapshots[nr]), std::move(reasons)});
    }
  }
  std::reverse(decision.keep.begin(), decision.keep.end());
  std::reverse(decision.remove.begin(), decision.remove.end());
  std::reverse(decision.future_dated.begin(), decision.future_dated.end());
  return decision;
}

}  // namespace stormproof::retention
