// End-to-end tests of `stormproof scan` (issue 16): snapshots taken without detection are
// judged after the fact, exit 3 when one is flagged, keep their verdicts as marks that
// `restore latest-clean` honours; --dry-run writes nothing, --all judges again, --json's shape;
// a restic or borg repository is refused in one line saying why.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.h"
#include "tests/cli/ransomware_fixture.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 random(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(random() & 0xFF);
  return out;
}

std::vector<json> JsonLines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

// The share of ransomware_fixture.h, backed up without detection (as before the feature).
class ScanCliTest : public RansomwareCliTest {
 protected:
  // Three days of ordinary work, each backed up without detection (as before the feature).
  void BackUpThreeDaysUnjudged(const std::string& flags = "") {
    for (int day = 1; day <= 3; ++day) {
      Write(day % kDirs, 0, Document(day % kDirs, 0, day));
      CliResult backup = Run("backup --no-detect " + flags + Share().string());
      ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
    }
  }
  // A fifth of the documents encrypted in place, backed up without detection.
  void AttackUnjudged() {
    for (int d = 0; d < kDirs; ++d) {
      for (int f = 0; f < kFilesPerDir / 5 + 1; ++f) Write(d, f, RandomBytes(12'000, d * 100 + f));
    }
    CliResult backup = Run("backup --no-detect " + Share().string());
    ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  }
};

TEST_F(ScanCliTest, JudgesSnapshotsTakenWithoutDetectionAndExits3) {
  BackUpThreeDaysUnjudged();
  AttackUnjudged();
  CliResult scan = Run("scan");
  EXPECT_EQ(scan.exit_code, 3) << scan.out << scan.err;
  const std::vector<std::string> ids = [&] {
    std::vector<std::string> out;
    for (const json& s : json::parse(Run("snapshots --json").out)) out.push_back(s["short_id"]);
    return out;
  }();
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_THAT(scan.out, HasSubstr(ids[0] + "  "));
  EXPECT_THAT(scan.out, HasSubstr("  INFECTED "));
  EXPECT_THAT(scan.out, HasSubstr("look encrypted"));
  EXPECT_THAT(scan.out, HasSubstr("scanned 4 snapshot(s): 3 clean, 0 suspicious, 1 infected; "
                                  "verdicts saved as marks\n"));
  EXPECT_THAT(scan.out, HasSubstr(": newest clean restore point: snapshot " + ids[2]));
  // Each now has a verdict (a mark): nothing left to scan.
  CliResult again = Run("scan");
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, StartsWith("nothing to scan"));
  json listed = json::parse(Run("snapshots --json").out);
  EXPECT_EQ(listed.back()["later_verdict"]["level"], "infected") << listed.back().dump();
}

TEST_F(ScanCliTest, CleanHistoryExits0) {
  BackUpThreeDaysUnjudged();
  CliResult scan = Run("scan");
  EXPECT_EQ(scan.exit_code, 0) << scan.out << scan.err;
  EXPECT_THAT(scan.out, HasSubstr("scanned 3 snapshot(s): 3 clean, 0 suspicious, 0 infected"));
  EXPECT_THAT(scan.out, ::testing::Not(HasSubstr("restore point")));
}

TEST_F(ScanCliTest, RestoreLatestCleanHonoursTheScansVerdicts) {
  BackUpThreeDaysUnjudged();
  AttackUnjudged();
  const fs::path out = dir_ / "out";
  CliResult before = Run("restore latest-clean --target " + out.string());
  EXPECT_NE(before.exit_code, 0) << before.out << before.err;  // nothing was ever judged
  ASSERT_EQ(Run("scan").exit_code, 3);
  CliResult restore = Run("restore latest-clean --target " + out.string());
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  std::ifstream restored(out / fs::relative(FileOf(0, 0), "/"), std::ios::binary);
  std::stringstream content;
  content << restored.rdbuf();
  EXPECT_EQ(content.str(), Document(0, 0, 0));  // day 3 changed dept3, not dept0
}

// Long work shows where it is: a status event per snapshot judged, in --json as elsewhere.
TEST_F(ScanCliTest, ReportsProgressPerSnapshot) {
  BackUpThreeDaysUnjudged();
  CliResult scan = RunStormproof("--json scan", env_ + " STORMPROOF_TEST_PROGRESS=every");
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  size_t statuses = 0;
  for (const json& line : JsonLines(scan.out)) {
    if (line.value("message_type", "") != "status") continue;
    ++statuses;
    EXPECT_EQ(line.value("total_snapshots", 0), 3) << line.dump();
  }
  EXPECT_EQ(statuses, 3u) << scan.out;
}

TEST_F(ScanCliTest, DryRunWritesNothingAndAllJudgesAgain) {
  BackUpThreeDaysUnjudged();
  AttackUnjudged();
  CliResult dry = Run("--json scan --dry-run");
  EXPECT_EQ(dry.exit_code, 3) << dry.out << dry.err;
  std::vector<json> lines = JsonLines(dry.out);
  ASSERT_EQ(lines.size(), 5u) << dry.out;
  for (size_t i = 0; i < 4; ++i) {
    const json& s = lines[i];
    EXPECT_EQ(s["message_type"], "snapshot");
    for (const char* key : {"id", "short_id", "time", "hostname", "paths", "verdict", "mark"}) {
      EXPECT_TRUE(s.contains(key)) << key << " in " << s.dump();
    }
    EXPECT_TRUE(s["mark"].is_null());
    EXPECT_TRUE(s["verdict"].contains("level") && s["verdict"].contains("score") &&
                s["verdict"].contains("reasons"))
        << s.dump();
  }
  EXPECT_EQ(lines[3]["verdict"]["level"], "infected");
  const json& summary = lines[4];
  EXPECT_EQ(summary["message_type"], "summary");
  EXPECT_EQ(summary["scanned"], 4);
  EXPECT_EQ(summary["clean"], 3);
  EXPECT_EQ(summary["suspicious"], 0);
  EXPECT_EQ(summary["infected"], 1);
  EXPECT_EQ(summary["dry_run"], true);
  ASSERT_EQ(summary["clean_points"].size(), 1u);
  // Nothing saved: the snapshots have no verdict, and a real scan judges all four.
  for (const json& s : json::parse(Run("snapshots --json").out)) {
    EXPECT_TRUE(s["later_verdict"].is_null()) << s.dump();
  }
  CliResult scan = Run("--json scan");
  EXPECT_EQ(scan.exit_code, 3);
  lines = JsonLines(scan.out);
  ASSERT_EQ(lines.size(), 5u) << scan.out;
  EXPECT_TRUE(lines[0]["mark"].is_string()) << lines[0].dump();
  // --all judges the judged ones again; a named snapshot is scanned whatever it has.
  CliResult all = Run("--json scan --all --dry-run");
  EXPECT_EQ(all.exit_code, 3);
  EXPECT_EQ(JsonLines(all.out).back()["scanned"], 4);
  CliResult latest = Run("scan latest");
  EXPECT_EQ(latest.exit_code, 3) << latest.out << latest.err;
  EXPECT_THAT(latest.out, HasSubstr("scanned 1 snapshot(s): 0 clean, 0 suspicious, 1 infected"));
  CliResult both = Run("scan --all latest");
  EXPECT_EQ(both.exit_code, 2) << both.err;
}

// R12-2: a slow attack (3 of 660 documents encrypted per backup, each backup without detection)
// found by scan has its earlier steps marked and the clean point held, as a backup with detection
// does: restore latest-clean then restores the last snapshot before the attack's first step.
TEST_F(ScanCliTest, ASlowAttackFoundByScanMovesTheCleanPointBeforeItsFirstStep) {
  constexpr int kBulk = 600, kSteps = 5, kPerStep = 3;
  const fs::path bulk = Share() / "bulk";
  fs::create_directories(bulk);
  auto doc = [&](int n) { return bulk / ("doc" + std::to_string(n) + ".txt"); };
  for (int n = 0; n < kBulk; ++n) std::ofstream(doc(n)) << Document(7, n, 0);
  for (int day = 1; day <= 6; ++day) {
    Write(0, 0, Document(0, 0, day));
    CliResult backup = Run("backup --no-detect " + Share().string());
    ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  }
  for (int step = 0; step < kSteps; ++step) {
    for (int k = 0; k < kPerStep; ++k) {
      const int n = 100 + step * 10 + k;
      std::ofstream(doc(n), std::ios::binary | std::ios::trunc) << RandomBytes(12'000, n);
    }
    CliResult backup = Run("backup --no-detect " + Share().string());
    ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  }
  const fs::path twin = dir_ / "twin";  // the same snapshots, for --json
  fs::copy(dir_ / "repo", twin, fs::copy_options::recursive);
  CliResult scan = Run("scan");
  EXPECT_EQ(scan.exit_code, 3) << scan.out << scan.err;
  EXPECT_THAT(scan.out, HasSubstr(" suspicious: part of a slow attack that snapshot "));
  EXPECT_THAT(scan.out, HasSubstr("\nheld snapshot "));
  EXPECT_THAT(scan.out, HasSubstr(": newest clean restore point before suspicious snapshot "));
  const fs::path out = dir_ / "out";
  CliResult restore = Run("restore latest-clean --target " + out.string());
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  for (int n = 0; n < kBulk; ++n) {
    ASSERT_EQ(ReadFile(out / fs::relative(doc(n), "/")), Document(7, n, 0)) << doc(n);
  }

  CliResult listed = Run("--json scan --repo " + twin.string());
  EXPECT_EQ(listed.exit_code, 3) << listed.out << listed.err;
  size_t steps = 0, holds = 0;
  for (const json& line : JsonLines(listed.out)) {
    if (!line.contains("marks")) continue;
    EXPECT_NE(line["verdict"]["level"], "clean") << line.dump();
    EXPECT_FALSE(line.contains("marks_failed")) << line.dump();
    for (const json& mark : line["marks"]) {
      EXPECT_TRUE(mark["name"].is_string() && mark["snapshot"].is_string()) << mark.dump();
      if (mark["kind"] == "hold") ++holds;
      if (mark["kind"] == "verdict") {
        ++steps;
        EXPECT_EQ(mark["level"], "suspicious");
        EXPECT_THAT(mark["reason"].get<std::string>(), HasSubstr("part of a slow attack"));
      }
    }
  }
  EXPECT_GE(steps, 1u) << listed.out;
  EXPECT_EQ(holds, 4u) << listed.out;  // three clean points and the attack's first step
}

TEST_F(ScanCliTest, AChangedCanaryIsInfected) {
  const fs::path canary = Share() / "dept1" / "!Budget 2027.xlsx";
  std::ofstream(canary) << "decoy: nobody opens this\n";
  BackUpThreeDaysUnjudged();
  std::ofstream(canary, std::ios::app) << "touched\n";
  ASSERT_EQ(Run("backup --no-detect " + Share().string()).exit_code, 0);
  CliResult plain = Run("scan --dry-run");
  EXPECT_EQ(plain.exit_code, 0) << plain.out;  // without --canary, one edited file is nothing
  CliResult scan = Run("scan --dry-run --canary '" + canary.string() + "'");
  EXPECT_EQ(scan.exit_code, 3) << scan.out << scan.err;
  EXPECT_THAT(scan.out, HasSubstr("Budget 2027.xlsx"));
}

// R12-14: snapshots judged without the canaries (an earlier scan without --canary) are passed
// over by `scan --canary`, with a warning that says so and how to judge them again.
TEST_F(ScanCliTest, ACanaryScanSaysWhichSnapshotsItDidNotCheck) {
  const fs::path canary = Share() / "dept1" / "!Budget 2027.xlsx";
  std::ofstream(canary) << "decoy: nobody opens this\n";
  BackUpThreeDaysUnjudged();
  std::ofstream(canary, std::ios::app) << "touched\n";
  ASSERT_EQ(Run("backup --no-detect " + Share().string()).exit_code, 0);
  ASSERT_EQ(Run("scan").exit_code, 0);  // judged without the canary: clean
  const std::string flag = " --canary '" + canary.string() + "'";
  CliResult passed = Run("scan" + flag);
  EXPECT_EQ(passed.exit_code, 0) << passed.out << passed.err;
  EXPECT_EQ(passed.err,
            "stormproof: warning: the canaries were not checked in the 4 snapshot(s) that already "
            "have a verdict (scan --all --canary ... judges them again)\n");
  CliResult named = Run("scan latest" + flag);  // a named snapshot is judged again
  EXPECT_EQ(named.exit_code, 3) << named.out << named.err;
  EXPECT_EQ(named.err, "");
  CliResult all = Run("scan --all" + flag);
  EXPECT_EQ(all.exit_code, 3) << all.out << all.err;
  EXPECT_EQ(all.err, "");
  EXPECT_THAT(all.out, HasSubstr("Budget 2027.xlsx"));
}

// A snapshot whose trees are damaged cannot be judged: one line names it, the others are
// judged and saved, exit 3 (damage), and it gets no verdict (the next scan tries it again).
TEST_F(ScanCliTest, ADamagedSnapshotIsNamedAndTheOthersAreJudged) {
  auto packs = [&] {
    std::set<fs::path> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir_ / "repo" / "data")) {
      if (entry.is_regular_file()) out.insert(entry.path());
    }
    return out;
  };
  BackUpThreeDaysUnjudged();
  const std::set<fs::path> before = packs();
  Write(2, 2, Document(2, 2, 9));
  ASSERT_EQ(Run("backup --no-detect " + Share().string()).exit_code, 0);
  for (const fs::path& pack : packs()) {
    if (before.contains(pack)) continue;
    fs::permissions(pack, fs::perms::owner_write, fs::perm_options::add);
    std::fstream file(pack, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(40);
    file << "XXXXXXXXXXXXXXXX";  // every blob the last backup stored fails its MAC
  }
  const std::string last = json::parse(Run("snapshots --json").out).back()["short_id"];
  CliResult scan = Run("scan");
  EXPECT_EQ(scan.exit_code, 3) << scan.out << scan.err;
  EXPECT_THAT(scan.err, StartsWith("stormproof: snapshot " + last + ": "));
  EXPECT_EQ(scan.err.find('\n'), scan.err.size() - 1) << scan.err;  // one line
  EXPECT_THAT(scan.out, HasSubstr("scanned 3 snapshot(s): 3 clean, 0 suspicious, 0 infected; "
                                  "verdicts saved as marks\n1 snapshot(s) could not be judged"));
  CliResult again = Run("--json scan");
  EXPECT_EQ(again.exit_code, 3) << again.out << again.err;
  const std::vector<json> lines = JsonLines(again.out);
  ASSERT_EQ(lines.size(), 2u) << again.out;
  EXPECT_EQ(lines[0]["message_type"], "error");
  EXPECT_EQ(lines[1]["not_judged"], 1);
}

// SIGINT after the first snapshot was judged: exit 130, one line saying what was kept, the first
// verdict saved whole and the others left for the next scan.
TEST_F(ScanCliTest, AnInterruptionKeepsTheVerdictsSavedSoFar) {
  BackUpThreeDaysUnjudged();
  const fs::path paused = dir_ / "paused";
  const std::string command = "env " + env_ +
                              " 'STORMPROOF_TEST_PAUSE=scan: snapshot judged' "
                              "STORMPROOF_TEST_PAUSE_FILE=" +
                              paused.string() + " " + STORMPROOF_BINARY + " scan >" +
                              (dir_ / "out").string() + " 2>" + (dir_ / "err").string() +
                              "; echo $? >" + (dir_ / "status").string();
  ASSERT_EQ(std::system(("(" + command + ") &").c_str()), 0);
  for (int i = 0; i < 6000 && !fs::exists(paused); ++i) ::usleep(10'000);
  ASSERT_TRUE(fs::exists(paused)) << ReadAll((dir_ / "err").string());
  const int pid = std::stoi(ReadAll(paused.string()));
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  for (int i = 0; i < 6000 && ReadAll((dir_ / "status").string()).empty(); ++i) ::usleep(10'000);
  EXPECT_EQ(ReadAll((dir_ / "status").string()), "130\n");
  EXPECT_EQ(ReadAll((dir_ / "err").string()),
            "stormproof: interrupted by SIGINT; the verdicts of the 1 snapshot(s) judged so far "
            "are saved; the next scan judges the others\n");
  CliResult rest = Run("scan");
  EXPECT_EQ(rest.exit_code, 0) << rest.out << rest.err;
  EXPECT_THAT(rest.out, HasSubstr("scanned 2 snapshot(s): 2 clean"));
}

TEST_F(ScanCliTest, AResticOrBorgRepositoryIsRefusedSayingWhy) {
  const std::string restic = (dir_ / "restic-repo").string();
  ASSERT_EQ(std::system(("RESTIC_PASSWORD=x RESTIC_CACHE_DIR='" + (dir_ / "cache").string() +
                         "' restic init -q -r '" + restic + "' >/dev/null")
                            .c_str()),
            0);
  CliResult r = Run("scan --repo '" + restic + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, StartsWith("stormproof: cannot scan " + restic +
                                ": it is a restic repository, and scan judges only stormproof's "
                                "own: its verdicts rest on how each changed chunk compressed"));
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;  // one line

  const std::string borg = (dir_ / "borg-repo").string();
  ASSERT_EQ(std::system(("BORG_PASSPHRASE=x BORG_BASE_DIR='" + (dir_ / "borg-home").string() +
                         "' borg init -e repokey '" + borg + "' >/dev/null 2>&1")
                            .c_str()),
            0);
  CliResult b = Run("scan --repo '" + borg + "'");
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_THAT(b.err, StartsWith("stormproof: cannot scan " + borg + ": it is a borg repository"));
}

}  // namespace
}  // namespace stormproof::testing
