#include "engine/repository/internal/foreign.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "core/text.h"

namespace stormproof::repository {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxKeyRead = 64 * 1024;  // a restic key file is well under 1 KiB

// Binary rather than text: invalid UTF-8, or a control byte other than tab, CR or LF. An
// encrypted file (restic's config) is all but certain to be both; a JSON or INI file is neither.
bool IsBinary(std::string_view text) {
  if (FindInvalidUtf8(text) != std::string_view::npos) return true;
  for (unsigned char c : text) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return true;
    if (c == 0x7f) return true;
  }
  return false;
}

// Borg's config: an INI file whose first section is [repository].
bool IsBorgConfig(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  return start != std::string_view::npos && text.substr(start).starts_with("[repository]");
}

// A key file of restic's: JSON naming its KDF, scrypt (ours use Argon2id). One key is read, at
// most 64 KiB of it. A damaged stormproof config beside our own keys is thus never called restic.
bool HasResticKeyFile(backend::Backend& backend) {
  std::string first;
  Status listed = backend.List(backend::FileType::kKey, [&](const std::string& name, uint64_t) {
    if (first.empty()) first = name;
  });
  if (!listed || first.empty()) return false;
  const backend::Handle handle{backend::FileType::kKey, first};
  auto size = backend.Size(handle);
  if (!size || *size == 0 || *size > kMaxKeyRead) return false;
  auto key = backend.Load(handle, 0, *size);
  if (!key) return false;
  std::string_view text = AsText(*key);
  return text.find("\"kdf\"") != std::string_view::npos &&
         text.find("\"scrypt\"") != std::string_view::npos;
}

// Our own config, however damaged: plaintext JSON that names the format.
bool MentionsStormproof(std::string_view text) {
  return text.find("stormproof") != std::string_view::npos;
}

// The README borg writes into every repository it creates. Only its first bytes are read, and
// only from a regular file (never a FIFO or device that would block or never end, nor through
// a symlink).
bool HasBorgReadme(const fs::path& dir) {
  constexpr std::string_view kBorgReadme = "This is a Borg Backup repository";
  const fs::path readme = dir / "README";
  int fd = ::open(readme.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat info {};
  char head[kBorgReadme.size()];
  ssize_t got = -1;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) got = ::read(fd, head, sizeof head);
  ::close(fd);
  return got == static_cast<ssize_t>(sizeof head) &&
         std::string_view(head, sizeof head) == kBorgReadme;
}

bool IsEmptyDirectory(const fs::path& dir) {
  std::error_code error;
  return fs::is_directory(dir, error) && fs::is_empty(dir, error) && !error;
}

Error NotOurs(const std::string& location, std::string_view tool) {
  return Error::NotFound(location + ": this is a " + std::string(tool) +
                         " repository, not a stormproof one (use " + std::string(tool) +
                         ", or the plan's kind: " + std::string(tool) + ")");
}

}  // namespace

std::optional<Error> IdentifyForeignRepository(backend::Backend& backend, const Bytes* config) {
  const std::string location = backend.Location();
  if (config != nullptr && IsBorgConfig(AsText(*config))) return NotOurs(location, "borg");
  if (config != nullptr && IsBinary(AsText(*config)) && !MentionsStormproof(AsText(*config)) &&
      HasResticKeyFile(backend)) {
    return NotOurs(location, "restic");
  }
  // Only a local directory can be looked at beyond the backend's own files; another backend's
  // location ("memory:", later an object store's URL) is never a directory here.
  std::error_code error;
  if (!fs::is_directory(location, error)) return std::nullopt;
  if (HasBorgReadme(location)) return NotOurs(location, "borg");
  if (config == nullptr && IsEmptyDirectory(location)) {
    return Error::NotFound(location +
                           ": this is an empty directory, not a stormproof repository (create "
                           "one with 'stormproof init')");
  }
  return std::nullopt;
}

}  // namespace stormproof::repository
