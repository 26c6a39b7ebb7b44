// stormproof copy: copy snapshots from another repository (--from-repo) into --repo.
#include <fmt/format.h>

#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "apps/stormproof/context.h"
#include "apps/stormproof/progress.h"
#include "apps/stormproof/repo_access.h"
#include "core/id_prefix.h"
#include "core/interrupt.h"
#include "core/secret.h"
#include "core/text.h"
#include "engine/copier/copier.h"

namespace stormproof::cli {
namespace {

using repository::Id;
using repository::Repository;
using repository::Snapshot;

struct CopyFlags {
  std::string from_repo, from_password_file, from_credentials_file, from_profile, host;
  std::vector<std::string> ids, tags, paths;
};

// The source's password: --from-password-file (or STORMPROOF_FROM_PASSWORD_FILE), else
// STORMPROOF_FROM_PASSWORD. Never the destination's.
Result<SecretString> SourcePassword(const CopyFlags& flags) {
  if (!flags.from_password_file.empty()) {
    return FirstLineOf(flags.from_password_file, "--from-password-file");
  }
  if (const char* password = std::getenv("STORMPROOF_FROM_PASSWORD"); password && *password) {
    return SecretString(std::string(password));
  }
  return Error::InvalidArgument(
      "no password for the source repository: use --from-password-file, "
      "STORMPROOF_FROM_PASSWORD_FILE or STORMPROOF_FROM_PASSWORD");
}

// The names of the snapshot files of `source` that are not among `readable` (damaged ones,
// which LoadSnapshotsOrWarn warned of).
Result<std::vector<std::string>> UnreadableSnapshotFiles(const Repository& source,
                                                         const std::vector<Snapshot>& readable) {
  std::set<std::string> read;
  for (const Snapshot& s : readable) read.insert(s.id.Hex());
  std::vector<std::string> unreadable;
  STORMPROOF_TRY(
      source.backend().List(backend::FileType::kSnapshot, [&](const std::string& name, uint64_t) {
        if (!read.contains(name) && Id::FromHex(name)) unreadable.push_back(name);
      }));
  return unreadable;
}

// The source snapshots to copy: those named (id prefixes among the snapshots the filters
// match, else among the snapshot files that cannot be read: the copier reports each of those
// as not copied, and copies the others), or every one the filters match.
Result<std::vector<Id>> SelectSnapshots(const Repository& source, const CopyFlags& flags) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> all, LoadSnapshotsOrWarn(source));
  std::vector<Id> matching;
  std::vector<std::string> hex;
  for (const Snapshot& s : all) {
    if (!SnapshotMatches(s, flags.tags, flags.paths)) continue;
    if (!flags.host.empty() && s.hostname != flags.host) continue;
    matching.push_back(s.id);
    hex.push_back(s.id.Hex());
  }
  if (flags.ids.empty()) return matching;
  std::optional<std::vector<std::string>> unreadable;
  std::vector<Id> chosen;
  for (const std::string& spec : flags.ids) {
    Result<size_t> found = FindByIdPrefix(hex, spec, "snapshot");
    if (found) {
      chosen.push_back(matching[*found]);
      continue;
    }
    if (found.error().code() != ErrorCode::kNotFound) return found.error();
    if (!unreadable) {
      STORMPROOF_ASSIGN_OR_RETURN(unreadable, UnreadableSnapshotFiles(source, all));
    }
    Result<size_t> damaged = FindByIdPrefix(*unreadable, spec, "snapshot");
    if (!damaged) return found.error();
    chosen.push_back(*Id::FromHex((*unreadable)[*damaged]));
  }
  return chosen;
}

// The warning (stderr, in every output mode) when snapshots in --repo claim to be the copy of a
// snapshot copied now without holding its content (CopySummary::unproven_claims).
void WarnUnprovenClaims(const std::vector<Id>& claims) {
  if (claims.empty()) return;
  PrintError(fmt::format(
      "warning: {} snapshot(s) in --repo claim to be the copy of a snapshot of --from-repo "
      "without holding its content, the first {}: not counted as copies (the snapshots were "
      "copied again); written by someone holding the password of --repo: look at them before "
      "any forget",
      claims.size(), claims.front().ShortHex()));
}

void PrintSummary(const Context& context, const copier::CopySummary& summary) {
  size_t already = 0;
  nlohmann::json snapshots = nlohmann::json::array();
  for (const copier::CopiedSnapshot& s : summary.snapshots) {
    already += s.already_copied ? 1 : 0;
    snapshots.push_back({{"source", s.source.Hex()},
                         {"destination", s.destination.Hex()},
                         {"already_copied", s.already_copied}});
  }
  nlohmann::json unproven = nlohmann::json::array();
  for (const Id& claim : summary.unproven_claims) unproven.push_back(claim.Hex());
  WarnUnprovenClaims(summary.unproven_claims);
  nlohmann::json failed = nlohmann::json::array();
  for (const copier::FailedSnapshot& f : summary.failed) {
    failed.push_back({{"source", f.source.Hex()}, {"reason", f.reason}});
    if (!context.json) {
      PrintError(EscapeControls("snapshot " + f.source.ShortHex() + " not copied: " + f.reason));
    }
  }
  if (context.json) {
    PrintJson({{"message_type", "summary"},
               {"snapshots", snapshots},
               {"failed", failed},
               {"unproven_claims", unproven},
               {"copied", summary.snapshots.size() - already},
               {"already_copied", already},
               {"data_blobs_written", summary.data_blobs_written},
               {"tree_blobs_written", summary.tree_blobs_written},
               {"bytes_read", summary.bytes_read},
               {"bytes_written", summary.bytes_written},
               {"blobs_mapped", summary.blobs_mapped},
               {"verdicts_carried", summary.verdicts_carried},
               {"seconds", summary.seconds}});
    return;
  }
  for (const copier::CopiedSnapshot& s : summary.snapshots) {
    fmt::print("snapshot {} {} {}\n", s.source.ShortHex(),
               s.already_copied ? "already copied as" : "copied as", s.destination.ShortHex());
  }
  fmt::print("{} snapshot(s) copied, {} already there", summary.snapshots.size() - already,
             already);
  fmt::print("{}\n", summary.failed.empty()
                        ? std::string()
                        : fmt::format(", {} could not be copied", summary.failed.size()));
  if (summary.verdicts_carried > 0) {
    fmt::print("{} later ransomware verdict(s) carried to the copies (a slow attack's earlier "
               "steps, scans)\n",
               summary.verdicts_carried);
  }
  fmt::print("Read {} from the source, wrote {} ({} data blobs, {} trees); {} blobs known from "
             "earlier copies; {:.1f} s\n",
             HumanBytes(summary.bytes_read), HumanBytes(summary.bytes_written),
             summary.data_blobs_written, summary.tree_blobs_written, summary.blobs_mapped,
             summary.seconds);
}

// Opens the source read-only (its own location, its own password).
std::unique_ptr<Repository> OpenSource(const Context& context, const CopyFlags& flags,
                                       Outcome* failed) {
  Context source_context = context;
  source_context.repo = flags.from_repo;
  return OpenRepositoryOrReport(
      source_context, failed, Repository::IndexLoad::kUnderFirstLock,
      [&flags] { return SourcePassword(flags); }, "--from-repo " + flags.from_repo,
      s3::CredentialSources{.credentials_file = flags.from_credentials_file,
                            .profile = flags.from_profile,
                            .region = ""});
}

Outcome RunCopy(Context* context, const CopyFlags& flags) {
  if (flags.from_repo.empty()) {
    PrintError("no source repository: use --from-repo or STORMPROOF_FROM_REPOSITORY");
    return Outcome::Usage();
  }
  Outcome failed;
  auto source = OpenSource(*context, flags, &failed);
  if (!source) return failed;
  auto destination =
      OpenRepositoryOrReport(*context, &failed, Repository::IndexLoad::kUnderFirstLock);
  if (!destination) return failed;
  if (source->id() == destination->id()) {
    PrintError("--from-repo " + flags.from_repo + " and --repo " + context->repo +
               " are the same repository: nothing to copy");
    return Outcome::Usage();
  }
  // SIGINT/SIGTERM: no snapshot of the unfinished copy, what was stored indexed.
  CatchInterruptions();
  auto source_lock = LockRepository(*context, *source, Repository::LockKind::kShared);
  if (!source_lock) return ReportEngineError(source_lock.error().WithContext("--from-repo"));
  auto destination_lock = LockRepository(*context, *destination, Repository::LockKind::kShared);
  if (!destination_lock) return ReportEngineError(destination_lock.error());
  WarnDamagedIndexFiles(*source);
  WarnDamagedIndexFiles(*destination);
  auto wanted = SelectSnapshots(*source, flags);
  if (!wanted) return ReportEngineError(wanted.error());
  if (Status fresh = source->RefreshIndex(); !fresh) return ReportEngineError(fresh.error());
  ProgressReporter progress(*context, "copy", JsonStatusStream::kStderr);
  auto copied = copier::Copy(*source, *destination, *wanted, progress.Callback());
  progress.Finish();
  if (!copied) return ReportEngineError(copied.error());
  PrintSummary(*context, *copied);
  // A partial failure: the snapshots listed as not copied need a human (exit 3).
  return copied->failed.empty() ? Outcome::Ok() : Outcome::Problems();
}

}  // namespace

void AddCopyCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<CopyFlags>();
  CLI::App* cmd = app->add_subcommand(
      "copy",
      "Copy snapshots from another repository (--from-repo) into --repo: the named SNAPSHOTs "
      "(id prefixes), or every snapshot --host/--tag/--path select (all when none is given). "
      "Only data --repo lacks is written, re-encrypted under its own key; a snapshot copied "
      "before is not copied again. Safe to interrupt or kill: the next copy finishes the work.");
  cmd->add_option("snapshots", flags->ids, "Source snapshot ids (or unique prefixes)")
      ->type_name("SNAPSHOT");
  cmd->add_option("--from-repo", flags->from_repo,
                  "The repository to copy from: a directory or s3:https://host/bucket[/prefix]")
      ->envname("STORMPROOF_FROM_REPOSITORY")
      ->type_name("REPO");
  cmd->add_option("--from-password-file", flags->from_password_file,
                  "Read the source repository's password from the first line of FILE "
                  "(else STORMPROOF_FROM_PASSWORD)")
      ->envname("STORMPROOF_FROM_PASSWORD_FILE")
      ->type_name("FILE");
  cmd->add_option("--from-credentials-file", flags->from_credentials_file,
                  "An s3: source's AWS credentials: the shared-credentials FILE (profile "
                  "--from-profile, else default), instead of --repo's from the environment")
      ->envname("STORMPROOF_FROM_CREDENTIALS_FILE")
      ->type_name("FILE");
  cmd->add_option("--from-profile", flags->from_profile,
                  "An s3: source's AWS profile (of --from-credentials-file, else of "
                  "AWS_SHARED_CREDENTIALS_FILE / ~/.aws/credentials)")
      ->envname("STORMPROOF_FROM_PROFILE")
      ->type_name("NAME");
  cmd->add_option("--host", flags->host, "Only snapshots from this host")->type_name("HOST");
  cmd->add_option("--tag", flags->tags, "Only snapshots with this tag (K=V or K), repeatable")
      ->type_name("K=V");
  cmd->add_option("--path", flags->paths, "Only snapshots that include this path, repeatable")
      ->type_name("PATH");
  cmd->callback([context, flags] { context->outcome = RunCopy(context, *flags); });
}

}  // namespace stormproof::cli
