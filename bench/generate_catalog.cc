// Fills a catalog with recorded runs over a plan's systems, for benchmarking `stormproof status`:
//   generate_catalog --plan FILE --runs N [--out DB] [--until YYYY-MM-DD] [--seed S]
// Each system gets an equal share of backups, spaced by half its RPO (1h when it has none) and
// ending at --until, about 1% of them failed; each repository a daily check; each system a
// passing drill every 30 days over the last half year. The catalog is the plan's run.catalog
// unless --out names another file. Runs are added in large transactions (Catalog::AddRuns).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <random>
#include <string>
#include <vector>

#include "continuity/catalog/catalog.h"
#include "continuity/plan/loader.h"

namespace {

using stormproof::catalog::Run;
using stormproof::catalog::RunKind;
namespace catalog = stormproof::catalog;
namespace plan = stormproof::plan;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kDay = 86400 * kSecond;
constexpr size_t kBatch = 50'000;

struct Flags {
  std::string plan_path, out, until = "2026-11-26";
  int64_t runs = 1'000'000;
  unsigned seed = 42;
};

class Writer {
 public:
  explicit Writer(catalog::Catalog* catalog) : catalog_(catalog) {}
  bool Add(Run run) {
    batch_.push_back(std::move(run));
    return batch_.size() < kBatch || Flush();
  }
  bool Flush() {
    if (batch_.empty()) return true;
    auto status = catalog_->AddRuns(batch_);
    if (!status) fmt::print(stderr, "generate_catalog: {}\n", status.error().message());
    batch_.clear();
    return status.has_value();
  }

 private:
  catalog::Catalog* catalog_;
  std::vector<Run> batch_;
};

Run MakeRun(RunKind kind, const std::string& system, const std::string& repository, int64_t at) {
  Run run;
  run.kind = kind;
  run.system = system;
  run.repository = repository;
  run.started_ns = at;
  run.finished_ns = at + 90 * kSecond;
  return run;
}

bool AddBackups(const plan::Plan& p, const plan::System& system, int64_t count, int64_t end,
                std::mt19937_64& rng, Writer* writer) {
  std::optional<stormproof::Duration> rpo = plan::ObjectivesOf(p, system).rpo;
  int64_t step = rpo ? std::max<int64_t>(60, rpo->seconds() / 2) * kSecond : 3600 * kSecond;
  std::string repo = system.backup.repositories.empty() ? "" : system.backup.repositories[0].id;
  for (int64_t i = 0; i < count; ++i) {
    Run run = MakeRun(RunKind::kBackup, system.id, repo, end - i * step);
    run.client = system.client ? system.client->id : "";
    run.bytes = 50'000'000'000 + rng() % 1'000'000'000;
    run.files = 100'000;
    run.snapshot_time_ns = run.started_ns;
    run.snapshot_id = fmt::format("{:016x}", rng());
    if (rng() % 100 == 0) {
      run.outcome = catalog::Outcome::kError;
      run.error = "repository unreachable";
      run.snapshot_id.clear();
    }
    if (!writer->Add(std::move(run))) return false;
  }
  return true;
}

bool AddDrills(const plan::System& system, int64_t end, std::mt19937_64& rng,
               catalog::Catalog* catalog) {
  for (int64_t at = end - 180 * kDay; at < end; at += 30 * kDay) {
    Run run = MakeRun(RunKind::kDrill, system.id, "", at);
    run.bytes = 50'000'000'000;
    run.snapshot_time_ns = at - 3600 * kSecond;
    catalog::Drill drill;
    drill.adapter = "stormproof";
    drill.throughput_bytes_per_s = 80e6 + static_cast<double>(rng() % 40'000'000);
    drill.achieved_rto_ms = 700'000 + static_cast<int64_t>(rng() % 200'000);
    drill.steps = {{"locate snapshot", 200, catalog::Outcome::kOk, ""},
                   {"restore", 625'000, catalog::Outcome::kOk, ""},
                   {"verify data", 60'000, catalog::Outcome::kOk, ""},
                   {"verify application", 5'000, catalog::Outcome::kOk, ""}};
    if (!catalog->AddDrill(run, drill)) return false;
  }
  return true;
}

int Generate(const Flags& flags) {
  plan::LoadResult loaded = plan::LoadPlan(flags.plan_path);
  if (!loaded.readable || loaded.plan.systems.empty()) {
    fmt::print(stderr, "generate_catalog: cannot read a plan with systems from {}\n",
               flags.plan_path);
    return 1;
  }
  const plan::Plan& p = loaded.plan;
  auto until = stormproof::Date::Parse(flags.until);
  if (!until) {
    fmt::print(stderr, "generate_catalog: --until: {}\n", until.error().message());
    return 1;
  }
  auto opened = catalog::Catalog::Open(flags.out.empty() ? p.run.catalog : flags.out);
  if (!opened) {
    fmt::print(stderr, "generate_catalog: {}\n", opened.error().message());
    return 1;
  }
  catalog::Catalog* catalog = opened->get();
  std::mt19937_64 rng(flags.seed);
  const int64_t end = until->days_since_epoch() * kDay + 20 * 3600 * kSecond;
  Writer writer(catalog);
  int64_t checks_per_repo = 365;
  int64_t checks = checks_per_repo * static_cast<int64_t>(p.repositories.size());
  int64_t drills = 6 * static_cast<int64_t>(p.systems.size());
  int64_t backups = std::max<int64_t>(0, flags.runs - checks - drills);
  for (const plan::RepositorySpec& repo : p.repositories) {
    for (int64_t d = 0; d < checks_per_repo; ++d) {
      if (!writer.Add(MakeRun(RunKind::kCheck, "", repo.id, end - d * kDay))) return 1;
    }
  }
  for (size_t i = 0; i < p.systems.size(); ++i) {
    int64_t share = backups / static_cast<int64_t>(p.systems.size()) +
                    (static_cast<int64_t>(i) < backups % static_cast<int64_t>(p.systems.size()));
    if (!AddBackups(p, p.systems[i], share, end, rng, &writer)) return 1;
    if (!AddDrills(p.systems[i], end, rng, catalog)) return 1;
  }
  if (!writer.Flush()) return 1;
  auto count = catalog->CountRuns();
  fmt::print("{} runs in {}\n", count ? *count : -1, catalog->path());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app{"Fill a catalog with generated runs over a plan's systems (benchmarks)"};
  app.add_option("--plan", flags.plan_path, "The plan's root file")->required();
  app.add_option("--runs", flags.runs, "Runs to record in total (default 1,000,000)");
  app.add_option("--out", flags.out, "The catalog file (default the plan's run.catalog)");
  app.add_option("--until", flags.until, "Date of the newest runs (default 2026-11-26)");
  app.add_option("--seed", flags.seed, "Random seed (default 42)");
  CLI11_PARSE(app, argc, argv);
  return Generate(flags);
}
