#pragma once
/// @brief The small libpq wrapper both PostgreSQL stores use (the office's, central_store_pg.cpp,
/// and the sync tables', sync/server/sync_store_pg.cpp): a connection that reconnects, results
/// cleared on scope exit, errors thrown as SqlFault with their SQLSTATE, statements prepared
/// once per connection, and a transaction that rolls back unless committed.
#include <libpq-fe.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cate::pg {

struct SqlFault {
  std::string message;
  std::string state;  ///< SQLSTATE, e.g. 23505 for a unique violation; empty when not from the server
};

/// One query's result; cleared on scope exit.
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r) {}
  ~Rows() { PQclear(r_); }
  Rows(Rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  int size() const { return PQntuples(r_); }
  std::string text(int row, int col) const { return std::string(PQgetvalue(r_, row, col), PQgetlength(r_, row, col)); }
  std::int64_t i64(int row, int col) const { return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10); }
  bool is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  /// Rows an INSERT/UPDATE/DELETE touched.
  long affected() const { return std::strtol(PQcmdTuples(r_), nullptr, 10); }

 private:
  PGresult* r_;
};

/// Parameters in text form; std::nullopt is SQL NULL.
using Params = std::vector<std::optional<std::string>>;

class Connection {
 public:
  explicit Connection(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  ~Connection() {
    if (conn_) PQfinish(conn_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Connects (again) if there is no good connection; throws the error in words otherwise.
  void ensure() {
    if (conn_ && PQstatus(conn_) == CONNECTION_OK) return;
    if (conn_) PQfinish(conn_);
    prepared_.clear();
    conn_ = PQconnectdb(conninfo_.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) throw SqlFault{"cannot connect to PostgreSQL: " + trimmed(PQerrorMessage(conn_)), {}};
    // Quiet: notices ("relation exists, skipping") are not errors and do not belong in the log.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  }

  /// Runs text with no parameters (one statement or several).
  void exec(const char* sql) { check(PQexec(conn_, sql)); }

  /// Runs one statement with parameters.
  Rows run(const char* sql, const Params& params = {}) {
    const auto values = c_strings(params);
    return check(PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
  }

  /// Runs a statement prepared once per connection under `name` (a hot path).
  Rows run(const char* name, const char* sql, const Params& params) {
    if (!prepared_.count(name)) {
      check(PQprepare(conn_, name, sql, static_cast<int>(params.size()), nullptr));
      prepared_.insert(name);
    }
    const auto values = c_strings(params);
    return check(PQexecPrepared(conn_, name, static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0));
  }

  PGconn* raw() { return conn_; }

 private:
  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  static std::vector<const char*> c_strings(const Params& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    return values;
  }
  Rows check(PGresult* r) {
    const auto st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Rows(r);
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    SqlFault fault{trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_)), state ? state : ""};
    PQclear(r);
    if (fault.message.empty()) fault.message = "the database did not answer";
    throw fault;
  }

  std::string conninfo_;
  PGconn* conn_ = nullptr;
  std::set<std::string> prepared_;
};

/// BEGIN (or the given begin statement) on construction; ROLLBACK unless commit() was reached
/// (a failure, a lost connection).
class Transaction {
 public:
  explicit Transaction(Connection& c, const char* begin = "BEGIN") : c_(c) { c_.exec(begin); }
  ~Transaction() {
    if (!done_ && PQstatus(c_.raw()) == CONNECTION_OK) PQclear(PQexec(c_.raw(), "ROLLBACK"));
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    c_.exec("COMMIT");
    done_ = true;
  }

 private:
  Connection& c_;
  bool done_ = false;
};

}  // namespace cate::pg
