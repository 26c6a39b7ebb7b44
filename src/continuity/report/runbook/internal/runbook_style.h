// The runbook's inline stylesheet: screen and print rules for the HTML runbook. Uses only
// fonts already on the reader's machine and no url(), so the file stays self-contained.
#ifndef STORMPROOF_CONTINUITY_REPORT_RUNBOOK_INTERNAL_RUNBOOK_STYLE_H_
#define STORMPROOF_CONTINUITY_REPORT_RUNBOOK_INTERNAL_RUNBOOK_STYLE_H_

#include <string_view>

namespace stormproof::report {

// CSS text, ending in a newline; thread-safe.
std::string_view RunbookStyleSheet();

}  // namespace stormproof::report

#endif  // STORMPROOF_CONTINUITY_REPORT_RUNBOOK_INTERNAL_RUNBOOK_STYLE_H_
