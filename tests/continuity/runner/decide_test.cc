// Scheduling decisions from RPOs, retention, check and drill cadences, with a fake clock.
#include "continuity/runner/decide.h"

#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>

#include "core/date.h"
#include "tests/matchers.h"

namespace stormproof::runner {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

// Noon UTC on a date: the fake clock's readings.
int64_t At(int year, int month, int day, int64_t plus = 0) {
  return Date::FromCivil(year, month, day).days_since_epoch() * kDay + 12 * kHour + plus;
}
const int64_t kNow = At(2026, 11, 30);

plan::RepositorySpec Repo(const std::string& id, const std::string& location,
                          plan::RepositoryKind kind = plan::RepositoryKind::kStormproof,
                          plan::Medium medium = plan::Medium::kDisk) {
  plan::RepositorySpec r;
  r.id = id;
  r.location = location;
  r.kind = kind;
  r.medium = medium;
  return r;
}

plan::System System(const std::string& id, std::vector<std::string> repositories,
                    const std::string& client = "") {
  plan::System s;
  s.id = id;
  s.tier = plan::Ref{"gold", {}};
  if (!client.empty()) s.client = plan::Ref{client, {}};
  s.backup.paths = {"/srv/" + id};
  for (const std::string& r : repositories) s.backup.repositories.push_back({r, {}});
  return s;
}

// One tier (RPO 15m, no retention, no drills), repositories of every kind, one system "a"
// backing up to the local stormproof repository.
plan::Plan BasePlan() {
  plan::Plan p;
  plan::Tier gold;
  gold.id = "gold";
  gold.rank = 1;
  gold.rpo = Duration::Minutes(15);
  gold.rto = Duration::Hours(1);
  p.tiers.push_back(gold);
  p.repositories = {
      Repo("local", "/srv/repo"),
      Repo("restic", "/srv/restic", plan::RepositoryKind::kRestic),
      Repo("borg", "/srv/borg", plan::RepositoryKind::kBorg),
      Repo("s3", "s3:https://s3.example.com/bucket", plan::RepositoryKind::kStormproof,
           plan::Medium::kObject),
      Repo("nas", "sftp:backup@nas:/volume1/repo"),
      Repo("tape", "/dev/nst0", plan::RepositoryKind::kStormproof, plan::Medium::kTape)};
  p.systems = {System("a", {"local"})};
  p.BuildIndex();
  return p;
}

// Actions as "kind system repository" words, for comparing.
std::vector<std::string> Words(const Decisions& d) {
  std::vector<std::string> out;
  for (const Action& a : d.actions) {
    std::string w = ActionKindName(a.kind);
    if (!a.system.empty()) w += " " + a.system;
    if (!a.repository.empty()) w += " " + a.repository;
    if (a.needs_forget) w += " (if forgets remove)";
    out.push_back(w);
  }
  return out;
}

struct Case {
  std::string name;
  std::function<void(plan::Plan*, Facts*, Selection*)> setup;
  std::vector<std::string> want;
};

void Backed(Facts* f, const std::string& system, const std::string& repo, int64_t ago) {
  f->newest_snapshot_ns[system][repo] = kNow - ago;
}
// The checks and drills of a case that is about something else: all done just now.
void Quiet(plan::Plan* p, Facts* f) {
  for (const plan::RepositorySpec& r : p->repositories) f->last_check_ns[r.id] = kNow;
}

TEST(DecideTest, Table) {
  const std::vector<Case> cases = {
      {"RPO 15m, margin 50%: not due at 7m29s",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         Backed(f, "a", "local", 7 * kMinute + 29 * kSecond);
       },
       {}},
      {"RPO 15m, margin 50%: due at 7m30s",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         Backed(f, "a", "local", 7 * kMinute + 30 * kSecond);
       },
       {"backup a local"}},
      {"margin 0: due only at the RPO",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->run.backup_margin_percent = 0;
         Backed(f, "a", "local", 14 * kMinute);
       },
       {}},
      {"system RPO overrides the tier's",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->systems[0].rpo = Duration::Hours(4);
         Backed(f, "a", "local", 90 * kMinute);
       },
       {}},
      {"never backed up: due",
       [](plan::Plan* p, Facts* f, Selection*) { Quiet(p, f); },
       {"backup a local"}},
      {"each repository on its own",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->repositories.push_back(Repo("second", "/srv/second"));
         p->systems[0].backup.repositories.push_back({"second", {}});
         p->BuildIndex();
         f->last_check_ns["second"] = kNow;
         Backed(f, "a", "local", kMinute);
       },
       {"backup a second"}},
      {"external restic and borg repositories are never backed up",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->systems = {System("r", {"restic", "borg"})};
         p->BuildIndex();
       },
       {}},
      {"no backup paths: nothing to back up",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->systems[0].backup.paths.clear();
       },
       {}},
      {"forget follows the backup when the tier keeps something",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->tiers[0].retention.keep_daily = 7;
         f->last_prune_ns["local"] = kNow - kHour;
       },
       {"backup a local", "forget a local"}},
      {"forget and a conditional prune when never pruned",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->tiers[0].retention.keep_last = 3;
       },
       {"backup a local", "forget a local", "prune local (if forgets remove)"}},
      {"pending prune after a day",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         Backed(f, "a", "local", kMinute);
         f->prune_pending.insert("local");
         f->last_prune_ns["local"] = kNow - 25 * kHour;
       },
       {"prune local"}},
      {"pending prune waits for a day",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         Backed(f, "a", "local", kMinute);
         f->prune_pending.insert("local");
         f->last_prune_ns["local"] = kNow - 23 * kHour;
       },
       {}},
      {"check: never checked",
       [](plan::Plan*, Facts* f, Selection*) { Backed(f, "a", "local", kMinute); },
       {"check local"}},
      {"check: 6 days ago with check_every 1w is not due",
       [](plan::Plan*, Facts* f, Selection*) {
         Backed(f, "a", "local", kMinute);
         f->last_check_ns["local"] = kNow - 6 * kDay;
       },
       {}},
      {"check: 7 days ago is due",
       [](plan::Plan*, Facts* f, Selection*) {
         Backed(f, "a", "local", kMinute);
         f->last_check_ns["local"] = kNow - 7 * kDay;
       },
       {"check local"}},
      {"check only what run writes",
       [](plan::Plan* p, Facts*, Selection*) {
         p->systems = {System("r", {"restic"})};
         p->BuildIndex();
       },
       {}},
      {"drill: never drilled",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         Backed(f, "a", "local", kMinute);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
       },
       {"drill a local"}},
      {"drill: no drill_every, never due",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         Backed(f, "a", "local", kMinute);
       },
       {}},
      {"drill: monthly, Oct 31 -> Nov 30 is due",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         Backed(f, "a", "local", kMinute);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
         f->last_drill_ns["a"] = At(2026, 10, 31);
       },
       {"drill a local"}},
      {"drill: monthly, Oct 31 + 1 minute is not due yet on Nov 30",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         Backed(f, "a", "local", kMinute);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
         f->last_drill_ns["a"] = At(2026, 10, 31, kMinute);
       },
       {}},
      {"drill: quarterly, 3 months less a day is not due",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         Backed(f, "a", "local", kMinute);
         p->tiers[0].drill_every = Cadence(3, Cadence::Unit::kMonth);
         f->last_drill_ns["a"] = At(2026, 9, 1);
       },
       {}},
      {"drill: external repositories are drilled",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kWeek);
         p->systems = {System("r", {"restic"})};
         p->BuildIndex();
       },
       {"drill r restic"}},
      {"drill: nothing a drill can read",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kWeek);
         p->systems = {System("x", {"nas"})};
         p->BuildIndex();
       },
       {}},
      {"drill: a restore command is enough",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kWeek);
         p->systems = {System("x", {"nas"})};
         p->systems[0].restore_command = "cp -a /srv/x \"$STORMPROOF_RESTORE_PATH\"";
         p->BuildIndex();
       },
       {"drill x"}},
      {"drill: rotation takes the copy never drilled, then the one drilled longest ago",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kWeek);
         p->systems = {System("r", {"local", "restic", "nas"})};
         p->BuildIndex();
         Backed(f, "r", "local", kMinute);
         f->last_drill_ns["r"] = At(2026, 11, 1);
         f->last_drill_per_copy["r"]["local"] = At(2026, 11, 1);
       },
       {"drill r restic"}},
      {"drill: rotation, every copy drilled: the oldest",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kWeek);
         p->systems = {System("r", {"local", "restic"})};
         p->BuildIndex();
         Backed(f, "r", "local", kMinute);
         f->last_drill_ns["r"] = At(2026, 11, 1);
         f->last_drill_per_copy["r"]["local"] = At(2026, 11, 1);
         f->last_drill_per_copy["r"]["restic"] = At(2026, 10, 1);
       },
       {"drill r restic"}},
      {"drill: a failed drill is retried after the default drill_retry of 1d",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         Backed(f, "a", "local", kMinute);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
         f->last_drill_ns["a"] = kNow - kDay;
         f->failed_drill["a"] = {kNow - kDay, catalog::Outcome::kFailed, "local", "x"};
       },
       {"drill a local"}},
      {"drill: not before drill_retry has passed",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         Backed(f, "a", "local", kMinute);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
         f->last_drill_ns["a"] = kNow - kDay + kMinute;
         f->failed_drill["a"] = {kNow - kDay + kMinute, catalog::Outcome::kError, "local", "x"};
       },
       {}},
      {"drill: the tier's drill_retry",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         Backed(f, "a", "local", kMinute);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
         p->tiers[0].drill_retry = Duration::Hours(6);
         f->last_drill_ns["a"] = kNow - 6 * kHour;
         f->failed_drill["a"] = {kNow - 6 * kHour, catalog::Outcome::kFailed, "local", "x"};
       },
       {"drill a local"}},
      {"drill: the retry restores from the copy that failed, not the next in rotation",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
         p->systems = {System("r", {"restic", "borg"})};
         p->BuildIndex();
         f->last_drill_ns["r"] = kNow - 2 * kDay;
         f->last_drill_per_copy["r"]["restic"] = kNow - 2 * kDay;
         f->failed_drill["r"] = {kNow - 2 * kDay, catalog::Outcome::kFailed, "restic", "x"};
       },
       {"drill r restic"}},
      {"drill: the failed copy left the system: rotation",
       [](plan::Plan* p, Facts* f, Selection*) {
         Quiet(p, f);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
         p->systems = {System("r", {"borg"})};
         p->BuildIndex();
         f->last_drill_ns["r"] = kNow - 2 * kDay;
         f->failed_drill["r"] = {kNow - 2 * kDay, catalog::Outcome::kFailed, "restic", "x"};
       },
       {"drill r borg"}},
      {"--no-drills",
       [](plan::Plan* p, Facts* f, Selection* s) {
         Quiet(p, f);
         Backed(f, "a", "local", kMinute);
         p->tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
         s->drills = false;
       },
       {}},
      {"--client and --system select",
       [](plan::Plan* p, Facts* f, Selection* s) {
         Quiet(p, f);
         p->systems = {System("a", {"local"}, "acme"), System("b", {"local"}, "acme"),
                       System("c", {"local"}, "other")};
         p->BuildIndex();
         s->client = "acme";
         s->systems = {"b", "c"};
       },
       {"backup b local"}},
      {"--host: only that host's systems; once hosts are named, none without one",
       [](plan::Plan* p, Facts* f, Selection* s) {
         Quiet(p, f);
         p->systems = {System("a", {"local"}), System("b", {"local"}), System("c", {"local"})};
         p->systems[0].host = "host-a";
         p->systems[1].host = "host-b";
         p->BuildIndex();
         s->host = "host-a";
       },
       {"backup a local"}},
      {"--host: a plan that names no host runs every system on any host",
       [](plan::Plan* p, Facts* f, Selection* s) {
         Quiet(p, f);
         p->systems = {System("a", {"local"}), System("b", {"local"})};
         p->BuildIndex();
         s->host = "anywhere";
       },
       {"backup a local", "backup b local"}},
  };
  for (const Case& c : cases) {
    plan::Plan p = BasePlan();
    Facts facts;
    Selection selection;
    c.setup(&p, &facts, &selection);
    EXPECT_EQ(Words(Decide(p, kNow, facts, selection)), c.want) << c.name;
  }
}

TEST(DecideTest, UnsupportedRepositoriesAreSkippedOnceEach) {
  plan::Plan p = BasePlan();
  p.systems = {System("a", {"local", "nas", "tape"}), System("b", {"nas"})};
  p.BuildIndex();
  Decisions d = Decide(p, kNow, Facts{}, Selection{});
  ASSERT_EQ(d.skipped.size(), 2u);
  EXPECT_EQ(d.skipped[0].subject, "repository nas");
  EXPECT_EQ(d.skipped[0].reason,
            "skipped: repository 'nas': repository location 'sftp:backup@nas:/volume1/repo': this "
            "build cannot use sftp: locations (supported: a local path, local:PATH, "
            "s3:https://host/bucket[/prefix])");
  EXPECT_EQ(d.skipped[1].subject, "repository tape");
  EXPECT_EQ(d.skipped[1].reason, "skipped: tape is not supported by this build");
  EXPECT_EQ(Words(d), (std::vector<std::string>{"backup a local", "check local"}));
}

// Object storage is written like a local directory: backed up to and checked.
TEST(DecideTest, S3RepositoriesAreBackedUpTo) {
  plan::Plan p = BasePlan();
  p.systems = {System("a", {"local", "s3"})};
  p.BuildIndex();
  Decisions d = Decide(p, kNow, Facts{}, Selection{});
  EXPECT_TRUE(d.skipped.empty());
  EXPECT_EQ(Words(d),
            (std::vector<std::string>{"backup a local", "backup a s3", "check local", "check s3"}));
}

TEST(DecideTest, ReasonsSayWhy) {
  plan::Plan p = BasePlan();
  p.tiers[0].retention.keep_daily = 7;
  p.tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
  Facts facts;
  Backed(&facts, "a", "local", 8 * kMinute);
  facts.last_check_ns["local"] = kNow - 8 * kDay;
  facts.last_drill_ns["a"] = At(2026, 10, 1);
  Decisions d = Decide(p, kNow, facts, Selection{});
  ASSERT_EQ(d.actions.size(), 5u);
  EXPECT_EQ(d.actions[0].reason, "newest snapshot 8m old, due every 7m30s (RPO 15m, margin 50%)");
  EXPECT_EQ(d.actions[1].reason, "after the backup: keep 7 daily snapshots (tier gold)");
  EXPECT_EQ(d.actions[2].reason,
            "last drill 60d ago; due every 1mo (tier gold); copy local, never drilled");
  EXPECT_EQ(d.actions[3].reason, "if this run's forgets remove snapshots; never pruned");
  EXPECT_EQ(d.actions[4].reason, "last check 8d ago; reading 5% of the data; due every 1w");
}

TEST(DecideTest, BackupNowMakesTheSelectedSystemsBackupsDueWhateverTheirAge) {
  plan::Plan p = BasePlan();
  p.systems = {System("a", {"local"}), System("b", {"local"})};
  p.BuildIndex();
  Facts facts;
  Backed(&facts, "a", "local", kMinute);
  Backed(&facts, "b", "local", kMinute);
  Quiet(&p, &facts);
  EXPECT_TRUE(Decide(p, kNow, facts, Selection{}).actions.empty());
  Selection now;
  now.systems = {"a"};
  now.backup_now = true;
  Decisions d = Decide(p, kNow, facts, now);
  EXPECT_EQ(Words(d), (std::vector<std::string>{"backup a local"}));
  EXPECT_EQ(d.actions[0].reason, "asked for now (--backup-now); newest snapshot 1m old");
}

TEST(DecideTest, RetryReasonSaysWhy) {
  plan::Plan p = BasePlan();
  p.tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
  Facts facts;
  Backed(&facts, "a", "local", kMinute);
  facts.last_check_ns["local"] = kNow;
  facts.last_drill_ns["a"] = kNow - 26 * kHour;
  facts.last_drill_per_copy["a"]["local"] = kNow - 26 * kHour;
  facts.failed_drill["a"] = {kNow - 26 * kHour, catalog::Outcome::kFailed, "local", "x"};
  Decisions d = Decide(p, kNow, facts, Selection{});
  ASSERT_EQ(d.actions.size(), 1u);
  EXPECT_EQ(d.actions[0].reason,
            "last drill failed 1d2h ago from local; retried every 1d until a drill passes (tier "
            "gold drill_retry)");
  facts.failed_drill.clear();  // it passed: back to drill_every
  EXPECT_TRUE(Decide(p, kNow, facts, Selection{}).actions.empty());
}

TEST(DecideTest, BackupInterval) {
  plan::Plan p = BasePlan();
  EXPECT_EQ(BackupInterval(p, p.systems[0]), Duration::Seconds(450));
  p.run.backup_margin_percent = 20;
  EXPECT_EQ(BackupInterval(p, p.systems[0]), Duration::Minutes(12));
  p.tiers[0].rpo.reset();
  p.BuildIndex();
  EXPECT_EQ(BackupInterval(p, p.systems[0]), std::nullopt);
}

TEST(DecideTest, AddCadenceFollowsTheCalendar) {
  EXPECT_EQ(AddCadence(At(2027, 1, 31), Cadence(1, Cadence::Unit::kMonth)), At(2027, 2, 28));
  EXPECT_EQ(AddCadence(At(2026, 11, 30, 5), Cadence(1, Cadence::Unit::kYear)), At(2027, 11, 30, 5));
  EXPECT_EQ(AddCadence(At(2026, 11, 30), Cadence(2, Cadence::Unit::kWeek)), At(2026, 12, 14));
  EXPECT_EQ(AddCadence(-kHour, Cadence(1, Cadence::Unit::kDay)), kDay - kHour);
}

// A copy of "local" (copy_from) at "offsite": the plan's system does not list it.
plan::Plan CopyPlan(std::optional<Duration> copy_every = std::nullopt) {
  plan::Plan p = BasePlan();
  plan::RepositorySpec offsite = Repo("offsite", "/srv/offsite");
  offsite.copy_from = plan::Ref{"local", {}};
  offsite.copy_every = copy_every;
  p.repositories.push_back(offsite);
  p.BuildIndex();
  return p;
}

Decisions DecideQuietly(const plan::Plan& p, Facts f) {
  for (const plan::RepositorySpec& r : p.repositories) f.last_check_ns[r.id] = kNow;
  return Decide(p, kNow, f, {});
}

TEST(DecideCopyTest, NeverCopiedIsCopiedAfterTheBackupWithItsSource) {
  plan::Plan p = CopyPlan();
  Decisions d = Decide(p, kNow, {}, {});
  EXPECT_EQ(Words(d), (std::vector<std::string>{"backup a local", "copy a offsite", "check local",
                                                "check offsite"}));
  EXPECT_EQ(d.actions[1].source, "local");
  EXPECT_EQ(d.actions[1].reason, "never copied from local; copied whenever there is something new");
}

TEST(DecideCopyTest, NothingNewNothingCopied) {
  plan::Plan p = CopyPlan();
  Facts f;
  Backed(&f, "a", "local", 2 * kMinute);
  Backed(&f, "a", "offsite", 2 * kMinute);  // the newest snapshot was copied
  EXPECT_EQ(Words(DecideQuietly(p, f)), std::vector<std::string>{});
  // The source holds a newer snapshot than the copy (a copy failed, or ran on another host).
  Backed(&f, "a", "offsite", 3 * kMinute);
  Decisions d = DecideQuietly(p, f);
  EXPECT_EQ(Words(d), std::vector<std::string>{"copy a offsite"});
  EXPECT_EQ(d.actions[0].reason,
            "local holds a snapshot 1m newer than the newest copied; copied whenever there is "
            "something new");
}

// A copy run that failed (a source snapshot that could not be read, a network error) is tried
// again although the copy already holds the source's newest snapshot.
TEST(DecideCopyTest, AFailedCopyIsCopiedAgainThoughNothingIsNew) {
  plan::Plan p = CopyPlan();
  Facts f;
  Backed(&f, "a", "local", 2 * kMinute);
  Backed(&f, "a", "offsite", 2 * kMinute);
  f.copy_failed["a"] = {"offsite"};
  Decisions d = DecideQuietly(p, f);
  EXPECT_EQ(Words(d), std::vector<std::string>{"copy a offsite"});
  EXPECT_EQ(d.actions[0].reason,
            "the last copy from local failed; copied again until it succeeds; copied whenever "
            "there is something new");
}

TEST(DecideCopyTest, CopyEveryWaitsForItsCadence) {
  plan::Plan p = CopyPlan(Duration::Hours(1));
  Facts f;
  Backed(&f, "a", "local", 8 * kMinute);     // due again (7m30s)
  Backed(&f, "a", "offsite", 40 * kMinute);  // copied earlier
  f.last_copy_ns["a"]["offsite"] = kNow - 40 * kMinute;
  EXPECT_EQ(Words(DecideQuietly(p, f)), std::vector<std::string>{"backup a local"});
  f.last_copy_ns["a"]["offsite"] = kNow - 60 * kMinute;
  Decisions d = DecideQuietly(p, f);
  EXPECT_EQ(Words(d), (std::vector<std::string>{"backup a local", "copy a offsite"}));
  EXPECT_EQ(d.actions[1].reason,
            "this run writes a new snapshot into local; copied every 1h, last 1h ago");
}

TEST(DecideCopyTest, ACopyOfACopyFollowsItsSourceAndRetentionFollowsEachCopy) {
  plan::Plan p = CopyPlan();
  plan::RepositorySpec far = Repo("far", "/srv/far");
  far.copy_from = plan::Ref{"offsite", {}};
  p.repositories.insert(p.repositories.begin(), far);  // written first, copied last
  p.tiers[0].retention.keep_last = 3;
  p.BuildIndex();
  Decisions d = DecideQuietly(p, {});
  EXPECT_EQ(Words(d), (std::vector<std::string>{
                          "backup a local", "forget a local", "copy a offsite", "forget a offsite",
                          "copy a far", "forget a far", "prune far (if forgets remove)",
                          "prune local (if forgets remove)", "prune offsite (if forgets remove)"}));
  EXPECT_EQ(d.actions[4].source, "offsite");
}

TEST(DecideCopyTest, ARepositoryTheSystemBacksUpToIsNotAlsoCopiedInto) {
  plan::Plan p = CopyPlan();
  p.systems[0].backup.repositories.push_back({"offsite", {}});
  p.BuildIndex();
  EXPECT_EQ(Words(DecideQuietly(p, {})),
            (std::vector<std::string>{"backup a local", "backup a offsite"}));
}

TEST(DecideCopyTest, ACopyRunCannotReachIsSkippedWithItsReason) {
  plan::Plan p = CopyPlan();
  p.repositories.back().location = "sftp:backup@far:/repo";
  p.BuildIndex();
  Decisions d = DecideQuietly(p, {});
  EXPECT_EQ(Words(d), std::vector<std::string>{"backup a local"});
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_EQ(d.skipped[0].subject, "repository offsite");
  EXPECT_THAT(d.skipped[0].reason, HasSubstr("this build cannot use sftp: locations"));
}

// A backup host without the copy's maintenance credentials leaves its forget and prune to the
// machine that has them: a skip saying so, not an action that would fail.
TEST(DecideCopyTest, ForgetAndPruneWithoutTheMaintenanceCredentialsHereAreLeftToOthers) {
  plan::Plan p = CopyPlan();
  p.repositories.back().maintenance_credentials_file = "/etc/stormproof/offsite-delete.ini";
  p.tiers[0].retention.keep_last = 3;
  p.BuildIndex();
  Facts f;
  f.maintenance_elsewhere = {"offsite"};
  f.prune_pending = {"offsite"};
  Decisions d = DecideQuietly(p, f);
  EXPECT_EQ(Words(d),
            (std::vector<std::string>{"backup a local", "forget a local", "copy a offsite",
                                      "prune local (if forgets remove)"}));
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_EQ(d.skipped[0].subject, "forget/prune of offsite");
  EXPECT_EQ(d.skipped[0].reason,
            "left to the machine that holds its maintenance credentials "
            "(maintenance_credentials_file /etc/stormproof/offsite-delete.ini is not readable "
            "here)");
}

// The recommended split: the backup host "web1" holds upload-only credentials, the MSP machine
// the copy's maintenance credentials. `run --host msp` keeps the copy's retention whoever backs
// up into it: a prune once a day, and no forget (its policy would read snapshot dates and tags
// that whoever holds the backup hosts' key writes).
TEST(DecideCopyTest, TheMachineWithTheMaintenanceCredentialsKeepsUpkeepWhoeverBacksUp) {
  plan::Plan p = CopyPlan();
  p.repositories.back().maintenance_credentials_file = "/etc/stormproof/offsite-delete.ini";
  p.tiers[0].retention.keep_last = 3;
  p.systems[0].host = "web1";
  p.BuildIndex();
  Facts f;
  Backed(&f, "a", "local", 2 * kMinute);
  Backed(&f, "a", "offsite", 2 * kMinute);
  for (const plan::RepositorySpec& r : p.repositories) f.last_check_ns[r.id] = kNow;
  Selection msp;
  msp.host = "msp";
  Decisions d = Decide(p, kNow, f, msp);
  EXPECT_EQ(Words(d), (std::vector<std::string>{"prune offsite"}));
  EXPECT_EQ(d.actions[0].reason,
            "retention upkeep, due every 1d whoever backs up (retention only: nothing removed); "
            "never pruned");
  // Not a prune: a planted index could make every genuine pack look unused to one.
  EXPECT_TRUE(d.actions[0].retention_only);
  EXPECT_FALSE(d.actions[0].needs_forget);
  f.last_prune_ns["offsite"] = kNow - 2 * kHour;  // done today: not due again
  EXPECT_EQ(Words(Decide(p, kNow, f, msp)), std::vector<std::string>{});
  f.last_prune_ns["offsite"] = kNow - kDay;
  EXPECT_EQ(Words(Decide(p, kNow, f, msp)), std::vector<std::string>{"prune offsite"});
  // Another client's run leaves it alone; the backup host leaves it to the MSP machine.
  Selection other;
  other.client = "someone-else";
  EXPECT_EQ(Words(Decide(p, kNow, f, other)), std::vector<std::string>{});
  f.maintenance_elsewhere = {"offsite"};
  Selection web1;
  web1.host = "web1";
  EXPECT_EQ(Words(Decide(p, kNow, f, web1)), std::vector<std::string>{});
}

// A last prune dated after now (a clock that ran ahead) does not put the upkeep off: due.
TEST(DecideCopyTest, APruneDatedAfterNowDoesNotPutTheUpkeepOff) {
  plan::Plan p = CopyPlan();
  p.repositories.back().maintenance_credentials_file = "/etc/stormproof/offsite-delete.ini";
  p.tiers[0].retention.keep_last = 3;
  p.BuildIndex();
  Facts f;
  Backed(&f, "a", "local", 2 * kMinute);
  Backed(&f, "a", "offsite", 2 * kMinute);
  for (const plan::RepositorySpec& r : p.repositories) f.last_check_ns[r.id] = kNow;
  f.last_prune_ns["offsite"] = kNow + kMinute;
  Selection msp;
  msp.host = "msp";
  Decisions d = Decide(p, kNow, f, msp);
  ASSERT_EQ(Words(d), (std::vector<std::string>{"prune offsite"}));
  EXPECT_EQ(d.actions[0].reason,
            "retention upkeep, due every 1d whoever backs up (retention only: nothing removed); "
            "last prune dated after now");
}

// An object-locked repository this run writes is pruned (its retention extended) once a day
// even when its tier keeps everything, so no forget ever removes a snapshot.
TEST(DecideCopyTest, AnObjectLockedRepositoryIsKeptUpEvenWhenNothingIsForgotten) {
  plan::Plan p = CopyPlan();
  p.repositories.back().object_lock = plan::RepositorySpec::ObjectLock{{}, 30};
  p.BuildIndex();
  Facts f;
  Backed(&f, "a", "local", 2 * kMinute);
  Backed(&f, "a", "offsite", 3 * kMinute);  // a copy is due: the run writes the repository
  Decisions d = DecideQuietly(p, f);
  EXPECT_EQ(Words(d), (std::vector<std::string>{"copy a offsite", "prune offsite"}));
  EXPECT_EQ(d.actions[1].reason,
            "retention upkeep, due every 1d whoever backs up, which extends the Object Lock "
            "retention of the snapshots kept (retention only: nothing removed); never pruned");
  EXPECT_TRUE(d.actions[1].retention_only);
}

// A copy repository takes its turn in the drill rotation once the repository the system backs
// up into was drilled, and a failed drill of it is retried from it, not from the next copy.
TEST(DecideCopyTest, DrillsRotateIntoTheCopyAndRetryFromIt) {
  plan::Plan p = CopyPlan();
  p.tiers[0].drill_every = Cadence(1, Cadence::Unit::kWeek);
  p.BuildIndex();
  Facts f;
  Backed(&f, "a", "local", kMinute);
  Backed(&f, "a", "offsite", kMinute);
  f.last_drill_ns["a"] = At(2026, 11, 1);
  f.last_drill_per_copy["a"]["local"] = At(2026, 11, 1);
  Decisions d = DecideQuietly(p, f);
  EXPECT_EQ(Words(d), std::vector<std::string>{"drill a offsite"});
  ASSERT_EQ(d.actions.size(), 1u);
  EXPECT_THAT(d.actions[0].reason, HasSubstr("copy offsite, never drilled"));
  f.last_drill_ns["a"] = kNow - 2 * kDay;
  f.last_drill_per_copy["a"]["offsite"] = kNow - 2 * kDay;
  f.failed_drill["a"] = {kNow - 2 * kDay, catalog::Outcome::kFailed, "offsite", "x"};
  EXPECT_EQ(Words(DecideQuietly(p, f)), std::vector<std::string>{"drill a offsite"});
}

// The immutability proof (kImmutability) of an s3: repository claimed immutable, on the check
// cadence: a local repository claimed immutable cannot be proven and is skipped with a note.
class DecideImmutabilityTest : public ::testing::Test {
 protected:
  DecideImmutabilityTest() {
    plan_ = BasePlan();
    plan_.systems = {System("a", {"local", "s3"})};
    plan_.BuildIndex();
    for (const plan::RepositorySpec& r : plan_.repositories) facts_.last_check_ns[r.id] = kNow;
    facts_.newest_snapshot_ns["a"] = {{"local", kNow}, {"s3", kNow}};
  }
  plan::RepositorySpec& Spec(const std::string& id) {
    for (plan::RepositorySpec& r : plan_.repositories) {
      if (r.id == id) return r;
    }
    throw std::logic_error(id);
  }
  Decisions Run() {
    plan_.BuildIndex();
    return Decide(plan_, kNow, facts_, Selection{});
  }
  plan::Plan plan_;
  Facts facts_;
};

TEST_F(DecideImmutabilityTest, NotClaimedNotProven) {
  EXPECT_EQ(Words(Run()), std::vector<std::string>{});
}

TEST_F(DecideImmutabilityTest, ClaimedAndNeverProvenIsDue) {
  Spec("s3").immutable = true;
  Decisions d = Run();
  ASSERT_EQ(Words(d), (std::vector<std::string>{"immutability s3"}));
  EXPECT_EQ(d.actions[0].reason,
            "never proven; due every 1w (run.check_every); the plan calls it immutable");
}

TEST_F(DecideImmutabilityTest, AnObjectLockIsAClaimToo) {
  Spec("s3").object_lock = plan::RepositorySpec::ObjectLock{};
  facts_.last_prune_ns["s3"] = kNow - kHour;  // its retention upkeep is not due
  EXPECT_EQ(Words(Run()), (std::vector<std::string>{"immutability s3"}));
}

// A recent proof made with other credentials than the backup hosts' (or of another location)
// puts nothing off: the proof that counts is due now.
TEST_F(DecideImmutabilityTest, AProofThatDoesNotCountPutsNothingOff) {
  Spec("s3").immutable = true;
  facts_.last_proof["s3"] = {kNow - kDay, true, false};
  Decisions d = Run();
  ASSERT_EQ(Words(d), (std::vector<std::string>{"immutability s3"}));
  EXPECT_EQ(d.actions[0].reason,
            "no proof with the backup hosts' credentials at its location now; due every 1w "
            "(run.check_every); the plan calls it immutable");
}

TEST_F(DecideImmutabilityTest, ProvenWithinTheCheckCadenceIsNotDue) {
  Spec("s3").immutable = true;
  facts_.last_proof["s3"] = {kNow - 6 * kDay, true};
  EXPECT_EQ(Words(Run()), std::vector<std::string>{});
  facts_.last_proof["s3"] = {kNow - 7 * kDay, true};
  Decisions d = Run();
  ASSERT_EQ(Words(d), (std::vector<std::string>{"immutability s3"}));
  EXPECT_EQ(d.actions[0].reason,
            "last proof 7d ago; due every 1w (run.check_every); the plan calls it immutable");
}

// A proof counts only before the day of the earliest retention it sampled, within the cadence
// or not: from that day on it is due again.
TEST_F(DecideImmutabilityTest, AProofLapsesWithTheEarliestRetentionItSampled) {
  Spec("s3").immutable = true;
  const int64_t today = StartOfDayNs(UtcDateOf(kNow));
  facts_.last_proof["s3"] = {kNow - 2 * kDay, true, true, today + kDay};
  EXPECT_EQ(Words(Run()), std::vector<std::string>{});
  facts_.last_proof["s3"] = {kNow - 2 * kDay, true, true, today};
  Decisions d = Run();
  ASSERT_EQ(Words(d), (std::vector<std::string>{"immutability s3"}));
  EXPECT_EQ(d.actions[0].reason,
            "last proof 2d ago, lapsed: the earliest retention it sampled ended " +
                UtcDateOf(kNow).ToString() +
                "; due every 1w (run.check_every); the plan calls it immutable");
}

// A repository whose config recorded Object Lock at an earlier proof (check --immutability)
// stays proven on the cadence, whatever the plan says.
TEST_F(DecideImmutabilityTest, ObjectLockFoundAtAnEarlierProofKeepsItProven) {
  facts_.last_proof["s3"] = {kNow - 8 * kDay, true};
  EXPECT_EQ(Words(Run()), (std::vector<std::string>{"immutability s3"}));
  facts_.last_proof["s3"] = {kNow - 8 * kDay, false};
  EXPECT_EQ(Words(Run()), std::vector<std::string>{});
}

TEST_F(DecideImmutabilityTest, ALocalRepositoryCannotBeProvenAndIsSkippedWithANote) {
  Spec("local").immutable = true;
  Decisions d = Run();
  EXPECT_EQ(Words(d), std::vector<std::string>{});
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_EQ(d.skipped[0].subject, "immutability of local");
  EXPECT_THAT(d.skipped[0].reason, ::testing::HasSubstr("a local directory has no Object Lock"));
}

}  // namespace
}  // namespace stormproof::runner
