// OpenRepositories (jobs.h): each stormproof repository opened once per run, or created (--init).
#include <filesystem>

#include "backend/backend.h"
#include "schedule/jobs.h"
#include "schedule/locations.h"

namespace stormproof::schedule::internal {
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
    std::lock_guard<std::mutex> lock(mutex_);
    std::unique_ptr<Entry>& slot = entries_[id];
    if (!slot) slot = std::make_unique<Entry>();
    entry = slot.get();
  }
  std::lock_guard<std::mutex> lock(entry->open);
  if (!entry->tried) {
    entry->tried = true;
    const plan::Repository* repository = plan_.FindRepository(id);
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

Result<std::unique_ptr<repository::Repository>> OpenRepositories::Open(
    const plan::Repository& repository) {
  auto host_path = drill::RepositoryHostPath(repository, options_.access);
  if (!host_path) return host_path.error();
  const std::string& path = *host_path;
  std::string what = "repository " + repository.id + " (" + path + ")";
  auto password = drill::RepositoryPassword(repository, options_.access);
  if (!password) return password.error();
  if (AbsentOrEmpty(path)) {
    if (options_.missing == MissingRepository::kFail) {
      return Error::NotFound(what +
                             " does not exist: create it with 'stormproof run --init' or "
                             "'stormproof init'");
    }
    auto backend = backend::CreateLocalBackend(path);
    if (!backend) return backend.error().WithContext(what);
    auto created = repository::Repository::Init(std::move(backend).value(), *password);
    if (!created) return created.error().WithContext(what);
    return created;
  }
  auto backend = backend::OpenLocalBackend(path);
  if (!backend) return backend.error().WithContext(what);
  auto opened = repository::Repository::Open(std::move(backend).value(), *password);
  if (!opened) return opened.error().WithContext(what);
  return opened;
}

}  // namespace stormproof::schedule::internal
