// Building blocks of the HTML runbook shared by runbook_html.cc and runbook_html_restore.cc: the
// page pieces every report uses (html/html.h) plus people cards and the restore-side sections.
// Functions taking plan text escape it themselves. Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_RUNBOOK_INTERNAL_RUNBOOK_HTML_PARTS_H_
#define STORMPROOF_CONTINUITY_REPORT_RUNBOOK_INTERNAL_RUNBOOK_HTML_PARTS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "continuity/report/html/html.h"
#include "continuity/report/runbook/internal/runbook_sections.h"

namespace stormproof::report::html_internal {

// One line per contact method: its kind as a small label, then the value.
std::string Contacts(const std::vector<ContactLine>& contacts);
// Bold name, muted title, every contact method; "nobody assigned" for an absent card.
std::string Person(const PersonCard& card);
std::string Person(const std::optional<PersonCard>& card);
std::string NameAndPhone(const std::optional<PersonCard>& card);

// Section writers of the restore side (runbook_html_restore.cc).
void WriteRestore(const RunbookModel& model, std::string* out);
void WriteVendors(const RunbookModel& model, std::string* out);
void WriteSecurity(const RunbookModel& model, std::string* out);
void WriteWeaknesses(const RunbookModel& model, std::string* out);
void WriteAttack(const RunbookModel& model, std::string* out);

// Escaped text whose `code spans` (pairs of backticks) become <code> elements; with an unpaired
// backtick, the escaped text as it is.
std::string WithCode(std::string_view text);
// The anchor of the "After an attack" block of a repository.
std::string AttackAnchor(const std::string& repository_id);

}  // namespace stormproof::report::html_internal

#endif  // STORMPROOF_CONTINUITY_REPORT_RUNBOOK_INTERNAL_RUNBOOK_HTML_PARTS_H_
