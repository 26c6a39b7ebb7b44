// Rows of the drills and drill_steps tables (rows.h). Lists of lines (reasons, uncovered
// steps) are stored as JSON arrays of strings; steps get a row each, in order.
#include <nlohmann/json.hpp>
#include <string_view>

#include "continuity/catalog/internal/rows.h"

namespace stormproof::catalog::internal {
namespace {

constexpr const char* kInsertDrillSql =
    "INSERT INTO drills (run_id, adapter, achieved_rto_ms, achieved_rpo_s, target_rto_s, "
    "target_rpo_s, throughput_bytes_per_s, reasons, surprise, absent_person, uncovered_steps, "
    "report_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

constexpr const char* kInsertStepSql =
    "INSERT INTO drill_steps (run_id, position, name, duration_ms, outcome, note) "
    "VALUES (?, ?, ?, ?, ?, ?)";

// The note column: the note, then, when the step kept output, kOutputMarker and the output's
// lines, one per line (docs/catalog.md). Output lines hold no line break (they are escaped).
constexpr std::string_view kOutputMarker = "\n--- last lines of standard error ---\n";

std::string NoteColumn(const DrillStep& step) {
  std::string column = step.note;
  for (size_t i = 0; i < step.output.size(); ++i) {
    column += (i == 0 ? std::string(kOutputMarker) : "\n") + step.output[i];
  }
  return column;
}

void SplitNoteColumn(const std::string& column, DrillStep* step) {
  size_t marker = column.find(kOutputMarker);
  step->note = column.substr(0, marker);
  if (marker == std::string::npos) return;
  std::string_view rest = std::string_view(column).substr(marker + kOutputMarker.size());
  for (;;) {
    size_t newline = rest.find('\n');
    step->output.emplace_back(rest.substr(0, newline));
    if (newline == std::string_view::npos) return;
    rest.remove_prefix(newline + 1);
  }
}

Status InsertSteps(Db& db, int64_t run_id, const std::vector<DrillStep>& steps) {
  STORMPROOF_ASSIGN_OR_RETURN(Statement statement, db.Prepare(kInsertStepSql));
  for (size_t i = 0; i < steps.size(); ++i) {
    statement.Bind(1, run_id);
    statement.Bind(2, static_cast<int64_t>(i));
    statement.Bind(3, steps[i].name);
    statement.Bind(4, steps[i].duration_ms);
    statement.Bind(5, std::string(OutcomeName(steps[i].outcome)));
    statement.Bind(6, NoteColumn(steps[i]));
    STORMPROOF_TRY(statement.Run());
    statement.Reset();
  }
  return Ok();
}

}  // namespace

// Invalid UTF-8 is replaced by U+FFFD (JSON text must be UTF-8).
std::string ToJsonArray(const std::vector<std::string>& lines) {
  return nlohmann::json(lines).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<std::string>> FromJsonArray(const std::string& text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return Error::Parse("not a JSON array of strings: " + text);
  std::vector<std::string> lines;
  for (const auto& item : parsed) {
    if (!item.is_string()) return Error::Parse("not a JSON array of strings: " + text);
    lines.push_back(item.get<std::string>());
  }
  return lines;
}

Status InsertDrillPart(Db& db, int64_t run_id, const Drill& drill) {
  STORMPROOF_ASSIGN_OR_RETURN(Statement statement, db.Prepare(kInsertDrillSql));
  statement.Bind(1, run_id);
  statement.Bind(2, drill.adapter);
  statement.Bind(3, drill.achieved_rto_ms);
  statement.Bind(4, drill.achieved_rpo_s);
  statement.Bind(5, drill.target_rto_s);
  statement.Bind(6, drill.target_rpo_s);
  statement.Bind(7, drill.throughput_bytes_per_s);
  statement.Bind(8, ToJsonArray(drill.reasons));
  statement.Bind(9, int64_t{drill.surprise ? 1 : 0});
  statement.Bind(10, drill.absent_person);
  statement.Bind(11, ToJsonArray(drill.uncovered_steps));
  statement.Bind(12, drill.report_path);
  STORMPROOF_TRY(statement.Run());
  return InsertSteps(db, run_id, drill.steps);
}

Result<Drill> ReadDrillPart(const Db& db, const Statement& statement, int64_t run_id) {
  const int c = kRunColumnCount;
  Drill drill;
  drill.adapter = statement.Text(c);
  drill.achieved_rto_ms = statement.OptionalInt(c + 1);
  drill.achieved_rpo_s = statement.OptionalInt(c + 2);
  drill.target_rto_s = statement.OptionalInt(c + 3);
  drill.target_rpo_s = statement.OptionalInt(c + 4);
  drill.throughput_bytes_per_s = statement.Real(c + 5);
  drill.surprise = statement.Int(c + 7) != 0;
  drill.absent_person = statement.Text(c + 8);
  drill.report_path = statement.Text(c + 10);
  auto reasons = FromJsonArray(statement.Text(c + 6));
  auto uncovered = FromJsonArray(statement.Text(c + 9));
  for (const auto* list : {&reasons, &uncovered}) {
    if (!list->has_value()) {
      return list->error().WithContext(db.path() + ": drill " + std::to_string(run_id));
    }
  }
  drill.reasons = std::move(reasons).value();
  drill.uncovered_steps = std::move(uncovered).value();
  return drill;
}

const char* const kSelectStepsSql =
    "SELECT name, duration_ms, outcome, note FROM drill_steps WHERE run_id = ? ORDER BY position";

Status ReadSteps(const Db& db, Statement* statement, int64_t run_id, Drill* drill) {
  statement->Bind(1, run_id);
  for (;;) {
    Result<bool> row = statement->Step();
    if (!row.has_value() || !*row) {
      statement->Reset();
      if (!row.has_value()) return row.error();
      return Ok();
    }
    DrillStep step;
    step.name = statement->Text(0);
    step.duration_ms = statement->Int(1);
    Result<Outcome> outcome = ParseOutcome(statement->Text(2));
    if (!outcome.has_value()) {
      statement->Reset();
      return outcome.error().WithContext(db.path() + ": drill " + std::to_string(run_id));
    }
    step.outcome = *outcome;
    SplitNoteColumn(statement->Text(3), &step);
    drill->steps.push_back(std::move(step));
  }
}

}  // namespace stormproof::catalog::internal
