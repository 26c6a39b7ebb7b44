// The `--json` progress events of every command that reports progress (docs/cli.md, "PROGRESS"):
// each status line names its counts in their own units — check counts packs as packs, never as
// bytes — and carries the fields documented for its command. STORMPROOF_TEST_PROGRESS=every
// (core/progress.h; honoured only by the test copy of the CLI) shows every event instead of one a
// second, so that small repositories produce status lines at all.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Every count a status line may carry, as "<unit>_done" and "total_<unit>".
const std::vector<std::string> kUnits = {"files", "packs", "trees", "snapshots", "bytes"};

// The status lines of `out` (one JSON object a line); other lines are left out.
std::vector<json> StatusLines(const std::string& out) {
  std::vector<json> statuses;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("{\"", 0) != 0) continue;  // a pretty-printed document's inner lines
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.value("message_type", "") == "status") statuses.push_back(j);
  }
  return statuses;
}

// The units a status line counts ("<unit>_done" fields).
std::set<std::string> CountedUnits(const json& status) {
  std::set<std::string> units;
  for (const std::string& unit : kUnits) {
    if (status.contains(unit + "_done")) units.insert(unit);
  }
  return units;
}

// Checks what every status line has: the action, the seconds elapsed, only documented fields,
// and a total only for a counted unit (with the percent).
void ExpectWellFormed(const json& status, const std::string& action) {
  EXPECT_EQ(status["action"], action) << status.dump();
  EXPECT_TRUE(status["seconds_elapsed"].is_number()) << status.dump();
  std::set<std::string> known = {"message_type", "action",  "seconds_elapsed",
                                 "phase",        "percent", "seconds_remaining"};
  for (const std::string& unit : kUnits) {
    known.insert(unit + "_done");
    known.insert("total_" + unit);
    if (status.contains("total_" + unit)) {
      EXPECT_TRUE(status.contains(unit + "_done")) << status.dump();
      EXPECT_TRUE(status.contains("percent")) << status.dump();
    }
  }
  for (const auto& [key, value] : status.items()) {
    EXPECT_TRUE(known.contains(key)) << "undocumented field " << key << ": " << status.dump();
  }
}

class ProgressEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-progress-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data" / "sub");
    repo_ = (dir_ / "repo").string();
    std::ofstream(dir_ / "password") << "correct horse\n";
    env_ = "STORMPROOF_KDF_TEST=1 STORMPROOF_TEST_PROGRESS=every STORMPROOF_PASSWORD_FILE=" +
           (dir_ / "password").string() + " STORMPROOF_REPOSITORY=" + repo_;
    Write("data/hello.txt", "hello, world\n");
    Write("data/sub/big.bin", RandomBytes(3 << 20, 1));
    Write("data/sub/empty", "");
    ASSERT_EQ(Run("init").exit_code, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  static std::string RandomBytes(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  }
  CliResult Run(const std::string& args) { return RunStormproof(args, env_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  // Runs `args` (with --json), expects success and returns its status lines.
  std::vector<json> Statuses(const std::string& args) {
    CliResult r = Run(args + " --json");
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.out << r.err;
    last_out_ = r.out;
    return StatusLines(r.out);
  }
  // The summary line of the last Statuses() run.
  json Summary() const { return json::parse(last_out_.substr(last_out_.rfind("\n{\"") + 1)); }
  // Backs up `path` and returns the snapshot id.
  std::string Backup(const std::string& path) {
    CliResult r = Run("backup --json " + path);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return LastJsonLine(r.out)["snapshot_id"];
  }
  // The progress lines a terminal shows for `args`: run under script(1) (util-linux), which
  // gives the command a pseudo-terminal: each line that "\r\033[K" starts, without those codes.
  std::vector<std::string> TerminalLines(const std::string& args) {
    std::string command = "script -qec '" + env_ + " " + STORMPROOF_BINARY + " " + args +
                          "' /dev/null </dev/null 2>&1";
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    char buffer[4096];
    for (size_t n; pipe && (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
      out.append(buffer, n);
    }
    if (pipe) ::pclose(pipe);
    std::vector<std::string> lines;
    for (size_t at = out.find("\r\033[K"); at != std::string::npos;) {
      size_t begin = at + 4, next = out.find_first_of("\r\n", begin);
      std::string line = out.substr(begin, next == std::string::npos ? next : next - begin);
      if (line.starts_with("[")) lines.push_back(line);  // else what followed a cleared line
      at = next == std::string::npos ? next : out.find("\r\033[K", next);
    }
    return lines;
  }
  // Two snapshots sharing nothing, the first forgotten: prune has packs to delete.
  void LeaveDataToPrune() {
    Write("other.bin", RandomBytes(2 << 20, 8));
    std::string gone = Backup(Path("other.bin"));
    Backup(Path("data"));
    ASSERT_EQ(Run("forget " + gone).exit_code, 0);
  }
  // Prune's events (prune, forget --prune): each phase in its unit.
  static void ExpectPrunePhases(const std::vector<json>& statuses) {
    ASSERT_FALSE(statuses.empty());
    std::set<std::string> phases;
    for (const json& s : statuses) {
      ExpectWellFormed(s, "prune");
      std::string phase = s.value("phase", "");
      phases.insert(phase);
      if (phase == "reading trees") {
        EXPECT_EQ(CountedUnits(s), std::set<std::string>{"trees"}) << s.dump();
      } else if (phase == "repacking") {
        EXPECT_EQ(CountedUnits(s), std::set<std::string>{"bytes"}) << s.dump();
      } else if (phase == "deleting packs") {
        EXPECT_EQ(CountedUnits(s), std::set<std::string>{"packs"}) << s.dump();
        EXPECT_LE(s["packs_done"].get<uint64_t>(), s["total_packs"].get<uint64_t>()) << s.dump();
      } else {
        ADD_FAILURE() << "undocumented prune phase: " << s.dump();
      }
    }
    EXPECT_TRUE(phases.contains("reading trees"));
    EXPECT_TRUE(phases.contains("deleting packs"));
  }

  fs::path dir_;
  std::string repo_, env_, last_out_;
};

TEST_F(ProgressEventsTest, BackupCountsFilesAndBytes) {
  std::vector<json> statuses = Statuses("backup " + Path("data"));
  ASSERT_FALSE(statuses.empty());
  for (const json& s : statuses) {
    ExpectWellFormed(s, "backup");
    EXPECT_EQ(CountedUnits(s), (std::set<std::string>{"files", "bytes"})) << s.dump();
    EXPECT_FALSE(s.contains("phase")) << s.dump();
  }
  json summary = Summary();
  EXPECT_EQ(statuses.back()["files_done"], 3) << statuses.back().dump();
  EXPECT_EQ(statuses.back()["bytes_done"], summary["bytes_processed"]) << statuses.back().dump();
}

TEST_F(ProgressEventsTest, RestoreCountsFilesAndBytesOfAKnownTotal) {
  std::string snapshot = Backup(Path("data"));
  std::vector<json> statuses = Statuses("restore " + snapshot + " --target " + Path("back"));
  ASSERT_FALSE(statuses.empty());
  for (const json& s : statuses) {
    ExpectWellFormed(s, "restore");
    EXPECT_EQ(CountedUnits(s), (std::set<std::string>{"files", "bytes"})) << s.dump();
  }
  const json& last = statuses.back();
  EXPECT_EQ(last["files_done"], 3) << last.dump();
  EXPECT_EQ(last["bytes_done"], Summary()["bytes"]) << last.dump();
  EXPECT_EQ(last["total_bytes"], last["bytes_done"]) << last.dump();
  EXPECT_EQ(last["percent"], 100) << last.dump();
}

// The review's finding: check put pack counts into files_done and bytes_done.
TEST_F(ProgressEventsTest, CheckCountsPacksAsPacks) {
  Backup(Path("data"));
  std::vector<json> statuses = Statuses("check --read-data");
  ASSERT_FALSE(statuses.empty());
  for (const json& s : statuses) {
    ExpectWellFormed(s, "check");
    EXPECT_EQ(CountedUnits(s), std::set<std::string>{"packs"}) << s.dump();
    EXPECT_FALSE(s.contains("total_bytes")) << s.dump();
  }
  const json& last = statuses.back();
  EXPECT_EQ(last["packs_done"], last["total_packs"]) << last.dump();
  EXPECT_EQ(last["percent"], 100) << last.dump();
}

// The terminal line too: "N / M packs (P%)", not "N files, N B".
TEST_F(ProgressEventsTest, CheckTerminalLineCountsPacks) {
  Backup(Path("data"));
  std::vector<std::string> lines = TerminalLines("check --read-data");
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    const std::regex packs(R"(^\[0:\d\d\] check \d+ / \d+ packs \(\d+%\), )");
    EXPECT_TRUE(std::regex_search(line, packs)) << line;
    EXPECT_THAT(line, Not(HasSubstr("files"))) << line;
  }
  EXPECT_THAT(lines.back(), HasSubstr(" 2 / 2 packs (100%)")) << lines.back();
}

// Backup's line stays as documented: "[m:ss] backup N files, SIZE / TOTAL (P%), RATE/s".
TEST_F(ProgressEventsTest, BackupTerminalLineIsAsDocumented) {
  std::vector<std::string> lines = TerminalLines("backup " + Path("data"));
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    const std::regex documented(R"(^\[0:\d\d\] backup \d+ files, [0-9.]+ [KMG]?i?B)");
    EXPECT_TRUE(std::regex_search(line, documented)) << line;
  }
  EXPECT_TRUE(std::regex_search(lines.back(), std::regex(R"(backup 3 files, 3\.0 MiB( /|,))")))
      << lines.back();
}

TEST_F(ProgressEventsTest, PruneNamesEachPhaseInItsUnit) {
  LeaveDataToPrune();
  ExpectPrunePhases(Statuses("prune"));
}

TEST_F(ProgressEventsTest, ForgetPruneReportsThePrunesEvents) {
  LeaveDataToPrune();
  ExpectPrunePhases(Statuses("forget --keep-last 1 --prune"));
}

TEST_F(ProgressEventsTest, RepairIndexCountsPacks) {
  Backup(Path("data"));
  std::vector<json> statuses = Statuses("repair index");
  ASSERT_FALSE(statuses.empty());
  for (const json& s : statuses) {
    ExpectWellFormed(s, "repair index");
    EXPECT_EQ(CountedUnits(s), std::set<std::string>{"packs"}) << s.dump();
  }
  const json& last = statuses.back();
  EXPECT_EQ(last["packs_done"], Summary()["packs"]) << last.dump();
  EXPECT_EQ(last["total_packs"], last["packs_done"]) << last.dump();
}

TEST_F(ProgressEventsTest, RepairSnapshotsCountsSnapshots) {
  Backup(Path("data"));
  Backup(Path("data/sub"));
  std::vector<json> statuses = Statuses("repair snapshots");
  ASSERT_FALSE(statuses.empty());
  for (const json& s : statuses) {
    ExpectWellFormed(s, "repair snapshots");
    EXPECT_EQ(CountedUnits(s), std::set<std::string>{"snapshots"}) << s.dump();
  }
  EXPECT_EQ(statuses.back()["snapshots_done"], 2) << statuses.back().dump();
  EXPECT_EQ(statuses.back()["total_snapshots"], 2) << statuses.back().dump();
}

TEST_F(ProgressEventsTest, StatsCountsSnapshotsAndTheirBytes) {
  Backup(Path("data"));
  Backup(Path("data/sub"));
  std::vector<json> statuses = Statuses("stats");
  ASSERT_EQ(statuses.size(), 2u);
  for (const json& s : statuses) {
    ExpectWellFormed(s, "stats");
    EXPECT_EQ(CountedUnits(s), (std::set<std::string>{"snapshots", "bytes"})) << s.dump();
    EXPECT_EQ(s["total_snapshots"], 2) << s.dump();
  }
  EXPECT_EQ(statuses.back()["snapshots_done"], 2);
}

TEST_F(ProgressEventsTest, DrillNamesItsStepsAndCountsBytesRestored) {
  std::string data = Path("data");
  std::ofstream(dir_ / "plan.yaml") << R"(version: 1
msp: {id: acme, name: Acme IT}
people:
  - {id: ann, name: Ann, contacts: {email: ann@example.com}}
tiers: [{id: t1, rank: 1, rto: 2h, rpo: 1d, drill_every: monthly}]
repositories:
  - {id: local, location: )" << repo_ << R"(}
systems:
  - id: app
    owner: ann
    tier: t1
    backup: {paths: [)" << data << R"(], repositories: [local]}
    restore:
      checklist: [Tell the client it is back]
      verify: 'test -s "$STORMPROOF_RESTORE_PATH)" << data << R"(/hello.txt"'
)";
  CliResult backup = Run("backup --tag system=app " + data);
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  // A drill's --json output is one document (the drill report), so its status lines go to
  // stderr and stdout parses as a whole.
  CliResult drill = Run("drill --plan " + Path("plan.yaml") + " --scratch " + Path("scratch") +
                        " --system app --json");
  ASSERT_EQ(drill.exit_code, 0) << drill.out << drill.err;
  json report = json::parse(drill.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(report.is_discarded()) << "stdout is not one JSON document:\n" << drill.out;
  EXPECT_EQ(report["system"]["id"], "app") << drill.out;
  std::vector<json> statuses = StatusLines(drill.err);
  ASSERT_FALSE(statuses.empty()) << drill.err;
  std::set<std::string> phases;
  uint64_t restored = 0;
  for (const json& s : statuses) {
    ExpectWellFormed(s, "drill app");
    ASSERT_TRUE(s.contains("phase")) << s.dump();
    phases.insert(s["phase"].get<std::string>());
    std::set<std::string> units = CountedUnits(s);
    EXPECT_TRUE(units.contains("bytes")) << s.dump();
    units.erase("bytes");
    units.erase("files");
    EXPECT_TRUE(units.empty()) << s.dump();
    restored = s["bytes_done"].get<uint64_t>();
  }
  for (const char* step : {"locate snapshot", "restore", "verify data", "verify application"}) {
    EXPECT_TRUE(phases.contains(step)) << step;
  }
  EXPECT_EQ(restored, 13u + (3u << 20)) << "the bytes restored, carried to the last step";
}

}  // namespace
}  // namespace stormproof::testing
