// Repository::Impl: the state behind a Repository (the master key, the key it was opened with,
// the blob store). Internal to the repository library. Thread-safe.
#ifndef STORMPROOF_REPOSITORY_REPOSITORY_IMPL_H_
#define STORMPROOF_REPOSITORY_REPOSITORY_IMPL_H_

#include <mutex>
#include <string>

#include "backend/backend.h"
#include "repository/blob_store.h"
#include "repository/repository.h"
#include "repository/sealed_file.h"

namespace stormproof::repository {

class Repository::Impl {
 public:
  Impl(backend::Backend& backend, const MasterKey& master_key, std::string opened_key)
      : master(master_key),
        blobs(backend, master_key, BlobStore::Options()),
        key_name_(std::move(opened_key)) {}

  std::string key_name() const {
    std::lock_guard lock(key_mu_);
    return key_name_;
  }
  void set_key_name(std::string name) {
    std::lock_guard lock(key_mu_);
    key_name_ = std::move(name);
  }

  const MasterKey master;
  BlobStore blobs;

 private:
  mutable std::mutex key_mu_;
  std::string key_name_;  // the key file this Repository was opened with; guarded by key_mu_
};

}  // namespace stormproof::repository

#endif  // STORMPROOF_REPOSITORY_REPOSITORY_IMPL_H_
