#include "continuity/plan/validate.h"

#include "continuity/plan/internal/canary_check.h"
#include "continuity/plan/internal/copy_check.h"
#include "continuity/plan/internal/object_lock_check.h"
#include "continuity/plan/internal/dependency_cycles.h"
#include "continuity/plan/internal/reference_check.h"
#include "continuity/plan/internal/scenario_check.h"
#include "core/time.h"

namespace stormproof::plan {
namespace {

// drill_retry: how soon a failed drill is drilled again; zero would drill on every run, longer
// than drill_every would never retry sooner than the next regular drill.
void CheckDrillRetry(const Tier& tier, Diagnostics* out) {
  if (!tier.drill_retry) return;
  const std::string what = "tier " + Quoted(tier.id) + ": drill_retry " +
                           tier.drill_retry->ToString();
  if (tier.drill_retry->seconds() <= 0) {
    out->Error(tier.drill_retry_mark, "bad-drill-retry",
               what + " must be longer than zero (a failed drill would be retried on every run)");
  } else if (tier.drill_every &&
             tier.drill_retry->seconds() > tier.drill_every->ApproxDays() * kSecondsPerDay) {
    out->Warning(tier.drill_retry_mark, "drill-retry-exceeds-every",
                 what + " is longer than drill_every " + tier.drill_every->ToString() +
                     ": a failed drill would wait for the next regular drill");
  }
}

void CheckObjectives(const Plan& plan, Diagnostics* out) {
  for (const Tier& tier : plan.tiers) {
    if (tier.rto && tier.mtpd && *tier.rto > *tier.mtpd) {
      out->Error(tier.rto_mark, "rto-exceeds-mtpd",
                 "tier " + Quoted(tier.id) + ": rto " + tier.rto->ToString() +
                     " is longer than mtpd " + tier.mtpd->ToString());
    }
    CheckDrillRetry(tier, out);
  }
  for (const System& system : plan.systems) {
    Objectives o = ObjectivesOf(plan, system);
    if (o.tier == nullptr) continue;  // unknown tier already reported
    if (system.rto && o.mtpd && *system.rto > *o.mtpd) {
      out->Error(system.rto_mark, "rto-exceeds-mtpd",
                 "system " + Quoted(system.id) + ": rto " + system.rto->ToString() +
                     " is longer than its tier's mtpd " + o.mtpd->ToString());
    }
  }
}

// A dependency that takes longer to come back than its dependent's RTO makes that RTO unreachable.
void CheckDependencyObjectives(const Plan& plan, Diagnostics* out) {
  for (const System& system : plan.systems) {
    Objectives mine = ObjectivesOf(plan, system);
    if (!mine.rto) continue;
    for (const Ref& dep : system.depends_on) {
      const System* other = plan.FindSystem(dep.id);
      if (other == nullptr || other == &system) continue;
      Objectives theirs = ObjectivesOf(plan, *other);
      if (theirs.rto && *theirs.rto > *mine.rto) {
        out->Warning(dep.mark, "dependency-rto",
                     "system " + Quoted(system.id) + " (rto " + mine.rto->ToString() +
                         ") depends on " + Quoted(dep.id) + " whose rto is " +
                         theirs.rto->ToString() + ": the dependent cannot meet its rto");
      }
    }
  }
}

void CheckPeople(const Plan& plan, const ValidateOptions& options, Diagnostics* out) {
  for (const Person& person : plan.people) {
    std::string who = "person " + Quoted(person.id);
    if (person.deputy && person.deputy->id == person.id) {
      out->Error(person.deputy->mark, "self-deputy", who + ": is their own deputy");
    }
    if (person.contacts.size() < 2) {
      out->Warning(person.mark, "few-contacts",
                   who + ": has " + std::to_string(person.contacts.size()) +
                       " contact method(s); at least two are needed to reach them in an incident");
    }
    if (!person.contacts_verified) {
      out->Warning(person.mark, "contacts-unverified",
                   who + ": contacts were never verified (set contacts_verified)");
    } else if (person.contacts_verified->Add(plan.policy.contacts_max_age) < options.today) {
      out->Warning(person.contacts_verified_mark, "contacts-stale",
                   who + ": contacts last verified " + person.contacts_verified->ToString() +
                       ", more than " + plan.policy.contacts_max_age.ToString() + " ago");
    }
  }
}

void CheckRoles(const Plan& plan, Diagnostics* out) {
  for (const Role& role : plan.roles) {
    std::string what = "role " + Quoted(role.id);
    if (role.backups.empty()) {
      out->Warning(role.mark, "role-without-backup",
                   what + ": no backups; nobody takes over when " +
                       (role.holder ? Quoted(role.holder->id) : std::string("the holder")) +
                       " is unreachable");
    }
    for (const Ref& backup : role.backups) {
      if (role.holder && backup.id == role.holder->id) {
        out->Warning(backup.mark, "role-backup-is-holder",
                     what + ": " + Quoted(backup.id) + " is both holder and backup");
      }
    }
  }
}

void CheckSystems(const Plan& plan, Diagnostics* out) {
  for (const System& system : plan.systems) {
    std::string what = "system " + Quoted(system.id);
    if (system.owner) {
      const Person* owner = plan.FindPerson(system.owner->id);
      if (owner && !owner->deputy) {
        out->Warning(system.owner->mark, "owner-without-deputy",
                     what + ": owner " + Quoted(owner->id) + " has no deputy");
      }
    }
    if (IsCritical(plan, system)) {
      if (system.checklist.empty()) {
        out->Error(system.mark, "critical-without-checklist",
                   what + ": a tier-1 system needs a restore checklist (restore.checklist)");
      }
      if (system.verify_command.empty()) {
        out->Error(system.mark, "critical-without-verify",
                   what + ": a tier-1 system needs a verification command (restore.verify)");
      }
    }
    if (system.host.empty() && plan.NamesHosts()) {
      out->Warning(system.mark, "system-without-host",
                   what + ": no host, while other systems name theirs: no host's 'run' backs "
                          "it up or drills it (add host:)");
    }
    if (!system.backup.paths.empty() && system.backup.repositories.empty()) {
      out->Warning(system.backup.mark, "backup-without-repository",
                   what + ": backup lists paths but no repository to write them to");
    }
  }
}

void CheckClients(const Plan& plan, Diagnostics* out) {
  for (const Client& client : plan.clients) {
    if (!client.comms.liaison) {
      out->Warning(client.mark, "client-without-liaison",
                   "client " + Quoted(client.id) +
                       ": no comms.liaison; nobody is named to talk to this client in an incident");
    }
  }
}

}  // namespace

void Validate(const Plan& plan, const ValidateOptions& options, Diagnostics* out) {
  CheckDuplicateIds(plan, out);
  CheckReferences(plan, out);
  CheckDependencyCycles(plan, out);
  CheckRoleCycles(plan, out);
  CheckObjectives(plan, out);
  CheckDependencyObjectives(plan, out);
  CheckPeople(plan, options, out);
  CheckRoles(plan, out);
  CheckSystems(plan, out);
  CheckCanaries(plan, out);
  CheckClients(plan, out);
  CheckCopies(plan, out);
  CheckObjectLock(plan, out);
  CheckImmutabilityProofs(plan, out);
  CheckScenarios(plan, out);
  out->SortByPosition();
}

}  // namespace stormproof::plan
