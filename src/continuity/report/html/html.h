// report/html: what every HTML report stormproof writes (the runbook, drill reports, the
// readiness report) is built from — escaping of plan text for HTML and Markdown (escape.h), the
// document head with its Content-Security-Policy, and small table and text pieces. Functions
// taking plan text escape it themselves (H() is HtmlEscape()); arguments named `escaped` must
// already be safe HTML. Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_HTML_HTML_H_
#define STORMPROOF_CONTINUITY_REPORT_HTML_HTML_H_

#include <string>
#include <string_view>
#include <vector>

#include "continuity/report/html/escape.h"

namespace stormproof::report::html_internal {

std::string H(std::string_view text);
// "<!DOCTYPE html>" through "</head>", shared by the runbook and the evidence reports: UTF-8, a
// Content-Security-Policy that allows nothing but the inline stylesheet (no scripts, images,
// fonts or connections), the viewport, the escaped `title`, and `style_sheet` (trusted CSS,
// written as it is between "<style>\n" and "</style>").
std::string HtmlDocumentHead(std::string_view title, std::string_view style_sheet);
// <span class="css_class">escaped</span>
std::string Span(std::string_view css_class, std::string_view escaped);
// The items joined by <br>.
std::string Lines(const std::vector<std::string>& items);
// Table parts; `cells` and `header` are escaped HTML.
std::string TableHead(const std::vector<std::string>& header);
std::string Row(const std::vector<std::string>& cells);
inline constexpr const char* kTableEnd = "</tbody>\n</table>\n";
// The text, or a red "not set" when it is empty.
std::string OrNotSet(const std::string& text);

}  // namespace stormproof::report::html_internal

#endif  // STORMPROOF_CONTINUITY_REPORT_HTML_HTML_H_
