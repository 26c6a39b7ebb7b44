// A file name's extension, as the detection rules compare them.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/text.h"
#include "engine/detect/detect.h"

namespace stormproof::detect {
namespace {

// Long enough for ".encrypted" and random 10-character ransomware extensions, short enough that
// most dotted words and hashes in names are not taken for one.
constexpr size_t kMaxExtensionLength = 12;

bool IsExtensionChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

std::string Extension(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "";
  const std::string_view tail = name.substr(dot + 1);
  if (tail.empty() || tail.size() > kMaxExtensionLength) return "";
  for (const char c : tail) {
    if (!IsExtensionChar(c)) return "";
  }
  return AsciiLower(tail);
}

}  // namespace stormproof::detect
