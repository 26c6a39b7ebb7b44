// retention: which snapshots a `forget` policy keeps, and why — restic's semantics exactly,
// except for snapshots dated in the future (below).
//
// A policy says how many snapshots to keep per calendar bucket (--keep-last, --keep-hourly,
// --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly) and for how long to keep
// everything (--keep-within). Snapshots are evaluated newest first. For each --keep-<bucket> N,
// a snapshot is kept when it is the newest one in its hour/day/ISO week/month/year, until N
// such buckets (counting only buckets that hold a snapshot) have been kept; when the counter
// has not run out by the oldest snapshot, that oldest snapshot is kept too ("oldest daily
// snapshot"), so a young repository does not lose its first backup (restic >= 0.17).
// --keep-within keeps every snapshot strictly newer than the newest snapshot (ignoring any in
// the future of `now`) minus the span. A snapshot matching any rule is kept; reasons accumulate.
//
// Unlike restic, a snapshot dated more than kFutureTolerance after `now` ("dated in the future")
// is always kept and counted by no rule: it fills no --keep-last place and no bucket, and is not
// the oldest snapshot. Snapshot dates are written by whoever holds the repository password (every
// backup host); restic lets snapshots dated next year fill every --keep-* place, so that the
// next forget removes every genuine snapshot. A clock that is ahead by more than the tolerance
// makes its host's snapshots kept until `now` reaches them.
//
// Buckets are computed in UTC (restic uses the local time zone): the same repository gives the
// same answer on every machine whatever its TZ. Weeks are ISO 8601 weeks (Monday to Sunday;
// 2027-01-01..03 belong to 2026-W53).
//
// Policies apply per group: snapshots with the same host and the same set of paths (restic's
// default --group-by host,paths). Pure functions on plain values; thread-safe.
#ifndef STORMPROOF_ENGINE_RETENTION_RETENTION_H_
#define STORMPROOF_ENGINE_RETENTION_RETENTION_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.h"
#include "core/result.h"
#include "engine/repository/repository.h"

namespace stormproof::retention {

// The length of --keep-within in calendar units: "30d", "2w", "6mo", "1y6mo", "36h". Units y,
// mo, w (7 days), d, h. A bare "m" is refused as ambiguous (restic's month, stormproof's minute).
struct Span {
  int years = 0, months = 0, days = 0, hours = 0;

  // Errors: kInvalidArgument for empty text, unknown or ambiguous units, numbers out of range.
  static Result<Span> Parse(std::string_view text);
  bool Zero() const { return years == 0 && months == 0 && days == 0 && hours == 0; }
  std::string ToString() const;  // "1y6mo3d12h"; "0d" when zero
  // `time_ns` moved back by this span: years and months first on the UTC calendar (a day that
  // does not exist rolls over: Mar 31 - 1mo = Mar 3, as Go's AddDate does), then days, then hours.
  int64_t SubtractFrom(int64_t time_ns) const;
};

// A forget policy. Counts of 0 and a zero span mean "rule not used". Defaults: nothing set.
struct Policy {
  int last = 0, hourly = 0, daily = 0, weekly = 0, monthly = 0, yearly = 0;
  Span within{};

  bool Empty() const;
  // How many --keep-<bucket> N rules (last, hourly, ... yearly) are used: 0..6.
  int CountingRulesUsed() const;
  // "keep 7 daily, 4 weekly snapshots and all within 30d of the newest".
  std::string ToString() const;
};

// How far after `now` a snapshot may be dated and still count for the policy: clocks of backup
// hosts drift and the storage's clock (which forget reads `now` from) is another machine's.
inline constexpr Duration kFutureTolerance = Duration::Hours(1);

// The reason a snapshot dated in the future is kept.
inline constexpr const char* kFutureDatedReason = "dated in the future (not counted by the policy)";

struct KeptSnapshot {
  repository::Snapshot snapshot;
  // In rule order: "within 30d", "last snapshot", "hourly snapshot", "daily snapshot",
  // "weekly snapshot", "monthly snapshot", "yearly snapshot"; "oldest daily snapshot" etc.;
  // kFutureDatedReason alone.
  std::vector<std::string> reasons;
};

// The outcome for one group; every list oldest first, like `stormproof snapshots`.
struct Decision {
  std::vector<KeptSnapshot> keep;  // with the snapshots dated in the future
  std::vector<repository::Snapshot> remove;
  // The snapshots dated more than kFutureTolerance after `now`: in `keep` too, counted by no rule.
  std::vector<repository::Snapshot> future_dated = {};
};

// Host and sorted paths: the snapshots a policy is applied to together.
struct GroupKey {
  std::string hostname;
  std::vector<std::string> paths;

  std::string ToString() const;  // "host ann-laptop, paths [/etc, /home]"
  auto operator<=>(const GroupKey&) const = default;
};

// The group `snapshot` belongs to: its host and its paths, sorted, each once.
GroupKey GroupKeyOf(const repository::Snapshot& snapshot);

struct GroupDecision {
  GroupKey key;
  Decision decision;
};

inline constexpr const char* kEmptyPolicyMessage =
    "no policy given: refusing to remove all snapshots";

// Snapshots under a standing hold (repository/marks.h), each with why in a few words ("newest
// clean point before infected snapshot 9a8b7c6d"): kept whatever the policy says.
using Held = std::map<repository::Id, std::string>;

// The reason a held snapshot is kept: "held: " + its Held text.
std::string HeldReason(const std::string& why);

// True when `time_ns` is more than kFutureTolerance after `now_ns`.
bool IsFutureDated(int64_t time_ns, int64_t now_ns);

// Applies `policy` to one group of snapshots (any order). `now_ns` (the storage's time where
// there is one): snapshots dated after it are ignored when finding the newest snapshot for
// --keep-within, and those dated more than kFutureTolerance after it are kept and counted by no
// rule (Decision::future_dated). Newer and older are repository::OlderThan's (ties in time
// broken by id). A snapshot in `held` is counted like any other, and kept whatever the rules
// say, with HeldReason as its last reason; a hold therefore never makes the policy keep fewer
// of the others.
// Errors: kInvalidArgument kEmptyPolicyMessage when the policy is empty.
Result<Decision> ApplyPolicy(std::vector<repository::Snapshot> snapshots, const Policy& policy,
                             int64_t now_ns, const Held& held = {});

// Groups `snapshots` by host and paths and applies `policy` to each group. Groups come sorted
// by key. Errors: as ApplyPolicy.
Result<std::vector<GroupDecision>> ApplyPolicyPerGroup(std::vector<repository::Snapshot> snapshots,
                                                       const Policy& policy, int64_t now_ns,
                                                       const Held& held = {});

}  // namespace stormproof::retention

#endif  // STORMPROOF_ENGINE_RETENTION_RETENTION_H_
