// stormproof init: create a repository, optionally under S3 Object Lock.
#include <fmt/format.h>

#include <memory>
#include <optional>

#include "apps/stormproof/context.h"
#include "apps/stormproof/repo_access.h"
#include "engine/storage/storage.h"

namespace stormproof::cli {
namespace {

struct InitFlags {
  bool object_lock = false;  // --object-lock
  int days = 0;              // --object-lock-days (0: not given)
  std::string mode;          // --object-lock-mode ("": governance)
  bool days_given = false, mode_given = false;
};

// The retention the flags ask for (none without --object-lock-days), or the usage error's line.
Result<std::optional<backend::Retention>> RetentionOf(const InitFlags& flags,
                                                      const std::string& repo) {
  if (!flags.days_given) {
    if (flags.object_lock) {
      return Error::InvalidArgument(
          "--object-lock: needs --object-lock-days N (how many days every file stays "
          "undeletable)");
    }
    if (flags.mode_given) {
      return Error::InvalidArgument("--object-lock-mode: needs --object-lock-days N");
    }
    return std::optional<backend::Retention>();
  }
  // At least 2: the guarantee (docs/repository-format.md, "Object Lock") needs a maintenance
  // run (forget or prune: `run` prunes at most once a day) to extend the retention of the files
  // still in use before it ends, so the retention must be longer than a day.
  if (flags.days < 2) {
    return Error::InvalidArgument(
        "--object-lock-days: " + std::to_string(flags.days) +
        " is too short: give at least 2 days, so that a maintenance run (forget or prune, daily "
        "under `run`) extends the retention of the files in use before it ends");
  }
  if (!storage::IsRemote(repo)) {
    return Error::InvalidArgument(
        "--object-lock-days: '" + repo +
        "' is not object storage: Object Lock needs an s3: location on a bucket with Object Lock");
  }
  backend::Retention retention{backend::Retention::Mode::kGovernance, flags.days};
  if (flags.mode_given) {
    std::optional<backend::Retention::Mode> mode = backend::ParseRetentionMode(flags.mode);
    if (!mode) {
      return Error::InvalidArgument("--object-lock-mode: '" + flags.mode +
                                    "' is not governance or compliance");
    }
    retention.mode = *mode;
  }
  return std::optional<backend::Retention>(retention);
}

nlohmann::json RetentionJson(const std::optional<backend::Retention>& retention) {
  if (!retention) return nullptr;
  return {{"mode", backend::RetentionModeWord(retention->mode)}, {"days", retention->days}};
}

Outcome RunInit(Context* context, const InitFlags& flags) {
  if (context->repo.empty()) {
    PrintError("no repository: use --repo or STORMPROOF_REPOSITORY");
    return Outcome::Usage();
  }
  // A location this build cannot serve is refused before a password is asked for.
  if (auto location = storage::ParseLocation(context->repo); !location) {
    return ReportEngineError(location.error());
  }
  auto retention = RetentionOf(flags, context->repo);
  if (!retention) return ReportEngineError(retention.error());
  auto password = ReadPassword(*context, /*confirm=*/true);
  if (!password) return ReportEngineError(password.error());
  storage::StorageOptions storage = StorageOptionsOf(*context);
  // A bucket made for a repository under retention can only serve it with Object Lock.
  storage.create_with_object_lock = flags.object_lock || retention->has_value();
  auto backend = storage::CreateBackendAt(context->repo, storage);
  if (!backend) return ReportEngineError(backend.error());
  auto repo = repository::Repository::Init(std::move(backend).value(), *password,
                                           {.retention = *retention});
  if (!repo) return ReportEngineError(repo.error());
  if (context->json) {
    PrintJson({{"message_type", "initialized"},
               {"id", (*repo)->id().Hex()},
               {"repository", context->repo},
               {"object_lock", RetentionJson(*retention)}});
    return Outcome::Ok();
  }
  fmt::print("created stormproof repository {} at {}\n", (*repo)->id().ShortHex(), context->repo);
  if (*retention) {
    fmt::print("Object Lock: every file but locks stays undeletable for {} days ({} mode)\n",
               (*retention)->days, backend::RetentionModeWord((*retention)->mode));
  }
  fmt::print("Keep the password safe: without it the data cannot be restored.\n");
  return Outcome::Ok();
}

}  // namespace

void AddInitCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<InitFlags>();
  CLI::App* cmd = app->add_subcommand(
      "init",
      "Create a new repository at --repo: a directory that does not exist or is empty (a "
      "non-empty directory is refused), or s3:https://host/bucket[/prefix] with nothing under "
      "the prefix (the bucket is created when missing). The password comes from "
      "--password-file, STORMPROOF_PASSWORD_FILE, STORMPROOF_PASSWORD or a prompt.");
  cmd->add_flag("--object-lock", flags->object_lock,
                "Create the bucket with S3 Object Lock enabled (needs --object-lock-days)");
  CLI::Option* days =
      cmd->add_option("--object-lock-days", flags->days,
                      "Keep every file but locks undeletable and unchangeable for N (at least "
                      "2) days after it is written (s3: only, on a bucket with Object Lock; recorded in the "
                      "repository, so every later backup keeps it)")
          ->type_name("N");
  CLI::Option* mode = cmd->add_option("--object-lock-mode", flags->mode,
                                      "governance (default: an account allowed to bypass "
                                      "governance may still delete) or compliance (nobody can)")
                          ->type_name("MODE");
  cmd->callback([context, flags, days, mode] {
    flags->days_given = days->count() > 0;
    flags->mode_given = mode->count() > 0;
    context->outcome = RunInit(context, *flags);
  });
}

}  // namespace stormproof::cli
