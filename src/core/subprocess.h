// Running another program boundedly: restic, borg, a plan's restore or verify command.
//
// RunProcess starts the program in its own process group with stdin on /dev/null, reads its
// stdout and stderr concurrently (so a chatty child never blocks on a full pipe), caps what it
// keeps, and enforces a timeout on the whole group: SIGTERM first, SIGKILL after a short grace.
// The group is ended the same way once this process is interrupted (core/interrupt.h).
// When it returns, the program has been reaped and no process of its group is left running
// (background processes it started are ended too; a process that left the group with setsid()
// is beyond reach). Only the file descriptors it is given survive into the child.
//
// The child's environment is built, never inherited whole: a few harmless variables of this
// process's environment (IsInheritedVariable) and what the caller gives it. A password or key in
// stormproof's own environment (STORMPROOF_PASSWORD, AWS_SECRET_ACCESS_KEY, RESTIC_PASSWORD, ...)
// reaches a child only when the caller passes it on purpose. PATH keeps only its absolute
// directories, so a program is never found in the working directory (a drill's verify command
// runs in restored client data).
//
// Thread-safe: concurrent calls run independent children (spawning uses posix_spawn, which is
// safe in multithreaded programs).
#ifndef STORMPROOF_CORE_SUBPROCESS_H_
#define STORMPROOF_CORE_SUBPROCESS_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace stormproof {

// PATH for a child when this process has no absolute directory in its own.
inline constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// True for the variables a child inherits from this process's environment: PATH, HOME, LANG,
// LC_* (LC_ALL, LC_TIME, ...), TZ, TMPDIR, USER and LOGNAME. Nothing else is inherited.
bool IsInheritedVariable(std::string_view name);

struct ProcessOptions {
  // argv[0] is looked up in the child's PATH unless it contains a '/'. REQUIRES: not empty.
  std::vector<std::string> argv;
  // The child's environment besides the inherited variables (IsInheritedVariable; PATH without
  // its relative entries, kDefaultPath when none is left): these are added, overriding an
  // inherited one of the same name. An empty value sets the variable to "".
  std::vector<std::pair<std::string, std::string>> env;
  std::string cwd;                       // "" = this process's working directory
  std::chrono::milliseconds timeout{0};  // 0 = no limit
  size_t max_output = 16 << 20;          // stdout bytes kept in ProcessResult::out; the rest is
                                         // read and dropped (out_truncated is set)
  // Called for every line of stdout (without its '\n'), including lines beyond max_output and
  // a last line without '\n'. Runs on the calling thread.
  std::function<void(std::string_view line)> on_stdout_line;
};

struct ProcessResult {
  int exit_code = -1;      // the exit status, or -1 when a signal ended it
  int signal = 0;          // the signal that ended it, or 0
  bool timed_out = false;  // the timeout passed and the group was terminated
  bool out_truncated = false;
  std::string out;  // the first max_output bytes of stdout
  std::string err;  // the last kStderrTail bytes of stderr
  std::chrono::milliseconds elapsed{0};

  static constexpr size_t kStderrTail = 64 << 10;
  bool Succeeded() const { return exit_code == 0 && !timed_out; }
};

// How long a terminated group gets between SIGTERM and SIGKILL, and how long output is still
// read after the program exited while one of its background processes holds the pipes open.
inline constexpr std::chrono::milliseconds kTerminateGrace{2000};
inline constexpr std::chrono::milliseconds kDrainAfterExit{250};

// Runs `options.argv` to completion (or until the timeout). Errors only when the program could
// not be started: kNotFound when it does not exist (or cwd does not exist), kIo otherwise. A
// program that ran and failed is a ProcessResult with a non-zero exit_code or a signal.
Result<ProcessResult> RunProcess(const ProcessOptions& options);

// Options that run `command` with `/bin/sh -c`.
ProcessOptions ShellCommand(const std::string& command);

// The last non-empty line of `text` (trailing whitespace removed), for one-line error messages.
std::string LastLine(std::string_view text);

}  // namespace stormproof

#endif  // STORMPROOF_CORE_SUBPROCESS_H_
