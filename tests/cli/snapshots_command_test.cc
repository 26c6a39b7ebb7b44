// End-to-end tests of `snapshots`: the table's layout (exact output) and snapshot times in the
// --json output of snapshots, ls, forget and restore.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <utility>

#include "engine/backend/backend.h"
#include "engine/repository/repository.h"
#include "engine/repository/signals.h"
#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kPassword[] = "correct horse";

class SnapshotsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-snapshots-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    std::ofstream(dir_ / "data" / "a.txt") << "a\n";
    std::ofstream(dir_ / "password") << kPassword << "\n";
    // Times print in UTC whatever the local zone (docs/cli.md, "Time"): a zone far from UTC.
    env_ = "TZ=Asia/Kolkata STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" +
           (dir_ / "password").string() + " STORMPROOF_REPOSITORY=" + (dir_ / "repo").string();
    ASSERT_EQ(Run("init").exit_code, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult Run(const std::string& args) { return RunStormproof(args, env_); }
  std::string Data() const { return (dir_ / "data").string(); }

  // Saves, through the repository library, a copy of the first snapshot `shift_s` seconds later
  // with `verdict` (as a backup with detection will).
  void AddJudged(int shift_s, repository::Verdict verdict) {
    auto backend = backend::OpenLocalBackend((dir_ / "repo").string());
    ASSERT_THAT(backend, IsOk());
    auto repo = repository::Repository::Open(std::move(backend).value(), kPassword);
    ASSERT_THAT(repo, IsOk());
    auto snapshots = (*repo)->LoadSnapshots();
    ASSERT_TRUE(snapshots.has_value() && !snapshots->empty());
    repository::Snapshot judged = snapshots->front();
    judged.time_ns += int64_t{shift_s} * 1'000'000'000;
    judged.verdict = std::move(verdict);
    ASSERT_THAT((*repo)->SaveSnapshot(judged), IsOk());
  }

  fs::path dir_;
  std::string env_;
};

// "2026-12-06T11:14:58.123456789Z" -> ns since the epoch; -1 when not in that form.
int64_t ParseRfc3339Nanos(const std::string& text) {
  static const std::regex kForm(R"((\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{9})Z)");
  std::smatch m;
  if (!std::regex_match(text, m, kForm)) return -1;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  return int64_t{::timegm(&tm)} * 1'000'000'000 + std::stoll(m[7]);
}

// Two tags and a long host name once ran into the next column ("...=payroll/srv/data").
// Taken without detection: no snapshot has a verdict, so the table has no Verdict column.
TEST_F(SnapshotsCliTest, TableColumnsAreAsWideAsTheirValues) {
  ASSERT_EQ(Run("backup -q --no-detect --host short " + Data()).exit_code, 0);
  ASSERT_EQ(Run("backup -q --no-detect --host a-rather-long-host-name --tag client=acme "
                "--tag system=payroll " +
                Data())
                .exit_code,
            0);
  json list = json::parse(Run("snapshots --json").out);
  ASSERT_EQ(list.size(), 2u);
  auto time = [&](int i) {  // the text form of the time: UTC, with the zone
    std::string t = list[i]["time"];
    return t.substr(0, 10) + " " + t.substr(11, 8) + " UTC";
  };
  std::string id0 = list[0]["short_id"], id1 = list[1]["short_id"];
  CliResult text = Run("snapshots");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out,
            "ID        Time                     Host                     Tags"
            "                        Paths\n" +
                id0 + "  " + time(0) + "  short                                                " +
                Data() + "\n" + id1 + "  " + time(1) +
                "  a-rather-long-host-name  client=acme,system=payroll  " + Data() +
                "\n2 snapshot(s)\n");
}

// A judged snapshot shows its verdict: a column in the table (only once some snapshot was
// judged: TableColumnsAreAsWideAsTheirValues has none), an object or null in --json.
TEST_F(SnapshotsCliTest, VerdictsShowInTheTableAndInJson) {
  using Level = repository::Verdict::Level;
  ASSERT_EQ(Run("backup -q --no-detect --host short " + Data()).exit_code, 0);  // never judged
  AddJudged(1, {Level::kClean, 3, {}, "detect/1"});
  AddJudged(2, {Level::kInfected, 97, {"212 copies of README-DECRYPT.txt"}, "detect/1"});
  AddJudged(3, {Level::kSuspicious, 45, {"40% of files changed"}, "detect/1"});

  CliResult listed = Run("snapshots --json");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  json list = json::parse(listed.out);
  ASSERT_EQ(list.size(), 4u);
  EXPECT_TRUE(list[0]["verdict"].is_null()) << list[0].dump();
  EXPECT_EQ(list[1]["verdict"],
            json({{"level", "clean"}, {"score", 3}, {"reasons", json::array()}}));
  EXPECT_EQ(list[2]["verdict"], json({{"level", "infected"},
                                      {"score", 97},
                                      {"reasons", {"212 copies of README-DECRYPT.txt"}}}));
  EXPECT_EQ(list[3]["verdict"]["level"], "suspicious");

  auto row = [&](int i, const std::string& verdict_cell) {
    std::string t = list[i]["time"];
    return list[i]["short_id"].get<std::string>() + "  " + t.substr(0, 10) + " " + t.substr(11, 8) +
           " UTC  " + verdict_cell + "short        " + Data() + "\n";
  };
  CliResult text = Run("snapshots");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, "ID        Time                     Verdict        Host   Tags  Paths\n" +
                          row(0, "\u2014              ") + row(1, "clean          ") +
                          row(2, "INFECTED 97    ") + row(3, "SUSPICIOUS 45  ") +
                          "4 snapshot(s)\n");
}

TEST_F(SnapshotsCliTest, JsonGivesTheTimeInRfc3339AndInNanoseconds) {
  ASSERT_EQ(Run("backup -q " + Data()).exit_code, 0);
  json list = json::parse(Run("snapshots --json").out);
  ASSERT_EQ(list.size(), 1u);
  const json& s = list[0];
  ASSERT_TRUE(s["time"].is_string()) << s.dump();
  EXPECT_EQ(ParseRfc3339Nanos(s["time"]), s["time_ns"].get<int64_t>()) << s["time"];

  // ls, restore and forget name the snapshot's time the same two ways.
  CliResult ls = Run("ls --json latest");
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  json head = json::parse(ls.out.substr(0, ls.out.find('\n')));
  EXPECT_EQ(head["time"], s["time"]);
  EXPECT_EQ(head["time_ns"], s["time_ns"]);
  CliResult restore = Run("restore --json latest --target " + (dir_ / "restored").string());
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  std::string last = restore.out.substr(0, restore.out.size() - 1);  // without the final '\n'
  json summary = json::parse(last.substr(last.rfind('\n') + 1));     // the last line: the summary
  EXPECT_EQ(summary["message_type"], "summary");
  EXPECT_EQ(summary["snapshot_time"], s["time"]);
  EXPECT_EQ(summary["snapshot_time_ns"], s["time_ns"]);
  CliResult forget = Run("forget --json --dry-run " + s["id"].get<std::string>());
  ASSERT_EQ(forget.exit_code, 0) << forget.err;
  json removed = json::parse(forget.out)["remove"][0];
  EXPECT_EQ(removed["time"], s["time"]);
  EXPECT_EQ(removed["time_ns"], s["time_ns"]);
}

}  // namespace
}  // namespace stormproof::testing
