// Shared by the archiver tests: a scratch directory under /tmp, an in-memory repository (from
// the repository tests' fixtures, with fault injection), and helpers that look paths up in a
// snapshot and read a file's stored content back.
#ifndef STORMPROOF_TESTS_ENGINE_ARCHIVER_ARCHIVER_FIXTURES_H_
#define STORMPROOF_TESTS_ENGINE_ARCHIVER_ARCHIVER_FIXTURES_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/engine/repository/repository_fixtures.h"
#include "engine/archiver/archiver.h"
#include "engine/archiver/internal/file_reader.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree_store.h"
#include "tests/matchers.h"

namespace stormproof::archiver::testing {

using repository::Node;
using repository::NodeType;
using repository::Snapshot;
using repository::Tree;
using repository::testing::RandomData;
using repository::testing::TextData;

class ArchiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/stormproof-archiver-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    root_ = dir;
    repo_ = store_.Init();
    ASSERT_NE(repo_, nullptr);
  }
  void TearDown() override {
    internal::SetReadHooksForTesting({});
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  std::string Path(const std::string& relative) const { return root_ + "/" + relative; }

  void Write(const std::string& relative, ByteView data) const {
    int fd = ::open(Path(relative).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << relative;
    ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    ::close(fd);
  }
  void Write(const std::string& relative, std::string_view text) const {
    Write(relative, AsBytes(text));
  }
  void MakeDir(const std::string& relative) const {
    ASSERT_EQ(::mkdir(Path(relative).c_str(), 0755), 0) << relative;
  }

  BackupOptions Options(std::vector<std::string> paths) const {
    BackupOptions options;
    options.paths = std::move(paths);
    options.threads = 2;
    return options;
  }

  // Runs a backup, collecting errors into errors_ and counting progress calls.
  Result<Snapshot> Run(const BackupOptions& options) {
    errors_.clear();
    progress_calls_ = 0;
    return Backup(
        *repo_, options, [this](const ProgressEvent&) { ++progress_calls_; },
        [this](const std::string& path, const Error& error) {
          errors_.emplace_back(path, error.message());
        });
  }

  // Backs up root_/data with `parent` (if any) and the options `tweak` sets; expects it to
  // succeed without an entry skipped.
  Snapshot BackUpData(const std::optional<Snapshot>& parent = std::nullopt,
                      const std::function<void(BackupOptions&)>& tweak = {}) {
    BackupOptions options = Options({Path("data")});
    options.parent = parent;
    if (tweak) tweak(options);
    Result<Snapshot> snapshot = Run(options);
    EXPECT_THAT(snapshot, IsOk());
    EXPECT_TRUE(errors_.empty());
    return snapshot.has_value() ? *snapshot : Snapshot{};
  }

  Tree LoadTree(const crypto::Id& id) const {
    Result<Tree> tree = repository::LoadTree(*repo_, id);
    EXPECT_THAT(tree, IsOk());
    return tree.has_value() ? *tree : Tree{};
  }

  // The node at absolute `path` in `snapshot`, or nullopt.
  std::optional<Node> Find(const Snapshot& snapshot, const std::string& path) const {
    std::optional<crypto::Id> tree_id = snapshot.tree;
    std::optional<Node> found;
    for (const std::string& part : Components(path)) {
      if (!tree_id.has_value()) return std::nullopt;
      Tree tree = LoadTree(*tree_id);
      found.reset();
      for (const Node& n : tree.nodes) {
        if (n.name == part) found = n;
      }
      if (!found.has_value()) return std::nullopt;
      tree_id = found->subtree;
    }
    return found;
  }
  std::optional<Node> FindRelative(const Snapshot& snapshot, const std::string& relative) const {
    return Find(snapshot, Path(relative));
  }

  // A file's stored bytes: its content blobs, concatenated (holes left out).
  Bytes Content(const Node& node) const {
    Bytes out;
    for (const crypto::Id& id : node.content) {
      Result<Bytes> blob = repo_->LoadBlob(repository::BlobType::kData, id);
      EXPECT_THAT(blob, IsOk());
      if (blob.has_value()) out.insert(out.end(), blob->begin(), blob->end());
    }
    return out;
  }

  bool HasError(const std::string& path, const std::string& fragment) const {
    for (const auto& [p, message] : errors_) {
      if (p == path && message.find(fragment) != std::string::npos) return true;
    }
    return false;
  }

  static std::vector<std::string> Components(const std::string& path) {
    std::vector<std::string> parts;
    size_t begin = 0;
    while (begin < path.size()) {
      size_t end = path.find('/', begin);
      if (end == std::string::npos) end = path.size();
      if (end > begin) parts.push_back(path.substr(begin, end - begin));
      begin = end + 1;
    }
    return parts;
  }

  repository::testing::Store store_;
  std::unique_ptr<repository::Repository> repo_;
  std::string root_;
  std::vector<std::pair<std::string, std::string>> errors_;
  int progress_calls_ = 0;
};

}  // namespace stormproof::archiver::testing

#endif  // STORMPROOF_TESTS_ENGINE_ARCHIVER_ARCHIVER_FIXTURES_H_
