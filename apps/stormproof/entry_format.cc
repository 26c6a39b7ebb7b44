#include "apps/stormproof/entry_format.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <ctime>
#include <iterator>

#include "core/text.h"

namespace stormproof::cli {
namespace {

using repository::NodeType;

std::string Base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

enum class Zone { kLocal, kUtc };

std::string FormatTime(int64_t ns, Zone zone) {
  std::time_t seconds = static_cast<std::time_t>(ns / 1'000'000'000 - (ns % 1'000'000'000 < 0));
  std::tm tm{};
  if (zone == Zone::kUtc) {
    ::gmtime_r(&seconds, &tm);
  } else {
    ::localtime_r(&seconds, &tm);
  }
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// Indexed by NodeType, in its declaration order.
constexpr const char* kTypeNames[] = {"file",    "dir",      "symlink", "fifo",
                                      "chardev", "blockdev", "socket"};
constexpr char kTypeLetters[] = "-dlpcbs";
static_assert(static_cast<size_t>(NodeType::kSocket) + 1 == std::size(kTypeNames));

size_t TypeIndex(NodeType type) {
  auto index = static_cast<size_t>(type);
  return index < std::size(kTypeNames) ? index : std::size(kTypeNames);
}

// One rwx triple; `special` (setuid, setgid or sticky) replaces x with `set`/`set_no_x`.
void AppendTriple(uint32_t bits, bool special, char set, char set_no_x, std::string* out) {
  out->push_back(bits & 4 ? 'r' : '-');
  out->push_back(bits & 2 ? 'w' : '-');
  if (special) {
    out->push_back(bits & 1 ? set : set_no_x);
  } else {
    out->push_back(bits & 1 ? 'x' : '-');
  }
}

}  // namespace

void PutName(nlohmann::json* object, const std::string& key, const std::string& raw) {
  if (FindInvalidUtf8(raw) == std::string::npos) {
    (*object)[key] = raw;
    return;
  }
  (*object)[key] = EscapeName(raw);
  (*object)[key + "_base64"] = Base64(raw);
}

std::string ModeString(const repository::Node& node) {
  size_t index = TypeIndex(node.type);
  std::string out(1, index < std::size(kTypeNames) ? kTypeLetters[index] : '?');
  uint32_t mode = node.mode;
  AppendTriple((mode >> 6) & 7, mode & 04000, 's', 'S', &out);
  AppendTriple((mode >> 3) & 7, mode & 02000, 's', 'S', &out);
  AppendTriple(mode & 7, mode & 01000, 't', 'T', &out);
  return out;
}

const char* TypeName(NodeType type) {
  size_t index = TypeIndex(type);
  return index < std::size(kTypeNames) ? kTypeNames[index] : "unknown";
}

std::string OwnerText(const std::string& name, uint32_t id) {
  return name.empty() ? std::to_string(id) : EscapeName(name);
}

std::string LocalTime(int64_t ns) { return FormatTime(ns, Zone::kLocal); }
std::string UtcTime(int64_t ns) { return FormatTime(ns, Zone::kUtc); }

std::string Rfc3339Time(int64_t ns) {
  int64_t fraction = ns % 1'000'000'000;
  if (fraction < 0) fraction += 1'000'000'000;  // before 1970: the second is the one below
  std::string seconds = FormatTime(ns, Zone::kUtc);
  seconds[10] = 'T';
  return fmt::format("{}.{:09}Z", seconds, fraction);
}

}  // namespace stormproof::cli
