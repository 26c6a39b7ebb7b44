// Rows of the immutability_proofs and attestations tables (rows.h; docs/catalog.md,
// "Immutability proofs and attestations"). Both are only added to, never changed.
#include "continuity/catalog/internal/rows.h"

namespace stormproof::catalog::internal {
namespace {

constexpr const char* kInsertProofSql =
    "INSERT INTO immutability_proofs (repository, location, started_ns, finished_ns, outcome, "
    "credentials, retention_mode, retention_days, allowed, objects_checked, error, host, "
    "record_id, access_key_id, earliest_retain_until_ns) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

// Served by immutability_proofs_by_repository; proofs that could not run are skipped; an empty
// access key id or location (?3, ?4) selects any.
constexpr const char* kSelectLatestProofSql =
    "SELECT id, repository, location, started_ns, finished_ns, outcome, credentials, "
    "retention_mode, retention_days, allowed, objects_checked, error, host, record_id, "
    "access_key_id, earliest_retain_until_ns FROM immutability_proofs "
    "WHERE repository = ?1 AND finished_ns <= ?2 AND outcome IN ('ok', 'failed') "
    "AND (?3 = '' OR access_key_id = ?3) AND (?4 = '' OR location = ?4) "
    "ORDER BY finished_ns DESC, id DESC LIMIT 1";

constexpr const char* kInsertAttestationSql =
    "INSERT INTO attestations (repository, person, attested_ns, note, host, record_id) "
    "VALUES (?, ?, ?, ?, ?, ?)";

constexpr const char* kSelectLatestAttestationSql =
    "SELECT id, repository, person, attested_ns, note, host, record_id FROM attestations "
    "WHERE repository = ? AND attested_ns <= ? ORDER BY attested_ns DESC, id DESC LIMIT 1";

std::string RecordIdOr(const std::string& given) { return given.empty() ? NewRecordId() : given; }

Result<ImmutabilityProof> ReadProof(const Db& db, const Statement& row) {
  ImmutabilityProof proof;
  proof.id = row.Int(0);
  proof.repository = row.Text(1);
  proof.location = row.Text(2);
  proof.started_ns = row.Int(3);
  proof.finished_ns = row.Int(4);
  Result<Outcome> outcome = ParseOutcome(row.Text(5));
  if (!outcome)
    return outcome.error().WithContext(db.path() + ": immutability proof " +
                                       std::to_string(proof.id));
  proof.outcome = *outcome;
  proof.credentials = row.Text(6);
  proof.retention_mode = row.Text(7);
  proof.retention_days = row.Int(8);
  Result<std::vector<std::string>> allowed = FromJsonArray(row.Text(9));
  if (!allowed)
    return allowed.error().WithContext(db.path() + ": immutability proof " +
                                       std::to_string(proof.id) + ": allowed");
  proof.allowed = std::move(allowed).value();
  proof.objects_checked = static_cast<uint64_t>(row.Int(10));
  proof.error = row.Text(11);
  proof.host = row.Text(12);
  proof.record_id = row.Text(13);
  proof.access_key_id = row.Text(14);
  proof.earliest_retain_until_ns = row.Int(15);
  return proof;
}

}  // namespace

Result<int64_t> InsertImmutabilityProof(Db& db, const ImmutabilityProof& proof) {
  STORMPROOF_ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertProofSql));
  insert.Bind(1, proof.repository);
  insert.Bind(2, proof.location);
  insert.Bind(3, proof.started_ns);
  insert.Bind(4, proof.finished_ns);
  insert.Bind(5, std::string(OutcomeName(proof.outcome)));
  insert.Bind(6, proof.credentials);
  insert.Bind(7, proof.retention_mode);
  insert.Bind(8, proof.retention_days);
  insert.Bind(9, ToJsonArray(proof.allowed));
  insert.Bind(10, static_cast<int64_t>(proof.objects_checked));
  insert.Bind(11, proof.error);
  insert.Bind(12, proof.host);
  insert.Bind(13, RecordIdOr(proof.record_id));
  insert.Bind(14, proof.access_key_id);
  insert.Bind(15, proof.earliest_retain_until_ns);
  STORMPROOF_TRY(insert.Run());
  return db.LastInsertId();
}

Result<std::optional<ImmutabilityProof>> SelectLatestImmutabilityProof(Db& db,
                                                                       const ProofQuery& query) {
  STORMPROOF_ASSIGN_OR_RETURN(Statement select, db.Prepare(kSelectLatestProofSql));
  select.Bind(1, query.repository);
  select.Bind(2, query.until_ns);
  select.Bind(3, query.access_key_id);
  select.Bind(4, query.location);
  STORMPROOF_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<ImmutabilityProof>();
  STORMPROOF_ASSIGN_OR_RETURN(ImmutabilityProof proof, ReadProof(db, select));
  return std::optional(std::move(proof));
}

Result<int64_t> InsertAttestation(Db& db, const Attestation& attestation) {
  STORMPROOF_ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertAttestationSql));
  insert.Bind(1, attestation.repository);
  insert.Bind(2, attestation.person);
  insert.Bind(3, attestation.attested_ns);
  insert.Bind(4, attestation.note);
  insert.Bind(5, attestation.host);
  insert.Bind(6, RecordIdOr(attestation.record_id));
  STORMPROOF_TRY(insert.Run());
  return db.LastInsertId();
}

Result<std::optional<Attestation>> SelectLatestAttestation(Db& db, const std::string& repository,
                                                           int64_t until_ns) {
  STORMPROOF_ASSIGN_OR_RETURN(Statement select, db.Prepare(kSelectLatestAttestationSql));
  select.Bind(1, repository);
  select.Bind(2, until_ns);
  STORMPROOF_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<Attestation>();
  Attestation attestation;
  attestation.id = select.Int(0);
  attestation.repository = select.Text(1);
  attestation.person = select.Text(2);
  attestation.attested_ns = select.Int(3);
  attestation.note = select.Text(4);
  attestation.host = select.Text(5);
  attestation.record_id = select.Text(6);
  return std::optional(std::move(attestation));
}

}  // namespace stormproof::catalog::internal
