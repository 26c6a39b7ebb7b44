// Internal to catalog/: how Run and Drill values map to rows of the catalog's tables
// (schema in migrations.cc, docs/catalog.md), and the SELECT behind every RunQuery.
// All values are bound as parameters; the SQL text is assembled from fixed fragments only.
#ifndef STORMPROOF_CONTINUITY_CATALOG_INTERNAL_ROWS_H_
#define STORMPROOF_CONTINUITY_CATALOG_INTERNAL_ROWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "continuity/catalog/catalog.h"
#include "continuity/catalog/internal/sqlite_db.h"
#include "core/result.h"

namespace stormproof::catalog::internal {

// A SELECT and the values for its parameters, in order.
struct RunSelect {
  std::string sql;
  std::vector<std::variant<int64_t, std::string>> params;

  void BindTo(Statement* statement) const;
};

enum class RunSource {
  kRuns,    // columns: the run's (ReadRun)
  kDrills,  // runs joined with drills; columns: the run's, then the drill's (ReadDrillPart)
};

// The runs matching `query`, newest started_ns first (ties: newest id first). For kDrills the
// query's kind is ignored. Each combination of filters is served by an index of migration 2.
RunSelect BuildRunSelect(const RunQuery& query, RunSource source);

// Inserts `run` into runs with `statement` (prepared from kInsertRunSql) and returns its id;
// `imported_from` and `imported_file` (not the run's) are the repository and the evidence file
// it was imported from, "" for a run recorded here. REQUIRES: `statement` is fresh or Reset().
extern const char* const kInsertRunSql;
Result<int64_t> InsertRun(Db& db, Statement* statement, const Run& run,
                          const std::string& imported_from = "",
                          const std::string& imported_file = "");

// The run in the current row's first kRunColumnCount columns.
inline constexpr int kRunColumnCount = 18;
Result<Run> ReadRun(const Db& db, const Statement& statement);

// Inserts the drill part (drills and drill_steps rows) of run `run_id`.
Status InsertDrillPart(Db& db, int64_t run_id, const Drill& drill);

// The drill part in the current row, from column kRunColumnCount on, without its steps.
Result<Drill> ReadDrillPart(const Db& db, const Statement& statement, int64_t run_id);

// Appends the steps of drill `run_id` to `drill`, using `statement` (prepared from
// kSelectStepsSql; reset afterwards).
extern const char* const kSelectStepsSql;
Status ReadSteps(const Db& db, Statement* statement, int64_t run_id, Drill* drill);

// Evidence from other hosts (catalog.h, ImportRecords): records the runs of `records` that
// `db` does not hold yet, and the file as imported. REQUIRES: inside a write transaction.
Result<size_t> InsertImportedRecords(Db& db, const std::string& repository,
                                     const std::string& file,
                                     const std::vector<ImportedRecord>& records, int64_t now_ns);
Status UpsertEvidenceRefreshed(Db& db, const std::string& repository, int64_t refreshed_ns);
Result<EvidenceSource> SelectEvidenceSource(Db& db, const std::string& repository);
Result<std::vector<RecordConflict>> SelectRecordConflicts(Db& db);

// A list of lines as a JSON array of strings (drill reasons, what an immutability proof found
// allowed); invalid UTF-8 is replaced by U+FFFD. FromJsonArray: kParse for anything else.
std::string ToJsonArray(const std::vector<std::string>& lines);
Result<std::vector<std::string>> FromJsonArray(const std::string& text);

// Immutability proofs and attestations (immutability_rows.cc; catalog.h). Insert* assign a
// record id when the value has none and return the row id.
Result<int64_t> InsertImmutabilityProof(Db& db, const ImmutabilityProof& proof);
Result<std::optional<ImmutabilityProof>> SelectLatestImmutabilityProof(Db& db,
                                                                       const ProofQuery& query);
Result<int64_t> InsertAttestation(Db& db, const Attestation& attestation);
Result<std::optional<Attestation>> SelectLatestAttestation(Db& db, const std::string& repository,
                                                           int64_t until_ns);

}  // namespace stormproof::catalog::internal

#endif  // STORMPROOF_CONTINUITY_CATALOG_INTERNAL_ROWS_H_
