#include "engine/backend/backend.h"

#include <algorithm>
#include <string_view>

#include "core/text.h"

#include "engine/backend/layout.h"

namespace stormproof::backend {

const char* FileTypeName(FileType type) {
  switch (type) {
    case FileType::kConfig:
      return "config";
    case FileType::kKey:
      return "key";
    case FileType::kLock:
      return "lock";
    case FileType::kSnapshot:
      return "snapshot";
    case FileType::kIndex:
      return "index";
    case FileType::kPack:
      return "pack";
    case FileType::kEvidence:
      return "evidence";
  }
  return "unknown";
}

const char* RetentionModeWord(Retention::Mode mode) {
  return mode == Retention::Mode::kCompliance ? "compliance" : "governance";
}

int RetentionSpareDays(const Retention& retention) { return std::max(1, retention.days / 4); }

std::optional<Retention::Mode> ParseRetentionMode(std::string_view word) {
  std::string lower = AsciiLower(word);
  if (lower == "governance") return Retention::Mode::kGovernance;
  if (lower == "compliance") return Retention::Mode::kCompliance;
  return std::nullopt;
}

namespace {

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool HasControlCharacter(std::string_view name) {
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

// Why `name` is not a safe file name, or nullptr when it is.
const char* NameProblem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > kMaxNameLength) return "is longer than 128 bytes";
  if (name.find('/') != std::string_view::npos) return "contains '/'";
  if (name.find("..") != std::string_view::npos) return "contains '..'";
  if (name.front() == '.') return "starts with '.'";
  if (HasControlCharacter(name)) return "contains a control character";
  return nullptr;
}

}  // namespace

Status ValidateHandle(const Handle& handle) {
  if (handle.type == FileType::kConfig) return Ok();
  const char* problem = NameProblem(handle.name);
  if (problem == nullptr && handle.type == FileType::kPack &&
      (handle.name.size() < 2 || !IsLowerHex(handle.name[0]) || !IsLowerHex(handle.name[1]))) {
    problem = "does not start with two lower-case hex digits";
  }
  if (problem == nullptr) return Ok();
  std::string shown = handle.name.size() > 80 ? handle.name.substr(0, 80) + "..." : handle.name;
  return Error::InvalidArgument(std::string("invalid ") + FileTypeName(handle.type) + " name '" +
                                shown + "': " + problem);
}

const char* DirectoryOf(FileType type) {
  switch (type) {
    case FileType::kConfig:
      return "";
    case FileType::kKey:
      return "keys";
    case FileType::kLock:
      return "locks";
    case FileType::kSnapshot:
      return "snapshots";
    case FileType::kIndex:
      return "index";
    case FileType::kPack:
      return "data";
    case FileType::kEvidence:
      return "evidence";
  }
  return "unknown";
}

std::string RelativePath(const Handle& handle) {
  switch (handle.type) {
    case FileType::kConfig:
      return "config";
    case FileType::kPack:
      return std::string("data/") + handle.name.substr(0, 2) + "/" + handle.name;
    default:
      return std::string(DirectoryOf(handle.type)) + "/" + handle.name;
  }
}

Result<ByteRange> ResolveRange(const std::string& what, uint64_t size, uint64_t offset,
                               uint64_t length) {
  if (length == 0 && offset <= size) return ByteRange{offset, size - offset};
  bool fits = length != 0 && offset <= size && length <= size - offset;
  if (fits) return ByteRange{offset, length};
  std::string wanted = length == 0 ? "the rest" : std::to_string(length) + " bytes";
  return Error::Io(what + ": truncated: wanted " + wanted + " at offset " + std::to_string(offset) +
                   ", file has " + std::to_string(size));
}

}  // namespace stormproof::backend
