// The way back after an attack (as_of.h): one listing of every version under the repository's
// prefix, a step for each file, then server-side copies and delete markers, several at once.
#include "engine/s3/as_of.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

#include "core/time.h"
#include "engine/backend/layout.h"
#include "engine/s3/internal/as_of_lock.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/internal/marker_record.h"

namespace stormproof::s3 {
namespace {

using internal::Client;
using internal::ObjectLock;
using internal::ObjectVersion;
using Action = RollBackStep::Action;

// repository::kStaleAfter: a lock file older than this by the server's clock is stale.
constexpr int64_t kLockStaleAfterNs = 30 * kNsPerMinute;
// Changes made at once (each one request, or two for a copy through this machine).
constexpr int kParallelChanges = 8;
// Margin added to the retain-until of a restored version, as a backup's upload adds it.
constexpr int64_t kRetentionMarginNs = 5 * kNsPerMinute;

std::string RootOf(const Location& location) {
  return location.prefix.empty() ? "" : location.prefix + "/";
}

// What a key under the repository's prefix is, by its name relative to the prefix.
enum class NameKind {
  kRolledBack,  // a file the repository writes: config, keys/, snapshots/, index/, data/, evidence/
  kLock,        // locks/<name>
  kCanary,      // canary/<name>: the immutability proof's, left alone
  kForeign,     // a name stormproof never writes (a stray or hostile key): left alone
};

// Classifies `name` exactly as the backend names files (backend::ValidateHandle, a pack in the
// directory of its first two digits): a key such as "data/../config" — which an HTTP client
// would rewrite on the way, so that no request on it could be signed right — is foreign.
NameKind KindOfName(std::string_view name) {
  using backend::FileType;
  if (name == "config") return NameKind::kRolledBack;
  auto valid = [](FileType type, std::string_view file) {
    return static_cast<bool>(backend::ValidateHandle(backend::Handle{type, std::string(file)}));
  };
  if (name.starts_with("canary/")) {
    return valid(FileType::kLock, name.substr(7)) ? NameKind::kCanary : NameKind::kForeign;
  }
  if (name.starts_with("data/")) {
    std::string_view rest = name.substr(5);  // "ab/abcdef..."
    bool fanned = rest.size() > 3 && rest[2] == '/' && rest.substr(3).starts_with(rest.substr(0, 2));
    return fanned && valid(FileType::kPack, rest.substr(3)) ? NameKind::kRolledBack
                                                           : NameKind::kForeign;
  }
  for (FileType type : {FileType::kKey, FileType::kSnapshot, FileType::kIndex,
                        FileType::kEvidence, FileType::kLock}) {
    const std::string folder = std::string(backend::DirectoryOf(type)) + "/";
    if (!name.starts_with(folder)) continue;
    if (!valid(type, name.substr(folder.size()))) return NameKind::kForeign;
    return type == FileType::kLock ? NameKind::kLock : NameKind::kRolledBack;
  }
  return NameKind::kForeign;
}

// Turns the version listing into a plan: every file's versions, newest first, then its step.
class Planner {
 public:
  Planner(const std::string& root, int64_t as_of_ns) : root_(root), as_of_ns_(as_of_ns) {}

  void Add(const ObjectVersion& entry) {
    ++versions_listed_;
    if (entry.key.size() <= root_.size() || entry.key.compare(0, root_.size(), root_) != 0) return;
    std::string name = entry.key.substr(root_.size());
    StoredVersion version{entry.version_id, entry.delete_marker, entry.modified_ns, entry.size};
    switch (KindOfName(name)) {
      case NameKind::kLock:
        if (entry.is_latest && !entry.delete_marker && entry.size > 0) {
          lock_candidates_.push_back({name, entry.modified_ns});
        }
        return;
      case NameKind::kRolledBack:
        files_[name].push_back(std::move(version));
        return;
      case NameKind::kForeign:
        if (entry.is_latest && !entry.delete_marker) foreign_.insert(name);
        return;
      case NameKind::kCanary:
        return;
    }
  }

  // The locks among the listing that look live by `listed_at_ns` (the server's clock), other
  // than `ours`.
  std::vector<LiveLock> LiveLocks(int64_t listed_at_ns, const std::string& ours = "") const {
    std::vector<LiveLock> live;
    for (const LiveLock& lock : lock_candidates_) {
      if (lock.name != ours && lock.modified_ns > listed_at_ns - kLockStaleAfterNs) {
        live.push_back(lock);
      }
    }
    return live;
  }

  RollBackPlan Finish(int64_t listed_at_ns) {
    RollBackPlan plan;
    plan.as_of_ns = as_of_ns_;
    plan.listed_at_ns = listed_at_ns;
    plan.versions_listed = versions_listed_;
    plan.files = static_cast<int>(files_.size());
    for (auto& [name, versions] : files_) {
      RollBackStep step = DecideRollBack(versions, as_of_ns_);
      if (name == "config" && step.action != Action::kHide)
        plan.config_version = VersionAt(versions);
      if (step.action == Action::kNothing) {
        ++plan.unchanged;
        continue;
      }
      plan.changes.push_back({name, std::move(step), versions.front()});
    }
    plan.live_locks = LiveLocks(listed_at_ns);
    plan.foreign = static_cast<int>(foreign_.size());
    if (!foreign_.empty()) plan.first_foreign = *foreign_.begin();
    return plan;
  }

 private:
  // The version current at the moment ("" when none).
  std::string VersionAt(const std::vector<StoredVersion>& versions) const {
    for (const StoredVersion& version : versions) {
      if (version.modified_ns <= as_of_ns_) return version.delete_marker ? "" : version.version_id;
    }
    return "";
  }

  std::string root_;
  int64_t as_of_ns_;
  int64_t versions_listed_ = 0;
  std::map<std::string, std::vector<StoredVersion>> files_;
  std::vector<LiveLock> lock_candidates_;
  std::set<std::string> foreign_;  // names stormproof never writes, present now
};

// The lock a restored version is stored under: the repository's retention from the server's
// now, as a backup stores a new file.
std::optional<ObjectLock> RestoredLock(const std::optional<backend::Retention>& wanted,
                                       const Client& client) {
  if (!wanted) return std::nullopt;
  const backend::Retention& retention = *wanted;
  int64_t days = retention.days + backend::RetentionSpareDays(retention);
  int64_t until = (FloorSeconds(client.ServerNowNs() + kRetentionMarginNs) + 1) * kNsPerSecond +
                  days * kNsPerDay;
  return ObjectLock{retention.mode, until};
}

// Makes `change` on the server. Returns whether a copy went through this machine.
// A hide's delete marker goes into *marker (its version id).
Result<bool> MakeChange(Client& client, const std::string& root, const RollBackChange& change,
                        const ObjectLock* lock, std::string* marker) {
  const std::string key = root + change.name;
  if (change.step.action == Action::kHide) {
    STORMPROOF_TRY(client.DeleteObject(key, marker));
    return false;
  }
  const std::string& version = change.step.version_id;
  Status copied = client.CopyObjectVersion(key, key, version, lock);
  if (copied) return false;
  if (copied.error().code() == ErrorCode::kPermissionDenied) return copied.error();
  // A server without CopyObject of a version: the bytes go through here instead.
  Result<Bytes> bytes = client.GetObjectVersion(key, version);
  if (!bytes) return copied.error();
  STORMPROOF_TRY(client.PutObject(key, *bytes, internal::Overwrite::kAllowed, lock));
  return true;
}

}  // namespace

const char* RollBackActionWord(RollBackStep::Action action) {
  switch (action) {
    case Action::kRestore:
      return "restore";
    case Action::kHide:
      return "hide";
    case Action::kNothing:
      break;
  }
  return "nothing";
}

RollBackStep DecideRollBack(const std::vector<StoredVersion>& newest_first, int64_t as_of_ns) {
  if (newest_first.empty()) return {};
  const StoredVersion& current = newest_first.front();
  const StoredVersion* then = nullptr;
  for (const StoredVersion& version : newest_first) {
    if (version.modified_ns <= as_of_ns) {
      then = &version;
      break;
    }
  }
  if (then == nullptr || then->delete_marker) {
    return current.delete_marker ? RollBackStep{} : RollBackStep{Action::kHide};
  }
  if (!current.delete_marker && current.version_id == then->version_id) return {};
  return RollBackStep{Action::kRestore, then->version_id, then->modified_ns};
}

int RollBackPlan::restores() const {
  return static_cast<int>(std::count_if(changes.begin(), changes.end(), [](const auto& c) {
    return c.step.action == Action::kRestore;
  }));
}

int RollBackPlan::hides() const { return static_cast<int>(changes.size()) - restores(); }

RollBack::RollBack(Options options)
    : root_(RootOf(options.location)), client_(std::make_unique<Client>(std::move(options))) {}

RollBack::~RollBack() = default;

Result<RollBackPlan> RollBack::Plan(int64_t as_of_ns) const {
  const Location& where = client_->location();
  STORMPROOF_ASSIGN_OR_RETURN(std::string versioning, client_->BucketVersioning());
  if (versioning.empty()) {
    return Error::InvalidArgument(
        where.ToString() + ": bucket '" + where.bucket +
        "' keeps no object versions (versioning was never enabled): there is nothing to roll "
        "back to");
  }
  Planner planner(root_, as_of_ns);
  STORMPROOF_TRY(
      client_->ListObjectVersions(root_, [&](const ObjectVersion& entry) { planner.Add(entry); }));
  RollBackPlan plan = planner.Finish(client_->ServerNowNs());
  plan.location = where.ToString();
  return plan;
}

Result<std::vector<LiveLock>> RollBack::ListLiveLocks() const {
  Planner locks(root_, 0);
  STORMPROOF_TRY(client_->ListObjectVersions(
      root_ + "locks/", [&](const ObjectVersion& entry) { locks.Add(entry); }));
  return locks.LiveLocks(client_->ServerNowNs());
}

Result<Bytes> RollBack::ReadVersion(const std::string& name, const std::string& version_id) const {
  return client_->GetObjectVersion(root_ + name, version_id);
}

Result<RollBackOutcome> RollBack::Apply(const RollBackPlan& plan,
                                        const std::optional<backend::Retention>& retention,
                                        const RollBackProgressFn& progress,
                                        RollBackLock* held) const {
  if (plan.hides() > 0) STORMPROOF_TRY(HidesRecordable());
  std::optional<ObjectLock> lock = RestoredLock(retention, *client_);
  RollBackOutcome outcome;
  std::atomic<size_t> next{0};
  std::mutex mutex;  // guards outcome, done, markers
  int done = 0;
  std::vector<std::pair<std::string, std::string>> markers;  // the hides' (key, marker)
  const int total = static_cast<int>(plan.changes.size());
  auto work = [&] {
    for (size_t i = next++; i < plan.changes.size(); i = next++) {
      const RollBackChange& change = plan.changes[i];
      if (Status still = held != nullptr ? held->Held() : Ok(); !still) {
        std::lock_guard<std::mutex> guard(mutex);
        if (outcome.lock_lost.empty()) outcome.lock_lost = still.error().message();
        next = plan.changes.size();  // no worker starts another change
        return;
      }
      std::string marker;
      Result<bool> through_here =
          MakeChange(*client_, root_, change, lock ? &*lock : nullptr, &marker);
      std::lock_guard<std::mutex> guard(mutex);
      ++done;
      if (progress) progress({done, total});
      if (!through_here) {
        outcome.failed.push_back({change.name, through_here.error().message()});
        continue;  // one file refused: the others are still put back
      }
      if (!marker.empty() && !change.name.starts_with("locks/")) {
        markers.emplace_back(root_ + change.name, std::move(marker));
      }
      ++(change.step.action == Action::kHide ? outcome.hidden : outcome.restored);
      if (*through_here) ++outcome.copied_through_here;
    }
  };
  std::vector<std::thread> workers;
  for (int t = 0; t < std::min(kParallelChanges, total); ++t) workers.emplace_back(work);
  for (std::thread& worker : workers) worker.join();
  outcome.not_made = total - done;
  std::sort(outcome.failed.begin(), outcome.failed.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  RecordHides(markers, plan.as_of_ns, &outcome);
  return outcome;
}

void RollBack::RecordHidingIn(const backend::Backend::RecordPlace& place) { record_place_ = place; }

namespace {

// The record of stormproof's delete markers at `place` for the repository under `root`, read
// under its lock (a prune on this machine may be saving it); nullptr without a place.
std::unique_ptr<internal::LockedMarkerRecord> OpenMarkers(
    const backend::Backend::RecordPlace& place, const Client& client, const std::string& root) {
  if (place.folder.empty() || place.repository_id.empty()) return nullptr;
  return std::make_unique<internal::LockedMarkerRecord>(
      place.folder, place.repository_id, client.location().ToString(), root);
}

}  // namespace

Status RollBack::HidesRecordable() const {
  auto markers = OpenMarkers(record_place_, *client_, root_);
  if (markers == nullptr) return Ok();
  Status writable = markers->record.Writable();
  if (!writable) return writable.error().WithContext("nothing rolled back");
  return Ok();
}

void RollBack::RecordHides(const std::vector<std::pair<std::string, std::string>>& markers,
                           int64_t as_of_ns, RollBackOutcome* outcome) const {
  if (markers.empty()) return;
  auto locked = OpenMarkers(record_place_, *client_, root_);
  if (locked == nullptr) {
    outcome->record_error = "no record of stormproof's delete markers is kept on this machine "
                            "(no cache or no home folder)";
    return;
  }
  outcome->record_path = locked->path;
  const internal::RecordedMarker hidden{internal::RecordedMarker::Kind::kHiddenByRepair, as_of_ns};
  for (const auto& [key, marker] : markers) locked->record.Add(key, marker, hidden);
  if (Status saved = locked->record.Save(); !saved) {
    outcome->record_error = saved.error().message();
    return;
  }
  outcome->hidden_recorded = static_cast<int>(markers.size());
}

Result<std::unique_ptr<RollBackLock>> RollBack::HoldLock(const std::vector<LiveLock>& ignored,
                                                         RollBackLockTiming timing) const {
  STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<RollBackLock> lock,
                              internal::WriteRollBackLock(*client_, root_, std::move(timing)));
  const std::string first_name = lock->name();
  // Listed after ours is written: a process that wrote its lock before sees ours when it lists,
  // one that writes after ours is seen here (or sees ours and waits).
  Planner locks(root_, 0);
  Status listed = client_->ListObjectVersions(
      root_ + "locks/", [&](const ObjectVersion& entry) { locks.Add(entry); });
  std::vector<LiveLock> live =
      listed ? locks.LiveLocks(client_->ServerNowNs(), first_name) : std::vector<LiveLock>{};
  const std::string current_name = lock->name();  // refreshed meanwhile: a new name
  std::erase_if(live, [&](const LiveLock& other) {
    return other.name == current_name ||
           std::any_of(ignored.begin(), ignored.end(),
                       [&](const LiveLock& i) { return i.name == other.name; });
  });
  if (listed && live.empty()) return lock;
  (void)lock->Release();
  if (!listed) return listed.error().WithContext(client_->location().ToString() + ": listing locks");
  return Error::Locked(client_->location().ToString() + ": " + live.front().name + " written " +
                       FormatRfc3339(live.front().modified_ns) +
                       " while planning: a backup or maintenance job started; stop it and run "
                       "again");
}

}  // namespace stormproof::s3
