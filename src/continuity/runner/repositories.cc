// OpenRepositories (jobs.h): each stormproof repository opened once per run, or created (--init).
#include <chrono>
#include <thread>

#include "continuity/runner/internal/jobs.h"
#include "continuity/runner/locations.h"
#include "engine/storage/storage.h"

namespace stormproof::runner::internal {

Result<OpenRepositories::Entry*> OpenRepositories::Get(const std::string& id) {
  Entry* entry;
  {
    MutexLock lock(mutex_);
    std::unique_ptr<Entry>& slot = entries_[id];
    if (!slot) slot = std::make_unique<Entry>();
    entry = slot.get();
  }
  MutexLock lock(entry->open);
  if (!entry->tried) {
    entry->tried = true;
    const plan::RepositorySpec* repository = plan_.FindRepository(id);
    auto opened = repository != nullptr ? Open(*repository)
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

namespace {

// How long `run --init` waits for a repository another process is creating at the same moment.
constexpr auto kCreationWait = std::chrono::seconds(30);

// Where a repository is and how storage reaches it (access::RepositoryLocation and
// access::RepositoryStorage).
struct Place {
  std::string location;
  storage::StorageOptions storage;
};

Result<std::unique_ptr<repository::Repository>> Create(const Place& place,
                                                       const std::string& password) {
  STORMPROOF_ASSIGN_OR_RETURN(auto backend,
                              storage::CreateBackendAt(place.location, place.storage));
  return repository::Repository::Init(std::move(backend), password);
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
    auto created = Create(place, *password);
    if (created) return created;
    // kInvalidArgument: another process made the directory (or wrote under the prefix) or the
    // config first; open theirs.
    if (created.error().code() != ErrorCode::kInvalidArgument) {
      return created.error().WithContext(what);
    }
  }
  auto opened = OpenOnceCreated(place, *password, create);
  if (!opened) return opened.error().WithContext(what);
  return opened;
}

}  // namespace stormproof::runner::internal
