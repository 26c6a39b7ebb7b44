// Shared HTML of the evidence reports (the drill report and the readiness report): the
// document head with its Content-Security-Policy and inline stylesheet, and small pieces both
// use. Tables and escaping come from report/html (html/html.h). Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_EVIDENCE_EVIDENCE_HTML_H_
#define STORMPROOF_CONTINUITY_REPORT_EVIDENCE_EVIDENCE_HTML_H_

#include <string>
#include <string_view>

#include "continuity/catalog/catalog.h"

namespace stormproof::report::evidence_internal {

// "<!DOCTYPE html>" through "</head>": UTF-8, a CSP that allows nothing but the inline
// stylesheet (no scripts, images, fonts or connections), the escaped `title`, and the
// evidence stylesheet (screen and print rules; only local fonts, no url()).
std::string HtmlHead(std::string_view title);

// A coloured verdict label: "pass", "pass with warnings", "fail", "error".
std::string VerdictBadge(catalog::Outcome outcome);

}  // namespace stormproof::report::evidence_internal

#endif  // STORMPROOF_CONTINUITY_REPORT_EVIDENCE_EVIDENCE_HTML_H_
