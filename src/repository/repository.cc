// Repository: creating and opening a repository, blobs, pack headers and locks. Keys are in
// repository_keys.cc, snapshots in repository_snapshots.cc.
#include "repository/repository.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include "repository/config.h"
#include "repository/encoding.h"
#include "repository/key_file.h"
#include "repository/lock.h"
#include "repository/pack.h"
#include "repository/repository_impl.h"

namespace stormproof::repository {
namespace {

using backend::FileType;

struct UnlockedKey {
  MasterKey master;
  std::string name;
  chunker::Params chunker;  // from the config secret, opened with `master`
};

// The first key that `password` opens and whose master key opens the config's secret: a key file
// copied from another repository (same password, other master key) is passed over. Errors:
// kFailedCheck "wrong password" when no key opens; the config secret's error when keys open but
// none opens the secret (a damaged config).
Result<UnlockedKey> UnlockAnyKey(backend::Backend& backend, std::string_view password,
                                 ByteView config_secret) {
  std::vector<std::string> names;
  STORMPROOF_TRY(backend.List(FileType::kKey,
                              [&](const std::string& name, uint64_t) { names.push_back(name); }));
  std::sort(names.begin(), names.end());
  std::optional<Error> secret_error;
  for (const std::string& name : names) {
    auto file = backend.Load({FileType::kKey, name});
    if (!file) continue;
    auto key_file = ParseKeyFile(*file);
    if (!key_file) continue;
    auto master = UnlockKeyFile(*key_file, password);
    if (!master) continue;
    auto chunker = OpenConfigSecret(master->encryption, config_secret);
    if (chunker) return UnlockedKey{*master, name, *chunker};
    if (!secret_error) secret_error = chunker.error().WithContext(backend.Location() + "/config");
  }
  if (secret_error) return *secret_error;
  return Error::FailedCheck("wrong password: no key in " + backend.Location() +
                            "/keys opens with it");
}

Result<ConfigFile> ReadConfig(backend::Backend& backend) {
  auto data = backend.Load({FileType::kConfig, ""});
  if (!data && data.error().code() == ErrorCode::kNotFound) {
    return Error::NotFound(backend.Location() + ": not a stormproof repository (no config)");
  }
  if (!data) return data.error();
  auto config = ParseConfig(*data);
  if (!config) return config.error().WithContext(backend.Location() + "/config");
  return config;
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
  std::string location = backend->Location();
  auto existing = backend->Load({FileType::kConfig, ""});
  if (existing) return Error::InvalidArgument(location + ": already a stormproof repository");
  if (existing.error().code() != ErrorCode::kNotFound) return existing.error();
  MasterKey master{crypto::RandomKey(), crypto::RandomKey()};
  Config config = NewConfig();
  STORMPROOF_ASSIGN_OR_RETURN(Bytes key_file, NewKeyFile(password, master));
  std::string key_name = RandomFileName();
  // The key first: a config without a key could never be opened.
  STORMPROOF_TRY(backend->Save({FileType::kKey, key_name}, key_file));
  STORMPROOF_TRY(backend->Save({FileType::kConfig, ""}, EncodeConfig(config, master.encryption)));
  std::unique_ptr<Repository> repo(new Repository());
  repo->backend_ = std::move(backend);
  repo->id_ = config.id;
  repo->chunker_ = config.chunker;
  repo->impl_ = std::make_unique<Impl>(*repo->backend_, master, key_name);
  return repo;
}

Result<std::unique_ptr<Repository>> Repository::Open(std::unique_ptr<backend::Backend> backend,
                                                     std::string_view password) {
  STORMPROOF_ASSIGN_OR_RETURN(ConfigFile config, ReadConfig(*backend));
  STORMPROOF_ASSIGN_OR_RETURN(UnlockedKey key, UnlockAnyKey(*backend, password, config.secret));
  std::unique_ptr<Repository> repo(new Repository());
  repo->backend_ = std::move(backend);
  repo->id_ = config.config.id;
  repo->chunker_ = key.chunker;
  repo->impl_ = std::make_unique<Impl>(*repo->backend_, key.master, key.name);
  Status loaded = repo->impl_->blobs.LoadIndex();
  if (!loaded) return loaded.error().WithContext(repo->backend_->Location());
  return repo;
}

Id Repository::BlobId(ByteView plaintext) const {
  return crypto::KeyedId(impl_->master.id, plaintext);
}

Result<bool> Repository::SaveBlob(BlobType type, const Id& id, ByteView plaintext) {
  return impl_->blobs.SaveBlob(type, id, plaintext);
}

bool Repository::HasBlob(BlobType type, const Id& id) const {
  return impl_->blobs.HasBlob(type, id);
}

std::optional<BlobLocation> Repository::FindBlob(BlobType type, const Id& id) const {
  return impl_->blobs.FindBlob(type, id);
}

Result<Bytes> Repository::LoadBlob(BlobType type, const Id& id, IdCheck check) const {
  return impl_->blobs.LoadBlob(type, id, check);
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

size_t Repository::IndexedBlobCount() const { return impl_->blobs.IndexedBlobCount(); }

Result<std::unique_ptr<Lock>> Repository::AcquireLock(LockKind kind, std::chrono::milliseconds wait,
                                                      const LockWaitFn& on_wait) {
  using std::chrono::milliseconds;
  const auto give_up = std::chrono::steady_clock::now() + wait;
  milliseconds pause(100);
  for (bool first = true;; first = false) {
    auto lock = AcquireRepositoryLock(*backend_, impl_->master.encryption, kind);
    if (lock || lock.error().code() != ErrorCode::kLocked) return lock;
    auto now = std::chrono::steady_clock::now();
    if (now >= give_up) return lock;
    if (first && on_wait) on_wait(lock.error());
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(pause, give_up - now));
    pause = std::min(pause * 2, milliseconds(5000));
  }
}

}  // namespace stormproof::repository
