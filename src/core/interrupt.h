// Interruption: how a long command (backup, restore, check, prune, forget --prune, drill, run)
// stops when it is asked to — SIGINT (Ctrl-C) or SIGTERM (systemd stopping a service, a
// shutdown, `kill`).
//
// A command that calls CatchInterruptions() is not killed by the first such signal: the signal is
// only remembered. The work checks CheckInterrupted() at its safe points — between files, packs,
// snapshots, drill steps and actions, never inside a write that must be whole — and unwinds like
// any other error, so locks are released, scratch copies removed and the interruption recorded.
// A second signal while it is still cleaning up ends the process at once, with no cleanup, with
// exit status 128 + the signal (130 for SIGINT, 143 for SIGTERM), as the shell would report it.
// Child processes run by RunProcess (core/subprocess.h) sit in process groups of their own, out
// of reach of a terminal's Ctrl-C: RunProcess ends their group once an interruption is seen.
//
// Test builds may pause at a named point until a signal comes (PausePointForTesting), so that
// tests can interrupt real processes in the middle of their work.
//
// Thread-safe: the state is one atomic, read from any thread.
#ifndef STORMPROOF_CORE_INTERRUPT_H_
#define STORMPROOF_CORE_INTERRUPT_H_

#include <string>
#include <string_view>

#include "core/result.h"

namespace stormproof {

// Installs the SIGINT and SIGTERM handlers described above (idempotent). Call it at the start of
// a command that checks for interruptions; commands that do not keep the default (die at once).
void CatchInterruptions();

// The signal that asked the process to stop (SIGINT or SIGTERM), or 0 when none came.
int InterruptingSignal();
inline bool Interrupted() { return InterruptingSignal() != 0; }

// "SIGINT", "SIGTERM", else "signal N".
std::string SignalName(int signal);

// "interrupted by SIGTERM"; "" when not interrupted.
std::string InterruptionMessage();
// Whether `error` is, or starts with, such a message ("interrupted by SIGINT; ...").
bool IsInterruptionMessage(std::string_view error);

// The exit status of a command stopped by the interruption: 128 + the signal (130 for SIGINT,
// 143 for SIGTERM). REQUIRES: Interrupted().
int InterruptedExitCode();

// Ok, or once interrupted Error::Interrupted("interrupted by SIGTERM"). Libraries call it at
// their safe points and return the error as they would any other.
Status CheckInterrupted();

// Makes the process behave as if `signal` had come (0 forgets it), without a signal: for tests.
void SimulateInterruptionForTesting(int signal);

// A named point of long work where a test build can wait for a signal. Without the test hook
// (core/test_pause.h, linked only into test binaries) it does nothing. With it, when the
// environment has STORMPROOF_TEST_PAUSE=<name> (or <name>@N: the Nth arrival; default the first),
// that arrival writes this process's pid to the file STORMPROOF_TEST_PAUSE_FILE (created
// atomically: a test polls for it) and waits there until an interruption comes or the test
// removes that file (to interleave another command with the paused one), at most 60 s, then
// returns and the work goes on to its next safe point.
void PausePointForTesting(std::string_view name);

namespace internal {
// Installed by core/test_pause.cc at start-up in test binaries; null elsewhere.
using PauseHook = void (*)(std::string_view name);
void SetPauseHook(PauseHook hook);

// The process groups of running children (core/subprocess.h runs each in its own group, out of
// reach of a terminal's Ctrl-C). A second SIGINT/SIGTERM ends this process at once; it first
// sends SIGKILL to every group registered here, so no child outlives it. Up to 32 groups at a
// time are remembered (more are ended by their own timeouts only). Thread-safe and
// async-signal-safe on the handler's side.
void RegisterChildGroup(int pgid);
void UnregisterChildGroup(int pgid);
}  // namespace internal

}  // namespace stormproof

#endif  // STORMPROOF_CORE_INTERRUPT_H_
