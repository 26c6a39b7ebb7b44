// Internal to catalog/ (and its tests): the versioned schema of the catalog file
// (docs/catalog.md). A catalog is a SQLite file whose header carries PRAGMA application_id
// kApplicationId and PRAGMA user_version = the number of the last migration applied.
//
// Migration policy: Migrations() is an ordered list, versions 1, 2, ... without gaps. A released
// migration is never edited or removed; a schema change is a new migration appended at the end,
// and kSchemaVersion (catalog.h) is raised to its number. Each migration runs in its own
// transaction, so a file is always at exactly one version.
#ifndef STORMPROOF_CONTINUITY_CATALOG_INTERNAL_SCHEMA_H_
#define STORMPROOF_CONTINUITY_CATALOG_INTERNAL_SCHEMA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "continuity/catalog/internal/sqlite_db.h"
#include "core/result.h"

namespace stormproof::catalog::internal {

// "SPCL" (stormproof catalog); marks the file as ours in the SQLite header.
inline constexpr int32_t kApplicationId = 0x5350434C;

struct Migration {
  int version;
  const char* description;
  const char* sql;  // one or more statements, no parameters
};

// Every migration, in order (see above).
const std::vector<Migration>& Migrations();

// Checks, without writing anything, that the open file is an empty database or a stormproof
// catalog this build can use, and returns its schema version (0 for an empty database).
// Errors, naming the file: kParse when it is not SQLite or belongs to another application;
// kInvalidArgument when its version is newer than `newest_known`.
Result<int> Probe(Db& db, int newest_known);

// Puts the connection in WAL mode with synchronous=FULL and foreign keys on. Changes the file
// (its journal mode): call only after Probe() succeeded.
Status Configure(Db& db);

// Applies the missing migrations up to `target_version`, each in its own write transaction that
// re-reads the version first, so that several processes opening one file at once apply each
// migration exactly once.
Status Migrate(Db& db, int target_version);

// For tests: creates the catalog at `path` (or migrates an existing one) up to `target_version`
// only, as an older stormproof would have left it.
Status CreateCatalogAtVersion(const std::string& path, int target_version);

}  // namespace stormproof::catalog::internal

#endif  // STORMPROOF_CONTINUITY_CATALOG_INTERNAL_SCHEMA_H_
