// AWS Signature Version 4: canonical request, string to sign, signing key, signature.
#include "engine/s3/internal/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/text.h"
#include "engine/crypto/crypto.h"

namespace stormproof::s3::internal {
namespace {

using Digest = std::vector<uint8_t>;

Digest HmacSha256(ByteView key, std::string_view data) {
  Digest out(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
  out.resize(length);
  return out;
}

// Trims both ends and collapses runs of spaces into one, as SigV4 canonical headers want.
std::string TrimValue(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

struct CanonicalHeaders {
  std::string block;  // "host:x\nx-amz-date:y\n"
  std::string names;  // "host;x-amz-date"
};

CanonicalHeaders Canonicalize(const NameValues& headers) {
  NameValues sorted;
  for (const auto& [name, value] : headers) sorted.emplace_back(AsciiLower(name), TrimValue(value));
  std::sort(sorted.begin(), sorted.end());
  CanonicalHeaders out;
  for (size_t i = 0; i < sorted.size(); ++i) {
    // A header sent twice is signed once, its values joined with ','.
    if (i > 0 && sorted[i].first == sorted[i - 1].first) {
      out.block.pop_back();
      out.block += "," + sorted[i].second + "\n";
      continue;
    }
    out.block += sorted[i].first + ":" + sorted[i].second + "\n";
    if (!out.names.empty()) out.names += ';';
    out.names += sorted[i].first;
  }
  return out;
}

Digest SigningKey(const SigningScope& scope) {
  // Built in place (no unwiped temporary copy of the secret), and wiped after use.
  std::string secret;
  secret.reserve(4 + scope.secret_access_key.size());
  secret.append("AWS4").append(scope.secret_access_key);
  Digest key = HmacSha256(AsBytes(secret), scope.amz_date.substr(0, 8));
  std::fill(secret.begin(), secret.end(), '\0');
  key = HmacSha256(key, scope.region);
  key = HmacSha256(key, scope.service);
  return HmacSha256(key, "aws4_request");
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

std::string CanonicalQuery(const NameValues& query) {
  NameValues encoded;
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

std::string AmzDate(int64_t ns) {
  std::time_t seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  if (ns < 0 && ns % 1'000'000'000 != 0) --seconds;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string Sha256Hex(ByteView data) { return crypto::Sha256(data).Hex(); }

Signature Sign(const SigningRequest& request, const SigningScope& scope) {
  Signature out;
  CanonicalHeaders headers = Canonicalize(request.headers);
  out.signed_headers = headers.names;
  out.canonical_request = request.method + "\n" + UriEncode(request.path, true) + "\n" +
                          CanonicalQuery(request.query) + "\n" + headers.block + "\n" +
                          headers.names + "\n" + request.payload_sha256;
  std::string credential_scope =
      scope.amz_date.substr(0, 8) + "/" + scope.region + "/" + scope.service + "/aws4_request";
  out.string_to_sign = "AWS4-HMAC-SHA256\n" + scope.amz_date + "\n" + credential_scope + "\n" +
                       Sha256Hex(AsBytes(out.canonical_request));
  Digest key = SigningKey(scope);
  out.signature = ToHex(HmacSha256(key, out.string_to_sign));
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + scope.access_key_id + "/" +
                      credential_scope + ",SignedHeaders=" + headers.names +
                      ",Signature=" + out.signature;
  return out;
}

}  // namespace stormproof::s3::internal
