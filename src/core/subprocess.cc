#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "core/interrupt.h"
#include "core/internal/process_group.h"

extern char** environ;

namespace stormproof {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kTick{20};  // how often a running child's state is polled
constexpr size_t kMaxPendingLine = 1 << 20;

std::string ErrnoText(int error) { return std::strerror(error); }

bool IsGiven(const std::vector<std::pair<std::string, std::string>>& given, std::string_view name) {
  for (const auto& [key, value] : given) {
    if (key == name) return true;
  }
  return false;
}

// This process's PATH without relative entries ("", ".", "bin"): those would find programs in
// the child's working directory. kDefaultPath when nothing is left.
std::string ChildPath() {
  const char* path = getenv("PATH");
  std::string kept;
  std::string_view rest = path == nullptr ? "" : path;
  while (true) {
    size_t colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    if (!dir.empty() && dir[0] == '/') kept += (kept.empty() ? "" : ":") + std::string(dir);
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return kept.empty() ? std::string(kDefaultPath) : kept;
}

// The child's whole environment: the inherited variables of this process's, then `given`.
std::vector<std::string> ChildEnvironment(
    const std::vector<std::pair<std::string, std::string>>& given) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    if (name == "PATH" || !IsInheritedVariable(name) || IsGiven(given, name)) continue;
    env.emplace_back(entry);
  }
  if (!IsGiven(given, "PATH")) env.push_back("PATH=" + ChildPath());
  for (const auto& [key, value] : given) env.push_back(key + "=" + value);
  return env;
}

// The value of PATH in `env`.
std::string_view PathOf(const std::vector<std::string>& env) {
  for (const std::string& entry : env) {
    if (entry.rfind("PATH=", 0) == 0) return std::string_view(entry).substr(5);
  }
  return "";
}

// `program` itself when it names a path, else the first executable regular file of that name
// in a directory of `path`; "" when there is none.
std::string FindProgram(const std::string& program, std::string_view path) {
  if (program.find('/') != std::string::npos) return program;
  while (!path.empty()) {
    size_t colon = path.find(':');
    std::string_view dir = path.substr(0, colon);
    path.remove_prefix(colon == std::string_view::npos ? path.size() : colon + 1);
    if (dir.empty() || dir[0] != '/') continue;
    std::string candidate = std::string(dir) + "/" + program;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Child {
  pid_t pid = -1;
  Fd out, err;
};

// Makes the file actions and attributes for the child: stdin /dev/null, stdout/stderr to the
// pipes, every other descriptor closed, its own process group, default signal handling.
class SpawnSetup {
 public:
  SpawnSetup(const ProcessOptions& options, int out_fd, int err_fd) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions_, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions_, err_fd, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
    if (!options.cwd.empty()) {
      posix_spawn_file_actions_addchdir_np(&actions_, options.cwd.c_str());
    }
    posix_spawnattr_init(&attr_);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
      sigaddset(&defaults, s);
    }
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setsigdefault(&attr_, &defaults);
    posix_spawnattr_setpgroup(&attr_, 0);
    posix_spawnattr_setflags(
        &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attr() const { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

Status CheckDirectory(const std::string& cwd) {
  struct stat st;
  if (cwd.empty()) return Ok();
  if (stat(cwd.c_str(), &st) != 0) {
    return Error::NotFound("working directory " + cwd + ": " + ErrnoText(errno));
  }
  if (!S_ISDIR(st.st_mode))
    return Error::NotFound("working directory " + cwd + ": not a directory");
  return Ok();
}

Result<Child> Spawn(const ProcessOptions& options) {
  if (options.argv.empty()) return Error::InvalidArgument("no program to run");
  STORMPROOF_TRY(CheckDirectory(options.cwd));
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Error::Io("pipe: " + ErrnoText(errno));
  Fd out_read(out[0]), out_write(out[1]);
  if (pipe2(err, O_CLOEXEC) != 0) return Error::Io("pipe: " + ErrnoText(errno));
  Fd err_read(err[0]), err_write(err[1]);

  std::vector<std::string> args = options.argv;
  std::vector<std::string> env = ChildEnvironment(options.env);
  const std::string program = FindProgram(options.argv[0], PathOf(env));
  if (program.empty()) return Error::NotFound("program '" + options.argv[0] + "' not found");
  std::vector<char*> argv = Pointers(args), envp = Pointers(env);
  SpawnSetup setup(options, out_write.get(), err_write.get());
  Child child;
  int rc = posix_spawn(&child.pid, program.c_str(), setup.actions(), setup.attr(), argv.data(),
                       envp.data());
  if (rc == ENOENT) return Error::NotFound("program '" + options.argv[0] + "' not found");
  if (rc != 0) return Error::Io("cannot run '" + options.argv[0] + "': " + ErrnoText(rc));
  child.out = std::move(out_read);
  child.err = std::move(err_read);
  return child;
}

// Collects the child's output: stdout up to a limit plus its lines, the tail of stderr.
class OutputSink {
 public:
  OutputSink(const ProcessOptions& options, ProcessResult* result)
      : options_(options), result_(result) {}

  void AddStdout(std::string_view data) {
    size_t room = options_.max_output - std::min(options_.max_output, result_->out.size());
    result_->out.append(data.substr(0, room));
    if (data.size() > room) result_->out_truncated = true;
    if (options_.on_stdout_line) SplitLines(data);
  }
  void AddStderr(std::string_view data) {
    std::string& err = result_->err;
    err.append(data);
    if (err.size() > 2 * ProcessResult::kStderrTail) {
      err.erase(0, err.size() - ProcessResult::kStderrTail);
    }
  }
  void Finish() {
    std::string& err = result_->err;
    if (err.size() > ProcessResult::kStderrTail) {
      err.erase(0, err.size() - ProcessResult::kStderrTail);
    }
    FlushLine();
  }

 private:
  void FlushLine() {
    if (options_.on_stdout_line && !pending_.empty()) options_.on_stdout_line(pending_);
    pending_.clear();
  }

  void SplitLines(std::string_view data) {
    while (!data.empty()) {
      size_t newline = data.find('\n');
      if (newline == std::string_view::npos) {
        pending_.append(data);
        if (pending_.size() > kMaxPendingLine) FlushLine();
        return;
      }
      pending_.append(data.substr(0, newline));
      options_.on_stdout_line(pending_);
      pending_.clear();
      data.remove_prefix(newline + 1);
    }
  }

  const ProcessOptions& options_;
  ProcessResult* result_;
  std::string pending_;
};

// Reads what is ready on `fd` into `sink`; closes it at end of file.
void ReadReady(Fd& fd, bool is_stdout, OutputSink& sink) {
  char buffer[64 << 10];
  ssize_t n = read(fd.get(), buffer, sizeof(buffer));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    fd.Reset();
    return;
  }
  std::string_view data(buffer, static_cast<size_t>(n));
  is_stdout ? sink.AddStdout(data) : sink.AddStderr(data);
}

// Waits up to one tick for output and reads it.
void PumpOutput(Child& child, OutputSink& sink) {
  pollfd fds[2];
  Fd* owners[2];
  nfds_t count = 0;
  for (Fd* fd : {&child.out, &child.err}) {
    if (fd->get() < 0) continue;
    fds[count] = {fd->get(), POLLIN, 0};
    owners[count++] = fd;
  }
  int ready = poll(count == 0 ? nullptr : fds, count, static_cast<int>(kTick.count()));
  if (ready <= 0) return;
  for (nfds_t i = 0; i < count; ++i) {
    if (fds[i].revents != 0) ReadReady(*owners[i], owners[i] == &child.out, sink);
  }
}

void RecordStatus(int status, ProcessResult* result) {
  if (WIFEXITED(status)) result->exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result->signal = WTERMSIG(status);
}

}  // namespace

bool IsInheritedVariable(std::string_view name) {
  for (std::string_view kept : {"PATH", "HOME", "LANG", "TZ", "TMPDIR", "USER", "LOGNAME"}) {
    if (name == kept) return true;
  }
  return name.size() > 3 && name.substr(0, 3) == "LC_";
}

Result<ProcessResult> RunProcess(const ProcessOptions& options) {
  const SteadyClock::time_point start = SteadyClock::now();
  STORMPROOF_ASSIGN_OR_RETURN(Child child, Spawn(options));
  internal::RegisterChildGroup(child.pid);  // a second signal kills the group before we exit
  ProcessResult result;
  OutputSink sink(options, &result);
  const auto deadline =
      options.timeout.count() > 0 ? start + options.timeout : SteadyClock::time_point::max();
  std::optional<SteadyClock::time_point> kill_at, drain_until;
  bool exited = false;
  while (true) {
    int status = 0;
    if (!exited && waitpid(child.pid, &status, WNOHANG) == child.pid) {
      exited = true;
      RecordStatus(status, &result);
      drain_until = SteadyClock::now() + kDrainAfterExit;
    }
    const SteadyClock::time_point now = SteadyClock::now();
    bool pipes_open = child.out.get() >= 0 || child.err.get() >= 0;
    if (exited && (!pipes_open || now >= *drain_until)) break;
    if (!exited && !result.timed_out && now >= deadline) {
      result.timed_out = true;
      kill(-child.pid, SIGTERM);
      kill_at = now + kTerminateGrace;
    }
    if (!exited && !kill_at && Interrupted()) {  // our SIGINT/SIGTERM cannot reach its group
      kill(-child.pid, SIGTERM);
      kill_at = now + kTerminateGrace;
    }
    if (!exited && kill_at && now >= *kill_at) kill(-child.pid, SIGKILL);
    PumpOutput(child, sink);
  }
  child.out.Reset();
  child.err.Reset();
  sink.Finish();
  EndProcessGroup(child.pid, kill_at, kTerminateGrace);
  internal::UnregisterChildGroup(child.pid);
  result.elapsed = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start);
  return result;
}

ProcessOptions ShellCommand(const std::string& command) {
  ProcessOptions options;
  options.argv = {"/bin/sh", "-c", command};
  return options;
}

std::string LastLine(std::string_view text) {
  const char* kSpace = " \t\r\n";
  size_t end = text.find_last_not_of(kSpace);
  if (end == std::string_view::npos) return "";
  text = text.substr(0, end + 1);
  size_t newline = text.rfind('\n');
  std::string_view line = newline == std::string_view::npos ? text : text.substr(newline + 1);
  size_t begin = line.find_first_not_of(kSpace);
  return std::string(line.substr(begin == std::string_view::npos ? 0 : begin));
}

}  // namespace stormproof
