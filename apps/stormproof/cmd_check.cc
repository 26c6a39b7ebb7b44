// stormproof check: verify the repository and name what is damaged.
#include <fmt/format.h>

#include "engine/checker/checker.h"
#include "apps/stormproof/check_immutability.h"
#include "apps/stormproof/context.h"
#include "core/interrupt.h"
#include "core/text.h"
#include "apps/stormproof/progress.h"
#include "apps/stormproof/repo_access.h"

namespace stormproof::cli {
namespace {

struct CheckFlags {
  bool read_data = false;
  std::string subset;  // "N%"
  bool immutability = false;  // --immutability: check_immutability.h instead
};

Result<double> Fraction(const CheckFlags& flags) {
  if (flags.read_data) return 1.0;
  if (flags.subset.empty()) return 0.0;
  std::string text = flags.subset;
  if (text.back() == '%') text.pop_back();
  char* end = nullptr;
  double percent = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(percent > 0 && percent <= 100)) {
    return Error::InvalidArgument("--read-data-subset '" + flags.subset +
                                  "': expected a percentage such as 10%");
  }
  return percent / 100.0;
}

void PrintReport(const Context& context, const checker::CheckReport& r) {
  if (context.json) {
    PrintJson({{"message_type", "summary"},
               {"ok", r.ok()},
               {"snapshots", r.snapshots},
               {"packs", r.packs},
               {"trees", r.trees},
               {"blobs_read", r.blobs_read},
               {"bytes_read", r.bytes_read},
               {"errors", r.errors},
               {"warnings", r.warnings},
               {"notes", r.notes},
               {"damaged_packs", r.damaged_packs},
               {"affected", r.affected}});
    return;
  }
  // Lines name files and paths from the repository (escaped by the checker); EscapeControls
  // keeps whatever else a damaged repository put in them off the terminal.
  for (const std::string& line : r.errors) fmt::print("error: {}\n", EscapeControls(line));
  for (const std::string& line : r.warnings) fmt::print("warning: {}\n", EscapeControls(line));
  for (const std::string& line : r.notes) fmt::print("note: {}\n", EscapeControls(line));
  fmt::print("checked {} snapshots, {} packs, {} trees; read {} blobs ({})\n", r.snapshots, r.packs,
             r.trees, r.blobs_read, HumanBytes(r.bytes_read));
  if (r.ok()) {
    fmt::print("no errors were found\n");
    return;
  }
  fmt::print("{} error(s); {} damaged pack(s); {} snapshot(s) affected\n", r.errors.size(),
             r.damaged_packs.size(), r.affected.size());
}

// An interrupted check: the damage found so far (it is real), then one line saying the check is
// incomplete.
Outcome ReportIncomplete(const Context& context, const checker::CheckReport& r) {
  if (!context.json) {
    for (const std::string& line : r.errors) fmt::print("error: {}\n", EscapeControls(line));
  }
  return ReportInterruption(fmt::format("the check is incomplete ({} error(s) found before it "
                                          "stopped); nothing was changed",
                                          r.errors.size()));
}

Outcome RunCheck(Context* context, const CheckFlags& flags) {
  if (flags.immutability) return RunImmutabilityCheck(context);
  auto fraction = Fraction(flags);
  if (!fraction) return ReportEngineError(fraction.error());
  Outcome failed;
  // A check proves what is in the repository: it reads the repository itself (into a fresh
  // cache of its own), never an earlier local copy that could hide a damaged or missing index,
  // snapshot or tree pack there.
  context->fresh_cache = true;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  CatchInterruptions();  // SIGINT/SIGTERM: the check stops after the packs being read, exit 130/143
  // Shared: backups may run meanwhile, prune may not (it would delete what is being checked).
  auto lock = LockRepository(*context, *repo, repository::Repository::LockKind::kShared);
  if (!lock) return ReportEngineError(lock.error());
  ProgressReporter progress(*context, "check");
  checker::CheckReport report = checker::Check(*repo, {*fraction}, progress.Callback());
  progress.Finish();
  if (report.interrupted) return ReportIncomplete(*context, report);
  PrintReport(*context, report);
  return report.ok() ? Outcome::Ok() : Outcome::Problems();
}

}  // namespace

void AddCheckCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* cmd = app->add_subcommand(
      "check",
      "Verify the repository: snapshots, index, pack headers and every tree; with --read-data "
      "also read every pack and verify every blob. Exit 0 only when everything verified; "
      "otherwise (exit 3) names the damaged packs and the snapshots and files they affect.");
  cmd->add_flag("--read-data", flags->read_data, "Read and verify all data");
  CLI::Option* subset =
      cmd->add_option("--read-data-subset", flags->subset, "Read and verify N% of the packs")
          ->type_name("N%");
  cmd->add_flag("--immutability", flags->immutability,
                "Instead: prove that the credentials this runs with cannot delete, overwrite or "
                "shorten the retention of what the repository keeps (S3 Object Lock); exit 0 "
                "when proven, 3 when not")
      ->excludes("--read-data")
      ->excludes(subset);
  cmd->callback([context, flags] { context->outcome = RunCheck(context, *flags); });
}

}  // namespace stormproof::cli
