// Internal to catalog/: a thin RAII layer over the SQLite C API. A Db is one connection; a
// Statement is one prepared statement with bound parameters (values are never spliced into SQL).
// Errors name the database file and map SQLite result codes to stormproof codes:
// SQLITE_BUSY/LOCKED -> kLocked, SQLITE_NOTADB/CORRUPT -> kParse, anything else -> kIo.
//
// Neither class is thread-safe: the owner (SqliteCatalog) serialises calls on its mutex.
#ifndef STORMPROOF_CONTINUITY_CATALOG_INTERNAL_SQLITE_DB_H_
#define STORMPROOF_CONTINUITY_CATALOG_INTERNAL_SQLITE_DB_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace stormproof::catalog::internal {

class Db;

// A prepared statement; finalized on destruction. Parameters are 1-based, columns 0-based.
class Statement {
 public:
  Statement(Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // A failed bind is reported by the next Step().
  void Bind(int index, int64_t value);
  void Bind(int index, double value);
  void Bind(int index, const std::string& value);
  void Bind(int index, std::optional<int64_t> value);  // nullopt binds NULL

  // Advances; true when a row is available, false when the statement is done.
  Result<bool> Step();
  // Steps until done (for INSERT/UPDATE/DDL).
  Status Run();
  // Makes the statement reusable: resets it and clears its bindings.
  void Reset();

  int ColumnCount() const;
  int64_t Int(int column) const;
  double Real(int column) const;
  std::string Text(int column) const;  // exact bytes, embedded NULs included
  bool IsNull(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;

 private:
  Db* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = 0;  // first failed bind's result code; 0 when none
};

// One open database connection; closed on destruction.
class Db {
 public:
  // Opens (creating when absent) the file at `path`. SQLite waits up to `busy_timeout` for
  // another connection's lock before a statement fails with kLocked.
  static Result<std::unique_ptr<Db>> Open(const std::string& path,
                                          std::chrono::milliseconds busy_timeout);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  const std::string& path() const { return path_; }
  std::chrono::milliseconds busy_timeout() const { return busy_timeout_; }

  // Runs SQL without parameters (DDL, pragmas with constant values, BEGIN/COMMIT).
  Status Exec(const std::string& sql);
  Result<Statement> Prepare(const std::string& sql);
  // The id of the last row inserted on this connection.
  int64_t LastInsertId() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int Changes() const;
  // Rolls back the open transaction, if any.
  void RollbackIfOpen();

  // "<path>: <what>: <SQLite's message>" with the code mapped as described above.
  Error ErrorFrom(int rc, const std::string& what) const;

 private:
  Db(sqlite3* db, std::string path, std::chrono::milliseconds busy_timeout)
      : db_(db), path_(std::move(path)), busy_timeout_(busy_timeout) {}

  sqlite3* db_;
  std::string path_;
  std::chrono::milliseconds busy_timeout_;
};

// Sleeps the calling thread (kept out of line so that this header needs no <thread>).
void SleepFor(std::chrono::milliseconds pause);

// Calls `attempt` again while it fails with kLocked, with a growing pause, until the database's
// busy timeout has passed since the first call. SQLite's own busy handler covers most waits;
// this covers those it returns at once (WAL recovery by another process, a journal-mode change,
// a lock held across the first open of a fresh file).
template <typename Attempt>
auto RetryWhileBusy(const Db& db, Attempt attempt) -> decltype(attempt()) {
  const auto deadline = std::chrono::steady_clock::now() + db.busy_timeout();
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    auto result = attempt();
    if (result.has_value() || result.error().code() != ErrorCode::kLocked ||
        std::chrono::steady_clock::now() + pause > deadline) {
      return result;
    }
    SleepFor(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

// Runs `body` (returning a Result or Status) inside BEGIN IMMEDIATE ... COMMIT: the write lock is
// taken first, so the transaction never fails half-way for a lock. On error the transaction is
// rolled back and nothing of it is kept; a busy database is retried as RetryWhileBusy does.
template <typename Body>
auto WriteTransaction(Db& db, Body body) -> decltype(body()) {
  return RetryWhileBusy(db, [&]() -> decltype(body()) {
    STORMPROOF_TRY(db.Exec("BEGIN IMMEDIATE"));
    auto result = body();
    if (!result.has_value()) {
      db.RollbackIfOpen();
      return result;
    }
    Status commit = db.Exec("COMMIT");
    if (!commit.has_value()) {
      db.RollbackIfOpen();
      return commit.error();
    }
    return result;
  });
}

}  // namespace stormproof::catalog::internal

#endif  // STORMPROOF_CONTINUITY_CATALOG_INTERNAL_SQLITE_DB_H_
