// The file format of the maintenance machine's records (internal/record_file.h).
#include "engine/s3/internal/record_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string_view>
#include <system_error>

#include "core/file_io.h"
#include "engine/crypto/crypto.h"

namespace stormproof::s3::internal {
namespace {

constexpr size_t kEntrySize = 16 + 8;
constexpr size_t kDigestSize = 32;
constexpr std::string_view kBegun = "begun ";
constexpr size_t kMaxBegunLine = kBegun.size() + 19 + 1;  // int64_t's digits and '\n'

void PutLe64(uint64_t value, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}
uint64_t GetLe64(const char* in) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(in[i]);
  return value;
}

std::string DigestOf(std::string_view bytes) {
  const crypto::Id digest = crypto::Sha256(AsBytes(bytes));
  return std::string(reinterpret_cast<const char*>(digest.bytes.data()), digest.bytes.size());
}

std::string Header(const char* magic, const RecordBinding& binding) {
  return std::string(magic) + "repository " + binding.repository_id + "\nlocation " +
         binding.location + "\nprefix " + binding.prefix + "\n";
}

std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// The "begun <ns>\n" line at `at` in `bytes` (before its checksum): its value, and *at moved past
// it; nothing when it is not one.
std::optional<int64_t> ParseBegunLine(std::string_view bytes, size_t* at) {
  const std::string_view rest = bytes.substr(*at, kMaxBegunLine);
  const size_t end = rest.find('\n');
  if (!rest.starts_with(kBegun) || end == std::string_view::npos || end == kBegun.size()) {
    return std::nullopt;
  }
  int64_t value = 0;
  const char* first = rest.data() + kBegun.size();
  const auto [last, error] = std::from_chars(first, rest.data() + end, value);
  if (error != std::errc() || last != rest.data() + end || value < 0) return std::nullopt;
  *at += end + 1;
  return value;
}

bool ByHash(const RecordEntry& a, const RecordEntry& b) { return a.hash < b.hash; }

// Creates the folder of the record at `path` (mode 700) and its parents when missing.
// Errors: kIo naming it.
Status CreateFolderOf(const std::string& path) {
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::error_code error;
  if (std::filesystem::create_directories(folder, error)) {
    std::filesystem::permissions(folder, std::filesystem::perms::owner_all, error);
  }
  if (error) return Error::Io(folder.string() + ": " + error.message());
  return Ok();
}

// The entries of `bytes` when it is a whole record of `format` (or its previous version) and
// `binding`, and its begun line in *begun_ns (0: none); else sets *note.
std::vector<RecordEntry> Parse(const std::string& bytes, const std::string& path,
                               const RecordFormat& format, const RecordBinding& binding,
                               std::string* note, int64_t* begun_ns) {
  const std::string damaged = std::string(format.what) + " " + path + " is damaged (";
  const std::string empty = "): " + std::string(format.if_empty);
  if (bytes.size() < kDigestSize ||
      DigestOf(std::string_view(bytes).substr(0, bytes.size() - kDigestSize)) !=
          bytes.substr(bytes.size() - kDigestSize)) {
    *note = damaged + "its checksum does not match" + empty;
    return {};
  }
  const bool current = bytes.starts_with(format.magic);
  if (!current && (format.previous_magic == nullptr || !bytes.starts_with(format.previous_magic))) {
    *note = damaged + "not a record of this version of stormproof" + empty;
    return {};
  }
  const std::string header = Header(current ? format.magic : format.previous_magic, binding);
  if (!bytes.starts_with(header)) {
    *note = std::string(format.what) + " " + path + " belongs to another repository, location or "
            "prefix: " + format.if_empty;
    return {};
  }
  const std::string_view signed_bytes =
      std::string_view(bytes).substr(0, bytes.size() - kDigestSize);
  size_t header_size = header.size();
  int64_t begun = 0;
  if (current && format.records_begun) {
    std::optional<int64_t> line = ParseBegunLine(signed_bytes, &header_size);
    if (!line) {
      *note = damaged + "its begun line is not one" + empty;
      return {};
    }
    begun = *line;
  }
  const size_t body = signed_bytes.size() >= header_size ? signed_bytes.size() - header_size : 0;
  const uint64_t count = body >= 8 ? GetLe64(bytes.data() + header_size) : 0;
  if (body < 8 || count > kMaxRecordEntries || body != 8 + count * kEntrySize) {
    *note = damaged + "its count of entries does not match its size" + empty;
    return {};
  }
  if (begun_ns != nullptr) *begun_ns = begun;
  std::vector<RecordEntry> entries(count);
  const char* at = bytes.data() + header_size + 8;
  for (RecordEntry& entry : entries) {
    std::memcpy(entry.hash.data(), at, entry.hash.size());
    entry.value = static_cast<int64_t>(GetLe64(at + entry.hash.size()));
    at += kEntrySize;
  }
  // Written sorted; sorted again so that a lookup never depends on it.
  std::sort(entries.begin(), entries.end(), ByHash);
  return entries;
}

}  // namespace

RecordHash RecordHashOf(std::string_view key, std::string_view version_id) {
  std::string both(key);
  both.push_back('\0');
  both.append(version_id);
  const crypto::Id digest = crypto::Sha256(AsBytes(both));
  RecordHash hash{};
  std::copy_n(digest.bytes.begin(), hash.size(), hash.begin());
  return hash;
}

std::vector<RecordEntry> ReadRecordFile(const std::string& path, const RecordFormat& format,
                                        const RecordBinding& binding, std::string* note,
                                        int64_t* begun_ns) {
  note->clear();
  if (begun_ns != nullptr) *begun_ns = 0;
  const std::string empty = ": " + std::string(format.if_empty);
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    *note = error == std::errc::no_such_file_or_directory
                ? "no " + std::string(format.what) + " at " + path +
                      " (the first run on this machine)" + empty
                : std::string(format.what) + " " + path + ": " + error.message() + empty;
    return {};
  }
  if (size > Header(format.magic, binding).size() + kMaxBegunLine + 8 +
                 kMaxRecordEntries * kEntrySize + kDigestSize) {
    *note = std::string(format.what) + " " + path + ": larger than a record can be" + empty;
    return {};
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    *note = std::string(format.what) + " " + path + ": cannot be read" + empty;
    return {};
  }
  return Parse(bytes, path, format, binding, note, begun_ns);
}

Status WriteRecordFile(const std::string& path, const RecordFormat& format,
                       const RecordBinding& binding, std::vector<RecordEntry> entries,
                       int64_t begun_ns) {
  if (entries.size() > kMaxRecordEntries) {
    return Error::InvalidArgument(path + ": more than " + std::to_string(kMaxRecordEntries) +
                                  " entries for one record");
  }
  std::sort(entries.begin(), entries.end(), ByHash);
  std::string bytes = Header(format.magic, binding);
  if (format.records_begun) bytes += std::string(kBegun) + std::to_string(begun_ns) + "\n";
  bytes.reserve(bytes.size() + 8 + entries.size() * kEntrySize + kDigestSize);
  PutLe64(entries.size(), &bytes);
  for (const RecordEntry& entry : entries) {
    bytes.append(reinterpret_cast<const char*>(entry.hash.data()), entry.hash.size());
    PutLe64(static_cast<uint64_t>(entry.value), &bytes);
  }
  bytes += DigestOf(bytes);
  STORMPROOF_TRY(CreateFolderOf(path));
  return WriteFileAtomically(path, bytes);
}

Status CheckRecordOwner(const std::string& path) {
  const uid_t me = ::geteuid();
  // "<path>: owned by uid 1000, not by this user (uid 0): ..."
  auto foreign = [me](const std::string& what, uid_t owner) {
    const std::string why =
        "this machine's records are kept only in the user's own folders, so that the user who "
        "runs maintenance can always write them; run as uid " +
        std::to_string(owner) +
        ", or set XDG_STATE_HOME (or HOME: sudo -H) to a folder of this user";
    return Error::PermissionDenied(what + ": owned by uid " + std::to_string(owner) +
                                   ", not by this user (uid " + std::to_string(me) + "): " + why);
  };
  // The folder, or the nearest one above it that is there (where it is to be made).
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  for (std::filesystem::path at = folder.empty() ? "." : folder;; at = at.parent_path()) {
    struct stat info {};
    if (::stat(at.c_str(), &info) == 0) {
      if (info.st_uid == me || (at != folder && info.st_uid == 0)) break;
      return foreign(at.string(), info.st_uid);
    }
    if (errno != ENOENT) return Error::Io(at.string() + ": " + ErrnoText(errno));
    if (!at.has_relative_path() || at.parent_path() == at) break;
  }
  for (const std::string& file : {path, path + ".lock"}) {
    struct stat info {};
    if (::stat(file.c_str(), &info) == 0) {
      if (info.st_uid != me) return foreign(file, info.st_uid);
    } else if (errno != ENOENT) {
      return Error::Io(file + ": " + ErrnoText(errno));
    }
  }
  return Ok();
}

RecordFileLock::RecordFileLock(const std::string& path) : status_(Take(path)) {}

Status RecordFileLock::Take(const std::string& path) {
  STORMPROOF_TRY(CheckRecordOwner(path));
  STORMPROOF_TRY(CreateFolderOf(path));
  const std::string lock = path + ".lock";
  fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    return Error::Io(lock + ": cannot be opened to lock the record: " + ErrnoText(errno));
  }
  int taken = 0;
  while ((taken = ::flock(fd_, LOCK_EX)) != 0 && errno == EINTR) {
  }
  if (taken == 0) return Ok();
  const int error = errno;
  ::close(fd_);
  fd_ = -1;
  return Error::Io(lock + ": cannot be locked: " + ErrnoText(error));
}

RecordFileLock::~RecordFileLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace stormproof::s3::internal
