#include "repair/index_repair.h"

#include <algorithm>

#include "repository/index.h"
#include "repository/pack.h"

namespace stormproof::repair {
namespace {

using repository::Id;
using repository::IndexedPack;
using repository::Repository;

Result<std::vector<std::string>> ListNames(Repository& repo, backend::FileType type) {
  std::vector<std::string> names;
  STORMPROOF_TRY(
      repo.backend().List(type, [&](const std::string& name, uint64_t) { names.push_back(name); }));
  std::sort(names.begin(), names.end());
  return names;
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

}  // namespace

Result<RepairIndexReport> RepairIndex(Repository& repo, const RepairIndexOptions& options,
                                      const RepairIndexProgressFn& progress) {
  STORMPROOF_ASSIGN_OR_RETURN(auto lock,
                              repo.AcquireLock(options.dry_run ? Repository::LockKind::kShared
                                                               : Repository::LockKind::kExclusive,
                                               options.lock_wait, options.on_lock_wait));
  STORMPROOF_TRY(repo.ReloadIndex());
  RepairIndexReport report;
  report.damaged_index_files = repo.DamagedIndexFiles();
  report.blobs_before = repo.IndexedBlobCount();
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<std::string> index_files,
                              ListNames(repo, backend::FileType::kIndex));
  report.index_files_before = index_files.size();
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<std::string> pack_names,
                              ListNames(repo, backend::FileType::kPack));
  std::vector<IndexedPack> packs;
  for (const std::string& name : pack_names) {
    auto id = Id::FromHex(name);
    if (!id) {
      report.unexpected_files.push_back("data/" + name);
      continue;
    }
    ++report.packs;
    auto record = ReadPack(repo, *id);
    if (record) {
      report.blobs_after += record->blobs.size();
      packs.push_back(std::move(record).value());
    } else {
      report.lost_packs.push_back({name, record.error().message()});
    }
    if (progress) progress(report.packs, pack_names.size());
  }
  report.packs_indexed = packs.size();
  report.index_files_after =
      (packs.size() + repository::kPacksPerIndex - 1) / repository::kPacksPerIndex;
  if (options.dry_run) return report;
  STORMPROOF_TRY(repo.RewriteIndex(packs, index_files));
  report.blobs_after = repo.IndexedBlobCount();
  return report;
}

}  // namespace stormproof::repair
