// Small plans for the plan tests, written as YAML so the tests read like plans.
#ifndef STORMPROOF_TESTS_CONTINUITY_PLAN_PLAN_FIXTURES_H_
#define STORMPROOF_TESTS_CONTINUITY_PLAN_PLAN_FIXTURES_H_

#include <string>

namespace stormproof::plan::testing {

// version, msp, review and two tiers (t1 critical: rto 2h rpo 15m mtpd 8h; t2: rto 1d).
inline const char* kHeader = R"(version: 1
msp: {id: acme, name: Acme IT}
review: {owner: ann, every: quarterly, last: 2026-10-01}
tiers:
  - {id: t1, name: Critical, rank: 1, rto: 2h, rpo: 15m, mtpd: 8h}
  - {id: t2, name: Important, rank: 2, rto: 1d, rpo: 1d, mtpd: 3d}
)";

// Two people who deputise for each other, both verified recently, and one role.
inline const char* kPeople = R"(people:
  - id: ann
    name: Ann Archer
    contacts: {email: ann@example.com, phone: "+1 555 0100"}
    contacts_verified: 2026-10-01
    deputy: bob
    skills: [db]
  - id: bob
    name: Bob Baker
    contacts: {email: bob@example.com, phone: "+1 555 0101"}
    contacts_verified: 2026-10-01
    deputy: ann
    skills: [db]
roles:
  - {id: ic, name: Incident commander, holder: ann, backups: [bob]}
)";

// One critical system with a checklist and verification.
inline const char* kSystems = R"(systems:
  - id: db
    name: Database
    owner: ann
    tier: t1
    restore:
      checklist: [Restore the database, Check replication]
      verify: test -s "$STORMPROOF_RESTORE_PATH/db.bak"
)";

inline std::string PlanText(const std::string& people, const std::string& systems) {
  return std::string(kHeader) + people + systems;
}

}  // namespace stormproof::plan::testing

#endif  // STORMPROOF_TESTS_CONTINUITY_PLAN_PLAN_FIXTURES_H_
