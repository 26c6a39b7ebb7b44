#include "engine/repository/encoding.h"

#include <pwd.h>
#include <sodium.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <ctime>

#include "core/text.h"
#include "engine/crypto/crypto.h"

namespace stormproof::repository {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

// Reads exactly `digits` decimal digits from `text` at `*pos`.
bool ReadDigits(std::string_view text, size_t* pos, int digits, int* out) {
  if (*pos + digits > text.size()) return false;
  int value = 0;
  for (int i = 0; i < digits; ++i) {
    char c = text[*pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  *pos += digits;
  *out = value;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// Reads ".d{1,9}" when present; the value in nanoseconds.
bool ReadFraction(std::string_view text, size_t* pos, int64_t* ns) {
  *ns = 0;
  if (*pos >= text.size() || text[*pos] != '.') return true;
  ++*pos;
  int digits = 0;
  while (*pos < text.size() && std::isdigit(static_cast<unsigned char>(text[*pos]))) {
    if (++digits > 9) return false;
    *ns = *ns * 10 + (text[(*pos)++] - '0');
  }
  for (int i = digits; i < 9; ++i) *ns *= 10;
  return digits > 0;
}

}  // namespace

std::string Base64Encode(ByteView data) {
  std::string out(sodium_base64_encoded_len(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

Result<Bytes> Base64Decode(std::string_view text) {
  Bytes out(text.size() / 4 * 3 + 3);
  size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return Error::FailedCheck("invalid base64");
  }
  out.resize(length);
  return out;
}

nlohmann::json ByteStringToJson(const std::string& bytes) {
  if (FindInvalidUtf8(bytes) == std::string::npos) return bytes;
  return nlohmann::json{{"base64", Base64Encode(AsBytes(bytes))}};
}

Result<std::string> ByteStringFromJson(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.size() == 1 && value.contains("base64") &&
      value["base64"].is_string()) {
    STORMPROOF_ASSIGN_OR_RETURN(Bytes bytes, Base64Decode(value["base64"].get<std::string>()));
    return std::string(AsText(bytes));
  }
  return Error::FailedCheck("expected a string or {\"base64\": ...}");
}

std::string FormatTime(int64_t unix_ns) {
  int64_t seconds = unix_ns / kNsPerSecond;
  int64_t ns = unix_ns % kNsPerSecond;
  if (ns < 0) {
    ns += kNsPerSecond;
    --seconds;
  }
  time_t t = static_cast<time_t>(seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ns));
  return text;
}

Result<int64_t> ParseTime(std::string_view text) {
  struct tm tm {};
  size_t pos = 0;
  int64_t ns = 0;
  bool ok = ReadDigits(text, &pos, 4, &tm.tm_year) && Expect(text, &pos, '-') &&
            ReadDigits(text, &pos, 2, &tm.tm_mon) && Expect(text, &pos, '-') &&
            ReadDigits(text, &pos, 2, &tm.tm_mday) && Expect(text, &pos, 'T') &&
            ReadDigits(text, &pos, 2, &tm.tm_hour) && Expect(text, &pos, ':') &&
            ReadDigits(text, &pos, 2, &tm.tm_min) && Expect(text, &pos, ':') &&
            ReadDigits(text, &pos, 2, &tm.tm_sec) && ReadFraction(text, &pos, &ns) &&
            Expect(text, &pos, 'Z') && pos == text.size();
  if (!ok || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return Error::FailedCheck("invalid time '" + std::string(text) + "'");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  // Nanoseconds since the epoch fit an int64 only from 1677 to 2262; a forged file may say 9999.
  int64_t seconds = timegm(&tm);
  if (seconds < 0 && ns > 0) {  // so that the earliest representable time does not overflow
    ++seconds;
    ns -= kNsPerSecond;
  }
  int64_t unix_ns = 0;
  if (__builtin_mul_overflow(seconds, kNsPerSecond, &unix_ns) ||
      __builtin_add_overflow(unix_ns, ns, &unix_ns)) {
    return Error::FailedCheck("time out of range '" + std::string(text) + "'");
  }
  return unix_ns;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
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
