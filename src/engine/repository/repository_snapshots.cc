// Repository: snapshot files.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "engine/repository/repository.h"
#include "engine/repository/internal/read_only_storage.h"
#include "engine/repository/internal/repository_impl.h"
#include "engine/repository/sealed_file.h"
#include "engine/repository/snapshot_file.h"

namespace stormproof::repository {
namespace {

using backend::FileType;

// What a same-content snapshot saved after our lock was lost turned out to be.
enum class Wholeness { kWhole, kNotWhole, kUnknown };
struct Judged {
  Wholeness wholeness;
  std::string why;  // what is missing, or why it could not be told; empty when whole
};

// Under a fresh shared lock (no prune runs while it holds; taking it re-reads the index; waiting
// up to `wait` for one, so that a prune holding the repository ends first), asks `whole` about
// `snapshot`, then confirms the lock held throughout; the lock is released again.
Judged JudgeUnderFreshLock(Repository& repo, const Snapshot& snapshot,
                           const Repository::WholeCheckFn& whole, std::chrono::milliseconds wait) {
  auto fresh = repo.AcquireLock(Repository::LockKind::kShared, wait);
  if (!fresh) return {Wholeness::kUnknown, "no fresh lock: " + fresh.error().message()};
  Status checked = whole(snapshot);
  if (!checked && checked.error().SaysDamagedOrMissing()) {
    return {Wholeness::kNotWhole, checked.error().message()};
  }
  if (!checked) return {Wholeness::kUnknown, checked.error().message()};
  Status held = (*fresh)->Verify();
  if (!held) return {Wholeness::kUnknown, "the fresh lock did not hold: " + held.error().message()};
  return {Wholeness::kWhole, ""};
}

}  // namespace

Result<Id> Repository::SaveSnapshot(Snapshot snapshot, Sealing sealing,
                                    const WholeCheckFn& whole) {
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
  std::string not_whole;
  if (!held && sealing == Sealing::kSameContentSameFile && whole) {
    // Another copy may have saved this same file after we looked, and printed its id.
    snapshot.id = id;
    Judged judged = JudgeUnderFreshLock(*this, snapshot, whole, impl_->lock_env.fresh_lock_wait);
    if (judged.wholeness == Wholeness::kWhole) {
      return held.error().WithContext("snapshot " + id.Hex() +
                                      " left in place: it is whole (every blob it references "
                                      "confirmed under a fresh lock), so no prune can break it");
    }
    if (judged.wholeness == Wholeness::kUnknown) {
      return held.error().WithContext(
          "snapshot " + id.Hex() + " left in place (another copy may have saved it too), " +
          "but whether it is whole could not be told (" + judged.why +
          "): run 'stormproof check'");
    }
    not_whole = " (not whole: " + judged.why + ")";
  }
  if (!held) {
    // Credentials that may not delete (upload-only) cannot take it back: say so, so that the
    // user knows a snapshot the lock no longer covered is there (check tells whether it is whole).
    Status withdrawn = backend_->Remove({FileType::kSnapshot, id.Hex()});
    if (withdrawn) {
      return held.error().WithContext("snapshot " + id.Hex() + " withdrawn" + not_whole);
    }
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
  std::sort(snapshots.begin(), snapshots.end(), OlderThan);
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

namespace {

// The stronger of two retentions: the most days, compliance when either says it.
std::optional<backend::Retention> Stronger(const std::optional<backend::Retention>& a,
                                          const std::optional<backend::Retention>& b) {
  if (!a || !b) return a ? a : b;
  backend::Retention both = *a;
  both.days = std::max(a->days, b->days);
  if (b->mode == backend::Retention::Mode::kCompliance) both.mode = b->mode;
  return both;
}

bool Weaker(const std::optional<backend::Retention>& held, const backend::Retention& wanted) {
  if (!held) return true;
  return held->days < wanted.days || (held->mode != wanted.mode &&
                                      wanted.mode == backend::Retention::Mode::kCompliance);
}

// Whether the config is stored more than once with different content (S3: its version
// listing; the backend's upkeep counts it in `overwritten`, changing nothing): rewritten after
// init, which writes it once. Answers on storage whose retention is set (a config with
// object_lock: costs S3 one ListObjectVersions of `config`, and a GetObjectRetention of each
// version the record of earlier upkeep does not answer for), and before it is set on storage
// that holds retention (S3: a bucket with Object Lock; the listing only); false elsewhere.
Result<bool> ConfigRewritten(backend::Backend& backend, const Id& id) {
  backend::Backend::RetentionUpkeep probe;
  probe.dry_run = true;
  probe.repository_id = id.Hex();
  STORMPROOF_TRY(backend.ExtendRetention(FileType::kConfig, &probe));
  return probe.overwritten > 0;
}

// Why removals are refused in a repository ConfigRewrittenWithoutRetention: one line.
Error RewrittenWithoutRetention(const std::string& location) {
  return Error::Corrupt(
      location + "/config: names no Object Lock retention, but the bucket has Object Lock and "
      "the config was rewritten since the repository was created (stored more than once with "
      "different content: an attack, or a faulty tool): nothing is removed without a retention; "
      "give the retention the repository was created with (prune --object-lock-days, the "
      "plan's object_lock), or roll the repository back with 'stormproof repair --as-of' "
      "(docs/object-storage.md)");
}

// Whether `backend` holds retention, a refusal to tell (kPermissionDenied: Backend::
// HoldsRetention) answered as no: removals then go on as they did before the storage was asked.
Result<bool> HoldsRetentionOrCannotTell(const backend::Backend& backend) {
  Result<bool> holds = backend.HoldsRetention();
  if (!holds && holds.error().code() == ErrorCode::kPermissionDenied) return false;
  return holds;
}

// One line on stderr, once per process and location, when `backend` will not tell whether it
// holds retention (forget and prune then go on). Asks again: S3 keeps the answer (no request).
void WarnIfCannotTellRetention(const backend::Backend& backend) {
  Result<bool> holds = backend.HoldsRetention();
  if (holds || holds.error().code() != ErrorCode::kPermissionDenied) return;
  // Function-local statics: GUARDED_BY cannot name a local, so a plain std::mutex is enough.
  static std::mutex mu;
  static std::set<std::string> warned;  // read and written only under mu
  std::lock_guard lock(mu);
  if (!warned.insert(backend.Location()).second) return;
  std::fprintf(stderr,
               "stormproof: warning: %s: a config rewritten without Object Lock cannot be "
               "detected without it; removing as on storage without Object Lock "
               "(docs/object-storage.md)\n",
               holds.error().message().c_str());
}

}  // namespace

Result<bool> Repository::ConfigRewrittenWithoutRetention() const {
  if (retention_ || !config_verified_) return false;
  MutexLock lock(rewrite_mu_);
  if (!rewritten_without_retention_) {
    STORMPROOF_ASSIGN_OR_RETURN(bool holds, HoldsRetentionOrCannotTell(*backend_));
    bool rewritten = false;
    if (holds) {
      STORMPROOF_ASSIGN_OR_RETURN(rewritten, ConfigRewritten(*backend_, id_));
    }
    rewritten_without_retention_ = rewritten;
  }
  return *rewritten_without_retention_;
}

Status Repository::CheckRemovalsRetained() const {
  {
    MutexLock lock(rewrite_mu_);
    if (retention_kept_) return Ok();
  }
  STORMPROOF_ASSIGN_OR_RETURN(bool rewritten, ConfigRewrittenWithoutRetention());
  if (rewritten) return RewrittenWithoutRetention(backend_->Location());
  if (!retention_ && config_verified_) WarnIfCannotTellRetention(*backend_);
  return Ok();
}

Status Repository::KeepRetention(const std::optional<backend::Retention>& trusted,
                                 backend::Backend::RetentionUpkeep* stats) {
  // Every backup host holds the key, so a config that verifies may still have been rewritten
  // with fewer days; the one written at init is its oldest version. When the storage shows it
  // rewritten, its days count for nothing either way: only `trusted`.
  // One that names no retention may have lost it so (ConfigRewrittenWithoutRetention).
  bool rewritten = false;
  if (config_verified_ && retention_) {
    STORMPROOF_ASSIGN_OR_RETURN(rewritten, ConfigRewritten(*backend_, id_));
  } else if (config_verified_) {
    STORMPROOF_ASSIGN_OR_RETURN(rewritten, ConfigRewrittenWithoutRetention());
    WarnIfCannotTellRetention(*backend_);
  }
  const bool config_counts = config_verified_ && !rewritten;
  std::optional<backend::Retention> keep =
      Stronger(config_counts ? retention_ : std::nullopt, trusted);
  if (!keep && rewritten && !retention_) return RewrittenWithoutRetention(backend_->Location());
  if (!keep && !config_counts) {
    // Storage that cannot keep retention (a local directory) has none to keep up.
    if (!rewritten && !SetUpkeepRetention(*backend_, backend::Retention{{}, 1})) return Ok();
    return Error::Corrupt(
        backend_->Location() + "/config: " +
        (rewritten ? "rewritten since the repository was created (stored more than once with "
                     "different content: an attack, or a faulty tool)"
                   : "config mac does not match (altered)") +
        ": the retention upkeep does not take its days from it; give the retention the "
        "repository was created with (the plan's object_lock, prune --object-lock-days)");
  }
  if (!keep) return Ok();  // no Object Lock
  if (read_only_reason_) {
    // Writes stay refused; the storage learns the retention for the upkeep only.
    STORMPROOF_TRY(SetUpkeepRetention(*backend_, *keep));
  } else if (rewritten || Weaker(retention_, *keep)) {
    STORMPROOF_TRY(backend_->SetRetention(*keep));
  }
  if (!read_only_reason_) {
    MutexLock lock(rewrite_mu_);
    retention_kept_ = true;
  }
  return ExtendRetentionOfAll(*backend_, id_, stats);
}

}  // namespace stormproof::repository
