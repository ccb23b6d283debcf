#pragma once
/// @brief SQLite as the kiosk's store, the sync server's store and the office's database use
/// it: one prepared statement (Statement, or Stmt that throws), a statement run once (exec), and
/// BEGIN IMMEDIATE … COMMIT rolled back unless committed (Transaction). Header only; whoever
/// includes it links SQLite.
///
/// Two ways to meet a failure, both here so there is one wrapper: code that turns every SQL
/// failure into one error value catches Failure (Stmt, step(), exec); code that tells SQLite's
/// result codes apart (a constraint from a full disk) checks ok() and step_code().
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace cate::sql {

/// What SQLite said when something failed.
struct Failure {
  int code = 0;         ///< SQLite's extended result code
  std::string message;  ///< SQLite's words
  int os_errno = 0;     ///< what the OS said, when SQLite's failure came from a system call
};

inline Failure failure_of(sqlite3* db) {
  return Failure{sqlite3_extended_errcode(db), sqlite3_errmsg(db), sqlite3_system_errno(db)};
}

/// One prepared statement, finalised when it goes out of scope. A failed bind is kept and
/// reported by the next step.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(s_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  /// The SQL prepared (otherwise every step fails).
  bool ok() const { return s_ != nullptr; }

  Statement& bind(int i, std::int64_t v) { return keep(sqlite3_bind_int64(s_, i, v)); }
  Statement& bind(int i, std::string_view v) {
    return keep(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Statement& bind_null(int i) { return keep(sqlite3_bind_null(s_, i)); }
  Statement& bind_blob(int i, const void* p, int n) { return keep(sqlite3_bind_blob(s_, i, p, n, SQLITE_TRANSIENT)); }

  /// Steps once: SQLITE_ROW, SQLITE_DONE or the failure's code (a failed bind's first).
  int step_code() {
    if (!s_) return SQLITE_ERROR;
    if (bind_failed_ != SQLITE_OK) return bind_failed_;
    return sqlite3_step(s_);
  }
  /// Steps once: true when a row is there to read; Failure when SQLite fails.
  bool step() {
    const int rc = step_code();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw failure_of(db_);
  }
  void run() { (void)step(); }
  /// Makes the statement ready to run again with new values.
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    bind_failed_ = SQLITE_OK;
  }

  std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  std::string blob(int col) const {
    auto p = static_cast<const char*>(sqlite3_column_blob(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }

 private:
  Statement& keep(int rc) {
    if (rc != SQLITE_OK && bind_failed_ == SQLITE_OK) bind_failed_ = rc;
    return *this;
  }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int bind_failed_ = SQLITE_OK;
};

/// A Statement whose SQL must prepare: Failure otherwise.
class Stmt : public Statement {
 public:
  Stmt(sqlite3* db, const char* sql) : Statement(db, sql) {
    if (!ok()) throw failure_of(db);
  }
};

/// Runs `sql` (one or more statements, no values); Failure with SQLite's words when it fails.
inline void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    Failure f = failure_of(db);
    if (err) f.message = err;
    sqlite3_free(err);
    throw f;
  }
}

/// BEGIN IMMEDIATE … COMMIT, rolled back if the scope is left without commit().
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    exec(db_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

}  // namespace cate::sql
