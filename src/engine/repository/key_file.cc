#include "engine/repository/key_file.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/secret.h"
#include "core/time.h"
#include "engine/crypto/base64.h"
#include "engine/repository/encoding.h"
#include "engine/repository/internal/file_mac.h"

namespace stormproof::repository {
namespace {

using nlohmann::json;

constexpr std::string_view kKeyKind = "stormproof key";
// The sealed master key: encryption key || id key.
constexpr size_t kSealedMasterSize = 2 * crypto::kKeySize + crypto::kSealOverhead;

Result<KeyFile> ParseFields(const json& doc) {
  if (doc.at("kdf").get<std::string>() != "argon2id") {
    return Error::FailedCheck("unsupported kdf '" + doc.at("kdf").get<std::string>() + "'");
  }
  KeyFile key;
  STORMPROOF_ASSIGN_OR_RETURN(key.kdf.ops_limit, IntegerFromJson<uint64_t>(doc.at("ops"), "ops"));
  STORMPROOF_ASSIGN_OR_RETURN(key.kdf.mem_limit, IntegerFromJson<uint64_t>(doc.at("mem"), "mem"));
  // Refuses what would exhaust memory or time before any password is tried.
  if (Status usable = crypto::CheckKdfParams(key.kdf); !usable) {
    return Error::FailedCheck(usable.error().message());
  }
  STORMPROOF_ASSIGN_OR_RETURN(Bytes salt, crypto::Base64Decode(doc.at("salt").get<std::string>()));
  if (salt.size() != key.kdf.salt.size()) return Error::FailedCheck("bad kdf salt length");
  std::copy(salt.begin(), salt.end(), key.kdf.salt.begin());
  STORMPROOF_ASSIGN_OR_RETURN(key.created_ns, ParseRfc3339(doc.at("created").get<std::string>()));
  STORMPROOF_ASSIGN_OR_RETURN(key.hostname, ByteStringFromJson(doc.at("hostname")));
  STORMPROOF_ASSIGN_OR_RETURN(key.username, ByteStringFromJson(doc.at("username")));
  STORMPROOF_ASSIGN_OR_RETURN(key.data, crypto::Base64Decode(doc.at("data").get<std::string>()));
  if (key.data.size() != kSealedMasterSize) {
    return Error::FailedCheck("sealed master key has " + std::to_string(key.data.size()) +
                              " bytes, not " + std::to_string(kSealedMasterSize) +
                              " (truncated or damaged)");
  }
  if (doc.contains("mac")) {
    STORMPROOF_ASSIGN_OR_RETURN(key.mac, crypto::Id::FromHex(doc.at("mac").get<std::string>()));
  }
  return key;
}

// The key file's mac: every field but the mac itself, in this order (docs/repository-format.md).
crypto::Id KeyFileMac(const KeyFile& key, const MasterKey& master) {
  return FileMac()
      .Add("kdf", "argon2id")
      .AddU64("ops", key.kdf.ops_limit)
      .AddU64("mem", key.kdf.mem_limit)
      .Add("salt", key.kdf.salt)
      .AddI64("created", key.created_ns)
      .Add("hostname", key.hostname)
      .Add("username", key.username)
      .Add("data", key.data)
      .Finish(master.encryption, kKeyFileMacLabel);
}

// The canonical bytes of a key file (what NewKeyFile writes; keys sorted by nlohmann::json).
Bytes EncodeKeyFile(const KeyFile& key, const crypto::Id& mac) {
  json doc = {{"kdf", "argon2id"},
              {"ops", key.kdf.ops_limit},
              {"mem", key.kdf.mem_limit},
              {"salt", crypto::Base64Encode(key.kdf.salt)},
              {"created", FormatRfc3339Nanos(key.created_ns)},
              {"hostname", ByteStringToJson(key.hostname)},
              {"username", ByteStringToJson(key.username)},
              {"data", crypto::Base64Encode(key.data)},
              {"mac", mac.Hex()}};
  std::string text = doc.dump(2) + "\n";
  return Bytes(text.begin(), text.end());
}

}  // namespace

Result<Bytes> NewKeyFile(std::string_view password, const MasterKey& master) {
  crypto::KdfParams kdf = crypto::NewKdfParams();
  STORMPROOF_TRY(crypto::CheckNewKdfParams(kdf));
  STORMPROOF_ASSIGN_OR_RETURN(crypto::Key user_key, crypto::DeriveKey(password, kdf));
  Bytes plain;
  plain.reserve(2 * crypto::kKeySize);  // no reallocation may leave a copy of the master key
  plain.insert(plain.end(), master.encryption.bytes.begin(), master.encryption.bytes.end());
  plain.insert(plain.end(), master.id.bytes.begin(), master.id.bytes.end());
  KeyFile key{kdf,
              SystemNowNs(),
              HostName(),
              UserName(),
              crypto::Seal(user_key, plain, AsBytes(kKeyKind)),
              std::nullopt};
  Wipe(&plain);
  return EncodeKeyFile(key, KeyFileMac(key, master));
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

Result<KeyFile> VerifyKeyFile(ByteView file, const MasterKey& master) {
  STORMPROOF_ASSIGN_OR_RETURN(KeyFile key, ParseKeyFile(file));
  if (!key.mac) return Error::FailedCheck("key file has no mac");
  if (*key.mac != KeyFileMac(key, master)) {
    return Error::FailedCheck(
        "key file mac does not match (altered, or not a key of this repository)");
  }
  Bytes canonical = EncodeKeyFile(key, *key.mac);
  if (!std::equal(canonical.begin(), canonical.end(), file.begin(), file.end())) {
    return Error::FailedCheck("key file is not in canonical form (altered)");
  }
  return key;
}

Result<MasterKey> UnlockKeyFile(const KeyFile& key_file, std::string_view password) {
  STORMPROOF_ASSIGN_OR_RETURN(crypto::Key user_key, crypto::DeriveKey(password, key_file.kdf));
  auto plain = crypto::Open(user_key, key_file.data, AsBytes(kKeyKind));
  if (!plain) return Error::WrongPassword("wrong password");
  if (plain->size() != 2 * crypto::kKeySize) {
    Wipe(&*plain);
    return Error::FailedCheck("bad master key length");
  }
  MasterKey master;
  std::copy_n(plain->begin(), crypto::kKeySize, master.encryption.bytes.begin());
  std::copy_n(plain->begin() + crypto::kKeySize, crypto::kKeySize, master.id.bytes.begin());
  Wipe(&*plain);
  return master;
}

}  // namespace stormproof::repository
