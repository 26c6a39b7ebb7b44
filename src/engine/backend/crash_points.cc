#include "engine/backend/crash_points.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

namespace stormproof::backend {
namespace {

struct Settings {
  long crash_at = 0;  // 0: never
  long fail_at = 0;   // 0: never
  int trace_fd = -1;  // -1: no trace
  bool power_cut = false;
  bool active() const { return crash_at > 0 || fail_at > 0 || trace_fd >= 0; }
};

std::atomic<bool> enabled{false};  // set before main() in test binaries only

Settings ReadSettings() {
  Settings s;
  if (!enabled.load()) return s;
  if (const char* at = std::getenv("STORMPROOF_TEST_CRASH_AT")) s.crash_at = std::atol(at);
  if (const char* at = std::getenv("STORMPROOF_TEST_FAIL_AT")) s.fail_at = std::atol(at);
  if (const char* trace = std::getenv("STORMPROOF_TEST_CRASH_TRACE")) {
    s.trace_fd = ::open(trace, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  }
  const char* cut = std::getenv("STORMPROOF_TEST_POWER_CUT");
  s.power_cut = cut != nullptr && std::string(cut) == "1";
  return s;
}

const Settings& GetSettings() {
  static const Settings settings = ReadSettings();
  return settings;
}

}  // namespace

void EnableCrashPointsFromEnvironment() { enabled.store(true); }

Status CrashPoint(std::string_view name, const std::function<void()>& power_cut_undo) {
  const Settings& s = GetSettings();
  if (!s.active()) return Ok();
  // Function-local statics: GUARDED_BY cannot name a local, so a plain std::mutex is enough here.
  static std::mutex mu;  // serialises counting, tracing and dying
  static long reached = 0;  // read and written only under mu
  std::lock_guard lock(mu);
  ++reached;
  if (s.trace_fd >= 0) {
    std::string line = std::to_string(reached) + " " + std::string(name) + "\n";
    (void)!::write(s.trace_fd, line.data(), line.size());
  }
  if (reached == s.fail_at) {
    return Error::Io("injected I/O error at crash point " + std::to_string(reached) + " (" +
                     std::string(name) + ")");
  }
  if (reached != s.crash_at) return Ok();
  if (s.power_cut && power_cut_undo) power_cut_undo();
  ::kill(::getpid(), SIGKILL);
  ::pause();
  return Ok();
}

}  // namespace stormproof::backend
