// Escaping plan text for the markup the report renderers write. A plan is input, possibly
// hostile: every piece of plan text goes through one of these before it reaches HTML or
// Markdown. Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_HTML_ESCAPE_H_
#define STORMPROOF_CONTINUITY_REPORT_HTML_ESCAPE_H_

#include <string>
#include <string_view>

namespace stormproof::report {

// Text safe inside HTML element content and double- or single-quoted attribute values:
// & < > " ' become character references; everything else (UTF-8 included) is kept.
std::string HtmlEscape(std::string_view text);

// Inline Markdown text (a heading, a list item or a table cell) that renders literally:
// backslash-escapes \ ` * _ [ ] < > | and whatever would open a block at the start ("# ",
// "- ", "+ ", "---", "~~~", "1. ", "2) "), and turns each line break into one space, so that
// the text can neither start markup nor break out of a table row; leading white space is
// dropped (it could indent a code block). "+44 20 ..." stays as it is.
// Character references (&amp;) are not escaped.
std::string MarkdownEscape(std::string_view text);

// A backtick fence for a fenced code block holding `text`: one backtick longer than the
// longest run of backticks in it, and at least three, so that the text cannot close it.
std::string MarkdownFence(std::string_view text);

}  // namespace stormproof::report

#endif  // STORMPROOF_CONTINUITY_REPORT_HTML_ESCAPE_H_
