// stormproof prune: delete the data no snapshot references (after forget), repack mostly-empty
// packs, and consolidate the index. Takes the exclusive lock: it refuses while a backup runs.
#include <chrono>
#include <string>

#include "apps/stormproof/context.h"
#include "core/interrupt.h"
#include "core/duration.h"
#include "apps/stormproof/prune_output.h"
#include "apps/stormproof/repo_access.h"

namespace stormproof::cli {
namespace {

struct PruneFlags {
  double repack_threshold = 50;  // percent
  bool dry_run = false;
  std::string unindexed_grace;  // a duration; "" = the default
};

Outcome RunPrune(Context* context, const PruneFlags& flags) {
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  CatchInterruptions();  // SIGINT/SIGTERM: prune stops at its next crash-safe step, exit 130/143
  pruner::PruneOptions options;
  options.repack_threshold = flags.repack_threshold / 100.0;
  options.dry_run = flags.dry_run;
  if (!flags.unindexed_grace.empty()) {
    auto grace = Duration::Parse(flags.unindexed_grace);
    if (!grace) return ReportEngineError(grace.error().WithContext("--unindexed-grace"));
    options.unindexed_grace = std::chrono::seconds(grace->seconds());
  }
  auto report = PruneAndReport(*context, *repo, options);
  if (!report) return report.outcome();
  if (context->json) {
    (*report)["message_type"] = "summary";
    PrintJson(*report);
  }
  return Outcome::Ok();
}

}  // namespace

void AddPruneCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<PruneFlags>();
  CLI::App* cmd = app->add_subcommand(
      "prune",
      "Free the space of data no snapshot references (run after forget): delete packs with no "
      "data in use, repack packs whose unused share reaches --repack-threshold, delete packs "
      "left by interrupted backups, and consolidate the index. Crash-safe at every step. Takes "
      "the repository's exclusive lock, so it refuses while a backup, restore or check runs; "
      "it refuses, changing nothing, when the repository is damaged (run check).");
  cmd->add_option("--repack-threshold", flags->repack_threshold,
                  "Repack a pack when at least this percentage of it is unused (default 50; 0 "
                  "repacks every pack with unused data, 100 never repacks)")
      ->type_name("PCT")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_flag("-n,--dry-run", flags->dry_run, "Only print what would be freed");
  cmd->add_option("--unindexed-grace", flags->unindexed_grace,
                  "Delete packs that no index names only once this old by the storage's clock "
                  "(default 40m: a backup writes its packs before the index naming them). 0s "
                  "deletes them at once; use it only when nothing else writes to the repository, "
                  "e.g. to free the space a failed backup took on a full disk")
      ->type_name("DURATION");
  cmd->callback([context, flags] { context->outcome = RunPrune(context, *flags); });
}

}  // namespace stormproof::cli
