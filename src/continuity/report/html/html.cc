#include "continuity/report/html/html.h"

#include "continuity/report/html/escape.h"

namespace stormproof::report::html_internal {

std::string H(std::string_view text) { return HtmlEscape(text); }

std::string HtmlDocumentHead(std::string_view title, std::string_view style_sheet) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + H(title) + "</title>\n<style>\n";
  out += style_sheet;
  return out + "</style>\n</head>\n";
}

std::string Span(std::string_view css_class, std::string_view escaped) {
  return "<span class=\"" + std::string(css_class) + "\">" + std::string(escaped) + "</span>";
}

std::string Lines(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : "<br>") + H(item);
  return out;
}

std::string Row(const std::vector<std::string>& cells) {
  std::string out = "<tr>";
  for (const std::string& cell : cells) out += "<td>" + cell + "</td>";
  return out + "</tr>\n";
}

std::string TableHead(const std::vector<std::string>& header) {
  std::string out = "<table>\n<thead><tr>";
  for (const std::string& column : header) out += "<th>" + column + "</th>";
  return out + "</tr></thead>\n<tbody>\n";
}

std::string OrNotSet(const std::string& text) {
  return text.empty() ? Span("warn", "not set") : H(text);
}

}  // namespace stormproof::report::html_internal
