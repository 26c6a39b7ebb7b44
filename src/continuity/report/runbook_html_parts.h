// Building blocks of the HTML runbook shared by runbook_html.cc and runbook_html_restore.cc.
// Functions taking plan text escape it themselves (H() is HtmlEscape()); arguments named
// `escaped` must already be safe HTML. Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_RUNBOOK_HTML_PARTS_H_
#define STORMPROOF_CONTINUITY_REPORT_RUNBOOK_HTML_PARTS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "continuity/report/runbook_sections.h"

namespace stormproof::report::html_internal {

std::string H(std::string_view text);
// "<!DOCTYPE html>" through "</head>", shared by the runbook and the evidence reports: UTF-8, a
// Content-Security-Policy that allows nothing but the inline stylesheet (no scripts, images,
// fonts or connections), the viewport, the escaped `title`, and `style_sheet` (trusted CSS,
// written as it is between "<style>\n" and "</style>").
std::string HtmlDocumentHead(std::string_view title, std::string_view style_sheet);
// <span class="css_class">escaped</span>
std::string Span(std::string_view css_class, std::string_view escaped);
// One line per contact method: its kind as a small label, then the value.
std::string Contacts(const std::vector<ContactLine>& contacts);
// Bold name, muted title, every contact method; "nobody assigned" for an absent card.
std::string Person(const PersonCard& card);
std::string Person(const std::optional<PersonCard>& card);
std::string NameAndPhone(const std::optional<PersonCard>& card);
// The items joined by <br>.
std::string Lines(const std::vector<std::string>& items);
// Table parts; `cells` and `header` are escaped HTML.
std::string TableHead(const std::vector<std::string>& header);
std::string Row(const std::vector<std::string>& cells);
inline constexpr const char* kTableEnd = "</tbody>\n</table>\n";
// The text, or a red "not set" when it is empty.
std::string OrNotSet(const std::string& text);

// Section writers of the restore side (runbook_html_restore.cc).
void WriteRestore(const RunbookModel& model, std::string* out);
void WriteVendors(const RunbookModel& model, std::string* out);
void WriteSecurity(const RunbookModel& model, std::string* out);
void WriteWeaknesses(const RunbookModel& model, std::string* out);

}  // namespace stormproof::report::html_internal

#endif  // STORMPROOF_CONTINUITY_REPORT_RUNBOOK_HTML_PARTS_H_
