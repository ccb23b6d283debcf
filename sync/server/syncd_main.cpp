// cate-syncd: the central sync server. A short main: read the command line, open the stores,
// hand off to SyncServer (sync_server.hpp).
//
//   cate-syncd [--db FILE] [--pg CONNINFO] [--listen 127.0.0.1] [--port N] [--max-body BYTES]
//   cate-syncd [--db FILE] [--pg CONNINFO] device add DEVICE_ID [NAME]   enrols a kiosk; prints its token
//     (the plain way, with no server pinning; `cate-admin device add NAME` prints an enrolment QR)
//   cate-syncd [--db FILE] [--pg CONNINFO] device revoke DEVICE_ID
//
// --db FILE is the office's SQLite database (meetings, RSVPs, keys: cate-admin's). The sync
// tables live in it too, unless --pg (or --db postgresql://...) puts them in PostgreSQL; then
// the office's data is read from PostgreSQL as well (`cate-admin --pg`), unless a file is named
// (--db FILE or --office FILE), which keeps the office's data in that file.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "sync/admin/central_store.hpp"
#include "sync/server/server_identity.hpp"
#include "sync/server/sync_server.hpp"
#include "sync/server/sync_store.hpp"
#include "sync/server/sync_store_pg.hpp"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: cate-syncd [STORES] [--listen 127.0.0.1] [--port N] [--max-body BYTES]\n"
               "       cate-syncd [STORES] device add DEVICE_ID [NAME]   (prints the device's token)\n"
               "       cate-syncd [STORES] device revoke DEVICE_ID\n"
               "STORES: --db FILE       the office's SQLite database (default office.db); the sync\n"
               "                        tables go in it too unless PostgreSQL is named\n"
               "        --pg CONNINFO   the sync tables and the office's data (cate-admin --pg) in PostgreSQL\n"
               "                        (\"dbname=cate\", \"postgresql://...\")\n"
               "        --db postgresql://...  the same as --pg\n"
               "        --pg CONNINFO --office FILE (or --db FILE --pg CONNINFO): the sync tables in\n"
               "                        PostgreSQL, the office's data in the SQLite file\n");
  return 2;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string db = "office.db";
  bool office_file_named = false;  // --db FILE / --office FILE: the office's data stays in that file
  std::string pg;  // libpq connection string: the sync tables in PostgreSQL
  cate::SyncServerConfig config;
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--db") { auto v = value(); if (!v) return usage(); (cate::is_pg_address(v) ? pg : db) = v; office_file_named |= !cate::is_pg_address(v); }
    else if (a == "--office") { auto v = value(); if (!v) return usage(); db = v; office_file_named = true; }
    else if (a == "--pg") { auto v = value(); if (!v) return usage(); pg = v; }
    else if (a == "--listen") { auto v = value(); if (!v) return usage(); config.bind_address = v; }
    else if (a == "--port") { auto v = value(); if (!v) return usage(); config.port = std::atoi(v); }
    else if (a == "--max-body") { auto v = value(); if (!v) return usage(); config.max_body_bytes = std::strtoull(v, nullptr, 10); }
    else if (a == "--help" || a == "-h") { usage(); return 0; }
    else rest.push_back(a);
  }
  // Serving needs the office's database (made by `cate-admin init`); enrolling only the sync tables.
  cate::StoreResult<std::unique_ptr<cate::CentralStore>> office = std::unique_ptr<cate::CentralStore>();
  if (rest.empty()) {
    office = pg.empty() || office_file_named ? cate::open_sqlite_central_store(db, cate::OpenMode::MustExist)
                                             : cate::open_pg_central_store(pg, cate::OpenMode::MustExist);
    if (!office) { std::fprintf(stderr, "cate-syncd: %s\n", office.error().c_str()); return 1; }
    // The identity key signs every answer; kiosks enrolled by QR pin it.
    auto identity = (*office)->server_identity(/*create=*/true);
    if (!identity) { std::fprintf(stderr, "cate-syncd: %s\n", identity.error().c_str()); return 1; }
    config.identity = **identity;
  }
  auto records = pg.empty() ? cate::open_sqlite_sync_store(db) : cate::open_pg_sync_store(pg);
  if (!records) { std::fprintf(stderr, "cate-syncd: %s\n", records.error().c_str()); return 1; }

  if (!rest.empty()) {
    if (rest.size() >= 3 && rest[0] == "device" && rest[1] == "add") {
      std::string token = cate::new_device_token();
      cate::SyncDevice d{rest[2], rest.size() > 3 ? rest[3] : rest[2], now_ms(), {}, {}};
      if (auto r = (*records)->add_device(d, token); !r) { std::fprintf(stderr, "cate-syncd: %s\n", r.error().c_str()); return 1; }
      std::printf("%s\n", token.c_str());
      return 0;
    }
    if (rest.size() == 3 && rest[0] == "device" && rest[1] == "revoke") {
      if (auto r = (*records)->revoke_device(rest[2], now_ms()); !r) { std::fprintf(stderr, "cate-syncd: %s\n", r.error().c_str()); return 1; }
      return 0;
    }
    return usage();
  }

  // SIGINT/SIGTERM are taken by a thread of their own, which stops the server cleanly.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  cate::SyncServer server(**records, **office, config);
  auto port = server.bind();
  if (!port) { std::fprintf(stderr, "cate-syncd: %s\n", port.error().c_str()); return 1; }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  server.serve_here();
  // serve_here() returns only after stop() (or a failure): wake the waiter if it still waits.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}
