// Interruption (docs/reliability.md, docs/cli.md "Exit codes"): real stormproof processes —
// backup, restore, check, prune, forget --prune, drill and run — stopped by SIGINT or SIGTERM in
// the middle of their work, and drills killed with SIGKILL. The test copy of the CLI waits at a
// named point (STORMPROOF_TEST_PAUSE, core/interrupt.h) until the signal comes, so the signal
// always lands mid-work. After each:
//   - the exit status is 130 (SIGINT) or 143 (SIGTERM) and stderr is one line saying what was left;
//   - no lock is left and `check --read-data` passes;
//   - commands that record runs (run, drill) recorded the interruption in the catalog;
//   - a drill's scratch copy (client data) is gone — after SIGKILL, removed by the next `run`.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "tests/cli/cli_runner.h"
#include "continuity/catalog/catalog.h"
#include "tests/matchers.h"

extern char** environ;

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// `count` files of `size` random bytes under `dir`: several packs' worth of data.
void MakeData(const fs::path& dir, int count, size_t size) {
  fs::create_directories(dir);
  std::mt19937_64 rng(std::hash<std::string>()(dir.string()));
  for (int i = 0; i < count; ++i) {
    std::string data(size, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    std::ofstream(dir / ("file" + std::to_string(i) + ".bin"), std::ios::binary) << data;
  }
}

struct Finished {
  int exit_code = -1;  // -1 when a signal ended it
  int signal = 0;
  std::string out, err;
};

// A stormproof process started in the background, stopped at a pause point.
class Paused {
 public:
  // Runs `stormproof <args>` with `env` (shell words) and STORMPROOF_TEST_PAUSE=<pause>; waits
  // until it reached the pause (at most 60 s).
  Paused(const fs::path& work, const std::string& env, const std::string& args,
         const std::string& pause, const std::string& name = "process")
      : flag_(work / (name + ".paused")),
        out_(work / (name + ".out")),
        err_(work / (name + ".err")) {
    fs::remove(flag_);
    std::string command = "exec env " + env + " 'STORMPROOF_TEST_PAUSE=" + pause +
                          "' STORMPROOF_TEST_PAUSE_FILE=" + flag_.string() + " " +
                          STORMPROOF_BINARY + " " + args + " >" + out_.string() + " 2>" +
                          err_.string();
    const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
    EXPECT_EQ(::posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ),
              0);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!fs::exists(flag_) && std::chrono::steady_clock::now() < give_up && Running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    reached_ = fs::exists(flag_);
  }

  bool reached() const { return reached_; }
  // What the process said, for a message when it never reached the pause.
  std::string said() const { return ReadAll(out_.string()) + ReadAll(err_.string()); }

  // Sends `signal` and waits for the process to end.
  Finished Stop(int signal) {
    ::kill(pid_, signal);
    return Wait();
  }

 private:
  bool Running() {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return true;
    status_ = status;
    return false;
  }
  Finished Wait() {
    int status = 0;
    if (status_) {
      status = *status_;
    } else {
      ::waitpid(pid_, &status, 0);
    }
    Finished f;
    f.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    f.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    f.out = ReadAll(out_.string());
    f.err = ReadAll(err_.string());
    return f;
  }

  fs::path flag_, out_, err_;
  pid_t pid_ = -1;
  std::optional<int> status_;
  bool reached_ = false;
};

std::string SignalWord(int signal) { return signal == SIGINT ? "SIGINT" : "SIGTERM"; }

size_t Lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

class InterruptFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() / ("stormproof-interrupt-" + std::to_string(::getpid()) +
                                         "-" + std::to_string(counter_++));
    fs::remove_all(work_);
    fs::create_directories(work_);
    repo_ = work_ / "repo";
  }
  void TearDown() override { fs::remove_all(work_); }

  int signal() const { return signal_; }

  std::string RepoEnv() const {
    return "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD=interrupt STORMPROOF_REPOSITORY=" +
           repo_.string();
  }
  CliResult Repo(const std::string& args) { return RunStormproof("--quiet " + args, RepoEnv()); }
  Paused PauseRepo(const std::string& args, const std::string& pause) {
    return Paused(work_, RepoEnv(), "--quiet " + args, pause);
  }

  // No lock left, and every byte of the repository verifies.
  void ExpectConsistent() {
    EXPECT_TRUE(fs::is_empty(repo_ / "locks")) << "a lock was left behind";
    CliResult check = Repo("check --read-data");
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  }

  // One line on stderr: "stormproof: interrupted by SIGx; <what was left>" containing `left`.
  void ExpectInterrupted(const Finished& f, const std::string& left) {
    EXPECT_EQ(f.exit_code, 128 + signal()) << f.out << f.err;
    EXPECT_EQ(f.err.rfind("stormproof: interrupted by " + SignalWord(signal()) + "; ", 0), 0u)
        << f.err;
    EXPECT_EQ(Lines(f.err), 1u) << f.err;
    EXPECT_THAT(f.err, HasSubstr(left)) << f.err;
  }

  std::vector<json> Snapshots() {
    CliResult r = Repo("snapshots --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out).get<std::vector<json>>() : std::vector<json>{};
  }

  static inline int counter_ = 0;
  int signal_ = SIGTERM;
  fs::path work_, repo_;
};

class InterruptTest : public InterruptFixture, public ::testing::WithParamInterface<int> {
 protected:
  void SetUp() override {
    signal_ = GetParam();
    InterruptFixture::SetUp();
  }
};

TEST_P(InterruptTest, BackupSavesNoSnapshotIndexesWhatItStoredAndReleasesItsLock) {
  MakeData(work_ / "data", 8, 3 << 20);
  ASSERT_EQ(Repo("init").exit_code, 0);
  Paused backup = PauseRepo("backup " + (work_ / "data").string(), "backup: file read@5");
  ASSERT_TRUE(backup.reached()) << backup.said();
  ExpectInterrupted(backup.Stop(signal()), "no snapshot saved; the ");
  ExpectConsistent();
  EXPECT_TRUE(Snapshots().empty());
  // What was stored before the signal is in the index: the next backup does not store it again.
  CliResult again = Repo("--json backup " + (work_ / "data").string());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  std::string last = again.out.substr(again.out.rfind('\n', again.out.size() - 2) + 1);
  json summary = json::parse(last);  // the summary is the last line
  EXPECT_LT(summary["bytes_added"].get<uint64_t>(), 7u * (3 << 20)) << again.out;
  ExpectConsistent();
}

TEST_P(InterruptTest, CopySavesNoSnapshotAndTheNextCopyFinishes) {
  MakeData(work_ / "data", 8, 1 << 20);
  const std::string source = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD=source STORMPROOF_REPOSITORY=" +
                             (work_ / "source").string();
  ASSERT_EQ(RunStormproof("init", source).exit_code, 0);
  ASSERT_EQ(RunStormproof("--quiet backup " + (work_ / "data").string(), source).exit_code, 0);
  ASSERT_EQ(Repo("init").exit_code, 0);
  const std::string from = "copy --from-repo " + (work_ / "source").string();
  Paused copy(work_, RepoEnv() + " STORMPROOF_FROM_PASSWORD=source", "--quiet " + from,
              "copy: file copied@3");
  ASSERT_TRUE(copy.reached()) << copy.said();
  ExpectInterrupted(copy.Stop(signal()), "no copy of snapshot");
  ExpectConsistent();
  EXPECT_TRUE(fs::is_empty(work_ / "source" / "locks")) << "a lock was left on the source";
  EXPECT_TRUE(Snapshots().empty());
  CliResult again = RunStormproof("--quiet " + from, RepoEnv() + " STORMPROOF_FROM_PASSWORD=source");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Snapshots().size(), 1u);
  ExpectConsistent();
}

TEST_P(InterruptTest, RestoreStopsBetweenPacksAndSaysTheTargetIsIncomplete) {
  MakeData(work_ / "data", 10, 3 << 20);
  ASSERT_EQ(Repo("init").exit_code, 0);
  ASSERT_EQ(Repo("backup " + (work_ / "data").string()).exit_code, 0);
  Paused restore =
      PauseRepo("restore latest --target " + (work_ / "target").string(), "restore: pack written");
  ASSERT_TRUE(restore.reached()) << restore.said();
  ExpectInterrupted(restore.Stop(signal()), "is incomplete");
  ExpectConsistent();
}

TEST_P(InterruptTest, CheckStopsAndChangesNothing) {
  MakeData(work_ / "data", 6, 3 << 20);
  ASSERT_EQ(Repo("init").exit_code, 0);
  ASSERT_EQ(Repo("backup " + (work_ / "data").string()).exit_code, 0);
  Paused check = PauseRepo("check --read-data", "check: pack read");
  ASSERT_TRUE(check.reached()) << check.said();
  ExpectInterrupted(check.Stop(signal()), "the check is incomplete");
  ExpectConsistent();
}

// Two snapshots of different data; the first forgotten, so prune deletes its packs.
class PruneInterruptTest : public InterruptTest {
 protected:
  std::string ForgetFirst() {
    MakeData(work_ / "one", 8, 3 << 20);  // three packs or more for prune to delete
    MakeData(work_ / "two", 2, 1 << 20);
    EXPECT_EQ(Repo("init").exit_code, 0);
    EXPECT_EQ(Repo("backup " + (work_ / "one").string()).exit_code, 0);
    EXPECT_EQ(Repo("backup " + (work_ / "two").string()).exit_code, 0);
    std::vector<json> snapshots = Snapshots();
    EXPECT_EQ(snapshots.size(), 2u);
    return snapshots.empty() ? "" : snapshots.front()["id"].get<std::string>();
  }

  // The snapshot left restores, and a later prune finishes the job.
  void ExpectPruneCanFinish() {
    ExpectConsistent();
    ASSERT_EQ(Snapshots().size(), 1u);
    CliResult restore = Repo("restore latest --target " + (work_ / "restored").string());
    EXPECT_EQ(restore.exit_code, 0) << restore.err;
    CliResult prune = Repo("prune");
    EXPECT_EQ(prune.exit_code, 0) << prune.err;
    ExpectConsistent();
  }
};

TEST_P(PruneInterruptTest, PruneStopsAtACrashSafeStep) {
  std::string first = ForgetFirst();
  ASSERT_EQ(Repo("forget " + first).exit_code, 0);
  Paused prune = PauseRepo("prune --repack-threshold 100", "prune: pack deleted");
  ASSERT_TRUE(prune.reached()) << prune.said();
  ExpectInterrupted(prune.Stop(signal()), "left for the next prune");
  ExpectPruneCanFinish();
}

TEST_P(PruneInterruptTest, ForgetWithPruneStopsAtACrashSafeStep) {
  std::string first = ForgetFirst();
  Paused forget = PauseRepo("forget --prune " + first, "prune: pack deleted");
  ASSERT_TRUE(forget.reached()) << forget.said();
  ExpectInterrupted(forget.Stop(signal()), "left for the next prune");
  ExpectPruneCanFinish();
}

// A plan with one system, its data staged under world/, drills restoring into scratch/.
class PlanFixture : public InterruptFixture {
 protected:
  void SetUp() override {
    InterruptFixture::SetUp();
    MakeData(work_ / "world/srv/files", 6, 3 << 20);
    std::ofstream(work_ / "password") << "interrupt\n";
    fs::permissions(work_ / "password", fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream(work_ / "plan.yaml") << R"(msp: {id: acme, name: Acme IT}
people:
  - id: ann
    name: Ann
    contacts: {email: ann@example.com, phone: "+44 1632 960000"}
tiers:
  - {id: gold, rank: 2, rto: 4h, rpo: 15m, drill_every: monthly}
systems:
  - id: files
    owner: ann
    tier: gold
    backup: {paths: [/srv/files], repositories: [local]}
    restore: {verify: "true"}
repositories:
  - {id: local, location: /srv/repo}
run: {scratch: )" + (work_ / "scratch").string() +
                                              R"(}
)";
    repo_ = work_ / "world/srv/repo";
  }

  std::string PlanArgs() const {
    return "--plan " + (work_ / "plan.yaml").string() + " --password-file " +
           (work_ / "password").string() + " ";
  }
  std::string Root() const { return " --root " + (work_ / "world").string(); }
  CliResult Plan(const std::string& args) {
    return RunStormproof(PlanArgs() + args, "STORMPROOF_KDF_TEST=1");
  }
  Paused PausePlan(const std::string& args, const std::string& pause,
                   const std::string& name = "process") {
    return Paused(work_, "STORMPROOF_KDF_TEST=1", PlanArgs() + args, pause, name);
  }

  // The scratch copies left in the plan's scratch directory.
  size_t ScratchCopies() {
    size_t copies = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(work_ / "scratch", ec)) {
      copies += e.path().filename().string().rfind("stormproof-drill-", 0) == 0;
    }
    return copies;
  }

  // The newest run of `kind` of system files, as the catalog recorded it.
  catalog::Run NewestRun(catalog::RunKind kind) {
    auto catalog = catalog::Catalog::Open((work_ / "stormproof.db").string());
    EXPECT_THAT(catalog, IsOk());
    if (!catalog) return {};
    catalog::RunQuery query;
    query.kind = kind;
    query.system = "files";
    auto run = (*catalog)->LastRun(query);
    EXPECT_TRUE(run.has_value() && run->has_value());
    return run && *run ? **run : catalog::Run{};
  }
};

class PlanInterruptTest : public PlanFixture, public ::testing::WithParamInterface<int> {
 protected:
  void SetUp() override {
    signal_ = GetParam();
    PlanFixture::SetUp();
  }
};

TEST_P(PlanInterruptTest, DrillRemovesItsScratchCopyAndRecordsTheInterruption) {
  ASSERT_EQ(Plan("run --init --no-drills" + Root()).exit_code, 0);
  Paused drill = PausePlan("drill --system files" + Root(), "restore: pack written");
  ASSERT_TRUE(drill.reached()) << drill.said();
  EXPECT_EQ(ScratchCopies(), 1u);
  ExpectInterrupted(drill.Stop(signal()), "scratch copy was removed");
  EXPECT_EQ(ScratchCopies(), 0u);
  catalog::Run run = NewestRun(catalog::RunKind::kDrill);
  EXPECT_EQ(run.outcome, catalog::Outcome::kError);
  EXPECT_EQ(run.error, "interrupted by " + SignalWord(signal()));
  ExpectConsistent();
}

TEST_P(PlanInterruptTest, RunRecordsTheInterruptedBackupAndReleasesTheLock) {
  Paused run = PausePlan("run --init" + Root(), "backup: file read@3");
  ASSERT_TRUE(run.reached()) << run.said();
  ExpectInterrupted(run.Stop(signal()), "1 action(s) stopped and recorded as interrupted");
  catalog::Run backup = NewestRun(catalog::RunKind::kBackup);
  EXPECT_EQ(backup.outcome, catalog::Outcome::kError);
  EXPECT_EQ(backup.error.rfind("interrupted by " + SignalWord(signal()) + "; no snapshot saved", 0),
            0u)
      << backup.error;
  ExpectConsistent();
}

TEST_P(PlanInterruptTest, RunInterruptedInItsDrillRemovesTheScratchCopy) {
  ASSERT_EQ(Plan("run --init --no-drills" + Root()).exit_code, 0);
  Paused run = PausePlan("run" + Root(), "restore: pack written");
  ASSERT_TRUE(run.reached()) << run.said();
  ExpectInterrupted(run.Stop(signal()), "1 action(s) stopped and recorded as interrupted");
  EXPECT_EQ(ScratchCopies(), 0u);
  EXPECT_EQ(NewestRun(catalog::RunKind::kDrill).error, "interrupted by " + SignalWord(signal()));
  ExpectConsistent();
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptTest, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) { return SignalWord(info.param); });
INSTANTIATE_TEST_SUITE_P(Signals, PruneInterruptTest, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) { return SignalWord(info.param); });
INSTANTIATE_TEST_SUITE_P(Signals, PlanInterruptTest, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) { return SignalWord(info.param); });

// SIGKILL cannot be caught: the drill's scratch copy stays, marked with its dead owner, and the
// next `run` removes it — and only it: not the copy of a drill that still runs, nor a kept one.
using KilledDrillTest = PlanFixture;

TEST_F(KilledDrillTest, AScratchCopyLeftByAKilledDrillIsRemovedByTheNextRun) {
  ASSERT_EQ(Plan("run --init --no-drills" + Root()).exit_code, 0);
  fs::path kept = work_ / "scratch/stormproof-drill-files-kept01";  // drill --keep: no owner file
  fs::create_directories(kept / "restore");
  std::ofstream(kept / "restore/data") << "client data the technician kept";
  Paused killed = PausePlan("drill --system files" + Root(), "restore: pack written", "killed");
  ASSERT_TRUE(killed.reached()) << killed.said();
  EXPECT_EQ(killed.Stop(SIGKILL).signal, SIGKILL);
  ASSERT_EQ(ScratchCopies(), 2u);
  Paused running = PausePlan("drill --system files" + Root(), "restore: pack written", "running");
  ASSERT_TRUE(running.reached()) << running.said();
  ASSERT_EQ(ScratchCopies(), 3u);

  CliResult next = Plan("run --no-drills" + Root());
  EXPECT_EQ(next.exit_code, 0) << next.out << next.err;
  EXPECT_THAT(next.out, HasSubstr("removed the scratch copy ")) << next.out;
  EXPECT_EQ(ScratchCopies(), 2u);  // the running drill's and the kept one
  EXPECT_TRUE(fs::exists(kept / "restore/data"));

  Finished stopped = running.Stop(SIGTERM);
  EXPECT_EQ(stopped.exit_code, 143) << stopped.err;
  EXPECT_EQ(ScratchCopies(), 1u);  // the kept one
}

}  // namespace
}  // namespace stormproof::testing
