// stormproof drill: a real restore drill of one system, timed, verified, recorded and reported.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "continuity/access/access.h"
#include "continuity/catalog/catalog.h"
#include "apps/stormproof/context.h"
#include "core/interrupt.h"
#include "core/time.h"
#include "continuity/drill/drill.h"
#include "apps/stormproof/drill_checklist.h"
#include "apps/stormproof/host_evidence.h"
#include "apps/stormproof/progress.h"
#include "apps/stormproof/repo_access.h"
#include "continuity/report/evidence/evidence_format.h"
#include "continuity/runner/drill_job.h"

namespace stormproof::cli {
namespace {

struct DrillFlags {
  std::string system, snapshot, absent, scratch, root, repository;
  bool clean = false;  // --clean: the newest clean restore point
  std::string host;  // --host; "" = this machine's host name
  bool surprise = false, keep = false;
  std::optional<uint64_t> seed;
  ChecklistFlags checklist;
};

access::AccessOptions Access(const Context& context, const DrillFlags& flags) {
  return PlanAccess(context, flags.root);
}

// The newest drill time of every system that has one.
Result<std::map<std::string, int64_t>> LastDrills(const plan::Plan& plan,
                                                  const catalog::Catalog& catalog) {
  std::map<std::string, int64_t> last;
  for (const plan::System& system : plan.systems) {
    catalog::RunQuery query;
    query.kind = catalog::RunKind::kDrill;
    query.system = system.id;
    STORMPROOF_ASSIGN_OR_RETURN(std::optional<catalog::Run> run, catalog.LastRun(query));
    if (run) last[system.id] = run->started_ns;
  }
  return last;
}

// The system to drill: --system, or the surprise pick (printed). On an error reports it and
// returns its outcome (2 for an unknown --system, 1 otherwise).
Reported<const plan::System*> ChooseSystem(Context* context, const plan::Plan& plan,
                                           const catalog::Catalog& catalog,
                                           const DrillFlags& flags) {
  if (!flags.surprise) {
    const plan::System* system = plan.FindSystem(flags.system);
    if (system == nullptr) {
      PrintError("--system " + flags.system + ": no such system in the plan");
      return Outcome::Usage();
    }
    const std::string host = HostOrThisOne(flags.host);
    if (plan.RunsOnHost(*system, host)) return system;
    PrintError("--system " + flags.system + ": " +
               (system->host.empty() ? "names no host, while other systems do (add host:)"
                                     : "lives on host " + system->host + ", not " + host +
                                           ": drill it there, or give --host " + system->host));
    return Outcome::Usage();
  }
  Result<std::map<std::string, int64_t>> last = LastDrills(plan, catalog);
  if (!last) {
    PrintError("catalog " + catalog.path() + ": " + last.error().message());
    return Outcome::Failed();
  }
  std::mt19937_64 random(flags.seed ? *flags.seed : std::random_device{}());
  // Only systems whose backups this host can reach: the others are reported by `status`.
  const access::AccessOptions access = Access(*context, flags);
  const std::string host = HostOrThisOne(flags.host);
  auto reachable = [&](const plan::System& system) {
    return plan.RunsOnHost(system, host) && access::MakeAdapter(plan, system, access).has_value();
  };
  Result<const plan::System*> pick =
      drill::PickSurprise(plan, *last, SystemNowNs(), random, reachable);
  if (!pick) {
    PrintError(pick.error().message());
    return Outcome::Failed();
  }
  if (!context->json) fmt::print("surprise drill: {} was picked\n", (*pick)->id);
  return *pick;
}

// "2.1s" under a minute, else whole seconds as a duration ("20m", "1h2m3s").
std::string Seconds(int64_t ms) {
  if (ms < 60'000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000);
  return Duration::Seconds(ms / 1000).ToString();
}

// The verdict as the drill's summary line shouts it: report::VerdictText in capitals.
std::string VerdictWord(catalog::Outcome outcome) {
  if (outcome == catalog::Outcome::kError) return "ERROR (the drill could not run)";
  std::string word = report::VerdictText(outcome);
  for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return word;
}

std::string Objective(const char* what, const std::optional<int64_t>& achieved_s,
                      const std::optional<int64_t>& target_s) {
  std::string target = target_s ? Duration::Seconds(*target_s).ToString() : "none";
  if (!achieved_s) return fmt::format("achieved {} not measured (target {})", what, target);
  return fmt::format("achieved {} {} (target {})", what, Duration::Seconds(*achieved_s).ToString(),
                     target);
}

// What the achieved RTO is made of: "data restore 2.1s + hands-on 20m (3 checklist step(s)) +
// verification 0.3s"; hands-on work that was not walked is said to be missing.
std::string RtoParts(const catalog::Drill& drill, const plan::System& system) {
  int64_t data = 0, hands_on = 0, verification = 0;
  size_t walked = 0;
  for (const catalog::DrillStep& step : drill.steps) {
    if (catalog::IsChecklistStep(step.name)) {
      hands_on += step.duration_ms;
      ++walked;
    } else if (step.name == "verify application") {
      verification += step.duration_ms;
    } else {
      data += step.duration_ms;
    }
  }
  std::string hands = fmt::format("hands-on {} ({} checklist step(s))", Seconds(hands_on), walked);
  if (walked == 0) {
    hands = system.checklist.empty()
                ? "no hands-on checklist in the plan"
                : fmt::format("hands-on work not timed ({} checklist step(s); drill --checklist)",
                              system.checklist.size());
  }
  return fmt::format("data restore {} + {} + verification {}", Seconds(data), hands,
                     Seconds(verification));
}

// " from copy nas", " from copy b2 (a copy of nas)"; "" for the restore command.
std::string FromCopy(const plan::Plan& plan, const std::string& repository) {
  if (repository.empty()) return "";
  const plan::RepositorySpec* spec = plan.FindRepository(repository);
  std::string of =
      spec != nullptr && spec->copy_from ? " (a copy of " + spec->copy_from->id + ")" : "";
  return " from copy " + repository + of;
}

void PrintText(const plan::Plan& plan, const runner::RecordedDrill& done,
               const plan::System& system) {
  const catalog::DrillRecord& r = done.record;
  fmt::print("drill {} ({}){}, restore point {}\n", system.id,
             system.name.empty() ? system.id : system.name, FromCopy(plan, r.run.repository),
             r.run.snapshot_id.empty() ? "none" : r.run.snapshot_id.substr(0, 8));
  size_t width = 20;  // the step names line up, checklist steps included
  for (const catalog::DrillStep& step : r.drill.steps) width = std::max(width, step.name.size());
  for (const catalog::DrillStep& step : r.drill.steps) {
    fmt::print("  {:<{}} {:>8}  {:<7} {}\n", EscapeControls(step.name), width,
               Seconds(step.duration_ms), catalog::OutcomeName(step.outcome),
               EscapeControls(step.note));
  }
  fmt::print("{}, {}: {}\n", Objective("RTO", r.drill.achieved_rto_s(), r.drill.target_rto_s),
             Objective("RPO", r.drill.achieved_rpo_s, r.drill.target_rpo_s),
             VerdictWord(r.run.outcome));
  if (r.drill.achieved_rto_ms) fmt::print("  achieved RTO = {}\n", RtoParts(r.drill, system));
  // Notes and reasons may quote what a restore reported, with names from the repository.
  for (const std::string& reason : r.drill.reasons) {
    fmt::print("  - {}\n", EscapeControls(reason));
  }
  if (r.run.bytes > 0) {
    fmt::print("{} in {} files restored at {}/s\n", HumanBytes(r.run.bytes), r.run.files,
               HumanBytes(static_cast<uint64_t>(r.drill.throughput_bytes_per_s)));
  }
  if (!done.kept_path.empty()) fmt::print("restored copy kept in {}\n", done.kept_path);
  if (!done.report_path.empty()) fmt::print("report: {}\n", done.report_path);
  if (!done.report_error.empty()) fmt::print(stderr, "warning: no report: {}\n", done.report_error);
}

void PrintJsonReport(const runner::RecordedDrill& done) {
  std::ifstream in(done.report_path);
  nlohmann::json report = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded()) {
    report = {{"run_id", done.record.run.id},
              {"system", done.record.run.system},
              {"outcome", catalog::OutcomeName(done.record.run.outcome)},
              {"report_error", done.report_error}};
  }
  PrintJson(report);
}

// --repository names a copy of `system` a drill can read (a backup repository of it, or a
// copy_from copy of one: drill::FindCopy); else reports it and returns exit 2.
Outcome CheckRepository(const plan::Plan& plan, const plan::System& system,
                        const std::string& id) {
  if (id.empty()) return Outcome::Ok();
  std::string problem;
  if (const plan::RepositorySpec* repository = drill::FindCopy(plan, system, id)) {
    Result<std::string> location = access::RepositoryLocation(*repository, access::AccessOptions{});
    if (!location) problem = "a drill cannot read it: " + location.error().message();
  } else {
    const std::string copies = drill::CopiesText(plan, system);
    problem = "not one of the copies of system " + system.id +
              (copies.empty() ? " (it has none)" : " (" + copies + ")");
  }
  if (problem.empty()) return Outcome::Ok();
  PrintError("--repository " + id + ": " + problem);
  return Outcome::Usage();
}

// The checklist walker for --checklist / --step-done (empty without them); exit 2 after
// reporting a bad --step-done / --step-failed.
Reported<drill::ChecklistFn> Walker(const plan::System& system, const DrillFlags& flags,
                                    ProgressReporter* progress) {
  Result<drill::ChecklistFn> walker =
      MakeChecklistWalker(system, flags.checklist, [progress] { progress->Finish(); });
  if (!walker) {
    PrintError(walker.error().message());
    return Outcome::Usage();
  }
  if (flags.checklist.Walk() && system.checklist.empty()) {
    fmt::print(stderr, "note: system {} has no checklist in the plan: no hands-on work to time\n",
               system.id);
  }
  return *walker;
}

// The flags that conflict whatever the plan says; exit 2 after reporting one.
Outcome CheckFlags(const DrillFlags& flags) {
  if (flags.surprise == !flags.system.empty()) {
    PrintError("give either --system ID or --surprise");
    return Outcome::Usage();
  }
  if (flags.surprise && !flags.repository.empty()) {
    PrintError("--repository needs --system (a surprise drill rotates across the copies)");
    return Outcome::Usage();
  }
  return Outcome::Ok();
}

Outcome RunDrillCommand(Context* context, const DrillFlags& flags) {
  if (Outcome checked = CheckFlags(flags); !checked.ok()) return checked;
  auto usable = LoadUsablePlan(*context);
  if (!usable) return usable.outcome();
  const plan::Plan& plan = usable->plan();
  if (!flags.absent.empty() && plan.FindPerson(flags.absent) == nullptr) {
    PrintError("--absent " + flags.absent + ": no such person in the plan");
    return Outcome::Usage();
  }
  Result<std::unique_ptr<catalog::Catalog>> catalog = catalog::Catalog::Open(plan.run.catalog);
  if (!catalog) {
    PrintError(catalog.error().message());
    return Outcome::Failed();
  }
  Reported<const plan::System*> chosen = ChooseSystem(context, plan, **catalog, flags);
  if (!chosen) return chosen.outcome();
  const plan::System* system = *chosen;
  if (Outcome usable_copy = CheckRepository(plan, *system, flags.repository); !usable_copy.ok()) {
    return usable_copy;
  }
  ProgressReporter progress(*context, "drill " + system->id, JsonStatusStream::kStderr);
  Reported<drill::ChecklistFn> walker = Walker(*system, flags, &progress);
  if (!walker) return walker.outcome();
  drill::DrillOptions options;
  options.repository = flags.repository;
  options.checklist = *walker;
  options.snapshot = flags.clean ? "latest-clean" : flags.snapshot;
  options.scratch = flags.scratch;
  options.keep = flags.keep;
  options.surprise = flags.surprise;
  options.absent_person = flags.absent;
  options.host = HostOrThisOne(flags.host);
  const int64_t started_ns = SystemNowNs();
  ProgressFn on_progress = progress.Callback();
  // SIGINT/SIGTERM: the drill stops, removes its scratch copy (client data) and is recorded as
  // interrupted; the exit status is then 130 or 143.
  CatchInterruptions();
  Result<runner::RecordedDrill> done =
      runner::RunRecordedDrill(plan, *system, Access(*context, flags), options, **catalog,
                                 drill::Clock::System(), on_progress);
  progress.Finish();
  if (!done) {
    PrintError("drill " + system->id + ": " + done.error().message());
    return Outcome::Failed();
  }
  if (Interrupted()) {
    return ReportInterruption("drill " + system->id +
                              " recorded as interrupted (outcome error); its scratch copy was "
                              "removed");
  }
  context->json ? PrintJsonReport(*done) : PrintText(plan, *done, *system);
  auto lock_wait = LockWait(*context);
  for (const EvidenceLine& line :
       ShipEvidence(plan, **catalog, options.host, started_ns,
                    {Access(*context, flags), lock_wait ? *lock_wait : std::chrono::milliseconds(0)})) {
    // stderr: with --json, stdout is the report alone.
    if (line.failed || !context->json) {
      fmt::print(stderr, "{}{}\n", line.failed ? "stormproof: " : "", EscapeControls(line.text));
    }
  }
  const catalog::Outcome outcome = done->record.run.outcome;
  bool failed = outcome == catalog::Outcome::kFailed || outcome == catalog::Outcome::kError;
  return failed ? Outcome::Problems() : Outcome::Ok();
}

}  // namespace

void AddDrillCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<DrillFlags>();
  CLI::App* cmd = app->add_subcommand(
      "drill",
      "Run a real restore drill: restore a system's newest restore point (from the copy drilled "
      "longest ago, or --repository) into a scratch directory, check the data against it, walk "
      "the hands-on checklist with --checklist, run the plan's verify command, remove the copy; "
      "measure achieved RTO and RPO step by step, judge them against the system's objectives "
      "(pass, pass with warnings, fail), record the drill in the catalog and write its report "
      "(Markdown, HTML, JSON) under the plan's run.reports. Exit 3 when the drill failed.");
  cmd->add_option("--system", flags->system, "The system to drill")->type_name("ID");
  cmd->add_flag("--surprise", flags->surprise,
                "Pick the system at random, weighted towards critical tiers and systems not "
                "drilled for longest");
  CLI::Option* snapshot =
      cmd->add_option("--snapshot", flags->snapshot,
                      "Restore this restore point (id or unique prefix) instead of the newest")
          ->type_name("ID");
  cmd->add_flag("--clean", flags->clean,
                "Restore the newest clean restore point: the newest snapshot older than the "
                "first one judged suspicious or infected (ransomware); the report says which and "
                "why")
      ->excludes(snapshot);
  cmd->add_option("--absent", flags->absent,
                  "Drill as if PERSON were unreachable: the drill fails when a checklist step "
                  "(or the restore) needs someone nobody else reachable can stand in for")
      ->type_name("PERSON");
  cmd->add_option("--repository", flags->repository,
                  "Drill from this copy (one of the system's backup repositories, or a copy "
                  "of one made by run: copy_from) instead of the copy drilled longest ago; it "
                  "is read with its own credentials_file and password_file")
      ->type_name("ID");
  cmd->add_flag("--checklist", flags->checklist.checklist,
                "Walk the system's hands-on checklist after the data is restored, timing each "
                "step: on a terminal press Enter when a step is done (s skip, f failed); else "
                "one answer line per step on standard input");
  cmd->add_option("--step-done", flags->checklist.step_done,
                  "Scripted checklist: step N is done, taking DURATION when given (repeatable; "
                  "steps not named are not done)")
      ->type_name("N[=DURATION]");
  cmd->add_option("--step-failed", flags->checklist.step_failed,
                  "Scripted checklist: step N was tried and failed (repeatable)")
      ->type_name("N[=NOTE]");
  cmd->add_flag("--keep", flags->keep, "Keep the restored copy and print where it is");
  cmd->add_option("--scratch", flags->scratch,
                  "Restore below DIR (default: plan run.scratch, $TMPDIR, /var/tmp)")
      ->type_name("DIR");
  cmd->add_option("--root", flags->root,
                  "Take the plan's absolute paths (backup paths, local repositories) as relative "
                  "to DIR (a staged copy; the demo)")
      ->type_name("DIR");
  cmd->add_option("--host", flags->host,
                  "Drill as host NAME: only its systems (systems[].host), for --surprise too; "
                  "default: this machine's host name")
      ->type_name("NAME");
  cmd->add_option("--seed", flags->seed, "Seed for --surprise (repeatable picks)")->type_name("N");
  cmd->callback([context, flags] { context->outcome = RunDrillCommand(context, *flags); });
}

}  // namespace stormproof::cli
