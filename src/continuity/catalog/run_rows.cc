// Rows of the runs table and the SELECT behind RunQuery (rows.h).
#include <cstdint>

#include "continuity/catalog/internal/rows.h"

namespace stormproof::catalog::internal {
namespace {

constexpr const char* kRunColumns =
    "runs.id, runs.kind, runs.system, runs.client, runs.repository, runs.started_ns, "
    "runs.finished_ns, runs.bytes, runs.files, runs.outcome, runs.error, runs.snapshot_id, "
    "runs.snapshot_time_ns, runs.details, runs.host, runs.record_id, runs.imported_from, "
    "runs.imported_file";

constexpr const char* kDrillColumns =
    ", drills.adapter, drills.achieved_rto_ms, drills.achieved_rpo_s, drills.target_rto_s, "
    "drills.target_rpo_s, drills.throughput_bytes_per_s, drills.reasons, drills.surprise, "
    "drills.absent_person, drills.uncovered_steps, drills.report_path";

// Appends "<column> = ?" with `value` when `value` is not empty.
void FilterText(const char* column, const std::string& value, RunSelect* select) {
  if (value.empty()) return;
  select->sql += std::string(" AND ") + column + " = ?";
  select->params.emplace_back(value);
}

}  // namespace

void RunSelect::BindTo(Statement* statement) const {
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    if (const auto* number = std::get_if<int64_t>(&params[i])) {
      statement->Bind(index, *number);
    } else {
      statement->Bind(index, std::get<std::string>(params[i]));
    }
  }
}

RunSelect BuildRunSelect(const RunQuery& query, RunSource source) {
  RunSelect select;
  select.sql = std::string("SELECT ") + kRunColumns;
  if (source == RunSource::kDrills) {
    select.sql += std::string(kDrillColumns) + " FROM runs JOIN drills ON drills.run_id = runs.id";
  } else {
    select.sql += " FROM runs";
  }
  select.sql += " WHERE 1";
  std::optional<RunKind> kind = source == RunSource::kDrills ? RunKind::kDrill : query.kind;
  if (kind.has_value()) FilterText("runs.kind", RunKindName(*kind), &select);
  FilterText("runs.system", query.system, &select);
  FilterText("runs.client", query.client, &select);
  FilterText("runs.repository", query.repository, &select);
  if (query.own_only) select.sql += " AND runs.imported_from = ''";
  if (!query.outcomes.empty()) {
    select.sql += " AND runs.outcome IN (?";
    for (size_t i = 1; i < query.outcomes.size(); ++i) select.sql += ", ?";
    select.sql += ")";
    for (Outcome outcome : query.outcomes) select.params.emplace_back(OutcomeName(outcome));
  }
  if (query.since_ns != INT64_MIN) {
    select.sql += " AND runs.started_ns >= ?";
    select.params.emplace_back(query.since_ns);
  }
  if (query.until_ns != INT64_MAX) {
    select.sql += " AND runs.started_ns < ?";
    select.params.emplace_back(query.until_ns);
  }
  select.sql += " ORDER BY runs.started_ns DESC, runs.id DESC";
  if (query.limit < static_cast<size_t>(INT64_MAX)) {
    select.sql += " LIMIT ?";
    select.params.emplace_back(static_cast<int64_t>(query.limit));
  }
  return select;
}

const char* const kInsertRunSql =
    "INSERT INTO runs (kind, system, client, repository, started_ns, finished_ns, bytes, files, "
    "outcome, error, snapshot_id, snapshot_time_ns, details, host, record_id, imported_from, "
    "imported_file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

Result<int64_t> InsertRun(Db& db, Statement* statement, const Run& run,
                          const std::string& imported_from, const std::string& imported_file) {
  statement->Bind(1, std::string(RunKindName(run.kind)));
  statement->Bind(2, run.system);
  statement->Bind(3, run.client);
  statement->Bind(4, run.repository);
  statement->Bind(5, run.started_ns);
  statement->Bind(6, run.finished_ns);
  // SQLite integers are signed 64-bit: counts of 2^63 and more are stored as their two's
  // complement and read back unchanged (docs/catalog.md).
  statement->Bind(7, static_cast<int64_t>(run.bytes));
  statement->Bind(8, static_cast<int64_t>(run.files));
  statement->Bind(9, std::string(OutcomeName(run.outcome)));
  statement->Bind(10, run.error);
  statement->Bind(11, run.snapshot_id);
  statement->Bind(12, run.snapshot_time_ns);
  statement->Bind(13, run.details);
  statement->Bind(14, run.host);
  statement->Bind(15, run.record_id.empty() ? NewRecordId() : run.record_id);
  statement->Bind(16, imported_from);
  statement->Bind(17, imported_file);
  Status inserted = statement->Run();
  statement->Reset();
  STORMPROOF_TRY(inserted);
  return db.LastInsertId();
}

Result<Run> ReadRun(const Db& db, const Statement& statement) {
  Run run;
  run.id = statement.Int(0);
  auto context = [&](const Error& error) {
    return Error::Parse(db.path() + ": run " + std::to_string(run.id) + ": " + error.message());
  };
  Result<RunKind> kind = ParseRunKind(statement.Text(1));
  if (!kind.has_value()) return context(kind.error());
  run.kind = *kind;
  run.system = statement.Text(2);
  run.client = statement.Text(3);
  run.repository = statement.Text(4);
  run.started_ns = statement.Int(5);
  run.finished_ns = statement.Int(6);
  run.bytes = static_cast<uint64_t>(statement.Int(7));
  run.files = static_cast<uint64_t>(statement.Int(8));
  Result<Outcome> outcome = ParseOutcome(statement.Text(9));
  if (!outcome.has_value()) return context(outcome.error());
  run.outcome = *outcome;
  run.error = statement.Text(10);
  run.snapshot_id = statement.Text(11);
  run.snapshot_time_ns = statement.Int(12);
  run.details = statement.Text(13);
  run.host = statement.Text(14);
  run.record_id = statement.Text(15);
  run.imported_from = statement.Text(16);
  run.imported_file = statement.Text(17);
  return run;
}

}  // namespace stormproof::catalog::internal
