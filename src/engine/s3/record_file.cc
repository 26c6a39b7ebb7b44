// The file format of the maintenance machine's records (internal/record_file.h).
#include "engine/s3/internal/record_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "core/file_io.h"
#include "engine/crypto/crypto.h"

namespace stormproof::s3::internal {
namespace {

constexpr size_t kEntrySize = 16 + 8;
constexpr size_t kDigestSize = 32;

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

std::string Header(const RecordFormat& format, const RecordBinding& binding) {
  return std::string(format.magic) + "repository " + binding.repository_id + "\nlocation " +
         binding.location + "\nprefix " + binding.prefix + "\n";
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

// The entries of `bytes` when it is a whole record of `format` and `binding`; else sets *note.
std::vector<RecordEntry> Parse(const std::string& bytes, const std::string& path,
                               const RecordFormat& format, const RecordBinding& binding,
                               std::string* note) {
  const std::string damaged = std::string(format.what) + " " + path + " is damaged (";
  const std::string empty = "): " + std::string(format.if_empty);
  if (bytes.size() < kDigestSize ||
      DigestOf(std::string_view(bytes).substr(0, bytes.size() - kDigestSize)) !=
          bytes.substr(bytes.size() - kDigestSize)) {
    *note = damaged + "its checksum does not match" + empty;
    return {};
  }
  if (!bytes.starts_with(format.magic)) {
    *note = damaged + "not a record of this version of stormproof" + empty;
    return {};
  }
  const std::string header = Header(format, binding);
  if (!bytes.starts_with(header)) {
    *note = std::string(format.what) + " " + path + " belongs to another repository, location or "
            "prefix: " + format.if_empty;
    return {};
  }
  const size_t body = bytes.size() - kDigestSize - header.size();
  const uint64_t count = body >= 8 ? GetLe64(bytes.data() + header.size()) : 0;
  if (body < 8 || count > kMaxRecordEntries || body != 8 + count * kEntrySize) {
    *note = damaged + "its count of entries does not match its size" + empty;
    return {};
  }
  std::vector<RecordEntry> entries(count);
  const char* at = bytes.data() + header.size() + 8;
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
                                        const RecordBinding& binding, std::string* note) {
  note->clear();
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
  if (size > Header(format, binding).size() + 8 + kMaxRecordEntries * kEntrySize + kDigestSize) {
    *note = std::string(format.what) + " " + path + ": larger than a record can be" + empty;
    return {};
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    *note = std::string(format.what) + " " + path + ": cannot be read" + empty;
    return {};
  }
  return Parse(bytes, path, format, binding, note);
}

Status WriteRecordFile(const std::string& path, const RecordFormat& format,
                       const RecordBinding& binding, std::vector<RecordEntry> entries) {
  if (entries.size() > kMaxRecordEntries) {
    return Error::InvalidArgument(path + ": more than " + std::to_string(kMaxRecordEntries) +
                                  " entries for one record");
  }
  std::sort(entries.begin(), entries.end(), ByHash);
  std::string bytes = Header(format, binding);
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

RecordFileLock::RecordFileLock(const std::string& path) {
  if (!CreateFolderOf(path)) return;
  fd_ = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) return;
  while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
  }
}

RecordFileLock::~RecordFileLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace stormproof::s3::internal
