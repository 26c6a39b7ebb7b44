// Result<T>: a value or an Error, the way every fallible stormproof function reports failure.
//
// Modelled on std::expected (member names value(), error(), has_value()) so that it can be swapped
// for it once the toolchain allows. Errors carry a small, stable code and a human message; each
// layer adds context with Error::WithContext() so that the final message reads
// "plan.yaml:42:7: system 'payroll-db': unknown owner 'jdoe'".
//
// Not thread-safe to mutate concurrently; copies are independent.
#ifndef STORMPROOF_CORE_RESULT_H_
#define STORMPROOF_CORE_RESULT_H_

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace stormproof {

// Stable error codes. Exit codes are derived from them in apps/stormproof.
enum class ErrorCode {
  kInvalidArgument,   // the caller passed something malformed (a bad flag value, a bad duration)
  kNotFound,          // a named file, id or snapshot does not exist
  kParse,             // input could not be parsed (YAML syntax, encoding)
  kIo,                // the operating system refused a read or write
  kFailedCheck,       // the input was read but a check found problems
  kLocked,            // another process holds a lock on it (try again later)
  kInternal,          // a bug: an invariant did not hold
  kInterrupted,       // SIGINT or SIGTERM asked the work to stop (core/interrupt.h)
  kWrongPassword,     // the password opens no key of the repository
  kCorrupt,           // stored data failed its MAC or does not match its name (damaged or altered)
  kPermissionDenied,  // the storage refused the credentials or the operation (S3 403)
};

const char* ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Whether what was read is damaged (kCorrupt: it failed its MAC or does not match its name;
  // kFailedCheck: it is malformed), so it never will read, unlike data that could not be read
  // now (kIo, kNotFound: it may read later).
  bool SaysDamaged() const {
    return code_ == ErrorCode::kCorrupt || code_ == ErrorCode::kFailedCheck;
  }
  // Damaged, or not there at all (kNotFound): either way another copy may serve, this one not.
  bool SaysDamagedOrMissing() const { return SaysDamaged() || code_ == ErrorCode::kNotFound; }

  // Returns this error with "context: " prepended to the message.
  Error WithContext(const std::string& context) const {
    return Error(code_, context + ": " + message_);
  }

  static Error InvalidArgument(std::string m) {
    return {ErrorCode::kInvalidArgument, std::move(m)};
  }
  static Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Error Parse(std::string m) { return {ErrorCode::kParse, std::move(m)}; }
  static Error Io(std::string m) { return {ErrorCode::kIo, std::move(m)}; }
  static Error FailedCheck(std::string m) { return {ErrorCode::kFailedCheck, std::move(m)}; }
  static Error Locked(std::string m) { return {ErrorCode::kLocked, std::move(m)}; }
  static Error Interrupted(std::string m) { return {ErrorCode::kInterrupted, std::move(m)}; }
  static Error WrongPassword(std::string m) { return {ErrorCode::kWrongPassword, std::move(m)}; }
  static Error Corrupt(std::string m) { return {ErrorCode::kCorrupt, std::move(m)}; }
  static Error PermissionDenied(std::string m) {
    return {ErrorCode::kPermissionDenied, std::move(m)};
  }
  static Error Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

 private:
  ErrorCode code_;
  std::string message_;
};

// Holds either a T or an Error. REQUIRES: value() only when has_value(); error() only when not.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(state_));
  }
  const Error& error() const {
    assert(!has_value());
    return std::get<1>(state_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() { return Status(); }

}  // namespace stormproof

// Evaluates `expr` (a Result or Status); on error returns the error from the enclosing function.
#define STORMPROOF_TRY(expr)                   \
  do {                                         \
    auto stormproof_try_result_ = (expr);      \
    if (!stormproof_try_result_.has_value()) { \
      return stormproof_try_result_.error();   \
    }                                          \
  } while (false)

#define STORMPROOF_CONCAT_INNER(a, b) a##b
#define STORMPROOF_CONCAT(a, b) STORMPROOF_CONCAT_INNER(a, b)

// `ASSIGN_OR_RETURN(auto x, Compute())` declares x from a Result's value, or returns its error.
#define STORMPROOF_ASSIGN_OR_RETURN(lhs, expr) \
  STORMPROOF_ASSIGN_OR_RETURN_IMPL(STORMPROOF_CONCAT(stormproof_result_, __LINE__), lhs, expr)
#define STORMPROOF_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.has_value()) return tmp.error();              \
  lhs = std::move(tmp).value()

#endif  // STORMPROOF_CORE_RESULT_H_
