#include "tests/engine/s3/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

namespace stormproof::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kIoTimeout = std::chrono::seconds(30);  // any one wait on a peer
constexpr auto kIdleTimeout =
    std::chrono::seconds(120);                           // a keep-alive connection between requests
constexpr auto kContinueWait = std::chrono::seconds(2);  // for the server's "100 Continue"
constexpr size_t kMaxHead = 64 * 1024;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "FaultProxy: %s: %s\n", what.c_str(), std::strerror(errno));
  std::abort();
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// ---- sockets -----------------------------------------------------------------------------------

// One side of a proxied exchange: a socket and the bytes read from it but not yet used.
struct Peer {
  int fd = -1;
  std::string buffer;
};

// Waits until `fd` is ready for `events`; false on timeout or error.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd entry{fd, events, 0};
    int ready = poll(&entry, 1, static_cast<int>(left.count()));
    if (ready > 0) return true;  // readable, writable, hung up or in error: the next call tells
    if (ready < 0 && errno != EINTR) return false;
  }
}

// Reads what is available into `peer.buffer`; false when the peer closed, failed or timed out.
bool Fill(Peer& peer, Clock::time_point deadline) {
  char chunk[65536];
  for (;;) {
    if (!WaitFor(peer.fd, POLLIN, deadline)) return false;
    ssize_t n = recv(peer.fd, chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    peer.buffer.append(chunk, static_cast<size_t>(n));
    return true;
  }
}

// Sends all of `data` to `fd` (non-blocking); fd -1 discards it. False when the peer closed or
// timed out.
bool SendAll(int fd, std::string_view data, Clock::time_point deadline) {
  while (fd >= 0 && !data.empty()) {
    if (!WaitFor(fd, POLLOUT, deadline)) return false;
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Takes one HTTP head (through the empty line) off the front of the peer's stream.
bool ReadHead(Peer& peer, std::string& head, Clock::time_point deadline) {
  size_t end;
  while ((end = peer.buffer.find("\r\n\r\n")) == std::string::npos) {
    if (peer.buffer.size() > kMaxHead || !Fill(peer, deadline)) return false;
  }
  head = peer.buffer.substr(0, end + 4);
  peer.buffer.erase(0, end + 4);
  return true;
}

// True when the server closed an idle keep-alive connection (it is readable at end of file).
bool ClosedByPeer(int fd) {
  pollfd entry{fd, POLLIN, 0};
  if (poll(&entry, 1, 0) <= 0) return false;
  char byte;
  return recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

int ConnectTo(const std::string& host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  bool connected = rc == 0;
  if (!connected && errno == EINPROGRESS && WaitFor(fd, POLLOUT, Clock::now() + kIoTimeout)) {
    int error = 0;
    socklen_t length = sizeof error;
    connected = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }
  if (!connected) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// ---- HTTP messages -----------------------------------------------------------------------------

struct Head {
  std::string raw;         // as received, through the empty line
  std::string first_line;  // "PUT /b/k HTTP/1.1" or "HTTP/1.1 200 OK"
  std::vector<std::pair<std::string, std::string>> fields;  // names lower-cased

  std::string Field(std::string_view name) const {
    for (const auto& [key, value] : fields) {
      if (key == name) return value;
    }
    return "";
  }
  bool FieldHas(std::string_view name, std::string_view token) const {
    return Lower(Field(name)).find(token) != std::string::npos;
  }
  std::string Word(int index) const {  // method/target, or version/status
    size_t start = 0;
    for (int i = 0; i < index; ++i) {
      start = first_line.find(' ', start);
      if (start == std::string::npos) return "";
      ++start;
    }
    return first_line.substr(start, first_line.find(' ', start) - start);
  }
  int Status() const { return std::atoi(Word(1).c_str()); }
};

Head ParseHead(std::string raw) {
  Head head;
  head.raw = std::move(raw);
  size_t line_end = head.raw.find("\r\n");
  head.first_line = head.raw.substr(0, line_end);
  size_t start = line_end + 2;
  while (start < head.raw.size()) {
    size_t end = head.raw.find("\r\n", start);
    if (end == std::string::npos || end == start) break;
    std::string line = head.raw.substr(start, end - start);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      size_t value = line.find_first_not_of(" \t", colon + 1);
      head.fields.emplace_back(Lower(line.substr(0, colon)),
                               value == std::string::npos ? "" : line.substr(value));
    }
    start = end + 2;
  }
  return head;
}

enum class Body { kNone, kLength, kChunked, kUntilClose };
struct Framing {
  Body body = Body::kNone;
  uint64_t length = 0;
  bool HasBody() const { return body != Body::kNone && !(body == Body::kLength && length == 0); }
};

Framing RequestFraming(const Head& request) {
  if (request.FieldHas("transfer-encoding", "chunked")) return {Body::kChunked, 0};
  std::string length = request.Field("content-length");
  if (!length.empty()) return {Body::kLength, std::strtoull(length.c_str(), nullptr, 10)};
  return {};
}

Framing ResponseFraming(const Head& response, bool head_request) {
  int status = response.Status();
  if (head_request || status / 100 == 1 || status == 204 || status == 304) return {};
  Framing framing = RequestFraming(response);
  if (framing.body == Body::kNone && response.Field("content-length").empty()) {
    return {Body::kUntilClose, 0};
  }
  return framing;
}

enum class Relay { kDone, kCut, kFailed };  // kCut: stopped halfway on purpose

// Forwards `length` bytes (half of them when `cut`) from `from` to fd `to` (-1 discards).
Relay RelayLength(Peer& from, int to, uint64_t length, bool cut) {
  uint64_t target = cut ? length / 2 : length;
  auto deadline = Clock::now() + kIoTimeout;
  while (target > 0) {
    if (from.buffer.empty() && !Fill(from, deadline)) return Relay::kFailed;
    size_t n = static_cast<size_t>(std::min<uint64_t>(target, from.buffer.size()));
    if (!SendAll(to, std::string_view(from.buffer).substr(0, n), deadline)) return Relay::kFailed;
    from.buffer.erase(0, n);
    target -= n;
    deadline = Clock::now() + kIoTimeout;
  }
  return cut ? Relay::kCut : Relay::kDone;
}

// Forwards `length` bytes with the middle one changed (its bits inverted).
Relay RelayAltered(Peer& from, int to, uint64_t length) {
  uint64_t middle = length / 2;
  if (RelayLength(from, to, middle, false) != Relay::kDone) return Relay::kFailed;
  if (from.buffer.empty() && !Fill(from, Clock::now() + kIoTimeout)) return Relay::kFailed;
  from.buffer[0] = static_cast<char>(~from.buffer[0]);
  return RelayLength(from, to, length - middle, false);
}

// Forwards one CRLF-terminated line and returns it (without CRLF) in `line`.
bool RelayLine(Peer& from, int to, std::string& line) {
  auto deadline = Clock::now() + kIoTimeout;
  size_t end;
  while ((end = from.buffer.find("\r\n")) == std::string::npos) {
    if (from.buffer.size() > kMaxHead || !Fill(from, deadline)) return false;
  }
  line = from.buffer.substr(0, end);
  bool sent = SendAll(to, std::string_view(from.buffer).substr(0, end + 2), deadline);
  from.buffer.erase(0, end + 2);
  return sent;
}

// Forwards a chunked body through its trailers; with `cut`, stops halfway through the first chunk.
Relay RelayChunked(Peer& from, int to, bool cut) {
  std::string line;
  for (;;) {
    if (!RelayLine(from, to, line)) return Relay::kFailed;
    uint64_t size = std::strtoull(line.c_str(), nullptr, 16);
    if (size == 0) break;
    if (cut) return RelayLength(from, to, size, true);
    if (RelayLength(from, to, size + 2, false) != Relay::kDone) return Relay::kFailed;
  }
  do {  // trailers, through the empty line
    if (!RelayLine(from, to, line)) return Relay::kFailed;
  } while (!line.empty());
  return Relay::kDone;
}

Relay RelayUntilClose(Peer& from, int to, bool cut) {
  auto deadline = Clock::now() + kIoTimeout;
  if (cut) {
    if (from.buffer.empty() && !Fill(from, deadline)) return Relay::kFailed;
    return RelayLength(from, to, from.buffer.size(), true);
  }
  for (;;) {
    if (!SendAll(to, from.buffer, deadline)) return Relay::kFailed;
    from.buffer.clear();
    if (!Fill(from, deadline)) return Relay::kDone;
    deadline = Clock::now() + kIoTimeout;
  }
}

Relay RelayBody(Peer& from, int to, const Framing& framing, bool cut) {
  switch (framing.body) {
    case Body::kNone:
      return Relay::kDone;
    case Body::kLength:
      return RelayLength(from, to, framing.length, cut);
    case Body::kChunked:
      return RelayChunked(from, to, cut);
    case Body::kUntilClose:
      return RelayUntilClose(from, to, cut);
  }
  return Relay::kFailed;
}

std::string DefaultS3Code(int status) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 403:
      return "AccessDenied";
    case 404:
      return "NoSuchKey";
    case 429:
      return "SlowDown";
    case 503:
      return "SlowDown";
    default:
      return "InternalError";
  }
}

std::string ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Slow Down";
    default:
      return "Error";
  }
}

// An S3 error answer as a server sends it; a HEAD answer has no body.
std::string ErrorResponse(int status, const std::string& s3_code, bool head_request, bool close) {
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + s3_code +
                     "</Code><Message>injected by FaultProxy</Message>"
                     "<RequestId>fault-proxy</RequestId></Error>";
  std::string response = "HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) +
                         "\r\nContent-Type: application/xml\r\nx-amz-request-id: fault-proxy\r\n"
                         "Content-Length: " +
                         std::to_string(head_request ? 0 : body.size()) + "\r\n";
  if (close) response += "Connection: close\r\n";
  return response + "\r\n" + (head_request ? "" : body);
}

}  // namespace

// ---- one client connection ---------------------------------------------------------------------

// Serves the requests of one client connection in order, over one server connection.
class FaultProxy::Connection {
 public:
  Connection(FaultProxy& proxy, int client_fd) : proxy_(proxy) { client_.fd = client_fd; }
  ~Connection() {
    if (upstream_.fd >= 0) proxy_.Untrack(upstream_.fd);
    proxy_.Untrack(client_.fd);
  }
  void Serve() {
    while (ServeOneRequest()) {
    }
  }

 private:
  // Returns false when the connection is over (closed, failed, cut on purpose).
  bool ServeOneRequest();
  bool AnswerInjectedFailure(const Head& request, const Framing& framing, const Injected& failure);
  bool ConnectUpstream();
  // Forwards the request body; `response` receives a final answer the server gave instead of
  // "100 Continue". False when the connection is over.
  bool ForwardRequestBody(const Head& request, const Framing& framing, std::string& response);
  bool ForwardResponse(const Head& request, std::string response_head);

  FaultProxy& proxy_;
  Peer client_;
  Peer upstream_;
};

bool FaultProxy::Connection::ServeOneRequest() {
  std::string raw;
  if (!ReadHead(client_, raw, Clock::now() + kIdleTimeout)) return false;
  Head request = ParseHead(std::move(raw));
  Framing framing = RequestFraming(request);
  proxy_.CountRequest(request.Word(0), request.Word(1));
  Injected failure;
  if (proxy_.TakeFailure(failure)) return AnswerInjectedFailure(request, framing, failure);
  if (!ConnectUpstream()) {
    SendAll(client_.fd, ErrorResponse(502, "InternalError", request.Word(0) == "HEAD", true),
            Clock::now() + kIoTimeout);
    return false;
  }
  if (!SendAll(upstream_.fd, request.raw, Clock::now() + kIoTimeout)) return false;
  std::string response;
  if (framing.HasBody() && !ForwardRequestBody(request, framing, response)) return false;
  bool expected_body = framing.HasBody() && !response.empty();  // answered before the body
  if (response.empty() && !ReadHead(upstream_, response, Clock::now() + kIoTimeout)) return false;
  if (!ForwardResponse(request, std::move(response))) return false;
  return !expected_body && !request.FieldHas("connection", "close");
}

bool FaultProxy::Connection::AnswerInjectedFailure(const Head& request, const Framing& framing,
                                                   const Injected& failure) {
  bool head_request = request.Word(0) == "HEAD";
  bool expects_continue = request.FieldHas("expect", "100-continue");
  if (framing.HasBody() && expects_continue) {  // answer before the body; it will not come
    SendAll(client_.fd, ErrorResponse(failure.status, failure.s3_code, head_request, true),
            Clock::now() + kIoTimeout);
    return false;
  }
  if (RelayBody(client_, -1, framing, false) != Relay::kDone) return false;
  if (failure.status == 0) return false;  // CloseNextWithoutAnswer: the connection just closes
  bool close = request.FieldHas("connection", "close");
  return SendAll(client_.fd, ErrorResponse(failure.status, failure.s3_code, head_request, close),
                 Clock::now() + kIoTimeout) &&
         !close;
}

bool FaultProxy::Connection::ConnectUpstream() {
  if (upstream_.fd >= 0 && !ClosedByPeer(upstream_.fd)) return true;
  if (upstream_.fd >= 0) proxy_.Untrack(upstream_.fd);
  upstream_ = Peer{};
  int fd = ConnectTo(proxy_.upstream_host_, proxy_.upstream_port_);
  if (fd < 0) return false;
  if (!proxy_.Track(fd)) return false;
  upstream_.fd = fd;
  return true;
}

bool FaultProxy::Connection::ForwardRequestBody(const Head& request, const Framing& framing,
                                                std::string& response) {
  if (request.FieldHas("expect", "100-continue") &&
      WaitFor(upstream_.fd, POLLIN, Clock::now() + kContinueWait)) {
    if (!ReadHead(upstream_, response, Clock::now() + kIoTimeout)) return false;
    if (ParseHead(response).Status() != 100) return true;  // a final answer: no body follows
    if (!SendAll(client_.fd, response, Clock::now() + kIoTimeout)) return false;
    response.clear();
  }
  if (framing.body == Body::kLength && proxy_.TakeRequestAlteration()) {
    return RelayAltered(client_, upstream_.fd, framing.length) == Relay::kDone;
  }
  bool cut = proxy_.TakeRequestDrop();
  return RelayBody(client_, upstream_.fd, framing, cut) == Relay::kDone;
}

bool FaultProxy::Connection::ForwardResponse(const Head& request, std::string response_head) {
  bool head_request = request.Word(0) == "HEAD";
  Head response = ParseHead(std::move(response_head));
  while (response.Status() / 100 == 1) {  // interim answers pass through
    if (!SendAll(client_.fd, response.raw, Clock::now() + kIoTimeout)) return false;
    std::string raw;
    if (!ReadHead(upstream_, raw, Clock::now() + kIoTimeout)) return false;
    response = ParseHead(std::move(raw));
  }
  Framing framing = ResponseFraming(response, head_request);
  bool cut = framing.HasBody() && proxy_.TakeResponseDrop();
  if (!proxy_.WaitResponseDelay()) return false;
  if (!SendAll(client_.fd, response.raw, Clock::now() + kIoTimeout)) return false;
  if (RelayBody(upstream_, client_.fd, framing, cut) != Relay::kDone) return false;
  return framing.body != Body::kUntilClose && !response.FieldHas("connection", "close");
}

// ---- the proxy ---------------------------------------------------------------------------------

FaultProxy::FaultProxy(std::string upstream_host, int upstream_port)
    : upstream_host_(std::move(upstream_host)), upstream_port_(upstream_port) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) Die("eventfd");
  OpenListener();
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    ShutdownTracked();
  }
  changed_.notify_all();
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  accept_thread_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(connection_threads_);
  }
  for (std::thread& thread : threads) thread.join();
  close(wake_fd_);
}

std::string FaultProxy::endpoint() const { return "http://" + host_port(); }
std::string FaultProxy::host_port() const { return "127.0.0.1:" + std::to_string(port_); }

// Binds port_ (a free one when 0) and listens. Called with mutex_ held or before the accept
// thread runs.
void FaultProxy::OpenListener() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) Die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port_));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int attempt = 0; bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0;
       ++attempt) {
    if (attempt == 50) Die("binding 127.0.0.1:" + std::to_string(port_));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the port is briefly taken
  }
  if (listen(fd, 128) != 0) Die("listen");
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  if (port_ == 0)
    port_ = ntohs(address.sin_port);  // only in the constructor: port() reads it unlocked
  listen_fd_ = fd;
  listening_ = true;
}

void FaultProxy::CloseListener() {
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
  listening_ = false;
}

void FaultProxy::AcceptLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (paused_) {
      if (listening_) {
        CloseListener();
        changed_.notify_all();
      }
      changed_.wait(lock, [this] { return stopping_ || !paused_; });
      continue;
    }
    if (!listening_) {
      OpenListener();
      changed_.notify_all();
    }
    int listen_fd = listen_fd_;
    lock.unlock();
    pollfd entries[2] = {{listen_fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    poll(entries, 2, 1000);
    uint64_t drained;
    if (entries[1].revents != 0) (void)!read(wake_fd_, &drained, sizeof drained);
    int client = (entries[0].revents & POLLIN) != 0
                     ? accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)
                     : -1;
    lock.lock();
    if (client < 0) continue;
    if (stopping_ || paused_) {
      close(client);
      continue;
    }
    int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockets_.insert(client);
    connection_threads_.emplace_back([this, client] { ServeConnection(client); });
  }
  CloseListener();
}

void FaultProxy::ServeConnection(int client_fd) {
  Connection connection(*this, client_fd);
  connection.Serve();
}

bool FaultProxy::Track(int fd) {
  std::lock_guard lock(mutex_);
  if (stopping_ || paused_) {
    close(fd);
    return false;
  }
  sockets_.insert(fd);
  return true;
}

void FaultProxy::Untrack(int fd) {
  std::lock_guard lock(mutex_);
  sockets_.erase(fd);
  close(fd);
}

void FaultProxy::ShutdownTracked() {
  for (int fd : sockets_) shutdown(fd, SHUT_RDWR);
}

void FaultProxy::Pause() {
  std::unique_lock lock(mutex_);
  paused_ = true;
  ShutdownTracked();
  changed_.notify_all();
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  changed_.wait(lock, [this] { return !listening_ || stopping_; });
}

void FaultProxy::Resume() {
  std::unique_lock lock(mutex_);
  paused_ = false;
  changed_.notify_all();
  changed_.wait(lock, [this] { return listening_ || stopping_; });
}

void FaultProxy::FailNext(int count, int status, std::string s3_code) {
  std::lock_guard lock(mutex_);
  if (s3_code.empty()) s3_code = DefaultS3Code(status);
  for (int i = 0; i < count; ++i) failures_.push_back({status, s3_code});
}

void FaultProxy::CloseNextWithoutAnswer(int count) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < count; ++i) failures_.push_back({0, ""});
}

void FaultProxy::DropNextRequestMidBody(int count) {
  std::lock_guard lock(mutex_);
  request_drops_ += count;
}

void FaultProxy::AlterNextRequestBody(int count) {
  std::lock_guard lock(mutex_);
  request_alterations_ += count;
}

void FaultProxy::DropNextResponseMidBody(int count) {
  std::lock_guard lock(mutex_);
  response_drops_ += count;
}

void FaultProxy::DelayResponses(std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  delay_ = delay;
}

bool FaultProxy::TakeFailure(Injected& failure) {
  std::lock_guard lock(mutex_);
  if (failures_.empty()) return false;
  failure = failures_.front();
  failures_.pop_front();
  return true;
}

bool FaultProxy::TakeRequestDrop() {
  std::lock_guard lock(mutex_);
  if (request_drops_ == 0) return false;
  --request_drops_;
  return true;
}

bool FaultProxy::TakeRequestAlteration() {
  std::lock_guard lock(mutex_);
  if (request_alterations_ == 0) return false;
  --request_alterations_;
  return true;
}

bool FaultProxy::TakeResponseDrop() {
  std::lock_guard lock(mutex_);
  if (response_drops_ == 0) return false;
  --response_drops_;
  return true;
}

bool FaultProxy::WaitResponseDelay() {
  std::unique_lock lock(mutex_);
  if (delay_.count() > 0) {
    changed_.wait_for(lock, delay_, [this] { return stopping_ || paused_; });
  }
  return !stopping_ && !paused_;
}

void FaultProxy::CountRequest(const std::string& method, const std::string& target) {
  size_t query_start = target.find('?');
  std::string path = target.substr(0, query_start);
  std::string query = query_start == std::string::npos ? "" : target.substr(query_start + 1);
  size_t bucket_end = path.find('/', 1);
  bool has_bucket = path.size() > 1;
  bool has_key = bucket_end != std::string::npos && bucket_end + 1 < path.size();
  std::lock_guard lock(mutex_);
  requests_.push_back(method + " " + target);
  if (method == "GET") {
    bool list = query.find("list-type") != std::string::npos || (has_bucket && !has_key);
    ++(list ? counts_.list : has_key ? counts_.get : counts_.other);
  } else if (method == "HEAD") {
    ++counts_.head;
  } else if (method == "PUT") {
    ++counts_.put;
  } else if (method == "DELETE") {
    ++counts_.del;
  } else if (method == "POST") {
    ++counts_.post;
  } else {
    ++counts_.other;
  }
}

FaultProxy::Counts FaultProxy::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

std::vector<std::string> FaultProxy::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void FaultProxy::ResetCounts() {
  std::lock_guard lock(mutex_);
  counts_ = Counts{};
  requests_.clear();
}

}  // namespace stormproof::testing
