// Several writers at once (processes and threads) and a writer killed mid-write.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>
#include <tuple>

#include "continuity/catalog/catalog.h"
#include "tests/continuity/catalog/catalog_fixture.h"
#include "tests/matchers.h"

namespace stormproof::catalog {
namespace {

using testing::CatalogTest;

constexpr int kProcesses = 3, kProcessRuns = 300, kProcessDrills = 50;
constexpr int kThreads = 4, kThreadRuns = 100, kThreadDrills = 20;
constexpr size_t kStepsPerDrill = 2;

// Run number `seq` of writer `writer`: the pair (system, files) identifies it.
Run WriterRun(const std::string& writer, int seq, RunKind kind) {
  catalog::Run run;
  run.kind = kind;
  run.system = writer;
  run.started_ns = 1'000'000 + seq;
  run.finished_ns = 2'000'000 + seq;
  run.files = static_cast<uint64_t>(seq);
  return run;
}

Drill WriterDrill(int seq) {
  Drill drill;
  drill.adapter = "command";
  drill.achieved_rto_ms = seq;
  for (size_t i = 0; i < kStepsPerDrill; ++i) {
    drill.steps.push_back({"step " + std::to_string(i), seq, Outcome::kOk, ""});
  }
  return drill;
}

// Records `runs` runs then `drills` drills as `writer`; the first error, or "".
std::string WriteAll(Catalog& catalog, const std::string& writer, int runs, int drills) {
  for (int seq = 0; seq < runs + drills; ++seq) {
    Result<int64_t> id =
        seq < runs ? catalog.AddRun(WriterRun(writer, seq, RunKind::kBackup))
                   : catalog.AddDrill(WriterRun(writer, seq, RunKind::kDrill), WriterDrill(seq));
    if (!id.has_value()) return writer + ": " + id.error().message();
  }
  return "";
}

// fork(); the child is killed when the test process ends, even by a failed assertion.
pid_t ForkChild() {
  pid_t pid = fork();
  if (pid == 0) prctl(PR_SET_PDEATHSIG, SIGKILL);
  return pid;
}

// A child process: opens the catalog itself and writes; exits 0 on success.
pid_t StartWriterProcess(const std::string& path, const std::string& writer) {
  pid_t pid = ForkChild();
  if (pid != 0) return pid;
  auto catalog = Catalog::Open(path, std::chrono::seconds(60));
  std::string error = catalog.has_value()
                          ? WriteAll(**catalog, writer, kProcessRuns, kProcessDrills)
                          : catalog.error().message();
  if (!error.empty()) fprintf(stderr, "%s\n", error.c_str());
  _exit(error.empty() ? 0 : 1);
}

TEST_F(CatalogTest, ConcurrentProcessesAndThreadsRecordEveryRowOnce) {
  // The children create the file together: the first open and migration race too.
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    children.push_back(StartWriterProcess(path_, "process-" + std::to_string(p)));
    ASSERT_GT(children.back(), 0);
  }
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      errors[t] = WriteAll(*catalog, "thread-" + std::to_string(t), kThreadRuns, kThreadDrills);
    });
  }
  for (auto& thread : threads) thread.join();
  for (const std::string& error : errors) EXPECT_EQ(error, "");
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer process failed";
  }

  auto runs = catalog->Runs({});
  ASSERT_THAT(runs, IsOk());
  std::map<std::tuple<std::string, RunKind, uint64_t>, int> seen;
  for (const catalog::Run& run : *runs) ++seen[{run.system, run.kind, run.files}];
  const size_t expected =
      kProcesses * (kProcessRuns + kProcessDrills) + kThreads * (kThreadRuns + kThreadDrills);
  EXPECT_EQ(runs->size(), expected);
  EXPECT_EQ(seen.size(), expected);  // no run twice
  for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << std::get<0>(key);

  auto drills = catalog->Drills({});
  ASSERT_THAT(drills, IsOk());
  EXPECT_EQ(drills->size(),
            static_cast<size_t>(kProcesses * kProcessDrills + kThreads * kThreadDrills));
  for (const DrillRecord& record : *drills) {
    EXPECT_EQ(record.drill.steps.size(), kStepsPerDrill) << record.run.id;
    EXPECT_EQ(record.drill.achieved_rto_ms, static_cast<int64_t>(record.run.files));
  }
  catalog.reset();
  EXPECT_EQ(Sql("PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  EXPECT_TRUE(Sql("PRAGMA foreign_key_check").empty());
}

// A child that records drills (and runs) until it is killed.
pid_t StartEndlessWriter(const std::string& path) {
  pid_t pid = ForkChild();
  if (pid != 0) return pid;
  auto catalog = Catalog::Open(path, std::chrono::seconds(60));
  if (!catalog.has_value()) _exit(1);
  for (int seq = 0;; ++seq) {
    if (!(*catalog)->AddDrill(WriterRun("victim", seq, RunKind::kDrill), WriterDrill(seq))) {
      _exit(1);
    }
    if (!(*catalog)->AddRun(WriterRun("victim", seq, RunKind::kBackup))) _exit(1);
  }
}

TEST_F(CatalogTest, AWriterKilledMidWriteLeavesNoHalfRecordedDrill) {
  std::mt19937 random(std::random_device{}());
  int64_t recorded = 0;
  for (int round = 0; round < 4; ++round) {
    pid_t child = StartEndlessWriter(path_);
    ASSERT_GT(child, 0);
    struct KillOnEarlyReturn {
      pid_t pid;
      bool reaped = false;
      ~KillOnEarlyReturn() {
        if (!reaped && kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
      }
    } guard{child};
    {
      auto catalog = OpenCatalog();
      ASSERT_NE(catalog, nullptr);
      for (int wait = 0; wait < 3000; ++wait) {  // until it has written a little more
        auto count = catalog->CountRuns();
        ASSERT_THAT(count, IsOk());
        if (*count >= recorded + 10) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 20'000));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    guard.reaped = true;
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself";

    auto catalog = OpenCatalog();
    ASSERT_NE(catalog, nullptr);
    auto count = catalog->CountRuns();
    ASSERT_THAT(count, IsOk());
    EXPECT_GE(*count, recorded + 10);
    recorded = *count;
    auto drills = catalog->Drills({});
    ASSERT_THAT(drills, IsOk());
    for (const DrillRecord& record : *drills) {
      EXPECT_EQ(record.drill.steps.size(), kStepsPerDrill) << record.run.id;
    }
  }
  EXPECT_EQ(Sql("PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  EXPECT_EQ(SqlValue("SELECT count(*) FROM runs WHERE kind = 'drill' AND id NOT IN "
                     "(SELECT run_id FROM drills)"),
            "0");
  EXPECT_EQ(SqlValue("SELECT count(*) FROM drills WHERE run_id NOT IN (SELECT id FROM runs)"), "0");
  EXPECT_EQ(SqlValue("SELECT count(*) FROM drills WHERE (SELECT count(*) FROM drill_steps s "
                     "WHERE s.run_id = drills.run_id) != " +
                     std::to_string(kStepsPerDrill)),
            "0");
}

}  // namespace
}  // namespace stormproof::catalog
