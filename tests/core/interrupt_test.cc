// core/interrupt.h: the first SIGINT/SIGTERM is remembered and work stops at its safe points;
// a second one ends the process at once; RunProcess ends a child's group once interrupted.
#include "core/interrupt.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "core/subprocess.h"
#include "tests/matchers.h"

namespace stormproof {
namespace {

class InterruptTest : public ::testing::Test {
 protected:
  void TearDown() override { SimulateInterruptionForTesting(0); }
};

TEST_F(InterruptTest, NothingToReportUntilASignalCame) {
  EXPECT_FALSE(Interrupted());
  EXPECT_THAT(CheckInterrupted(), IsOk());
  EXPECT_EQ(InterruptionMessage(), "");
}

TEST_F(InterruptTest, AnInterruptionIsAnErrorNamingTheSignalAndItsExitCode) {
  SimulateInterruptionForTesting(SIGTERM);
  Status status = CheckInterrupted();
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status, ErrorIs(ErrorCode::kInterrupted));
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

// A child that ignores SIGTERM, in its own process group, must not outlive a second signal that
// ends this process before the child's grace period is over.
TEST_F(InterruptTest, ASecondSignalKillsTheChildrenBeforeItEndsTheProcess) {
  const std::string pid_file =
      ::testing::TempDir() + "stormproof-interrupt-child-" + std::to_string(::getpid());
  std::remove(pid_file.c_str());
  EXPECT_EXIT(
      {
        CatchInterruptions();
        std::thread signals([] {
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
          ::raise(SIGTERM);  // RunProcess sends SIGTERM to the group: ignored
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          ::raise(SIGTERM);  // the second: exit now, within the child's grace period
        });
        (void)RunProcess(ShellCommand("trap '' TERM; echo $$ > '" + pid_file + "'; exec sleep 30"));
        signals.join();
        std::exit(0);
      },
      ::testing::ExitedWithCode(143), "");
  std::ifstream in(pid_file);
  pid_t child = 0;
  ASSERT_TRUE(in >> child) << "the child never started";
  // Gone, or a zombie waiting for a reaper (PID 1 in a container may never reap it).
  auto alive = [child] {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string pid, name, state;
    return stat >> pid >> name >> state && state != "Z";
  };
  for (int i = 0; i < 40 && alive(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_FALSE(alive()) << "pid " << child << " outlived the process that started it";
  if (alive()) ::kill(child, SIGKILL);
  std::remove(pid_file.c_str());
}

TEST_F(InterruptTest, RunProcessEndsTheChildsGroupWhenInterrupted) {
  const auto start = std::chrono::steady_clock::now();
  std::thread signal([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    SimulateInterruptionForTesting(SIGTERM);  // a child in its own group never sees ours
  });
  Result<ProcessResult> ran = RunProcess(ShellCommand("sleep 30 & sleep 30; wait"));
  signal.join();
  ASSERT_THAT(ran, IsOk());
  EXPECT_FALSE(ran->Succeeded());
  EXPECT_EQ(ran->signal, SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace stormproof
