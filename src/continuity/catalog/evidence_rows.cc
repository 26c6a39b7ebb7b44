// Rows of evidence imported from other hosts (rows.h; docs/catalog.md, "Many hosts, one
// catalog"): runs recognised by their record_id and content, the record ids told two ways, and
// the evidence files and repositories read.
#include <algorithm>
#include <string>
#include <vector>

#include "continuity/catalog/internal/rows.h"

namespace stormproof::catalog::internal {
namespace {

// Whether an imported record is already held: recorded here with that record id (a host's own
// evidence read back; this catalog's own run wins), or imported before, from any repository,
// with that record id and the same content (a file read twice, one run told through each
// repository of its system). A record with the same id but another content is a different
// record, kept beside it whichever came first: a forged record cannot shadow a genuine one, and
// the order of imports does not change what is held. Served by the partial index
// runs_by_record_id (its WHERE term is repeated so SQLite uses it).
constexpr const char* kHasRecordSql =
    "SELECT 1 FROM runs WHERE record_id = ? AND record_id != '' AND (imported_from = '' "
    "OR (kind = ? AND system = ? AND client = ? AND repository = ? AND started_ns = ? "
    "AND finished_ns = ? AND outcome = ? AND error = ? AND snapshot_id = ? AND host = ? "
    "AND bytes = ? AND files = ? AND snapshot_time_ns = ? AND details = ?)) LIMIT 1";

// A record id not held yet is no conflict; one held (with another content: kHasRecordSql) is.
constexpr const char* kHasRecordIdSql =
    "SELECT 1 FROM runs WHERE record_id = ? AND record_id != '' LIMIT 1";
constexpr const char* kInsertConflictSql =
    "INSERT OR IGNORE INTO record_conflicts (record_id) VALUES (?)";

// The runs of every record id in conflict, in the order recorded.
constexpr const char* kConflictsSql =
    "SELECT runs.record_id, runs.imported_from, runs.imported_file, runs.system FROM runs "
    "JOIN record_conflicts ON runs.record_id = record_conflicts.record_id "
    "WHERE runs.record_id != '' ORDER BY runs.record_id, runs.id";

constexpr const char* kInsertFileSql =
    "INSERT OR IGNORE INTO evidence_files (repository, name, imported_ns, runs) "
    "VALUES (?, ?, ?, ?)";

Result<bool> HasRecord(Statement* statement, const Run& run) {
  statement->Bind(1, run.record_id);
  statement->Bind(2, std::string(RunKindName(run.kind)));
  statement->Bind(3, run.system);
  statement->Bind(4, run.client);
  statement->Bind(5, run.repository);
  statement->Bind(6, run.started_ns);
  statement->Bind(7, run.finished_ns);
  statement->Bind(8, std::string(OutcomeName(run.outcome)));
  statement->Bind(9, run.error);
  statement->Bind(10, run.snapshot_id);
  statement->Bind(11, run.host);
  statement->Bind(12, static_cast<int64_t>(run.bytes));
  statement->Bind(13, static_cast<int64_t>(run.files));
  statement->Bind(14, run.snapshot_time_ns);
  statement->Bind(15, run.details);
  Result<bool> row = statement->Step();
  statement->Reset();
  return row;
}

// Before `run` (not held yet with its content) is recorded: when its record id is held with
// another content, lists it in record_conflicts. `has_id` prepared from kHasRecordIdSql.
Status NoteConflict(Db& db, Statement* has_id, const Run& run) {
  has_id->Bind(1, run.record_id);
  Result<bool> held = has_id->Step();
  has_id->Reset();
  STORMPROOF_TRY(held);
  if (!*held) return Ok();
  STORMPROOF_ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertConflictSql));
  insert.Bind(1, run.record_id);
  return insert.Run();
}

}  // namespace

Result<size_t> InsertImportedRecords(Db& db, const std::string& repository,
                                     const std::string& file,
                                     const std::vector<ImportedRecord>& records, int64_t now_ns) {
  STORMPROOF_ASSIGN_OR_RETURN(Statement has, db.Prepare(kHasRecordSql));
  STORMPROOF_ASSIGN_OR_RETURN(Statement has_id, db.Prepare(kHasRecordIdSql));
  STORMPROOF_ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertRunSql));
  size_t added = 0;
  for (const ImportedRecord& record : records) {
    STORMPROOF_ASSIGN_OR_RETURN(bool known, HasRecord(&has, record.run));
    if (known) continue;
    STORMPROOF_TRY(NoteConflict(db, &has_id, record.run));
    STORMPROOF_ASSIGN_OR_RETURN(int64_t id,
                                InsertRun(db, &insert, record.run, repository, file));
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

Result<std::vector<RecordConflict>> SelectRecordConflicts(Db& db) {
  STORMPROOF_ASSIGN_OR_RETURN(Statement rows, db.Prepare(kConflictsSql));
  std::vector<RecordConflict> conflicts;
  for (;;) {
    STORMPROOF_ASSIGN_OR_RETURN(bool more, rows.Step());
    if (!more) return conflicts;
    if (conflicts.empty() || conflicts.back().record_id != rows.Text(0)) {
      conflicts.push_back({rows.Text(0), {}, {}});
    }
    RecordConflict& conflict = conflicts.back();
    const std::string system = rows.Text(3);
    if (std::find(conflict.systems.begin(), conflict.systems.end(), system) ==
        conflict.systems.end()) {
      conflict.systems.push_back(system);
    }
    const std::string repository = rows.Text(1);
    conflict.sources.push_back(repository.empty() ? std::string("this catalog")
                                                  : "evidence file " + rows.Text(2) +
                                                        " of repository " + repository);
  }
}

}  // namespace stormproof::catalog::internal
