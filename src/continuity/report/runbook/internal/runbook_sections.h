// The runbook's content model: everything the offline runbook shows, already looked up,
// filtered by client and formatted as plain (unescaped) text, section by section.
//
// BuildRunbookModel() does all the plan lookups and decisions (who is the incident commander,
// which contacts are stale, which systems belong to the client, T+hh:mm times) once; the Markdown
// and HTML renderers only walk these rows and escape the text for their markup. Unknown
// references are shown by id rather than dropped, so a broken plan still yields a usable
// document. Plain values; BuildRunbookModel() is a pure function and thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_RUNBOOK_INTERNAL_RUNBOOK_SECTIONS_H_
#define STORMPROOF_CONTINUITY_REPORT_RUNBOOK_INTERNAL_RUNBOOK_SECTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "continuity/report/runbook/runbook.h"

namespace stormproof::report {

struct ContactLine {
  std::string kind;  // "email", "mobile", ...
  std::string value;
};

// A person as the runbook shows them. For an id the plan does not define, name is the id and
// known is false.
struct PersonCard {
  std::string name;
  std::string title;
  std::vector<ContactLine> contacts;
  std::string primary_phone;  // the first phone, mobile or sms number written; "" when none
  bool known = true;
};

struct TitleBlock {
  std::string msp_name;
  std::string client_name;  // "" when the whole plan is rendered
  std::string generated_on;
  std::string review_last;  // "" when the plan has no recorded review
  std::string review_next;  // "" when it cannot be computed
  bool review_overdue = false;
  std::vector<std::string> warnings;  // e.g. an unknown client filter
};

// The first step of the how-to box: who to call when the incident is declared.
struct HowToBlock {
  std::string commander_role;           // the role's name, "Incident commander" by default
  std::optional<PersonCard> commander;  // absent when no role has a holder
  std::optional<PersonCard> first_backup;
};

struct RoleRow {
  std::string name;
  std::optional<PersonCard> holder;
  std::vector<PersonCard> backups;  // in the order they are tried
  std::vector<std::string> duties;
};

// One line of the call tree, flattened in depth-first order: depth 0 is a top role.
struct CallTreeEntry {
  int depth = 0;
  std::string role_name;
  std::optional<PersonCard> holder;
};

struct SystemOwnerRow {
  PersonCard owner;
  std::vector<std::string> systems;  // system names, in restore order
};

struct CallTree {
  std::vector<CallTreeEntry> entries;
  std::string technical_lead;  // the name of who calls the system owners
  std::vector<SystemOwnerRow> owners;
};

struct PersonRow {
  PersonCard card;
  std::string deputy;  // the deputy's name; "" when none
  std::vector<std::string> skills;
  std::string verified;  // "" when never recorded
  bool stale = false;    // never verified, or older than policy.contacts_max_age
};

struct CadenceRow {
  std::string tier;      // "Critical (tier-1)"
  std::string interval;  // "1h", or "" when neither client nor tier sets one
  bool client_override = false;
};

// A message template filled in for one system (message_template.h).
struct MessageRow {
  std::string name;                   // the template's name: initial, update, resolved, ...
  std::string text;                   // every placeholder with a value filled in
  std::vector<std::string> unfilled;  // placeholders left as written, e.g. "{next_update}"
};

// Every template of a client filled in for one of its systems, in the restore order.
struct SystemMessages {
  std::string system_name, system_id;  // both "" when the runbook holds no system of the client
  std::string back;                    // projected "T+01:55"; "" with no system
  std::vector<MessageRow> messages;    // initial, update, resolved first, then by name
};

struct ClientCommsBlock {
  std::string name;
  std::vector<PersonCard> contacts;  // title holds the contact's role at the client
  std::optional<PersonCard> liaison;
  std::optional<PersonCard> liaison_deputy;
  std::string channel;
  std::vector<CadenceRow> cadence;       // by tier rank
  std::vector<SystemMessages> messages;  // empty when the client has no templates
};

struct ChecklistItem {
  std::string text;
  std::string skill;  // "" = any trained person
};

struct RepositoryLine {
  std::string id;
  std::string location;
  std::string traits;  // "disk", "object, immutable", "tape, offline"
};

struct RestoreBlock {
  int position = 0;
  std::string system_name, system_id, client, tier;
  std::string rto, rpo;      // "" when not set
  // "T+01:30"; when the system cannot be restored, starts is "" and back "never: <why>".
  std::string starts, back;
  std::string restore_time;
  bool estimated = false;
  bool within_rto = true;
  bool dependency_only = false;
  std::optional<PersonCard> owner, deputy;
  std::vector<std::string> depends_on;  // "Name (id)"
  std::vector<ChecklistItem> checklist;
  std::string verify_command;
  // The repositories holding the system's backups: those it backs up into, then their copies
  // (copy_from; traits say "copy of X").
  std::vector<RepositoryLine> repositories;
  // The object-locked copies holding its backups, each with an AttackRecoveryBlock.
  std::vector<std::string> attack_copies = {};
  // What to restore it from (RunbookInput::restore_from); "" when not given.
  std::string restore_from = {};
};

// One step of the way back after an attack on an object-locked repository (docs/object-storage.md,
// "AFTER AN ATTACK: STEP BY STEP"), with the repository's real location, credentials files and
// password file filled into its commands. TIME and DIR are left for the person to fill in.
struct AttackStep {
  std::string title;                  // "Roll back"
  std::string text;                   // what to do and why
  // Shell commands, each block one or more lines (one per system); may be empty.
  std::vector<std::string> commands;
};

// The way back for one object-locked repository (an s3: repository with an object_lock, or
// claimed immutable): its facts, the systems in scope whose backups it holds, the steps.
struct AttackRecoveryBlock {
  std::string repository_id, location;
  std::string lock;                  // "Object Lock, compliance mode, 30 days"
  std::string copy_of;               // the repository it is a copy of (copy_from); "" when none
  std::vector<std::string> systems;  // "Name (id)", in restore order
  std::vector<AttackStep> steps;
};

struct VendorRow {
  std::string name, kind, support;
  std::vector<ContactLine> contacts;
  std::vector<std::string> alternatives;  // names
};

struct SiteRow {
  std::string name, owner, address;  // owner: the client's name or the MSP's
  std::vector<std::string> isps;     // names
};

struct ControlRow {
  std::string owner;  // client or MSP name
  std::string control, product, coverage, last_evidence;
  bool stale = false;  // no evidence, or older than the control's or the policy's age
};

struct FindingRow {
  std::string severity, title, recommendation;
};

// A major section: its anchor and heading, in the order they appear.
struct SectionHeading {
  std::string anchor;
  std::string title;
};

struct RunbookModel {
  TitleBlock title;
  HowToBlock how_to;
  std::vector<SectionHeading> sections;
  std::vector<RoleRow> roles;
  CallTree call_tree;
  std::vector<PersonRow> people;
  std::vector<ClientCommsBlock> clients;
  std::vector<RestoreBlock> restore;
  std::vector<AttackRecoveryBlock> attack;  // empty: no "After an attack" section
  std::vector<VendorRow> vendors;
  std::vector<SiteRow> sites;
  std::vector<ControlRow> controls;
  std::vector<FindingRow> findings;
};

// Section anchors, shared by both renderers and the table of contents; each equals the anchor
// GitHub derives from the section's heading, so Markdown links work without extra HTML.
inline constexpr const char* kContactsAnchor = "emergency-contacts";
inline constexpr const char* kCallTreeAnchor = "call-tree";
inline constexpr const char* kPeopleAnchor = "people-directory";
inline constexpr const char* kCommsAnchor = "client-communications";
inline constexpr const char* kRestoreAnchor = "restore-order";
inline constexpr const char* kAttackAnchor = "after-an-attack";
inline constexpr const char* kVendorsAnchor = "vendors-isps-and-sites";
inline constexpr const char* kSecurityAnchor = "security-controls";
inline constexpr const char* kWeaknessesAnchor = "known-weaknesses";

// The first words of the "After an attack" section, in both formats.
inline constexpr const char* kAttackIntro =
    "When someone held credentials to a backup bucket (a backup host's, or the owner's) and "
    "deleted, overwrote or hid what they could: Object Lock kept every version the repository "
    "wrote until its retention ends, and `repair --as-of` puts the repository back as it was "
    "before the attack. For each object-locked copy below, follow the steps in order; TIME and "
    "DIR are yours to fill in (docs/object-storage.md, AFTER AN ATTACK).";

// A null input.plan renders as an empty plan.
RunbookModel BuildRunbookModel(const RunbookInput& input);

// One output format's writer for each major section (runbook_html.cc, runbook_markdown.cc), in
// the runbook's section order.
struct RunbookSectionWriters {
  using Writer = void (*)(const RunbookModel& model, std::string* out);
  Writer contacts = nullptr;
  Writer call_tree = nullptr;
  Writer people = nullptr;
  Writer comms = nullptr;
  Writer restore = nullptr;
  Writer vendors = nullptr;
  Writer security = nullptr;
  Writer weaknesses = nullptr;
  Writer attack = nullptr;  // after "restore", when the model has attack blocks
};

// Appends the body of the section with this anchor to `out`, using the format's writer for it.
// REQUIRES: `anchor` is one of the section anchors above and its writer is set.
void WriteSection(const RunbookSectionWriters& writers, const std::string& anchor,
                  const RunbookModel& model, std::string* out);

// Internal pieces of BuildRunbookModel(), split by section (runbook_sections*.cc).
namespace runbook_internal {
PersonCard CardFor(const plan::Plan& plan, const std::string& person_id);
std::string FormatElapsed(Duration elapsed);  // "T+hh:mm"
// The restore steps the runbook shows, in order: all of them, or with a client filter the
// client's systems, steps marked dependency_only and everything those systems depend on.
std::vector<const analysis::RestoreStep*> StepsInScope(const RunbookInput& input);
// Whether the runbook counts `system` as its own: any system in the MSP's runbook, only the
// client's systems (not those it merely depends on) in a client's.
bool IsOwnSystem(const RunbookInput& input, const plan::System& system);
std::vector<ClientCommsBlock> BuildClientComms(const RunbookInput& input);
std::vector<RestoreBlock> BuildRestore(const RunbookInput& input);
// True when the repository is object-locked and stormproof can roll it back: a stormproof
// repository (kind) at an s3: location with an object_lock, or claimed immutable (Object Lock
// set on the bucket). A restic or borg repository, or one not on S3, never is.
bool IsObjectLocked(const plan::RepositorySpec& repository);
// One block per object-locked repository holding the backups of a system in scope: with a
// client filter, only the client's own systems (never a system it merely depends on), so a
// client's runbook names only its systems and the repositories holding them. In the order the
// repositories are met along the restore order.
std::vector<AttackRecoveryBlock> BuildAttackRecovery(const RunbookInput& input);
// With a client filter, only the vendors of its systems in scope and of its and the MSP's sites.
std::vector<VendorRow> BuildVendors(const RunbookInput& input);
std::vector<SiteRow> BuildSites(const RunbookInput& input);
std::vector<ControlRow> BuildControls(const RunbookInput& input);
}  // namespace runbook_internal

}  // namespace stormproof::report

#endif  // STORMPROOF_CONTINUITY_REPORT_RUNBOOK_INTERNAL_RUNBOOK_SECTIONS_H_
