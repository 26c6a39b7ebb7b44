// The runbook as one self-contained HTML file: it walks the RunbookModel (runbook_sections.h),
// escapes every piece of plan text with HtmlEscape(), and carries its own stylesheet
// (runbook_style.cc). No scripts, no external resources; a Content-Security-Policy forbids
// them even if some text were ever left unescaped.
#include <string>

#include "core/text.h"
#include "continuity/report/runbook/runbook.h"
#include "continuity/report/runbook/internal/runbook_html_parts.h"
#include "continuity/report/runbook/internal/runbook_sections.h"
#include "continuity/report/runbook/internal/runbook_style.h"

namespace stormproof::report {
namespace html_internal {
namespace {

void WriteTitle(const RunbookModel& model, std::string* out) {
  const TitleBlock& t = model.title;
  *out += "<header class=\"title\">\n<p class=\"kicker\">Incident runbook</p>\n<h1>" +
          H(t.msp_name) + "</h1>\n";
  if (!t.client_name.empty()) *out += "<p class=\"client\">Client: " + H(t.client_name) + "</p>\n";
  *out += "<p class=\"meta\">Generated " + t.generated_on + " · ";
  if (t.review_last.empty()) {
    *out += "plan review: " + Span("overdue", "no review recorded — OVERDUE");
  } else {
    *out += "plan last reviewed " + t.review_last + ", next review due " + t.review_next;
    if (t.review_overdue) *out += " " + Span("overdue", "OVERDUE");
  }
  *out += "</p>\n";
  for (const std::string& w : t.warnings) *out += "<p class=\"warn\">Warning: " + H(w) + "</p>\n";
  *out += "</header>\n";
}

std::string Link(const char* anchor, std::string_view text) {
  return "<a href=\"#" + std::string(anchor) + "\">" + std::string(text) + "</a>";
}

void WriteHowTo(const RunbookModel& model, std::string* out) {
  const HowToBlock& h = model.how_to;
  *out += "<aside class=\"howto\">\n<h2>How to use this runbook</h2>\n<ol>\n";
  *out += "<li><strong>Declare the incident and call the " + H(h.commander_role) + ":</strong> " +
          NameAndPhone(h.commander);
  if (h.first_backup)
    *out += " <span class=\"muted\">if unreachable:</span> " + NameAndPhone(h.first_backup);
  *out += "</li>\n<li><strong>Follow the " + Link(kCallTreeAnchor, "call tree") +
          ":</strong> each person calls the people listed under them.</li>\n";
  *out += "<li><strong>Tell clients</strong> as " + Link(kCommsAnchor, "client communications") +
          " says: who calls whom, how, how often and what to say.</li>\n";
  *out += "<li><strong>Restore in the " + Link(kRestoreAnchor, "order given") +
          "</strong> and tick each checklist step as it is done.</li>\n";
  if (!model.attack.empty()) {
    *out += "<li><strong>After ransomware or stolen backup credentials,</strong> follow " +
            Link(kAttackAnchor, "after an attack") + " before restoring.</li>\n";
  }
  *out += "</ol>\n</aside>\n";
}

void WriteContents(const RunbookModel& model, std::string* out) {
  *out += "<nav class=\"toc\">\n<h2>Contents</h2>\n<ol>\n";
  for (const SectionHeading& s : model.sections) {
    *out += "<li>" + Link(s.anchor.c_str(), H(s.title)) + "</li>\n";
  }
  *out += "</ol>\n</nav>\n";
}

void WriteRoles(const RunbookModel& model, std::string* out) {
  *out += TableHead({"Role", "Holder", "Backups, in order", "Duties"});
  for (const RoleRow& role : model.roles) {
    std::string backups = "<ol class=\"backups\">";
    for (const PersonCard& b : role.backups) backups += "<li>" + Person(b) + "</li>";
    backups += "</ol>";
    std::string duties = "<ul class=\"duties\">";
    for (const std::string& d : role.duties) duties += "<li>" + H(d) + "</li>";
    duties += "</ul>";
    *out += Row({"<strong>" + H(role.name) + "</strong>", Person(role.holder),
                 role.backups.empty() ? Span("warn", "none") : backups, duties});
  }
  *out += kTableEnd;
}

// The flat depth-first entries become nested lists: open a list when going deeper, close
// lists and items when coming back up.
void WriteTreeLists(const std::vector<CallTreeEntry>& entries, std::string* out) {
  int depth = -1;
  for (const CallTreeEntry& e : entries) {
    for (; depth > e.depth; --depth) *out += "</li>\n</ul>\n";
    if (depth == e.depth) *out += "</li>\n";
    for (; depth < e.depth; ++depth) *out += "\n<ul>\n";
    *out += "<li>" + Span("role", H(e.role_name)) + " " + NameAndPhone(e.holder);
  }
  for (; depth >= 0; --depth) *out += "</li>\n</ul>\n";
}

void WriteCallTree(const RunbookModel& model, std::string* out) {
  const CallTree& tree = model.call_tree;
  *out += "<div class=\"tree\">";
  WriteTreeLists(tree.entries, out);
  *out += "</div>\n";
  if (tree.owners.empty()) return;
  *out += "<h3>System owners, called by " + H(tree.technical_lead) + "</h3>\n";
  *out += TableHead({"Owner", "Phone", "Systems"});
  for (const SystemOwnerRow& row : tree.owners) {
    std::string phone = row.owner.primary_phone.empty() ? Span("muted", "no phone listed")
                                                        : H(row.owner.primary_phone);
    *out += Row({"<strong>" + H(row.owner.name) + "</strong>", phone, Lines(row.systems)});
  }
  *out += kTableEnd;
}

void WritePeople(const RunbookModel& model, std::string* out) {
  *out += TableHead({"Name", "Contacts", "Deputy", "Skills", "Contacts verified"});
  for (const PersonRow& p : model.people) {
    std::string verified = p.verified.empty() ? "never" : p.verified;
    if (p.stale) verified += " " + Span("stale", "STALE");
    std::string name =
        "<strong>" + H(p.card.name) + "</strong><br>" + Span("muted", H(p.card.title));
    *out += Row({name, Contacts(p.card.contacts), H(p.deputy),
                 Span("skills", H(Join(p.skills, ", "))), verified});
  }
  *out += kTableEnd;
}

std::string CadenceTable(const std::vector<CadenceRow>& rows) {
  std::string out = TableHead({"Tier", "Send an update every"});
  for (const CadenceRow& r : rows) {
    std::string interval = r.interval.empty() ? Span("warn", "not set") : H(r.interval);
    if (r.client_override) interval += " " + Span("muted", "(agreed with this client)");
    out += Row({H(r.tier), interval});
  }
  return out + kTableEnd;
}

// A client's messages ready to send: one row per system (in restore order), one column per
// template; placeholders without a value are flagged for filling in by hand.
void WriteMessages(const std::vector<SystemMessages>& messages, std::string* out) {
  if (messages.empty()) return;
  *out +=
      "<p class=\"label\">Messages, ready to send</p>\n<table class=\"messages\">\n"
      "<thead><tr><th>System</th>";
  for (const MessageRow& row : messages.front().messages) *out += "<th>" + H(row.name) + "</th>";
  *out += "</tr></thead>\n<tbody>\n";
  for (const SystemMessages& m : messages) {
    std::vector<std::string> cells = {
        m.system_id.empty() ? Span("muted", "any system")
                            : "<strong>" + H(m.system_name) + "</strong> " +
                                  Span("muted", "(" + H(m.system_id) + ") · back " + H(m.back))};
    for (const MessageRow& row : m.messages) {
      std::string text = row.text;
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
      std::string cell = H(text);
      if (!row.unfilled.empty()) {
        cell += "\n" + Span("warn", "Fill in by hand: " + H(Join(row.unfilled, ", ")));
      }
      cells.push_back(cell);
    }
    *out += Row(cells);
  }
  *out += kTableEnd;
}

void WriteOneClient(const ClientCommsBlock& c, std::string* out) {
  *out += "<div class=\"client-block\">\n<h3>" + H(c.name) + "</h3>\n";
  *out += "<table class=\"facts\">\n<tbody>\n";
  *out += "<tr><th>MSP liaison</th><td>" + Person(c.liaison) + "</td></tr>\n";
  if (c.liaison_deputy)
    *out += "<tr><th>If unreachable</th><td>" + Person(c.liaison_deputy) + "</td></tr>\n";
  *out += "<tr><th>Channel</th><td>" +
          (c.channel.empty() ? Span("warn", "not set") : H(c.channel)) + "</td></tr>\n" + kTableEnd;
  *out += TableHead({"Client contact", "Role", "Contacts"});
  for (const PersonCard& p : c.contacts) {
    *out += Row({"<strong>" + H(p.name) + "</strong>", H(p.title), Contacts(p.contacts)});
  }
  *out += kTableEnd + CadenceTable(c.cadence);
  WriteMessages(c.messages, out);
  *out += "</div>\n";
}

void WriteComms(const RunbookModel& model, std::string* out) {
  if (model.clients.empty()) *out += "<p class=\"muted\">No clients in this runbook.</p>\n";
  for (const ClientCommsBlock& c : model.clients) WriteOneClient(c, out);
}

// In section order (RunbookSectionWriters).
constexpr RunbookSectionWriters kWriters = {WriteRoles,    WriteCallTree,   WritePeople,
                                            WriteComms,    WriteRestore,    WriteVendors,
                                            WriteSecurity, WriteWeaknesses, WriteAttack};

void WriteHead(const RunbookModel& model, std::string* out) {
  std::string title = model.title.msp_name + " — Incident runbook";
  if (!model.title.client_name.empty()) title += " — " + model.title.client_name;
  *out += HtmlDocumentHead(title, RunbookStyleSheet());
}

}  // namespace
}  // namespace html_internal

std::string RenderRunbookHtml(const RunbookInput& input) {
  RunbookModel model = BuildRunbookModel(input);
  std::string out;
  html_internal::WriteHead(model, &out);
  out += "<body>\n<main>\n<div class=\"cover\">\n";
  html_internal::WriteTitle(model, &out);
  html_internal::WriteHowTo(model, &out);
  html_internal::WriteContents(model, &out);
  out += "</div>\n";
  int number = 0;
  for (const SectionHeading& section : model.sections) {
    out += "<section class=\"major\" id=\"" + section.anchor + "\">\n<h2><span class=\"num\">" +
           std::to_string(++number) + "</span> " + html_internal::H(section.title) + "</h2>\n";
    WriteSection(html_internal::kWriters, section.anchor, model, &out);
    out += "</section>\n";
  }
  out += "<footer>End of runbook · generated " + model.title.generated_on + "</footer>\n";
  return out + "</main>\n</body>\n</html>\n";
}

}  // namespace stormproof::report
