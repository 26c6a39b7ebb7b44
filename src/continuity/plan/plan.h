// plan: the MSP's business-continuity plan as plain data.
//
// A Plan is what `plan.yaml` (and the files it includes) says: the people and how to reach them,
// incident roles, clients and how they are kept informed, recovery tiers, systems with their
// objectives, dependencies, backups and restore checklists, vendors, sites, backup repositories,
// security controls and training. The loader (loader.h) turns YAML into these structs and reports
// every problem with its position; validate.h checks the rules a plan must satisfy. Analyses
// (src/continuity/analysis) and renderers (src/continuity/report) only ever see these structs, never YAML.
//
// Every entity and every reference keeps the Mark of where it was written, so that any later
// finding can point at a file, line and column. A Plan is immutable after loading and safe to
// read from several threads at once.
#ifndef STORMPROOF_CONTINUITY_PLAN_PLAN_H_
#define STORMPROOF_CONTINUITY_PLAN_PLAN_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/date.h"
#include "core/duration.h"

namespace stormproof::plan {

// Where something was written: an index into Plan::files, 1-based line and column.
// file == -1 means "not from a file" (a default or a generated value).
struct Mark {
  int file = -1;
  int line = 0;
  int column = 0;
};

// A reference by id to another entity, with where the reference was written.
struct Ref {
  std::string id;
  Mark mark;
};

enum class ContactKind { kEmail, kPhone, kMobile, kChat, kSms, kPager };
const char* ContactKindName(ContactKind kind);  // "email", "phone", ...

struct Contact {
  ContactKind kind = ContactKind::kEmail;
  std::string value;
  Mark mark;
};

struct Person {
  std::string id;
  std::string name;
  std::string title;                      // role title, e.g. "Senior engineer"
  std::vector<Contact> contacts;          // in the order written
  std::optional<Date> contacts_verified;  // when the contacts were last confirmed
  Mark contacts_verified_mark;
  std::optional<Ref> deputy;        // who stands in when this person is unreachable
  std::vector<std::string> skills;  // system ids or technology tags they can restore
  std::string timezone;             // IANA name, informational
  Mark mark;
};

// An incident role (incident commander, client communications lead, ...).
struct Role {
  std::string id;
  std::string name;
  std::optional<Ref> holder;
  std::vector<Ref> backups;       // in the order they are tried
  std::optional<Ref> reports_to;  // another role: gives the call tree
  std::vector<std::string> duties;
  Mark mark;
};

// Tier::drill_retry when the plan gives none.
inline constexpr Duration kDefaultDrillRetry = Duration::Days(1);

struct Tier {
  std::string id;
  std::string name;
  int rank = 0;  // 1 = most critical; restored first
  std::optional<Duration> rto, rpo, mtpd;
  Mark rto_mark, rpo_mark, mtpd_mark;
  int copies = 3;          // copies of the data, production included
  int sites = 2;           // distinct sites holding those copies
  bool immutable = false;  // requires one immutable or offline copy
  std::optional<Cadence> drill_every;
  // How soon `run` drills a system again after its newest drill failed or could not run;
  // default kDefaultDrillRetry.
  std::optional<Duration> drill_retry;
  Mark drill_retry_mark;
  std::optional<Duration> update_every;  // default client-update interval during an incident
  struct Retention {
    int keep_last = 0, keep_hourly = 0, keep_daily = 0, keep_weekly = 0, keep_monthly = 0,
        keep_yearly = 0;
  } retention;
  Mark mark;
};

// One kind of security control; the value names it in YAML.
enum class ControlKind {
  kEdr,
  kMfa,
  kPatching,
  kVulnerabilityScanning,
  kMonitoring,
  kEmailFiltering,
  kAwarenessTraining,
  kCompliance,
};
const char* ControlKindName(ControlKind kind);  // "edr", "vulnerability_scanning", ...

struct SecurityControl {
  ControlKind kind = ControlKind::kEdr;
  std::string product;
  std::optional<double> coverage_percent;  // share of users/endpoints covered, 0..100
  std::optional<Cadence> cadence;          // how often it runs (patching, scanning)
  std::vector<std::string> frameworks;     // compliance frameworks, e.g. "HIPAA"
  std::optional<Date> last_evidence;       // the date of the newest proof it works
  std::optional<Cadence> evidence_every;   // overrides Policy::evidence_max_age
  std::string notes;
  Mark mark;
};

struct ClientContact {
  std::string name;
  std::string role;
  std::vector<Contact> contacts;
  Mark mark;
};

// How a client is kept informed while its systems are down.
struct Comms {
  std::optional<Ref> liaison;                    // the MSP person who talks to the client
  std::string channel;                           // phone, email, chat, sms, status_page
  std::map<std::string, Duration> update_every;  // tier id -> interval; overrides the tier's
  std::map<std::string, std::string> templates;  // name (initial, update, resolved) -> text
  Mark mark;
};

struct Client {
  std::string id;
  std::string name;
  std::vector<ClientContact> contacts;
  Comms comms;
  std::vector<SecurityControl> security;
  Mark mark;
};

enum class VendorKind { kIsp, kCloud, kSaas, kHardware, kSoftware, kColocation, kOther };
const char* VendorKindName(VendorKind kind);

struct Vendor {
  std::string id;
  std::string name;
  VendorKind kind = VendorKind::kOther;
  std::vector<Contact> contacts;
  std::string support;            // support hours, contract or account reference
  std::vector<Ref> alternatives;  // vendors that can take over
  Mark mark;
};

struct Site {
  std::string id;
  std::string name;
  std::optional<Ref> client;  // absent: the MSP's own site
  std::string address;
  std::vector<Ref> isps;  // vendors of kind isp that connect the site
  Mark mark;
};

enum class Medium { kDisk, kObject, kTape, kCloud };
const char* MediumName(Medium medium);

// The program that writes a repository, and so the drill adapter that reads it.
enum class RepositoryKind { kStormproof, kRestic, kBorg };

// How requests name an s3: repository's bucket (restic's s3.bucket-lookup): kAuto = path style
// (https://host/bucket/key) for an IP address, a port or a bucket name with a '.', else
// virtual-hosted; kDns = always virtual-hosted (https://bucket.host/key); kPath = always path.
enum class BucketLookup { kAuto, kDns, kPath };

// S3 Object Lock's retention modes: governance (users with a special permission may shorten or
// lift it) and compliance (nobody can, not even the account's root, until it ends).
enum class ObjectLockMode { kGovernance, kCompliance };
const char* ObjectLockModeName(ObjectLockMode mode);  // "governance", "compliance"

// A place backups are written to, as the plan describes it (the engine's open repository is
// repository::Repository).
struct RepositorySpec {
  std::string id;
  // A local path, local:PATH or s3:https://host/bucket[/prefix] (engine/storage/storage.h); a
  // location with another scheme (sftp:, b2:, ...) stays in the plan, but run and drills skip it.
  std::string location;
  std::optional<Ref> site;
  Medium medium = Medium::kDisk;
  bool immutable = false;  // append-only / object lock
  bool offline = false;    // air-gapped or rotated off-line
  // kStormproof repositories are written by `stormproof run`; restic and borg repositories are
  // written by those tools and only read (RPO, drills).
  RepositoryKind kind = RepositoryKind::kStormproof;
  // The file whose first line is the repository's password; "" = the global --password-file,
  // STORMPROOF_PASSWORD_FILE or STORMPROOF_PASSWORD. A relative path is relative to the file
  // that names it (resolved by the loader).
  std::string password_file;
  // For s3: locations only (s3::CredentialSources): the AWS shared-credentials file to read the
  // keys from (the profile AWS_PROFILE names, else [default]; resolved like password_file), and
  // the region; "" = from the environment (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_REGION, ...).
  // Required on a stormproof repository that `run` proves immutable (immutable or object_lock):
  // whose proof counts must not depend on a machine's environment (plan check,
  // immutable-without-credentials-file).
  std::string credentials_file = {};
  std::string region = {};
  // bucket_lookup; absent = the command line's --s3-bucket-lookup (default auto).
  std::optional<BucketLookup> bucket_lookup = {};
  // copy_from: this repository is a copy of another plan repository (both of kind stormproof):
  // after a system's backups `run` copies the source's new snapshots of that system here
  // (engine/copier). A copy's systems are its source's (SystemRepositories); it counts as a copy
  // of a system only once the catalog records snapshots of the system copied into it.
  std::optional<Ref> copy_from = {};
  // copy_every: how often `run` copies into this repository; absent = on every run that finds
  // the source holding a snapshot newer than the newest copied.
  std::optional<Duration> copy_every = {};
  Mark copy_every_mark = {};
  // For s3: locations only: the credentials file `run`'s forget and prune use (resolved like
  // credentials_file); "" = credentials_file. Backup hosts keep upload-only credentials in
  // credentials_file, the MSP's maintenance machine the ones that may delete.
  std::string maintenance_credentials_file = {};
  // object_lock (s3: only): `run --init` creates the repository with every data and metadata
  // object under this retention (S3 Object Lock). A setting, not a proof: like `immutable`, it
  // counts only once an immutability check proves it.
  struct ObjectLock {
    ObjectLockMode mode = ObjectLockMode::kGovernance;
    int days = 0;  // >= 1
  };
  std::optional<ObjectLock> object_lock = {};
  Mark object_lock_mark = {};
  Mark immutable_mark = {};  // where `immutable` was written; none when absent
  Mark mark;
};

struct ChecklistStep {
  std::string text;
  std::string skill;  // the skill the step needs; "" = any trained person
  Mark mark;
};

struct System {
  std::string id;
  std::string name;
  std::optional<Ref> client;  // absent: one of the MSP's own systems
  std::optional<Ref> owner;
  std::optional<Ref> tier;
  std::optional<Duration> rto, rpo;  // overrides of the tier's objectives
  Mark rto_mark, rpo_mark;
  std::vector<Ref> depends_on;
  std::vector<Ref> failover;  // systems that take over when this one is lost
  std::vector<Ref> vendors;
  std::vector<Ref> sites;
  std::vector<std::string> skills;  // technology tags needed to restore it
  std::optional<double> downtime_cost_per_hour;
  struct Backup {
    std::vector<std::string> paths;
    std::vector<std::string> exclude;
    std::vector<Ref> repositories;
    Mark mark;
    // Decoy files planted under `paths` (absolute, written like them: "/srv/share/x.xlsx",
    // "E:/Shares/x.xlsx"), that nobody ever changes: a canary changed, renamed or deleted
    // makes the snapshot infected. Never written by stormproof. canary_marks[i] is where
    // canaries[i] was written. Empty = none.
    std::vector<std::string> canaries = {};
    std::vector<Mark> canary_marks = {};
  } backup;
  std::vector<ChecklistStep> checklist;
  Mark checklist_mark;
  std::optional<Duration> restore_estimate;  // expected hands-on restore time
  std::string verify_command;                // run with STORMPROOF_RESTORE_PATH set; 0 = verified
  Duration verify_timeout = Duration::Minutes(10);
  // The command adapter: a shell command that restores the system into $STORMPROOF_RESTORE_PATH
  // (for backups made by other software). "" = drill from the system's backup repositories.
  std::string restore_command;
  Duration restore_timeout = Duration::Hours(24);
  Mark mark;
  // The host its data lives on (`run --host`, `drill --host`); "" = not said (see
  // RunsOnHost). Validated like an id.
  std::string host = {};
};

struct TrainingRecord {
  Ref person;
  std::string skill;  // a skill tag or system id
  std::string kind;   // course, drill, tabletop, shadowing
  std::optional<Date> date;
  Mark mark;
};

struct Review {
  std::optional<Ref> owner;
  std::optional<Cadence> every;
  std::optional<Date> last;
  Mark mark;
};

// Thresholds the checks and the audit use; each has a default.
struct Policy {
  Cadence contacts_max_age{90, Cadence::Unit::kDay};  // contacts must be re-verified this often
  Cadence evidence_max_age{90, Cadence::Unit::kDay};  // security evidence older than this is stale
  Cadence training_max_age{1, Cadence::Unit::kYear};
  std::string currency = "USD";
};

// How `stormproof run`, `drill`, `status` and `report` work for this plan (root file `run:`).
struct RunSettings {
  // The catalog (SQLite). Relative paths are relative to the root plan file's directory, and
  // are resolved by the loader; default "stormproof.db" next to the root plan file.
  std::string catalog;
  std::string reports;  // drill reports go here; default "reports" next to the root plan file
  std::string scratch;  // drill scratch directories go here; "" = $TMPDIR, else /var/tmp
  int concurrency = 2;  // systems worked on at once by `run`
  // A system is backed up when its newest snapshot is older than RPO * (100 - margin) / 100.
  int backup_margin_percent = 50;
  Cadence check_every{1, Cadence::Unit::kWeek};  // `check` of each repository written by run
  int check_read_percent = 5;                    // share of pack data a due check reads
  int drill_history = 10;  // recent drills that RTO confidence and projections use
  Mark mark;
};

// A day of the week, Monday first (ISO 8601 order).
enum class Weekday { kMonday, kTuesday, kWednesday, kThursday, kFriday, kSaturday, kSunday };
const char* WeekdayName(Weekday day);  // "monday", ...

// When a scenario starts: a weekday and a wall-clock time, so that working hours and on-call
// matter to the exercise. The time is local to `timezone` (an IANA name, informational like a
// person's); "" = the MSP's local time.
struct ScenarioStart {
  Weekday day = Weekday::kMonday;
  int minute_of_day = 0;  // 0..1439: "17:30" = 1050
  std::string timezone;
  Mark mark;
};

// One thing a scenario loses (a system, site, vendor or ISP down, a person unavailable), and
// for how long: absent = until it is restored (a system) or for the whole scenario.
struct ScenarioLoss {
  Ref ref;
  std::optional<Duration> duration;  // `for`; > 0 (plan check)
  Mark duration_mark;
};

enum class RepositoryDamage { kLost, kEncrypted };
const char* RepositoryDamageName(RepositoryDamage damage);  // "lost", "encrypted"

struct RepositoryLoss {
  Ref ref;
  RepositoryDamage how = RepositoryDamage::kLost;
};

// A timed event the facilitator reveals during an exercise: "T+2h: the MD calls the press".
struct Inject {
  Duration at;  // from the scenario's start; 0..kMaxInjectOffset, in the order written
  Mark at_mark;
  std::string text;
  std::optional<Ref> to;  // a person or a role id; absent = everyone
  Mark mark;
};

// The latest an inject may come (plan check, inject-too-late).
inline constexpr Duration kMaxInjectOffset = Duration::Days(30);

// An incident to rehearse (`scenarios:`): what is lost, when it starts, and the injects. What a
// scenario takes down follows from the rest of the plan (exercise/impact.h).
struct Scenario {
  std::string id;
  std::string name;
  std::string description;
  ScenarioStart starts;
  struct Lost {
    std::vector<ScenarioLoss> systems, sites, vendors, isps, people;
    std::vector<RepositoryLoss> repositories;
    // `ransomware: CLIENT`: the client's systems that run at one of its own sites, and the
    // repositories at its sites that are neither immutable nor offline, are encrypted.
    std::optional<Ref> ransomware;
    Mark mark;  // none when `lost` is absent
    bool empty() const {
      return systems.empty() && sites.empty() && vendors.empty() && isps.empty() &&
             people.empty() && repositories.empty() && !ransomware;
    }
  } lost;
  std::vector<Inject> injects;
  Mark mark;
};

struct Organisation {
  std::string id;
  std::string name;
  std::vector<SecurityControl> security;  // the MSP's own controls
  Mark mark;
};

struct Plan {
  std::vector<std::string> files;  // every file read, root first; Mark::file indexes it
  Organisation msp;
  Review review;
  Policy policy;
  RunSettings run;
  std::vector<Person> people;
  std::vector<Role> roles;
  std::vector<Client> clients;
  std::vector<Tier> tiers;
  std::vector<System> systems;
  std::vector<Vendor> vendors;
  std::vector<Site> sites;
  std::vector<RepositorySpec> repositories;
  std::vector<TrainingRecord> training;
  std::vector<Scenario> scenarios;

  // Lookup by id; the first definition wins when an id is duplicated. Null when absent.
  // Valid only after BuildIndex(); the loader calls it.
  const Person* FindPerson(const std::string& id) const;
  const Role* FindRole(const std::string& id) const;
  const Client* FindClient(const std::string& id) const;
  const Tier* FindTier(const std::string& id) const;
  const System* FindSystem(const std::string& id) const;
  const Vendor* FindVendor(const std::string& id) const;
  const Site* FindSite(const std::string& id) const;
  const RepositorySpec* FindRepository(const std::string& id) const;
  const Scenario* FindScenario(const std::string& id) const;
  // Index of the system with `id` in `systems`, or npos.
  size_t SystemIndex(const std::string& id) const;
  void BuildIndex();

  // "file:line:col" for a mark, "plan" when the mark has no file.
  std::string Where(const Mark& mark) const;

  // True when any system names its host (systems[].host): the plan is shared by several hosts.
  bool NamesHosts() const;
  // Whether `host`'s `run` and `drill` work on `system` (docs/plan-schema.md, systems[].host):
  // a system that names a host runs on that host only; one that names none runs on every host
  // while no system names one (a one-machine plan) and on no host once some do (it would back
  // up another machine's paths under its name).
  bool RunsOnHost(const System& system, const std::string& host) const;

 private:
  using IdIndex = std::unordered_map<std::string, size_t>;
  IdIndex people_by_id_, roles_by_id_, clients_by_id_, tiers_by_id_, systems_by_id_, vendors_by_id_,
      sites_by_id_, repositories_by_id_, scenarios_by_id_;
};

// A system's effective objectives: its own overrides, else its tier's. Empty optionals when
// neither says (plan check reports that as an error).
struct Objectives {
  const Tier* tier = nullptr;
  std::optional<Duration> rto, rpo, mtpd;
};
Objectives ObjectivesOf(const Plan& plan, const System& system);

// The repositories that hold `system`'s data, as the plan designs it: those its backup names
// (known ones, in the order written), then the copies of those (copy_from), breadth first, so
// that a copy always comes after its source. Distinct; a copy_from cycle is not followed twice.
std::vector<const RepositorySpec*> SystemRepositories(const Plan& plan, const System& system);

// How often a system with `rpo` is backed up: RPO * (100 - margin) / 100, the margin
// (run.backup_margin_percent) clamped to 0..100. `run` backs up when the newest snapshot is
// older; `status` calls such a system "at risk".
Duration BackupInterval(Duration rpo, int margin_percent);

// True when the system's tier has rank 1 (the plan's most critical class).
bool IsCritical(const Plan& plan, const System& system);

// The person ids who can restore `system`: its owner, and anyone whose skills (declared, or
// from training records) name the system id or include every one of the system's skill tags;
// only people the plan knows. Sorted, no duplicates. The rule is Restorers (restorers.h), which
// answers the same question for many systems from one index.
std::vector<std::string> PeopleWhoCanRestore(const Plan& plan, const System& system);

// Where a path of the plan (a system's backup path, a local repository location) is on this
// host when the world is staged under `root` ("" = the real root): "/srv/x" -> root + "/srv/x",
// a Windows path "D:/EXACT" (or "D:\\EXACT") -> root + "/D/EXACT". Without a root a Windows path
// becomes "/D/EXACT". This is also where a restore puts the path under a restore directory.
std::string HostPath(const std::string& root, const std::string& plan_path);

// Client display name ("the MSP" for the MSP's own systems).
std::string ClientName(const Plan& plan, const std::optional<Ref>& client);

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_PLAN_H_
