#include "continuity/catalog/internal/schema.h"

#include "continuity/catalog/catalog.h"

namespace stormproof::catalog::internal {
namespace {

// What the SQLite header and schema say about the file.
struct FileState {
  int64_t application_id = 0;
  int64_t version = 0;
  int64_t objects = 0;  // tables, indexes, views and triggers
};

// One statement, so one read snapshot: read as three statements, another process's migration
// committing in between would make the file look half ours (ids of one moment, tables of the
// next) and be refused as another application's database.
Result<FileState> ReadState(Db& db) {
  Result<Statement> statement = db.Prepare(
      "SELECT (SELECT application_id FROM pragma_application_id), "
      "(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)");
  Result<bool> row = statement ? statement->Step() : Result<bool>(statement.error());
  if (!row.has_value()) {
    if (row.error().code() != ErrorCode::kParse) return row.error();
    return Error::Parse(db.path() + ": not a stormproof catalog (not a SQLite database)");
  }
  if (!*row) return Error::Internal(db.path() + ": reading the catalog's header returned no row");
  FileState state;
  state.application_id = statement->Int(0);
  state.version = statement->Int(1);
  state.objects = statement->Int(2);
  return state;
}

// Ok for an empty database or one of our catalogs at a version this build knows.
Status CheckUsable(const Db& db, const FileState& state, int newest_known) {
  if (state.application_id == 0 && state.version == 0 && state.objects == 0) return Ok();
  if (state.application_id != kApplicationId) {
    return Error::Parse(db.path() +
                        ": not a stormproof catalog (a SQLite database of another application)");
  }
  if (state.version < 1) {
    return Error::Parse(db.path() + ": damaged catalog: schema version " +
                        std::to_string(state.version));
  }
  if (state.version > newest_known) {
    return Error::InvalidArgument(
        db.path() + ": catalog schema version " + std::to_string(state.version) +
        " is newer than this stormproof (" + std::to_string(newest_known) + ")");
  }
  return Ok();
}

Status Apply(Db& db, const Migration& migration) {
  STORMPROOF_TRY(db.Exec(migration.sql));
  if (migration.version == 1) {
    STORMPROOF_TRY(db.Exec("PRAGMA application_id = " + std::to_string(kApplicationId)));
  }
  return db.Exec("PRAGMA user_version = " + std::to_string(migration.version));
}

Status ApplyIfMissing(Db& db, const Migration& migration) {
  return WriteTransaction(db, [&]() -> Status {
    STORMPROOF_ASSIGN_OR_RETURN(FileState state, ReadState(db));
    STORMPROOF_TRY(CheckUsable(db, state, kSchemaVersion));
    if (state.version >= migration.version) return Ok();  // another process was first
    if (state.version != migration.version - 1) {
      return Error::Internal(db.path() + ": migration " + std::to_string(migration.version) +
                             " on a file at version " + std::to_string(state.version));
    }
    return Apply(db, migration);
  });
}

}  // namespace

Result<int> Probe(Db& db, int newest_known) {
  return RetryWhileBusy(db, [&]() -> Result<int> {
    STORMPROOF_ASSIGN_OR_RETURN(FileState state, ReadState(db));
    STORMPROOF_TRY(CheckUsable(db, state, newest_known));
    return static_cast<int>(state.version);
  });
}

Status Configure(Db& db) {
  Status wal = RetryWhileBusy(db, [&]() -> Status {
    STORMPROOF_ASSIGN_OR_RETURN(Statement statement, db.Prepare("PRAGMA journal_mode = WAL"));
    STORMPROOF_ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row || statement.Text(0) != "wal") {
      return Error::Io(db.path() + ": cannot switch the catalog to WAL mode");
    }
    return Ok();
  });
  STORMPROOF_TRY(wal);
  STORMPROOF_TRY(db.Exec("PRAGMA synchronous = FULL"));
  return db.Exec("PRAGMA foreign_keys = ON");
}

Status Migrate(Db& db, int target_version) {
  for (const Migration& migration : Migrations()) {
    if (migration.version > target_version) break;
    Status applied = ApplyIfMissing(db, migration);
    if (!applied.has_value()) {
      return applied.error().WithContext("migrating the catalog to schema version " +
                                         std::to_string(migration.version) + " (" +
                                         migration.description + ")");
    }
  }
  return Ok();
}

Status CreateCatalogAtVersion(const std::string& path, int target_version) {
  STORMPROOF_ASSIGN_OR_RETURN(auto db, Db::Open(path, std::chrono::seconds(30)));
  STORMPROOF_TRY(Probe(*db, kSchemaVersion));
  STORMPROOF_TRY(Configure(*db));
  return Migrate(*db, target_version);
}

}  // namespace stormproof::catalog::internal
