// RunDrill: locate -> restore -> verify data -> verify application, timed and judged.
// The one long orchestrator of the drill library; each step is its own function.
#include "continuity/drill/drill.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "core/id_prefix.h"
#include "core/interrupt.h"
#include "core/subprocess.h"
#include "core/time.h"
#include "continuity/access/external_tool.h"
#include "continuity/drill/scratch.h"
#include "engine/detect/verdict.h"
#include "engine/retention/retention.h"

namespace stormproof::drill {

using access::Adapter;
using access::CommandFailure;
using access::DataCheck;
using access::RestorePoint;
using access::RestoreStats;
using access::StderrTail;

namespace {

using catalog::DrillStep;
using catalog::Outcome;

// The state of one drill while it runs.
struct DrillRun {
  const plan::Plan& plan;
  const plan::System& system;
  Adapter& adapter;
  const DrillOptions& options;
  const Clock& clock;
  const ProgressFn& progress;
  catalog::DrillRecord record;
  RestorePoint point;
  std::string target;  // the restore directory inside the scratch directory
  int64_t start_ns = 0;

  // Tells `progress` that step `name` began, with the bytes restored so far.
  void ReportStep(const std::string& name) const {
    if (!progress) return;
    progress(ProgressEvent{.phase = name}.Count(ProgressUnit::kBytes, record.run.bytes));
  }

  // Times `step` and appends it; returns whether it passed (ok or warning).
  template <typename F>
  bool Step(const std::string& name, F&& body) {
    if (Interrupted()) return false;  // RunDrill records the interruption (core/interrupt.h)
    ReportStep(name);
    const int64_t begin = clock.monotonic_ns();
    DrillStep step{name, 0, Outcome::kOk, ""};
    body(&step);
    step.duration_ms = (clock.monotonic_ns() - begin) / kNsPerMillisecond;
    step.note = Redact(options.secrets, std::move(step.note));
    for (std::string& line : step.output) line = Redact(options.secrets, std::move(line));
    record.drill.steps.push_back(step);
    return catalog::DidItsJob(step.outcome);
  }

  void Fail(DrillStep* step, Outcome outcome, const std::string& note) {
    step->outcome = outcome;
    step->note = Redact(options.secrets, note);
    if (record.run.error.empty()) record.run.error = step->name + ": " + step->note;
  }
};

// "latest-clean" (drill --clean): the newest clean restore point (detect::NewestClean over the
// points' verdicts); *why says which and why. Errors when no point was ever judged (restic,
// borg and command repositories judge nothing) or none is clean before the first flagged one.
Result<RestorePoint> CleanPoint(const std::vector<RestorePoint>& points, std::string* why) {
  std::vector<detect::JudgedSnapshot> judged;
  for (const RestorePoint& p : points) {
    // A level this build does not know counts as never judged: not clean.
    judged.push_back({.id = p.id,
                      .time_ns = p.time_ns,
                      .level = repository::LevelNamed(p.verdict),
                      .accepted = p.false_alarm,
                      .removed_flag = p.removed_flag,
                      .resolved = p.resolved,
                      .resolution = p.resolution});
  }
  STORMPROOF_ASSIGN_OR_RETURN(
      detect::LatestClean point,
      detect::ChooseLatestClean(
          judged,
          "latest-clean: no restore point of this system was judged for ransomware (stormproof "
          "judges each backup it makes; restic, borg and command repositories carry no "
          "verdicts)"));
  *why = std::move(point.reason);
  // A false alarm moves the clean point: the report says whose flag was set aside.
  for (const detect::JudgedSnapshot& s : judged) {
    if (s.accepted) *why += "; the flag of " + detect::DescribeJudged(s) + " was accepted as a "
                            "false alarm";
  }
  return points[point.index];
}

// "latest" and "latest-clean" choose among the points not dated in the future (more than
// retention::kFutureTolerance after `now_ns`: a host's clock far ahead, or a planted snapshot),
// as forget and backup do; *why says how many were left out. An id may name any point.
Result<RestorePoint> ChoosePoint(std::vector<RestorePoint> points, const std::string& wanted,
                                 int64_t now_ns, std::string* why) {
  if (points.empty()) return Error::NotFound("no restore point of this system was found");
  if (wanted.empty() || wanted == "latest" || wanted == "latest-clean") {
    const size_t future = std::erase_if(
        points, [&](const RestorePoint& p) { return retention::IsFutureDated(p.time_ns, now_ns); });
    if (points.empty()) {
      return Error::NotFound("every restore point of this system is dated in the future (more "
                             "than " + retention::kFutureTolerance.ToString() + " after " +
                             FormatUtc(now_ns) + "): drill one by its id");
    }
    Result<RestorePoint> chosen =
        wanted == "latest-clean" ? CleanPoint(points, why) : Result<RestorePoint>(points.back());
    if (chosen && future > 0) {
      *why += std::string(why->empty() ? "" : "; ") + std::to_string(future) +
              " restore point(s) dated in the future left out";
    }
    return chosen;
  }
  std::vector<std::string> ids;
  for (const RestorePoint& p : points) ids.push_back(p.id);
  STORMPROOF_ASSIGN_OR_RETURN(size_t found, FindByIdPrefix(ids, wanted, "restore point"));
  return points[found];
}

bool Locate(DrillRun& d) {
  return d.Step("locate snapshot", [&](DrillStep* step) {
    Result<std::vector<RestorePoint>> points = d.adapter.List();
    std::string why;
    Result<RestorePoint> point =
        points ? ChoosePoint(std::move(points).value(), d.options.snapshot, d.clock.now_ns(), &why)
               : Result<RestorePoint>(points.error());
    if (!point) return d.Fail(step, Outcome::kFailed, point.error().message());
    d.point = *point;
    step->note = "restore point " + d.point.id + (why.empty() ? "" : ": " + why);
  });
}

bool RestoreStep(DrillRun& d) {
  return d.Step("restore", [&](DrillStep* step) {
    ProgressFn on_progress;
    if (d.progress) {
      on_progress = [&](const ProgressEvent& restored) {
        ProgressEvent event = restored;
        event.phase = "restore";
        d.progress(event);
      };
    }
    Result<RestoreStats> stats = d.adapter.Restore(d.point, d.target, on_progress);
    if (!stats) return d.Fail(step, Outcome::kFailed, stats.error().message());
    d.record.run.files = stats->files;
    d.record.run.bytes = stats->bytes;
    step->note =
        std::to_string(stats->files) + " files, " + std::to_string(stats->bytes) + " bytes";
    if (stats->point_time_ns != 0) d.point.time_ns = stats->point_time_ns;
  });
}

bool VerifyData(DrillRun& d) {
  return d.Step("verify data", [&](DrillStep* step) {
    Result<DataCheck> check = d.adapter.CheckData(d.point, d.target);
    if (!check) return d.Fail(step, Outcome::kFailed, check.error().message());
    if (!check->problems.empty()) {
      std::string note = std::to_string(check->problems.size()) +
                         " difference(s) from the snapshot; first: " + check->problems.front();
      return d.Fail(step, Outcome::kFailed, note);
    }
    step->note = std::to_string(check->files_checked) + " files match the snapshot";
  });
}

// One hands-on step: asks the technician and records the answer, timed from the question to the
// answer unless they stated how long it took.
bool HandsOnStep(DrillRun& d, size_t index) {
  const plan::ChecklistStep& item = d.system.checklist[index];
  DrillStep step{ChecklistStepName(index + 1, item), 0, Outcome::kOk, ""};
  d.ReportStep(step.name);
  const int64_t begin = d.clock.monotonic_ns();
  ChecklistAnswer answer = d.options.checklist(index + 1, d.system.checklist.size(), item);
  step.duration_ms =
      answer.duration_ms.value_or((d.clock.monotonic_ns() - begin) / kNsPerMillisecond);
  step.note = answer.note;
  if (answer.result == HandsOn::kDone && !answer.timed && !answer.duration_ms) {
    step.duration_ms = 0;
    step.note = std::string(catalog::kNotTimedNote);
  }
  if (answer.result == HandsOn::kSkipped) {
    step.outcome = Outcome::kWarning;
    step.note = "skipped: not done" + (answer.note.empty() ? "" : " (" + answer.note + ")");
  } else if (answer.result == HandsOn::kFailed) {
    d.Fail(&step, Outcome::kFailed, answer.note.empty() ? "marked failed" : answer.note);
  }
  d.record.drill.steps.push_back(step);
  return answer.result != HandsOn::kFailed;
}

// The system's checklist, step by step, when a walker was given; stops at a failed step.
bool HandsOnWork(DrillRun& d) {
  if (!d.options.checklist) return true;
  for (size_t i = 0; i < d.system.checklist.size(); ++i) {
    if (Interrupted() || !HandsOnStep(d, i)) return false;
  }
  return true;
}

bool VerifyApplication(DrillRun& d) {
  return d.Step("verify application", [&](DrillStep* step) {
    if (d.system.verify_command.empty()) {
      step->outcome = Outcome::kWarning;
      step->note = "skipped: the plan has no restore.verify command for this system";
      return;
    }
    // Runs in the restored (client) data with the subprocess allow-list and these two, nothing
    // else of stormproof's environment: never a repository password or a cloud key.
    ProcessOptions command = ShellCommand(d.system.verify_command);
    command.env.push_back({"STORMPROOF_RESTORE_PATH", d.target});
    command.env.push_back({"STORMPROOF_SYSTEM", d.system.id});
    command.cwd = d.target;
    command.timeout = std::chrono::seconds(d.system.verify_timeout.seconds());
    Result<ProcessResult> ran = RunProcess(command);
    if (!ran) return d.Fail(step, Outcome::kFailed, ran.error().message());
    if (!ran->Succeeded()) {
      step->output = StderrTail(ran->err);  // the note has its last line; the report shows more
      return d.Fail(step, Outcome::kFailed,
                    CommandFailure("verify", *ran, d.system.verify_timeout));
    }
    step->note = "verify command passed";
  });
}

// The achieved figures; the throughput is over the "restore" step's time (none when it did not
// run).
void Measure(DrillRun& d, bool verified) {
  catalog::Drill& drill = d.record.drill;
  int64_t restore_ms = 0;
  for (const DrillStep& step : drill.steps) {
    if (step.name == "restore") restore_ms = step.duration_ms;
  }
  if (verified) {
    int64_t total = 0;
    for (const DrillStep& step : drill.steps) total += step.duration_ms;
    drill.achieved_rto_ms = total;
  }
  if (d.point.time_ns != 0) {
    drill.achieved_rpo_s = std::max<int64_t>(0, (d.start_ns - d.point.time_ns) / kNsPerSecond);
  }
  if (restore_ms > 0) {
    drill.throughput_bytes_per_s = static_cast<double>(d.record.run.bytes) * 1000.0 / restore_ms;
  }
  d.record.run.snapshot_id = d.point.id;
  d.record.run.snapshot_time_ns = d.point.time_ns;
}

// A drill stopped by SIGINT/SIGTERM proves nothing: outcome kError, error "interrupted by
// SIGTERM" (as the catalog records it), no achieved RTO.
void RecordInterruption(DrillRun& d) {
  d.record.run.outcome = Outcome::kError;
  d.record.run.error = InterruptionMessage();
  d.record.drill.achieved_rto_ms.reset();
  d.record.drill.reasons.insert(d.record.drill.reasons.begin(),
                                InterruptionMessage() + ": the drill stopped before the end, so "
                                                        "it proves nothing; its scratch copy was "
                                                        "removed");
}

void Prepare(DrillRun& d) {
  catalog::Run& run = d.record.run;
  run.kind = catalog::RunKind::kDrill;
  run.system = d.system.id;
  run.client = d.system.client ? d.system.client->id : "";
  run.repository = d.options.repository;
  catalog::Drill& drill = d.record.drill;
  drill.adapter = d.adapter.Name();
  drill.surprise = d.options.surprise;
  drill.absent_person = d.options.absent_person;
  plan::Objectives objectives = plan::ObjectivesOf(d.plan, d.system);
  if (objectives.rto) drill.target_rto_s = objectives.rto->seconds();
  if (objectives.rpo) drill.target_rpo_s = objectives.rpo->seconds();
  if (!d.options.absent_person.empty()) {
    drill.uncovered_steps = UncoveredSteps(d.plan, d.system, d.options.absent_person);
  }
}

}  // namespace

Clock Clock::System() {
  return {SystemNowNs,
          [] {
            return std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                .count();
          }};
}

Result<catalog::DrillRecord> RunDrill(const plan::Plan& plan, const plan::System& system,
                                      Adapter& adapter, const DrillOptions& options,
                                      const Clock& clock, const ProgressFn& progress,
                                      std::string* kept_path) {
  std::string parent = !options.scratch.empty() ? options.scratch : plan.run.scratch;
  STORMPROOF_ASSIGN_OR_RETURN(ScratchDirectory scratch, ScratchDirectory::Make(parent, system.id));
  DrillRun d{plan, system, adapter, options, clock, progress, {}, {}, scratch.restore_path(), 0};
  Prepare(d);
  d.start_ns = clock.now_ns();
  d.record.run.started_ns = d.start_ns;
  bool ok =
      Locate(d) && RestoreStep(d) && VerifyData(d) && HandsOnWork(d) && VerifyApplication(d);
  Measure(d, ok && !Interrupted());
  d.record.run.outcome = JudgeDrill(&d.record.drill, options.warn_margin);
  if (Interrupted()) {
    RecordInterruption(d);  // and the incomplete copy goes, even with options.keep
  } else if (options.keep) {
    if (kept_path != nullptr) *kept_path = scratch.restore_path();
    scratch.Keep();
  }
  Status removed = scratch.Remove();
  if (!removed)
    d.record.drill.reasons.push_back("scratch copy not removed: " + removed.error().message());
  d.record.run.finished_ns = clock.now_ns();
  return d.record;
}

}  // namespace stormproof::drill
