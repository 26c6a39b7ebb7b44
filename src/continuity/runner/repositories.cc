// OpenRepositories (jobs.h): each stormproof repository opened once per run, or created (--init).
#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/backend/backend.h"
#include "continuity/runner/internal/jobs.h"
#include "continuity/runner/locations.h"

namespace stormproof::runner::internal {
namespace {

namespace fs = std::filesystem;

bool AbsentOrEmpty(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return true;
  return fs::is_directory(path, ec) && fs::is_empty(path, ec);
}

}  // namespace

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

Result<std::unique_ptr<repository::Repository>> Create(const std::string& path,
                                                       const std::string& password) {
  STORMPROOF_ASSIGN_OR_RETURN(auto backend, backend::CreateLocalBackend(path));
  return repository::Repository::Init(std::move(backend), password);
}

// Opens the repository at `path`; with `creating_elsewhere`, a directory that has no config yet
// is one another process is creating: wait for it (up to kCreationWait).
Result<std::unique_ptr<repository::Repository>> OpenOnceCreated(const std::string& path,
                                                                const std::string& password,
                                                                bool creating_elsewhere) {
  const auto give_up = std::chrono::steady_clock::now() + kCreationWait;
  for (;;) {
    auto backend = backend::OpenLocalBackend(path);
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
  auto host_path = access::RepositoryHostPath(repository, options_.access);
  if (!host_path) return host_path.error();
  const std::string& path = *host_path;
  std::string what = "repository " + repository.id + " (" + path + ")";
  auto password = access::RepositoryPassword(repository, options_.access);
  if (!password) return password.error();
  const bool create = options_.missing == MissingRepository::kCreate;
  if (AbsentOrEmpty(path)) {
    if (!create) {
      return Error::NotFound(what +
                             " does not exist: create it with 'stormproof run --init' or "
                             "'stormproof init'");
    }
    auto created = Create(path, *password);
    if (created) return created;
    // kInvalidArgument: another process made the directory or the config first; open theirs.
    if (created.error().code() != ErrorCode::kInvalidArgument) {
      return created.error().WithContext(what);
    }
  }
  auto opened = OpenOnceCreated(path, *password, create);
  if (!opened) return opened.error().WithContext(what);
  return opened;
}

}  // namespace stormproof::runner::internal
