#include "continuity/runner/drill_job.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/interrupt.h"
#include "core/time.h"
#include "continuity/readiness/readiness.h"
#include "continuity/report/drill_report/drill_report.h"

namespace stormproof::runner {
namespace {

// The record of a drill that could not start: no adapter for the system.
catalog::DrillRecord NotStarted(const plan::Plan& plan, const plan::System& system,
                                const std::string& repository, const drill::Clock& clock,
                                const Error& error) {
  catalog::DrillRecord record;
  record.run.kind = catalog::RunKind::kDrill;
  record.run.system = system.id;
  record.run.client = system.client ? system.client->id : "";
  record.run.repository = repository;
  record.run.started_ns = record.run.finished_ns = clock.now_ns();
  record.run.outcome = catalog::Outcome::kError;
  record.run.error = error.message();
  plan::Objectives objectives = plan::ObjectivesOf(plan, system);
  if (objectives.rto) record.drill.target_rto_s = objectives.rto->seconds();
  if (objectives.rpo) record.drill.target_rpo_s = objectives.rpo->seconds();
  record.drill.reasons.push_back("drill could not start: " + error.message());
  return record;
}

// The drilled system's RTO projection as `status` computes it once the drill is recorded (for
// the report's capacity advice); nullopt when it cannot be computed.
std::optional<readiness::RtoProjection> ProjectionAfter(const plan::Plan& plan,
                                                        const catalog::Catalog& catalog,
                                                        const catalog::Run& run) {
  readiness::StatusOptions options;
  options.now_ns = std::max(run.finished_ns, run.started_ns);
  options.today = UtcDateOf(options.now_ns);
  options.client = run.client;  // "" = the MSP's own systems
  auto status = readiness::ComputeStatus(plan, &catalog, options);
  if (!status) return std::nullopt;
  for (const readiness::ClientStatus& client : status->clients) {
    for (const readiness::SystemStatus& system : client.systems) {
      if (system.id == run.system) return system.rto;
    }
  }
  return std::nullopt;
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
  input.projection = ProjectionAfter(plan, catalog, run);
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

// The adapter for the copy to drill; sets *repository to its plan id ("" for the command
// adapter). Errors: options' repository is not one of the system's (kInvalidArgument); the
// adapter cannot be made (returned as the value's error, for NotStarted).
struct ChosenCopy {
  std::string repository;
  Result<std::unique_ptr<access::Adapter>> adapter = Error::NotFound("no copy chosen");
};

Result<ChosenCopy> ChooseCopy(const plan::Plan& plan, const plan::System& system,
                              const access::AccessOptions& access, const std::string& wanted,
                              const catalog::Catalog& catalog) {
  ChosenCopy chosen;
  if (wanted.empty() && !system.restore_command.empty()) {
    chosen.adapter = access::MakeAdapter(plan, system, access);
    return chosen;
  }
  const plan::RepositorySpec* repository = nullptr;
  if (!wanted.empty()) {
    repository = drill::FindCopy(plan, system, wanted);
    if (repository == nullptr) {
      const std::string copies = drill::CopiesText(plan, system);
      return Error::InvalidArgument("repository '" + wanted +
                                    "' does not hold the backups of system '" + system.id + "'" +
                                    (copies.empty() ? " (it has none)" : " (" + copies + ")"));
    }
  } else {
    STORMPROOF_ASSIGN_OR_RETURN(auto last, LastDrillPerCopy(plan, catalog, system));
    repository = drill::NextCopyToDrill(plan, system, last);
  }
  if (repository == nullptr) {
    chosen.adapter = access::MakeAdapter(plan, system, access);  // says why none can be read
    return chosen;
  }
  chosen.repository = repository->id;
  chosen.adapter = access::MakeRepositoryAdapter(plan, *repository, system, access);
  return chosen;
}

// True when the drilled copy did not give its data back: the drill could not start, or it
// failed at locating, restoring or checking the data (not at the hands-on work or the
// application check, which another copy would not have changed).
bool CopyFailed(const catalog::DrillRecord& record) {
  if (catalog::DidItsJob(record.run.outcome)) return false;
  if (record.drill.steps.empty()) return true;
  return std::any_of(record.drill.steps.begin(), record.drill.steps.end(),
                     [](const catalog::DrillStep& step) {
                       bool data = step.name == "locate snapshot" || step.name == "restore" ||
                                   step.name == "verify data";
                       return data && !catalog::DidItsJob(step.outcome);
                     });
}

// Adds the other copies' lines to the record's reasons and details.
void CheckOtherCopies(const plan::Plan& plan, const plan::System& system,
                      const access::AccessOptions& access, const drill::Clock& clock,
                      catalog::DrillRecord* record) {
  if (system.backup.repositories.empty() || !CopyFailed(*record) || Interrupted()) return;
  std::vector<std::string> lines =
      drill::OtherCopies(plan, system, record->run.repository, access, clock.now_ns());
  record->drill.reasons.insert(record->drill.reasons.end(), lines.begin(), lines.end());
  record->run.details = nlohmann::json{{"other_copies", lines}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Result<std::map<std::string, int64_t>> LastDrillPerCopy(const plan::Plan& plan,
                                                        const catalog::Catalog& catalog,
                                                        const plan::System& system) {
  std::map<std::string, int64_t> last;
  for (const plan::RepositorySpec* copy : plan::SystemRepositories(plan, system)) {
    catalog::RunQuery query;
    query.kind = catalog::RunKind::kDrill;
    query.system = system.id;
    query.repository = copy->id;
    STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::Run> run, catalog.LastRun(query));
    if (run) last[copy->id] = run->started_ns;
  }
  return last;
}

Result<RecordedDrill> RunRecordedDrill(const plan::Plan& plan, const plan::System& system,
                                       const access::AccessOptions& access,
                                       const drill::DrillOptions& options,
                                       catalog::Catalog& catalog, const drill::Clock& clock,
                                       const ProgressFn& progress) {
  RecordedDrill out;
  STORMPROOF_ASSIGN_OR_RETURN(ChosenCopy copy,
                              ChooseCopy(plan, system, access, options.repository, catalog));
  if (copy.adapter) {
    drill::DrillOptions chosen = options;
    chosen.repository = copy.repository;
    chosen.secrets = drill::SecretsOf(plan, system, access);
    STORMPROOF_ASSIGN_OR_RETURN(out.record, drill::RunDrill(plan, system, **copy.adapter, chosen,
                                                            clock, progress, &out.kept_path));
  } else {
    out.record = NotStarted(plan, system, copy.repository, clock, copy.adapter.error());
  }
  CheckOtherCopies(plan, system, access, clock, &out.record);
  out.record.run.host = options.host;
  out.record.run.record_id = catalog::NewRecordId();
  STORMPROOF_ASSIGN_OR_RETURN(out.record.run.id,
                              catalog.AddDrill(out.record.run, out.record.drill));
  WriteReports(plan, catalog, &out);
  return out;
}

}  // namespace stormproof::runner
