// PlanDuties(): which recurring duties a plan implies, when each is first due and what it asks.
// The iCalendar rendering of these events is in calendar.cc.
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/text.h"
#include "continuity/report/calendar/calendar.h"

namespace stormproof::report {
namespace {

constexpr Cadence kDefaultReviewEvery{3, Cadence::Unit::kMonth};
// A drill event lists at most this many systems; the rest are counted.
constexpr size_t kMaxSystemsListed = 50;

std::string Uid(const plan::Plan& plan, const std::string& kind, const std::string& id) {
  return kind + "-" + id + "@" + (plan.msp.id.empty() ? "msp" : plan.msp.id) + ".stormproof";
}

// True for an address that can go into a mailto: URI as it is.
bool LooksLikeEmail(const std::string& text) {
  size_t at = text.find('@');
  if (at == 0 || at == std::string::npos || at + 1 == text.size()) return false;
  return std::none_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || std::string_view("\"<>,;:()[]\\").find(c) != std::string::npos;
  });
}

std::string EmailOf(const plan::Person* person) {
  if (person == nullptr) return "";
  for (const plan::Contact& contact : person->contacts) {
    if (contact.kind == plan::ContactKind::kEmail && LooksLikeEmail(contact.value)) {
      return contact.value;
    }
  }
  return "";
}

// "Tom Hughes (tom-hughes)", or just the id when the person is unknown or unnamed.
std::string PersonLabel(const plan::Plan& plan, const std::string& id) {
  const plan::Person* person = plan.FindPerson(id);
  if (person == nullptr || person->name.empty()) return id;
  return person->name + " (" + id + ")";
}

// "every day", "every 3 months".
std::string EveryText(const Cadence& every) {
  static constexpr const char* kUnits[] = {"day", "week", "month", "year"};
  std::string unit = kUnits[static_cast<int>(every.unit())];
  if (every.count() == 1) return "every " + unit;
  return "every " + std::to_string(every.count()) + " " + unit + "s";
}

// Makes `owner` the owner of `event`, with their email when one is known; nothing when absent.
void SetOwner(const plan::Plan& plan, const std::optional<plan::Ref>& owner, CalendarEvent* event) {
  if (!owner) return;
  event->owner = owner->id;
  event->owner_email = EmailOf(plan.FindPerson(owner->id));
}

// Schedules a duty last done on `last` (if ever): first due `last + every`, or today when that
// has passed or it was never done. Appends the history lines to the description.
void Schedule(const std::optional<Date>& last, const std::string& last_label, Date today,
              CalendarEvent* event) {
  event->first = today;
  std::string& d = event->description;
  d += last_label + ": " + (last ? last->ToString() : "never") + "\n";
  d += "Repeats " + EveryText(event->every) + ".";
  if (!last) return;
  Date due = last->Add(event->every);
  if (due >= today) {
    event->first = due;
  } else {
    d += "\nOverdue: was due on " + due.ToString() + ".";
  }
}

CalendarEvent ReviewDuty(const plan::Plan& plan, Date today) {
  CalendarEvent event;
  event.uid = Uid(plan, "review", "plan");
  event.every = plan.review.every.value_or(kDefaultReviewEvery);
  event.summary = "Plan review: " + plan::ClientName(plan, std::nullopt);
  SetOwner(plan, plan.review.owner, &event);
  event.description =
      "Review the business-continuity plan with everyone who holds an incident role: people and "
      "their contacts, roles, tiers and objectives, systems, vendors and sites. Run `stormproof "
      "plan check` and `stormproof plan audit`, fix what they report, then set review.last in "
      "the plan.\nOwner: " +
      (event.owner.empty() ? std::string("nobody (name one in review.owner)")
                           : PersonLabel(plan, event.owner)) +
      "\n";
  Schedule(plan.review.last, "Last review", today, &event);
  return event;
}

std::string SystemLine(const plan::Plan& plan, const plan::System& system) {
  std::string line = "- " + system.id;
  if (!system.name.empty()) line += ": " + system.name;
  line += " (" + plan::ClientName(plan, system.client) + ")";
  line += system.owner ? ", owner " + PersonLabel(plan, system.owner->id) : ", no owner";
  return line + "\n";
}

CalendarEvent DrillDuty(const plan::Plan& plan, const plan::Tier& tier, Date today) {
  CalendarEvent event;
  event.uid = Uid(plan, "drill", tier.id);
  event.summary =
      "Restore drill: " + (tier.name.empty() ? tier.id : tier.name) + " (" + tier.id + ")";
  event.every = *tier.drill_every;
  // Drill records arrive later with the catalog; until the last drill is known, the first one
  // is due tomorrow rather than guessed from nothing.
  event.first = today.AddDays(1);
  std::string& d = event.description;
  d = "Restore each system below into a scratch place (`stormproof drill --system ID`), verify it "
      "and time it against the tier's objectives";
  if (tier.rto) d += ": RTO " + tier.rto->ToString();
  if (tier.rpo) d += (tier.rto ? ", RPO " : ": RPO ") + tier.rpo->ToString();
  d += ".\n";
  std::vector<const plan::System*> systems;
  for (const plan::System& system : plan.systems) {
    if (system.tier && system.tier->id == tier.id) systems.push_back(&system);
  }
  if (systems.empty()) d += "No systems are in this tier yet.\n";
  if (!systems.empty()) d += "Systems (" + std::to_string(systems.size()) + "):\n";
  for (size_t i = 0; i < systems.size() && i < kMaxSystemsListed; ++i) {
    d += SystemLine(plan, *systems[i]);
  }
  if (systems.size() > kMaxSystemsListed) {
    d += "- and " + std::to_string(systems.size() - kMaxSystemsListed) + " more\n";
  }
  d += "Repeats " + EveryText(event.every) + ".";
  return event;
}

CalendarEvent ContactDuty(const plan::Plan& plan, const plan::Person& person, Date today) {
  CalendarEvent event;
  event.uid = Uid(plan, "contacts", person.id);
  event.summary = "Verify contacts: " + (person.name.empty() ? person.id : person.name);
  event.every = plan.policy.contacts_max_age;
  SetOwner(plan, plan::Ref{person.id, {}}, &event);
  std::string& d = event.description;
  d = "Confirm that each way to reach " + PersonLabel(plan, person.id) +
      " still works (call, message or write and get an answer), then set contacts_verified in "
      "the plan.\n";
  if (person.contacts.empty()) d += "No contact methods are recorded: add at least two.\n";
  for (const plan::Contact& contact : person.contacts) {
    d += std::string("- ") + plan::ContactKindName(contact.kind) + ": " + contact.value + "\n";
  }
  if (person.deputy) d += "Deputy: " + PersonLabel(plan, person.deputy->id) + "\n";
  Schedule(person.contacts_verified, "Last verified", today, &event);
  return event;
}

CalendarEvent EvidenceDuty(const plan::Plan& plan, const std::string& owner_id,
                           const std::string& owner_name, const plan::SecurityControl& control,
                           Date today) {
  const std::string kind = plan::ControlKindName(control.kind);
  CalendarEvent event;
  event.uid = Uid(plan, "evidence", owner_id + "-" + kind);
  event.summary = "Security evidence: " + owner_name + " " + kind;
  event.every = control.evidence_every.value_or(plan.policy.evidence_max_age);
  std::string& d = event.description;
  d = "Collect fresh evidence that " + kind +
      (control.product.empty() ? "" : " (" + control.product + ")") + " works for " + owner_name +
      " (a coverage report, a scan result or a certificate), then set last_evidence in the plan.\n";
  if (control.coverage_percent) {
    d += fmt::format("Coverage: {:g}%\n", *control.coverage_percent);
  }
  if (!control.frameworks.empty()) d += "Frameworks: " + Join(control.frameworks, ", ") + "\n";
  if (!control.notes.empty()) d += "Notes: " + control.notes + "\n";
  Schedule(control.last_evidence, "Last evidence", today, &event);
  return event;
}

// Evidence duties: the MSP's own controls first, then each client's by client id; within one
// organisation by control name, keeping the written order among equals.
void AppendEvidenceDuties(const plan::Plan& plan, Date today, std::vector<CalendarEvent>* out) {
  std::vector<std::tuple<int, std::string, std::string, CalendarEvent>> duties;
  auto add = [&](int group, const std::string& id, const std::string& name,
                 const std::vector<plan::SecurityControl>& controls) {
    for (const plan::SecurityControl& control : controls) {
      if (!control.last_evidence) continue;  // never evidenced: the audit reports it
      duties.emplace_back(group, id, plan::ControlKindName(control.kind),
                          EvidenceDuty(plan, id, name, control, today));
    }
  };
  add(0, "msp", plan::ClientName(plan, std::nullopt), plan.msp.security);
  for (const plan::Client& client : plan.clients) {
    add(1, client.id, client.name.empty() ? client.id : client.name, client.security);
  }
  std::stable_sort(duties.begin(), duties.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
           std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
  });
  for (auto& duty : duties) out->push_back(std::move(std::get<3>(duty)));
}

// Makes every UID unique by suffixing repeats ("-2", "-3") before the '@'. Repeats come from
// duplicated ids (which plan check reports) or two controls of one kind for one organisation.
void MakeUidsUnique(std::vector<CalendarEvent>* events) {
  std::map<std::string, int> seen;
  for (CalendarEvent& event : *events) {
    int n = ++seen[event.uid];
    if (n == 1) continue;
    size_t at = event.uid.rfind('@');
    std::string unique;
    do {
      unique = event.uid;
      unique.insert(at, "-" + std::to_string(n++));
    } while (seen.count(unique) > 0);
    seen[unique] = 1;
    event.uid = unique;
  }
}

}  // namespace

std::vector<CalendarEvent> PlanDuties(const plan::Plan& plan, const CalendarOptions& options) {
  std::vector<CalendarEvent> events;
  events.push_back(ReviewDuty(plan, options.today));

  std::vector<const plan::Tier*> tiers;
  for (const plan::Tier& tier : plan.tiers) {
    if (tier.drill_every) tiers.push_back(&tier);
  }
  std::stable_sort(tiers.begin(), tiers.end(), [](const plan::Tier* a, const plan::Tier* b) {
    return std::tie(a->rank, a->id) < std::tie(b->rank, b->id);
  });
  for (const plan::Tier* tier : tiers) events.push_back(DrillDuty(plan, *tier, options.today));

  std::vector<const plan::Person*> people;
  for (const plan::Person& person : plan.people) people.push_back(&person);
  std::stable_sort(people.begin(), people.end(),
                   [](const plan::Person* a, const plan::Person* b) { return a->id < b->id; });
  for (const plan::Person* person : people) {
    events.push_back(ContactDuty(plan, *person, options.today));
  }

  AppendEvidenceDuties(plan, options.today, &events);
  MakeUidsUnique(&events);
  return events;
}

}  // namespace stormproof::report
