// libcurl easy handles, pooled and reused, behind a bound on requests in flight.
#include "engine/s3/internal/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "core/text.h"

namespace stormproof::s3::internal {
namespace {

void InitializeCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// What a transfer reads from and writes to.
struct Transfer {
  ByteView upload;
  size_t uploaded = 0;
  HttpResponse* response = nullptr;
  uint64_t max_body = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* data) {
  auto* transfer = static_cast<Transfer*>(data);
  size_t n = std::min(size * count, transfer->upload.size() - transfer->uploaded);
  std::memcpy(buffer, transfer->upload.data() + transfer->uploaded, n);
  transfer->uploaded += n;
  return n;
}

// curl sends a request again on a new connection when a reused one turns out closed (a server
// restarted, an idle timeout): it then rewinds the body, which is in memory, to any offset.
int SeekBody(void* data, curl_off_t offset, int origin) {
  auto* transfer = static_cast<Transfer*>(data);
  if (origin != SEEK_SET || offset < 0 ||
      static_cast<uint64_t>(offset) > transfer->upload.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  transfer->uploaded = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t WriteBody(char* buffer, size_t size, size_t count, void* data) {
  auto* transfer = static_cast<Transfer*>(data);
  const auto* bytes = reinterpret_cast<const uint8_t*>(buffer);
  if (size * count > transfer->max_body -
                         std::min<uint64_t>(transfer->max_body, transfer->response->body.size())) {
    transfer->response->body_too_long = true;
    return 0;  // curl abandons the transfer (CURLE_WRITE_ERROR)
  }
  transfer->response->body.insert(transfer->response->body.end(), bytes, bytes + size * count);
  return size * count;
}

size_t WriteHeader(char* buffer, size_t size, size_t count, void* data) {
  auto* response = static_cast<Transfer*>(data)->response;
  std::string_view line(buffer, size * count);
  if (line.starts_with("HTTP/")) {
    response->headers.clear();  // a new status line (after "100 Continue") starts afresh
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(Trim(line.substr(0, colon)));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  response->headers.emplace_back(std::move(name), std::string(Trim(line.substr(colon + 1))));
  return size * count;
}

bool IsRetryable(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_OUT_OF_MEMORY:
      return false;
    default:
      return true;
  }
}

curl_slist* HeaderList(const HttpRequest& request) {
  curl_slist* list = nullptr;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    std::string line = name + ": " + value;
    list = curl_slist_append(list, line.c_str());
    if (strcasecmp(name.c_str(), "content-type") == 0) has_content_type = true;
  }
  // What curl would add on its own, and nobody signed.
  list = curl_slist_append(list, "Expect:");
  list = curl_slist_append(list, "Accept:");
  if (!has_content_type) list = curl_slist_append(list, "Content-Type:");
  return list;
}

void SetMethod(CURL* curl, const HttpRequest& request) {
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

// Every request ends: five minutes, plus the time its largest possible transfer takes at
// 64 KiB/s. The stall limit alone (below 1 KiB/s) would let a server that trickles just above it
// hold one 8 MiB read for over two hours.
long TotalTimeoutMs(const HttpRequest& request) {
  constexpr uint64_t kBaseMs = 5 * 60 * 1000;
  constexpr uint64_t kBytesPerMs = 64;  // 64 KiB/s
  uint64_t bytes = request.body.size();
  if (request.method != "HEAD") bytes += request.max_response_body;
  return static_cast<long>(kBaseMs + bytes / kBytesPerMs);
}

// Why verification refused the certificate after CURLE_PEER_FAILED_VERIFICATION, from the
// X.509 verification result: curl checks the host name itself once OpenSSL has accepted the chain
// and then reports X509_V_ERR_UNSPECIFIED (1) (or nothing, 0); OpenSSL's own host check reports
// X509_V_ERR_HOSTNAME_MISMATCH (62) or X509_V_ERR_IP_ADDRESS_MISMATCH (64). Anything else is a
// chain nobody trusted (20: unknown issuer) or an expired or otherwise bad certificate.
CertificateRefusal RefusalOf(CURL* curl) {
  long verify_result = 0;
  if (curl_easy_getinfo(curl, CURLINFO_SSL_VERIFYRESULT, &verify_result) != CURLE_OK) {
    return CertificateRefusal::kUntrusted;
  }
  switch (verify_result) {
    case 0:
    case 1:
    case 62:
    case 64:
      return CertificateRefusal::kOtherHostName;
    default:
      return CertificateRefusal::kUntrusted;
  }
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

// Easy handles not in use, and the count of requests in flight. Thread-safe.
class HttpClient::Pool {
 public:
  explicit Pool(int max_in_flight) : max_in_flight_(std::max(1, max_in_flight)) {}
  ~Pool() {
    for (CURL* curl : idle_) curl_easy_cleanup(curl);
  }

  // Waits for a free slot; returns a handle (reused when one is idle).
  CURL* Acquire() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    while (in_flight_ >= max_in_flight_) slot_freed_.wait(mu_);
    ++in_flight_;
    if (idle_.empty()) return curl_easy_init();
    CURL* curl = idle_.back();
    idle_.pop_back();
    return curl;
  }

  void Release(CURL* curl) EXCLUDES(mu_) {
    {
      MutexLock lock(mu_);
      --in_flight_;
      if (curl != nullptr) idle_.push_back(curl);
    }
    slot_freed_.notify_one();
  }

 private:
  const int max_in_flight_;
  Mutex mu_;
  std::condition_variable_any slot_freed_;
  int in_flight_ GUARDED_BY(mu_) = 0;
  std::vector<CURL*> idle_ GUARDED_BY(mu_);
};

HttpClient::HttpClient(HttpOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>(options_.max_in_flight)) {
  InitializeCurlOnce();
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::Send(const HttpRequest& request) {
  HttpResponse response;
  CURL* curl = pool_->Acquire();
  if (curl == nullptr) {
    pool_->Release(nullptr);
    response.transport_error = "cannot create a curl handle";
    return response;
  }
  curl_easy_reset(curl);  // keeps the handle's connections, TLS sessions and DNS cache
  Transfer transfer{request.body, 0, &response, request.max_response_body};
  char error[CURL_ERROR_SIZE] = "";
  curl_slist* headers = HeaderList(request);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  // The path goes out exactly as signed: curl would otherwise squash "/./" and "/../" segments
  // of a key (e.g. "data/../config") and the server would see another path than the signature's.
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, TotalTimeoutMs(request));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.insecure_tls ? 0L : 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.insecure_tls ? 0L : 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
  curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, SeekBody);
  curl_easy_setopt(curl, CURLOPT_SEEKDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  // A declared Content-Length above the bound fails before any of the body arrives (not for
  // HEAD, whose Content-Length is the object's size, with no body).
  if (request.method != "HEAD") {
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(
                         std::min<uint64_t>(request.max_response_body, uint64_t{INT64_MAX})));
  }
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  }
  SetMethod(curl, request);
  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  } else if (response.body_too_long || code == CURLE_FILESIZE_EXCEEDED) {
    response.status = 0;
    response.body_too_long = true;
    response.body.clear();
    response.transport_error = "the server's answer is longer than the " +
                               std::to_string(request.max_response_body) +
                               " bytes expected; refusing it";
  } else {
    response.status = 0;
    response.transport_error = error[0] != '\0' ? error : curl_easy_strerror(code);
    response.transport_retryable = IsRetryable(code);
    if (code == CURLE_PEER_FAILED_VERIFICATION) response.certificate_refusal = RefusalOf(curl);
  }
  pool_->Release(curl);
  return response;
}

}  // namespace stormproof::s3::internal
