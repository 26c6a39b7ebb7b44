#include "engine/repository/repository.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "engine/repository/index_files.h"
#include "engine/repository/pack.h"
#include "tests/engine/cache/counting_backend.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

using backend::FileType;
using testing::RandomData;
using testing::Store;
using testing::TextData;

// Saves `data` as a blob and returns its id.
Id Save(Repository& repo, const Bytes& data, BlobType type = BlobType::kData) {
  Id id = repo.BlobId(data);
  auto saved = repo.SaveBlob(type, id, data);
  EXPECT_THAT(saved, IsOk());
  return id;
}

TEST(RepositoryTest, InitThenOpenRoundTrip) {
  Store store;
  Id repo_id, blob;
  chunker::Params params;
  {
    auto repo = store.Init();
    repo_id = repo->id();
    params = repo->chunker_params();
    blob = Save(*repo, TextData(1000, 1));
    ASSERT_TRUE(repo->Flush());
  }
  auto reopened = store.Open();
  ASSERT_THAT(reopened, IsOk());
  Repository& repo = **reopened;
  EXPECT_EQ(repo.id(), repo_id);
  EXPECT_EQ(repo.chunker_params().seed, params.seed);
  EXPECT_EQ(repo.chunker_params().avg_size, chunker::Params{}.avg_size);
  EXPECT_EQ(repo.IndexedBlobCount(), 1u);
  auto loaded = repo.LoadBlob(BlobType::kData, blob);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(*loaded, TextData(1000, 1));
}

// A writer that takes its lock at once (backup) reads the config once (probed before the
// password, then handed to Open) and the index once, under its lock: on object storage each read
// is a billed request.
TEST(RepositoryTest, AWriterReadsTheConfigOnceAndTheIndexOnceUnderItsLock) {
  auto counts = std::make_shared<cache::testing::Counts>();
  Store store(std::make_shared<cache::testing::CountingBackend>(
      std::shared_ptr<backend::Backend>(backend::NewMemoryBackend(testing::StorageNow)), counts));
  Id blob;
  {
    auto repo = store.Init();
    blob = Save(*repo, TextData(1000, 1));
    ASSERT_TRUE(repo->Flush());
  }
  counts->Reset();
  std::unique_ptr<backend::Backend> view = store.View();
  auto probed = Repository::ProbeConfig(*view);
  ASSERT_THAT(probed, IsOk());
  auto repo =
      Repository::Open(std::move(view), testing::kPassword,
                       {.probed = *probed, .index = Repository::IndexLoad::kUnderFirstLock});
  ASSERT_THAT(repo, IsOk());
  EXPECT_EQ(counts->Loads(FileType::kConfig), 1) << "the probed config was read again";
  EXPECT_EQ(counts->Lists(FileType::kIndex), 0) << "the index was read before the lock";
  EXPECT_FALSE((*repo)->HasBlob(BlobType::kData, blob));
  auto lock = (*repo)->AcquireLock(Repository::LockKind::kShared);
  ASSERT_THAT(lock, IsOk());
  EXPECT_EQ(counts->Lists(FileType::kIndex), 1);
  EXPECT_EQ(counts->Loads(FileType::kIndex), 1);
  EXPECT_TRUE((*repo)->HasBlob(BlobType::kData, blob)) << "the index was not read under the lock";

  counts->Reset();  // the default: the index at Open, brought up to date under the lock
  auto reader = store.Open();
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ(counts->Loads(FileType::kConfig), 1);
  EXPECT_EQ(counts->Lists(FileType::kIndex), 1);
  EXPECT_TRUE((*reader)->HasBlob(BlobType::kData, blob));
}

// Storage that keeps files under retention, as far as the repository can tell: it remembers
// the last SetRetention.
struct RetainingBackend final : testing::ForwardingBackend {
  using ForwardingBackend::ForwardingBackend;
  Status SetRetention(const backend::Retention& r) override {
    retention = r;
    return Ok();
  }
  std::optional<backend::Retention> retention;
};

TEST(RepositoryTest, ObjectLockIsRecordedAndEveryOpenKeepsIt) {
  Store store;
  auto creating = std::make_unique<RetainingBackend>(store.raw());
  RetainingBackend& created = *creating;
  const backend::Retention thirty{backend::Retention::Mode::kCompliance, 30};
  auto repo = Repository::Init(std::move(creating), testing::kPassword, {.retention = thirty});
  ASSERT_THAT(repo, IsOk());
  ASSERT_TRUE(created.retention.has_value());
  EXPECT_EQ(created.retention->days, 30);
  ASSERT_TRUE((*repo)->retention().has_value());
  EXPECT_EQ((*repo)->retention()->mode, backend::Retention::Mode::kCompliance);
  auto doc = nlohmann::json::parse(AsText(*store.raw().Load({FileType::kConfig, ""})));
  EXPECT_EQ(doc["version"], 2);
  EXPECT_EQ(doc["object_lock"]["days"], 30);
  EXPECT_EQ(doc["object_lock"]["mode"], "compliance");

  auto opening = std::make_unique<RetainingBackend>(store.raw());
  RetainingBackend& opened = *opening;
  auto again = Repository::Open(std::move(opening), testing::kPassword);
  ASSERT_THAT(again, IsOk());
  ASSERT_TRUE(opened.retention.has_value()) << "Open did not hand the retention to the backend";
  EXPECT_EQ(opened.retention->days, 30);
  EXPECT_EQ((*again)->retention()->days, 30);
  // Storage that cannot keep it (a copy in a directory) reads, but writes nothing but locks.
  auto copy = store.Open();
  ASSERT_THAT(copy, IsOk());
  EXPECT_THAT((*copy)->LoadSnapshots(), IsOk());
  Snapshot snapshot;
  snapshot.time_ns = 1;
  EXPECT_THAT((*copy)->SaveSnapshot(snapshot),
              ErrorIs(ErrorCode::kInvalidArgument,
                      ::testing::EndsWith(": memory:: this storage cannot keep files under "
                                          "retention (Object Lock needs an s3: location on a "
                                          "bucket with Object Lock)")));
  EXPECT_TRUE(store.Names(FileType::kSnapshot).empty());
}

TEST(RepositoryTest, InitOnStorageWithoutRetentionWritesNothing) {
  Store store;
  auto repo = Repository::Init(store.View(), testing::kPassword,
                               {.retention = backend::Retention{{}, 7}});
  EXPECT_THAT(repo, ErrorIs(ErrorCode::kInvalidArgument,
                            "memory:: this storage cannot keep files under retention (Object "
                            "Lock needs an s3: location on a bucket with Object Lock)"));
  EXPECT_TRUE(store.Names(FileType::kKey).empty());
  EXPECT_FALSE(store.raw().Load({FileType::kConfig, ""}).has_value());
}

// A config whose public part was changed by someone without the master key (the retention
// shortened or stripped, say) is not obeyed: the repository can be read, nothing is written.
TEST(RepositoryTest, AConfigWhoseMacDoesNotMatchOpensForReadingOnly) {
  Store store;
  auto creating = std::make_unique<RetainingBackend>(store.raw());
  ASSERT_THAT(Repository::Init(std::move(creating), testing::kPassword,
                               {.retention = backend::Retention{{}, 30}}),
              IsOk());
  auto doc = nlohmann::json::parse(AsText(*store.raw().Load({FileType::kConfig, ""})));
  doc["object_lock"]["days"] = 1;
  Store forged = store.CopyFiles({FileType::kKey});
  ASSERT_TRUE(forged.raw().Save({FileType::kConfig, ""}, AsBytes(doc.dump(2) + "\n")));
  auto forging = std::make_unique<RetainingBackend>(forged.raw());
  RetainingBackend& storage = *forging;
  auto repo = Repository::Open(std::move(forging), testing::kPassword);
  ASSERT_THAT(repo, IsOk());
  EXPECT_FALSE(storage.retention.has_value()) << "a forged retention was obeyed";
  ASSERT_TRUE((*repo)->read_only_reason().has_value());  // the immutability proof refuses it
  EXPECT_THAT((*repo)->read_only_reason()->message(), HasSubstr("config mac does not match"));
  EXPECT_THAT((*repo)->LoadSnapshots(), IsOk());
  auto lock = (*repo)->AcquireLock(Repository::LockKind::kShared);
  ASSERT_THAT(lock, IsOk()) << "readers still lock";
  Snapshot snapshot;
  snapshot.time_ns = 1;
  EXPECT_THAT((*repo)->SaveSnapshot(snapshot),
              ErrorIs(ErrorCode::kCorrupt,
                      ::testing::EndsWith(": memory:/config: config mac does not match "
                                          "(altered): nothing is written to this repository "
                                          "(`stormproof check` tells more)")));
  EXPECT_TRUE(forged.Names(FileType::kSnapshot).empty());
}

TEST(RepositoryTest, ConfigIsPlainJsonWithASealedSecret) {
  Store store;
  auto repo = store.Init();
  auto config = store.raw().Load({FileType::kConfig, ""});
  ASSERT_THAT(config, IsOk());
  auto doc = nlohmann::json::parse(AsText(*config));
  EXPECT_EQ(doc["format"], "stormproof-repository");
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["id"], repo->id().Hex());
  EXPECT_THAT(AsText(*config), Not(HasSubstr("seed"))) << "the seed is secret";
}

TEST(RepositoryTest, WrongPasswordIsAClearError) {
  Store store;
  store.Init();
  auto repo = store.Open("not the password");
  ASSERT_FALSE(repo.has_value());
  EXPECT_THAT(repo, ErrorIs(ErrorCode::kWrongPassword));
  EXPECT_EQ(repo.error().message(), "wrong password: no key in memory:/keys opens with it");
}

TEST(RepositoryTest, MissingConfigIsNotARepository) {
  Store store;
  auto repo = store.Open();
  ASSERT_FALSE(repo.has_value());
  EXPECT_THAT(repo, ErrorIs(ErrorCode::kNotFound));
  EXPECT_EQ(repo.error().message(), "memory:: not a stormproof repository (no config)");
}

// Object storage without its bucket: every request is not-found, the listing's naming the bucket.
class NoBucketBackend final : public backend::Backend {
 public:
  Status Save(const backend::Handle&, ByteView) override { return Missing(); }
  Result<Bytes> Load(const backend::Handle& handle, uint64_t, uint64_t) const override {
    return Error::NotFound("s3:http://h/b/" + handle.name + ": not found");
  }
  Result<uint64_t> Size(const backend::Handle&) const override { return Missing(); }
  Result<int64_t> ModifiedNs(const backend::Handle&) const override { return Missing(); }
  Status Remove(const backend::Handle&) override { return Missing(); }
  Status List(backend::FileType,
              const std::function<void(const std::string&, uint64_t)>&) const override {
    return Missing();
  }
  std::string Location() const override { return "s3:http://h/b"; }

 private:
  static Error Missing() { return Error::NotFound("s3:http://h/b: bucket 'b' does not exist"); }
};

TEST(RepositoryTest, AMissingBucketIsNamedRatherThanAMissingConfig) {
  auto repo = Repository::Open(std::make_unique<NoBucketBackend>(), testing::kPassword);
  ASSERT_FALSE(repo.has_value());
  EXPECT_THAT(repo, ErrorIs(ErrorCode::kNotFound));
  EXPECT_EQ(repo.error().message(), "s3:http://h/b: bucket 'b' does not exist");
}

TEST(RepositoryTest, NewerFormatVersionIsRefusedBeforeThePassword) {
  Store store;
  store.Init();
  Store newer = store.CopyFiles({FileType::kKey});
  auto config = nlohmann::json::parse(AsText(*store.raw().Load({FileType::kConfig, ""})));
  config["version"] = 3;
  ASSERT_TRUE(newer.raw().Save({FileType::kConfig, ""}, AsBytes(config.dump())));
  auto repo = newer.Open("any password at all");
  ASSERT_FALSE(repo.has_value());
  EXPECT_THAT(repo, ErrorIs(ErrorCode::kFailedCheck));
  EXPECT_EQ(repo.error().message(),
            "memory:/config: repository format version 3 is newer than this stormproof "
            "understands (2)");
}

TEST(RepositoryTest, DamagedConfigIsAClearError) {
  struct Case {
    const char* name;
    std::string config;
  } cases[] = {
      {"not json", "{{{"},
      {"other format", R"({"format":"restic","version":1})"},
      {"missing id", R"({"format":"stormproof-repository","version":1})"},
      {"bad secret", R"({"format":"stormproof-repository","version":1,"id":")" +
                         std::string(64, 'a') +
                         R"(","created":"2025-01-01T00:00:00Z","secret":"AAAA"})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Store store;
    store.Init();
    Store damaged = store.CopyFiles({FileType::kKey});
    ASSERT_TRUE(damaged.raw().Save({FileType::kConfig, ""}, AsBytes(c.config)));
    auto repo = damaged.Open();
    ASSERT_FALSE(repo.has_value());
    EXPECT_THAT(repo, ErrorIs(ErrorCode::kFailedCheck));
    EXPECT_THAT(repo.error().message(), HasSubstr("memory:/config: ")) << repo.error().message();
  }
}

TEST(RepositoryTest, InitRefusesAnExistingRepository) {
  Store store;
  store.Init();
  auto again = Repository::Init(store.View(), "other");
  ASSERT_FALSE(again.has_value());
  EXPECT_THAT(again, ErrorIs(ErrorCode::kInvalidArgument));
}

TEST(RepositoryTest, BlobIdsAreKeyedPerRepository) {
  Store a, b;
  Bytes data = TextData(100, 2);
  Id in_a = a.Init()->BlobId(data);
  EXPECT_NE(in_a, b.Init()->BlobId(data));
  EXPECT_NE(in_a, crypto::Sha256(data));
}

TEST(RepositoryTest, BlobsRoundTripAtEverySize) {
  const size_t sizes[] = {0, 1, 63, 64, 65, 4096, 65536, 1u << 20, 4u << 20, 5u << 20};
  Store store;
  auto repo = store.Init();
  std::map<Id, Bytes> saved;
  for (size_t size : sizes) {
    for (bool compressible : {false, true}) {
      Bytes data = compressible ? TextData(size, size) : RandomData(size, size);
      saved[Save(*repo, data)] = data;
    }
  }
  ASSERT_TRUE(repo->Flush());
  auto reopened = store.Open();
  ASSERT_THAT(reopened, IsOk());
  for (const auto& [id, data] : saved) {
    SCOPED_TRACE(data.size());
    auto loaded = (*reopened)->LoadBlob(BlobType::kData, id);
    ASSERT_THAT(loaded, IsOk());
    EXPECT_EQ(*loaded, data);
    auto at = (*reopened)->FindBlob(BlobType::kData, id);
    ASSERT_TRUE(at.has_value());
    EXPECT_EQ(at->raw_length, data.size());
  }
}

TEST(RepositoryTest, CompressesTextAndStoresRandomDataRaw) {
  Store store;
  auto repo = store.Init();
  Id text = Save(*repo, TextData(1u << 20, 3));
  Id random = Save(*repo, RandomData(1u << 20, 3));
  ASSERT_TRUE(repo->Flush());
  EXPECT_LT(repo->FindBlob(BlobType::kData, text)->length, (1u << 20) / 3);
  EXPECT_EQ(repo->FindBlob(BlobType::kData, random)->length,
            (1u << 20) + 1 + crypto::kSealOverhead);
}

TEST(RepositoryTest, RejectsABlobOverTheLimit) {
  Store store;
  auto repo = store.Init();
  Bytes huge((64u << 20) + 1);
  auto saved = repo->SaveBlob(BlobType::kTree, repo->BlobId(huge), huge);
  ASSERT_FALSE(saved.has_value());
  EXPECT_THAT(saved, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_THAT(saved.error().message(), HasSubstr("64 MiB"));
}

TEST(RepositoryTest, SameBlobIsStoredOnce) {
  Store store;
  auto repo = store.Init();
  Bytes data = TextData(5000, 4);
  Id id = repo->BlobId(data);
  EXPECT_TRUE(*repo->SaveBlob(BlobType::kData, id, data));
  EXPECT_TRUE(repo->HasBlob(BlobType::kData, id)) << "in flight counts";
  EXPECT_FALSE(*repo->SaveBlob(BlobType::kData, id, data));
  ASSERT_TRUE(repo->Flush());
  EXPECT_FALSE(*repo->SaveBlob(BlobType::kData, id, data)) << "indexed counts";
  EXPECT_FALSE(repo->HasBlob(BlobType::kTree, id)) << "types are separate";
  EXPECT_EQ(repo->IndexedBlobCount(), 1u);
}

// Every blob in every pack, read from the pack headers.
std::vector<std::pair<Id, BlobLocation>> AllPackedBlobs(const Store& store, Repository& repo) {
  std::vector<std::pair<Id, BlobLocation>> all;
  for (const std::string& name : store.Names(FileType::kPack)) {
    auto header = repo.ReadPackHeader(*Id::FromHex(name));
    EXPECT_THAT(header, IsOk());
    if (header) all.insert(all.end(), header->begin(), header->end());
  }
  return all;
}

TEST(RepositoryTest, ConcurrentSaversStoreEachBlobOnce) {
  Store store;
  auto repo = store.Init();
  constexpr int kBlobs = 200;
  std::vector<Bytes> blobs;
  for (int i = 0; i < kBlobs; ++i) blobs.push_back(RandomData(64u << 10, i));
  std::atomic<int> stored{0};
  auto work = [&] {
    for (const Bytes& b : blobs) stored += *repo->SaveBlob(BlobType::kData, repo->BlobId(b), b);
  };
  std::thread t1(work), t2(work), t3(work);
  t1.join();
  t2.join();
  t3.join();
  ASSERT_TRUE(repo->Flush());
  EXPECT_EQ(stored, kBlobs);
  EXPECT_EQ(repo->IndexedBlobCount(), size_t{kBlobs});
  EXPECT_EQ(AllPackedBlobs(store, *repo).size(), size_t{kBlobs});
}

TEST(RepositoryTest, ManyThreadsFillManyPacks) {
  Store store;
  auto repo = store.Init();
  std::vector<std::thread> threads;
  std::vector<std::vector<Id>> ids(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 12; ++i) ids[t].push_back(Save(*repo, RandomData(1u << 20, t * 100 + i)));
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(repo->Flush());
  EXPECT_GE(store.Names(FileType::kPack).size(), 3u);
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 12; ++i) {
      auto loaded = repo->LoadBlob(BlobType::kData, ids[t][i]);
      ASSERT_THAT(loaded, IsOk());
      EXPECT_EQ(*loaded, RandomData(1u << 20, t * 100 + i));
    }
  }
}

TEST(RepositoryTest, PacksStayUnderTheTargetAndHoldOneType) {
  Store store;
  auto repo = store.Init();
  for (int i = 0; i < 10; ++i) Save(*repo, RandomData(4u << 20, i));
  for (int i = 0; i < 10; ++i) Save(*repo, TextData(2000, i), BlobType::kTree);
  Bytes big_tree = RandomData(20u << 20, 99);  // one blob larger than a pack: a pack of its own
  Save(*repo, big_tree, BlobType::kTree);
  ASSERT_TRUE(repo->Flush());
  std::set<std::string> names;
  for (const std::string& name : store.Names(FileType::kPack)) {
    auto header = *repo->ReadPackHeader(*Id::FromHex(name));
    uint64_t size = *store.raw().Size({FileType::kPack, name});
    if (header.size() > 1) {
      EXPECT_LE(size, kPackTargetSize);
    }
    for (const auto& [id, at] : header) EXPECT_EQ(at.type, header[0].second.type);
    EXPECT_NE(crypto::Sha256(*store.raw().Load({FileType::kPack, name})).Hex(), name)
        << "packs have random names, not content hashes";
    names.insert(name.substr(0, 2));
  }
  EXPECT_GT(names.size(), 1u) << "random names spread over the data/xx folders";
  EXPECT_EQ(*repo->LoadBlob(BlobType::kTree, repo->BlobId(big_tree)), big_tree);
}

TEST(RepositoryTest, IndexRebuiltFromPackHeadersEqualsTheIndex) {
  Store store;
  auto repo = store.Init();
  for (int i = 0; i < 40; ++i) Save(*repo, RandomData(1u << 20, i));
  for (int i = 0; i < 300; ++i) Save(*repo, TextData(300 + i, i), BlobType::kTree);
  ASSERT_TRUE(repo->Flush());
  auto reopened = std::move(store.Open()).value();
  std::map<std::pair<Id, BlobType>, std::tuple<Id, uint32_t, uint32_t, uint32_t>> index, rebuilt;
  reopened->ForEachIndexedBlob([&](const Id& id, const BlobLocation& at) {
    index[{id, at.type}] = {at.pack, at.offset, at.length, at.raw_length};
  });
  for (const auto& [id, at] : AllPackedBlobs(store, *reopened)) {
    rebuilt[{id, at.type}] = {at.pack, at.offset, at.length, at.raw_length};
  }
  EXPECT_EQ(index.size(), 340u);
  EXPECT_EQ(index, rebuilt);
}

TEST(RepositoryTest, LoadBlobDetectsAFlippedByteAndNamesTheBlob) {
  Store store;
  auto repo = store.Init();
  Id id = Save(*repo, TextData(100000, 5));
  ASSERT_TRUE(repo->Flush());
  BlobLocation at = *repo->FindBlob(BlobType::kData, id);
  store.Rewrite({FileType::kPack, at.pack.Hex()},
                [&](Bytes& b) { b[at.offset + at.length / 2] ^= 0x01; });
  auto loaded = repo->LoadBlob(BlobType::kData, id);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_THAT(loaded, ErrorIs(ErrorCode::kCorrupt));
  EXPECT_THAT(loaded.error().message(), HasSubstr("blob " + id.Hex()));
  EXPECT_THAT(loaded.error().message(), HasSubstr("pack " + at.pack.Hex()));
}

TEST(RepositoryTest, ABlobCannotBePassedOffAsAnother) {
  Store store;
  auto repo = store.Init();
  Id a = Save(*repo, RandomData(1000, 1));
  Id b = Save(*repo, RandomData(1000, 2));
  ASSERT_TRUE(repo->Flush());
  BlobLocation at_a = *repo->FindBlob(BlobType::kData, a);
  BlobLocation at_b = *repo->FindBlob(BlobType::kData, b);
  ASSERT_EQ(at_a.pack, at_b.pack);
  ASSERT_EQ(at_a.length, at_b.length);
  store.Rewrite({FileType::kPack, at_a.pack.Hex()}, [&](Bytes& bytes) {
    std::copy_n(bytes.begin() + at_a.offset, at_a.length, bytes.begin() + at_b.offset);
  });
  EXPECT_FALSE(repo->LoadBlob(BlobType::kData, b).has_value());
  EXPECT_THAT(repo->LoadBlob(BlobType::kData, a), IsOk());
}

TEST(RepositoryTest, TruncatedPackIsAClearError) {
  Store store;
  auto repo = store.Init();
  std::vector<Id> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(Save(*repo, RandomData(100000, i)));
  ASSERT_TRUE(repo->Flush());
  Id pack = repo->FindBlob(BlobType::kData, ids[0])->pack;
  store.Rewrite({FileType::kPack, pack.Hex()}, [](Bytes& b) { b.resize(b.size() / 2); });
  auto header = repo->ReadPackHeader(pack);
  ASSERT_FALSE(header.has_value());
  EXPECT_THAT(header, ErrorIs(ErrorCode::kFailedCheck));
  EXPECT_THAT(header.error().message(), HasSubstr("pack " + pack.Hex() + ": "))
      << header.error().message();
  auto last = repo->LoadBlob(BlobType::kData, ids[3]);
  ASSERT_FALSE(last.has_value());
  EXPECT_THAT(last.error().message(), HasSubstr("truncated")) << last.error().message();
  EXPECT_THAT(repo->LoadBlob(BlobType::kData, ids[0]), IsOk()) << "the intact start reads";
}

TEST(RepositoryTest, PackHeaderSurvivesNoTinyOrGarbagePack) {
  const size_t sizes[] = {0, 10, 35, 64, 100, 5000};
  Store store;
  auto repo = store.Init();
  for (size_t size : sizes) {
    SCOPED_TRACE(size);
    Bytes garbage = RandomData(size, size);
    Id name = crypto::Sha256(garbage);
    ASSERT_TRUE(store.raw().Save({FileType::kPack, name.Hex()}, garbage));
    auto header = repo->ReadPackHeader(name);
    ASSERT_FALSE(header.has_value());
    EXPECT_THAT(header, ErrorIs(ErrorCode::kFailedCheck));
  }
}

TEST(RepositoryTest, UnknownBlobIsNotFound) {
  Store store;
  auto repo = store.Init();
  auto loaded = repo->LoadBlob(BlobType::kData, repo->BlobId(AsBytes("never saved")));
  ASSERT_FALSE(loaded.has_value());
  EXPECT_THAT(loaded, ErrorIs(ErrorCode::kNotFound));
}

TEST(RepositoryTest, FlushIsIdempotent) {
  Store store;
  auto repo = store.Init();
  ASSERT_TRUE(repo->Flush());
  EXPECT_TRUE(store.Names(FileType::kIndex).empty()) << "nothing to index";
  Save(*repo, TextData(10, 1));
  ASSERT_TRUE(repo->Flush());
  ASSERT_TRUE(repo->Flush());
  EXPECT_EQ(store.Names(FileType::kIndex).size(), 1u);
  EXPECT_EQ(store.Names(FileType::kPack).size(), 1u);
}

TEST(RepositoryTest, CrashBeforeFlushLeavesAnOpenableRepository) {
  Store store;
  auto repo = store.Init();
  Id tree = Save(*repo, TextData(500, 1), BlobType::kTree);
  Snapshot first;
  first.time_ns = 1;
  first.tree = tree;
  Id snapshot = *repo->SaveSnapshot(first);
  std::vector<Id> unflushed;
  for (int i = 0; i < 40; ++i) unflushed.push_back(Save(*repo, RandomData(1u << 20, i)));
  Store crashed = store.CopyFiles();  // the process dies here, without Flush
  EXPECT_GE(crashed.Names(FileType::kPack).size(), 3u) << "full packs were saved on the way";

  auto reopened = crashed.Open();
  ASSERT_THAT(reopened, IsOk());
  auto snapshots = (*reopened)->LoadSnapshots();
  ASSERT_THAT(snapshots, IsOk());
  ASSERT_EQ(snapshots->size(), 1u);
  EXPECT_EQ((*snapshots)[0].id, snapshot);
  EXPECT_THAT((*reopened)->LoadBlob(BlobType::kTree, tree), IsOk());
  EXPECT_FALSE((*reopened)->HasBlob(BlobType::kData, unflushed[0])) << "packs not yet indexed";
  Save(**reopened, RandomData(1u << 20, 0));
  ASSERT_TRUE((*reopened)->Flush()) << "the blob is stored again";
  EXPECT_THAT((*reopened)->LoadBlob(BlobType::kData, unflushed[0]), IsOk());
}

TEST(RepositoryTest, FullDiskFailsTheBackupAndKeepsTheRepositoryConsistent) {
  Store store;
  auto repo = store.Init();
  Id tree = Save(*repo, TextData(500, 1), BlobType::kTree);
  Snapshot first;
  first.tree = tree;
  ASSERT_THAT(repo->SaveSnapshot(first), IsOk());
  store.faults().fail_pack_saves = true;
  Status failed = Ok();
  for (int i = 0; i < 20 && failed; ++i) {
    Bytes data = RandomData(1u << 20, i);
    auto saved = repo->SaveBlob(BlobType::kData, repo->BlobId(data), data);
    if (!saved) failed = saved.error();
  }
  if (failed) failed = repo->Flush();
  ASSERT_FALSE(failed);
  EXPECT_THAT(failed.error().message(), HasSubstr("no space left on device"));
  EXPECT_FALSE(repo->Flush()) << "the failure is sticky: those blobs are lost";
  EXPECT_FALSE(repo->SaveSnapshot(first).has_value());

  auto reopened = store.Open();
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ((*reopened)->LoadSnapshots()->size(), 1u);
  EXPECT_THAT((*reopened)->LoadBlob(BlobType::kTree, tree), IsOk());
}

TEST(RepositoryTest, FailedIndexSaveIsRetriedByTheNextFlush) {
  Store store;
  auto repo = store.Init();
  Id id = Save(*repo, TextData(500, 1));
  store.faults().fail_index_saves = true;
  EXPECT_FALSE(repo->Flush());
  store.faults().fail_index_saves = false;
  ASSERT_TRUE(repo->Flush());
  auto reopened = store.Open();
  ASSERT_THAT(reopened, IsOk());
  EXPECT_THAT((*reopened)->LoadBlob(BlobType::kData, id), IsOk());
}

// A damaged index file does not lock the user out: Open loads the other index files and names
// the damaged one (check reports it, repair index rebuilds it, prune refuses meanwhile).
TEST(RepositoryTest, DamagedIndexFileIsSkippedAndNamedAtOpen) {
  Store store;
  Id kept, hidden;
  {
    auto repo = store.Init();
    hidden = Save(*repo, TextData(500, 1));
    ASSERT_TRUE(repo->Flush());
  }
  std::string index = store.Names(FileType::kIndex).at(0);
  {
    auto repo = store.Open();
    ASSERT_THAT(repo, IsOk());
    kept = Save(**repo, TextData(600, 2));
    ASSERT_TRUE((*repo)->Flush());
  }
  store.Rewrite({FileType::kIndex, index}, [](Bytes& b) { b[b.size() / 2] ^= 0x80; });
  auto repo = store.Open();
  ASSERT_THAT(repo, IsOk());
  std::vector<DamagedFile> damaged = (*repo)->DamagedIndexFiles();
  ASSERT_EQ(damaged.size(), 1u);
  EXPECT_EQ(damaged.front().name, index);
  EXPECT_FALSE(damaged.front().reason.empty());
  EXPECT_THAT((*repo)->LoadBlob(BlobType::kData, kept), IsOk());
  EXPECT_FALSE((*repo)->HasBlob(BlobType::kData, hidden));
  EXPECT_FALSE((*repo)->ListIndex().has_value());  // maintenance stays strict
}

}  // namespace
}  // namespace stormproof::repository
