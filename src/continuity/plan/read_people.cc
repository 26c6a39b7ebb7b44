// Readers for the people side of a plan: the MSP, people, roles, clients, training, review.
#include <filesystem>
#include <system_error>

#include "continuity/plan/internal/entity_readers.h"
#include "continuity/plan/words.h"

namespace stormproof::plan::internal {
namespace {

using yaml::Node;

void ReadSecurityControl(const Source& source, const Node& node, const std::string& what,
                         Diagnostics* out, std::vector<SecurityControl>* controls) {
  NodeReader r(source, node, what + ": security control", out);
  SecurityControl c;
  c.mark = r.mark();
  if (!r.Child("control", Need::kRequired)) {
    r.Finish();
    return;
  }
  r.Choice("control", &c.kind, ControlKindWords());
  r.set_what(what + ": security control '" + ControlKindName(c.kind) + "'");
  r.Text("product", &c.product);
  r.Percent("coverage", &c.coverage_percent);
  r.CadenceValue("cadence", &c.cadence);
  r.Texts("frameworks", &c.frameworks);
  r.DateValue("last_evidence", &c.last_evidence);
  r.CadenceValue("evidence_every", &c.evidence_every);
  r.Text("notes", &c.notes);
  r.Finish();
  controls->push_back(std::move(c));
}

void ReadComms(const Source& source, const Node& node, const std::string& what, Diagnostics* out,
               Comms* comms) {
  NodeReader r(source, node, what + ": comms", out);
  comms->mark = r.mark();
  r.Reference("liaison", &comms->liaison);
  r.Choice<std::string>("channel", &comms->channel,
                        {{"phone", "phone"},
                         {"email", "email"},
                         {"chat", "chat"},
                         {"sms", "sms"},
                         {"status_page", "status_page"}});
  if (const Node* every = r.Child("update_every")) {
    NodeReader by_tier(source, *every, what + ": comms: update_every", out);
    for (size_t i = 0; by_tier.ok() && i + 1 < every->children.size(); i += 2) {
      const std::string& tier = source.doc->node(every->children[i]).value;
      std::optional<Duration> d;
      if (by_tier.DurationValue(tier, &d)) comms->update_every[tier] = *d;
    }
    by_tier.Finish();
  }
  if (const Node* templates = r.Child("templates")) {
    NodeReader t(source, *templates, what + ": comms: templates", out);
    for (size_t i = 0; t.ok() && i + 1 < templates->children.size(); i += 2) {
      const std::string& name = source.doc->node(templates->children[i]).value;
      std::string text;
      if (t.Text(name, &text)) comms->templates[name] = text;
    }
    t.Finish();
  }
  r.Finish();
}

void ReadClientContact(const Source& source, const Node& node, const std::string& what,
                       Diagnostics* out, Client* client) {
  NodeReader r(source, node, what + ": contact", out);
  ClientContact contact;
  contact.mark = r.mark();
  if (r.Text("name", &contact.name, Need::kRequired)) {
    r.set_what(what + ": contact " + yaml::Quote(*r.Child("name")));
  }
  r.Text("role", &contact.role);
  if (const Node* c = r.Child("contacts")) {
    ReadContacts(source, *c, r.what(), out, &contact.contacts);
  }
  r.Finish();
  client->contacts.push_back(std::move(contact));
}

}  // namespace

void ReadSecurityControls(const Source& source, const Node& node, const std::string& what,
                          Diagnostics* out, std::vector<SecurityControl>* controls) {
  ForEachItem(source, node, what + ": security", out,
              [&](const Node& item) { ReadSecurityControl(source, item, what, out, controls); });
}

void ReadOrganisation(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  NodeReader r(source, node, "msp", out);
  Organisation& msp = plan->msp;
  msp.mark = r.mark();
  r.Id("id", &msp.id);
  r.Text("name", &msp.name, Need::kRequired);
  if (const Node* s = r.Child("security"))
    ReadSecurityControls(source, *s, "msp", out, &msp.security);
  r.Finish();
}

void ReadReview(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  NodeReader r(source, node, "review", out);
  Review& review = plan->review;
  review.mark = r.mark();
  r.Reference("owner", &review.owner, Need::kRequired);
  r.CadenceValue("every", &review.every);
  r.DateValue("last", &review.last);
  r.Finish();
}

void ReadPolicy(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  NodeReader r(source, node, "policy", out);
  Policy& policy = plan->policy;
  std::optional<Cadence> c;
  if (r.CadenceValue("contacts_max_age", &c)) policy.contacts_max_age = *c;
  if (r.CadenceValue("evidence_max_age", &c)) policy.evidence_max_age = *c;
  if (r.CadenceValue("training_max_age", &c)) policy.training_max_age = *c;
  r.Text("currency", &policy.currency);
  r.Finish();
}

std::string ResolveAgainstFile(const Plan& plan, int file, const std::string& path) {
  if (path.empty() || path.front() == '/' || file < 0 ||
      static_cast<size_t>(file) >= plan.files.size()) {
    return path;
  }
  // Absolute, so that reports and catalog paths recorded in the catalog mean the same from any
  // working directory.
  std::error_code ec;
  std::filesystem::path joined = std::filesystem::path(plan.files[file]).parent_path() / path;
  std::filesystem::path absolute = std::filesystem::absolute(joined, ec);
  return (ec ? joined : absolute).lexically_normal().string();
}

void ApplyRunDefaults(Plan* plan) {
  if (plan->files.empty()) return;
  if (plan->run.catalog.empty()) {
    plan->run.catalog = ResolveAgainstFile(*plan, 0, "stormproof.db");
  }
  if (plan->run.reports.empty()) {
    plan->run.reports = ResolveAgainstFile(*plan, 0, "reports");
  }
}

void ReadRunSettings(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  NodeReader r(source, node, "run", out);
  RunSettings& run = plan->run;
  run.mark = r.mark();
  if (r.Text("catalog", &run.catalog)) {
    run.catalog = ResolveAgainstFile(*plan, source.file, run.catalog);
  }
  if (r.Text("reports", &run.reports)) {
    run.reports = ResolveAgainstFile(*plan, source.file, run.reports);
  }
  if (r.Text("scratch", &run.scratch)) {
    run.scratch = ResolveAgainstFile(*plan, source.file, run.scratch);
  }
  r.Integer("concurrency", &run.concurrency, 1, 64);
  std::optional<double> percent;
  if (r.Percent("backup_margin", &percent)) run.backup_margin_percent = static_cast<int>(*percent);
  std::optional<Cadence> c;
  if (r.CadenceValue("check_every", &c)) run.check_every = *c;
  if (r.Percent("check_read_data", &percent)) run.check_read_percent = static_cast<int>(*percent);
  r.Integer("drill_history", &run.drill_history, 1, 1000);
  r.Finish();
}

void ReadPerson(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  ReadIdentifiedItem(source, node, "person", out, &plan->people, [&](NodeReader& r, Person& p) {
    r.Text("name", &p.name, Need::kRequired);
    r.Text("title", &p.title);
    if (const Node* c = r.Child("contacts")) ReadContacts(source, *c, r.what(), out, &p.contacts);
    r.DateValue("contacts_verified", &p.contacts_verified, &p.contacts_verified_mark);
    r.Reference("deputy", &p.deputy);
    r.Texts("skills", &p.skills);
    r.Text("timezone", &p.timezone);
  });
}

void ReadRole(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  ReadIdentifiedItem(source, node, "role", out, &plan->roles, [&](NodeReader& r, Role& role) {
    r.Text("name", &role.name);
    r.Reference("holder", &role.holder, Need::kRequired);
    r.References("backups", &role.backups);
    r.Reference("reports_to", &role.reports_to);
    r.Texts("duties", &role.duties);
  });
}

void ReadClient(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  ReadIdentifiedItem(
      source, node, "client", out, &plan->clients, [&](NodeReader& r, Client& client) {
        r.Text("name", &client.name, Need::kRequired);
        if (const Node* contacts = r.Child("contacts")) {
          ForEachItem(source, *contacts, r.what() + ": contacts", out, [&](const Node& item) {
            ReadClientContact(source, item, r.what(), out, &client);
          });
        }
        if (const Node* comms = r.Child("comms"))
          ReadComms(source, *comms, r.what(), out, &client.comms);
        if (const Node* s = r.Child("security")) {
          ReadSecurityControls(source, *s, r.what(), out, &client.security);
        }
      });
}

void ReadTraining(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  NodeReader r(source, node, "training record", out);
  if (!r.ok()) return;
  TrainingRecord t;
  t.mark = r.mark();
  std::optional<Ref> person;
  if (r.Reference("person", &person, Need::kRequired)) t.person = *person;
  r.Text("skill", &t.skill, Need::kRequired);
  r.Text("kind", &t.kind);
  r.DateValue("date", &t.date);
  r.Finish();
  plan->training.push_back(std::move(t));
}

}  // namespace stormproof::plan::internal
