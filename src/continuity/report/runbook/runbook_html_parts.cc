#include "continuity/report/runbook/internal/runbook_html_parts.h"

#include <algorithm>

namespace stormproof::report::html_internal {

std::string Contacts(const std::vector<ContactLine>& contacts) {
  std::string out;
  for (const ContactLine& c : contacts) {
    out += Span("contact", Span("kind", H(c.kind)) + " " + H(c.value));
  }
  return out.empty() ? Span("muted", "no contact methods listed") : out;
}

std::string Person(const PersonCard& card) {
  std::string out = "<strong>" + H(card.name) + "</strong>";
  if (!card.title.empty()) out += " " + Span("muted", H(card.title));
  if (!card.known) return out + " " + Span("warn", "not in the plan");
  return out + Contacts(card.contacts);
}

std::string Person(const std::optional<PersonCard>& card) {
  return card ? Person(*card) : Span("warn", "nobody assigned");
}

std::string NameAndPhone(const std::optional<PersonCard>& card) {
  if (!card) return Span("warn", "nobody assigned");
  std::string phone = card->primary_phone.empty() ? Span("muted", "no phone listed")
                                                  : Span("phone", H(card->primary_phone));
  return "<strong>" + H(card->name) + "</strong> " + phone;
}

std::string WithCode(std::string_view text) {
  std::string escaped = H(text);
  if (std::count(escaped.begin(), escaped.end(), '`') % 2 != 0) return escaped;
  std::string out;
  bool open = false;
  for (char c : escaped) {
    if (c != '`') {
      out += c;
      continue;
    }
    out += open ? "</code>" : "<code>";
    open = !open;
  }
  return out;
}

std::string AttackAnchor(const std::string& repository_id) { return "attack-" + H(repository_id); }

}  // namespace stormproof::report::html_internal
