// stormproof run: the scheduled job. Decides from the plan and the catalog what is due — backups
// by RPO, retention, prunes, checks, drills — runs it, records it, and exits 3 when an objective
// is breached afterwards. Meant for cron or a systemd timer (examples/).
#include <fmt/format.h>

#include <chrono>

#include "context.h"
#include "core/text.h"
#include "readiness/readiness.h"
#include "repo_access.h"
#include "schedule/schedule.h"

namespace stormproof::cli {
namespace {

// How long run waits for another process's repository lock when --retry-lock is not given.
constexpr std::chrono::minutes kDefaultLockWait{2};

struct RunFlags {
  bool dry_run = false, init = false, no_drills = false;
  std::string root, client;
  std::vector<std::string> systems;
};

std::string Describe(const schedule::Action& a) {
  switch (a.kind) {
    case schedule::ActionKind::kBackup:
      return fmt::format("backup {} -> {}", a.system, a.repository);
    case schedule::ActionKind::kForget:
      return fmt::format("forget {} in {}", a.system, a.repository);
    case schedule::ActionKind::kDrill:
      return fmt::format("drill {}", a.system);
    case schedule::ActionKind::kPrune:
    case schedule::ActionKind::kCheck:
      break;
  }
  return fmt::format("{} {}", schedule::ActionKindName(a.kind), a.repository);
}

nlohmann::json ActionJson(const schedule::Action& a) {
  return {{"kind", schedule::ActionKindName(a.kind)},
          {"system", a.system},
          {"repository", a.repository},
          {"reason", a.reason}};
}

void PrintResult(const Context& context, const schedule::ActionResult& r) {
  const catalog::Run& run = r.run;
  if (!r.record_error.empty()) PrintError("not recorded in the catalog: " + r.record_error);
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
  if (context.quiet && run.outcome == catalog::Outcome::kOk) return;
  std::string what = run.outcome == catalog::Outcome::kOk || run.error.empty()
                         ? r.summary
                         : run.error + (r.summary.empty() ? "" : " (" + r.summary + ")");
  fmt::print("{}: {}{}{}\n", Describe(r.action), catalog::OutcomeName(run.outcome),
             what.empty() ? "" : ": ", EscapeControls(what));  // may quote repository names
  std::fflush(stdout);
}

void PrintDecisions(const Context& context, const schedule::Decisions& decisions,
                    const std::vector<std::string>& notes) {
  for (const std::string& note : notes) {
    if (context.json) {
      PrintJson({{"message_type", "note"}, {"message", note}});
    } else {
      fmt::print(stderr, "warning: {}\n", note);
    }
  }
  for (const schedule::Skip& skip : decisions.skipped) {
    if (context.json) {
      PrintJson({{"message_type", "skipped"}, {"subject", skip.subject}, {"reason", skip.reason}});
    } else if (!context.quiet) {
      fmt::print("{}: {}\n", skip.subject, skip.reason);
    }
  }
}

void PrintDryRun(const Context& context, const schedule::Decisions& decisions) {
  for (const schedule::Action& action : decisions.actions) {
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
                      {"skipped", decisions.skipped.size()}});
  }
  fmt::print("dry run: {} action(s) due, {} skipped; nothing was changed\n",
             decisions.actions.size(), decisions.skipped.size());
}

void PrintSummary(const Context& context, const std::vector<schedule::ActionResult>& results,
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
  for (const std::string& breach : breaches) fmt::print("breached: {}\n", EscapeControls(breach));
  std::string outcomes;
  for (const auto& [name, count] : counts) {
    outcomes += fmt::format("{}{} {}", outcomes.empty() ? "" : ", ", count, name);
  }
  fmt::print("run: {} action(s){}{}; {}\n", results.size(), outcomes.empty() ? "" : ": ", outcomes,
             breaches.empty() ? "all objectives met"
                              : fmt::format("{} objective(s) breached", breaches.size()));
}

// The plan's systems and client named by the flags exist; else reports and returns false.
bool CheckSelection(Context* context, const plan::Plan& plan, const RunFlags& flags) {
  std::string unknown;
  if (!flags.client.empty() && plan.FindClient(flags.client) == nullptr) {
    unknown = "--client: no client '" + flags.client + "' in the plan";
  }
  for (const std::string& id : flags.systems) {
    if (unknown.empty() && plan.FindSystem(id) == nullptr) {
      unknown = "--system: no system '" + id + "' in the plan";
    }
  }
  if (unknown.empty()) return true;
  PrintError(unknown);
  context->exit_code = kExitUsage;
  return false;
}

Result<schedule::ExecuteOptions> Options(const Context& context, const RunFlags& flags) {
  schedule::ExecuteOptions options;
  options.access = PlanAccess(context, flags.root);
  options.missing =
      flags.init ? schedule::MissingRepository::kCreate : schedule::MissingRepository::kFail;
  STORMPROOF_ASSIGN_OR_RETURN(options.lock_wait, LockWait(context));
  if (context.retry_lock.empty()) options.lock_wait = kDefaultLockWait;
  options.on_lock_wait = [](const std::string& conflict) {
    PrintError(conflict + "; waiting for it to go");
  };
  return options;
}

// Opens the catalog; in a dry run a catalog that does not exist yet is not created (null).
Result<std::unique_ptr<catalog::Catalog>> OpenCatalog(const plan::Plan& plan, bool dry_run) {
  if (dry_run) return readiness::OpenExistingCatalog(plan.run.catalog);
  return catalog::Catalog::Open(plan.run.catalog);  // errors name the catalog file
}

void Fail(Context* context, const Error& error) {
  PrintError(error.message());
  context->exit_code = error.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitError;
}

void RunRun(Context* context, const RunFlags& flags) {
  auto usable = LoadUsablePlan(context);
  if (!usable) {
    if (context->exit_code != kExitUsage) context->exit_code = kExitError;
    return;
  }
  const plan::Plan& plan = usable->plan();
  if (!CheckSelection(context, plan, flags)) return;
  auto options = Options(*context, flags);
  if (!options) return Fail(context, options.error());
  auto catalog = OpenCatalog(plan, flags.dry_run);
  if (!catalog) {  // not a usage error, whatever the code: the file is unusable
    PrintError(catalog.error().message());
    context->exit_code = kExitError;
    return;
  }
  schedule::Selection selection{flags.client, flags.systems, !flags.no_drills};
  std::vector<std::string> notes;
  auto facts = schedule::GatherFacts(plan, catalog->get(), options->access, selection, &notes);
  if (!facts) return Fail(context, facts.error().WithContext("catalog " + plan.run.catalog));
  drill::Clock clock = drill::Clock::System();
  schedule::Decisions decisions = schedule::Decide(plan, clock.now_ns(), *facts, selection);
  PrintDecisions(*context, decisions, notes);
  if (flags.dry_run) return PrintDryRun(*context, decisions);
  auto results =
      schedule::Execute(plan, decisions, **catalog, *options, clock,
                        [&](const schedule::ActionResult& r) { PrintResult(*context, r); });
  std::vector<std::string> breaches =
      schedule::Breaches(plan, clock.now_ns(), *facts, selection, results);
  PrintSummary(*context, results, breaches);
  if (!breaches.empty()) context->exit_code = kExitProblems;
}

}  // namespace

void AddRunCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app->add_subcommand(
      "run",
      "The scheduled job (cron, systemd timer): back up every system whose newest snapshot is "
      "older than its RPO less the plan's margin, apply the tier's retention, prune, check and "
      "drill what is due, and record everything in the catalog. Exit 3 when an objective is "
      "breached afterwards (an RPO, a failed backup, check or drill).");
  cmd->add_flag("-n,--dry-run", flags->dry_run,
                "Print what is due and why; change nothing (not even the catalog)");
  cmd->add_flag("--init", flags->init,
                "Create a missing stormproof repository (absent or empty directory) instead of "
                "failing its backups");
  cmd->add_option("--root", flags->root,
                  "Take every absolute path of the plan (backup paths, repository locations) "
                  "under DIR: for staging copies and the demo")
      ->type_name("DIR");
  cmd->add_option("--client", flags->client, "Only this client's systems")->type_name("ID");
  cmd->add_option("--system", flags->systems, "Only this system, repeatable")->type_name("ID");
  cmd->add_flag("--no-drills", flags->no_drills, "Do not run due drills this time");
  cmd->callback([context, flags] { RunRun(context, *flags); });
}

}  // namespace stormproof::cli
