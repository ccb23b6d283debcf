#pragma once
// What the sync tests (test_sync.cpp, test_enrol.cpp) share: the wall clock, a seeded-at-random
// generator, a new database on the run's throwaway PostgreSQL, and temp folders.
#include <doctest/doctest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "tests/temp_dir.hpp"

namespace cate::test {

inline std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::mt19937_64& test_rng() {
  static std::mt19937_64 rng(std::random_device{}());
  return rng;
}

/// A new, empty PostgreSQL database on the run's throwaway server (PGHOST); its conninfo.
inline std::string new_pg_database(const std::string& prefix) {
  PGconn* c = PQconnectdb("dbname=cate");
  REQUIRE_MESSAGE(PQstatus(c) == CONNECTION_OK, "cannot reach the throwaway PostgreSQL: " << PQerrorMessage(c));
  std::string name = prefix + "_" + std::to_string(test_rng()() % 1000000000000ULL);
  PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  const std::string why = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  REQUIRE_MESSAGE(ok, "cannot create a database: " << why);
  return "dbname=" + name;
}

}  // namespace cate::test
