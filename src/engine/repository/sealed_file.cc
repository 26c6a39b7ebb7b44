#include "engine/repository/sealed_file.h"

namespace stormproof::repository {

Bytes SealFile(const crypto::Key& master, ByteView plaintext, std::string_view kind) {
  Bytes file(crypto::kSaltSize);
  crypto::RandomBytes(file.data(), file.size());
  crypto::Key subkey = crypto::DeriveSubkey(master, file);
  file.reserve(file.size() + plaintext.size() + crypto::kSealOverhead);
  crypto::SealAppend(subkey, plaintext, AsBytes(kind), &file);
  return file;
}

Bytes SealFileDeterministically(const crypto::Key& master, ByteView plaintext,
                                std::string_view kind) {
  constexpr std::string_view kDomain = "stormproof deterministic salt";
  Bytes input;
  input.reserve(kDomain.size() + kind.size() + 1 + plaintext.size());
  for (std::string_view part : {kDomain, kind}) {
    ByteView bytes = AsBytes(part);
    input.insert(input.end(), bytes.begin(), bytes.end());
  }
  input.push_back(0);
  input.insert(input.end(), plaintext.begin(), plaintext.end());
  const crypto::Id salt = crypto::KeyedId(master, input);
  static_assert(sizeof(salt.bytes) == crypto::kSaltSize);
  Bytes file(salt.bytes.begin(), salt.bytes.end());
  crypto::Key subkey = crypto::DeriveSubkey(master, file);
  file.reserve(file.size() + plaintext.size() + crypto::kSealOverhead);
  crypto::SealAppendUnderSingleUseKey(subkey, plaintext, AsBytes(kind), &file);
  return file;
}

Result<Bytes> OpenSealedFile(const crypto::Key& master, ByteView file, std::string_view kind) {
  if (file.size() < crypto::kSaltSize + crypto::kSealOverhead) {
    return Error::FailedCheck("truncated (" + std::to_string(file.size()) + " bytes)");
  }
  crypto::Key subkey = crypto::DeriveSubkey(master, file.first(crypto::kSaltSize));
  auto opened = crypto::Open(subkey, file.subspan(crypto::kSaltSize), AsBytes(kind));
  if (!opened) return Error::Corrupt("cannot be decrypted: damaged or altered");
  return opened;
}

}  // namespace stormproof::repository
