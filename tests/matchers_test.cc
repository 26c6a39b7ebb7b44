#include "tests/matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/result.h"

namespace stormproof {
namespace {

using ::testing::DescribeMatcher;
using ::testing::Matcher;
using ::testing::StringMatchResultListener;

// What a matcher says about `value` when it is asked to explain its result.
template <typename T>
std::string Explain(const Matcher<const T&>& matcher, const T& value) {
  StringMatchResultListener listener;
  matcher.MatchAndExplain(value, &listener);
  return listener.str();
}

Result<int> Value(int v) { return v; }
Result<int> Failure() { return Error::NotFound("no snapshot 3f2a"); }

TEST(IsOkTest, MatchesAValueAndASucceededStatus) {
  EXPECT_THAT(Value(7), IsOk());
  EXPECT_THAT(Ok(), IsOk());
  EXPECT_THAT(Failure(), Not(IsOk()));
  EXPECT_THAT(Status(Error::Io("disk full")), Not(IsOk()));
}

TEST(IsOkTest, ExplainsAnErrorWithItsCodeAndMessage) {
  Matcher<const Result<int>&> is_ok = IsOk();
  EXPECT_EQ(Explain(is_ok, Failure()), "which is an error (not found): no snapshot 3f2a");
  EXPECT_EQ(DescribeMatcher<const Result<int>&>(IsOk()), "is OK (holds a value)");
}

TEST(ErrorIsTest, MatchesCodeAndMessage) {
  EXPECT_THAT(Failure(), ErrorIs(ErrorCode::kNotFound, HasSubstr("3f2a")));
  EXPECT_THAT(Failure(), ErrorIs(ErrorCode::kNotFound, "no snapshot 3f2a"));
  EXPECT_THAT(Failure(), ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(Failure(), Not(ErrorIs(ErrorCode::kIo)));
  EXPECT_THAT(Failure(), Not(ErrorIs(ErrorCode::kNotFound, HasSubstr("9999"))));
  EXPECT_THAT(Value(7), Not(ErrorIs(ErrorCode::kNotFound)));
  EXPECT_THAT(Status(Error::Locked("held by pid 12")),
              ErrorIs(ErrorCode::kLocked, HasSubstr("held by")));
  EXPECT_THAT(Error::Corrupt("pack 1a: MAC mismatch"), ErrorIs(ErrorCode::kCorrupt));
}

TEST(ErrorIsTest, ExplainsWhatItFound) {
  Matcher<const Result<int>&> locked = ErrorIs(ErrorCode::kLocked, HasSubstr("held by"));
  EXPECT_EQ(Explain(locked, Failure()), "which is an error (not found): no snapshot 3f2a");
  EXPECT_EQ(Explain(locked, Value(7)), "which holds a value");
  EXPECT_EQ(DescribeMatcher<const Result<int>&>(locked),
            "is an error (locked) whose message has substring \"held by\"");
}

TEST(IsOkAndHoldsTest, MatchesTheValue) {
  EXPECT_THAT(Value(7), IsOkAndHolds(7));
  EXPECT_THAT(Value(7), IsOkAndHolds(::testing::Gt(5)));
  EXPECT_THAT(Value(7), Not(IsOkAndHolds(8)));
  EXPECT_THAT(Failure(), Not(IsOkAndHolds(::testing::_)));
  EXPECT_THAT(Result<std::string>("RTO at risk"), IsOkAndHolds(HasSubstr("at risk")));
}

TEST(IsOkAndHoldsTest, ExplainsAnErrorOrTheValueHeld) {
  Matcher<const Result<int>&> holds_eight = IsOkAndHolds(8);
  EXPECT_EQ(Explain(holds_eight, Failure()), "which is an error (not found): no snapshot 3f2a");
  EXPECT_THAT(Explain(holds_eight, Value(7)), HasSubstr("which holds 7"));
  EXPECT_EQ(DescribeMatcher<const Result<int>&>(holds_eight),
            "is OK and holds a value that is equal to 8");
}

}  // namespace
}  // namespace stormproof
