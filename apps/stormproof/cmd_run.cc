// stormproof run: the scheduled job. Decides from the plan and the catalog what is due — backups
// by RPO, retention, prunes, checks, drills — runs it, records it, and exits 3 when an objective
// is breached afterwards. Meant for cron or a systemd timer (examples/): with --quiet it prints
// nothing unless something needs a human (run_output.h). Errors in the plan stop only what they
// make unsafe (continuity/runner/plan_errors.h); SIGINT/SIGTERM stop it at the next safe point.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "apps/stormproof/context.h"
#include "apps/stormproof/host_evidence.h"
#include "core/interrupt.h"
#include "core/text.h"
#include "continuity/drill/scratch.h"
#include "continuity/plan/validate.h"
#include "continuity/readiness/readiness.h"
#include "apps/stormproof/repo_access.h"
#include "apps/stormproof/run_output.h"
#include "continuity/runner/plan_errors.h"
#include "continuity/runner/runner.h"

namespace stormproof::cli {
namespace {

// How long run waits for another process's repository lock when --retry-lock is not given.
constexpr std::chrono::minutes kDefaultLockWait{2};

struct RunFlags {
  bool dry_run = false, init = false, no_drills = false, backup_now = false;
  std::string root, client;
  std::vector<std::string> systems;
  std::string host;  // --host; "" = this machine's host name
};

std::string Describe(const runner::Action& a) {
  switch (a.kind) {
    case runner::ActionKind::kBackup:
      return fmt::format("backup {} -> {}", a.system, a.repository);
    case runner::ActionKind::kForget:
      return fmt::format("forget {} in {}", a.system, a.repository);
    case runner::ActionKind::kDrill:
      return fmt::format("drill {}", a.system);
    case runner::ActionKind::kCopy:
      return fmt::format("copy {} {} -> {}", a.system, a.source, a.repository);
    case runner::ActionKind::kImmutability:
      return fmt::format("prove immutability of {}", a.repository);
    case runner::ActionKind::kPrune:
    case runner::ActionKind::kCheck:
      break;
  }
  return fmt::format("{} {}", runner::ActionKindName(a.kind), a.repository);
}

nlohmann::json ActionJson(const runner::Action& a) {
  nlohmann::json j = {{"kind", runner::ActionKindName(a.kind)},
                      {"system", a.system},
                      {"repository", a.repository},
                      {"reason", a.reason}};
  if (a.kind == runner::ActionKind::kCopy) j["from"] = a.source;
  return j;
}

// An action's outcome needs a human when the action failed or could not run.
Weight WeightOf(catalog::Outcome outcome) {
  switch (outcome) {
    case catalog::Outcome::kOk:
      return Weight::kRoutine;
    case catalog::Outcome::kWarning:
      return Weight::kContext;
    case catalog::Outcome::kFailed:
    case catalog::Outcome::kError:
      break;
  }
  return Weight::kNeedsHuman;
}

void PrintResult(const Context& context, RunOutput& out, const runner::ActionResult& r) {
  const catalog::Run& run = r.run;
  if (!r.record_error.empty()) {
    out.Line(Weight::kNeedsHuman, stderr,
             "stormproof: not recorded in the catalog: " + EscapeControls(r.record_error));
  }
  if (context.json) {
    nlohmann::json j = ActionJson(r.action);
    j.update({{"message_type", "action"},
              {"outcome", catalog::OutcomeName(run.outcome)},
              {"error", run.error},
              {"summary", r.summary},
              {"run_id", run.id},
              {"started_ns", run.started_ns},
              {"finished_ns", run.finished_ns},
              {"bytes", run.bytes},
              {"files", run.files},
              {"snapshot_id", run.snapshot_id},
              {"report_path", r.report_path}});
    return PrintJson(j);
  }
  std::string what = run.outcome == catalog::Outcome::kOk || run.error.empty()
                         ? r.summary
                         : run.error + (r.summary.empty() ? "" : " (" + r.summary + ")");
  // EscapeControls: the text may quote repository names.
  out.Line(WeightOf(run.outcome), stdout,
           fmt::format("{}: {}{}{}", Describe(r.action), catalog::OutcomeName(run.outcome),
                       what.empty() ? "" : ": ", EscapeControls(what)));
}

void PrintDecisions(const Context& context, RunOutput& out, const runner::Decisions& decisions,
                    const std::vector<std::string>& notes) {
  for (const std::string& note : notes) {
    if (context.json) {
      PrintJson({{"message_type", "note"}, {"message", note}});
    } else {
      out.Line(Weight::kContext, stderr, "warning: " + note);
    }
  }
  for (const runner::Skip& skip : decisions.skipped) {
    if (context.json) {
      PrintJson({{"message_type", "skipped"}, {"subject", skip.subject}, {"reason", skip.reason}});
    } else {
      out.Line(Weight::kRoutine, stdout, skip.subject + ": " + skip.reason);
    }
  }
}

// The actions the plan's errors stop: one line each ("not run") — the errors themselves are
// breaches at the end.
void PrintWithheld(const Context& context, RunOutput& out, const runner::PlanErrors& errors,
                   const std::vector<runner::Action>& withheld, bool dry_run) {
  for (const runner::Action& action : withheld) {
    std::string why = runner::WithheldBecause(errors, action);
    if (context.json) {
      nlohmann::json j = ActionJson(action);
      j.update({{"message_type", "withheld"}, {"error", why}});
      PrintJson(j);
    } else if (action.kind != runner::ActionKind::kForget) {  // it follows its backup
      out.Line(Weight::kContext, stdout,
               fmt::format("{}{}: not run: {}", dry_run ? "would " : "", Describe(action), why));
    }
  }
}

void PrintDryRun(const Context& context, const runner::Decisions& decisions,
                 const std::vector<std::string>& plan_errors) {
  for (const runner::Action& action : decisions.actions) {
    if (context.json) {
      nlohmann::json j = ActionJson(action);
      j["message_type"] = "due";
      PrintJson(j);
    } else {
      fmt::print("would {}: {}\n", Describe(action), action.reason);
    }
  }
  if (context.json) {
    return PrintJson({{"message_type", "summary"},
                      {"dry_run", true},
                      {"actions", decisions.actions.size()},
                      {"skipped", decisions.skipped.size()},
                      {"plan_errors", plan_errors}});
  }
  for (const std::string& line : plan_errors) fmt::print("{}\n", line);
  fmt::print("dry run: {} action(s) due, {} skipped; nothing was changed\n",
             decisions.actions.size(), decisions.skipped.size());
}

void PrintSummary(const Context& context, RunOutput& out,
                  const std::vector<runner::ActionResult>& results,
                  const std::vector<std::string>& breaches) {
  std::map<std::string, size_t> counts;
  for (const auto& r : results) ++counts[catalog::OutcomeName(r.run.outcome)];
  if (context.json) {
    return PrintJson({{"message_type", "summary"},
                      {"dry_run", false},
                      {"actions", results.size()},
                      {"outcomes", counts},
                      {"breaches", breaches}});
  }
  for (const std::string& breach : breaches) {
    out.Line(Weight::kNeedsHuman, stdout, "breached: " + EscapeControls(breach));
  }
  std::string outcomes;
  for (const auto& [name, count] : counts) {
    outcomes += fmt::format("{}{} {}", outcomes.empty() ? "" : ", ", count, name);
  }
  out.Line(breaches.empty() ? Weight::kRoutine : Weight::kNeedsHuman, stdout,
           fmt::format(
               "run: {} action(s){}{}; {}", results.size(), outcomes.empty() ? "" : ": ", outcomes,
               breaches.empty() ? "all objectives met"
                                : fmt::format("{} objective(s) breached", breaches.size())));
}

// The plan's systems and client named by the flags exist; else reports and returns false.
Outcome CheckSelection(const plan::Plan& plan, const RunFlags& flags) {
  std::string unknown;
  if (!flags.client.empty() && plan.FindClient(flags.client) == nullptr) {
    unknown = "--client: no client '" + flags.client + "' in the plan";
  }
  for (const std::string& id : flags.systems) {
    if (unknown.empty() && plan.FindSystem(id) == nullptr) {
      unknown = "--system: no system '" + id + "' in the plan";
    }
  }
  if (unknown.empty()) return Outcome::Ok();
  PrintError(unknown);
  return Outcome::Usage();
}

Result<runner::ExecuteOptions> Options(const Context& context, const RunFlags& flags,
                                         RunOutput& out) {
  runner::ExecuteOptions options;
  options.access = PlanAccess(context, flags.root);
  options.missing =
      flags.init ? runner::MissingRepository::kCreate : runner::MissingRepository::kFail;
  STORMPROOF_ASSIGN_OR_RETURN(options.lock_wait, LockWait(context));
  if (context.retry_lock.empty()) options.lock_wait = kDefaultLockWait;
  options.on_lock_wait = [&out](const std::string& conflict) {
    out.Line(Weight::kContext, stderr, "stormproof: " + conflict + "; waiting for it to go");
  };
  return options;
}

// Opens the catalog; in a dry run a catalog that does not exist yet is not created (null).
Result<std::unique_ptr<catalog::Catalog>> OpenCatalog(const plan::Plan& plan, bool dry_run) {
  if (dry_run) return readiness::OpenExistingCatalog(plan.run.catalog);
  return catalog::Catalog::Open(plan.run.catalog);  // errors name the catalog file
}

Outcome Fail(const Error& error) {
  PrintError(error.message());
  return Outcome::Failed(error);
}

// Loads and validates the plan, whatever its errors (JudgePlanErrors sorts them out); fails
// (exit 2) only for a malformed --as-of.
Reported<plan::LoadResult> LoadPlanWithErrors(Context* context) {
  auto today = Today(*context);
  if (!today) return Fail(today.error());
  plan::LoadResult loaded = plan::LoadPlan(context->plan_path, PlanLoadOptions(*context));
  const auto& unreadable = loaded.unreadable_files;
  if (std::find(unreadable.begin(), unreadable.end(), 0) == unreadable.end()) {
    plan::Validate(loaded.plan, {*today}, &loaded.diagnostics);  // the root file was read
  }
  return loaded;
}

// Errors that stop everything: every error line, then why nothing ran; exit 1.
Outcome RefuseToRun(const runner::PlanErrors& errors) {
  constexpr size_t kShown = 20;
  for (size_t i = 0; i < errors.lines.size() && i < kShown; ++i) {
    fmt::print(stderr, "{}\n", errors.lines[i]);
  }
  PrintError(fmt::format(
      "nothing was backed up: the plan has {} error(s){} and some are in what every backup "
      "relies on (the root file, a repository); run 'stormproof plan check' for the full list",
      errors.lines.size(), errors.lines.size() > kShown ? " (first 20 shown)" : ""));
  return Outcome::Failed();
}

// Removes the scratch copies (client data) of drills that died without cleaning up.
// Both where the plan's drills restore (run.scratch) and the default place (TMPDIR, else
// /var/tmp) a `drill` without run.scratch uses.
void RemoveAbandonedScratch(const Context& context, RunOutput& out, const plan::Plan& plan) {
  drill::ScratchDirectory::Abandoned abandoned =
      drill::ScratchDirectory::RemoveAbandoned(plan.run.scratch);
  if (!plan.run.scratch.empty()) {
    drill::ScratchDirectory::Abandoned more = drill::ScratchDirectory::RemoveAbandoned("");
    abandoned.removed.insert(abandoned.removed.end(), more.removed.begin(), more.removed.end());
    abandoned.errors.insert(abandoned.errors.end(), more.errors.begin(), more.errors.end());
  }
  for (const std::string& path : abandoned.removed) {
    if (context.json) {
      PrintJson({{"message_type", "scratch_removed"}, {"path", path}});
    } else {
      out.Line(Weight::kRoutine, stdout,
               "removed the scratch copy " + EscapeControls(path) + " of a drill that died");
    }
  }
  for (const std::string& error : abandoned.errors) {
    out.Line(Weight::kNeedsHuman, stderr, "stormproof: " + EscapeControls(error));
  }
}

// Interrupted: says what was left; the actions under way recorded their interruption.
Outcome ReportInterruptedRun(const runner::Decisions& decisions,
                             const std::vector<runner::ActionResult>& results) {
  size_t stopped = 0;
  for (const auto& r : results) {
    if (IsInterruptionMessage(r.run.error)) ++stopped;
  }
  size_t not_started =
      decisions.actions.size() - std::min(decisions.actions.size(), results.size());
  return ReportInterruption(fmt::format("{} action(s) stopped and recorded as interrupted, {} "
                                       "not started (they stay due)",
                                       stopped, not_started));
}

// "run as host NAME: 3 system(s) of other hosts skipped", when the plan names hosts or --host
// was given.
void PrintHost(const Context& context, RunOutput& out, const plan::Plan& plan,
               const RunFlags& flags, const std::string& host) {
  if (!plan.NamesHosts() && flags.host.empty()) return;
  size_t others = 0;
  for (const plan::System& system : plan.systems) others += plan.RunsOnHost(system, host) ? 0 : 1;
  if (context.json) {
    return PrintJson({{"message_type", "host"}, {"host", host}, {"other_hosts_systems", others}});
  }
  out.Line(Weight::kRoutine, stdout,
           fmt::format("run as host {}: {} system(s) of other hosts skipped", host, others));
}

// Writes what this run recorded into the repositories it concerns (host_evidence.h).
void PrintShipped(const Context& context, RunOutput& out, const std::vector<EvidenceLine>& lines) {
  for (const EvidenceLine& line : lines) {
    if (context.json) {
      PrintJson({{"message_type", "evidence"},
                 {"repository", line.written.repository},
                 {"file", line.written.file},
                 {"runs", line.written.runs},
                 {"error", line.failed ? line.text : ""}});
    } else if (line.failed) {
      out.Line(Weight::kNeedsHuman, stderr, "stormproof: " + EscapeControls(line.text));
    } else {
      out.Line(Weight::kRoutine, stdout, line.text);
    }
  }
}

// Runs what is due, given the plan and its errors. The long orchestrator of `run`.
Outcome RunPlan(Context* context, const RunFlags& flags, const plan::Plan& plan,
                const runner::PlanErrors& errors, RunOutput& out) {
  if (Outcome selected = CheckSelection(plan, flags); !selected.ok()) return selected;
  auto options = Options(*context, flags, out);
  if (!options) return Fail(options.error());
  auto catalog = OpenCatalog(plan, flags.dry_run);
  if (!catalog) {  // not a usage error, whatever the code: the file is unusable
    PrintError(catalog.error().message());
    return Outcome::Failed();
  }
  CatchInterruptions();  // actions under way stop at a safe point and record it; exit 130/143
  if (!flags.dry_run) RemoveAbandonedScratch(*context, out, plan);
  const std::string host = HostOrThisOne(flags.host);
  for (const std::string& id : flags.systems) {
    const plan::System* system = plan.FindSystem(id);
    if (!plan.RunsOnHost(*system, host)) {
      PrintError("--system " + id + ": " +
                 (system->host.empty() ? "names no host, while other systems do (add host:)"
                                       : "lives on host " + system->host + ", not " + host +
                                             ": run it there, or give --host " + system->host));
      return Outcome::Usage();
    }
  }
  options->hostname = host;
  PrintHost(*context, out, plan, flags, host);
  runner::Selection selection{flags.client, flags.systems, !flags.no_drills, host,
                              flags.backup_now};
  std::vector<std::string> notes;
  drill::Clock clock = drill::Clock::System();
  auto facts = runner::GatherFacts(plan, catalog->get(), options->access, selection,
                                   clock.now_ns(), &notes);
  if (!facts) return Fail(facts.error().WithContext("catalog " + plan.run.catalog));
  runner::Decisions decisions = runner::Decide(plan, clock.now_ns(), *facts, selection);
  std::vector<runner::Action> withheld = runner::Withhold(errors, &decisions);
  PrintDecisions(*context, out, decisions, notes);
  PrintWithheld(*context, out, errors, withheld, flags.dry_run);
  if (flags.dry_run) {
    PrintDryRun(*context, decisions, errors.lines);
    return errors.empty() ? Outcome::Ok() : Outcome::Problems();
  }
  for (const std::string& failure :
       runner::RecordWithheld(plan, errors, withheld, **catalog, clock.now_ns())) {
    out.Line(Weight::kNeedsHuman, stderr, "stormproof: not recorded in the catalog: " + failure);
  }
  const int64_t started_ns = clock.now_ns();
  auto results =
      runner::Execute(plan, decisions, **catalog, *options, clock,
                        [&](const runner::ActionResult& r) { PrintResult(*context, out, r); });
  if (Interrupted()) {
    out.Finish();
    return ReportInterruptedRun(decisions, results);
  }
  PrintShipped(*context, out,
               ShipEvidence(plan, **catalog, host, started_ns,
                            {options->access, options->lock_wait}));
  std::vector<std::string> breaches = errors.lines;  // a plan error is a breach until fixed
  for (std::string& breach : runner::Breaches(plan, clock.now_ns(), *facts, selection, results)) {
    breaches.push_back(std::move(breach));
  }
  PrintSummary(*context, out, results, breaches);
  return breaches.empty() ? Outcome::Ok() : Outcome::Problems();
}

Outcome RunRun(Context* context, const RunFlags& flags) {
  Reported<plan::LoadResult> loaded = LoadPlanWithErrors(context);
  if (!loaded) return loaded.outcome();
  runner::PlanErrors errors = runner::JudgePlanErrors(*loaded);
  if (errors.stops_everything) return RefuseToRun(errors);
  RunOutput out(context->quiet && !context->json);
  Outcome outcome = RunPlan(context, flags, loaded->plan, errors, out);
  out.Finish();
  return outcome;
}

}  // namespace

void AddRunCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app->add_subcommand(
      "run",
      "The scheduled job (cron, systemd timer): back up every system whose newest snapshot is "
      "older than its RPO less the plan's margin, apply the tier's retention, copy (copy_from), "
      "prune, check, prove immutability and drill what is due, and record everything in the "
      "catalog. Exit 3 when an objective is breached afterwards (an RPO, a failed backup, check, "
      "immutability proof or drill, an error in the plan). An "
      "error in the plan stops only what it makes unsafe (a typo on a person stops nothing, one "
      "on a system stops that system); an error in the root file's settings or a repository "
      "stops everything (exit 1). With --quiet, prints nothing unless something needs a human. "
      "SIGINT/SIGTERM stop it at the next safe point (exit 130/143).");
  cmd->add_flag("-n,--dry-run", flags->dry_run,
                "Print what is due and why; change nothing (not even the catalog)");
  cmd->add_flag("--init", flags->init,
                "Create a missing stormproof repository (absent or empty directory) instead of "
                "failing its backups (with its maintenance_credentials_file when the plan gives "
                "one: the bucket's owner creates it)");
  cmd->add_option("--root", flags->root,
                  "Take every absolute path of the plan (backup paths, repository locations) "
                  "under DIR: for staging copies and the demo")
      ->type_name("DIR");
  cmd->add_option("--client", flags->client, "Only this client's systems")->type_name("ID");
  cmd->add_option("--system", flags->systems, "Only this system, repeatable")->type_name("ID");
  cmd->add_option("--host", flags->host,
                  "Run as host NAME: only the systems whose host is NAME (systems[].host; a "
                  "system without one only while no system names a host); default: this "
                  "machine's host name")
      ->type_name("NAME");
  cmd->add_flag("--no-drills", flags->no_drills, "Do not run due drills this time");
  cmd->add_flag("--backup-now", flags->backup_now,
                "Back up the selected systems now, however recent their newest snapshot (before "
                "a risky change, or in an incident to capture what is there); the rest of the "
                "run as usual");
  cmd->callback([context, flags] { context->outcome = RunRun(context, *flags); });
}

}  // namespace stormproof::cli
