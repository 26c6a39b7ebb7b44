// FaultProxy against the real RGW: plain S3 requests (libcurl, one kept-alive connection where it
// matters) pass through unchanged, and each injected fault shows up at the client as it would from
// a real network or server, without hanging.
#include "tests/engine/s3/fault_proxy.h"

#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/engine/s3/rgw.h"

namespace stormproof::testing {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

enum class Upload { kLength, kChunked };

struct Reply {
  long status = 0;  // 0: the transfer failed (see code)
  CURLcode code = CURLE_OK;
  std::string body;
  long new_connections = 0;
};

// A client on one reused connection, signing as Rgw()'s user.
class Client {
 public:
  explicit Client(const std::string& endpoint) : endpoint_(endpoint), curl_(curl_easy_init()) {}
  ~Client() { curl_easy_cleanup(curl_); }

  Reply Send(const std::string& method, const std::string& path, const std::string& body = "",
             Upload upload = Upload::kLength) {
    curl_easy_reset(curl_);
    Reply reply;
    const RgwServer& server = Rgw();
    std::string url = endpoint_ + path, sigv4 = "aws:amz:" + server.region + ":s3";
    std::string user = server.access_key + ":" + server.secret_key;
    curl_slist* headers = curl_slist_append(nullptr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
    if (upload == Upload::kChunked)
      headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(curl_, CURLOPT_USERPWD, user.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 15000L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Client::Write);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply.body);
    std::string_view remaining = body;
    if (method == "PUT") {
      curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl_, CURLOPT_READFUNCTION, &Client::Read);
      curl_easy_setopt(curl_, CURLOPT_READDATA, &remaining);
      if (upload == Upload::kLength) {
        curl_easy_setopt(curl_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
      }
    } else if (method == "HEAD") {
      curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
      if (method == "POST") curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
    }
    reply.code = curl_easy_perform(curl_);
    if (reply.code == CURLE_OK) curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &reply.new_connections);
    curl_slist_free_all(headers);
    return reply;
  }

 private:
  static size_t Write(char* data, size_t size, size_t count, void* target) {
    static_cast<std::string*>(target)->append(data, size * count);
    return size * count;
  }
  static size_t Read(char* buffer, size_t size, size_t count, void* source) {
    auto* remaining = static_cast<std::string_view*>(source);
    size_t n = std::min(size * count, std::min<size_t>(remaining->size(), 64 * 1024));
    remaining->copy(buffer, n);
    remaining->remove_prefix(n);
    return n;
  }

  std::string endpoint_;
  CURL* curl_;
};

std::string Data(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 131 + i / 977) & 0xff);
  return data;
}

class FaultProxyTest : public ::testing::Test {
 protected:
  FaultProxyTest() : proxy_(Rgw().host, Rgw().port), client_(proxy_.endpoint()) {}

  // The object as RGW has it, asked directly (not through the proxy).
  RgwResponse Direct(const std::string& key) {
    return RgwRequest("GET", "/" + bucket_ + "/" + key);
  }

  const std::string bucket_ = CreateRgwBucket(UniqueBucketName("proxy"));
  FaultProxy proxy_;
  Client client_;
};

TEST_F(FaultProxyTest, ForwardsRequestsOnOneKeptAliveConnection) {
  const std::string object = "/" + bucket_ + "/dir/object";
  long connections = 0;
  for (const auto& [method, path, body, status] :
       std::vector<std::tuple<std::string, std::string, std::string, long>>{
           {"PUT", object, "small body", 200},
           {"GET", object, "", 200},
           {"HEAD", object, "", 200},
           {"GET", "/" + bucket_ + "?list-type=2", "", 200},
           {"GET", "/" + bucket_ + "/absent", "", 404},
           {"DELETE", object, "", 204},
           {"GET", "/", "", 200}}) {
    Reply reply = client_.Send(method, path, body);
    EXPECT_EQ(reply.status, status)
        << method << " " << path << ": " << curl_easy_strerror(reply.code);
    if (method == "GET" && path == object) {
      EXPECT_EQ(reply.body, "small body");
    }
    if (path.find("list-type") != std::string::npos) {
      EXPECT_THAT(reply.body, HasSubstr("<Key>dir/object</Key>"));
    }
    connections += reply.new_connections;
  }
  EXPECT_EQ(connections, 1) << "keep-alive: every request on the first connection";
  FaultProxy::Counts counts = proxy_.counts();
  EXPECT_EQ(counts.put, 1);
  EXPECT_EQ(counts.get, 2);
  EXPECT_EQ(counts.head, 1);
  EXPECT_EQ(counts.list, 1);
  EXPECT_EQ(counts.del, 1);
  EXPECT_EQ(counts.other, 1);
  EXPECT_EQ(counts.total(), 7);
  EXPECT_THAT(proxy_.requests(),
              ::testing::ElementsAre("PUT " + object, "GET " + object, "HEAD " + object,
                                     "GET /" + bucket_ + "?list-type=2",
                                     "GET /" + bucket_ + "/absent", "DELETE " + object, "GET /"));
  proxy_.ResetCounts();
  EXPECT_EQ(proxy_.counts().total(), 0);
  EXPECT_TRUE(proxy_.requests().empty());
}

TEST_F(FaultProxyTest, LargeAndChunkedBodiesPassBothWays) {
  const std::string big = Data(3 << 20);  // curl sends "Expect: 100-continue" first
  EXPECT_EQ(client_.Send("PUT", "/" + bucket_ + "/big", big).status, 200);
  Reply got = client_.Send("GET", "/" + bucket_ + "/big");
  EXPECT_EQ(got.status, 200);
  EXPECT_TRUE(got.body == big) << "got " << got.body.size() << " bytes";
  EXPECT_EQ(Direct("big").body.size(), big.size());

  // A chunked upload gets whatever RGW answers it, as if there were no proxy (RGW refuses it:
  // 411 MissingContentLength); the next request on the connection shows the proxy kept in step.
  // (RGW sends list responses chunked: the other tests relay chunked response bodies.)
  Client direct(Rgw().endpoint);
  const std::string medium = Data(200 << 10);
  Reply direct_reply =
      direct.Send("PUT", "/" + bucket_ + "/chunked-direct", medium, Upload::kChunked);
  Reply proxied = client_.Send("PUT", "/" + bucket_ + "/chunked", medium, Upload::kChunked);
  EXPECT_NE(direct_reply.status, 0);
  EXPECT_EQ(proxied.status, direct_reply.status) << proxied.body;
  if (proxied.status == 200) {
    EXPECT_TRUE(Direct("chunked").body == medium);
  }
  EXPECT_EQ(client_.Send("GET", "/" + bucket_ + "/big").body.size(), big.size()) << "still in step";
}

TEST_F(FaultProxyTest, FailNextAnswersWithoutReachingTheServer) {
  proxy_.FailNext(2, 503);
  for (int i = 0; i < 2; ++i) {
    Reply reply = client_.Send("PUT", "/" + bucket_ + "/k", "v");
    EXPECT_EQ(reply.status, 503);
    EXPECT_THAT(reply.body, HasSubstr("<Code>SlowDown</Code>"));
  }
  EXPECT_EQ(Direct("k").status, 404) << "the failed PUTs never reached RGW";
  EXPECT_EQ(client_.Send("PUT", "/" + bucket_ + "/k", "v").status, 200);
  EXPECT_EQ(Direct("k").body, "v");

  proxy_.FailNext(1, 500);
  Reply head = client_.Send("HEAD", "/" + bucket_ + "/k");
  EXPECT_EQ(head.status, 500);
  proxy_.FailNext(1, 429, "TooManyRequests");
  EXPECT_THAT(client_.Send("GET", "/" + bucket_ + "/k").body,
              HasSubstr("<Code>TooManyRequests</Code>"));
  proxy_.FailNext(1, 500, "InternalError");
  Reply big = client_.Send("PUT", "/" + bucket_ + "/big", Data(2 << 20));  // expects 100-continue
  EXPECT_EQ(big.status, 500);
  EXPECT_EQ(Direct("big").status, 404);
  EXPECT_EQ(client_.Send("GET", "/" + bucket_ + "/k").body, "v");
  EXPECT_EQ(proxy_.counts().put, 4);
}

TEST_F(FaultProxyTest, DroppedUploadLeavesNoObjectAndTheNextSucceeds) {
  const std::string body = Data(1 << 20);
  proxy_.DropNextRequestMidBody();
  EXPECT_EQ(client_.Send("GET", "/" + bucket_ + "?list-type=2").status, 200) << "no body: not cut";
  Reply cut = client_.Send("PUT", "/" + bucket_ + "/obj", body);
  EXPECT_EQ(cut.status, 0);
  EXPECT_NE(cut.code, CURLE_OK);
  EXPECT_EQ(Direct("obj").status, 404);
  EXPECT_EQ(client_.Send("PUT", "/" + bucket_ + "/obj", body).status, 200);
  EXPECT_EQ(Direct("obj").body.size(), body.size());
}

TEST_F(FaultProxyTest, DroppedDownloadIsTruncatedAndTheNextIsWhole) {
  const std::string body = Data(1 << 20);
  proxy_.DropNextResponseMidBody();
  EXPECT_EQ(client_.Send("PUT", "/" + bucket_ + "/obj", body).status, 200) << "no body: not cut";
  Reply cut = client_.Send("GET", "/" + bucket_ + "/obj");
  EXPECT_EQ(cut.code, CURLE_PARTIAL_FILE) << curl_easy_strerror(cut.code);
  EXPECT_LT(cut.body.size(), body.size());
  Reply whole = client_.Send("GET", "/" + bucket_ + "/obj");
  EXPECT_EQ(whole.status, 200);
  EXPECT_TRUE(whole.body == body);
}

TEST_F(FaultProxyTest, AlteredUploadArrivesWithItsMiddleByteChangedAndTheNextIsWhole) {
  const std::string body = Data(1 << 20);
  proxy_.AlterNextRequestBody();
  EXPECT_EQ(client_.Send("GET", "/" + bucket_ + "?list-type=2").status, 200) << "no body";
  // This client sends no checksum, so the server stores what it received.
  EXPECT_EQ(client_.Send("PUT", "/" + bucket_ + "/obj", body).status, 200);
  std::string stored = Direct("obj").body;
  ASSERT_EQ(stored.size(), body.size());
  size_t changed = 0;
  for (size_t i = 0; i < body.size(); ++i) changed += stored[i] != body[i] ? 1 : 0;
  EXPECT_EQ(changed, 1u);
  EXPECT_NE(stored[body.size() / 2], body[body.size() / 2]);
  EXPECT_EQ(client_.Send("PUT", "/" + bucket_ + "/obj", body).status, 200);
  EXPECT_TRUE(Direct("obj").body == body);
}

TEST_F(FaultProxyTest, DelayedResponsesArriveLate) {
  proxy_.DelayResponses(milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client_.Send("GET", "/" + bucket_ + "?list-type=2").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(300));
  proxy_.DelayResponses(milliseconds(0));
  EXPECT_EQ(client_.Send("GET", "/" + bucket_ + "?list-type=2").status, 200);
}

TEST_F(FaultProxyTest, PausedServerRefusesConnectionsUntilResumed) {
  EXPECT_EQ(client_.Send("PUT", "/" + bucket_ + "/k", "v").status, 200);
  proxy_.Pause();
  Reply down = client_.Send("GET", "/" + bucket_ + "/k");
  EXPECT_EQ(down.status, 0);
  EXPECT_EQ(Client(proxy_.endpoint()).Send("GET", "/" + bucket_ + "/k").code,
            CURLE_COULDNT_CONNECT);
  proxy_.Resume();
  Reply back = client_.Send("GET", "/" + bucket_ + "/k");
  EXPECT_EQ(back.status, 200);
  EXPECT_EQ(back.body, "v");
}

TEST(FaultProxyLifetimeTest, DestructorEndsRequestsInFlightAtOnce) {
  const std::string bucket = CreateRgwBucket(UniqueBucketName("proxy-life"));
  auto proxy = std::make_unique<FaultProxy>(Rgw().host, Rgw().port);
  proxy->DelayResponses(std::chrono::seconds(60));
  std::string endpoint = proxy->endpoint();
  auto request =
      std::async(std::launch::async, [&] { return Client(endpoint).Send("GET", "/" + bucket); });
  std::this_thread::sleep_for(milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  proxy.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(request.get().status, 0);
}

TEST(FaultProxyLifetimeTest, CountsClassifyRequestsByKind) {
  const std::string bucket = CreateRgwBucket(UniqueBucketName("proxy-counts"));
  FaultProxy proxy(Rgw().host, Rgw().port);
  Client client(proxy.endpoint());
  client.Send("GET", "/" + bucket);                    // list (bucket, no key)
  client.Send("GET", "/" + bucket + "/?list-type=2");  // list
  client.Send("POST", "/" + bucket + "/k?uploads");    // post (a multipart upload begins)
  client.Send("DELETE", "/" + bucket + "/k");          // del
  client.Send("OPTIONS", "/" + bucket + "/k");         // other
  FaultProxy::Counts counts = proxy.counts();
  EXPECT_EQ(counts.list, 2);
  EXPECT_EQ(counts.post, 1);
  EXPECT_EQ(counts.del, 1);
  EXPECT_EQ(counts.other, 1);
  EXPECT_EQ(counts.total(), 5);
}

}  // namespace
}  // namespace stormproof::testing
