// hosts: many hosts, one MSP (docs/catalog.md, "Many hosts, one catalog"). Each host runs
// `stormproof run --host NAME` for its own systems (plan::Plan::RunsOnHost) and keeps its own
// catalog; what its runs and drills recorded travels with its backups: it is written into the
// repositories it used as evidence files, sealed and authenticated with the repository key like
// snapshots (repository::Repository::SaveEvidence). The MSP's central machine imports them into
// its catalog (ImportEvidence), recognising every run by its record id and content
// (catalog::Catalog::ImportRecords), so importing twice, or importing a host's own evidence,
// changes nothing, and no record shadows another's. Imported runs stay marked as such
// (catalog::Run::imported_from): any backup host could forge them. No database server is shared.
//
// What goes where: a repository receives the runs that concern it — those that wrote, checked,
// pruned or drilled it, and every run of a system that backs up into it (so a backup that could
// not reach one copy is still told through the system's other copies). A client's records thus
// only go to the repositories of that client's systems.
//
// Functions are thread-safe (they open their own repositories); the catalog is thread-safe.
#ifndef STORMPROOF_CONTINUITY_HOSTS_HOSTS_H_
#define STORMPROOF_CONTINUITY_HOSTS_HOSTS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "continuity/access/access.h"
#include "continuity/catalog/catalog.h"
#include "continuity/plan/plan.h"
#include "core/result.h"

namespace stormproof::hosts {

// This machine's host name (gethostname), the default of `run --host` and `drill --host`;
// "localhost" when the system has none.
std::string ThisHost();

// ---- The evidence file (its plaintext: a JSON document, docs/catalog.md) ----
inline constexpr int kEvidenceFormatVersion = 1;

struct EvidenceFile {
  std::string host;         // who wrote it
  int64_t written_ns = 0;   // when, by the writer's clock
  std::vector<catalog::ImportedRecord> records;
};

// The JSON text of `file`. Runs keep every catalog column but the local id and the drill's
// report path (a file on the writing host).
std::string EncodeEvidence(const EvidenceFile& file);
// Parses an evidence file's text. Errors: kParse saying what is wrong (not JSON, a missing or
// mistyped field, an unknown kind or outcome, a run without record id); kInvalidArgument for a
// format version newer than kEvidenceFormatVersion.
Result<EvidenceFile> DecodeEvidence(const std::string& text);

// ---- On a host: writing ----
// The runs `host` recorded in `catalog` that started at or after `since_ns`, with their drill
// parts: what this invocation (and any other of the same host meanwhile) recorded. Runs the
// catalog imported (RunQuery::own_only) are never among them.
Result<std::vector<catalog::ImportedRecord>> RecordsSince(const catalog::Catalog& catalog,
                                                          const std::string& host,
                                                          int64_t since_ns);

struct WrittenEvidence {
  std::string repository;  // plan repository id
  std::string file;        // the evidence file's name; "" when it could not be written
  size_t runs = 0;         // runs in it
  std::string error;       // why it could not be written; "" when it was
};

struct WriteOptions {
  access::AccessOptions access;            // passwords and --root, as the run's
  std::chrono::milliseconds lock_wait{0};  // wait for an exclusive lock (prune) to go
};

// Writes, into every stormproof repository of the plan that `records` concern (see above), one
// evidence file with those records, under the repository's shared lock. A repository that
// cannot be opened or written is reported in its WrittenEvidence (error) and the others are
// still written. Nothing is written when `records` is empty.
std::vector<WrittenEvidence> WriteEvidence(const plan::Plan& plan, const std::string& host,
                                           const std::vector<catalog::ImportedRecord>& records,
                                           int64_t now_ns, const WriteOptions& options);

// ---- On the central machine: importing ----
struct ImportedEvidence {
  std::string repository;
  size_t files = 0;  // evidence files imported now (new to this catalog)
  size_t runs = 0;   // runs added to the catalog now
  // "evidence <name>: <why>" for every file that could not be read (damaged, or written by a
  // newer stormproof); skipped, and tried again next time. Also "evidence <name>: N runs that
  // do not concern repository <id> ... refused" for runs of a file that may not stand as evidence
  // read from this repository (a system the plan does not back up into it, or a check or prune
  // of another repository): the rest of the file is imported, those runs never. And "evidence
  // <name>: N bytes, more than evidence ever holds (67108864): not read" for a file over 64 MiB
  // (never downloaded).
  std::vector<std::string> damaged;
  // Why the repository's evidence could not be refreshed ("" when it was); the catalog keeps
  // what it had, as of refreshed_ns.
  std::string error;
  int64_t refreshed_ns = 0;  // when its evidence was last read completely; 0 = never
};

// Imports the evidence of every stormproof repository of the plan into `catalog`. A repository
// is listed first (a cheap listing); it is opened (its key unlocked) only when it holds files
// the catalog has not imported yet. Never fails as a whole: each repository's trouble is in its
// ImportedEvidence. Does nothing for a plan that names no host (one machine, one catalog).
// A run's client is taken from the plan (its system's client), never from the file. A run is
// tied to the repository it was read from: one naming another repository of its system is
// imported from here only when it did not do its job there (a run that succeeded there counts
// only from that repository's own evidence); one naming a repository that is not its system's
// is refused.
std::vector<ImportedEvidence> ImportEvidence(const plan::Plan& plan, catalog::Catalog& catalog,
                                             const access::AccessOptions& access,
                                             int64_t now_ns);

// The plan's stormproof repositories evidence is exchanged through: kind stormproof, not tape
// (a local directory or object storage, as access::RepositoryLocation reaches them).
std::vector<const plan::RepositorySpec*> EvidenceRepositories(const plan::Plan& plan);

}  // namespace stormproof::hosts

#endif  // STORMPROOF_CONTINUITY_HOSTS_HOSTS_H_
