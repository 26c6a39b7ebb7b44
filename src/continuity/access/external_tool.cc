#include "continuity/access/external_tool.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "core/date.h"
#include "core/secret.h"
#include "core/text.h"
#include "core/time.h"

namespace stormproof::access {
namespace {

// Reads `count` digits at `pos` into `value`; advances `pos`.
bool ReadNumber(std::string_view text, size_t& pos, size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return true;
}

bool Expect(std::string_view text, size_t& pos, std::string_view choices) {
  if (pos >= text.size() || choices.find(text[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

// Fractional seconds ".123456789" (more digits are ignored) into ns.
int64_t ReadFraction(std::string_view text, size_t& pos) {
  int64_t ns = 0;
  int digits = 0;
  if (pos >= text.size() || text[pos] != '.') return 0;
  for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
    if (digits++ < 9) ns = ns * 10 + (text[pos] - '0');
  }
  for (; digits < 9; ++digits) ns *= 10;
  return ns;
}

// "Z", "+01:00", "-0530" at `pos` into seconds east of UTC; false when malformed.
bool ReadOffset(std::string_view text, size_t& pos, int64_t& offset) {
  if (Expect(text, pos, "Zz")) return (offset = 0, true);
  if (pos >= text.size()) return false;
  int sign = text[pos++] == '-' ? -1 : 1;
  if (sign == 1 && text[pos - 1] != '+') return false;
  int hours = 0, minutes = 0;
  if (!ReadNumber(text, pos, 2, hours)) return false;
  if (pos < text.size() && text[pos] == ':') ++pos;
  if (!ReadNumber(text, pos, 2, minutes)) return false;
  offset = sign * (hours * kSecondsPerHour + minutes * kSecondsPerMinute);
  return true;
}

// `line` for display: tabs as four spaces, then control bytes escaped.
std::string DisplayLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string expanded;
  for (char c : line) expanded += c == '\t' ? std::string(4, ' ') : std::string(1, c);
  return EscapeControls(expanded);
}

// "…" and the end of `line`, `max_bytes` bytes in all (a UTF-8 sequence is never split).
std::string LastBytes(const std::string& line, size_t max_bytes) {
  constexpr std::string_view kCut = "…";
  size_t start = line.size() - (max_bytes - kCut.size());
  while (start < line.size() && (static_cast<unsigned char>(line[start]) & 0xC0) == 0x80) ++start;
  return std::string(kCut) + line.substr(start);
}

}  // namespace

std::vector<std::string> StderrTail(std::string_view err) {
  std::vector<std::string> lines;  // newest first while collecting
  size_t bytes = 0;
  size_t end = err.find_last_not_of(" \t\r\n");
  err = end == std::string_view::npos ? std::string_view() : err.substr(0, end + 1);
  while (!err.empty() && lines.size() < kStderrTailLines) {
    size_t newline = err.rfind('\n');
    std::string_view raw = newline == std::string_view::npos ? err : err.substr(newline + 1);
    err = newline == std::string_view::npos ? std::string_view() : err.substr(0, newline);
    std::string line = DisplayLine(raw);
    if (lines.empty() && line.size() > kStderrTailBytes) line = LastBytes(line, kStderrTailBytes);
    if (bytes + line.size() > kStderrTailBytes) break;
    bytes += line.size();
    lines.push_back(std::move(line));
  }
  return {lines.rbegin(), lines.rend()};
}

Result<int64_t> ParseTimestampNs(std::string_view text, MissingZone missing_zone) {
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  bool ok = ReadNumber(text, pos, 4, year) && Expect(text, pos, "-") &&
            ReadNumber(text, pos, 2, month) && Expect(text, pos, "-") &&
            ReadNumber(text, pos, 2, day) && Expect(text, pos, "Tt ") &&
            ReadNumber(text, pos, 2, hour) && Expect(text, pos, ":") &&
            ReadNumber(text, pos, 2, minute) && Expect(text, pos, ":") &&
            ReadNumber(text, pos, 2, second) && month >= 1 && month <= 12 && day >= 1 &&
            day <= 31 && hour < 24 && minute < 60 && second <= 60;
  if (!ok) return Error::Parse("not a timestamp: '" + std::string(text) + "'");
  int64_t ns = ReadFraction(text, pos);
  int64_t seconds;
  if (pos == text.size() && missing_zone == MissingZone::kLocal) {
    std::tm tm{};
    tm.tm_year = year - 1900, tm.tm_mon = month - 1, tm.tm_mday = day;
    tm.tm_hour = hour, tm.tm_min = minute, tm.tm_sec = second, tm.tm_isdst = -1;
    seconds = static_cast<int64_t>(std::mktime(&tm));
  } else {
    int64_t offset = 0;
    if (pos < text.size() && (!ReadOffset(text, pos, offset) || pos != text.size())) {
      return Error::Parse("not a timestamp: '" + std::string(text) + "'");
    }
    seconds = Date::FromCivil(year, month, day).days_since_epoch() * kSecondsPerDay +
              hour * kSecondsPerHour + minute * kSecondsPerMinute + second - offset;
  }
  return seconds * kNsPerSecond + ns;
}

Result<std::unique_ptr<ScratchDir>> ScratchDir::Create(const std::string& prefix) {
  const char* tmp = getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return Error::Io("cannot create a scratch directory " + pattern + ": " + strerror(errno));
  }
  return std::unique_ptr<ScratchDir>(new ScratchDir(pattern));
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

Result<std::string> ReadPasswordFile(const std::string& path) {
  Result<SecretString> line = stormproof::ReadPasswordFile(path);
  if (!line) return Error(line.error().code(), "password file " + line.error().message());
  return std::string(line->view());
}

Error ToolError(const std::string& what, const ProcessResult& result,
                const std::vector<ToolErrorPattern>& patterns) {
  std::string last = LastLine(result.err);
  for (const ToolErrorPattern& pattern : patterns) {
    if (result.err.find(pattern.text) == std::string::npos) continue;
    std::string line = pattern.message.empty() ? last : std::string(pattern.message);
    return Error(pattern.code, what + ": " + line);
  }
  if (result.timed_out) return Error::Io(what + ": timed out");
  if (last.empty()) {
    last = result.signal != 0 ? "killed by signal " + std::to_string(result.signal)
                              : "exited with status " + std::to_string(result.exit_code);
  }
  return Error::Io(what + ": " + last);
}

Result<ProcessResult> RunTool(const std::string& what, ProcessOptions options,
                              std::function<void(std::string_view)> on_line,
                              const std::vector<ToolErrorPattern>& patterns, int max_ok_exit) {
  options.max_output = on_line ? kLineOutput : kJsonOutput;
  options.on_stdout_line = std::move(on_line);
  Result<ProcessResult> run = RunProcess(options);
  if (!run.has_value()) return run.error().WithContext(what);
  if (run->timed_out) return Error::Io(what + ": timed out after " + TimeoutText(options.timeout));
  if (run->out_truncated && !options.on_stdout_line) return Error::Io(what + ": output too large");
  if (run->exit_code < 0 || run->exit_code > max_ok_exit) {
    return ToolError(what, *run, patterns);
  }
  return run;
}

std::string TimeoutText(std::chrono::milliseconds timeout) {
  if (timeout.count() % 1000 != 0) return std::to_string(timeout.count()) + "ms";
  return Duration::Seconds(timeout.count() / 1000).ToString();
}

std::string CommandFailure(std::string_view noun, const ProcessResult& result, Duration timeout) {
  const std::string command = std::string(noun) + " command ";
  if (result.timed_out) return command + "timed out after " + timeout.ToString();
  std::string how = result.signal != 0 ? "was killed by signal " + std::to_string(result.signal)
                                       : "exited with status " + std::to_string(result.exit_code);
  std::string last = LastLine(result.err);
  return command + how + (last.empty() ? "" : ": " + last);
}

std::string RelativeBackupPath(const std::string& path) {
  std::string relative = std::filesystem::path(path).lexically_normal().generic_string();
  relative.erase(0, relative.find_first_not_of('/'));
  while (!relative.empty() && relative.back() == '/') relative.pop_back();
  return relative;
}

bool IsUnderBackupPath(std::string_view listed, std::string_view prefix) {
  if (prefix.empty()) return true;
  return listed.starts_with(prefix) &&
         (listed.size() == prefix.size() || listed[prefix.size()] == '/');
}

}  // namespace stormproof::access
