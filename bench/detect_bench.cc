// detect_bench: the ransomware detector's confusion table (issue 16). For every attack kind of
// the simulator and every benign heavy change (tests/support/ransom), over many seeds, one
// system lives through a first backup, days of ordinary churn, then the scenario, each step
// backed up and judged as `backup` judges it; the table counts how often each scenario was
// flagged, at which level, and whether the newest clean restore point was exactly the last
// snapshot before the attack. bench/detect-bench runs it (see bench/README.md).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/detect/verdict.h"
#include "tests/support/ransom/scenario.h"

namespace {

namespace fs = std::filesystem;
namespace ransom = stormproof::testing::ransom;
using stormproof::repository::Verdict;

struct Row {
  std::string name;
  bool attack = false;
  int runs = 0, flagged = 0, suspicious = 0, infected = 0, exact_point = 0, errors = 0;
  double affected_percent = 0;  // mean share of the dataset's files the attack touched
};

struct Options {
  int seeds = 20;
  size_t files = 500;
  double scale = 0.05;
  double fraction = 0.03;
  std::string work = fs::exists("/dev/shm") ? "/dev/shm" : "/tmp";
};

// One run of `spec`: counts it into `row`.
void Count(const Options& options, const ransom::ScenarioSpec& spec, Row* row) {
  std::string root = options.work + "/stormproof-detect-bench-" + std::to_string(::getpid());
  fs::remove_all(root);
  stormproof::Result<ransom::ScenarioRun> run = ransom::RunScenario(root, spec);
  fs::remove_all(root);
  ++row->runs;
  if (!run || !run->history_clean) {
    ++row->errors;
    if (!run) fmt::print(stderr, "{} seed {}: {}\n", row->name, spec.seed, run.error().message());
    return;
  }
  // An attack is detected when a snapshot it took was flagged: the first one, but for the slow
  // attack, spread on purpose, by its last step.
  bool flagged = false;
  std::optional<Verdict::Level> worst;
  for (size_t i = run->last_clean + 1; i < run->snapshots.size(); ++i) {
    Verdict::Level level = run->snapshots[i].verdict->level;
    bool first = i == run->last_clean + 1;
    if (level != Verdict::Level::kClean && (first || spec.attack == ransom::AttackKind::kSlow)) {
      flagged = true;
    }
    if (!worst || level > *worst) worst = level;
  }
  row->flagged += flagged ? 1 : 0;
  row->suspicious += worst == Verdict::Level::kSuspicious ? 1 : 0;
  row->infected += worst == Verdict::Level::kInfected ? 1 : 0;
  auto point =
      stormproof::detect::NewestClean(
          stormproof::detect::JudgedSnapshotsOf(run->snapshots, run->marks));
  size_t expected = spec.attack ? run->last_clean : run->snapshots.size() - 1;
  row->exact_point += point && point->index == expected ? 1 : 0;
  row->affected_percent += 100.0 * static_cast<double>(run->affected) / run->files;
}

std::string Percent(int part, int whole) {
  return whole == 0 ? "—" : fmt::format("{:.0f}%", 100.0 * part / whole);
}

void PrintTable(const std::vector<Row>& rows, const Options& options) {
  fmt::print("{} seeds, {} files per dataset (scale {}), attacks on {:.0f}% of their targets\n\n",
             options.seeds, options.files, options.scale, 100 * options.fraction);
  fmt::print("| scenario | runs | flagged | suspicious | infected | clean point exact | "
             "files hit |\n|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows) {
    fmt::print("| {} {} | {} | {} ({}) | {} | {} | {} | {} |\n", r.attack ? "attack" : "benign",
               r.name, r.runs, r.flagged, Percent(r.flagged, r.runs), r.suspicious, r.infected,
               Percent(r.exact_point, r.runs),
               r.attack ? fmt::format("{:.1f}%", r.affected_percent / std::max(1, r.runs))
                        : std::string("—"));
    if (r.errors > 0) fmt::print("|   ({} runs failed) | | | | | | |\n", r.errors);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::string only;
  CLI::App app{"The ransomware detector's confusion table over seeded simulated attacks and "
               "benign heavy changes (tests/support/ransom)."};
  app.add_option("--seeds", options.seeds, "Runs per scenario, seeds 1..N")
      ->check(CLI::PositiveNumber);
  app.add_option("--files", options.files, "Files per dataset (at least 40)");
  app.add_option("--scale", options.scale, "Dataset file size factor");
  app.add_option("--fraction", options.fraction, "Share of an attack's targets it hits");
  app.add_option("--only", only, "Only the scenarios whose name contains this");
  app.add_option("--work", options.work, "Directory for the datasets (default /dev/shm)");
  CLI11_PARSE(app, argc, argv);

  std::vector<Row> rows;
  auto run_all = [&](Row row, ransom::ScenarioSpec spec) {
    if (!only.empty() && row.name.find(only) == std::string::npos) return;
    for (int seed = 1; seed <= options.seeds; ++seed) {
      spec.seed = static_cast<uint64_t>(seed);
      Count(options, spec, &row);
    }
    fmt::print(stderr, "{}: {}/{} flagged\n", row.name, row.flagged, row.runs);
    rows.push_back(row);
  };
  const auto start = std::chrono::steady_clock::now();
  for (ransom::AttackKind kind : ransom::kAllAttackKinds) {
    ransom::ScenarioSpec spec;
    spec.attack = kind;
    spec.fraction = options.fraction;
    spec.files = options.files;
    spec.scale = options.scale;
    // Partial encryption needs files larger than its blocks to show its shape.
    if (kind == ransom::AttackKind::kIntermittentEvery10MiB ||
        kind == ransom::AttackKind::kFirst4KiB || kind == ransom::AttackKind::kStride64KiB) {
      spec.scale = std::max(spec.scale, 0.4);
    }
    Row row;
    row.name = ransom::AttackKindName(kind);
    row.attack = true;
    run_all(row, spec);
  }
  for (ransom::BenignKind kind : ransom::kAllBenignKinds) {
    ransom::ScenarioSpec spec;
    spec.benign = kind;
    spec.files = options.files;
    spec.scale = options.scale;
    Row row;
    row.name = ransom::BenignKindName(kind);
    run_all(row, spec);
  }
  PrintTable(rows, options);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  fmt::print("\n{:.0f} s\n", took.count());
  return 0;
}
