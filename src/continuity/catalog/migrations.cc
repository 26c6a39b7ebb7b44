// The catalog's schema, as an append-only list of migrations (schema.h; docs/catalog.md).
#include "continuity/catalog/internal/schema.h"

namespace stormproof::catalog::internal {
namespace {

// Version 1: the base tables. Times are ns since the Unix epoch (UTC); enums are stored as
// their lowercase names (RunKindName, OutcomeName).
constexpr const char* kBaseTables = R"sql(
CREATE TABLE runs (
  id               INTEGER PRIMARY KEY,
  kind             TEXT    NOT NULL,
  system           TEXT    NOT NULL DEFAULT '',
  client           TEXT    NOT NULL DEFAULT '',
  repository       TEXT    NOT NULL DEFAULT '',
  started_ns       INTEGER NOT NULL,
  finished_ns      INTEGER NOT NULL,
  bytes            INTEGER NOT NULL DEFAULT 0,
  files            INTEGER NOT NULL DEFAULT 0,
  outcome          TEXT    NOT NULL,
  error            TEXT    NOT NULL DEFAULT '',
  snapshot_id      TEXT    NOT NULL DEFAULT '',
  snapshot_time_ns INTEGER NOT NULL DEFAULT 0,
  details          TEXT    NOT NULL DEFAULT ''
);
CREATE TABLE drills (
  run_id                 INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  adapter                TEXT    NOT NULL,
  achieved_rto_ms        INTEGER,
  achieved_rpo_s         INTEGER,
  target_rto_s           INTEGER,
  target_rpo_s           INTEGER,
  throughput_bytes_per_s REAL    NOT NULL DEFAULT 0,
  reasons                TEXT    NOT NULL DEFAULT '[]',
  surprise               INTEGER NOT NULL DEFAULT 0,
  absent_person          TEXT    NOT NULL DEFAULT '',
  uncovered_steps        TEXT    NOT NULL DEFAULT '[]',
  report_path            TEXT    NOT NULL DEFAULT ''
);
CREATE TABLE drill_steps (
  run_id      INTEGER NOT NULL REFERENCES drills(run_id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  name        TEXT    NOT NULL,
  duration_ms INTEGER NOT NULL,
  outcome     TEXT    NOT NULL,
  note        TEXT    NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, position)
) WITHOUT ROWID;
)sql";

// Version 2: indexes for the per-system, per-repository, per-client and per-kind questions
// that `status`, `run` and the reports ask ("the newest backup of payroll-db"). The implicit
// rowid at the end of each index also orders ties by id, so "newest first" needs no sort.
constexpr const char* kQueryIndexes = R"sql(
CREATE INDEX runs_by_system ON runs(system, kind, started_ns);
CREATE INDEX runs_by_repository ON runs(repository, kind, started_ns);
CREATE INDEX runs_by_client ON runs(client, kind, started_ns);
CREATE INDEX runs_by_kind ON runs(kind, started_ns);
)sql";

// Version 3: many hosts, one catalog. Which host ran each run, and an id that names the run in
// every catalog (runs recorded before get a random one), so that evidence imported from other
// hosts is recorded once; which evidence files of which repository were imported, and when
// each repository's evidence was last read.
constexpr const char* kHostsAndEvidence = R"sql(
ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN record_id TEXT NOT NULL DEFAULT '';
UPDATE runs SET record_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX runs_by_record_id ON runs(record_id) WHERE record_id != '';
CREATE TABLE evidence_files (
  repository  TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  imported_ns INTEGER NOT NULL,
  runs        INTEGER NOT NULL,
  PRIMARY KEY (repository, name)
) WITHOUT ROWID;
CREATE TABLE evidence_sources (
  repository   TEXT    PRIMARY KEY,
  refreshed_ns INTEGER NOT NULL
);
)sql";

// Version 4: immutability from evidence. The result of every immutability proof of a
// repository (what was allowed when it failed), and the attestations people give for offline
// media stormproof cannot prove. `allowed` is a JSON array of strings.
constexpr const char* kImmutability = R"sql(
CREATE TABLE immutability_proofs (
  id              INTEGER PRIMARY KEY,
  repository      TEXT    NOT NULL,
  location        TEXT    NOT NULL DEFAULT '',
  started_ns      INTEGER NOT NULL,
  finished_ns     INTEGER NOT NULL,
  outcome         TEXT    NOT NULL,
  credentials     TEXT    NOT NULL DEFAULT '',
  retention_mode  TEXT    NOT NULL DEFAULT '',
  retention_days  INTEGER NOT NULL DEFAULT 0,
  allowed         TEXT    NOT NULL DEFAULT '[]',
  objects_checked INTEGER NOT NULL DEFAULT 0,
  error           TEXT    NOT NULL DEFAULT '',
  host            TEXT    NOT NULL DEFAULT '',
  record_id       TEXT    NOT NULL UNIQUE
);
CREATE INDEX immutability_proofs_by_repository ON immutability_proofs(repository, finished_ns);
CREATE TABLE attestations (
  id          INTEGER PRIMARY KEY,
  repository  TEXT    NOT NULL,
  person      TEXT    NOT NULL,
  attested_ns INTEGER NOT NULL,
  note        TEXT    NOT NULL,
  host        TEXT    NOT NULL DEFAULT '',
  record_id   TEXT    NOT NULL UNIQUE
);
CREATE INDEX attestations_by_repository ON attestations(repository, attested_ns);
)sql";

// Version 5: whose proof it is. The access key id of the credentials each immutability proof
// ran with (never the secret), so that a proof counts only when made with the backup hosts'
// credentials; '' in proofs recorded before (they count for nobody).
constexpr const char* kProofAccessKeys = R"sql(
ALTER TABLE immutability_proofs ADD COLUMN access_key_id TEXT NOT NULL DEFAULT '';
)sql";

// Version 6: what a host could forge. Which runs were imported from hosts' evidence, from
// which repository's evidence file ('' for a run this catalog recorded itself, and for every
// run recorded before: imports were not marked, so they stay as they were). A record id is
// unique among this catalog's own runs only: imported runs are known by their record id and
// content, so a record (a forged one) with another's id but another content is kept beside it,
// never in its place (evidence_rows.cc), and its id is listed in record_conflicts (so that
// `status` names them without scanning every run). And until when each immutability proof's evidence
// holds: the earliest retain-until date among the objects it sampled (0 in proofs recorded
// before, which then count for their check cadence only, as before).
constexpr const char* kImportedRunsAndProofValidity = R"sql(
ALTER TABLE runs ADD COLUMN imported_from TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN imported_file TEXT NOT NULL DEFAULT '';
DROP INDEX runs_by_record_id;
CREATE INDEX runs_by_record_id ON runs(record_id) WHERE record_id != '';
CREATE UNIQUE INDEX own_runs_by_record_id ON runs(record_id)
  WHERE record_id != '' AND imported_from = '';
CREATE TABLE record_conflicts (record_id TEXT PRIMARY KEY);
ALTER TABLE immutability_proofs ADD COLUMN earliest_retain_until_ns INTEGER NOT NULL DEFAULT 0;
)sql";

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "base tables: runs, drills, drill_steps", kBaseTables},
      {2, "indexes for per-system, per-repository, per-client and per-kind queries", kQueryIndexes},
      {3, "hosts, record ids and evidence imported from other hosts", kHostsAndEvidence},
      {4, "immutability proofs and attestations", kImmutability},
      {5, "the access key id each immutability proof ran with", kProofAccessKeys},
      {6, "imported runs marked with their repository; each proof's earliest retain-until",
       kImportedRunsAndProofValidity},
  };
  return kMigrations;
}

}  // namespace stormproof::catalog::internal
