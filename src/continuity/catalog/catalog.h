// catalog: the record of everything stormproof did — every backup, forget, prune, check and
// restore drill, with when, how long, how much, the outcome and the error — in one embedded
// SQLite file (by default `stormproof.db` next to the plan). Readiness (`status`) and the reports
// are computed from it.
//
// Durability: the database runs in WAL mode with synchronous=FULL; every Add* is one transaction,
// so a crash at any instant leaves either the whole record or none of it. Concurrency: several
// stormproof processes (and several threads, each with its own Catalog or sharing one) may write
// at once; a writer waits up to `busy_timeout` for another's transaction instead of failing.
// Schema: versioned migrations (docs/catalog.md, the contract for analysts reading the file with
// `sqlite3`); Open() applies the missing ones in one transaction each and refuses a file written
// by a newer stormproof.
//
// A Catalog is thread-safe (calls are serialised on an internal mutex).
#ifndef STORMPROOF_CONTINUITY_CATALOG_CATALOG_H_
#define STORMPROOF_CONTINUITY_CATALOG_CATALOG_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/interrupt.h"
#include "core/result.h"

namespace stormproof::catalog {

// What a run did. Stored as the lowercase word ("backup", ...); never renumber or rename.
// kCopy: `run` copied a system's snapshots into a plan repository with copy_from (the copy's
// system, repository = the copy, snapshot_id/_time_ns = the newest snapshot of the system there).
// kImmutability: `run` proved a repository's immutability (s3::ProveImmutability); recorded as
// an ImmutabilityProof, never as a Run: the kind names the action in `run`'s output only.
enum class RunKind { kBackup, kForget, kPrune, kCheck, kDrill, kCopy, kImmutability };
const char* RunKindName(RunKind kind);
Result<RunKind> ParseRunKind(const std::string& name);

// How a run ended. kOk: did its job. kWarning: did its job with something to look at (a backup
// that skipped unreadable files, a drill within target but under the margin). kFailed: ran and
// found a failure (a check found damage, a drill missed its RTO or its verification failed).
// kError: could not do its job (repository unreachable, wrong password, disk full).
enum class Outcome { kOk, kWarning, kFailed, kError };
const char* OutcomeName(Outcome outcome);  // "ok", "warning", "failed", "error"
// True for kOk and kWarning: the run (or step) did its job.
inline bool DidItsJob(Outcome outcome) {
  return outcome == Outcome::kOk || outcome == Outcome::kWarning;
}
Result<Outcome> ParseOutcome(const std::string& name);

// Times are nanoseconds since the Unix epoch (UTC), as the repository's snapshot times.
struct Run {
  int64_t id = 0;  // assigned by Add*; 0 before
  RunKind kind = RunKind::kBackup;
  std::string system;      // plan system id; "" for repository-wide runs (check, prune)
  std::string client;      // plan client id; "" for the MSP's own systems
  std::string repository;  // plan repository id; "" when none applies
  int64_t started_ns = 0, finished_ns = 0;
  uint64_t bytes = 0;  // backup: bytes processed; drill: bytes restored; check: bytes read
  uint64_t files = 0;
  Outcome outcome = Outcome::kOk;
  std::string error;             // one line; "" when none
  std::string snapshot_id;       // backup: the snapshot written; drill: the one restored
  int64_t snapshot_time_ns = 0;  // that snapshot's time; 0 when none
  std::string details;           // a JSON object with kind-specific extras; "" = none
  // The host that ran it (`run --host`, `drill --host`); "" when unknown (runs recorded before
  // schema version 3, engine commands).
  std::string host = {};
  // The run's id in every catalog: 32 lowercase hex digits, random, assigned by Add* when empty
  // (NewRecordId). Evidence imported from another host is recognised by it (ImportRecords).
  std::string record_id = {};
  // The plan repository whose evidence the run was imported from (ImportRecords); "" for a run
  // this catalog recorded itself (Add*), and for every run recorded before schema version 6
  // (imports before then were not marked). Set by the catalog only: ignored by Add*.
  std::string imported_from = {};
  // The name of the evidence file it was imported from (with imported_from); "" otherwise.
  std::string imported_file = {};
};

// A fresh record id (Run::record_id): 128 random bits as 32 lowercase hex digits.
std::string NewRecordId();

// One timed step of a drill, in order: "locate snapshot", "restore", "verify data", then with
// `drill --checklist` one step per hands-on checklist step ("checklist N: <step text>"), then
// "verify application".
struct DrillStep {
  std::string name;
  int64_t duration_ms = 0;
  Outcome outcome = Outcome::kOk;
  std::string note;  // what went wrong, or "" ("skipped: no verify command" for a skipped step)
  // A failed verify command's last lines of standard error (at most 20 lines, 4 KiB), oldest
  // first, each without line breaks or control bytes (escaped); empty for other steps. Stored in
  // the note column after the note (docs/catalog.md).
  std::vector<std::string> output = {};
};

// A run stopped by SIGINT/SIGTERM before it reached a verdict: outcome kError with an error
// that starts "interrupted by SIG...". It proves nothing either way: readiness and `run` look
// past it (a check that found damage before it stopped is recorded kFailed instead).
inline bool WasInterrupted(const Run& run) {
  return run.outcome == Outcome::kError && IsInterruptionMessage(run.error);
}

// The note of a hands-on checklist step done but not timed (a script confirmed it without saying
// how long it took): its duration (0) is no measured hands-on time.
inline constexpr std::string_view kNotTimedNote = "done; not timed (confirmed by a script)";

// True for the name of a hands-on checklist step (`drill --checklist`), recorded as
// "checklist N: <step text>": exactly "checklist ", the step number (1-based) and ':'.
inline bool IsChecklistStep(std::string_view name) {
  constexpr std::string_view kPrefix = "checklist ";
  if (name.substr(0, kPrefix.size()) != kPrefix) return false;
  size_t end = kPrefix.size();
  while (end < name.size() && name[end] >= '0' && name[end] <= '9') ++end;
  return end > kPrefix.size() && end < name.size() && name[end] == ':';
}

// The drill-specific part of a kDrill run.
struct Drill {
  std::string adapter;                     // "stormproof", "restic", "borg", "command"
  std::optional<int64_t> achieved_rto_ms;  // restore start -> verified; none when not verified
  std::optional<int64_t> achieved_rpo_s;  // age of the restore point at drill start; none = unknown
  std::optional<int64_t> target_rto_s, target_rpo_s;
  std::vector<DrillStep> steps;
  double throughput_bytes_per_s = 0;         // restored bytes / restore step time
  std::vector<std::string> reasons;          // why the verdict is not a plain pass, one line each
  bool surprise = false;                     // picked by --surprise
  std::string absent_person;                 // --absent PERSON, "" when none
  std::vector<std::string> uncovered_steps;  // checklist steps nobody reachable can do
  std::string report_path;                   // the drill's report (JSON); "" when none written

  // achieved_rto_ms in whole seconds, rounded up (1001 ms is 2 s); none when not verified.
  std::optional<int64_t> achieved_rto_s() const {
    if (!achieved_rto_ms) return std::nullopt;
    return (*achieved_rto_ms + 999) / 1000;
  }
};

struct DrillRecord {
  Run run;  // kind kDrill; outcome is the verdict: kOk pass, kWarning, kFailed, kError
  Drill drill;
};

// A run recorded by another catalog (evidence from another host), with its drill part for a
// drill (docs/catalog.md, "Many hosts, one catalog").
struct ImportedRecord {
  Run run;                     // run.record_id must be set; run.id is ignored
  std::optional<Drill> drill;  // for a kDrill run
};

// One record id held with different contents (Catalog::RecordConflicts): record ids are random,
// so at most one of them is the run that was recorded; the others were forged by a host holding
// a repository key (or a catalog was copied and diverged). Neither is dropped.
struct RecordConflict {
  std::string record_id;
  // Where each content came from, in the order recorded: "this catalog" for its own run, else
  // "evidence file NAME of repository REPO".
  std::vector<std::string> sources;
  // The systems its contents name ("" for a repository-wide run), each once, in that order.
  std::vector<std::string> systems;
};

// What the catalog knows of the evidence in one repository.
struct EvidenceSource {
  std::string repository;     // plan repository id
  int64_t refreshed_ns = 0;   // the last time its evidence was read completely; 0 = never
  std::set<std::string> files;  // evidence files already imported (their names)
};

// The result of an immutability proof of one repository (`stormproof check --immutability`,
// docs/catalog.md, table immutability_proofs): with the credentials the backup hosts hold, it
// tried to delete and overwrite what must stay, and read the retention of a sample of objects.
// Holds no secret: `credentials` names where the credentials came from, never their value.
struct ImmutabilityProof {
  int64_t id = 0;                // assigned by AddImmutabilityProof; 0 before
  std::string repository;        // plan repository id
  std::string location;          // where it is: "s3:https://host/bucket/prefix"
  int64_t started_ns = 0, finished_ns = 0;
  // kOk: every forbidden attempt was refused and every object sampled is retained long enough
  // (proven); kFailed: something was allowed or is retained too briefly (`allowed` says what);
  // kError: the proof could not run (unreachable, wrong password): it proves nothing either way.
  // kWarning is not used.
  Outcome outcome = Outcome::kOk;
  // The source of the credentials it ran with, e.g. "credentials_file /etc/stormproof/acme.aws",
  // "AWS_PROFILE backup", "environment (AWS_ACCESS_KEY_ID)"; never a key or a token.
  std::string credentials;
  std::string retention_mode;  // as found on the repository: "governance", "compliance", ""
  int64_t retention_days = 0;  // as found; 0 when none
  // What was allowed that must not be, one plain sentence each ("deleting a pack's version was
  // allowed", "index file 3f2a… is retained until 2026-12-09, before the promised 2026-12-20");
  // empty when the proof passed.
  std::vector<std::string> allowed = {};
  uint64_t objects_checked = 0;  // objects whose retention was read
  std::string error = {};        // kError: why it could not run (one line); else ""
  std::string host = {};         // the host that ran it; "" when unknown
  std::string record_id = {};    // as Run::record_id; assigned when empty
  // The access key id of the credentials it ran with ("AKIA..."; an identifier, never the
  // secret): a proof counts only when made with the backup hosts' (analysis/evidence_rules.h).
  // "" in proofs recorded before schema version 5.
  std::string access_key_id = {};
  // The earliest retain-until date among the objects whose retention it read: what it proved
  // holds until then only, so the proof counts only before it (ProofCountsAt). 0 when unknown
  // (proofs recorded before schema version 6, a proof that sampled nothing): the proof then
  // counts for its check cadence only.
  int64_t earliest_retain_until_ns = 0;
};

// Which proof LatestMatchingImmutabilityProof returns: the newest of `repository` finished at or
// before `until_ns` with a verdict (outcome kOk or kFailed: a proof that could not run is
// skipped); when access_key_id is not empty, only one made with that access key id, and when
// location is not empty, only one recorded at that location (exactly as recorded:
// s3::Location::ToString()).
struct ProofQuery {
  std::string repository;
  int64_t until_ns = INT64_MAX;
  std::string access_key_id = {};
  std::string location = {};
};

// A person's word that offline media hold a copy that cannot be changed (`stormproof attest`,
// docs/catalog.md, table attestations): stormproof cannot prove an offline copy, so an
// attestation is shown as "attested by PERSON on DATE", never as proven, and expires with the
// repository's check cadence.
struct Attestation {
  int64_t id = 0;              // assigned by AddAttestation; 0 before
  std::string repository;      // plan repository id
  std::string person;          // plan person id of who attests
  int64_t attested_ns = 0;     // when the media were seen in that state
  std::string note;            // what was seen: "tape set 12 in the vault, write-protect tab set"
  std::string host = {};       // the host that recorded it; "" when unknown
  std::string record_id = {};  // as Run::record_id; assigned when empty
};

// Which runs to return; empty fields do not filter. Newest (started_ns) first.
struct RunQuery {
  std::optional<RunKind> kind;
  std::string system, client, repository;
  std::vector<Outcome> outcomes;                       // any of these; empty = every outcome
  int64_t since_ns = INT64_MIN, until_ns = INT64_MAX;  // started_ns in [since, until)
  size_t limit = SIZE_MAX;
  // Only runs this catalog recorded itself, not runs imported from hosts' evidence
  // (Run::imported_from empty). Evidence files are sealed with the repository key every backup
  // host holds, so whatever must not be forgeable by one host asks for these only.
  bool own_only = false;
};

class Catalog {
 public:
  // Opens (creating when absent, with its parent directories) and migrates the catalog at `path`.
  // Every error message starts with `path`. Errors: kIo when it cannot be created or opened;
  // kParse when the file is not a stormproof catalog (not SQLite, or a SQLite database of another
  // application: its header lacks our application_id and it is not empty) — such a file is
  // never modified; kInvalidArgument "<path>: catalog schema version N is newer than this
  // stormproof (M)"; kLocked when another process held the file past `busy_timeout`.
  static Result<std::unique_ptr<Catalog>> Open(
      const std::string& path, std::chrono::milliseconds busy_timeout = std::chrono::seconds(30));
  virtual ~Catalog() = default;

  // The schema version of the open file (== kSchemaVersion after Open).
  virtual int SchemaVersion() const = 0;
  virtual const std::string& path() const = 0;

  // Records a run; returns its id. Errors: kIo (disk full, I/O error); kLocked (another writer
  // held the file past the busy timeout). Nothing is recorded on error.
  virtual Result<int64_t> AddRun(const Run& run) = 0;
  // Records many runs in one transaction (imports, benchmarks); all or none.
  virtual Status AddRuns(const std::vector<Run>& runs) = 0;
  // Records a drill's run and its drill part in one transaction; returns the run id.
  // run.kind is ignored: the run is recorded as kDrill.
  virtual Result<int64_t> AddDrill(const Run& run, const Drill& drill) = 0;
  // Sets the report path of a recorded drill (the report is written after the drill is recorded,
  // since it names the run id). Errors: kNotFound when no drill has that id.
  virtual Status SetDrillReport(int64_t run_id, const std::string& report_path) = 0;

  virtual Result<std::vector<Run>> Runs(const RunQuery& query) const = 0;
  // The newest run matching `query`, or nullopt.
  virtual Result<std::optional<Run>> LastRun(RunQuery query) const = 0;
  // Drills matching `query` (its kind is ignored), newest first.
  virtual Result<std::vector<DrillRecord>> Drills(const RunQuery& query) const = 0;
  // Number of runs recorded (all kinds).
  virtual Result<int64_t> CountRuns() const = 0;

  // Evidence from other hosts (docs/catalog.md, "Many hosts, one catalog").
  // Records the runs of evidence file `file` of `repository` (Run::imported_from = repository,
  // Run::imported_file = file), skipping every record the catalog already holds: one whose
  // record_id it recorded itself (its own run wins), or imported before with the same record_id
  // and the same run columns (a file read twice, a run told through each repository of its
  // system). A record with a known record_id but other run columns, from any repository, is
  // kept beside the other, whichever came first (RecordConflicts names them): no record (a
  // forged one) shadows another. The drill part is not compared. Remembers the file as
  // imported; one transaction. Returns the number of runs added. Errors: kInvalidArgument for a
  // record without record_id (nothing recorded); kIo, kLocked as AddRun.
  virtual Result<size_t> ImportRecords(const std::string& repository, const std::string& file,
                                       const std::vector<ImportedRecord>& records,
                                       int64_t now_ns) = 0;
  // Notes that every evidence file of `repository` has been read at `refreshed_ns`.
  virtual Status SetEvidenceRefreshed(const std::string& repository, int64_t refreshed_ns) = 0;
  // What is known of `repository`'s evidence (refreshed_ns 0 and no files when nothing).
  virtual Result<EvidenceSource> EvidenceOf(const std::string& repository) const = 0;
  // Every record id imported with more than one content (ImportRecords; listed in table
  // record_conflicts as it is imported, so this reads no other run), by record id: a sign that a
  // host forged records. Empty when none.
  virtual Result<std::vector<RecordConflict>> RecordConflicts() const = 0;

  // Immutability (docs/catalog.md, "Immutability proofs and attestations").
  // Records a proof; returns its id. Errors: kInvalidArgument for an empty repository or an
  // outcome of kWarning (nothing recorded); kIo, kLocked as AddRun.
  virtual Result<int64_t> AddImmutabilityProof(const ImmutabilityProof& proof) = 0;
  // The newest proof `query` selects (ProofQuery), or nullopt.
  virtual Result<std::optional<ImmutabilityProof>> LatestMatchingImmutabilityProof(
      const ProofQuery& query) const = 0;
  // The newest proof of `repository` finished at or before `until_ns` (INT64_MAX: any) with a
  // verdict (outcome kOk or kFailed: a proof that could not run is skipped), or nullopt.
  Result<std::optional<ImmutabilityProof>> LatestImmutabilityProof(const std::string& repository,
                                                                   int64_t until_ns) const {
    return LatestMatchingImmutabilityProof({repository, until_ns});
  }
  // Records an attestation; returns its id. Errors: kInvalidArgument for an empty repository,
  // person or note; kIo, kLocked as AddRun.
  virtual Result<int64_t> AddAttestation(const Attestation& attestation) = 0;
  // The newest attestation of `repository` (by attested_ns) at or before `until_ns`, or nullopt.
  virtual Result<std::optional<Attestation>> LatestAttestation(
      const std::string& repository, int64_t until_ns) const = 0;
};

// The newest schema version this build writes (1: tables; 2: query indexes; 3: hosts and
// evidence from other hosts; 4: immutability proofs and attestations; 5: the access key id of
// each proof; 6: imported runs marked with their repository, each proof's earliest
// retain-until).
inline constexpr int kSchemaVersion = 6;

}  // namespace stormproof::catalog

#endif  // STORMPROOF_CONTINUITY_CATALOG_CATALOG_H_
