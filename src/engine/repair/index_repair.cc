#include "engine/repair/index_repair.h"

#include <algorithm>
#include <utility>

#include "engine/repair/internal/bad_copies.h"
#include "engine/repair/internal/pack_rescue.h"
#include "engine/repository/index.h"
#include "engine/repository/maintenance.h"
#include "engine/repository/pack.h"

namespace stormproof::repair {
namespace {

using repository::Id;
using repository::IndexedPack;
using repository::Maintenance;
using repository::Repository;

constexpr char kChangedNothing[] =
    " (repair index changed nothing: what cannot be read now may read later, so it is not "
    "treated as damage; run it again once the storage reads)";

// `error` (not damage: the storage did not read) as the reason repair index stops.
Error Stop(const Error& error) { return Error(error.code(), error.message() + kChangedNothing); }

// The files of `type`, name -> size, sorted by name.
Result<std::vector<std::pair<std::string, uint64_t>>> ListFiles(const Repository& repo,
                                                                backend::FileType type) {
  std::vector<std::pair<std::string, uint64_t>> files;
  STORMPROOF_TRY(repo.backend().List(
      type, [&](const std::string& name, uint64_t size) { files.emplace_back(name, size); }));
  std::sort(files.begin(), files.end());
  return files;
}

// Whether index file `name`, read whole now, still matches its name (a file that failed to
// load may have failed to read). Errors: it cannot be read.
Result<bool> MatchesItsName(const Repository& repo, const std::string& name) {
  auto file = repo.backend().Load({backend::FileType::kIndex, name});
  if (!file) return Stop(file.error().WithContext("reading index " + name));
  return crypto::Sha256(*file).Hex() == name;
}

// Loads the old index anew, making sure that every index file it skips as damaged is damaged,
// not unreadable: a damaged pack's blobs are kept only if an index file locates them. A file
// that reads and matches its name may have failed only to read during the load: load once more.
Status LoadOldIndex(const Repository& repo) {
  STORMPROOF_TRY(repo.ReloadIndex());
  bool again = false;
  for (const repository::DamagedFile& file : repo.DamagedIndexFiles()) {
    STORMPROOF_ASSIGN_OR_RETURN(bool matches, MatchesItsName(repo, file.name));
    again = again || matches;
  }
  if (!again) return Ok();
  STORMPROOF_TRY(repo.ReloadIndex());
  for (const repository::DamagedFile& file : repo.DamagedIndexFiles()) {
    STORMPROOF_TRY(MatchesItsName(repo, file.name));
  }
  return Ok();
}

// The pack's own listing, as an index record; errors when its header cannot be verified.
Result<IndexedPack> ReadPack(const Repository& repo, const Id& pack) {
  STORMPROOF_ASSIGN_OR_RETURN(auto header, repo.ReadPackHeader(pack));
  IndexedPack record{pack, {}};
  record.blobs.reserve(header.size());
  for (const auto& [id, at] : header) {
    record.blobs.push_back({at.type, id, at.offset, at.length, at.raw_length});
  }
  return record;
}

// Why a pack's header cannot be read, without the "pack <id>: " its errors start with.
std::string Reason(const Id& pack, const Error& error) {
  std::string prefix = "pack " + pack.Hex() + ": ";
  const std::string& message = error.message();
  return message.starts_with(prefix) ? message.substr(prefix.size()) : message;
}

size_t IndexFilesFor(size_t packs) {
  return (packs + repository::kPacksPerIndex - 1) / repository::kPacksPerIndex;
}

// Repairs the index through `maintenance`, or only reports what it would do when that is null.
// REQUIRES: a lock on `repo` is held; `maintenance`, when given, holds `repo`'s exclusive lock.
Result<RepairIndexReport> Run(const Repository& repo, Maintenance* maintenance,
                              const ProgressFn& progress) {
  STORMPROOF_TRY(LoadOldIndex(repo));
  RepairIndexReport report;
  report.damaged_index_files = repo.DamagedIndexFiles();
  report.blobs_before = repo.IndexedBlobCount();
  STORMPROOF_ASSIGN_OR_RETURN(auto index_files, ListFiles(repo, backend::FileType::kIndex));
  report.index_files_before = index_files.size();
  STORMPROOF_ASSIGN_OR_RETURN(auto pack_files, ListFiles(repo, backend::FileType::kPack));
  std::vector<IndexedPack> packs;
  std::vector<UnreadablePack> unreadable;
  for (const auto& [name, size] : pack_files) {
    auto id = Id::FromHex(name);
    if (!id) {
      report.unexpected_files.push_back("data/" + name);
      continue;
    }
    ++report.packs;
    auto record = ReadPack(repo, *id);
    if (record) {
      packs.push_back(std::move(record).value());
    } else if (record.error().SaysDamaged()) {
      unreadable.push_back({*id, size, Reason(*id, record.error())});
    } else {
      return Stop(record.error());
    }
    if (progress) {
      progress(ProgressEvent().Count(ProgressUnit::kPacks, report.packs, pack_files.size()));
    }
  }
  auto bad_copies = DropBadCopies(repo, &packs);
  if (!bad_copies) return Stop(bad_copies.error());
  report.bad_copies = std::move(bad_copies).value();
  report.packs_indexed = packs.size();
  for (const IndexedPack& pack : packs) report.blobs_after += pack.blobs.size();

  auto rescue = RescueBlobs(repo, unreadable, packs);
  if (!rescue) return Stop(rescue.error());
  report.damaged_packs = std::move(rescue->packs);
  for (const DamagedPack& p : report.damaged_packs) report.blobs_kept += p.blobs_kept;
  if (maintenance == nullptr) {
    report.blobs_after += rescue->copy.size();
    size_t new_packs =
        (rescue->copy_bytes + repository::kPackTargetSize - 1) / repository::kPackTargetSize;
    report.index_files_after = IndexFilesFor(packs.size() + new_packs);
    return report;
  }
  if (!rescue->copy.empty()) {
    STORMPROOF_ASSIGN_OR_RETURN(std::vector<IndexedPack> written,
                                maintenance->CopyBlobsToNewPacks(rescue->copy, nullptr));
    report.packs_written = written.size();
    for (IndexedPack& pack : written) packs.push_back(std::move(pack));
  }
  std::vector<std::string> replaced;
  for (const auto& [name, size] : index_files) replaced.push_back(name);
  // As prune: RewriteIndex verifies the lock first, never rewriting on a lock that was lost.
  STORMPROOF_TRY(maintenance->RewriteIndex(packs, replaced));
  report.index_files_after = IndexFilesFor(packs.size());
  report.blobs_after = repo.IndexedBlobCount();
  return report;
}

}  // namespace

bool RepairIndexReport::lost_data() const {
  return std::any_of(damaged_packs.begin(), damaged_packs.end(),
                     [](const DamagedPack& p) { return p.lost_data(); });
}

Result<RepairIndexReport> RepairIndex(Maintenance& maintenance, const RepairIndexOptions& options,
                                      const ProgressFn& progress) {
  return Run(maintenance.repository(), options.dry_run ? nullptr : &maintenance, progress);
}

Result<RepairIndexReport> PlanRepairIndex(const Repository& repo, const repository::Lock& lock,
                                          const ProgressFn& progress) {
  (void)lock;  // the witness that the caller holds a lock on `repo`
  return Run(repo, nullptr, progress);
}

}  // namespace stormproof::repair
