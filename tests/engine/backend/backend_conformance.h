// The conformance suite every Backend passes (like restic's internal/backend/test/suite.go).
//
// To run it against a backend, write a Factory: a default-constructible type whose Make() returns
// a fresh, empty backend and whose destructor removes whatever Make() created. Then, in a test file
// (GoogleTest wants the instantiation in the suite's namespace):
//
//   namespace stormproof::backend::conformance {
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, BackendConformanceTest, ::testing::Types<MyFactory>);
//   }
//
// Each test makes one Factory and one backend from it.
#ifndef STORMPROOF_TESTS_ENGINE_BACKEND_BACKEND_CONFORMANCE_H_
#define STORMPROOF_TESTS_ENGINE_BACKEND_BACKEND_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/backend/backend.h"
#include "tests/matchers.h"

namespace stormproof::backend::conformance {

// `n` reproducible pseudo-random bytes; different seeds give different contents.
inline Bytes Pattern(size_t n, uint64_t seed) {
  Bytes out(n);
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<uint8_t>(x);
  }
  return out;
}

// A 64-hex-digit name like the content-addressed ids the repository uses; distinct per `i`.
inline std::string Id(uint64_t i) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string id;
  uint64_t x = i + 1;
  for (int word = 0; word < 4; ++word) {
    x = (x ^ (x >> 31)) * 0xBF58476D1CE4E5B9ull + 0x94D049BB133111EBull;
    for (int shift = 60; shift >= 0; shift -= 4) id += kDigits[(x >> shift) & 15];
  }
  return id;
}

inline const FileType kNamedTypes[] = {FileType::kKey,   FileType::kLock, FileType::kSnapshot,
                                       FileType::kIndex, FileType::kPack, FileType::kEvidence};

// Every file of `type` as name → size.
inline std::map<std::string, uint64_t> ListAll(Backend& backend, FileType type) {
  std::map<std::string, uint64_t> files;
  Status s = backend.List(type, [&](const std::string& name, uint64_t size) {
    EXPECT_TRUE(files.emplace(name, size).second) << "listed twice: " << name;
  });
  EXPECT_THAT(s, IsOk());
  return files;
}

template <typename Factory>
class BackendConformanceTest : public ::testing::Test {
 protected:
  Backend& backend() { return *backend_; }

  void SaveOk(const Handle& handle, ByteView data) {
    Status s = backend_->Save(handle, data);
    ASSERT_THAT(s, IsOk());
  }
  Bytes LoadOk(const Handle& handle, uint64_t offset = 0, uint64_t length = 0) {
    Result<Bytes> data = backend_->Load(handle, offset, length);
    EXPECT_THAT(data, IsOk());
    return data ? std::move(data).value() : Bytes{};
  }

  Factory factory_;
  std::unique_ptr<Backend> backend_ = factory_.Make();
};

TYPED_TEST_SUITE_P(BackendConformanceTest);

TYPED_TEST_P(BackendConformanceTest, RoundTripsEmptyTinyAndLargeFilesOfEveryType) {
  const size_t sizes[] = {0, 1, 5 << 20};
  for (size_t size : sizes) {
    for (FileType type : kNamedTypes) {
      Handle handle{type, Id(size)};
      Bytes data = Pattern(size, size + static_cast<uint64_t>(type));
      this->SaveOk(handle, data);
      EXPECT_EQ(this->LoadOk(handle), data) << FileTypeName(type) << " of " << size << " bytes";
      Result<uint64_t> stored = this->backend().Size(handle);
      ASSERT_THAT(stored, IsOk());
      EXPECT_EQ(*stored, size);
    }
  }
}

TYPED_TEST_P(BackendConformanceTest, ConfigRoundTripsAndIgnoresItsName) {
  Bytes data = Pattern(300, 7);
  this->SaveOk(Handle{FileType::kConfig, ""}, data);
  EXPECT_EQ(this->LoadOk(Handle{FileType::kConfig, "whatever"}), data);
  EXPECT_EQ(ListAll(this->backend(), FileType::kConfig),
            (std::map<std::string, uint64_t>{{"config", 300}}));
}

TYPED_TEST_P(BackendConformanceTest, RangedLoadsReturnExactlyTheRequestedBytes) {
  Bytes data = Pattern(100000, 3);
  Handle handle{FileType::kPack, Id(1)};
  this->SaveOk(handle, data);
  struct Case {
    uint64_t offset, length, expected_begin, expected_end;
  };
  const Case cases[] = {
      {0, 1, 0, 1},
      {10, 90, 10, 100},
      {99999, 1, 99999, 100000},
      {50000, 0, 50000, 100000},
      {0, 100000, 0, 100000},
      {100000, 0, 100000, 100000},
      {12345, 54321, 12345, 66666},
  };
  for (const Case& c : cases) {
    Bytes expected(data.begin() + static_cast<std::ptrdiff_t>(c.expected_begin),
                   data.begin() + static_cast<std::ptrdiff_t>(c.expected_end));
    EXPECT_EQ(this->LoadOk(handle, c.offset, c.length), expected)
        << "offset " << c.offset << " length " << c.length;
  }
}

TYPED_TEST_P(BackendConformanceTest, ReadingPastTheEndIsATruncationError) {
  Handle handle{FileType::kPack, Id(2)};
  this->SaveOk(handle, Pattern(1000, 4));
  struct Case {
    uint64_t offset, length;
  };
  const Case cases[] = {{0, 1001}, {999, 2}, {1000, 1}, {1001, 0}, {5000, 10}, {1, UINT64_MAX}};
  for (const Case& c : cases) {
    Result<Bytes> data = this->backend().Load(handle, c.offset, c.length);
    ASSERT_FALSE(data.has_value()) << "offset " << c.offset << " length " << c.length;
    EXPECT_THAT(data, ErrorIs(ErrorCode::kIo));
    EXPECT_THAT(data.error().message(), HasSubstr("truncated")) << data.error().message();
    EXPECT_THAT(data.error().message(), HasSubstr("file has 1000")) << data.error().message();
  }
}

TYPED_TEST_P(BackendConformanceTest, MissingFilesAreNotFound) {
  for (FileType type : kNamedTypes) {
    Handle handle{type, Id(42)};
    Result<Bytes> data = this->backend().Load(handle);
    ASSERT_FALSE(data.has_value());
    EXPECT_THAT(data, ErrorIs(ErrorCode::kNotFound)) << data.error().message();
    Result<uint64_t> size = this->backend().Size(handle);
    ASSERT_FALSE(size.has_value());
    EXPECT_THAT(size, ErrorIs(ErrorCode::kNotFound)) << size.error().message();
  }
  Result<Bytes> config = this->backend().Load(Handle{FileType::kConfig, ""});
  ASSERT_FALSE(config.has_value());
  EXPECT_THAT(config, ErrorIs(ErrorCode::kNotFound));
}

TYPED_TEST_P(BackendConformanceTest, ListsEachTypeSeparatelyWithSizes) {
  std::map<FileType, std::map<std::string, uint64_t>> expected;
  uint64_t i = 0;
  for (FileType type : kNamedTypes) {
    for (int n = 0; n < 3; ++n, ++i) {
      this->SaveOk(Handle{type, Id(i)}, Pattern(i * 10, i));
      expected[type][Id(i)] = i * 10;
    }
  }
  for (FileType type : kNamedTypes) {
    EXPECT_EQ(ListAll(this->backend(), type), expected[type]) << FileTypeName(type);
  }
  EXPECT_TRUE(ListAll(this->backend(), FileType::kConfig).empty());
}

TYPED_TEST_P(BackendConformanceTest, SavingAgainReplacesAllButTheConfig) {
  Handle snapshot{FileType::kSnapshot, Id(5)};
  this->SaveOk(snapshot, Pattern(5000, 1));
  this->SaveOk(snapshot, Pattern(10, 2));
  EXPECT_EQ(this->LoadOk(snapshot), Pattern(10, 2));

  Handle config{FileType::kConfig, ""};
  this->SaveOk(config, Pattern(64, 1));
  Status again = this->backend().Save(config, Pattern(64, 2));
  ASSERT_FALSE(again.has_value());
  EXPECT_THAT(again, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_THAT(again.error().message(), HasSubstr("already exists"));
  EXPECT_EQ(this->LoadOk(config), Pattern(64, 1));
}

TYPED_TEST_P(BackendConformanceTest, ConcurrentConfigSavesHaveExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::atomic<int> winners{0};
  std::atomic<int> winner_seed{-1};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      if (this->backend().Save(Handle{FileType::kConfig, ""}, Pattern(4096, t))) {
        ++winners;
        winner_seed = t;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(winners.load(), 1);
  EXPECT_EQ(this->LoadOk(Handle{FileType::kConfig, ""}), Pattern(4096, winner_seed.load()));
}

TYPED_TEST_P(BackendConformanceTest, RemoveDeletesAndIsIdempotent) {
  Handle lock{FileType::kLock, Id(9)};
  this->SaveOk(lock, Pattern(100, 9));
  ASSERT_THAT(this->backend().Remove(lock), IsOk());
  EXPECT_THAT(this->backend().Load(lock), ErrorIs(ErrorCode::kNotFound));
  EXPECT_TRUE(ListAll(this->backend(), FileType::kLock).empty());
  EXPECT_THAT(this->backend().Remove(lock), IsOk());
  EXPECT_THAT(this->backend().Remove(Handle{FileType::kPack, Id(77)}), IsOk());
  this->SaveOk(lock, Pattern(3, 3));  // a removed name can be saved again
  EXPECT_EQ(this->LoadOk(lock), Pattern(3, 3));
}

TYPED_TEST_P(BackendConformanceTest, RejectsUnsafeNamesEverywhere) {
  const std::string bad_names[] = {"",
                                   "a/b",
                                   "/etc",
                                   "..",
                                   "../x",
                                   "a..b",
                                   ".hidden",
                                   ".tmp-abc",
                                   std::string(129, 'a'),
                                   "ab\ncd",
                                   std::string("ab\0cd", 5)};
  for (FileType type : kNamedTypes) {
    for (const std::string& name : bad_names) {
      Handle handle{type, name};
      auto expect_invalid = [&](const Error& e, const char* op) {
        EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument)
            << op << " " << FileTypeName(type) << " '" << name << "': " << e.message();
      };
      Status saved = this->backend().Save(handle, Pattern(1, 1));
      ASSERT_FALSE(saved.has_value()) << FileTypeName(type) << " '" << name << "'";
      expect_invalid(saved.error(), "Save");
      expect_invalid(this->backend().Load(handle).error(), "Load");
      expect_invalid(this->backend().Size(handle).error(), "Size");
      expect_invalid(this->backend().Remove(handle).error(), "Remove");
    }
  }
  for (const char* pack : {"zz0123", "A0beef", "a"}) {  // packs fan out on two hex digits
    Status saved = this->backend().Save(Handle{FileType::kPack, pack}, Pattern(1, 1));
    ASSERT_FALSE(saved.has_value()) << pack;
    EXPECT_THAT(saved, ErrorIs(ErrorCode::kInvalidArgument));
  }
}

TYPED_TEST_P(BackendConformanceTest, AcceptsTheLongestAllowedAndOtherSafeNames) {
  const std::string names[] = {std::string(128, 'f'), "ab", "0a-lock_1.json", "ff~x"};
  for (const std::string& name : names) {
    for (FileType type : kNamedTypes) {
      this->SaveOk(Handle{type, name}, AsBytes(name));
      EXPECT_EQ(this->LoadOk(Handle{type, name}), Bytes(name.begin(), name.end()));
      EXPECT_EQ(ListAll(this->backend(), type).count(name), 1u) << name;
    }
  }
}

// 8 threads each save, read back (whole and ranged) and list their own files at once; nothing
// another thread half-wrote (a temporary file) may ever be listed.
TYPED_TEST_P(BackendConformanceTest, EightThreadsSaveAndLoadConcurrently) {
  constexpr int kThreads = 8;
  constexpr int kFilesPerThread = 12;
  std::set<std::string> all_names;
  for (int i = 0; i < kThreads * kFilesPerThread; ++i) all_names.insert(Id(i));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int f = 0; f < kFilesPerThread; ++f) {
        uint64_t i = static_cast<uint64_t>(t * kFilesPerThread + f);
        Handle handle{f % 2 ? FileType::kPack : FileType::kIndex, Id(i)};
        Bytes data = Pattern(20000 + i * 997, i);
        ASSERT_THAT(this->backend().Save(handle, data), IsOk());
        Result<Bytes> whole = this->backend().Load(handle);
        ASSERT_THAT(whole, IsOk());
        EXPECT_EQ(*whole, data);
        Result<Bytes> tail = this->backend().Load(handle, data.size() - 100, 100);
        ASSERT_THAT(tail, IsOk());
        EXPECT_TRUE(std::equal(tail->begin(), tail->end(), data.end() - 100));
        for (FileType type : {FileType::kPack, FileType::kIndex}) {
          for (const auto& [name, size] : ListAll(this->backend(), type)) {
            EXPECT_TRUE(all_names.count(name)) << "unexpected listed name " << name;
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  size_t listed = ListAll(this->backend(), FileType::kPack).size() +
                  ListAll(this->backend(), FileType::kIndex).size();
  EXPECT_EQ(listed, all_names.size());
}

// Locks and prune's grace period age files by the storage's clock: a saved file is stamped about
// now, and saving it again stamps it anew.
TYPED_TEST_P(BackendConformanceTest, StampsSavedFilesWithTheStorageClock) {
  auto now = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const int64_t kSlack = 60'000'000'000;  // a minute either way: coarse, but never 30 minutes
  Handle handle{FileType::kLock, Id(7)};
  int64_t before = now();
  this->SaveOk(handle, Pattern(10, 1));
  Result<int64_t> first = this->backend().ModifiedNs(handle);
  ASSERT_THAT(first, IsOk());
  EXPECT_GT(*first, before - kSlack);
  EXPECT_LT(*first, now() + kSlack);
  Result<int64_t> missing = this->backend().ModifiedNs(Handle{FileType::kLock, Id(8)});
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing, ErrorIs(ErrorCode::kNotFound));
}

TYPED_TEST_P(BackendConformanceTest, HasALocationForMessages) {
  EXPECT_FALSE(this->backend().Location().empty());
}

REGISTER_TYPED_TEST_SUITE_P(BackendConformanceTest, RoundTripsEmptyTinyAndLargeFilesOfEveryType,
                            ConfigRoundTripsAndIgnoresItsName,
                            RangedLoadsReturnExactlyTheRequestedBytes,
                            ReadingPastTheEndIsATruncationError, MissingFilesAreNotFound,
                            ListsEachTypeSeparatelyWithSizes, SavingAgainReplacesAllButTheConfig,
                            ConcurrentConfigSavesHaveExactlyOneWinner, RemoveDeletesAndIsIdempotent,
                            RejectsUnsafeNamesEverywhere, AcceptsTheLongestAllowedAndOtherSafeNames,
                            EightThreadsSaveAndLoadConcurrently,
                            StampsSavedFilesWithTheStorageClock, HasALocationForMessages);

}  // namespace stormproof::backend::conformance

#endif  // STORMPROOF_TESTS_ENGINE_BACKEND_BACKEND_CONFORMANCE_H_
