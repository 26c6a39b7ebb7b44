// The borg adapter: drills a borg repository with the real borg program (1.2).
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

#include "continuity/access/internal/adapters.h"
#include "continuity/access/external_tool.h"
#include "continuity/access/internal/tree_compare.h"

namespace stormproof::access {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<ToolErrorPattern>& BorgErrors() {
  static const std::vector<ToolErrorPattern> kPatterns = {
      {"passphrase supplied in", ErrorCode::kInvalidArgument, "wrong passphrase"},
      {"can not acquire a passphrase", ErrorCode::kInvalidArgument,
       "no passphrase (give the repository a password_file, or set STORMPROOF_PASSWORD)"},
      {"previously unknown unencrypted repository", ErrorCode::kInvalidArgument,
       "the repository is not encrypted; drills refuse unencrypted borg repositories"},
      {"No key file for repository", ErrorCode::kInvalidArgument, ""},
      {"does not exist", ErrorCode::kNotFound, ""},
      {"is not a valid repository", ErrorCode::kNotFound, ""},
      {"Failed to create/acquire the lock", ErrorCode::kLocked, ""},
  };
  return kPatterns;
}

std::string Getenv(const char* name) {
  const char* value = getenv(name);
  return value == nullptr ? "" : value;
}

// Where borg keeps keyfile keys for this user (read only; may not exist).
std::string UserKeysDir() {
  if (std::string keys = Getenv("BORG_KEYS_DIR"); !keys.empty()) return keys;
  if (std::string config = Getenv("BORG_CONFIG_DIR"); !config.empty()) return config + "/keys";
  if (std::string xdg = Getenv("XDG_CONFIG_HOME"); !xdg.empty()) return xdg + "/borg/keys";
  return Getenv("HOME") + "/.config/borg/keys";
}

Result<RestorePoint> ParseArchive(const json& item) {
  RestorePoint point;
  point.id = item.value("name", "");
  std::string time = item.value("start", item.value("time", ""));
  STORMPROOF_ASSIGN_OR_RETURN(point.time_ns, ParseTimestampNs(time, MissingZone::kLocal));
  if (point.id.empty()) return Error::Parse("an archive without a name");
  return point;
}

Result<std::vector<RestorePoint>> ParseArchives(const std::string& text) {
  std::vector<RestorePoint> points;
  try {
    json list = json::parse(text).at("archives");
    for (const json& item : list) {
      STORMPROOF_ASSIGN_OR_RETURN(RestorePoint point, ParseArchive(item));
      points.push_back(std::move(point));
    }
  } catch (const json::exception& e) {
    return Error::Parse(std::string("unreadable archive list: ") + e.what());
  }
  return points;
}

// The system's archives: those named "<system id>..." when there are any, else all; oldest first.
std::vector<RestorePoint> SystemArchives(std::vector<RestorePoint> archives,
                                         const std::string& system_id) {
  auto is_system = [&](const RestorePoint& p) {
    return !system_id.empty() && p.id.rfind(system_id, 0) == 0;
  };
  if (std::any_of(archives.begin(), archives.end(), is_system)) {
    std::erase_if(archives, [&](const RestorePoint& p) { return !is_system(p); });
  }
  std::stable_sort(archives.begin(), archives.end(),
                   [](const auto& a, const auto& b) { return a.time_ns < b.time_ns; });
  return archives;
}

// One line of `borg list --json-lines` as an expected entry; false when unreadable.
bool ParseItem(std::string_view line, ExpectedEntry* entry) {
  json item = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!item.is_object()) return false;
  try {
    std::string type = item.value("type", "");
    entry->path = item.value("path", "");
    entry->type = type == "-" || type == "h" ? EntryType::kFile
                  : type == "d"              ? EntryType::kDirectory
                  : type == "l"              ? EntryType::kSymlink
                                             : EntryType::kOther;
    // A hard link's size is not always listed with it: only its presence is checked.
    if (type == "-") entry->size = item.value("size", uint64_t{0});
    if (!item.value("healthy", true)) {
      entry->damage = "damaged in the archive (borg check --repair replaced lost data with zeros)";
    }
  } catch (const json::exception&) {
    return false;
  }
  return !entry->path.empty();
}


class BorgAdapter : public Adapter {
 public:
  explicit BorgAdapter(ExternalRepository repository) : repository_(std::move(repository)) {
    if (repository_.program.empty()) repository_.program = "borg";
    // extract runs in the restore directory: a relative local path must not change meaning.
    const std::string& location = repository_.location;
    if (!location.empty() && location[0] != '/' && location.find(':') == std::string::npos) {
      repository_.location = fs::absolute(location).lexically_normal().string();
    }
  }

  std::string Name() const override { return "borg"; }

  Result<std::vector<RestorePoint>> List() override {
    STORMPROOF_ASSIGN_OR_RETURN(
        ProcessResult run,
        Run("list", {"list", "--json", repository_.location}, repository_.list_timeout));
    STORMPROOF_ASSIGN_OR_RETURN(std::vector<RestorePoint> archives, ParseArchives(run.out));
    return SystemArchives(std::move(archives), repository_.system_id);
  }

  Result<RestoreStats> Restore(const RestorePoint& point, const std::string& target,
                               const ProgressFn& progress) override {
    STORMPROOF_TRY(MakeRestoreDirectory(target));
    STORMPROOF_TRY(Run("extract", WithSystemPaths({"extract", Archive(point)}),
                       repository_.restore_timeout, nullptr, target));
    return CountRestored(target, progress);
  }

  // Compares the system's part of the archive with what was restored; a backup path the
  // archive holds nothing of is a problem ("/srv/x: not in the archive").
  Result<DataCheck> CheckData(const RestorePoint& point, const std::string& target) override {
    TreeComparison comparison(target, "archive");
    std::vector<std::string> prefixes;
    for (const std::string& path : repository_.paths) prefixes.push_back(RelativeBackupPath(path));
    std::vector<bool> found(prefixes.size(), false);
    auto on_line = [&](std::string_view line) {
      ExpectedEntry entry;
      if (!ParseItem(line, &entry)) return;
      comparison.Check(entry);
      for (size_t i = 0; i < prefixes.size(); ++i) {
        if (IsUnderBackupPath(entry.path, prefixes[i])) found[i] = true;
      }
    };
    STORMPROOF_TRY(Run("list", WithSystemPaths({"list", "--json-lines", Archive(point)}),
                       repository_.restore_timeout, on_line));
    DataCheck check = comparison.Finish();
    for (size_t i = 0; i < prefixes.size(); ++i) {
      if (!found[i]) check.problems.push_back(repository_.paths[i] + ": not in the archive");
    }
    return check;
  }

 private:
  std::string Archive(const RestorePoint& point) const {
    return repository_.location + "::" + point.id;
  }

  // `args` followed by the system's backup paths as borg path-prefix patterns ("pp:srv/x", so
  // that a path is never read as a pattern of another style), limiting extract and list to the
  // system's own part of an archive that may hold other systems' too. None: the whole archive.
  std::vector<std::string> WithSystemPaths(std::vector<std::string> args) const {
    for (const std::string& path : repository_.paths) {
      if (RelativeBackupPath(path).empty()) return args;  // "/": the whole archive is the system's
    }
    for (const std::string& path : repository_.paths) args.push_back("pp:" + RelativeBackupPath(path));
    return args;
  }

  // Runs `borg args...` for at most `timeout`; exit status 1 (a warning) counts as success, like
  // borg's own scripts.
  Result<ProcessResult> Run(const std::string& command, std::vector<std::string> args,
                            std::chrono::milliseconds timeout,
                            std::function<void(std::string_view)> on_line = nullptr,
                            const std::string& cwd = "") {
    const std::string what = "borg " + command + " " + repository_.location;
    STORMPROOF_ASSIGN_OR_RETURN(ProcessOptions options, Options(what));
    options.timeout = timeout;
    options.argv = {repository_.program};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.cwd = cwd;
    return RunTool(what, std::move(options), std::move(on_line), BorgErrors(), /*max_ok_exit=*/1);
  }

  // The environment besides the subprocess allow-list: the passphrase, private
  // cache/config/security directories, no prompts. Nothing else of this process's environment
  // reaches borg: not STORMPROOF_PASSWORD, and no BORG_* setting of the user's (a pass command,
  // a passphrase file descriptor).
  Result<ProcessOptions> Options(const std::string& what) {
    if (home_ == nullptr) {
      STORMPROOF_ASSIGN_OR_RETURN(home_, ScratchDir::Create("stormproof-borg"));
    }
    const std::string& home = home_->path();
    std::error_code ignored;
    ProcessOptions options;
    options.env = {{"BORG_BASE_DIR", home},
                   {"BORG_CONFIG_DIR", home + "/config"},
                   {"BORG_CACHE_DIR", home + "/cache"},
                   {"BORG_SECURITY_DIR", home + "/security"},
                   {"BORG_RELOCATED_REPO_ACCESS_IS_OK", "yes"},
                   {"BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK", "no"},
                   {"BORG_DISPLAY_PASSPHRASE", "no"},
                   {"BORG_CHECK_I_KNOW_WHAT_I_AM_DOING", "NO"},
                   {"BORG_DELETE_I_KNOW_WHAT_I_AM_DOING", "NO"}};
    if (std::string keys = UserKeysDir(); fs::is_directory(keys, ignored)) {
      options.env.push_back({"BORG_KEYS_DIR", keys});
    }
    if (!repository_.password_file.empty()) {
      Result<std::string> password = ReadPasswordFile(repository_.password_file);
      if (!password.has_value()) return password.error().WithContext(what);
      options.env.push_back({"BORG_PASSPHRASE", *password});
    } else if (!repository_.password.empty()) {
      options.env.push_back({"BORG_PASSPHRASE", repository_.password});
    }
    return options;
  }

  ExternalRepository repository_;
  std::unique_ptr<ScratchDir> home_;
};

}  // namespace

std::unique_ptr<Adapter> NewBorgAdapter(const ExternalRepository& repository) {
  return std::make_unique<BorgAdapter>(repository);
}

}  // namespace stormproof::access
