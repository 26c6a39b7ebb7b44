// Evidence from other hosts in the catalog (evidence_rows.cc): runs recognised by their record
// id, so importing twice, or importing what this catalog recorded itself, adds nothing.
#include <gtest/gtest.h>

#include "continuity/catalog/catalog.h"
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

}  // namespace
}  // namespace stormproof::catalog
