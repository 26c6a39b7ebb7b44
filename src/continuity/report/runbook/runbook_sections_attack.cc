// The "After an attack" part of the runbook model: for each object-locked repository holding the
// backups of a system in scope, the steps of docs/object-storage.md "AFTER AN ATTACK: STEP BY
// STEP" with the repository's real location, credentials files and password file in every
// command — stop the backups, rotate the credentials, find TIME, `repair --as-of` (dry run, then
// for real) with the maintenance credentials, check every byte and prove the lock again, restore
// each system from the locked copy, resume.
#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>
#include <utility>

#include "continuity/report/runbook/internal/runbook_sections.h"
#include "core/text.h"
#include "engine/s3/s3.h"

namespace stormproof::report::runbook_internal {
namespace {

// `word` as one shell word: as it is when it holds only characters the shell leaves alone,
// else in single quotes.
std::string ShellWord(const std::string& word) {
  bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("_-./:=@%+,").find(static_cast<char>(c)) != std::string_view::npos;
  });
  if (plain) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The environment of a command that must use the keys of credentials file `file` and nothing
// else. The aws CLI takes credentials from a dozen places before the file (exported keys, yours
// or the attacker's; AWS_PROFILE and AWS_DEFAULT_PROFILE; a role, web identity, SSO or
// credential_process in ~/.aws/config; container and instance metadata), stormproof from a few:
// `env -i` keeps only PATH and HOME of the incident shell, ~/.aws/config is kept out, the
// instance metadata service off, and the plan's region given (AWS_DEFAULT_REGION, which both
// read). "" for no file: the shell's credentials then, as the steps say.
std::string WithCredentials(const std::string& file, const std::string& region) {
  if (file.empty()) return "";
  std::string env =
      "env -i PATH=\"$PATH\" HOME=\"$HOME\" XDG_CACHE_HOME=\"${XDG_CACHE_HOME:-$HOME/.cache}\" "
      "XDG_STATE_HOME=\"${XDG_STATE_HOME:-$HOME/.local/state}\" AWS_CONFIG_FILE=/dev/null "
      "AWS_EC2_METADATA_DISABLED=true AWS_SHARED_CREDENTIALS_FILE=" +
      ShellWord(file) + " ";
  if (!region.empty()) env += "AWS_DEFAULT_REGION=" + ShellWord(region) + " ";
  return env;
}

// What the step "Find TIME" says of the commands' env prefix.
constexpr char kCleanEnvironment[] =
    " Each command here that names a credentials file starts with `env -i ...`: it runs with "
    "nothing of this shell but PATH, HOME and stormproof's cache and state folders, so that the "
    "file decides whose keys are used, never keys, profiles or roles set here.";

const char* BucketLookupWord(plan::BucketLookup lookup) {
  switch (lookup) {
    case plan::BucketLookup::kDns:
      return "dns";
    case plan::BucketLookup::kPath:
      return "path";
    case plan::BucketLookup::kAuto:
      break;
  }
  return "auto";
}

// What the steps' commands are made of, from the repository's entry in the plan.
struct Commands {
  std::string maintenance;  // the env prefix for the maintenance credentials
  std::string backup;       // the env prefix for the backup hosts' credentials
  // "stormproof --repo L [--s3-bucket-lookup B] --password-file P": with the plan's
  // bucket_lookup, which neither --repo nor the (cleared) environment carries.
  std::string stormproof;

  explicit Commands(const plan::RepositorySpec& r) {
    // Without a maintenance_credentials_file: the owner's keys exported in the shell (the backup
    // hosts' keys cannot roll back: upload-only, exit 14); RollBackSteps says so.
    maintenance = WithCredentials(r.maintenance_credentials_file, r.region);
    backup = WithCredentials(r.credentials_file, r.region);
    stormproof = "stormproof --repo " + ShellWord(r.location);
    if (r.bucket_lookup && *r.bucket_lookup != plan::BucketLookup::kAuto) {
      stormproof += std::string(" --s3-bucket-lookup ") + BucketLookupWord(*r.bucket_lookup);
    }
    // Without a password_file, a placeholder like TIME (STORMPROOF_PASSWORD_FILE would not pass
    // `env -i`); RollBackSteps says so.
    stormproof += " --password-file " +
                  (r.password_file.empty() ? std::string("PASSWORD_FILE")
                                           : ShellWord(r.password_file));
  }
};

std::string LockText(const plan::RepositorySpec& r) {
  if (!r.object_lock) {
    return "claimed immutable (Object Lock on the bucket: mode and days not in the plan)";
  }
  return std::string("Object Lock, ") + plan::ObjectLockModeName(r.object_lock->mode) + " mode, " +
         std::to_string(r.object_lock->days) + " days";
}

// The aws command that lists the bucket's newest 40 versions and delete markers.
std::string ListVersions(const plan::RepositorySpec& r, const Commands& c) {
  Result<s3::Location> where = s3::ParseLocation(r.location);
  if (!where) return "";
  std::string endpoint = where->scheme + "://" + where->host;
  if (where->port != 0) endpoint += ":" + std::to_string(where->port);
  std::string command = c.maintenance + "aws --endpoint-url " + ShellWord(endpoint);
  if (!r.region.empty() && c.maintenance.empty()) command += " --region " + ShellWord(r.region);
  command += " s3api list-object-versions --bucket " + ShellWord(where->bucket);
  if (!where->prefix.empty()) command += " --prefix " + ShellWord(where->prefix + "/");
  return command +
         " --query 'sort_by([Versions[],DeleteMarkers[]][], &LastModified)[-40:]"
         ".[LastModified,Key,Size]'";
}

// "hosts backup01, fs1" from the systems' host:, or the machine running `run` when none names one.
std::string Hosts(const std::vector<const plan::System*>& systems) {
  std::set<std::string> hosts;
  for (const plan::System* system : systems) {
    if (!system->host.empty()) hosts.insert(system->host);
  }
  if (hosts.empty()) return "the machine that runs `stormproof run` for the plan";
  std::vector<std::string> list(hosts.begin(), hosts.end());
  return (list.size() == 1 ? "host " : "hosts ") + Join(list, ", ");
}

std::string CredentialsText(const plan::RepositorySpec& r) {
  std::string backup = r.credentials_file.empty()
                           ? "the backup hosts' keys (from their environment)"
                           : "the backup hosts' keys (" + r.credentials_file + ")";
  std::string owner = r.maintenance_credentials_file.empty()
                          ? "the maintenance keys"
                          : "the maintenance keys (" + r.maintenance_credentials_file + ")";
  return "Replace " + backup + " and " + owner +
         " with new access keys, remove the old ones on the server (radosgw-admin key rm, the "
         "cloud console, "
         "b2 delete-key), and check the bucket policy is still the upload-only one "
         "(docs/object-storage.md, UPLOAD-ONLY CREDENTIALS FOR BACKUP HOSTS). The attacker's keys "
         "must be dead before you restore anything.";
}

std::vector<AttackStep> FirstSteps(const plan::RepositorySpec& r,
                                   const std::vector<const plan::System*>& systems,
                                   const Commands& c) {
  std::string writers =
      "Disable `stormproof run` (its timer or cron job) on every host that writes into " + r.id +
      " (for the systems here: " + Hosts(systems) +
      "), so that nothing writes while you look and roll back.";
  if (r.copy_from) {
    writers += " " + r.id + " is filled by run's copies from " + r.copy_from->id +
               ": stop those runs too.";
  }
  writers += " Run no forget or prune of " + r.id +
             " by hand until the investigation is over: forget keeps snapshots by their dates "
             "and tags, which the attacker may have written (snapshots dated in the future push "
             "every genuine one out of keep_last), and what forget hides, prune deletes for good "
             "once its retention ends, out of the roll-back's reach. The Object Lock keeps what "
             "is there meanwhile.";
  std::vector<AttackStep> steps;
  steps.push_back({"Stop the backups", writers, {}});
  steps.push_back({"Rotate the credentials", CredentialsText(r), {}});
  std::vector<std::string> list;
  if (std::string command = ListVersions(r, c); !command.empty()) list.push_back(command);
  steps.push_back(
      {"Find TIME, the last moment before the attack",
       "List the bucket's 40 newest changes (printed oldest first) and look for the first "
       "change you did not make: a burst of delete markers, packs or snapshots rewritten, "
       "snapshots you do not recognise. TIME is a moment before it, in UTC "
       "(2026-12-06T14:00:00Z). Everything written after TIME is hidden by the roll-back, good "
       "snapshots too: pick it as late as you safely can." +
           std::string(c.maintenance.empty() && c.backup.empty() ? "" : kCleanEnvironment),
       list});
  return steps;
}

// `shared`: the repository also holds other clients' backups, and the runbook is one client's
// (it names none of the others).
std::vector<AttackStep> RollBackSteps(const plan::RepositorySpec& r, const Commands& c,
                                      bool shared) {
  const std::string repair = c.maintenance + c.stormproof + " repair --as-of TIME";
  std::vector<AttackStep> steps;
  std::string notes;
  if (shared) {
    notes += " " + r.id + " also holds other clients' backups: a roll-back hides what every one "
             "of them wrote after TIME, so the MSP's incident lead chooses TIME and runs it for "
             "all of them at once; do not run it for this client alone.";
  }
  if (r.maintenance_credentials_file.empty()) {
    notes += " The plan names no maintenance_credentials_file for " + r.id +
             ": export the bucket owner's keys (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) in this "
             "shell first; the backup hosts' upload-only keys cannot roll back.";
  }
  if (r.password_file.empty()) {
    notes += " The plan gives " + r.id +
             " no password_file: in the commands, replace PASSWORD_FILE with the file that "
             "holds its password.";
  }
  // A shared copy's roll-back is not this client's to run: its commands are left out here.
  auto unless_shared = [shared](std::string command) {
    return shared ? std::vector<std::string>{} : std::vector<std::string>{std::move(command)};
  };
  steps.push_back({"Dry run",
                   "With the maintenance credentials. Nothing changes: it prints each file it "
                   "would bring back and each it would hide. A snapshot you expected but see "
                   "hidden means TIME is too early." +
                       notes,
                   unless_shared(repair + " --dry-run")});
  steps.push_back({"Roll back",
                   "Run it, and the dry run, on the maintenance machine as the user that runs "
                   "`stormproof run` there (its HOME): the delete markers it places are recorded "
                   "in that user's state folder (~/.local/state/stormproof, or "
                   "$XDG_STATE_HOME/stormproof), and only prune run there keeps the hidden files "
                   "for a later roll-back; elsewhere prune counts them as hidden by someone else "
                   "and refuses. Each file is copied on the server from its version at TIME; "
                   "files written after TIME get a delete marker; nothing is deleted. It then "
                   "checks the repository and prints the newest snapshot of each host.",
                   unless_shared(repair)});
  std::string prove = "Read all data; then prove " + r.id +
                      " immutable with the backup hosts' new credentials.";
  if (r.credentials_file.empty()) {
    prove += " The plan names no credentials_file for " + r.id +
             ": prove it from a new shell where only the backup hosts' new keys are exported, "
             "not the owner's.";
  }
  steps.push_back({"Check every byte, and prove the lock still holds", prove,
                   {c.maintenance + c.stormproof + " check --read-data",
                    c.backup + c.stormproof + " check --immutability"}});
  return steps;
}

std::vector<AttackStep> LastSteps(const plan::RepositorySpec& r,
                                  const std::vector<const plan::System*>& systems,
                                  const Commands& c) {
  std::string drills, restores;  // one line per system each
  for (const plan::System* system : systems) {
    drills += (drills.empty() ? "" : "\n") + std::string("stormproof drill --system ") +
              ShellWord(system->id) + " --repository " + ShellWord(r.id);
    restores += (restores.empty() ? "" : "\n") + c.backup + c.stormproof +
                " restore latest --tag system=" + ShellWord(system->id) + " --target DIR";
  }
  std::vector<std::string> restore = {drills, restores};
  return {{"Restore from " + r.id,
           "In the restore order: prove each system's copy with a drill, or restore its newest "
           "snapshot where it belongs (DIR).",
           restore},
          {"Resume the backups",
           "Start `stormproof run` again with the new credentials. Keep the bucket's versions of "
           "the attack until the investigation is over: prune deletes hidden versions once their "
           "retention ends.",
           {}}};
}

AttackRecoveryBlock BlockFor(const plan::RepositorySpec& r,
                             const std::vector<const plan::System*>& systems, bool shared) {
  AttackRecoveryBlock block;
  block.repository_id = r.id;
  block.location = r.location;
  block.lock = LockText(r);
  if (r.copy_from) block.copy_of = r.copy_from->id;
  for (const plan::System* system : systems) {
    block.systems.push_back(system->name.empty() ? system->id
                                                 : system->name + " (" + system->id + ")");
  }
  Commands c(r);
  block.steps = FirstSteps(r, systems, c);
  for (AttackStep& step : RollBackSteps(r, c, shared)) block.steps.push_back(std::move(step));
  for (AttackStep& step : LastSteps(r, systems, c)) block.steps.push_back(std::move(step));
  return block;
}

// Whether a system of a client other than `client` (or of no client: the MSP's own) has its
// backups in `repository`.
bool HoldsOtherClients(const plan::Plan& plan, const plan::RepositorySpec& repository,
                       const std::string& client) {
  for (const plan::System& system : plan.systems) {
    if (system.client && system.client->id == client) continue;
    for (const plan::RepositorySpec* r : plan::SystemRepositories(plan, system)) {
      if (r == &repository) return true;
    }
  }
  return false;
}

}  // namespace

bool IsObjectLocked(const plan::RepositorySpec& repository) {
  return repository.kind == plan::RepositoryKind::kStormproof &&
         s3::IsS3Location(repository.location) &&
         (repository.object_lock.has_value() || repository.immutable);
}

std::vector<AttackRecoveryBlock> BuildAttackRecovery(const RunbookInput& input) {
  const plan::Plan& plan = *input.plan;
  std::vector<const plan::RepositorySpec*> locked;  // in the order met
  std::vector<std::vector<const plan::System*>> holders;
  for (const analysis::RestoreStep* step : StepsInScope(input)) {
    const plan::System& system = plan.systems[step->system];
    if (!IsOwnSystem(input, system)) continue;
    for (const plan::RepositorySpec* copy : plan::SystemRepositories(plan, system)) {
      if (!IsObjectLocked(*copy)) continue;
      size_t i = std::find(locked.begin(), locked.end(), copy) - locked.begin();
      if (i == locked.size()) {
        locked.push_back(copy);
        holders.emplace_back();
      }
      holders[i].push_back(&system);
    }
  }
  std::vector<AttackRecoveryBlock> blocks;
  for (size_t i = 0; i < locked.size(); ++i) {
    blocks.push_back(BlockFor(*locked[i], holders[i],
                              input.client && HoldsOtherClients(plan, *locked[i], *input.client)));
  }
  return blocks;
}

}  // namespace stormproof::report::runbook_internal
