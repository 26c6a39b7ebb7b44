// The world the `run` tests stage (run_test.cc, copy_job_test.cc): two systems "a" and "b" of
// client "acme", tier "gold" (RPO 15 minutes), backed up to the stormproof repository "local"
// (/srv/repo); real files under <dir>/root, a real catalog, and a clock a test moves forward
// (offset_). A test class adds repositories in MakePlan's `extra` (a copy, say) before the
// plan's index is built.
#ifndef STORMPROOF_TESTS_CONTINUITY_RUNNER_RUN_FIXTURE_H_
#define STORMPROOF_TESTS_CONTINUITY_RUNNER_RUN_FIXTURE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "continuity/runner/facts.h"
#include "continuity/runner/run.h"
#include "engine/backend/backend.h"
#include "engine/repository/repository.h"

namespace stormproof::runner::testing {

inline constexpr int64_t kMinute = 60'000'000'000;

inline int64_t RealNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A plan repository `id` at `location` (staged under the world's root) that is a copy
// (copy_from) of plan repository `from`.
inline plan::RepositorySpec CopyRepository(const std::string& id, const std::string& location,
                                           const std::string& from) {
  plan::RepositorySpec copy;
  copy.id = id;
  copy.location = location;
  copy.copy_from = plan::Ref{from, {}};
  return copy;
}

// The outcome of one `run`.
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
  // The result of the action of `kind` for `system`; null when there was none.
  const ActionResult* Find(ActionKind kind, const std::string& system) const {
    for (const ActionResult& r : results) {
      if (r.action.kind == kind && r.action.system == system) return &r;
    }
    return nullptr;
  }
};

class RunFixture : public ::testing::Test {
 protected:
  // `name`: the temporary folder's prefix ("stormproof-run"); `extra`: repositories added to
  // the plan after "local".
  void StageWorld(const std::string& name, const std::vector<plan::RepositorySpec>& extra) {
    ::setenv("STORMPROOF_KDF_TEST", "1", 1);
    dir_ = std::filesystem::temp_directory_path() /
           (name + "-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Write("root/srv/a/ledger.csv", "date,amount\n2026-11-30,12.50\n");
    Write("root/srv/b/db.dump", std::string(100000, 'x'));
    Write("password", "correct horse\n");
    options_.access.root = (dir_ / "root").string();
    options_.access.password_file = (dir_ / "password").string();
    options_.missing = MissingRepository::kCreate;
    clock_.now_ns = [this] { return RealNow() + offset_.load(); };
    clock_.monotonic_ns = [] { return RealNow(); };
    MakePlan(extra);
    auto opened = catalog::Catalog::Open((dir_ / "catalog.db").string());
    ASSERT_TRUE(opened) << opened.error().message();
    catalog_ = std::move(opened).value();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }

  void MakePlan(const std::vector<plan::RepositorySpec>& extra) {
    plan::Tier tier;
    tier.id = "gold";
    tier.rank = 2;
    tier.rpo = Duration::Minutes(15);
    tier.rto = Duration::Hours(1);
    plan_.tiers = {tier};
    plan::RepositorySpec local;
    local.id = "local";
    local.location = "/srv/repo";
    plan_.repositories = {local};
    plan_.repositories.insert(plan_.repositories.end(), extra.begin(), extra.end());
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

  // One `run` of the systems in selection_: facts, decisions, execution, breaches.
  Pass Run() {
    Pass pass;
    std::vector<std::string> notes;
    auto facts =
        GatherFacts(plan_, catalog_.get(), options_.access, selection_, clock_.now_ns(), &notes);
    EXPECT_TRUE(facts) << facts.error().message();
    if (!facts) return pass;
    pass.decisions = Decide(plan_, clock_.now_ns(), *facts, selection_);
    pass.results = Execute(plan_, pass.decisions, *catalog_, options_, clock_, {});
    pass.breaches = Breaches(plan_, clock_.now_ns(), *facts, selection_, pass.results);
    return pass;
  }

  // The repository at plan location /srv/<where>.
  std::unique_ptr<repository::Repository> Open(const std::string& where) {
    auto backend = backend::OpenLocalBackend((dir_ / "root/srv" / where).string());
    EXPECT_TRUE(backend) << backend.error().message();
    auto repo = repository::Repository::Open(std::move(backend).value(), "correct horse");
    EXPECT_TRUE(repo) << repo.error().message();
    return std::move(repo).value();
  }

  std::vector<repository::Snapshot> Snapshots(const std::string& where = "repo") {
    auto snapshots = Open(where)->LoadSnapshots();
    EXPECT_TRUE(snapshots);
    return *snapshots;
  }

  std::vector<catalog::Run> Recorded(catalog::RunKind kind) {
    catalog::RunQuery query;
    query.kind = kind;
    auto runs = catalog_->Runs(query);
    EXPECT_TRUE(runs);
    return *runs;
  }

  std::filesystem::path dir_;
  plan::Plan plan_;
  ExecuteOptions options_;
  Selection selection_;
  drill::Clock clock_;
  std::atomic<int64_t> offset_{0};
  std::unique_ptr<catalog::Catalog> catalog_;
};

}  // namespace stormproof::runner::testing

#endif  // STORMPROOF_TESTS_CONTINUITY_RUNNER_RUN_FIXTURE_H_
