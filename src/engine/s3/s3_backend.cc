// backend::Backend over an S3 bucket: one object per repository file, under the location's
// prefix, at the path the local backend would use (engine/backend/layout.h).
#include <algorithm>
#include <chrono>
#include <memory>

#include "core/time.h"
#include "engine/backend/crash_points.h"
#include "engine/backend/layout.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/internal/options_hook.h"
#include "engine/s3/s3.h"

namespace stormproof::s3 {
namespace {

using backend::FileType;
using backend::Handle;
using internal::Client;

class S3Backend : public backend::Backend {
 public:
  explicit S3Backend(Options options)
      : parallel_saves_(std::max(1, options.max_in_flight / 2)), client_(std::move(options)) {
    const std::string& prefix = client_.location().prefix;
    root_ = prefix.empty() ? "" : prefix + "/";
  }

  Status Save(const Handle& handle, ByteView data) override;
  Result<Bytes> Load(const Handle& handle, uint64_t offset, uint64_t length) const override;
  Result<uint64_t> Size(const Handle& handle) const override;
  Result<int64_t> ModifiedNs(const Handle& handle) const override;
  Status Remove(const Handle& handle) override;
  Status List(FileType type,
              const std::function<void(const std::string&, uint64_t)>& each) const override;
  Status RemoveStaleTemporaries(FileType type, std::chrono::seconds min_age,
                                TemporaryFiles* stats) override;
  std::string Location() const override { return client_.location().ToString(); }
  // Half the requests the client lets in flight: pack uploads overlap, and loads (the index,
  // trees) still find a free slot meanwhile.
  int ParallelSaves() const override { return parallel_saves_; }

  Client& client() { return client_; }
  // The key of every object of this repository starts with this ("" or "prefix/").
  const std::string& root() const { return root_; }

 private:
  std::string KeyOf(const Handle& handle) const { return root_ + backend::RelativePath(handle); }
  // "prefix/snapshots/", "prefix/data/": where List looks for `type`.
  std::string DirectoryKey(FileType type) const { return root_ + backend::DirectoryOf(type) + "/"; }
  // The name of a listed object under DirectoryKey(type), or "" when it is not a file of `type`
  // (a stray object, a nested key, a pack outside its fan-out directory).
  static std::string NameOf(FileType type, std::string_view relative);

  const int parallel_saves_;  // before client_, which takes the options
  Client client_;
  std::string root_;
};

Status S3Backend::Save(const Handle& handle, ByteView data) {
  STORMPROOF_TRY(backend::ValidateHandle(handle));
  // The config is written once: If-None-Match: * makes the server refuse a second writer (AWS
  // S3 and Ceph RGW honour it), so two concurrent `init`s cannot both win.
  auto overwrite = handle.type == FileType::kConfig ? internal::Overwrite::kForbidden
                                                    : internal::Overwrite::kAllowed;
  // Crash points (engine/backend/crash_points.h): a PUT is atomic, so a process killed before
  // it leaves no object and one killed after it the whole object.
  STORMPROOF_TRY(backend::CrashPoint("s3 put: before the request"));
  STORMPROOF_TRY(client_.PutObject(KeyOf(handle), data, overwrite));
  return backend::CrashPoint("s3 put: stored");
}

Result<Bytes> S3Backend::Load(const Handle& handle, uint64_t offset, uint64_t length) const {
  STORMPROOF_TRY(backend::ValidateHandle(handle));
  std::string key = KeyOf(handle);
  STORMPROOF_ASSIGN_OR_RETURN(internal::ObjectRange got, client_.GetObject(key, offset, length));
  STORMPROOF_ASSIGN_OR_RETURN(
      backend::ByteRange range,
      backend::ResolveRange(client_.Describe(key), got.object_size, offset, length));
  if (got.data.size() != range.length) {
    return Error::Io(client_.Describe(key) + ": short read: got " +
                     std::to_string(got.data.size()) + " bytes, expected " +
                     std::to_string(range.length));
  }
  return std::move(got.data);
}

Result<uint64_t> S3Backend::Size(const Handle& handle) const {
  STORMPROOF_TRY(backend::ValidateHandle(handle));
  STORMPROOF_ASSIGN_OR_RETURN(internal::ObjectInfo info, client_.HeadObject(KeyOf(handle)));
  return info.size;
}

Result<int64_t> S3Backend::ModifiedNs(const Handle& handle) const {
  STORMPROOF_TRY(backend::ValidateHandle(handle));
  STORMPROOF_ASSIGN_OR_RETURN(internal::ObjectInfo info, client_.HeadObject(KeyOf(handle)));
  return info.modified_ns;
}

Status S3Backend::Remove(const Handle& handle) {
  STORMPROOF_TRY(backend::ValidateHandle(handle));
  STORMPROOF_TRY(backend::CrashPoint("s3 delete: before the request"));
  STORMPROOF_TRY(client_.DeleteObject(KeyOf(handle)));
  return backend::CrashPoint("s3 delete: deleted");
}

std::string S3Backend::NameOf(FileType type, std::string_view relative) {
  std::string_view name = relative;
  if (type == FileType::kPack) {
    // "ab/abcdef...": the name must sit in the directory of its first two digits.
    if (relative.size() < 4 || relative[2] != '/') return "";
    name = relative.substr(3);
    if (!name.starts_with(relative.substr(0, 2))) return "";
  }
  Handle handle{type, std::string(name)};
  if (!backend::ValidateHandle(handle)) return "";
  return handle.name;
}

Status S3Backend::List(FileType type,
                       const std::function<void(const std::string&, uint64_t)>& each) const {
  if (type == FileType::kConfig) {
    Result<uint64_t> size = Size(Handle{FileType::kConfig, ""});
    if (size) each("config", *size);
    if (size || size.error().code() == ErrorCode::kNotFound) return Ok();
    return size.error();
  }
  const std::string directory = DirectoryKey(type);
  return client_.ListObjects(directory, [&](const internal::ListedObject& object) {
    // A key outside the directory asked for (a broken or hostile server) is not ours.
    if (!object.key.starts_with(directory)) return;
    std::string name = NameOf(type, std::string_view(object.key).substr(directory.size()));
    if (!name.empty()) each(name, object.size);
  });
}

Status S3Backend::RemoveStaleTemporaries(FileType type, std::chrono::seconds min_age,
                                         TemporaryFiles* stats) {
  // A PUT leaves nothing behind; an interrupted multipart upload does, until it is aborted.
  std::string directory = type == FileType::kConfig ? root_ + "config" : DirectoryKey(type);
  int64_t server_now = 0;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<internal::MultipartUpload> uploads,
                              client_.ListMultipartUploads(directory, &server_now));
  const int64_t min_age_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(min_age).count();
  for (const internal::MultipartUpload& upload : uploads) {
    // A server that ignores the prefix must not make us abort another repository's uploads.
    if (!upload.key.starts_with(directory)) continue;
    // The server's Date has whole seconds; Initiated may have milliseconds: compare seconds.
    Result<int64_t> initiated = ParseRfc3339(upload.initiated);
    if (!initiated || server_now - FloorSeconds(*initiated) * kNsPerSecond < min_age_ns) continue;
    STORMPROOF_TRY(client_.AbortMultipartUpload(upload.key, upload.upload_id));
    if (stats != nullptr) ++stats->files;  // the size of its parts is not listed
  }
  return Ok();
}

Result<std::unique_ptr<S3Backend>> Connect(Options options) {
  if (options.credentials.access_key_id.empty()) {
    return Error::NotFound(options.location.ToString() +
                           ": no S3 credentials: set AWS_ACCESS_KEY_ID and "
                           "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the plan's credentials_file");
  }
  if (internal::OptionsHook hook = internal::GetOptionsHook()) hook(options);
  return std::make_unique<S3Backend>(std::move(options));
}

}  // namespace

Result<std::unique_ptr<backend::Backend>> CreateBackend(Options options) {
  STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<S3Backend> s3, Connect(std::move(options)));
  Client& client = s3->client();
  Status exists = client.CheckBucket();
  if (!exists && exists.error().code() == ErrorCode::kNotFound) {
    STORMPROOF_TRY(client.CreateBucket());
  } else if (!exists) {
    return exists.error();
  }
  bool empty = true;
  STORMPROOF_TRY(client.ListObjects(
      s3->root(), [&](const internal::ListedObject&) { empty = false; }, 1));
  if (!empty) {
    return Error::InvalidArgument(s3->Location() +
                                  ": not empty: choose an empty bucket or another prefix");
  }
  return std::unique_ptr<backend::Backend>(std::move(s3));
}

Result<std::unique_ptr<backend::Backend>> OpenBackend(Options options) {
  STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<S3Backend> s3, Connect(std::move(options)));
  return std::unique_ptr<backend::Backend>(std::move(s3));
}

}  // namespace stormproof::s3
