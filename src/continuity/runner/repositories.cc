// OpenRepositories (jobs.h): each stormproof repository opened once per run, or created (--init).
#include <chrono>
#include <thread>

#include "continuity/runner/immutability.h"
#include "continuity/runner/internal/jobs.h"
#include "continuity/runner/locations.h"
#include "engine/storage/storage.h"

namespace stormproof::runner::internal {

Result<OpenRepositories::Entry*> OpenRepositories::Get(const std::string& id,
                                                       Credentials credentials) {
  const plan::RepositorySpec* repository = plan_.FindRepository(id);
  // The repository as the job sees it: with maintenance credentials when asked and given.
  std::optional<plan::RepositorySpec> spec;
  if (repository != nullptr) spec = *repository;
  bool maintenance = credentials == Credentials::kMaintenance && spec &&
                     !spec->maintenance_credentials_file.empty();
  if (maintenance) spec->credentials_file = spec->maintenance_credentials_file;
  Entry* entry;
  {
    MutexLock lock(mutex_);
    std::unique_ptr<Entry>& slot = entries_[EntryKey(id, credentials)];
    if (!slot) slot = std::make_unique<Entry>();
    entry = slot.get();
  }
  MutexLock lock(entry->open);
  if (!entry->tried) {
    entry->tried = true;
    auto opened = spec ? Open(*spec)
                       : Result<std::unique_ptr<repository::Repository>>(
                             Error::NotFound("no repository '" + id + "'"));
    if (opened) {
      entry->repo = std::move(opened).value();
    } else {
      entry->error = opened.error();
    }
  }
  if (entry->error) return *entry->error;
  return entry;
}

std::string OpenRepositories::EntryKey(const std::string& id, Credentials credentials) const {
  const plan::RepositorySpec* spec = plan_.FindRepository(id);
  bool maintenance = credentials == Credentials::kMaintenance && spec != nullptr &&
                     !spec->maintenance_credentials_file.empty();
  return maintenance ? id + "\n(maintenance)" : id;
}

void OpenRepositories::UseForTesting(const std::string& id, Credentials credentials,
                                     std::unique_ptr<repository::Repository> repo) {
  MutexLock lock(mutex_);
  std::unique_ptr<Entry>& slot = entries_[EntryKey(id, credentials)];
  slot = std::make_unique<Entry>();
  MutexLock open(slot->open);
  slot->tried = true;
  slot->repo = std::move(repo);
}

namespace {

// How long `run --init` waits for a repository another process is creating at the same moment.
constexpr auto kCreationWait = std::chrono::seconds(30);

// Where a repository is and how storage reaches it (access::RepositoryLocation and
// access::RepositoryStorage).
struct Place {
  std::string location;
  storage::StorageOptions storage;
};

// The plan's object_lock as the repository's retention.
repository::Repository::InitOptions InitOptionsOf(const plan::RepositorySpec& repository) {
  repository::Repository::InitOptions options;
  options.retention = PlanRetention(repository);
  return options;
}

// Creates the repository. Sets *refused when the storage refused the plan's object_lock (then
// the error is no sign of another process creating it at the same moment).
Result<std::unique_ptr<repository::Repository>> Create(const Place& place,
                                                       const plan::RepositorySpec& repository,
                                                       const std::string& password,
                                                       bool* refused) {
  storage::StorageOptions storage = place.storage;
  // A bucket `run --init` creates for an object_lock gets Object Lock (only possible then).
  storage.create_with_object_lock = repository.object_lock.has_value();
  STORMPROOF_ASSIGN_OR_RETURN(auto backend, storage::CreateBackendAt(place.location, storage));
  repository::Repository::InitOptions options = InitOptionsOf(repository);
  if (options.retention) {
    Status kept = backend->SetRetention(*options.retention);
    *refused = !kept;
    if (!kept) return kept.error().WithContext("object_lock");
  }
  return repository::Repository::Init(std::move(backend), password, options);
}

// Opens the repository at `place`; with `creating_elsewhere`, storage that has no config yet is
// a repository another process is creating: wait for it (up to kCreationWait).
Result<std::unique_ptr<repository::Repository>> OpenOnceCreated(const Place& place,
                                                                const std::string& password,
                                                                bool creating_elsewhere) {
  const auto give_up = std::chrono::steady_clock::now() + kCreationWait;
  for (;;) {
    auto backend = storage::OpenBackendAt(place.location, place.storage);
    if (!backend) return backend.error();
    auto opened = repository::Repository::Open(std::move(backend).value(), password);
    if (opened || !creating_elsewhere || opened.error().code() != ErrorCode::kNotFound ||
        std::chrono::steady_clock::now() >= give_up) {
      return opened;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

Result<std::unique_ptr<repository::Repository>> OpenRepositories::Open(
    const plan::RepositorySpec& repository) {
  auto location = access::RepositoryLocation(repository, options_.access);
  if (!location) return location.error();
  const Place place{*location, access::RepositoryStorage(repository, options_.access)};
  std::string what = "repository " + repository.id + " (" + place.location + ")";
  auto password = access::RepositoryPassword(repository, options_.access);
  if (!password) return password.error();
  const bool create = options_.missing == MissingRepository::kCreate;
  Result<bool> nothing_there = storage::NothingStoredAt(place.location, place.storage);
  if (!nothing_there) return nothing_there.error().WithContext(what);
  if (*nothing_there) {
    if (!create) {
      return Error::NotFound(what +
                             " does not exist: create it with 'stormproof run --init' or "
                             "'stormproof init'");
    }
    bool refused = false;
    // Created by the bucket's owner: with the maintenance credentials when the plan gives them
    // (credentials_file may be a backup host's upload-only ones, which must not own the bucket).
    plan::RepositorySpec owner = repository;
    if (!repository.maintenance_credentials_file.empty()) {
      owner.credentials_file = repository.maintenance_credentials_file;
    }
    const Place owner_place{place.location, access::RepositoryStorage(owner, options_.access)};
    auto created = Create(owner_place, repository, *password, &refused);
    if (created) return created;
    // kInvalidArgument: another process made the directory (or wrote under the prefix) or the
    // config first; open theirs.
    if (refused || created.error().code() != ErrorCode::kInvalidArgument) {
      return created.error().WithContext(what);
    }
  }
  auto opened = OpenOnceCreated(place, *password, create);
  if (!opened) return opened.error().WithContext(what);
  return opened;
}

Status CheckRetention(const JobContext& context, const std::string& repository,
                      const repository::Repository& repo) {
  const plan::RepositorySpec* spec = context.plan.FindRepository(repository);
  if (spec == nullptr || !spec->object_lock) return Ok();
  std::optional<std::string> weaker = s3::WeakerRetention(repo.retention(), *PlanRetention(*spec));
  if (!weaker) return Ok();
  return Error::FailedCheck("repository " + repository + ": " + *weaker +
                            ": nothing is written (was the config replaced? see "
                            "docs/object-storage.md)");
}

}  // namespace stormproof::runner::internal
