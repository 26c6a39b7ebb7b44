// The S3 operations the backend needs, over HttpClient, signed with SigV4, retried with
// back-off (RetryPolicy) where a retry can help, and failing with one line that names the
// location, the object and what the user can do. Thread-safe: every method may be called from
// many threads at once (HttpClient bounds how many requests run).
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_CLIENT_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/s3/internal/http.h"
#include "engine/s3/internal/sigv4.h"
#include "engine/s3/internal/xml.h"
#include "engine/s3/s3.h"

namespace stormproof::s3::internal {

struct ObjectInfo {
  uint64_t size = 0;
  int64_t modified_ns = 0;  // Last-Modified, by the server's clock (whole seconds)
};

struct ObjectRange {
  Bytes data;
  uint64_t object_size = 0;  // the whole object's size
};

// Whether a PUT may replace an existing object.
enum class Overwrite { kAllowed, kForbidden };

// The longest answer accepted to a request other than an object GET (listings, errors): 64 MiB.
constexpr uint64_t kMaxListingAnswer = uint64_t{64} << 20;
// The longest object a whole-object GET accepts: 1 GiB (a repository's largest files, packs
// with one big blob, are far smaller). A ranged GET accepts no more than the range's end.
constexpr uint64_t kMaxWholeObject = uint64_t{1} << 30;

class Client {
 public:
  explicit Client(Options options);

  const Location& location() const { return options_.location; }
  // "s3:https://host/bucket/prefix/key" for messages (never credentials).
  std::string Describe(const std::string& key) const;

  // PUT with Content-MD5 (the server checks the body). kForbidden sends If-None-Match: * and
  // fails with kInvalidArgument "already exists" when the object exists. An object larger than
  // Options::multipart_threshold (and kAllowed) is uploaded in parts, each with its Content-MD5;
  // a failed multipart upload is aborted.
  Status PutObject(const std::string& key, ByteView data, Overwrite overwrite);
  // GET of the bytes [offset, offset + length) (length 0: to the end; offset 0 and length 0:
  // the whole object). The answer may be shorter than asked when the object is; `object_size`
  // says how long the object is. kNotFound when it does not exist.
  Result<ObjectRange> GetObject(const std::string& key, uint64_t offset, uint64_t length) const;
  Result<ObjectInfo> HeadObject(const std::string& key) const;
  // A missing object is not an error.
  Status DeleteObject(const std::string& key);
  // Every object whose key starts with `prefix`, page by page (ListObjectsV2). `max_objects`
  // > 0 stops after that many.
  Status ListObjects(const std::string& prefix,
                     const std::function<void(const ListedObject&)>& each,
                     int max_objects = 0) const;
  // Creates the bucket (with LocationConstraint outside us-east-1); one the caller already owns
  // is fine.
  Status CreateBucket();
  // Ok when the bucket exists and the credentials may use it; kNotFound "bucket X does not
  // exist". Uses a one-object listing (its error answers carry a code, HEAD's do not).
  Status CheckBucket() const;
  Status HeadBucket() const;
  // The multipart uploads in progress under `prefix`, and the server's time of the answer.
  Result<std::vector<MultipartUpload>> ListMultipartUploads(const std::string& prefix,
                                                            int64_t* server_now_ns) const;
  // Starts a multipart upload of `key`; returns its UploadId.
  Result<std::string> CreateMultipartUpload(const std::string& key);
  Status AbortMultipartUpload(const std::string& key, const std::string& upload_id);

 private:
  struct Call {
    std::string method;
    std::string key;  // "" = the bucket itself
    NameValues query;
    NameValues headers;  // besides host, x-amz-*, content-md5
    ByteView body;
    // The longest answer body accepted (HttpRequest::max_response_body).
    uint64_t max_answer = kMaxListingAnswer;
  };
  struct Answer {
    HttpResponse response;
    int attempts = 0;
  };

  // PutObject of an object larger than Options::multipart_threshold (multipart.cc).
  Status PutMultipart(const std::string& key, ByteView data);
  Result<std::string> UploadPart(const std::string& key, const std::string& upload_id,
                                 int number, ByteView part);
  Status CompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                 const std::vector<std::string>& etags, uint64_t size);

  HttpRequest Build(const Call& call) const;
  // Sends `call`, retrying transient failures. A transport failure that outlives the retries is
  // kIo; an HTTP error answer is returned as is (see AnswerError).
  Result<Answer> Execute(const Call& call, const std::string& what) const;
  // The one-line error for a non-2xx answer about `what` (an object's Describe(), or the
  // location).
  Error AnswerError(const HttpResponse& response, const std::string& what) const;
  // The one-line error (kIo) when TLS verification refused the server's certificate: why, and
  // what to do (--cacert for a private CA; for another name, the host connected to and, when
  // the bucket is in it, --s3-bucket-lookup path).
  Error CertificateError(const HttpResponse& response, const std::string& what) const;
  // True when an error answer means the session token was refused (only with one): AWS's
  // InvalidToken, ExpiredToken, TokenRefreshRequired, and a 400 InvalidArgument without a
  // message (Ceph RGW's answer to a token it cannot decode) or whose message names a token.
  bool IsSessionTokenRefusal(long status, const S3ErrorBody& body) const;
  int64_t NowNs() const;

  Options options_;
  std::string host_;         // the host name connected to: BUCKET.host when virtual-hosted
  std::string host_header_;  // what "Host:" says
  std::string url_base_;     // "https://host[:port]"
  bool path_style_ = true;
  std::unique_ptr<HttpClient> http_;
};

// Base64 of the MD5 of `data`, for the Content-MD5 header.
std::string ContentMd5(ByteView data);
// What x-amz-content-sha256 says and SigV4 signs for a request with `headers` and `body`:
// "UNSIGNED-PAYLOAD" when the headers carry a Content-MD5 (which is signed, and which the server
// checks against the body it received: the body is protected without hashing it twice), else
// the lower-case hex SHA-256 of the body (which the server checks).
std::string PayloadHash(const NameValues& headers, ByteView body);
// The instant of an HTTP date ("Sun, 06 Dec 2026 18:00:00 GMT"), in ns since the epoch.
Result<int64_t> ParseHttpDate(std::string_view text);
// Whether `host` is an IPv4 or IPv6 literal.
bool IsIpAddress(std::string_view host);

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_CLIENT_H_
