#include "engine/cache/cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "engine/cache/internal/cache_files.h"
#include "engine/crypto/crypto.h"
#include "tests/engine/backend/backend_conformance.h"
#include "tests/engine/cache/cache_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::cache {
namespace {

struct CachingFactory {
  testing::ScratchDirectory scratch;
  std::unique_ptr<backend::Backend> Make() {
    auto cached = NewCachingBackend(backend::NewMemoryBackend(), {scratch.path() + "/cache"});
    return cached ? std::move(cached).value() : nullptr;
  }
};

}  // namespace
}  // namespace stormproof::cache

namespace stormproof::backend::conformance {
INSTANTIATE_TYPED_TEST_SUITE_P(Caching, BackendConformanceTest,
                               ::testing::Types<cache::CachingFactory>);
}  // namespace stormproof::backend::conformance

namespace stormproof::cache {
namespace {

using backend::FileType;
using backend::Handle;
using backend::conformance::Pattern;
using testing::CacheTest;
using ::testing::HasSubstr;

// A snapshot or index file: its name is the SHA-256 of its bytes.
std::pair<Handle, Bytes> NamedFile(FileType type, uint64_t seed) {
  Bytes bytes = Pattern(3000, seed);
  return {Handle{type, crypto::Sha256(bytes).Hex()}, bytes};
}

// A tree pack (its name is random, like the repository's).
std::pair<Handle, Bytes> TreePack(uint64_t seed, size_t size = 100000) {
  return {Handle{FileType::kPack, backend::conformance::Id(seed), true}, Pattern(size, seed)};
}

Bytes ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, ByteView bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

TEST_F(CacheTest, SnapshotAndIndexFilesAreReadFromTheCacheOnceSaved) {
  auto cached = Cached();
  for (FileType type : {FileType::kSnapshot, FileType::kIndex}) {
    auto [handle, bytes] = NamedFile(type, 1);
    ASSERT_THAT(cached->Save(handle, bytes), IsOk());
    for (int i = 0; i < 3; ++i) EXPECT_EQ(LoadOk(*cached, handle), bytes);
    EXPECT_EQ(counts_->Loads(type), 0) << FileTypeName(type);
  }
}

TEST_F(CacheTest, AFileLoadedOnceIsReadFromTheCacheByTheNextProcess) {
  auto [handle, bytes] = NamedFile(FileType::kIndex, 2);
  ASSERT_THAT(target_->Save(handle, bytes), IsOk());  // written by another host
  EXPECT_EQ(LoadOk(*Cached(), handle), bytes);
  EXPECT_EQ(LoadOk(*Cached(), handle), bytes);
  EXPECT_EQ(counts_->Loads(FileType::kIndex), 1);
}

TEST_F(CacheTest, DamagedCachedFileIsFetchedAgainAndHealed) {
  auto [handle, bytes] = NamedFile(FileType::kSnapshot, 3);
  ASSERT_THAT(Cached()->Save(handle, bytes), IsOk());
  std::string path = CachePath("snapshots/" + handle.name);
  Bytes damaged = ReadFile(path);
  ASSERT_EQ(damaged, bytes);
  damaged[1234] ^= 0x10;
  WriteFile(path, damaged);

  EXPECT_EQ(LoadOk(*Cached(), handle), bytes);
  EXPECT_EQ(counts_->Loads(FileType::kSnapshot), 1);
  EXPECT_EQ(ReadFile(path), bytes) << "the cache was not healed";
  EXPECT_EQ(LoadOk(*Cached(), handle), bytes);
  EXPECT_EQ(counts_->Loads(FileType::kSnapshot), 1);
}

TEST_F(CacheTest, TruncatedCachedPackIsFetchedAgainAndHealed) {
  auto [handle, bytes] = TreePack(4);
  ASSERT_THAT(Cached()->Save(handle, bytes), IsOk());
  std::string path = CachePath("packs/" + handle.name);
  ASSERT_EQ(::truncate(path.c_str(), 50000), 0);

  auto cached = Cached();
  EXPECT_EQ(LoadOk(*cached, handle, 60000, 100),
            Bytes(bytes.begin() + 60000, bytes.begin() + 60100));
  EXPECT_EQ(counts_->Loads(FileType::kPack), 1);
  EXPECT_EQ(LoadOk(*Cached(), handle, 99000, 0), Bytes(bytes.begin() + 99000, bytes.end()));
  EXPECT_EQ(counts_->Loads(FileType::kPack), 1) << "the cache was not healed";
}

TEST_F(CacheTest, CachedPackWithAFlippedBitIsNeverServed) {
  auto [handle, bytes] = TreePack(5);
  ASSERT_THAT(Cached()->Save(handle, bytes), IsOk());
  std::string path = CachePath("packs/" + handle.name);
  Bytes damaged = ReadFile(path);
  ASSERT_EQ(damaged.size(), bytes.size() + internal::kPackTrailerSize);
  damaged[70000] ^= 0x01;
  WriteFile(path, damaged);

  EXPECT_EQ(LoadOk(*Cached(), handle, 70000, 1), Bytes{bytes[70000]});
  EXPECT_EQ(counts_->Loads(FileType::kPack), 1);
  Bytes healed = ReadFile(path);
  ASSERT_EQ(healed.size(), damaged.size());
  EXPECT_EQ(Bytes(healed.begin(), healed.begin() + static_cast<ptrdiff_t>(bytes.size())), bytes)
      << "not healed";
}

TEST_F(CacheTest, FilesTheRepositoryNoLongerHasAreRemovedWhenListed) {
  auto cached = Cached();
  auto [snapshot, snapshot_bytes] = NamedFile(FileType::kSnapshot, 6);
  auto [kept, kept_bytes] = NamedFile(FileType::kSnapshot, 7);
  auto [pack, pack_bytes] = TreePack(8);
  for (const auto& [handle, bytes] :
       {std::pair{snapshot, snapshot_bytes}, {kept, kept_bytes}, {pack, pack_bytes}}) {
    ASSERT_THAT(cached->Save(handle, bytes), IsOk());
  }
  // Another host forgets the snapshot and prunes the pack.
  ASSERT_THAT(target_->Remove(snapshot), IsOk());
  ASSERT_THAT(target_->Remove(pack), IsOk());
  ASSERT_TRUE(std::filesystem::exists(CachePath("snapshots/" + snapshot.name)));

  EXPECT_EQ(backend::conformance::ListAll(*cached, FileType::kSnapshot).size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(CachePath("snapshots/" + snapshot.name)));
  EXPECT_TRUE(std::filesystem::exists(CachePath("snapshots/" + kept.name)));
  EXPECT_TRUE(std::filesystem::exists(CachePath("packs/" + pack.name)));
  EXPECT_EQ(backend::conformance::ListAll(*cached, FileType::kPack).size(), 0u);
  EXPECT_FALSE(std::filesystem::exists(CachePath("packs/" + pack.name)));
}

TEST_F(CacheTest, RemoveRemovesTheCachedCopyToo) {
  auto cached = Cached();
  auto [handle, bytes] = TreePack(9);
  ASSERT_THAT(cached->Save(handle, bytes), IsOk());
  ASSERT_THAT(cached->Remove(handle), IsOk());
  EXPECT_FALSE(std::filesystem::exists(CachePath("packs/" + handle.name)));
  EXPECT_THAT(cached->Load(handle, 0, 32), ErrorIs(ErrorCode::kNotFound));
}

TEST_F(CacheTest, RangesOfACachedPackAreTheRepositorysBytes) {
  auto [handle, bytes] = TreePack(10);
  ASSERT_THAT(target_->Save(handle, bytes), IsOk());
  auto cached = Cached();
  struct Range {
    uint64_t offset, length;
  };
  for (Range r : {Range{0, 32}, {0, 0}, {12345, 6789}, {99999, 1}, {50000, 0}, {100000, 0}}) {
    Result<Bytes> expected = target_->Load(handle, r.offset, r.length);
    ASSERT_THAT(expected, IsOk());
    EXPECT_EQ(LoadOk(*cached, handle, r.offset, r.length), *expected)
        << r.offset << "+" << r.length;
  }
  EXPECT_EQ(counts_->Loads(FileType::kPack), 1) << "downloaded once, whole";
  // Beyond the end: the repository's own error, not made-up bytes.
  EXPECT_THAT(cached->Load(handle, 99990, 20), ErrorIs(ErrorCode::kIo));
  EXPECT_THAT(Cached()->Load(handle, 99990, 20), ErrorIs(ErrorCode::kIo));
}

TEST_F(CacheTest, DataPacksLocksKeysAndConfigAreNeverCached) {
  auto cached = Cached();
  Handle data{FileType::kPack, backend::conformance::Id(11)};  // no keep_whole: file data
  Handle lock{FileType::kLock, backend::conformance::Id(12)};
  Handle key{FileType::kKey, backend::conformance::Id(13)};
  for (const Handle& handle : {data, lock, key, Handle{FileType::kConfig, ""}}) {
    ASSERT_THAT(cached->Save(handle, Pattern(5000, 1)), IsOk());
    EXPECT_EQ(LoadOk(*cached, handle), Pattern(5000, 1));
    EXPECT_EQ(LoadOk(*cached, handle, 10, 10).size(), 10u);
    EXPECT_EQ(counts_->Loads(handle.type), 2) << FileTypeName(handle.type);
  }
  EXPECT_TRUE(std::filesystem::is_empty(CachePath("packs")));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(CachePath("")), {}), 5)
      << "only CACHEDIR.TAG, snapshots/, index/, packs/ and marks/";
}

// A mark: an evidence file named "mark-" + the SHA-256 of its bytes.
std::pair<Handle, Bytes> MarkFile(uint64_t seed) {
  Bytes bytes = Pattern(900, seed);
  return {Handle{FileType::kEvidence, "mark-" + crypto::Sha256(bytes).Hex()}, bytes};
}

TEST_F(CacheTest, MarksAreCachedOtherEvidenceIsNot) {
  auto [mark, mark_bytes] = MarkFile(30);
  auto [evidence, evidence_bytes] = NamedFile(FileType::kEvidence, 31);  // a host's records
  // The mark written by another host, the records by this one.
  ASSERT_THAT(target_->Save(mark, mark_bytes), IsOk());
  ASSERT_THAT(Cached()->Save(evidence, evidence_bytes), IsOk());
  for (int i = 0; i < 3; ++i) {
    auto cached = Cached();  // a new process each time
    EXPECT_EQ(LoadOk(*cached, mark), mark_bytes);
    EXPECT_EQ(LoadOk(*cached, evidence), evidence_bytes);
  }
  EXPECT_EQ(counts_->Loads(FileType::kEvidence), 1 + 3) << "the mark once, the evidence each time";
  EXPECT_TRUE(std::filesystem::exists(CachePath("marks/" + mark.name)));
  EXPECT_FALSE(std::filesystem::exists(CachePath("marks/" + evidence.name)));
}

TEST_F(CacheTest, ASavedMarkIsReadFromTheCache) {
  auto [mark, bytes] = MarkFile(32);
  auto cached = Cached();
  ASSERT_THAT(cached->Save(mark, bytes), IsOk());
  EXPECT_EQ(LoadOk(*cached, mark), bytes);
  EXPECT_EQ(LoadOk(*Cached(), mark), bytes);
  EXPECT_EQ(counts_->Loads(FileType::kEvidence), 0);
}

TEST_F(CacheTest, DamagedCachedMarkIsFetchedAgainAndHealed) {
  auto [mark, bytes] = MarkFile(33);
  ASSERT_THAT(Cached()->Save(mark, bytes), IsOk());
  std::string path = CachePath("marks/" + mark.name);
  Bytes damaged = ReadFile(path);
  ASSERT_EQ(damaged, bytes);
  damaged[100] ^= 0x04;
  WriteFile(path, damaged);

  EXPECT_EQ(LoadOk(*Cached(), mark), bytes);
  EXPECT_EQ(counts_->Loads(FileType::kEvidence), 1);
  EXPECT_EQ(ReadFile(path), bytes) << "the cache was not healed";
  EXPECT_EQ(LoadOk(*Cached(), mark), bytes);
  EXPECT_EQ(counts_->Loads(FileType::kEvidence), 1);
}

// A copy of one mark's bytes under another mark's name (planted in the cache folder, or a
// mark renamed in the repository) is never served for that name.
TEST_F(CacheTest, AMarkUnderAnotherMarksNameIsNeverServedOrCached) {
  auto [mark, bytes] = MarkFile(34);
  auto [other, other_bytes] = MarkFile(35);
  ASSERT_THAT(target_->Save(mark, bytes), IsOk());
  ASSERT_THAT(Cached()->Save(other, other_bytes), IsOk());
  WriteFile(CachePath("marks/" + mark.name), other_bytes);
  EXPECT_EQ(LoadOk(*Cached(), mark), bytes);
  EXPECT_EQ(ReadFile(CachePath("marks/" + mark.name)), bytes) << "the cache was not healed";

  Handle renamed{FileType::kEvidence, "mark-" + std::string(64, 'c')};
  ASSERT_THAT(target_->Save(renamed, bytes), IsOk());
  EXPECT_EQ(LoadOk(*Cached(), renamed), bytes);  // handed on: the repository reports it
  EXPECT_FALSE(std::filesystem::exists(CachePath("marks/" + renamed.name)));
}

TEST_F(CacheTest, MarksTheRepositoryNoLongerHasAreRemovedWhenEvidenceIsListed) {
  auto cached = Cached();
  auto [gone, gone_bytes] = MarkFile(36);
  auto [kept, kept_bytes] = MarkFile(37);
  ASSERT_THAT(cached->Save(gone, gone_bytes), IsOk());
  ASSERT_THAT(cached->Save(kept, kept_bytes), IsOk());
  ASSERT_THAT(target_->Remove(gone), IsOk());  // e.g. repair --as-of rolled it back
  ASSERT_TRUE(std::filesystem::exists(CachePath("marks/" + gone.name)));

  EXPECT_EQ(backend::conformance::ListAll(*cached, FileType::kEvidence).size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(CachePath("marks/" + gone.name)));
  EXPECT_TRUE(std::filesystem::exists(CachePath("marks/" + kept.name)));
  ASSERT_THAT(cached->Remove(kept), IsOk());
  EXPECT_FALSE(std::filesystem::exists(CachePath("marks/" + kept.name)));
}

TEST_F(CacheTest, NothingIsCachedWhenTheRepositoryRefusesTheSave) {
  auto cached = Cached();
  counts_->fail_saves = true;
  auto [handle, bytes] = NamedFile(FileType::kIndex, 14);
  EXPECT_THAT(cached->Save(handle, bytes), ErrorIs(ErrorCode::kIo));
  EXPECT_FALSE(std::filesystem::exists(CachePath("index/" + handle.name)));
  EXPECT_THAT(cached->Load(handle), ErrorIs(ErrorCode::kNotFound));
}

TEST_F(CacheTest, AFileWhoseContentDoesNotMatchItsNameIsHandedOnButNotCached) {
  Handle handle{FileType::kIndex, backend::conformance::Id(15)};
  ASSERT_THAT(target_->Save(handle, Pattern(100, 15)), IsOk());
  EXPECT_EQ(LoadOk(*Cached(), handle), Pattern(100, 15));
  EXPECT_FALSE(std::filesystem::exists(CachePath("index/" + handle.name)));
}

TEST_F(CacheTest, AnUnwritableCacheFolderWorksUncachedWithOneWarning) {
  // A folder below a regular file cannot be made, even by root.
  WriteFile(scratch_.path() + "/file", AsBytes("x"));
  std::vector<std::string> warnings;
  CacheOptions options{scratch_.path() + "/file/cache",
                       [&](const std::string& line) { warnings.push_back(line); }};
  auto made =
      NewCachingBackend(std::make_unique<testing::CountingBackend>(target_, counts_), options);
  ASSERT_THAT(made, IsOk());
  backend::Backend& cached = **made;
  for (uint64_t seed = 20; seed < 23; ++seed) {
    auto [index, index_bytes] = NamedFile(FileType::kIndex, seed);
    auto [pack, pack_bytes] = TreePack(seed);
    ASSERT_THAT(cached.Save(index, index_bytes), IsOk());
    ASSERT_THAT(cached.Save(pack, pack_bytes), IsOk());
    EXPECT_EQ(LoadOk(cached, index), index_bytes);
    EXPECT_EQ(LoadOk(cached, pack, 100, 50),
              Bytes(pack_bytes.begin() + 100, pack_bytes.begin() + 150));
  }
  EXPECT_EQ(counts_->Loads(FileType::kIndex), 3);
  EXPECT_EQ(counts_->Loads(FileType::kPack), 3) << "uncached: ranges, not whole packs";
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr(scratch_.path() + "/file/cache"));
  EXPECT_THAT(warnings[0], HasSubstr("going on without it"));
}

TEST_F(CacheTest, ACacheThatBecomesUnwritableStopsWritingAfterOneWarning) {
  std::vector<std::string> warnings;
  auto made =
      NewCachingBackend(std::make_unique<testing::CountingBackend>(target_, counts_),
                        {CachePath(""), [&](const std::string& l) { warnings.push_back(l); }});
  ASSERT_THAT(made, IsOk());
  // The folder for index files is replaced by a file: writes there fail (as on a full disk).
  std::filesystem::remove_all(CachePath("index"));
  WriteFile(CachePath("index"), AsBytes("x"));
  for (uint64_t seed = 30; seed < 33; ++seed) {
    auto [handle, bytes] = NamedFile(FileType::kIndex, seed);
    ASSERT_THAT((*made)->Save(handle, bytes), IsOk());
    EXPECT_EQ(LoadOk(**made, handle), bytes);
  }
  EXPECT_EQ(warnings.size(), 1u);
}

TEST_F(CacheTest, TwoCachesOnOneFolderShareFilesAndSurviveEachOthersRemovals) {
  auto first = Cached();
  auto second = Cached();
  std::vector<std::pair<Handle, Bytes>> packs;
  for (uint64_t seed = 40; seed < 44; ++seed) packs.push_back(TreePack(seed, 20000));
  for (const auto& [handle, bytes] : packs) ASSERT_THAT(target_->Save(handle, bytes), IsOk());

  std::atomic<int> wrong{0};
  auto reader = [&](backend::Backend& cached, uint64_t seed) {
    for (int i = 0; i < 200; ++i) {
      const auto& [handle, bytes] = packs[(seed + i) % packs.size()];
      uint64_t offset = (seed * 7919 + i * 104729) % 19000;
      Result<Bytes> got = cached.Load(handle, offset, 1000);
      if (!got || *got != Bytes(bytes.begin() + offset, bytes.begin() + offset + 1000)) ++wrong;
    }
  };
  auto remover = [&] {  // another process's cache clean-up, at the worst moments
    for (int i = 0; i < 200; ++i) {
      std::filesystem::remove(CachePath("packs/" + packs[i % packs.size()].first.name));
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(reader, std::ref(*first), 1);
  threads.emplace_back(reader, std::ref(*second), 2);
  threads.emplace_back(reader, std::ref(*first), 3);
  threads.emplace_back(remover);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, 0);

  counts_->Reset();
  reader(*second, 4);
  reader(*first, 5);
  EXPECT_LE(counts_->Loads(FileType::kPack), static_cast<int>(packs.size()));
}

TEST_F(CacheTest, TheCacheFoldersArePrivate) {
  mode_t old_umask = ::umask(022);
  auto cached = Cached();
  ::umask(old_umask);
  for (const char* folder : {"", "snapshots", "index", "packs"}) {
    struct stat st;
    ASSERT_EQ(::stat(CachePath(folder).c_str(), &st), 0) << folder;
    EXPECT_EQ(st.st_mode & 077, 0u) << "'" << folder << "' is open to others";
  }
}

// A cache folder where another user can plant, swap or read files is not used at all: a forged
// tree pack (with a valid trailer) planted there is never served.
void ExpectFolderUnused(const std::string& directory, const std::string& planted_folder) {
  std::shared_ptr<backend::Backend> target = backend::NewMemoryBackend();
  auto counts = std::make_shared<testing::Counts>();
  auto [pack, pack_bytes] = TreePack(60, 5000);
  ASSERT_THAT(target->Save(pack, pack_bytes), IsOk());
  std::filesystem::create_directories(planted_folder + "/packs");
  Bytes forged(pack_bytes.size(), 0x66);
  crypto::Id hash = crypto::Sha256(forged);
  forged.insert(forged.end(), hash.bytes.begin(), hash.bytes.end());
  forged.insert(forged.end(), {'s', 't', 'o', 'r', 'm', 'p', 'c', '1'});
  WriteFile(planted_folder + "/packs/" + pack.name, forged);
  std::vector<std::string> warnings;
  auto made = NewCachingBackend(std::make_unique<testing::CountingBackend>(target, counts),
                                {directory, [&](const std::string& l) { warnings.push_back(l); }});
  ASSERT_THAT(made, IsOk());
  Result<Bytes> loaded = (*made)->Load(pack, 0, 100);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(*loaded, Bytes(pack_bytes.begin(), pack_bytes.begin() + 100)) << "a planted pack";
  auto [index, index_bytes] = NamedFile(FileType::kIndex, 61);
  ASSERT_THAT((*made)->Save(index, index_bytes), IsOk());
  EXPECT_FALSE(std::filesystem::exists(planted_folder + "/index/" + index.name));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("not a folder of this user's"));
}

TEST_F(CacheTest, ACacheFolderThatIsASymbolicLinkIsNotUsed) {
  std::string elsewhere = scratch_.path() + "/elsewhere";
  std::filesystem::create_directories(elsewhere);
  std::filesystem::create_directory_symlink(elsewhere, scratch_.path() + "/cache");
  ExpectFolderUnused(scratch_.path() + "/cache", elsewhere);
}

TEST_F(CacheTest, AnotherUsersCacheFolderIsNotUsed) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a folder another user's";
  std::string theirs = scratch_.path() + "/theirs";
  std::filesystem::create_directories(theirs);
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  ExpectFolderUnused(theirs, theirs);
}

TEST_F(CacheTest, TheFolderIsTaggedForBackupTools) {
  auto cached = Cached();
  Bytes tag = ReadFile(CachePath("CACHEDIR.TAG"));
  EXPECT_THAT(std::string(tag.begin(), tag.end()),
              ::testing::StartsWith("Signature: 8a477f597d28d172789f06886806bc55"));
}

TEST(CacheRootTest, FollowsXdgCacheHomeThenHome) {
  std::string old_xdg = getenv("XDG_CACHE_HOME") ? getenv("XDG_CACHE_HOME") : "";
  std::string old_home = getenv("HOME") ? getenv("HOME") : "";
  setenv("XDG_CACHE_HOME", "/var/cache/me", 1);
  EXPECT_EQ(DefaultCacheRoot(), "/var/cache/me/stormproof");
  setenv("XDG_CACHE_HOME", "relative/ignored", 1);
  setenv("HOME", "/home/ann", 1);
  EXPECT_EQ(DefaultCacheRoot(), "/home/ann/.cache/stormproof");
  unsetenv("XDG_CACHE_HOME");
  EXPECT_EQ(DefaultCacheRoot(), "/home/ann/.cache/stormproof");
  if (old_xdg.empty()) {
    unsetenv("XDG_CACHE_HOME");
  } else {
    setenv("XDG_CACHE_HOME", old_xdg.c_str(), 1);
  }
  setenv("HOME", old_home.c_str(), 1);
}

TEST(CacheRootTest, EachRepositoryHasItsOwnFolder) {
  std::string a = RepositoryCacheDirectory("/c", "s3:https://host/bucket-a");
  EXPECT_EQ(a, RepositoryCacheDirectory("/c", "s3:https://host/bucket-a"));
  EXPECT_NE(a, RepositoryCacheDirectory("/c", "s3:https://host/bucket-b"));
  EXPECT_THAT(a, ::testing::MatchesRegex("/c/[0-9a-f]{32}"));
}

TEST(CachingBackendTest, RefusesAnEmptyFolder) {
  EXPECT_THAT(NewCachingBackend(backend::NewMemoryBackend(), {}),
              ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("no folder")));
}

// A check or drill killed before it removes its fresh cache leaves the folder behind; the next
// fresh cache removes it, but never a running process's folder nor one that is a link.
TEST(FreshCacheTest, FoldersOfEndedProcessesAreRemovedByTheNextOne) {
  namespace fs = std::filesystem;
  const fs::path parent =
      fs::temp_directory_path() / ("stormproof-fresh-test-" + std::to_string(::getpid()));
  fs::remove_all(parent);
  fs::create_directories(parent);
  pid_t ended = ::fork();
  if (ended == 0) ::_exit(0);
  ASSERT_GT(ended, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(ended, &status, 0), ended);
  const fs::path abandoned =
      parent / ("stormproof-fresh-cache." + std::to_string(ended) + ".aaaaaa");
  const fs::path running =
      parent / ("stormproof-fresh-cache." + std::to_string(::getpid()) + ".bbbbbb");
  const fs::path link = parent / ("stormproof-fresh-cache." + std::to_string(ended) + ".cccccc");
  fs::create_directories(abandoned / "packs");
  std::ofstream(abandoned / "packs" / "x") << "left behind";
  fs::create_directories(running);
  fs::create_directory_symlink(running, link);

  std::string folder = NewFreshCacheFolder(parent.string());
  ASSERT_FALSE(folder.empty());
  EXPECT_TRUE(fs::is_directory(folder));
  EXPECT_EQ(fs::status(folder).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_FALSE(fs::exists(abandoned)) << "the ended process's folder is removed";
  EXPECT_TRUE(fs::exists(running)) << "a running process's folder is kept";
  EXPECT_TRUE(fs::is_symlink(link)) << "a link is never followed nor removed";
  fs::remove_all(parent);
}

// A folder this backend made and never stored anything in (a mistyped bucket, wrong credentials)
// goes with it; a folder holding a cached file, or one that was there before, stays.
TEST_F(CacheTest, AFolderMadeAndNeverUsedIsRemovedWhenDone) {
  Cached().reset();
  EXPECT_FALSE(std::filesystem::exists(CachePath(""))) << "an unused new folder was left behind";
  auto [handle, bytes] = NamedFile(FileType::kSnapshot, 4);
  ASSERT_THAT(Cached()->Save(handle, bytes), IsOk());
  EXPECT_TRUE(std::filesystem::exists(CachePath("snapshots/" + handle.name)));
  std::filesystem::remove(CachePath("snapshots/" + handle.name));
  Cached().reset();  // empty again, but not made by this backend
  EXPECT_TRUE(std::filesystem::exists(CachePath("CACHEDIR.TAG")));
}

// This machine's record of the delete markers stormproof placed lives in the state folder
// (never in the cache, which anyone or a cleaner may delete), named after the cache folder: the
// caching backend fills it into the place the repository gives; a fresh cache keeps none.
TEST_F(CacheTest, TheRecordPlaceIsInTheStateFolderUnlessTheCacheIsFresh) {
  const char* old_state = getenv("XDG_STATE_HOME");
  const std::string kept = old_state != nullptr ? old_state : "";
  setenv("XDG_STATE_HOME", (scratch_.path() + "/state").c_str(), 1);
  Cached()->SetRecordPlace({.repository_id = "abc"});
  if (old_state != nullptr) setenv("XDG_STATE_HOME", kept.c_str(), 1);
  else unsetenv("XDG_STATE_HOME");
  const std::string name = std::filesystem::path(CachePath("")).parent_path().filename().string();
  EXPECT_EQ(counts_->record_place.folder, scratch_.path() + "/state/stormproof/" + name);
  EXPECT_EQ(counts_->record_place.repository_id, "abc");
  auto fresh = NewCachingBackend(std::make_unique<testing::CountingBackend>(target_, counts_),
                                 {.directory = scratch_.path() + "/fresh",
                                  .remove_when_done = true});
  ASSERT_THAT(fresh, IsOk());
  (*fresh)->SetRecordPlace({.repository_id = "abc"});
  EXPECT_EQ(counts_->record_place.folder, "");
}

}  // namespace
}  // namespace stormproof::cache
