// core/interrupt.h: the first SIGINT/SIGTERM is remembered and work stops at its safe points;
// a second one ends the process at once; RunProcess ends a child's group once interrupted.
#include "core/interrupt.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "core/subprocess.h"

namespace stormproof {
namespace {

class InterruptTest : public ::testing::Test {
 protected:
  void TearDown() override { SimulateInterruptionForTesting(0); }
};

TEST_F(InterruptTest, NothingToReportUntilASignalCame) {
  EXPECT_FALSE(Interrupted());
  EXPECT_TRUE(CheckInterrupted().has_value());
  EXPECT_EQ(InterruptionMessage(), "");
}

TEST_F(InterruptTest, AnInterruptionIsAnErrorNamingTheSignalAndItsExitCode) {
  SimulateInterruptionForTesting(SIGTERM);
  Status status = CheckInterrupted();
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code(), ErrorCode::kInterrupted);
  EXPECT_EQ(status.error().message(), "interrupted by SIGTERM");
  EXPECT_EQ(InterruptedExitCode(), 143);
  SimulateInterruptionForTesting(SIGINT);
  EXPECT_EQ(InterruptionMessage(), "interrupted by SIGINT");
  EXPECT_EQ(InterruptedExitCode(), 130);
}

TEST_F(InterruptTest, TheFirstSignalIsOnlyRemembered) {
  CatchInterruptions();
  ASSERT_EQ(::raise(SIGTERM), 0);  // without the handler, this would end the test binary
  EXPECT_TRUE(Interrupted());
  EXPECT_EQ(InterruptingSignal(), SIGTERM);
}

TEST_F(InterruptTest, ASecondSignalEndsTheProcessAtOnce) {
  EXPECT_EXIT(
      {
        CatchInterruptions();
        ::raise(SIGINT);
        ::raise(SIGINT);
        std::this_thread::sleep_for(std::chrono::seconds(30));  // cleanup that never ends
        std::exit(0);
      },
      ::testing::ExitedWithCode(130), "");
  EXPECT_EXIT(
      {
        CatchInterruptions();
        ::raise(SIGTERM);
        ::raise(SIGINT);  // any second signal
        std::this_thread::sleep_for(std::chrono::seconds(30));
        std::exit(0);
      },
      ::testing::ExitedWithCode(130), "");
}

TEST_F(InterruptTest, RunProcessEndsTheChildsGroupWhenInterrupted) {
  const auto start = std::chrono::steady_clock::now();
  std::thread signal([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    SimulateInterruptionForTesting(SIGTERM);  // a child in its own group never sees ours
  });
  Result<ProcessResult> ran = RunProcess(ShellCommand("sleep 30 & sleep 30; wait"));
  signal.join();
  ASSERT_TRUE(ran.has_value()) << ran.error().message();
  EXPECT_FALSE(ran->Succeeded());
  EXPECT_EQ(ran->signal, SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace stormproof
