// Small encodings shared by the repository's file formats: byte strings in JSON (base64 is
// engine/crypto/base64.h), little-endian integers, random file names and who/where we are.
// Internal to the repository library. Pure functions (thread-safe) unless noted.
#ifndef STORMPROOF_ENGINE_REPOSITORY_ENCODING_H_
#define STORMPROOF_ENGINE_REPOSITORY_ENCODING_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "core/bytes.h"
#include "core/result.h"

namespace stormproof::repository {

// A byte string as JSON: a JSON string when it is valid UTF-8, else {"base64": "..."} so that
// any bytes (a non-UTF-8 path) round-trip.
nlohmann::json ByteStringToJson(const std::string& bytes);
// Errors: kFailedCheck when `value` is neither form.
Result<std::string> ByteStringFromJson(const nlohmann::json& value);

// The value of a JSON integer that fits T. nlohmann's get<T>() would instead convert a float
// (UB when out of range: 1e90 as a pid) or truncate a wider integer (2^32 + 1 as a chunk size).
// Errors: kFailedCheck naming `what`.
template <typename T>
Result<T> IntegerFromJson(const nlohmann::json& value, std::string_view what) {
  bool fits = value.is_number_unsigned()  ? std::in_range<T>(value.get<uint64_t>())
              : value.is_number_integer() ? std::in_range<T>(value.get<int64_t>())
                                          : false;
  if (!fits) return Error::FailedCheck(std::string(what) + " is not an integer in range");
  return value.is_number_unsigned() ? static_cast<T>(value.get<uint64_t>())
                                    : static_cast<T>(value.get<int64_t>());
}

// Times in the repository's files are RFC 3339 with nanoseconds: FormatRfc3339Nanos and
// ParseRfc3339 (core/time.h).

std::string HostName();  // gethostname(), "" when unknown
std::string UserName();  // the effective user's login name, "" when unknown

// 64 lower-case hex digits of fresh randomness: a name for key and lock files.
std::string RandomFileName();

inline void PutU32(uint32_t v, Bytes* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
// REQUIRES: p points at 4 readable bytes.
inline uint32_t GetU32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_ENCODING_H_
