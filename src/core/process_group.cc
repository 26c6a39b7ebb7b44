#include "core/internal/process_group.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace stormproof {
namespace {

constexpr int kPollMs = 20;

// The state letter and process group of process `pid` from /proc; false when unreadable.
bool ReadProcessState(const char* pid, char* state, long* pgrp) {
  std::string path = std::string("/proc/") + pid + "/stat";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buffer[512];
  ssize_t n = read(fd, buffer, sizeof(buffer) - 1);
  close(fd);
  if (n <= 0) return false;
  std::string_view stat(buffer, static_cast<size_t>(n));
  size_t paren = stat.rfind(')');  // the command name may itself contain ')'
  if (paren == std::string_view::npos) return false;
  std::string rest(stat.substr(paren + 1));
  long ppid = 0;
  return sscanf(rest.c_str(), " %c %ld %ld", state, &ppid, pgrp) == 3;
}

}  // namespace

bool ProcessGroupIsAlive(pid_t pgid) {
  if (kill(-pgid, 0) != 0) return false;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return true;
  bool alive = false;
  while (dirent* entry = readdir(proc)) {
    char state = 0;
    long pgrp = 0;
    if (ReadProcessState(entry->d_name, &state, &pgrp) && pgrp == pgid && state != 'Z' &&
        state != 'X') {
      alive = true;
      break;
    }
  }
  closedir(proc);
  return alive;
}

void EndProcessGroup(pid_t pgid, std::optional<std::chrono::steady_clock::time_point> kill_at,
                     std::chrono::milliseconds grace) {
  if (!ProcessGroupIsAlive(pgid)) return;
  if (!kill_at) {
    kill(-pgid, SIGTERM);
    kill_at = std::chrono::steady_clock::now() + grace;
  }
  while (std::chrono::steady_clock::now() < *kill_at) {
    poll(nullptr, 0, kPollMs);
    if (!ProcessGroupIsAlive(pgid)) return;
  }
  kill(-pgid, SIGKILL);
}

}  // namespace stormproof
