// stormproof init: create a repository.
#include <fmt/format.h>

#include "engine/backend/backend.h"
#include "apps/stormproof/context.h"
#include "apps/stormproof/repo_access.h"

namespace stormproof::cli {
namespace {

Outcome RunInit(Context* context) {
  if (context->repo.empty()) {
    PrintError("no repository: use --repo or STORMPROOF_REPOSITORY");
    return Outcome::Usage();
  }
  auto password = ReadPassword(*context, /*confirm=*/true);
  if (!password) return ReportEngineError(password.error());
  auto backend = backend::CreateLocalBackend(context->repo);
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
      "Create a new repository at --repo (a directory that does not exist or is empty; a "
      "non-empty directory is refused). The password comes from --password-file, "
      "STORMPROOF_PASSWORD_FILE, STORMPROOF_PASSWORD or a prompt.");
  cmd->callback([context] { context->outcome = RunInit(context); });
}

}  // namespace stormproof::cli
