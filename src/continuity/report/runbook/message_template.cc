#include "continuity/report/runbook/internal/message_template.h"

#include <algorithm>

namespace stormproof::report {
namespace {

bool NameChar(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }

// The length of the placeholder starting at text[at] ('{'), or 0 when there is none.
size_t PlaceholderLength(std::string_view text, size_t at) {
  size_t end = at + 1;
  while (end < text.size() && NameChar(text[end])) ++end;
  if (end == at + 1 || end >= text.size() || text[end] != '}') return 0;
  return end + 1 - at;
}

std::string Unit(int64_t count, const char* unit) {
  return std::to_string(count) + " " + unit + (count == 1 ? "" : "s");
}

}  // namespace

FilledMessage FillMessage(std::string_view text, const std::map<std::string, std::string>& values) {
  FilledMessage out;
  size_t at = 0;
  while (at < text.size()) {
    size_t open = text.find('{', at);
    if (open == std::string_view::npos) break;
    out.text.append(text.substr(at, open - at));
    size_t length = PlaceholderLength(text, open);
    if (length == 0) {
      out.text += '{';
      at = open + 1;
      continue;
    }
    std::string placeholder(text.substr(open, length));
    auto value = values.find(placeholder.substr(1, length - 2));
    if (value != values.end()) {
      out.text += value->second;
    } else {
      out.text += placeholder;
      if (std::find(out.unfilled.begin(), out.unfilled.end(), placeholder) == out.unfilled.end()) {
        out.unfilled.push_back(placeholder);
      }
    }
    at = open + length;
  }
  if (at < text.size()) out.text.append(text.substr(at));
  return out;
}

std::string DurationInWords(Duration duration) {
  int64_t minutes = duration.seconds() / 60;
  if (minutes <= 0) return "less than a minute";
  int64_t days = minutes / 1440, hours = minutes / 60 % 24;
  minutes %= 60;
  std::vector<std::string> parts;
  if (days > 0) parts.push_back(Unit(days, "day"));
  if (hours > 0) parts.push_back(Unit(hours, "hour"));
  if (minutes > 0 && days == 0) parts.push_back(Unit(minutes, "minute"));
  return parts.size() == 1 ? parts[0] : parts[0] + " " + parts[1];
}

}  // namespace stormproof::report
