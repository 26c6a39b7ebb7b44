// stormproof restore: restore a snapshot (or part of it) into a target directory.
#include <fmt/format.h>

#include "apps/stormproof/context.h"
#include "core/interrupt.h"
#include "apps/stormproof/entry_format.h"
#include "apps/stormproof/progress.h"
#include "apps/stormproof/repo_access.h"
#include "engine/restorer/restorer.h"

namespace stormproof::cli {
namespace {

struct RestoreFlags {
  std::string snapshot;  // ID[:SUBPATH], latest[:SUBPATH] or latest-clean[:SUBPATH]
  std::string target;
  std::vector<std::string> includes, tags, paths;
  std::string host;  // with latest or latest-clean: only this host's snapshots
  bool verify = false;
  bool untrusted = false;
};

void PrintSummary(const Context& context, const restorer::RestoreSummary& s,
                  const repository::Snapshot& snapshot, const std::string& target, bool untrusted) {
  if (context.json) {
    PrintJson({{"message_type", "summary"},
               {"snapshot_id", snapshot.id.Hex()},
               {"snapshot_time", FormatRfc3339Nanos(snapshot.time_ns)},
               {"snapshot_time_ns", snapshot.time_ns},
               {"target", target},
               {"files", s.files},
               {"dirs", s.dirs},
               {"symlinks", s.symlinks},
               {"other", s.other},
               {"bytes", s.bytes},
               {"verified_files", s.verified_files},
               {"errors", s.errors},
               {"setid_cleared", s.setid_cleared},
               {"special_skipped", s.special_skipped},
               {"xattrs_skipped", s.xattrs_skipped}});
    return;
  }
  fmt::print("restored snapshot {} to {}: {} files, {} dirs, {}{}{}\n", snapshot.id.ShortHex(),
             EscapeControls(target), s.files, s.dirs, HumanBytes(s.bytes),
             s.verified_files ? fmt::format(", {} files verified", s.verified_files) : "",
             s.errors ? fmt::format(", {} errors", s.errors) : "");
  if (s.setid_cleared) {
    fmt::print("setuid/setgid bits cleared on {} entries ({})\n", s.setid_cleared,
               untrusted ? "--untrusted" : "not running as root");
  }
  if (s.special_skipped) {
    fmt::print("{} device nodes, fifos and sockets not created (--untrusted)\n", s.special_skipped);
  }
  if (s.xattrs_skipped) {
    fmt::print("{} security.* and trusted.* extended attributes not set (--untrusted)\n",
               s.xattrs_skipped);
  }
}

// latest-clean: the newest clean restore point, and why, said before restoring from it.
Result<repository::Snapshot> ChooseCleanPoint(const Context& context,
                                              const repository::Repository& repo,
                                              const RestoreFlags& flags, int64_t now_ns) {
  STORMPROOF_ASSIGN_OR_RETURN(CleanPointChoice point,
                              FindCleanPoint(repo, flags.tags, flags.paths, flags.host, now_ns));
  const repository::Snapshot& s = point.snapshot;
  if (context.json) {
    PrintJson({{"message_type", "restore_point"},
               {"snapshot_id", s.id.Hex()},
               {"time", FormatRfc3339Nanos(s.time_ns)},
               {"reason", point.reason}});
  } else {
    fmt::print(stderr, "restoring snapshot {} ({}): {}\n", s.id.ShortHex(), FormatUtc(s.time_ns),
               EscapeControls(point.reason));
  }
  return std::move(point.snapshot);
}

Outcome RunRestore(Context* context, const RestoreFlags& flags) {
  std::string spec = flags.snapshot, subpath;
  if (size_t colon = spec.find(':'); colon != std::string::npos) {
    subpath = spec.substr(colon + 1);
    spec.resize(colon);
  }
  Outcome failed;
  auto repo = OpenRepositoryOrReport(*context, &failed);
  if (!repo) return failed;
  CatchInterruptions();  // SIGINT/SIGTERM: no further pack is restored, exit 130/143
  auto lock = LockRepository(*context, *repo, repository::Repository::LockKind::kShared);
  if (!lock) return ReportEngineError(lock.error());
  auto snapshot = spec == "latest-clean"
                      ? ChooseCleanPoint(*context, *repo, flags, (*lock)->storage_time_ns())
                                          : FindSnapshot(*repo, spec, flags.tags, flags.paths,
                                                         flags.host);
  if (!snapshot) return ReportEngineError(snapshot.error());
  restorer::RestoreOptions options;
  options.target = flags.target;
  options.subpath = subpath;
  options.includes = flags.includes;
  options.verify = flags.verify;
  options.untrusted = flags.untrusted;
  ProgressReporter progress(*context, "restore");
  ProgressFn on_progress = progress.Callback();
  auto on_error = [&](const std::string& path, const Error& error) {
    progress.Finish();
    if (context->json) {
      PrintJson({{"message_type", "error"}, {"item", path}, {"error", error.message()}});
    } else {
      fmt::print(stderr, "error: {}: {}\n", EscapeName(path), EscapeControls(error.message()));
    }
  };
  auto summary = restorer::Restore(*repo, *snapshot, options, on_progress, on_error);
  progress.Finish();
  if (!summary) return ReportEngineError(summary.error());
  PrintSummary(*context, *summary, *snapshot, flags.target, flags.untrusted);
  return summary->errors > 0 ? Outcome::Problems() : Outcome::Ok();
}

}  // namespace

void AddRestoreCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<RestoreFlags>();
  CLI::App* cmd = app->add_subcommand(
      "restore",
      "Restore SNAPSHOT (an id prefix, 'latest' or 'latest-clean', optionally ':SUBPATH') into "
      "--target. 'latest-clean' is the newest snapshot older than the first one judged "
      "suspicious or infected (ransomware), and restore says which and why. "
      "Nothing is ever written outside the target, whatever the snapshot contains. Contents "
      "first, then metadata. With --verify every restored file is read back and compared with "
      "the snapshot. Owners are restored, and setuid/setgid bits kept, only when running as "
      "root. With --untrusted (for a repository whose contents you do not fully trust) no device "
      "nodes, fifos or sockets are created, no security.* or trusted.* extended attributes set, "
      "and setuid/setgid bits are cleared even as root; what is left out is counted in the "
      "summary, not an error. Names from the snapshot are printed escaped as 'ls' shows them. "
      "Exit 3 when some entries could not be restored or verified.");
  cmd->add_option("snapshot", flags->snapshot,
                  "ID[:SUBPATH], latest[:SUBPATH] or latest-clean[:SUBPATH]")
      ->required();
  cmd->add_option("-t,--target", flags->target, "Directory to restore into (created if absent)")
      ->required()
      ->type_name("DIR");
  cmd->add_option("-i,--include", flags->includes,
                  "Only restore paths matching PATTERN (glob), repeatable")
      ->type_name("PATTERN");
  cmd->add_flag("--verify", flags->verify, "Read back and verify every restored file");
  cmd->add_flag("--untrusted", flags->untrusted,
                "The repository is not fully trusted: no device nodes, fifos, sockets, "
                "setuid/setgid bits or security.*/trusted.* extended attributes");
  cmd->add_option("--tag", flags->tags,
                  "With 'latest' or 'latest-clean': only snapshots with this tag")
      ->type_name("K=V");
  cmd->add_option("--host", flags->host,
                  "With 'latest' or 'latest-clean': only snapshots of this host")
      ->type_name("NAME");
  cmd->add_option("--path", flags->paths,
                  "With 'latest' or 'latest-clean': only snapshots of this path")
      ->type_name("PATH");
  cmd->callback([context, flags] { context->outcome = RunRestore(context, *flags); });
}

}  // namespace stormproof::cli
