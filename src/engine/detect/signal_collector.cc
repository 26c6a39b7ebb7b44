#include "engine/detect/signal_collector.h"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/crypto/crypto.h"
#include "engine/detect/detect.h"
#include "engine/repository/tree_store.h"

namespace stormproof::detect {
namespace {

// Whether `map` may take `key`: it has it already, or holds fewer than kMaxTracked entries.
template <typename Map, typename Key>
bool RoomFor(const Map& map, const Key& key) {
  return map.size() < kMaxTracked || map.contains(key);
}

using repository::BlobType;
using repository::Node;
using repository::NodeType;
using repository::SnapshotSignals;

// "<dir>/<name>", as the walker joins paths ("" is the root).
std::string JoinPath(const std::string& dir, const std::string& name) { return dir + "/" + name; }

// A new small text file that a family with an unknown note name may have written everywhere.
constexpr uint64_t kSmallTextFile = 64 << 10;

// Example ranks: the lower, the more telling.
enum ExampleRank { kRewritten, kHeaderLost, kCopy, kBlocks, kNewExtension };

// Archives whose appearance can explain deletions (a folder zipped, then deleted).
bool IsArchive(detect::MagicKind kind) {
  using detect::MagicKind;
  switch (kind) {
    case MagicKind::kZip:
    case MagicKind::k7z:
    case MagicKind::kGzip:
    case MagicKind::kXz:
    case MagicKind::kZstd:
    case MagicKind::kBzip2:
    case MagicKind::kLz4:
    case MagicKind::kRar:
    case MagicKind::kTar:
    case MagicKind::kCab:
      return true;
    default:
      return false;
  }
}

bool AllAlreadyStored(const ContentFacts& facts) {
  return !facts.added.empty() &&
         std::all_of(facts.added.begin(), facts.added.end(), [](uint8_t a) { return a == 0; });
}

// 1 per chunk whose id is not in `old_content`.
void MarkChangedChunks(const std::vector<crypto::Id>& content,
                       const std::vector<crypto::Id>& old_content, std::vector<uint8_t>* changed) {
  thread_local std::vector<crypto::Id> sorted;
  sorted.assign(old_content.begin(), old_content.end());
  std::sort(sorted.begin(), sorted.end());
  changed->clear();
  for (const crypto::Id& id : content) {
    changed->push_back(std::binary_search(sorted.begin(), sorted.end(), id) ? 0 : 1);
  }
}

std::string ExampleText(int rank, const std::string& path, std::string_view name) {
  switch (rank) {
    case kRewritten:
      return path + ": was compressible, now random";
    case kHeaderLost:
      return path + ": no longer starts with a ." + detect::Extension(name) + " header";
    case kBlocks:
      return path + ": random blocks in a file that was plain";
    default:
      return path + ": random content with the new extension ." + detect::Extension(name);
  }
}

// The node at absolute `path` in the tree under `root`, or nullopt.
std::optional<Node> FindPath(const repository::Repository& repo, const repository::Tree& root,
                             std::string_view path) {
  const repository::Tree* tree = &root;
  std::optional<repository::Tree> loaded;
  std::optional<Node> found;
  size_t begin = 0;
  while (begin < path.size()) {
    size_t end = std::min(path.find('/', begin), path.size());
    if (end > begin) {
      if (tree == nullptr) return std::nullopt;
      const std::string_view part = path.substr(begin, end - begin);
      auto it = std::find_if(tree->nodes.begin(), tree->nodes.end(),
                             [&](const Node& n) { return n.name == part; });
      if (it == tree->nodes.end()) return std::nullopt;
      found = *it;
      tree = nullptr;
      if (found->subtree.has_value()) {
        Result<repository::Tree> next = repository::LoadTree(repo, *found->subtree);
        if (!next.has_value()) return std::nullopt;
        loaded = std::move(*next);
        tree = &*loaded;
      }
    }
    begin = end + 1;
  }
  return found;
}

// The most telling first: the highest count, then the smallest key.
template <typename Map>
std::vector<std::pair<typename Map::key_type, uint64_t>> ByCount(const Map& counts) {
  std::vector<std::pair<typename Map::key_type, uint64_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return sorted;
}

// Adds the regular files (and their bytes) below the trees `pending` to *files and *bytes. A
// tree that cannot be read counts nothing; each tree is read once.
void CountFilesBelow(const repository::Repository& repo, std::vector<crypto::Id> pending,
                     uint64_t* files, uint64_t* bytes) {
  std::set<crypto::Id> seen;
  while (!pending.empty()) {
    const crypto::Id id = pending.back();
    pending.pop_back();
    if (!seen.insert(id).second) continue;
    Result<repository::Tree> tree =
        repository::LoadTree(repo, id, nullptr, repository::IdCheck::kSkip);
    if (!tree) continue;
    for (const Node& node : tree->nodes) {
      if (node.type == NodeType::kFile) {
        ++*files;
        *bytes += node.size;
      } else if (node.type == NodeType::kDir && node.subtree) {
        pending.push_back(*node.subtree);
      }
    }
  }
}

}  // namespace

uint16_t IndexedRatio(const repository::Repository& repo, const crypto::Id& id,
                      uint32_t* raw_length) {
  std::optional<repository::BlobLocation> at = repo.FindBlob(BlobType::kData, id);
  *raw_length = 0;
  constexpr uint32_t kOverhead = crypto::kSealOverhead + 1;  // sealing, payload marker
  if (!at.has_value() || at->length <= kOverhead || at->raw_length == 0) return 0;
  *raw_length = at->raw_length;
  return detect::RatioPermille(at->length - kOverhead, at->raw_length);
}

SignalCollector::SignalCollector(const repository::Repository& repo, const detect::History& history,
                                 const std::set<std::string>& canaries, bool has_parent)
    : repo_(repo), history_(history), canaries_(canaries), has_parent_(has_parent) {}

void SignalCollector::CountFile(const std::string& dir, const std::string& path, const Node& node,
                                const Node* previous) {
  ++walk_.files_total;
  if (std::string extension = detect::Extension(node.name); !extension.empty()) {
    if (RoomFor(walk_.extensions, extension)) ++walk_.extensions[std::move(extension)];
  }
  if (!canaries_.empty() && canaries_.contains(path)) walk_.canaries_seen.insert(path);
  if (previous != nullptr && previous->type == NodeType::kFile) {
    ++walk_.files_from_parent;
    walk_.bytes_from_parent += previous->size;
    if (node.size == 0 && !previous->content.empty()) {  // not read: no AddFile
      ++walk_.emptied;
      if (!canaries_.empty() && canaries_.contains(path)) walk_.canaries_emptied.push_back(path);
    }
    return;
  }
  ++walk_.files_new;
  if (previous == nullptr && detect::MatchesRansomNote(node.name)) {
    if (RoomFor(walk_.notes, node.name)) ++walk_.notes[node.name];
    if (walk_.note_dirs.size() < kMaxTracked) walk_.note_dirs.insert(dir);
  }
}

void SignalCollector::AddDeleted(const std::string& dir, const Node& gone) {
  ++walk_.files_deleted;
  walk_.bytes_deleted += gone.size;
  if (walk_.deleted_kept < kMaxTracked) {  // beyond: counted, not paired with new files
    walk_.deleted[dir].push_back({gone.name, gone.content});
    ++walk_.deleted_kept;
  }
}

void SignalCollector::AddDeletedDirectory(const Node& gone) {
  if (gone.subtree) walk_.deleted_trees.push_back(*gone.subtree);
}

void SignalCollector::AddUnreadable(const std::string& path, const Node& was) {
  ++walk_.files_unreadable;
  walk_.bytes_unreadable += was.size;
  if (!canaries_.empty() && canaries_.contains(path)) {
    walk_.canaries_seen.insert(path);  // not "deleted"
    walk_.canaries_unreadable.push_back(path);
  }
}

void SignalCollector::AddUnreadableDirectory(const Node& was) {
  if (was.subtree) walk_.unreadable_trees.push_back(*was.subtree);
}

void SignalCollector::SetSkipped(std::vector<std::string> skipped) {
  skipped_ = std::move(skipped);
  std::sort(skipped_.begin(), skipped_.end());
}

bool SignalCollector::SkippedUnreadable(const std::string& path) const {
  const std::string key = path + ": ";
  const std::string_view vanished = std::strerror(ENOENT);
  for (auto it = std::lower_bound(skipped_.begin(), skipped_.end(), key);
       it != skipped_.end() && it->starts_with(key); ++it) {
    if (!it->ends_with(vanished)) return true;
  }
  return false;
}

// Adds the regular files below the deleted (unreadable) directories' subtrees to the walk's
// deletions (unreadable files). A subtree that cannot be read counts nothing (check reports it).
// Each tree is read once, so a planted tree that names itself or an ancestor ends the walk.
void SignalCollector::CountParentTrees() {
  CountFilesBelow(repo_, std::move(walk_.deleted_trees), &walk_.files_deleted,
                  &walk_.bytes_deleted);
  CountFilesBelow(repo_, std::move(walk_.unreadable_trees), &walk_.files_unreadable,
                  &walk_.bytes_unreadable);
}

FileProbe SignalCollector::Probe(const std::string& dir, const std::string& path, const Node& node,
                                 const Node* previous) const {
  FileProbe probe;
  probe.dir = dir;
  probe.name = node.name;
  probe.canary = !canaries_.empty() && canaries_.contains(path);
  if (previous == nullptr || previous->type != NodeType::kFile) return probe;
  probe.had_previous = true;
  probe.old_mtime_ns = previous->mtime_ns;
  probe.old_content = previous->content;
  probe.old_ratio = RatioOf(previous->content);
  if (!previous->content.empty()) {
    uint32_t raw = 0;
    const uint16_t first = IndexedRatio(repo_, previous->content.front(), &raw);
    probe.old_first_ratio = first == 0 ? -1 : first;
  }
  return probe;
}

// The whole-file ratio of indexed content (chunks weighted by their length); -1 unknown.
int SignalCollector::RatioOf(const std::vector<crypto::Id>& content) const {
  uint64_t stored = 0, raw = 0;
  for (const crypto::Id& id : content) {
    uint32_t length = 0;
    const uint16_t ratio = IndexedRatio(repo_, id, &length);
    stored += uint64_t{ratio} * length;
    raw += ratio == 0 ? 0 : length;
  }
  return raw == 0 ? -1 : static_cast<int>(stored / raw);
}

void SignalCollector::AddFile(const Node& node, const ContentFacts& facts, const FileProbe& probe) {
  if (probe.had_previous && node.content == probe.old_content) return;  // metadata only
  thread_local std::vector<uint8_t> chunk_changed;
  chunk_changed.clear();
  if (probe.had_previous) MarkChangedChunks(node.content, probe.old_content, &chunk_changed);
  const detect::FileFacts file = FactsOf(node, facts, probe, chunk_changed);
  const detect::FileMarks marks = detect::JudgeFile(file);
  MutexLock lock(mu_);
  CountContent(node, facts, probe, file.all_chunks_known);
  CountMarks(node, probe, marks, file.mtime_not_advanced);
}

detect::FileFacts SignalCollector::FactsOf(const Node& node, const ContentFacts& facts,
                                           const FileProbe& probe,
                                           std::span<const uint8_t> chunk_changed) const {
  detect::FileFacts file;
  file.change = probe.had_previous ? detect::FileFacts::Change::kContentChanged
                                   : detect::FileFacts::Change::kNew;
  file.name = probe.name;
  file.old_ratio = probe.old_ratio;
  file.old_first_ratio = probe.old_first_ratio;
  file.ratios = facts.ratios;
  file.sizes = facts.sizes;
  file.chunk_changed = chunk_changed;
  file.all_chunks_known = AllAlreadyStored(facts);
  file.header = facts.header;
  file.extension_new = !history_.KnowsExtension(detect::Extension(probe.name));
  file.mtime_not_advanced = probe.had_previous && node.mtime_ns <= probe.old_mtime_ns;
  return file;
}

// What a read file adds whatever the rules say: changed bytes, renames, archives, small new
// text files, a changed canary.
void SignalCollector::CountContent(const Node& node, const ContentFacts& facts,
                                   const FileProbe& probe, bool all_chunks_known) {
  SnapshotSignals& s = counts_;
  const bool is_new = !probe.had_previous;
  for (size_t i = 0; i < facts.added.size(); ++i) {
    if (facts.added[i] == 0) continue;
    s.bytes_changed += facts.sizes[i];
    if (facts.ratios[i] >= detect::kIncompressibleRatio) s.bytes_incompressible += facts.sizes[i];
  }
  if (!is_new) {
    ++s.files_changed;
    if (probe.old_ratio >= 0) ++s.files_judged;
    if (probe.canary) canary_hits_.push_back(JoinPath(probe.dir, probe.name) + ": changed");
    return;
  }
  if (all_chunks_known) {
    ++s.files_known_content;
    if (!canaries_.empty() && known_first_ids_.size() < kMaxTracked) {
      known_first_ids_.insert(node.content.front());
    }
  }
  if (IsArchive(facts.header.magic)) s.archives_added_bytes += node.size;
  if (has_parent_ && node.size < kSmallTextFile && node.content.size() == 1 &&
      facts.header.magic == detect::MagicKind::kUnknown && !facts.header.high) {
    std::pair<std::string, crypto::Id> key{node.name, node.content.front()};
    if (RoomFor(small_new_, key)) ++small_new_[std::move(key)];
  }
}

// The rules a file fired: counts, an example, and an R4 candidate to pair in Finish.
void SignalCollector::CountMarks(const Node& node, const FileProbe& probe,
                                 const detect::FileMarks& marks, bool mtime_not_advanced) {
  SnapshotSignals& s = counts_;
  s.rewritten_high_entropy += marks.r1 ? 1 : 0;
  s.header_mismatch += marks.r2 ? 1 : 0;
  s.intermittent += marks.r3 ? 1 : 0;
  s.new_extension_files += marks.r5 ? 1 : 0;
  if (marks.r4_candidate && candidates_kept_ < kMaxTracked) {
    candidates_[probe.dir].push_back({probe.name, node.size, marks.suspect()});
    ++candidates_kept_;
  }
  if (!marks.suspect()) return;
  ++s.suspect_files;
  s.suspect_bytes += node.size;
  if (mtime_not_advanced) ++s.suspect_mtime_kept;
  const int rank = marks.r1   ? kRewritten
                   : marks.r2 ? kHeaderLost
                   : marks.r3 ? kBlocks
                              : kNewExtension;
  AddExample(rank, ExampleText(rank, JoinPath(probe.dir, probe.name), probe.name));
}

void SignalCollector::AddExample(int rank, std::string text) {
  examples_.emplace(rank, std::move(text));
  if (examples_.size() > repository::kMaxExamples) examples_.erase(std::prev(examples_.end()));
}

SnapshotSignals SignalCollector::Finish(const ParentFacts& parent) {
  MutexLock lock(mu_);
  SnapshotSignals s = std::move(counts_);
  s.has_parent = has_parent_;
  s.files_total = walk_.files_total;
  s.dirs_total = walk_.dirs_total;
  s.files_new = walk_.files_new;
  s.files_changed += walk_.emptied;
  if (s.has_parent) {
    CountParentTrees();
    s.files_deleted = walk_.files_deleted;
    s.bytes_deleted = walk_.bytes_deleted;
    s.files_unreadable = walk_.files_unreadable;
    s.bytes_unreadable = walk_.bytes_unreadable;
  }
  PairCopies(&s);
  AddDeletedCanaries(parent);
  for (const std::string& canary : walk_.canaries_emptied) {
    canary_hits_.push_back(canary + ": emptied");
  }
  for (const std::string& canary : walk_.canaries_unreadable) {
    canary_hits_.push_back(canary + ": unreadable");
  }
  FinishNames(&s);
  FinishExtensions(&s);
  std::sort(canary_hits_.begin(), canary_hits_.end());
  s.canary_hits = std::move(canary_hits_);
  for (const auto& [rank, text] : examples_) s.examples.push_back(text);
  return s;
}

// R4: a new random file beside a deleted original of the same name or stem.
void SignalCollector::PairCopies(SnapshotSignals* s) {
  for (auto& [dir, candidates] : candidates_) {
    auto gone = walk_.deleted.find(dir);
    if (gone == walk_.deleted.end()) continue;
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) { return a.name < b.name; });
    std::vector<detect::DeletedFile> deleted;
    for (const Deleted& d : gone->second) deleted.push_back({d.name, RatioOf(d.content)});
    std::vector<std::string_view> names;
    for (const Candidate& c : candidates) names.push_back(c.name);
    for (const auto& [c, d] : detect::PairEncryptedCopies(deleted, names)) {
      ++s->encrypted_copies;
      if (candidates[c].suspect) continue;
      ++s->suspect_files;
      s->suspect_bytes += candidates[c].size;
      AddExample(kCopy, JoinPath(dir, candidates[c].name) + ": random copy of the deleted " +
                            gone->second[d].name);
    }
  }
}

// Canaries the walk did not see but the parent had: deleted, or renamed when a new file holds
// their content.
void SignalCollector::AddDeletedCanaries(const ParentFacts& parent) {
  if (parent.root == nullptr) return;
  for (const std::string& canary : canaries_) {
    if (walk_.canaries_seen.contains(canary)) continue;
    std::optional<Node> was = FindPath(repo_, *parent.root, canary);
    if (!was.has_value() || was->type != NodeType::kFile) continue;
    const bool renamed = !was->content.empty() && known_first_ids_.contains(was->content.front());
    canary_hits_.push_back(canary + (renamed ? ": renamed" : ": deleted"));
  }
}

void SignalCollector::FinishNames(SnapshotSignals* s) const {
  for (const auto& [name, copies] : walk_.notes) s->note_copies += copies;
  s->note_dirs = static_cast<uint32_t>(walk_.note_dirs.size());
  if (!walk_.notes.empty()) s->note_name = ByCount(walk_.notes).front().first;
  if (!s->has_parent || small_new_.empty()) return;
  const auto by_count = ByCount(small_new_);
  const auto& [key, copies] = by_count.front();
  if (copies < 2) return;
  s->repeated_name_dirs = static_cast<uint32_t>(copies);
  s->repeated_name = key.first;
}

void SignalCollector::FinishExtensions(SnapshotSignals* s) const {
  const auto by_count = ByCount(walk_.extensions);
  for (const auto& [extension, files] : by_count) {
    if (extension.size() > repository::kMaxExtensionBytes) continue;
    if (s->extensions.size() < repository::kMaxExtensions) s->extensions.emplace(extension, files);
    if (s->new_extensions.size() < repository::kMaxNewExtensions &&
        !history_.KnowsExtension(extension)) {
      s->new_extensions.emplace_back(extension, files);
    }
  }
}

}  // namespace stormproof::detect
