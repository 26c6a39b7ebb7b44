// `run` copying into a plan repository with copy_from (copy_job.cc), on real local repositories,
// a real catalog and real files, with a clock that can be moved forward.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "continuity/runner/facts.h"
#include "continuity/runner/internal/jobs.h"
#include "continuity/runner/run.h"
#include "engine/backend/backend.h"
#include "engine/repository/repository.h"
#include "tests/matchers.h"

namespace stormproof::runner {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kMinute = 60'000'000'000;

int64_t RealNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Pass {
  Decisions decisions;
  std::vector<ActionResult> results;
  std::vector<std::string> breaches;

  // "kind system-or-repository outcome", sorted.
  std::vector<std::string> Words() const {
    std::vector<std::string> out;
    for (const ActionResult& r : results) {
      out.push_back(std::string(ActionKindName(r.action.kind)) + " " +
                    (r.action.system.empty() ? r.action.repository : r.action.system) + " " +
                    catalog::OutcomeName(r.run.outcome));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  const ActionResult* Find(ActionKind kind, const std::string& system) const {
    for (const ActionResult& r : results) {
      if (r.action.kind == kind && r.action.system == system) return &r;
    }
    return nullptr;
  }
};

// Systems "a" and "b" backed up to "local" (/srv/repo), which "offsite" (/srv/offsite) is a
// copy of; the world is staged under <dir>/root.
class CopyJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("STORMPROOF_KDF_TEST", "1", 1);
    dir_ = fs::temp_directory_path() /
           ("stormproof-copy-job-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Write("root/srv/a/ledger.csv", "date,amount\n2026-11-30,12.50\n");
    Write("root/srv/b/db.dump", std::string(100000, 'x'));
    Write("password", "correct horse\n");
    options_.access.root = (dir_ / "root").string();
    options_.access.password_file = (dir_ / "password").string();
    options_.missing = MissingRepository::kCreate;
    clock_.now_ns = [this] { return RealNow() + offset_.load(); };
    clock_.monotonic_ns = [] { return RealNow(); };
    MakePlan();
    auto opened = catalog::Catalog::Open((dir_ / "catalog.db").string());
    ASSERT_TRUE(opened) << opened.error().message();
    catalog_ = std::move(opened).value();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }

  void MakePlan() {
    plan::Tier tier;
    tier.id = "gold";
    tier.rank = 2;
    tier.rpo = Duration::Minutes(15);
    tier.rto = Duration::Hours(1);
    plan_.tiers = {tier};
    plan::RepositorySpec local, offsite;
    local.id = "local";
    local.location = "/srv/repo";
    offsite.id = "offsite";
    offsite.location = "/srv/offsite";
    offsite.copy_from = plan::Ref{"local", {}};
    plan_.repositories = {local, offsite};
    for (std::string id : {"a", "b"}) {
      plan::System system;
      system.id = id;
      system.client = plan::Ref{"acme", {}};
      system.tier = plan::Ref{"gold", {}};
      system.backup.paths = {"/srv/" + id};
      system.backup.repositories = {{"local", {}}};
      plan_.systems.push_back(system);
    }
    plan_.run.catalog = (dir_ / "catalog.db").string();
    plan_.run.reports = (dir_ / "reports").string();
    plan_.run.scratch = (dir_ / "scratch").string();
    plan_.BuildIndex();
  }

  Pass Run() {
    Pass pass;
    std::vector<std::string> notes;
    auto facts = GatherFacts(plan_, catalog_.get(), options_.access, {}, &notes);
    EXPECT_TRUE(facts) << facts.error().message();
    if (!facts) return pass;
    pass.decisions = Decide(plan_, clock_.now_ns(), *facts, {});
    pass.results = Execute(plan_, pass.decisions, *catalog_, options_, clock_, {});
    pass.breaches = Breaches(plan_, clock_.now_ns(), *facts, {}, pass.results);
    return pass;
  }

  std::unique_ptr<repository::Repository> Open(const std::string& where) {
    auto backend = backend::OpenLocalBackend((dir_ / "root/srv" / where).string());
    EXPECT_TRUE(backend) << backend.error().message();
    auto repo = repository::Repository::Open(std::move(backend).value(), "correct horse");
    EXPECT_TRUE(repo) << repo.error().message();
    return std::move(repo).value();
  }

  std::vector<repository::Snapshot> Snapshots(const std::string& where) {
    auto snapshots = Open(where)->LoadSnapshots();
    EXPECT_TRUE(snapshots);
    return *snapshots;
  }

  std::vector<catalog::Run> Copies() {
    catalog::RunQuery query;
    query.kind = catalog::RunKind::kCopy;
    auto runs = catalog_->Runs(query);
    EXPECT_TRUE(runs);
    return *runs;
  }

  fs::path dir_;
  plan::Plan plan_;
  ExecuteOptions options_;
  drill::Clock clock_;
  std::atomic<int64_t> offset_{0};
  std::unique_ptr<catalog::Catalog> catalog_;
};

TEST_F(CopyJobTest, RunCopiesNewSnapshotsAfterTheBackupsAndRecordsThem) {
  Pass pass = Run();
  EXPECT_EQ(pass.Words(), (std::vector<std::string>{"backup a ok", "backup b ok", "check local ok",
                                                    "check offsite ok", "copy a ok", "copy b ok"}));
  EXPECT_TRUE(pass.breaches.empty()) << pass.breaches.front();

  std::vector<repository::Snapshot> source = Snapshots("repo");
  std::vector<repository::Snapshot> copies = Snapshots("offsite");
  ASSERT_EQ(copies.size(), 2u);
  const repository::Id source_id = Open("repo")->id();
  for (const catalog::Run& run : Copies()) {
    SCOPED_TRACE(run.system);
    EXPECT_EQ(run.repository, "offsite");
    EXPECT_EQ(run.client, "acme");
    EXPECT_EQ(run.outcome, catalog::Outcome::kOk);
    EXPECT_EQ(run.files, 1u);  // snapshots copied
    EXPECT_THAT(run.details, HasSubstr("\"from\":\"local\""));
    auto copy = std::find_if(copies.begin(), copies.end(),
                             [&](const auto& s) { return s.id.Hex() == run.snapshot_id; });
    ASSERT_NE(copy, copies.end()) << run.snapshot_id;
    EXPECT_EQ(copy->tags.at("system"), run.system);
    ASSERT_TRUE(copy->copied_from.has_value());
    EXPECT_EQ(copy->copied_from->repository, source_id);
    auto original = std::find_if(source.begin(), source.end(), [&](const auto& s) {
      return s.id == copy->copied_from->snapshot;
    });
    ASSERT_NE(original, source.end());
    EXPECT_EQ(run.snapshot_time_ns, original->time_ns);  // the copy's restore point is the source's
  }
  const ActionResult* a = pass.Find(ActionKind::kCopy, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->action.source, "local");
  EXPECT_THAT(a->summary, HasSubstr("copied 1 snapshot(s) from local"));

  // Nothing new: nothing copied. A new backup is copied, only it.
  EXPECT_TRUE(Run().decisions.actions.empty());
  offset_ = 8 * kMinute;
  Write("root/srv/a/ledger.csv", "date,amount\n2026-11-30,99.00\n");
  Pass later = Run();
  EXPECT_EQ(later.Words(),
            (std::vector<std::string>{"backup a ok", "backup b ok", "copy a ok", "copy b ok"}));
  EXPECT_EQ(later.Find(ActionKind::kCopy, "a")->run.files, 1u);
  EXPECT_EQ(Snapshots("offsite").size(), 4u);
}

TEST_F(CopyJobTest, CopyEveryGathersTheSnapshotsMadeMeanwhile) {
  plan_.repositories[1].copy_every = Duration::Hours(1);
  plan_.BuildIndex();
  EXPECT_EQ(Copies().size(), 0u);
  ASSERT_EQ(Run().Find(ActionKind::kCopy, "a")->run.outcome, catalog::Outcome::kOk);
  offset_ = 8 * kMinute;
  EXPECT_EQ(Run().Words(), (std::vector<std::string>{"backup a ok", "backup b ok"}));
  EXPECT_EQ(Snapshots("offsite").size(), 2u);
  offset_ = 61 * kMinute;
  Pass pass = Run();
  EXPECT_EQ(pass.Words(),
            (std::vector<std::string>{"backup a ok", "backup b ok", "copy a ok", "copy b ok"}));
  EXPECT_EQ(pass.Find(ActionKind::kCopy, "a")->run.files, 2u);  // the 8m and the 61m backups
  EXPECT_EQ(Snapshots("offsite").size(), 6u);
}

TEST_F(CopyJobTest, AFailedCopyIsAFailedActionABreachAndDueAgain) {
  ASSERT_EQ(Run().Words().size(), 6u);
  // The copy's storage refuses new data: its data folder is now a file.
  fs::rename(dir_ / "root/srv/offsite/data", dir_ / "data.away");
  Write("root/srv/offsite/data", "not a folder\n");
  offset_ = 8 * kMinute;
  Write("root/srv/a/ledger.csv", "something new\n");
  Pass pass = Run();
  EXPECT_EQ(pass.Words(), (std::vector<std::string>{"backup a ok", "backup b ok", "copy a error",
                                                    "copy b error"}));
  const ActionResult* a = pass.Find(ActionKind::kCopy, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->run.outcome, catalog::Outcome::kError);
  EXPECT_THAT(a->run.error, HasSubstr("copy from local into offsite"));
  EXPECT_NE(a->run.id, 0);  // recorded
  bool breached = false;
  for (const std::string& line : pass.breaches) {
    breached = breached || line.rfind("copy of a from local to offsite error: ", 0) == 0;
  }
  EXPECT_TRUE(breached) << ::testing::PrintToString(pass.breaches);
  // Not a copy: it is due again on the next run (the backups are not).
  fs::remove(dir_ / "root/srv/offsite/data");
  fs::rename(dir_ / "data.away", dir_ / "root/srv/offsite/data");
  offset_ = 0;  // the backups (made at the real time) are not due again
  Pass again = Run();
  EXPECT_EQ(again.Words(), (std::vector<std::string>{"copy a ok", "copy b ok"}));
  EXPECT_EQ(again.Find(ActionKind::kCopy, "a")->run.files, 1u);
}

TEST_F(CopyJobTest, RetentionIsAppliedToTheCopyToo) {
  plan_.tiers[0].retention.keep_last = 1;
  plan_.BuildIndex();
  Run();
  offset_ = 8 * kMinute;
  Write("root/srv/a/ledger.csv", "something new\n");
  Pass pass = Run();
  EXPECT_EQ(pass.Words(),
            (std::vector<std::string>{"backup a ok", "backup b ok", "copy a ok", "copy b ok",
                                      "forget a ok", "forget a ok", "forget b ok", "forget b ok",
                                      "prune local ok", "prune offsite ok"}));
  EXPECT_EQ(Snapshots("offsite").size(), 2u);
  // What retention forgot in the copy is not copied again.
  offset_ = 16 * kMinute;
  Pass later = Run();
  EXPECT_EQ(later.Find(ActionKind::kCopy, "b")->run.files, 1u);
  EXPECT_EQ(Snapshots("offsite").size(), 2u);
}

// On a backup host that cannot read the copy's maintenance_credentials_file, run neither
// forgets nor prunes the copy (a skip, no breach); with the file readable, it does.
TEST_F(CopyJobTest, ForgetAndPruneNeedTheMaintenanceCredentialsOnThisHost) {
  plan_.tiers[0].retention.keep_last = 1;
  plan_.repositories[1].maintenance_credentials_file = (dir_ / "offsite-delete.ini").string();
  plan_.BuildIndex();
  Run();
  offset_ = 8 * kMinute;
  Write("root/srv/a/ledger.csv", "something new\n");
  Pass pass = Run();
  EXPECT_EQ(pass.Words(), (std::vector<std::string>{"backup a ok", "backup b ok", "copy a ok",
                                                    "copy b ok", "forget a ok", "forget b ok",
                                                    "prune local ok"}));
  EXPECT_TRUE(pass.breaches.empty()) << pass.breaches.front();
  bool skipped = false;
  for (const Skip& skip : pass.decisions.skipped) {
    skipped = skipped || (skip.subject == "forget/prune of offsite" &&
                          skip.reason.find("offsite-delete.ini is not readable here") !=
                              std::string::npos);
  }
  EXPECT_TRUE(skipped);
  EXPECT_EQ(Snapshots("offsite").size(), 4u);  // nothing forgotten there
  Write("offsite-delete.ini", "[default]\n");  // the maintenance machine: the file is here
  offset_ = 16 * kMinute;
  EXPECT_EQ(Run().Words(), (std::vector<std::string>{"backup a ok", "backup b ok", "copy a ok",
                                                     "copy b ok", "forget a ok", "forget a ok",
                                                     "forget b ok", "forget b ok",
                                                     "prune offsite ok"}));  // local: pruned 8m ago
  EXPECT_EQ(Snapshots("offsite").size(), 2u);
}

// A snapshot in the copy that claims to be a copy but disagrees with its source snapshot (here:
// a later time) does not count as the newest copied: the new backups are still copied.
TEST_F(CopyJobTest, AFalseCopyClaimDoesNotHoldBackLaterCopies) {
  Run();
  {
    auto offsite = Open("offsite");
    auto snapshots = offsite->LoadSnapshots();
    ASSERT_TRUE(snapshots && !snapshots->empty());
    repository::Snapshot forged = snapshots->front();
    forged.id = {};
    forged.time_ns += 365 * 24 * 60 * kMinute;  // a year ahead of the snapshot it names
    ASSERT_TRUE(offsite->SaveSnapshot(forged));
  }
  offset_ = 8 * kMinute;
  Write("root/srv/a/ledger.csv", "date,amount\n2026-11-30,99.00\n");
  Write("root/srv/b/db.dump", "changed\n");
  Pass later = Run();
  ASSERT_NE(later.Find(ActionKind::kCopy, "a"), nullptr);
  ASSERT_NE(later.Find(ActionKind::kCopy, "b"), nullptr);
  EXPECT_EQ(later.Find(ActionKind::kCopy, "a")->run.files +
                later.Find(ActionKind::kCopy, "b")->run.files,
            2u);
}

// A source snapshot that cannot be read (its packs damaged) fails alone: the later snapshots are
// still copied, and the action is a failure (a breach) naming the snapshot and why.
TEST_F(CopyJobTest, ADamagedSourceSnapshotFailsAloneAndTheOthersAreCopied) {
  plan_.repositories[1].copy_every = Duration::Hours(1);
  plan_.BuildIndex();
  Run();
  auto packs = [&] {
    std::set<fs::path> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "root/srv/repo/data")) {
      if (e.is_regular_file()) out.insert(e.path());
    }
    return out;
  };
  const std::set<fs::path> before = packs();
  offset_ = 8 * kMinute;
  Write("root/srv/a/ledger.csv", "the snapshot whose packs are damaged\n");
  ASSERT_EQ(Run().Words(), (std::vector<std::string>{"backup a ok", "backup b ok"}));
  std::set<fs::path> damaged;
  for (const fs::path& pack : packs()) {
    if (!before.contains(pack)) damaged.insert(pack);
  }
  ASSERT_FALSE(damaged.empty());
  offset_ = 16 * kMinute;
  Write("root/srv/a/ledger.csv", "a later snapshot, intact\n");
  ASSERT_EQ(Run().Words(), (std::vector<std::string>{"backup a ok", "backup b ok"}));
  for (const fs::path& pack : damaged) {
    std::fstream file(pack, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(10);
    file.put('\x5a');
  }
  offset_ = 61 * kMinute;
  Pass pass = Run();
  const ActionResult* a = pass.Find(ActionKind::kCopy, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->run.outcome, catalog::Outcome::kFailed);
  EXPECT_THAT(a->run.error, HasSubstr("1 snapshot(s) could not be copied from local"));
  EXPECT_EQ(a->run.files, 2u);  // the 16m and 61m snapshots
  bool breached = false;
  for (const std::string& line : pass.breaches) {
    breached = breached || line.rfind("copy of a from local to offsite failed: ", 0) == 0;
  }
  EXPECT_TRUE(breached) << ::testing::PrintToString(pass.breaches);
  int copies_of_a = 0;
  for (const repository::Snapshot& s : Snapshots("offsite")) {
    copies_of_a += s.tags.at("system") == "a" ? 1 : 0;
  }
  EXPECT_EQ(copies_of_a, 3);  // 0m, 16m, 61m: not the damaged 8m one
}

// Interrupted (SIGTERM), the copy is recorded as interrupted like every action (its error starts
// "interrupted by SIGTERM": catalog::WasInterrupted looks past it), no snapshot of it is saved,
// and the next copy does the work.
TEST_F(CopyJobTest, AnInterruptedCopyIsRecordedAsSuchAndDoneNextTime) {
  plan_.repositories[1].copy_every = Duration::Hours(1);
  plan_.BuildIndex();
  Run();
  offset_ = 8 * kMinute;
  Write("root/srv/a/ledger.csv", "something new\n");
  ASSERT_EQ(Run().Words(), (std::vector<std::string>{"backup a ok", "backup b ok"}));
  Action action;
  action.kind = ActionKind::kCopy;
  action.system = "a";
  action.repository = "offsite";
  action.source = "local";
  internal::OpenRepositories repositories(plan_, options_);
  internal::JobContext context{plan_, *catalog_, options_, clock_, repositories};
  SimulateInterruptionForTesting(SIGTERM);
  ActionResult stopped = internal::CopyJob(context, action);
  SimulateInterruptionForTesting(0);
  EXPECT_EQ(stopped.run.outcome, catalog::Outcome::kError);
  EXPECT_TRUE(catalog::WasInterrupted(stopped.run)) << stopped.run.error;
  EXPECT_EQ(Snapshots("offsite").size(), 2u);
  ActionResult done = internal::CopyJob(context, action);
  EXPECT_EQ(done.run.outcome, catalog::Outcome::kOk) << done.run.error;
  EXPECT_EQ(done.run.files, 1u);
  EXPECT_EQ(Snapshots("offsite").size(), 3u);
}

// A plan's object_lock reaches the repository's creation (`run --init`): a local directory
// cannot keep files under retention, so creating it fails with the backend's one line.
TEST_F(CopyJobTest, ObjectLockIsAskedOfTheStorageAtInit) {
  plan_.repositories[0].object_lock =
      plan::RepositorySpec::ObjectLock{plan::ObjectLockMode::kCompliance, 30};
  plan_.BuildIndex();
  Pass pass = Run();
  const ActionResult* backup = pass.Find(ActionKind::kBackup, "a");
  ASSERT_NE(backup, nullptr);
  EXPECT_EQ(backup->run.outcome, catalog::Outcome::kError);
  EXPECT_THAT(backup->run.error, HasSubstr("cannot keep files under retention"));
}

// Forget and prune open the repository with its maintenance credentials; everything else with
// its credentials_file.
TEST_F(CopyJobTest, MaintenanceCredentialsOpenTheirOwnRepository) {
  internal::OpenRepositories plain(plan_, options_);
  auto upload = plain.Get("local");
  ASSERT_TRUE(upload) << upload.error().message();
  auto same = plain.Get("local", internal::Credentials::kMaintenance);
  ASSERT_TRUE(same);
  EXPECT_EQ(*upload, *same);  // none given: the same opening

  plan_.repositories[0].maintenance_credentials_file = (dir_ / "maintenance.ini").string();
  plan_.BuildIndex();
  internal::OpenRepositories with(plan_, options_);
  auto first = with.Get("local");
  auto maintenance = with.Get("local", internal::Credentials::kMaintenance);
  ASSERT_TRUE(first && maintenance);
  EXPECT_NE(*first, *maintenance);
  EXPECT_EQ((*first)->repo->id(), (*maintenance)->repo->id());
}

}  // namespace
}  // namespace stormproof::runner
