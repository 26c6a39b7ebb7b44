#include "repository/key_file.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "repository/encoding.h"

namespace stormproof::repository {
namespace {

using nlohmann::json;

constexpr std::string_view kKeyKind = "stormproof key";
constexpr uint64_t kMaxKdfMemory = 4ull << 30;  // refuse files that would exhaust memory
constexpr uint64_t kMaxKdfOps = 100;

Result<KeyFile> ParseFields(const json& doc) {
  if (doc.at("kdf").get<std::string>() != "argon2id") {
    return Error::FailedCheck("unsupported kdf '" + doc.at("kdf").get<std::string>() + "'");
  }
  KeyFile key;
  key.kdf.ops_limit = doc.at("ops").get<uint64_t>();
  key.kdf.mem_limit = doc.at("mem").get<uint64_t>();
  if (key.kdf.ops_limit > kMaxKdfOps || key.kdf.mem_limit > kMaxKdfMemory) {
    return Error::FailedCheck("kdf parameters out of range");
  }
  STORMPROOF_ASSIGN_OR_RETURN(Bytes salt, Base64Decode(doc.at("salt").get<std::string>()));
  if (salt.size() != key.kdf.salt.size()) return Error::FailedCheck("bad kdf salt length");
  std::copy(salt.begin(), salt.end(), key.kdf.salt.begin());
  STORMPROOF_ASSIGN_OR_RETURN(key.created_ns, ParseTime(doc.at("created").get<std::string>()));
  STORMPROOF_ASSIGN_OR_RETURN(key.hostname, ByteStringFromJson(doc.at("hostname")));
  STORMPROOF_ASSIGN_OR_RETURN(key.username, ByteStringFromJson(doc.at("username")));
  STORMPROOF_ASSIGN_OR_RETURN(key.data, Base64Decode(doc.at("data").get<std::string>()));
  return key;
}

}  // namespace

Result<Bytes> NewKeyFile(std::string_view password, const MasterKey& master) {
  crypto::KdfParams kdf = crypto::NewKdfParams();
  STORMPROOF_ASSIGN_OR_RETURN(crypto::Key user_key, crypto::DeriveKey(password, kdf));
  Bytes plain(master.encryption.bytes.begin(), master.encryption.bytes.end());
  plain.insert(plain.end(), master.id.bytes.begin(), master.id.bytes.end());
  Bytes sealed = crypto::Seal(user_key, plain, AsBytes(kKeyKind));
  json doc = {{"kdf", "argon2id"},
              {"ops", kdf.ops_limit},
              {"mem", kdf.mem_limit},
              {"salt", Base64Encode(kdf.salt)},
              {"created", FormatTime(NowNs())},
              {"hostname", ByteStringToJson(HostName())},
              {"username", ByteStringToJson(UserName())},
              {"data", Base64Encode(sealed)}};
  std::string text = doc.dump(2) + "\n";
  return Bytes(text.begin(), text.end());
}

Result<KeyFile> ParseKeyFile(ByteView file) {
  json doc = json::parse(AsText(file), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Error::FailedCheck("not a JSON key file");
  try {
    return ParseFields(doc);
  } catch (const json::exception& e) {
    return Error::FailedCheck(std::string("malformed key file: ") + e.what());
  }
}

Result<MasterKey> UnlockKeyFile(const KeyFile& key_file, std::string_view password) {
  STORMPROOF_ASSIGN_OR_RETURN(crypto::Key user_key, crypto::DeriveKey(password, key_file.kdf));
  auto plain = crypto::Open(user_key, key_file.data, AsBytes(kKeyKind));
  if (!plain) return Error::FailedCheck("wrong password");
  if (plain->size() != 2 * crypto::kKeySize) return Error::FailedCheck("bad master key length");
  MasterKey master;
  std::copy_n(plain->begin(), crypto::kKeySize, master.encryption.bytes.begin());
  std::copy_n(plain->begin() + crypto::kKeySize, crypto::kKeySize, master.id.bytes.begin());
  return master;
}

}  // namespace stormproof::repository
