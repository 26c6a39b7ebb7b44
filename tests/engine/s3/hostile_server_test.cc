// The S3 client and backend against a broken or hostile server: a tiny HTTP server in this
// process that answers every request with what the test says (RGW cannot be made to misbehave
// like this). Each case must end in one clear error line or a correct result, quickly, with
// bounded memory, and never in a crash or a loop.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/internal/retention_upkeep.h"
#include "engine/s3/s3.h"
#include "tests/matchers.h"

namespace stormproof::s3::internal {
namespace {

// Answers each connection's first request with `handler(request_head, fd)`, then closes it.
// The handler writes the whole answer to fd itself. Thread-safe counters; the destructor stops
// the server.
class CannedServer {
 public:
  using Handler = std::function<void(const std::string& head, int fd)>;

  explicit CannedServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      std::abort();
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~CannedServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }

  int port() const { return port_; }
  std::string location() const {
    return "s3:http://127.0.0.1:" + std::to_string(port_) + "/acme/repo";
  }
  int requests() const { return requests_.load(); }

 private:
  void Serve() {
    for (;;) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      std::string head;
      char buffer[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        head.append(buffer, static_cast<size_t>(n));
      }
      ++requests_;
      handler_(head, fd);
      ::close(fd);
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// Sends all of `text`; false once the client has gone.
bool SendAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void Answer(int fd, int status, const std::string& body, const std::string& extra = "") {
  SendAll(fd, "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\nConnection: close\r\n" + extra + "\r\n" +
                  body);
}

std::string ListPage(const std::vector<std::string>& keys, const std::string& token) {
  std::string xml = "<ListBucketResult><IsTruncated>" + std::string(token.empty() ? "false" : "true") +
                    "</IsTruncated>";
  if (!token.empty()) xml += "<NextContinuationToken>" + token + "</NextContinuationToken>";
  for (const std::string& key : keys) {
    xml += "<Contents><Key>" + key + "</Key><Size>1</Size></Contents>";
  }
  return xml + "</ListBucketResult>";
}

Options OptionsFor(const CannedServer& server) {
  Options options;
  options.location = *ParseLocation(server.location());
  options.credentials.access_key_id = "AKIDEXAMPLE";
  options.credentials.secret_access_key = SecretString(std::string("the-secret-key"));
  options.retry.max_attempts = 1;
  options.stall_timeout = std::chrono::seconds(5);
  return options;
}

TEST(HostileServerTest, AnAnswerFarLongerThanTheRangeAskedForIsAbandoned) {
  std::atomic<uint64_t> sent{0};
  CannedServer server([&](const std::string&, int fd) {
    // 1 KiB asked for; 1 GiB declared, sent until the client hangs up (at most 256 MiB).
    if (!SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n")) return;
    std::string chunk(64 << 10, 'x');
    while (sent < (uint64_t{256} << 20) && SendAll(fd, chunk)) sent += chunk.size();
  });
  Client client(OptionsFor(server));
  Result<ObjectRange> range = client.GetObject("repo/data/ab/ab12", 0, 1024);
  EXPECT_THAT(range, ErrorIs(ErrorCode::kIo, HasSubstr("longer than")));
  // The kernel's socket buffers hold a few MiB; the client must not have read on to 256 MiB.
  EXPECT_LT(sent.load(), uint64_t{32} << 20);
}

TEST(HostileServerTest, AnEndlessChunkedAnswerIsAbandoned) {
  std::atomic<uint64_t> sent{0};
  CannedServer server([&](const std::string&, int fd) {
    if (!SendAll(fd, "HTTP/1.1 206 Partial\r\nContent-Range: bytes 0-1023/1024\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n")) {
      return;
    }
    std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
    while (sent < (uint64_t{256} << 20) && SendAll(fd, chunk)) sent += 0x10000;
  });
  Client client(OptionsFor(server));
  EXPECT_THAT(client.GetObject("repo/index/ab12", 0, 1024),
              ErrorIs(ErrorCode::kIo, HasSubstr("longer than")));
  EXPECT_LT(sent.load(), uint64_t{32} << 20);
}

TEST(HostileServerTest, AListingThatRepeatsItsContinuationTokenEnds) {
  CannedServer server([&](const std::string&, int fd) {
    Answer(fd, 200, ListPage({"repo/snapshots/aa"}, "again"));
  });
  Client client(OptionsFor(server));
  int seen = 0;
  // Stops the loop this test guards against after a while, so that it fails rather than hangs.
  Status listed = client.ListObjects("repo/snapshots/", [&](const ListedObject&) {
    if (++seen > 50) std::abort();
  });
  EXPECT_THAT(listed, ErrorIs(ErrorCode::kIo, HasSubstr("does not end")));
  EXPECT_LE(server.requests(), 3);
}

TEST(HostileServerTest, ListedKeysOutsideTheDirectoryAreIgnored) {
  CannedServer server([&](const std::string&, int fd) {
    std::string good(64, 'a');
    Answer(fd, 200, ListPage({"x", "../../etc/passwd", "repo/snapshots/../" + good,
                              "other/snapshots/" + good, "repo/snapshots/" + good},
                             ""));
  });
  Result<std::unique_ptr<backend::Backend>> backend = OpenBackend(OptionsFor(server));
  ASSERT_THAT(backend, IsOk());
  std::vector<std::string> names;
  ASSERT_THAT((*backend)->List(backend::FileType::kSnapshot,
                               [&](const std::string& name, uint64_t) { names.push_back(name); }),
              IsOk());
  EXPECT_EQ(names, std::vector<std::string>{std::string(64, 'a')});
}

TEST(HostileServerTest, MultipartUploadsOutsideTheRepositoryAreNeverAborted) {
  std::atomic<int> deletes{0};
  CannedServer server([&](const std::string& head, int fd) {
    if (head.starts_with("DELETE")) {
      ++deletes;
      Answer(fd, 204, "");
    } else if (head.find("uploads") != std::string::npos) {  // a listing that ignores its prefix
      Answer(fd, 200,
             "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
             "<Upload><Key>other-repo/data/ab/ab12</Key><UploadId>1</UploadId>"
             "<Initiated>2001-01-01T00:00:00.000Z</Initiated></Upload>"
             "<Upload><Key>repo/data-not/ab12</Key><UploadId>2</UploadId>"
             "<Initiated>2001-01-01T00:00:00.000Z</Initiated></Upload>"
             "</ListMultipartUploadsResult>",
             "Date: Sun, 06 Dec 2026 18:00:00 GMT\r\n");
    } else {
      Answer(fd, 200, ListPage({}, ""));
    }
  });
  Result<std::unique_ptr<backend::Backend>> backend = OpenBackend(OptionsFor(server));
  ASSERT_THAT(backend, IsOk());
  backend::Backend::TemporaryFiles stats;
  EXPECT_THAT((*backend)->RemoveStaleTemporaries(backend::FileType::kPack, std::chrono::hours(1),
                                                 &stats),
              IsOk());
  EXPECT_EQ(deletes.load(), 0);
  EXPECT_EQ(stats.files, 0);
}

TEST(HostileServerTest, TheServersErrorTextStaysOnOneLine) {
  CannedServer server([&](const std::string&, int fd) {
    Answer(fd, 500,
           "<Error><Code>Internal\nError</Code><Message>line one\nline two&#13;three\ttab" +
               std::string(5000, 'm') + "</Message></Error>");
  });
  Client client(OptionsFor(server));
  Result<ObjectRange> got = client.GetObject("repo/config", 0, 0);
  ASSERT_FALSE(got.has_value());
  const std::string& message = got.error().message();
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.find('\r'), std::string::npos) << message;
  EXPECT_LT(message.size(), 600u) << message;
  EXPECT_THAT(got, ErrorIs(ErrorCode::kIo, HasSubstr("Internal?Error: line one?line two?three?tab")));
}

// An error's text that a line break (or a carriage return or tab, the other control characters
// XML lets a server send) would split: each control character becomes '?'.
void ExpectOneLine(const std::string& message) {
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.find('\r'), std::string::npos) << message;
  EXPECT_EQ(message.find('\t'), std::string::npos) << message;
  EXPECT_LT(message.size(), 1000u) << message;
}

// The Object Lock refusals (object_lock.cc) name the server's code and message like every other
// error answer: on one line, however many lines the server sent.
TEST(HostileServerTest, AnObjectLockRefusalStaysOnOneLine) {
  for (const char* refusal : {"InvalidRequest", "InvalidArgument"}) {
    const std::string code = refusal;
    CannedServer server([&](const std::string&, int fd) {
      Answer(fd, 400,
             "<Error><Code>" + code + "</Code><Message>Object Lock\nrefused&#13;\tred" +
                 std::string(3000, 'm') + "</Message></Error>");
    });
    Client client(OptionsFor(server));
    Status set = client.PutObjectRetention("repo/data/3f/3f2a", "v1",
                                           ObjectLock{backend::Retention::Mode::kCompliance,
                                                      1'800'000'000'000'000'000});
    ASSERT_FALSE(set.has_value()) << code;
    ExpectOneLine(set.error().message());
    EXPECT_THAT(set, ErrorIs(ErrorCode::kInvalidArgument,
                             HasSubstr(code + ": Object Lock?refused??red")));
  }
}

// A copy the server fails in a 200 answer's body (copy_object.cc) keeps the server's words on
// one line.
TEST(HostileServerTest, AFailedCopysErrorBodyStaysOnOneLine) {
  CannedServer server([&](const std::string&, int fd) {
    Answer(fd, 200,
           "<Error><Code>Internal\nError</Code><Message>line one\nline two&#13;three\ttab"
           "</Message></Error>");
  });
  Client client(OptionsFor(server));
  Status copied = client.CopyObjectVersion("repo/config", "repo/config", "v1");
  ASSERT_FALSE(copied.has_value());
  ExpectOneLine(copied.error().message());
  EXPECT_THAT(copied, ErrorIs(ErrorCode::kIo, HasSubstr("the server failed the copy (Internal?"
                                                        "Error: line one?line two?three?tab)")));
}

// A retention answer with a mode or date no server sends: the error quotes it on one line.
TEST(HostileServerTest, AMalformedRetentionAnswerStaysOnOneLine) {
  struct Case {
    std::string mode, until;
  };
  for (const Case& c : {Case{"GOVERN\nANCE&#13;\tX", "2030-01-01T00:00:00Z"},
                        Case{"COMPLIANCE", "2030-01-01\nT00:00:00Z&#13;\tX"}}) {
    const std::string& mode = c.mode;
    const std::string& until = c.until;
    CannedServer server([&](const std::string&, int fd) {
      Answer(fd, 200, "<Retention><Mode>" + mode + "</Mode><RetainUntilDate>" + until +
                          "</RetainUntilDate></Retention>");
    });
    Client client(OptionsFor(server));
    Result<ObjectRetention> got = client.GetObjectRetention("repo/config", "v1");
    ASSERT_FALSE(got.has_value()) << mode << " " << until;
    ExpectOneLine(got.error().message());
    EXPECT_THAT(got.error().message(), HasSubstr("??X'")) << got.error().message();
  }
}

TEST(HostileServerTest, ARedirectIsNotFollowed) {
  std::atomic<int> elsewhere{0};
  CannedServer other([&](const std::string&, int fd) {
    ++elsewhere;
    Answer(fd, 200, "stolen");
  });
  CannedServer server([&](const std::string&, int fd) {
    Answer(fd, 307, "",
           "Location: http://127.0.0.1:" + std::to_string(other.port()) + "/acme/repo/config\r\n");
  });
  Client client(OptionsFor(server));
  EXPECT_FALSE(client.GetObject("repo/config", 0, 0).has_value());
  EXPECT_EQ(elsewhere.load(), 0);
}

// With temporary credentials, a 400 InvalidArgument is a refused session token only when the
// server says nothing more (Ceph RGW's answer to a token it cannot decode) or speaks of a token.
// Another reason (a header the server does not take) is the server's, kept in the line, so the
// operator is not sent to renew credentials that are fine; and every line keeps the server's
// reason and never prints the token.
TEST(HostileServerTest, AnInvalidArgumentKeepsTheServersReason) {
  struct Case {
    std::string code, message;
    bool token_blamed;
    ErrorCode error;
  };
  for (const Case& c : {
           Case{"InvalidArgument", "x-amz-storage-class is not supported", false, ErrorCode::kIo},
           Case{"InvalidArgument", "", true, ErrorCode::kPermissionDenied},
           Case{"InvalidArgument", "The security Token is malformed", true,
                ErrorCode::kPermissionDenied},
           Case{"ExpiredToken", "The provided token has expired", true,
                ErrorCode::kPermissionDenied},
       }) {
    const std::string message = c.message.empty() ? "" : "<Message>" + c.message + "</Message>";
    CannedServer server([&](const std::string&, int fd) {
      Answer(fd, 400, "<Error><Code>" + c.code + "</Code>" + message + "</Error>");
    });
    Options options = OptionsFor(server);
    options.credentials.session_token = SecretString(std::string("the-session-token-0123456789"));
    Client client(std::move(options));
    Result<ObjectRange> got = client.GetObject("repo/config", 0, 0);
    ASSERT_FALSE(got.has_value()) << c.code << " " << c.message;
    const std::string& line = got.error().message();
    EXPECT_EQ(got.error().code(), c.error) << line;
    EXPECT_THAT(line, Not(HasSubstr("the-session-token"))) << line;
    EXPECT_THAT(line, HasSubstr(c.code + (c.message.empty() ? "" : ": " + c.message))) << line;
    EXPECT_EQ(line.find("session token is wrong") != std::string::npos, c.token_blamed) << line;
  }
}

// A DELETE on a versioned bucket answers the delete marker's version id: the client hands it
// on (the backend records it as ours); an answer without one gives "".
TEST(HostileServerTest, ADeleteHandsOnTheVersionIdOfItsDeleteMarker) {
  std::atomic<int> deletes{0};
  CannedServer server([&](const std::string&, int fd) {
    Answer(fd, 204, "", ++deletes == 1 ? "x-amz-delete-marker: true\r\nx-amz-version-id: m-1\r\n"
                                        : "");
  });
  Client client(OptionsFor(server));
  std::string marker = "left over";
  ASSERT_THAT(client.DeleteObject("repo/snapshots/aa", &marker), IsOk());
  EXPECT_EQ(marker, "m-1");
  ASSERT_THAT(client.DeleteObject("repo/snapshots/aa", &marker), IsOk());
  EXPECT_EQ(marker, "");
}

// A server that answers success to PutObjectRetention but keeps the old date: the upkeep reads
// the retention back, fails naming the object, and records nothing it did not read.
TEST(HostileServerTest, AnExtensionTheServerDidNotKeepIsAnErrorNotARecordedDate) {
  const std::string old_until = "2026-12-08T00:00:00.000Z";
  std::atomic<int> puts{0};
  CannedServer server([&](const std::string& head, int fd) {
    if (head.starts_with("PUT") && head.find("retention") != std::string::npos) {
      ++puts;
      Answer(fd, 200, "");
    } else if (head.find("retention") != std::string::npos) {
      Answer(fd, 200, "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>" + old_until +
                          "</RetainUntilDate></Retention>");
    } else {  // the version listing: one pack, stored long ago
      Answer(fd, 200,
             "<ListVersionsResult><IsTruncated>false</IsTruncated><Version><Key>repo/data/ab/"
             "ab01</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest><LastModified>"
             "2026-11-01T00:00:00.000Z</LastModified><Size>1</Size><ETag>\"e\"</ETag>"
             "</Version></ListVersionsResult>");
    }
  });
  Client client(OptionsFor(server));
  backend::Backend::RetentionUpkeep upkeep;
  const int64_t now = *ParseRfc3339("2026-12-07T12:00:00Z");
  Status done = ExtendRetentionUnder(client, "repo/data/", [](const std::string&) { return true; },
                                     {backend::Retention::Mode::kGovernance, 1}, &upkeep, now);
  EXPECT_THAT(done, ErrorIs(ErrorCode::kIo, HasSubstr("repo/data/ab/ab01")));
  EXPECT_THAT(done.error().message(), HasSubstr("accepted an extension of its retention to"));
  EXPECT_THAT(done.error().message(), HasSubstr("but keeps 2026-12-08T00:00:00"));
  EXPECT_EQ(puts.load(), 1);
}

// One version whose retention reads back short must not leave the others to expire: the upkeep
// extends every other, then fails naming how many were kept short and the first.
TEST(HostileServerTest, OneExtensionKeptShortDoesNotStopTheOthers) {
  const std::string old_until = "2026-12-08T00:00:00.000Z", far = "2030-01-01T00:00:00.000Z";
  std::atomic<int> puts{0};
  std::mutex mutex;
  std::set<std::string> extended;  // keys whose PUT the server kept
  CannedServer server([&](const std::string& head, int fd) {
    const size_t at = head.find("/ab/");
    const std::string key = at == std::string::npos ? "" : head.substr(at + 4, 4);
    if (head.starts_with("PUT") && head.find("retention") != std::string::npos) {
      ++puts;
      std::lock_guard lock(mutex);
      if (key != "ab01") extended.insert(key);
      Answer(fd, 200, "");
    } else if (head.find("retention") != std::string::npos) {
      std::lock_guard lock(mutex);
      Answer(fd, 200, "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>" +
                          (extended.contains(key) ? far : old_until) +
                          "</RetainUntilDate></Retention>");
    } else {  // the version listing: three packs, stored long ago
      std::string versions;
      for (const char* name : {"ab01", "ab02", "ab03"}) {
        versions += std::string("<Version><Key>repo/data/ab/") + name + "</Key><VersionId>v1"
                    "</VersionId><IsLatest>true</IsLatest><LastModified>2026-11-01T00:00:00.000Z"
                    "</LastModified><Size>1</Size><ETag>\"e\"</ETag></Version>";
      }
      Answer(fd, 200, "<ListVersionsResult><IsTruncated>false</IsTruncated>" + versions +
                          "</ListVersionsResult>");
    }
  });
  Client client(OptionsFor(server));
  backend::Backend::RetentionUpkeep upkeep;
  const int64_t now = *ParseRfc3339("2026-12-07T12:00:00Z");
  Status done = ExtendRetentionUnder(client, "repo/data/", [](const std::string&) { return true; },
                                     {backend::Retention::Mode::kGovernance, 1}, &upkeep, now);
  EXPECT_THAT(done, ErrorIs(ErrorCode::kIo, HasSubstr("1 of 3 object versions under")));
  EXPECT_THAT(done.error().message(), HasSubstr("kept a shorter retention than asked"));
  EXPECT_THAT(done.error().message(), HasSubstr("the first: "));
  EXPECT_THAT(done.error().message(), HasSubstr("repo/data/ab/ab01"));
  EXPECT_EQ(puts.load(), 3);
  EXPECT_EQ(upkeep.extended, 2u);
}

}  // namespace
}  // namespace stormproof::s3::internal
