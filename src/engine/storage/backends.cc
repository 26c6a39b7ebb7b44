// Creating and opening a repository's storage at a location (storage.h).
#include <filesystem>
#include <string>
#include <utility>

#include "engine/cache/cache.h"
#include "engine/storage/storage.h"

namespace stormproof::storage {
namespace {

enum class Mode { kCreate, kOpen };

// `backend` with a cache in a new private folder under the temporary directory, removed when the
// backend is destroyed (or, after a kill, by the next fresh cache). Without such a folder: no
// cache.
Result<std::unique_ptr<backend::Backend>> WithFreshCache(
    std::unique_ptr<backend::Backend> backend) {
  std::string folder = cache::NewFreshCacheFolder();
  if (folder.empty()) return backend;
  cache::CacheOptions options;
  options.directory = folder;
  options.remove_when_done = true;
  return cache::NewCachingBackend(std::move(backend), std::move(options));
}

Result<std::unique_ptr<backend::Backend>> S3BackendAt(const s3::Location& location,
                                                      const StorageOptions& options, Mode mode) {
  STORMPROOF_ASSIGN_OR_RETURN(s3::Options s3, S3OptionsFor(location, options));
  STORMPROOF_ASSIGN_OR_RETURN(
      std::unique_ptr<backend::Backend> backend,
      mode == Mode::kCreate ? s3::CreateBackend(std::move(s3)) : s3::OpenBackend(std::move(s3)));
  if (options.no_cache) return backend;
  if (options.fresh_cache) return WithFreshCache(std::move(backend));
  const std::string root =
      options.cache_dir.empty() ? cache::DefaultCacheRoot() : options.cache_dir;
  if (root.empty()) {
    // Without a cache there is no record of delete markers: say why (Backend::SetRecordPlace).
    backend->SetRecordPlace({.none_because = "no cache folder: neither --cache-dir, "
                                             "XDG_CACHE_HOME nor HOME is set (nor a home "
                                             "directory for this user); set HOME"});
    return backend;
  }
  return cache::NewCachingBackend(std::move(backend), {CacheFolderFor(root, location)});
}

Result<std::unique_ptr<backend::Backend>> BackendAt(const std::string& text,
                                                    const StorageOptions& options, Mode mode) {
  STORMPROOF_ASSIGN_OR_RETURN(Location location, ParseLocation(text));
  if (location.kind == LocationKind::kS3) return S3BackendAt(location.s3, options, mode);
  return mode == Mode::kCreate ? backend::CreateLocalBackend(location.path)
                               : backend::OpenLocalBackend(location.path);
}

}  // namespace

Result<s3::Options> S3OptionsFor(const s3::Location& location, const StorageOptions& options,
                                 std::string* source) {
  if (!options.s3_setup_error.empty()) {
    return Error::InvalidArgument(location.ToString() + ": " + options.s3_setup_error);
  }
  Result<s3::ResolvedCredentials> resolved = s3::ResolveCredentials(options.credentials);
  if (!resolved) {
    return Error::InvalidArgument(location.ToString() + ": " + resolved.error().message());
  }
  if (source != nullptr) *source = resolved->source;
  s3::Options s3;
  s3.location = location;
  s3.region = resolved->region;
  s3.credentials = std::move(resolved->credentials);
  s3.addressing = options.addressing;
  s3.ca_file = options.ca_file;
  s3.insecure_tls = options.insecure_tls;
  s3.create_with_object_lock = options.create_with_object_lock;
  return s3;
}

Result<std::unique_ptr<backend::Backend>> CreateBackendAt(const std::string& location,
                                                          const StorageOptions& options) {
  return BackendAt(location, options, Mode::kCreate);
}

Result<std::unique_ptr<backend::Backend>> OpenBackendAt(const std::string& location,
                                                        const StorageOptions& options) {
  return BackendAt(location, options, Mode::kOpen);
}

Result<bool> NothingStoredAt(const std::string& text, const StorageOptions& options) {
  STORMPROOF_ASSIGN_OR_RETURN(Location location, ParseLocation(text));
  if (location.kind == LocationKind::kLocal) {
    std::error_code ec;
    if (!std::filesystem::exists(location.path, ec)) return true;
    return std::filesystem::is_directory(location.path, ec) &&
           std::filesystem::is_empty(location.path, ec);
  }
  StorageOptions uncached = options;  // only lists: no cache folder for a location still empty
  uncached.no_cache = true;
  auto backend = S3BackendAt(location.s3, uncached, Mode::kOpen);
  if (!backend) return backend.error();
  Result<bool> nothing = HoldsNothing(**backend);
  // A listing's kNotFound: no bucket (opening asks nothing; the first request finds it out).
  if (!nothing && nothing.error().code() == ErrorCode::kNotFound) return true;
  return nothing;
}

Result<bool> HoldsNothing(const backend::Backend& backend) {
  using backend::FileType;
  if (backend.Size({FileType::kConfig, ""})) return false;
  bool found = false;
  for (FileType type : {FileType::kKey, FileType::kLock, FileType::kSnapshot, FileType::kIndex,
                        FileType::kPack, FileType::kEvidence}) {
    STORMPROOF_TRY(backend.List(type, [&](const std::string&, uint64_t) { found = true; }));
    if (found) return false;
  }
  return true;
}

std::string CacheFolderFor(const std::string& cache_root, const s3::Location& location) {
  return cache::RepositoryCacheDirectory(cache_root, location.ToString());
}

}  // namespace stormproof::storage
