// The runbook as GitHub-flavoured Markdown: it walks the RunbookModel (runbook_sections.h) and
// escapes every piece of plan text with MarkdownEscape() or a fence it cannot close.
#include <algorithm>
#include <string>

#include "continuity/report/html/escape.h"
#include "continuity/report/runbook/internal/runbook_sections.h"
#include "continuity/report/runbook/runbook.h"

namespace stormproof::report {
namespace {

std::string Md(std::string_view text) { return MarkdownEscape(text); }

// Text with `code spans` (in pairs of backticks) kept as code, the rest escaped; line breaks in
// a code span become spaces. With an unpaired backtick the whole text is escaped.
std::string WithCode(std::string_view text) {
  if (std::count(text.begin(), text.end(), '`') % 2 != 0) return Md(text);
  std::string out;
  bool code = false;
  size_t start = 0;
  for (size_t at = 0; at <= text.size(); ++at) {
    if (at < text.size() && text[at] != '`') continue;
    std::string piece(text.substr(start, at - start));
    if (code) {
      std::replace(piece.begin(), piece.end(), '\n', ' ');
      out += "`" + piece + "`";
    } else {
      size_t blanks = piece.find_first_not_of(' ');  // Md drops leading blanks
      out += piece.substr(0, std::min(blanks, piece.size())) + Md(piece);
    }
    code = !code;
    start = at + 1;
  }
  return out;
}

std::string Contacts(const std::vector<ContactLine>& contacts, std::string_view separator) {
  std::string out;
  for (const ContactLine& contact : contacts) {
    if (!out.empty()) out += separator;
    out += contact.kind + ": " + Md(contact.value);
  }
  return out.empty() ? "no contact methods listed" : out;
}

// "**Name** (Title)", then every contact method after `separator`.
std::string Person(const PersonCard& card, std::string_view separator) {
  std::string out = "**" + Md(card.name) + "**";
  if (!card.title.empty()) out += " (" + Md(card.title) + ")";
  if (!card.known) return out + " (not in the plan)";
  return out + std::string(separator) + Contacts(card.contacts, separator);
}

std::string NameAndPhone(const std::optional<PersonCard>& card) {
  if (!card) return "*nobody assigned*";
  std::string phone = card->primary_phone.empty() ? "no phone listed" : Md(card->primary_phone);
  return "**" + Md(card->name) + "**, " + phone;
}

std::string JoinEscaped(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items)
    out += (out.empty() ? "" : std::string(separator)) + Md(item);
  return out;
}

void Table(const std::vector<std::string>& header, std::string* out) {
  std::string rule = "|";
  *out += "|";
  for (const std::string& column : header) {
    *out += " " + column + " |";
    rule += " --- |";
  }
  *out += "\n" + rule + "\n";
}

void Row(const std::vector<std::string>& cells, std::string* out) {
  *out += "|";
  for (const std::string& cell : cells) *out += " " + cell + " |";
  *out += "\n";
}

void Fenced(std::string_view text, std::string_view info, std::string* out) {
  std::string fence = MarkdownFence(text);
  *out += fence + std::string(info) + "\n" + std::string(text);
  if (!text.empty() && text.back() != '\n') *out += "\n";
  *out += fence + "\n\n";
}

void WriteTitle(const RunbookModel& model, std::string* out) {
  const TitleBlock& t = model.title;
  *out += "# " + Md(t.msp_name) + " — Incident runbook\n\n";
  if (!t.client_name.empty()) *out += "**Client: " + Md(t.client_name) + "**\n\n";
  *out += "Generated " + t.generated_on + ". ";
  if (t.review_last.empty()) {
    *out += "Plan review: **no review recorded — OVERDUE**.\n\n";
  } else {
    *out += "Plan last reviewed " + t.review_last + ", next review due " + t.review_next;
    *out += t.review_overdue ? " — **OVERDUE**.\n\n" : ".\n\n";
  }
  for (const std::string& warning : t.warnings) *out += "**Warning:** " + Md(warning) + "\n\n";
}

void WriteHowTo(const RunbookModel& model, std::string* out) {
  const HowToBlock& h = model.how_to;
  *out += "> **How to use this runbook**\n>\n";
  *out += "> 1. **Declare the incident and call the " + Md(h.commander_role) + ":** " +
          NameAndPhone(h.commander);
  if (h.first_backup) *out += " (if unreachable: " + NameAndPhone(h.first_backup) + ")";
  *out += "\n> 2. **Follow the [call tree](#" + std::string(kCallTreeAnchor) +
          ")**: each person calls the people listed under them.\n";
  *out += "> 3. **Tell clients** as [client communications](#" + std::string(kCommsAnchor) +
          ") says: who calls whom, how, how often and what to say.\n";
  *out += "> 4. **Restore in the [order given](#" + std::string(kRestoreAnchor) +
          ")** and tick each checklist step as it is done.\n";
  if (!model.attack.empty()) {
    *out += "> 5. **After ransomware or stolen backup credentials,** follow [after an attack](#" +
            std::string(kAttackAnchor) + ") before restoring.\n";
  }
  *out += "\n";
}

void WriteContents(const RunbookModel& model, std::string* out) {
  *out += "## Contents\n\n";
  int number = 0;
  for (const SectionHeading& s : model.sections) {
    *out += std::to_string(++number) + ". [" + s.title + "](#" + s.anchor + ")\n";
  }
  *out += "\n";
}

void WriteRoles(const RunbookModel& model, std::string* out) {
  Table({"Role", "Holder", "Backups, in order", "Duties"}, out);
  for (const RoleRow& role : model.roles) {
    std::string holder = role.holder ? Person(*role.holder, "<br>") : "*nobody assigned*";
    std::string backups;
    for (size_t i = 0; i < role.backups.size(); ++i) {
      backups +=
          (i ? "<br><br>" : "") + std::to_string(i + 1) + ". " + Person(role.backups[i], "<br>");
    }
    Row({"**" + Md(role.name) + "**", holder, backups, JoinEscaped(role.duties, "<br>")}, out);
  }
  *out += "\n";
}

void WriteCallTree(const RunbookModel& model, std::string* out) {
  const CallTree& tree = model.call_tree;
  for (const CallTreeEntry& entry : tree.entries) {
    *out += std::string(2 * entry.depth, ' ') + "- " + Md(entry.role_name) + ": " +
            NameAndPhone(entry.holder) + "\n";
  }
  *out += "\n";
  if (tree.owners.empty()) return;
  *out += "**System owners**, called by " + Md(tree.technical_lead) + ":\n\n";
  for (const SystemOwnerRow& row : tree.owners) {
    *out += "- " + NameAndPhone(row.owner) + ": " + JoinEscaped(row.systems, "; ") + "\n";
  }
  *out += "\n";
}

void WritePeople(const RunbookModel& model, std::string* out) {
  Table({"Name", "Title", "Contacts", "Deputy", "Skills", "Contacts verified"}, out);
  for (const PersonRow& p : model.people) {
    std::string verified = p.verified.empty() ? "never" : p.verified;
    if (p.stale) verified += " **STALE**";
    Row({"**" + Md(p.card.name) + "**", Md(p.card.title), Contacts(p.card.contacts, "<br>"),
         Md(p.deputy), JoinEscaped(p.skills, ", "), verified},
        out);
  }
  *out += "\n";
}

// A client's messages about one system, ready to send; placeholders without a value are
// flagged for filling in by hand.
void WriteMessages(const SystemMessages& m, std::string* out) {
  if (!m.system_id.empty()) {
    *out += "#### Messages about " + Md(m.system_name) + " (" + Md(m.system_id) + ") · back " +
            m.back + "\n\n";
  }
  for (const MessageRow& row : m.messages) {
    *out += "Message **" + Md(row.name) + "**:\n\n";
    Fenced(row.text, "text", out);
    if (!row.unfilled.empty()) {
      *out += "**Fill in by hand:** " + JoinEscaped(row.unfilled, ", ") + "\n\n";
    }
  }
}

void WriteOneClient(const ClientCommsBlock& c, std::string* out) {
  *out += "### " + Md(c.name) + "\n\n";
  *out +=
      "- **MSP liaison:** " + (c.liaison ? Person(*c.liaison, " · ") : "*nobody assigned*") + "\n";
  if (c.liaison_deputy) *out += "- **If unreachable:** " + Person(*c.liaison_deputy, " · ") + "\n";
  *out += "- **Channel:** " + (c.channel.empty() ? "not set" : Md(c.channel)) + "\n\n";
  Table({"Client contact", "Role", "Contacts"}, out);
  for (const PersonCard& p : c.contacts) {
    Row({"**" + Md(p.name) + "**", Md(p.title), Contacts(p.contacts, "<br>")}, out);
  }
  *out += "\n";
  Table({"Tier", "Send an update every"}, out);
  for (const CadenceRow& r : c.cadence) {
    std::string interval = r.interval.empty() ? "not set" : r.interval;
    Row({Md(r.tier), interval + (r.client_override ? " (agreed with this client)" : "")}, out);
  }
  *out += "\n";
  for (const SystemMessages& m : c.messages) WriteMessages(m, out);
}

void WriteComms(const RunbookModel& model, std::string* out) {
  if (model.clients.empty()) *out += "No clients in this runbook.\n\n";
  for (const ClientCommsBlock& c : model.clients) WriteOneClient(c, out);
}

std::string Objectives(const RestoreBlock& b) {
  std::string line = "- **RTO** " + (b.rto.empty() ? "not set" : b.rto) + " · **RPO** " +
                     (b.rpo.empty() ? "not set" : b.rpo) + " · **back by " + b.back + "**";
  if (b.starts.empty()) return line + " · **cannot be restored**\n";
  line += " (starts " + b.starts + ", takes " + b.restore_time +
          (b.estimated ? ": estimate" : ": no estimate, the whole RTO") + ")";
  return line + (b.within_rto ? " · within RTO\n" : " · **RTO at risk**\n");
}

// A GitHub task list: "1. [ ] step", ticked on screen or with a pen.
void WriteChecklist(const std::vector<ChecklistItem>& items, std::string* out) {
  for (size_t i = 0; i < items.size(); ++i) {
    *out += std::to_string(i + 1) + ". [ ] " + Md(items[i].text);
    *out += items[i].skill.empty() ? "\n" : " *(skill: " + Md(items[i].skill) + ")*\n";
  }
  if (!items.empty()) *out += "\n";
}

void WriteOneStep(const RestoreBlock& b, std::string* out) {
  *out += "### " + std::to_string(b.position) + ". " + Md(b.system_name) + " (" + Md(b.system_id) +
          ")\n\n";
  *out += "- **Client:** " + Md(b.client) + " · **Tier:** " +
          (b.tier.empty() ? "none" : Md(b.tier)) + "\n";
  if (b.dependency_only) *out += "- Restored because this client's systems depend on it\n";
  *out += Objectives(b);
  *out += "- **Owner:** " + (b.owner ? Person(*b.owner, " · ") : "*nobody assigned*") + "\n";
  if (b.deputy) *out += "- **Deputy:** " + Person(*b.deputy, " · ") + "\n";
  if (!b.depends_on.empty()) *out += "- **Depends on:** " + JoinEscaped(b.depends_on, ", ") + "\n";
  for (const RepositoryLine& r : b.repositories) {
    *out += "- **Backups in** " + Md(r.id) + ": " + Md(r.location) + " (" + Md(r.traits) + ")\n";
  }
  if (!b.restore_from.empty()) *out += "- **Restore from:** " + Md(b.restore_from) + "\n";
  if (!b.attack_copies.empty()) {
    *out += "- **After an attack:** recover from the object-locked copy " +
            JoinEscaped(b.attack_copies, ", ") + " ([steps](#" + std::string(kAttackAnchor) +
            "))\n";
  }
  *out += "\n";
  WriteChecklist(b.checklist, out);
  if (b.verify_command.empty()) return;
  *out += "Verify (exit status 0 = restored):\n\n";
  Fenced(b.verify_command, "sh", out);
}

// One line per step, to see the whole order at a glance before the detailed steps.
void WriteRestoreOverview(const RunbookModel& model, std::string* out) {
  Table({"#", "System", "Client", "Tier", "Back by", "RTO"}, out);
  for (const RestoreBlock& b : model.restore) {
    std::string status = b.rto.empty() ? "not set" : b.rto;
    if (!b.within_rto) status += " **RTO at risk**";
    Row({std::to_string(b.position), Md(b.system_name), Md(b.client), Md(b.tier), b.back, status},
        out);
  }
  *out += "\n";
}

void WriteRestore(const RunbookModel& model, std::string* out) {
  if (model.restore.empty()) {
    *out += "No systems to restore in this runbook.\n\n";
    return;
  }
  WriteRestoreOverview(model, out);
  for (const RestoreBlock& b : model.restore) WriteOneStep(b, out);
}

// The way back after an attack, per object-locked copy: its facts, then each step with its
// commands in a fence (TIME and DIR left for the reader).
void WriteOneAttack(const AttackRecoveryBlock& b, std::string* out) {
  *out += "### After an attack on " + Md(b.repository_id) + "\n\n";
  *out += "- **Location:** " + Md(b.location) + "\n- **Lock:** " + Md(b.lock) + "\n";
  if (!b.copy_of.empty()) *out += "- **Copy of:** " + Md(b.copy_of) + "\n";
  *out += "- **Backups of:** " + JoinEscaped(b.systems, ", ") + "\n\n";
  for (size_t i = 0; i < b.steps.size(); ++i) {
    const AttackStep& step = b.steps[i];
    *out += "**" + std::to_string(i + 1) + ". " + Md(step.title) + ".** " + WithCode(step.text) +
            "\n\n";
    for (const std::string& command : step.commands) Fenced(command, "sh", out);
  }
}

void WriteAttack(const RunbookModel& model, std::string* out) {
  *out += WithCode(kAttackIntro) + "\n\n";
  for (const AttackRecoveryBlock& b : model.attack) WriteOneAttack(b, out);
}

void WriteVendors(const RunbookModel& model, std::string* out) {
  Table({"Vendor", "Kind", "Contacts", "Support / account", "Alternatives"}, out);
  for (const VendorRow& v : model.vendors) {
    Row({"**" + Md(v.name) + "**", v.kind, Contacts(v.contacts, "<br>"), Md(v.support),
         JoinEscaped(v.alternatives, "<br>")},
        out);
  }
  *out += "\n";
  Table({"Site", "Of", "Address", "ISPs"}, out);
  for (const SiteRow& s : model.sites) {
    Row({"**" + Md(s.name) + "**", Md(s.owner), Md(s.address), JoinEscaped(s.isps, "<br>")}, out);
  }
  *out += "\n";
}

void WriteSecurity(const RunbookModel& model, std::string* out) {
  Table({"Of", "Control", "Product", "Coverage", "Last evidence"}, out);
  for (const ControlRow& c : model.controls) {
    std::string evidence = c.last_evidence.empty() ? "none" : c.last_evidence;
    if (c.stale) evidence += " **STALE**";
    Row({Md(c.owner), c.control, Md(c.product), c.coverage, evidence}, out);
  }
  *out += "\n";
}

void WriteWeaknesses(const RunbookModel& model, std::string* out) {
  Table({"Severity", "Weakness", "Recommendation"}, out);
  for (const FindingRow& f : model.findings) {
    Row({"**" + f.severity + "**", Md(f.title), Md(f.recommendation)}, out);
  }
  *out += "\n";
}

// In section order (RunbookSectionWriters).
constexpr RunbookSectionWriters kWriters = {WriteRoles,    WriteCallTree,   WritePeople,
                                            WriteComms,    WriteRestore,    WriteVendors,
                                            WriteSecurity, WriteWeaknesses, WriteAttack};

}  // namespace

std::string RenderRunbookMarkdown(const RunbookInput& input) {
  RunbookModel model = BuildRunbookModel(input);
  std::string out;
  WriteTitle(model, &out);
  WriteHowTo(model, &out);
  WriteContents(model, &out);
  for (const SectionHeading& section : model.sections) {
    out += "## " + section.title + "\n\n";
    WriteSection(kWriters, section.anchor, model, &out);
  }
  return out;
}

}  // namespace stormproof::report
