// Backup rules, the 3-2-1-1-0 rule against each system's tier: backup-missing, too-few-copies,
// all-copies-one-site, no-offsite-copy, no-immutable-copy.
//
// The audit judges the plan's design, without the catalog: every copy it counts is *planned*
// (production as one plus one per backup repository listed), and an immutable or offline
// repository is the plan's *claim*. Whether a planned copy really holds a current backup, was
// verified, or is immutable is for `stormproof status` (src/continuity/readiness/copies.cc), which counts
// only what the catalog proves, and for the evidence rules (audit_evidence.cc), which report each
// repository whose immutability or zero errors the catalog does not prove. Sites are the distinct sites among the system's own and its
// repositories'. A tier that asks for one copy asks for no backup, so its systems are skipped.
// A system with no backup at all gets backup-missing only: the other rules would say the same
// thing again.
#include <string>
#include <vector>

#include "continuity/analysis/internal/audit_context.h"
#include "continuity/analysis/backup_shape.h"

namespace stormproof::analysis::internal {
namespace {

// One system's backups against its tier, with the finding factory the checks share.
struct Subject {
  const AuditContext& context;
  size_t index;
  const plan::Tier& tier;
  BackupShape shape;

  const plan::System& system() const { return context.plan().systems[index]; }
  std::string label() const { return context.SystemLabel(index); }
  std::string id() const { return Quoted(system().id); }
  std::string needs() const { return "Tier " + Quoted(tier.id) + " asks for "; }

  void Add(Severity severity, const char* rule, std::string title, std::string detail,
           std::string recommendation, std::vector<Finding>* out) const {
    Finding f;
    f.severity = severity;
    f.area = Area::kBackups;
    f.rule = rule;
    f.title = std::move(title);
    f.detail = std::move(detail);
    f.recommendation = std::move(recommendation);
    f.systems = {system().id};
    f.clients = ClientsOf(system());
    f.mark = MarkOr(system().backup.mark, system().mark);
    out->push_back(std::move(f));
  }
};

void CheckMissing(const Subject& s, std::vector<Finding>* out) {
  bool critical = s.context.critical(s.index);
  s.Add(critical ? Severity::kCritical : Severity::kHigh, "backup-missing",
        (critical ? "Critical system " : "System ") + s.label() + " is not backed up",
        "No backup repository is listed for " + s.id() + ": if it is lost, its data is gone. " +
            s.needs() + std::to_string(s.tier.copies) + " copies.",
        "Add backup.paths and backup.repositories, then run a restore drill.", out);
}

void CheckCopies(const Subject& s, std::vector<Finding>* out) {
  int copies = 1 + static_cast<int>(s.shape.repositories.size());
  if (copies >= s.tier.copies) return;
  s.Add(Severity::kHigh, "too-few-copies",
        s.label() + " has " + std::to_string(copies) + " copies of its data planned, fewer than " +
            std::to_string(s.tier.copies),
        s.needs() + std::to_string(s.tier.copies) + " copies, production included; the plan gives " +
            s.id() + " production and " + std::to_string(s.shape.repositories.size()) +
            " backup repository(ies). Planned copies, not proven ones: `status` counts a copy only "
            "once the catalog shows it holding a current backup.",
        "Back it up to another repository as well, or copy its repository to a second one.", out);
}

void CheckSites(const Subject& s, std::vector<Finding>* out) {
  if (static_cast<int>(s.shape.sites.size()) >= s.tier.sites) return;
  s.Add(Severity::kHigh, "all-copies-one-site",
        "All planned copies of " + s.label() + " are at " + std::to_string(s.shape.sites.size()) +
            " site(s), fewer than " + std::to_string(s.tier.sites),
        s.needs() + "copies at " + std::to_string(s.tier.sites) +
            " distinct sites; one fire or burglary can destroy every copy of " + s.id() + ".",
        "Add a repository at another site or in cloud object storage.", out);
}

void CheckOffsite(const Subject& s, std::vector<Finding>* out) {
  if (s.tier.sites < 2 || s.shape.offsite) return;
  s.Add(Severity::kHigh, "no-offsite-copy", s.label() + " has no off-site copy planned",
        "Every backup repository of " + s.id() +
            " is at a site where the system itself runs (or has no site): losing that site "
            "takes the backups with it.",
        "Add a repository at a site the system does not run at.", out);
}

void CheckImmutable(const Subject& s, std::vector<Finding>* out) {
  if (!s.tier.immutable || s.shape.immutable_claimed) return;
  s.Add(s.context.critical(s.index) ? Severity::kHigh : Severity::kMedium, "no-immutable-copy",
        s.label() + " has no copy planned as immutable or offline",
        s.needs() +
            "an immutable or offline copy; ransomware with admin rights can delete or "
            "encrypt every backup of " +
            s.id() + ".",
        "Add an object-locked (immutable) or offline repository, e.g. rotated tapes.", out);
}

}  // namespace

void AuditBackups(const AuditContext& context, std::vector<Finding>* out) {
  const plan::Plan& plan = context.plan();
  for (size_t i = 0; i < plan.systems.size(); ++i) {
    const plan::System& system = plan.systems[i];
    const plan::Tier* tier = system.tier ? plan.FindTier(system.tier->id) : nullptr;
    if (tier == nullptr || tier->copies <= 1) continue;
    Subject subject{context, i, *tier, ShapeOfBackups(plan, system)};
    if (subject.shape.repositories.empty()) {
      CheckMissing(subject, out);
      continue;
    }
    CheckCopies(subject, out);
    CheckSites(subject, out);
    CheckOffsite(subject, out);
    CheckImmutable(subject, out);
  }
}

}  // namespace stormproof::analysis::internal
