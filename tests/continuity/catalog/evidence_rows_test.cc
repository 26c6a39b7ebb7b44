// Evidence from other hosts in the catalog (evidence_rows.cc): runs recognised by their record
// id, so importing twice, or importing what this catalog recorded itself, adds nothing.
#include <gtest/gtest.h>

#include <filesystem>

#include "continuity/catalog/catalog.h"
#include "continuity/catalog/internal/schema.h"
#include "tests/continuity/catalog/catalog_fixture.h"
#include "tests/matchers.h"

namespace stormproof::catalog {
namespace {

using testing::CatalogTest;

ImportedRecord Backup(const std::string& record_id, const std::string& host) {
  ImportedRecord record;
  record.run.kind = RunKind::kBackup;
  record.run.system = "shop-files";
  record.run.client = "shop";
  record.run.repository = "shared";
  record.run.started_ns = 1'000;
  record.run.finished_ns = 2'000;
  record.run.snapshot_id = "ab12";
  record.run.snapshot_time_ns = 1'000;
  record.run.host = host;
  record.run.record_id = record_id;
  return record;
}

ImportedRecord DrillOf(const std::string& record_id) {
  ImportedRecord record = Backup(record_id, "host-b");
  record.run.kind = RunKind::kDrill;
  Drill drill;
  drill.adapter = "stormproof";
  drill.achieved_rto_ms = 1500;
  drill.steps.push_back({"restore", 1400, Outcome::kOk, ""});
  drill.reasons = {"slow"};
  record.drill = drill;
  return record;
}

TEST_F(CatalogTest, AddRunGivesEachRunARecordIdAndKeepsAGivenOne) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  catalog::Run given;
  given.record_id = "0123456789abcdef0123456789abcdef";
  given.host = "host-a";
  ASSERT_THAT(catalog->AddRun(given), IsOk());
  ASSERT_THAT(catalog->AddRun(catalog::Run{}), IsOk());
  ASSERT_THAT(catalog->AddRun(catalog::Run{}), IsOk());
  auto runs = catalog->Runs({});
  ASSERT_THAT(runs, IsOk());
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[2].record_id, given.record_id);
  EXPECT_EQ((*runs)[2].host, "host-a");
  EXPECT_EQ((*runs)[0].record_id.size(), 32u);
  EXPECT_NE((*runs)[0].record_id, (*runs)[1].record_id);
}

TEST_F(CatalogTest, ImportingTwiceAddsEachRunOnce) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  std::vector<ImportedRecord> records = {Backup("r1", "host-a"), DrillOf("r2")};
  auto first = catalog->ImportRecords("shared", "file1", records, 5'000);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(*first, 2u);
  // The same records in another file (a host that wrote them twice), and the same file again.
  auto again = catalog->ImportRecords("shared", "file2", records, 6'000);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, 0u);
  ASSERT_THAT(catalog->ImportRecords("shared", "file1", records, 7'000), IsOk());
  EXPECT_EQ(*catalog->CountRuns(), 2);

  auto drills = catalog->Drills({});
  ASSERT_THAT(drills, IsOk());
  ASSERT_EQ(drills->size(), 1u);
  EXPECT_EQ((*drills)[0].run.host, "host-b");
  EXPECT_EQ((*drills)[0].run.record_id, "r2");
  EXPECT_EQ((*drills)[0].drill.achieved_rto_ms, 1500);
  ASSERT_EQ((*drills)[0].drill.steps.size(), 1u);
  EXPECT_EQ((*drills)[0].drill.reasons, std::vector<std::string>{"slow"});

  auto source = catalog->EvidenceOf("shared");
  ASSERT_THAT(source, IsOk());
  EXPECT_EQ(source->files, (std::set<std::string>{"file1", "file2"}));
  EXPECT_EQ(source->refreshed_ns, 0);
  ASSERT_THAT(catalog->SetEvidenceRefreshed("shared", 9'000), IsOk());
  EXPECT_EQ(catalog->EvidenceOf("shared")->refreshed_ns, 9'000);
  EXPECT_TRUE(catalog->EvidenceOf("other")->files.empty());
}

TEST_F(CatalogTest, ARunRecordedHereIsNotImportedAgain) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  ImportedRecord mine = Backup("own-id", "host-a");
  ASSERT_THAT(catalog->AddRun(mine.run), IsOk());
  auto imported = catalog->ImportRecords("shared", "file", {mine}, 5'000);
  ASSERT_THAT(imported, IsOk());
  EXPECT_EQ(*imported, 0u);
  EXPECT_EQ(*catalog->CountRuns(), 1);
}

TEST_F(CatalogTest, ARecordWithoutIdIsRefusedAndNothingIsImported) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  auto imported =
      catalog->ImportRecords("shared", "file", {Backup("r1", "a"), Backup("", "a")}, 5'000);
  EXPECT_THAT(imported, ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("without a record id")));
  EXPECT_EQ(*catalog->CountRuns(), 0);
  EXPECT_TRUE(catalog->EvidenceOf("shared")->files.empty());
}

// RunQuery::own_only: what this catalog recorded itself, never what hosts' evidence reported
// (imported runs name the repository they came from).
TEST_F(CatalogTest, OwnOnlyLeavesOutImportedRuns) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  ImportedRecord mine = Backup("own-id", "central");
  mine.run.started_ns = 500;
  ASSERT_THAT(catalog->AddRun(mine.run), IsOk());
  ASSERT_THAT(catalog->ImportRecords("shared", "file", {Backup("r1", "host-a")}, 5'000), IsOk());

  RunQuery all;
  auto runs = catalog->Runs(all);
  ASSERT_THAT(runs, IsOk());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].record_id, "r1");
  EXPECT_EQ((*runs)[0].imported_from, "shared");
  EXPECT_EQ((*runs)[1].imported_from, "");

  RunQuery own;
  own.own_only = true;
  runs = catalog->Runs(own);
  ASSERT_THAT(runs, IsOk());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].record_id, "own-id");
  auto last = catalog->LastRun(own);
  ASSERT_THAT(last, IsOk());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->record_id, "own-id");
  own.kind = RunKind::kDrill;
  EXPECT_TRUE(catalog->Drills(own)->empty());
  ASSERT_THAT(catalog->ImportRecords("shared", "file2", {DrillOf("r2")}, 6'000), IsOk());
  EXPECT_TRUE(catalog->Drills(own)->empty());
  EXPECT_EQ(catalog->Drills({})->size(), 1u);
}

// Imports are known by record id and content: a record of another repository with the id of
// one already imported but another content (a forged one) is kept beside it, never in its
// place; the same run told through two repositories (the same content) is recorded once.
TEST_F(CatalogTest, ARecordIdOfAnotherRepositoryDoesNotShadowTheImportedOne) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  ImportedRecord genuine = Backup("r1", "host-a");
  genuine.run.outcome = Outcome::kFailed;
  genuine.run.error = "disk full";
  ASSERT_THAT(catalog->ImportRecords("shared", "file", {genuine}, 5'000), IsOk());

  // The same run through the system's other repository: nothing new.
  auto same = catalog->ImportRecords("offsite", "file", {genuine}, 5'000);
  ASSERT_THAT(same, IsOk());
  EXPECT_EQ(*same, 0u);
  // Another record with that id (read elsewhere): a second run, the first one kept.
  ImportedRecord forged = Backup("r1", "host-a");
  auto other = catalog->ImportRecords("client-b", "file", {forged}, 5'000);
  ASSERT_THAT(other, IsOk());
  EXPECT_EQ(*other, 1u);
  auto runs = catalog->Runs({});
  ASSERT_THAT(runs, IsOk());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ(Sql("SELECT imported_from, outcome FROM runs ORDER BY id"),
            (std::vector<std::string>{"shared|failed", "client-b|ok"}));
  // Read again from either repository: nothing new.
  EXPECT_EQ(*catalog->ImportRecords("client-b", "file2", {forged}, 6'000), 0u);
  EXPECT_EQ(*catalog->ImportRecords("shared", "file2", {forged}, 6'000), 0u);
  EXPECT_EQ(*catalog->CountRuns(), 2);
}

// A forged record carrying a genuine record's id, in the same repository's evidence: neither
// shadows the other, whichever was imported first, and the conflict is named with both files.
TEST_F(CatalogTest, AForgedRecordWithAGenuineIdNeverShadowsItInEitherOrder) {
  ImportedRecord genuine = Backup("r1", "host-a");
  genuine.run.outcome = Outcome::kFailed;
  genuine.run.error = "disk full";
  ImportedRecord forged = Backup("r1", "host-a");  // the same id, reporting a success
  std::vector<std::vector<std::string>> states;
  for (bool forged_first : {true, false}) {
    path_ = dir_ + (forged_first ? "/forged-first.db" : "/genuine-first.db");
    auto catalog = OpenCatalog();
    ASSERT_NE(catalog, nullptr);
    const ImportedRecord& first = forged_first ? forged : genuine;
    const ImportedRecord& second = forged_first ? genuine : forged;
    EXPECT_EQ(*catalog->ImportRecords("shared", "f1", {first}, 5'000), 1u);
    EXPECT_EQ(*catalog->ImportRecords("shared", "f2", {second}, 6'000), 1u);
    // Either read again: nothing new.
    EXPECT_EQ(*catalog->ImportRecords("shared", "f3", {genuine, forged}, 7'000), 0u);
    states.push_back(Sql(
        "SELECT record_id, imported_from, outcome, error FROM runs ORDER BY outcome, error"));
    auto conflicts = catalog->RecordConflicts();
    ASSERT_THAT(conflicts, IsOk());
    ASSERT_EQ(conflicts->size(), 1u);
    EXPECT_EQ((*conflicts)[0].record_id, "r1");
    EXPECT_EQ((*conflicts)[0].sources,
              (std::vector<std::string>{"evidence file f1 of repository shared",
                                        "evidence file f2 of repository shared"}));
  }
  EXPECT_EQ(states[0], (std::vector<std::string>{"r1|shared|failed|disk full", "r1|shared|ok|"}));
  EXPECT_EQ(states[0], states[1]);
}

// This catalog's own run wins over an imported record with its id (a host's own evidence read
// back, or a forgery of it); nothing is in conflict when every id is held once.
TEST_F(CatalogTest, AnOwnRunIsNeverJoinedByAnImportedRecordWithItsId) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  ImportedRecord own = Backup("own-id", "central");
  ASSERT_THAT(catalog->AddRun(own.run), IsOk());
  ImportedRecord forged = own;
  forged.run.outcome = Outcome::kFailed;
  EXPECT_EQ(*catalog->ImportRecords("shared", "f1", {forged, Backup("r2", "a")}, 5'000), 1u);
  EXPECT_EQ(*catalog->CountRuns(), 2);
  EXPECT_TRUE(catalog->RecordConflicts()->empty());
}

// Version 6: runs recorded before stay as they were (imports then were not marked: they read as
// this catalog's own), and an existing record id stays unique per repository of origin.
TEST_F(CatalogTest, MigratesVersion5RunsAsTheCatalogsOwn) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  ASSERT_THAT(internal::CreateCatalogAtVersion(path_, 5), IsOk());
  Sql("INSERT INTO runs (kind, repository, started_ns, finished_ns, outcome, host, record_id) "
      "VALUES ('prune', 'shared', 1, 2, 'ok', 'central', 'old-prune')");
  Sql("INSERT INTO immutability_proofs (repository, started_ns, finished_ns, outcome, record_id) "
      "VALUES ('shared', 1, 2, 'ok', 'p1')");
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(catalog->SchemaVersion(), kSchemaVersion);
  RunQuery own;
  own.own_only = true;
  auto runs = catalog->Runs(own);
  ASSERT_THAT(runs, IsOk());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].record_id, "old-prune");
  EXPECT_EQ((*runs)[0].imported_from, "");
  auto proof = catalog->LatestImmutabilityProof("shared", INT64_MAX);
  ASSERT_THAT(proof, IsOk());
  ASSERT_TRUE(proof->has_value());
  EXPECT_EQ((*proof)->earliest_retain_until_ns, 0);
  // The old run's id, read from a repository's evidence: already this catalog's.
  ImportedRecord again;
  again.run = (*runs)[0];
  EXPECT_EQ(*catalog->ImportRecords("shared", "file", {again}, 5'000), 0u);
  EXPECT_EQ(*catalog->CountRuns(), 1);
}

}  // namespace
}  // namespace stormproof::catalog
