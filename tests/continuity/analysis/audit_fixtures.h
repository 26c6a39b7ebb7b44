// A small, well-built plan for the audit tests, and edits that break one thing at a time.
//
// kCleanPlan is a dental practice looked after by a four-person MSP: every critical system has
// two restorers, two sites, three copies including an immutable one, every site two ISPs, every
// vendor an alternative, contacts and evidence fresh on 2026-11-26. The audit finds nothing in it.
// Edits replace one exact, unique piece of that text; an edit with an empty `from` appends to the
// end of the text, which is the systems list.
#ifndef STORMPROOF_TESTS_CONTINUITY_ANALYSIS_AUDIT_FIXTURES_H_
#define STORMPROOF_TESTS_CONTINUITY_ANALYSIS_AUDIT_FIXTURES_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "continuity/plan/loader.h"
#include "core/date.h"

namespace stormproof::analysis::testing {

inline const Date kToday = Date::FromCivil(2026, 11, 26);

inline const char* kCleanPlan = R"(version: 1
msp:
  id: acme
  name: Acme IT
  security:
    - control: edr
      coverage: 100
      last_evidence: 2026-11-01
    - control: mfa
      coverage: 100
      last_evidence: 2026-11-02
review:
  owner: ann
  every: quarterly
  last: 2026-10-01
policy:
  contacts_max_age: 90d
  evidence_max_age: 90d
  training_max_age: 1y
people:
  - id: ann
    name: Ann Archer
    contacts: {email: ann@example.com, mobile: "+44 7700 900001"}
    contacts_verified: 2026-11-01
    deputy: bob
    skills: [sql, windows]
  - id: bob
    name: Bob Baker
    contacts: {email: bob@example.com, mobile: "+44 7700 900002"}
    contacts_verified: 2026-11-02
    deputy: ann
    skills: [sql, windows]
  - id: cat
    name: Cat Cole
    contacts: {email: cat@example.com, mobile: "+44 7700 900003"}
    contacts_verified: 2026-11-03
    deputy: dan
    skills: [files]
  - id: dan
    name: Dan Dale
    contacts: {email: dan@example.com, mobile: "+44 7700 900004"}
    contacts_verified: 2026-11-04
    deputy: cat
    skills: [files]
roles:
  - id: commander
    name: Incident commander
    holder: ann
    backups: [bob]
  - id: comms
    name: Client communications lead
    holder: cat
    backups: [ann]
clients:
  - id: dental
    name: Dental Co
    comms: {liaison: cat, channel: phone}
    security:
      - control: edr
        coverage: 100
        last_evidence: 2026-11-10
      - control: mfa
        coverage: 100
        last_evidence: 2026-11-11
tiers:
  - {id: tier-1, name: Critical, rank: 1, rto: 4h, rpo: 15m, mtpd: 1d, copies: 3, sites: 2, immutable: true}
  - {id: tier-2, name: Important, rank: 2, rto: 1d, rpo: 4h, mtpd: 3d, copies: 2, sites: 2, immutable: true}
vendors:
  - {id: fibre-a, name: Fibre A, kind: isp, alternatives: [fibre-b]}
  - {id: fibre-b, name: Fibre B, kind: isp, alternatives: [fibre-a]}
  - {id: cloud-x, name: Cloud X, kind: cloud, alternatives: [cloud-y]}
  - {id: cloud-y, name: Cloud Y, kind: cloud, alternatives: [cloud-x]}
sites:
  - {id: office, name: Dental office, client: dental, isps: [fibre-a, fibre-b]}
  - {id: colo, name: Colocation rack, isps: [fibre-b, fibre-a]}
  - {id: cloud-region, name: Object storage region}
repositories:
  - {id: colo-repo, location: /srv/repo, site: colo}
  - {id: office-nas, location: /mnt/nas, site: office}
  - {id: cloud-plain, location: "s3:https://plain.example.com/plain", site: cloud-region, medium: object}
  - {id: vault, location: "s3:https://vault.example.com/vault", site: cloud-region, medium: object, immutable: true, credentials_file: /etc/stormproof/vault.aws}
  - {id: tape, location: /dev/nst0, site: colo, medium: tape, offline: true}
training:
  - {person: cat, skill: sql, kind: course, date: 2026-06-01}
systems:
  - id: db
    name: Practice database
    client: dental
    owner: ann
    tier: tier-1
    sites: [office, colo]
    vendors: [cloud-x]
    skills: [sql]
    downtime_cost_per_hour: 500
    backup: {paths: [/var/db], repositories: [colo-repo, vault]}
    restore: {estimate: 1h, checklist: [Restore the database], verify: /usr/local/bin/check-db}
  - id: app
    name: Practice application
    client: dental
    owner: bob
    tier: tier-1
    depends_on: [db]
    sites: [colo, office]
    skills: [windows]
    backup: {paths: [/srv/app], repositories: [colo-repo, cloud-plain, vault]}
    restore: {checklist: [Reinstall the application], verify: /usr/local/bin/check-app}
  - id: files
    name: File share
    client: dental
    owner: cat
    tier: tier-2
    sites: [office]
    skills: [files]
    backup: {paths: [/srv/files], repositories: [colo-repo, vault]}
)";

struct Edit {
  std::string from;  // "" appends `to` at the end
  std::string to;
};

// `text` with each edit applied in order. Fails the test when a `from` is not found exactly once.
inline std::string Apply(std::string text, const std::vector<Edit>& edits) {
  for (const Edit& edit : edits) {
    if (edit.from.empty()) {
      text += edit.to;
      continue;
    }
    size_t at = text.find(edit.from);
    if (at == std::string::npos || text.find(edit.from, at + 1) != std::string::npos) {
      ADD_FAILURE() << "edit target not found exactly once: " << edit.from;
      continue;
    }
    text.replace(at, edit.from.size(), edit.to);
  }
  return text;
}

// One more well-backed-up system at both sites, to append to kCleanPlan; `extra` holds further
// lines such as "    depends_on: [db]\n".
inline std::string ExtraSystem(const std::string& id, const std::string& tier,
                               const std::string& extra = "") {
  return "  - id: " + id + "\n    owner: bob\n    tier: " + tier +
         "\n    sites: [office, colo]\n    skills: [windows]\n" + "    backup: {paths: [/srv/" +
         id + "], repositories: [colo-repo, vault]}\n" + "    restore: {checklist: [Restore " + id +
         "], verify: /usr/local/bin/check}\n" + extra;
}

// kCleanPlan, loaded (without error).
inline plan::Plan CleanPlan() {
  plan::LoadResult loaded = plan::LoadPlanFromText("plan.yaml", kCleanPlan);
  EXPECT_EQ(loaded.diagnostics.error_count(), 0u);
  return loaded.plan;
}

// Adds a second client, Harcourt Vale ("harcourt"), whose one system, "hv-case" (Harcourt case
// files, no paths), backs up into `repository`. The caller rebuilds the plan's index.
inline void AddHarcourtCaseFiles(plan::Plan* plan, const std::string& repository) {
  plan::Client harcourt;
  harcourt.id = "harcourt";
  harcourt.name = "Harcourt Vale";
  plan->clients.push_back(harcourt);
  plan::System cases;
  cases.id = "hv-case";
  cases.name = "Harcourt case files";
  cases.client = plan::Ref{"harcourt", {}};
  cases.backup.repositories = {plan::Ref{repository, {}}};
  plan->systems.push_back(cases);
}

}  // namespace stormproof::analysis::testing

#endif  // STORMPROOF_TESTS_CONTINUITY_ANALYSIS_AUDIT_FIXTURES_H_
