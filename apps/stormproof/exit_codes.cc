#include "apps/stormproof/exit_codes.h"

#include "core/interrupt.h"

namespace stormproof::cli {

int ExitCodeFor(const Error& error, ErrorSubject subject) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
      return kExitUsage;
    case ErrorCode::kLocked:
      return kExitLocked;
    case ErrorCode::kWrongPassword:
      return kExitWrongPassword;
    case ErrorCode::kCorrupt:
      return kExitCorrupt;
    case ErrorCode::kPermissionDenied:
      return kExitAccessDenied;
    case ErrorCode::kInterrupted:
      // An interruption without a signal (a subprocess reported one) is an ordinary failure.
      return stormproof::Interrupted() ? InterruptedExitCode() : kExitError;
    case ErrorCode::kNotFound:
      return subject == ErrorSubject::kRepository ? kExitNoRepository : kExitError;
    case ErrorCode::kParse:
    case ErrorCode::kIo:
    case ErrorCode::kFailedCheck:
    case ErrorCode::kInternal:
      return kExitError;
  }
  return kExitError;
}

Outcome Outcome::Interrupted() { return Outcome(InterruptedExitCode()); }

}  // namespace stormproof::cli
