// End-to-end tests of `stormproof status`: the real binary on a small plan with a real catalog
// next to it, recorded through the catalog library as `run` and `drill` would.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "cli_runner.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

// 2026-11-26T00:00:00Z; --as-of 2026-11-26 means the end of that day.
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDayStart = 20'783LL * 24 * kHour;
constexpr int64_t kEndOfDay = kDayStart + 24 * kHour - 1;

constexpr const char* kPlan = R"(version: 1
msp: {id: acme, name: Acme IT}
review: {owner: ann, every: quarterly, last: 2026-10-01}
people:
  - {id: ann, name: Ann Archer, deputy: bob, contacts: {phone: "+1 555 0100", email: ann@example.com}, contacts_verified: 2026-10-01, skills: [db]}
  - {id: bob, name: Bob Baker, deputy: ann, contacts: {phone: "+1 555 0101", email: bob@example.com}, contacts_verified: 2026-10-01, skills: [db]}
roles:
  - {id: ic, name: Incident commander, holder: ann, backups: [bob]}
tiers:
  - {id: t1, name: Critical, rank: 1, rto: 2h, rpo: 15m, mtpd: 8h, drill_every: 30d}
systems:
  - id: db
    name: Database
    owner: ann
    tier: t1
    restore: {estimate: 1h, checklist: [Restore the database], verify: "true"}
  - id: app
    name: Web app
    owner: bob
    tier: t1
    depends_on: [db]
    restore: {estimate: 30m, checklist: [Deploy the app, Smoke test], verify: "true"}
)";

class StatusCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-status-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "plan.yaml") << kPlan;
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult Status(const std::string& flags) {
    return RunStormproof("status --plan " + (dir_ / "plan.yaml").string() + " --as-of 2026-11-26 " +
                         flags);
  }
  void Record(const std::string& system, int64_t started_ns, catalog::Outcome outcome) {
    auto catalog = catalog::Catalog::Open((dir_ / "stormproof.db").string());
    ASSERT_TRUE(catalog.has_value()) << catalog.error().message();
    catalog::Run run;
    run.kind = catalog::RunKind::kBackup;
    run.system = system;
    run.started_ns = started_ns;
    run.finished_ns = started_ns + 30 * kSecond;
    run.snapshot_time_ns = started_ns;
    run.snapshot_id = system + "-snap";
    run.bytes = 1000;
    run.outcome = outcome;
    ASSERT_TRUE((*catalog)->AddRun(run).has_value());
  }
  fs::path dir_;
};

const nlohmann::json& FindSystem(const nlohmann::json& doc, const std::string& id) {
  for (const auto& client : doc["clients"]) {
    for (const auto& system : client["systems"]) {
      if (system["id"] == id) return system;
    }
  }
  static const nlohmann::json kNone;
  return kNone;
}

TEST_F(StatusCliTest, NoCatalogYetIsAllUnknownAndCreatesNothing) {
  CliResult result = Status("--json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto doc = nlohmann::json::parse(result.out);
  EXPECT_EQ(doc["catalog_exists"], false);
  EXPECT_EQ(doc["breached"], false);
  EXPECT_EQ(FindSystem(doc, "db")["rpo"]["state"], "unknown");
  EXPECT_EQ(FindSystem(doc, "db")["drill"]["state"], "never");
  EXPECT_EQ(FindSystem(doc, "app")["rto"]["basis"], "estimate");
  EXPECT_EQ(FindSystem(doc, "app")["rto"]["projected_s"], 5400);  // db 1h, then app 30m
  EXPECT_FALSE(fs::exists(dir_ / "stormproof.db"));
}

TEST_F(StatusCliTest, BreachedRpoExitsThreeWithJsonDetails) {
  Record("db", kEndOfDay - 5 * 60 * kSecond, catalog::Outcome::kOk);  // within 7m30s
  Record("app", kDayStart + 12 * kHour, catalog::Outcome::kOk);
  Record("app", kEndOfDay - 5 * 60 * kSecond, catalog::Outcome::kError);
  CliResult result = Status("--json");
  EXPECT_EQ(result.exit_code, 3) << result.err;
  auto doc = nlohmann::json::parse(result.out);
  EXPECT_EQ(doc["as_of"], "2026-11-26T23:59:59Z");
  EXPECT_EQ(doc["catalog_exists"], true);
  EXPECT_EQ(doc["breached"], true);
  const auto& db = FindSystem(doc, "db");
  EXPECT_EQ(db["rpo"]["state"], "ok");
  EXPECT_EQ(db["rpo"]["age_s"], 300);
  EXPECT_EQ(db["rpo"]["snapshot_id"], "db-snap");
  EXPECT_EQ(db["breached"], false);
  const auto& app = FindSystem(doc, "app");
  EXPECT_EQ(app["rpo"]["state"], "breached");
  EXPECT_EQ(app["breached"], true);
  ASSERT_FALSE(app["problems"].empty());
  EXPECT_EQ(app["problems"][0].get<std::string>().rfind("RPO 15m breached", 0), 0u);
  EXPECT_LT(app["score"].get<int>(), db["score"].get<int>());
  EXPECT_TRUE(doc["msp"]["score"].is_number_integer());
}

TEST_F(StatusCliTest, OkWhenEveryObjectiveHoldsAndTextShowsTheTable) {
  Record("db", kEndOfDay - 60 * kSecond, catalog::Outcome::kOk);
  Record("app", kEndOfDay - 60 * kSecond, catalog::Outcome::kWarning);
  CliResult result = Status("");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("3-2-1-1-0"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Acme IT readiness: "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("never drilled"), std::string::npos) << result.out;
}

TEST_F(StatusCliTest, UnknownClientIsAUsageError) {
  CliResult result = Status("--client nobody");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("unknown client 'nobody'"), std::string::npos) << result.err;
}

TEST_F(StatusCliTest, UnreadableCatalogExitsOne) {
  std::ofstream(dir_ / "stormproof.db") << "this is not a database, just text that is long "
                                           "enough to not look like an empty file at all";
  CliResult result = Status("");
  EXPECT_EQ(result.exit_code, 1) << result.out;
  EXPECT_NE(result.err.find("catalog"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace stormproof::testing
