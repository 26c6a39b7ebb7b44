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
#include <optional>
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

// Object Lock of one object version: what a PUT asks the server to keep, or what it keeps.
struct ObjectLock {
  backend::Retention::Mode mode = backend::Retention::Mode::kGovernance;
  int64_t retain_until_ns = 0;  // whole seconds; sent as UTC "YYYY-MM-DDTHH:MM:SSZ"
};
// What GetObjectRetention found: no lock (an object written without one), or its lock.
using ObjectRetention = std::optional<ObjectLock>;
// Whether a retention change or a version DELETE asks to bypass GOVERNANCE mode
// (x-amz-bypass-governance-retention: true; needs s3:BypassGovernanceRetention).
enum class Bypass { kNo, kGovernance };
// Whether CreateBucket enables Object Lock (x-amz-bucket-object-lock-enabled: true).
enum class BucketObjectLock { kOff, kEnabled };

// One entry of ListObjectVersions: a version of an object or a delete marker.
struct ObjectVersion {
  std::string key;
  std::string version_id;  // "null" for an object written before versioning was on
  bool is_latest = false;
  bool delete_marker = false;
  uint64_t size = 0;        // 0 for a delete marker
  int64_t modified_ns = 0;  // LastModified, by the server's clock
  // The ETag (quotes included; "" for a delete marker): two versions with the same ETag and
  // size hold the same bytes (a retried PUT), different ones different bytes (an overwrite).
  std::string etag = {};
  // The canonical id of who wrote the version or placed the delete marker (<Owner><ID>; "" when
  // the server does not say).
  std::string owner_id = {};
};

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
  // With `lock`, the object is stored under that Object Lock (lock headers on the PUT; for a
  // multipart upload, which Ceph RGW stores without the initiation's lock headers, the
  // retention is then set with PutObjectRetention and read back: an upload whose version is not
  // retained as asked fails, naming the object).
  Status PutObject(const std::string& key, ByteView data, Overwrite overwrite,
                   const ObjectLock* lock = nullptr);
  // GET of the bytes [offset, offset + length) (length 0: to the end; offset 0 and length 0:
  // the whole object). The answer may be shorter than asked when the object is; `object_size`
  // says how long the object is. kNotFound when it does not exist.
  Result<ObjectRange> GetObject(const std::string& key, uint64_t offset, uint64_t length) const;
  Result<ObjectInfo> HeadObject(const std::string& key) const;
  // A missing object is not an error. On a versioned bucket the DELETE places a delete marker:
  // its version id (the answer's x-amz-version-id) goes into *marker_version_id when given
  // ("" when the server names none, e.g. on a bucket without versioning).
  Status DeleteObject(const std::string& key, std::string* marker_version_id = nullptr);
  // Every object whose key starts with `prefix`, page by page (ListObjectsV2). `max_objects`
  // > 0 stops after that many.
  Status ListObjects(const std::string& prefix,
                     const std::function<void(const ListedObject&)>& each,
                     int max_objects = 0) const;
  // Creates the bucket (with LocationConstraint outside us-east-1); one the caller already owns
  // is fine.
  Status CreateBucket(BucketObjectLock object_lock = BucketObjectLock::kOff);
  // Ok when the bucket exists and the credentials may use it; kNotFound "bucket X does not
  // exist". Uses a one-object listing (its error answers carry a code, HEAD's do not).
  Status CheckBucket() const;
  Status HeadBucket() const;
  // The multipart uploads in progress under `prefix`, and the server's time of the answer.
  Result<std::vector<MultipartUpload>> ListMultipartUploads(const std::string& prefix,
                                                            int64_t* server_now_ns) const;
  // Starts a multipart upload of `key` (with `lock`'s headers when given); returns its UploadId.
  Result<std::string> CreateMultipartUpload(const std::string& key,
                                            const ObjectLock* lock = nullptr);
  Status AbortMultipartUpload(const std::string& key, const std::string& upload_id);

  // ---- Object Lock and versions (object_lock.cc) ----
  // Whether the bucket has Object Lock enabled (GetObjectLockConfiguration). A bucket without
  // it is false, not an error. Errors: kPermissionDenied "...: cannot tell whether bucket 'B'
  // has Object Lock: ..." when the credentials may not ask (403 AccessDenied: they lack
  // s3:GetBucketObjectLockConfiguration) or the storage lacks the call (501 NotImplemented).
  Result<bool> BucketHasObjectLock() const;
  // The retention of `key`'s version `version_id` ("" = the latest). kNotFound when the object
  // or version does not exist.
  Result<ObjectRetention> GetObjectRetention(const std::string& key,
                                             const std::string& version_id = "") const;
  // Sets the retention of `key`'s version `version_id` ("" = the latest). Shortening a
  // GOVERNANCE retention or lifting it needs Bypass::kGovernance; COMPLIANCE can only be extended.
  Status PutObjectRetention(const std::string& key, const std::string& version_id,
                            const ObjectLock& lock, Bypass bypass = Bypass::kNo);
  // Every version and delete marker of every key that starts with `prefix`, page by page
  // (ListObjectVersions), newest version of a key first.
  Status ListObjectVersions(const std::string& prefix,
                            const std::function<void(const ObjectVersion&)>& each) const;
  // The whole of `key`'s version `version_id`. kNotFound when it does not exist.
  Result<Bytes> GetObjectVersion(const std::string& key, const std::string& version_id) const;
  // Deletes `key`'s version `version_id` for good (not a delete marker). A missing version is
  // not an error; one under retention is refused by the server (kPermissionDenied).
  Status DeleteObjectVersion(const std::string& key, const std::string& version_id,
                             Bypass bypass = Bypass::kNo);
  // The bucket's versioning status: "Enabled", "Suspended", or "" when never enabled.
  Result<std::string> BucketVersioning() const;
  // Copies `source_key`'s version `version_id` onto `key` as its newest version, on the server
  // (x-amz-copy-source), stored under `lock` when given (copy_object.cc): the new version's
  // retention is then read back and set when the server did not keep the lock headers
  // (EnsureRetention); a copy not retained as asked fails, naming the object.
  Status CopyObjectVersion(const std::string& key, const std::string& source_key,
                           const std::string& version_id, const ObjectLock* lock = nullptr);
  // The server's clock now, as the Date header of the latest answer tells it (whole seconds),
  // moved on by this machine's clock since; this machine's clock until an answer came.
  int64_t ServerNowNs() const;
  // Whether an answer has told the server's time yet.
  bool KnowsServerTime() const { return server_time_known_.load(); }

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
  Status PutMultipart(const std::string& key, ByteView data, const ObjectLock* lock);
  // After a multipart upload of `key` (version `version_id`, "" when the server names none):
  // makes sure the version is retained at least as `lock` asks (RGW ignores the initiation's
  // lock headers): reads its retention, sets it when short, reads it back.
  // `made`: what made the version, for the message ("a multipart upload", "a copy").
  Status EnsureRetention(const std::string& key, const std::string& version_id,
                         const ObjectLock& lock, std::string_view made = "a multipart upload");
  Result<std::string> UploadPart(const std::string& key, const std::string& upload_id,
                                 int number, ByteView part);
  // Returns the version id of the object made ("" when the server names none).
  Result<std::string> CompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                              const std::vector<std::string>& etags,
                                              uint64_t size);
  // The one-line error for a refused write under Object Lock: a bucket without Object Lock or a
  // mode the server refuses named as such (object_lock.cc); AnswerError's otherwise.
  Error ObjectLockRefusal(const HttpResponse& response, const std::string& what) const;
  // Remembers the server's clock from an answer's Date header.
  void NoteServerTime(const HttpResponse& response) const;

  HttpRequest Build(const Call& call) const;
  // Whether `call` carries x-amz-acl: bucket-owner-full-control: every object PUT and multipart
  // start, until the server refused the header once (then never again in this client).
  bool SendsOwnerAcl(const Call& call) const;
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
  // The server's clock minus this machine's, from the latest answer's Date (NoteServerTime).
  mutable std::atomic<int64_t> server_offset_ns_{0};
  mutable std::atomic<bool> server_time_known_{false};
  // The server refused x-amz-acl: bucket-owner-full-control once (client.cc, SendsOwnerAcl).
  mutable std::atomic<bool> owner_acl_refused_{false};
  std::string host_;         // the host name connected to: BUCKET.host when virtual-hosted
  std::string host_header_;  // what "Host:" says
  std::string url_base_;     // "https://host[:port]"
  bool path_style_ = true;
  std::unique_ptr<HttpClient> http_;
};

// The x-amz-object-lock-* headers of a PUT under `lock`, and what S3 calls its mode
// ("GOVERNANCE", "COMPLIANCE").
NameValues ObjectLockHeaders(const ObjectLock& lock);
const char* S3RetentionMode(backend::Retention::Mode mode);

// How far the server's clock (its Date header) may be from this machine's for a retain-until
// date to be computed from it: 15 minutes, as far as AWS accepts a request's signing time.
constexpr int64_t kMaxServerClockSkewNs = int64_t{15} * 60 * 1'000'000'000;
// The retain-until date of an object stored now and kept `keep_ns`: the server's now plus
// `keep_ns`, never earlier than this machine's now plus as much (a client clock behind the
// server's must not shorten it), rounded up to a whole second. Errors: kInvalidArgument naming
// `where` when the two clocks are more than kMaxServerClockSkewNs apart, either way: a hostile
// endpoint (or a man in the middle on http://) would otherwise choose the date, e.g. decades of
// COMPLIANCE retention.
Result<int64_t> RetainUntilNs(int64_t server_now_ns, int64_t own_now_ns, int64_t keep_ns,
                              const std::string& where);

// The server's text (an error's code or message) made fit for a one-line message: control
// characters (a line break, a terminal escape) become '?', and it is cut after 200 bytes.
std::string OneLine(std::string_view text);
// "Code: message" of an S3 error answer, each part OneLine'd (": message" only when it has one).
std::string ServerReason(const S3ErrorBody& body);
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
