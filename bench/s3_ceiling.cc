// What an S3 server can take, for bench/engine-bench --s3: raw parallel PUTs, then GETs, of
// equal objects of random bytes, with a lean client, so each backup, restore and check can be
// reported as a share of it.
//   s3_ceiling --endpoint http://127.0.0.1:PORT --bucket NAME [--objects 64] [--size-mib 8]
//              [--in-flight 4] [--region us-east-1]
// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Creates the bucket when it does not
// exist, PUTs `objects` objects (at most `in-flight` at once on reused connections), GETs them
// back the same way, deletes them, and prints one tab-separated line per phase:
//   put<TAB>BYTES<TAB>SECONDS<TAB>MB/s      (MB = 10^6 bytes)
//   get<TAB>BYTES<TAB>SECONDS<TAB>MB/s
// The client is deliberately independent of stormproof's S3 library (the ceiling must not
// depend on the client under test) and does as little as a client can: libcurl's own
// Signature Version 4 with an unsigned payload (no hashing of the body), bodies sent from and
// discarded into memory. Exit codes: 0 ok, 1 a request failed (one line naming it), 2 usage.
#include <curl/curl.h>
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string endpoint;
  std::string bucket;
  int objects = 64;
  int size_mib = 8;
  int in_flight = 4;
  std::string region = "us-east-1";
};

enum class Method { kPut, kGet, kDelete, kCreateBucket };

// One request in flight: the easy handle, what it sends and how much it has sent or received.
struct Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  const std::string* body = nullptr;  // PUT: the object's bytes (not owned)
  size_t sent = 0;
  size_t received = 0;
  std::string url;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t n = std::min(size * count, transfer->body->size() - transfer->sent);
  std::memcpy(buffer, transfer->body->data() + transfer->sent, n);
  transfer->sent += n;
  return n;
}

size_t DiscardBody(char*, size_t size, size_t count, void* user) {
  static_cast<Transfer*>(user)->received += size * count;
  return size * count;
}

std::string RandomBytes(size_t bytes) {
  std::mt19937_64 rng(std::random_device{}());
  std::string s(bytes, '\0');
  for (size_t i = 0; i + 8 <= bytes; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  return s;
}

// Prepares `transfer` for one request of `method` on `url`, signed with the environment's keys.
void Prepare(Transfer& transfer, Method method, const std::string& url, const Options& options,
             const std::string& user_password, const std::string* body) {
  CURL* easy = transfer.easy;
  curl_easy_reset(easy);
  curl_slist_free_all(transfer.headers);
  transfer = Transfer{.easy = easy, .body = body, .url = url};
  transfer.headers = curl_slist_append(nullptr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  // No "Expect:" removal header: libcurl 7.88 signs it as an empty header it does not send
  // (RGW answers 403). Uploads keep curl's "Expect: 100-continue", one loopback round trip each.
  const std::string sigv4 = "aws:amz:" + options.region + ":s3";
  curl_easy_setopt(easy, CURLOPT_URL, transfer.url.c_str());
  curl_easy_setopt(easy, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(easy, CURLOPT_USERPWD, user_password.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer.headers);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, DiscardBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
  if (method == Method::kPut) {
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(easy, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body->size()));
  } else if (method == Method::kCreateBucket) {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "PUT");
  } else if (method == Method::kDelete) {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "DELETE");
  }
}

// A batch of requests of one method on reused connections, at most `in_flight` at once. Not
// thread-safe; one per phase.
class Batch {
 public:
  Batch(Method method, const Options& options, const std::string* body)
      : method_(method),
        options_(options),
        body_(body),
        multi_(curl_multi_init()),
        transfers_(static_cast<size_t>(options.in_flight)),
        user_password_(std::string(std::getenv("AWS_ACCESS_KEY_ID")) + ":" +
                       std::getenv("AWS_SECRET_ACCESS_KEY")) {
    for (Transfer& t : transfers_) {
      t.easy = curl_easy_init();
      idle_.push_back(&t);
    }
  }
  ~Batch() {
    for (Transfer& t : transfers_) {
      curl_multi_remove_handle(multi_, t.easy);
      curl_easy_cleanup(t.easy);
      curl_slist_free_all(t.headers);
    }
    curl_multi_cleanup(multi_);
  }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // Runs one request per URL. Returns the bytes sent plus received, or prints the first failure
  // and returns nothing. `accepted` lists the HTTP statuses that count as success.
  std::optional<size_t> Run(const std::vector<std::string>& urls,
                            const std::vector<long>& accepted) {
    size_t next = 0, done = 0;
    while (done < urls.size() && !failed_) {
      while (!idle_.empty() && next < urls.size()) Start(urls[next++]);
      int running = 0;
      curl_multi_perform(multi_, &running);
      curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
      done += CollectFinished(accepted);
    }
    if (failed_) return std::nullopt;
    return bytes_;
  }

 private:
  void Start(const std::string& url) {
    Transfer* t = idle_.back();
    idle_.pop_back();
    Prepare(*t, method_, url, options_, user_password_, body_);
    curl_multi_add_handle(multi_, t->easy);
  }

  // Returns how many requests finished; a failure is printed and sets failed_.
  size_t CollectFinished(const std::vector<long>& accepted) {
    size_t finished = 0;
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &t);
      long status = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
      if (message->data.result != CURLE_OK ||
          std::find(accepted.begin(), accepted.end(), status) == accepted.end()) {
        fmt::print(stderr, "s3_ceiling: {}: {} (HTTP {})\n", t->url,
                   curl_easy_strerror(message->data.result), status);
        failed_ = true;
      }
      bytes_ += t->sent + t->received;
      curl_multi_remove_handle(multi_, t->easy);
      idle_.push_back(t);
      ++finished;
    }
    return finished;
  }

  const Method method_;
  const Options& options_;
  const std::string* body_;
  CURLM* multi_;
  std::deque<Transfer> transfers_;  // deque: addresses stay put (CURLOPT_PRIVATE points here)
  std::vector<Transfer*> idle_;
  const std::string user_password_;
  size_t bytes_ = 0;
  bool failed_ = false;
};

std::optional<size_t> RunAll(Method method, const std::vector<std::string>& urls,
                             const Options& options, const std::string* body,
                             const std::vector<long>& accepted) {
  Batch batch(method, options, body);
  return batch.Run(urls, accepted);
}

std::vector<std::string> ObjectUrls(const Options& options) {
  std::vector<std::string> urls;
  for (int i = 0; i < options.objects; ++i) {
    urls.push_back(fmt::format("{}/{}/ceiling/{:04d}", options.endpoint, options.bucket, i));
  }
  return urls;
}

// Times one phase and prints its line; false when a request failed.
bool Phase(const char* name, Method method, const std::vector<std::string>& urls,
           const Options& options, const std::string* body) {
  auto start = std::chrono::steady_clock::now();
  std::optional<size_t> bytes = RunAll(method, urls, options, body, {200});
  if (!bytes) return false;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("{}\t{}\t{:.3f}\t{:.1f}\n", name, *bytes, seconds, *bytes / seconds / 1e6);
  return true;
}

int Run(const Options& options) {
  if (!std::getenv("AWS_ACCESS_KEY_ID") || !std::getenv("AWS_SECRET_ACCESS_KEY")) {
    fmt::print(stderr, "s3_ceiling: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n");
    return 2;
  }
  const std::string bucket_url = options.endpoint + "/" + options.bucket;
  // 409 BucketAlreadyOwnedByYou: the bucket is there already, which is what we want.
  if (!RunAll(Method::kCreateBucket, {bucket_url}, options, nullptr, {200, 409})) return 1;
  const std::string body = RandomBytes(static_cast<size_t>(options.size_mib) << 20);
  const std::vector<std::string> urls = ObjectUrls(options);
  if (!Phase("put", Method::kPut, urls, options, &body)) return 1;
  if (!Phase("get", Method::kGet, urls, options, nullptr)) return 1;
  return RunAll(Method::kDelete, urls, options, nullptr, {200, 204}) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Raw parallel PUT/GET throughput of an S3 server (bench/engine-bench --s3)"};
  app.add_option("--endpoint", options.endpoint, "http://host:port")->required();
  app.add_option("--bucket", options.bucket, "bucket to use (created when missing)")->required();
  app.add_option("--objects", options.objects, "objects per phase")->check(CLI::PositiveNumber);
  app.add_option("--size-mib", options.size_mib, "object size")->check(CLI::PositiveNumber);
  app.add_option("--in-flight", options.in_flight, "requests at once")->check(CLI::PositiveNumber);
  app.add_option("--region", options.region, "signing region");
  CLI11_PARSE(app, argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = Run(options);
  curl_global_cleanup();
  return rc;
}
