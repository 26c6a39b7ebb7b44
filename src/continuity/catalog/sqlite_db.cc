#include "continuity/catalog/internal/sqlite_db.h"

#include <sqlite3.h>

#include <thread>

namespace stormproof::catalog::internal {

void SleepFor(std::chrono::milliseconds pause) { std::this_thread::sleep_for(pause); }

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

namespace {
// The start of a statement, on one line, for error messages.
std::string Summarize(const char* sql) {
  std::string line;
  for (const char* c = sql; *c != '\0' && line.size() < 60; ++c) {
    if (*c == '\n' || *c == '\r') {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else if (*c != ' ' || (!line.empty() && line.back() != ' ')) {
      line += *c;
    }
  }
  return line;
}

void Remember(int rc, int* first) {
  if (rc != SQLITE_OK && *first == 0) *first = rc;
}
}  // namespace

void Statement::Bind(int index, int64_t value) {
  Remember(sqlite3_bind_int64(stmt_, index, value), &bind_rc_);
}

void Statement::Bind(int index, double value) {
  Remember(sqlite3_bind_double(stmt_, index, value), &bind_rc_);
}

void Statement::Bind(int index, const std::string& value) {
  Remember(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      &bind_rc_);
}

void Statement::Bind(int index, std::optional<int64_t> value) {
  if (value.has_value()) {
    Bind(index, *value);
  } else {
    Remember(sqlite3_bind_null(stmt_, index), &bind_rc_);
  }
}

Result<bool> Statement::Step() {
  if (bind_rc_ != 0) return db_->ErrorFrom(bind_rc_, "binding a parameter");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error error = db_->ErrorFrom(rc, Summarize(sqlite3_sql(stmt_)));
  sqlite3_reset(stmt_);  // releases the statement's locks so that a retry can proceed
  return error;
}

Status Statement::Run() {
  for (;;) {
    STORMPROOF_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = 0;
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::Real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return "";
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path,
                                     std::chrono::milliseconds busy_timeout) {
  sqlite3* handle = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<Db> db(new Db(handle, path, busy_timeout));
  if (rc != SQLITE_OK) return db->ErrorFrom(rc, "cannot open");
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, static_cast<int>(busy_timeout.count()));
  return db;
}

Db::~Db() { sqlite3_close_v2(db_); }

Status Db::Exec(const std::string& sql) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return ErrorFrom(rc, Summarize(sql.c_str()));
  return Ok();
}

Result<Statement> Db::Prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return ErrorFrom(rc, Summarize(sql.c_str()));
  return Statement(this, stmt);
}

int64_t Db::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }

int Db::Changes() const { return sqlite3_changes(db_); }

void Db::RollbackIfOpen() {
  if (sqlite3_get_autocommit(db_) == 0) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Error Db::ErrorFrom(int rc, const std::string& what) const {
  std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string message = path_ + ": " + what + ": " + detail;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::Locked(message + " (another stormproof is writing; waited " +
                           std::to_string(busy_timeout_.count()) + " ms)");
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Error::Parse(message);
    default:
      return Error::Io(message);
  }
}

}  // namespace stormproof::catalog::internal
