#include "schedule/drill_job.h"

#include "report/drill_report.h"

namespace stormproof::schedule {
namespace {

// The record of a drill that could not start: no adapter for the system.
catalog::DrillRecord NotStarted(const plan::Plan& plan, const plan::System& system,
                                const drill::Clock& clock, const Error& error) {
  catalog::DrillRecord record;
  record.run.kind = catalog::RunKind::kDrill;
  record.run.system = system.id;
  record.run.client = system.client ? system.client->id : "";
  record.run.started_ns = record.run.finished_ns = clock.now_ns();
  record.run.outcome = catalog::Outcome::kError;
  record.run.error = error.message();
  plan::Objectives objectives = plan::ObjectivesOf(plan, system);
  if (objectives.rto) record.drill.target_rto_s = objectives.rto->seconds();
  if (objectives.rpo) record.drill.target_rpo_s = objectives.rpo->seconds();
  record.drill.reasons.push_back("drill could not start: " + error.message());
  return record;
}

// Writes the drill's reports and records the JSON report's path.
void WriteReports(const plan::Plan& plan, catalog::Catalog& catalog, RecordedDrill* out) {
  const catalog::Run& run = out->record.run;
  catalog::RunQuery query;
  query.system = run.system;
  query.until_ns = run.started_ns;  // drills before this one
  query.limit = 1;
  auto previous = catalog.Drills(query);
  catalog::RunQuery backups;
  backups.kind = catalog::RunKind::kBackup;
  backups.system = run.system;
  backups.limit = 100;
  auto recent = catalog.Runs(backups);
  report::DrillReportInput input{plan, out->record, std::nullopt, {}};
  if (previous && !previous->empty()) input.previous = previous->front();
  if (recent) input.recent_backups = std::move(*recent);
  Status written = report::WriteDrillReports(input, plan.run.reports, &out->report_path);
  if (!written) {
    out->report_path.clear();
    out->report_error = written.error().message();
    return;
  }
  Status set = catalog.SetDrillReport(run.id, out->report_path);
  if (!set) out->report_error = set.error().message();
  out->record.drill.report_path = out->report_path;
}

}  // namespace

Result<RecordedDrill> RunRecordedDrill(const plan::Plan& plan, const plan::System& system,
                                       const drill::AccessOptions& access,
                                       const drill::DrillOptions& options,
                                       catalog::Catalog& catalog, const drill::Clock& clock,
                                       const drill::DrillProgressFn& progress) {
  RecordedDrill out;
  auto adapter = drill::MakeAdapter(plan, system, access);
  if (adapter) {
    STORMPROOF_ASSIGN_OR_RETURN(out.record, drill::RunDrill(plan, system, **adapter, options, clock,
                                                            progress, &out.kept_path));
  } else {
    out.record = NotStarted(plan, system, clock, adapter.error());
  }
  STORMPROOF_ASSIGN_OR_RETURN(out.record.run.id,
                              catalog.AddDrill(out.record.run, out.record.drill));
  WriteReports(plan, catalog, &out);
  return out;
}

}  // namespace stormproof::schedule
