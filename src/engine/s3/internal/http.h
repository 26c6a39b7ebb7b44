// HTTP over libcurl for the S3 client: reused connections (a pool of curl easy handles, each
// keeping its connections, TLS sessions and DNS answers between requests), at most
// `max_in_flight` requests at once (more callers wait: memory stays bounded), bodies from and
// into memory. It follows no redirect and adds no header it was not given (no "Expect:
// 100-continue", no implicit Content-Type), so what it sends is what was signed. Proxies: curl's
// standard environment variables (https_proxy, http_proxy, no_proxy) are honoured, as the AWS
// tools honour them. Thread-safe.
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_HTTP_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_HTTP_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/mutex.h"

namespace stormproof::s3::internal {

struct HttpOptions {
  int max_in_flight = 8;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds stall_timeout{60};  // below 1 KiB/s for this long: abandoned
  std::string ca_file;                     // "" = the system's CAs
  bool insecure_tls = false;
};

struct HttpRequest {
  std::string method;  // GET, HEAD, PUT, POST, DELETE
  std::string url;     // already encoded
  std::vector<std::pair<std::string, std::string>> headers;  // sent exactly, Host included
  ByteView body;       // PUT and POST only; must outlive Send()
  // The longest answer body accepted. A longer one (declared in Content-Length or sent) is
  // abandoned at once and not retried: a broken or hostile server cannot make the client
  // buffer more than this (HttpResponse::body_too_long).
  uint64_t max_response_body = uint64_t{64} << 20;
};

// Why the server's TLS certificate was refused, when it was.
enum class CertificateRefusal {
  kNone,
  kUntrusted,      // no trusted CA signed it (a private CA not given), or it expired
  kOtherHostName,  // trusted, but issued for other host names than the one connected to
};

struct HttpResponse {
  long status = 0;  // 0 when the request failed before an answer (see transport_error)
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  Bytes body;
  // curl's reason when no complete answer arrived ("Connection refused", "Operation timed
  // out"); empty otherwise. Never contains request headers (no secret).
  std::string transport_error;
  // Whether retrying may help (a timeout, a reset, a refused connection), as opposed to a bad
  // certificate or an unresolvable host.
  bool transport_retryable = false;
  // The answer was longer than HttpRequest::max_response_body (then status is 0).
  bool body_too_long = false;
  // Set (and status 0) when TLS verification refused the server's certificate.
  CertificateRefusal certificate_refusal = CertificateRefusal::kNone;

  // The first header named `name` (lower case), or "".
  std::string Header(std::string_view name) const;
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and waits for the whole answer. Blocks while max_in_flight requests run.
  HttpResponse Send(const HttpRequest& request);

 private:
  class Pool;
  HttpOptions options_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_HTTP_H_
