// Repository: several passwords (key files) for one master key, and verifying the plaintext
// files (key files and config) for check.
#include <algorithm>

#include "engine/repository/config.h"
#include "engine/repository/encoding.h"
#include "engine/repository/key_file.h"
#include "engine/repository/repository.h"
#include "engine/repository/internal/repository_impl.h"

namespace stormproof::repository {
namespace {

using backend::FileType;

Result<std::vector<std::string>> KeyNames(backend::Backend& backend) {
  std::vector<std::string> names;
  STORMPROOF_TRY(backend.List(FileType::kKey,
                              [&](const std::string& name, uint64_t) { names.push_back(name); }));
  return names;
}

// Removes key file `name` and lists keys/ to see it gone: a DELETE the server answered but did
// not carry out is an error too (kIo).
Status RemoveKeyFile(backend::Backend& backend, const std::string& name) {
  STORMPROOF_TRY(backend.Remove({FileType::kKey, name}));
  STORMPROOF_ASSIGN_OR_RETURN(auto names, KeyNames(backend));
  if (std::find(names.begin(), names.end(), name) != names.end()) {
    return Error::Io(backend.Location() + "/keys/" + name +
                     ": still listed after the storage accepted its deletion");
  }
  return Ok();
}

}  // namespace

Result<std::string> Repository::AddKey(std::string_view new_password) {
  STORMPROOF_ASSIGN_OR_RETURN(Bytes file, NewKeyFile(new_password, impl_->master));
  std::string name = RandomFileName();
  STORMPROOF_TRY(backend_->Save({FileType::kKey, name}, file));
  return name;
}

Result<std::vector<KeyInfo>> Repository::ListKeys() const {
  STORMPROOF_ASSIGN_OR_RETURN(auto names, KeyNames(*backend_));
  std::string current = impl_->key_name();
  std::vector<KeyInfo> keys;
  for (const std::string& name : names) {
    KeyInfo info{name, "", "", 0, name == current};
    auto file = backend_->Load({FileType::kKey, name});
    auto parsed = file ? ParseKeyFile(*file) : Result<KeyFile>(file.error());
    if (parsed) {
      info.hostname = parsed->hostname;
      info.username = parsed->username;
      info.created_ns = parsed->created_ns;
    }
    keys.push_back(std::move(info));
  }
  std::sort(keys.begin(), keys.end(), [](const KeyInfo& a, const KeyInfo& b) {
    return std::tie(a.created_ns, a.name) < std::tie(b.created_ns, b.name);
  });
  return keys;
}

Status Repository::RemoveKey(const std::string& name) {
  if (name == impl_->key_name()) {
    return Error::InvalidArgument("cannot remove key " + name +
                                  ": the repository was opened with it");
  }
  STORMPROOF_ASSIGN_OR_RETURN(auto names, KeyNames(*backend_));
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    return Error::NotFound("no key " + name + " in " + backend_->Location() + "/keys");
  }
  if (names.size() <= 1) return Error::InvalidArgument("cannot remove the last key");
  return backend_->Remove({FileType::kKey, name});
}

Status Repository::VerifyKeyFile(const std::string& name, crypto::KdfParams* kdf) const {
  STORMPROOF_ASSIGN_OR_RETURN(Bytes file, backend_->Load({FileType::kKey, name}));
  STORMPROOF_ASSIGN_OR_RETURN(KeyFile key, repository::VerifyKeyFile(file, impl_->master));
  if (kdf != nullptr) *kdf = key.kdf;
  return Ok();
}

Status Repository::VerifyConfig() const {
  STORMPROOF_ASSIGN_OR_RETURN(Bytes file, backend_->Load({FileType::kConfig, ""}));
  return repository::VerifyConfig(file, impl_->master.encryption);
}

Status Repository::ChangePassword(std::string_view new_password) {
  // Credentials that may not delete (upload-only) could add the new key but not remove the old
  // one: asked first, so that a refusal changes nothing.
  if (Status may = CheckMayDelete(); !may) {
    return may.error().WithContext("the password was not changed");
  }
  // The probe deletes under locks/ only: a policy may let these credentials delete there but not
  // under keys/. So the old key's removal is verified, and when it fails the new key is removed
  // again, the old password then opening the repository alone, as before; but only once the old
  // key is read back, so that the repository never loses its last key (a removal that failed
  // on the way back from a server that carried it out).
  const std::string old_name = impl_->key_name();
  STORMPROOF_ASSIGN_OR_RETURN(std::string new_name, AddKey(new_password));
  Status removed = RemoveKeyFile(*backend_, old_name);
  if (removed) {
    impl_->set_key_name(new_name);
    return Ok();
  }
  const Error& why = removed.error();
  if (backend_->Load({FileType::kKey, old_name}) && RemoveKeyFile(*backend_, new_name)) {
    return Error(why.code(), "the password was not changed: the old key " + old_name +
                                 " could not be removed, and the new key was removed again: " +
                                 why.message());
  }
  impl_->set_key_name(new_name);
  return Error(why.code(),
               "the password was not changed as asked: the old key " + old_name +
                   " could not be removed, and the new key " + new_name +
                   " stays, so both passwords may open the repository; remove the old key with "
                   "credentials that may delete (stormproof key remove " + old_name +
                   "): " + why.message());
}

}  // namespace stormproof::repository
