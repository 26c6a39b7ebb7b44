// Schema versions: migrating an older file, refusing newer and foreign files without touching
// them.
#include "continuity/catalog/internal/schema.h"

#include <gtest/gtest.h>

#include "continuity/catalog/catalog.h"
#include "tests/continuity/catalog/catalog_fixture.h"
#include "tests/matchers.h"

namespace stormproof::catalog {
namespace {

using testing::CatalogTest;

constexpr const char* kQueryIndexes =
    "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'runs_by_%' ORDER BY name";

// A version-1 file with one backup and one drill, written as stormproof at version 1 did.
class MigrationTest : public CatalogTest {
 protected:
  void SetUp() override {
    CatalogTest::SetUp();
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
    Status created = internal::CreateCatalogAtVersion(path_, 1);
    ASSERT_THAT(created, IsOk());
    ASSERT_EQ(SqlValue("PRAGMA user_version"), "1");
    ASSERT_TRUE(Sql(kQueryIndexes).empty());
    Sql("INSERT INTO runs (kind, system, client, repository, started_ns, finished_ns, bytes, "
        "files, outcome, error, snapshot_id, snapshot_time_ns, details) VALUES ('backup', "
        "'erp', 'acme', 'local', 1000, 2000, 4096, 3, 'warning', 'skipped 1 file', 'ab12', 900, "
        "'{}')");
    Sql("INSERT INTO runs (kind, system, started_ns, finished_ns, outcome) VALUES ('drill', "
        "'erp', 3000, 4000, 'ok')");
    Sql("INSERT INTO drills (run_id, adapter, achieved_rto_ms, reasons) VALUES (2, 'restic', "
        "1000, '[\"slow\"]')");
    Sql("INSERT INTO drill_steps (run_id, position, name, duration_ms, outcome) VALUES (2, 0, "
        "'restore', 900, 'ok')");
  }
};

TEST_F(MigrationTest, OpenMigratesAVersion1FileKeepingItsRows) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(catalog->SchemaVersion(), kSchemaVersion);
  EXPECT_EQ(SqlValue("PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(Sql(kQueryIndexes),
            (std::vector<std::string>{"runs_by_client", "runs_by_kind", "runs_by_record_id",
                                      "runs_by_repository", "runs_by_system"}));
  RunQuery query;
  query.kind = RunKind::kBackup;
  query.system = "erp";
  auto backup = catalog->LastRun(query);
  ASSERT_THAT(backup, IsOk());
  ASSERT_TRUE(backup->has_value());
  EXPECT_EQ((*backup)->client, "acme");
  EXPECT_EQ((*backup)->bytes, 4096u);
  EXPECT_EQ((*backup)->outcome, Outcome::kWarning);
  EXPECT_EQ((*backup)->error, "skipped 1 file");
  EXPECT_EQ((*backup)->snapshot_time_ns, 900);
  auto drills = catalog->Drills({});
  ASSERT_THAT(drills, IsOk());
  ASSERT_EQ(drills->size(), 1u);
  EXPECT_EQ((*drills)[0].drill.achieved_rto_ms, 1000);
  EXPECT_EQ((*drills)[0].drill.reasons, std::vector<std::string>{"slow"});
  ASSERT_EQ((*drills)[0].drill.steps.size(), 1u);
  EXPECT_EQ((*drills)[0].drill.steps[0].name, "restore");
}

// Version 3 (many hosts): runs recorded before get a record id each, so that a host's older
// runs can travel as evidence too, and no two runs share one.
TEST_F(MigrationTest, Version3GivesEveryEarlierRunItsOwnRecordId) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  auto runs = catalog->Runs({});
  ASSERT_THAT(runs, IsOk());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].record_id.size(), 32u);
  EXPECT_EQ((*runs)[1].record_id.size(), 32u);
  EXPECT_NE((*runs)[0].record_id, (*runs)[1].record_id);
  EXPECT_EQ((*runs)[0].host, "");
}

TEST_F(MigrationTest, AFailedMigrationLeavesTheFileAtItsVersion) {
  // A table with the last index's name makes migration 2 fail after its first statements.
  Sql("CREATE TABLE runs_by_kind (x)");
  auto catalog = Catalog::Open(path_);
  ASSERT_FALSE(catalog.has_value());
  EXPECT_THAT(catalog.error().message(), HasSubstr("schema version 2"))
      << catalog.error().message();
  EXPECT_EQ(SqlValue("PRAGMA user_version"), "1");
  EXPECT_TRUE(Sql(kQueryIndexes).empty());  // the indexes made before the failure are gone
  EXPECT_EQ(SqlValue("SELECT count(*) FROM runs"), "2");
}

TEST_F(CatalogTest, RefusesACatalogFromANewerStormproof) {
  ASSERT_NE(OpenCatalog(), nullptr);
  const std::string newer = std::to_string(kSchemaVersion + 1);
  Sql("PRAGMA user_version = " + newer);
  const std::string before = ReadBytes(path_);
  auto catalog = Catalog::Open(path_);
  ASSERT_FALSE(catalog.has_value());
  EXPECT_THAT(catalog, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_EQ(catalog.error().message(),
            path_ + ": catalog schema version " + newer + " is newer than this stormproof (" +
                std::to_string(kSchemaVersion) + ")");
  EXPECT_EQ(ReadBytes(path_), before);
}

// Files Open must refuse (kParse, naming the file) and leave byte for byte as they were.
class ForeignFileTest : public CatalogTest {
 protected:
  void ExpectRefusedAndUnchanged(const std::string& why) {
    const std::string before = ReadBytes(path_);
    ASSERT_FALSE(before.empty());
    auto catalog = Catalog::Open(path_);
    ASSERT_FALSE(catalog.has_value());
    EXPECT_THAT(catalog, ErrorIs(ErrorCode::kParse));
    EXPECT_EQ(catalog.error().message(), path_ + ": not a stormproof catalog (" + why + ")");
    EXPECT_EQ(ReadBytes(path_), before);
    size_t entries = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::path(path_).parent_path())) {
      ++entries;
    }
    EXPECT_EQ(entries, 1u) << "no journal or WAL file left behind";
  }
};

TEST_F(ForeignFileTest, RefusesATextFile) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  std::ofstream(path_) << "systems:\n  - id: erp\n    tier: gold\n";
  ExpectRefusedAndUnchanged("not a SQLite database");
}

TEST_F(ForeignFileTest, RefusesAnotherApplicationsDatabase) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  Sql("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT)");
  Sql("INSERT INTO accounts (owner) VALUES ('someone')");
  Sql("PRAGMA user_version = 2");  // the same number as ours must not fool Open
  ExpectRefusedAndUnchanged("a SQLite database of another application");
}

TEST_F(CatalogTest, AnEmptyFileBecomesACatalog) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  std::ofstream(path_).close();
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(SqlValue("PRAGMA application_id"), std::to_string(internal::kApplicationId));
}

TEST(MigrationListTest, VersionsAreConsecutiveAndEndAtTheSchemaVersion) {
  const auto& migrations = internal::Migrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
  }
  EXPECT_EQ(migrations.back().version, kSchemaVersion);
}

}  // namespace
}  // namespace stormproof::catalog
