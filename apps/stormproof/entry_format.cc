#include "apps/stormproof/entry_format.h"

#include <iterator>

#include "core/text.h"
#include "engine/crypto/base64.h"

namespace stormproof::cli {
namespace {

using repository::NodeType;

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
  (*object)[key + "_base64"] = crypto::Base64Encode(AsBytes(raw));
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

}  // namespace stormproof::cli
