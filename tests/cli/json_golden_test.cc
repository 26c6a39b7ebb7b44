// The shape of every command's --json output, pinned by a golden file so that format drift (a
// renamed key, a number that became a string, a dropped field) fails a test instead of a
// customer's script.
//
// Each command runs with --json on a small fixed world (a plan with one system, its data and a
// repository built here); its output is reduced to its SHAPE and compared with
// tests/testdata/golden/<command>.json. The shape keeps every key and replaces each value by its
// type ("<string>", "<number>", "<boolean>", "<null>"); an array becomes the distinct shapes of
// its elements (sorted), an output of several JSON lines the distinct shapes of its lines in the
// order they first appear. Ids, times and sizes therefore never make the test flaky.
//
// After an intended change of a --json format, rewrite the goldens and review the diff:
//   STORMPROOF_UPDATE_GOLDEN=1 STORMPROOF_KDF_TEST=1 build/tests/cli_json_golden_test
// (docs/cli.md documents the formats; update it in the same change).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/repository/repository.h"
#include "engine/repository/signals.h"
#include "tests/cli/cli_runner.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The type-only shape of `value` (see the file comment).
json Shape(const json& value) {
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, item] : value.items()) out[key] = Shape(item);
    return out;
  }
  if (value.is_array()) {
    std::vector<std::string> seen;
    json out = json::array();
    for (const json& item : value) {
      json shape = Shape(item);
      std::string text = shape.dump();
      if (std::find(seen.begin(), seen.end(), text) != seen.end()) continue;
      seen.push_back(text);
      out.push_back(std::move(shape));
    }
    std::sort(out.begin(), out.end(),
              [](const json& a, const json& b) { return a.dump() < b.dump(); });
    return out;
  }
  if (value.is_string()) return "<string>";
  if (value.is_number()) return "<number>";
  if (value.is_boolean()) return "<boolean>";
  return "<null>";
}

// The shape of a command's standard output: one JSON document, or JSON lines (the distinct
// shapes of the lines in order of first appearance). A line that is not JSON is kept as
// "not JSON: <line>" so that the comparison fails and shows it.
json OutputShape(const std::string& out) {
  std::istringstream lines(out);
  std::string line;
  json shapes = json::array();
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    json doc = json::parse(line, nullptr, /*allow_exceptions=*/false);
    json shape = doc.is_discarded() ? json("not JSON: " + line) : Shape(doc);
    if (std::find(shapes.begin(), shapes.end(), shape) == shapes.end()) shapes.push_back(shape);
  }
  return shapes.size() == 1 ? shapes[0] : shapes;
}

bool Updating() {
  const char* update = std::getenv("STORMPROOF_UPDATE_GOLDEN");
  return update != nullptr && std::string(update) == "1";
}

class JsonGoldenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stormproof-json-golden-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data/app/conf");
    std::ofstream(dir_ / "data/app/conf/app.ini") << "[app]\nready=yes\n";
    std::ofstream(dir_ / "data/app/payload.bin") << std::string(100000, 'p');
    std::ofstream(dir_ / "password") << "golden password\n";
    WritePlan();
    env_ = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / "password").string() +
           " STORMPROOF_REPOSITORY=" + Repo();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Repo() const { return (dir_ / "repo").string(); }
  std::string Data() const { return (dir_ / "data/app").string(); }
  std::string PlanFlag() const { return "--plan " + (dir_ / "plan.yaml").string() + " "; }
  void WritePlan() {
    std::ofstream(dir_ / "plan.yaml") << R"(version: 1
msp: {id: acme, name: Acme IT}
people:
  - {id: ann, name: Ann, contacts: {email: ann@example.com}, deputy: bob, skills: [app]}
  - {id: bob, name: Bob, contacts: {email: bob@example.com}, skills: [app]}
clients:
  - {id: shop, name: The Shop}
tiers: [{id: t1, rank: 1, rto: 2h, rpo: 1d, drill_every: monthly}]
repositories:
  - {id: local, location: )" << Repo() << R"(}
systems:
  - id: app
    client: shop
    owner: ann
    tier: t1
    skills: [app]
    backup: {paths: [)" << Data() << R"(], repositories: [local]}
    restore:
      checklist:
        - {step: Restore the app, skill: app}
      verify: 'grep -q ready=yes "$STORMPROOF_RESTORE_PATH)"
                                      << Data() << R"(/conf/app.ini"'
)";
  }

  // Runs `stormproof --json -q <args>` (expecting `exit_code`) and compares the shape of its
  // output with golden/<name>.json, or rewrites that file under STORMPROOF_UPDATE_GOLDEN=1.
  // -q: progress events have their own contract (progress_events_test.cc); these are results.
  void ExpectShape(const std::string& name, const std::string& args, int exit_code = 0) {
    CliResult r = RunStormproof("--json -q " + args, env_);
    ASSERT_EQ(r.exit_code, exit_code) << name << ": " << r.out << r.err;
    std::string actual = OutputShape(r.out).dump(2) + "\n";
    fs::path golden = fs::path(STORMPROOF_TESTDATA) / "golden" / (name + ".json");
    if (Updating()) {
      fs::create_directories(golden.parent_path());
      std::ofstream(golden, std::ios::binary) << actual;
      return;
    }
    ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; create it with "
                                    << "STORMPROOF_UPDATE_GOLDEN=1 (see this file's header)";
    EXPECT_EQ(ReadAll(golden.string()), actual)
        << "the --json output of '" << name << "' changed shape (golden " << golden
        << "); if intended, rerun with STORMPROOF_UPDATE_GOLDEN=1 and update docs/cli.md";
  }

  // Gives the newest snapshot a ransomware verdict (as a backup with detection does), through
  // the repository library: the snapshot is saved again with it and the original removed.
  void JudgeNewestSnapshot() {
    auto backend = backend::OpenLocalBackend(Repo());
    ASSERT_TRUE(backend.has_value()) << backend.error().message();
    auto repo = repository::Repository::Open(std::move(backend).value(), "golden password");
    ASSERT_TRUE(repo.has_value()) << repo.error().message();
    auto snapshots = (*repo)->LoadSnapshots();
    ASSERT_TRUE(snapshots.has_value() && !snapshots->empty());
    repository::Snapshot judged = snapshots->back();
    judged.verdict = repository::Verdict{
        repository::Verdict::Level::kSuspicious, 45, {"40% of the files changed"}, "detect/1"};
    ASSERT_TRUE((*repo)->SaveSnapshot(judged).has_value());
    ASSERT_TRUE((*repo)->RemoveSnapshot(snapshots->back().id).has_value());
  }

  fs::path dir_;
  std::string env_;
};

TEST_F(JsonGoldenTest, EveryCommandKeepsItsJsonShape) {
  ExpectShape("init", "init");
  ExpectShape("backup", "backup --tag system=app " + Data());
  std::ofstream(dir_ / "data/app/conf/new.ini") << "added\n";
  ASSERT_EQ(RunStormproof("backup -q --tag system=app " + Data(), env_).exit_code, 0);
  JudgeNewestSnapshot();
  CliResult listed = RunStormproof("--json snapshots", env_);
  json snapshots = json::parse(listed.out);
  ASSERT_EQ(snapshots.size(), 2u) << listed.out;
  const std::string first = snapshots[0]["id"], second = snapshots[1]["id"];
  ExpectShape("snapshots", "snapshots");
  const std::string offsite = (dir_ / "offsite").string();
  ASSERT_EQ(RunStormproof("--repo " + offsite + " init", env_).exit_code, 0);
  ExpectShape("copy", "--repo " + offsite + " copy --from-repo " + Repo() +
                          " --from-password-file " + (dir_ / "password").string());
  ExpectShape("ls", "ls latest");
  ExpectShape("diff", "diff " + first + " " + second);
  ExpectShape("stats", "stats");
  ExpectShape("scan", "scan --all --dry-run");
  ExpectShape("restore", "restore latest --verify --target " + (dir_ / "restored").string());
  ExpectShape("check", "check --read-data");
  ExpectShape("key-list", "key list");
  ExpectShape("hold-add", "hold add " + first + " --reason 'kept for the insurer'");
  ExpectShape("hold-list", "hold list --all");
  // The judged snapshot is a false alarm: nothing is flagged, so forget places no hold.
  ExpectShape("hold-release", "hold release --false-alarm " + second);
  ExpectShape("hold-false-alarms", "hold list --false-alarms");
  ASSERT_EQ(RunStormproof("hold release " + first, env_).exit_code, 0);
  ExpectShape("hold-list-released", "hold list --all");  // who released it, when and why
  ExpectShape("forget", "forget --keep-last 1");
  ExpectShape("prune", "prune");
  ExpectShape("repair-index", "repair index");
  ExpectShape("repair-snapshots", "repair snapshots");
  ExpectShape("plan-check", PlanFlag() + "plan check");
  ExpectShape("plan-audit", PlanFlag() + "plan audit --fail-on never");
  ExpectShape("plan-order", PlanFlag() + "plan order");
  ExpectShape("plan-order-clean-points", PlanFlag() + "plan order --clean-points");
  ExpectShape("plan-render", PlanFlag() + "plan render");
  ExpectShape("calendar", PlanFlag() + "calendar");
  ExpectShape("drill", PlanFlag() + "drill --system app --scratch " + (dir_ / "scratch").string());
  ExpectShape("run", PlanFlag() + "run --dry-run");
  ExpectShape("status", PlanFlag() + "status");
  ExpectShape("report", PlanFlag() + "report --out " + (dir_ / "report.html").string());
}

}  // namespace
}  // namespace stormproof::testing
