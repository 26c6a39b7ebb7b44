// Corruption suite (docs/repository-format.md, "Verification"): seeded random damage to every kind
// of repository file — flip one bit, zero a run of 1..64 bytes, or truncate — must each be detected
// by `check --read-data` (100%, not "most"), and damage to a pack must be mapped to every snapshot
// and path that uses it. A pack whose header alone is damaged loses nothing through `repair
// index`. In-process, on a repository built by the test: in memory (corruption_test, linked with
// local_place.cc) or in a bucket of a real Ceph RGW (s3_corruption_test, with s3_place.cc; see
// repository_place.h), where the objects are damaged in the bucket and read back through the S3
// backend. On S3 only the seeded injections run: the other cases check the repository format,
// which the storage does not change, with thousands of rewrites.
//
//   STORMPROOF_CORRUPTION_SEED  seed of the injections (default 20251126)
//   STORMPROOF_CORRUPTIONS      number of injections (default 300 locally, 100 on S3)
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/engine/repository/repository_fixtures.h"
#include "engine/checker/checker.h"
#include "engine/repair/index_repair.h"
#include "engine/repository/tree.h"
#include "tests/matchers.h"
#include "tests/reliability/repository_place.h"

namespace stormproof {
namespace {

using backend::FileType;
using repository::BlobType;
using repository::Id;
using repository::Repository;
using repository::testing::kPassword;
using repository::testing::RandomData;
using repository::testing::Store;
using repository::testing::StorageNow;
using stormproof::testing::RepositoryPlace;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtoull(value, nullptr, 10) : fallback;
}

// Builds a repository of four snapshots with three keys (one password, so any intact key opens
// it): every snapshot shares the "common" directory with the first one and has files of its
// own, some of whose chunks are shared with other snapshots. Packs are flushed per directory, so
// there are several tree and data packs, some used by every snapshot and some by one.
class RepositoryBuilder {
 public:
  explicit RepositoryBuilder(Repository& repo) : repo_(repo) {}

  void Build() {
    std::vector<Bytes> pool;
    for (int i = 0; i < 6; ++i) pool.push_back(RandomData(1000 + 700 * i, 1000 + i));
    repository::Node common =
        Dir("common", {File("a.txt", {pool[0], pool[1]}), File("b.txt", {RandomData(3000, 7)})});
    ASSERT_TRUE(repo_.Flush());
    for (int s = 0; s < 4; ++s) {
      std::string n = std::to_string(s);
      repository::Node own =
          Dir("own" + n, {File("x" + n, {RandomData(2000 + s, 100 + s), pool[2 + s % 2]}),
                          File("y" + n, {RandomData(500 + s, 200 + s)})});
      repository::Node shared = File("shared" + n, {pool[4 + s % 2], pool[s % 2]});
      repository::Tree root;
      root.nodes = {common, own, shared};
      std::sort(root.nodes.begin(), root.nodes.end(),
                [](const auto& a, const auto& b) { return a.name < b.name; });
      repository::Snapshot snapshot;
      snapshot.time_ns = 1'700'000'000'000'000'000 + s;
      snapshot.paths = {"/data"};
      snapshot.tree = Save(BlobType::kTree, repository::EncodeTree(root));
      ASSERT_TRUE(repo_.Flush());
      auto id = repo_.SaveSnapshot(snapshot);
      ASSERT_THAT(id, IsOk());
    }
  }

 private:
  Id Save(BlobType type, const Bytes& plaintext) {
    Id id = repo_.BlobId(plaintext);
    auto saved = repo_.SaveBlob(type, id, plaintext);
    EXPECT_THAT(saved, IsOk());
    return id;
  }

  repository::Node File(const std::string& name, const std::vector<Bytes>& chunks) {
    repository::Node node;
    node.name = name;
    for (const Bytes& chunk : chunks) {
      node.content.push_back(Save(BlobType::kData, chunk));
      node.size += chunk.size();
    }
    return node;
  }

  repository::Node Dir(const std::string& name, std::vector<repository::Node> children) {
    repository::Tree tree;
    tree.nodes = std::move(children);
    repository::Node node;
    node.name = name;
    node.type = repository::NodeType::kDir;
    node.subtree = Save(BlobType::kTree, repository::EncodeTree(tree));
    return node;
  }

  Repository& repo_;
};

// For each pack: snapshot id (hex) -> the paths that use a blob in it, as check names them
// ("/" for the root tree, "/dir" for a directory's tree, "/dir/file" for file contents).
using PackUsers = std::map<std::string, std::map<std::string, std::set<std::string>>>;

PackUsers MapPackUsers(const Repository& repo) {
  PackUsers users;
  auto snapshots = repo.LoadSnapshots();
  EXPECT_THAT(snapshots, IsOk());
  if (!snapshots) return users;
  for (const repository::Snapshot& s : *snapshots) {
    std::vector<std::pair<Id, std::string>> stack = {{s.tree, ""}};
    while (!stack.empty()) {
      auto [tree_id, path] = stack.back();
      stack.pop_back();
      users[repo.FindBlob(BlobType::kTree, tree_id)->pack.Hex()][s.id.Hex()].insert(
          path.empty() ? "/" : path);
      auto tree = repository::DecodeTree(*repo.LoadBlob(BlobType::kTree, tree_id));
      for (const repository::Node& node : tree->nodes) {
        std::string child = path + "/" + node.name;
        if (node.subtree) stack.push_back({*node.subtree, child});
        for (const Id& blob : node.content) {
          users[repo.FindBlob(BlobType::kData, blob)->pack.Hex()][s.id.Hex()].insert(child);
        }
      }
    }
  }
  return users;
}

// Every file of every snapshot, "snapshot id:path" -> content, read through `repo` and verified
// (ids re-hashed); a file that cannot be read is a test failure.
std::map<std::string, Bytes> RestoreAll(const Repository& repo) {
  std::map<std::string, Bytes> files;
  auto snapshots = repo.LoadSnapshots();
  EXPECT_THAT(snapshots, IsOk());
  if (!snapshots) return files;
  for (const repository::Snapshot& s : *snapshots) {
    std::vector<std::pair<Id, std::string>> stack = {{s.tree, ""}};
    while (!stack.empty()) {
      auto [tree_id, path] = stack.back();
      stack.pop_back();
      auto tree_blob = repo.LoadBlob(BlobType::kTree, tree_id);
      EXPECT_THAT(tree_blob, IsOk());
      if (!tree_blob) continue;
      auto tree = repository::DecodeTree(*tree_blob);
      EXPECT_THAT(tree, IsOk());
      if (!tree) continue;
      for (const repository::Node& node : tree->nodes) {
        std::string child = path + "/" + node.name;
        if (node.subtree) stack.push_back({*node.subtree, child});
        Bytes& content = files[s.id.Hex() + ":" + child];
        for (const Id& blob : node.content) {
          auto data = repo.LoadBlob(BlobType::kData, blob, repository::IdCheck::kRehash);
          EXPECT_THAT(data, IsOk()) << child << ": " << data.error().message();
          if (data) content.insert(content.end(), data->begin(), data->end());
        }
      }
    }
  }
  return files;
}

// `path` or one of its ancestors is in `affected`.
bool Covered(const std::set<std::string>& affected, const std::string& path) {
  for (const std::string& a : affected) {
    if (a == "/" || a == path || path.starts_with(a + "/")) return true;
  }
  return false;
}

enum class Operation { kFlipBit, kZeroRun, kTruncate };
const char* OperationName(Operation op) {
  switch (op) {
    case Operation::kFlipBit:
      return "flip bit";
    case Operation::kZeroRun:
      return "zero run";
    case Operation::kTruncate:
      return "truncate";
  }
  return "?";
}

const char* KindName(FileType type) {
  switch (type) {
    case FileType::kPack:
      return "pack";
    case FileType::kIndex:
      return "index";
    case FileType::kSnapshot:
      return "snapshot";
    case FileType::kKey:
      return "key";
    case FileType::kConfig:
      return "config";
    default:
      return "other";
  }
}

struct Injection {
  FileType type;
  std::string name;  // "" for the config
  Operation op;
  size_t offset = 0, length = 0;  // truncation: offset = the new size

  std::string Describe() const {
    return std::string(KindName(type)) + " " + (name.empty() ? "config" : name) + ": " +
           OperationName(op) + " at offset " + std::to_string(offset) +
           (op == Operation::kZeroRun ? " length " + std::to_string(length) : "");
  }
};

// Applies a random operation of a random kind to `bytes`; the bytes always change. Returns false
// when no real change is possible (an empty file, or one already all zero for a zero run).
bool Damage(std::mt19937_64& rng, Injection* injection, Bytes* bytes) {
  if (bytes->empty()) return false;
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  switch (injection->op) {
    case Operation::kFlipBit:
      injection->offset = pick(bytes->size());
      (*bytes)[injection->offset] ^= static_cast<uint8_t>(1u << pick(8));
      return true;
    case Operation::kTruncate:
      injection->offset = pick(bytes->size());
      bytes->resize(injection->offset);
      return true;
    case Operation::kZeroRun:
      for (int attempt = 0; attempt < 100; ++attempt) {
        size_t offset = pick(bytes->size());
        size_t length = std::min(1 + pick(64), bytes->size() - offset);
        auto begin = bytes->begin() + offset, end = begin + length;
        if (std::all_of(begin, end, [](uint8_t b) { return b == 0; })) continue;
        std::fill(begin, end, 0);
        injection->offset = offset;
        injection->length = length;
        return true;
      }
      return false;
  }
  return false;
}

// Replaces a stored file (the config is written once: remove it first).
Status Replace(backend::Backend& backend, const backend::Handle& file, ByteView bytes) {
  STORMPROOF_TRY(backend.Remove(file));
  return backend.Save(file, bytes);
}

bool Mentions(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "\n  " + l;
  return out;
}

class CorruptionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    place_ = stormproof::testing::MakeRepositoryPlace(std::filesystem::temp_directory_path());
  }
  static void TearDownTestSuite() { place_.reset(); }

  void SetUp() override {
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (place_->Kind() != "local" && test != "PristineRepositoryChecksClean" &&
        test != "EverySeededCorruptionIsDetected") {
      GTEST_SKIP() << "checks the repository format, the same on every storage: run locally";
    }
    pristine_ = Store(place_->NewStore("pristine-" + test, StorageNow));
    auto repo = pristine_.Init();
    ASSERT_NE(repo, nullptr);
    ASSERT_THAT(repo->AddKey(kPassword), IsOk());
    ASSERT_THAT(repo->AddKey(kPassword), IsOk());
    RepositoryBuilder(*repo).Build();
    users_ = MapPackUsers(*repo);
  }

  // Whether check detects `injection` (`damaged` replacing `original`) applied to the pristine
  // repository, which is restored afterwards; failures of the reporting contract (naming the
  // file, the affected snapshots and paths) are test failures of their own.
  bool Detected(const Injection& injection, const Bytes& original, const Bytes& damaged) {
    const backend::Handle file{injection.type, injection.name};
    EXPECT_TRUE(Replace(pristine_.raw(), file, damaged));
    bool detected = DetectedInPristine(injection);
    EXPECT_TRUE(Replace(pristine_.raw(), file, original)) << injection.Describe();
    return detected;
  }

  bool DetectedInPristine(const Injection& injection) {
    auto repo = pristine_.Open();
    std::string named = injection.name.empty() ? "config" : injection.name;
    if (!repo) {
      // Loading refused the repository outright: acceptable only for the files Open reads, and
      // only with an error that names the file.
      bool names_it = repo.error().message().find(named) != std::string::npos;
      EXPECT_TRUE(names_it) << injection.Describe()
                            << ": open failed without naming the file: " << repo.error().message();
      ++open_failures_[KindName(injection.type)];
      return true;
    }
    checker::CheckReport report = checker::Check(**repo, {.read_data_fraction = 1}, nullptr);
    if (report.ok()) return false;
    EXPECT_TRUE(Mentions(report.errors, named))
        << injection.Describe() << ": no error names the file:" << Joined(report.errors);
    if (injection.type == FileType::kPack) ExpectAffected(injection, report);
    return true;
  }

  void ExpectAffected(const Injection& injection, const checker::CheckReport& report) {
    EXPECT_TRUE(report.damaged_packs.count(injection.name)) << injection.Describe();
    auto users = users_.find(injection.name);
    if (users == users_.end()) return;
    for (const auto& [snapshot, paths] : users->second) {
      auto affected = report.affected.find(snapshot);
      ASSERT_NE(affected, report.affected.end())
          << injection.Describe() << ": snapshot " << snapshot << " uses it but is not named";
      for (const std::string& path : paths) {
        EXPECT_TRUE(Covered(affected->second, path))
            << injection.Describe() << ": snapshot " << snapshot << " path " << path
            << " uses it but is not named";
      }
    }
    for (const auto& [snapshot, paths] : report.affected) {
      EXPECT_TRUE(users->second.count(snapshot))
          << injection.Describe() << ": snapshot " << snapshot << " named but does not use it";
    }
  }

  std::vector<Injection> Candidates(FileType type) const {
    if (type == FileType::kConfig) return {{type, "", Operation::kFlipBit}};
    std::vector<Injection> out;
    for (const std::string& name : pristine_.Names(type)) {
      out.push_back({type, name, Operation::kFlipBit});
    }
    return out;
  }

  static inline std::unique_ptr<RepositoryPlace> place_;
  Store pristine_;
  PackUsers users_;
  std::map<std::string, int> open_failures_;
};

TEST_F(CorruptionTest, PristineRepositoryChecksClean) {
  auto repo = pristine_.Open();
  ASSERT_THAT(repo, IsOk());
  checker::CheckReport report = checker::Check(**repo, {.read_data_fraction = 1}, nullptr);
  EXPECT_TRUE(report.ok()) << Joined(report.errors);
  EXPECT_EQ(report.snapshots, 4u);
  EXPECT_GE(report.packs, 6u);
  EXPECT_EQ(pristine_.Names(FileType::kKey).size(), 3u);
}

// Every byte of every key file and of the config is covered: flipping any one bit of it makes
// verification fail, whichever key opened the repository.
TEST_F(CorruptionTest, EveryBitOfKeyFilesAndConfigIsVerified) {
  auto repo = pristine_.Open();
  ASSERT_THAT(repo, IsOk());
  std::vector<backend::Handle> files = {{FileType::kConfig, ""}};
  for (const std::string& name : pristine_.Names(FileType::kKey)) {
    files.push_back({FileType::kKey, name});
  }
  for (const backend::Handle& file : files) {
    Bytes original = *pristine_.raw().Load(file);
    for (size_t i = 0; i < original.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        Bytes damaged = original;
        damaged[i] ^= static_cast<uint8_t>(1u << bit);
        ASSERT_TRUE(Replace(pristine_.raw(), file, damaged));
        Status verified = file.type == FileType::kConfig ? (*repo)->VerifyConfig()
                                                         : (*repo)->VerifyKeyFile(file.name);
        EXPECT_FALSE(verified.has_value()) << file.name << " byte " << i << " bit " << bit;
      }
    }
    ASSERT_TRUE(Replace(pristine_.raw(), file, original));
  }
  EXPECT_TRUE((*repo)->VerifyConfig());
}

// A key file from another repository (valid JSON, valid for its own password) is not one of this
// repository's keys: its mac does not verify under this master key.
TEST_F(CorruptionTest, KeyFileOfAnotherRepositoryIsReported) {
  Store other;
  ASSERT_NE(other.Init(), nullptr);
  std::string name = other.Names(FileType::kKey).front();
  Store store = pristine_.CopyFiles();
  ASSERT_TRUE(store.raw().Save({FileType::kKey, name}, *other.raw().Load({FileType::kKey, name})));
  auto repo = store.Open();
  ASSERT_THAT(repo, IsOk());
  checker::CheckReport report = checker::Check(**repo, {}, nullptr);
  ASSERT_EQ(report.errors.size(), 1u) << Joined(report.errors);
  EXPECT_EQ(report.errors[0], "key " + name +
                                  ": key file mac does not match (altered, or not a key of "
                                  "this repository)");
}

// Files without a mac (written before it existed, or stripped) still open but fail check.
TEST_F(CorruptionTest, MissingMacIsReported) {
  Store store = pristine_.CopyFiles();
  std::string key = store.Names(FileType::kKey).front();
  for (backend::Handle file : {backend::Handle{FileType::kConfig, ""}, {FileType::kKey, key}}) {
    std::string text(AsText(*store.raw().Load(file)));
    size_t mac = text.find("  \"mac\"");
    ASSERT_NE(mac, std::string::npos);
    text.erase(mac, text.find('\n', mac) + 1 - mac);
    ASSERT_TRUE(Replace(store.raw(), file, AsBytes(text)));
  }
  auto repo = store.Open();
  ASSERT_THAT(repo, IsOk());
  checker::CheckReport report = checker::Check(**repo, {}, nullptr);
  EXPECT_TRUE(Mentions(report.errors, "config: config has no mac")) << Joined(report.errors);
  EXPECT_TRUE(Mentions(report.errors, "key " + key + ": ")) << Joined(report.errors);
}

// The security review's reproduction, for every pack: one flipped byte in its trailer (each byte
// of the sealed header's length, and the sealed header's first, middle and last byte) leaves the
// header unreadable but every blob intact. check names the pack; repair index keeps every blob
// the index located in it (each verified where it lies), after which check --read-data is clean
// and every snapshot restores byte-identical.
TEST_F(CorruptionTest, RepairIndexKeepsEveryBlobOfAPackWhoseTrailerIsDamaged) {
  auto pristine = pristine_.Open();
  ASSERT_THAT(pristine, IsOk());
  const std::map<std::string, Bytes> expected = RestoreAll(**pristine);
  const size_t blobs = (*pristine)->IndexedBlobCount();
  int repaired = 0;
  for (const std::string& pack : pristine_.Names(FileType::kPack)) {
    const Bytes original = *pristine_.raw().Load({FileType::kPack, pack});
    const size_t n = original.size();
    const size_t header_length = original[n - 4] | original[n - 3] << 8 | original[n - 2] << 16 |
                                 static_cast<size_t>(original[n - 1]) << 24;
    const size_t header = n - 4 - header_length;
    for (size_t at : {n - 4, n - 3, n - 2, n - 1, header, header + header_length / 2, n - 5}) {
      SCOPED_TRACE("pack " + pack + ", byte " + std::to_string(at) + " of " + std::to_string(n));
      Bytes damaged = original;
      damaged[at] ^= 0x01;
      Store store = pristine_.CopyFiles();
      ASSERT_TRUE(Replace(store.raw(), {FileType::kPack, pack}, damaged));
      auto repo = store.Open();
      ASSERT_THAT(repo, IsOk());
      EXPECT_TRUE(checker::Check(**repo, {}, nullptr).damaged_packs.count(pack));
      auto maintenance = repository::Maintenance::Begin(**repo);
      ASSERT_THAT(maintenance, IsOk());
      auto report = repair::RepairIndex(**maintenance, {}, nullptr);
      maintenance->reset();  // as the command: the lock goes when the repair is done
      ASSERT_THAT(report, IsOk());
      ASSERT_EQ(report->damaged_packs.size(), 1u);
      EXPECT_GT(report->damaged_packs.front().blobs_indexed, 0u);
      EXPECT_FALSE(report->lost_data()) << Joined(report->damaged_packs.front().lost_blobs);
      EXPECT_EQ(report->blobs_after, blobs);
      auto reopened = store.Open();
      ASSERT_THAT(reopened, IsOk());
      checker::CheckReport check = checker::Check(**reopened, {.read_data_fraction = 1}, nullptr);
      EXPECT_TRUE(check.ok()) << Joined(check.errors);
      EXPECT_EQ(RestoreAll(**reopened), expected);
      ++repaired;
    }
  }
  EXPECT_GE(repaired, 6 * 7);
}

TEST_F(CorruptionTest, EverySeededCorruptionIsDetected) {
  const uint64_t seed = EnvOr("STORMPROOF_CORRUPTION_SEED", 20251126);
  const uint64_t count = EnvOr("STORMPROOF_CORRUPTIONS", place_->DefaultCorruptions());
  std::mt19937_64 rng(seed);
  const FileType kinds[] = {FileType::kPack, FileType::kIndex, FileType::kSnapshot, FileType::kKey,
                            FileType::kConfig};
  const Operation ops[] = {Operation::kFlipBit, Operation::kZeroRun, Operation::kTruncate};
  std::map<std::pair<std::string, std::string>, std::pair<int, int>> table;  // injected, detected
  int injected = 0, detected = 0;
  for (uint64_t i = 0; i < count; ++i) {
    std::vector<Injection> candidates = Candidates(kinds[rng() % std::size(kinds)]);
    ASSERT_FALSE(candidates.empty());
    Injection injection = candidates[rng() % candidates.size()];
    injection.op = ops[rng() % std::size(ops)];
    const Bytes original = *pristine_.raw().Load({injection.type, injection.name});
    Bytes bytes = original;
    if (!Damage(rng, &injection, &bytes)) continue;
    auto& row = table[{KindName(injection.type), OperationName(injection.op)}];
    ++row.first, ++injected;
    if (Detected(injection, original, bytes)) {
      ++row.second, ++detected;
    } else {
      ADD_FAILURE() << "undetected: " << injection.Describe() << " (seed " << seed << ", injection "
                    << i << ")";
    }
  }
  std::printf("corruption suite (%s): seed %llu, %d injections, %d detected\n",
              place_->Kind().c_str(), static_cast<unsigned long long>(seed), injected, detected);
  std::printf("%-9s %-9s %9s %9s\n", "file", "operation", "injected", "detected");
  for (const auto& [key, counts] : table) {
    std::printf("%-9s %-9s %9d %9d\n", key.first.c_str(), key.second.c_str(), counts.first,
                counts.second);
  }
  for (const auto& [kind, n] : open_failures_) {
    std::printf("%s: %d detected by open failing (naming the file)\n", kind.c_str(), n);
  }
  RecordProperty("seed", std::to_string(seed));
  RecordProperty("injections", injected);
  RecordProperty("detected", detected);
  EXPECT_EQ(detected, injected);
  EXPECT_GT(injected, static_cast<int>(count) * 9 / 10);
}

}  // namespace
}  // namespace stormproof
