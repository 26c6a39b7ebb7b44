// Repository: evidence files (repository.h; docs/catalog.md, "Many hosts, one catalog").
#include <algorithm>

#include "engine/repository/internal/repository_impl.h"
#include "engine/repository/repository.h"
#include "engine/repository/sealed_file.h"

namespace stormproof::repository {

using backend::FileType;

Result<std::string> Repository::SaveEvidence(std::string_view text) {
  STORMPROOF_TRY(VerifyLocks());
  Bytes file = SealFile(impl_->master.encryption, AsBytes(text), kEvidenceKind);
  std::string name = crypto::Sha256(file).Hex();
  Status saved = backend_->Save({FileType::kEvidence, name}, file);
  if (!saved) return saved.error().WithContext("saving evidence " + name);
  return name;
}

Result<std::vector<std::string>> Repository::ListEvidence() const {
  std::vector<std::string> names;
  STORMPROOF_TRY(backend_->List(FileType::kEvidence,
                                [&](const std::string& name, uint64_t) {
                                  if (!IsMarkName(name)) names.push_back(name);
                                }));
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string> Repository::LoadEvidence(const std::string& name) const {
  std::string where = "evidence " + name;
  auto file = backend_->Load({FileType::kEvidence, name});
  if (!file) return file.error().WithContext(where);
  auto id = Id::FromHex(name);
  if (!id || crypto::Sha256(*file) != *id) {
    return Error::Corrupt(where + ": content does not match its name (damaged)");
  }
  auto plain = OpenSealedFile(impl_->master.encryption, *file, kEvidenceKind);
  if (!plain) return plain.error().WithContext(where);
  return std::string(plain->begin(), plain->end());
}

}  // namespace stormproof::repository
