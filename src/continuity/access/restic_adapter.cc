// The restic adapter: drills a restic repository with the real restic program (0.14+).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "continuity/access/internal/adapters.h"
#include "continuity/access/external_tool.h"
#include "continuity/access/internal/tree_compare.h"

namespace stormproof::access {
namespace {

using nlohmann::json;

const std::vector<ToolErrorPattern>& ResticErrors() {
  static const std::vector<ToolErrorPattern> kPatterns = {
      {"wrong password or no key found", ErrorCode::kInvalidArgument,
       "wrong password (no key in the repository matches it)"},
      {"empty password is not a password", ErrorCode::kInvalidArgument,
       "no password (give the repository a password_file, or set STORMPROOF_PASSWORD)"},
      {"unable to open config file", ErrorCode::kNotFound, "no restic repository there"},
      {"Is there a repository at the following location?", ErrorCode::kNotFound,
       "no restic repository there"},
      {"repository is already locked", ErrorCode::kLocked, ""},
      {"unable to create lock", ErrorCode::kLocked, ""},
  };
  return kPatterns;
}

std::string WithoutTrailingSlash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

bool IsWithin(const std::string& path, const std::string& dir) {
  return dir == "/" || path.rfind(dir + "/", 0) == 0;
}

// True when a snapshot path and a system path overlap (equal, or one contains the other).
bool Overlaps(const std::vector<std::string>& snapshot_paths,
              const std::vector<std::string>& system_paths) {
  for (const std::string& raw_a : snapshot_paths) {
    std::string a = WithoutTrailingSlash(raw_a);
    for (const std::string& raw_b : system_paths) {
      std::string b = WithoutTrailingSlash(raw_b);
      if (a == b || IsWithin(a, b) || IsWithin(b, a)) return true;
    }
  }
  return false;
}

struct Snapshot {
  RestorePoint point;
  std::vector<std::string> tags;
};

Result<Snapshot> ParseSnapshot(const json& item) {
  Snapshot snapshot;
  snapshot.point.id = item.value("id", "");
  snapshot.point.hostname = item.value("hostname", "");
  snapshot.point.paths = item.value("paths", std::vector<std::string>{});
  snapshot.tags = item.value("tags", std::vector<std::string>{});
  STORMPROOF_ASSIGN_OR_RETURN(snapshot.point.time_ns,
                              ParseTimestampNs(item.value("time", ""), MissingZone::kUtc));
  if (snapshot.point.id.empty()) return Error::Parse("a snapshot without an id");
  return snapshot;
}

Result<std::vector<Snapshot>> ParseSnapshots(const std::string& text) {
  std::vector<Snapshot> snapshots;
  try {
    json list = json::parse(text);
    if (!list.is_array()) return Error::Parse("expected a JSON list of snapshots");
    for (const json& item : list) {
      STORMPROOF_ASSIGN_OR_RETURN(Snapshot snapshot, ParseSnapshot(item));
      snapshots.push_back(std::move(snapshot));
    }
  } catch (const json::exception& e) {
    return Error::Parse(std::string("unreadable snapshot list: ") + e.what());
  }
  return snapshots;
}

// The system's snapshots: those tagged with its id when there are any, else those holding its
// paths (all when it names none); oldest first.
std::vector<RestorePoint> SystemSnapshots(std::vector<Snapshot> snapshots,
                                          const ExternalRepository& repository) {
  bool any_tagged = std::any_of(snapshots.begin(), snapshots.end(), [&](const Snapshot& s) {
    return !repository.system_id.empty() &&
           std::count(s.tags.begin(), s.tags.end(), repository.system_id) > 0;
  });
  std::vector<RestorePoint> points;
  for (Snapshot& s : snapshots) {
    bool keep = any_tagged ? std::count(s.tags.begin(), s.tags.end(), repository.system_id) > 0
                           : repository.paths.empty() || Overlaps(s.point.paths, repository.paths);
    if (keep) points.push_back(std::move(s.point));
  }
  std::stable_sort(points.begin(), points.end(),
                   [](const auto& a, const auto& b) { return a.time_ns < b.time_ns; });
  return points;
}

// One node line of `restic ls --json` as an expected entry; false for other lines.
bool ParseNode(std::string_view line, ExpectedEntry* entry) {
  json node = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!node.is_object() || node.value("struct_type", "") != "node") return false;
  try {
    std::string type = node.value("type", "");
    entry->path = node.value("path", "");
    entry->type = type == "file"      ? EntryType::kFile
                  : type == "dir"     ? EntryType::kDirectory
                  : type == "symlink" ? EntryType::kSymlink
                                      : EntryType::kOther;
    entry->size = node.value("size", uint64_t{0});
  } catch (const json::exception&) {
    return false;
  }
  return !entry->path.empty();
}

class ResticAdapter : public Adapter {
 public:
  explicit ResticAdapter(ExternalRepository repository) : repository_(std::move(repository)) {
    if (repository_.program.empty()) repository_.program = "restic";
  }

  std::string Name() const override { return "restic"; }

  Result<std::vector<RestorePoint>> List() override {
    STORMPROOF_ASSIGN_OR_RETURN(
        ProcessResult run, Run("snapshots", {"snapshots", "--json"}, repository_.list_timeout));
    STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots, ParseSnapshots(run.out));
    return SystemSnapshots(std::move(snapshots), repository_);
  }

  // Restores the system's paths of the snapshot (`--include` each; a snapshot may hold other
  // systems' data too), or all of it when the system names none or the root.
  Result<RestoreStats> Restore(const RestorePoint& point, const std::string& target,
                               const ProgressFn& progress) override {
    STORMPROOF_TRY(MakeRestoreDirectory(target));
    std::vector<std::string> args = {"restore", point.id, "--target", target};
    for (const std::string& prefix : SystemPrefixes()) {
      args.insert(args.end(), {"--include", "/" + prefix});
    }
    STORMPROOF_TRY(Run("restore", std::move(args), repository_.restore_timeout));
    return CountRestored(target, progress);
  }

  // Compares the system's part of the snapshot with what was restored; a backup path the
  // snapshot holds nothing of is a problem ("/srv/x: not in the snapshot").
  Result<DataCheck> CheckData(const RestorePoint& point, const std::string& target) override {
    TreeComparison comparison(target, "snapshot");
    std::vector<std::string> prefixes = SystemPrefixes();
    std::vector<bool> found(prefixes.size(), false);
    auto on_line = [&](std::string_view line) {
      ExpectedEntry entry;
      if (!ParseNode(line, &entry)) return;
      std::string relative = RelativeBackupPath(entry.path);
      bool mine = prefixes.empty();
      for (size_t i = 0; i < prefixes.size(); ++i) {
        if (IsUnderBackupPath(relative, prefixes[i])) found[i] = mine = true;
      }
      if (mine) comparison.Check(entry);
    };
    STORMPROOF_TRY(Run("ls", {"ls", "--json", point.id}, repository_.restore_timeout, on_line));
    DataCheck check = comparison.Finish();
    for (size_t i = 0; i < prefixes.size(); ++i) {
      if (!found[i]) check.problems.push_back("/" + prefixes[i] + ": not in the snapshot");
    }
    return check;
  }

 private:
  // The system's backup paths, relative and normalised; none when it names none or the root
  // (then the whole snapshot is the system's).
  std::vector<std::string> SystemPrefixes() const {
    std::vector<std::string> prefixes;
    for (const std::string& path : repository_.paths) {
      prefixes.push_back(RelativeBackupPath(path));
      if (prefixes.back().empty()) return {};
    }
    return prefixes;
  }

  // Runs `restic -r LOCATION args...` for at most `timeout`; a failed run becomes one coded error
  // line.
  Result<ProcessResult> Run(const std::string& command, std::vector<std::string> args,
                            std::chrono::milliseconds timeout,
                            std::function<void(std::string_view)> on_line = nullptr) {
    const std::string what = "restic " + command + " " + repository_.location;
    STORMPROOF_ASSIGN_OR_RETURN(ProcessOptions options, Options(what));
    options.timeout = timeout;
    options.argv = {repository_.program, "-r", repository_.location};
    options.argv.insert(options.argv.end(), repository_.flags.begin(), repository_.flags.end());
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    return RunTool(what, std::move(options), std::move(on_line), ResticErrors());
  }

  // The environment besides the subprocess allow-list: a private cache and the password (never
  // on the command line). Nothing else of this process's environment reaches restic: not
  // STORMPROOF_PASSWORD, and no RESTIC_* setting of the user's (another repository, a password
  // command).
  Result<ProcessOptions> Options(const std::string& what) {
    if (cache_ == nullptr) {
      STORMPROOF_ASSIGN_OR_RETURN(cache_, ScratchDir::Create("stormproof-restic-cache"));
    }
    ProcessOptions options;
    options.env = {{"RESTIC_CACHE_DIR", cache_->path()}};
    options.env.insert(options.env.end(), repository_.env.begin(), repository_.env.end());
    if (!repository_.password_file.empty()) {
      Result<std::string> readable = ReadPasswordFile(repository_.password_file);
      if (!readable.has_value()) return readable.error().WithContext(what);
      options.env.push_back({"RESTIC_PASSWORD_FILE", repository_.password_file});
    } else if (!repository_.password.empty()) {
      options.env.push_back({"RESTIC_PASSWORD", repository_.password});
    }
    return options;
  }

  ExternalRepository repository_;
  std::unique_ptr<ScratchDir> cache_;
};

}  // namespace

std::unique_ptr<Adapter> NewResticAdapter(const ExternalRepository& repository) {
  return std::make_unique<ResticAdapter>(repository);
}

}  // namespace stormproof::access
