// A real S3 server for the tests: a throw-away single-node Ceph cluster with its RADOS Gateway on
// a loopback port (scripts/rgw), one per test binary.
//
// Register a binary that uses it with stormproof_rgw_test() in tests/CMakeLists.txt: the whole
// binary runs as one ctest (label "s3"), so it starts one gateway, not one per test case. The
// first call of Rgw() starts the cluster in a temporary directory (about 2 s; about 110 MiB idle
// plus about 2.7 times the data stored); it is stopped and removed when the process exits,
// however it ends (a failed test, a crash, a SIGKILL from a ctest timeout: scripts/rgw start
// --stop-with watches this process). A binary that cannot start it prints the script's message
// and exits 1. STORMPROOF_KEEP_RGW=1 keeps the
// directory (configuration and logs) after a normal exit and prints where it is.
//
// Tests share the gateway: each uses its own bucket (UniqueBucketName). All functions are
// thread-safe.
#ifndef STORMPROOF_TESTS_ENGINE_S3_RGW_H_
#define STORMPROOF_TESTS_ENGINE_S3_RGW_H_

#include <string>

namespace stormproof::testing {

struct RgwServer {
  std::string endpoint;    // "http://127.0.0.1:PORT"
  std::string access_key;  // of the one S3 user, who owns every bucket
  std::string secret_key;
  std::string region;     // "us-east-1"
  std::string host_port;  // "127.0.0.1:PORT"
  std::string host;       // "127.0.0.1"
  int port = 0;
  std::string directory;  // the cluster's directory (ceph.conf, log/)
  // With RgwFeatures::tls only (else empty / 0):
  std::string https_endpoint;  // "https://127.0.0.1:HTTPS_PORT"
  int https_port = 0;
  std::string ca_file;   // the throw-away CA (PEM) that signed the gateway's certificate
  std::string dns_name;  // "s3.localhost": virtual-hosted requests go to BUCKET.s3.localhost
  // With RgwFeatures::sts only: the role the user may assume ("arn:aws:iam:::role/...").
  std::string sts_role_arn;
};

// What the gateway of this binary offers besides plain HTTP (scripts/rgw start --tls, --sts).
struct RgwFeatures {
  bool tls = false;  // HTTPS with a private CA, and virtual-hosted bucket names
  bool sts = false;  // AssumeRole: temporary credentials with a session token
};
// Asks for `features`. REQUIRES: called before the first Rgw() (e.g. from a namespace-scope
// initializer of the test file); later calls have no effect.
void RequestRgwFeatures(RgwFeatures features);

// The gateway of this test binary, started on first use.
const RgwServer& Rgw();

// A bucket name no other test in this gateway has used: "sp-<hint>-<counter>-<random>", a valid
// S3 name (hint lower-cased, other characters than [a-z0-9] turned into '-', cut to fit 63).
// The bucket is not created.
std::string UniqueBucketName(const std::string& hint);

// "s3:http://127.0.0.1:PORT/<bucket>" or ".../<bucket>/<prefix>" for Rgw().
std::string RgwLocation(const std::string& bucket, const std::string& prefix = "");

// "s3:https://127.0.0.1:HTTPS_PORT/<bucket>[/<prefix>]" for Rgw() started with RgwFeatures::tls.
std::string RgwHttpsLocation(const std::string& bucket, const std::string& prefix = "");

// Sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION to Rgw()'s user, and unsets
// AWS_SESSION_TOKEN, AWS_PROFILE and AWS_DEFAULT_REGION, for child processes (CLI tests).
// Not safe against threads reading the environment at the same time.
void ExportRgwCredentials();

// A plain S3 request signed as Rgw()'s user (curl's SigV4 with an unsigned payload), for tests
// that need a bucket or an object without the code under test. `path` is "/bucket[/key][?query]"
// with at most one query parameter; `endpoint` "" means Rgw().endpoint (a FaultProxy's endpoint
// puts the proxy in between). Never fails the test by itself: a transport error gives status 0
// and `error`.
struct RgwResponse {
  long status = 0;
  std::string body;
  std::string error;  // curl's message when status is 0
};
RgwResponse RgwRequest(const std::string& method, const std::string& path,
                       const std::string& body = "", const std::string& endpoint = "");

// Creates `bucket` (RgwRequest PUT) and returns its name; a failure fails the current test.
std::string CreateRgwBucket(const std::string& bucket);

// A second S3 user of Rgw()'s cluster (radosgw-admin user create), e.g. a backup host's
// upload-only credentials beside the bucket owner's. Its keys are made here and never printed
// (the tool's output, which shows them, is discarded).
struct RgwUser {
  std::string uid;
  std::string access_key, secret_key;
  std::string arn;  // "arn:aws:iam:::user/<uid>", for a bucket policy's Principal
};
// Creates user `uid` (new to this gateway: [a-z0-9-]). A failure fails the current test and
// returns a user with empty keys.
RgwUser CreateRgwUser(const std::string& uid);

// The uid of Rgw()'s user (scripts/rgw), who owns every bucket.
inline constexpr char kRgwOwnerUid[] = "stormproof";
// A second S3 key of Rgw()'s user (radosgw-admin key create): another credential of the same
// owner, as every IAM key of one AWS account shares the account's canonical id. A failure fails
// the current test and returns empty keys.
RgwUser AddRgwOwnerKey();

// Sets the bucket policy of `bucket` (PutBucketPolicy, signed as Rgw()'s user, its owner) to
// `policy_json`. Returns the answer (204 when set).
RgwResponse PutRgwBucketPolicy(const std::string& bucket, const std::string& policy_json);

// The upload-only bucket policy of docs/object-storage.md, "Ceph RGW (tested)", for `bucket` and
// the backup hosts' user `user` (a uid of CreateRgwUser): the user may list, read (versions and
// retention included: check --immutability reads them) and write; every delete, retention change
// and governance bypass is denied explicitly. The same text as the docs with "acme-offsite" and
// "acme-backup" replaced (s3_upload_only_test compares the two, so they cannot drift apart).
std::string UploadOnlyPolicy(const std::string& bucket, const std::string& user);

// A bucket policy for `bucket` that allows the user `user_arn` (RgwUser::arn) every action on the
// bucket and its objects: another user, as an attacker holding other credentials would be.
std::string FullAccessPolicy(const std::string& bucket, const std::string& user_arn);

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_ENGINE_S3_RGW_H_
