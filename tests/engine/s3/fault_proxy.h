// FaultProxy: an HTTP/1.1 proxy on a loopback port, in this process, between an S3 client and
// the real server (RGW, plain http), that injects the failures of a real network and server on
// demand: error answers (500, 503 SlowDown, 429), connections dropped halfway through a request
// or a response body, a request body altered on the way, slow responses, a server that is
// down and comes back. It also counts the
// requests of each kind, for the benchmarks' request costs.
//
// Point the client at endpoint() instead of the server's: every connection from the client gets
// its own connection to the server, and requests on it are forwarded one after another
// (keep-alive, Content-Length and chunked bodies, "Expect: 100-continue", HEAD responses without
// a body); headers are forwarded unchanged, so signatures stay valid. Faults apply to the next
// requests in arrival order, across all connections.
//
// Thread-safe: the fault and count methods may be called from any thread while requests flow.
// Never hangs a test: every wait on a socket has a timeout (30 s), and the destructor closes
// every connection and joins every thread.
#ifndef STORMPROOF_TESTS_ENGINE_S3_FAULT_PROXY_H_
#define STORMPROOF_TESTS_ENGINE_S3_FAULT_PROXY_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace stormproof::testing {

class FaultProxy {
 public:
  // Listens on a free loopback port at once; forwards to upstream_host:upstream_port (an IPv4
  // address such as "127.0.0.1"). Aborts the test binary when no port can be bound.
  FaultProxy(std::string upstream_host, int upstream_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  std::string endpoint() const;   // "http://127.0.0.1:<port>"
  std::string host_port() const;  // "127.0.0.1:<port>"

  // The next `count` requests are answered with `status` and an S3 XML error body whose Code is
  // `s3_code` (default by status: 500 InternalError, 503 SlowDown, 429 SlowDown, 403
  // AccessDenied, 404 NoSuchKey, 400 BadRequest, else InternalError) without reaching the server.
  // A request body is read and discarded first; a request that expects 100-continue gets the
  // answer at once and its connection is closed.
  void FailNext(int count, int status, std::string s3_code = "");
  // The next `count` requests are read whole, body included, and their connection is closed
  // without an answer, as a server closing an idle keep-alive connection just as a request
  // arrives would (curl then sends the request again on a new connection, body rewound).
  void CloseNextWithoutAnswer(int count = 1);
  // The next `count` requests that have a body: half of the body is forwarded, then both
  // connections are closed (the client sees its connection reset mid-upload).
  void DropNextRequestMidBody(int count = 1);
  // The next `count` requests with a Content-Length body: the whole body is forwarded, but with
  // its middle byte changed (as a faulty network card or proxy would), headers untouched.
  void AlterNextRequestBody(int count = 1);
  // The next `count` responses that have a body: the head and half of the body are forwarded,
  // then both connections are closed (the client sees a truncated download).
  void DropNextResponseMidBody(int count = 1);
  // Every response waits this long before it is forwarded; zero (the default) turns it off.
  void DelayResponses(std::chrono::milliseconds delay);
  // The server is down: the port refuses connections and open connections are closed. Returns
  // once that holds. Resume() listens on the same port again and returns once it does.
  void Pause();
  void Resume();

  // Requests received (injected failures included), by kind: list is a GET on a bucket (no key)
  // or with list-type; get, head, put, del, post by method; other is the rest (e.g. GET /).
  struct Counts {
    int put = 0, get = 0, head = 0, list = 0, del = 0, post = 0, other = 0;
    int total() const { return put + get + head + list + del + post + other; }
  };
  Counts counts() const;
  // Every request received since the last ResetCounts() (or the start), in arrival order, as
  // "METHOD TARGET" with the target's query string ("GET /bucket/prefix/config",
  // "GET /bucket?list-type=2&prefix=..."): the evidence behind counts(), for tests that pin down
  // which requests an operation makes.
  std::vector<std::string> requests() const;
  void ResetCounts();  // and requests()

 private:
  struct Injected {
    int status = 0;
    std::string s3_code;
  };
  class Connection;
  friend class Connection;

  void AcceptLoop();
  void OpenListener();
  void CloseListener();
  void ServeConnection(int client_fd);
  // Registers a socket so that Pause() and the destructor can shut it down; false when the proxy
  // is paused or stopping (then the caller closes it).
  bool Track(int fd);
  void Untrack(int fd);  // and closes it
  void ShutdownTracked();
  // Fault decisions, each consuming one pending fault when it applies.
  bool TakeFailure(Injected& failure);
  bool TakeRequestDrop();
  bool TakeRequestAlteration();
  bool TakeResponseDrop();
  void CountRequest(const std::string& method, const std::string& target);
  // Sleeps for the response delay; false when the proxy is stopping or paused meanwhile.
  bool WaitResponseDelay();

  const std::string upstream_host_;
  const int upstream_port_;
  int port_ = 0;
  int listen_fd_ = -1;  // owned by the accept thread once it runs
  int wake_fd_ = -1;    // an eventfd that wakes the accept thread

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;                        // GUARDED_BY(mutex_)
  bool paused_ = false;                          // GUARDED_BY(mutex_)
  bool listening_ = false;                       // GUARDED_BY(mutex_)
  std::set<int> sockets_;                        // GUARDED_BY(mutex_)
  std::deque<Injected> failures_;                // GUARDED_BY(mutex_)
  int request_drops_ = 0;                        // GUARDED_BY(mutex_)
  int request_alterations_ = 0;                  // GUARDED_BY(mutex_)
  int response_drops_ = 0;                       // GUARDED_BY(mutex_)
  std::chrono::milliseconds delay_{0};           // GUARDED_BY(mutex_)
  Counts counts_;                                // GUARDED_BY(mutex_)
  std::vector<std::string> requests_;            // GUARDED_BY(mutex_)
  std::vector<std::thread> connection_threads_;  // GUARDED_BY(mutex_)
  std::thread accept_thread_;
};

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_ENGINE_S3_FAULT_PROXY_H_
