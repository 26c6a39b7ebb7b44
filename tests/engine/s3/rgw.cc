#include "tests/engine/s3/rgw.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string_view>
#include <utility>

namespace stormproof::testing {
namespace {

// The cluster's directory must stay short: a Unix socket path (its admin sockets) has at most
// 107 bytes.
constexpr size_t kMaxBaseLength = 60;

std::string TemporaryBase() {
  const char* tmpdir = std::getenv("TMPDIR");
  if (tmpdir != nullptr && *tmpdir == '/' && std::string_view(tmpdir).size() <= kMaxBaseLength) {
    return tmpdir;
  }
  return "/tmp";
}

bool KeepCluster() {
  const char* keep = std::getenv("STORMPROOF_KEEP_RGW");
  return keep != nullptr && std::string_view(keep) == "1";
}

// Runs `command` through the shell; returns its exit status and puts stdout and stderr together
// in `output`.
int RunCapturing(const std::string& command, std::string& output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    output = "popen failed";
    return -1;
  }
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::map<std::string, std::string> ReadEnvFile(const std::string& path) {
  std::map<std::string, std::string> values;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    size_t equals = line.find('=');
    if (equals != std::string::npos) values[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return values;
}

std::string* g_cluster_directory = nullptr;  // set once the cluster runs, for StopAtExit

RgwFeatures& RequestedFeatures() {
  static RgwFeatures features;
  return features;
}

void StopAtExit() {
  std::string output;
  const std::string dir = *g_cluster_directory;
  const bool keep = KeepCluster();
  int status = RunCapturing(
      std::string(STORMPROOF_RGW_SCRIPT) + " stop " + dir + (keep ? "" : " --clean"), output);
  if (status != 0)
    std::fprintf(stderr, "rgw fixture: stopping %s failed: %s", dir.c_str(), output.c_str());
  if (keep) std::fprintf(stderr, "rgw fixture: kept the cluster's directory %s\n", dir.c_str());
}

[[noreturn]] void FailToStart(const std::string& message) {
  std::fprintf(stderr, "rgw fixture: the RADOS Gateway did not start: %s\n", message.c_str());
  std::fflush(stderr);
  std::exit(1);
}

// Starts the cluster; exits the process with the script's message when it cannot.
RgwServer StartRgw() {
  std::string dir = TemporaryBase() + "/stormproof-rgw-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr)
    FailToStart("cannot create a directory under " + TemporaryBase());
  std::string command = std::string(STORMPROOF_RGW_SCRIPT) + " start " + dir;
  if (!KeepCluster()) command += " --stop-with " + std::to_string(getpid());
  if (RequestedFeatures().tls) command += " --tls";
  if (RequestedFeatures().sts) command += " --sts";
  std::string output;
  if (RunCapturing(command, output) != 0) FailToStart(output);
  g_cluster_directory = new std::string(dir);
  std::atexit(StopAtExit);

  std::map<std::string, std::string> env = ReadEnvFile(dir + "/rgw.env");
  RgwServer server;
  server.endpoint = env["STORMPROOF_RGW_ENDPOINT"];
  server.access_key = env["STORMPROOF_RGW_ACCESS_KEY"];
  server.secret_key = env["STORMPROOF_RGW_SECRET_KEY"];
  server.region = env["STORMPROOF_RGW_REGION"];
  server.directory = dir;
  constexpr std::string_view kScheme = "http://";
  if (server.endpoint.rfind(kScheme, 0) != 0 || server.secret_key.empty()) {
    FailToStart(dir + "/rgw.env is incomplete; scripts/rgw printed: " + output);
  }
  server.host_port = server.endpoint.substr(kScheme.size());
  size_t colon = server.host_port.rfind(':');
  server.host = server.host_port.substr(0, colon);
  server.port = std::atoi(server.host_port.c_str() + colon + 1);
  server.https_endpoint = env["STORMPROOF_RGW_HTTPS_ENDPOINT"];
  server.ca_file = env["STORMPROOF_RGW_CA_FILE"];
  server.dns_name = env["STORMPROOF_RGW_DNS_NAME"];
  server.sts_role_arn = env["STORMPROOF_RGW_STS_ROLE_ARN"];
  if (!server.https_endpoint.empty()) {
    const size_t port_at = server.https_endpoint.rfind(':') + 1;
    server.https_port = std::atoi(server.https_endpoint.c_str() + port_at);
  }
  if ((RequestedFeatures().tls && (server.https_port == 0 || server.ca_file.empty())) ||
      (RequestedFeatures().sts && server.sts_role_arn.empty())) {
    FailToStart(dir + "/rgw.env lacks the TLS or STS settings; scripts/rgw printed: " + output);
  }
  return server;
}

std::string SanitizedHint(const std::string& hint) {
  std::string out;
  for (char c : hint) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool valid = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    if (valid) {
      out += lower;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    if (out.size() >= 40) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "test" : out;
}

size_t AppendToString(char* data, size_t size, size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

}  // namespace

void RequestRgwFeatures(RgwFeatures features) { RequestedFeatures() = features; }

const RgwServer& Rgw() {
  static const RgwServer server = StartRgw();
  return server;
}

std::string UniqueBucketName(const std::string& hint) {
  static std::atomic<int> counter{0};
  static const std::string random_part = [] {
    std::random_device device;
    std::uniform_int_distribution<int> digit(0, 35);
    std::string text;
    for (int i = 0; i < 6; ++i) text += "0123456789abcdefghijklmnopqrstuvwxyz"[digit(device)];
    return text;
  }();
  return "sp-" + SanitizedHint(hint) + "-" + std::to_string(++counter) + "-" + random_part;
}

std::string RgwLocation(const std::string& bucket, const std::string& prefix) {
  std::string location = "s3:" + Rgw().endpoint + "/" + bucket;
  if (!prefix.empty()) location += "/" + prefix;
  return location;
}

std::string RgwHttpsLocation(const std::string& bucket, const std::string& prefix) {
  std::string location = "s3:" + Rgw().https_endpoint + "/" + bucket;
  if (!prefix.empty()) location += "/" + prefix;
  return location;
}

void ExportRgwCredentials() {
  const RgwServer& server = Rgw();
  setenv("AWS_ACCESS_KEY_ID", server.access_key.c_str(), 1);
  setenv("AWS_SECRET_ACCESS_KEY", server.secret_key.c_str(), 1);
  setenv("AWS_REGION", server.region.c_str(), 1);
  unsetenv("AWS_SESSION_TOKEN");
  unsetenv("AWS_PROFILE");
  unsetenv("AWS_DEFAULT_REGION");
}

RgwResponse RgwRequest(const std::string& method, const std::string& path, const std::string& body,
                       const std::string& endpoint) {
  static std::once_flag curl_initialized;
  std::call_once(curl_initialized, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  const RgwServer& server = Rgw();
  RgwResponse response;
  CURL* curl = curl_easy_init();
  const std::string url = (endpoint.empty() ? server.endpoint : endpoint) + path;
  const std::string sigv4 = "aws:amz:" + server.region + ":s3";
  const std::string user = server.access_key + ":" + server.secret_key;
  curl_slist* headers = curl_slist_append(nullptr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERPWD, user.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (method == "PUT" || method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  } else {
    response.error = curl_easy_strerror(code);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return response;
}

std::string CreateRgwBucket(const std::string& bucket) {
  RgwResponse response = RgwRequest("PUT", "/" + bucket);
  EXPECT_EQ(response.status, 200) << "creating bucket " << bucket << ": " << response.error
                                  << response.body;
  return bucket;
}

namespace {

// Random S3 keys for a new user or key: 20 upper-case letters or digits, 40 letters or digits.
std::pair<std::string, std::string> RandomKeys() {
  std::random_device device;
  auto random_text = [&](size_t length, const char* alphabet) {
    std::uniform_int_distribution<size_t> pick(0, std::string_view(alphabet).size() - 1);
    std::string text;
    for (size_t i = 0; i < length; ++i) text += alphabet[pick(device)];
    return text;
  };
  return {random_text(20, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
          random_text(40, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")};
}

// Runs radosgw-admin `what` with the keys added; its standard output shows the keys: only its
// error output is kept. Fills `user`'s keys when it succeeded, else fails the current test.
void RunRgwAdminWithKeys(const std::string& what, RgwUser* user) {
  const auto [access_key, secret_key] = RandomKeys();
  std::string output;
  const std::string command = "radosgw-admin -c " + Rgw().directory + "/ceph.conf " + what +
                              " --access-key=" + access_key + " --secret-key=" + secret_key +
                              " >/dev/null";
  if (RunCapturing(command, output) != 0) {
    ADD_FAILURE() << "radosgw-admin " << what << " failed: " << output;
    return;
  }
  user->access_key = access_key;
  user->secret_key = secret_key;
}

}  // namespace

RgwUser CreateRgwUser(const std::string& uid) {
  RgwUser user{uid, "", "", "arn:aws:iam:::user/" + uid};
  RunRgwAdminWithKeys("user create --uid=" + uid + " --display-name=" + uid, &user);
  return user;
}

RgwUser AddRgwOwnerKey() {
  RgwUser user{kRgwOwnerUid, "", "", std::string("arn:aws:iam:::user/") + kRgwOwnerUid};
  RunRgwAdminWithKeys(std::string("key create --uid=") + kRgwOwnerUid + " --key-type=s3", &user);
  return user;
}

RgwResponse PutRgwBucketPolicy(const std::string& bucket, const std::string& policy_json) {
  // "policy=": curl signs a query parameter without "=" differently from the server.
  return RgwRequest("PUT", "/" + bucket + "?policy=", policy_json);
}

std::string FullAccessPolicy(const std::string& bucket, const std::string& user_arn) {
  const std::string b = "arn:aws:s3:::" + bucket;
  return R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": )"
         R"({"AWS": [")" + user_arn + R"("]}, "Action": "s3:*", "Resource": [")" + b + R"(", ")" +
         b + R"(/*"]}]})";
}

std::string UploadOnlyPolicy(const std::string& bucket, const std::string& user) {
  const std::string principal = R"({"AWS": ["arn:aws:iam:::user/)" + user + R"("]})";
  const std::string resources =
      R"(["arn:aws:s3:::)" + bucket + R"(", "arn:aws:s3:::)" + bucket + R"(/*"])";
  return R"({
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "BackupHostReadsAndWrites",
      "Effect": "Allow",
      "Principal": )" + principal + R"(,
      "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject",
                 "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
                 "s3:ListBucketVersions", "s3:GetObjectVersion", "s3:GetObjectRetention",
                 "s3:GetBucketObjectLockConfiguration"],
      "Resource": )" + resources + R"(
    },
    {
      "Sid": "BackupHostNeverDeletes",
      "Effect": "Deny",
      "Principal": )" + principal + R"(,
      "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention",
                 "s3:BypassGovernanceRetention", "s3:PutObjectLegalHold",
                 "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutLifecycleConfiguration"],
      "Resource": )" + resources + R"(
    }
  ]
}
)";
}

}  // namespace stormproof::testing
