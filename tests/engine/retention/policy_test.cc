// Forget policies against hand-worked calendars. Every expected list below was worked out by
// hand from a calendar (weekdays checked: 2026-01-01 is a Thursday, so 2026 has 53 ISO weeks).
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/date.h"
#include "engine/retention/internal/calendar.h"
#include "engine/retention/retention.h"
#include "tests/matchers.h"

namespace stormproof::retention {
namespace {

using repository::Id;
using repository::Snapshot;

// "2026-04-30 18:00" -> nanoseconds since the epoch, UTC.
int64_t At(const std::string& text) {
  Date date = Date::Parse(text.substr(0, 10)).value();
  int64_t minutes = std::stoi(text.substr(11, 2)) * 60 + std::stoi(text.substr(14, 2));
  return date.days_since_epoch() * kNsPerDay + minutes * 60 * kNsPerSecond;
}

std::string Format(int64_t ns) {
  int64_t day = DayNumber(ns);
  int64_t minutes = (ns - day * kNsPerDay) / (60 * kNsPerSecond);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(minutes / 60),
                static_cast<int>(minutes % 60));
  return Date::FromDaysSinceEpoch(day).ToString() + " " + buf;
}

// Every day from `first` to `last` (inclusive) at `hh_mm`.
std::vector<std::string> Daily(const std::string& first, const std::string& last,
                               const std::string& hh_mm) {
  std::vector<std::string> out;
  for (Date d = Date::Parse(first).value(); d <= Date::Parse(last).value(); d = d.AddDays(1)) {
    out.push_back(d.ToString() + " " + hh_mm);
  }
  return out;
}

std::vector<std::string> Plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Snapshot Make(const std::string& time, uint8_t n, const std::string& host = "h",
              std::vector<std::string> paths = {"/data"}) {
  Snapshot s;
  s.id.bytes[0] = n;
  s.id.bytes[1] = static_cast<uint8_t>(time.size());
  s.time_ns = At(time);
  s.hostname = host;
  s.paths = std::move(paths);
  return s;
}

std::vector<Snapshot> MakeAll(const std::vector<std::string>& times) {
  std::vector<Snapshot> out;
  for (size_t i = 0; i < times.size(); ++i) out.push_back(Make(times[i], static_cast<uint8_t>(i)));
  return out;
}

// "2026-04-30 18:00: daily snapshot, weekly snapshot", oldest first.
std::vector<std::string> Describe(const Decision& decision) {
  std::vector<std::string> out;
  for (const KeptSnapshot& kept : decision.keep) {
    std::string line = Format(kept.snapshot.time_ns) + ":";
    for (size_t i = 0; i < kept.reasons.size(); ++i) line += (i ? ", " : " ") + kept.reasons[i];
    out.push_back(line);
  }
  return out;
}

Policy Within(const std::string& span) {
  Policy p;
  p.within = Span::Parse(span).value();
  return p;
}

struct PolicyCase {
  std::string name;
  std::vector<std::string> times;  // any order
  Policy policy;
  std::string now;                // for --keep-within: snapshots after it are "future"
  std::vector<std::string> kept;  // oldest first, with reasons
};

void PrintTo(const PolicyCase& c, std::ostream* os) { *os << c.name; }

std::vector<PolicyCase> Cases() {
  std::vector<PolicyCase> cases;
  // 30 nightly snapshots at 03:00 plus extra ones on 04-28 and 04-30: the newest per day wins.
  cases.push_back({"Daily7OverThirtyNights",
                   Plus(Daily("2026-04-01", "2026-04-30", "03:00"),
                        {"2026-04-30 12:00", "2026-04-30 18:00", "2026-04-28 09:00"}),
                   Policy{.daily = 7},
                   "2026-05-01 00:00",
                   {"2026-04-24 03:00: daily snapshot", "2026-04-25 03:00: daily snapshot",
                    "2026-04-26 03:00: daily snapshot", "2026-04-27 03:00: daily snapshot",
                    "2026-04-28 09:00: daily snapshot", "2026-04-29 03:00: daily snapshot",
                    "2026-04-30 18:00: daily snapshot"}});
  // Noon every day 2026-12-10 .. 2027-01-10. ISO weeks: 2027-W01 = Jan 4..10; 2026-W53 =
  // Dec 28 .. Jan 3 (spans the new year); W52 = Dec 21..27; W51 = Dec 14..20.
  cases.push_back({"Weekly4AcrossTheYearBoundary",
                   Daily("2026-12-10", "2027-01-10", "12:00"),
                   Policy{.weekly = 4},
                   "2027-02-01 00:00",
                   {"2026-12-20 12:00: weekly snapshot", "2026-12-27 12:00: weekly snapshot",
                    "2027-01-03 12:00: weekly snapshot", "2027-01-10 12:00: weekly snapshot"}});
  // The 15th and 28th of each month, 2025-01 .. 2026-06, except 2025-08, 2025-09 and 2026-02:
  // the 12 newest months that have snapshots reach back to 2025-04.
  std::vector<std::string> monthly;
  for (int ym = 2025 * 12; ym < 2026 * 12 + 6; ++ym) {
    int year = ym / 12, month = ym % 12 + 1;
    if ((year == 2025 && (month == 8 || month == 9)) || (year == 2026 && month == 2)) continue;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-15 03:00", year, month);
    monthly.push_back(buf);
    std::snprintf(buf, sizeof buf, "%04d-%02d-28 03:00", year, month);
    monthly.push_back(buf);
  }
  cases.push_back({"Monthly12WithMissingMonths",
                   monthly,
                   Policy{.monthly = 12},
                   "2026-07-01 00:00",
                   {"2025-04-28 03:00: monthly snapshot", "2025-05-28 03:00: monthly snapshot",
                    "2025-06-28 03:00: monthly snapshot", "2025-07-28 03:00: monthly snapshot",
                    "2025-10-28 03:00: monthly snapshot", "2025-11-28 03:00: monthly snapshot",
                    "2025-12-28 03:00: monthly snapshot", "2026-01-28 03:00: monthly snapshot",
                    "2026-03-28 03:00: monthly snapshot", "2026-04-28 03:00: monthly snapshot",
                    "2026-05-28 03:00: monthly snapshot", "2026-06-28 03:00: monthly snapshot"}});
  // Relative to the newest snapshot that is not in the future (04-30 03:00): strictly after
  // 03-31 03:00. The future snapshot (06-01) is kept too, counted by no rule.
  std::vector<std::string> within_kept;
  for (const std::string& t : Daily("2026-04-01", "2026-04-30", "03:00")) {
    within_kept.push_back(t + ": within 30d");
  }
  within_kept.push_back("2026-06-01 03:00: dated in the future (not counted by the policy)");
  cases.push_back({"Within30dIsRelativeToTheNewestNotNow",
                   Plus(Daily("2026-03-20", "2026-04-30", "03:00"), {"2026-06-01 03:00"}),
                   Within("30d"), "2026-05-10 00:00", within_kept});
  // One calendar month before 03-31 12:00 is "02-31", which rolls over to 03-03 12:00.
  cases.push_back({"WithinOneMonthRollsOverLikeGo",
                   {"2026-03-01 12:00", "2026-03-03 12:00", "2026-03-03 13:00", "2026-03-31 12:00"},
                   Within("1mo"),
                   "2026-04-01 00:00",
                   {"2026-03-03 13:00: within 1mo", "2026-03-31 12:00: within 1mo"}});
  // Mon 05-04 .. Sun 05-17 at 03:00, plus 05-17 20:00. W20 = May 11..17, W19 = May 4..10.
  cases.push_back({"LastDailyWeeklyCombined",
                   Plus(Daily("2026-05-04", "2026-05-17", "03:00"), {"2026-05-17 20:00"}),
                   Policy{.last = 2, .daily = 3, .weekly = 2},
                   "2026-06-01 00:00",
                   {"2026-05-10 03:00: weekly snapshot", "2026-05-15 03:00: daily snapshot",
                    "2026-05-16 03:00: daily snapshot", "2026-05-17 03:00: last snapshot",
                    "2026-05-17 20:00: last snapshot, daily snapshot, weekly snapshot"}});
  cases.push_back(
      {"WithinAndMonthlyCombined",
       Plus(Daily("2026-01-25", "2026-03-10", "06:00"), {}),
       Policy{.monthly = 2, .within = Span{.days = 3}},
       "2026-04-01 00:00",
       {"2026-02-28 06:00: monthly snapshot", "2026-03-08 06:00: within 3d",
        "2026-03-09 06:00: within 3d", "2026-03-10 06:00: within 3d, monthly snapshot"}});
  cases.push_back({"Hourly3",
                   {"2026-05-01 10:05", "2026-05-01 10:40", "2026-05-01 11:10", "2026-05-01 11:50",
                    "2026-05-01 12:30", "2026-05-01 13:00"},
                   Policy{.hourly = 3},
                   "2026-06-01 00:00",
                   {"2026-05-01 11:50: hourly snapshot", "2026-05-01 12:30: hourly snapshot",
                    "2026-05-01 13:00: hourly snapshot"}});
  // Counters left at the oldest snapshot: it is kept as well (restic >= 0.17).
  cases.push_back({"OldestKeptWhileDailyCountsRemain",
                   {"2026-05-01 08:00", "2026-05-01 20:00", "2026-05-02 10:00"},
                   Policy{.daily = 7},
                   "2026-06-01 00:00",
                   {"2026-05-01 08:00: oldest daily snapshot", "2026-05-01 20:00: daily snapshot",
                    "2026-05-02 10:00: daily snapshot"}});
  cases.push_back(
      {"YearlyInAYoungRepositoryKeepsTheFirstBackup",
       {"2026-01-10 03:00", "2026-02-10 03:00", "2026-03-10 03:00", "2026-04-10 03:00"},
       Policy{.yearly = 2},
       "2026-06-01 00:00",
       {"2026-01-10 03:00: oldest yearly snapshot", "2026-04-10 03:00: yearly snapshot"}});
  cases.push_back({"Yearly3SkipsAnEmptyYear",
                   {"2021-06-01 03:00", "2021-12-31 23:59", "2023-01-01 00:00", "2023-07-01 03:00",
                    "2024-02-29 03:00", "2025-01-01 00:00", "2025-12-31 23:00"},
                   Policy{.yearly = 3},
                   "2026-06-01 00:00",
                   {"2023-07-01 03:00: yearly snapshot", "2024-02-29 03:00: yearly snapshot",
                    "2025-12-31 23:00: yearly snapshot"}});
  cases.push_back({"Last3",
                   {"2026-05-01 03:00", "2026-05-02 03:00", "2026-05-03 03:00", "2026-05-04 03:00",
                    "2026-05-05 03:00"},
                   Policy{.last = 3},
                   "2026-06-01 00:00",
                   {"2026-05-03 03:00: last snapshot", "2026-05-04 03:00: last snapshot",
                    "2026-05-05 03:00: last snapshot"}});
  return cases;
}

class PolicyTableTest : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(PolicyTableTest, KeepsExactlyTheHandWorkedSnapshots) {
  const PolicyCase& c = GetParam();
  auto decision = ApplyPolicy(MakeAll(c.times), c.policy, At(c.now));
  ASSERT_TRUE(decision) << decision.error().message();
  EXPECT_EQ(Describe(*decision), c.kept);
  EXPECT_EQ(decision->keep.size() + decision->remove.size(), c.times.size());
  for (size_t i = 1; i < decision->remove.size(); ++i) {
    EXPECT_LE(decision->remove[i - 1].time_ns, decision->remove[i].time_ns) << "oldest first";
  }
}

INSTANTIATE_TEST_SUITE_P(Calendars, PolicyTableTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

TEST(PolicyTest, EmptyPolicyRefusesToForgetEverything) {
  for (const Policy& p : {Policy{}, Policy{.last = 0, .daily = 0}, Within("0d")}) {
    auto decision = ApplyPolicy(MakeAll({"2026-05-01 03:00"}), p, At("2026-06-01 00:00"));
    ASSERT_FALSE(decision);
    EXPECT_THAT(decision, ErrorIs(ErrorCode::kInvalidArgument));
    EXPECT_EQ(decision.error().message(), "no policy given: refusing to remove all snapshots");
    EXPECT_FALSE(ApplyPolicyPerGroup({}, p, 0));
  }
}

TEST(PolicyTest, NoSnapshotsKeepsNothingAndRemovesNothing) {
  auto decision = ApplyPolicy({}, Policy{.last = 1}, 0);
  ASSERT_TRUE(decision);
  EXPECT_TRUE(decision->keep.empty());
  EXPECT_TRUE(decision->remove.empty());
}

TEST(PolicyTest, AppliesPerHostAndPathSet) {
  std::vector<Snapshot> all = {
      Make("2026-05-01 03:00", 1, "alpha", {"/data"}),
      Make("2026-05-02 03:00", 2, "alpha", {"/data"}),
      Make("2026-05-03 03:00", 3, "beta", {"/data"}),
      Make("2026-05-04 03:00", 4, "beta", {"/data"}),
      Make("2026-05-05 03:00", 5, "alpha", {"/srv", "/etc"}),
      Make("2026-05-06 03:00", 6, "alpha", {"/etc", "/srv"}),  // same set, other order
      Make("2026-05-07 03:00", 7, "alpha", {"/srv"}),
  };
  auto groups = ApplyPolicyPerGroup(all, Policy{.last = 1}, At("2026-06-01 00:00"));
  ASSERT_TRUE(groups);
  ASSERT_EQ(groups->size(), 4u);
  std::vector<std::string> summary;
  for (const GroupDecision& g : *groups) {
    ASSERT_EQ(g.decision.keep.size(), 1u);
    summary.push_back(g.key.ToString() + " keeps " + Format(g.decision.keep[0].snapshot.time_ns) +
                      " removes " + std::to_string(g.decision.remove.size()));
  }
  EXPECT_EQ(summary, (std::vector<std::string>{
                         "host alpha, paths [/data] keeps 2026-05-02 03:00 removes 1",
                         "host alpha, paths [/etc, /srv] keeps 2026-05-06 03:00 removes 1",
                         "host alpha, paths [/srv] keeps 2026-05-07 03:00 removes 0",
                         "host beta, paths [/data] keeps 2026-05-04 03:00 removes 1"}));
}

TEST(PolicyTest, WithinUsesEachGroupsOwnNewestSnapshot) {
  std::vector<Snapshot> all = {
      Make("2026-01-01 03:00", 1, "stale"), Make("2026-01-02 03:00", 2, "stale"),
      Make("2026-05-01 03:00", 3, "fresh"), Make("2026-05-09 03:00", 4, "fresh")};
  auto groups = ApplyPolicyPerGroup(all, Within("3d"), At("2026-06-01 00:00"));
  ASSERT_TRUE(groups);
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ(Describe((*groups)[0].decision),
            (std::vector<std::string>{"2026-05-09 03:00: within 3d"}));  // "fresh" sorts first
  EXPECT_EQ(
      Describe((*groups)[1].decision),
      (std::vector<std::string>{"2026-01-01 03:00: within 3d", "2026-01-02 03:00: within 3d"}));
}

// Forged snapshots dated next year (written by a backup host holding the password) must not take
// the places of genuine ones: restic would keep the three forged ones and remove every genuine
// one under --keep-last 3 or --keep-daily 3.
TEST(PolicyTest, SnapshotsDatedInTheFutureDoNotDisplaceGenuineOnes) {
  const std::vector<std::string> genuine = Daily("2026-05-01", "2026-05-05", "03:00");
  const std::vector<std::string> forged = {"2027-01-01 03:00", "2027-01-02 03:00",
                                           "2027-01-03 03:00"};
  const std::string future = ": dated in the future (not counted by the policy)";
  for (const auto& [name, policy, reason] :
       {std::tuple{"last", Policy{.last = 3}, ": last snapshot"},
        std::tuple{"daily", Policy{.daily = 3}, ": daily snapshot"}}) {
    SCOPED_TRACE(name);
    auto decision = ApplyPolicy(MakeAll(Plus(genuine, forged)), policy, At("2026-05-05 04:00"));
    ASSERT_TRUE(decision) << decision.error().message();
    EXPECT_EQ(
        Describe(*decision),
        (std::vector<std::string>{
            std::string("2026-05-03 03:00") + reason, std::string("2026-05-04 03:00") + reason,
            std::string("2026-05-05 03:00") + reason, "2027-01-01 03:00" + future,
            "2027-01-02 03:00" + future, "2027-01-03 03:00" + future}));
    ASSERT_EQ(decision->remove.size(), 2u);
    EXPECT_EQ(Format(decision->remove[0].time_ns), "2026-05-01 03:00");
    EXPECT_EQ(Format(decision->remove[1].time_ns), "2026-05-02 03:00");
    ASSERT_EQ(decision->future_dated.size(), 3u);
    EXPECT_EQ(Format(decision->future_dated[0].time_ns), "2027-01-01 03:00");
  }
}

// kFutureTolerance (1 hour) after `now` still counts; one nanosecond more does not.
TEST(PolicyTest, TheFutureStartsOneToleranceAfterNow) {
  const int64_t now = At("2026-05-05 04:00");
  const int64_t tolerance = kFutureTolerance.seconds() * kNsPerSecond;
  EXPECT_EQ(tolerance, 3600 * kNsPerSecond);
  for (int64_t extra : {int64_t{0}, int64_t{1}}) {
    SCOPED_TRACE(extra);
    std::vector<Snapshot> snapshots = MakeAll({"2026-05-04 03:00", "2026-05-05 03:00"});
    snapshots[1].time_ns = now + tolerance + extra;
    auto decision = ApplyPolicy(snapshots, Policy{.last = 1}, now);
    ASSERT_TRUE(decision) << decision.error().message();
    ASSERT_EQ(decision->keep.size() + decision->remove.size(), 2u);
    if (extra == 0) {  // counted: it is the last snapshot, the older one goes
      EXPECT_TRUE(decision->future_dated.empty());
      ASSERT_EQ(decision->remove.size(), 1u);
      EXPECT_EQ(decision->remove[0].id, snapshots[0].id);
    } else {  // dated in the future: the older one is the last snapshot
      ASSERT_EQ(decision->future_dated.size(), 1u);
      EXPECT_TRUE(decision->remove.empty());
      EXPECT_EQ(Describe(*decision),
                (std::vector<std::string>{"2026-05-04 03:00: last snapshot",
                                          "2026-05-05 05:00: " + std::string(kFutureDatedReason)}));
    }
  }
  EXPECT_FALSE(
      IsFutureDated(std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max() - 1));
  EXPECT_TRUE(IsFutureDated(std::numeric_limits<int64_t>::max(), 0));
}

// Every snapshot of the group dated in the future: all kept, nothing counted or removed.
TEST(PolicyTest, OnlyFutureDatedSnapshotsAreAllKept) {
  auto decision = ApplyPolicy(MakeAll({"2027-01-01 03:00", "2027-01-02 03:00"}), Policy{.last = 1},
                              At("2026-05-05 04:00"));
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->keep.size(), 2u);
  EXPECT_EQ(decision->future_dated.size(), 2u);
  EXPECT_TRUE(decision->remove.empty());
}

// Holds (issue 16): a held snapshot is kept whatever the policy says, "held: …" last among its
// reasons; one the policy keeps anyway gets the reason too.
TEST(PolicyTest, AHeldSnapshotThePolicyWouldRemoveIsKept) {
  const std::vector<Snapshot> all = MakeAll(Daily("2026-05-01", "2026-05-10", "03:00"));
  const Held held = {{all[1].id, "newest clean restore point before infected snapshot 9a8b7c6d"},
                     {all[8].id, "legal hold"},
                     {Make("2026-05-20 03:00", 99).id, "a snapshot no longer there"}};
  auto decision = ApplyPolicy(all, Policy{.daily = 3}, At("2026-05-11 00:00"), held);
  ASSERT_TRUE(decision) << decision.error().message();
  EXPECT_EQ(
      Describe(*decision),
      (std::vector<std::string>{
          "2026-05-02 03:00: held: newest clean restore point before infected snapshot "
          "9a8b7c6d",
          "2026-05-08 03:00: daily snapshot", "2026-05-09 03:00: daily snapshot, held: legal hold",
          "2026-05-10 03:00: daily snapshot"}));
  EXPECT_EQ(decision->remove.size(), 6u);
  EXPECT_EQ(HeldReason("x"), "held: x");
}

// A held snapshot is counted like any other: the others kept, and why, are exactly those
// without the hold, whichever snapshots are held and whatever the policy.
TEST(PolicyTest, AHoldNeverChangesWhichOthersAreKept) {
  const std::vector<Snapshot> all = MakeAll(
      Plus(Daily("2026-04-20", "2026-05-10", "03:00"), {"2026-05-10 12:00", "2026-05-03 09:00"}));
  const std::vector<std::pair<const char*, Policy>> policies = {
      {"last 3", Policy{.last = 3}},     {"daily 4", Policy{.daily = 4}},
      {"weekly 2", Policy{.weekly = 2}}, {"monthly 5 (oldest kept)", Policy{.monthly = 5}},
      {"within 3d", Within("3d")},       {"daily 2, weekly 2", Policy{.daily = 2, .weekly = 2}}};
  const std::vector<std::vector<size_t>> holds = {{0}, {5}, {21}, {22}, {0, 10, 22}};
  for (const auto& [name, policy] : policies) {
    auto plain = ApplyPolicy(all, policy, At("2026-05-11 00:00"));
    ASSERT_TRUE(plain) << name;
    std::map<Id, std::vector<std::string>> plain_reasons;
    for (const KeptSnapshot& k : plain->keep) plain_reasons[k.snapshot.id] = k.reasons;
    for (const std::vector<size_t>& positions : holds) {
      Held held;
      for (size_t p : positions) held[all[p].id] = "hold " + std::to_string(p);
      auto decision = ApplyPolicy(all, policy, At("2026-05-11 00:00"), held);
      ASSERT_TRUE(decision) << name;
      size_t kept_held = 0;
      for (const KeptSnapshot& k : decision->keep) {
        auto found = plain_reasons.find(k.snapshot.id);
        std::vector<std::string> want =
            found == plain_reasons.end() ? std::vector<std::string>{} : found->second;
        if (auto h = held.find(k.snapshot.id); h != held.end()) {
          want.push_back("held: " + h->second);
          ++kept_held;
        }
        EXPECT_EQ(k.reasons, want) << name << ", " << Format(k.snapshot.time_ns);
      }
      EXPECT_EQ(kept_held, held.size()) << name;
      for (const Snapshot& removed : decision->remove) {
        EXPECT_FALSE(held.contains(removed.id)) << name;
        EXPECT_FALSE(plain_reasons.contains(removed.id)) << name;
      }
    }
  }
}

TEST(PolicyTest, AHeldSnapshotDatedInTheFutureGetsBothReasons) {
  std::vector<Snapshot> all = MakeAll({"2026-05-04 03:00", "2026-05-05 03:00", "2027-01-01 03:00"});
  const Held held = {{all[2].id, "legal hold"}};
  auto decision = ApplyPolicy(all, Policy{.last = 1}, At("2026-05-05 04:00"), held);
  ASSERT_TRUE(decision);
  EXPECT_EQ(Describe(*decision),
            (std::vector<std::string>{
                "2026-05-05 03:00: last snapshot",
                "2027-01-01 03:00: " + std::string(kFutureDatedReason) + ", held: legal hold"}));
  EXPECT_EQ(decision->future_dated.size(), 1u);
}

TEST(PolicyTest, HoldsApplyInEveryGroup) {
  std::vector<Snapshot> all = {
      Make("2026-05-01 03:00", 1, "alpha"), Make("2026-05-02 03:00", 2, "alpha"),
      Make("2026-05-01 03:00", 3, "beta"), Make("2026-05-02 03:00", 4, "beta")};
  const Held held = {{all[0].id, "a"}, {all[2].id, "b"}};
  auto groups = ApplyPolicyPerGroup(all, Policy{.last = 1}, At("2026-05-03 00:00"), held);
  ASSERT_TRUE(groups);
  ASSERT_EQ(groups->size(), 2u);
  for (const GroupDecision& g : *groups) {
    EXPECT_EQ(g.decision.keep.size(), 2u) << g.key.ToString();
    EXPECT_TRUE(g.decision.remove.empty()) << g.key.ToString();
  }
  EXPECT_EQ(GroupKeyOf(Make("2026-05-01 03:00", 5, "a", {"/y", "/x", "/y"})),
            (GroupKey{"a", {"/x", "/y"}}));
}

TEST(PolicyTest, PolicyDescribesItself) {
  EXPECT_EQ((Policy{.daily = 7, .weekly = 4}).ToString(), "keep 7 daily, 4 weekly snapshots");
  EXPECT_EQ(Within("30d").ToString(), "keep all within 30d of the newest");
  EXPECT_EQ((Policy{.last = 1, .within = Span{.months = 6}}).ToString(),
            "keep 1 last snapshots and all within 6mo of the newest");
}

struct IsoCase {
  const char* date;
  int year, week;
};

TEST(CalendarTest, IsoWeeksAtYearBoundaries) {
  const IsoCase cases[] = {
      {"2026-12-31", 2026, 53}, {"2027-01-01", 2026, 53}, {"2027-01-03", 2026, 53},
      {"2027-01-04", 2027, 1},  {"2026-12-28", 2026, 53}, {"2026-12-27", 2026, 52},
      {"2025-12-29", 2026, 1},  {"2026-01-01", 2026, 1},  {"2024-12-30", 2025, 1},
      {"2024-12-29", 2024, 52}, {"2020-12-31", 2020, 53}, {"2021-01-03", 2020, 53},
      {"2021-01-04", 2021, 1},  {"1970-01-01", 1970, 1},  {"1969-12-29", 1970, 1},
      {"1969-12-28", 1969, 52}, {"2026-05-17", 2026, 20}, {"2026-05-18", 2026, 21},
  };
  for (const IsoCase& c : cases) {
    IsoWeek week = IsoWeekOfDay(Date::Parse(c.date).value().days_since_epoch());
    EXPECT_EQ(week.year, c.year) << c.date;
    EXPECT_EQ(week.week, c.week) << c.date;
  }
}

TEST(CalendarTest, BucketsSplitAtUtcBoundaries) {
  EXPECT_EQ(BucketOf(Bucket::kDay, At("2026-05-01 23:59")),
            BucketOf(Bucket::kDay, At("2026-05-01 00:00")));
  EXPECT_NE(BucketOf(Bucket::kDay, At("2026-05-01 23:59")),
            BucketOf(Bucket::kDay, At("2026-05-02 00:00")));
  EXPECT_NE(BucketOf(Bucket::kHour, At("2026-05-01 10:59")),
            BucketOf(Bucket::kHour, At("2026-05-01 11:00")));
  EXPECT_EQ(BucketOf(Bucket::kWeek, At("2026-12-28 00:00")),
            BucketOf(Bucket::kWeek, At("2027-01-03 23:59")));
  EXPECT_NE(BucketOf(Bucket::kMonth, At("2026-01-31 23:59")),
            BucketOf(Bucket::kMonth, At("2026-02-01 00:00")));
  EXPECT_NE(BucketOf(Bucket::kYear, At("2026-12-31 23:59")),
            BucketOf(Bucket::kYear, At("2027-01-01 00:00")));
  // Before the epoch the day still starts at midnight.
  EXPECT_EQ(DayNumber(-1), -1);
  EXPECT_EQ(DayNumber(-kNsPerDay), -1);
}

struct SpanCase {
  const char* text;
  Span span;
};

TEST(SpanTest, ParsesCalendarUnits) {
  const SpanCase cases[] = {
      {"30d", {.days = 30}},  {"2w", {.days = 14}},
      {"6mo", {.months = 6}}, {"1y6mo", {.years = 1, .months = 6}},
      {"36h", {.hours = 36}}, {"1y2mo3w4d5h", {.years = 1, .months = 2, .days = 25, .hours = 5}},
  };
  for (const SpanCase& c : cases) {
    auto span = Span::Parse(c.text);
    ASSERT_TRUE(span) << c.text << ": " << span.error().message();
    EXPECT_EQ(span->ToString(), c.span.ToString()) << c.text;
  }
}

TEST(SpanTest, RejectsMalformedAndAmbiguousText) {
  for (const char* bad : {"", "30", "d", "5x", "-1d", "1.5d", "99999999d", "6m", "3d 4h"}) {
    auto span = Span::Parse(bad);
    EXPECT_FALSE(span) << bad;
    if (!span) {
      EXPECT_THAT(span.error().message(), HasSubstr("--keep-within"));
    }
  }
  EXPECT_THAT(Span::Parse("6m").error().message(), HasSubstr("'mo'"));
}

TEST(SpanTest, SubtractsOnTheCalendar) {
  EXPECT_EQ(Format(Span{.months = 1}.SubtractFrom(At("2026-03-31 12:00"))), "2026-03-03 12:00");
  EXPECT_EQ(Format(Span{.months = 1}.SubtractFrom(At("2024-03-31 12:00"))), "2024-03-02 12:00");
  EXPECT_EQ(Format(Span{.years = 1, .months = 2}.SubtractFrom(At("2026-01-15 03:00"))),
            "2024-11-15 03:00");
  EXPECT_EQ(Format(Span{.hours = 1}.SubtractFrom(At("2026-05-01 00:30"))), "2026-04-30 23:30");
  EXPECT_EQ(Format(Span{.days = 30}.SubtractFrom(At("2026-04-30 03:00"))), "2026-03-31 03:00");
  EXPECT_EQ(Format(Span{.years = 1}.SubtractFrom(At("2024-02-29 00:00"))), "2023-03-01 00:00");
}

}  // namespace
}  // namespace stormproof::retention
