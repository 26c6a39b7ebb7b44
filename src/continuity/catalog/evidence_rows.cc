// Rows of evidence imported from other hosts (rows.h; docs/catalog.md, "Many hosts, one
// catalog"): runs recognised by their record_id, and the evidence files and repositories read.
#include "continuity/catalog/internal/rows.h"

namespace stormproof::catalog::internal {
namespace {

// Served by the partial index runs_by_record_id (its WHERE term is repeated so SQLite uses it).
constexpr const char* kHasRecordSql =
    "SELECT 1 FROM runs WHERE record_id = ? AND record_id != '' LIMIT 1";

constexpr const char* kInsertFileSql =
    "INSERT OR IGNORE INTO evidence_files (repository, name, imported_ns, runs) "
    "VALUES (?, ?, ?, ?)";

Result<bool> HasRecord(Statement* statement, const std::string& record_id) {
  statement->Bind(1, record_id);
  Result<bool> row = statement->Step();
  statement->Reset();
  return row;
}

}  // namespace

Result<size_t> InsertImportedRecords(Db& db, const std::string& repository,
                                     const std::string& file,
                                     const std::vector<ImportedRecord>& records, int64_t now_ns) {
  STORMPROOF_ASSIGN_OR_RETURN(Statement has, db.Prepare(kHasRecordSql));
  STORMPROOF_ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertRunSql));
  size_t added = 0;
  for (const ImportedRecord& record : records) {
    STORMPROOF_ASSIGN_OR_RETURN(bool known, HasRecord(&has, record.run.record_id));
    if (known) continue;
    STORMPROOF_ASSIGN_OR_RETURN(int64_t id, InsertRun(db, &insert, record.run));
    if (record.drill) STORMPROOF_TRY(InsertDrillPart(db, id, *record.drill));
    ++added;
  }
  STORMPROOF_ASSIGN_OR_RETURN(Statement mark, db.Prepare(kInsertFileSql));
  mark.Bind(1, repository);
  mark.Bind(2, file);
  mark.Bind(3, now_ns);
  mark.Bind(4, static_cast<int64_t>(added));
  STORMPROOF_TRY(mark.Run());
  return added;
}

Status UpsertEvidenceRefreshed(Db& db, const std::string& repository, int64_t refreshed_ns) {
  STORMPROOF_ASSIGN_OR_RETURN(
      Statement upsert,
      db.Prepare("INSERT INTO evidence_sources (repository, refreshed_ns) VALUES (?, ?) "
                 "ON CONFLICT (repository) DO UPDATE SET refreshed_ns = excluded.refreshed_ns"));
  upsert.Bind(1, repository);
  upsert.Bind(2, refreshed_ns);
  return upsert.Run();
}

Result<EvidenceSource> SelectEvidenceSource(Db& db, const std::string& repository) {
  EvidenceSource source;
  source.repository = repository;
  STORMPROOF_ASSIGN_OR_RETURN(
      Statement refreshed,
      db.Prepare("SELECT refreshed_ns FROM evidence_sources WHERE repository = ?"));
  refreshed.Bind(1, repository);
  STORMPROOF_ASSIGN_OR_RETURN(bool row, refreshed.Step());
  if (row) source.refreshed_ns = refreshed.Int(0);
  STORMPROOF_ASSIGN_OR_RETURN(
      Statement files, db.Prepare("SELECT name FROM evidence_files WHERE repository = ?"));
  files.Bind(1, repository);
  for (;;) {
    STORMPROOF_ASSIGN_OR_RETURN(bool more, files.Step());
    if (!more) return source;
    source.files.insert(files.Text(0));
  }
}

}  // namespace stormproof::catalog::internal
