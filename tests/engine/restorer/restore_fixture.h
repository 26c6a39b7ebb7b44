// Shared test scaffolding for the restorer: an in-memory repository in which snapshots are
// built by hand (so tests can also build snapshots no archiver would write), a scratch directory
// per test, and a helper that runs Restore() and collects what it reported.
#ifndef STORMPROOF_TESTS_ENGINE_RESTORER_RESTORE_FIXTURE_H_
#define STORMPROOF_TESTS_ENGINE_RESTORER_RESTORE_FIXTURE_H_

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"
#include "engine/restorer/restorer.h"

namespace stormproof::restorer::testing {

namespace fs = std::filesystem;
using repository::Node;
using repository::NodeType;

// A repository in memory with helpers that store blobs and trees.
class TestRepository {
 public:
  TestRepository() {
    ::setenv("STORMPROOF_KDF_TEST", "1", 1);
    auto backend = backend::NewMemoryBackend();
    files_ = backend.get();  // owned by repo_
    auto repo = repository::Repository::Init(std::move(backend), "test password");
    if (!repo) ADD_FAILURE() << "Repository::Init: " << repo.error().message();
    repo_ = std::move(repo).value();
  }

  repository::Repository& repo() { return *repo_; }
  // The repository's files, writable (the repository hands them out read-only): for tests that
  // damage them as a failing disk would.
  backend::Backend& files() { return *files_; }

  crypto::Id Data(std::string_view bytes) {
    crypto::Id id = repo_->BlobId(AsBytes(bytes));
    auto saved = repo_->SaveBlob(repository::BlobType::kData, id, AsBytes(bytes));
    if (!saved) ADD_FAILURE() << "SaveBlob: " << saved.error().message();
    return id;
  }

  // Stores the nodes as a tree, in the given order (hostile trees need not be sorted).
  crypto::Id Tree(std::vector<Node> nodes) {
    Bytes encoded = repository::EncodeTree(repository::Tree{std::move(nodes)});
    crypto::Id id = repo_->BlobId(encoded);
    auto saved = repo_->SaveBlob(repository::BlobType::kTree, id, encoded);
    if (!saved) ADD_FAILURE() << "SaveBlob: " << saved.error().message();
    return id;
  }

  // Flushes and returns a snapshot of `tree`.
  repository::Snapshot Snapshot(const crypto::Id& tree) {
    auto flushed = repo_->Flush();
    if (!flushed) ADD_FAILURE() << "Flush: " << flushed.error().message();
    repository::Snapshot s;
    s.tree = tree;
    return s;
  }

  // A regular file whose content is `chunks` in order.
  Node File(std::string name, const std::vector<std::string>& chunks, uint32_t mode = 0644) {
    Node n = Base(std::move(name), NodeType::kFile, mode);
    for (const std::string& c : chunks) {
      n.content.push_back(Data(c));
      n.size += c.size();
    }
    return n;
  }

  static Node Dir(std::string name, const crypto::Id& tree, uint32_t mode = 0755) {
    Node n = Base(std::move(name), NodeType::kDir, mode);
    n.subtree = tree;
    return n;
  }

  static Node Symlink(std::string name, std::string target) {
    Node n = Base(std::move(name), NodeType::kSymlink, 0777);
    n.link_target = std::move(target);
    return n;
  }

  static Node Base(std::string name, NodeType type, uint32_t mode) {
    Node n;
    n.name = std::move(name);
    n.type = type;
    n.mode = mode;
    n.uid = ::getuid();
    n.gid = ::getgid();
    n.mtime_ns = 1'600'000'000'123'456'789;
    n.atime_ns = 1'600'000'001'987'654'321;
    return n;
  }

 private:
  std::unique_ptr<repository::Repository> repo_;
  backend::Backend* files_ = nullptr;  // repo_'s backend
};

// What a Restore() call returned and reported.
struct Outcome {
  std::optional<RestoreSummary> summary;  // nullopt when Restore() failed
  std::optional<Error> error;
  std::vector<std::pair<std::string, std::string>> reported;  // (path, message)
  std::vector<ProgressEvent> progress;

  bool Reported(std::string_view path_part, std::string_view message_part) const {
    for (const auto& [path, message] : reported) {
      if (path.find(path_part) != std::string::npos &&
          message.find(message_part) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
};

inline Outcome RunRestore(const repository::Repository& repo, const repository::Snapshot& snap,
                          const RestoreOptions& options) {
  Outcome out;
  auto result = Restore(
      repo, snap, options, [&](const ProgressEvent& p) { out.progress.push_back(p); },
      [&](const std::string& path, const Error& e) {
        out.reported.emplace_back(path, e.message());
      });
  if (result) {
    out.summary = *result;
  } else {
    out.error = result.error();
  }
  return out;
}

// A fresh directory under the system temp dir, removed afterwards.
class ScratchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "stormproof-restorer-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    scratch_ = pattern;
    target_ = scratch_ / "target";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(scratch_, ec);
  }

  RestoreOptions Options() const {
    RestoreOptions o;
    o.target = target_.string();
    o.threads = 2;
    return o;
  }

  static std::string ReadFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static void WriteFile(const fs::path& p, std::string_view content) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
  }
  static struct stat Lstat(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st;
  }

  // Every path below `root` (relative, symlinks not followed), sorted.
  static std::vector<std::string> Listing(const fs::path& root) {
    std::vector<std::string> out;
    if (!fs::exists(fs::symlink_status(root))) return out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
      out.push_back(fs::relative(it->path(), root).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path scratch_;
  fs::path target_;
  TestRepository repo_;
};

}  // namespace stormproof::restorer::testing

#endif  // STORMPROOF_TESTS_ENGINE_RESTORER_RESTORE_FIXTURE_H_
