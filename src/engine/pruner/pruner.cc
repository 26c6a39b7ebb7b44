#include "engine/pruner/pruner.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/interrupt.h"
#include "engine/pruner/internal/prune_plan.h"
#include "engine/pruner/internal/used_blobs.h"
#include "engine/repository/index_files.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/pack.h"

namespace stormproof::pruner {
namespace {

using repository::IndexedPack;
using repository::Maintenance;
using repository::Repository;
using repository::WithRetentionKept;

constexpr char kNothingChanged[] = " (prune changed nothing)";

// The error an interrupted prune returns: "interrupted by SIGTERM; <what was left>".
Error Interruption(const std::string& left) {
  return Error::Interrupted(InterruptionMessage() + "; " + left);
}

Result<std::map<repository::Id, uint64_t>> PacksOnBackend(const Repository& repo) {
  std::map<repository::Id, uint64_t> packs;
  std::string bad;
  STORMPROOF_TRY(
      repo.backend().List(backend::FileType::kPack, [&](const std::string& name, uint64_t size) {
        auto id = repository::Id::FromHex(name);
        if (id) {
          packs.emplace(*id, size);
        } else if (bad.empty()) {
          bad = name;
        }
      }));
  if (!bad.empty()) {
    return Error::FailedCheck("unexpected file data/" + bad + " in " + repo.backend().Location() +
                              kNothingChanged);
  }
  return packs;
}

// "tree blob <id>" or "data blob <id>", as repository errors name a blob.
std::string BlobName(repository::BlobType type, const repository::Id& id) {
  return std::string(type == repository::BlobType::kTree ? "tree" : "data") + " blob " + id.Hex();
}

// The first pack of plan.missing_packs whose index entries (in `indexed`) place blob `b` there.
const repository::Id* MissingPackHolding(const PrunePlan& plan,
                                         const std::vector<IndexedPack>& indexed,
                                         const repository::BlobRef& b) {
  const std::set<repository::Id> missing(plan.missing_packs.begin(), plan.missing_packs.end());
  for (const IndexedPack& pack : indexed) {
    if (!missing.contains(pack.pack)) continue;
    for (const repository::PackEntry& e : pack.blobs) {
      if (e.type == b.type && e.id == b.id) return &pack.pack;
    }
  }
  return nullptr;
}

// Refuses to go on when the repository is damaged in a way that makes "unused" uncertain: a blob
// in use with no copy that may be kept. (Entries for missing packs alone are just dropped.)
Status CheckPlanSafe(const PrunePlan& plan, const std::vector<IndexedPack>& indexed,
                     const Distrusted& distrusted) {
  if (!plan.missing_blobs.empty()) {
    const repository::BlobRef& b = plan.missing_blobs.front();
    const std::string blob = BlobName(b.type, b.id);
    const repository::Id* missing = MissingPackHolding(plan, indexed, b);
    auto lied = std::find_if(distrusted.begin(), distrusted.end(), [&](const auto& entry) {
      return entry.first.type == b.type && entry.first.id == b.id;
    });
    if (lied != distrusted.end()) {
      // The copies the index names all failed to verify (or are missing): deleting any pack or
      // dropping any entry now could lose it.
      return Error::FailedCheck(
          lied->second + ", and no other copy of it the index names verifies" +
          (missing ? "; pack " + missing->Hex() + ", also named for it, is missing" : "") +
          " (a damaged, lost or planted index or pack); run 'stormproof check --read-data', then "
          "'stormproof repair index'" +
          kNothingChanged);
    }
    if (missing) {
      return Error::FailedCheck("pack " + missing->Hex() +
                                " is named by the index but missing, and " + blob +
                                ", in use, has no other copy the index names that may be kept; "
                                "run 'stormproof check'" +
                                kNothingChanged);
    }
    return Error::FailedCheck(blob +
                              " is used by a snapshot but no index names it; run 'stormproof "
                              "check'" +
                              kNothingChanged);
  }
  return Ok();
}

// A byte range read at once when confirming kept copies: a pack's whole blob area in practice
// (packs are up to 8 MiB), bounded for a pack an index claims is larger.
constexpr uint64_t kMaxConfirmRead = 16u << 20;

// Why the index entry for `blob` in `pack` is distrusted (one line): `why` the copy is not there.
std::string NotHeld(const repository::Id& pack, repository::BlobType type,
                    const repository::Id& blob, const std::string& why) {
  return "pack " + pack.Hex() + " does not hold " + BlobName(type, blob) +
         " that the index says it does (" + why + ")";
}

// `message` of a LoadBlobAt or LoadBlobRun error without its context ("<type> blob <id> in pack
// <id>: "), which NotHeld says.
std::string WithoutBlobContext(std::string message, const repository::Id& pack,
                              repository::BlobType type, const repository::Id& blob) {
  const std::string context = BlobName(type, blob) + " in pack " + pack.Hex() + ": ";
  if (message.starts_with(context)) message.erase(0, context.size());
  return message;
}

using BlobRun = std::vector<std::pair<repository::Id, repository::BlobLocation>>;

// The runs of `copies` (one pack's, sorted by type then offset) that Repository::LoadBlobRun
// reads at once: one type, no overlap, at most kMaxConfirmRead bytes unless one blob is larger.
std::vector<BlobRun> ConfirmRuns(const KeptCopies& copies) {
  std::vector<BlobRun> runs;
  uint64_t start = 0, end = 0;
  for (const repository::PackEntry& e : copies.entries) {
    const uint64_t e_end = uint64_t{e.offset} + e.length;
    if (runs.empty() || runs.back().back().second.type != e.type || e.offset < end ||
        e_end - start > kMaxConfirmRead) {
      runs.emplace_back();
      start = e.offset;
    }
    runs.back().push_back({e.id, {copies.pack, e.offset, e.length, e.raw_length, e.type}});
    end = e_end;
  }
  return runs;
}

// Called with an index entry of a pack that verifies.
using VerifiedFn = std::function<void(const repository::PackEntry&)>;
// Called with an index entry of a pack that does not verify and why (one line).
using DistrustFn = std::function<void(const repository::PackEntry&, const std::string& why)>;


// Passes entry `e` of pack `pack`, read and re-hashed as `blob`, to `verified` or, when it does
// not verify (Error::SaysDamaged), to `distrust`. Returns false, calling neither, when it failed
// otherwise (the copy could not be read now).
bool Judge(const Result<Bytes>& blob, const repository::Id& pack, const repository::PackEntry& e,
           const VerifiedFn& verified, const DistrustFn& distrust) {
  if (blob) {
    verified(e);
  } else if (blob.error().SaysDamaged()) {
    distrust(e, WithoutBlobContext(blob.error().message(), pack, e.type, e.id));
  } else {
    return false;
  }
  return true;
}

// Reads entry `e` of pack `pack` and re-hashes it, that copy only (Repository::LoadBlobAt: never
// another location of the blob, which would prove nothing of this one): passes it to `verified`
// or, when it does not verify (kCorrupt, kFailedCheck), to `distrust`. Errors: any other (the
// backend's: the copy could not be read now).
Status ConfirmCopy(const Repository& repo, const repository::Id& pack,
                   const repository::PackEntry& e, const VerifiedFn& verified,
                   const DistrustFn& distrust) {
  const repository::BlobLocation at{pack, e.offset, e.length, e.raw_length, e.type};
  Result<Bytes> blob = repo.LoadBlobAt(e.type, e.id, at, repository::IdCheck::kRehash);
  if (!Judge(blob, pack, e, verified, distrust)) return blob.error();
  return Ok();
}

// Reads `run` (entries of pack `pack`, from ConfirmRuns) with one request and re-hashes each,
// those copies only (OtherCopies::kNotTried: another copy would prove nothing of these): passes
// those that verify to `verified` and those that do not (kCorrupt, kFailedCheck) to `distrust`.
// An entry that fails otherwise (the run could not be read now) is read again alone
// (ConfirmCopy). Errors: ConfirmCopy's.
Status ConfirmRun(const Repository& repo, const repository::Id& pack, const BlobRun& run,
                  const VerifiedFn& verified, const DistrustFn& distrust) {
  const repository::BlobType type = run.front().second.type;
  std::vector<repository::PackEntry> unread;
  size_t next = 0;  // LoadBlobRun calls back for the blobs of `run` in order
  repo.LoadBlobRun(
      type, run, repository::IdCheck::kRehash,
      [&](const repository::Id& id, Result<Bytes> blob) {
        const repository::BlobLocation& at = run[next++].second;
        const repository::PackEntry entry{type, id, at.offset, at.length, at.raw_length};
        if (!Judge(blob, pack, entry, verified, distrust)) unread.push_back(entry);
      },
      repository::OtherCopies::kNotTried);
  for (const repository::PackEntry& e : unread) {
    STORMPROOF_TRY(ConfirmCopy(repo, pack, e, verified, distrust));
  }
  return Ok();
}

// The index entries prune has read so far, by verdict. Each entry is read at most once per
// survey, so re-planning (SurveyRepository) reads no more than the index names in all.
struct Checked {
  Distrusted distrusted;        // did not verify, with why
  std::set<EntryRef> verified;  // read and re-hashed
  // Packs whose entries do not tile them (UntiledPacks) and whose header does not verify.
  std::set<repository::Id> unsettled;
};

// Reads (in runs: ConfirmRun) and re-hashes the entries of `copies` (one pack's, sorted by type
// then offset) not read yet, recording each verdict in *checked; counts in *confirmed every entry
// of `copies` that verifies (now or before). An entry past the pack's end does not verify.
// Errors: the backend's (a read that failed without saying the copy is damaged).
Status ReadAndRehash(const Repository& repo, KeptCopies copies, Checked* checked,
                     uint64_t* confirmed) {
  auto verified = [&](const repository::PackEntry& e) {
    checked->verified.insert(RefTo(copies.pack, e));
    ++*confirmed;
  };
  auto distrust = [&](const repository::PackEntry& e, const std::string& why) {
    checked->distrusted.emplace(RefTo(copies.pack, e), NotHeld(copies.pack, e.type, e.id, why));
  };
  std::erase_if(copies.entries, [&](const repository::PackEntry& e) {
    const EntryRef ref = RefTo(copies.pack, e);
    if (checked->verified.contains(ref)) {
      ++*confirmed;
      return true;
    }
    if (checked->distrusted.contains(ref)) return true;
    if (uint64_t{e.offset} + e.length <= copies.stored_size) return false;
    distrust(e, "the pack is " + std::to_string(copies.stored_size) +
                    " bytes, smaller than the index says");
    return true;
  });
  for (const BlobRun& run : ConfirmRuns(copies)) {
    STORMPROOF_TRY(ConfirmRun(repo, copies.pack, run, verified, distrust));
  }
  return Ok();
}

// Where the kept copy of a blob (the first of `ranked`: PrunePlan::copies_by_preference) did not
// verify, reads its other copies in turn until one does, so that the next plan keeps that one
// (not the next lie, one plan per lie). Errors: the backend's.
Status FindACopyThatVerifies(const Repository& repo,
                             const std::map<repository::Id, uint64_t>& packs,
                             const std::vector<EntryRef>& ranked, Checked* checked) {
  for (const EntryRef& ref : ranked) {
    const repository::PackEntry entry{ref.type, ref.id, ref.offset, ref.length, ref.raw_length};
    uint64_t verified = 0;  // ReadAndRehash counts, unread, an entry that verified before
    STORMPROOF_TRY(
        ReadAndRehash(repo, {ref.pack, packs.at(ref.pack), {entry}}, checked, &verified));
    if (verified > 0) return Ok();
  }
  return Ok();  // none verifies: the next plan refuses
}

// Reads and re-hashes the copies of blobs in use that prune keeps while another copy of each
// goes (PrunePlan::confirm), so that an index claiming a pack holds what it does not (planted by
// a backup host, or damaged) never makes the real copies look unused. Counts those that verify
// in stats.blobs_confirmed; adds those that do not (they fail to verify, or lie past the pack's
// end) to checked->distrusted, reading such a blob's other copies until one verifies
// (FindACopyThatVerifies), and returns how many were added. `packs`: the packs on the backend
// and their sizes. Errors: the backend's; nothing was changed.
Result<size_t> ConfirmKeptCopies(const Repository& repo,
                                 const std::map<repository::Id, uint64_t>& packs,
                                 PrunePlan* plan, Checked* checked) {
  const size_t before = checked->distrusted.size();
  Status read = Ok();
  for (const KeptCopies& copies : plan->confirm) {
    read = ReadAndRehash(repo, copies, checked, &plan->stats.blobs_confirmed);
    if (!read) break;
  }
  for (const auto& [blob, ranked] : plan->copies_by_preference) {
    if (!read || checked->distrusted.size() == before) break;
    read = FindACopyThatVerifies(repo, packs, ranked, checked);
  }
  if (!read) {
    return read.error().WithContext("reading the copies of data in use that prune keeps" +
                                    std::string(kNothingChanged));
  }
  return checked->distrusted.size() - before;
}

// Settles the disagreeing entries `copies` (DisagreeingEntries: one pack's) by the pack's own
// header, one small read that its authentication verifies: an entry the header does not list,
// type, id, offset and lengths alike, is a lie, distrusted without reading its blob. The entries
// it lists are left neither distrusted nor verified: a copy of a blob in use is still re-hashed
// before another copy of it goes (ConfirmKeptCopies), which decides even against a pack a backup
// host forged whole, header included. Returns whether the header settled them; false when it
// does not verify (a damaged pack), having changed nothing. Errors: the backend's.
Result<bool> SettleByHeader(const Repository& repo, const KeptCopies& copies, Checked* checked) {
  auto header = repo.ReadPackHeader(copies.pack);
  if (!header) {
    if (header.error().SaysDamaged()) return false;
    return header.error();
  }
  std::set<EntryRef> listed;
  for (const auto& [id, at] : *header) {
    listed.insert(RefTo(copies.pack, {at.type, id, at.offset, at.length, at.raw_length}));
  }
  for (const repository::PackEntry& e : copies.entries) {
    const EntryRef ref = RefTo(copies.pack, e);
    if (listed.contains(ref)) continue;
    checked->distrusted.emplace(
        ref, NotHeld(copies.pack, e.type, e.id, "the pack's header does not list it there"));
  }
  return true;
}

// Settles the disagreeing entries `copies` of a pack whose header does not verify by reading
// and re-hashing them, one place at a time: once an entry for an offset verifies, the others
// for that offset are distrusted unread (the pack holds one blob there). Errors: the backend's.
Status SettleByReading(const Repository& repo, const KeptCopies& copies, Checked* checked) {
  std::map<uint32_t, std::vector<repository::PackEntry>> by_offset;
  for (const repository::PackEntry& e : copies.entries) by_offset[e.offset].push_back(e);
  for (const auto& [offset, entries] : by_offset) {
    bool found = false;
    for (const repository::PackEntry& e : entries) {
      if (found) {
        checked->distrusted.emplace(
            RefTo(copies.pack, e),
            NotHeld(copies.pack, e.type, e.id, "another entry for that place verifies"));
        continue;
      }
      uint64_t verified = 0;
      STORMPROOF_TRY(
          ReadAndRehash(repo, {copies.pack, copies.stored_size, {e}}, checked, &verified));
      found = verified > 0;
    }
  }
  return Ok();
}

// Distrusts, unread, the index entries that end past their pack (EntriesPastTheirPack).
void DistrustEntriesPastTheirPack(const std::vector<IndexedPack>& indexed,
                                  const std::map<repository::Id, uint64_t>& packs,
                                  Checked* checked) {
  for (const EntryRef& ref : EntriesPastTheirPack(indexed, packs)) {
    checked->distrusted.emplace(
        ref, NotHeld(ref.pack, ref.type, ref.id,
                     "the pack is " + std::to_string(packs.at(ref.pack)) +
                         " bytes, smaller than the index says"));
  }
}

// Settles the index entries that cannot all be true before any plan, cheaply: those past their
// pack's end are lies; those that disagree with another (DisagreeingEntries) are settled by the
// pack's header (SettleByHeader), else by reading them (SettleByReading); the entries of a pack
// they do not tile (UntiledPacks) by its header, else (a damaged pack, or a forged one) the pack
// is left unsettled, never repacked, and its entries of blobs in use are read. Those found lying
// go into checked->distrusted, so the plan neither keeps a blob by them nor counts or writes them
// into the new index; a blob in use left with no copy that may be kept makes the plan refuse
// (CheckPlanSafe), any other lie is just dropped. Errors: the backend's; nothing was changed.
Status SettleDisagreements(const Repository& repo, const std::vector<IndexedPack>& indexed,
                           const std::map<repository::Id, uint64_t>& packs,
                           const UsedBlobs& used, Checked* checked) {
  DistrustEntriesPastTheirPack(indexed, packs, checked);
  std::set<repository::Id> by_header;  // packs whose header settled their entries
  for (const KeptCopies& copies : DisagreeingEntries(indexed, packs)) {
    Result<bool> settled = SettleByHeader(repo, copies, checked);
    if (settled && *settled) by_header.insert(copies.pack);
    Status read = !settled   ? Status(settled.error())
                  : *settled ? Ok()
                             : SettleByReading(repo, copies, checked);
    if (!read) {
      return read.error().WithContext("reading the index entries that disagree" +
                                      std::string(kNothingChanged));
    }
  }
  for (const KeptCopies& copies : UntiledPacks(indexed, packs, checked->distrusted)) {
    if (by_header.contains(copies.pack)) continue;
    Result<bool> settled = SettleByHeader(repo, copies, checked);
    Status read = !settled ? Status(settled.error()) : Ok();
    if (settled && !*settled) {
      checked->unsettled.insert(copies.pack);
      KeptCopies in_use{copies.pack, copies.stored_size, {}};
      std::copy_if(copies.entries.begin(), copies.entries.end(), std::back_inserter(in_use.entries),
                   [&](const repository::PackEntry& e) { return used.Contains(e.type, e.id); });
      read = SettleByReading(repo, in_use, checked);
    }
    if (!read) {
      return read.error().WithContext("reading pack " + copies.pack.Hex() +
                                      ", whose index entries do not fit it" + kNothingChanged);
    }
  }
  return Ok();
}

// Leaves out of `packs` those no index names that are younger than `grace_period` by the
// storage's clock (`storage_now`: when our lock was written); returns how many.
Result<uint64_t> SetAsideRecentPacks(const Repository& repo,
                                     const std::vector<IndexedPack>& indexed,
                                     int64_t storage_now, std::chrono::nanoseconds grace_period,
                                     std::map<repository::Id, uint64_t>* packs) {
  std::map<repository::Id, uint64_t> unindexed = *packs;
  for (const IndexedPack& pack : indexed) unindexed.erase(pack.pack);
  const int64_t grace = grace_period.count();
  uint64_t recent = 0;
  if (grace <= 0) return recent;
  for (const auto& [id, size] : unindexed) {
    auto modified = repo.backend().ModifiedNs({backend::FileType::kPack, id.Hex()});
    if (!modified && modified.error().code() == ErrorCode::kNotFound) continue;
    if (!modified) return modified.error().WithContext(std::string("pack ") + id.Hex());
    if (storage_now - *modified < grace) {
      packs->erase(id);
      ++recent;
    }
  }
  return recent;
}

// Carries out `plan`: new packs, then the new index, then deletions (see pruner.h), each step
// only while our lock verifies (Maintenance::RewriteIndex and RemovePack verify it first).
Status Execute(Maintenance& maintenance, const std::vector<std::string>& index_files,
               PrunePlan& plan, const ProgressFn& progress) {
  const Repository& repo = maintenance.repository();
  PruneStats& s = plan.stats;
  uint64_t total = 0;
  for (const repository::BlobRef& b : plan.repack) {
    auto at = repo.FindBlob(b.type, b.id);
    if (at) total += at->raw_length;
  }
  ProgressFn on_copied;
  if (progress) {
    on_copied = [&](const ProgressEvent& copied) {
      uint64_t bytes = copied.Get(ProgressUnit::kBytes)->done;
      progress(ProgressEvent{.phase = "repacking"}.Count(ProgressUnit::kBytes, bytes, total));
    };
  }
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<IndexedPack> written,
                              maintenance.CopyBlobsToNewPacks(plan.repack, on_copied));
  for (IndexedPack& pack : written) {
    ++s.packs_written;
    s.bytes_written += PackSize(pack);
    plan.keep.push_back(std::move(pack));
  }
  // Every step below is a safe point: a crash there leaves a consistent repository (pruner.h).
  if (Interrupted()) {
    return Interruption(written.empty() ? "prune changed nothing"
                                        : std::to_string(written.size()) +
                                              " new pack(s) of copied data are not indexed: "
                                              "prune removes them once they are " +
                                              std::to_string(kUnindexedPackGrace.count()) +
                                              " minutes old");
  }
  if (plan.index_changes) {
    STORMPROOF_TRY(maintenance.RewriteIndex(plan.keep, index_files));
    s.index_files_after =
        (plan.keep.size() + repository::kPacksPerIndex - 1) / repository::kPacksPerIndex;
  }
  for (size_t i = 0; i < plan.remove.size(); ++i) {
    if (Interrupted()) {
      return Interruption(std::to_string(plan.remove.size() - i) +
                          " pack(s) no index names are left for the next prune to delete");
    }
    STORMPROOF_TRY(maintenance.RemovePack(plan.remove[i]));
    if (progress) {
      progress(ProgressEvent{.phase = "deleting packs"}.Count(ProgressUnit::kPacks, i + 1,
                                                               plan.remove.size()));
    }
    PausePointForTesting("prune: pack deleted");
  }
  return Ok();
}

// Temporary files of interrupted writes (a crash between creating and renaming), once nothing
// else can be writing them: under the exclusive lock, and older than kStaleTemporaryAge in case
// a writer ignores locks. Also the released (empty) lock files of upload-only backup hosts.
Status RemoveTemporaries(Maintenance& maintenance, PruneStats* stats) {
  backend::Backend::TemporaryFiles removed;
  STORMPROOF_TRY(maintenance.RemoveStaleTemporaries(kStaleTemporaryAge, &removed));
  // Lock files released by emptying them (credentials that could not delete): no lock to anyone.
  STORMPROOF_TRY(maintenance.RemoveReleasedLocks());
  stats->temporary_files_removed = removed.files;
  stats->temporary_bytes_removed = removed.bytes;
  return Ok();
}

// Object Lock upkeep, first (pruner.h): the files there stay retained long enough, whatever the
// survey finds after. The figures go into `upkeep`, also when it fails.
// With `dry_run`, only counts what would be extended (prune --dry-run).
// With `kept` (PruneOptions::retention_kept), only takes its figures.
Status ExtendRetention(const Repository& repo, Maintenance* maintenance, bool dry_run,
                       backend::Backend::RetentionUpkeep* upkeep,
                       const std::optional<backend::Backend::RetentionUpkeep>& kept = {}) {
  if (kept) {
    *upkeep = *kept;
  } else {
    STORMPROOF_TRY(dry_run || maintenance == nullptr ? repo.CountRetentionDue(upkeep)
                                                     : maintenance->ExtendRetention(upkeep));
  }
  if (upkeep->hidden_by_others > 0) {
    // A hidden snapshot or index file would make what it needs look unused: nothing is removed
    // until someone looks.
    return Error::FailedCheck(
        std::to_string(upkeep->hidden_by_others) +
        " file(s) were hidden by someone else (delete markers this machine has no record of "
        "stormproof placing: an attack, another tool or machine, or a lost record) — see 'repair "
        "--as-of' (docs/object-storage.md); their versions stay retained; once they are known to "
        "be stormproof's own removals (a lost state folder, a new maintenance machine), 'stormproof "
        "prune --adopt-hidden-before TIME' adopts the packs among them hidden before TIME" +
        std::string(kNothingChanged));
  }
  return Ok();
}

// Object Lock upkeep, last: hidden versions whose retention ended go.
Status PurgeHidden(Maintenance& maintenance, PruneStats* stats) {
  backend::Backend::HiddenVersions hidden;
  STORMPROOF_TRY(maintenance.PurgeExpiredVersions(&hidden));
  stats->hidden_purged_files = hidden.purged_files;
  stats->hidden_purged_bytes = hidden.purged_bytes;
  stats->hidden_retained_files = hidden.retained_files;
  stats->hidden_retained_bytes = hidden.retained_bytes;
  stats->hidden_earliest_release_ns = hidden.earliest_release_ns;
  stats->foreign_delete_markers = hidden.foreign_markers;
  return Ok();
}

// What prune found and decided: the index as read, and the plan.
struct Survey {
  repository::IndexListing listing;
  PrunePlan plan;
};

// Reads the index, the snapshots' trees and the packs, and plans; changes nothing.
// `storage_now`: when our lock was written, by the storage's clock. REQUIRES: a lock on `repo`
// is held (our caller's witness).
Result<Survey> SurveyRepository(const Repository& repo, int64_t storage_now,
                                const PruneOptions& options, const ProgressFn& progress) {
  // Read every index file again (backups since `repo` was opened added some): the listing and
  // the in-memory index the trees are loaded through come from the same reads.
  auto listing = repo.ListIndex();
  // Damaged index or snapshot files hide what is in use or where it lives: refuse.
  std::vector<repository::DamagedFile> damaged = repo.DamagedIndexFiles();
  if (!damaged.empty()) {
    return Error::FailedCheck("index " + damaged.front().name + " is damaged (" +
                              damaged.front().reason + "); run 'stormproof repair index'" +
                              kNothingChanged);
  }
  if (!listing)
    return listing.error().WithContext(std::string("reading the index") + kNothingChanged);
  auto snapshots = repo.LoadSnapshots(&damaged);
  if (!snapshots)
    return snapshots.error().WithContext(std::string("listing snapshots") + kNothingChanged);
  if (!damaged.empty()) {
    return Error::FailedCheck("snapshot " + damaged.front().name + " is damaged (" +
                              damaged.front().reason +
                              "); run 'stormproof repair snapshots --forget'" + kNothingChanged);
  }
  auto used = FindUsedBlobs(repo, *snapshots, progress);
  if (!used && used.error().code() == ErrorCode::kInterrupted) {
    return Interruption("prune changed nothing");
  }
  if (!used)
    return used.error().WithContext(std::string("finding the data in use") + kNothingChanged);
  STORMPROOF_ASSIGN_OR_RETURN(auto packs, PacksOnBackend(repo));
  STORMPROOF_ASSIGN_OR_RETURN(uint64_t recent,
                              SetAsideRecentPacks(repo, listing->packs, storage_now,
                                                  options.unindexed_grace, &packs));
  // Index entries that cannot all be true are settled first; then planned again while kept
  // copies fail to verify, each time without the entries that lied. Each round distrusts at
  // least one more entry and reads each entry at most once, so the rounds end however many
  // copies lie; a blob's copies are read until one verifies, so one lie costs no round.
  Checked checked;
  STORMPROOF_TRY(SettleDisagreements(repo, listing->packs, packs, *used, &checked));
  const Distrusted& distrusted = checked.distrusted;
  PrunePlan plan;
  for (uint64_t rounds = 1;; ++rounds) {
    plan = MakePlan(listing->packs, packs, listing->files.size(), *used, options, distrusted,
                    checked.unsettled);
    plan.stats.plan_rounds = rounds;
    STORMPROOF_TRY(CheckPlanSafe(plan, listing->packs, distrusted));
    STORMPROOF_ASSIGN_OR_RETURN(size_t unverified,
                                ConfirmKeptCopies(repo, packs, &plan, &checked));
    if (unverified == 0) break;
  }
  plan.stats.snapshots = snapshots->size();
  plan.stats.packs_recent = recent;
  plan.stats.copies_unverified = distrusted.size();
  if (!distrusted.empty()) plan.stats.first_unverified = distrusted.begin()->second;
  return Survey{std::move(listing).value(), std::move(plan)};
}

// Copies the upkeep's figures into `stats`.
void AddUpkeep(const backend::Backend::RetentionUpkeep& upkeep, PruneStats* stats) {
  stats->retention_checked = upkeep.checked;
  stats->retention_extended = upkeep.extended;
  stats->retention_known = upkeep.retained_as_recorded;
  stats->retention_record_note = upkeep.record_note;
  stats->overwritten_files = upkeep.overwritten;
  stats->foreign_delete_markers = upkeep.hidden_by_others;
  stats->unretained_versions = upkeep.unretained;
  stats->first_unretained = upkeep.first_unretained;
  stats->unretained_restored = upkeep.unretained_restored;
}

}  // namespace

Result<PruneStats> PlanPrune(const Repository& repo, const repository::Lock& lock,
                             const PruneOptions& options, const ProgressFn& progress) {
  backend::Backend::RetentionUpkeep upkeep;  // what the upkeep would extend
  Status counted = ExtendRetention(repo, nullptr, /*dry_run=*/true, &upkeep);
  if (!counted) return WithRetentionKept(counted.error(), upkeep);
  Result<Survey> survey = SurveyRepository(repo, lock.storage_time_ns(), options, progress);
  if (!survey) return WithRetentionKept(survey.error(), upkeep);
  AddUpkeep(upkeep, &survey->plan.stats);
  return survey->plan.stats;
}

Result<PruneStats> Prune(Maintenance& maintenance, const PruneOptions& options,
                         const ProgressFn& progress) {
  // The retention of what is there is kept up first and whatever follows: a damaged repository
  // (a refused survey) is exactly the one whose backups must not lose their lock.
  backend::Backend::RetentionUpkeep upkeep;
  Status extended =
      ExtendRetention(maintenance.repository(), &maintenance, options.dry_run, &upkeep,
                      options.retention_kept);
  if (!extended) return WithRetentionKept(extended.error(), upkeep);
  Result<Survey> surveyed = SurveyRepository(
      maintenance.repository(), maintenance.lock().storage_time_ns(), options, progress);
  if (!surveyed) return WithRetentionKept(surveyed.error(), upkeep);
  PrunePlan& plan = surveyed->plan;
  AddUpkeep(upkeep, &plan.stats);
  if (options.dry_run) return plan.stats;
  if (Interrupted()) return Interruption("prune changed nothing");
  Status executed = Execute(maintenance, surveyed->listing.files, plan, progress);
  if (!executed) return WithRetentionKept(executed.error(), upkeep);
  if (!Interrupted()) STORMPROOF_TRY(RemoveTemporaries(maintenance, &plan.stats));
  if (!Interrupted()) STORMPROOF_TRY(PurgeHidden(maintenance, &plan.stats));
  return plan.stats;
}

}  // namespace stormproof::pruner
