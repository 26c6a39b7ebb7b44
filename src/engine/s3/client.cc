// The S3 client's request path: addressing, signing, retries, and the one-line error of an
// answer. The operations themselves are in operations.cc.
#include "engine/s3/internal/client.h"

#include <arpa/inet.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>
#include <thread>

#include "core/text.h"
#include "core/time.h"
#include "engine/s3/internal/retry.h"

namespace stormproof::s3::internal {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

bool UsePathStyle(const Options& options) {
  switch (options.addressing) {
    case Addressing::kPath:
      return true;
    case Addressing::kVirtualHost:
      return false;
    case Addressing::kAuto:
      // A local server (an IP or a port) knows no bucket host names; a dotted bucket name
      // would not match the wildcard certificate of the virtual host.
      return IsIpAddress(options.location.host) || options.location.port != 0 ||
             options.location.bucket.find('.') != std::string::npos;
  }
  return true;
}

uint64_t RandomWord() {
  thread_local std::mt19937_64 generator(std::random_device{}());
  return generator();
}

std::string Minutes(int64_t ns) {
  int64_t seconds = std::llabs(ns) / kNsPerSecond;
  if (seconds < 120) return std::to_string(seconds) + " seconds";
  return std::to_string((seconds + 30) / 60) + " minutes";  // to the nearest minute
}

// A PUT of an object or the start of a multipart upload (not a part, retention or other
// sub-resource).
bool CreatesObject(const std::string& method, const std::string& key, const NameValues& query) {
  if (key.empty()) return false;
  if (method == "PUT") return query.empty();
  return method == "POST" && query.size() == 1 && query[0].first == "uploads";
}

// Whether an error answer to a request with x-amz-acl refuses the ACL itself, by the exact codes
// the servers document (a 403, or any other answer, keeps the header: a hostile or confused
// server must not make us drop it for a bare denial):
// - 501 NotImplemented: a server without object ACLs (older MinIO: "A header you provided
//   implies functionality that is not implemented", the S3 error-code table's NotImplemented);
// - 400 AccessControlListNotSupported: AWS buckets whose ACLs are disabled ("The bucket does not
//   allow ACLs", docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses);
// - 400 InvalidArgument whose message names the canned ACL: Backblaze B2, whose S3 API supports
//   only "private" and "public-read" (backblaze.com/apidocs/s3-put-object-acl: "Unsupported
//   value for canned acl").
bool RefusesObjectAcl(const HttpResponse& response) {
  const S3ErrorBody body = ParseErrorBody(AsText(response.body));
  if (response.status == 501) return body.code == "NotImplemented";
  if (response.status != 400) return false;
  if (body.code == "AccessControlListNotSupported") return true;
  return body.code == "InvalidArgument" &&
         AsciiLower(body.message).find("canned acl") != std::string::npos;
}

}  // namespace

std::string OneLine(std::string_view text) {
  constexpr size_t kMaxLength = 200;
  std::string out;
  for (char c : text.substr(0, kMaxLength)) {
    auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte == 0x7f) ? '?' : c;
  }
  if (text.size() > kMaxLength) out += "...";
  return out;
}

std::string ServerReason(const S3ErrorBody& body) {
  return OneLine(body.code) + (body.message.empty() ? "" : ": " + OneLine(body.message));
}

bool Client::SendsOwnerAcl(const Call& call) const {
  return !owner_acl_refused_.load() && CreatesObject(call.method, call.key, call.query);
}

bool IsIpAddress(std::string_view host) {
  std::string text(host);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

std::string PayloadHash(const NameValues& headers, ByteView body) {
  for (const auto& [name, value] : headers) {
    if (AsciiLower(name) == "content-md5") return "UNSIGNED-PAYLOAD";
  }
  return Sha256Hex(body);
}

Result<int64_t> ParseHttpDate(std::string_view text) {
  std::tm tm{};
  std::string copy(text);
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr) return Error::Parse("invalid HTTP date '" + copy + "'");
  return static_cast<int64_t>(timegm(&tm)) * kNsPerSecond;
}

Client::Client(Options options) : options_(std::move(options)) {
  const Location& location = options_.location;
  path_style_ = UsePathStyle(options_);
  host_ = path_style_ ? location.host : location.bucket + "." + location.host;
  host_header_ = location.port != 0 ? host_ + ":" + std::to_string(location.port) : host_;
  url_base_ = location.scheme + "://" + host_header_;
  HttpOptions http;
  http.max_in_flight = options_.max_in_flight;
  http.connect_timeout = options_.connect_timeout;
  http.stall_timeout = options_.stall_timeout;
  http.ca_file = options_.ca_file;
  http.insecure_tls = options_.insecure_tls;
  http_ = std::make_unique<HttpClient>(std::move(http));
}

std::string Client::Describe(const std::string& key) const {
  std::string text = options_.location.scheme + "://" + options_.location.host;
  if (options_.location.port != 0) text += ":" + std::to_string(options_.location.port);
  return "s3:" + text + "/" + options_.location.bucket + (key.empty() ? "" : "/" + key);
}

int64_t Client::NowNs() const { return options_.clock ? options_.clock() : SystemNowNs(); }

void Client::NoteServerTime(const HttpResponse& response) const {
  if (response.status == 0) return;
  Result<int64_t> date = ParseHttpDate(response.Header("date"));
  if (!date) return;
  server_offset_ns_.store(*date - NowNs());
  server_time_known_.store(true);
}

int64_t Client::ServerNowNs() const { return NowNs() + server_offset_ns_.load(); }

HttpRequest Client::Build(const Call& call) const {
  std::string path = path_style_ ? "/" + options_.location.bucket : "";
  if (!call.key.empty() || !path_style_) path += "/" + call.key;
  std::string payload_hash = PayloadHash(call.headers, call.body);
  SigningRequest signing{call.method, path, call.query, call.headers, payload_hash};
  signing.headers.emplace_back("Host", host_header_);
  signing.headers.emplace_back("x-amz-content-sha256", payload_hash);
  std::string amz_date = AmzDate(NowNs());
  signing.headers.emplace_back("x-amz-date", amz_date);
  if (!options_.credentials.session_token.empty()) {
    signing.headers.emplace_back("x-amz-security-token",
                                 std::string(options_.credentials.session_token.view()));
  }
  SigningScope scope{options_.credentials.access_key_id,
                     options_.credentials.secret_access_key.view(), options_.region, "s3",
                     amz_date};
  Signature signature = Sign(signing, scope);
  HttpRequest request;
  request.method = call.method;
  request.url = url_base_ + UriEncode(path, true);
  std::string query = CanonicalQuery(call.query);
  if (!query.empty()) request.url += "?" + query;
  request.headers = std::move(signing.headers);
  request.headers.emplace_back("Authorization", signature.authorization);
  request.body = call.body;
  request.max_response_body = call.max_answer;
  return request;
}

Result<Client::Answer> Client::Execute(const Call& call, const std::string& what) const {
  const auto start = std::chrono::steady_clock::now();
  Answer answer;
  for (;;) {
    ++answer.attempts;
    // Objects a backup host uploads with its own credentials stay readable (and removable) by
    // the bucket owner, whose maintenance credentials prune and repair use (docs/
    // object-storage.md, "Upload-only credentials"): the owner of a bucket cannot read another
    // user's objects otherwise (Ceph RGW, AWS buckets with ACLs enabled). Servers without object
    // ACLs (Backblaze B2 refuses the value, older MinIO the header) have no such owner problem.
    const bool with_acl = SendsOwnerAcl(call);
    if (with_acl) {
      Call owned = call;
      owned.headers.emplace_back("x-amz-acl", "bucket-owner-full-control");
      answer.response = http_->Send(Build(owned));
    } else {
      answer.response = http_->Send(Build(call));
    }
    const HttpResponse& response = answer.response;
    NoteServerTime(response);
    if (with_acl && RefusesObjectAcl(response)) {
      // From now on without it (sent again at once); said once per client.
      if (!owner_acl_refused_.exchange(true)) {
        std::fprintf(stderr,
                     "stormproof: warning: %s: the server refuses x-amz-acl (%s): objects are "
                     "now written without bucket-owner-full-control, so a bucket owner other "
                     "than these credentials may not read them\n",
                     Describe("").c_str(),
                     OneLine(ParseErrorBody(AsText(response.body)).code).c_str());
      }
      --answer.attempts;
      continue;
    }
    bool retryable;
    if (response.status == 0) {
      retryable = response.transport_retryable;
    } else if (response.status < 300) {
      return answer;
    } else {
      retryable = IsRetryableAnswer(response.status, ParseErrorBody(AsText(response.body)).code);
    }
    auto delay = BackoffDelay(options_.retry, answer.attempts, RandomWord());
    bool out_of_time = std::chrono::steady_clock::now() + delay - start > options_.retry.max_total;
    if (!retryable || answer.attempts >= options_.retry.max_attempts || out_of_time) break;
    std::this_thread::sleep_for(delay);
  }
  if (answer.response.body_too_long) {
    return Error::Io(what + ": " + answer.response.transport_error +
                     ": the server or a proxy on the way is broken");
  }
  if (answer.response.certificate_refusal != CertificateRefusal::kNone) {
    return CertificateError(answer.response, what);
  }
  if (answer.response.status == 0) {
    std::string tries =
        answer.attempts > 1 ? " (after " + std::to_string(answer.attempts) + " attempts)" : "";
    return Error::Io(what + ": " + answer.response.transport_error + tries +
                     ": check the endpoint and the network");
  }
  return answer;
}

bool Client::IsSessionTokenRefusal(long status, const S3ErrorBody& body) const {
  if (options_.credentials.session_token.empty()) return false;
  const std::string& code = body.code;
  if (code == "InvalidToken" || code == "ExpiredToken" || code == "TokenRefreshRequired") {
    return true;
  }
  // Ceph RGW answers a session token it cannot decode with 400 InvalidArgument and no message.
  // An InvalidArgument with a reason that does not speak of a token (a header the server does
  // not take) is about something else.
  if (status != 400 || code != "InvalidArgument") return false;
  return body.message.empty() || AsciiLower(body.message).find("token") != std::string::npos;
}

Error Client::CertificateError(const HttpResponse& response, const std::string& what) const {
  std::string advice;
  if (response.certificate_refusal != CertificateRefusal::kOtherHostName) {
    advice =
        "if the server's certificate is signed by a private CA, give that CA's certificate "
        "with --cacert FILE (or STORMPROOF_CACERT)";
  } else if (path_style_) {
    advice = "the certificate does not name host '" + host_ +
             "': use a host name the certificate was issued for";
  } else {
    // A wildcard certificate (*.host) covers BUCKET.host only for a bucket name without a '.'.
    advice = "the certificate does not name host '" + host_ +
             "' (the bucket in the host name): put the bucket in the path with "
             "--s3-bucket-lookup path (or the plan's bucket_lookup: path)";
  }
  return Error::Io(what + ": TLS certificate refused (" + OneLine(response.transport_error) +
                   "); " + advice);
}

Error Client::AnswerError(const HttpResponse& response, const std::string& what) const {
  S3ErrorBody body = ParseErrorBody(AsText(response.body));
  const std::string& code = body.code;
  std::string status = "HTTP " + std::to_string(response.status);
  std::string named = code.empty() ? status : OneLine(code);
  if (code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch") {
    const char* variable =
        code == "InvalidAccessKeyId" ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY";
    return Error::PermissionDenied(what + ": access denied (" + code + "): check " + variable +
                                   " or the plan's credentials_file");
  }
  std::string reason = body.message.empty() ? "" : ": " + OneLine(body.message);
  if (IsSessionTokenRefusal(response.status, body)) {
    return Error::PermissionDenied(
        what + ": access denied (" + named + reason +
        "): the session token is wrong or has expired: get new temporary credentials "
        "(AWS_SESSION_TOKEN or the plan's credentials_file)");
  }
  if (code == "RequestTimeTooSkewed") {
    Result<int64_t> server = ParseHttpDate(response.Header("date"));
    std::string by = server ? " by about " + Minutes(NowNs() - *server) : "";
    return Error::PermissionDenied(what + ": the server refused the request (" + code +
                                   "): this machine's clock is off" + by +
                                   " from the server's; fix its time (NTP)");
  }
  std::string bucket_region = response.Header("x-amz-bucket-region");
  if (!bucket_region.empty() && bucket_region != options_.region &&
      (response.status == 301 || response.status == 400)) {
    return Error::InvalidArgument(what + ": bucket '" + options_.location.bucket +
                                  "' is in region " + bucket_region + ", not " + options_.region +
                                  ": set AWS_REGION or the plan's region");
  }
  if (code == "NoSuchBucket") {
    return Error::NotFound(Describe("") + ": bucket '" + options_.location.bucket +
                           "' does not exist");
  }
  if (response.status == 403) {
    return Error::PermissionDenied(what + ": access denied (" + named +
                                   "): check the credentials' permissions on bucket '" +
                                   options_.location.bucket + "'");
  }
  if (response.status == 404) return Error::NotFound(what + ": not found (" + named + ")");
  return Error::Io(what + ": the server answered " + status +
                   (code.empty() ? "" : " " + OneLine(code)) + reason);
}

}  // namespace stormproof::s3::internal
