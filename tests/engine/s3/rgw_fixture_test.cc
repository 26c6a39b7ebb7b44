// The RGW fixture (rgw.h) and scripts/rgw itself: a gateway that answers S3, clusters started at
// the same time that never share a port or a server, stop leaving no process behind, a cluster
// that ends with its owner, and start failures that say what went wrong.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/engine/s3/rgw.h"

namespace stormproof::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct ScriptRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs scripts/rgw ARGUMENTS, with `env` ("NAME='value' ") before it on the shell's line.
ScriptRun RunScript(const std::string& arguments, const std::string& env = "") {
  ScriptRun run;
  FILE* pipe = popen((env + STORMPROOF_RGW_SCRIPT + " " + arguments + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    run.output.append(buffer.data(), n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A fresh directory path (not created) for a cluster of this test; its cluster is stopped and
// every file removed at the end of the test.
class ClusterPath {
 public:
  ClusterPath() : base_("/tmp/sp-rgw-test-XXXXXX") { EXPECT_NE(mkdtemp(base_.data()), nullptr); }
  ~ClusterPath() {
    RunScript("stop " + path() + " --clean");
    EXPECT_EQ(std::system(("rm -rf " + base_).c_str()), 0);
  }
  std::string path() const { return base_ + "/cluster"; }

 private:
  std::string base_;
};

// Live processes (not zombies) whose command line names DIR's ceph.conf.
int ProcessesOfCluster(const std::string& dir) {
  int count = 0;
  DIR* proc = opendir("/proc");
  while (dirent* entry = readdir(proc)) {
    std::string pid = entry->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string stat_line;
    std::getline(stat, stat_line);
    size_t paren = stat_line.rfind(')');
    if (paren == std::string::npos || stat_line.substr(paren + 2, 1) == "Z") continue;
    std::ifstream cmdline("/proc/" + pid + "/cmdline");
    std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (args.find(dir + "/ceph.conf") != std::string::npos) ++count;
  }
  closedir(proc);
  return count;
}

// A loopback port held by this test (listening), which a cluster must not take.
class Listener {
 public:
  Listener() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(fd_, 4), 0);
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

// PUT with an empty body to `url`, signed with the given key; the HTTP status, 0 on a transport
// error or timeout.
long SignedPut(const std::string& url, const std::string& access_key, const std::string& secret_key,
               long timeout_s) {
  CURL* curl = curl_easy_init();
  std::string user = access_key + ":" + secret_key;
  curl_slist* headers = curl_slist_append(nullptr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:s3");
  curl_easy_setopt(curl, CURLOPT_USERPWD, user.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION,
      +[](char*, size_t size, size_t count, void*) { return size * count; });
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return status;
}

std::string EnvValue(const std::string& output, const std::string& key) {
  std::smatch match;
  std::regex pattern(key + "=(\\S+)");
  return std::regex_search(output, match, pattern) ? match[1].str() : "";
}

TEST(RgwFixtureTest, GatewayStoresAndReturnsObjects) {
  const RgwServer& server = Rgw();
  EXPECT_THAT(server.endpoint, StartsWith("http://127.0.0.1:"));
  EXPECT_EQ(server.endpoint, "http://" + server.host_port);
  EXPECT_GT(server.port, 0);
  std::string bucket = CreateRgwBucket(UniqueBucketName("fixture"));
  EXPECT_EQ(RgwRequest("PUT", "/" + bucket + "/a/b", "hello rgw").status, 200);
  RgwResponse got = RgwRequest("GET", "/" + bucket + "/a/b");
  EXPECT_EQ(got.status, 200) << got.error << got.body;
  EXPECT_EQ(got.body, "hello rgw");
  EXPECT_EQ(RgwRequest("GET", "/" + bucket + "/missing").status, 404);
  RgwResponse list = RgwRequest("GET", "/" + bucket + "?list-type=2");
  EXPECT_EQ(list.status, 200);
  EXPECT_THAT(list.body, HasSubstr("<Key>a/b</Key>"));
}

TEST(RgwFixtureTest, UniqueBucketNamesAreValidAndDistinct) {
  const std::regex valid("[a-z0-9][a-z0-9-]{1,61}[a-z0-9]");
  std::set<std::string> seen;
  for (const std::string& hint :
       std::vector<std::string>{"", "My_Test.Case", "--x--", std::string(200, 'Z'), "ok"}) {
    for (int i = 0; i < 50; ++i) {
      std::string name = UniqueBucketName(hint);
      EXPECT_TRUE(std::regex_match(name, valid)) << name;
      EXPECT_TRUE(seen.insert(name).second) << name;
    }
  }
  EXPECT_THAT(UniqueBucketName("My_Test.Case"), StartsWith("sp-my-test-case-"));
}

TEST(RgwFixtureTest, LocationAndCredentialsNameTheGateway) {
  EXPECT_EQ(RgwLocation("b1"), "s3:" + Rgw().endpoint + "/b1");
  EXPECT_EQ(RgwLocation("b1", "host/a"), "s3:" + Rgw().endpoint + "/b1/host/a");
  setenv("AWS_SESSION_TOKEN", "stale", 1);
  ExportRgwCredentials();
  EXPECT_EQ(std::getenv("AWS_ACCESS_KEY_ID"), Rgw().access_key);
  EXPECT_EQ(std::getenv("AWS_SECRET_ACCESS_KEY"), Rgw().secret_key);
  EXPECT_EQ(std::getenv("AWS_REGION"), Rgw().region);
  EXPECT_EQ(std::getenv("AWS_SESSION_TOKEN"), nullptr);
}

// Two clusters started at the same moment (ctest -j2) must not share a port: a second cluster on
// the first one's ports silently attaches to it, and stopping one then kills the other's server.
TEST(RgwScriptTest, ClustersStartedAtOnceAreIndependent) {
  ClusterPath path_a, path_b;
  const std::string dir_a = path_a.path(), dir_b = path_b.path();
  auto start_a = std::async(std::launch::async, [&] { return RunScript("start " + dir_a); });
  auto start_b = std::async(std::launch::async, [&] { return RunScript("start " + dir_b); });
  ScriptRun a = start_a.get(), b = start_b.get();
  ASSERT_EQ(a.exit_code, 0) << a.output;
  ASSERT_EQ(b.exit_code, 0) << b.output;
  std::string endpoint_a = EnvValue(a.output, "STORMPROOF_RGW_ENDPOINT");
  std::string endpoint_b = EnvValue(b.output, "STORMPROOF_RGW_ENDPOINT");
  EXPECT_NE(endpoint_a, endpoint_b);
  EXPECT_NE(EnvValue(a.output, "STORMPROOF_RGW_ACCESS_KEY"),
            EnvValue(b.output, "STORMPROOF_RGW_ACCESS_KEY"));
  // This binary's user exists only in its own cluster: the other gateways do not know its key.
  const std::string bucket = UniqueBucketName("independent");
  EXPECT_EQ(RgwRequest("PUT", "/" + bucket, "", endpoint_a).status, 403);
  EXPECT_EQ(RgwRequest("PUT", "/" + bucket, "", endpoint_b).status, 403);

  ScriptRun stop_a = RunScript("stop " + dir_a + " --clean");
  EXPECT_EQ(stop_a.exit_code, 0) << stop_a.output;
  EXPECT_EQ(ProcessesOfCluster(dir_a), 0);
  EXPECT_EQ(RgwRequest("GET", "/", "", endpoint_a).status, 0);
  EXPECT_EQ(RgwRequest("GET", "/", "", endpoint_b).status, 403) << "b must still answer";
  EXPECT_EQ(ProcessesOfCluster(dir_b), 3);
  EXPECT_EQ(RunScript("stop " + dir_b + " --clean").exit_code, 0);
  EXPECT_EQ(ProcessesOfCluster(dir_b), 0);
}

// A port taken between the script's choice and the daemon's bind (another cluster starting at the
// same moment) is detected and another is tried; the gateway that died on it must not hold up
// the next one (its watches would delay every new bucket by 30 s).
TEST(RgwScriptTest, TakenPortsAreAvoided) {
  Listener mon_squatter, rgw_squatter;
  ClusterPath path;
  const std::string dir = path.path();
  ScriptRun start = RunScript("start " + dir, "STORMPROOF_RGW_FIRST_PORTS='" +
                                                  std::to_string(mon_squatter.port()) + " " +
                                                  std::to_string(rgw_squatter.port()) + "' ");
  ASSERT_EQ(start.exit_code, 0) << start.output;
  EXPECT_EQ(
      access(
          (dir + "/log/mon.a.port-" + std::to_string(mon_squatter.port()) + "-taken.log").c_str(),
          F_OK),
      0);
  std::string endpoint = EnvValue(start.output, "STORMPROOF_RGW_ENDPOINT");
  EXPECT_NE(endpoint, "http://127.0.0.1:" + std::to_string(rgw_squatter.port()));
  long status = SignedPut(endpoint + "/" + UniqueBucketName("taken-ports"),
                          EnvValue(start.output, "STORMPROOF_RGW_ACCESS_KEY"),
                          EnvValue(start.output, "STORMPROOF_RGW_SECRET_KEY"), /*timeout_s=*/10);
  EXPECT_EQ(status, 200) << "a new bucket within 10 s";
}

TEST(RgwScriptTest, StopIsIdempotentAndKeepsFilesUnlessClean) {
  ClusterPath path;
  const std::string dir = path.path();
  ASSERT_EQ(RunScript("start " + dir).exit_code, 0);
  EXPECT_EQ(RunScript("stop " + dir).exit_code, 0);
  EXPECT_EQ(ProcessesOfCluster(dir), 0);
  EXPECT_EQ(access((dir + "/log/mon.a.log").c_str(), F_OK), 0)
      << "stop without --clean keeps the logs";
  EXPECT_EQ(RunScript("stop " + dir).exit_code, 0);
  EXPECT_EQ(RunScript("stop " + dir + " --clean").exit_code, 0);
  EXPECT_NE(access(dir.c_str(), F_OK), 0);
  EXPECT_EQ(RunScript("stop " + dir + " --clean").exit_code, 0);
}

TEST(RgwScriptTest, ClusterEndsWithItsOwner) {
  pid_t owner = fork();
  if (owner == 0) {
    pause();
    _exit(0);
  }
  ClusterPath path;
  const std::string dir = path.path();
  ScriptRun start = RunScript("start " + dir + " --stop-with " + std::to_string(owner));
  ASSERT_EQ(start.exit_code, 0) << start.output;
  EXPECT_EQ(ProcessesOfCluster(dir), 3);
  kill(owner, SIGKILL);
  waitpid(owner, nullptr, 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  // A process that is exiting reads as an empty command line for a moment, so one scan that
  // finds none is not yet the end: wait for three in a row.
  for (int none = 0; none < 3 && std::chrono::steady_clock::now() < deadline;) {
    none = ProcessesOfCluster(dir) == 0 ? none + 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(ProcessesOfCluster(dir), 0);
  while (access(dir.c_str(), F_OK) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(access(dir.c_str(), F_OK), 0) << "the owner's end removes the cluster";
}

TEST(RgwScriptTest, StartThatCannotFinishSaysWhyAndLeavesNothingRunning) {
  ClusterPath path;
  const std::string dir = path.path();
  ScriptRun start = RunScript("start " + dir + " --timeout 0");
  EXPECT_EQ(start.exit_code, 1);
  EXPECT_THAT(start.output, StartsWith("rgw: ")) << start.output;
  EXPECT_THAT(start.output, HasSubstr("within 0 s"));
  EXPECT_THAT(start.output, HasSubstr(dir + "/log/"));
  EXPECT_EQ(ProcessesOfCluster(dir), 0);
  EXPECT_EQ(RunScript("stop " + dir + " --clean").exit_code, 0);
}

TEST(RgwScriptTest, RefusesBadUsage) {
  ClusterPath path;
  const std::string dir = path.path();
  ScriptRun no_dir = RunScript("start");
  EXPECT_EQ(no_dir.exit_code, 2);
  EXPECT_THAT(no_dir.output, HasSubstr("DIR missing"));
  EXPECT_EQ(RunScript("start " + dir + " --bluestore lots").exit_code, 2);
  EXPECT_EQ(RunScript("frobnicate").exit_code, 2);
  ASSERT_EQ(system(("mkdir -p " + dir + " && touch " + dir + "/precious").c_str()), 0);
  ScriptRun not_empty = RunScript("start " + dir);
  EXPECT_EQ(not_empty.exit_code, 1);
  EXPECT_THAT(not_empty.output, HasSubstr("is not empty"));
  EXPECT_EQ(access((dir + "/precious").c_str(), F_OK), 0);
}

}  // namespace
}  // namespace stormproof::testing
