// The record of retain-until dates that retention upkeep keeps on the maintenance host
// (internal/retention_record.h).
#include "engine/s3/internal/retention_record.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include "core/file_io.h"
#include "engine/crypto/crypto.h"

namespace stormproof::s3::internal {
namespace {

constexpr char kMagic[] = "stormproof retention record 1\n";
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

}  // namespace

RetentionRecord::RetentionRecord(std::string path, RecordBinding binding)
    : path_(std::move(path)), binding_(std::move(binding)) {
  Read();
}

std::array<uint8_t, 16> RetentionRecord::HashOf(std::string_view key,
                                                std::string_view version_id) {
  std::string both(key);
  both.push_back('\0');
  both.append(version_id);
  const crypto::Id digest = crypto::Sha256(AsBytes(both));
  std::array<uint8_t, 16> hash{};
  std::copy_n(digest.bytes.begin(), hash.size(), hash.begin());
  return hash;
}

std::string RetentionRecord::Header() const {
  return std::string(kMagic) + "repository " + binding_.repository_id + "\nlocation " +
         binding_.location + "\nprefix " + binding_.prefix + "\n";
}

void RetentionRecord::Read() {
  const std::string empty = ": every retention is read";
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path_, error);
  if (error) {
    note_ = error == std::errc::no_such_file_or_directory
                ? "no record of earlier upkeep at " + path_ + " (the first run on this machine)" +
                      empty
                : "record of earlier upkeep " + path_ + ": " + error.message() + empty;
    return;
  }
  if (size > Header().size() + 8 + kMaxRecordEntries * kEntrySize + kDigestSize) {
    note_ = "record of earlier upkeep " + path_ + ": larger than a record can be" + empty;
    return;
  }
  std::ifstream in(path_, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    note_ = "record of earlier upkeep " + path_ + ": cannot be read" + empty;
    return;
  }
  if (!Parse(bytes)) loaded_.clear();
}

bool RetentionRecord::Parse(const std::string& bytes) {
  const std::string damaged = "record of earlier upkeep " + path_ + " is damaged (";
  const std::string empty = "): every retention is read";
  if (bytes.size() < kDigestSize ||
      DigestOf(std::string_view(bytes).substr(0, bytes.size() - kDigestSize)) !=
          bytes.substr(bytes.size() - kDigestSize)) {
    note_ = damaged + "its checksum does not match" + empty;
    return false;
  }
  if (!bytes.starts_with(kMagic)) {
    note_ = damaged + "not a record of this version of stormproof" + empty;
    return false;
  }
  const std::string header = Header();
  if (!bytes.starts_with(header)) {
    note_ = "record of earlier upkeep " + path_ + " belongs to another repository, location or "
            "prefix: every retention is read";
    return false;
  }
  const size_t body = bytes.size() - kDigestSize - header.size();
  const uint64_t count = body >= 8 ? GetLe64(bytes.data() + header.size()) : 0;
  if (body < 8 || count > kMaxRecordEntries || body != 8 + count * kEntrySize) {
    note_ = damaged + "its count of entries does not match its size" + empty;
    return false;
  }
  loaded_.resize(count);
  const char* at = bytes.data() + header.size() + 8;
  for (Entry& entry : loaded_) {
    std::memcpy(entry.hash.data(), at, entry.hash.size());
    entry.until_ns = static_cast<int64_t>(GetLe64(at + entry.hash.size()));
    at += kEntrySize;
  }
  // Written sorted; sorted again so that a lookup never depends on it.
  std::sort(loaded_.begin(), loaded_.end(),
            [](const Entry& a, const Entry& b) { return a.hash < b.hash; });
  return true;
}

int64_t RetentionRecord::RecordedUntilNs(std::string_view key,
                                         std::string_view version_id) const {
  const std::array<uint8_t, 16> hash = HashOf(key, version_id);
  auto found = std::lower_bound(loaded_.begin(), loaded_.end(), hash,
                                [](const Entry& e, const auto& h) { return e.hash < h; });
  return found != loaded_.end() && found->hash == hash ? found->until_ns : 0;
}

void RetentionRecord::Note(std::string_view key, std::string_view version_id, int64_t until_ns) {
  Entry entry{HashOf(key, version_id), until_ns};
  MutexLock lock(mutex_);
  noted_.push_back(entry);
}

Status RetentionRecord::Save() const {
  std::vector<Entry> entries;
  {
    MutexLock lock(mutex_);
    entries = noted_;
  }
  if (entries.size() > kMaxRecordEntries) {  // the latest dates kept: the others are due first
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.until_ns > b.until_ns; });
    entries.resize(kMaxRecordEntries);
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.hash < b.hash; });
  std::string bytes = Header();
  bytes.reserve(bytes.size() + 8 + entries.size() * kEntrySize + kDigestSize);
  PutLe64(entries.size(), &bytes);
  for (const Entry& entry : entries) {
    bytes.append(reinterpret_cast<const char*>(entry.hash.data()), entry.hash.size());
    PutLe64(static_cast<uint64_t>(entry.until_ns), &bytes);
  }
  bytes += DigestOf(bytes);
  const std::filesystem::path folder = std::filesystem::path(path_).parent_path();
  std::error_code error;
  if (std::filesystem::create_directory(folder, error)) {
    std::filesystem::permissions(folder, std::filesystem::perms::owner_all, error);
  }
  if (error) return Error::Io(folder.string() + ": " + error.message());
  return WriteFileAtomically(path_, bytes);
}

}  // namespace stormproof::s3::internal
