// GoogleMock matchers for Result<T> and Status (core/result.h), so that a failing test says why:
//
//   ASSERT_THAT(Repository::Open(...), IsOk());
//       fails with "... which is an error (wrong password): key file 3f2a: no key opens"
//   EXPECT_THAT(Load(path), ErrorIs(ErrorCode::kNotFound, HasSubstr("plan.yaml")));
//   EXPECT_THAT(Parse("42"), IsOkAndHolds(42));
//   EXPECT_THAT(text, HasSubstr("RTO at risk"));   // prints `text` when it fails
//
// IsOk(), ErrorIs() and IsOkAndHolds() accept only a Result or Status (a std::optional does not
// compile: it has no error to print). They live in namespace stormproof, which also gets gmock's
// HasSubstr and Not, so that tests inside namespace stormproof::<lib> use all of them unqualified.
// Matchers are immutable values; thread-safe.
#ifndef STORMPROOF_TESTS_MATCHERS_H_
#define STORMPROOF_TESTS_MATCHERS_H_

#include <gmock/gmock.h>

#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

#include "core/result.h"

namespace stormproof {

using ::testing::HasSubstr;
using ::testing::Not;

namespace matchers_internal {

// "which is an error (not found): no snapshot 3f2a", the explanation every matcher here gives.
inline void ExplainError(const Error& error, ::testing::MatchResultListener* listener) {
  *listener << "which is an error (" << ErrorCodeName(error.code()) << "): " << error.message();
}

// Turns `Impl` (MatchAndExplain(const Result<T>&, listener), DescribeTo, DescribeNegationTo) into
// a Matcher<R> only for the R that Impl can match, so that a check on another type (a
// std::optional) fails to compile at the test's line rather than deep inside gmock.
template <typename Impl>
class ResultMatcher {
 public:
  explicit ResultMatcher(Impl impl) : impl_(std::move(impl)) {}

  template <typename R>
    requires requires(const Impl& impl, const std::remove_cvref_t<R>& value,
                      ::testing::MatchResultListener* listener) {
      impl.MatchAndExplain(value, listener);
    }
  operator ::testing::Matcher<R>() const {  // NOLINT: implicit by design
    return ::testing::Matcher<R>(new Adapter<R>(impl_));
  }

 private:
  template <typename R>
  class Adapter : public ::testing::MatcherInterface<R> {
   public:
    explicit Adapter(Impl impl) : impl_(std::move(impl)) {}
    bool MatchAndExplain(R value, ::testing::MatchResultListener* listener) const override {
      return impl_.MatchAndExplain(value, listener);
    }
    void DescribeTo(std::ostream* os) const override { impl_.DescribeTo(os); }
    void DescribeNegationTo(std::ostream* os) const override { impl_.DescribeNegationTo(os); }

   private:
    Impl impl_;
  };

  Impl impl_;
};

// Matches a Result or Status that holds a value; explains a failure with the error's code and
// message.
class IsOkMatcher {
 public:
  template <typename T>
  bool MatchAndExplain(const Result<T>& result, ::testing::MatchResultListener* listener) const {
    if (result.has_value()) return true;
    ExplainError(result.error(), listener);
    return false;
  }
  void DescribeTo(std::ostream* os) const { *os << "is OK (holds a value)"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "is an error"; }
};

// Matches a Result or Status that holds an error with `code` whose message matches `message`;
// also matches an Error itself.
class ErrorIsMatcher {
 public:
  ErrorIsMatcher(ErrorCode code, ::testing::Matcher<const std::string&> message)
      : code_(code), message_(std::move(message)) {}

  template <typename T>
  bool MatchAndExplain(const Result<T>& result, ::testing::MatchResultListener* listener) const {
    if (result.has_value()) {
      *listener << "which holds a value";
      return false;
    }
    return MatchAndExplain(result.error(), listener);
  }
  bool MatchAndExplain(const Error& error, ::testing::MatchResultListener* listener) const {
    ExplainError(error, listener);
    return error.code() == code_ && message_.Matches(error.message());
  }
  void DescribeTo(std::ostream* os) const {
    *os << "is an error (" << ErrorCodeName(code_) << ") whose message ";
    message_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "is not an error (" << ErrorCodeName(code_) << ") whose message ";
    message_.DescribeTo(os);
  }

 private:
  ErrorCode code_;
  ::testing::Matcher<const std::string&> message_;
};

template <typename R>
struct ResultValue;  // only Result<T> (not Status) holds a value to match
template <typename T>
struct ResultValue<Result<T>> {
  using type = T;
};

// Matches a Result<T> that holds a value matching the inner matcher; becomes a
// Matcher<Result<T>> once the Result type is known, so that the inner one can be cast to T.
template <typename InnerMatcher>
class IsOkAndHoldsMatcher {
 public:
  explicit IsOkAndHoldsMatcher(InnerMatcher inner) : inner_(std::move(inner)) {}

  template <typename ResultType>
    requires requires { typename ResultValue<std::remove_cvref_t<ResultType>>::type; }
  operator ::testing::Matcher<ResultType>() const {  // NOLINT: implicit by design
    using T = typename ResultValue<std::remove_cvref_t<ResultType>>::type;
    return ::testing::Matcher<ResultType>(
        new Impl<ResultType, T>(::testing::SafeMatcherCast<const T&>(inner_)));
  }

 private:
  template <typename ResultType, typename T>
  class Impl : public ::testing::MatcherInterface<ResultType> {
   public:
    explicit Impl(::testing::Matcher<const T&> inner) : inner_(std::move(inner)) {}
    bool MatchAndExplain(ResultType result,
                         ::testing::MatchResultListener* listener) const override {
      if (!result.has_value()) {
        ExplainError(result.error(), listener);
        return false;
      }
      *listener << "which holds " << ::testing::PrintToString(result.value()) << " ";
      return inner_.MatchAndExplain(result.value(), listener);
    }
    void DescribeTo(std::ostream* os) const override {
      *os << "is OK and holds a value that ";
      inner_.DescribeTo(os);
    }
    void DescribeNegationTo(std::ostream* os) const override {
      *os << "is an error or holds a value that ";
      inner_.DescribeNegationTo(os);
    }

   private:
    ::testing::Matcher<const T&> inner_;
  };

  InnerMatcher inner_;
};

}  // namespace matchers_internal

// The Result or Status holds a value (a Status: succeeded).
inline matchers_internal::ResultMatcher<matchers_internal::IsOkMatcher> IsOk() {
  return matchers_internal::ResultMatcher(matchers_internal::IsOkMatcher());
}

// The Result or Status (or Error) is an error with `code` and a message that matches `message`
// (a matcher such as HasSubstr("held by"), or a string for an exact message).
inline matchers_internal::ResultMatcher<matchers_internal::ErrorIsMatcher> ErrorIs(
    ErrorCode code, ::testing::Matcher<const std::string&> message) {
  return matchers_internal::ResultMatcher(
      matchers_internal::ErrorIsMatcher(code, std::move(message)));
}
// The same, with any message.
inline matchers_internal::ResultMatcher<matchers_internal::ErrorIsMatcher> ErrorIs(
    ErrorCode code) {
  return ErrorIs(code, ::testing::A<const std::string&>());
}

// The Result holds a value that matches `inner` (a matcher or a value to compare with ==).
template <typename InnerMatcher>
matchers_internal::IsOkAndHoldsMatcher<InnerMatcher> IsOkAndHolds(InnerMatcher inner) {
  return matchers_internal::IsOkAndHoldsMatcher<InnerMatcher>(std::move(inner));
}

}  // namespace stormproof

#endif  // STORMPROOF_TESTS_MATCHERS_H_
