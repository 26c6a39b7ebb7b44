#include "continuity/report/html/escape.h"

#include <algorithm>
#include <cstring>

namespace stormproof::report {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

bool SpaceOrEnd(std::string_view text, size_t at) {
  return at >= text.size() || text[at] == ' ' || text[at] == '\t';
}

// Where a backslash must go so that text at the start of a line or list item cannot open a
// block ("# x", "- x", "+ x", "---", "~~~", "1. x", "2) x"); npos when nothing opens one.
size_t BlockStart(std::string_view text) {
  if (text.empty()) return std::string::npos;
  char c = text.front();
  if (c == '#' || text.rfind("~~~", 0) == 0) return 0;
  if ((c == '-' || c == '+') &&
      (SpaceOrEnd(text, 1) || text.find_first_not_of("- ") == std::string::npos)) {
    return 0;
  }
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  bool marker = digits > 0 && digits < text.size() && (text[digits] == '.' || text[digits] == ')');
  return marker && SpaceOrEnd(text, digits + 1) ? digits : std::string::npos;
}

}  // namespace

std::string MarkdownEscape(std::string_view text) {
  text.remove_prefix(std::min(text.size(), text.find_first_not_of(" \t\r\n")));
  std::string out;
  out.reserve(text.size() + 8);
  size_t block_start = BlockStart(text);
  if (block_start == 0) out += '\\';
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == block_start && i > 0) out += '\\';
    char c = text[i];
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;  // \r\n: one break
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (std::strchr("\\`*_[]<>|", c) != nullptr && c != '\0') out += '\\';
    out += c;
  }
  return out;
}

std::string MarkdownFence(std::string_view text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

}  // namespace stormproof::report
