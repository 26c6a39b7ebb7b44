#include "core/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace stormproof {
namespace {

std::atomic<int> interrupting_signal{0};
std::atomic<internal::PauseHook> pause_hook{nullptr};

constexpr size_t kChildGroupSlots = 32;
std::atomic<int> child_groups[kChildGroupSlots];  // 0 = free

// Async-signal-safe: an atomic exchange; for the second signal, kill() of every child group
// and _exit.
void OnSignal(int signal) {
  if (interrupting_signal.exchange(signal) == 0) return;
  for (std::atomic<int>& group : child_groups) {
    int pgid = group.load();
    if (pgid > 0) ::kill(-pgid, SIGKILL);
  }
  ::_exit(128 + signal);
}

}  // namespace

void CatchInterruptions() {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  // Restart interrupted system calls: the work notices the signal at its next safe point, and
  // code that does not expect EINTR keeps working meanwhile.
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

int InterruptingSignal() { return interrupting_signal.load(std::memory_order_relaxed); }

std::string SignalName(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

std::string InterruptionMessage() {
  int signal = InterruptingSignal();
  return signal == 0 ? "" : "interrupted by " + SignalName(signal);
}

bool IsInterruptionMessage(std::string_view error) {
  return error.starts_with("interrupted by SIG") || error.starts_with("interrupted by signal ");
}

int InterruptedExitCode() { return 128 + InterruptingSignal(); }

Status CheckInterrupted() {
  if (!Interrupted()) return Ok();
  return Error::Interrupted(InterruptionMessage());
}

void SimulateInterruptionForTesting(int signal) { interrupting_signal.store(signal); }

void PausePointForTesting(std::string_view name) {
  if (internal::PauseHook hook = pause_hook.load(std::memory_order_relaxed)) hook(name);
}

namespace internal {

void SetPauseHook(PauseHook hook) { pause_hook.store(hook); }

void RegisterChildGroup(int pgid) {
  for (std::atomic<int>& group : child_groups) {
    int free = 0;
    if (group.compare_exchange_strong(free, pgid)) return;
  }
}

void UnregisterChildGroup(int pgid) {
  for (std::atomic<int>& group : child_groups) {
    int registered = pgid;
    if (group.compare_exchange_strong(registered, 0)) return;
  }
}

}  // namespace internal

}  // namespace stormproof
