#include "engine/repository/lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "engine/repository/encoding.h"
#include "engine/repository/sealed_file.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

using backend::FileType;
using Kind = Repository::LockKind;
using testing::Store;

constexpr int64_t kMinute = kNsPerMinute;

// A pid that no process has: a child that has exited and been reaped.
pid_t DeadPid() {
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

// A lock of this machine's, written by the process `pid`.
LockInfo ThisMachine(int64_t pid, bool exclusive = true) {
  LockInfo info = CurrentProcessLock(exclusive ? Kind::kExclusive : Kind::kShared);
  info.pid = pid;
  info.start_ticks = 0;
  return info;
}

// The storage's clock is the test's: files are stamped with storage_now_.
class LockTest : public ::testing::Test {
 protected:
  // Writes a lock file as another process would, `age` old by the storage's clock.
  std::string PlantLock(const LockInfo& info, int64_t age = 0) {
    std::string name = RandomFileName();
    // The master key is private to the repository; a second repository object shares it.
    auto bytes = EncodeLock(master_, info);
    storage_now_ -= age;
    EXPECT_TRUE(store_.raw().Save({FileType::kLock, name}, bytes));
    storage_now_ += age;
    return name;
  }
  Result<std::unique_ptr<Lock>> Acquire(Kind kind) {
    return AcquireRepositoryLock(store_.raw(), master_, kind, env_);
  }

  std::atomic<int64_t> storage_now_{SystemNowNs()};
  Store store_{std::shared_ptr<backend::Backend>(
      backend::NewMemoryBackend([this] { return storage_now_.load(); }))};
  crypto::Key master_ = crypto::RandomKey();
  LockEnvironment env_ = RealLockEnvironment();
};

TEST_F(LockTest, TwoSharedLocksCoexist) {
  auto a = Acquire(Kind::kShared);
  auto b = Acquire(Kind::kShared);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
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
    ASSERT_THAT(held, IsOk());
    auto refused = Acquire(c.wanted);
    ASSERT_FALSE(refused.has_value());
    EXPECT_THAT(refused, ErrorIs(ErrorCode::kLocked));
    std::string expected = "repository is locked by " + HostName() + " pid " +
                           std::to_string(getpid()) + " (" + c.held_word + ", since ";
    EXPECT_EQ(refused.error().message().substr(0, expected.size()), expected);
    EXPECT_EQ(store_.Names(FileType::kLock).size(), 1u) << "the refused lock is removed";
    held->reset();
    EXPECT_TRUE(store_.Names(FileType::kLock).empty()) << "a released lock is removed";
    EXPECT_THAT(Acquire(c.wanted), IsOk());
  }
}

TEST_F(LockTest, StaleLocksAreRemoved) {
  LockInfo other_host{"elsewhere", "u", 1, true, SystemNowNs()};
  LockInfo reused_pid = ThisMachine(getpid());
  reused_pid.start_ticks = 1;  // this pid now belongs to a process started at another time
  struct Case {
    const char* name;
    LockInfo info;
    int64_t storage_age;
  } cases[] = {
      {"dead process on this machine", ThisMachine(DeadPid()), 0},
      {"pid reused by a younger process", reused_pid, 0},
      {"another host's, its file 31 minutes old", other_host, 31 * kMinute},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string stale = PlantLock(c.info, c.storage_age);
    auto lock = Acquire(Kind::kExclusive);
    ASSERT_THAT(lock, IsOk());
    auto names = store_.Names(FileType::kLock);
    EXPECT_EQ(names.size(), 1u);
    EXPECT_NE(names.at(0), stale);
  }
}

// Issue 11: a live process's lock was judged stale by age (a suspended backup, a busy host, or
// another host whose clock is 30 minutes behind), and prune deleted the packs it was writing.
TEST_F(LockTest, LiveLocksAreRespectedWhateverTheirAge) {
  LockInfo behind{"other-host", "u", DeadPid(), true, SystemNowNs() - 45 * kMinute};
  struct Case {
    const char* name;
    LockInfo info;
    int64_t storage_age;
  } cases[] = {
      {"this machine's running process, file 31 minutes old", ThisMachine(getpid()), 31 * kMinute},
      {"another host whose clock is 45 minutes behind", behind, 0},
      {"another host's, file 29 minutes old", behind, 29 * kMinute},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string held = PlantLock(c.info, c.storage_age);
    auto lock = Acquire(Kind::kShared);
    ASSERT_FALSE(lock.has_value());
    EXPECT_THAT(lock, ErrorIs(ErrorCode::kLocked));
    EXPECT_THAT(lock.error().message(), HasSubstr("locked by " + c.info.hostname));
    ASSERT_TRUE(store_.raw().Remove({FileType::kLock, held}));
  }
}

// Found by the many-hosts suite on S3 (tests/reliability/s3_hosts_test.cc): a forget --prune and
// backups started at the same instant retried at the same instants (100 ms, 200 ms, ... without
// jitter), saw each other's lock at every attempt and waited out --retry-lock together. Waits are
// now spread between half and all of the doubling ceiling.
TEST_F(LockTest, RetryPausesDoubleWithJitter) {
  using std::chrono::milliseconds;
  const std::pair<int, int64_t> ceilings[] = {{1, 100}, {2, 200}, {4, 800}, {7, 5000}, {50, 5000}};
  for (auto [attempt, ceiling] : ceilings) {
    std::set<int64_t> pauses;
    std::mt19937_64 random(attempt);
    for (int draw = 0; draw < 200; ++draw) {
      milliseconds pause = LockRetryPause(attempt, random());
      EXPECT_GE(pause.count(), ceiling / 2) << "attempt " << attempt;
      EXPECT_LE(pause.count(), ceiling) << "attempt " << attempt;
      pauses.insert(pause.count());
    }
    EXPECT_GT(pauses.size(), 10u) << "attempt " << attempt << ": the same pause for everyone";
  }
  EXPECT_EQ(LockRetryPause(3, 0), milliseconds(200));
  EXPECT_EQ(LockRetryPause(3, 200), milliseconds(400));
}

TEST_F(LockTest, AnotherMachineOrNamespaceIsJudgedByAgeAlone) {
  LockInfo self = CurrentProcessLock(Kind::kShared);
  LockInfo container = ThisMachine(DeadPid());
  container.pid_namespace = "pid:[1]";
  LockInfo rebooted = ThisMachine(DeadPid());
  rebooted.boot_id = "another boot";
  for (const LockInfo& lock : {container, rebooted}) {
    EXPECT_FALSE(SameMachine(lock, self));
    EXPECT_FALSE(IsStale(lock, 29 * kMinute, env_));
    EXPECT_TRUE(IsStale(lock, 31 * kMinute, env_));
  }
  EXPECT_TRUE(SameMachine(ThisMachine(getpid()), self));
  EXPECT_FALSE(IsStale(ThisMachine(getpid()), 60 * kMinute, env_));
  EXPECT_TRUE(IsStale(ThisMachine(DeadPid()), 0, env_));
}

TEST_F(LockTest, AnUnreadableLockBlocksUntilItIsOld) {
  std::string name = RandomFileName();
  ASSERT_TRUE(store_.raw().Save({FileType::kLock, name}, AsBytes("not a lock")));
  auto refused = Acquire(Kind::kShared);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message(), HasSubstr("unreadable lock file locks/" + name))
      << refused.error().message();
  storage_now_ += 31 * kMinute;
  EXPECT_THAT(Acquire(Kind::kExclusive), IsOk());
}

// A lock file that vanishes while being read is a holder refreshing it: look again.
TEST_F(LockTest, ALockThatVanishesWhileReadIsLookedForAgain) {
  struct Refreshing final : testing::ForwardingBackend {
    using ForwardingBackend::ForwardingBackend;
    Result<Bytes> Load(const backend::Handle& h, uint64_t o, uint64_t l) const override {
      if (h.type == FileType::kLock && h.name == held && vanish-- > 0) {
        return Error::NotFound("locks/" + h.name + ": no such file");
      }
      return target.Load(h, o, l);
    }
    std::string held;
    mutable int vanish = 2;  // counts down in Load
  } refreshing(store_.raw());
  refreshing.held = PlantLock({"other-host", "u", 7, true, SystemNowNs()});
  auto lock = AcquireRepositoryLock(refreshing, master_, Kind::kShared, env_);
  ASSERT_FALSE(lock.has_value()) << "the exclusive lock was missed";
  EXPECT_THAT(lock, ErrorIs(ErrorCode::kLocked));
  EXPECT_EQ(refreshing.vanish, -1) << "read three times: twice gone, then found";
}

// What acquiring costs the storage: a shared lock alone in the listing is one write and one
// listing (no read of our own file's time: there is no other lock to judge by it); another lock
// listed, or an exclusive lock, reads it.
TEST_F(LockTest, ASharedLockAloneIsOneWriteAndOneListing) {
  struct Counting final : testing::ForwardingBackend {
    using ForwardingBackend::ForwardingBackend;
    Status Save(const backend::Handle& h, ByteView d) override {
      ++saves;
      return target.Save(h, d);
    }
    Result<Bytes> Load(const backend::Handle& h, uint64_t o, uint64_t l) const override {
      ++reads;
      return target.Load(h, o, l);
    }
    Result<uint64_t> Size(const backend::Handle& h) const override {
      ++reads;
      return target.Size(h);
    }
    Result<int64_t> ModifiedNs(const backend::Handle& h) const override {
      ++times;
      return target.ModifiedNs(h);
    }
    Status List(FileType t,
                const std::function<void(const std::string&, uint64_t)>& e) const override {
      ++lists;
      return target.List(t, e);
    }
    void Reset() { saves = reads = times = lists = 0; }
    mutable std::atomic<int> saves{0}, reads{0}, times{0}, lists{0};
  } counting(store_.raw());
  env_.refresh_interval = std::chrono::hours(1);  // no background refresh during the test
  const int64_t taken_at = storage_now_;
  {
    auto alone = AcquireRepositoryLock(counting, master_, Kind::kShared, env_);
    ASSERT_THAT(alone, IsOk());
    EXPECT_EQ(counting.saves, 1);
    EXPECT_EQ(counting.lists, 1);
    EXPECT_EQ(counting.times, 0) << "our own lock's time was read with no other lock to judge";
    EXPECT_EQ(counting.reads, 0);
    storage_now_ += kMinute;  // asked later, it is still the time of our file
    EXPECT_EQ((*alone)->storage_time_ns(), taken_at);
    EXPECT_EQ(counting.times, 1);
    EXPECT_EQ((*alone)->storage_time_ns(), taken_at);
    EXPECT_EQ(counting.times, 1) << "read once";
  }
  counting.Reset();
  {
    auto exclusive = AcquireRepositoryLock(counting, master_, Kind::kExclusive, env_);
    ASSERT_THAT(exclusive, IsOk());
    EXPECT_EQ(counting.times, 1) << "prune sets recent packs aside by this time: read at once";
    EXPECT_EQ((*exclusive)->storage_time_ns(), storage_now_.load());
  }
  counting.Reset();
  PlantLock({"other-host", "u", 7, false, SystemNowNs()}, 31 * kMinute);  // stale: removed
  PlantLock({"other-host", "u", 8, false, SystemNowNs()});                // live, shared
  auto beside = AcquireRepositoryLock(counting, master_, Kind::kShared, env_);
  ASSERT_THAT(beside, IsOk());
  EXPECT_GE(counting.times, 1) << "other locks are judged against our file's time";
  std::vector<std::string> left;
  ASSERT_TRUE(store_.raw().List(FileType::kLock,
                                [&](const std::string& name, uint64_t) { left.push_back(name); }));
  EXPECT_EQ(left.size(), 2u) << "the stale lock was not removed";
}

// Storage whose listing does not show a lock just written breaks what the protocol rests on:
// the lock is refused (and its file removed) rather than taken on a listing that may hide others.
TEST_F(LockTest, AListingWithoutTheLockJustWrittenIsRefused) {
  struct Lagging final : testing::ForwardingBackend {
    using ForwardingBackend::ForwardingBackend;
    Status List(FileType t,
                const std::function<void(const std::string&, uint64_t)>& e) const override {
      if (t == FileType::kLock) return Ok();  // an eventually consistent listing, still empty
      return target.List(t, e);
    }
  } lagging(store_.raw());
  auto lock = AcquireRepositoryLock(lagging, master_, Kind::kShared, env_);
  ASSERT_FALSE(lock.has_value());
  EXPECT_THAT(lock, ErrorIs(ErrorCode::kLocked));
  EXPECT_THAT(lock.error().message(), HasSubstr("not read-after-write consistent"));
  int left = 0;
  ASSERT_TRUE(store_.raw().List(FileType::kLock, [&](const std::string&, uint64_t) { ++left; }));
  EXPECT_EQ(left, 0) << "the refused lock's file stays behind";
}

// A holder that could not refresh its lock for kLockLostAfter (suspended, or its writes failed)
// gives it up for good: others may have judged it stale and pruned.
TEST_F(LockTest, AHolderNotRefreshedForTooLongLosesItsLock) {
  std::atomic<int64_t> elapsed{0};
  env_.elapsed_ns = [&] { return elapsed.load(); };
  env_.refresh_interval = std::chrono::hours(1);  // the background refresh never comes
  auto lock = Acquire(Kind::kShared);
  ASSERT_THAT(lock, IsOk());
  EXPECT_TRUE((*lock)->Verify());
  elapsed += 19 * kMinute;
  EXPECT_TRUE((*lock)->Verify());
  elapsed += 2 * kMinute;
  Status lost = (*lock)->Verify();
  ASSERT_FALSE(lost);
  EXPECT_THAT(lost, ErrorIs(ErrorCode::kLocked));
  EXPECT_THAT(lost.error().message(), HasSubstr("was lost (it was not refreshed for 21 minutes)"))
      << lost.error().message();
  EXPECT_FALSE((*lock)->Verify()) << "lost for good";
}

// A virtual machine paused for 25 minutes may not count the pause on its own clock; the storage's
// clock does. A refresh that lands that late gives the lock up instead of reviving it.
TEST_F(LockTest, ARefreshLandingTooLateByTheStorageClockLosesTheLock) {
  env_.elapsed_ns = [] { return int64_t{0}; };  // the holder's clock stands still
  env_.refresh_interval = std::chrono::milliseconds(5);
  auto lock = Acquire(Kind::kShared);
  ASSERT_THAT(lock, IsOk());
  storage_now_ += 25 * kMinute;
  Status lost = Ok();
  for (int i = 0; i < 200 && lost; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    lost = (*lock)->Verify();
  }
  ASSERT_FALSE(lost);
  EXPECT_THAT(lost.error().message(), HasSubstr("could not be refreshed in time"))
      << lost.error().message();
}

// A lock file too large to be one (a hostile repository) is not read into memory: it counts as
// unreadable, and so blocks until it is old.
TEST_F(LockTest, AnOversizedLockFileIsNotReadAndCountsAsUnreadable) {
  std::string name = RandomFileName();
  ASSERT_TRUE(store_.raw().Save({FileType::kLock, name}, Bytes(1 << 20, 'x')));
  auto refused = Acquire(Kind::kShared);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message(), HasSubstr("unreadable lock file"));
  storage_now_ += 31 * kMinute;
  EXPECT_THAT(Acquire(Kind::kShared), IsOk());
}

TEST_F(LockTest, AHolderWhoseFileWasRemovedLosesItsLockAndDoesNotReviveIt) {
  env_.refresh_interval = std::chrono::milliseconds(10);
  auto lock = Acquire(Kind::kShared);
  ASSERT_THAT(lock, IsOk());
  for (const std::string& name : store_.Names(FileType::kLock)) {
    ASSERT_TRUE(store_.raw().Remove({FileType::kLock, name}));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Status lost = (*lock)->Verify();
  ASSERT_FALSE(lost);
  EXPECT_THAT(lost.error().message(), HasSubstr("another process removed it as stale"));
  EXPECT_TRUE(store_.Names(FileType::kLock).empty()) << "a lost lock is not written again";
}

// Storage for credentials that may write and read but not delete (an S3 bucket policy without
// s3:DeleteObject): every delete is refused with kPermissionDenied, and counted.
struct NoDeletes final : testing::ForwardingBackend {
  using ForwardingBackend::ForwardingBackend;
  Status Remove(const backend::Handle& h) override {
    ++refused;
    return Error::PermissionDenied(Location() + "/locks/" + h.name + ": access denied");
  }
  std::atomic<int> refused{0};
};

// The sizes of the lock files, by name.
std::map<std::string, uint64_t> LockSizes(const backend::Backend& backend) {
  std::map<std::string, uint64_t> sizes;
  EXPECT_TRUE(backend.List(FileType::kLock,
                           [&](const std::string& name, uint64_t size) { sizes[name] = size; }));
  return sizes;
}

// An empty lock file is a released lock: no lock at all to anyone, and never read.
TEST_F(LockTest, AnEmptyLockFileIsReleasedAndNotRead) {
  struct Counting final : testing::ForwardingBackend {
    using ForwardingBackend::ForwardingBackend;
    Result<Bytes> Load(const backend::Handle& h, uint64_t o, uint64_t l) const override {
      if (h.type == FileType::kLock) ++reads;
      return target.Load(h, o, l);
    }
    mutable std::atomic<int> reads{0};
  } counting(store_.raw());
  ASSERT_TRUE(store_.raw().Save({FileType::kLock, RandomFileName()}, ByteView()));
  auto exclusive = AcquireRepositoryLock(counting, master_, Kind::kExclusive, env_);
  EXPECT_THAT(exclusive, IsOk()) << "an empty lock file blocked an exclusive lock";
  EXPECT_EQ(counting.reads, 0) << "an empty lock file was read";
}

// With credentials that may not delete, a lock is released by emptying its file; the refusal is
// remembered, so the process asks for one delete only, however many locks it releases.
TEST_F(LockTest, WithoutTheRightToDeleteALockIsReleasedByEmptyingItAfterOneRefusal) {
  NoDeletes no_deletes(store_.raw());
  env_.remover = std::make_shared<LockRemover>();  // one process's (a Repository's) remover
  for (int run = 0; run < 3; ++run) {
    auto lock = AcquireRepositoryLock(no_deletes, master_, Kind::kShared, env_);
    ASSERT_THAT(lock, IsOk()) << "run " << run << ": a released lock blocked the next one";
  }
  EXPECT_EQ(no_deletes.refused, 1) << "the refused delete was tried again";
  auto sizes = LockSizes(store_.raw());
  EXPECT_EQ(sizes.size(), 3u);
  for (const auto& [name, size] : sizes) EXPECT_EQ(size, 0u) << name << " was not released";
  EXPECT_THAT(Acquire(Kind::kExclusive), IsOk()) << "released locks blocked an exclusive lock";
}

// A stale lock another host left is emptied, not deleted, when deletes are refused: it no
// longer blocks anyone.
TEST_F(LockTest, AStaleLockIsEmptiedWhenItCannotBeDeleted) {
  NoDeletes no_deletes(store_.raw());
  std::string stale = PlantLock({"other-host", "u", 7, true, SystemNowNs()}, 31 * kMinute);
  env_.refresh_interval = std::chrono::hours(1);
  auto lock = AcquireRepositoryLock(no_deletes, master_, Kind::kExclusive, env_);
  ASSERT_THAT(lock, IsOk());
  EXPECT_EQ(LockSizes(store_.raw()).at(stale), 0u);
  EXPECT_THAT(Acquire(Kind::kShared), ErrorIs(ErrorCode::kLocked)) << "ours must still block";
}

// Our own lock found empty was released by another process that judged it stale: lost.
TEST_F(LockTest, OurLockFoundEmptyIsLost) {
  env_.refresh_interval = std::chrono::hours(1);
  auto lock = Acquire(Kind::kShared);
  ASSERT_THAT(lock, IsOk());
  std::string ours = store_.Names(FileType::kLock).at(0);
  ASSERT_TRUE(store_.raw().Save({FileType::kLock, ours}, ByteView()));
  Status lost = (*lock)->Verify();
  ASSERT_FALSE(lost);
  EXPECT_THAT(lost, ErrorIs(ErrorCode::kLocked));
  EXPECT_THAT(lost.error().message(), HasSubstr("another process removed it as stale"));
}

// A refresh whose old file was emptied meanwhile (its time is then new) gives the lock up.
TEST_F(LockTest, ARefreshFindingItsOldFileEmptiedLosesTheLock) {
  struct EmptyingBeforeRefresh final : testing::ForwardingBackend {
    using ForwardingBackend::ForwardingBackend;
    // The first save is the acquisition's (on the test's thread, before the refresh thread
    // starts); the next one a refresh's: another process empties our old file just before it.
    Status Save(const backend::Handle& h, ByteView d) override {
      if (h.type == FileType::kLock && ours.empty()) {
        ours = h.name;
      } else if (h.type == FileType::kLock && h.name != ours && !d.empty()) {
        EXPECT_TRUE(target.Save({FileType::kLock, ours}, ByteView()));
      }
      return target.Save(h, d);
    }
    std::string ours;
  } emptying(store_.raw());
  env_.refresh_interval = std::chrono::milliseconds(5);
  auto lock = AcquireRepositoryLock(emptying, master_, Kind::kShared, env_);
  ASSERT_THAT(lock, IsOk());
  Status lost = Ok();
  for (int i = 0; i < 200 && lost; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    lost = (*lock)->Verify();
  }
  ASSERT_FALSE(lost);
  EXPECT_THAT(lost.error().message(), HasSubstr("another process removed it as stale"));
}

// forget, prune and repair ask first: a probe file is written and deleted. Refused: one line
// naming what is missing and what to do, the probe left empty (released), and no second request.
TEST_F(LockTest, CheckMayDeleteRefusesCredentialsThatMayNotDelete) {
  LockRemover may_delete;
  EXPECT_THAT(may_delete.CheckMayDelete(store_.raw()), IsOk());
  EXPECT_TRUE(LockSizes(store_.raw()).empty()) << "the probe stayed behind";

  NoDeletes no_deletes(store_.raw());
  LockRemover remover;
  Status refused = remover.CheckMayDelete(no_deletes);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused, ErrorIs(ErrorCode::kPermissionDenied));
  EXPECT_THAT(
      refused.error().message(),
      ::testing::AllOf(HasSubstr(store_.raw().Location() + ": these credentials may not delete"),
                       HasSubstr("s3:DeleteObject refused for locks/"),
                       HasSubstr("forget, prune and repair need the maintenance credentials")));
  EXPECT_EQ(refused.error().message().find('\n'), std::string::npos);
  auto sizes = LockSizes(store_.raw());
  ASSERT_EQ(sizes.size(), 1u);
  EXPECT_EQ(sizes.begin()->second, 0u) << "the probe is not empty";
  EXPECT_FALSE(remover.CheckMayDelete(no_deletes));
  EXPECT_EQ(no_deletes.refused, 1) << "asked again";
}

// Prune (credentials that may delete) removes released lock files and nothing else.
TEST_F(LockTest, RemoveReleasedLocksRemovesOnlyEmptyFiles) {
  std::string live = PlantLock({"other-host", "u", 7, false, SystemNowNs()});
  ASSERT_TRUE(store_.raw().Save({FileType::kLock, RandomFileName()}, ByteView()));
  ASSERT_TRUE(store_.raw().Save({FileType::kLock, RandomFileName()}, ByteView()));
  auto removed = RemoveReleasedLocks(store_.raw());
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(*removed, 2u);
  EXPECT_EQ(store_.Names(FileType::kLock), std::vector<std::string>{live});
}

TEST_F(LockTest, HeldLockIsRefreshed) {
  env_.refresh_interval = std::chrono::milliseconds(20);
  auto lock = Acquire(Kind::kShared);
  ASSERT_THAT(lock, IsOk());
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
  ASSERT_THAT(info, IsOk());
  EXPECT_GT(info->time_ns, first_time);
  EXPECT_EQ(info->pid, getpid());
  lock->reset();
  EXPECT_TRUE(store_.Names(FileType::kLock).empty());
}

TEST_F(LockTest, LockFilesAreSealed) {
  LockInfo info{"h", "u", 42, true, 1000};
  Bytes file = EncodeLock(master_, info);
  EXPECT_THAT(AsText(file), Not(HasSubstr("\"h\"")));
  EXPECT_FALSE(DecodeLock(crypto::RandomKey(), file).has_value());
  auto decoded = DecodeLock(master_, file);
  ASSERT_THAT(decoded, IsOk());
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
  EXPECT_THAT(decoded, ErrorIs(ErrorCode::kFailedCheck));
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
    EXPECT_THAT(decoded, ErrorIs(ErrorCode::kFailedCheck));
  }
}

TEST(RepositoryLockTest, RepositoryHandsOutLocks) {
  Store store;
  auto repo = store.Init();
  auto shared = repo->AcquireLock(Repository::LockKind::kShared);
  ASSERT_THAT(shared, IsOk());
  auto other = store.Open();
  ASSERT_THAT(other, IsOk());
  EXPECT_THAT((*other)->AcquireLock(Repository::LockKind::kShared), IsOk());
  EXPECT_FALSE((*other)->AcquireLock(Repository::LockKind::kExclusive).has_value());
}

}  // namespace
}  // namespace stormproof::repository
