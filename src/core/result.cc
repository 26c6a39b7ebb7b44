#include "core/result.h"

namespace stormproof {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kParse:
      return "parse error";
    case ErrorCode::kIo:
      return "I/O error";
    case ErrorCode::kFailedCheck:
      return "check failed";
    case ErrorCode::kLocked:
      return "locked";
    case ErrorCode::kInterrupted:
      return "interrupted";
    case ErrorCode::kWrongPassword:
      return "wrong password";
    case ErrorCode::kCorrupt:
      return "corrupt";
    case ErrorCode::kPermissionDenied:
      return "permission denied";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "unknown error";
}

}  // namespace stormproof
