// stormproof: prove that an MSP and its clients can survive an incident.
// This file only assembles the command line; each subcommand is in its own cmd_*.cc.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "apps/stormproof/context.h"
#include "core/secret.h"
#include "core/text.h"

namespace stormproof::cli {
namespace {

constexpr const char* kFooter = R"(Exit codes:
  0  success (warnings may have been printed)
  1  error: the plan or a file could not be read or written
  2  usage: unknown command, bad flag or flag value
  3  problems: the plan has errors, the audit found issues at --fail-on or above,
     a backup skipped files it could not read or judged its snapshot suspicious or
     infected (the snapshot is still saved), scan judged one so, a
     restore could not write or verify some entries, check found damage, stats
     found blobs missing from the index, a drill failed, or run/status found an
     objective breached (RPO exceeded, RTO not feasible, a failed backup or drill)
  10 the repository does not exist: nothing exists at --repo (no directory, no
     bucket, or nothing under the s3: prefix)
  11 locked: another process holds a conflicting lock on the repository (see
     --retry-lock)
  12 wrong password: the password opens no key of the repository
  13 corrupt: data read from the repository failed its authentication (damaged
     or altered; run 'stormproof check')
  14 access denied: the object storage refused the credentials or the request
     (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the plan's
     credentials_file, or the bucket policy)
  130, 143  interrupted by SIGINT or SIGTERM: backup, restore, check, prune, forget,
     copy, scan, drill and run stop at their next safe point, release their locks and say
     what was left; a second signal ends them at once

Environment:
  STORMPROOF_PLAN            the plan file when --plan is not given (default ./plan.yaml)
  STORMPROOF_ALLOW_INCLUDE_OUTSIDE
                             1 (or true) for --allow-include-outside
  STORMPROOF_REPOSITORY      the repository when --repo is not given
  STORMPROOF_PASSWORD_FILE   a file holding the repository password (first line)
  STORMPROOF_PASSWORD        the repository password itself (prefer a file)
  STORMPROOF_FROM_REPOSITORY, STORMPROOF_FROM_PASSWORD_FILE, STORMPROOF_FROM_PASSWORD
                             copy: the source repository and its password
  STORMPROOF_CACERT          the CA certificates file when --cacert is not given
  STORMPROOF_CACHE_DIR       the cache directory when --cache-dir is not given
  XDG_CACHE_HOME             the default cache directory's parent (default ~/.cache)
  XDG_STATE_HOME             where the record of the delete markers stormproof placed on
                             Object Lock storage is kept (default ~/.local/state): keep it
                             (docs/object-storage.md)
  STORMPROOF_S3_BUCKET_LOOKUP
                             auto, dns or path when --s3-bucket-lookup is not given
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
                             credentials for s3: repositories
  AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE
                             the profile and file of ~/.aws/credentials to use instead
  AWS_REGION, AWS_DEFAULT_REGION
                             the region of s3: repositories (default us-east-1)

Documentation: docs/cli.md and docs/plan-schema.md in the stormproof sources.)";

// How s3: repositories are reached (docs/cli.md, "Object storage"); credentials come from the
// environment (AWS_*) or the plan, never from a flag.
void AddStorageOptions(CLI::App* app, Context* context) {
  app->add_option("--cacert", context->cacert,
                  "Verify the object storage's TLS certificate with the CA certificates in FILE "
                  "(PEM) instead of the system's")
      ->envname("STORMPROOF_CACERT")
      ->type_name("FILE");
  app->add_flag("--insecure-tls", context->insecure_tls,
                "Do not verify the object storage's TLS certificate (anyone on the network can "
                "then read and change what is sent; for tests only)");
  app->add_option("--cache-dir", context->cache_dir,
                  "Keep the local cache of object-storage repositories under DIR (default "
                  "$XDG_CACHE_HOME/stormproof or ~/.cache/stormproof)")
      ->envname("STORMPROOF_CACHE_DIR")
      ->type_name("DIR");
  app->add_flag("--no-cache", context->no_cache,
                "Keep no local cache of object-storage repositories: every read goes to the "
                "storage");
  app->add_option("--s3-bucket-lookup", context->s3_bucket_lookup,
                  "How requests name the bucket: dns (virtual-hosted, https://BUCKET.host/...), "
                  "path (https://host/BUCKET/...) or auto (default: path for an IP address, a "
                  "port or a bucket name with a '.', else dns); without it "
                  "STORMPROOF_S3_BUCKET_LOOKUP, checked only when an s3: location is opened")
      ->type_name("LOOKUP")
      ->check(CLI::IsMember({"auto", "dns", "path"}, CLI::ignore_case));
}

void AddGlobalOptions(CLI::App* app, Context* context) {
  app->add_option("--plan", context->plan_path, "The plan's root YAML file (default ./plan.yaml)")
      ->envname("STORMPROOF_PLAN")
      ->type_name("FILE");
  app->add_flag("--allow-include-outside", context->allow_include_outside,
                "Let the plan include files outside its root file's directory tree (refused by "
                "default, links followed)")
      ->envname("STORMPROOF_ALLOW_INCLUDE_OUTSIDE");
  app->add_flag("--json", context->json, "Print machine-readable JSON instead of text");
  app->add_option("--as-of", context->as_of,
                  "Treat this date (YYYY-MM-DD) as today for ages and due dates")
      ->type_name("DATE");
  app->add_option("-r,--repo", context->repo,
                  "The backup repository: a directory (or local:DIR), or object storage "
                  "s3:https://host/bucket[/prefix]")
      ->envname("STORMPROOF_REPOSITORY")
      ->type_name("REPO");
  app->add_option("-p,--password-file", context->password_file,
                  "Read the repository password from the first line of FILE")
      ->envname("STORMPROOF_PASSWORD_FILE")
      ->type_name("FILE");
  app->add_flag("-q,--quiet", context->quiet,
                "Do not show progress; run: print nothing unless something needs a human");
  app->add_option("--retry-lock", context->retry_lock,
                  "When another process holds a conflicting lock on the repository, keep trying "
                  "for up to DURATION (e.g. 30s, 10m) instead of failing at once")
      ->type_name("DURATION");
  AddStorageOptions(app, context);
}

// A usage error in one line, like every other error (docs/cli.md, DIAGNOSTICS): CLI11's reason
// and where the usage of the command it concerns is told.
std::string OneLineUsageError(const CLI::App* app, const CLI::Error& error) {
  std::string command;
  for (const CLI::App* at = app; !at->get_subcommands().empty();) {
    at = at->get_subcommands().front();
    command += at->get_name() + " ";
  }
  return fmt::format("stormproof: {}; run 'stormproof {}--help' for the usage\n",
                     EscapeControls(error.what()), command);
}

// The innermost command given that still needs a subcommand (the program itself, or `plan`), or
// null when every command given has what it needs.
const CLI::App* CommandMissingASubcommand(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) {
    if (const CLI::App* inner = CommandMissingASubcommand(*sub)) return inner;
  }
  bool wants = app.get_require_subcommand_min() > 0 && app.get_subcommands().empty();
  return wants ? &app : nullptr;
}

// When parsing failed because a command word was not recognised ("stormproof snapshot", "plan
// chek"), prints one line naming it and the nearest command ("unknown command 'plan chek'; did
// you mean 'plan check'?") and returns true. Subcommands fall through, so the stray word is among
// the program's unparsed arguments.
bool ReportUnknownCommand(const CLI::App& app) {
  const CLI::App* parent = CommandMissingASubcommand(app);
  if (parent == nullptr) return false;
  std::string word;
  for (const std::string& arg : app.remaining(/*recurse=*/true)) {
    if (!arg.empty() && arg[0] != '-') {
      word = arg;
      break;
    }
  }
  if (word.empty()) return false;
  std::string prefix;
  for (const CLI::App* a = parent; a->get_parent() != nullptr; a = a->get_parent()) {
    prefix = a->get_name() + " " + prefix;
  }
  std::vector<std::string> names;
  for (const CLI::App* sub : parent->get_subcommands({})) names.push_back(sub->get_name());
  std::string nearest =
      ClosestMatch(word, std::vector<std::string_view>(names.begin(), names.end()));
  std::string hint = nearest.empty()
                         ? fmt::format("run 'stormproof {}--help' for the commands", prefix)
                         : fmt::format("did you mean '{}{}'?", prefix, nearest);
  PrintError(fmt::format("unknown command '{}{}'; {}", prefix, EscapeControls(word), hint));
  return true;
}

int Run(int argc, char** argv) {
  Context context;
  CLI::App app{
      "stormproof — prove, not claim, that an MSP and every client it protects can survive an "
      "incident and be back within the agreed time.\n\nThe business-continuity plan is YAML "
      "(see docs/plan-schema.md); 'stormproof plan check' validates it, 'plan audit' finds "
      "single points of failure, 'plan order' gives the prioritised restore list, 'plan render' "
      "writes an offline runbook and 'calendar' the recurring duties as iCalendar. 'run' backs "
      "systems up by their RPO and runs due checks and restore drills, 'drill' runs one drill, "
      "'status' shows readiness now and 'report' writes the quarterly readiness report.",
      "stormproof"};
  app.set_version_flag("--version", std::string("stormproof ") + STORMPROOF_VERSION);
  app.footer(kFooter);
  app.failure_message(OneLineUsageError);
  app.require_subcommand(1);
  AddGlobalOptions(&app, &context);

  CLI::App* plan = app.add_subcommand("plan", "Check, audit, order and render the continuity plan");
  plan->require_subcommand(1);
  plan->fallthrough();
  AddPlanCheckCommand(plan, &context);
  AddPlanAuditCommand(plan, &context);
  AddPlanOrderCommand(plan, &context);
  AddPlanRenderCommand(plan, &context);
  AddCalendarCommand(&app, &context);
  AddInitCommand(&app, &context);
  AddBackupCommand(&app, &context);
  AddSnapshotsCommand(&app, &context);
  AddRestoreCommand(&app, &context);
  AddCheckCommand(&app, &context);
  AddForgetCommand(&app, &context);
  AddHoldCommand(&app, &context);
  AddPruneCommand(&app, &context);
  AddCopyCommand(&app, &context);
  AddLsCommand(&app, &context);
  AddDiffCommand(&app, &context);
  AddStatsCommand(&app, &context);
  AddKeyCommand(&app, &context);
  AddRepairCommand(&app, &context);
  AddRunCommand(&app, &context);
  AddReportCommand(&app, &context);
  AddStatusCommand(&app, &context);
  AddScanCommand(&app, &context);
  AddDrillCommand(&app, &context);
  AddAttestCommand(&app, &context);
  for (CLI::App* sub : plan->get_subcommands({})) sub->fallthrough();
  for (CLI::App* sub : app.get_subcommands({})) sub->fallthrough();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (!ReportUnknownCommand(app)) app.exit(e);
    return kExitUsage;
  }
  return context.outcome.exit_code();
}

}  // namespace
}  // namespace stormproof::cli

int main(int argc, char** argv) {
  // Passwords and the master key are in memory while a command runs: no core dump may carry
  // them away (docs/cli.md, Passwords). To debug, start stormproof under the debugger.
  stormproof::DisableCoreDumps();
  try {
    return stormproof::cli::Run(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "stormproof: internal error: {}\n", e.what());
    return stormproof::cli::kExitError;
  }
}
