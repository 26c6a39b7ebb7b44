// The command adapter: drills a system whose plan names its own restore command.
#include <charconv>
#include <fstream>
#include <sstream>

#include "core/duration.h"
#include "core/time.h"
#include "continuity/access/internal/adapters.h"
#include "continuity/access/external_tool.h"
#include "continuity/access/internal/tree_compare.h"

namespace stormproof::access {
namespace {

constexpr size_t kKeptOutput = 64 << 10;  // the command's stdout is not needed

std::string Trimmed(std::string text) {
  const char* kSpace = " \t\r\n";
  size_t end = text.find_last_not_of(kSpace);
  if (end == std::string::npos) return "";
  return text.substr(0, end + 1).substr(text.find_first_not_of(kSpace));
}

// "1764480000", "1764480000.25" or an RFC 3339 time, into ns since the epoch.
Result<int64_t> ParsePointTime(const std::string& text) {
  const char* end = text.data() + text.size();
  int64_t seconds = 0;
  if (auto r = std::from_chars(text.data(), end, seconds); r.ec == std::errc() && r.ptr == end) {
    return seconds * kNsPerSecond;
  }
  double fractional = 0;
  if (auto r = std::from_chars(text.data(), end, fractional, std::chars_format::fixed);
      r.ec == std::errc() && r.ptr == end && fractional >= 0) {
    return static_cast<int64_t>(fractional * kNsPerSecond);
  }
  return ParseTimestampNs(text, MissingZone::kUtc);
}

// The time the command wrote to `path`, or 0 when it wrote nothing.
Result<int64_t> ReadPointTime(const std::string& path) {
  std::ifstream in(path);
  if (!in) return 0;
  std::stringstream content;
  content << in.rdbuf();
  std::string text = Trimmed(content.str());
  if (text.empty()) return 0;
  Result<int64_t> time = ParsePointTime(text);
  if (!time.has_value()) {
    return Error::Parse("the restore command wrote '" + text +
                        "' to $STORMPROOF_RESTORE_POINT_FILE: not an RFC 3339 time or Unix "
                        "seconds");
  }
  return time;
}

class CommandAdapter : public Adapter {
 public:
  explicit CommandAdapter(CommandRestore restore) : restore_(std::move(restore)) {}

  std::string Name() const override { return "command"; }

  Result<std::vector<RestorePoint>> List() override {
    RestorePoint point;
    point.id = "command";
    return std::vector<RestorePoint>{point};
  }

  Result<RestoreStats> Restore(const RestorePoint&, const std::string& target,
                               const ProgressFn& progress) override {
    STORMPROOF_TRY(MakeRestoreDirectory(target));
    STORMPROOF_ASSIGN_OR_RETURN(auto scratch, ScratchDir::Create("stormproof-restore-point"));
    const std::string point_file = scratch->path() + "/restore-point";
    ProcessOptions options = ShellCommand(restore_.restore_command);
    options.env = {{"STORMPROOF_RESTORE_PATH", target},
                   {"STORMPROOF_SYSTEM", restore_.system_id},
                   {"STORMPROOF_RESTORE_POINT_FILE", point_file}};
    options.timeout = restore_.timeout;
    options.max_output = kKeptOutput;
    STORMPROOF_ASSIGN_OR_RETURN(ProcessResult run, RunProcess(options));
    if (!run.Succeeded()) {
      return Error::Io(CommandFailure("restore", run, Duration::Seconds(restore_.timeout.count())));
    }
    STORMPROOF_ASSIGN_OR_RETURN(int64_t point_time, ReadPointTime(point_file));
    return CountRestored(target, progress, point_time);
  }

  // Nothing to compare against: proves only that files were restored.
  Result<DataCheck> CheckData(const RestorePoint&, const std::string& target) override {
    STORMPROOF_ASSIGN_OR_RETURN(FileCount count, CountRegularFiles(target));
    DataCheck check;
    check.files_checked = count.files;
    if (count.files == 0) check.problems.push_back(target + ": no files were restored");
    return check;
  }

 private:
  CommandRestore restore_;
};

}  // namespace

std::unique_ptr<Adapter> NewCommandAdapter(const CommandRestore& restore) {
  return std::make_unique<CommandAdapter>(restore);
}

}  // namespace stormproof::access
