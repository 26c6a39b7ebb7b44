// The restore side of the HTML runbook: the restore order with each step's facts, checklist
// and verify command, then vendors and sites, security controls and known weaknesses.
#include <string>

#include "continuity/report/runbook/internal/runbook_html_parts.h"

namespace stormproof::report::html_internal {
namespace {

std::string BackBy(const RestoreBlock& b) {
  std::string out = "<strong>" + H(b.back) + "</strong> ";
  if (b.starts.empty()) return out + Span("risk", "cannot be restored");
  out += b.within_rto ? Span("ok", "within RTO") : Span("risk", "RTO at risk");
  return out + "<br>" +
         Span("muted", "starts " + b.starts + ", takes " + H(b.restore_time) +
                           (b.estimated ? " (estimate)" : " (whole RTO budget)"));
}

std::string Repositories(const std::vector<RepositoryLine>& repositories) {
  std::string out;
  for (const RepositoryLine& r : repositories) {
    out += Span("contact", "<strong>" + H(r.id) + "</strong> <code>" + H(r.location) + "</code> " +
                               Span("muted", H(r.traits)));
  }
  return out.empty() ? Span("warn", "none") : out;
}

std::string FactRow(std::string_view a, const std::string& va, std::string_view b,
                    const std::string& vb) {
  return "<tr><th>" + std::string(a) + "</th><td>" + va + "</td><th>" + std::string(b) +
         "</th><td>" + vb + "</td></tr>\n";
}

std::string WideRow(std::string_view label, const std::string& value) {
  return "<tr><th>" + std::string(label) + "</th><td colspan=\"3\">" + value + "</td></tr>\n";
}

void WriteStepFacts(const RestoreBlock& b, std::string* out) {
  *out += "<table class=\"facts step-facts\">\n<tbody>\n";
  *out += FactRow("Client", H(b.client), "Tier", OrNotSet(b.tier));
  *out += FactRow("RTO", OrNotSet(b.rto), "RPO", OrNotSet(b.rpo));
  *out += WideRow("Back by", BackBy(b));
  *out += FactRow("Owner", Person(b.owner), "Deputy", b.deputy ? Person(*b.deputy) : "");
  if (!b.depends_on.empty()) *out += WideRow("Depends on", Lines(b.depends_on));
  *out += WideRow("Backups in", Repositories(b.repositories));
  if (!b.restore_from.empty()) *out += WideRow("Restore from", H(b.restore_from));
  if (!b.attack_copies.empty()) {
    std::string links;
    for (const std::string& id : b.attack_copies) {
      links += (links.empty() ? "" : ", ") + std::string("<a href=\"#") + AttackAnchor(id) + "\">" +
               H(id) + "</a>";
    }
    *out += WideRow("After an attack", "recover from the object-locked copy " + links);
  }
  *out += kTableEnd;
}

void WriteChecklist(const std::vector<ChecklistItem>& items, std::string* out) {
  if (items.empty()) return;
  *out += "<ol class=\"checklist\">\n";
  for (const ChecklistItem& item : items) {
    *out += "<li><span class=\"box\" aria-hidden=\"true\"></span><span class=\"step-text\">" +
            H(item.text);
    if (!item.skill.empty()) *out += " " + Span("skill", "skill: " + H(item.skill));
    *out += "</span></li>\n";
  }
  *out += "</ol>\n";
}

std::string StepAnchor(const RestoreBlock& b) { return "step-" + std::to_string(b.position); }

void WriteOneStep(const RestoreBlock& b, std::string* out) {
  *out += std::string("<article class=\"step") + (b.within_rto ? "" : " at-risk") + "\" id=\"" +
          StepAnchor(b) + "\">\n";
  *out += "<h3><span class=\"pos\">" + std::to_string(b.position) + "</span> " + H(b.system_name) +
          " <span class=\"id\">" + H(b.system_id) + "</span></h3>\n";
  if (b.dependency_only) {
    *out += "<p class=\"muted\">Restored because this client's systems depend on it.</p>\n";
  }
  WriteStepFacts(b, out);
  WriteChecklist(b.checklist, out);
  if (!b.verify_command.empty()) {
    *out +=
        "<p class=\"label\">Verify (exit status 0 = restored)</p>\n<pre class=\"verify\"><code>" +
        H(b.verify_command) + "</code></pre>\n";
  }
  *out += "</article>\n";
}

// One row per step, linked to its details: the whole order at a glance.
void WriteRestoreOverview(const RunbookModel& model, std::string* out) {
  *out += TableHead({"#", "System", "Client", "Tier", "Back by", "RTO"});
  for (const RestoreBlock& b : model.restore) {
    std::string rto = OrNotSet(b.rto);
    if (!b.within_rto) rto += " " + Span("risk", "RTO at risk");
    *out += Row({std::to_string(b.position),
                 "<a href=\"#" + StepAnchor(b) + "\">" + H(b.system_name) + "</a>", H(b.client),
                 OrNotSet(b.tier), Span("time", H(b.back)), rto});
  }
  *out += kTableEnd;
}

}  // namespace

void WriteRestore(const RunbookModel& model, std::string* out) {
  if (model.restore.empty()) {
    *out += "<p class=\"muted\">No systems to restore here.</p>\n";
    return;
  }
  WriteRestoreOverview(model, out);
  for (const RestoreBlock& b : model.restore) WriteOneStep(b, out);
}

namespace {

void WriteAttackFacts(const AttackRecoveryBlock& b, std::string* out) {
  *out += "<table class=\"facts step-facts\">\n<tbody>\n";
  *out += WideRow("Location", "<code>" + H(b.location) + "</code>");
  *out += WideRow("Lock", H(b.lock));
  if (!b.copy_of.empty()) *out += WideRow("Copy of", H(b.copy_of));
  *out += WideRow("Backups of", Lines(b.systems));
  *out += kTableEnd;
}

void WriteOneAttack(const AttackRecoveryBlock& b, std::string* out) {
  *out += "<article class=\"attack\" id=\"" + AttackAnchor(b.repository_id) + "\">\n";
  *out += "<h3>After an attack on <span class=\"id\">" + H(b.repository_id) + "</span></h3>\n";
  WriteAttackFacts(b, out);
  *out += "<ol class=\"attack-steps\">\n";
  for (const AttackStep& step : b.steps) {
    *out += "<li><strong>" + H(step.title) + ".</strong> " + WithCode(step.text) + "\n";
    for (const std::string& command : step.commands) {
      *out += "<pre class=\"command\"><code>" + H(command) + "</code></pre>\n";
    }
    *out += "</li>\n";
  }
  *out += "</ol>\n</article>\n";
}

}  // namespace

void WriteAttack(const RunbookModel& model, std::string* out) {
  *out += "<p>" + WithCode(kAttackIntro) + "</p>\n";
  for (const AttackRecoveryBlock& b : model.attack) WriteOneAttack(b, out);
}

void WriteVendors(const RunbookModel& model, std::string* out) {
  *out += TableHead({"Vendor", "Kind", "Contacts", "Support / account", "Alternatives"});
  for (const VendorRow& v : model.vendors) {
    *out +=
        Row({"<strong>" + H(v.name) + "</strong>", H(v.kind), Contacts(v.contacts), H(v.support),
             v.alternatives.empty() ? Span("warn", "none") : Lines(v.alternatives)});
  }
  *out += kTableEnd;
  *out += "<h3>Sites</h3>\n" + TableHead({"Site", "Of", "Address", "ISPs"});
  for (const SiteRow& s : model.sites) {
    *out += Row({"<strong>" + H(s.name) + "</strong>", H(s.owner), H(s.address), Lines(s.isps)});
  }
  *out += kTableEnd;
}

void WriteSecurity(const RunbookModel& model, std::string* out) {
  *out += TableHead({"Of", "Control", "Product", "Coverage", "Last evidence"});
  for (const ControlRow& c : model.controls) {
    std::string evidence = c.last_evidence.empty() ? "none" : c.last_evidence;
    if (c.stale) evidence += " " + Span("stale", "STALE");
    *out += Row({H(c.owner), H(c.control), H(c.product), H(c.coverage), evidence});
  }
  *out += kTableEnd;
}

void WriteWeaknesses(const RunbookModel& model, std::string* out) {
  *out += TableHead({"Severity", "Weakness", "Recommendation"});
  for (const FindingRow& f : model.findings) {
    *out += Row({Span("sev sev-" + H(f.severity), H(f.severity)), H(f.title), H(f.recommendation)});
  }
  *out += kTableEnd;
}

}  // namespace stormproof::report::html_internal
