// core/refresh_thread.h: the function is called again and again until Stop, never after it, and
// a Stop ends a long wait without a call.
#include "core/refresh_thread.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace stormproof {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

TEST(RefreshThreadTest, CallsAgainAndAgainUntilStopped) {
  std::mutex mu;
  std::condition_variable called;
  int calls = 0;
  RefreshThread thread(milliseconds(1), milliseconds(1), [&] {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    called.notify_all();
    return calls % 2 == 0;  // every other call fails: tried again within `retry`
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(called.wait_for(lock, std::chrono::minutes(1), [&] { return calls >= 4; }));
  }
  EXPECT_TRUE(thread.Stop());
  std::lock_guard<std::mutex> lock(mu);
  const int when_stopped = calls;
  EXPECT_FALSE(thread.Stop()) << "stopped twice";
  EXPECT_EQ(calls, when_stopped) << "called after Stop";
}

TEST(RefreshThreadTest, StopEndsAWaitWithoutACall) {
  bool called = false;
  RefreshThread thread(hours(1), hours(1), [&] { return called = true; });
  EXPECT_TRUE(thread.Stop());
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace stormproof
