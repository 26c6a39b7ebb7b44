// stormproof run's execution on real repositories, a real catalog and real files, with a clock
// that can be moved forward.
#include "continuity/runner/run.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <thread>

#include "continuity/runner/facts.h"
#include "continuity/runner/internal/jobs.h"
#include "core/time.h"
#include "engine/backend/backend.h"
#include "engine/repository/repository.h"
#include "tests/continuity/runner/run_fixture.h"
#include "tests/matchers.h"

namespace stormproof::runner {
namespace {

namespace fs = std::filesystem;
using testing::kMinute;
using testing::Pass;

// Two systems, "a" and "b", of one client, backed up to one stormproof repository; the world is
// staged under <dir>/root (plan paths /srv/a, /srv/b, /srv/repo).
class RunTest : public testing::RunFixture {
 protected:
  void SetUp() override {
    StageWorld("stormproof-run", {});
    Write("root/srv/a/sub/notes.txt", "hello\n");
  }

  // The recommended split: both systems back up from the host web1, which cannot read the
  // maintenance credentials; the first run there backs up and checks.
  void BackUpFromAHostWithoutTheMaintenanceCredentials() {
    for (plan::System& system : plan_.systems) system.host = "web1";
    plan_.repositories[0].maintenance_credentials_file = (dir_ / "not-on-this-host").string();
    plan_.BuildIndex();
    selection_.host = "web1";
    EXPECT_EQ(Run().Words(),
              (std::vector<std::string>{"backup a ok", "backup b ok", "check local ok"}));
  }
  // From then on `run --host msp`, on the machine that can read them.
  void RunOnTheMachineWithTheMaintenanceCredentials() {
    plan_.repositories[0].maintenance_credentials_file = (dir_ / "password").string();
    plan_.BuildIndex();
    selection_.host = "msp";
  }
};

TEST_F(RunTest, FirstRunBacksUpEverySystemAndRecordsIt) {
  Pass pass = Run();
  EXPECT_EQ(pass.Words(),
            (std::vector<std::string>{"backup a ok", "backup b ok", "check local ok"}));
  EXPECT_TRUE(pass.breaches.empty()) << pass.breaches.front();

  std::vector<catalog::Run> backups = Recorded(catalog::RunKind::kBackup);
  ASSERT_EQ(backups.size(), 2u);
  std::vector<repository::Snapshot> snapshots = Snapshots();
  ASSERT_EQ(snapshots.size(), 2u);
  for (const catalog::Run& run : backups) {
    EXPECT_EQ(run.client, "acme");
    EXPECT_EQ(run.repository, "local");
    EXPECT_EQ(run.outcome, catalog::Outcome::kOk);
    EXPECT_GT(run.finished_ns, run.started_ns - 1);
    auto snapshot = std::find_if(snapshots.begin(), snapshots.end(),
                                 [&](const auto& s) { return s.id.Hex() == run.snapshot_id; });
    ASSERT_NE(snapshot, snapshots.end()) << run.snapshot_id;
    EXPECT_EQ(snapshot->time_ns, run.snapshot_time_ns);
    EXPECT_EQ(snapshot->tags.at("system"), run.system);
    EXPECT_EQ(snapshot->tags.at("client"), "acme");
    EXPECT_EQ(snapshot->tags.at("root"), (dir_ / "root").string());
    EXPECT_EQ(snapshot->paths, std::vector<std::string>{(dir_ / "root/srv" / run.system).string()});
    uint64_t bytes = 0;  // every file's bytes
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "root/srv" / run.system)) {
      if (e.is_regular_file()) bytes += e.file_size();
    }
    EXPECT_EQ(run.bytes, bytes) << run.system;
    EXPECT_EQ(run.files, run.system == "a" ? 2u : 1u);
  }
  std::vector<catalog::Run> checks = Recorded(catalog::RunKind::kCheck);
  ASSERT_EQ(checks.size(), 1u);
  // How much data it read, so that status can count it as a verification of that copy.
  EXPECT_THAT(checks[0].details, HasSubstr("\"read_data_percent\":5")) << checks[0].details;
}

TEST_F(RunTest, NothingIsDueRightAfterARunAndBackupsAreDueAgainLater) {
  ASSERT_EQ(Run().results.size(), 3u);
  Pass again = Run();
  EXPECT_TRUE(again.decisions.actions.empty());
  EXPECT_TRUE(again.breaches.empty());

  offset_ = 7 * kMinute;  // under the backup interval (7m30s) from the snapshots
  EXPECT_TRUE(Run().decisions.actions.empty());

  offset_ = 8 * kMinute;
  Pass later = Run();
  EXPECT_EQ(later.Words(), (std::vector<std::string>{"backup a ok", "backup b ok"}));
  EXPECT_EQ(Snapshots().size(), 4u);
  EXPECT_EQ(Recorded(catalog::RunKind::kBackup).size(), 4u);
}

TEST_F(RunTest, OneFailingSystemDoesNotStopTheOther) {
  fs::remove_all(dir_ / "root/srv/b");
  Pass pass = Run();
  EXPECT_EQ(pass.Words(),
            (std::vector<std::string>{"backup a ok", "backup b error", "check local ok"}));
  ASSERT_EQ(pass.breaches.size(), 2u);
  EXPECT_EQ(pass.breaches[0].rfind("backup of b to local error: ", 0), 0u) << pass.breaches[0];
  EXPECT_EQ(pass.breaches[1], "system b: no snapshot; RPO 15m");

  catalog::RunQuery query;
  query.kind = catalog::RunKind::kBackup;
  query.system = "b";
  auto failed = catalog_->LastRun(query);
  ASSERT_TRUE(failed && *failed);
  EXPECT_EQ((*failed)->outcome, catalog::Outcome::kError);
  EXPECT_FALSE((*failed)->error.empty());
  EXPECT_EQ(Snapshots().size(), 1u);
  // The failed backup is not a backup: b is due again at once.
  Write("root/srv/b/db.dump", "back\n");
  EXPECT_EQ(Run().Words(), std::vector<std::string>{"backup b ok"});
}

TEST_F(RunTest, AMissingRepositoryIsCreatedOnlyWithInit) {
  options_.missing = MissingRepository::kFail;
  Pass pass = Run();
  EXPECT_EQ(pass.Words(),
            (std::vector<std::string>{"backup a error", "backup b error", "check local error"}));
  EXPECT_THAT(pass.results[0].run.error, HasSubstr("stormproof run --init"))
      << pass.results[0].run.error;
  EXPECT_FALSE(fs::exists(dir_ / "root/srv/repo"));
}

// Issue 11: two `run --init` at once made the second fail with "not a stormproof repository (no
// config)": it opened the directory the first was still creating.
TEST_F(RunTest, TwoRunsCreatingTheRepositoryAtOnceBothOpenTheSameOne) {
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    fs::remove_all(dir_ / "root/srv/repo");
    internal::OpenRepositories first(plan_, options_), second(plan_, options_);
    std::optional<Result<internal::OpenRepositories::Entry*>> a, b;
    std::thread other([&] { a = first.Get("local"); });
    b = second.Get("local");
    other.join();
    ASSERT_TRUE(*a) << a->error().message();
    ASSERT_TRUE(*b) << b->error().message();
    EXPECT_EQ((**a)->repo->id(), (**b)->repo->id());
    size_t keys = 0;
    for (const auto& e : fs::directory_iterator(dir_ / "root/srv/repo/keys")) keys += e.exists();
    EXPECT_EQ(keys, 1u) << "the losing creator's key is removed";
  }
}

TEST_F(RunTest, RetentionForgetsThisSystemsSnapshotsAndPrunes) {
  plan_.tiers[0].retention.keep_last = 1;
  plan_.BuildIndex();
  EXPECT_EQ(Run().Words(), (std::vector<std::string>{"backup a ok", "backup b ok", "check local ok",
                                                     "forget a ok", "forget b ok"}));
  offset_ = 8 * kMinute;
  Write("root/srv/a/ledger.csv", "date,amount\n2026-11-30,99.00\n");
  Pass pass = Run();
  EXPECT_EQ(pass.Words(), (std::vector<std::string>{"backup a ok", "backup b ok", "forget a ok",
                                                    "forget b ok", "prune local ok"}));
  std::vector<repository::Snapshot> snapshots = Snapshots();
  ASSERT_EQ(snapshots.size(), 2u);
  EXPECT_NE(snapshots[0].tags.at("system"), snapshots[1].tags.at("system"));
  std::vector<catalog::Run> forgets = Recorded(catalog::RunKind::kForget);
  ASSERT_EQ(forgets.size(), 4u);
  EXPECT_EQ(forgets[0].files + forgets[1].files, 2u);  // the newest two removed one each

  // Pruned less than a day ago: the next removal waits.
  offset_ = 16 * kMinute;
  EXPECT_EQ(Run().Words(),
            (std::vector<std::string>{"backup a ok", "backup b ok", "forget a ok", "forget b ok"}));
}

// Ransomware on system a (issue 16): its backup is judged infected against its own earlier
// backups, recorded with a warning and the verdict, and breaches the run; a touched canary from
// the plan does it alone, for system b.
TEST_F(RunTest, AnInfectedBackupIsABreachWithItsVerdictRecorded) {
  auto document = [](int i, int day) {
    std::string text;
    while (text.size() < 9000) {
      text += "invoice " + std::to_string(i) + " day " + std::to_string(day) + ", paid in full\n";
    }
    return text;
  };
  auto name = [](int i) {
    return "root/srv/a/d" + std::to_string(i % 4) + "/f" + std::to_string(i) + ".txt";
  };
  for (int i = 0; i < 20; ++i) Write(name(i), document(i, 0));
  Write("root/srv/b/!Budget.xlsx", "decoy\n");
  plan_.systems[1].backup.canaries = {"/srv/b/!Budget.xlsx"};
  plan_.BuildIndex();
  for (int day = 1; day <= 3; ++day) {
    offset_ = day * 8 * kMinute;
    Write(name(0), document(0, day));
    Pass pass = Run();
    for (const char* system : {"a", "b"}) {
      const ActionResult* backup = pass.Find(ActionKind::kBackup, system);
      ASSERT_NE(backup, nullptr) << system << " on day " << day;
      ASSERT_EQ(backup->alarm, "") << system << " on day " << day;
    }
  }
  std::mt19937_64 random(3);
  for (int i = 0; i < 20; ++i) {
    std::string bytes(9000, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    Write(name(i), bytes);
  }
  Write("root/srv/b/!Budget.xlsx", "decoy, encrypted\n");
  offset_ = 4 * 8 * kMinute;
  plan_.tiers[0].retention.keep_last = 1;  // would leave only the infected snapshot
  plan_.BuildIndex();
  Pass pass = Run();
  for (const char* system : {"a", "b"}) {
    SCOPED_TRACE(system);
    const ActionResult* backup = pass.Find(ActionKind::kBackup, system);
    ASSERT_NE(backup, nullptr);
    EXPECT_EQ(backup->run.outcome, catalog::Outcome::kWarning);
    EXPECT_THAT(backup->alarm, HasSubstr(" infected (score "));
    EXPECT_THAT(backup->run.error, HasSubstr(backup->alarm));
    nlohmann::json details = nlohmann::json::parse(backup->run.details, nullptr, false);
    ASSERT_TRUE(details.is_object()) << backup->run.details;
    EXPECT_EQ(details["verdict"]["level"], "infected") << backup->run.details;
    EXPECT_THAT(pass.breaches, ::testing::Contains(HasSubstr("backup of " + std::string(system) +
                                                             " to local: snapshot ")));
  }
  EXPECT_THAT(pass.Find(ActionKind::kBackup, "b")->alarm, HasSubstr("Budget.xlsx"));
  // The backup held the three clean snapshots before the attack and the infected one itself;
  // the forget after it kept them whatever its policy, and recorded the standing holds for
  // status and the report.
  for (const char* system : {"a", "b"}) {
    SCOPED_TRACE(system);
    nlohmann::json backup =
        nlohmann::json::parse(pass.Find(ActionKind::kBackup, system)->run.details);
    ASSERT_EQ(backup["marks"].size(), 4u) << backup.dump();
    EXPECT_EQ(backup["marks"][0]["kind"], "hold");
    const ActionResult* forget = pass.Find(ActionKind::kForget, system);
    ASSERT_NE(forget, nullptr);
    EXPECT_EQ(forget->run.outcome, catalog::Outcome::kOk) << forget->run.error;
    nlohmann::json details = nlohmann::json::parse(forget->run.details);
    EXPECT_EQ(details["removed"], 0) << forget->run.details;
    EXPECT_EQ(details["holds_placed"], 0) << "the backup placed them";
    EXPECT_EQ(details["marks"]["holds"].size(), 4u) << forget->run.details;
  }
  EXPECT_EQ(Snapshots().size(), 8u);
}

// The recommended split: the backup host web1 cannot read the maintenance credentials, so it
// backs up only; `run --host msp` on the machine that can read them prunes the repository
// although it backed up nothing itself (retention upkeep, recorded as a run). It forgets
// nothing: what a forget keeps is decided by snapshot dates the backup hosts write.
TEST_F(RunTest, TheMachineWithTheMaintenanceCredentialsKeepsUpkeepWhoeverBacksUp) {
  plan_.tiers[0].retention.keep_last = 1;
  BackUpFromAHostWithoutTheMaintenanceCredentials();
  offset_ = 8 * kMinute;
  Write("root/srv/a/ledger.csv", "date,amount\n2026-11-30,99.00\n");
  EXPECT_EQ(Run().Words(), (std::vector<std::string>{"backup a ok", "backup b ok"}));
  ASSERT_EQ(Snapshots().size(), 4u);

  RunOnTheMachineWithTheMaintenanceCredentials();
  offset_ = 9 * kMinute;
  EXPECT_EQ(Run().Words(), std::vector<std::string>{"prune local ok"});
  EXPECT_EQ(Snapshots().size(), 4u);
  ASSERT_EQ(Recorded(catalog::RunKind::kPrune).size(), 1u);
  // Retention only: a prune would trust an index the backup hosts write.
  EXPECT_THAT(Recorded(catalog::RunKind::kPrune).front().details,
              HasSubstr("\"retention_only\":true"));
  offset_ = 10 * kMinute;  // kept up within the day: nothing more to do
  EXPECT_EQ(Run().Words(), std::vector<std::string>{});
}

// A prune a backup host reports in its evidence (imported: any backup host could forge one
// every day) does not put off the upkeep on the machine with the maintenance credentials.
TEST_F(RunTest, UpkeepIgnoresPrunesImportedFromHostsEvidence) {
  BackUpFromAHostWithoutTheMaintenanceCredentials();
  catalog::ImportedRecord forged;
  forged.run.kind = catalog::RunKind::kPrune;
  forged.run.repository = "local";
  forged.run.host = "web1";
  forged.run.started_ns = forged.run.finished_ns = clock_.now_ns();
  forged.run.record_id = "0123456789abcdef0123456789abcdef";
  ASSERT_THAT(catalog_->ImportRecords("local", "evidence-1", {forged}, clock_.now_ns()), IsOk());

  RunOnTheMachineWithTheMaintenanceCredentials();
  offset_ = kMinute;
  EXPECT_EQ(Run().Words(), std::vector<std::string>{"prune local ok"});
}

// An own prune dated in the future (this clock ran ahead, or a record imported before catalog
// v6, which reads as own) does not put off the upkeep: it is looked past, and the genuine
// prune the upkeep then runs puts it off for the day.
TEST_F(RunTest, UpkeepIsDueDespiteAnOwnPruneDatedInTheFuture) {
  BackUpFromAHostWithoutTheMaintenanceCredentials();
  catalog::Run ahead;
  ahead.kind = catalog::RunKind::kPrune;
  ahead.repository = "local";
  ahead.outcome = catalog::Outcome::kOk;
  ahead.started_ns = ahead.finished_ns = clock_.now_ns() + 365 * kNsPerDay;
  ASSERT_THAT(catalog_->AddRun(ahead), IsOk());

  RunOnTheMachineWithTheMaintenanceCredentials();
  offset_ = kMinute;
  EXPECT_EQ(Run().Words(), std::vector<std::string>{"prune local ok"});
  offset_ = 2 * kMinute;  // kept up within the day: nothing more to do
  EXPECT_EQ(Run().Words(), std::vector<std::string>{});
}

// The forget guard's normal turnover counts this machine's own backups since its last forget,
// dated no later than kOwnRunsAheadAllowed after now: runs dated further ahead (forged before
// catalog v6, or a clock that ran ahead) add nothing, and a forget dated so does not hide the
// backups since the real one.
TEST_F(RunTest, OwnRunsDatedInTheFutureRaiseNoForgetAllowance) {
  const int64_t now = clock_.now_ns();
  auto add = [&](catalog::RunKind kind, int64_t started_ns, const std::string& snapshot) {
    catalog::Run run;
    run.kind = kind;
    run.system = "a";
    run.repository = "local";
    run.outcome = catalog::Outcome::kOk;
    run.started_ns = run.finished_ns = started_ns;
    run.snapshot_id = snapshot;
    run.snapshot_time_ns = snapshot.empty() ? 0 : started_ns;
    ASSERT_THAT(catalog_->AddRun(run), IsOk());
  };
  add(catalog::RunKind::kBackup, now - 60 * kMinute, std::string(64, 'a'));
  add(catalog::RunKind::kBackup, now + 10 * kMinute, std::string(64, 'b'));  // within the skew
  add(catalog::RunKind::kBackup, now + kNsPerDay, std::string(64, 'c'));
  add(catalog::RunKind::kBackup, now + 365 * kNsPerDay, std::string(64, 'd'));
  add(catalog::RunKind::kForget, now + 30 * kNsPerDay, "");
  auto added = OwnAdditionsSinceLastForget(plan_, *catalog_, "a", "local", now);
  ASSERT_THAT(added, IsOk());
  EXPECT_EQ(added->snapshots, 2u);
  EXPECT_EQ(added->last_forget_ns, std::nullopt);
}

// A maintenance_credentials_file that is on this machine but cannot be read is not taken for
// another machine's (whose absence only skips the maintenance): a breach naming the file and
// what is wrong, every run until it is fixed.
TEST_F(RunTest, AMaintenanceCredentialsFileHereThatCannotBeReadIsABreach) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"loop", "Too many levels of symbolic links"},  // unreadable even to root
      {"folder", "is a directory"}};
  fs::create_symlink(dir_ / "loop", dir_ / "loop");
  fs::create_directories(dir_ / "folder");
  if (::geteuid() != 0) {  // root reads whatever the permissions say
    Write("locked.ini", "[default]\n");
    fs::permissions(dir_ / "locked.ini", fs::perms::none);
    cases.push_back({"locked.ini", "Permission denied"});
  }
  for (const auto& [name, why] : cases) {
    plan_.repositories[0].maintenance_credentials_file = (dir_ / name).string();
    plan_.BuildIndex();
    Pass pass = Run();
    EXPECT_THAT(pass.breaches, ::testing::Contains(AllOf(
                                   HasSubstr("repository local: maintenance_credentials_file " +
                                             (dir_ / name).string() + ": "),
                                   HasSubstr(why))))
        << name;
  }
}

// For an s3: repository the file must also read as credentials: a malformed one is a breach too.
TEST_F(RunTest, AMalformedMaintenanceCredentialsFileIsABreach) {
  plan::RepositorySpec cloud;
  cloud.id = "cloud";
  cloud.location = "s3:https://s3.example.com/backups/acme";
  cloud.medium = plan::Medium::kObject;
  cloud.maintenance_credentials_file = (dir_ / "maintenance.ini").string();
  Write("maintenance.ini", "not a credentials file\n");
  plan_.repositories.push_back(cloud);
  plan_.BuildIndex();
  Pass pass = Run();
  EXPECT_THAT(pass.breaches,
              ::testing::Contains(HasSubstr("repository cloud: maintenance_credentials_file " +
                                            (dir_ / "maintenance.ini").string())));
}

TEST_F(RunTest, SelectionLimitsTheWork) {
  selection_.systems = {"b"};
  EXPECT_EQ(Run().Words(), (std::vector<std::string>{"backup b ok", "check local ok"}));
  ASSERT_EQ(Snapshots().size(), 1u);
  EXPECT_EQ(Snapshots()[0].tags.at("system"), "b");
}

TEST_F(RunTest, DueDrillIsRunRecordedAndReported) {
  plan_.tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
  plan_.systems[0].verify_command = "grep -q 12.50 \"$STORMPROOF_RESTORE_PATH/srv/a/ledger.csv\"";
  plan_.BuildIndex();
  selection_.systems = {"a"};
  Pass pass = Run();
  EXPECT_EQ(pass.Words(),
            (std::vector<std::string>{"backup a ok", "check local ok", "drill a ok"}));
  auto drills = catalog_->Drills({});
  ASSERT_TRUE(drills);
  ASSERT_EQ(drills->size(), 1u);
  EXPECT_EQ(drills->front().drill.adapter, "stormproof");
  EXPECT_FALSE(drills->front().drill.report_path.empty());
  EXPECT_TRUE(fs::exists(drills->front().drill.report_path));
  // Drilled: not due again until next month.
  offset_ = 8 * kMinute;
  EXPECT_EQ(Run().Words(), std::vector<std::string>{"backup a ok"});
}

TEST_F(RunTest, ADrillWaitsWhileTheSystemsBackupFails) {
  plan_.tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
  plan_.BuildIndex();
  selection_.systems = {"b"};
  fs::remove_all(dir_ / "root/srv/b");
  EXPECT_EQ(Run().Words(), (std::vector<std::string>{"backup b error", "check local ok"}));
  Write("root/srv/b/db.dump", "back\n");
  // No verify command: the drill passes with warnings.
  EXPECT_EQ(Run().Words(), (std::vector<std::string>{"backup b ok", "drill b warning"}));
}

// A failed drill is a breach on every run until a drill passes (as `status` judges it), and is
// retried from the same copy once the tier's drill_retry has passed.
TEST_F(RunTest, AFailedDrillIsABreachUntilARetryPasses) {
  plan_.tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
  plan_.tiers[0].drill_retry = Duration::Minutes(5);
  plan_.systems[0].verify_command = "echo ledger is empty >&2; exit 1";
  plan_.BuildIndex();
  selection_.systems = {"a"};
  Pass first = Run();
  EXPECT_EQ(first.Words(),
            (std::vector<std::string>{"backup a ok", "check local ok", "drill a failed"}));
  ASSERT_EQ(first.breaches.size(), 1u);
  EXPECT_EQ(first.breaches[0].rfind("drill of a failed: verify application: ", 0), 0u)
      << first.breaches[0];

  offset_ = 4 * kMinute;  // nothing due: the retry waits 5 minutes
  Pass quiet = Run();
  EXPECT_TRUE(quiet.results.empty());
  ASSERT_EQ(quiet.breaches.size(), 1u) << "a failed drill is not 'all objectives met'";
  const std::string& breach = quiet.breaches[0];
  EXPECT_EQ(breach.rfind("system a: last drill failed 4m", 0), 0u) << breach;
  EXPECT_THAT(breach,
              HasSubstr(" ago from local: verify application: verify command exited with status "
                        "1: ledger is empty; a breach until a drill passes (retried in "))
      << breach;

  plan_.systems[0].verify_command = "grep -q 12.50 \"$STORMPROOF_RESTORE_PATH/srv/a/ledger.csv\"";
  offset_ = 8 * kMinute;
  Pass retried = Run();
  EXPECT_EQ(retried.Words(), (std::vector<std::string>{"backup a ok", "drill a ok"}));
  EXPECT_TRUE(retried.breaches.empty()) << retried.breaches[0];
  auto drills = catalog_->Drills({});
  ASSERT_TRUE(drills);
  ASSERT_EQ(drills->size(), 2u);
  EXPECT_EQ(drills->front().run.repository, "local") << "every drill records its copy";
  EXPECT_EQ(drills->back().run.repository, "local");
}

// A drill stopped by SIGTERM (systemctl stop) proves nothing: it is no breach, and the drill is
// due again at the next run rather than after drill_retry or drill_every.
TEST_F(RunTest, AnInterruptedDrillIsDueAgainAndNoBreach) {
  plan_.tiers[0].drill_every = Cadence(1, Cadence::Unit::kMonth);
  plan_.tiers[0].drill_retry = Duration::Hours(1);
  plan_.systems[0].verify_command = "true";
  plan_.BuildIndex();
  selection_.systems = {"a"};
  catalog::Run stopped;
  stopped.system = "a";
  stopped.client = "acme";
  stopped.repository = "local";
  stopped.started_ns = clock_.now_ns() - kMinute;
  stopped.finished_ns = clock_.now_ns() - kMinute / 2;
  stopped.outcome = catalog::Outcome::kError;
  stopped.error = "interrupted by SIGTERM";
  catalog::Drill drill;
  drill.adapter = "stormproof";
  ASSERT_THAT(catalog_->AddDrill(stopped, drill), IsOk());
  Pass pass = Run();
  EXPECT_EQ(pass.Words(),
            (std::vector<std::string>{"backup a ok", "check local ok", "drill a ok"}));
  EXPECT_TRUE(pass.breaches.empty()) << pass.breaches[0];
}

TEST_F(RunTest, FactsWithoutACatalogSayNothingWasDone) {
  std::vector<std::string> notes;
  auto facts = GatherFacts(plan_, nullptr, options_.access, selection_, clock_.now_ns(), &notes);
  ASSERT_TRUE(facts) << facts.error().message();
  Decisions d = Decide(plan_, clock_.now_ns(), *facts, selection_);
  EXPECT_EQ(d.actions.size(), 3u);  // backup a, backup b, check local
  EXPECT_TRUE(notes.empty());
}

}  // namespace
}  // namespace stormproof::runner

namespace stormproof::runner {
namespace {

TEST_F(RunTest, ASystemOnlyInRepositoriesThisBuildCannotReadIsABreach) {
  plan::RepositorySpec cloud;
  cloud.id = "cloud";
  cloud.location = "b2:bucket:/repo";
  cloud.medium = plan::Medium::kObject;
  plan_.repositories.push_back(cloud);
  plan_.systems[1].backup.repositories = {{"cloud", {}}};  // b: only where this build cannot go
  plan_.BuildIndex();
  Pass pass = Run();
  ASSERT_EQ(pass.breaches.size(), 1u);
  EXPECT_EQ(pass.breaches[0],
            "system b: no restore point in a repository this build can read (only local paths "
            "and s3: object storage are; not tape, sftp:, b2: ...); RPO 15m");
}

}  // namespace
}  // namespace stormproof::runner
