// Security rules over the MSP's and each client's controls: security-evidence-stale and
// security-control-missing (no EDR, no MFA, or MFA that does not cover everyone).
#include <cstdio>
#include <string>
#include <vector>

#include "continuity/analysis/internal/audit_context.h"

namespace stormproof::analysis::internal {
namespace {

// Whose controls are audited: a client, or the MSP itself (client == nullptr).
struct Owner {
  const plan::Client* client = nullptr;
  std::string name;
  const std::vector<plan::SecurityControl>* controls = nullptr;
  plan::Mark mark;
};

std::vector<Owner> Owners(const plan::Plan& plan) {
  std::vector<Owner> owners;
  owners.push_back({nullptr, plan.msp.name.empty() ? "the MSP" : plan.msp.name, &plan.msp.security,
                    plan.msp.mark});
  for (const plan::Client& client : plan.clients) {
    owners.push_back(
        {&client, client.name.empty() ? client.id : client.name, &client.security, client.mark});
  }
  return owners;
}

Finding SecurityFinding(const Owner& owner, Severity severity, const char* rule) {
  Finding f;
  f.severity = severity;
  f.area = Area::kSecurity;
  f.rule = rule;
  if (owner.client != nullptr) f.clients = {owner.client->id};
  f.mark = owner.mark;
  return f;
}

void EvidenceStale(const AuditContext& context, const Owner& owner,
                   const plan::SecurityControl& control, std::vector<Finding>* out) {
  Cadence max_age = control.evidence_every.value_or(context.plan().policy.evidence_max_age);
  if (control.last_evidence && !(control.last_evidence->Add(max_age) < context.today())) return;
  std::string kind = plan::ControlKindName(control.kind);
  Finding f = SecurityFinding(owner, Severity::kMedium, "security-evidence-stale");
  f.title = "The " + kind + " control of " + owner.name +
            (control.last_evidence ? " has evidence from " + control.last_evidence->ToString()
                                   : std::string(" has no evidence"));
  f.detail = "Evidence that " + kind +
             (control.product.empty() ? "" : " (" + control.product + ")") +
             " works must be at most " + max_age.ToString() +
             " old; without it the control is a claim, not a proof.";
  f.recommendation =
      "Export fresh evidence (a coverage report, a scan, a certificate) and set "
      "last_evidence to its date.";
  f.mark = control.mark;
  out->push_back(std::move(f));
}

const plan::SecurityControl* FindControl(const Owner& owner, plan::ControlKind kind) {
  const plan::SecurityControl* best = nullptr;
  for (const plan::SecurityControl& control : *owner.controls) {
    if (control.kind != kind) continue;
    // With several entries, the one covering most counts (no coverage given = full).
    if (best == nullptr ||
        control.coverage_percent.value_or(100) > best->coverage_percent.value_or(100)) {
      best = &control;
    }
  }
  return best;
}

void ControlMissing(const Owner& owner, plan::ControlKind kind, std::vector<Finding>* out) {
  if (FindControl(owner, kind) != nullptr) return;
  std::string name = kind == plan::ControlKind::kEdr ? "endpoint detection and response (edr)"
                                                     : "multi-factor authentication (mfa)";
  Finding f = SecurityFinding(owner, Severity::kHigh, "security-control-missing");
  f.title = owner.name + " has no " + name;
  f.detail = "Without " + name +
             ", ransomware or a phished password gets in unseen; "
             "containment and a clean restore point both depend on it.";
  f.recommendation = "Deploy " + std::string(plan::ControlKindName(kind)) +
                     " everywhere and list it under security with coverage and evidence.";
  out->push_back(std::move(f));
}

void MfaCoverage(const Owner& owner, std::vector<Finding>* out) {
  const plan::SecurityControl* mfa = FindControl(owner, plan::ControlKind::kMfa);
  if (mfa == nullptr || !mfa->coverage_percent || *mfa->coverage_percent >= 100) return;
  Finding f = SecurityFinding(owner, Severity::kMedium, "security-control-missing");
  char percent[32];
  std::snprintf(percent, sizeof percent, "%g%%", *mfa->coverage_percent);
  f.title = "Multi-factor authentication at " + owner.name + " covers " + percent + " of accounts";
  f.detail = "Every account without MFA is a way in; attackers look for exactly those.";
  f.recommendation =
      "Enforce MFA for every account (conditional access), including admins and "
      "service accounts that can sign in.";
  f.mark = mfa->mark;
  out->push_back(std::move(f));
}

}  // namespace

void AuditSecurity(const AuditContext& context, std::vector<Finding>* out) {
  for (const Owner& owner : Owners(context.plan())) {
    for (const plan::SecurityControl& control : *owner.controls) {
      EvidenceStale(context, owner, control, out);
    }
    ControlMissing(owner, plan::ControlKind::kEdr, out);
    ControlMissing(owner, plan::ControlKind::kMfa, out);
    MfaCoverage(owner, out);
  }
}

}  // namespace stormproof::analysis::internal
