// Immutability proofs and attestations in the catalog (immutability_rows.cc): every field
// round-trips, the newest proof with a verdict is the one read back (a proof that could not run
// is skipped), a moment in the past hides later records, and bad records are refused.
#include <gtest/gtest.h>

#include <filesystem>

#include "continuity/catalog/catalog.h"
#include "continuity/catalog/internal/schema.h"
#include "tests/continuity/catalog/catalog_fixture.h"
#include "tests/matchers.h"

namespace stormproof::catalog {
namespace {

using testing::CatalogTest;

ImmutabilityProof Proof(int64_t finished_ns, Outcome outcome) {
  ImmutabilityProof proof;
  proof.repository = "acme-offsite";
  proof.location = "s3:https://rgw.example:7480/acme-locked";
  proof.started_ns = finished_ns - 500;
  proof.finished_ns = finished_ns;
  proof.outcome = outcome;
  proof.credentials = "credentials_file /etc/stormproof/acme-backup.aws";
  proof.retention_mode = "compliance";
  proof.retention_days = 30;
  proof.objects_checked = 12;
  proof.earliest_retain_until_ns = finished_ns + 3'000;
  proof.host = "central";
  proof.access_key_id = "AKIABACKUPHOSTS00001";
  return proof;
}

TEST_F(CatalogTest, ImmutabilityProofRoundTripsEveryField) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  ImmutabilityProof failed = Proof(5'000, Outcome::kFailed);
  failed.allowed = {"deleting a pack's version was allowed",
                    "shortening the canary's retention was allowed"};
  auto id = catalog->AddImmutabilityProof(failed);
  ASSERT_THAT(id, IsOk());
  auto read = catalog->LatestImmutabilityProof("acme-offsite", INT64_MAX);
  ASSERT_THAT(read, IsOk());
  ASSERT_TRUE(read->has_value());
  const ImmutabilityProof& got = **read;
  EXPECT_EQ(got.id, *id);
  EXPECT_EQ(got.repository, "acme-offsite");
  EXPECT_EQ(got.location, failed.location);
  EXPECT_EQ(got.started_ns, 4'500);
  EXPECT_EQ(got.finished_ns, 5'000);
  EXPECT_EQ(got.outcome, Outcome::kFailed);
  EXPECT_EQ(got.credentials, failed.credentials);
  EXPECT_EQ(got.retention_mode, "compliance");
  EXPECT_EQ(got.retention_days, 30);
  EXPECT_EQ(got.allowed, failed.allowed);
  EXPECT_EQ(got.objects_checked, 12u);
  EXPECT_EQ(got.earliest_retain_until_ns, 8'000);
  EXPECT_EQ(got.host, "central");
  EXPECT_EQ(got.record_id.size(), 32u);  // assigned
  EXPECT_EQ(got.access_key_id, "AKIABACKUPHOSTS00001");
  // What an analyst sees with sqlite3.
  EXPECT_EQ(Sql("SELECT outcome, allowed FROM immutability_proofs"),
            std::vector<std::string>{"failed|[\"deleting a pack's version was allowed\","
                                     "\"shortening the canary's retention was allowed\"]"});
}

TEST_F(CatalogTest, LatestImmutabilityProofSkipsProofsThatCouldNotRun) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  ASSERT_THAT(catalog->AddImmutabilityProof(Proof(1'000, Outcome::kOk)), IsOk());
  ImmutabilityProof unreachable = Proof(2'000, Outcome::kError);
  unreachable.error = "s3:https://rgw.example:7480/acme-locked: connection refused";
  ASSERT_THAT(catalog->AddImmutabilityProof(unreachable), IsOk());
  auto read = catalog->LatestImmutabilityProof("acme-offsite", INT64_MAX);
  ASSERT_THAT(read, IsOk());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->finished_ns, 1'000);
  EXPECT_EQ((*read)->outcome, Outcome::kOk);
}

TEST_F(CatalogTest, LatestImmutabilityProofIsPerRepositoryAndHonoursTheMoment) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  ASSERT_THAT(catalog->AddImmutabilityProof(Proof(1'000, Outcome::kOk)), IsOk());
  ASSERT_THAT(catalog->AddImmutabilityProof(Proof(3'000, Outcome::kFailed)), IsOk());
  ImmutabilityProof other = Proof(9'000, Outcome::kOk);
  other.repository = "bsd-offsite";
  ASSERT_THAT(catalog->AddImmutabilityProof(other), IsOk());
  auto now = catalog->LatestImmutabilityProof("acme-offsite", INT64_MAX);
  ASSERT_THAT(now, IsOk());
  ASSERT_TRUE(now->has_value());
  EXPECT_EQ((*now)->outcome, Outcome::kFailed);
  auto before = catalog->LatestImmutabilityProof("acme-offsite", 2'999);
  ASSERT_THAT(before, IsOk());
  ASSERT_TRUE(before->has_value());
  EXPECT_EQ((*before)->finished_ns, 1'000);
  auto none = catalog->LatestImmutabilityProof("acme-offsite", 999);
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->has_value());
  auto unknown = catalog->LatestImmutabilityProof("nas", INT64_MAX);
  ASSERT_THAT(unknown, IsOk());
  EXPECT_FALSE(unknown->has_value());
}

TEST_F(CatalogTest, RefusesAnImmutabilityProofWithoutRepositoryOrWithAWarning) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  ImmutabilityProof nameless = Proof(1'000, Outcome::kOk);
  nameless.repository = "";
  EXPECT_THAT(catalog->AddImmutabilityProof(nameless), ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_THAT(catalog->AddImmutabilityProof(Proof(1'000, Outcome::kWarning)),
              ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_EQ(Sql("SELECT count(*) FROM immutability_proofs"), std::vector<std::string>{"0"});
}

TEST_F(CatalogTest, AttestationRoundTripsAndTheNewestWins) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  Attestation older{0, "tapes", "mia", 1'000, "tape set 11 in the vault", "central", ""};
  Attestation newer{
      0, "tapes", "tom", 5'000, "tape set 12 in the vault, write-protect tab set", "central", ""};
  ASSERT_THAT(catalog->AddAttestation(newer), IsOk());
  ASSERT_THAT(catalog->AddAttestation(older), IsOk());  // recorded later, attested earlier
  auto read = catalog->LatestAttestation("tapes", INT64_MAX);
  ASSERT_THAT(read, IsOk());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->person, "tom");
  EXPECT_EQ((*read)->attested_ns, 5'000);
  EXPECT_EQ((*read)->note, newer.note);
  EXPECT_EQ((*read)->host, "central");
  EXPECT_EQ((*read)->record_id.size(), 32u);
  auto earlier = catalog->LatestAttestation("tapes", 4'999);
  ASSERT_THAT(earlier, IsOk());
  ASSERT_TRUE(earlier->has_value());
  EXPECT_EQ((*earlier)->person, "mia");
}

TEST_F(CatalogTest, RefusesAnAttestationWithoutPersonOrNote) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  EXPECT_THAT(catalog->AddAttestation({0, "tapes", "", 1'000, "seen", "", ""}),
              ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_THAT(catalog->AddAttestation({0, "tapes", "mia", 1'000, "", "", ""}),
              ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_EQ(Sql("SELECT count(*) FROM attestations"), std::vector<std::string>{"0"});
}

// Whose proof it is: the newest proof made with one access key id at one location, looking past
// newer proofs made with other credentials or of another bucket.
TEST_F(CatalogTest, LatestMatchingImmutabilityProofLooksPastOtherCredentialsAndLocations) {
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  ASSERT_THAT(catalog->AddImmutabilityProof(Proof(1'000, Outcome::kOk)), IsOk());
  ImmutabilityProof owner = Proof(2'000, Outcome::kOk);
  owner.access_key_id = "AKIAOWNERMAINTENANCE";
  ASSERT_THAT(catalog->AddImmutabilityProof(owner), IsOk());
  ImmutabilityProof old_bucket = Proof(3'000, Outcome::kOk);
  old_bucket.location = "s3:https://rgw.example:7480/acme-old";
  ASSERT_THAT(catalog->AddImmutabilityProof(old_bucket), IsOk());
  ImmutabilityProof unreachable = Proof(4'000, Outcome::kError);
  ASSERT_THAT(catalog->AddImmutabilityProof(unreachable), IsOk());

  const std::string here = "s3:https://rgw.example:7480/acme-locked";
  auto backup_hosts = catalog->LatestMatchingImmutabilityProof(
      {"acme-offsite", INT64_MAX, "AKIABACKUPHOSTS00001", here});
  ASSERT_THAT(backup_hosts, IsOk());
  ASSERT_TRUE(backup_hosts->has_value());
  EXPECT_EQ((*backup_hosts)->finished_ns, 1'000);
  auto any_key_here = catalog->LatestMatchingImmutabilityProof({"acme-offsite", INT64_MAX, "", here});
  ASSERT_THAT(any_key_here, IsOk());
  ASSERT_TRUE(any_key_here->has_value());
  EXPECT_EQ((*any_key_here)->access_key_id, "AKIAOWNERMAINTENANCE");
  auto anywhere = catalog->LatestMatchingImmutabilityProof({"acme-offsite"});
  ASSERT_THAT(anywhere, IsOk());
  ASSERT_TRUE(anywhere->has_value());
  EXPECT_EQ((*anywhere)->finished_ns, 3'000);
  auto nobody = catalog->LatestMatchingImmutabilityProof(
      {"acme-offsite", INT64_MAX, "AKIASOMEONEELSE00000", here});
  ASSERT_THAT(nobody, IsOk());
  EXPECT_FALSE(nobody->has_value());
  auto earlier = catalog->LatestMatchingImmutabilityProof(
      {"acme-offsite", 999, "AKIABACKUPHOSTS00001", here});
  ASSERT_THAT(earlier, IsOk());
  EXPECT_FALSE(earlier->has_value());
}

// A version 4 catalog's proofs gain an empty access key id: nobody's proof, never the backup
// hosts'.
TEST_F(CatalogTest, MigratesVersion4ProofsWithoutAnAccessKeyId) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  ASSERT_THAT(internal::CreateCatalogAtVersion(path_, 4), IsOk());
  Sql("INSERT INTO immutability_proofs (repository, location, started_ns, finished_ns, outcome, "
      "credentials, record_id) VALUES ('acme-offsite', 's3:https://rgw.example:7480/acme-locked', "
      "1, 2, 'ok', 'AWS_PROFILE backup', 'r1')");
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(catalog->SchemaVersion(), kSchemaVersion);
  auto read = catalog->LatestImmutabilityProof("acme-offsite", INT64_MAX);
  ASSERT_THAT(read, IsOk());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->credentials, "AWS_PROFILE backup");
  EXPECT_EQ((*read)->access_key_id, "");
}

// A version 3 catalog (before immutability) gains the tables on open and keeps its runs.
TEST_F(CatalogTest, MigratesAVersion3CatalogToImmutability) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  ASSERT_THAT(internal::CreateCatalogAtVersion(path_, 3), IsOk());
  Sql("INSERT INTO runs (kind, started_ns, finished_ns, outcome) VALUES ('check', 1, 2, 'ok')");
  auto catalog = OpenCatalog();
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(catalog->SchemaVersion(), kSchemaVersion);
  ASSERT_THAT(catalog->AddImmutabilityProof(Proof(1'000, Outcome::kOk)), IsOk());
  EXPECT_EQ(Sql("SELECT count(*) FROM runs"), std::vector<std::string>{"1"});
}

}  // namespace
}  // namespace stormproof::catalog
