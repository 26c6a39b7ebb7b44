// Catalog::Open and the SQLite-backed Catalog (catalog.h).
#include "continuity/catalog/catalog.h"

#include <filesystem>
#include <system_error>

#include "continuity/catalog/internal/rows.h"
#include "continuity/catalog/internal/schema.h"
#include "continuity/catalog/internal/sqlite_db.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"

namespace stormproof::catalog {
namespace {

using internal::Db;
using internal::Statement;

// Thread-safe: every call holds mu_ for its whole use of the connection. The lambdas a call
// runs under the lock reach the connection through `db`, a reference taken while holding it.
class SqliteCatalog final : public Catalog {
 public:
  SqliteCatalog(std::unique_ptr<Db> db, int version)
      : path_(db->path()), db_(std::move(db)), version_(version) {}

  int SchemaVersion() const override { return version_; }
  const std::string& path() const override { return path_; }

  Result<int64_t> AddRun(const Run& run) override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::WriteTransaction(db, [&]() -> Result<int64_t> {
      STORMPROOF_ASSIGN_OR_RETURN(Statement insert, db.Prepare(internal::kInsertRunSql));
      return internal::InsertRun(db, &insert, run);
    });
  }

  Status AddRuns(const std::vector<Run>& runs) override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::WriteTransaction(db, [&]() -> Status {
      STORMPROOF_ASSIGN_OR_RETURN(Statement insert, db.Prepare(internal::kInsertRunSql));
      for (const Run& run : runs) STORMPROOF_TRY(internal::InsertRun(db, &insert, run));
      return Ok();
    });
  }

  Result<int64_t> AddDrill(const Run& run, const Drill& drill) override EXCLUDES(mu_) {
    Run drill_run = run;
    drill_run.kind = RunKind::kDrill;
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::WriteTransaction(db, [&]() -> Result<int64_t> {
      STORMPROOF_ASSIGN_OR_RETURN(Statement insert, db.Prepare(internal::kInsertRunSql));
      STORMPROOF_ASSIGN_OR_RETURN(int64_t id, internal::InsertRun(db, &insert, drill_run));
      STORMPROOF_TRY(internal::InsertDrillPart(db, id, drill));
      return id;
    });
  }

  Status SetDrillReport(int64_t run_id, const std::string& report_path) override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::WriteTransaction(db, [&]() -> Status {
      STORMPROOF_ASSIGN_OR_RETURN(
          Statement update, db.Prepare("UPDATE drills SET report_path = ? WHERE run_id = ?"));
      update.Bind(1, report_path);
      update.Bind(2, run_id);
      STORMPROOF_TRY(update.Run());
      if (db.Changes() == 0) {
        return Error::NotFound(db.path() + ": no drill with run id " + std::to_string(run_id));
      }
      return Ok();
    });
  }

  Result<std::vector<Run>> Runs(const RunQuery& query) const override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::RetryWhileBusy(db, [&] { return SelectRuns(db, query); });
  }

  Result<std::optional<Run>> LastRun(RunQuery query) const override {
    query.limit = 1;
    STORMPROOF_ASSIGN_OR_RETURN(std::vector<Run> runs, Runs(query));
    if (runs.empty()) return std::optional<Run>();
    return std::optional<Run>(std::move(runs.front()));
  }

  Result<std::vector<DrillRecord>> Drills(const RunQuery& query) const override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::RetryWhileBusy(db, [&] { return SelectDrills(db, query); });
  }

  Result<int64_t> CountRuns() const override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::RetryWhileBusy(db, [&]() -> Result<int64_t> {
      STORMPROOF_ASSIGN_OR_RETURN(Statement count, db.Prepare("SELECT count(*) FROM runs"));
      STORMPROOF_TRY(count.Step());
      return count.Int(0);
    });
  }

  Result<size_t> ImportRecords(const std::string& repository, const std::string& file,
                               const std::vector<ImportedRecord>& records,
                               int64_t now_ns) override EXCLUDES(mu_) {
    for (const ImportedRecord& record : records) {
      if (record.run.record_id.empty()) {
        return Error::InvalidArgument(path_ + ": evidence " + file + " of repository " +
                                      repository + ": a run without a record id");
      }
    }
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::WriteTransaction(db, [&]() -> Result<size_t> {
      return internal::InsertImportedRecords(db, repository, file, records, now_ns);
    });
  }

  Status SetEvidenceRefreshed(const std::string& repository,
                              int64_t refreshed_ns) override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::WriteTransaction(db, [&]() -> Status {
      return internal::UpsertEvidenceRefreshed(db, repository, refreshed_ns);
    });
  }

  Result<EvidenceSource> EvidenceOf(const std::string& repository) const override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::RetryWhileBusy(db, [&] { return SelectEvidenceSource(db, repository); });
  }

  Result<std::vector<RecordConflict>> RecordConflicts() const override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::RetryWhileBusy(db, [&] { return internal::SelectRecordConflicts(db); });
  }

  Result<int64_t> AddImmutabilityProof(const ImmutabilityProof& proof) override EXCLUDES(mu_) {
    if (proof.repository.empty() || proof.outcome == Outcome::kWarning) {
      return Error::InvalidArgument(path_ +
                                    ": an immutability proof needs a repository and an "
                                    "outcome of ok, failed or error");
    }
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::WriteTransaction(
        db, [&]() -> Result<int64_t> { return internal::InsertImmutabilityProof(db, proof); });
  }

  Result<std::optional<ImmutabilityProof>> LatestMatchingImmutabilityProof(
      const ProofQuery& query) const override EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::RetryWhileBusy(
        db, [&] { return internal::SelectLatestImmutabilityProof(db, query); });
  }

  Result<int64_t> AddAttestation(const Attestation& attestation) override EXCLUDES(mu_) {
    if (attestation.repository.empty() || attestation.person.empty() || attestation.note.empty()) {
      return Error::InvalidArgument(path_ + ": an attestation needs a repository, a person and a note");
    }
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::WriteTransaction(
        db, [&]() -> Result<int64_t> { return internal::InsertAttestation(db, attestation); });
  }

  Result<std::optional<Attestation>> LatestAttestation(const std::string& repository,
                                                       int64_t until_ns) const override
      EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Db& db = *db_;
    return internal::RetryWhileBusy(
        db, [&] { return internal::SelectLatestAttestation(db, repository, until_ns); });
  }

 private:
  // One read transaction: the refresh time and the files agree.
  static Result<EvidenceSource> SelectEvidenceSource(Db& db, const std::string& repository) {
    STORMPROOF_TRY(db.Exec("BEGIN"));
    Result<EvidenceSource> source = internal::SelectEvidenceSource(db, repository);
    db.RollbackIfOpen();
    return source;
  }

  static Result<std::vector<Run>> SelectRuns(Db& db, const RunQuery& query) {
    internal::RunSelect select = internal::BuildRunSelect(query, internal::RunSource::kRuns);
    STORMPROOF_ASSIGN_OR_RETURN(Statement statement, db.Prepare(select.sql));
    select.BindTo(&statement);
    std::vector<Run> runs;
    for (;;) {
      STORMPROOF_ASSIGN_OR_RETURN(bool row, statement.Step());
      if (!row) return runs;
      STORMPROOF_ASSIGN_OR_RETURN(Run run, internal::ReadRun(db, statement));
      runs.push_back(std::move(run));
    }
  }

  // One read transaction, so that the drills and their steps are one consistent snapshot.
  static Result<std::vector<DrillRecord>> SelectDrills(Db& db, const RunQuery& query) {
    STORMPROOF_TRY(db.Exec("BEGIN"));
    Result<std::vector<DrillRecord>> drills = SelectDrillsInTransaction(db, query);
    db.RollbackIfOpen();
    return drills;
  }

  static Result<std::vector<DrillRecord>> SelectDrillsInTransaction(Db& db,
                                                                     const RunQuery& query) {
    internal::RunSelect select = internal::BuildRunSelect(query, internal::RunSource::kDrills);
    STORMPROOF_ASSIGN_OR_RETURN(Statement statement, db.Prepare(select.sql));
    STORMPROOF_ASSIGN_OR_RETURN(Statement steps, db.Prepare(internal::kSelectStepsSql));
    select.BindTo(&statement);
    std::vector<DrillRecord> drills;
    for (;;) {
      STORMPROOF_ASSIGN_OR_RETURN(bool row, statement.Step());
      if (!row) return drills;
      DrillRecord record;
      STORMPROOF_ASSIGN_OR_RETURN(record.run, internal::ReadRun(db, statement));
      STORMPROOF_ASSIGN_OR_RETURN(record.drill,
                                  internal::ReadDrillPart(db, statement, record.run.id));
      STORMPROOF_TRY(internal::ReadSteps(db, &steps, record.run.id, &record.drill));
      drills.push_back(std::move(record));
    }
  }

  const std::string path_;
  mutable Mutex mu_;
  const std::unique_ptr<Db> db_ GUARDED_BY(mu_);
  const int version_;
};

Status CreateParentDirectory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return Ok();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Error::Io(path + ": cannot create the catalog's directory " + parent.string() + ": " +
                     ec.message());
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::string& path,
                                               std::chrono::milliseconds busy_timeout) {
  STORMPROOF_TRY(CreateParentDirectory(path));
  STORMPROOF_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(path, busy_timeout));
  // Nothing is written before the file is known to be empty or ours.
  STORMPROOF_ASSIGN_OR_RETURN(int version, internal::Probe(*db, kSchemaVersion));
  STORMPROOF_TRY(internal::Configure(*db));
  // An up-to-date file is opened without a write transaction, so readers (status, report) never
  // wait behind a writer just to open it.
  if (version < kSchemaVersion) {
    STORMPROOF_TRY(internal::Migrate(*db, kSchemaVersion));
    // Re-read: another (newer) stormproof may have migrated the file meanwhile.
    STORMPROOF_ASSIGN_OR_RETURN(version, internal::Probe(*db, kSchemaVersion));
  }
  return std::unique_ptr<Catalog>(new SqliteCatalog(std::move(db), version));
}

}  // namespace stormproof::catalog
