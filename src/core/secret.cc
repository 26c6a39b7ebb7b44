#include "core/secret.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>

namespace stormproof {
namespace {

constexpr size_t kChunk = 4096;
constexpr size_t kMaxLine = 1 << 20;  // a password file is a line, not a disk image

// Appends without leaving a copy behind: a buffer that must grow is wiped before it is freed.
void AppendSecret(std::string* text, const char* data, size_t n) {
  if (text->size() + n > text->capacity()) {
    std::string grown;
    grown.reserve(2 * (text->size() + n));
    grown.append(*text);
    Wipe(text);
    *text = std::move(grown);
  }
  text->append(data, n);
}

// Says once per path and process that `path` is readable by its group or others.
void WarnIfExposed(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRGRP | S_IROTH)) == 0) return;
  // Function-local statics: GUARDED_BY cannot name a local, so a plain std::mutex is enough here.
  static std::mutex mu;
  static std::set<std::string> warned;  // read and written only under mu
  std::lock_guard lock(mu);
  if (!warned.insert(path).second) return;
  std::fprintf(stderr, "warning: password file %s is readable by group or others (chmod 600 %s)\n",
               path.c_str(), path.c_str());
}

Error OsError(const std::string& path, int error) {
  std::string message = path + ": " + std::strerror(error);
  return error == ENOENT ? Error::NotFound(message) : Error::Io(message);
}

// The first line of open file `fd` (its '\n' and a trailing '\r' removed).
Result<SecretString> ReadLine(int fd, const std::string& path) {
  std::string line;
  char buffer[kChunk];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      Wipe(&line);
      return OsError(path, error);
    }
    if (n == 0) break;
    const void* newline = std::memchr(buffer, '\n', static_cast<size_t>(n));
    size_t take = newline ? static_cast<size_t>(static_cast<const char*>(newline) - buffer)
                          : static_cast<size_t>(n);
    AppendSecret(&line, buffer, take);
    if (newline != nullptr) break;
    if (line.size() > kMaxLine) {
      Wipe(&line);
      Wipe(buffer, sizeof buffer);
      return Error::InvalidArgument(path + ": first line longer than 1 MiB");
    }
  }
  Wipe(buffer, sizeof buffer);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return SecretString(std::move(line));
}

}  // namespace

void Wipe(void* data, size_t size) {
  if (size > 0) ::explicit_bzero(data, size);
}

void Wipe(std::string* text) {
  text->resize(text->capacity());
  Wipe(text->data(), text->size());
  text->clear();
}

void Wipe(Bytes* bytes) {
  bytes->resize(bytes->capacity());
  Wipe(bytes->data(), bytes->size());
  bytes->clear();
}

SecretString::SecretString(std::string&& text) : text_(std::move(text)) { Wipe(&text); }

SecretString::SecretString(SecretString&& other) noexcept : text_(std::move(other.text_)) {
  Wipe(&other.text_);
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    Wipe(&text_);
    text_ = std::move(other.text_);
    Wipe(&other.text_);
  }
  return *this;
}

SecretString::~SecretString() { Wipe(&text_); }

void DisableCoreDumps() {
  rlimit core{};
  if (::getrlimit(RLIMIT_CORE, &core) == 0) {
    core.rlim_cur = 0;
    ::setrlimit(RLIMIT_CORE, &core);
  }
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

Result<SecretString> ReadPasswordFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OsError(path, errno);
  struct stat st {};
  if (::fstat(fd, &st) == 0) WarnIfExposed(path, st);
  Result<SecretString> line = ReadLine(fd, path);
  ::close(fd);
  return line;
}

}  // namespace stormproof
