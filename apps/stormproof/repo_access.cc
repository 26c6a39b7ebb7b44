#include "apps/stormproof/repo_access.h"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>

#include "core/duration.h"
#include "core/id_prefix.h"
#include "core/interrupt.h"
#include "core/secret.h"
#include "core/text.h"
#include "core/time.h"
#include "engine/backend/backend.h"
#include "engine/detect/verdict.h"
#include "engine/retention/retention.h"
#include "engine/storage/storage.h"

namespace stormproof::cli {
Result<SecretString> FirstLineOf(const std::string& path, const char* flag) {
  Result<SecretString> line = ReadPasswordFile(path);
  if (!line) return Error::NotFound(std::string(flag) + " " + path + ": cannot be read");
  if (line->empty()) return Error::InvalidArgument(std::string(flag) + " " + path + ": is empty");
  return line;
}

namespace {

// Reads a line from the terminal without echo.
SecretString PromptHidden(const char* prompt) {
  std::fprintf(stderr, "%s", prompt);
  termios saved{};
  bool tty = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  std::fprintf(stderr, "\n");
  return SecretString(std::move(line));
}

// A password from the terminal, asked again with `again` unless it is null. Errors:
// kInvalidArgument when empty or the two entries differ.
Result<SecretString> PromptPassword(const char* prompt, const char* again) {
  SecretString password = PromptHidden(prompt);
  if (password.empty()) return Error::InvalidArgument("an empty password is not allowed");
  if (again != nullptr && PromptHidden(again).view() != password.view()) {
    return Error::InvalidArgument("the passwords do not match");
  }
  return password;
}

// options->addressing from --s3-bucket-lookup (main.cc accepts only auto, dns and path), else
// from STORMPROOF_S3_BUCKET_LOOKUP, either in any case. A word the variable may not hold becomes
// options->s3_setup_error: it fails only what opens an s3: location (exit 2), never a plan
// command or a local repository.
void SetBucketLookup(const Context& context, storage::StorageOptions* options) {
  constexpr const char* kVariable = "STORMPROOF_S3_BUCKET_LOOKUP";
  const char* variable = context.s3_bucket_lookup.empty() ? std::getenv(kVariable) : nullptr;
  const std::string_view word =
      variable != nullptr ? std::string_view(variable) : std::string_view(context.s3_bucket_lookup);
  if (std::optional<s3::Addressing> addressing = s3::ParseBucketLookup(word)) {
    options->addressing = *addressing;
  } else if (!word.empty()) {  // only the variable can hold another word: main.cc checks the flag
    constexpr size_t kShown = 40;  // of the variable's text
    const std::string_view text(variable);
    options->s3_setup_error =
        std::string(kVariable) + "='" + EscapeControls(text.substr(0, kShown)) +
        (text.size() > kShown ? "...'" : "'") +
        " is not auto, dns or path: correct or unset it (--s3-bucket-lookup overrides it)";
  }
}

// What a failure to open the storage at `location` was about. A missing bucket (kNotFound) means
// the repository does not exist (exit 10); so does nothing at a local path, while a file there
// is "not a directory", like any other location that is no repository (exit 1).
ErrorSubject OpenFailureSubject(const std::string& location) {
  if (storage::IsRemote(location)) return ErrorSubject::kRepository;
  auto parsed = storage::ParseLocation(location);
  if (!parsed) return ErrorSubject::kAny;
  std::error_code ec;
  bool something_there = std::filesystem::symlink_status(parsed->path, ec).type() !=
                         std::filesystem::file_type::not_found;
  return something_there ? ErrorSubject::kAny : ErrorSubject::kRepository;
}

// Storage without a stormproof config. A restic or borg repository, or an empty directory, is
// named before any password is asked: "not a stormproof repository", exit 1 (docs/cli.md). An
// s3: prefix nothing was ever written under is a repository that does not exist (exit 10), as a
// missing directory is: object storage has no empty directories.
Outcome ReportNoRepository(const std::string& location, const backend::Backend& backend,
                           const Error& probe) {
  if (storage::IsRemote(location) && probe.code() == ErrorCode::kNotFound) {
    Result<bool> empty = storage::HoldsNothing(backend);
    if (!empty && empty.error().code() == ErrorCode::kNotFound) {  // no bucket (exit 10)
      return ReportEngineError(empty.error(), ErrorSubject::kRepository);
    }
    if (!empty) return ReportEngineError(empty.error());
    if (*empty) {
      return ReportEngineError(
          Error::NotFound(location + ": no repository there (nothing is stored under it); "
                                     "create one with 'stormproof init'"),
          ErrorSubject::kRepository);
    }
  }
  // Object storage answers the probe (the config's GET) first: a refusal (access denied, 14),
  // an unreachable server, a wrong region are the storage's errors, with their own exit codes.
  if (storage::IsRemote(location) && probe.code() != ErrorCode::kNotFound &&
      probe.code() != ErrorCode::kFailedCheck) {
    return ReportEngineError(probe);
  }
  PrintError(EscapeControls(probe.message()));
  return Outcome::Failed();
}

}  // namespace

storage::StorageOptions StorageOptionsOf(const Context& context) {
  if (context.insecure_tls) {
    static std::once_flag warned;  // once per process, however often storage is opened
    std::call_once(warned, [] {
      PrintError(
          "warning: --insecure-tls: TLS verification is off; the object storage's certificate "
          "is not checked (for test servers only)");
    });
  }
  storage::StorageOptions options;
  options.ca_file = context.cacert;
  options.insecure_tls = context.insecure_tls;
  options.cache_dir = context.cache_dir;
  options.no_cache = context.no_cache;
  options.fresh_cache = context.fresh_cache;
  SetBucketLookup(context, &options);
  return options;
}

Result<SecretString> ReadPassword(const Context& context, bool confirm) {
  if (!context.password_file.empty()) return FirstLineOf(context.password_file);
  if (const char* password = std::getenv("STORMPROOF_PASSWORD"); password && *password) {
    return SecretString(std::string(password));
  }
  if (!::isatty(STDIN_FILENO)) {
    return Error::InvalidArgument(
        "no password: use --password-file, STORMPROOF_PASSWORD_FILE or STORMPROOF_PASSWORD");
  }
  return PromptPassword("enter password for repository: ",
                        confirm ? "enter the password again: " : nullptr);
}

Result<SecretString> ReadNewPassword(const std::string& file) {
  if (!file.empty()) return FirstLineOf(file, "--new-password-file");
  if (!::isatty(STDIN_FILENO)) {
    return Error::InvalidArgument("no new password: use --new-password-file FILE");
  }
  return PromptPassword("enter the new password: ", "enter the new password again: ");
}

Result<std::chrono::milliseconds> LockWait(const Context& context) {
  if (context.retry_lock.empty()) return std::chrono::milliseconds(0);
  auto wait = Duration::Parse(context.retry_lock);
  if (!wait) return wait.error().WithContext("--retry-lock");
  return std::chrono::milliseconds(wait->seconds() * 1000);
}

repository::Repository::LockWaitFn LockWaitNotice(const Context& context) {
  return [retry = context.retry_lock](const Error& conflict) {
    PrintError(conflict.message() + "; waiting up to " + retry);
  };
}

Result<std::unique_ptr<repository::Lock>> LockRepository(const Context& context,
                                                         repository::Repository& repo,
                                                         repository::Repository::LockKind kind) {
  STORMPROOF_ASSIGN_OR_RETURN(std::chrono::milliseconds wait, LockWait(context));
  return repo.AcquireLock(kind, wait, LockWaitNotice(context));
}

Result<std::unique_ptr<repository::Maintenance>> BeginMaintenance(const Context& context,
                                                                  repository::Repository& repo) {
  STORMPROOF_ASSIGN_OR_RETURN(std::chrono::milliseconds wait, LockWait(context));
  return repository::Maintenance::Begin(repo, wait, LockWaitNotice(context));
}

Outcome ReportEngineError(const Error& error, ErrorSubject subject) {
  PrintError(EscapeControls(error.message()));  // may name files and paths from the repository
  return Outcome::Failed(error, subject);
}

Outcome ReportInterruption(const std::string& left) {
  PrintError(EscapeControls(InterruptionMessage() + "; " + left));
  return Outcome::Interrupted();
}

std::unique_ptr<repository::Repository> OpenRepositoryOrReport(
    const Context& context, Outcome* failure, repository::Repository::IndexLoad index) {
  return OpenRepositoryOrReport(
      context, failure, index, [&context] { return ReadPassword(context, /*confirm=*/false); },
      "");
}

std::unique_ptr<repository::Repository> OpenRepositoryOrReport(
    const Context& context, Outcome* failure, repository::Repository::IndexLoad index,
    const PasswordReader& read_password, const std::string& what,
    const s3::CredentialSources& credentials) {
  if (context.repo.empty()) {
    PrintError("no repository: use --repo or STORMPROOF_REPOSITORY");
    *failure = Outcome::Usage();
    return nullptr;
  }
  storage::StorageOptions options = StorageOptionsOf(context);
  options.credentials = credentials;
  auto backend = storage::OpenBackendAt(context.repo, options);
  if (!backend) {
    *failure = ReportEngineError(backend.error(), OpenFailureSubject(context.repo));
    return nullptr;
  }
  auto probed = repository::Repository::ProbeConfig(**backend);
  if (!probed) {
    *failure = ReportNoRepository(context.repo, **backend, probed.error());
    return nullptr;
  }
  auto password = read_password();
  if (!password) {
    *failure = ReportEngineError(password.error());
    return nullptr;
  }
  auto repo = repository::Repository::Open(std::move(backend).value(), *password,
                                           {.probed = *probed, .index = index});
  if (!repo) {
    // 12 wrong password, 13 damaged config
    *failure = ReportEngineError(what.empty() ? repo.error() : repo.error().WithContext(what));
    return nullptr;
  }
  WarnDamagedIndexFiles(**repo);  // none yet when the index waits for the first lock
  return std::move(repo).value();
}

void WarnDamagedIndexFiles(const repository::Repository& repo) {
  for (const repository::DamagedFile& f : repo.DamagedIndexFiles()) {
    fmt::print(stderr, "warning: index file {} is damaged: {}; run 'stormproof check'\n",
               EscapeName(f.name), EscapeControls(f.reason));
  }
}

std::map<std::string, std::string> ParseTags(const std::vector<std::string>& tags) {
  std::map<std::string, std::string> out;
  for (const std::string& tag : tags) {
    size_t eq = tag.find('=');
    if (eq == std::string::npos) {
      out[tag] = "";
    } else {
      out[tag.substr(0, eq)] = tag.substr(eq + 1);
    }
  }
  return out;
}

bool SnapshotMatches(const repository::Snapshot& snapshot, const std::vector<std::string>& tags,
                     const std::vector<std::string>& paths) {
  for (const auto& [key, value] : ParseTags(tags)) {
    auto it = snapshot.tags.find(key);
    if (it == snapshot.tags.end() || (!value.empty() && it->second != value)) return false;
  }
  for (const std::string& path : paths) {
    if (std::find(snapshot.paths.begin(), snapshot.paths.end(), path) == snapshot.paths.end()) {
      return false;
    }
  }
  return true;
}

Result<std::vector<repository::Snapshot>> LoadSnapshotsOrWarn(const repository::Repository& repo) {
  std::vector<repository::DamagedFile> damaged;
  auto all = repo.LoadSnapshots(&damaged);
  for (const repository::DamagedFile& f : damaged) {
    fmt::print(stderr, "warning: snapshot file {} is damaged: {}; run 'stormproof check'\n",
               EscapeName(f.name), EscapeControls(f.reason));
  }
  return all;
}

std::vector<std::string> AbsolutePaths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    out.push_back(std::filesystem::absolute(p).lexically_normal().string());
    if (out.back().size() > 1 && out.back().back() == '/') out.back().pop_back();
  }
  return out;
}

Result<repository::MarkSet> LoadMarksOrWarn(const repository::Repository& repo) {
  std::vector<repository::DamagedFile> damaged;
  auto marks = repo.LoadMarks(&damaged);
  for (const repository::DamagedFile& f : damaged) {
    fmt::print(stderr, "warning: mark {} is damaged: {}; run 'stormproof check'\n",
               EscapeName(f.name), EscapeControls(f.reason));
  }
  return marks;
}

Result<repository::Snapshot> FindSnapshot(const repository::Repository& repo,
                                          const std::string& spec,
                                          const std::vector<std::string>& tags,
                                          const std::vector<std::string>& paths,
                                          const std::string& host) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<repository::Snapshot> all, LoadSnapshotsOrWarn(repo));
  std::vector<const repository::Snapshot*> matching;
  std::vector<std::string> ids;
  for (const repository::Snapshot& s : all) {
    if (!SnapshotMatches(s, tags, paths) || (!host.empty() && s.hostname != host)) continue;
    matching.push_back(&s);
    ids.push_back(s.id.Hex());
  }
  if (spec == "latest") {
    if (matching.empty()) return Error::NotFound("no snapshot matches");
    return *matching.back();  // LoadSnapshots is oldest first
  }
  if (spec == "latest-clean") {
    STORMPROOF_ASSIGN_OR_RETURN(CleanPointChoice point,
                                FindCleanPoint(repo, tags, paths, host, SystemNowNs()));
    return std::move(point.snapshot);
  }
  STORMPROOF_ASSIGN_OR_RETURN(size_t found, FindByIdPrefix(ids, spec, "snapshot"));
  return *matching[found];
}

namespace {

// "; the flag of infected snapshot 9a8b7c6d (…) was accepted as a false alarm by ops@central
// on 2026-12-05 10:00:00 UTC" for each accepted flag among `judged` (`group`'s, same order):
// a false alarm moves the clean point, so whoever restores is told who said so.
std::string AcceptedFlagsText(const std::vector<repository::Snapshot>& group,
                              const std::vector<detect::JudgedSnapshot>& judged,
                              const repository::MarkSet& marks) {
  std::string text;
  for (size_t i = 0; i < judged.size(); ++i) {
    if (!judged[i].accepted) continue;
    text += "; the flag of " + detect::DescribeJudged(judged[i]) + " was accepted as a false alarm";
    // Every false alarm on it, as its mark says (unauthenticated: anyone holding the key writes
    // marks), so a forged one beside a person's is named too.
    std::vector<std::string> by;
    for (const repository::NamedMark* m : marks.Of(group[i].id)) {
      if (m->mark.kind == repository::Mark::Kind::kVerdict && m->mark.false_alarm) {
        by.push_back(EscapeName(m->mark.username) + "@" + EscapeName(m->mark.hostname) + " on " +
                     FormatUtc(m->mark.time_ns));
      }
    }
    if (!by.empty()) text += " by " + Join(by, ", ");
  }
  return text;
}

}  // namespace

Result<CleanPointChoice> FindCleanPoint(const repository::Repository& repo,
                                        const std::vector<std::string>& tags,
                                        const std::vector<std::string>& paths,
                                        const std::string& host, int64_t now_ns) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<repository::Snapshot> all, LoadSnapshotsOrWarn(repo));
  std::erase_if(all, [&](const repository::Snapshot& s) {
    return !SnapshotMatches(s, tags, paths) || (!host.empty() && s.hostname != host);
  });
  if (all.empty()) return Error::NotFound("latest-clean: no snapshot matches");
  // Dated in the future: no restore point (a host's clock far ahead, or a planted snapshot), as
  // forget and backup treat them (retention::kFutureTolerance).
  const size_t future = std::erase_if(all, [&](const repository::Snapshot& s) {
    return retention::IsFutureDated(s.time_ns, now_ns);
  });
  if (all.empty()) {
    return Error::NotFound("latest-clean: every matching snapshot is dated in the future (more "
                           "than " + retention::kFutureTolerance.ToString() + " after " +
                           FormatUtc(now_ns) + "): restore one by its id");
  }
  std::set<std::string> groups;
  for (const repository::Snapshot& s : all) {
    std::string group = EscapeName(s.hostname);
    for (const std::string& path : s.paths) group += " " + EscapeName(path);
    groups.insert(std::move(group));
  }
  if (groups.size() > 1) {
    return Error::InvalidArgument(
        "latest-clean: the matching snapshots are of " + std::to_string(groups.size()) +
        " hosts or sets of paths (" + Join({groups.begin(), groups.end()}, "; ") +
        "): choose one with --host, --path or --tag");
  }
  STORMPROOF_ASSIGN_OR_RETURN(repository::MarkSet marks, LoadMarksOrWarn(repo));
  const std::vector<detect::JudgedSnapshot> judged = detect::JudgedSnapshotsOf(all, marks);
  STORMPROOF_ASSIGN_OR_RETURN(
      detect::LatestClean point,
      detect::ChooseLatestClean(
          judged,
          "latest-clean: no matching snapshot was judged for ransomware (all were taken without "
          "detection, or before it existed): restore one by its id"));
  std::string reason = std::move(point.reason) + AcceptedFlagsText(all, judged, marks);
  if (future > 0) {
    reason += "; " + std::to_string(future) + " snapshot(s) dated in the future left out";
  }
  return CleanPointChoice{std::move(all[point.index]), std::move(reason)};
}

access::AccessOptions PlanAccess(const Context& context, const std::string& root) {
  access::AccessOptions access;
  access.password_file = context.password_file;
  if (const char* password = std::getenv("STORMPROOF_PASSWORD")) access.password = password;
  if (!root.empty()) access.root = std::filesystem::absolute(root).lexically_normal().string();
  access.storage = StorageOptionsOf(context);
  return access;
}

}  // namespace stormproof::cli
