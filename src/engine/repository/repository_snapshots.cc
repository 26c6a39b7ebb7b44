// Repository: snapshot files.
#include <algorithm>

#include "engine/repository/repository.h"
#include "engine/repository/internal/repository_impl.h"
#include "engine/repository/sealed_file.h"
#include "engine/repository/snapshot_file.h"

namespace stormproof::repository {
namespace {

using backend::FileType;

}  // namespace

Result<Id> Repository::SaveSnapshot(Snapshot snapshot, Sealing sealing) {
  // Crash safety: every blob the snapshot needs is in a saved pack and index first.
  // A snapshot is written only while our locks hold and every pack it relies on is there
  // (confirmed before the final index names them; packs can go after that only with a lost
  // lock, which VerifyLocks catches), and is taken back when the lock turns out lost
  // meanwhile: a saved id always restores.
  STORMPROOF_TRY(impl_->blobs.ConfirmReliedPacks());
  STORMPROOF_TRY(Flush());
  STORMPROOF_TRY(VerifyLocks());
  std::string text = EncodeSnapshot(snapshot);
  Bytes file = sealing == Sealing::kSameContentSameFile
                   ? SealFileDeterministically(impl_->master.encryption, AsBytes(text),
                                               kSnapshotKind)
                   : SealFile(impl_->master.encryption, AsBytes(text), kSnapshotKind);
  Id id = crypto::Sha256(file);
  const bool there_before = sealing == Sealing::kSameContentSameFile &&
                            backend_->Size({FileType::kSnapshot, id.Hex()}).has_value();
  Status saved = backend_->Save({FileType::kSnapshot, id.Hex()}, file);
  if (!saved) return saved.error().WithContext("saving snapshot " + id.Hex());
  Status held = VerifyLocks();
  if (!held && there_before) {
    return held.error().WithContext("snapshot " + id.Hex() +
                                    " (saved before by another writer too) left as it was");
  }
  if (!held) {
    // Credentials that may not delete (upload-only) cannot take it back: say so, so that the
    // user knows a snapshot the lock no longer covered is there (check tells whether it is whole).
    Status withdrawn = backend_->Remove({FileType::kSnapshot, id.Hex()});
    if (withdrawn) return held.error().WithContext("snapshot " + id.Hex() + " withdrawn");
    return held.error().WithContext("snapshot " + id.Hex() +
                                    " saved after the lock was lost and could not be withdrawn (" +
                                    withdrawn.error().message() + "): run 'stormproof check'");
  }
  return id;
}

Result<Snapshot> Repository::LoadSnapshot(const Id& id) const {
  std::string where = "snapshot " + id.Hex();
  auto file = backend_->Load({FileType::kSnapshot, id.Hex()});
  if (!file) return file.error().WithContext(where);
  if (crypto::Sha256(*file) != id) {
    return Error::Corrupt(where + ": content does not match its name (damaged)");
  }
  auto plain = OpenSealedFile(impl_->master.encryption, *file, kSnapshotKind);
  if (!plain) return plain.error().WithContext(where);
  auto snapshot = DecodeSnapshot(*plain);
  if (!snapshot) return snapshot.error().WithContext(where);
  snapshot->id = id;
  return snapshot;
}

Result<std::vector<Snapshot>> Repository::LoadSnapshots() const {
  std::vector<DamagedFile> damaged;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots, LoadSnapshots(&damaged));
  if (!damaged.empty()) {
    return Error::FailedCheck("snapshot " + damaged.front().name + ": " + damaged.front().reason);
  }
  return snapshots;
}

Result<std::vector<Snapshot>> Repository::LoadSnapshots(std::vector<DamagedFile>* damaged) const {
  std::vector<std::string> names;
  STORMPROOF_TRY(backend_->List(FileType::kSnapshot,
                                [&](const std::string& name, uint64_t) { names.push_back(name); }));
  std::sort(names.begin(), names.end());
  std::vector<Snapshot> snapshots;
  snapshots.reserve(names.size());
  for (const std::string& name : names) {
    auto id = Id::FromHex(name);
    if (!id) {
      damaged->push_back({name, "not a snapshot id"});
      continue;
    }
    auto snapshot = LoadSnapshot(*id);
    if (!snapshot) {
      // The reason without LoadSnapshot's "snapshot <id>: " prefix: the caller names the file.
      std::string reason = snapshot.error().message();
      std::string prefix = "snapshot " + name + ": ";
      if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
      damaged->push_back({name, std::move(reason)});
      continue;
    }
    snapshots.push_back(std::move(snapshot).value());
  }
  std::sort(snapshots.begin(), snapshots.end(), [](const Snapshot& a, const Snapshot& b) {
    return std::tie(a.time_ns, a.id) < std::tie(b.time_ns, b.id);
  });
  return snapshots;
}

Status Repository::RemoveSnapshot(const Id& id) {
  return backend_->Remove({FileType::kSnapshot, id.Hex()});
}

namespace {

// Backend::ExtendRetention over every kind of file a kept snapshot may need, and the evidence
// (never removed: it stays as long as the data; docs/repository-format.md, "Retention and
// maintenance"), with the record of earlier upkeep bound to `id` (with stats->dry_run set, only
// counting).
Status ExtendRetentionOfAll(backend::Backend& backend, const Id& id,
                            backend::Backend::RetentionUpkeep* stats) {
  if (stats->repository_id.empty()) stats->repository_id = id.Hex();
  for (FileType type : {FileType::kConfig, FileType::kKey, FileType::kSnapshot, FileType::kIndex,
                        FileType::kPack, FileType::kEvidence}) {
    STORMPROOF_TRY(backend.ExtendRetention(type, stats));
  }
  return Ok();
}

}  // namespace

Status Repository::CountRetentionDue(backend::Backend::RetentionUpkeep* stats) const {
  stats->dry_run = true;
  return ExtendRetentionOfAll(*backend_, id_, stats);
}

Status Repository::ExtendRetention(backend::Backend::RetentionUpkeep* stats) {
  return ExtendRetentionOfAll(*backend_, id_, stats);
}

}  // namespace stormproof::repository
