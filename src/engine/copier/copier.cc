#include "engine/copier/copier.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/interrupt.h"
#include "engine/copier/internal/id_map.h"
#include "engine/copier/internal/tree_copier.h"
#include "engine/copier/internal/verdicts.h"
#include "engine/copier/internal/whole.h"
#include "engine/copier/internal/zip.h"

namespace stormproof::copier {
namespace {

using internal::CopyCounts;
using internal::IdMap;
using repository::Id;
using repository::Repository;
using repository::Snapshot;

// The snapshots of `source` to copy, oldest first, each once. A requested snapshot whose file
// is damaged (kCorrupt, kFailedCheck) is appended to `damaged` instead, so that the others are
// still copied. Errors: LoadSnapshot's otherwise (kNotFound for an id the source does not hold).
Result<std::vector<Snapshot>> Wanted(const Repository& source,
                                     const std::map<Id, Snapshot>& source_snapshots,
                                     const std::vector<Id>& ids,
                                     std::vector<FailedSnapshot>* damaged) {
  std::vector<Snapshot> wanted;
  std::set<Id> seen;
  for (const Id& id : ids) {
    if (!seen.insert(id).second) continue;
    if (auto it = source_snapshots.find(id); it != source_snapshots.end()) {
      wanted.push_back(it->second);
      continue;
    }
    Result<Snapshot> loaded = source.LoadSnapshot(id);
    if (!loaded && loaded.error().code() != ErrorCode::kNotFound &&
        internal::IsSourceDamage(loaded.error())) {
      damaged->push_back({id, loaded.error().message() + "; run 'stormproof check'"});
      continue;
    }
    if (!loaded) return loaded.error();
    wanted.push_back(std::move(loaded).value());
  }
  std::stable_sort(wanted.begin(), wanted.end(),
                   [](const Snapshot& a, const Snapshot& b) { return a.time_ns < b.time_ns; });
  return wanted;
}

// Copies snapshots, one Copy call's state: what it learnt of ids, what it did.
class Copier {
 public:
  Copier(const Repository& source, Repository& destination, const ProgressFn& progress)
      : source_(source), destination_(destination), progress_(progress) {}

  Status Load(const std::vector<Id>& ids);
  Result<CopySummary> Run();

 private:
  Result<std::optional<CopiedSnapshot>> CopyOne(const Snapshot& snapshot, CopySummary& summary);
  Result<bool> Proven(const Snapshot& claimant, const Snapshot& original);
  Status LearnFromEarlierCopy(const Snapshot& snapshot);
  const Snapshot* EarlierCopy(const Snapshot& snapshot) const;
  Snapshot CopyOf(const Snapshot& snapshot, const Id& tree) const;
  std::optional<Id> CopyIdOf(const std::optional<Id>& source_id) const;
  Error Failed(const Snapshot& snapshot, const Error& error);
  void Report(const Snapshot& snapshot);
  uint64_t SealedBytesWritten() const;

  const Repository& source_;
  Repository& destination_;
  const ProgressFn& progress_;
  std::map<Id, Snapshot> source_snapshots_;
  std::map<Id, Snapshot> copies_;  // source snapshot id -> its copy in the destination
  std::vector<Snapshot> wanted_;
  std::vector<FailedSnapshot> damaged_wanted_;  // requested, but their files are damaged
  std::vector<Id> unproven_;  // CopySummary::unproven_claims
  std::set<Id> learnt_;  // source snapshots whose ids are in map_ (zipped or copied)
  IdMap map_;
  CopyCounts counts_;
  uint64_t bytes_done_ = 0, bytes_total_ = 0, snapshots_done_ = 0;
};

Status Copier::Load(const std::vector<Id>& ids) {
  if (source_.id() == destination_.id()) {
    return Error::InvalidArgument(
        "the source and the destination are the same repository: nothing to copy");
  }
  // Unreadable snapshots are neither copied nor zipped.
  std::vector<repository::DamagedFile> damaged;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> in_source, source_.LoadSnapshots(&damaged));
  for (Snapshot& s : in_source) source_snapshots_.emplace(s.id, std::move(s));
  STORMPROOF_ASSIGN_OR_RETURN(wanted_, Wanted(source_, source_snapshots_, ids, &damaged_wanted_));
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> in_destination,
                              destination_.LoadSnapshots(&damaged));
  std::map<Id, const Snapshot*> wanted_by_id;
  for (const Snapshot& s : wanted_) wanted_by_id.emplace(s.id, &s);
  for (Snapshot& s : in_destination) {
    if (!s.copied_from || s.copied_from->repository != source_.id()) continue;
    const Id from = s.copied_from->snapshot;
    auto original = source_snapshots_.find(from);
    if (original != source_snapshots_.end() && !IsCopyOf(s, original->second)) continue;
    // Each claimant of a snapshot to copy must prove its content ("What counts as a copy");
    // the first proven one is the copy.
    if (auto to_copy = wanted_by_id.find(from); to_copy != wanted_by_id.end()) {
      if (!IsCopyOf(s, *to_copy->second)) continue;
      STORMPROOF_ASSIGN_OR_RETURN(bool proven, Proven(s, *to_copy->second));
      if (!proven) {
        unproven_.push_back(s.id);
        continue;
      }
      learnt_.insert(from);
    }
    copies_.emplace(from, std::move(s));
  }
  for (const Snapshot& s : wanted_) bytes_total_ += s.summary.bytes_processed;
  return Ok();
}

Result<CopySummary> Copier::Run() {
  const auto start = std::chrono::steady_clock::now();
  CopySummary summary;
  summary.failed = damaged_wanted_;
  summary.unproven_claims = unproven_;
  for (const Snapshot& snapshot : wanted_) {
    Report(snapshot);
    STORMPROOF_ASSIGN_OR_RETURN(std::optional<CopiedSnapshot> copied, CopyOne(snapshot, summary));
    if (copied) summary.snapshots.push_back(*copied);
    ++snapshots_done_;
    Report(snapshot);
  }
  std::map<Id, Id> copy_of;
  for (const auto& [from, copy] : copies_) copy_of.emplace(from, copy.id);
  STORMPROOF_ASSIGN_OR_RETURN(
      summary.verdicts_carried,
      internal::CarryVerdicts(source_, destination_, summary.snapshots, copy_of));
  summary.data_blobs_written = counts_.data_blobs_written;
  summary.tree_blobs_written = counts_.tree_blobs_written;
  summary.bytes_read = counts_.bytes_read;
  summary.blobs_mapped = counts_.blobs_mapped;
  summary.bytes_written = SealedBytesWritten();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

// Copies one snapshot; nullopt when it failed because of itself (then added to summary.failed).
Result<std::optional<CopiedSnapshot>> Copier::CopyOne(const Snapshot& snapshot,
                                                     CopySummary& summary) {
  if (auto it = copies_.find(snapshot.id); it != copies_.end()) {
    bytes_done_ += snapshot.summary.bytes_processed;
    return std::optional(CopiedSnapshot{snapshot.id, it->second.id, true});
  }
  if (Status learnt = LearnFromEarlierCopy(snapshot); !learnt) {
    return Failed(snapshot, learnt.error());
  }
  const uint64_t bytes_before = bytes_done_;
  internal::TreeCopier trees(source_, destination_, map_, counts_, [&](uint64_t bytes) {
    bytes_done_ += bytes;
    Report(snapshot);
  });
  Result<Id> root = trees.CopyTree(snapshot.tree, "");
  // Holes are not stored: the snapshot counts as done whatever its blobs added up to.
  bytes_done_ = bytes_before + snapshot.summary.bytes_processed;
  if (!root && trees.source_failed()) {
    Error error = Failed(snapshot, root.error());
    if (Status flushed = destination_.Flush(); !flushed) return flushed.error();
    summary.failed.push_back({snapshot.id, error.message()});
    return std::optional<CopiedSnapshot>();
  }
  if (!root) return Failed(snapshot, root.error());
  if (Status flushed = destination_.Flush(); !flushed) return Failed(snapshot, flushed.error());
  Snapshot copy = CopyOf(snapshot, *root);
  // A lost lock after the save leaves the file when it is whole: another copy may have saved it.
  auto saved = destination_.SaveSnapshot(
      copy, Repository::Sealing::kSameContentSameFile,
      [&](const Snapshot& s) { return internal::SnapshotIsWhole(destination_, s); });
  if (!saved) return Failed(snapshot, saved.error());
  copy.id = *saved;
  learnt_.insert(snapshot.id);
  copies_[snapshot.id] = copy;
  return std::optional(CopiedSnapshot{snapshot.id, copy.id, false});
}

// Whether `claimant`'s tree is the whole copy of `original`'s: zipped (ZipTrees, tree blobs
// only), every directory agrees and every blob below is held in the destination. What agreed
// stays in map_ either way (zipping never trusts more than it checked).
Result<bool> Copier::Proven(const Snapshot& claimant, const Snapshot& original) {
  STORMPROOF_TRY(internal::ZipTrees(source_, destination_, original.tree, claimant.tree, map_,
                                    counts_.bytes_read));
  const internal::MappedTree* zipped = map_.Tree(original.tree);
  if (zipped == nullptr) return false;
  if (zipped->destination == claimant.tree) return true;
  // The source tree was known as another destination tree (another claimant's): zipped alone.
  IdMap alone;
  STORMPROOF_TRY(internal::ZipTrees(source_, destination_, original.tree, claimant.tree, alone,
                                    counts_.bytes_read));
  const internal::MappedTree* own = alone.Tree(original.tree);
  return own != nullptr && own->destination == claimant.tree;
}

// Zips the earlier copy EarlierCopy chooses, unless its ids are known already.
Status Copier::LearnFromEarlierCopy(const Snapshot& snapshot) {
  const Snapshot* earlier = EarlierCopy(snapshot);
  if (earlier == nullptr || !learnt_.insert(earlier->id).second) return Ok();
  return internal::ZipTrees(source_, destination_, earlier->tree, copies_.at(earlier->id).tree,
                            map_, counts_.bytes_read);
}

// The snapshot's parent when it was copied, else the newest copied snapshot of the same host
// and paths; null when there is none.
const Snapshot* Copier::EarlierCopy(const Snapshot& snapshot) const {
  auto copied = [&](const Id& id) -> const Snapshot* {
    auto it = source_snapshots_.find(id);
    return it != source_snapshots_.end() && copies_.contains(id) ? &it->second : nullptr;
  };
  if (snapshot.parent) {
    if (const Snapshot* parent = copied(*snapshot.parent)) return parent;
  }
  const Snapshot* newest = nullptr;
  for (const auto& [id, copy] : copies_) {
    const Snapshot* candidate = copied(id);
    if (candidate == nullptr || candidate->hostname != snapshot.hostname ||
        candidate->paths != snapshot.paths) {
      continue;
    }
    if (newest == nullptr || candidate->time_ns > newest->time_ns) newest = candidate;
  }
  return newest;
}

// The source's snapshot with the destination's tree, no parent, and repaired_from naming the
// copy of the snapshot it repairs (none when that was not copied). No parent, as restic's copy:
// whether the parent's copy is in the destination depends on the moment (a concurrent copy may
// be writing it), and a copy must be the same bytes whichever copy writes it (copier.h,
// "Concurrent copies"); a backup into the destination picks its own parent. Everything else is
// the source's, ransomware signals and verdict included: the destination's forget and status
// judge a copy as they judge its source.
Snapshot Copier::CopyOf(const Snapshot& snapshot, const Id& tree) const {
  Snapshot copy = snapshot;
  copy.id = Id{};
  copy.tree = tree;
  copy.parent.reset();
  copy.repaired_from = CopyIdOf(snapshot.repaired_from);
  copy.copied_from = Snapshot::CopyOrigin{source_.id(), snapshot.id};
  return copy;
}

std::optional<Id> Copier::CopyIdOf(const std::optional<Id>& source_id) const {
  if (!source_id) return std::nullopt;
  auto it = copies_.find(*source_id);
  if (it == copies_.end()) return std::nullopt;
  return it->second.id;
}

// The error that stops the copy in `snapshot`, once what was stored is indexed (so that the
// next copy reuses it).
Error Copier::Failed(const Snapshot& snapshot, const Error& error) {
  Status flushed = destination_.Flush();
  const std::string what = "snapshot " + snapshot.id.ShortHex();
  if (error.code() != ErrorCode::kInterrupted) return error.WithContext(what);
  return Error::Interrupted(
      error.message() + "; no copy of " + what + " saved" +
      (flushed ? std::string("; the data copied so far is indexed (the next copy reuses it)")
               : std::string("")));
}

void Copier::Report(const Snapshot& snapshot) {
  if (!progress_) return;
  ProgressEvent event;
  event.current = snapshot.id.ShortHex();
  event.Count(ProgressUnit::kSnapshots, snapshots_done_, wanted_.size());
  event.Count(ProgressUnit::kBytes, std::min(bytes_done_, bytes_total_), bytes_total_);
  progress_(event);
}

uint64_t Copier::SealedBytesWritten() const {
  uint64_t total = 0;
  for (const auto& [type, id] : counts_.written) {
    if (auto at = destination_.FindBlob(type, id)) total += at->length;
  }
  return total;
}

}  // namespace

// A snapshot repaired in the destination (lost entries or repaired_from the source snapshot
// lacks) or a false claim is not a copy.
bool IsCopyOf(const Snapshot& copy, const Snapshot& original) {
  return copy.time_ns == original.time_ns && copy.hostname == original.hostname &&
         copy.paths == original.paths && copy.lost == original.lost &&
         (!copy.repaired_from || original.repaired_from);
}

Result<CopySummary> Copy(const Repository& source, Repository& destination,
                         const std::vector<Id>& snapshots, const ProgressFn& progress) {
  Copier copier(source, destination, progress);
  STORMPROOF_TRY(copier.Load(snapshots));
  return copier.Run();
}

}  // namespace stormproof::copier
