// Plan hygiene: stale-contacts and review-overdue.
#include <set>
#include <vector>

#include "continuity/analysis/internal/audit_context.h"

namespace stormproof::analysis::internal {
namespace {

// What each person is relied on for: the critical systems they own and the roles they hold.
struct Duties {
  std::vector<std::vector<size_t>> critical_owned;  // by person index
  std::vector<char> holds_role;                     // by person index
};

Duties DutiesOf(const AuditContext& context) {
  const plan::Plan& plan = context.plan();
  Duties duties{std::vector<std::vector<size_t>>(plan.people.size()),
                std::vector<char>(plan.people.size(), 0)};
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    const plan::System& system = plan.systems[i];
    size_t p = system.owner ? context.PersonIndex(system.owner->id) : AuditContext::kNoPerson;
    if (p != AuditContext::kNoPerson && context.critical(i)) duties.critical_owned[p].push_back(i);
  }
  for (const plan::Role& role : plan.roles) {
    size_t p = role.holder ? context.PersonIndex(role.holder->id) : AuditContext::kNoPerson;
    if (p != AuditContext::kNoPerson) duties.holds_role[p] = 1;
  }
  return duties;
}

void StaleContacts(const AuditContext& context, size_t p, const Duties& duties,
                   std::vector<Finding>* out) {
  const plan::Plan& plan = context.plan();
  const plan::Person& person = plan.people[p];
  if (context.ContactsFresh(person)) return;
  bool relied_on = !duties.critical_owned[p].empty() || duties.holds_role[p];
  Finding f;
  f.severity = relied_on ? Severity::kMedium : Severity::kLow;
  f.area = Area::kContacts;
  f.rule = "stale-contacts";
  std::string max_age = plan.policy.contacts_max_age.ToString();
  f.title =
      "Contacts of " + context.PersonLabel(person.id) +
      (person.contacts_verified ? " were last verified " + person.contacts_verified->ToString()
                                : std::string(" were never verified"));
  f.detail = "Phone numbers and handles must be confirmed at least every " + max_age +
             "; a wrong number is found out in the middle of an incident." +
             (relied_on ? " This person owns a critical system or holds an incident role." : "");
  f.recommendation = "Confirm each contact method with " + context.PersonLabel(person.id) +
                     " and set contacts_verified to the date.";
  for (size_t i : duties.critical_owned[p]) {
    f.systems.push_back(plan.systems[i].id);
    AddClientOf(plan.systems[i], &f.clients);
  }
  f.mark = MarkOr(person.contacts_verified_mark, person.mark);
  out->push_back(std::move(f));
}

Finding ReviewFinding(const plan::Review& review, Severity severity) {
  Finding f;
  f.severity = severity;
  f.area = Area::kReview;
  f.rule = "review-overdue";
  f.recommendation = "Review the plan with its owner, then set review.last to the date.";
  f.mark = review.mark;
  return f;
}

void ReviewOverdue(const AuditContext& context, std::vector<Finding>* out) {
  const plan::Review& review = context.plan().review;
  // A plan that names no cadence is reviewed quarterly, as the design asks.
  Cadence every = review.every.value_or(Cadence(3, Cadence::Unit::kMonth));
  if (!review.last) {
    Finding f = ReviewFinding(review, Severity::kMedium);
    f.title = review.mark.file < 0 ? "The plan has no review schedule"
                                   : "The plan's last review is not recorded";
    f.detail =
        "A continuity plan that is not reviewed drifts from reality: people leave, "
        "systems change. Nothing shows when this plan was last reviewed.";
    f.recommendation = "Add review: with an owner, every: " + every.ToString() +
                       " and last: the date of the last review.";
    out->push_back(std::move(f));
    return;
  }
  Date due = review.last->Add(every);
  if (!(due < context.today())) return;
  bool period_missed = due.Add(every) < context.today();
  Finding f = ReviewFinding(review, period_missed ? Severity::kHigh : Severity::kMedium);
  f.title = "The plan review is overdue since " + due.ToString();
  f.detail = "The plan was last reviewed " + review.last->ToString() + " and is reviewed every " +
             every.ToString() + "; it is " + std::to_string(due.DaysUntil(context.today())) +
             " day(s) overdue" + (period_missed ? ", more than a whole period." : ".");
  out->push_back(std::move(f));
}

}  // namespace

void AuditContactsAndReview(const AuditContext& context, std::vector<Finding>* out) {
  const plan::Plan& plan = context.plan();
  Duties duties = DutiesOf(context);
  std::set<std::string> seen;  // a duplicated id is audited once
  for (size_t p = 0; p < plan.people.size(); ++p) {
    if (seen.insert(plan.people[p].id).second) StaleContacts(context, p, duties, out);
  }
  ReviewOverdue(context, out);
}

}  // namespace stormproof::analysis::internal
