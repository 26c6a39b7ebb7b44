// BlobStore with small packs, to exercise pack cutting and periodic index files cheaply.
#include "engine/repository/internal/blob_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "tests/engine/cache/counting_backend.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

using backend::FileType;
using testing::RandomData;
using testing::Store;

BlobStore::Options SmallPacks() {
  BlobStore::Options options;
  options.pack_target = 64u << 10;
  options.packs_per_index = 4;
  return options;
}
const BlobStore::Options kSmall = SmallPacks();

class BlobStoreTest : public ::testing::Test {
 protected:
  Id Save(BlobStore& blobs, const Bytes& data) {
    Id id = crypto::KeyedId(key_.id, data);
    auto saved = blobs.SaveBlob(BlobType::kData, id, data);
    EXPECT_THAT(saved, IsOk());
    return id;
  }
  // Eight threads save 20 blobs of 20,000 bytes each at once (160 in all), then wait.
  void SaveFromEightThreads(BlobStore& blobs) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) Save(blobs, RandomData(20000, t * 100 + i));
      });
    }
    for (auto& t : threads) t.join();
  }
  // The saver thread writes closed packs and index files in the background: waits (up to 5 s)
  // until at least `count` files of `type` exist, so that a count checked next is not a race.
  void WaitForFiles(FileType type, size_t count) {
    for (int i = 0; i < 500 && store_.Names(type).size() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  Store store_;
  MasterKey key_{crypto::RandomKey(), crypto::RandomKey()};
};

TEST_F(BlobStoreTest, WritesAnIndexEveryFewPacksSoACrashLosesLittle) {
  BlobStore blobs(store_.raw(), key_, kSmall);
  std::vector<Id> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(Save(blobs, RandomData(30000, i)));
  // 2 blobs per 64 KiB pack: 19 packs saved so far, 4 index files of 4 packs each.
  WaitForFiles(FileType::kPack, 19);
  WaitForFiles(FileType::kIndex, 4);
  EXPECT_EQ(store_.Names(FileType::kPack).size(), 19u);
  EXPECT_EQ(store_.Names(FileType::kIndex).size(), 4u);

  Store crashed = store_.CopyFiles();
  BlobStore after(crashed.raw(), key_, kSmall);
  ASSERT_TRUE(after.LoadIndex());
  EXPECT_EQ(after.IndexedBlobCount(), 32u);
  for (int i = 0; i < 32; ++i) {
    auto loaded = after.LoadBlob(BlobType::kData, ids[i]);
    ASSERT_THAT(loaded, IsOk());
    EXPECT_EQ(*loaded, RandomData(30000, i));
  }
  EXPECT_FALSE(after.HasBlob(BlobType::kData, ids[39]));

  ASSERT_TRUE(blobs.Flush());
  EXPECT_EQ(store_.Names(FileType::kPack).size(), 20u);
  EXPECT_EQ(store_.Names(FileType::kIndex).size(), 5u);
}

TEST_F(BlobStoreTest, ConcurrentWritersAndFlushLoseNothing) {
  BlobStore blobs(store_.raw(), key_, kSmall);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) Save(blobs, RandomData(5000 + i * 300, t * 1000 + i));
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(blobs.Flush());
  BlobStore reopened(store_.raw(), key_, kSmall);
  ASSERT_TRUE(reopened.LoadIndex());
  EXPECT_EQ(reopened.IndexedBlobCount(), 200u);
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 50; ++i) {
      Bytes data = RandomData(5000 + i * 300, t * 1000 + i);
      auto loaded = reopened.LoadBlob(BlobType::kData, crypto::KeyedId(key_.id, data));
      ASSERT_THAT(loaded, IsOk());
      EXPECT_EQ(*loaded, data);
    }
  }
}

// A backend whose pack saves are slow (a disk that falls behind) and that records how many run
// at once.
class SlowPackBackend final : public backend::Backend {
 public:
  explicit SlowPackBackend(backend::Backend& target, int parallel_saves = 1)
      : target_(target), parallel_saves_(parallel_saves) {}
  int ParallelSaves() const override { return parallel_saves_; }
  Status Save(const backend::Handle& handle, ByteView data) override {
    if (handle.type != FileType::kPack) return target_.Save(handle, data);
    int now = ++saving_;
    for (int seen = most_; now > seen && !most_.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    --saving_;
    return target_.Save(handle, data);
  }
  Result<Bytes> Load(const backend::Handle& h, uint64_t offset, uint64_t length) const override {
    return target_.Load(h, offset, length);
  }
  Result<uint64_t> Size(const backend::Handle& h) const override { return target_.Size(h); }
  Result<int64_t> ModifiedNs(const backend::Handle& h) const override {
    return target_.ModifiedNs(h);
  }
  Status Remove(const backend::Handle& h) override { return target_.Remove(h); }
  Status List(FileType type,
              const std::function<void(const std::string&, uint64_t)>& each) const override {
    return target_.List(type, each);
  }
  std::string Location() const override { return target_.Location(); }
  int most_concurrent_saves() const { return most_; }

 private:
  backend::Backend& target_;
  const int parallel_saves_;
  std::atomic<int> saving_{0}, most_{0};
};

// However many threads write, at most kMaxPackBuffers packs of a type are open or being saved:
// the memory of a backup is bounded, and writers wait for a slow disk.
TEST_F(BlobStoreTest, WritersWaitWhileTooManyPacksAreBeingSaved) {
  SlowPackBackend slow(store_.raw());
  BlobStore blobs(slow, key_, kSmall);
  SaveFromEightThreads(blobs);
  ASSERT_TRUE(blobs.Flush());
  EXPECT_LE(slow.most_concurrent_saves(), static_cast<int>(kMaxPackBuffers));
  EXPECT_GE(slow.most_concurrent_saves(), 2) << "saves still overlap";
  BlobStore reopened(store_.raw(), key_, kSmall);
  ASSERT_TRUE(reopened.LoadIndex());
  EXPECT_EQ(reopened.IndexedBlobCount(), 160u);
}

TEST_F(BlobStoreTest, PacksNeverExceedTheTargetUnlessOneBlobDoes) {
  BlobStore blobs(store_.raw(), key_, kSmall);
  for (int i = 0; i < 30; ++i) Save(blobs, RandomData(1000 + i * 2000, i));
  ASSERT_TRUE(blobs.Flush());
  for (const std::string& name : store_.Names(FileType::kPack)) {
    auto header = ReadPackHeader(store_.raw(), key_.encryption, *Id::FromHex(name));
    ASSERT_THAT(header, IsOk());
    uint64_t size = *store_.raw().Size({FileType::kPack, name});
    if (header->size() > 1) {
      EXPECT_LE(size, kSmall.pack_target) << "the header and its length count";
    }
  }
}

// On a backend that takes parallel saves (object storage), several packs are saved at once,
// still within a bound: one more pack buffer per extra saver.
TEST_F(BlobStoreTest, PacksAreSavedInParallelWhereTheBackendTakesIt) {
  SlowPackBackend slow(store_.raw(), /*parallel_saves=*/4);
  BlobStore blobs(slow, key_, kSmall);
  SaveFromEightThreads(blobs);
  ASSERT_TRUE(blobs.Flush());
  EXPECT_GE(slow.most_concurrent_saves(), 3) << "four savers overlap";
  EXPECT_LE(slow.most_concurrent_saves(), static_cast<int>(kMaxPackBuffers) + 3);
  BlobStore reopened(store_.raw(), key_, kSmall);
  ASSERT_TRUE(reopened.LoadIndex());
  EXPECT_EQ(reopened.IndexedBlobCount(), 160u) << "every blob indexed";
}

// Restore reads a run of a pack's blobs with one request (on object storage, one GET instead
// of one per blob), and a damaged blob in the run fails alone.
TEST_F(BlobStoreTest, ARunOfAPacksBlobsIsOneReadAndADamagedBlobFailsAlone) {
  auto counts = std::make_shared<cache::testing::Counts>();
  std::shared_ptr<backend::Backend> target = backend::NewMemoryBackend();
  cache::testing::CountingBackend counting(target, counts);
  std::vector<Bytes> data;
  std::vector<Id> ids;
  {
    BlobStore writer(counting, key_, BlobStore::Options{});
    for (int i = 0; i < 20; ++i) {
      data.push_back(RandomData(3000, i));
      ids.push_back(Save(writer, data.back()));
    }
    ASSERT_THAT(writer.Flush(), IsOk());
  }
  BlobStore reader(counting, key_, BlobStore::Options{});
  ASSERT_TRUE(reader.LoadIndex());
  std::vector<std::pair<Id, BlobLocation>> run;
  for (const Id& id : ids) run.emplace_back(id, *reader.FindBlob(BlobType::kData, id));
  std::sort(run.begin(), run.end(),
            [](const auto& a, const auto& b) { return a.second.offset < b.second.offset; });
  ASSERT_EQ(run.front().second.pack, run.back().second.pack) << "20 small blobs fit one pack";

  // Damage the 6th blob of the run in the stored pack.
  const BlobLocation& damaged = run[5].second;
  Bytes pack = *target->Load({FileType::kPack, damaged.pack.Hex()});
  pack[damaged.offset + damaged.length / 2] ^= 0x01;
  ASSERT_THAT(target->Save({FileType::kPack, damaged.pack.Hex()}, pack), IsOk());

  counts->Reset();
  std::vector<Id> seen;
  reader.LoadBlobRun(BlobType::kData, run, IdCheck::kRehash,
                     [&](const Id& id, Result<Bytes> plain) {
                       seen.push_back(id);
                       size_t i = std::find(ids.begin(), ids.end(), id) - ids.begin();
                       if (id == run[5].first) {
                         EXPECT_THAT(plain, ErrorIs(ErrorCode::kCorrupt));
                       } else {
                         ASSERT_THAT(plain, IsOk());
                         EXPECT_EQ(*plain, data[i]);
                       }
                     });
  ASSERT_EQ(seen.size(), run.size());
  for (size_t i = 0; i < run.size(); ++i) EXPECT_EQ(seen[i], run[i].first) << "in order";
  EXPECT_EQ(counts->Loads(FileType::kPack), 2) << "the pack's salt, then the whole run";

  // Blobs out of offset order are refused, each with an error, without a read.
  std::swap(run[0], run[1]);
  counts->Reset();
  int errors = 0;
  reader.LoadBlobRun(BlobType::kData, run, IdCheck::kRehash,
                     [&](const Id&, Result<Bytes> plain) { errors += plain ? 0 : 1; });
  EXPECT_EQ(errors, static_cast<int>(run.size()));
  EXPECT_EQ(counts->Loads(FileType::kPack), 0);
}

// A hostile index (written with the repository key) may give a blob a length whose end wraps
// past 2^32: a run must never read past the bytes it loaded; each blob gets an error instead.
TEST_F(BlobStoreTest, ARunWithLengthsPastFourGibibytesIsRefusedNotReadOutOfBounds) {
  std::vector<Id> ids;
  {
    BlobStore writer(store_.raw(), key_, BlobStore::Options{});
    for (int i = 0; i < 2; ++i) ids.push_back(Save(writer, RandomData(3000, i)));
    ASSERT_THAT(writer.Flush(), IsOk());
  }
  BlobStore reader(store_.raw(), key_, BlobStore::Options{});
  ASSERT_TRUE(reader.LoadIndex());
  BlobLocation first = *reader.FindBlob(BlobType::kData, ids[0]);
  BlobLocation second = *reader.FindBlob(BlobType::kData, ids[1]);
  if (second.offset < first.offset) std::swap(first, second), std::swap(ids[0], ids[1]);
  BlobLocation huge = first;
  huge.length = 0xFFFFFFFFu;  // offset + length wraps to just below offset in 32 bits
  std::vector<std::pair<Id, BlobLocation>> run = {{ids[0], huge}, {ids[1], second}};
  int errors = 0;
  reader.LoadBlobRun(BlobType::kData, run, IdCheck::kRehash,
                     [&](const Id&, Result<Bytes> plain) { errors += plain ? 0 : 1; });
  EXPECT_EQ(errors, 2);
}

// Review R8-1: a blob stored twice (here by two stores, neither seeing the other's index) is read
// from its second copy when the first fails to verify or its pack is gone; LoadBlobAt reads the
// one copy it is given. Only when every copy fails is the blob's read an error.
TEST_F(BlobStoreTest, ReadsFallBackToTheNextCopyOfABlob) {
  const Bytes data = RandomData(3000, 7);
  Id id;
  for (int store = 0; store < 2; ++store) {
    BlobStore writer(store_.raw(), key_, BlobStore::Options{});
    id = Save(writer, data);
    ASSERT_THAT(writer.Flush(), IsOk());
  }
  BlobStore reader(store_.raw(), key_, BlobStore::Options{});
  ASSERT_TRUE(reader.LoadIndex());
  std::vector<BlobLocation> copies = reader.FindBlobLocations(BlobType::kData, id);
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_EQ(reader.IndexedBlobCount(), 1u);
  auto damage = [&](const BlobLocation& at) {
    store_.Rewrite({FileType::kPack, at.pack.Hex()},
                   [&](Bytes& b) { b[at.offset + at.length / 2] ^= 1; });
  };
  auto run_of = [&](const BlobLocation& at) {
    Result<Bytes> out = Error::Internal("not called");
    std::vector<std::pair<Id, BlobLocation>> run = {{id, at}};
    reader.LoadBlobRun(BlobType::kData, run, IdCheck::kRehash,
                       [&](const Id&, Result<Bytes> plain) { out = std::move(plain); });
    return out;
  };

  damage(copies[0]);
  EXPECT_THAT(reader.LoadBlobAt(BlobType::kData, id, copies[0], IdCheck::kRehash),
              ErrorIs(ErrorCode::kCorrupt));
  EXPECT_THAT(reader.LoadBlob(BlobType::kData, id), IsOkAndHolds(data));
  EXPECT_THAT(run_of(copies[0]), IsOkAndHolds(data));

  ASSERT_TRUE(store_.raw().Remove({FileType::kPack, copies[0].pack.Hex()}));
  EXPECT_THAT(reader.LoadBlob(BlobType::kData, id), IsOkAndHolds(data));
  EXPECT_THAT(run_of(copies[0]), IsOkAndHolds(data));

  damage(copies[1]);
  EXPECT_THAT(reader.LoadBlob(BlobType::kData, id), ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(run_of(copies[1]), ErrorIs(ErrorCode::kCorrupt));
}

// Issue 16: SaveBlob tells the compressibility of what it stores at no extra cost — from the
// payload it encodes when it adds the blob, from the index entry when the blob is stored already,
// and "unknown" (0) while another call is storing it in a pack not yet saved.
TEST_F(BlobStoreTest, SaveBlobTellsTheStoredPayloadSizeOfNewAndIndexedBlobs) {
  BlobStore blobs(store_.raw(), key_, BlobStore::Options{});
  const Bytes random = RandomData(100000, 3);
  const Bytes text = testing::TextData(100000, 3);
  auto save = [&](const Bytes& data) {
    BlobSaveInfo info;
    info.stored_payload = 12345;  // must be overwritten
    EXPECT_THAT(blobs.SaveBlob(BlobType::kData, crypto::KeyedId(key_.id, data), data, &info),
                IsOk());
    return info;
  };
  auto permille = [](const BlobSaveInfo& info, const Bytes& data) {
    return info.stored_payload * 1000 / data.size();
  };

  BlobSaveInfo new_random = save(random);
  EXPECT_TRUE(new_random.added);
  EXPECT_EQ(new_random.stored_payload, random.size()) << "kept raw: incompressible";
  BlobSaveInfo new_text = save(text);
  EXPECT_TRUE(new_text.added);
  EXPECT_GT(new_text.stored_payload, 0u);
  EXPECT_LT(permille(new_text, text), 800u);

  BlobSaveInfo in_flight = save(text);
  EXPECT_FALSE(in_flight.added);
  EXPECT_EQ(in_flight.stored_payload, 0u) << "in a pack not yet saved: unknown";

  ASSERT_THAT(blobs.Flush(), IsOk());
  BlobSaveInfo indexed_text = save(text);
  EXPECT_FALSE(indexed_text.added);
  EXPECT_EQ(indexed_text.stored_payload, new_text.stored_payload)
      << "the same answer, from the index";
  BlobSaveInfo indexed_random = save(random);
  EXPECT_FALSE(indexed_random.added);
  EXPECT_EQ(indexed_random.stored_payload, random.size());
}

}  // namespace
}  // namespace stormproof::repository
