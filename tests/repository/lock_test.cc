#include "repository/lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "repository/encoding.h"
#include "repository/sealed_file.h"
#include "repository_fixtures.h"

namespace stormproof::repository {
namespace {

using backend::FileType;
using Kind = Repository::LockKind;
using testing::Store;

constexpr int64_t kMinute = 60'000'000'000;

// A pid that no process has: a child that has exited and been reaped.
pid_t DeadPid() {
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

class LockTest : public ::testing::Test {
 protected:
  // Writes a lock file as another process would.
  std::string PlantLock(const LockInfo& info) {
    std::string name = RandomFileName();
    // The master key is private to the repository; a second repository object shares it.
    auto bytes = EncodeLock(master_, info);
    EXPECT_TRUE(store_.raw().Save({FileType::kLock, name}, bytes));
    return name;
  }
  Result<std::unique_ptr<Lock>> Acquire(Kind kind) {
    return AcquireRepositoryLock(store_.raw(), master_, kind);
  }

  Store store_;
  crypto::Key master_ = crypto::RandomKey();
};

TEST_F(LockTest, TwoSharedLocksCoexist) {
  auto a = Acquire(Kind::kShared);
  auto b = Acquire(Kind::kShared);
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value()) << b.error().message();
  EXPECT_EQ(store_.Names(FileType::kLock).size(), 2u);
}

TEST_F(LockTest, ConflictsAreRefusedNamingTheHolder) {
  struct Case {
    Kind held, wanted;
    const char* held_word;
  } cases[] = {{Kind::kShared, Kind::kExclusive, "shared"},
               {Kind::kExclusive, Kind::kShared, "exclusive"},
               {Kind::kExclusive, Kind::kExclusive, "exclusive"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.held_word);
    auto held = Acquire(c.held);
    ASSERT_TRUE(held.has_value());
    auto refused = Acquire(c.wanted);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code(), ErrorCode::kLocked);
    std::string expected = "repository is locked by " + HostName() + " pid " +
                           std::to_string(getpid()) + " (" + c.held_word + ", since ";
    EXPECT_EQ(refused.error().message().substr(0, expected.size()), expected);
    EXPECT_EQ(store_.Names(FileType::kLock).size(), 1u) << "the refused lock is removed";
    held->reset();
    EXPECT_TRUE(store_.Names(FileType::kLock).empty()) << "a released lock is removed";
    EXPECT_TRUE(Acquire(c.wanted).has_value());
  }
}

TEST_F(LockTest, StaleLocksAreRemoved) {
  struct Case {
    const char* name;
    LockInfo info;
  } cases[] = {
      {"dead process on this host", {HostName(), "u", DeadPid(), true, NowNs()}},
      {"not refreshed for 31 minutes", {"elsewhere", "u", 1, true, NowNs() - 31 * kMinute}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string stale = PlantLock(c.info);
    auto lock = Acquire(Kind::kExclusive);
    ASSERT_TRUE(lock.has_value()) << lock.error().message();
    auto names = store_.Names(FileType::kLock);
    EXPECT_EQ(names.size(), 1u);
    EXPECT_NE(names.at(0), stale);
  }
}

TEST_F(LockTest, LiveLocksOfOtherHostsAreRespected) {
  PlantLock({"other-host", "u", DeadPid(), true, NowNs() - 29 * kMinute});
  auto lock = Acquire(Kind::kShared);
  ASSERT_FALSE(lock.has_value());
  EXPECT_NE(lock.error().message().find("locked by other-host"), std::string::npos);
}

TEST_F(LockTest, IsStale) {
  int64_t now = NowNs();
  EXPECT_FALSE(IsStale({"h", "u", getpid(), false, now}, now, "h"));
  EXPECT_TRUE(IsStale({"h", "u", DeadPid(), false, now}, now, "h"));
  EXPECT_FALSE(IsStale({"h", "u", DeadPid(), false, now}, now, "other"));
  EXPECT_TRUE(IsStale({"h", "u", getpid(), false, now - 31 * kMinute}, now, "h"));
}

TEST_F(LockTest, HeldLockIsRefreshed) {
  auto lock =
      AcquireRepositoryLock(store_.raw(), master_, Kind::kShared, std::chrono::milliseconds(20));
  ASSERT_TRUE(lock.has_value());
  std::string first = store_.Names(FileType::kLock).at(0);
  int64_t first_time = DecodeLock(master_, *store_.raw().Load({FileType::kLock, first}))->time_ns;
  std::string now;
  for (int i = 0; i < 200 && (now.empty() || now == first); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto names = store_.Names(FileType::kLock);
    now = names.size() == 1 ? names[0] : "";
  }
  ASSERT_NE(now, first);
  auto info = DecodeLock(master_, *store_.raw().Load({FileType::kLock, now}));
  ASSERT_TRUE(info.has_value());
  EXPECT_GT(info->time_ns, first_time);
  EXPECT_EQ(info->pid, getpid());
  lock->reset();
  EXPECT_TRUE(store_.Names(FileType::kLock).empty());
}

TEST_F(LockTest, LockFilesAreSealed) {
  LockInfo info{"h", "u", 42, true, 1000};
  Bytes file = EncodeLock(master_, info);
  EXPECT_EQ(AsText(file).find("\"h\""), std::string_view::npos);
  EXPECT_FALSE(DecodeLock(crypto::RandomKey(), file).has_value());
  auto decoded = DecodeLock(master_, file);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->pid, 42);
  EXPECT_TRUE(decoded->exclusive);
  EXPECT_EQ(decoded->time_ns, 1000);
}

// Found by fuzz/fuzz_lock: a lock file (written by anyone who can write to the repository)
// dated after 2262 overflowed the nanosecond time (undefined behaviour) instead of failing.
TEST_F(LockTest, RejectsALockDatedBeyondTheNanosecondRange) {
  std::string_view json =
      R"({"exclusive":true,"hostname":"host","pid":4242,"time":"7247-11-14T22:13:20.000000000Z",)"
      R"("username":"alice0"})";
  auto decoded = DecodeLock(master_, SealFile(master_, AsBytes(json), kLockKind));
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code(), ErrorCode::kFailedCheck);
}

// Found by fuzz/fuzz_lock: a pid written as a huge number was converted from double to int64
// (undefined behaviour) instead of being refused.
TEST_F(LockTest, RejectsAPidThatIsNotAnInt64) {
  std::string pid(90, '2');
  for (const std::string& bad : {pid, std::string("4242.5"), std::string("-1e30")}) {
    std::string json = R"({"exclusive":true,"hostname":"hot","pid":)" + bad +
                       R"(,"time":"2024-11-14T22:13:20.000000000Z","username":"alice"})";
    auto decoded = DecodeLock(master_, SealFile(master_, AsBytes(json), kLockKind));
    ASSERT_FALSE(decoded.has_value()) << bad;
    EXPECT_EQ(decoded.error().code(), ErrorCode::kFailedCheck);
  }
}

TEST(RepositoryLockTest, RepositoryHandsOutLocks) {
  Store store;
  auto repo = store.Init();
  auto shared = repo->AcquireLock(Repository::LockKind::kShared);
  ASSERT_TRUE(shared.has_value());
  auto other = store.Open();
  ASSERT_TRUE(other.has_value());
  EXPECT_TRUE((*other)->AcquireLock(Repository::LockKind::kShared).has_value());
  EXPECT_FALSE((*other)->AcquireLock(Repository::LockKind::kExclusive).has_value());
}

}  // namespace
}  // namespace stormproof::repository
