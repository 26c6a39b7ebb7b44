// Shared plumbing of the adapters that run another program (restic, borg, a restore command):
// timestamps as those tools print them, a private scratch directory, password files, and turning
// a failed run into one clear error line. Pure helpers and value types; thread-compatible.
#ifndef STORMPROOF_CONTINUITY_ACCESS_EXTERNAL_TOOL_H_
#define STORMPROOF_CONTINUITY_ACCESS_EXTERNAL_TOOL_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.h"
#include "core/result.h"
#include "core/subprocess.h"

namespace stormproof::access {

enum class MissingZone { kUtc, kLocal };

// Parses "2026-11-30T05:25:32.019892077Z", "...+01:00", "2026-11-30 05:25:40.000000" into ns
// since the Unix epoch. A time without a zone is read as UTC or as local time (mktime, TZ).
// Errors: kParse.
Result<int64_t> ParseTimestampNs(std::string_view text, MissingZone missing_zone);

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class ScratchDir {
 public:
  static Result<std::unique_ptr<ScratchDir>> Create(const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// The first line of a password file (without its line end), read by stormproof::ReadPasswordFile
// (which warns when group or others may read the file). Errors: kNotFound, kIo.
Result<std::string> ReadPasswordFile(const std::string& path);

// Maps a tool's failure to an error code when its stderr contains `text`.
struct ToolErrorPattern {
  std::string_view text;
  ErrorCode code;
  std::string_view message;  // replaces the tool's own line; "" = keep the tool's line
};

// One line for a failed run: "<what>: <pattern message or last stderr line>", coded by the
// first pattern found in stderr (else kIo, with the exit status when stderr is empty).
Error ToolError(const std::string& what, const ProcessResult& result,
                const std::vector<ToolErrorPattern>& patterns);

// How much of a tool's stdout is kept: a whole JSON document is parsed at once; lines handed to
// an on_line callback are handled as they come.
inline constexpr size_t kJsonOutput = size_t{256} << 20;
inline constexpr size_t kLineOutput = 64 << 10;

// Runs a tool (`options` carries argv, env, cwd, timeout). With `on_line`, every stdout line
// goes to it and kLineOutput is kept; without, kJsonOutput is kept and more is an error ("<what>:
// output too large"). A run that timed out is "<what>: timed out after <TimeoutText>" (kIo); one
// that was killed or exited with a status above `max_ok_exit` becomes ToolError(what, run,
// patterns); a tool that could not start, the start error with `what` as context.
Result<ProcessResult> RunTool(const std::string& what, ProcessOptions options,
                              std::function<void(std::string_view)> on_line,
                              const std::vector<ToolErrorPattern>& patterns, int max_ok_exit = 0);

// A timeout as messages print it: "300ms", "1s", "10m", "4h".
std::string TimeoutText(std::chrono::milliseconds timeout);

// A backup path without its leading and trailing slashes, normalised ("/srv/x/" is "srv/x",
// as borg 1.x stores it); "" for the root.
std::string RelativeBackupPath(const std::string& path);
// True when `listed` (relative, as RelativeBackupPath gives it) is `prefix` or lies below it;
// every path lies below "".
bool IsUnderBackupPath(std::string_view listed, std::string_view prefix);

// How much of a failed verify command's standard error a drill keeps (with the step's note in the
// catalog, and in the drill report): its last kStderrTailLines lines, fewer when they exceed
// kStderrTailBytes together.
inline constexpr size_t kStderrTailLines = 20;
inline constexpr size_t kStderrTailBytes = 4096;

// The last lines of `err` within those bounds, oldest first: trailing blank lines dropped, tabs
// as four spaces, other control bytes and invalid UTF-8 as \xNN (EscapeControls), a line that
// alone exceeds kStderrTailBytes cut to its last bytes after "…". Empty when `err` is blank.
std::vector<std::string> StderrTail(std::string_view err);

// One line for a plan command (restore, verify) that ran and failed: "<noun> command timed out
// after <timeout>", "<noun> command exited with status N[: last stderr line]" or "<noun> command
// was killed by signal N[: ...]".
std::string CommandFailure(std::string_view noun, const ProcessResult& result, Duration timeout);

}  // namespace stormproof::access

#endif  // STORMPROOF_CONTINUITY_ACCESS_EXTERNAL_TOOL_H_
