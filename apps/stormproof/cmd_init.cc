// stormproof init: create a repository.
#include <fmt/format.h>

#include "apps/stormproof/context.h"
#include "apps/stormproof/repo_access.h"
#include "engine/storage/storage.h"

namespace stormproof::cli {
namespace {

Outcome RunInit(Context* context) {
  if (context->repo.empty()) {
    PrintError("no repository: use --repo or STORMPROOF_REPOSITORY");
    return Outcome::Usage();
  }
  // A location this build cannot serve is refused before a password is asked for.
  if (auto location = storage::ParseLocation(context->repo); !location) {
    return ReportEngineError(location.error());
  }
  auto password = ReadPassword(*context, /*confirm=*/true);
  if (!password) return ReportEngineError(password.error());
  auto backend = storage::CreateBackendAt(context->repo, StorageOptionsOf(*context));
  if (!backend) return ReportEngineError(backend.error());
  auto repo = repository::Repository::Init(std::move(backend).value(), *password);
  if (!repo) return ReportEngineError(repo.error());
  if (context->json) {
    PrintJson({{"message_type", "initialized"},
               {"id", (*repo)->id().Hex()},
               {"repository", context->repo}});
    return Outcome::Ok();
  }
  fmt::print("created stormproof repository {} at {}\n", (*repo)->id().ShortHex(), context->repo);
  fmt::print("Keep the password safe: without it the data cannot be restored.\n");
  return Outcome::Ok();
}

}  // namespace

void AddInitCommand(CLI::App* app, Context* context) {
  CLI::App* cmd = app->add_subcommand(
      "init",
      "Create a new repository at --repo: a directory that does not exist or is empty (a "
      "non-empty directory is refused), or s3:https://host/bucket[/prefix] with nothing under "
      "the prefix (the bucket is created when missing). The password comes from "
      "--password-file, STORMPROOF_PASSWORD_FILE, STORMPROOF_PASSWORD or a prompt.");
  cmd->callback([context] { context->outcome = RunInit(context); });
}

}  // namespace stormproof::cli
