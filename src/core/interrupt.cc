#include "core/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace stormproof {
namespace {

std::atomic<int> interrupting_signal{0};
std::atomic<internal::PauseHook> pause_hook{nullptr};

// Async-signal-safe: an atomic exchange, and _exit for the second signal.
void OnSignal(int signal) {
  if (interrupting_signal.exchange(signal) != 0) ::_exit(128 + signal);
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
}  // namespace internal

}  // namespace stormproof
