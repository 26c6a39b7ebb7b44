#include "engine/repository/config.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/time.h"
#include "engine/crypto/base64.h"
#include "engine/repository/encoding.h"
#include "engine/repository/internal/file_mac.h"
#include "engine/repository/pack.h"
#include "engine/repository/repository.h"
#include "engine/repository/sealed_file.h"

namespace stormproof::repository {
namespace {

using nlohmann::json;

constexpr char kFormatName[] = "stormproof-repository";
constexpr char kCompression[] = "zstd";
constexpr int64_t kMaxObjectLockDays = 36500;  // a hundred years

std::string SeedHex(uint64_t seed) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(seed));
  return text;
}

Result<uint64_t> ParseSeed(const std::string& text) {
  uint64_t seed = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seed, 16);
  if (text.size() != 16 || ec != std::errc() || end != text.data() + text.size()) {
    return Error::FailedCheck("invalid chunker seed");
  }
  return seed;
}

Status CheckChunker(const chunker::Params& p) {
  bool ok = p.min_size >= 64 && p.min_size <= p.avg_size && p.avg_size <= p.max_size &&
            std::has_single_bit(p.avg_size) && p.max_size <= kMaxBlobSize;
  if (!ok) return Error::FailedCheck("invalid chunker parameters");
  return Ok();
}

Result<chunker::Params> ParseSecret(const json& secret) {
  if (secret.at("compression").get<std::string>() != kCompression) {
    return Error::InvalidArgument("unsupported compression '" +
                                  secret.at("compression").get<std::string>() + "'");
  }
  const json& c = secret.at("chunker");
  chunker::Params params;
  STORMPROOF_ASSIGN_OR_RETURN(params.min_size, IntegerFromJson<uint32_t>(c.at("min"), "min"));
  STORMPROOF_ASSIGN_OR_RETURN(params.avg_size, IntegerFromJson<uint32_t>(c.at("avg"), "avg"));
  STORMPROOF_ASSIGN_OR_RETURN(params.max_size, IntegerFromJson<uint32_t>(c.at("max"), "max"));
  STORMPROOF_ASSIGN_OR_RETURN(params.seed, ParseSeed(c.at("seed").get<std::string>()));
  STORMPROOF_TRY(CheckChunker(params));
  return params;
}

// "object_lock": {"days": N, "mode": "governance"|"compliance"}: required in version 2, absent
// in version 1.
Result<std::optional<backend::Retention>> ParseObjectLock(const json& doc, int version) {
  if (version < kObjectLockConfigVersion) {
    if (doc.contains("object_lock")) {
      return Error::FailedCheck("object_lock in a version 1 config (it needs version 2)");
    }
    return std::optional<backend::Retention>();
  }
  const json& lock = doc.at("object_lock");
  backend::Retention retention;
  std::optional<backend::Retention::Mode> mode =
      backend::ParseRetentionMode(lock.at("mode").get<std::string>());
  if (!mode || lock.at("mode").get<std::string>() != backend::RetentionModeWord(*mode)) {
    return Error::FailedCheck("object_lock.mode is not governance or compliance");
  }
  retention.mode = *mode;
  STORMPROOF_ASSIGN_OR_RETURN(int64_t days, IntegerFromJson<int64_t>(lock.at("days"), "days"));
  if (days < 1 || days > kMaxObjectLockDays) {
    return Error::FailedCheck("object_lock.days must be 1 to " +
                              std::to_string(kMaxObjectLockDays));
  }
  retention.days = static_cast<int>(days);
  return std::optional<backend::Retention>(retention);
}

Result<ConfigFile> ParsePublic(const json& doc) {
  if (!doc.is_object() || doc.value("format", "") != kFormatName) {
    return Error::FailedCheck("not a stormproof repository config");
  }
  STORMPROOF_ASSIGN_OR_RETURN(int64_t version,
                              IntegerFromJson<int64_t>(doc.at("version"), "format version"));
  if (version > kFormatVersion) {
    return Error::FailedCheck("repository format version " + std::to_string(version) +
                              " is newer than this stormproof understands (" +
                              std::to_string(kFormatVersion) + ")");
  }
  if (version < 1) return Error::FailedCheck("invalid format version");
  ConfigFile file;
  file.config.version = static_cast<int>(version);
  STORMPROOF_ASSIGN_OR_RETURN(file.config.id, crypto::Id::FromHex(doc.at("id").get<std::string>()));
  STORMPROOF_ASSIGN_OR_RETURN(file.config.created_ns,
                              ParseRfc3339(doc.at("created").get<std::string>()));
  STORMPROOF_ASSIGN_OR_RETURN(file.secret,
                              crypto::Base64Decode(doc.at("secret").get<std::string>()));
  STORMPROOF_ASSIGN_OR_RETURN(file.config.object_lock, ParseObjectLock(doc, file.config.version));
  if (doc.contains("mac")) {
    STORMPROOF_ASSIGN_OR_RETURN(file.mac, crypto::Id::FromHex(doc.at("mac").get<std::string>()));
  }
  return file;
}

// The config's mac: every field but the mac itself, in this order (docs/repository-format.md).
// Version 2 adds object_lock.mode and object_lock.days after the secret.
crypto::Id ConfigMac(const Config& config, ByteView secret, const crypto::Key& master_encryption) {
  FileMac mac;
  mac.Add("format", kFormatName)
      .AddU64("version", static_cast<uint64_t>(config.version))
      .Add("id", config.id.bytes)
      .AddI64("created", config.created_ns)
      .Add("secret", secret);
  if (config.object_lock) {
    mac.Add("object_lock.mode", backend::RetentionModeWord(config.object_lock->mode))
        .AddI64("object_lock.days", config.object_lock->days);
  }
  return mac.Finish(master_encryption, kConfigMacLabel);
}

// The canonical bytes of a config file (keys sorted by nlohmann::json).
Bytes EncodeConfigFile(const Config& config, ByteView secret, const crypto::Id& mac) {
  json doc = {{"format", kFormatName},
              {"version", config.version},
              {"id", config.id.Hex()},
              {"created", FormatRfc3339Nanos(config.created_ns)},
              {"secret", crypto::Base64Encode(secret)},
              {"mac", mac.Hex()}};
  if (config.object_lock) {
    doc["object_lock"] = {{"mode", backend::RetentionModeWord(config.object_lock->mode)},
                          {"days", config.object_lock->days}};
  }
  std::string text = doc.dump(2) + "\n";
  return Bytes(text.begin(), text.end());
}

}  // namespace

Config NewConfig(std::optional<backend::Retention> object_lock) {
  Config config;
  config.object_lock = object_lock;
  config.version = object_lock ? kObjectLockConfigVersion : kPlainConfigVersion;
  crypto::RandomBytes(config.id.bytes.data(), config.id.bytes.size());
  crypto::RandomBytes(reinterpret_cast<uint8_t*>(&config.chunker.seed), sizeof(uint64_t));
  config.created_ns = SystemNowNs();
  return config;
}

Bytes EncodeConfig(const Config& config, const crypto::Key& master_encryption) {
  const chunker::Params& p = config.chunker;
  json secret = {
      {"chunker",
       {{"min", p.min_size}, {"avg", p.avg_size}, {"max", p.max_size}, {"seed", SeedHex(p.seed)}}},
      {"compression", kCompression}};
  std::string secret_text = secret.dump();
  Bytes sealed = SealFile(master_encryption, AsBytes(secret_text), kConfigKind);
  return EncodeConfigFile(config, sealed, ConfigMac(config, sealed, master_encryption));
}

Result<ConfigFile> ParseConfig(ByteView data) {
  json doc = json::parse(AsText(data), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Error::FailedCheck("config is not valid JSON");
  try {
    return ParsePublic(doc);
  } catch (const json::exception& e) {
    return Error::FailedCheck(std::string("malformed config: ") + e.what());
  }
}

Status VerifyConfig(ByteView data, const crypto::Key& master_encryption) {
  STORMPROOF_ASSIGN_OR_RETURN(ConfigFile file, ParseConfig(data));
  STORMPROOF_TRY(OpenConfigSecret(master_encryption, file.secret));
  if (!file.mac) return Error::FailedCheck("config has no mac");
  if (*file.mac != ConfigMac(file.config, file.secret, master_encryption)) {
    return Error::Corrupt("config mac does not match (altered)");
  }
  Bytes canonical = EncodeConfigFile(file.config, file.secret, *file.mac);
  if (!std::equal(canonical.begin(), canonical.end(), data.begin(), data.end())) {
    return Error::FailedCheck("config is not in canonical form (altered)");
  }
  return Ok();
}

Status VerifyConfigMac(const ConfigFile& file, const crypto::Key& master_encryption) {
  if (!file.mac) return Error::Corrupt("config has no mac (altered)");
  if (*file.mac != ConfigMac(file.config, file.secret, master_encryption)) {
    return Error::Corrupt("config mac does not match (altered)");
  }
  return Ok();
}

Result<chunker::Params> OpenConfigSecret(const crypto::Key& master_encryption, ByteView secret) {
  auto plain = OpenSealedFile(master_encryption, secret, kConfigKind);
  if (!plain) return plain.error().WithContext("config secret");
  json doc = json::parse(AsText(*plain), nullptr, false);
  if (doc.is_discarded()) return Error::FailedCheck("config secret is not valid JSON");
  try {
    return ParseSecret(doc);
  } catch (const json::exception& e) {
    return Error::FailedCheck(std::string("malformed config secret: ") + e.what());
  }
}

}  // namespace stormproof::repository
