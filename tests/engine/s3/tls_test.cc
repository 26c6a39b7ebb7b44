// TLS, virtual-hosted addressing and session tokens against a real Ceph RADOS Gateway started
// with scripts/rgw start --tls --sts (tests/engine/s3/rgw.h): the command line over https with a
// private CA (--cacert, STORMPROOF_CACERT), refused without it or for another host name, and
// --insecure-tls said on stderr; buckets reached as BUCKET.s3.localhost (--s3-bucket-lookup dns)
// or in the path, as the user chooses; a backup with temporary credentials from RGW's STS
// (AssumeRole, signed with the project's own SigV4 signer). Secrets never appear in the output.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "engine/s3/internal/sigv4.h"
#include "tests/cli/cli_runner.h"
#include "tests/engine/s3/fault_proxy.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

[[maybe_unused]] const bool kFeaturesRequested =
    (RequestRgwFeatures({.tls = true, .sts = true}), true);

int Lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

// Temporary credentials of the role Rgw().sts_role_arn.
struct TemporaryCredentials {
  std::string access_key, secret_key, session_token;
};

size_t AppendBody(char* data, size_t size, size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

std::string XmlField(const std::string& xml, const std::string& name) {
  const std::string open = "<" + name + ">";
  size_t start = xml.find(open);
  if (start == std::string::npos) return "";
  start += open.size();
  return xml.substr(start, xml.find("</" + name + ">", start) - start);
}

// AssumeRole (STS, POST form) signed by s3::internal::Sign as Rgw()'s user.
TemporaryCredentials AssumeRole() {
  const RgwServer& rgw = Rgw();
  const std::string body = "Action=AssumeRole&DurationSeconds=900&RoleArn=" +
                           s3::internal::UriEncode(rgw.sts_role_arn, false) +
                           "&RoleSessionName=tls-test&Version=2011-06-15";
  const ByteView bytes(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  const std::string payload = s3::internal::Sha256Hex(bytes);
  const std::string amz_date =
      s3::internal::AmzDate(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  s3::internal::SigningRequest request{"POST", "/", {}, {}, payload};
  request.headers = {{"Host", rgw.host_port},
                     {"Content-Type", "application/x-www-form-urlencoded"},
                     {"x-amz-content-sha256", payload},
                     {"x-amz-date", amz_date}};
  s3::internal::SigningScope scope{rgw.access_key, rgw.secret_key, rgw.region, "sts", amz_date};
  const s3::internal::Signature signature = s3::internal::Sign(request, scope);

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    if (name != "Host") headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  headers = curl_slist_append(headers, ("Authorization: " + signature.authorization).c_str());
  std::string answer;
  CURL* curl = curl_easy_init();
  const std::string url = rgw.endpoint + "/";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  EXPECT_EQ(status, 200) << answer;
  return {XmlField(answer, "AccessKeyId"), XmlField(answer, "SecretAccessKey"),
          XmlField(answer, "SessionToken")};
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ExportRgwCredentials(); }

  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ =
        fs::temp_directory_path() / ("stormproof-tls-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data" / "sub");
    std::ofstream(dir_ / "password") << "correct horse\n";
    fs::permissions(dir_ / "password", fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream(dir_ / "data" / "hello.txt") << "hello, world\n";
    std::mt19937_64 rng(7);
    std::string random(300 << 10, '\0');
    for (char& c : random) c = static_cast<char>(rng());
    std::ofstream(dir_ / "data" / "sub" / "random.bin", std::ios::binary) << random;
    bucket_ = UniqueBucketName(name);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `stormproof --repo REPO ARGS` with the password file, a cache under dir_ and `env`.
  CliResult Run(const std::string& args, const std::string& repo, const std::string& env = "") {
    return RunStormproof(
        "--repo '" + repo + "' --cache-dir '" + (dir_ / "cache").string() + "' " + args,
        "STORMPROOF_KDF_TEST=1 STORMPROOF_CACERT= STORMPROOF_PASSWORD_FILE='" +
            (dir_ / "password").string() + "' " + env);
  }
  static std::string CaFlag() { return "--cacert '" + Rgw().ca_file + "' "; }
  std::string Data() const { return (dir_ / "data").string(); }

  // init, backup and restore --verify at `repo`; the restored tree equals the data. Returns
  // everything the three commands printed.
  std::string BackUpAndRestore(const std::string& repo, const std::string& flags,
                               const std::string& env = "") {
    CliResult init = Run(flags + "init", repo, env);
    EXPECT_EQ(init.exit_code, 0) << init.err;
    CliResult backup = Run(flags + "backup " + Data(), repo, env);
    EXPECT_EQ(backup.exit_code, 0) << backup.err;
    const std::string target = (dir_ / "restored").string();
    CliResult restore = Run(flags + "restore latest --verify --target " + target, repo, env);
    EXPECT_EQ(restore.exit_code, 0) << restore.err;
    EXPECT_EQ(::system(("diff -r " + Data() + " " + target + Data()).c_str()), 0);
    std::string printed;
    for (const CliResult* result : {&init, &backup, &restore}) printed += result->out + result->err;
    ExpectNoSecret(printed);
    return printed;
  }

  static void ExpectNoSecret(const std::string& text) {
    EXPECT_THAT(text, Not(HasSubstr(Rgw().secret_key)));
  }

  fs::path dir_;
  std::string bucket_;
};

TEST_F(TlsTest, BacksUpAndRestoresOverHttpsWithCacert) {
  BackUpAndRestore(RgwHttpsLocation(bucket_, "hosts/fs1"), CaFlag());
}

TEST_F(TlsTest, TakesTheCaFromStormproofCacert) {
  BackUpAndRestore(RgwHttpsLocation(bucket_), "", "STORMPROOF_CACERT='" + Rgw().ca_file + "'");
}

// Without the private CA the certificate is refused at once (no retries), in one line that names
// the location and says what to do; exit 1 (docs/cli.md, --cacert).
TEST_F(TlsTest, RefusesAnUnknownCaInOneLineSuggestingCacert) {
  const std::string repo = RgwHttpsLocation(bucket_);
  CliResult init = Run("init", repo);
  EXPECT_EQ(init.exit_code, 1) << init.err;
  EXPECT_THAT(init.err, StartsWith("stormproof: " + repo));
  EXPECT_THAT(init.err, HasSubstr("TLS certificate refused"));
  EXPECT_THAT(init.err, HasSubstr("--cacert FILE"));
  EXPECT_EQ(Lines(init.err), 1) << init.err;
  EXPECT_THAT(init.err, Not(HasSubstr("attempts"))) << "a refused certificate is not retried";
  ExpectNoSecret(init.out + init.err);

  // An existing repository, opened without the CA: the same refusal.
  ASSERT_EQ(Run(CaFlag() + "init", repo).exit_code, 0);
  CliResult backup = Run("backup " + Data(), repo);
  EXPECT_EQ(backup.exit_code, 1) << backup.err;
  EXPECT_THAT(backup.err, HasSubstr("--cacert FILE"));
  EXPECT_EQ(Lines(backup.err), 1) << backup.err;
}

TEST_F(TlsTest, InsecureTlsWorksAndSaysVerificationIsOff) {
  const std::string repo = RgwHttpsLocation(bucket_);
  CliResult init = Run("--insecure-tls init", repo);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_THAT(init.err, HasSubstr("TLS verification is off"));
  CliResult backup = Run("--insecure-tls backup " + Data(), repo);
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  const std::string warning = "stormproof: warning: --insecure-tls: TLS verification is off";
  EXPECT_THAT(backup.err, StartsWith(warning));
  EXPECT_EQ(backup.err.find(warning, 1), std::string::npos) << "said once: " << backup.err;
  ExpectNoSecret(init.out + init.err + backup.out + backup.err);
}

// other.localhost reaches the gateway (curl resolves *.localhost to loopback) but the
// certificate names 127.0.0.1, localhost, s3.localhost and *.s3.localhost only.
TEST_F(TlsTest, RefusesACertificateForAnotherHostName) {
  const std::string repo =
      "s3:https://other.localhost:" + std::to_string(Rgw().https_port) + "/" + bucket_;
  CliResult init = Run(CaFlag() + "init", repo);
  EXPECT_EQ(init.exit_code, 1) << init.err;
  EXPECT_THAT(init.err, StartsWith("stormproof: " + repo));
  EXPECT_THAT(init.err, HasSubstr("does not name host 'other.localhost'"));
  EXPECT_EQ(Lines(init.err), 1) << init.err;

  // A name it was issued for, same server, same CA: accepted.
  const std::string named =
      "s3:https://" + Rgw().dns_name + ":" + std::to_string(Rgw().https_port) + "/" + bucket_;
  CliResult again = Run(CaFlag() + "init", named);
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

// With --s3-bucket-lookup dns a bucket name holding a '.' makes a host name (dot.B.s3.localhost)
// that a wildcard certificate (*.s3.localhost) does not cover, as on AWS. The refusal names the
// host actually connected to and points at path-style lookup; it does not claim the certificate
// lacks 's3.localhost', which it has.
TEST_F(TlsTest, ADottedBucketRefusedByAWildcardNamesTheHostConnectedTo) {
  const std::string bucket = "dot." + bucket_;
  const std::string repo =
      "s3:https://" + Rgw().dns_name + ":" + std::to_string(Rgw().https_port) + "/" + bucket;
  CliResult init = Run(CaFlag() + "--s3-bucket-lookup dns init", repo);
  EXPECT_EQ(init.exit_code, 1) << init.err;
  EXPECT_EQ(Lines(init.err), 1) << init.err;
  EXPECT_THAT(init.err, HasSubstr("TLS certificate refused")) << init.err;
  EXPECT_THAT(init.err, Not(HasSubstr("does not name host '" + Rgw().dns_name + "'")))
      << "blames a name the certificate has: " << init.err;
  EXPECT_THAT(init.err, HasSubstr(bucket + "." + Rgw().dns_name)) << init.err;
  EXPECT_THAT(init.err, HasSubstr("--s3-bucket-lookup path")) << init.err;
}

// Virtual-hosted style over TLS: requests go to https://BUCKET.s3.localhost:PORT/KEY (the
// gateway's "rgw dns name" is s3.localhost; the certificate covers *.s3.localhost). The objects
// land in the bucket, as a path-style listing shows.
TEST_F(TlsTest, BacksUpAndRestoresWithVirtualHostedAddressing) {
  const std::string repo = "s3:https://" + Rgw().dns_name + ":" + std::to_string(Rgw().https_port) +
                           "/" + bucket_ + "/hosts/fs1";
  BackUpAndRestore(repo, CaFlag() + "--s3-bucket-lookup dns ");
  RgwResponse listing = RgwRequest("GET", "/" + bucket_ + "?list-type=2");
  ASSERT_EQ(listing.status, 200) << listing.body << listing.error;
  EXPECT_THAT(listing.body, HasSubstr("<Key>hosts/fs1/config</Key>"));
}

// What goes over the wire, seen by a FaultProxy in front of the gateway (plain HTTP): auto
// addressing (the default) puts the bucket in the path for a host name with a port and for an
// IP address.
TEST_F(TlsTest, AutoAddressingUsesPathStyleForAPortOrAnIpAddress) {
  FaultProxy proxy("127.0.0.1", Rgw().port);
  const std::string port = std::to_string(proxy.port());
  for (const std::string& host : {Rgw().dns_name, std::string("127.0.0.1")}) {
    const std::string bucket = UniqueBucketName("addressing");
    const std::string repo = "s3:http://" + host + ":" + port + "/" + bucket;
    proxy.ResetCounts();
    CliResult init = Run("init", repo);
    ASSERT_EQ(init.exit_code, 0) << repo << ": " << init.err;
    const std::vector<std::string> requests = proxy.requests();
    ASSERT_FALSE(requests.empty());
    for (const std::string& request : requests) {
      EXPECT_NE(request.find(" /" + bucket), std::string::npos) << repo << ": " << request;
    }
    RgwResponse listing = RgwRequest("GET", "/" + bucket + "?list-type=2");
    EXPECT_THAT(listing.body, HasSubstr("<Key>config</Key>")) << repo;
  }
}

// The user's choice, --s3-bucket-lookup (or STORMPROOF_S3_BUCKET_LOOKUP; the flag wins; either
// in any case): dns puts the bucket in the host name even with a port, path puts it in the path;
// the objects land in the bucket either way.
TEST_F(TlsTest, BucketLookupChoosesTheAddressing) {
  FaultProxy proxy("127.0.0.1", Rgw().port);
  const std::string host_port = Rgw().dns_name + ":" + std::to_string(proxy.port());
  struct Case {
    std::string flag, env;
    bool bucket_in_path;
  };
  for (const Case& c :
       {Case{"--s3-bucket-lookup dns ", "", false}, Case{"--s3-bucket-lookup path ", "", true},
        Case{"--s3-bucket-lookup DNS ", "", false},
        Case{"", "STORMPROOF_S3_BUCKET_LOOKUP=dns", false},
        Case{"", "STORMPROOF_S3_BUCKET_LOOKUP=Path", true},
        Case{"--s3-bucket-lookup path ", "STORMPROOF_S3_BUCKET_LOOKUP=dns", true}}) {
    const std::string bucket = UniqueBucketName("lookup");
    const std::string repo = "s3:http://" + host_port + "/" + bucket + "/hosts/fs1";
    const std::string what = c.flag + c.env;
    proxy.ResetCounts();
    CliResult init = Run(c.flag + "init", repo, c.env);
    ASSERT_EQ(init.exit_code, 0) << what << ": " << init.err;
    const std::vector<std::string> requests = proxy.requests();
    ASSERT_FALSE(requests.empty()) << what;
    for (const std::string& request : requests) {
      EXPECT_EQ(request.find(" /" + bucket) != std::string::npos, c.bucket_in_path)
          << what << ": " << request;
    }
    RgwResponse listing = RgwRequest("GET", "/" + bucket + "?list-type=2");
    EXPECT_THAT(listing.body, HasSubstr("<Key>hosts/fs1/config</Key>")) << what;
  }
}

// A word other than auto, dns or path (restic's own; "virtual" is not one) is a usage error,
// exit 2, in one line naming the option or the variable and the allowed words, before anything
// is reached. A bad STORMPROOF_S3_BUCKET_LOOKUP is met only when an s3: location is opened
// (tests/cli/repository_location_test.cc: plan commands and local repositories ignore it); the
// flag, when given, wins over it.
TEST_F(TlsTest, RefusesAnUnknownBucketLookup) {
  const std::string repo = RgwLocation(bucket_);
  CliResult flag = Run("--s3-bucket-lookup virtual init", repo);
  EXPECT_EQ(flag.exit_code, 2) << flag.err;
  EXPECT_THAT(flag.err, StartsWith("stormproof: --s3-bucket-lookup: virtual not in "
                                   "{auto,dns,path}; run 'stormproof "));

  CliResult env = Run("init", repo, "STORMPROOF_S3_BUCKET_LOOKUP=virtual");
  EXPECT_EQ(env.exit_code, 2) << env.err;
  EXPECT_EQ(env.err, "stormproof: " + repo +
                         ": STORMPROOF_S3_BUCKET_LOOKUP='virtual' is not auto, dns or path: "
                         "correct or unset it (--s3-bucket-lookup overrides it)\n");
  EXPECT_EQ(RgwRequest("HEAD", "/" + bucket_).status, 404) << "nothing reached the gateway";

  CliResult overridden =
      Run("--s3-bucket-lookup path init", repo, "STORMPROOF_S3_BUCKET_LOOKUP=virtual");
  EXPECT_EQ(overridden.exit_code, 0) << overridden.err;
}

// scripts/rgw --sts writes the gateway's STS signing key ("rgw sts key") into ceph.conf: the
// file, and the cluster's directory, are for the owner alone whatever the umask.
TEST_F(TlsTest, TheClustersConfigurationIsPrivate) {
  struct stat config = {};
  struct stat directory = {};
  ASSERT_EQ(::stat((Rgw().directory + "/ceph.conf").c_str(), &config), 0);
  ASSERT_EQ(::stat(Rgw().directory.c_str(), &directory), 0);
  EXPECT_EQ(config.st_mode & 0777, 0600u) << std::oct << (config.st_mode & 0777);
  EXPECT_EQ(directory.st_mode & 077, 0u) << std::oct << (directory.st_mode & 0777);
}

// Temporary credentials (AWS_SESSION_TOKEN) from the gateway's STS: the session token is sent
// and signed with every request, and a backup and a restore work with them.
TEST_F(TlsTest, BacksUpWithTemporaryCredentials) {
  const TemporaryCredentials temporary = AssumeRole();
  ASSERT_FALSE(temporary.session_token.empty());
  const std::string env = "AWS_ACCESS_KEY_ID='" + temporary.access_key +
                          "' AWS_SECRET_ACCESS_KEY='" + temporary.secret_key +
                          "' AWS_SESSION_TOKEN='" + temporary.session_token + "'";
  const std::string printed =
      BackUpAndRestore(RgwHttpsLocation(bucket_, "hosts/fs1"), CaFlag(), env);
  EXPECT_THAT(printed, Not(HasSubstr(temporary.secret_key)));
  EXPECT_THAT(printed, Not(HasSubstr(temporary.session_token.substr(0, 16))));

  // Without the token the temporary key is unknown to the gateway.
  CliResult without = Run(CaFlag() + "snapshots", RgwHttpsLocation(bucket_, "hosts/fs1"),
                          "AWS_ACCESS_KEY_ID='" + temporary.access_key +
                              "' AWS_SECRET_ACCESS_KEY='" + temporary.secret_key + "'");
  EXPECT_EQ(without.exit_code, 14) << without.err;
}

// A damaged session token is access denied (exit 14) in one line that prints neither the token
// nor the secret.
TEST_F(TlsTest, RefusesAWrongSessionTokenWithoutPrintingIt) {
  const TemporaryCredentials temporary = AssumeRole();
  ASSERT_GT(temporary.session_token.size(), 20u);
  std::string wrong = temporary.session_token;
  wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
  const std::string repo = RgwHttpsLocation(bucket_);
  CliResult init = Run(CaFlag() + "init", repo,
                       "AWS_ACCESS_KEY_ID='" + temporary.access_key + "' AWS_SECRET_ACCESS_KEY='" +
                           temporary.secret_key + "' AWS_SESSION_TOKEN='" + wrong + "'");
  EXPECT_EQ(init.exit_code, 14) << init.err;
  EXPECT_THAT(init.err, StartsWith("stormproof: " + repo));
  EXPECT_THAT(init.err, HasSubstr("the session token is wrong or has expired"));
  EXPECT_THAT(init.err, HasSubstr("AWS_SESSION_TOKEN"));
  EXPECT_EQ(Lines(init.err), 1) << init.err;
  const std::string output = init.out + init.err;
  EXPECT_THAT(output, Not(HasSubstr(wrong.substr(0, 16))));
  EXPECT_THAT(output, Not(HasSubstr(temporary.session_token.substr(0, 16))));
  EXPECT_THAT(output, Not(HasSubstr(temporary.secret_key)));
}

}  // namespace
}  // namespace stormproof::testing
