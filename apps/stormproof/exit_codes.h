// Exit codes and the outcome of a command: what the process tells a script when it ends.
//
// Every subcommand's Run function returns an Outcome; main returns its exit code. A failure
// becomes an exit code in exactly one place, ExitCodeFor(), so that the same error (a locked
// repository, a wrong password, a damaged file) exits the same way from every command. The codes
// are documented in docs/cli.md (EXIT STATUS) and in `--help`; never renumber them.
//
// Plain values: copies are independent; no shared state (thread-compatible).
#ifndef STORMPROOF_APPS_STORMPROOF_EXIT_CODES_H_
#define STORMPROOF_APPS_STORMPROOF_EXIT_CODES_H_

#include <cassert>
#include <utility>
#include <variant>

#include "core/result.h"

namespace stormproof::cli {

// Documented in docs/cli.md; never renumber. 10-12 are the numbers restic uses for the same
// three situations, so scripts written for both agree.
enum ExitCode : int {
  kExitOk = 0,              // success (warnings may have been printed)
  kExitError = 1,           // could not do the job: unreadable plan, I/O error
  kExitUsage = 2,           // bad flags or arguments
  kExitProblems = 3,        // the job ran and found problems (plan errors, findings at --fail-on)
  kExitNoRepository = 10,   // nothing exists at --repo (the repository does not exist)
  kExitLocked = 11,         // another process holds a conflicting lock on the repository
  kExitWrongPassword = 12,  // the password opens no key of the repository
  kExitCorrupt = 13,        // stored data failed its authentication (damaged or altered)
  kExitAccessDenied = 14,   // the storage refused the credentials (S3: 403 access denied)
  // A long command stopped early by a signal (core/interrupt.h): 128 + the signal, as a shell
  // reports a program the signal killed.
  kExitInterruptedBySigint = 130,
  kExitInterruptedBySigterm = 143,
};

// What the failing operation was after, where that changes the meaning of an error code.
enum class ErrorSubject {
  kAny,         // the error's code alone decides
  kRepository,  // opening --repo: kNotFound means the repository does not exist
};

// The one mapping from an error to an exit code: kInvalidArgument -> 2 (usage); kLocked -> 11;
// kWrongPassword -> 12; kCorrupt -> 13; kPermissionDenied -> 14; kInterrupted -> 130/143 when a
// signal asked for it; kNotFound about the repository -> 10; anything else -> 1.
int ExitCodeFor(const Error& error, ErrorSubject subject = ErrorSubject::kAny);

// How a command ended. The default is success. A failure's message has already been printed
// when the Outcome is made: an Outcome only carries the exit code.
class Outcome {
 public:
  Outcome() = default;
  static Outcome Ok() { return Outcome(); }
  // The job ran and found problems (exit 3): plan errors, damage, a breached objective.
  static Outcome Problems() { return Outcome(kExitProblems); }
  // Bad flags or arguments the command itself reported (exit 2).
  static Outcome Usage() { return Outcome(kExitUsage); }
  // The job could not be done, for reasons the command itself reported (exit 1).
  static Outcome Failed() { return Outcome(kExitError); }
  // A failure described by `error`: exit ExitCodeFor(error, subject).
  static Outcome Failed(const Error& error, ErrorSubject subject = ErrorSubject::kAny) {
    return Outcome(ExitCodeFor(error, subject));
  }
  // Stopped by SIGINT or SIGTERM (130 or 143). REQUIRES: Interrupted() (core/interrupt.h).
  static Outcome Interrupted();

  int exit_code() const { return exit_code_; }
  bool ok() const { return exit_code_ == kExitOk; }

 private:
  explicit Outcome(int exit_code) : exit_code_(exit_code) {}
  int exit_code_ = kExitOk;
};

// A value, or the Outcome of a failure to get it that has already been reported to the user
// (for helpers such as LoadUsablePlan that print their own errors).
// REQUIRES: value()/operator* only when has_value(); outcome() only when not.
template <typename T>
class [[nodiscard]] Reported {
 public:
  Reported(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  // REQUIRES: !failure.ok() (a helper that got nothing must not let its command exit 0).
  Reported(Outcome failure) : state_(std::in_place_index<1>, failure) {  // NOLINT: implicit
    assert(!failure.ok());
  }

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  Outcome outcome() const { return std::get<1>(state_); }

 private:
  std::variant<T, Outcome> state_;
};

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_EXIT_CODES_H_
