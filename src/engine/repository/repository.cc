// Repository: creating and opening a repository, blobs, pack headers and locks. Keys are in
// repository_keys.cc, snapshots in repository_snapshots.cc.
#include "engine/repository/repository.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "core/interrupt.h"
#include "engine/repository/config.h"
#include "engine/repository/encoding.h"
#include "engine/repository/internal/foreign.h"
#include "engine/repository/internal/read_only_storage.h"
#include "engine/repository/index_files.h"
#include "engine/repository/key_file.h"
#include "engine/repository/lock.h"
#include "engine/repository/pack.h"
#include "engine/repository/internal/repository_impl.h"

namespace stormproof::repository {
namespace {

using backend::FileType;

struct UnlockedKey {
  MasterKey master;
  std::string name;
  chunker::Params chunker;  // from the config secret, opened with `master`
};

// Why no key opened. A key file that could not be tried (unreadable, damaged, unusable
// parameters) is named, at most kShownUnusable of them, so that a damaged key is not mistaken for
// a wrong password: "wrong password: no key in R/keys opens with it (and key file R/keys/N is
// damaged: reason)", or without "wrong password" when no key file could be tried at all.
constexpr size_t kShownUnusable = 3;

Error NoKeyOpens(const std::string& keys, size_t tried, const std::vector<std::string>& unusable) {
  if (tried == 0 && unusable.empty()) {
    return Error::FailedCheck(keys + ": no key files (the repository cannot be opened)");
  }
  std::string why;
  for (size_t i = 0; i < unusable.size() && i < kShownUnusable; ++i) {
    why += (i == 0 ? "" : "; ") + unusable[i];
  }
  if (unusable.size() > kShownUnusable) {
    why += "; and " + std::to_string(unusable.size() - kShownUnusable) + " more";
  }
  if (tried == 0) return Error::FailedCheck("no key in " + keys + " can be used: " + why);
  std::string message = "wrong password: no key in " + keys + " opens with it";
  return Error::WrongPassword(unusable.empty() ? message : message + " (and " + why + ")");
}

// The first key that `password` opens and whose master key opens the config's secret: a key file
// copied from another repository (same password, other master key) is passed over. Errors:
// kWrongPassword "wrong password" when no key opens, naming the key files that could not be tried
// (NoKeyOpens); the config secret's error when keys open but none opens the secret (a damaged
// config).
Result<UnlockedKey> UnlockAnyKey(backend::Backend& backend, std::string_view password,
                                 ByteView config_secret) {
  std::vector<std::string> names;
  STORMPROOF_TRY(backend.List(FileType::kKey,
                              [&](const std::string& name, uint64_t) { names.push_back(name); }));
  std::sort(names.begin(), names.end());
  const std::string keys = backend.Location() + "/keys";
  std::optional<Error> secret_error;
  std::vector<std::string> unusable;
  size_t tried = 0;
  for (const std::string& name : names) {
    auto file = backend.Load({FileType::kKey, name});
    if (!file) {
      // Removed since it was listed (key passwd elsewhere): not a problem of this repository.
      if (file.error().code() != ErrorCode::kNotFound) unusable.push_back(file.error().message());
      continue;
    }
    auto key_file = ParseKeyFile(*file);
    if (!key_file) {
      unusable.push_back("key file " + keys + "/" + name +
                         " is damaged: " + key_file.error().message());
      continue;
    }
    auto master = UnlockKeyFile(*key_file, password);
    if (!master) {
      if (master.error().code() == ErrorCode::kWrongPassword) {
        ++tried;
      } else {
        unusable.push_back("key file " + keys + "/" + name +
                           " cannot be used: " + master.error().message());
      }
      continue;
    }
    ++tried;
    auto chunker = OpenConfigSecret(master->encryption, config_secret);
    if (chunker) return UnlockedKey{*master, name, *chunker};
    if (!secret_error) secret_error = chunker.error().WithContext(backend.Location() + "/config");
  }
  if (secret_error) return *secret_error;
  return NoKeyOpens(keys, tried, unusable);
}

// The config's public part. A location holding something else (a restic or borg repository,
// an empty directory) is named for what it is (foreign.h) rather than by the config's error.
Result<ConfigFile> ReadConfig(backend::Backend& backend) {
  auto data = backend.Load({FileType::kConfig, ""});
  if (!data && data.error().code() == ErrorCode::kNotFound) {
    if (auto foreign = IdentifyForeignRepository(backend, nullptr)) return *foreign;
    // Object storage answers a missing bucket with the same not-found as a missing object: a
    // listing tells them apart, so the error names the bucket rather than the config.
    Status listed = backend.List(FileType::kKey, [](const std::string&, uint64_t) {});
    if (!listed && listed.error().code() == ErrorCode::kNotFound) return listed.error();
    return Error::NotFound(backend.Location() + ": not a stormproof repository (no config)");
  }
  if (!data) return data.error();
  auto config = ParseConfig(*data);
  if (!config && config.error().code() == ErrorCode::kFailedCheck) {
    if (auto foreign = IdentifyForeignRepository(backend, &*data)) return *foreign;
  }
  if (!config) return config.error().WithContext(backend.Location() + "/config");
  return config;
}

// Why nothing but locks may be written through `backend`, if so: the config's public part does
// not verify under the master key (whoever changed it could have stripped the retention every
// writer must keep), or it records a retention the storage cannot keep. Otherwise the storage
// now keeps that retention for every file written (Backend::SetRetention).
std::optional<Error> WhyNotWritable(backend::Backend& backend, const ConfigFile& config,
                                    const MasterKey& master) {
  Status authentic = VerifyConfigMac(config, master.encryption);
  if (!authentic) {
    return Error(authentic.error().code(),
                 backend.Location() + "/config: " + authentic.error().message() +
                     ": nothing is written to this repository (`stormproof check` tells more)");
  }
  if (!config.config.object_lock) return std::nullopt;
  Status kept = backend.SetRetention(*config.config.object_lock);
  if (!kept) return kept.error();
  return std::nullopt;
}

std::string BlobWhere(BlobType type, const Id& id, const Id& pack) {
  return std::string(type == BlobType::kTree ? "tree" : "data") + " blob " + id.Hex() +
         " in pack " + pack.Hex();
}

}  // namespace

Repository::Repository() = default;
Repository::~Repository() = default;

Result<std::unique_ptr<Repository>> Repository::Init(std::unique_ptr<backend::Backend> backend,
                                                     std::string_view password) {
  return Init(std::move(backend), password, InitOptions{});
}

Result<std::unique_ptr<Repository>> Repository::Init(std::unique_ptr<backend::Backend> backend,
                                                     std::string_view password,
                                                     const InitOptions& options) {
  std::string location = backend->Location();
  // Before anything is written: storage that cannot keep the retention gets nothing.
  if (options.retention) STORMPROOF_TRY(backend->SetRetention(*options.retention));
  auto existing = backend->Load({FileType::kConfig, ""});
  if (existing) return Error::InvalidArgument(location + ": already a stormproof repository");
  if (existing.error().code() != ErrorCode::kNotFound) return existing.error();
  MasterKey master{crypto::RandomKey(), crypto::RandomKey()};
  Config config = NewConfig(options.retention);
  STORMPROOF_ASSIGN_OR_RETURN(Bytes key_file, NewKeyFile(password, master));
  std::string key_name = RandomFileName();
  // The key first: a config without a key could never be opened.
  STORMPROOF_TRY(backend->Save({FileType::kKey, key_name}, key_file));
  Status configured =
      backend->Save({FileType::kConfig, ""}, EncodeConfig(config, master.encryption));
  if (!configured) {
    // Another process created the repository first (the config is written once): our key
    // would open nothing there.
    (void)backend->Remove({FileType::kKey, key_name});
    if (configured.error().code() == ErrorCode::kInvalidArgument) {
      return Error::InvalidArgument(location + ": already a stormproof repository");
    }
    return configured.error();
  }
  std::unique_ptr<Repository> repo(new Repository());
  backend->SetRecordPlace({.repository_id = config.id.Hex()});  // Backend::SetRecordPlace
  repo->backend_ = std::move(backend);
  repo->id_ = config.id;
  repo->chunker_ = config.chunker;
  repo->retention_ = config.object_lock;
  repo->impl_ = std::make_unique<Impl>(*repo->backend_, master, key_name);
  return repo;
}

Status Repository::Probe(backend::Backend& backend) {
  STORMPROOF_TRY(ReadConfig(backend));
  return Ok();
}

Result<Repository::ProbedConfig> Repository::ProbeConfig(backend::Backend& backend) {
  STORMPROOF_ASSIGN_OR_RETURN(ConfigFile config, ReadConfig(backend));
  ProbedConfig probed;
  probed.file_ = std::make_shared<const ConfigFile>(std::move(config));
  return probed;
}

Result<std::unique_ptr<Repository>> Repository::Open(std::unique_ptr<backend::Backend> backend,
                                                     std::string_view password,
                                                     const OpenOptions& options) {
  ProbedConfig probed = options.probed;
  if (!probed.file_) {
    STORMPROOF_ASSIGN_OR_RETURN(probed, ProbeConfig(*backend));
  }
  const ConfigFile& config = *probed.file_;
  STORMPROOF_ASSIGN_OR_RETURN(UnlockedKey key, UnlockAnyKey(*backend, password, config.secret));
  std::optional<Error> why = WhyNotWritable(*backend, config, key.master);
  backend->SetRecordPlace({.repository_id = config.config.id.Hex()});  // Backend::SetRecordPlace
  if (why) backend = RefuseWrites(std::move(backend), *why);
  std::unique_ptr<Repository> repo(new Repository());
  repo->read_only_reason_ = std::move(why);
  repo->config_verified_ = VerifyConfigMac(config, key.master.encryption).has_value();
  repo->backend_ = std::move(backend);
  repo->id_ = config.config.id;
  repo->chunker_ = key.chunker;
  repo->retention_ = config.config.object_lock;
  repo->impl_ = std::make_unique<Impl>(*repo->backend_, key.master, key.name);
  // Left to the first AcquireLock: its RefreshIndex reads an index never loaded.
  if (options.index == IndexLoad::kUnderFirstLock) return repo;
  Status loaded = repo->impl_->blobs.LoadIndex();
  if (!loaded) return loaded.error().WithContext(repo->backend_->Location());
  return repo;
}

Id Repository::BlobId(ByteView plaintext) const {
  return crypto::KeyedId(impl_->master.id, plaintext);
}

Result<bool> Repository::SaveBlob(BlobType type, const Id& id, ByteView plaintext,
                                  BlobSaveInfo* info) {
  return impl_->blobs.SaveBlob(type, id, plaintext, info);
}

bool Repository::HasBlob(BlobType type, const Id& id) const {
  return impl_->blobs.HasBlob(type, id);
}

std::optional<BlobLocation> Repository::FindBlob(BlobType type, const Id& id) const {
  return impl_->blobs.FindBlob(type, id);
}

std::vector<BlobLocation> Repository::FindBlobLocations(BlobType type, const Id& id) const {
  return impl_->blobs.FindBlobLocations(type, id);
}

std::optional<BlobLocation> Repository::LocateForRead(BlobType type, const Id& id) const {
  return impl_->blobs.LocateForRead(type, id);
}

Result<Bytes> Repository::LoadBlob(BlobType type, const Id& id, IdCheck check) const {
  return impl_->blobs.LoadBlob(type, id, check);
}

Result<Bytes> Repository::LoadBlobAt(BlobType type, const Id& id, const BlobLocation& at,
                                     IdCheck check) const {
  return impl_->blobs.LoadBlobAt(type, id, at, check);
}

void Repository::LoadBlobRun(BlobType type, std::span<const std::pair<Id, BlobLocation>> blobs,
                             IdCheck check,
                             const std::function<void(const Id&, Result<Bytes>)>& each,
                             OtherCopies other_copies) const {
  impl_->blobs.LoadBlobRun(type, blobs, check, each, other_copies);
}

Status Repository::Flush() { return impl_->blobs.Flush(); }

Result<std::vector<std::pair<Id, BlobLocation>>> Repository::ReadPackHeader(const Id& pack) const {
  STORMPROOF_ASSIGN_OR_RETURN(
      auto entries, repository::ReadPackHeader(*backend_, impl_->master.encryption, pack));
  std::vector<std::pair<Id, BlobLocation>> blobs;
  blobs.reserve(entries.size());
  for (const PackEntry& e : entries) {
    blobs.emplace_back(e.id, BlobLocation{pack, e.offset, e.length, e.raw_length, e.type});
  }
  return blobs;
}

Status Repository::VerifyPack(const Id& pack, ByteView pack_bytes,
                              const VerifiedBlobFn& each) const {
  STORMPROOF_ASSIGN_OR_RETURN(ParsedPack parsed,
                              ParsePack(impl_->master.encryption, pack, pack_bytes));
  for (const PackEntry& e : parsed.entries) {
    auto plain = OpenBlob(parsed.key, impl_->master.id, e, pack_bytes.subspan(e.offset, e.length),
                          IdCheck::kRehash);
    BlobLocation at{pack, e.offset, e.length, e.raw_length, e.type};
    if (plain) {
      each(e.id, at, nullptr);
      continue;
    }
    Error error = plain.error().WithContext(BlobWhere(e.type, e.id, pack));
    each(e.id, at, &error);
  }
  return Ok();
}

void Repository::ForEachIndexedBlob(
    const std::function<void(const Id&, const BlobLocation&)>& each) const {
  impl_->blobs.ForEachIndexedBlob(each);
}

void Repository::ForEachIndexedLocation(
    const std::function<void(const Id&, const BlobLocation&)>& each) const {
  impl_->blobs.ForEachIndexedLocation(each);
}

size_t Repository::IndexedBlobCount() const { return impl_->blobs.IndexedBlobCount(); }

std::vector<DamagedFile> Repository::DamagedIndexFiles() const {
  return impl_->blobs.DamagedIndexFiles();
}

IgnoredLocations Repository::IgnoredIndexLocations() const {
  return impl_->blobs.IgnoredIndexLocations();
}

Status Repository::ReloadIndex() const { return impl_->blobs.LoadIndex(); }

Result<IndexListing> Repository::ListIndex() const {
  IndexListing listing;
  STORMPROOF_TRY(impl_->blobs.LoadIndex(&listing));
  std::vector<DamagedFile> damaged = impl_->blobs.DamagedIndexFiles();
  if (!damaged.empty()) {
    return Error::FailedCheck("index " + damaged.front().name + ": " + damaged.front().reason);
  }
  return listing;
}

namespace {

// A lock handed out by Repository::AcquireLock: registered with the Repository while it lives.
class RegisteredLock : public Lock {
 public:
  RegisteredLock(std::unique_ptr<Lock> lock, HeldLocks& held)
      : lock_(std::move(lock)), held_(held) {
    held_.Add(lock_.get());
  }
  ~RegisteredLock() override { held_.Remove(lock_.get()); }
  Status Verify() override { return lock_->Verify(); }
  int64_t storage_time_ns() const override { return lock_->storage_time_ns(); }

 private:
  std::unique_ptr<Lock> lock_;
  HeldLocks& held_;
};

}  // namespace

Result<std::unique_ptr<Lock>> Repository::AcquireLock(LockKind kind, std::chrono::milliseconds wait,
                                                      const LockWaitFn& on_wait) {
  const auto give_up = std::chrono::steady_clock::now() + wait;
  thread_local std::mt19937_64 jitter(std::random_device{}());
  int attempt = 0;
  for (bool first = true;; first = false) {
    ++attempt;
    auto lock = AcquireRepositoryLock(*backend_, impl_->master.encryption, kind, impl_->lock_env);
    if (lock) {
      std::unique_ptr<Lock> held(new RegisteredLock(std::move(lock).value(), impl_->held_locks));
      // Decisions under the lock rest on state read after it was taken.
      Status refreshed = impl_->blobs.RefreshIndex();
      if (!refreshed) return refreshed.error().WithContext(backend_->Location());
      return held;
    }
    if (lock.error().code() != ErrorCode::kLocked) return lock;
    auto now = std::chrono::steady_clock::now();
    if (now >= give_up) return lock;
    if (Interrupted()) {  // core/interrupt.h: stop waiting
      return Error::Interrupted(InterruptionMessage() + "; stopped waiting: " +
                                lock.error().message());
    }
    if (first && on_wait) on_wait(lock.error());
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        LockRetryPause(attempt, jitter()), give_up - now));
  }
}

void Repository::SetLockEnvironment(const LockEnvironment& env) {
  impl_->lock_env = env;
  if (!impl_->lock_env.remover) impl_->lock_env.remover = std::make_shared<LockRemover>();
}

Status Repository::CheckMayDelete() {
  // The probe is a lock file first (no retention): credentials that may not delete are told so.
  STORMPROOF_TRY(impl_->lock_env.remover->CheckMayDelete(*backend_));
  return CheckRemovalsRetained();
}

Status Repository::RefreshIndex() const {
  Status refreshed = impl_->blobs.RefreshIndex();
  if (!refreshed) return refreshed.error().WithContext(backend_->Location());
  return Ok();
}

Status Repository::VerifyLocks() const { return impl_->held_locks.Verify(); }

}  // namespace stormproof::repository
