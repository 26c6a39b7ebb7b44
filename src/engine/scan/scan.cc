#include "engine/scan/scan.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/interrupt.h"
#include "engine/detect/signal_collector.h"
#include "engine/repository/tree_store.h"
#include "engine/scan/internal/group_history.h"
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
  collector.SetSkipped(snapshot.skipped);
  {
    internal::FirstChunkReaders readers(repo, collector, options.readers);
    internal::TreeScan walk(repo, snapshot.paths, collector, view.known, readers,
                            options.max_entries);
    Status walked = walk.WalkRoot(root, view.root ? &*view.root : nullptr);
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

// The verdict mark a scan saves for `snapshot`: its verdict, the signals it rests on.
repository::Mark VerdictMark(const Snapshot& snapshot, const Scanned& scanned,
                             const holds::Maker& maker) {
  repository::Mark mark =
      maker.NewMark(repository::Mark::Kind::kVerdict, snapshot.id, MarkReason(scanned.verdict));
  mark.verdict = scanned.verdict;
  mark.signals = scanned.signals;
  return mark;
}

Result<std::string> SaveVerdict(repository::Repository& repo, const repository::Mark& mark) {
  Result<std::string> saved = repo.SaveMark(mark);
  if (!saved.has_value()) {
    return saved.error().WithContext("snapshot " + mark.snapshot.ShortHex() +
                                     ": saving its verdict");
  }
  return saved;
}

// What a backup does after a flag (holds::ActOnFlag), for a scanned `snapshot` of `group` whose
// verdict mark `history` has (not passed yet): the slow attack's earlier steps marked, with the
// history it was judged with; then, when it begins an attack, the holds the group asks for. The
// marks saved go to *history and saved->after_flag; why one failed to saved->after_flag_failure.
void ActOnVerdict(repository::Repository& repo, std::span<const Snapshot> group,
                  const Snapshot& snapshot, const Scanned& scanned, const holds::Maker& maker,
                  internal::GroupHistory* history, SavedMarks* saved) {
  if (scanned.verdict.level == repository::Verdict::Level::kClean) return;
  Snapshot judged = snapshot;  // as a backup with detection would have saved it
  judged.signals = scanned.signals;
  judged.verdict = scanned.verdict;
  const bool attack_began = !history->AttackOngoing();
  Result<std::vector<repository::NamedMark>> steps =
      holds::MarkSlowAttack(repo, history->Recent(), judged, maker);
  if (!steps.has_value()) {
    saved->after_flag_failure =
        "could not mark the slow attack's earlier steps: " + steps.error().message() +
        " (scan --all marks them)";
    return;
  }
  for (const repository::NamedMark& step : *steps) history->AddMark(step);
  saved->after_flag = std::move(*steps);
  if (!attack_began && saved->after_flag.empty()) return;  // its start was acted on already
  Result<std::vector<repository::NamedMark>> held =
      holds::PlaceHolds(repo, holds::HoldsToPlace(group, history->GroupMarks()), maker);
  if (!held.has_value()) {
    saved->after_flag_failure =
        "could not hold the clean restore points: " + held.error().message() +
        " (the next forget places the holds)";
    return;
  }
  for (const repository::NamedMark& hold : *held) history->AddMark(hold);
  std::move(held->begin(), held->end(), std::back_inserter(saved->after_flag));
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
                                      const holds::Maker& maker, const ScannedFn& on_scanned,
                                      const NotJudgedFn& on_not_judged) {
  internal::GroupHistory history(group, marks);
  std::vector<repository::NamedMark> added;
  for (size_t index : targets) {
    STORMPROOF_TRY(CheckInterrupted());
    while (history.passed() < index) history.PassNext();
    const Snapshot& snapshot = group[index];
    const Snapshot* parent = index > 0 ? &group[index - 1] : nullptr;
    Result<Scanned> judged =
        Scan(repo, snapshot, parent, detect::HistoryOf(history.Recent()), options);
    if (!judged.has_value() && on_not_judged && judged.error().SaysDamaged()) {
      on_not_judged(snapshot, judged.error());
      continue;  // passed next time round as it is: unjudged, outside the history
    }
    if (!judged.has_value()) return judged.error();
    const Scanned& scanned = *judged;
    repository::NamedMark verdict{"dry-run-" + std::to_string(marks.all().size() + added.size()),
                                  VerdictMark(snapshot, scanned, maker)};
    SavedMarks saved;
    if (save == Save::kMarks) {
      STORMPROOF_ASSIGN_OR_RETURN(verdict.name, SaveVerdict(repo, verdict.mark));
      saved.verdict = verdict.name;
    }
    added.push_back(verdict);
    history.AddMark(std::move(verdict));
    if (save == Save::kMarks) ActOnVerdict(repo, group, snapshot, scanned, maker, &history, &saved);
    added.insert(added.end(), saved.after_flag.begin(), saved.after_flag.end());
    history.PassNext();
    if (on_scanned) on_scanned(snapshot, scanned, saved);
    PausePointForTesting("scan: snapshot judged");
  }
  std::vector<repository::NamedMark> all = marks.all();
  std::move(added.begin(), added.end(), std::back_inserter(all));
  return repository::MarkSet(std::move(all));
}

}  // namespace stormproof::scan
