// s3: repositories in S3-compatible object storage (AWS S3, Backblaze B2, Wasabi, Ceph RGW,
// MinIO), as a backend::Backend. HTTP through libcurl, requests signed with AWS Signature
// Version 4 (sigv4.h), errors parsed from the server's XML answer. The repository's files map to
// objects under the location's prefix exactly as they map to files in a local repository
// (config, keys/<name>, locks/<name>, snapshots/<id>, index/<id>, data/<xx>/<id>), so a
// repository copied between a directory and a bucket stays readable.
//
// What the backend assumes of the server (docs/repository-format.md, "Object storage"): a PUT is
// atomic (an object is absent or whole), read-after-write and list-after-write consistency (AWS
// S3 since December 2020, Ceph RGW always), and Last-Modified set by the server's clock.
// Thread-safe: many requests run at once on reused connections.
#ifndef STORMPROOF_ENGINE_S3_S3_H_
#define STORMPROOF_ENGINE_S3_S3_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret.h"
#include "engine/backend/backend.h"

namespace stormproof::s3 {

// Where a repository lives: "s3:https://host[:port]/bucket[/prefix]" (restic's syntax) or
// "s3:http://..." for a local test endpoint.
struct Location {
  std::string scheme;  // "https" or "http"
  std::string host;    // "s3.eu-west-1.amazonaws.com", "127.0.0.1"
  int port = 0;        // 0: the scheme's default
  std::string bucket;  // "acme-offsite"
  std::string prefix;  // "" or "hosts/fileserver" (no leading or trailing '/')

  // "s3:https://host[:port]/bucket[/prefix]", as the user would write it.
  std::string ToString() const;
};

// True when `text` names an S3 location ("s3:" followed by anything), whether valid or not.
bool IsS3Location(std::string_view text);
// Parses an S3 location. Errors (kInvalidArgument, one line naming `text` and what is wrong): no
// "http://" or "https://" after "s3:", no host, no bucket, an invalid bucket name, a bad port.
Result<Location> ParseLocation(std::string_view text);

// How requests address the bucket: path style (https://host/bucket/key) or virtual-hosted style
// (https://bucket.host/key). kAuto picks path style for an IP address or an explicit port (a
// local server) or a bucket name with a '.' (which a wildcard TLS certificate of the virtual
// host would not cover), and virtual-hosted style otherwise.
enum class Addressing { kAuto, kPath, kVirtualHost };
// restic's words for an Addressing (its s3.bucket-lookup option; the CLI's --s3-bucket-lookup, the
// plan's bucket_lookup): "auto", "path", "dns" (virtual-hosted).
const char* BucketLookupWord(Addressing addressing);
// The Addressing `word` names, in any case; nothing for another word.
std::optional<Addressing> ParseBucketLookup(std::string_view word);

struct Credentials {
  std::string access_key_id;
  SecretString secret_access_key;
  SecretString session_token;  // empty unless temporary credentials
};

// Where credentials and the region come from, in this order: the plan's credentials_file and
// region (when given), else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else
// the profile AWS_PROFILE (default "default") of AWS_SHARED_CREDENTIALS_FILE (default
// ~/.aws/credentials). Region: the plan's, else AWS_REGION, else AWS_DEFAULT_REGION, else the
// profile's `region`, else "us-east-1".
struct CredentialSources {
  std::string credentials_file;  // the plan's repositories[].credentials_file; "" = none
  std::string profile;           // "" = AWS_PROFILE or "default"
  std::string region;            // the plan's repositories[].region; "" = from the environment
};
struct ResolvedCredentials {
  Credentials credentials;
  std::string region;
  std::string source;  // for messages, never the secret: "AWS_ACCESS_KEY_ID", "profile 'x' of F"
};
// Errors: kInvalidArgument naming the file, line and problem (a malformed credentials file, a
// profile without aws_secret_access_key), kNotFound ("no S3 credentials: set AWS_ACCESS_KEY_ID
// and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the plan's credentials_file").
Result<ResolvedCredentials> ResolveCredentials(const CredentialSources& sources);

// Bounded retries with exponential back-off and full jitter, for timeouts, connection resets,
// 500, 502, 503 (SlowDown), 504 and 429. A permanent error (400, 403, 404 where something must
// exist, 409, 412) is never retried.
struct RetryPolicy {
  int max_attempts = 8;
  std::chrono::milliseconds first_delay{200};
  std::chrono::milliseconds max_delay{10'000};
  std::chrono::seconds max_total{120};  // no new attempt starts after this much time in all
};

struct Options {
  Location location;
  std::string region = "us-east-1";
  Credentials credentials;
  Addressing addressing = Addressing::kAuto;
  std::string ca_file;        // --cacert: PEM bundle to verify the server with; "" = system CAs
  bool insecure_tls = false;  // --insecure-tls: do not verify the server's certificate
  int max_in_flight = 8;      // requests at once, across threads; more callers wait
  RetryPolicy retry;
  std::chrono::seconds connect_timeout{10};
  // A transfer slower than 1 KiB/s for this long is abandoned (and retried).
  std::chrono::seconds stall_timeout{60};
  // Objects larger than this are uploaded in parts of multipart_part_size bytes (S3 wants parts
  // of at least 5 MiB, but the last); an upload that fails is aborted. Packs (8 MiB) take one PUT.
  uint64_t multipart_threshold = uint64_t{64} << 20;
  uint64_t multipart_part_size = uint64_t{16} << 20;
  // The clock requests are signed with (nanoseconds since the epoch); empty = the system clock.
  // Tests skew it to provoke RequestTimeTooSkewed.
  std::function<int64_t()> clock = {};
  // Object Lock (docs/object-storage.md, "Immutable copies"). With a retention, every object
  // written except under locks/ is stored with x-amz-object-lock-mode and
  // x-amz-object-lock-retain-until-date = the server's now + days + E, E being
  // backend::RetentionSpareDays (so maintenance's Backend::ExtendRetention needs to look only at
  // older objects). Backend::SetRetention, which the repository calls from its config, sets the
  // same later. CreateBackend then first checks
  // that the bucket has Object Lock enabled; OpenBackend trusts it.
  std::optional<backend::Retention> retention = {};
  // CreateBackend creates a missing bucket with Object Lock enabled
  // (x-amz-bucket-object-lock-enabled: true; it also turns versioning on). Object Lock cannot be
  // turned on for an existing bucket. Default: a plain bucket.
  bool create_with_object_lock = false;
};

// Creates a repository's storage: creates the bucket when it does not exist (as restic does;
// with Object Lock when Options::create_with_object_lock), then requires that no object is under
// the prefix (else kInvalidArgument "... is not empty"). With Options::retention, and on a later
// SetRetention of the backend it returns, the bucket must have Object Lock enabled (one
// GetObjectLockConfiguration), else kInvalidArgument "s3:...: bucket 'B' does not have Object
// Lock enabled (...)" before anything is written. Errors name the location and what the user can do
// ("s3:https://host/acme: access denied (InvalidAccessKeyId): check AWS_ACCESS_KEY_ID or the
// plan's credentials_file"); kNotFound for a missing bucket.
Result<std::unique_ptr<backend::Backend>> CreateBackend(Options options);
// Opens existing storage without a request (a backup's requests are priced: the repository's
// first read, its config, answers for the bucket too). A missing bucket is the kNotFound of the
// first request: "s3:...: bucket 'B' does not exist". Whether a repository is there is the
// repository's question (it reads `config`).
Result<std::unique_ptr<backend::Backend>> OpenBackend(Options options);

}  // namespace stormproof::s3

#endif  // STORMPROOF_ENGINE_S3_S3_H_
