// Shared state and helpers for the stormproof subcommands: global options, and loading a plan
// the way every plan command does. Each subcommand lives in its own cmd_*.cc file and only parses
// its flags, calls the libraries and returns its Outcome (exit_codes.h), which main applies.
#ifndef STORMPROOF_APPS_STORMPROOF_CONTEXT_H_
#define STORMPROOF_APPS_STORMPROOF_CONTEXT_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "apps/stormproof/exit_codes.h"
#include "core/date.h"
#include "core/time.h"
#include "continuity/plan/loader.h"

namespace stormproof::cli {

struct Context {
  // Global options, accepted before or after the subcommand.
  std::string plan_path = "plan.yaml";  // --plan, STORMPROOF_PLAN
  bool allow_include_outside = false;   // --allow-include-outside, STORMPROOF_ALLOW_INCLUDE_OUTSIDE
  bool json = false;                    // --json
  std::string as_of;                    // --as-of YYYY-MM-DD; default today (UTC)
  std::string repo;                     // --repo, STORMPROOF_REPOSITORY
  std::string password_file;            // --password-file, STORMPROOF_PASSWORD_FILE
  bool quiet = false;                   // --quiet: no progress line
  std::string retry_lock;               // --retry-lock DURATION: wait for a locked repository
  // How remote repositories (s3:...) are reached; local directories ignore these.
  std::string cacert;                   // --cacert FILE, STORMPROOF_CACERT
  bool insecure_tls = false;            // --insecure-tls
  std::string cache_dir;                // --cache-dir DIR, STORMPROOF_CACHE_DIR
  bool no_cache = false;                // --no-cache
  // --s3-bucket-lookup auto|dns|path (lower-cased by main.cc): how requests name the bucket
  // (storage::StorageOptions::addressing); "" = not given: STORMPROOF_S3_BUCKET_LOOKUP, read and
  // checked by StorageOptionsOf, else auto. A plan's repositories[].bucket_lookup overrides it.
  std::string s3_bucket_lookup;
  bool fresh_cache = false;  // set by commands that prove (check): storage::StorageOptions
  Outcome outcome;                      // what the subcommand that ran returned
};

// A loaded plan that passed `plan check` without errors.
struct UsablePlan {
  plan::LoadResult loaded;
  Date today;
  const plan::Plan& plan() const { return loaded.plan; }
};

// The one clock commands read "now" from (core/time.h): with --as-of DATE fixed at the end of
// that day (23:59:59.999999999 UTC, so the whole day counts), else the system clock.
// Errors: kInvalidArgument "--as-of: invalid date ..." for a malformed --as-of.
Result<Clock> CommandClock(const Context& context);

// The date commands treat as today: CommandClock's date (UTC). Errors as CommandClock.
Result<Date> Today(const Context& context);

// The moment commands treat as now, in ns since the Unix epoch: the last nanosecond of `today`
// when --as-of is given, else the system clock (CommandClock, for a `today` from Today()).
int64_t NowNs(const Context& context, Date today);

// How every command loads the plan: the global options that bear on it.
plan::LoadOptions PlanLoadOptions(const Context& context);

// Loads and validates the plan. On errors prints them to stderr (at most 20, then a count and a
// hint to run `plan check`) and returns the failure's outcome (1 unreadable, 3 invalid, 2 bad
// --as-of). Warnings are not printed here.
Reported<UsablePlan> LoadUsablePlan(const Context& context);

// Writes `text` to `out_path` crash-safely, or to stdout when out_path is "" or "-".
// On failure prints the error and returns its outcome (exit 1); else Outcome::Ok().
Outcome WriteOutput(const std::string& out_path, const std::string& text);

// Prints one JSON document on its own line to stdout.
void PrintJson(const nlohmann::json& value);

// Prints `head` (a JSON object) with one more member, `key`, an array of `count` items made one
// at a time by `item(i)`, streamed so a 50,000-item list never exists in memory as a whole.
void PrintJsonWithArray(const nlohmann::json& head, const std::string& key, size_t count,
                        const std::function<nlohmann::json(size_t)>& item);

// Prints "stormproof: <message>" to stderr.
void PrintError(const std::string& message);

// Subcommand registration; each defined in its cmd_*.cc file.
void AddPlanCheckCommand(CLI::App* plan, Context* context);
void AddPlanAuditCommand(CLI::App* plan, Context* context);
void AddPlanOrderCommand(CLI::App* plan, Context* context);
void AddPlanRenderCommand(CLI::App* plan, Context* context);
void AddCalendarCommand(CLI::App* app, Context* context);
void AddInitCommand(CLI::App* app, Context* context);
void AddBackupCommand(CLI::App* app, Context* context);
void AddSnapshotsCommand(CLI::App* app, Context* context);
void AddRestoreCommand(CLI::App* app, Context* context);
void AddCheckCommand(CLI::App* app, Context* context);
void AddForgetCommand(CLI::App* app, Context* context);
void AddHoldCommand(CLI::App* app, Context* context);
void AddPruneCommand(CLI::App* app, Context* context);
void AddLsCommand(CLI::App* app, Context* context);
void AddDiffCommand(CLI::App* app, Context* context);
void AddStatsCommand(CLI::App* app, Context* context);
void AddKeyCommand(CLI::App* app, Context* context);
void AddRepairCommand(CLI::App* app, Context* context);
void AddRunCommand(CLI::App* app, Context* context);
void AddReportCommand(CLI::App* app, Context* context);
void AddStatusCommand(CLI::App* app, Context* context);
void AddScanCommand(CLI::App* app, Context* context);
void AddDrillCommand(CLI::App* app, Context* context);
void AddAttestCommand(CLI::App* app, Context* context);
void AddCopyCommand(CLI::App* app, Context* context);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_CONTEXT_H_
