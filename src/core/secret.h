// Secrets in memory: passwords and key material are overwritten when no longer needed, with
// explicit_bzero (which the compiler may not drop as a dead store). Best effort: copies the C++
// library makes on its own (the smaller buffers a string had while it grew) are out of reach;
// `stormproof` also disables core dumps at start-up (apps/stormproof/main.cc), so whatever is
// left never reaches a core file. Thread-compatible.
#ifndef STORMPROOF_CORE_SECRET_H_
#define STORMPROOF_CORE_SECRET_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"

namespace stormproof {

void Wipe(void* data, size_t size);
// The whole buffer (up to its capacity), then empties it.
void Wipe(std::string* text);
void Wipe(Bytes* bytes);

// A password: text that is wiped when destroyed, and whose moved-from source is wiped too.
// Move-only, so that no copy escapes by accident.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string&& text);  // takes `text` and wipes what it kept
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString();

  std::string_view view() const { return text_; }
  operator std::string_view() const { return text_; }  // NOLINT: what every API takes
  bool empty() const { return text_.empty(); }

 private:
  std::string text_;
};

// Keeps secrets out of core dumps for the rest of the process: PR_SET_DUMPABLE 0 (which also
// stops other processes of the same user, though not root, from attaching with ptrace or reading
// its memory; a program it executes is dumpable again) and a soft RLIMIT_CORE of 0 (for systems
// that dump non-dumpable processes too; a child may raise it again). Best effort; call before any
// secret is read.
void DisableCoreDumps();

// The first line of the password file at `path`, as ReadFirstLine (file_io.h) returns it, but
// read without a stream buffer that would keep a copy. When it is a regular file its group or
// others may read, says so on stderr, once per path in a process: "warning: password file F is
// readable by group or others (chmod 600 F)". Errors: those of ReadFirstLine.
Result<SecretString> ReadPasswordFile(const std::string& path);

}  // namespace stormproof

#endif  // STORMPROOF_CORE_SECRET_H_
