#include "continuity/analysis/client_view.h"

#include <algorithm>

#include "core/text.h"

namespace stormproof::analysis {
namespace {

// How an MSP-side rule reads for a client: what it does to the client's systems (a verb phrase
// after "System X" / "Systems X and Y"), why that matters and what the MSP should do.
// No text here may name a person, a client or a system: the caller adds the client's systems.
struct Effect {
  const char* rule;
  const char* one;   // after a single system
  const char* many;  // after several systems
  const char* detail;
  const char* action;
};

constexpr Effect kEffects[] = {
    {"single-restorer", "can be restored by one engineer only",
     "can each be restored by one engineer only",
     "If that engineer is ill, on leave or leaves, nobody else can restore it within its "
     "objectives.",
     "Train a second engineer to restore it, and have them lead its next restore drill."},
    {"person-spof", "depends on one engineer", "depend on one engineer",
     "If that one engineer is ill, on leave or leaves, nobody else can restore the systems named "
     "here within their objectives.",
     "Train a second engineer for each of the systems named here."},
    {"stale-contacts", "is looked after by an engineer whose contact details are not confirmed",
     "are looked after by an engineer whose contact details are not confirmed",
     "Contact details must be confirmed regularly; a wrong number is found out in the middle of "
     "an incident.",
     "Confirm the engineer's contact details."},
    {"training-stale", "relies on an engineer whose training for it is out of date",
     "rely on an engineer whose training for them is out of date",
     "Training that is not refreshed fades; the restore may take longer than planned.",
     "Refresh the training with a restore drill or a tabletop exercise."},
    {"vendor-no-alternative", "relies on a supplier with no alternative",
     "rely on a supplier with no alternative",
     "If that supplier fails or ends the contract, there is no other supplier to turn to.",
     "Name an alternative supplier with a tested way to switch, or a failover that does not "
     "depend on this supplier."},
    {"site-single-isp", "runs at a site with a single internet line",
     "run at a site with a single internet line",
     "One cut cable or one provider outage cuts the site off, and the systems named here with it.",
     "Add a second internet line on a different physical path, or a 4G/5G failover router."},
    {"dependency-spof", "stops if one system it depends on is lost",
     "stop if one system they depend on is lost",
     "That system has no failover: losing it stops the systems named here until it is restored.",
     "Give that system a failover, or remove the dependency."},
    {"shared-dependency", "depends on a shared system with no failover",
     "depend on a shared system with no failover",
     "Losing that system stops the systems named here at once.",
     "Give that system a failover, or remove the dependency."},
    // The "1" and the "0" of 3-2-1-1-0 of a repository shared with others (audit_evidence.cc).
    {"immutability-never-proven", "is backed up to a copy claimed immutable, never proven",
     "are backed up to a copy claimed immutable, never proven",
     "Nobody has shown that the backup hosts' credentials cannot delete or overwrite that copy; "
     "until it is proven it does not count as the copy ransomware cannot destroy.",
     "Prove the copy immutable (`stormproof check --immutability`)."},
    {"immutability-proof-failed", "is backed up to a copy whose immutability proof FAILED",
     "are backed up to a copy whose immutability proof FAILED",
     "The proof showed that the credentials the backup hosts hold can delete or change that "
     "copy: ransomware on a backup host could destroy it.",
     "Take the delete permissions away from the backup hosts' credentials or enable Object "
     "Lock, then prove the copy again."},
    {"immutability-proof-stale", "is backed up to a copy whose immutability proof is out of date",
     "are backed up to a copy whose immutability proof is out of date",
     "Credentials and bucket policies change; an old proof no longer counts.",
     "Prove the copy immutable again (`stormproof check --immutability`)."},
    {"immutability-cannot-be-proven", "relies on a copy claimed immutable that cannot be proven",
     "rely on a copy claimed immutable that cannot be proven",
     "The copy is of a kind stormproof cannot prove immutable; it stays a claim.",
     "Copy the backups to an object-locked repository, or keep an attested offline copy."},
    {"offline-never-attested", "relies on an offline copy nobody has attested",
     "rely on an offline copy nobody has attested",
     "Nobody has recorded seeing the offline media in place.",
     "Check the offline media and record it (`stormproof attest`)."},
    {"offline-attestation-stale", "relies on an offline copy last attested too long ago",
     "rely on an offline copy last attested too long ago",
     "An attestation counts only for the check cadence.",
     "Check the offline media and record it again (`stormproof attest`)."},
    {"zero-errors-never-proven", "is backed up to a copy never verified free of errors",
     "are backed up to a copy never verified free of errors",
     "No check that read the copy's data and no restore drill from it is recorded: damage would "
     "be found only when a restore needs it.",
     "Check the copy's data regularly or drill a restore from it."},
    {"zero-errors-stale", "is backed up to a copy last verified too long ago",
     "are backed up to a copy last verified too long ago",
     "The copy's newest verification is older than its cadence.",
     "Check the copy's data or drill a restore from it."},
    {"zero-errors-failed", "is backed up to a copy whose newest verification FAILED",
     "are backed up to a copy whose newest verification FAILED",
     "A restore from that copy may fail.", "Repair the copy and verify it again."},
    {"retention-upkeep-lapsing", "is backed up to a locked copy whose lock is not being renewed",
     "are backed up to a locked copy whose lock is not being renewed",
     "The copy's files are protected from deletion only for a limited time; nothing has renewed "
     "that protection recently, so older restore points could become deletable.",
     "Ask the MSP to run the copy's maintenance regularly."},
};

constexpr Effect kDefaultEffect = {"", "is affected by a weakness on the MSP's side",
                                   "are affected by a weakness on the MSP's side",
                                   "The weakness is in how the MSP runs its own systems or team.",
                                   "Ask the MSP when this will be fixed."};

const Effect& EffectOf(const std::string& rule) {
  for (const Effect& effect : kEffects) {
    if (rule == effect.rule) return effect;
  }
  return kDefaultEffect;
}

bool OfClient(const plan::Plan& plan, const std::string& system_id, const std::string& client_id) {
  const plan::System* system = plan.FindSystem(system_id);
  return system != nullptr && system->client && system->client->id == client_id;
}

bool PeopleArea(Area area) {
  return area == Area::kPeople || area == Area::kContacts || area == Area::kTraining ||
         area == Area::kReview;
}

std::string SystemName(const plan::Plan& plan, const std::string& id) {
  const plan::System* system = plan.FindSystem(id);
  return "'" + (system == nullptr || system->name.empty() ? id : system->name) + "'";
}

// "System 'A'", "Systems 'A' and 'B'", "Systems 'A', 'B', 'C', 'D' and 2 more"; "Some of the
// client's systems" when the finding names none of them.
std::string Subject(const plan::Plan& plan, const std::vector<std::string>& systems) {
  if (systems.empty()) return "Some of the client's systems";
  constexpr size_t kNamed = 4;
  std::vector<std::string> names;
  for (size_t i = 0; i < systems.size() && i < kNamed; ++i) {
    names.push_back(SystemName(plan, systems[i]));
  }
  std::string list = names.back();
  if (systems.size() > kNamed) {
    list = Join(names, ", ") + " and " + std::to_string(systems.size() - kNamed) + " more";
  } else if (names.size() > 1) {
    names.pop_back();
    list = Join(names, ", ") + " and " + list;
  }
  return (systems.size() == 1 ? "System " : "Systems ") + list;
}

// single-restorer says "nobody" or "only one person"; the client reads which one applies.
std::string VerbPhrase(const plan::Plan& plan, const Finding& finding, const Effect& effect,
                       const std::vector<std::string>& systems) {
  bool one = systems.size() == 1;
  if (finding.rule == "single-restorer" && one) {
    const plan::System* system = plan.FindSystem(systems[0]);
    if (system != nullptr && plan::PeopleWhoCanRestore(plan, *system).empty()) {
      return "cannot be restored by anyone on the team today";
    }
  }
  return one ? effect.one : effect.many;
}

Finding Reworded(const plan::Plan& plan, const Finding& finding, const std::string& client_id) {
  Finding view;
  view.severity = finding.severity;
  view.area = finding.area;
  view.rule = finding.rule;
  view.mark = finding.mark;
  view.clients = {client_id};
  for (const std::string& id : finding.systems) {
    if (OfClient(plan, id, client_id)) view.systems.push_back(id);
  }
  const Effect& effect = EffectOf(finding.rule);
  std::string msp = plan.msp.name.empty() ? "the MSP" : plan.msp.name;
  view.title = Subject(plan, view.systems) + " " + VerbPhrase(plan, finding, effect, view.systems);
  const plan::Client* client = plan.FindClient(client_id);
  std::string name = client == nullptr || client->name.empty() ? client_id : client->name;
  view.detail = std::string(effect.detail) + " The weakness is on " + msp +
                "'s side; only what it means for " + name + " is shown here.";
  view.recommendation = std::string("For ") + msp + ": " + effect.action;
  return view;
}

}  // namespace

bool IsMspSide(const plan::Plan& plan, const Finding& finding, const std::string& client_id) {
  if (PeopleArea(finding.area)) return true;
  for (const std::string& id : finding.clients) {
    if (id != client_id) return true;
  }
  return std::any_of(finding.systems.begin(), finding.systems.end(),
                     [&](const std::string& id) { return !OfClient(plan, id, client_id); });
}

std::optional<Finding> FindingForClient(const plan::Plan& plan, const Finding& finding,
                                        const std::string& client_id) {
  bool concerns = std::find(finding.clients.begin(), finding.clients.end(), client_id) !=
                      finding.clients.end() ||
                  std::any_of(finding.systems.begin(), finding.systems.end(),
                              [&](const std::string& id) { return OfClient(plan, id, client_id); });
  if (!concerns) return std::nullopt;
  if (IsMspSide(plan, finding, client_id)) return Reworded(plan, finding, client_id);
  Finding own = finding;
  own.clients = {client_id};
  return own;
}

std::vector<Finding> FindingsForClient(const plan::Plan& plan, const std::vector<Finding>& findings,
                                       const std::string& client_id) {
  std::vector<Finding> out;
  for (const Finding& finding : findings) {
    if (auto view = FindingForClient(plan, finding, client_id)) out.push_back(std::move(*view));
  }
  return out;
}

}  // namespace stormproof::analysis
