// The copier (engine/copier): snapshots copied between repositories with different keys restore
// byte-identical; copies are never duplicated; a changed backup's copy reads only what changed;
// damage, failed writes and interruption leave the destination consistent.
#include "engine/copier/copier.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/bytes.h"
#include "core/interrupt.h"
#include "engine/archiver/archiver.h"
#include "engine/checker/checker.h"
#include "engine/repair/index_repair.h"
#include "engine/repository/lock.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/tree_store.h"
#include "engine/restorer/restorer.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"
#include "tests/support/generated_data.h"

namespace stormproof::copier {
namespace {

namespace fs = std::filesystem;
using repository::BlobType;
using repository::Id;
using repository::Repository;
using repository::Snapshot;
using repository::testing::ForwardingBackend;
using repository::testing::Store;
using stormproof::testing::RandomData;
using stormproof::testing::TextData;

constexpr char kDestinationPassword[] = "the offsite copy's own password";

std::map<std::string, std::string> Contents(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    files[fs::relative(entry.path(), root).string()] =
        std::string(std::istreambuf_iterator<char>(in), {});
  }
  return files;
}

// Fails every pack save after the first `allowed`: a destination whose disk fills up mid-copy.
class PackSavesFailAfter : public ForwardingBackend {
 public:
  PackSavesFailAfter(std::unique_ptr<backend::Backend> view, int allowed)
      : ForwardingBackend(*view), view_(std::move(view)), allowed_(allowed) {}
  Status Save(const backend::Handle& handle, ByteView data) override {
    if (handle.type == backend::FileType::kPack && allowed_-- <= 0) {
      return Error::Io("data/" + handle.name + ": no space left on device");
    }
    return target.Save(handle, data);
  }

 private:
  std::unique_ptr<backend::Backend> view_;
  int allowed_;
};

// Counts the requests a repository makes of its storage (each Load or Save is one request on
// object storage).
class CountingBackend : public ForwardingBackend {
 public:
  explicit CountingBackend(std::unique_ptr<backend::Backend> view)
      : ForwardingBackend(*view), view_(std::move(view)) {}
  Status Save(const backend::Handle& handle, ByteView data) override {
    ++saves;
    return target.Save(handle, data);
  }
  Result<Bytes> Load(const backend::Handle& h, uint64_t offset, uint64_t length) const override {
    ++loads;
    return target.Load(h, offset, length);
  }
  mutable int loads = 0;
  int saves = 0;

 private:
  std::unique_ptr<backend::Backend> view_;
};

// Holds the first snapshot save until Release(): a copy stopped right before it writes its
// snapshot, while another copy runs.
class PausesBeforeSnapshot : public ForwardingBackend {
 public:
  explicit PausesBeforeSnapshot(std::unique_ptr<backend::Backend> view)
      : ForwardingBackend(*view), view_(std::move(view)) {}
  Status Save(const backend::Handle& handle, ByteView data) override {
    if (handle.type == backend::FileType::kSnapshot) {
      std::unique_lock<std::mutex> lock(mu_);
      paused_ = true;
      changed_.notify_all();
      changed_.wait(lock, [&] { return released_; });
    }
    return target.Save(handle, data);
  }
  // Whether the copy reached its snapshot save within 60 s.
  bool WaitUntilPaused() {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(60), [&] { return paused_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::unique_ptr<backend::Backend> view_;
  std::mutex mu_;
  std::condition_variable changed_;
  bool paused_ = false, released_ = false;
};

// Fails every read of the packs in `packs` (every pack when empty) with `error`: a source whose
// storage cannot be reached or refuses the request, while its data is intact.
class PackReadsFail : public ForwardingBackend {
 public:
  PackReadsFail(std::unique_ptr<backend::Backend> view, Error error, std::set<std::string> packs)
      : ForwardingBackend(*view),
        view_(std::move(view)),
        error_(std::move(error)),
        packs_(std::move(packs)) {}
  Result<Bytes> Load(const backend::Handle& h, uint64_t offset, uint64_t length) const override {
    if (h.type == backend::FileType::kPack && (packs_.empty() || packs_.contains(h.name))) {
      return error_.WithContext("data/" + h.name);
    }
    return target.Load(h, offset, length);
  }

 private:
  std::unique_ptr<backend::Backend> view_;
  Error error_;
  std::set<std::string> packs_;
};

class CopierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/stormproof-copier-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    root_ = dir;
    data_ = root_ / "data";
    fs::create_directories(data_ / "docs");
    fs::create_directories(data_ / "images");
    source_ = source_store_.Init();
    destination_ = destination_store_.Init(kDestinationPassword);
    ASSERT_NE(source_, nullptr);
    ASSERT_NE(destination_, nullptr);
  }
  void TearDown() override {
    SimulateInterruptionForTesting(0);
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  void Write(const std::string& relative, ByteView bytes) const {
    std::ofstream(data_ / relative, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  }
  // 20 small text files and two random 1.5 MiB files (several chunks each).
  void WriteDataset() const {
    for (int i = 0; i < 20; ++i) {
      Write("docs/doc" + std::to_string(i) + ".txt", TextData(5000 + i, i));
    }
    Write("images/a.img", RandomData(3 << 19, 1));
    Write("images/b.img", RandomData(3 << 19, 2));
  }

  Snapshot Backup(Repository& repo, const std::optional<Snapshot>& parent = std::nullopt) {
    archiver::BackupOptions options;
    options.paths = {data_.string()};
    options.hostname = "fileserver-01";
    options.parent = parent;
    options.threads = 2;
    auto snapshot = archiver::Backup(repo, options, {}, {});
    EXPECT_THAT(snapshot, IsOk());
    return snapshot ? *snapshot : Snapshot{};
  }

  // What `snapshot` of `repo` restores, by path below the backed-up data folder.
  std::map<std::string, std::string> Restored(const Repository& repo, const Snapshot& snapshot) {
    fs::path target = root_ / ("restore-" + std::to_string(restores_++));
    restorer::RestoreOptions options;
    options.target = target.string();
    options.verify = true;
    auto restored = restorer::Restore(repo, snapshot, options, {}, {});
    EXPECT_THAT(restored, IsOk());
    if (restored) {
      EXPECT_EQ(restored->errors, 0u);
    }
    return Contents(target / data_.relative_path());
  }

  Snapshot CopyOf(const Repository& repo, const Id& id) const {
    auto snapshot = repo.LoadSnapshot(id);
    EXPECT_THAT(snapshot, IsOk());
    return snapshot ? *snapshot : Snapshot{};
  }

  static void ExpectCheckPasses(const Repository& repo) {
    checker::CheckReport report = checker::Check(repo, {1.0}, {});
    EXPECT_TRUE(report.ok()) << (report.errors.empty() ? "" : report.errors.front());
  }

  // Reopened, the destination restores `copy` as the data folder, and check passes.
  void ExpectReopenedDestinationRestores(const Id& copy) {
    auto reopened = destination_store_.Open(kDestinationPassword);
    ASSERT_THAT(reopened, IsOk());
    EXPECT_EQ(Restored(**reopened, CopyOf(**reopened, copy)), Contents(data_));
    ExpectCheckPasses(**reopened);
  }

  // Copies `held_ids` into a view of the destination that holds the copy right before it saves
  // its snapshot (result in *held) while `ids` are copied into destination_, then lets the held
  // copy go on. Returns the second copy's result; an error (and a test failure) when the held
  // copy never reached its snapshot.
  Result<CopySummary> CopyBesideAHeldCopy(const std::vector<Id>& held_ids,
                                          const std::vector<Id>& ids,
                                          std::optional<Result<CopySummary>>* held) {
    auto pausing = std::make_unique<PausesBeforeSnapshot>(destination_store_.View());
    PausesBeforeSnapshot* gate = pausing.get();
    auto held_back = Repository::Open(std::move(pausing), kDestinationPassword);
    EXPECT_THAT(held_back, IsOk());
    if (!held_back) return held_back.error();
    std::thread paused([&] { *held = Copy(*source_, **held_back, held_ids, {}); });
    if (!gate->WaitUntilPaused()) {
      gate->Release();
      paused.join();
      ADD_FAILURE() << "the first copy never reached its snapshot";
      return Error::Internal("the held copy never reached its snapshot");
    }
    Result<CopySummary> copied = Copy(*source_, *destination_, ids, {});
    gate->Release();
    paused.join();
    return copied;
  }

  fs::path root_, data_;
  Store source_store_, destination_store_;
  std::unique_ptr<Repository> source_, destination_;
  int restores_ = 0;
};

TEST_F(CopierTest, CopyRestoresByteIdenticalUnderTheDestinationsKey) {
  WriteDataset();
  Snapshot original = Backup(*source_);
  auto copied = Copy(*source_, *destination_, {original.id}, {});
  ASSERT_THAT(copied, IsOk());
  ASSERT_EQ(copied->snapshots.size(), 1u);
  EXPECT_FALSE(copied->snapshots[0].already_copied);
  EXPECT_EQ(copied->snapshots[0].source, original.id);
  EXPECT_GT(copied->data_blobs_written, 20u);
  EXPECT_GT(copied->bytes_written, 3u << 20);
  EXPECT_GE(copied->bytes_read, 3u << 20);

  Snapshot copy = CopyOf(*destination_, copied->snapshots[0].destination);
  ASSERT_TRUE(copy.copied_from.has_value());
  EXPECT_EQ(copy.copied_from->repository, source_->id());
  EXPECT_EQ(copy.copied_from->snapshot, original.id);
  EXPECT_EQ(copy.time_ns, original.time_ns);
  EXPECT_EQ(copy.hostname, original.hostname);
  EXPECT_EQ(copy.paths, original.paths);
  EXPECT_NE(copy.tree, original.tree);
  EXPECT_EQ(Restored(*destination_, copy), Contents(data_));

  // The repositories share no key: no data blob id of the source names one in the destination.
  size_t source_data_blobs = 0;
  source_->ForEachIndexedBlob([&](const Id& id, const repository::BlobLocation& at) {
    if (at.type != BlobType::kData) return;
    ++source_data_blobs;
    EXPECT_FALSE(destination_->HasBlob(BlobType::kData, id)) << id.Hex();
  });
  EXPECT_GT(source_data_blobs, 20u);
  ExpectCheckPasses(*destination_);
}

TEST_F(CopierTest, CopiesManySnapshotsBetweenLocalRepositories) {
  auto source_backend = backend::CreateLocalBackend((root_ / "source-repo").string());
  auto destination_backend = backend::CreateLocalBackend((root_ / "destination-repo").string());
  ASSERT_THAT(source_backend, IsOk());
  ASSERT_THAT(destination_backend, IsOk());
  auto source = Repository::Init(std::move(*source_backend), "source password");
  auto destination = Repository::Init(std::move(*destination_backend), kDestinationPassword);
  ASSERT_THAT(source, IsOk());
  ASSERT_THAT(destination, IsOk());

  WriteDataset();
  std::vector<Snapshot> backups;
  std::vector<std::map<std::string, std::string>> expected;
  for (int round = 0; round < 3; ++round) {
    if (round > 0) Write("docs/round" + std::to_string(round), TextData(70000, 100 + round));
    Write("docs/doc1.txt", TextData(6000, 50 + round));
    backups.push_back(Backup(**source, backups.empty() ? std::nullopt
                                                        : std::optional(backups.back())));
    expected.push_back(Contents(data_));
  }
  // Newest first on purpose: copies are made oldest first.
  auto copied = Copy(**source, **destination, {backups[2].id, backups[0].id, backups[1].id}, {});
  ASSERT_THAT(copied, IsOk());
  ASSERT_EQ(copied->snapshots.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(copied->snapshots[i].source, backups[i].id);
    Snapshot copy = CopyOf(**destination, copied->snapshots[i].destination);
    EXPECT_EQ(Restored(**destination, copy), expected[i]) << "snapshot " << i;
    EXPECT_FALSE(copy.parent.has_value()) << "a copy names no parent (copier.h)";
  }
  ExpectCheckPasses(**destination);
}

TEST_F(CopierTest, CopyingAgainWritesNothing) {
  WriteDataset();
  Snapshot original = Backup(*source_);
  auto first = Copy(*source_, *destination_, {original.id}, {});
  ASSERT_THAT(first, IsOk());
  std::set<std::string> files = destination_store_.ContentNames();

  auto again = Copy(*source_, *destination_, {original.id}, {});
  ASSERT_THAT(again, IsOk());
  ASSERT_EQ(again->snapshots.size(), 1u);
  EXPECT_TRUE(again->snapshots[0].already_copied);
  EXPECT_EQ(again->snapshots[0].destination, first->snapshots[0].destination);
  EXPECT_EQ(again->data_blobs_written + again->tree_blobs_written, 0u);
  EXPECT_LT(again->bytes_read, 20'000u);  // the trees that prove the copy, no file data
  EXPECT_TRUE(again->unproven_claims.empty());
  EXPECT_EQ(destination_store_.ContentNames(), files);

  // Also from a fresh process's view of both repositories.
  auto destination = destination_store_.Open(kDestinationPassword);
  ASSERT_THAT(destination, IsOk());
  auto reopened = Copy(*source_, **destination, {original.id}, {});
  ASSERT_THAT(reopened, IsOk());
  EXPECT_TRUE(reopened->snapshots[0].already_copied);
  EXPECT_EQ(destination_store_.ContentNames(), files);
}

// Runs `meanwhile` once, right as the first snapshot is saved: before the save (`before`, after
// the copy looked whether the file was there) or after it. The copy's lock files are removed
// after the save, as a prune that judged the lock stale would: the copy's lock is lost.
class LosesTheLockAtSnapshotSave : public ForwardingBackend {
 public:
  LosesTheLockAtSnapshotSave(std::unique_ptr<backend::Backend> view, bool before,
                             std::function<void(backend::Backend&)> meanwhile)
      : ForwardingBackend(*view),
        view_(std::move(view)),
        before_(before),
        meanwhile_(std::move(meanwhile)) {}
  Status Save(const backend::Handle& handle, ByteView data) override {
    if (handle.type != backend::FileType::kSnapshot || done_) return target.Save(handle, data);
    done_ = true;
    if (before_) meanwhile_(target);
    STORMPROOF_TRY(target.Save(handle, data));
    RemoveAll(target, backend::FileType::kLock);
    if (!before_) meanwhile_(target);
    return Ok();
  }
  static void RemoveAll(backend::Backend& storage, backend::FileType type) {
    std::vector<std::string> names;
    EXPECT_TRUE(storage.List(type, [&](const std::string& n, uint64_t) { names.push_back(n); }));
    for (const std::string& name : names) EXPECT_TRUE(storage.Remove({type, name}));
  }

 private:
  std::unique_ptr<backend::Backend> view_;
  bool before_;
  std::function<void(backend::Backend&)> meanwhile_;
  bool done_ = false;
};

// A changed backup's copy, in a new Copy call (nothing remembered in memory): only the changed
// file is read; everything else is mapped through the earlier copy.
// Two copies of one source snapshot into one destination at once (two `run`s, or a run beside a
// `stormproof copy`): the first is held right before it writes its snapshot while the second
// copies the same snapshot and finishes, then the first goes on. A copy's snapshot file is the
// same for the same copy (same content, same id): the destination holds one copy, not two.
TEST_F(CopierTest, TwoCopiesAtOnceOfOneSnapshotWriteOneFile) {
  WriteDataset();
  Snapshot original = Backup(*source_);
  std::optional<Result<CopySummary>> first;
  auto second = CopyBesideAHeldCopy({original.id}, {original.id}, &first);
  ASSERT_THAT(second, IsOk());
  ASSERT_TRUE(first.has_value());
  ASSERT_THAT(*first, IsOk());
  ASSERT_EQ((*first)->snapshots.size(), 1u);
  ASSERT_EQ(second->snapshots.size(), 1u);
  EXPECT_FALSE((*first)->snapshots[0].already_copied) << "the first copy was not held back";
  EXPECT_EQ((*first)->snapshots[0].destination, second->snapshots[0].destination);
  EXPECT_EQ(destination_store_.Names(backend::FileType::kSnapshot).size(), 1u)
      << "the source snapshot was copied twice";
  ExpectReopenedDestinationRestores(second->snapshots[0].destination);
}

// Two copies at once of a snapshot whose parent only one of them copies (`stormproof copy X`
// beside a run copying P and X): the first, asked for X alone, found no copy of P and is held
// right before it writes X's copy; the second copies P and X and finishes; then the first goes
// on. A copy names no parent, so both copies of X are the same file: the destination holds P's
// copy and one copy of X. (Before: X's copies differed in `parent`, two files for one snapshot.)
TEST_F(CopierTest, TwoCopiesAtOnceDisagreeingOnTheParentWriteOneFile) {
  WriteDataset();
  Snapshot parent = Backup(*source_);
  Write("docs/doc3.txt", TextData(5003, 999));
  Snapshot child = Backup(*source_, parent);
  ASSERT_EQ(child.parent, parent.id);
  std::optional<Result<CopySummary>> first;
  auto second = CopyBesideAHeldCopy({child.id}, {parent.id, child.id}, &first);
  ASSERT_THAT(second, IsOk());
  ASSERT_TRUE(first.has_value());
  ASSERT_THAT(*first, IsOk());
  ASSERT_EQ((*first)->snapshots.size(), 1u);
  ASSERT_EQ(second->snapshots.size(), 2u);
  EXPECT_FALSE((*first)->snapshots[0].already_copied) << "the first copy was not held back";
  EXPECT_FALSE(second->snapshots[1].already_copied) << "the second copy saw the first's";
  EXPECT_EQ((*first)->snapshots[0].destination, second->snapshots[1].destination);
  EXPECT_EQ(destination_store_.Names(backend::FileType::kSnapshot).size(), 2u)
      << "the child snapshot was copied twice";
  ExpectReopenedDestinationRestores(second->snapshots[1].destination);
}

// Copy A looked for its snapshot's file (not there), then copy B of the same snapshot saved the
// same file and printed its id; A saves it too and finds its lock lost. The file is whole, so A
// leaves it: B's printed id restores. (Before: A took it back, and B's id was gone.)
TEST_F(CopierTest, ACopyThatLostItsLockLeavesTheWholeSnapshotAnotherCopyPrinted) {
  WriteDataset();
  Snapshot original = Backup(*source_);
  std::optional<Result<CopySummary>> second;
  auto losing = std::make_unique<LosesTheLockAtSnapshotSave>(
      destination_store_.View(), /*before=*/true, [&](backend::Backend&) {
        auto lock = destination_->AcquireLock(Repository::LockKind::kShared);
        ASSERT_THAT(lock, IsOk());
        second = Copy(*source_, *destination_, {original.id}, {});
      });
  auto first_repo = Repository::Open(std::move(losing), kDestinationPassword);
  ASSERT_THAT(first_repo, IsOk());
  {
    auto lock = (*first_repo)->AcquireLock(Repository::LockKind::kShared);
    ASSERT_THAT(lock, IsOk());
    auto first = Copy(*source_, **first_repo, {original.id}, {});
    ASSERT_THAT(first, ErrorIs(ErrorCode::kLocked, HasSubstr("left in place: it is whole")));
  }
  ASSERT_TRUE(second.has_value());
  ASSERT_THAT(*second, IsOk());
  ASSERT_EQ((*second)->snapshots.size(), 1u);
  const Id printed = (*second)->snapshots[0].destination;
  EXPECT_EQ(destination_store_.Names(backend::FileType::kSnapshot),
            std::vector<std::string>{printed.Hex()});
  ExpectReopenedDestinationRestores(printed);
}

// A copy that lost its lock while a prune removed the data its snapshot needs (no other copy
// saved it): the snapshot is not whole, and is taken back.
TEST_F(CopierTest, ACopyThatLostItsLockWithdrawsASnapshotWhoseDataIsGone) {
  WriteDataset();
  Snapshot original = Backup(*source_);
  auto losing = std::make_unique<LosesTheLockAtSnapshotSave>(
      destination_store_.View(), /*before=*/false, [](backend::Backend& storage) {
        LosesTheLockAtSnapshotSave::RemoveAll(storage, backend::FileType::kPack);
        LosesTheLockAtSnapshotSave::RemoveAll(storage, backend::FileType::kIndex);
      });
  auto repo = Repository::Open(std::move(losing), kDestinationPassword);
  ASSERT_THAT(repo, IsOk());
  auto lock = (*repo)->AcquireLock(Repository::LockKind::kShared);
  ASSERT_THAT(lock, IsOk());
  auto copied = Copy(*source_, **repo, {original.id}, {});
  ASSERT_THAT(copied, ErrorIs(ErrorCode::kLocked, HasSubstr("withdrawn (not whole: ")));
  EXPECT_TRUE(destination_store_.Names(backend::FileType::kSnapshot).empty());
}

// A copy that lost its lock and cannot take a fresh one (a prune holds the repository) cannot
// tell whether its snapshot is whole; another copy may have printed it, so it is left in place
// and the error says to run check. (Before: it was taken back.)
TEST_F(CopierTest, ACopyThatLostItsLockAndCannotLockAgainLeavesTheSnapshotForCheck) {
  WriteDataset();
  Snapshot original = Backup(*source_);
  auto pruner = destination_store_.Open(kDestinationPassword);
  ASSERT_THAT(pruner, IsOk());
  std::unique_ptr<repository::Lock> pruning;
  auto losing = std::make_unique<LosesTheLockAtSnapshotSave>(
      destination_store_.View(), /*before=*/false, [&](backend::Backend&) {
        auto lock = (*pruner)->AcquireLock(Repository::LockKind::kExclusive);
        ASSERT_THAT(lock, IsOk());
        pruning = std::move(lock).value();
      });
  auto repo = Repository::Open(std::move(losing), kDestinationPassword);
  ASSERT_THAT(repo, IsOk());
  repository::LockEnvironment impatient = repository::RealLockEnvironment();
  impatient.fresh_lock_wait = std::chrono::milliseconds(300);  // the prune outlasts it
  (*repo)->SetLockEnvironment(impatient);
  {
    auto lock = (*repo)->AcquireLock(Repository::LockKind::kShared);
    ASSERT_THAT(lock, IsOk());
    auto copied = Copy(*source_, **repo, {original.id}, {});
    ASSERT_THAT(copied, ErrorIs(ErrorCode::kLocked, HasSubstr("could not be told (no fresh lock")));
    EXPECT_THAT(copied.error().message(), HasSubstr("run 'stormproof check'"));
  }
  ASSERT_NE(pruning, nullptr);
  pruning.reset();
  EXPECT_EQ(destination_store_.Names(backend::FileType::kSnapshot).size(), 1u);
}

// A copy that lost its lock to a prune still running waits for the prune to end before it judges
// its snapshot: the prune removed the data it needs, so the snapshot is withdrawn, not left
// broken in place. (Before: no wait, "could not be told", and the broken file stayed.)
TEST_F(CopierTest, ACopyThatLostItsLockToARunningPruneWaitsForItAndWithdraws) {
  WriteDataset();
  Snapshot original = Backup(*source_);
  auto pruner = destination_store_.Open(kDestinationPassword);
  ASSERT_THAT(pruner, IsOk());
  std::thread pruning;
  auto losing = std::make_unique<LosesTheLockAtSnapshotSave>(
      destination_store_.View(), /*before=*/false, [&](backend::Backend& storage) {
        auto lock = (*pruner)->AcquireLock(Repository::LockKind::kExclusive);
        ASSERT_THAT(lock, IsOk());
        // The prune goes on after the copy's save: it removes the data, then lets go.
        pruning = std::thread([&storage, held = std::move(lock).value()]() mutable {
          std::this_thread::sleep_for(std::chrono::milliseconds(400));
          LosesTheLockAtSnapshotSave::RemoveAll(storage, backend::FileType::kPack);
          LosesTheLockAtSnapshotSave::RemoveAll(storage, backend::FileType::kIndex);
          held.reset();
        });
      });
  auto repo = Repository::Open(std::move(losing), kDestinationPassword);
  ASSERT_THAT(repo, IsOk());
  {
    auto lock = (*repo)->AcquireLock(Repository::LockKind::kShared);
    ASSERT_THAT(lock, IsOk());
    auto copied = Copy(*source_, **repo, {original.id}, {});
    if (pruning.joinable()) pruning.join();
    ASSERT_THAT(copied, ErrorIs(ErrorCode::kLocked, HasSubstr("withdrawn (not whole: ")));
  }
  EXPECT_TRUE(destination_store_.Names(backend::FileType::kSnapshot).empty());
}

TEST_F(CopierTest, ChangedBackupsCopyReadsOnlyTheChange) {
  WriteDataset();
  Snapshot first = Backup(*source_);
  auto full = Copy(*source_, *destination_, {first.id}, {});
  ASSERT_THAT(full, IsOk());

  Write("docs/doc3.txt", TextData(5003, 999));
  Snapshot second = Backup(*source_, first);
  // Fresh views of both (nothing cached), counting what they ask of their storage.
  auto source_requests = new CountingBackend(source_store_.View());
  auto destination_requests = new CountingBackend(destination_store_.View());
  auto source = Repository::Open(std::unique_ptr<backend::Backend>(source_requests),
                                 repository::testing::kPassword);
  auto destination = Repository::Open(std::unique_ptr<backend::Backend>(destination_requests),
                                      kDestinationPassword);
  ASSERT_THAT(source, IsOk());
  ASSERT_THAT(destination, IsOk());
  const int source_loads_at_open = source_requests->loads;
  const int destination_loads_at_open = destination_requests->loads;
  auto changed = Copy(**source, **destination, {second.id}, {});
  ASSERT_THAT(changed, IsOk());
  const int source_loads = source_requests->loads - source_loads_at_open;
  const int destination_loads = destination_requests->loads - destination_loads_at_open;
  std::cout << "first copy: bytes_read " << full->bytes_read << ", bytes_written "
            << full->bytes_written << ", blobs_mapped " << full->blobs_mapped
            << "; after a small change: bytes_read " << changed->bytes_read << ", bytes_written "
            << changed->bytes_written << ", blobs_mapped " << changed->blobs_mapped
            << "; requests: source " << source_loads << " reads, destination "
            << destination_loads << " reads and " << destination_requests->saves
            << " writes\n";
  // Reads: the snapshot files, the earlier and the new snapshot's trees, the changed file.
  EXPECT_LT(source_loads, 30);
  EXPECT_LT(destination_requests->saves, 6);  // two packs, an index, a snapshot
  EXPECT_EQ(full->blobs_mapped, 0u);
  // Read: the changed file (5 KB) and the trees (the earlier snapshot's and the new one's
  // changed directories), not the 3 MiB of unchanged data.
  EXPECT_LT(changed->bytes_read, 40'000u);
  EXPECT_GE(changed->bytes_read, 5003u);
  EXPECT_EQ(changed->data_blobs_written, 1u);
  EXPECT_GE(changed->blobs_mapped, 25u);  // the unchanged files' blobs and the images folder
  EXPECT_LT(changed->bytes_written, 20'000u);
  Snapshot copy = CopyOf(**destination, changed->snapshots[0].destination);
  EXPECT_FALSE(copy.parent.has_value());
  EXPECT_EQ(Restored(**destination, copy), Contents(data_));
  ExpectCheckPasses(**destination);
}

// Without a copied parent, the newest copy of the same host and paths is zipped.
TEST_F(CopierTest, UnrelatedBackupOfTheSamePathsReusesTheNewestCopy) {
  WriteDataset();
  Snapshot first = Backup(*source_);
  ASSERT_THAT(Copy(*source_, *destination_, {first.id}, {}), IsOk());
  Write("images/c.img", RandomData(100'000, 3));
  Snapshot second = Backup(*source_);  // no parent
  auto copied = Copy(*source_, *destination_, {second.id}, {});
  ASSERT_THAT(copied, IsOk());
  EXPECT_LT(copied->bytes_read, 150'000u);
  EXPECT_GE(copied->blobs_mapped, 20u);
  EXPECT_EQ(Restored(*destination_, CopyOf(*destination_, copied->snapshots[0].destination)),
            Contents(data_));
}

// A mapped id the destination no longer holds is not trusted: the blob is read and written again.
TEST_F(CopierTest, MappedBlobsMissingFromTheDestinationAreCopiedAgain) {
  WriteDataset();
  Snapshot first = Backup(*source_);
  auto full = Copy(*source_, *destination_, {first.id}, {});
  ASSERT_THAT(full, IsOk());
  // A destination that lost its data packs (and knows it: its index no longer names them).
  Store damaged;
  for (backend::FileType type : {backend::FileType::kConfig, backend::FileType::kKey,
                                 backend::FileType::kSnapshot}) {
    for (const std::string& name : destination_store_.Names(type)) {
      auto bytes = destination_store_.raw().Load({type, name});
      ASSERT_THAT(bytes, IsOk());
      ASSERT_TRUE(damaged.raw().Save({type, name}, *bytes));
    }
  }
  auto destination = damaged.Open(kDestinationPassword);
  ASSERT_THAT(destination, IsOk());
  Write("docs/doc3.txt", TextData(5003, 999));
  Snapshot second = Backup(*source_, first);
  auto copied = Copy(*source_, **destination, {second.id}, {});
  ASSERT_THAT(copied, IsOk());
  EXPECT_GE(copied->bytes_read, 3u << 20);
  EXPECT_EQ(Restored(**destination, CopyOf(**destination, copied->snapshots[0].destination)),
            Contents(data_));
}

TEST_F(CopierTest, DestinationHoldingTheBlobsAlreadyGetsNoDuplicates) {
  for (int i = 0; i < 20; ++i) {
    Write("docs/doc" + std::to_string(i) + ".txt", TextData(5000 + i, i));
  }
  Backup(*destination_);  // the destination's own backup of the same (single-chunk) files
  size_t blobs_before = destination_->IndexedBlobCount();
  Snapshot original = Backup(*source_);
  auto copied = Copy(*source_, *destination_, {original.id}, {});
  ASSERT_THAT(copied, IsOk());
  EXPECT_EQ(copied->data_blobs_written, 0u);
  EXPECT_GE(copied->bytes_read, 100'000u);  // read (nothing mapped), but not written
  EXPECT_EQ(destination_->IndexedBlobCount(), blobs_before + copied->tree_blobs_written);
  EXPECT_EQ(Restored(*destination_, CopyOf(*destination_, copied->snapshots[0].destination)),
            Contents(data_));
}

TEST_F(CopierTest, DamagedSourceBlobFailsNamingBlobPackAndSnapshot) {
  WriteDataset();
  Snapshot first = Backup(*source_);
  Write("images/new.img", RandomData(200'000, 7));
  Snapshot second = Backup(*source_, first);
  fs::remove(data_ / "images" / "new.img");
  Write("docs/doc5.txt", TextData(7005, 55));
  Snapshot third = Backup(*source_, second);  // without the damaged file
  auto first_copy = Copy(*source_, *destination_, {first.id}, {});
  ASSERT_THAT(first_copy, IsOk());
  // Damage the first blob of the file only the second snapshot has.
  std::optional<Id> tree = second.tree;
  repository::Node node;
  for (const auto& component : (data_ / "images" / "new.img").relative_path()) {
    ASSERT_TRUE(tree.has_value());
    auto listing = repository::LoadTree(*source_, *tree);
    ASSERT_THAT(listing, IsOk());
    auto it = std::find_if(listing->nodes.begin(), listing->nodes.end(),
                           [&](const repository::Node& n) { return n.name == component; });
    ASSERT_NE(it, listing->nodes.end()) << component;
    node = *it;
    tree = node.subtree;
  }
  ASSERT_FALSE(node.content.empty());
  const Id damaged_blob = node.content.front();
  const repository::BlobLocation damaged_at = *source_->FindBlob(BlobType::kData, damaged_blob);
  source_store_.Rewrite({backend::FileType::kPack, damaged_at.pack.Hex()}, [&](Bytes& bytes) {
    bytes[damaged_at.offset + damaged_at.length / 2] ^= 0x55;
  });
  auto reopened = source_store_.Open();  // not the writer's cached pack keys
  ASSERT_THAT(reopened, IsOk());

  // The damaged snapshot is listed as failed; the copy goes on with the next one.
  auto copied = Copy(**reopened, *destination_, {first.id, second.id, third.id}, {});
  ASSERT_THAT(copied, IsOk());
  ASSERT_EQ(copied->failed.size(), 1u);
  EXPECT_EQ(copied->failed[0].source, second.id);
  const std::string& reason = copied->failed[0].reason;
  EXPECT_THAT(reason, HasSubstr(damaged_blob.Hex()));
  EXPECT_THAT(reason, HasSubstr(damaged_at.pack.Hex()));
  EXPECT_THAT(reason, HasSubstr("snapshot " + second.id.ShortHex()));
  EXPECT_THAT(reason, HasSubstr("new.img"));
  ASSERT_EQ(copied->snapshots.size(), 2u);
  EXPECT_TRUE(copied->snapshots[0].already_copied);
  EXPECT_EQ(copied->snapshots[1].source, third.id);
  EXPECT_FALSE(copied->snapshots[1].already_copied);
  EXPECT_EQ(Restored(*destination_, CopyOf(*destination_, copied->snapshots[1].destination)),
            Contents(data_));
  auto snapshots = destination_->LoadSnapshots();
  ASSERT_THAT(snapshots, IsOk());
  ASSERT_EQ(snapshots->size(), 2u);  // the first and third snapshots' copies, not the second's
  EXPECT_EQ(snapshots->front().id, first_copy->snapshots[0].destination);
  auto destination = destination_store_.Open(kDestinationPassword);
  ASSERT_THAT(destination, IsOk());
  ExpectCheckPasses(**destination);
}

TEST_F(CopierTest, DestinationFailingMidwayIsFinishedByTheNextCopy) {
  WriteDataset();
  Snapshot original = Backup(*source_);
  {
    auto failing = Repository::Open(
        std::make_unique<PackSavesFailAfter>(destination_store_.View(), 1), kDestinationPassword);
    ASSERT_THAT(failing, IsOk());
    auto copied = Copy(*source_, **failing, {original.id}, {});
    ASSERT_FALSE(copied.has_value());
    EXPECT_THAT(copied.error().message(), HasSubstr("no space left on device"));
    EXPECT_THAT(copied.error().message(), HasSubstr("snapshot " + original.id.ShortHex()));
  }
  EXPECT_TRUE(destination_store_.Names(backend::FileType::kSnapshot).empty());
  EXPECT_FALSE(destination_store_.Names(backend::FileType::kPack).empty());
  auto destination = destination_store_.Open(kDestinationPassword);
  ASSERT_THAT(destination, IsOk());
  auto copied = Copy(*source_, **destination, {original.id}, {});
  ASSERT_THAT(copied, IsOk());
  EXPECT_FALSE(copied->snapshots[0].already_copied);
  EXPECT_EQ(Restored(**destination, CopyOf(**destination, copied->snapshots[0].destination)),
            Contents(data_));
  ExpectCheckPasses(**destination);
}

TEST_F(CopierTest, InterruptionSavesNoSnapshotAndTheNextCopyFinishes) {
  WriteDataset();
  Snapshot original = Backup(*source_);
  int events = 0;
  auto interrupted = Copy(*source_, *destination_, {original.id}, [&](const ProgressEvent&) {
    if (++events == 5) SimulateInterruptionForTesting(SIGINT);
  });
  ASSERT_FALSE(interrupted.has_value());
  EXPECT_THAT(interrupted, ErrorIs(ErrorCode::kInterrupted, HasSubstr("no copy of snapshot")));
  EXPECT_TRUE(destination_store_.Names(backend::FileType::kSnapshot).empty());
  SimulateInterruptionForTesting(0);
  auto destination = destination_store_.Open(kDestinationPassword);
  ASSERT_THAT(destination, IsOk());
  ExpectCheckPasses(**destination);
  auto copied = Copy(*source_, **destination, {original.id}, {});
  ASSERT_THAT(copied, IsOk());
  EXPECT_EQ(Restored(**destination, CopyOf(**destination, copied->snapshots[0].destination)),
            Contents(data_));
}

TEST_F(CopierTest, CopyingARepositoryIntoItselfIsRefused) {
  WriteDataset();
  Snapshot original = Backup(*source_);
  auto same = source_store_.Open();
  ASSERT_THAT(same, IsOk());
  EXPECT_THAT(Copy(*source_, **same, {original.id}, {}),
              ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("same repository")));
  EXPECT_EQ(source_store_.Names(backend::FileType::kSnapshot).size(), 1u);
}

TEST_F(CopierTest, ProgressCountsBytesAndSnapshots) {
  WriteDataset();
  Snapshot original = Backup(*source_);
  ProgressEvent last;
  auto copied = Copy(*source_, *destination_, {original.id},
                     [&](const ProgressEvent& event) { last = event; });
  ASSERT_THAT(copied, IsOk());
  ASSERT_TRUE(last.Get(ProgressUnit::kBytes).has_value());
  EXPECT_EQ(last.Get(ProgressUnit::kBytes)->done, original.summary.bytes_processed);
  EXPECT_EQ(last.Get(ProgressUnit::kBytes)->total, original.summary.bytes_processed);
  EXPECT_EQ(last.current, original.id.ShortHex());
  ASSERT_TRUE(last.Get(ProgressUnit::kSnapshots).has_value());
  EXPECT_EQ(last.Get(ProgressUnit::kSnapshots)->done, 1u);
  EXPECT_EQ(last.Get(ProgressUnit::kSnapshots)->total, 1u);
}

// A directory split into several tree blobs (tree.h, Tree::parts) copies like any other, and a
// later copy zips through it.
TEST_F(CopierTest, SplitDirectoriesAreCopiedAndZipped) {
  repository::Tree big;
  for (int i = 0; i < 300; ++i) {
    Bytes data = TextData(100 + i, i);
    Id id = source_->BlobId(data);
    ASSERT_THAT(source_->SaveBlob(BlobType::kData, id, data), IsOk());
    repository::Node node;
    node.name = "file" + std::to_string(1000 + i);
    node.size = data.size();
    node.content = {id};
    big.nodes.push_back(node);
  }
  auto save_small_parts = [&](const repository::Tree& tree) {
    return repository::SaveTree(
        tree,
        [&](Bytes encoded) -> Result<Id> {
          Id id = source_->BlobId(encoded);
          STORMPROOF_TRY(source_->SaveBlob(BlobType::kTree, id, encoded));
          return id;
        },
        4096);
  };
  auto split = save_small_parts(big);
  ASSERT_THAT(split, IsOk());
  repository::Node dir;
  dir.name = "big";
  dir.type = repository::NodeType::kDir;
  dir.subtree = *split;
  auto root = save_small_parts(repository::Tree{{dir}});
  ASSERT_THAT(root, IsOk());
  ASSERT_THAT(source_->Flush(), IsOk());
  Snapshot snapshot;
  snapshot.time_ns = 1;
  snapshot.hostname = "h";
  snapshot.paths = {"/big"};
  snapshot.tree = *root;
  snapshot.summary.bytes_processed = 1;
  auto first_id = source_->SaveSnapshot(snapshot);
  ASSERT_THAT(first_id, IsOk());
  auto first = Copy(*source_, *destination_, {*first_id}, {});
  ASSERT_THAT(first, IsOk());
  Snapshot copy = CopyOf(*destination_, first->snapshots[0].destination);
  fs::path target = root_ / "split";
  restorer::RestoreOptions options;
  options.target = target.string();
  ASSERT_THAT(restorer::Restore(*destination_, copy, options, {}, {}), IsOk());
  auto restored = Contents(target / "big");
  ASSERT_EQ(restored.size(), 300u);
  EXPECT_EQ(restored["file1007"], AsText(TextData(107, 7)));

  // A second snapshot with one more file: everything else mapped through the split trees.
  repository::Node extra = big.nodes.back();
  extra.name = "file9999";
  big.nodes.push_back(extra);
  dir.subtree = *save_small_parts(big);
  snapshot.time_ns = 2;
  snapshot.tree = *save_small_parts(repository::Tree{{dir}});
  ASSERT_THAT(source_->Flush(), IsOk());
  auto second_id = source_->SaveSnapshot(snapshot);
  ASSERT_THAT(second_id, IsOk());
  auto second = Copy(*source_, *destination_, {*second_id}, {});
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->data_blobs_written, 0u);
  EXPECT_GE(second->blobs_mapped, 300u);
  ExpectCheckPasses(*destination_);
}


// ---- A destination that lost data, or that lies about what it holds ----

// Removes every data pack the destination's index names (its tree packs stay).
void RemoveDataPacks(const Repository& repo, const Store& store) {
  std::set<Id> packs;
  repo.ForEachIndexedBlob([&](const Id&, const repository::BlobLocation& at) {
    if (at.type == BlobType::kData) packs.insert(at.pack);
  });
  ASSERT_FALSE(packs.empty());
  for (const Id& pack : packs) {
    ASSERT_THAT(store.raw().Remove({backend::FileType::kPack, pack.Hex()}), IsOk());
  }
}

// A destination that lost its data pack: the directories an earlier copy mapped are not reused
// on the strength of their tree blobs. Without `repair index` (the index still names the lost
// pack) the copy fails naming the pack and saves nothing; after it, the copy reads again what is
// missing and restores byte-identical.
TEST_F(CopierTest, DirectoriesWhoseDataTheDestinationLostAreCopiedAgain) {
  WriteDataset();
  Snapshot first = Backup(*source_);
  ASSERT_THAT(Copy(*source_, *destination_, {first.id}, {}), IsOk());
  RemoveDataPacks(*destination_, destination_store_);
  Write("docs/doc3.txt", TextData(5003, 999));  // only `docs` changes; `images` is mapped
  Snapshot second = Backup(*source_, first);
  {
    auto unrepaired = destination_store_.Open(kDestinationPassword);
    ASSERT_THAT(unrepaired, IsOk());
    auto copied = Copy(*source_, **unrepaired, {second.id}, {});
    ASSERT_FALSE(copied.has_value()) << "a copy relying on a lost pack was saved";
    EXPECT_THAT(copied.error().message(), HasSubstr("is no longer in"));
    EXPECT_EQ(destination_store_.Names(backend::FileType::kSnapshot).size(), 1u);
  }
  auto destination = destination_store_.Open(kDestinationPassword);
  ASSERT_THAT(destination, IsOk());
  {
    auto maintenance = repository::Maintenance::Begin(**destination);
    ASSERT_THAT(maintenance, IsOk());
    ASSERT_THAT(repair::RepairIndex(**maintenance, {}, {}), IsOk());
  }
  auto repaired = destination_store_.Open(kDestinationPassword);
  ASSERT_THAT(repaired, IsOk());
  auto copied = Copy(*source_, **repaired, {second.id}, {});
  ASSERT_THAT(copied, IsOk());
  ASSERT_TRUE(copied->failed.empty());
  EXPECT_GE(copied->bytes_read, 3u << 20);  // the images read again
  EXPECT_EQ(Restored(**repaired, CopyOf(**repaired, copied->snapshots[0].destination)),
            Contents(data_));
}

// The reviewer's probe: the destination's own backup of other bytes (same names and sizes)
// claiming to be the copy of the source's snapshot is not a copy, and poisons nothing.
TEST_F(CopierTest, FalseCopiedFromClaimIsNotTrusted) {
  fs::create_directories(data_ / "d");
  Write("d/f", RandomData(200000, 7));
  Snapshot other = Backup(*destination_);
  Write("d/f", RandomData(200000, 1));
  Snapshot x = Backup(*source_);
  other.copied_from = Snapshot::CopyOrigin{source_->id(), x.id};
  other.id = {};
  ASSERT_THAT(destination_->SaveSnapshot(other), IsOk());
  Write("g", RandomData(1000, 3));
  Snapshot y = Backup(*source_, x);
  auto copied = Copy(*source_, *destination_, {y.id}, {});
  ASSERT_THAT(copied, IsOk());
  EXPECT_EQ(Restored(*destination_, CopyOf(*destination_, copied->snapshots[0].destination)),
            Contents(data_));
  // Asked for again, x itself is copied: the false claim does not count as its copy.
  auto again = Copy(*source_, *destination_, {x.id}, {});
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->snapshots[0].already_copied);
}

// A snapshot planted in the destination (by a host holding its password) with copied_from
// naming a genuine source snapshot and that snapshot's time, host and paths, but an empty tree
// or one the destination does not hold, is no copy: it is listed as unproven, the real
// snapshot is copied and restores; the next copy finds the real copy and the claimant again.
TEST_F(CopierTest, PlantedClaimantWithoutTheContentIsNotACopy) {
  WriteDataset();
  Snapshot x = Backup(*source_);
  auto empty = repository::SaveTree(repository::Tree{}, [&](Bytes encoded) -> Result<Id> {
    Id id = destination_->BlobId(encoded);
    STORMPROOF_TRY(destination_->SaveBlob(BlobType::kTree, id, encoded));
    return id;
  });
  ASSERT_THAT(empty, IsOk());
  ASSERT_THAT(destination_->Flush(), IsOk());
  std::set<Id> planted;
  for (const Id& tree : {*empty, destination_->BlobId(AsBytes(std::string_view("garbage")))}) {
    Snapshot claimant = x;
    claimant.id = {};
    claimant.parent.reset();
    claimant.tree = tree;
    claimant.copied_from = Snapshot::CopyOrigin{source_->id(), x.id};
    auto saved = destination_->SaveSnapshot(claimant);
    ASSERT_THAT(saved, IsOk());
    ASSERT_TRUE(IsCopyOf(claimant, x)) << "the metadata alone would pass";
    planted.insert(*saved);
  }
  auto copied = Copy(*source_, *destination_, {x.id}, {});
  ASSERT_THAT(copied, IsOk());
  ASSERT_EQ(copied->snapshots.size(), 1u);
  EXPECT_FALSE(copied->snapshots[0].already_copied);
  EXPECT_EQ(std::set<Id>(copied->unproven_claims.begin(), copied->unproven_claims.end()),
            planted);
  EXPECT_FALSE(planted.contains(copied->snapshots[0].destination));
  EXPECT_EQ(Restored(*destination_, CopyOf(*destination_, copied->snapshots[0].destination)),
            Contents(data_));

  auto again = Copy(*source_, *destination_, {x.id}, {});
  ASSERT_THAT(again, IsOk());
  ASSERT_EQ(again->snapshots.size(), 1u);
  EXPECT_TRUE(again->snapshots[0].already_copied);
  EXPECT_EQ(again->snapshots[0].destination, copied->snapshots[0].destination);
  EXPECT_EQ(again->unproven_claims.size(), 2u);
  EXPECT_EQ(again->data_blobs_written + again->tree_blobs_written, 0u);
}

// Rewrites the tree at `components` below `root` in `repo` with `change`; returns the new root.
Id RewriteTree(Repository& repo, const Id& root, const std::vector<std::string>& components,
               size_t at, const std::function<void(repository::Tree&)>& change) {
  auto tree = repository::LoadTree(repo, root);
  EXPECT_THAT(tree, IsOk());
  if (at == components.size()) {
    change(*tree);
  } else {
    for (repository::Node& node : tree->nodes) {
      if (node.name == components[at]) {
        node.subtree = RewriteTree(repo, *node.subtree, components, at + 1, change);
      }
    }
  }
  auto saved = repository::SaveTree(*tree, [&](Bytes encoded) -> Result<Id> {
    Id id = repo.BlobId(encoded);
    STORMPROOF_TRY(repo.SaveBlob(BlobType::kTree, id, encoded));
    return id;
  });
  EXPECT_THAT(saved, IsOk());
  return *saved;
}

// A forged copy with the right metadata and sizes whose file names another blob of another
// length: the zip compares the blobs' plaintext lengths and reads that directory from the
// source.
TEST_F(CopierTest, CopyWhoseBlobLengthsDisagreeIsReadFromTheSource) {
  fs::create_directories(data_ / "d");
  Write("d/f1", RandomData(1000, 1));
  Write("d/f2", RandomData(3000, 2));
  Snapshot x = Backup(*source_);
  auto honest = Copy(*source_, *destination_, {x.id}, {});
  ASSERT_THAT(honest, IsOk());
  Snapshot forged = CopyOf(*destination_, honest->snapshots[0].destination);
  std::vector<std::string> components;
  for (const auto& c : (data_ / "d").relative_path()) components.push_back(c.string());
  forged.tree = RewriteTree(*destination_, forged.tree, components, 0, [](repository::Tree& d) {
    ASSERT_EQ(d.nodes.size(), 2u);
    d.nodes[0].content = d.nodes[1].content;  // f1 names f2's bytes, f1's size kept
  });
  ASSERT_THAT(destination_->Flush(), IsOk());
  forged.id = {};
  ASSERT_THAT(destination_->SaveSnapshot(forged), IsOk());
  ASSERT_THAT(destination_->RemoveSnapshot(honest->snapshots[0].destination), IsOk());
  Write("g", RandomData(1000, 3));
  Snapshot y = Backup(*source_, x);
  auto copied = Copy(*source_, *destination_, {y.id}, {});
  ASSERT_THAT(copied, IsOk());
  EXPECT_EQ(Restored(*destination_, CopyOf(*destination_, copied->snapshots[0].destination)),
            Contents(data_));
}

// A destination snapshot repaired there (lost entries) still names its origin, but is no
// longer a copy of it: the source snapshot is copied again, not reported as already copied.
TEST_F(CopierTest, SnapshotRepairedInTheDestinationIsNotACopy) {
  WriteDataset();
  Snapshot original = Backup(*source_);
  auto first = Copy(*source_, *destination_, {original.id}, {});
  ASSERT_THAT(first, IsOk());
  Snapshot repaired = CopyOf(*destination_, first->snapshots[0].destination);
  repaired.repaired_from = repaired.id;
  repaired.lost = {"/images/a.img: data lost"};
  repaired.id = {};
  ASSERT_THAT(destination_->SaveSnapshot(repaired), IsOk());
  ASSERT_THAT(destination_->RemoveSnapshot(first->snapshots[0].destination), IsOk());
  auto again = Copy(*source_, *destination_, {original.id}, {});
  ASSERT_THAT(again, IsOk());
  ASSERT_EQ(again->snapshots.size(), 1u);
  EXPECT_FALSE(again->snapshots[0].already_copied);
  Snapshot copy = CopyOf(*destination_, again->snapshots[0].destination);
  EXPECT_TRUE(copy.lost.empty());
  EXPECT_EQ(Restored(*destination_, copy), Contents(data_));
}

// A source snapshot nested deeper than restore accepts fails alone, with one clear reason; the
// other snapshots of the same copy are copied.
TEST_F(CopierTest, TreesDeeperThanRestoreAcceptsFailThatSnapshotOnly) {
  WriteDataset();
  Snapshot good = Backup(*source_);
  auto save = [&](const repository::Tree& tree) {
    return repository::SaveTree(tree, [&](Bytes encoded) -> Result<Id> {
      Id id = source_->BlobId(encoded);
      STORMPROOF_TRY(source_->SaveBlob(BlobType::kTree, id, encoded));
      return id;
    });
  };
  auto tree = save(repository::Tree{});
  ASSERT_THAT(tree, IsOk());
  for (int level = 0; level < 1030; ++level) {
    repository::Node dir;
    dir.name = "d";
    dir.type = repository::NodeType::kDir;
    dir.subtree = *tree;
    tree = save(repository::Tree{{dir}});
    ASSERT_THAT(tree, IsOk());
  }
  ASSERT_THAT(source_->Flush(), IsOk());
  Snapshot deep;
  deep.time_ns = good.time_ns - 1;
  deep.hostname = "deep";
  deep.paths = {"/d"};
  deep.tree = *tree;
  auto deep_id = source_->SaveSnapshot(deep);
  ASSERT_THAT(deep_id, IsOk());
  auto copied = Copy(*source_, *destination_, {*deep_id, good.id}, {});
  ASSERT_THAT(copied, IsOk());
  ASSERT_EQ(copied->failed.size(), 1u);
  EXPECT_EQ(copied->failed[0].source, *deep_id);
  EXPECT_THAT(copied->failed[0].reason, HasSubstr("nested deeper than 1024 directories"));
  ASSERT_EQ(copied->snapshots.size(), 1u);
  EXPECT_EQ(copied->snapshots[0].source, good.id);
  EXPECT_EQ(destination_store_.Names(backend::FileType::kSnapshot).size(), 1u);
}

// A source that cannot be read now (a network error, a refused request) is not a damaged one:
// the copy stops with that error and names no snapshot as damaged, whether a tree or file data
// could not be read; the next copy, with the source reachable, copies everything.
TEST_F(CopierTest, SourceReadErrorsStopTheCopyAndCallNoSnapshotDamaged) {
  WriteDataset();
  Snapshot first = Backup(*source_);
  Write("docs/late.txt", TextData(9000, 77));
  Snapshot second = Backup(*source_, first);
  std::set<std::string> data_packs;
  source_->ForEachIndexedBlob([&](const Id&, const repository::BlobLocation& at) {
    if (at.type == BlobType::kData) data_packs.insert(at.pack.Hex());
  });
  ASSERT_FALSE(data_packs.empty());
  struct Case {
    std::string name;
    Error error;
    std::set<std::string> packs;  // whose reads fail; empty: all
  };
  const std::vector<Case> cases = {
      {"trees unreachable", Error::Io("connection reset by peer"), {}},
      {"file data unreachable", Error::Io("connection timed out"), data_packs},
      {"reads refused", Error::PermissionDenied("403 access denied"), data_packs},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto source =
        Repository::Open(std::make_unique<PackReadsFail>(source_store_.View(), c.error, c.packs),
                         repository::testing::kPassword);
    ASSERT_THAT(source, IsOk());
    auto copied = Copy(**source, *destination_, {first.id, second.id}, {});
    EXPECT_THAT(copied, ErrorIs(c.error.code(),
                                ::testing::AllOf(HasSubstr(c.error.message()),
                                                 HasSubstr("snapshot " + first.id.ShortHex()))));
    EXPECT_TRUE(destination_store_.Names(backend::FileType::kSnapshot).empty());
  }
  auto copied = Copy(*source_, *destination_, {first.id, second.id}, {});
  ASSERT_THAT(copied, IsOk());
  EXPECT_TRUE(copied->failed.empty());
  ASSERT_EQ(copied->snapshots.size(), 2u);
  EXPECT_EQ(Restored(*destination_, CopyOf(*destination_, copied->snapshots[1].destination)),
            Contents(data_));
}

// A snapshot named for copying whose file is damaged is reported as not copied; the other named
// snapshots are copied.
TEST_F(CopierTest, NamedSnapshotWithADamagedFileFailsAloneAndTheOthersAreCopied) {
  WriteDataset();
  Snapshot first = Backup(*source_);
  Write("docs/late.txt", TextData(9000, 77));
  Snapshot second = Backup(*source_, first);
  source_store_.Rewrite({backend::FileType::kSnapshot, first.id.Hex()},
                        [](Bytes& b) { b[b.size() / 2] ^= 1; });
  auto source = source_store_.Open();
  ASSERT_THAT(source, IsOk());
  auto copied = Copy(**source, *destination_, {first.id, second.id}, {});
  ASSERT_THAT(copied, IsOk());
  ASSERT_EQ(copied->failed.size(), 1u);
  EXPECT_EQ(copied->failed[0].source, first.id);
  EXPECT_THAT(copied->failed[0].reason, HasSubstr("damaged"));
  ASSERT_EQ(copied->snapshots.size(), 1u);
  EXPECT_EQ(copied->snapshots[0].source, second.id);
  EXPECT_EQ(Restored(*destination_, CopyOf(*destination_, copied->snapshots[0].destination)),
            Contents(data_));
}

// A copy carries its source's ransomware verdict and signals, so that the destination's forget
// and status judge it as they judge the source (a copy of an infected snapshot is no clean
// restore point).
TEST_F(CopierTest, CopyKeepsTheSourcesVerdictAndSignals) {
  WriteDataset();
  Snapshot judged = Backup(*source_);
  judged.verdict = repository::Verdict{repository::Verdict::Level::kInfected, 97,
                                       {"212 copies of README-DECRYPT.txt"}, "detect/1"};
  judged.signals = repository::SnapshotSignals{};
  judged.signals->files_changed = 3412;
  judged.signals->note_name = "README-DECRYPT.txt";
  auto id = source_->SaveSnapshot(judged);
  ASSERT_THAT(id, IsOk());
  auto copied = Copy(*source_, *destination_, {*id}, {});
  ASSERT_THAT(copied, IsOk());
  ASSERT_EQ(copied->snapshots.size(), 1u);
  Snapshot copy = CopyOf(*destination_, copied->snapshots[0].destination);
  ASSERT_TRUE(copy.verdict.has_value());
  EXPECT_EQ(*copy.verdict, *judged.verdict);
  ASSERT_TRUE(copy.signals.has_value());
  EXPECT_EQ(*copy.signals, *judged.signals);
}

// A verdict given later on a source snapshot (a slow attack's earlier step) is written on its
// copy, by the copy that copies it and by a later copy of a snapshot copied before; a false
// alarm accepted in the source does not travel (lowering protection is the destination's call).
TEST_F(CopierTest, LaterVerdictsTravelToTheCopiesAndFalseAlarmsDoNot) {
  using Level = repository::Verdict::Level;
  WriteDataset();
  Snapshot first = Backup(*source_);
  first.verdict = repository::Verdict{Level::kClean, 3, {}, "detect/1"};
  auto step = source_->SaveSnapshot(first);
  ASSERT_THAT(step, IsOk());
  auto verdict_mark = [](const Id& snapshot, Level level, bool false_alarm) {
    repository::Mark mark;
    mark.kind = repository::Mark::Kind::kVerdict;
    mark.snapshot = snapshot;
    mark.hostname = "fs01";
    mark.username = "root";
    mark.reason = false_alarm ? "accepted as a false alarm" : "part of a slow attack";
    mark.verdict = repository::Verdict{.level = level, .score = 60, .reasons = {mark.reason}};
    mark.false_alarm = false_alarm;
    return mark;
  };
  ASSERT_THAT(source_->SaveMark(verdict_mark(*step, Level::kSuspicious, false)), IsOk());
  auto copied = Copy(*source_, *destination_, {*step}, {});
  ASSERT_THAT(copied, IsOk());
  EXPECT_EQ(copied->verdicts_carried, 1u);
  const Id copy = copied->snapshots[0].destination;
  auto marks = destination_->LoadMarks();
  ASSERT_THAT(marks, IsOk());
  ASSERT_NE(marks->WorstLaterVerdict(copy), nullptr);
  EXPECT_EQ(marks->WorstLaterVerdict(copy)->verdict->level, Level::kSuspicious);
  EXPECT_EQ(marks->WorstLaterVerdict(copy)->reason, "part of a slow attack");

  // Copying again writes nothing new; a worse verdict given since travels to the earlier copy.
  copied = Copy(*source_, *destination_, {*step}, {});
  ASSERT_THAT(copied, IsOk());
  EXPECT_EQ(copied->verdicts_carried, 0u);
  ASSERT_THAT(source_->SaveMark(verdict_mark(*step, Level::kInfected, false)), IsOk());
  ASSERT_THAT(source_->SaveMark(verdict_mark(*step, Level::kClean, true)), IsOk());
  copied = Copy(*source_, *destination_, {*step}, {});
  ASSERT_THAT(copied, IsOk());
  EXPECT_TRUE(copied->snapshots[0].already_copied);
  EXPECT_EQ(copied->verdicts_carried, 1u);
  marks = destination_->LoadMarks();
  ASSERT_THAT(marks, IsOk());
  EXPECT_EQ(marks->WorstLaterVerdict(copy)->verdict->level, Level::kInfected);
  EXPECT_FALSE(marks->AcceptedAsFalseAlarm(copy));
  EXPECT_EQ(marks->all().size(), 2u);
}

}  // namespace
}  // namespace stormproof::copier
