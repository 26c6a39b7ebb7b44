// `run` copying into a plan repository with copy_from (copy_job.cc), on real local repositories,
// a real catalog and real files, with a clock that can be moved forward.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string_view>

#include "continuity/runner/facts.h"
#include "continuity/runner/internal/jobs.h"
#include "continuity/runner/run.h"
#include "core/bytes.h"
#include "engine/backend/backend.h"
#include "engine/repository/repository.h"
#include "tests/continuity/runner/run_fixture.h"
#include "tests/matchers.h"

namespace stormproof::runner {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using testing::kMinute;
using testing::Pass;

// Systems "a" and "b" backed up to "local" (/srv/repo), which "offsite" (/srv/offsite) is a
// copy of; the world is staged under <dir>/root.
class CopyJobTest : public testing::RunFixture {
 protected:
  void SetUp() override {
    StageWorld("stormproof-copy-job",
               {testing::CopyRepository("offsite", "/srv/offsite", "local")});
  }

  std::vector<catalog::Run> Copies() { return Recorded(catalog::RunKind::kCopy); }
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

// A snapshot planted in the copy by a host holding its password, claiming (copied_from, time,
// host, paths) to be the copy of a genuine snapshot but holding none of its content, does not
// stop the real copy: the snapshot is copied again, the claimant is named and never counted as
// the newest copy; the two claimants then make the forget in the copy refuse (a breach).
TEST_F(CopyJobTest, APlantedClaimantDoesNotStopTheRealCopyAndForgetRefusesIt) {
  plan_.tiers[0].retention.keep_last = 2;  // the second run's copy then holds one too many
  plan_.BuildIndex();
  selection_.systems = {"a"};
  Run();
  repository::Id claimant_id;
  {
    auto offsite = Open("offsite");
    auto snapshots = offsite->LoadSnapshots();
    ASSERT_TRUE(snapshots && snapshots->size() == 1u);
    repository::Snapshot claimant = snapshots->front();
    // As if planted before the copy was made: the genuine copy is not there.
    ASSERT_TRUE(offsite->RemoveSnapshot(claimant.id));
    claimant.id = {};
    claimant.tree = offsite->BlobId(AsBytes(std::string_view("no tree at all")));
    auto saved = offsite->SaveSnapshot(claimant);
    ASSERT_TRUE(saved);
    claimant_id = *saved;
  }
  offset_ = 8 * kMinute;
  Write("root/srv/a/ledger.csv", "date,amount\n2026-11-30,99.00\n");
  Pass later = Run();
  const ActionResult* copy = later.Find(ActionKind::kCopy, "a");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->run.files, 2u) << copy->summary;  // the claimed one again, and the new one
  EXPECT_THAT(copy->summary,
              HasSubstr("1 snapshot(s) in offsite claim to be the copy of a snapshot of local "
                        "without holding its content, the first " + claimant_id.ShortHex()));
  EXPECT_NE(copy->run.snapshot_id, claimant_id.Hex());
  EXPECT_EQ(Snapshots("offsite").size(), 3u);
  EXPECT_THAT(later.breaches,
              Contains(HasSubstr("two or more snapshots here claiming to be their copy")));
}

// A snapshot planted in the copy claiming to be the copy of a source snapshot that does not
// exist (never there, or forgotten), dated after every genuine one, proves nothing: the copy's
// recorded restore point stays the newest copy the copy job wrote or proved.
TEST_F(CopyJobTest, AClaimantOfASourceSnapshotThatDoesNotExistIsNeverTheNewestCopy) {
  selection_.systems = {"a"};
  Run();
  repository::Id claimant_id;
  {
    auto offsite = Open("offsite");
    auto snapshots = offsite->LoadSnapshots();
    ASSERT_TRUE(snapshots && snapshots->size() == 1u);
    repository::Snapshot claimant = snapshots->front();
    ASSERT_TRUE(claimant.copied_from);
    claimant.id = {};
    claimant.copied_from->snapshot = offsite->BlobId(AsBytes(std::string_view("no such source")));
    // After the next run's backup (snapshots take the real time), before its copy's clock.
    claimant.time_ns += 4 * kMinute;
    auto saved = offsite->SaveSnapshot(claimant);
    ASSERT_TRUE(saved);
    claimant_id = *saved;
  }
  offset_ = 8 * kMinute;
  Pass later = Run();
  const ActionResult* copy = later.Find(ActionKind::kCopy, "a");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->run.files, 1u) << copy->summary;
  EXPECT_FALSE(copy->run.snapshot_id.empty()) << copy->summary;
  EXPECT_NE(copy->run.snapshot_id, claimant_id.Hex());
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
  std::map<fs::path, char> original;
  for (const fs::path& pack : damaged) {
    std::fstream file(pack, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(10);
    original[pack] = static_cast<char>(file.get());
    file.seekp(10);
    file.put(original[pack] == '\x5a' ? '\x5b' : '\x5a');
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

  // Read again (a network error, say, rather than damage), the snapshot that failed is copied
  // on the next run although the copy already holds newer ones: nothing is selected by time.
  for (const auto& [pack, byte] : original) {
    std::fstream file(pack, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(10);
    file.put(byte);
  }
  offset_ = 62 * kMinute;
  Pass retried = Run();
  const ActionResult* again = retried.Find(ActionKind::kCopy, "a");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->run.outcome, catalog::Outcome::kOk) << again->run.error;
  std::set<repository::Id> copied;
  for (const repository::Snapshot& s : Snapshots("offsite")) {
    if (s.copied_from) copied.insert(s.copied_from->snapshot);
  }
  for (const repository::Snapshot& s : Snapshots("repo")) {
    if (s.tags.at("system") != "a") continue;  // b's copy waits for its copy_every
    EXPECT_TRUE(copied.contains(s.id)) << "no copy of " << s.id.ShortHex() << " of "
                                       << s.tags.at("system") << ": " << again->summary;
  }
}

// A snapshot of the system dated in the future in the source (a host's clock ahead, or one
// written by whoever holds the credentials) is copied but never recorded as the newest copy,
// is named in the run's output, and does not stop the copies of later snapshots.
TEST_F(CopyJobTest, ASnapshotDatedInTheFutureStopsNoLaterCopy) {
  Run();
  std::string system;
  {
    auto local = Open("repo");
    auto snapshots = local->LoadSnapshots();
    ASSERT_TRUE(snapshots && !snapshots->empty());
    repository::Snapshot ahead = snapshots->front();
    ahead.id = {};
    ahead.time_ns += 365 * 24 * 60 * kMinute;
    system = ahead.tags.at("system");
    ASSERT_TRUE(local->SaveSnapshot(ahead));
  }
  offset_ = 8 * kMinute;
  Write("root/srv/a/ledger.csv", "date,amount\n2026-11-30,99.00\n");
  Write("root/srv/b/db.dump", "changed\n");
  Pass later = Run();
  int64_t now = testing::RealNow() + offset_.load();
  for (const char* id : {"a", "b"}) {
    SCOPED_TRACE(id);
    const ActionResult* copy = later.Find(ActionKind::kCopy, id);
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(copy->run.outcome, catalog::Outcome::kOk) << copy->run.error;
    EXPECT_GE(copy->run.files, 1u);                  // this run's backup at least
    EXPECT_LT(copy->run.snapshot_time_ns, now);      // never the future-dated one
  }
  const ActionResult* named = later.Find(ActionKind::kCopy, system);
  ASSERT_NE(named, nullptr);
  EXPECT_THAT(named->summary, HasSubstr("is dated in the future"));
  EXPECT_EQ(Snapshots("offsite").size(), 5u);  // 2 + 2 backups and the future-dated one
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
