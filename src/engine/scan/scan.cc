#include "engine/scan/scan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/interrupt.h"
#include "engine/detect/signal_collector.h"
#include "engine/repository/tree_store.h"
#include "engine/scan/internal/tree_scan.h"

namespace stormproof::scan {
namespace {

using repository::Snapshot;
using repository::Tree;


// The parent's root tree and the chunks it holds; nullopt root when it cannot be read (then, as
// for a backup, the snapshot is judged as a first one).
struct ParentView {
  std::optional<Tree> root;
  internal::KnownChunks known;
};

Status LoadParent(const repository::Repository& repo, const Snapshot* parent, ParentView* view) {
  if (parent != nullptr) {
    Result<Tree> root = repository::LoadTree(repo, parent->tree);
    if (root.has_value()) {
      STORMPROOF_TRY(view->known.AddTree(repo, *root));
      view->root = std::move(*root);
    }
  }
  view->known.Seal();
  return Ok();
}

Result<repository::SnapshotSignals> Collect(const repository::Repository& repo,
                                            const Snapshot& snapshot, const Snapshot* parent,
                                            const detect::History& history,
                                            const ScanOptions& options) {
  ParentView view;
  STORMPROOF_TRY(LoadParent(repo, parent, &view));
  STORMPROOF_ASSIGN_OR_RETURN(Tree root, repository::LoadTree(repo, snapshot.tree));
  detect::SignalCollector collector(repo, history, options.canaries, view.root.has_value());
  {
    internal::FirstChunkReaders readers(repo, collector, options.readers);
    internal::TreeScan walk(repo, snapshot.paths, collector, view.known, readers);
    Status walked = walk.Walk("", root, view.root ? &*view.root : nullptr);
    Status read = readers.Wait();
    STORMPROOF_TRY(std::move(walked));
    STORMPROOF_TRY(std::move(read));
  }
  detect::ParentFacts parent_facts;
  if (view.root.has_value()) parent_facts.root = &*view.root;
  repository::SnapshotSignals signals = collector.Finish(parent_facts);
  signals.source = repository::SnapshotSignals::Source::kScan;
  return signals;
}

}  // namespace

Result<Scanned> Scan(const repository::Repository& repo, const Snapshot& snapshot,
                     const Snapshot* parent, const detect::History& history,
                     const ScanOptions& options) {
  Result<repository::SnapshotSignals> signals = Collect(repo, snapshot, parent, history, options);
  if (!signals.has_value()) {
    return signals.error().WithContext("snapshot " + snapshot.id.ShortHex());
  }
  Scanned scanned;
  scanned.verdict = detect::Judge(*signals, history);
  scanned.signals = std::move(*signals);
  return scanned;
}

std::vector<std::vector<Snapshot>> GroupsOf(std::vector<Snapshot> all) {
  std::stable_sort(all.begin(), all.end(),
                   [](const Snapshot& a, const Snapshot& b) { return a.time_ns < b.time_ns; });
  std::map<std::pair<std::string, std::vector<std::string>>, std::vector<Snapshot>> groups;
  for (Snapshot& s : all) groups[{s.hostname, s.paths}].push_back(std::move(s));
  std::vector<std::vector<Snapshot>> out;
  for (auto& [key, group] : groups) out.push_back(std::move(group));
  return out;
}

std::string MarkReason(const repository::Verdict& verdict) {
  return "scan: " + std::string(repository::LevelName(verdict.level)) + " (score " +
         std::to_string(verdict.score) + ")";
}

Result<repository::MarkSet> ScanGroup(repository::Repository& repo, std::span<const Snapshot> group,
                                      std::span<const size_t> targets, repository::MarkSet marks,
                                      const ScanOptions& options, Save save,
                                      const holds::Maker& maker, const ScannedFn& on_scanned) {
  std::vector<repository::NamedMark> all = marks.all();
  for (size_t index : targets) {
    STORMPROOF_TRY(CheckInterrupted());
    const Snapshot& snapshot = group[index];
    const detect::History history =
        detect::HistoryOf(detect::PastSnapshotsOf(group.first(index), marks));
    const Snapshot* parent = index > 0 ? &group[index - 1] : nullptr;
    STORMPROOF_ASSIGN_OR_RETURN(Scanned scanned, Scan(repo, snapshot, parent, history, options));
    repository::Mark mark =
        maker.NewMark(repository::Mark::Kind::kVerdict, snapshot.id, MarkReason(scanned.verdict));
    mark.verdict = scanned.verdict;
    mark.signals = scanned.signals;
    std::string name = "dry-run-" + std::to_string(all.size());
    if (save == Save::kMarks) {
      Result<std::string> saved = repo.SaveMark(mark);
      if (!saved.has_value()) {
        return saved.error().WithContext("snapshot " + snapshot.id.ShortHex() +
                                         ": saving its verdict");
      }
      name = *saved;
    }
    all.push_back({name, std::move(mark)});
    marks = repository::MarkSet(all);
    if (on_scanned) on_scanned(snapshot, scanned, save == Save::kMarks ? name : "");
    PausePointForTesting("scan: snapshot judged");
  }
  return marks;
}

}  // namespace stormproof::scan
