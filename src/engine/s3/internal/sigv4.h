// AWS Signature Version 4 for S3 requests (docs.aws.amazon.com, "Authenticating Requests: Using
// the Authorization Header"), computed with OpenSSL. Fills the gaps of curl's CURLOPT_AWS_SIGV4:
// the query string in canonical form (sorted, every key with '=', values percent-encoded
// including '/'), x-amz-content-sha256 signed, and only the headers actually sent signed.
// Pure functions; thread-safe.
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_SIGV4_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_SIGV4_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"

namespace stormproof::s3::internal {

using NameValues = std::vector<std::pair<std::string, std::string>>;

// What is signed. The signer signs exactly `headers` (which must include "host", and for S3
// "x-amz-content-sha256" and "x-amz-date"): the caller sends exactly these.
struct SigningRequest {
  std::string method;           // "GET", "PUT", ...
  std::string path;             // not yet encoded: "/bucket/data/ab/abcd", "/test$file.text"
  NameValues query;             // not yet encoded, any order: {{"list-type", "2"}, {"prefix", "a/"}}
  NameValues headers;           // any case and order; values are trimmed when signed
  std::string payload_sha256;   // lower-case hex of the body's SHA-256 (or "UNSIGNED-PAYLOAD")
};

struct SigningScope {
  std::string access_key_id;
  std::string_view secret_access_key;
  std::string region;            // "us-east-1"
  std::string service = "s3";
  std::string amz_date;          // "20130524T000000Z", the same as the x-amz-date header
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;range;x-amz-content-sha256;x-amz-date"
  std::string signature;       // 64 lower-case hex digits
  std::string authorization;   // the Authorization header's value
};

Signature Sign(const SigningRequest& request, const SigningScope& scope);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - _ . ~)
// kept, every other byte as %XX (upper-case); '/' kept when `keep_slash` (paths).
std::string UriEncode(std::string_view text, bool keep_slash);
// "a=1&b=&c=x%2Fy": sorted by encoded name then value, every name with '='.
std::string CanonicalQuery(const NameValues& query);
// "20130524T000000Z" for an instant in nanoseconds since the epoch.
std::string AmzDate(int64_t ns);
std::string Sha256Hex(ByteView data);

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_SIGV4_H_
