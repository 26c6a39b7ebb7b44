// hosts (src/continuity/hosts): the evidence file's JSON, which repositories a run's records go
// to, and importing them, on real local repositories.
#include "continuity/hosts/hosts.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "engine/backend/backend.h"
#include "engine/repository/repository.h"
#include "core/time.h"
#include "tests/matchers.h"

namespace stormproof::hosts {
namespace {

namespace fs = std::filesystem;

catalog::ImportedRecord Record(const std::string& id, catalog::RunKind kind,
                            const std::string& system, const std::string& repository) {
  catalog::ImportedRecord record;
  record.run.record_id = id;
  record.run.host = "host-a";
  record.run.kind = kind;
  record.run.system = system;
  record.run.client = system.empty() ? "" : "shop";
  record.run.repository = repository;
  record.run.started_ns = 1'000;
  record.run.finished_ns = 3'000;
  record.run.bytes = 5;
  record.run.error = "bad \xff byte";
  if (kind == catalog::RunKind::kDrill) {
    catalog::Drill drill;
    drill.adapter = "stormproof";
    drill.achieved_rto_ms = 2'000;
    drill.steps.push_back({"restore", 1'000, catalog::Outcome::kOk, "", {"line"}});
    drill.reasons = {"slow"};
    record.drill = drill;
  }
  return record;
}

TEST(EvidenceFileTest, RoundTripsEveryField) {
  EvidenceFile file{"host-a", 42, {Record("r1", catalog::RunKind::kBackup, "files", "local"),
                                   Record("r2", catalog::RunKind::kDrill, "files", "local")}};
  auto back = DecodeEvidence(EncodeEvidence(file));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->host, "host-a");
  EXPECT_EQ(back->written_ns, 42);
  ASSERT_EQ(back->records.size(), 2u);
  EXPECT_EQ(back->records[0].run.record_id, "r1");
  EXPECT_EQ(back->records[0].run.bytes, 5u);
  EXPECT_EQ(back->records[0].run.error, "bad \xEF\xBF\xBD byte");  // invalid UTF-8 replaced
  EXPECT_FALSE(back->records[0].drill.has_value());
  ASSERT_TRUE(back->records[1].drill.has_value());
  EXPECT_EQ(back->records[1].drill->achieved_rto_ms, 2'000);
  EXPECT_EQ(back->records[1].drill->achieved_rpo_s, std::nullopt);
  ASSERT_EQ(back->records[1].drill->steps.size(), 1u);
  EXPECT_EQ(back->records[1].drill->steps[0].output, std::vector<std::string>{"line"});
}

TEST(EvidenceFileTest, MalformedDocumentsAreRefusedSayingWhy) {
  EXPECT_THAT(DecodeEvidence("not json"), ErrorIs(ErrorCode::kParse, HasSubstr("not a stormproof")));
  EXPECT_THAT(DecodeEvidence(R"({"format":"stormproof evidence","version":9,"host":"a",
                                 "written_ns":1,"runs":[]})"),
              ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("newer stormproof")));
  std::string text = EncodeEvidence({"a", 1, {Record("r1", catalog::RunKind::kBackup, "s", "r")}});
  std::string bad_outcome = text;
  bad_outcome.replace(bad_outcome.find("\"ok\""), 4, "\"great\"");
  EXPECT_THAT(DecodeEvidence(bad_outcome), ErrorIs(ErrorCode::kParse, HasSubstr("run 1: ")));
  std::string no_id = text;
  no_id.replace(no_id.find("\"r1\""), 4, "\"\"");
  EXPECT_THAT(DecodeEvidence(no_id), ErrorIs(ErrorCode::kParse, HasSubstr("record_id")));
}

class EvidenceExchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "stormproof-hosts-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    for (const char* id : {"shop-repo", "bakery-repo"}) {
      auto backend = backend::CreateLocalBackend(dir_ + "/" + id);
      ASSERT_THAT(backend, IsOk());
      ASSERT_THAT(repository::Repository::Init(std::move(backend).value(), "pw"), IsOk());
      plan::RepositorySpec spec;
      spec.id = id;
      spec.location = dir_ + "/" + id;
      plan_.repositories.push_back(spec);
    }
    plan::System shop;
    shop.id = "till";
    shop.host = "host-a";
    shop.backup.repositories = {plan::Ref{"shop-repo", {}}};
    plan_.systems.push_back(shop);
    plan_.BuildIndex();
    options_.access.password = "pw";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `file` as evidence into repository `id` (under its key, as a host would).
  Status SaveEvidenceIn(const std::string& id, const EvidenceFile& file) const {
    STORMPROOF_ASSIGN_OR_RETURN(auto storage, backend::OpenLocalBackend(dir_ + "/" + id));
    STORMPROOF_ASSIGN_OR_RETURN(auto repo, repository::Repository::Open(std::move(storage), "pw"));
    Result<std::string> saved = repo->SaveEvidence(EncodeEvidence(file));
    if (!saved) return saved.error();
    return Ok();
  }

  std::string dir_;
  plan::Plan plan_;
  WriteOptions options_;
};

// A run goes to the repositories it concerns: its own, and those of its system; a repository of
// another client's systems gets nothing.
TEST_F(EvidenceExchangeTest, RecordsGoOnlyWhereTheyConcernAndImportOnce) {
  std::vector<catalog::ImportedRecord> records = {
      Record("backup-1", catalog::RunKind::kBackup, "till", "shop-repo"),
      Record("drill-1", catalog::RunKind::kDrill, "till", "shop-repo")};
  auto written = WriteEvidence(plan_, "host-a", records, 10, options_);
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0].repository, "shop-repo");
  EXPECT_EQ(written[0].runs, 2u);
  EXPECT_EQ(written[0].error, "");
  EXPECT_FALSE(fs::exists(dir_ + "/bakery-repo/evidence"));

  auto catalog = catalog::Catalog::Open(dir_ + "/central.db");
  ASSERT_THAT(catalog, IsOk());
  auto first = ImportEvidence(plan_, **catalog, options_.access, 20);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].files, 1u);
  EXPECT_EQ(first[0].runs, 2u);
  EXPECT_EQ(first[0].refreshed_ns, 20);
  EXPECT_EQ(first[1].files, 0u);
  EXPECT_EQ(first[1].error, "");
  auto drills = (*catalog)->Drills({});
  ASSERT_THAT(drills, IsOk());
  ASSERT_EQ(drills->size(), 1u);
  EXPECT_EQ((*drills)[0].run.host, "host-a");
  EXPECT_EQ((*drills)[0].drill.reasons, std::vector<std::string>{"slow"});

  // The same runs written again (a second file) and a second import: nothing new.
  WriteEvidence(plan_, "host-a", records, 30, options_);
  auto second = ImportEvidence(plan_, **catalog, options_.access, 40);
  EXPECT_EQ(second[0].files, 1u);
  EXPECT_EQ(second[0].runs, 0u);
  EXPECT_EQ(*(*catalog)->CountRuns(), 2);
}

// A run imported from evidence never travels on as this host's own, even one naming this host
// (forged): only what the catalog recorded itself is written as its evidence.
TEST_F(EvidenceExchangeTest, ImportedRunsAreNeverWrittenAgainAsThisHostsEvidence) {
  catalog::ImportedRecord forged = Record("forged-backup", catalog::RunKind::kBackup, "till",
                                          "shop-repo");
  forged.run.host = "central";
  ASSERT_THAT(SaveEvidenceIn("shop-repo", {"central", 5, {forged}}), IsOk());
  auto catalog = catalog::Catalog::Open(dir_ + "/central.db");
  ASSERT_THAT(catalog, IsOk());
  ASSERT_EQ(ImportEvidence(plan_, **catalog, options_.access, 20)[0].runs, 1u);
  catalog::Run own = Record("own-check", catalog::RunKind::kCheck, "", "shop-repo").run;
  own.host = "central";
  ASSERT_THAT((*catalog)->AddRun(own), IsOk());

  auto records = RecordsSince(**catalog, "central", 0);
  ASSERT_THAT(records, IsOk());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].run.record_id, "own-check");
}

// Someone holding one client's repository key (or a damaged bucket) writes evidence claiming
// another client's system: it is not imported, and the file says why. A run's client is the
// plan's, whatever the file claims.
TEST_F(EvidenceExchangeTest, EvidenceOnlyCountsForSystemsOfItsRepository) {
  EvidenceFile forged{"host-x", 5, {}};
  forged.records.push_back(Record("forged-drill", catalog::RunKind::kDrill, "till", "bakery-repo"));
  forged.records.push_back(Record("forged-check", catalog::RunKind::kCheck, "", "shop-repo"));
  catalog::ImportedRecord own = Record("own-check", catalog::RunKind::kCheck, "", "bakery-repo");
  own.run.client = "shop";  // claims another client
  forged.records.push_back(own);
  ASSERT_THAT(SaveEvidenceIn("bakery-repo", forged), IsOk());

  auto catalog = catalog::Catalog::Open(dir_ + "/central.db");
  ASSERT_THAT(catalog, IsOk());
  auto imported = ImportEvidence(plan_, **catalog, options_.access, 20);
  ASSERT_EQ(imported.size(), 2u);
  EXPECT_EQ(imported[1].repository, "bakery-repo");
  EXPECT_EQ(imported[1].runs, 1u);
  ASSERT_EQ(imported[1].damaged.size(), 1u);
  EXPECT_THAT(imported[1].damaged[0],
              HasSubstr("2 runs that do not concern repository bakery-repo"));
  auto drills = (*catalog)->Drills({});
  ASSERT_THAT(drills, IsOk());
  EXPECT_TRUE(drills->empty());
  auto runs = (*catalog)->Runs({});
  ASSERT_THAT(runs, IsOk());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].record_id, "own-check");
  EXPECT_EQ((*runs)[0].client, "");  // no system: no client
}

// A repository that is a copy (copy_from) of one the system backs up to holds the system's
// data too: the copy runs `run` wrote there are evidence of that system and are imported.
TEST_F(EvidenceExchangeTest, ACopyOfTheSystemsRepositoryIsEvidenceOfTheSystem) {
  EvidenceFile file{"host-a", 5, {}};
  file.records.push_back(Record("copy-1", catalog::RunKind::kCopy, "till", "bakery-repo"));
  ASSERT_THAT(SaveEvidenceIn("bakery-repo", file), IsOk());

  // Not a copy of shop-repo: the run does not concern bakery-repo's systems and is refused.
  auto before = catalog::Catalog::Open(dir_ + "/before.db");
  ASSERT_THAT(before, IsOk());
  auto refused = ImportEvidence(plan_, **before, options_.access, 20);
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[1].runs, 0u);
  ASSERT_EQ(refused[1].damaged.size(), 1u);
  EXPECT_THAT(refused[1].damaged[0],
              HasSubstr("1 runs that do not concern repository bakery-repo"));

  plan_.repositories[1].copy_from = plan::Ref{"shop-repo", {}};
  plan_.BuildIndex();
  auto after = catalog::Catalog::Open(dir_ + "/after.db");
  ASSERT_THAT(after, IsOk());
  auto imported = ImportEvidence(plan_, **after, options_.access, 30);
  ASSERT_EQ(imported.size(), 2u);
  EXPECT_EQ(imported[1].repository, "bakery-repo");
  EXPECT_EQ(imported[1].runs, 1u);
  EXPECT_TRUE(imported[1].damaged.empty()) << imported[1].damaged.front();
  auto runs = (*after)->Runs({});
  ASSERT_THAT(runs, IsOk());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].kind, catalog::RunKind::kCopy);
  EXPECT_EQ((*runs)[0].client, "");  // the plan's: till names no client
}

// A run read from one repository's evidence is tied to that repository: holding shop-repo's key
// (a backup host's) does not make a copy into bakery-repo, the offsite copy, count. A run that
// did its job in the copy is imported only from the copy's own evidence; one that failed there is
// told through shop-repo too; one naming a repository that is not the system's is refused.
TEST_F(EvidenceExchangeTest, ARunIsEvidenceOnlyOfTheRepositoryItWasReadFrom) {
  plan_.repositories[1].copy_from = plan::Ref{"shop-repo", {}};
  plan_.BuildIndex();
  EvidenceFile forged{"host-a", 5, {}};
  forged.records.push_back(Record("forged-copy", catalog::RunKind::kCopy, "till", "bakery-repo"));
  catalog::ImportedRecord failed = Record("failed-copy", catalog::RunKind::kCopy, "till",
                                          "bakery-repo");
  failed.run.outcome = catalog::Outcome::kError;
  forged.records.push_back(failed);
  forged.records.push_back(Record("no-such", catalog::RunKind::kBackup, "till", "tape-vault"));
  forged.records.push_back(Record("own", catalog::RunKind::kBackup, "till", "shop-repo"));
  ASSERT_THAT(SaveEvidenceIn("shop-repo", forged), IsOk());

  auto catalog = catalog::Catalog::Open(dir_ + "/central.db");
  ASSERT_THAT(catalog, IsOk());
  auto imported = ImportEvidence(plan_, **catalog, options_.access, 20);
  ASSERT_EQ(imported.size(), 2u);
  EXPECT_EQ(imported[0].repository, "shop-repo");
  EXPECT_EQ(imported[0].runs, 2u);
  ASSERT_EQ(imported[0].damaged.size(), 1u);
  EXPECT_THAT(imported[0].damaged[0], HasSubstr("1 runs that do not concern repository shop-repo"));
  auto runs = (*catalog)->Runs({});
  ASSERT_THAT(runs, IsOk());
  std::set<std::string> ids;
  for (const catalog::Run& run : *runs) ids.insert(run.record_id);
  EXPECT_EQ(ids, (std::set<std::string>{"failed-copy", "own"}));

  // The copy's own evidence, under its own key, proves the copy.
  EvidenceFile own{"host-a", 6, {Record("forged-copy", catalog::RunKind::kCopy, "till",
                                        "bakery-repo")}};
  ASSERT_THAT(SaveEvidenceIn("bakery-repo", own), IsOk());
  auto later = ImportEvidence(plan_, **catalog, options_.access, 30);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[1].runs, 1u);
  EXPECT_TRUE(later[1].damaged.empty()) << later[1].damaged.front();
  EXPECT_EQ(*(*catalog)->CountRuns(), 3);
}

// A prune dated years ahead would stand as the newest prune for years and keep run from the
// retention upkeep that is due: runs dated beyond the allowed clock skew are refused.
TEST_F(EvidenceExchangeTest, ARunDatedInTheFutureIsRefused) {
  const int64_t now = 100 * kNsPerDay;
  EvidenceFile file{"host-a", 5, {}};
  catalog::ImportedRecord ahead = Record("ahead", catalog::RunKind::kPrune, "", "shop-repo");
  ahead.run.started_ns = now + 16 * 60 * kNsPerSecond;
  ahead.run.finished_ns = ahead.run.started_ns + 1;
  catalog::ImportedRecord skewed = Record("skewed", catalog::RunKind::kPrune, "", "shop-repo");
  skewed.run.started_ns = now + 14 * 60 * kNsPerSecond;  // within the skew allowed
  skewed.run.finished_ns = skewed.run.started_ns + 1;
  file.records = {ahead, skewed};
  ASSERT_THAT(SaveEvidenceIn("shop-repo", file), IsOk());
  auto catalog = catalog::Catalog::Open(dir_ + "/central.db");
  ASSERT_THAT(catalog, IsOk());
  auto imported = ImportEvidence(plan_, **catalog, options_.access, now);
  ASSERT_EQ(imported.size(), 2u);
  EXPECT_EQ(imported[0].runs, 1u);
  ASSERT_EQ(imported[0].damaged.size(), 1u);
  EXPECT_THAT(imported[0].damaged[0], HasSubstr("1 runs dated more than 15 minutes in the future"));
  auto runs = (*catalog)->Runs({});
  ASSERT_THAT(runs, IsOk());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().record_id, "skewed");
}

// Whoever can write into the bucket, even without the key, may put a huge object among the
// evidence: it is not downloaded (the central machine's memory), and is reported.
TEST_F(EvidenceExchangeTest, AnEvidenceFileTooLargeToBeEvidenceIsNotRead) {
  fs::create_directories(dir_ + "/shop-repo/evidence");
  const std::string name(64, 'a');
  const std::string path = dir_ + "/shop-repo/evidence/" + name;
  std::ofstream(path).close();
  fs::resize_file(path, (uint64_t{64} << 20) + 1);  // sparse: no disk used
  auto catalog = catalog::Catalog::Open(dir_ + "/central.db");
  ASSERT_THAT(catalog, IsOk());
  auto imported = ImportEvidence(plan_, **catalog, options_.access, 20);
  ASSERT_EQ(imported.size(), 2u);
  EXPECT_EQ(imported[0].error, "");
  ASSERT_EQ(imported[0].damaged.size(), 1u);
  EXPECT_THAT(imported[0].damaged[0], HasSubstr("evidence " + name + ": 67108865 bytes"));
  EXPECT_THAT(imported[0].damaged[0], HasSubstr("not read"));
}

TEST_F(EvidenceExchangeTest, AnUnreachableRepositoryKeepsWhatTheCatalogHas) {
  WriteEvidence(plan_, "host-a", {Record("b1", catalog::RunKind::kBackup, "till", "shop-repo")}, 1,
                options_);
  auto catalog = catalog::Catalog::Open(dir_ + "/central.db");
  ASSERT_THAT(catalog, IsOk());
  ImportEvidence(plan_, **catalog, options_.access, 100);
  fs::rename(dir_ + "/shop-repo", dir_ + "/moved");
  auto later = ImportEvidence(plan_, **catalog, options_.access, 200);
  EXPECT_THAT(later[0].error, HasSubstr("shop-repo"));
  EXPECT_EQ(later[0].refreshed_ns, 100);  // the age of what the catalog has
  EXPECT_EQ(*(*catalog)->CountRuns(), 1);
}

TEST_F(EvidenceExchangeTest, APlanWithoutHostsExchangesNothing) {
  plan_.systems[0].host.clear();
  auto catalog = catalog::Catalog::Open(dir_ + "/central.db");
  ASSERT_THAT(catalog, IsOk());
  EXPECT_TRUE(ImportEvidence(plan_, **catalog, options_.access, 1).empty());
}

}  // namespace
}  // namespace stormproof::hosts
