#include "engine/repository/encoding.h"

#include <pwd.h>
#include <unistd.h>

#include "core/text.h"
#include "engine/crypto/base64.h"
#include "engine/crypto/crypto.h"

namespace stormproof::repository {

nlohmann::json ByteStringToJson(const std::string& bytes) {
  if (FindInvalidUtf8(bytes) == std::string::npos) return bytes;
  return nlohmann::json{{"base64", crypto::Base64Encode(AsBytes(bytes))}};
}

Result<std::string> ByteStringFromJson(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.size() == 1 && value.contains("base64") &&
      value["base64"].is_string()) {
    STORMPROOF_ASSIGN_OR_RETURN(Bytes bytes,
                                crypto::Base64Decode(value["base64"].get<std::string>()));
    return std::string(AsText(bytes));
  }
  return Error::FailedCheck("expected a string or {\"base64\": ...}");
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

std::string UserName() {
  struct passwd entry {};
  struct passwd* found = nullptr;
  char buffer[4096];
  if (getpwuid_r(geteuid(), &entry, buffer, sizeof buffer, &found) != 0 || found == nullptr) {
    return "";
  }
  return found->pw_name;
}

std::string RandomFileName() {
  uint8_t bytes[32];
  crypto::RandomBytes(bytes, sizeof bytes);
  return ToHex(bytes);
}

}  // namespace stormproof::repository
