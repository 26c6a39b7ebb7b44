#include "engine/scan/internal/tree_scan.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/interrupt.h"
#include "core/text.h"
#include "engine/detect/detect.h"
#include "engine/repository/tree_store.h"
#include "engine/scan/scan.h"

namespace stormproof::scan::internal {
namespace {

using repository::BlobType;
using repository::Node;
using repository::NodeType;
using repository::Tree;

// Files queued for the readers beyond those being read: enough to keep them busy, few enough
// that a directory of big files holds little.
constexpr size_t kQueuedFiles = 64;

// "<dir>/<name>", as the backup's walker names paths ("" is the root).
std::string JoinPath(const std::string& dir, const std::string& name) { return dir + "/" + name; }

// The node called `name` in a sorted tree, or null.
const Node* FindNode(const Tree* tree, const std::string& name) {
  if (tree == nullptr) return nullptr;
  auto it = std::lower_bound(tree->nodes.begin(), tree->nodes.end(), name,
                             [](const Node& n, const std::string& key) { return n.name < key; });
  return (it != tree->nodes.end() && it->name == name) ? &*it : nullptr;
}

// `path` cut to its first 120 bytes ("…" after): a path 1,000 levels deep makes no one-line error.
std::string Shortened(const std::string& path) {
  constexpr size_t kShown = 120;
  if (path.empty()) return "/";
  return EscapeControls(path.size() <= kShown ? path : path.substr(0, kShown) + "…");
}

// True when the file's data starts with a hole: the backup's chunk stream then never sees offset
// 0 and samples no header.
bool StartsWithHole(const Node& node) {
  return !node.holes.empty() && node.holes.front().first == 0;
}

}  // namespace

// ---- KnownChunks ------------------------------------------------------------------------------

Status KnownChunks::AddTree(const repository::Repository& repo, const Tree& root) {
  std::unordered_set<crypto::Id, crypto::IdHash> seen_trees;
  std::vector<Tree> pending = {root};
  while (!pending.empty()) {
    STORMPROOF_TRY(CheckInterrupted());
    Tree tree = std::move(pending.back());
    pending.pop_back();
    for (const Node& node : tree.nodes) {
      parent_.insert(parent_.end(), node.content.begin(), node.content.end());
      if (!node.subtree.has_value() || !seen_trees.insert(*node.subtree).second) continue;
      Result<Tree> below = repository::LoadTree(repo, *node.subtree);
      if (!below.has_value()) {
        return below.error().WithContext("parent tree " + node.subtree->ShortHex());
      }
      pending.push_back(std::move(*below));
    }
  }
  return Ok();
}

void KnownChunks::Seal() {
  std::sort(parent_.begin(), parent_.end());
  parent_.erase(std::unique(parent_.begin(), parent_.end()), parent_.end());
}

bool KnownChunks::Contains(const crypto::Id& id) const {
  return std::binary_search(parent_.begin(), parent_.end(), id) || added_.contains(id);
}

// ---- FirstChunkReaders ------------------------------------------------------------------------

FirstChunkReaders::FirstChunkReaders(const repository::Repository& repo,
                                     detect::SignalCollector& collector, int threads)
    : repo_(repo), collector_(collector) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Work(); });
}

FirstChunkReaders::~FirstChunkReaders() { (void)Wait(); }

void FirstChunkReaders::Add(std::string path, Node node, detect::ContentFacts facts,
                            detect::FileProbe probe) {
  MutexLock lock(mu_);
  while (queue_.size() >= kQueuedFiles) cv_.wait(mu_);
  queue_.push_back({std::move(path), std::move(node), std::move(facts), std::move(probe)});
  cv_.notify_all();
}

Status FirstChunkReaders::Wait() {
  {
    MutexLock lock(mu_);
    while (!queue_.empty() || busy_ > 0) cv_.wait(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  MutexLock lock(mu_);
  if (error_.has_value()) return *error_;
  return Ok();
}

void FirstChunkReaders::Work() {
  for (;;) {
    Job job;
    {
      MutexLock lock(mu_);
      while (!stopping_ && queue_.empty()) cv_.wait(mu_);
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
      cv_.notify_all();  // room in the queue
    }
    Status sampled = Sample(job);
    MutexLock lock(mu_);
    if (!sampled.has_value() && !error_.has_value()) error_ = sampled.error();
    --busy_;
    cv_.notify_all();
  }
}

// The backup samples the first ≤ 4 KiB of the first chunk it stores for a file read from offset
// 0, then reports the file once its chunks are stored: the same here from the stored chunk.
Status FirstChunkReaders::Sample(Job& job) const {
  if (!job.node.content.empty() && !StartsWithHole(job.node)) {
    Result<Bytes> first =
        repo_.LoadBlob(BlobType::kData, job.node.content.front(), repository::IdCheck::kSkip);
    if (!first.has_value()) return first.error().WithContext(job.path + ": first chunk");
    const ByteView data(*first);
    job.facts.header =
        detect::SampleHeader(data.first(std::min(data.size(), detect::kHeaderSampleBytes)));
  }
  collector_.AddFile(job.node, job.facts, job.probe);
  return Ok();
}

// ---- TreeScan ---------------------------------------------------------------------------------

TreeScan::TreeScan(const repository::Repository& repo, const std::vector<std::string>& targets,
                   detect::SignalCollector& collector, KnownChunks& known,
                   FirstChunkReaders& readers, uint64_t max_entries)
    : repo_(repo),
      targets_(targets),
      collector_(collector),
      known_(known),
      readers_(readers),
      max_entries_(max_entries) {}

Status TreeScan::WalkRoot(const Tree& tree, const Tree* parent) {
  return Walk("", tree, parent, 0);
}

// The backup lists a directory in full (and reports what went from it) at or below one of its
// paths; above them it only follows the way down.
bool TreeScan::FullyWalked(const std::string& dir) const {
  return std::any_of(targets_.begin(), targets_.end(), [&](const std::string& target) {
    return target == "/" || dir == target || dir.starts_with(target + "/");
  });
}

Status TreeScan::Walk(const std::string& dir, const Tree& tree, const Tree* parent,
                      uint32_t depth) {
  STORMPROOF_TRY(CheckInterrupted());
  entries_ += tree.nodes.size();
  if (entries_ > max_entries_) {
    return Error::FailedCheck("more than " + std::to_string(max_entries_) +
                              " entries (restore's limit), the last under " + Shortened(dir) +
                              ": a tree no backup writes; not judged");
  }
  if (parent != nullptr && FullyWalked(dir)) ReportDeleted(dir, tree, *parent);
  for (const Node& node : tree.nodes) {
    const Node* previous = FindNode(parent, node.name);
    const std::string path = JoinPath(dir, node.name);
    if (node.type == NodeType::kDir) {
      STORMPROOF_TRY(WalkDirectory(path, node, previous, depth + 1));
    } else if (node.type == NodeType::kFile) {
      HandleFile(dir, path, node, previous);
    }
  }
  return Ok();
}

// The parent's regular files and directories in this directory that are gone: both lists are
// sorted by name.
void TreeScan::ReportDeleted(const std::string& dir, const Tree& tree, const Tree& parent) {
  auto entry = tree.nodes.begin();
  for (const Node& was : parent.nodes) {
    while (entry != tree.nodes.end() && entry->name < was.name) ++entry;
    if (entry != tree.nodes.end() && entry->name == was.name) continue;
    const std::string path = JoinPath(dir, was.name);
    if (collector_.SkippedUnreadable(path)) {  // the backup could not read it: not deleted
      if (was.type == NodeType::kFile) collector_.AddUnreadable(path, was);
      if (was.type == NodeType::kDir) collector_.AddUnreadableDirectory(was);
      continue;
    }
    if (was.type == NodeType::kFile) collector_.AddDeleted(dir, was);
    if (was.type == NodeType::kDir) collector_.AddDeletedDirectory(was);
  }
}

Status TreeScan::WalkDirectory(const std::string& path, const Node& node, const Node* previous,
                               uint32_t depth) {
  if (depth > kMaxDepth) {
    return Error::FailedCheck("directories nested deeper than " + std::to_string(kMaxDepth) +
                              " levels (restore's limit) under " + Shortened(path) +
                              ": a tree no backup writes; not judged");
  }
  collector_.CountDirectory();
  Tree tree;
  if (node.subtree.has_value()) {
    Result<Tree> loaded = repository::LoadTree(repo_, *node.subtree);
    if (!loaded.has_value()) return loaded.error().WithContext(path);
    tree = std::move(*loaded);
  }
  if (previous == nullptr || previous->type != NodeType::kDir || !previous->subtree) {
    return Walk(path, tree, nullptr, depth);
  }
  if (previous->subtree == node.subtree) return Walk(path, tree, &tree, depth);  // unchanged
  Result<Tree> before = repository::LoadTree(repo_, *previous->subtree);
  // As the backup: a parent tree that cannot be read means every file below counts as new.
  return Walk(path, tree, before.has_value() ? &*before : nullptr, depth);
}

// As the backup's walker: an unchanged or empty file is only counted; another is probed,
// counted, then reported with its chunks' facts once its first chunk was sampled.
void TreeScan::HandleFile(const std::string& dir, const std::string& path, const Node& node,
                          const Node* previous) {
  const bool same_content =
      previous != nullptr && previous->type == NodeType::kFile && previous->content == node.content;
  if (same_content || node.size == 0) {
    for (const crypto::Id& id : node.content) known_.Add(id);
    return collector_.CountFile(dir, path, node, previous);
  }
  detect::FileProbe probe = collector_.Probe(dir, path, node, previous);
  collector_.CountFile(dir, path, node, previous);
  detect::ContentFacts facts = FactsOf(node);
  readers_.Add(path, node, std::move(facts), std::move(probe));
}

// Per chunk: its compressibility from the index (as the backup's worker had it when storing it),
// its plaintext size, and whether a backup would have stored it now.
detect::ContentFacts TreeScan::FactsOf(const Node& node) {
  detect::ContentFacts facts;
  for (const crypto::Id& id : node.content) {
    uint32_t raw = 0;
    facts.ratios.push_back(detect::IndexedRatio(repo_, id, &raw));
    facts.sizes.push_back(raw);
    facts.added.push_back(known_.Contains(id) ? 0 : 1);
    known_.Add(id);
  }
  return facts;
}

}  // namespace stormproof::scan::internal
