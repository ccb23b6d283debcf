// The commands of cate-admin. Each one reads its options, talks to the central store, and says
// what it did: IDs of new things alone on stdout (for scripts), messages for people on stderr.
#include "sync/admin/admin_commands.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "platform/image.hpp"
#include "sync/admin/central_store.hpp"
#include "sync/admin/csv.hpp"
#include "sync/admin/qr_image.hpp"
#include "sync/protocol/bundle.hpp"
#include "sync/protocol/enrolment.hpp"
#include "sync/protocol/form_definition.hpp"
#include "sync/protocol/sealed_form.hpp"
#include "sync/protocol/ticket.hpp"
#include "sync/protocol/update_signature.hpp"
#include "sync/protocol/usb_export.hpp"
#include "sync/server/server_identity.hpp"
#include "sync/server/sync_store.hpp"
#include "sync/server/sync_store_pg.hpp"

namespace cate::admin {

namespace {

constexpr std::string_view kUsage = R"(cate-admin: the office's tool for CATE check-in: meetings, RSVPs, ticket QR codes,
revocations and kiosk bundles.

usage: cate-admin [--db FILE | --pg CONNINFO] COMMAND [OPTIONS]

  --db FILE   the central database (default: $CATE_ADMIN_DB, else cate-central.db in the
              current folder). It holds the secret signing keys: keep it private.
  --pg CONNINFO
              the office's data in PostgreSQL instead (a libpq connection string,
              "dbname=cate" or "postgresql://user@host/db"; `--db postgresql://...` is the
              same); cate-syncd's tables are then read there too
  --help      show this text (also: cate-admin COMMAND --help)

commands:
  init                       create the database and its first signing key; prints the key ID
  key new                    make a new signing key; it signs from now on, older keys still
                             check the tickets they signed; prints the key ID
  key list                   list keys: id, created, retired, current
  key retire KEYID           stop using a key: bundles made from now on leave it out, so
                             kiosks stop accepting tickets it signed

  meeting add --name NAME --starts "YYYY-MM-DD HH:MM" --ends "YYYY-MM-DD HH:MM"
                             add a meeting (no address: it is only ever sent to people who
                             RSVP); prints the meeting ID
  meeting list               list meetings: id, starts, ends, name

  rsvp add --meeting ID --first NAME [--last NAME] [--email ADDR]
                             add one RSVP; prints the RSVP ID
  rsvp import --meeting ID FILE.csv
                             add RSVPs from a CSV file whose first line names the columns
                             (first_name, last_name, email); refused lines are listed
  rsvp list --meeting ID     list RSVPs: id, first_name, last_name, email, serial
  rsvp remove --rsvp ID      remove a cancelled RSVP (and its revocations); kiosks drop it
                             at their next sync; check-ins already made stay

  ticket --rsvp ID [--format text|term|png|svg] [--out FILE] [--scale N]
         [--valid-from "YYYY-MM-DD HH:MM"] [--valid-until "YYYY-MM-DD HH:MM"] [--reissue]
                             the RSVP's ticket: text (default) prints it, term draws the QR
                             code in the terminal, png/svg write FILE (default <rsvp id>.png
                             or .svg here) and print its name. Valid by default from 12 hours
                             before the meeting to 12 hours after it. --reissue revokes the
                             current ticket and makes the next one (a lost phone, a leaked code)
  tickets --meeting ID --out-dir DIR [--format png|svg] [--scale N]
          [--valid-from "..."] [--valid-until "..."]
                             one QR code file per RSVP, named <rsvp id>.png (or .svg), and
                             DIR/index.csv (rsvp_id, first_name, last_name, email, file) for
                             a mail merge; prints the index file's name
  revoke --ticket RSVPID.SERIAL | --rsvp ID
                             refuse a ticket from now on (--rsvp: its current ticket)
  bundle --meeting ID [--meeting ID ...] [--active ID] --out FILE
                             write a signed kiosk bundle: the meetings, their RSVPs and
                             revocations, and every key not retired. --active names the
                             meeting the kiosk opens on (default: the only one, if one)

  form set FILE.json         check a form definition (as in assets/forms) and hand it to
                             kiosks at their next sync or bundle: they use it in place of
                             their built-in form of the same ID. Its "version" must be above
                             the one the office has
  form list                  list the office's forms: id, version, updated, title

  device add NAME --url URL [--expires-hours H] [--png FILE] [--text]
                             make a device and its one-time enrolment code (valid H hours,
                             default 24): drawn in the terminal, written as PNG with --png,
                             only its text with --text. URL is cate-syncd's address as the
                             kiosk reaches it. A kiosk scans it in staff mode, or runs
                             `cate-kiosk enrol CODE`
  device list                name, device ID, state (waiting, expired, withdrawn, enrolled,
                             revoked), enrolled, last seen, queue, records, revoked
  device revoke NAME|DEVICEID
                             refuse the device from its next request on (or withdraw its
                             unused enrolment code)
  export checkins --meeting ID --out FILE.csv
                             every check-in the server holds for the meeting, duplicates
                             marked, as CSV for Excel (UTF-8, quoted, formula-safe)
  export forms --form ID [--meeting ID] --out FILE.csv
                             every form of that ID the server holds (walk_in, ally_network,
                             community_network, ...), one column per field, lists joined
                             with "; ", as CSV for Excel (UTF-8, quoted, formula-safe)
  export signups             see export forms
  report --meeting ID        RSVPs, checked in, walk-ins, duplicates, failed scans by
                             outcome, and per device its last contact and records
  import-usb FILE [--receipt OUT] [--accept-unenrolled]
                             take in the records a kiosk with no network wrote to a USB stick
                             (cate-kiosk export --usb): opened with the server's key, stored as
                             an upload is, each once (again, or after the kiosk synced: nothing
                             changes). Prints {"stored":N,"duplicate":N,...}. --receipt writes
                             a receipt signed by the server for `cate-kiosk import-receipt`, so
                             the records leave the kiosk's outbox without a network
  purge --older-than DAYS    wipe names and e-mails of the RSVPs of meetings that ended more
                             than DAYS ago; the RSVPs stay, so every count still adds up
  open-forms [--key FILE] [FILE...]
                             open sealed walk-in and sign-up forms: each line of the FILEs (or
                             of standard input) is a 'form' record's payload JSON or its sealed
                             text; prints one JSON line each with the answers. The key is the
                             server's identity in --db, or the secret key (base64) in --key FILE

  update sign FILE.deb [--out FILE.sig]
                             sign a cate-kiosk package for kiosks to install from a USB stick:
                             its name, version, architecture and SHA-256, signed with the
                             current signing key (default FILE.deb.sig). Put both files in
                             cate-update/ on the stick; a kiosk refuses a package without it

  device, export, report and import-usb take --pg CONNINFO when cate-syncd keeps its tables in
  PostgreSQL; otherwise they are read from the --db file (shared with cate-syncd).

Times are this machine's local time; "YYYY-MM-DDTHH:MM" works too.
Files are written whole or not at all, readable by you only.
Exit status: 0 done, 1 error, 2 wrong usage, 3 partly done (some rows or tickets refused).
)";

// ---- printing ----

template <class... Args>
void say(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(stderr, "{}\n", fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
int fail(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(stderr, "cate-admin: {}\n", fmt::format(format, std::forward<Args>(args)...));
  return kExitError;
}
template <class... Args>
int usage_error(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(stderr, "cate-admin: {}\n(cate-admin --help shows every command)\n",
             fmt::format(format, std::forward<Args>(args)...));
  return kExitUsage;
}
void print_out(std::string_view line) {
  fmt::print(stdout, "{}\n", line);
  std::fflush(stdout);
}

// ---- options ----

struct OptionSpec {
  std::string_view name;  ///< without the leading "--"
  bool takes_value = true;
  bool repeatable = false;
};

struct Options {
  std::map<std::string, std::vector<std::string>, std::less<>> values;
  std::set<std::string, std::less<>> flags;
  std::vector<std::string> positional;

  bool has(std::string_view name) const { return values.count(name) || flags.count(name); }
  std::optional<std::string> get(std::string_view name) const {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second.front();
  }
  std::vector<std::string> all(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>{} : it->second;
  }
};

// Reads `--name value`, `--name=value` and flags. Every command also takes --help and --db.
Result<Options, std::string> parse_options(const std::vector<std::string>& args, std::size_t start,
                                           std::vector<OptionSpec> specs,
                                           std::size_t max_positional) {
  specs.push_back({"help", false});
  specs.push_back({"db", true});
  Options out;
  for (std::size_t i = start; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      std::string name = arg.substr(2);
      std::optional<std::string> inline_value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
      const OptionSpec* spec = nullptr;
      for (const auto& s : specs)
        if (s.name == name) spec = &s;
      if (!spec) {
        if (name == "address" || name == "location" || name == "venue" || name == "place")
          return Err{fmt::format(
              "--{}: meetings have no address on purpose; it is sent only to people who RSVP "
              "and is never stored here or on a kiosk",
              name)};
        return Err{fmt::format("unknown option --{}", name)};
      }
      if (!spec->takes_value) {
        if (inline_value) return Err{fmt::format("--{} takes no value", name)};
        out.flags.insert(name);
        continue;
      }
      std::string value;
      if (inline_value) {
        value = *inline_value;
      } else {
        if (i + 1 >= args.size() || args[i + 1].compare(0, 2, "--") == 0)
          return Err{fmt::format("--{} needs a value", name)};
        value = args[++i];
      }
      auto& slot = out.values[name];
      if (!slot.empty() && !spec->repeatable)
        return Err{fmt::format("--{} is given twice", name)};
      slot.push_back(std::move(value));
    } else if (arg == "-h") {
      out.flags.insert("help");
    } else {
      if (out.positional.size() >= max_positional)
        return Err{fmt::format("unexpected '{}'", arg)};
      out.positional.push_back(arg);
    }
  }
  return out;
}

// ---- times ----

std::string local_time_str(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (!localtime_r(&t, &tm)) return std::to_string(unix_seconds);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// "YYYY-MM-DD HH:MM" or "YYYY-MM-DDTHH:MM", in the machine's local time.
Result<std::int64_t, std::string> parse_local_time(std::string_view text, std::string_view option) {
  auto bad = [&](std::string_view why) {
    return Err{fmt::format("--{} \"{}\": {}; write it as YYYY-MM-DD HH:MM, e.g. 2025-03-14 18:00 "
                           "(this machine's local time)",
                           option, text, why)};
  };
  if (text.size() != 16) return bad("not a date and time");
  auto digits = [&](std::size_t at, std::size_t count, int& v) {
    v = 0;
    for (std::size_t k = at; k < at + count; ++k) {
      if (text[k] < '0' || text[k] > '9') return false;
      v = v * 10 + (text[k] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute;
  if (!digits(0, 4, year) || text[4] != '-' || !digits(5, 2, month) || text[7] != '-' ||
      !digits(8, 2, day) || (text[10] != ' ' && text[10] != 'T') || !digits(11, 2, hour) ||
      text[13] != ':' || !digits(14, 2, minute))
    return bad("not a date and time");
  if (year < 1971 || year > 2105) return bad("the year must be between 1971 and 2105");
  if (month < 1 || month > 12) return bad(fmt::format("there is no month {}", month));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = kDays[month - 1] + (month == 2 && is_leap(year) ? 1 : 0);
  if (day < 1 || day > days) return bad(fmt::format("month {} has no day {}", month, day));
  if (hour > 23 || minute > 59) return bad("there is no such time of day");
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_isdst = -1;
  std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return bad("this machine cannot read that time");
  std::tm back{};
  localtime_r(&t, &back);
  if (back.tm_hour != hour || back.tm_min != minute || back.tm_mday != day)
    return Err{fmt::format("--{} \"{}\": that time does not exist on this machine's clock (the "
                           "clocks change that night); pick another time",
                           option, text)};
  return static_cast<std::int64_t>(t);
}

// ---- files ----

// Writes the whole file or nothing: a temporary file beside it (mode 0600), flushed to disk,
// then renamed over the target.
Result<std::monostate, std::string> write_file_atomically(const std::string& path,
                                                          std::string_view bytes) {
  std::string temp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return Err{fmt::format("cannot write {}: {}", path, std::strerror(errno))};
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return Err{fmt::format("cannot write {}: {}", path, std::strerror(e))};
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(temp.c_str());
    return Err{fmt::format("cannot write {}: {}", path, std::strerror(e))};
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(temp.c_str());
    return Err{fmt::format("cannot write {}: {}", path, std::strerror(e))};
  }
  // Make the rename itself durable (best effort: some file systems refuse to sync a folder).
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return std::monostate{};
}

constexpr std::size_t kMaxRosterBytes = 64u * 1024 * 1024;

Result<std::string, std::string> read_whole_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Err{fmt::format("{} is a folder, not a file", path)};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err{fmt::format("cannot read {}: {}", path, std::strerror(errno))};
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxRosterBytes)
      return Err{fmt::format("{} is larger than 64 MB; that is not a roster", path)};
  }
  if (in.bad()) return Err{fmt::format("cannot read {}", path)};
  return text;
}

// ---- the store and IDs ----

struct Context {
  std::string db_path;
  std::string pg;  ///< libpq connection string: the office's data (and the sync tables) in PostgreSQL
  std::int64_t now = 0;
  std::unique_ptr<CentralStore> store;
};

// Opens the existing database, or says how to make one.
std::optional<int> open_store(Context& ctx) {
  if (!ctx.pg.empty()) {
    auto store = open_pg_central_store(ctx.pg, OpenMode::MustExist);
    if (!store) return fail("{}", store.error());
    ctx.store = std::move(*store);
    return std::nullopt;
  }
  struct stat st {};
  if (::stat(ctx.db_path.c_str(), &st) != 0)
    return fail("no database at {}: run `cate-admin init` first (or name one with --db FILE)",
                ctx.db_path);
  auto store = open_sqlite_central_store(ctx.db_path, OpenMode::MustExist);
  if (!store) return fail("{}", store.error());
  ctx.store = std::move(*store);
  return std::nullopt;
}

template <class Id>
std::optional<Id> parse_id(std::string_view text) {
  return Id::parse(trim_spaces(text));
}

Result<Meeting, std::string> need_meeting(Context& ctx, std::string_view text) {
  auto id = parse_id<MeetingId>(text);
  if (!id)
    return Err{fmt::format("'{}' is not a meeting ID (16 hex digits, as `cate-admin meeting list` "
                           "shows)",
                           text)};
  auto m = ctx.store->find_meeting(*id);
  if (!m) return Err{m.error()};
  if (!*m)
    return Err{fmt::format("there is no meeting {} in {} (`cate-admin meeting list` shows them)",
                           id->str(), ctx.store->location())};
  return **m;
}

Result<RsvpRecord, std::string> need_rsvp(Context& ctx, std::string_view text) {
  auto id = parse_id<RsvpId>(text);
  if (!id)
    return Err{fmt::format("'{}' is not an RSVP ID (16 hex digits, as `cate-admin rsvp list` shows)",
                           text)};
  auto r = ctx.store->find_rsvp(*id);
  if (!r) return Err{r.error()};
  if (!*r)
    return Err{fmt::format("there is no RSVP {} in {} (`cate-admin rsvp list --meeting ID` shows "
                           "them)",
                           id->str(), ctx.store->location())};
  return **r;
}

Result<SigningKeyRecord, std::string> need_current_key(Context& ctx) {
  auto key = ctx.store->current_signing_key();
  if (!key) return Err{key.error()};
  if (!*key)
    return Err{std::string("every signing key is retired: make one with `cate-admin key new`")};
  return **key;
}

// ---- tickets ----

enum class Format { Text, Term, Png, Svg };

std::optional<Format> parse_format(std::string_view text) {
  if (text == "text") return Format::Text;
  if (text == "term") return Format::Term;
  if (text == "png") return Format::Png;
  if (text == "svg") return Format::Svg;
  return std::nullopt;
}
const char* extension(Format f) { return f == Format::Svg ? "svg" : "png"; }

struct TicketOptions {
  Format format = Format::Text;
  int scale = 8;
  std::optional<std::int64_t> valid_from;
  std::optional<std::int64_t> valid_until;
};

// Reads --format, --scale, --valid-from and --valid-until; a usage message when they are wrong.
std::optional<std::string> read_ticket_options(const Options& opts, TicketOptions& out,
                                               bool files_only) {
  if (auto f = opts.get("format")) {
    auto format = parse_format(*f);
    if (!format || (files_only && (*format == Format::Text || *format == Format::Term)))
      return fmt::format("--format {}: use {}", *f, files_only ? "png or svg" : "text, term, png or svg");
    out.format = *format;
  }
  if (auto s = opts.get("scale")) {
    int v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc{} || p != s->data() + s->size() || v < 1 || v > 64)
      return fmt::format("--scale {}: use a whole number of pixels a module, 1 to 64", *s);
    out.scale = v;
  }
  for (auto [name, slot] : {std::pair{"valid-from", &out.valid_from},
                            std::pair{"valid-until", &out.valid_until}}) {
    if (auto v = opts.get(name)) {
      auto t = parse_local_time(*v, name);
      if (!t) return t.error();
      *slot = *t;
    }
  }
  return std::nullopt;
}

constexpr std::int64_t kDefaultMargin = 12 * 3600;

Result<Ticket, std::string> ticket_fields(const RsvpRecord& r, const Meeting& m,
                                          const TicketOptions& t) {
  Ticket ticket;
  ticket.meeting = m.id;
  ticket.rsvp = r.rsvp.id;
  ticket.serial = r.serial;
  ticket.not_before = t.valid_from.value_or(m.starts_at - kDefaultMargin);
  ticket.not_after = t.valid_until.value_or(m.ends_at + kDefaultMargin);
  if (ticket.not_after <= ticket.not_before)
    return Err{fmt::format("the ticket would be valid from {} until {}: it must end after it "
                           "starts",
                           local_time_str(ticket.not_before), local_time_str(ticket.not_after))};
  return ticket;
}

// The ticket text drawn as a PNG or SVG file's bytes, or as terminal text.
Result<std::string, std::string> draw(const std::string& ticket_text, Format format, int scale) {
  auto qr = encode_qr(ticket_text);
  if (!qr) return Err{std::string("cannot draw a QR code for this ticket")};
  switch (format) {
    case Format::Png: {
      std::string png = encode_png(qr_to_image(*qr, scale));
      if (png.empty()) return Err{std::string("cannot encode the QR code as PNG")};
      return png;
    }
    case Format::Svg: return qr_to_svg(*qr, scale);
    case Format::Term: return qr_to_text(*qr);
    case Format::Text: break;
  }
  return ticket_text;
}

// A revoked current ticket is not issued again: the person needs --reissue.
std::optional<std::string> refuse_if_revoked(Context& ctx, const RsvpRecord& r) {
  TicketRef ref{r.rsvp.id, r.serial};
  auto revoked = ctx.store->find_revocation(ref);
  if (!revoked) return revoked.error();
  if (*revoked)
    return fmt::format("ticket {} was revoked on {}; to give this person a new code run "
                       "`cate-admin ticket --rsvp {} --reissue` (the old code stays refused)",
                       ref.str(), local_time_str((*revoked)->revoked_at), r.rsvp.id.str());
  return std::nullopt;
}

// ---- commands ----

// A new signing key whose 2-byte ID no stored key has (tickets name their key by that ID).
StoreResult<SigningKeyRecord> add_fresh_signing_key(CentralStore& store, std::int64_t now) {
  for (int attempt = 0;; ++attempt) {
    auto key = store.add_signing_key(SecretKey::generate(), now);
    if (key || attempt == 16 || key.error().find("already stored") == std::string::npos) return key;
  }
}

// `init` on PostgreSQL: the office's tables made (or found empty) and the first key.
int init_pg(Context& ctx) {
  auto store = open_pg_central_store(ctx.pg, OpenMode::CreateIfMissing);
  if (!store) return fail("{}", store.error());
  auto keys = (*store)->signing_keys();
  if (!keys) return fail("{}", keys.error());
  if (!keys->empty())
    return fail("the office's tables in {} already hold signing keys; nothing was changed (`cate-admin key new` "
                "makes a new signing key)",
                (*store)->location());
  auto key = add_fresh_signing_key(**store, ctx.now);
  if (!key) return fail("{}", key.error());
  say("made the office's tables in {} with signing key {}; they hold secret keys: keep the database private "
      "and backed up",
      (*store)->location(), key_id_str(key->id));
  print_out(key_id_str(key->id));
  return kExitOk;
}

int cmd_init(Context& ctx, const Options&) {
  if (!ctx.pg.empty()) return init_pg(ctx);
  struct stat st {};
  if (::stat(ctx.db_path.c_str(), &st) == 0)
    return fail("there is already a database at {}; nothing was changed (`cate-admin key new` "
                "makes a new signing key)",
                ctx.db_path);
  // A database half made (no key) is removed again, so `init` can simply be run once more.
  auto remove_half_made = [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((ctx.db_path + suffix).c_str());
  };
  auto store = open_sqlite_central_store(ctx.db_path, OpenMode::CreateIfMissing);
  if (!store) {
    if (::stat(ctx.db_path.c_str(), &st) == 0 && st.st_size == 0) remove_half_made();
    return fail("{}", store.error());
  }
  auto key = add_fresh_signing_key(**store, ctx.now);
  if (!key) {
    store.value().reset();
    remove_half_made();
    return fail("{}", key.error());
  }
  say("created {} with signing key {}; it holds secret keys: keep it private and backed up",
      ctx.db_path, key_id_str(key->id));
  print_out(key_id_str(key->id));
  return kExitOk;
}

int cmd_key(Context& ctx, const Options& opts) {
  if (opts.positional.empty()) return usage_error("key: use `key new`, `key list` or `key retire KEYID`");
  const std::string& what = opts.positional[0];
  if (what == "new") {
    if (opts.positional.size() > 1) return usage_error("key new takes no arguments");
    auto key = add_fresh_signing_key(*ctx.store, ctx.now);
    if (!key) return fail("{}", key.error());
    say("signing key {} signs from now on; older keys still check the tickets they signed until "
        "retired",
        key_id_str(key->id));
    print_out(key_id_str(key->id));
    return kExitOk;
  }
  if (what == "list") {
    if (opts.positional.size() > 1) return usage_error("key list takes no arguments");
    auto keys = ctx.store->signing_keys();
    if (!keys) return fail("{}", keys.error());
    auto current = ctx.store->current_signing_key();
    if (!current) return fail("{}", current.error());
    print_out("id\tcreated\tretired\tcurrent");
    for (const auto& k : *keys) {
      bool is_current = *current && (*current)->id == k.id;
      print_out(fmt::format("{}\t{}\t{}\t{}", key_id_str(k.id), local_time_str(k.created_at),
                            k.retired_at ? local_time_str(*k.retired_at) : "-",
                            is_current ? "yes" : "no"));
    }
    return kExitOk;
  }
  if (what == "retire") {
    if (opts.positional.size() != 2) return usage_error("key retire needs one key ID (`cate-admin key list` shows them)");
    auto id = parse_key_id(trim_spaces(opts.positional[1]));
    if (!id)
      return fail("'{}' is not a key ID (8 hex digits, as `cate-admin key list` shows)",
                  opts.positional[1]);
    auto before = ctx.store->current_signing_key();
    if (!before) return fail("{}", before.error());
    if (auto r = ctx.store->retire_signing_key(*id, ctx.now); !r) return fail("{}", r.error());
    say("retired key {}: bundles made from now on leave it out, so kiosks stop accepting the "
        "tickets it signed; print new ones with `cate-admin ticket` or `cate-admin tickets`",
        key_id_str(*id));
    if (*before && (*before)->id == *id) {
      auto after = ctx.store->current_signing_key();
      if (after && *after) say("key {} signs from now on", key_id_str((*after)->id));
      else say("no signing key is left: make one with `cate-admin key new`");
    }
    return kExitOk;
  }
  return usage_error("key {}: use `key new`, `key list` or `key retire KEYID`", what);
}

constexpr std::size_t kMaxMeetingName = 200;

int cmd_meeting(Context& ctx, const Options& opts) {
  if (opts.positional.empty()) return usage_error("meeting: use `meeting add` or `meeting list`");
  const std::string& what = opts.positional[0];
  if (opts.positional.size() > 1) return usage_error("unexpected '{}'", opts.positional[1]);
  if (what == "list") {
    auto meetings = ctx.store->meetings();
    if (!meetings) return fail("{}", meetings.error());
    print_out("id\tstarts\tends\tname");
    for (const auto& m : *meetings)
      print_out(fmt::format("{}\t{}\t{}\t{}", m.id.str(), local_time_str(m.starts_at),
                            local_time_str(m.ends_at), m.name));
    return kExitOk;
  }
  if (what != "add") return usage_error("meeting {}: use `meeting add` or `meeting list`", what);
  auto name_opt = opts.get("name");
  auto starts_opt = opts.get("starts");
  auto ends_opt = opts.get("ends");
  if (!name_opt || !starts_opt || !ends_opt)
    return usage_error("meeting add needs --name NAME --starts \"YYYY-MM-DD HH:MM\" --ends \"YYYY-MM-DD HH:MM\"");
  std::string_view name = trim_spaces(*name_opt);
  if (!is_valid_utf8(name)) return fail("--name is not UTF-8 text");
  if (has_control_character(name)) return fail("--name contains a line break, tab or other control character");
  std::size_t length = count_code_points(name);
  if (length == 0) return fail("--name is empty; a meeting needs a name");
  if (length > kMaxMeetingName)
    return fail("--name is {} characters long; at most {}", length, kMaxMeetingName);
  auto starts = parse_local_time(*starts_opt, "starts");
  if (!starts) return fail("{}", starts.error());
  auto ends = parse_local_time(*ends_opt, "ends");
  if (!ends) return fail("{}", ends.error());
  if (*ends <= *starts)
    return fail("the meeting must end after it starts (--starts {}, --ends {})",
                local_time_str(*starts), local_time_str(*ends));
  auto m = ctx.store->add_meeting(name, *starts, *ends, ctx.now);
  if (!m) return fail("{}", m.error());
  say("added meeting \"{}\", {} to {}", m->name, local_time_str(m->starts_at), local_time_str(m->ends_at));
  print_out(m->id.str());
  return kExitOk;
}

int rsvp_add(Context& ctx, const Options& opts) {
  auto meeting_opt = opts.get("meeting");
  auto first_opt = opts.get("first");
  if (!meeting_opt || !first_opt)
    return usage_error("rsvp add needs --meeting ID --first NAME (and optionally --last NAME --email ADDR)");
  auto meeting = need_meeting(ctx, *meeting_opt);
  if (!meeting) return fail("{}", meeting.error());
  NewRsvp n;
  n.first_name = std::string(trim_spaces(*first_opt));
  n.last_name = std::string(trim_spaces(opts.get("last").value_or("")));
  n.email = std::string(trim_spaces(opts.get("email").value_or("")));
  if (auto problem = check_rsvp_fields(n.first_name, n.last_name, n.email)) return fail("{}", *problem);
  auto existing = ctx.store->find_rsvp_by_email(meeting->id, n.email);
  if (!existing) return fail("{}", existing.error());
  if (*existing)
    return fail("email {} already has an RSVP for this meeting: {}", n.email, (*existing)->rsvp.id.str());
  auto added = ctx.store->add_rsvps(meeting->id, {n}, ctx.now);
  if (!added) return fail("{}", added.error());
  say("added an RSVP for \"{}\"", meeting->name);
  print_out(added->front().rsvp.id.str());
  return kExitOk;
}

int rsvp_import(Context& ctx, const Options& opts) {
  auto meeting_opt = opts.get("meeting");
  if (!meeting_opt || opts.positional.size() != 2)
    return usage_error("rsvp import needs --meeting ID and one FILE.csv");
  auto meeting = need_meeting(ctx, *meeting_opt);
  if (!meeting) return fail("{}", meeting.error());
  const std::string& path = opts.positional[1];
  auto text = read_whole_file(path);
  if (!text) return fail("{}; nothing was imported", text.error());

  RosterImport roster = parse_roster_csv(*text);
  for (const auto& note : roster.notes) say("{}: note: {}", path, note);
  if (roster.file_refused) {
    for (const auto& p : roster.problems) say("{}: {}", path, p.str());
    return fail("nothing was imported from {}", path);
  }

  // Rows whose e-mail already has an RSVP for this meeting (an import run twice) are refused.
  std::vector<RosterProblem> problems = roster.problems;
  std::vector<NewRsvp> rows;
  for (const auto& row : roster.rows) {
    auto existing = ctx.store->find_rsvp_by_email(meeting->id, row.email);
    if (!existing) return fail("{}; nothing was imported", existing.error());
    if (*existing) {
      problems.push_back({row.line, fmt::format("email {} already has an RSVP for this meeting ({})",
                                                row.email, (*existing)->rsvp.id.str())});
      continue;
    }
    rows.push_back({row.first_name, row.last_name, row.email});
  }
  std::stable_sort(problems.begin(), problems.end(),
                   [](const RosterProblem& a, const RosterProblem& b) { return a.line < b.line; });

  std::size_t imported = 0;
  if (!rows.empty()) {
    auto added = ctx.store->add_rsvps(meeting->id, rows, ctx.now);
    if (!added) return fail("{}; nothing was imported", added.error());
    imported = added->size();
  }
  for (const auto& p : problems) say("{}", p.str());
  say("imported {} RSVP{} for \"{}\"{}", imported, imported == 1 ? "" : "s", meeting->name,
      problems.empty() ? "" : fmt::format("; refused {} line{} (listed above)", problems.size(),
                                          problems.size() == 1 ? "" : "s"));
  if (problems.empty()) {
    if (imported == 0) say("{} has no rows under its first line", path);
    return kExitOk;
  }
  return imported > 0 ? kExitPartly : kExitError;
}

int rsvp_list(Context& ctx, const Options& opts) {
  auto meeting_opt = opts.get("meeting");
  if (!meeting_opt || opts.positional.size() != 1) return usage_error("rsvp list needs --meeting ID");
  auto meeting = need_meeting(ctx, *meeting_opt);
  if (!meeting) return fail("{}", meeting.error());
  auto rsvps = ctx.store->rsvps_for_meeting(meeting->id);
  if (!rsvps) return fail("{}", rsvps.error());
  print_out("id\tfirst_name\tlast_name\temail\tserial");
  for (const auto& r : *rsvps)
    print_out(fmt::format("{}\t{}\t{}\t{}\t{}", r.rsvp.id.str(), r.rsvp.first_name,
                          r.rsvp.last_name, r.rsvp.email, r.serial));
  return kExitOk;
}

int rsvp_remove(Context& ctx, const Options& opts) {
  auto rsvp_opt = opts.get("rsvp");
  if (!rsvp_opt) return usage_error("rsvp remove needs --rsvp ID");
  auto rsvp = need_rsvp(ctx, *rsvp_opt);
  if (!rsvp) return fail("{}", rsvp.error());
  auto removed = ctx.store->remove_rsvp(rsvp->rsvp.id);
  if (!removed) return fail("{}", removed.error());
  say("removed RSVP {} ({}): kiosks drop it at their next sync; check-ins already recorded stay", rsvp->rsvp.id.str(),
      rsvp->rsvp.first_name);
  return kExitOk;
}

int cmd_rsvp(Context& ctx, const Options& opts) {
  if (opts.positional.empty()) return usage_error("rsvp: use `rsvp add`, `rsvp import` or `rsvp list`");
  const std::string& what = opts.positional[0];
  if (what == "import") return rsvp_import(ctx, opts);
  if (opts.positional.size() > 1) return usage_error("unexpected '{}'", opts.positional[1]);
  if (what == "add") return rsvp_add(ctx, opts);
  if (what == "list") return rsvp_list(ctx, opts);
  if (what == "remove") return rsvp_remove(ctx, opts);
  return usage_error("rsvp {}: use `rsvp add`, `rsvp import`, `rsvp list` or `rsvp remove`", what);
}

int cmd_ticket(Context& ctx, const Options& opts) {
  auto rsvp_opt = opts.get("rsvp");
  if (!rsvp_opt) return usage_error("ticket needs --rsvp ID");
  TicketOptions topts;
  if (auto problem = read_ticket_options(opts, topts, false)) return usage_error("{}", *problem);
  if (opts.has("out") && (topts.format == Format::Text || topts.format == Format::Term))
    return usage_error("--out is for --format png or svg");
  auto rsvp = need_rsvp(ctx, *rsvp_opt);
  if (!rsvp) return fail("{}", rsvp.error());
  auto meeting = need_meeting(ctx, rsvp->rsvp.meeting.str());
  if (!meeting) return fail("{}", meeting.error());
  auto key = need_current_key(ctx);
  if (!key) return fail("{}", key.error());

  if (opts.has("reissue")) {
    auto serial = ctx.store->reissue_ticket(rsvp->rsvp.id, ctx.now);
    if (!serial) return fail("{}", serial.error());
    say("revoked ticket {}.{}; this is ticket {}.{}", rsvp->rsvp.id.str(), rsvp->serial,
        rsvp->rsvp.id.str(), *serial);
    rsvp->serial = *serial;
  } else if (auto problem = refuse_if_revoked(ctx, *rsvp)) {
    return fail("{}", *problem);
  }

  auto fields = ticket_fields(*rsvp, *meeting, topts);
  if (!fields) return fail("{}", fields.error());
  std::string text = issue_ticket(*fields, key->secret_key);
  auto drawn = draw(text, topts.format, topts.scale);
  if (!drawn) return fail("{}", drawn.error());
  if (topts.format == Format::Text || topts.format == Format::Term) {
    fmt::print(stdout, "{}{}", *drawn, topts.format == Format::Text ? "\n" : "");
    std::fflush(stdout);
  } else {
    std::string out = opts.get("out").value_or(rsvp->rsvp.id.str() + "." + extension(topts.format));
    if (auto r = write_file_atomically(out, *drawn); !r) return fail("{}", r.error());
    print_out(out);
  }
  say("ticket {} for \"{}\", valid {} to {}, signed by key {}", ref_of(*fields).str(),
      meeting->name, local_time_str(fields->not_before), local_time_str(fields->not_after),
      key_id_str(key->id));
  return kExitOk;
}

int cmd_tickets(Context& ctx, const Options& opts) {
  auto meeting_opt = opts.get("meeting");
  auto dir_opt = opts.get("out-dir");
  if (!meeting_opt || !dir_opt) return usage_error("tickets needs --meeting ID --out-dir DIR");
  TicketOptions topts;
  topts.format = Format::Png;
  if (auto problem = read_ticket_options(opts, topts, true)) return usage_error("{}", *problem);
  auto meeting = need_meeting(ctx, *meeting_opt);
  if (!meeting) return fail("{}", meeting.error());
  auto key = need_current_key(ctx);
  if (!key) return fail("{}", key.error());
  auto rsvps = ctx.store->rsvps_for_meeting(meeting->id);
  if (!rsvps) return fail("{}", rsvps.error());

  const std::filesystem::path dir(*dir_opt);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec))
    return fail("cannot make the folder {}: {}", dir.string(), ec ? ec.message() : "not a folder");

  std::string index(kUtf8Bom);
  index += csv_record_for_spreadsheet({"rsvp_id", "first_name", "last_name", "email", "file"});
  std::size_t written = 0, skipped = 0;
  for (const auto& r : *rsvps) {
    if (auto problem = refuse_if_revoked(ctx, r)) {
      say("skipped: {}", *problem);
      ++skipped;
      continue;
    }
    auto fields = ticket_fields(r, *meeting, topts);
    if (!fields) return fail("{}", fields.error());
    auto drawn = draw(issue_ticket(*fields, key->secret_key), topts.format, topts.scale);
    if (!drawn) return fail("{}", drawn.error());
    std::string file = r.rsvp.id.str() + "." + extension(topts.format);
    if (auto w = write_file_atomically((dir / file).string(), *drawn); !w) return fail("{}", w.error());
    index += csv_record_for_spreadsheet({r.rsvp.id.str(), r.rsvp.first_name, r.rsvp.last_name,
                                         r.rsvp.email, file});
    ++written;
  }
  const std::string index_path = (dir / "index.csv").string();
  if (auto w = write_file_atomically(index_path, index); !w) return fail("{}", w.error());
  say("wrote {} ticket{} for \"{}\" and {} (signed by key {}){}", written, written == 1 ? "" : "s",
      meeting->name, index_path, key_id_str(key->id),
      skipped ? fmt::format("; skipped {} revoked", skipped) : std::string());
  if (rsvps->empty()) say("the meeting has no RSVPs yet");
  print_out(index_path);
  return skipped ? kExitPartly : kExitOk;
}

int cmd_revoke(Context& ctx, const Options& opts) {
  auto ticket_opt = opts.get("ticket");
  auto rsvp_opt = opts.get("rsvp");
  if (ticket_opt.has_value() == rsvp_opt.has_value())
    return usage_error("revoke needs either --ticket RSVPID.SERIAL or --rsvp ID");
  TicketRef ref;
  RsvpRecord rsvp;
  if (ticket_opt) {
    auto parsed = TicketRef::parse(trim_spaces(*ticket_opt));
    if (!parsed)
      return fail("'{}' does not name a ticket: write RSVPID.SERIAL, e.g. 0123456789abcdef.1",
                  *ticket_opt);
    auto r = need_rsvp(ctx, parsed->rsvp.str());
    if (!r) return fail("{}", r.error());
    rsvp = *r;
    if (parsed->serial > rsvp.serial)
      return fail("ticket {} was never issued: the current ticket of that RSVP is {}",
                  parsed->str(), TicketRef{rsvp.rsvp.id, rsvp.serial}.str());
    ref = *parsed;
  } else {
    auto r = need_rsvp(ctx, *rsvp_opt);
    if (!r) return fail("{}", r.error());
    rsvp = *r;
    ref = TicketRef{rsvp.rsvp.id, rsvp.serial};
  }
  auto done = ctx.store->revoke_ticket(ref, ctx.now);
  if (!done) return fail("{}", done.error());
  if (*done) {
    say("revoked ticket {}; kiosks refuse it once they sync or get a new bundle", ref.str());
    if (ref.serial == rsvp.serial)
      say("to give this person a new code: cate-admin ticket --rsvp {} --reissue", rsvp.rsvp.id.str());
  } else {
    say("ticket {} was already revoked", ref.str());
  }
  print_out(ref.str());
  return kExitOk;
}

int cmd_form(Context& ctx, const Options& opts) {
  if (opts.positional.empty()) return usage_error("form: use `form set FILE.json` or `form list`");
  const std::string& what = opts.positional[0];
  if (what == "list") {
    if (opts.positional.size() > 1) return usage_error("unexpected '{}'", opts.positional[1]);
    auto forms = ctx.store->forms();
    if (!forms) return fail("{}", forms.error());
    print_out("id\tversion\tupdated\ttitle");
    for (const auto& f : *forms) {
      auto def = parse_form_definition(f.definition, f.id);
      print_out(fmt::format("{}\t{}\t{}\t{}", f.id, f.version, local_time_str(f.updated_at),
                            def ? def->title.en : "(damaged: " + def.error() + ")"));
    }
    return kExitOk;
  }
  if (what != "set") return usage_error("form {}: use `form set FILE.json` or `form list`", what);
  if (opts.positional.size() != 2) return usage_error("form set needs one FILE.json");
  const std::string& path = opts.positional[1];
  auto text = read_whole_file(path);
  if (!text) return fail("{}", text.error());
  // The kiosk's own parser: what passes here, every kiosk takes.
  auto def = parse_form_definition(*text, path);
  if (!def) return fail("{}; the office's forms are unchanged", def.error());
  OfficeForm form{def->id, def->version, nlohmann::json::parse(*text).dump(), ctx.now};
  if (auto r = ctx.store->set_form(form); !r) return fail("{}", r.error());
  say("stored form {} version {} (\"{}\", {} field{}); kiosks take it at their next sync or bundle", form.id,
      form.version, def->title.en, def->fields.size(), def->fields.size() == 1 ? "" : "s");
  print_out(form.id);
  return kExitOk;
}

int cmd_bundle(Context& ctx, const Options& opts) {
  auto meeting_args = opts.all("meeting");
  auto out = opts.get("out");
  if (meeting_args.empty() || !out)
    return usage_error("bundle needs --meeting ID (one or more) and --out FILE");
  Bundle bundle;
  bundle.created_at = ctx.now;
  std::set<MeetingId> seen;
  for (const auto& text : meeting_args) {
    auto m = need_meeting(ctx, text);
    if (!m) return fail("{}", m.error());
    if (!seen.insert(m->id).second) continue;
    auto rsvps = ctx.store->rsvps_for_meeting(m->id);
    if (!rsvps) return fail("{}", rsvps.error());
    for (const auto& r : *rsvps) bundle.rsvps.push_back(r.rsvp);
    auto revoked = ctx.store->revocations_for_meeting(m->id);
    if (!revoked) return fail("{}", revoked.error());
    bundle.revocations.insert(bundle.revocations.end(), revoked->begin(), revoked->end());
    bundle.meetings.push_back(*m);
  }
  if (auto active = opts.get("active")) {
    auto id = parse_id<MeetingId>(*active);
    if (!id || !seen.count(*id))
      return fail("--active {}: name one of the bundle's meetings (given with --meeting)", *active);
    bundle.active_meeting = *id;
  } else if (bundle.meetings.size() == 1) {
    bundle.active_meeting = bundle.meetings.front().id;
  }
  auto key = need_current_key(ctx);
  if (!key) return fail("{}", key.error());
  auto keys = ctx.store->signing_keys();
  if (!keys) return fail("{}", keys.error());
  for (const auto& k : *keys)
    if (!k.retired_at) bundle.keys.push_back(k.public_key);
  // Once cate-syncd (or `device add`) has made the server's identity, kiosks seal forms to it.
  auto identity = ctx.store->server_identity(/*create=*/false);
  if (!identity) return fail("{}", identity.error());
  if (*identity) bundle.seal_key = (*identity)->public_key();
  auto forms = ctx.store->forms();
  if (!forms) return fail("{}", forms.error());
  for (const auto& f : *forms) bundle.forms.push_back(f.definition);

  const std::size_t counts[] = {bundle.meetings.size(), bundle.rsvps.size(),
                                bundle.revocations.size(), bundle.keys.size()};
  std::string active_name;
  for (const auto& m : bundle.meetings)
    if (bundle.active_meeting && m.id == *bundle.active_meeting) active_name = m.name;
  std::string text = write_bundle(std::move(bundle), key->secret_key);
  if (auto w = write_file_atomically(*out, text); !w) return fail("{}", w.error());
  say("wrote {}: {} meeting{}, {} RSVP{}, {} revoked ticket{}, {} key{}, signed by key {}{}", *out,
      counts[0], counts[0] == 1 ? "" : "s", counts[1], counts[1] == 1 ? "" : "s", counts[2],
      counts[2] == 1 ? "" : "s", counts[3], counts[3] == 1 ? "" : "s", key_id_str(key->id),
      active_name.empty() ? std::string() : fmt::format("; opens on \"{}\"", active_name));
  return kExitOk;
}

// ---- devices, exports, reports (the sync server's tables) ----

// The sync store cate-syncd uses: --pg CONNINFO, or the office's own file.
StoreResult<std::unique_ptr<SyncStore>> open_sync_store(const Context& ctx, const Options& opts) {
  if (auto pg = opts.get("pg")) return open_pg_sync_store(*pg);
  if (!ctx.pg.empty()) return open_pg_sync_store(ctx.pg);
  return open_sqlite_sync_store(ctx.db_path);
}

std::string local_time_ms(std::optional<std::int64_t> ms) { return ms ? local_time_str(*ms / 1000) : "-"; }

constexpr std::size_t kMaxDeviceName = 100;

int device_add(Context& ctx, const Options& opts, SyncStore& sync) {
  if (opts.positional.size() != 2) return usage_error("device add needs a NAME (\"Front door\", \"Booth 2\")");
  std::string name(trim_spaces(opts.positional[1]));
  if (!is_valid_utf8(name) || has_control_character(name) || name.empty() || count_code_points(name) > kMaxDeviceName)
    return fail("the device name must be 1 to {} characters of text on one line", kMaxDeviceName);
  auto url_opt = opts.get("url");
  if (!url_opt) return usage_error("device add needs --url URL: cate-syncd's address as the kiosk reaches it");
  auto url = normalise_server_url(*url_opt);
  if (!url) return fail("--url {}: {}", *url_opt, url.error());
  std::int64_t hours = 24;
  if (auto h = opts.get("expires-hours")) {
    auto [p, ec] = std::from_chars(h->data(), h->data() + h->size(), hours);
    if (ec != std::errc{} || p != h->data() + h->size() || hours < 1 || hours > 24 * 30)
      return usage_error("--expires-hours {}: a whole number of hours, 1 to 720", *h);
  }
  auto identity = ctx.store->server_identity(/*create=*/true);
  if (!identity) return fail("{}", identity.error());
  EnrolmentCode code{*url, new_enrolment_token(), server_key_fingerprint((*identity)->public_key())};
  const std::int64_t now_ms = ctx.now * 1000;
  if (auto r = sync.add_enrolment({name, code.token, now_ms, now_ms + hours * 3600 * 1000}); !r)
    return fail("{}", r.error());
  const std::string text = format_enrolment_code(code);
  auto qr = encode_qr(text);
  if (!qr) return fail("cannot draw a QR code for the enrolment code");
  if (auto png = opts.get("png")) {
    std::string bytes = encode_png(qr_to_image(*qr, 8));
    if (bytes.empty()) return fail("cannot encode the QR code as PNG");
    if (auto w = write_file_atomically(*png, bytes); !w) return fail("{}", w.error());
    say("wrote the enrolment QR to {}", *png);
  }
  if (opts.has("text")) {
    print_out(text);
  } else {
    fmt::print(stdout, "{}", qr_to_text(*qr));
    print_out(text);
  }
  say("device \"{}\": scan this code on the kiosk in staff mode (or run `cate-kiosk enrol CODE`) within {} "
      "hour{}; it works once. Server key fingerprint {}",
      name, hours, hours == 1 ? "" : "s", code.fingerprint);
  return kExitOk;
}

int cmd_device(Context& ctx, const Options& opts) {
  if (opts.positional.empty()) return usage_error("device: use `device add NAME`, `device list` or `device revoke NAME`");
  auto sync = open_sync_store(ctx, opts);
  if (!sync) return fail("{}", sync.error());
  const std::string& what = opts.positional[0];
  const std::int64_t now_ms = ctx.now * 1000;
  if (what == "add") return device_add(ctx, opts, **sync);
  if (what == "list") {
    if (opts.positional.size() > 1) return usage_error("device list takes no arguments");
    auto list = (*sync)->devices(now_ms);
    if (!list) return fail("{}", list.error());
    print_out("name\tdevice_id\tstate\tenrolled\tlast_seen\tqueue\trecords\trevoked");
    for (const auto& d : *list)
      print_out(fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}", d.name, d.device_id.empty() ? "-" : d.device_id,
                            d.state, local_time_ms(d.enrolled_at_ms ? d.enrolled_at_ms
                                                   : d.device_id.empty() ? std::nullopt
                                                                         : std::optional(d.created_at_ms)),
                            local_time_ms(d.last_seen_ms), d.queue_depth ? std::to_string(*d.queue_depth) : "-",
                            d.records, local_time_ms(d.revoked_at_ms)));
    return kExitOk;
  }
  if (what == "revoke") {
    if (opts.positional.size() != 2) return usage_error("device revoke needs a device's NAME or DEVICE ID");
    const std::string who(trim_spaces(opts.positional[1]));
    auto list = (*sync)->devices(now_ms);
    if (!list) return fail("{}", list.error());
    for (const auto& d : *list) {
      if (d.device_id.empty() || d.device_id != who) continue;
      if (d.revoked_at_ms) return fail("device {} (\"{}\") is already revoked", who, d.name);
      if (auto r = (*sync)->revoke_device(who, now_ms); !r) return fail("{}", r.error());
      say("revoked device \"{}\" ({}): its next request is refused and it is told so", d.name, who);
      return kExitOk;
    }
    auto n = (*sync)->revoke_by_name(who, now_ms);
    if (!n) return fail("{}", n.error());
    if (*n == 0) return fail("no device in use is named or numbered \"{}\" (`cate-admin device list` shows them)", who);
    say("revoked \"{}\": its next request is refused and it is told so; an unused enrolment code of it no longer works",
        who);
    return kExitOk;
  }
  return usage_error("device {}: use `device add`, `device list` or `device revoke`", what);
}

// `export forms --form ID [--meeting M] --out FILE.csv`: every form of that ID the server opened,
// one column per field key seen (in the order first seen), lists joined with "; ".
std::string form_value_text(const nlohmann::ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v) {
      if (!out.empty()) out += "; ";
      out += e.is_string() ? e.get<std::string>() : e.dump();
    }
    return out;
  }
  return v.is_null() ? std::string() : v.dump();
}

int export_forms(Context& ctx, const Options& opts) {
  auto form = opts.get("form");
  auto out = opts.get("out");
  if (!form || !out) return usage_error("export forms needs --form ID (walk_in, ally_network, ...) --out FILE.csv");
  std::optional<std::string> meeting_id;
  std::string meeting_name;
  if (auto m = opts.get("meeting")) {
    auto meeting = need_meeting(ctx, *m);
    if (!meeting) return fail("{}", meeting.error());
    meeting_id = meeting->id.str();
    meeting_name = meeting->name;
  }
  auto sync = open_sync_store(ctx, opts);
  if (!sync) return fail("{}", sync.error());
  auto rows = (*sync)->forms(*form, meeting_id);
  if (!rows) return fail("{}", rows.error());
  auto devices = (*sync)->devices(ctx.now * 1000);
  if (!devices) return fail("{}", devices.error());
  std::map<std::string, std::string> device_names;
  for (const auto& d : *devices)
    if (!d.device_id.empty()) device_names[d.device_id] = d.name;
  std::vector<nlohmann::ordered_json> answers;
  std::vector<std::string> keys;
  for (const auto& f : *rows) {
    answers.push_back(nlohmann::ordered_json::parse(f.answers, nullptr, false));
    if (!answers.back().is_object()) answers.back() = nlohmann::ordered_json::object();
    for (const auto& [k, v] : answers.back().items())
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  std::vector<std::string> header = {"submitted_at", "form", "form_version", "meeting", "language", "device",
                                     "record_id"};
  header.insert(header.end(), keys.begin(), keys.end());
  std::string csv(kUtf8Bom);
  csv += csv_record_for_spreadsheet(header);
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const ServerForm& f = (*rows)[i];
    auto dn = device_names.find(f.device_id);
    std::vector<std::string> line = {local_time_ms(f.original_ms + f.skew_ms), f.form, std::to_string(f.form_version),
                                     f.meeting.value_or(""), f.language,
                                     dn == device_names.end() ? f.device_id : dn->second, f.record_id};
    for (const auto& k : keys) {
      auto v = answers[i].find(k);
      line.push_back(v == answers[i].end() ? std::string() : form_value_text(*v));
    }
    csv += csv_record_for_spreadsheet(line);
  }
  if (auto w = write_file_atomically(*out, csv); !w) return fail("{}", w.error());
  say("wrote {} \"{}\" form{}{} to {}", rows->size(), *form, rows->size() == 1 ? "" : "s",
      meeting_id ? fmt::format(" of \"{}\"", meeting_name) : std::string(), *out);
  print_out(*out);
  return kExitOk;
}

int cmd_export(Context& ctx, const Options& opts) {
  if (opts.positional.size() == 1 && opts.positional[0] == "forms") return export_forms(ctx, opts);
  if (opts.positional.size() != 1 || (opts.positional[0] != "checkins" && opts.positional[0] != "signups"))
    return usage_error("export: use `export checkins --meeting ID --out FILE.csv` or "
                       "`export forms --form ID --out FILE.csv`");
  auto meeting_opt = opts.get("meeting");
  auto out = opts.get("out");
  if (!meeting_opt || !out) return usage_error("export {} needs --meeting ID --out FILE.csv", opts.positional[0]);
  auto meeting = need_meeting(ctx, *meeting_opt);
  if (!meeting) return fail("{}", meeting.error());
  if (opts.positional[0] == "signups")
    return fail("sign-ups are forms: use `export forms --form ally_network` (or community_network) "
                "[--meeting ID] --out FILE.csv; nothing was written");
  auto sync = open_sync_store(ctx, opts);
  if (!sync) return fail("{}", sync.error());
  auto rows = (*sync)->check_ins(meeting->id.str());
  if (!rows) return fail("{}", rows.error());
  auto devices = (*sync)->devices(ctx.now * 1000);
  if (!devices) return fail("{}", devices.error());
  std::map<std::string, std::string> device_names;
  for (const auto& d : *devices)
    if (!d.device_id.empty()) device_names[d.device_id] = d.name;
  std::string csv(kUtf8Bom);
  csv += csv_record_for_spreadsheet({"checked_in_at", "rsvp_id", "first_name", "last_name", "email", "device",
                                     "counted", "record_id"});
  for (const auto& c : *rows) {
    RsvpRecord person;
    if (auto id = RsvpId::parse(c.rsvp_id)) {
      auto r = ctx.store->find_rsvp(*id);
      if (!r) return fail("{}", r.error());
      if (*r) person = **r;
    }
    auto dn = device_names.find(c.device_id);
    csv += csv_record_for_spreadsheet({local_time_ms(c.original_ms + c.skew_ms), c.rsvp_id, person.rsvp.first_name,
                                       person.rsvp.last_name, person.rsvp.email,
                                       dn == device_names.end() ? c.device_id : dn->second,
                                       c.undone ? "undone" : c.counted ? "yes" : "duplicate", c.record_id});
  }
  if (auto w = write_file_atomically(*out, csv); !w) return fail("{}", w.error());
  say("wrote {} check-in{} of \"{}\" to {}", rows->size(), rows->size() == 1 ? "" : "s", meeting->name, *out);
  print_out(*out);
  return kExitOk;
}

int cmd_report(Context& ctx, const Options& opts) {
  auto meeting_opt = opts.get("meeting");
  if (!meeting_opt) return usage_error("report needs --meeting ID");
  auto meeting = need_meeting(ctx, *meeting_opt);
  if (!meeting) return fail("{}", meeting.error());
  auto rsvps = ctx.store->rsvps_for_meeting(meeting->id);
  if (!rsvps) return fail("{}", rsvps.error());
  auto sync = open_sync_store(ctx, opts);
  if (!sync) return fail("{}", sync.error());
  auto rep = (*sync)->meeting_report(meeting->id.str());
  if (!rep) return fail("{}", rep.error());
  auto devices = (*sync)->devices(ctx.now * 1000);
  if (!devices) return fail("{}", devices.error());
  std::int64_t failed = 0;
  for (const auto& [outcome, n] : rep->refused_by_outcome) failed += n;
  print_out(fmt::format("meeting\t{}\t{}", meeting->id.str(), meeting->name));
  print_out(fmt::format("rsvps\t{}", rsvps->size()));
  print_out(fmt::format("checked_in\t{}", rep->checked_in));
  print_out(fmt::format("walk_ins\t{}", rep->walk_ins));
  print_out(fmt::format("duplicates\t{}", rep->duplicates));
  print_out(fmt::format("undone\t{}", rep->undone));
  print_out(fmt::format("failed_scans\t{}", failed));
  for (const auto& [outcome, n] : rep->refused_by_outcome) print_out(fmt::format("failed_scans.{}\t{}", outcome, n));
  for (const auto& d : *devices) {
    if (d.device_id.empty()) continue;
    auto it = rep->records_by_device.find(d.device_id);
    std::int64_t n = it == rep->records_by_device.end() ? 0 : it->second;
    if (n == 0 && d.revoked_at_ms) continue;
    print_out(fmt::format("device\t{}\tlast_seen={}\trecords={}\tqueue={}", d.name, local_time_ms(d.last_seen_ms), n,
                          d.queue_depth ? std::to_string(*d.queue_depth) : "-"));
  }
  return kExitOk;
}

// ---- a kiosk's USB export ----

// Takes in what `cate-kiosk export --usb` wrote: opened with the server's identity, the kiosk
// proven by the credential sealed inside (as a push proves it by its token), and every batch
// stored through the sync store exactly as a network push is, so a record the server already
// holds is a duplicate and changes nothing, whichever way it came first.
int cmd_import_usb(Context& ctx, const Options& opts) {
  if (opts.positional.size() != 1)
    return usage_error("import-usb needs the FILE a kiosk wrote to the USB stick (cate-kiosk export --usb)");
  const std::string& path = opts.positional[0];
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return fail("{} is a folder: name the export file in it", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read {}: {}", path, std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto identity = ctx.store->server_identity(/*create=*/false);
  if (!identity) return fail("{}", identity.error());
  if (!*identity)
    return fail("{}: this office's server has no identity key yet, so no kiosk can have sealed a file to it", path);
  auto usb = read_usb_export(text, **identity);
  if (!usb) return fail("{}: {}; nothing was stored", path, usb.error());
  auto sync = open_sync_store(ctx, opts);
  if (!sync) return fail("{}", sync.error());
  const std::int64_t now_ms = ctx.now * 1000;
  std::string device = usb->device_id;
  if (!usb->device_token.empty()) {
    auto d = (*sync)->device_for_token(usb->device_token);
    if (!d) return fail("{}", d.error());
    if (!*d || (*d)->device_id != usb->device_id)
      return fail("{}: the kiosk's credential in it is not one this server knows (the kiosk was enrolled again, "
                  "or the file was made for another office); nothing was stored",
                  path);
    if ((*d)->revoked_at_ms)
      return fail("{}: it comes from \"{}\", which the office has revoked; nothing was stored", path, (*d)->name);
  } else if (!opts.has("accept-unenrolled")) {
    return fail("{}: the kiosk that wrote it ({}) is not enrolled, so nothing proves it is one of the office's; if "
                "staff brought the stick from that kiosk, run again with --accept-unenrolled; nothing was stored",
                path, device);
  }
  const std::size_t count = usb->record_count();
  std::size_t stored = 0, duplicate = 0, refused = 0;
  std::map<std::string, std::size_t> reasons;
  UsbReceipt receipt{device, now_ms, {}};
  for (auto& batch : usb->batches) {
    // The time the stick took to arrive cannot be told from a clock error: a record that came
    // on a stick is taken at the kiosk's own clock (no skew correction).
    ReceivedBatch received{device, now_ms, now_ms, std::move(batch.records), batch.outbox_pending};
    auto results = (*sync)->record_batch(received);
    if (!results)
      return fail("{}: stopped after {} stored and {} duplicate: {}; running it again is safe", path, stored,
                  duplicate, results.error());
    for (const auto& r : *results) {
      // What the server now holds (or can never take) leaves the kiosk's outbox, as after a push.
      if (r.status != wire::RecordStatus::Refused || r.permanent) receipt.record_ids.push_back(r.record_id);
      if (r.status == wire::RecordStatus::Stored) ++stored;
      else if (r.status == wire::RecordStatus::Duplicate) ++duplicate;
      else {
        ++refused;
        ++reasons[r.reason];
      }
    }
  }
  std::string why;
  for (const auto& [reason, n] : reasons) why += fmt::format("{}{} {}", why.empty() ? "" : ", ", n, reason);
  say("{}: {} record{} from kiosk {}: {} stored, {} already held{}", path, count, count == 1 ? "" : "s", device, stored, duplicate,
      refused ? fmt::format(", {} refused ({}); the kiosk keeps those and sends them when it syncs", refused, why)
              : std::string());
  if (auto out = opts.get("receipt")) {
    if (auto w = write_file_atomically(*out, write_usb_receipt(receipt, **identity)); !w)
      return fail("the records are stored, but the receipt could not be written: {}", w.error());
    say("wrote the receipt {}: take it back to the kiosk (`cate-kiosk import-receipt {}`) so those records leave "
        "its outbox",
        *out, std::filesystem::path(*out).filename().string());
  }
  print_out(fmt::format(R"({{"device":"{}","records":{},"stored":{},"duplicate":{},"refused":{}}})", device, count,
                        stored, duplicate, refused));
  return refused ? kExitPartly : kExitOk;
}

int cmd_purge(Context& ctx, const Options& opts) {
  auto days_opt = opts.get("older-than");
  if (!days_opt) return usage_error("purge needs --older-than DAYS");
  std::int64_t days = -1;
  auto [p, ec] = std::from_chars(days_opt->data(), days_opt->data() + days_opt->size(), days);
  if (ec != std::errc{} || p != days_opt->data() + days_opt->size() || days < 0 || days > 36500)
    return usage_error("--older-than {}: a whole number of days", *days_opt);
  auto done = ctx.store->purge_personal_data(ctx.now - days * 86400);
  if (!done) return fail("{}", done.error());
  say("wiped the names and e-mails of {} RSVP{} of {} meeting{} that ended more than {} day{} ago; the RSVPs and "
      "every count stay",
      done->rsvps, done->rsvps == 1 ? "" : "s", done->meetings, done->meetings == 1 ? "" : "s", days,
      days == 1 ? "" : "s");
  print_out(std::to_string(done->rsvps));
  return kExitOk;
}

// Opens sealed forms (SYNC.md, "Sealed forms") with the server's identity key.
int cmd_open_forms(Context& ctx, const Options& opts) {
  SecretKey key;
  if (auto file = opts.get("key")) {
    std::ifstream in(*file);
    std::string text;
    if (!in || !std::getline(in, text)) return fail("cannot read the key file {}", *file);
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
    auto k = SecretKey::from_base64(text);
    if (!k) return fail("{} does not hold a secret key (base64)", *file);
    key = *k;
  } else {
    if (!std::filesystem::exists(ctx.db_path))
      return fail("no --key and no office database at {}: give --key FILE or --db FILE", ctx.db_path);
    auto identity = load_or_create_server_identity(ctx.db_path);
    if (!identity) return fail("{}", identity.error());
    key = *identity;
  }
  int refused = 0, opened = 0;
  auto open_line = [&](const std::string& line, const std::string& where) {
    if (line.empty()) return;
    nlohmann::json out;
    std::string sealed = line;
    if (line.front() == '{') {
      auto payload = nlohmann::json::parse(line, nullptr, false);
      if (!payload.is_object() || !payload.contains("sealed") || !payload["sealed"].is_string()) {
        ++refused;
        print_out(nlohmann::json{{"error", where + ": not a form record (no \"sealed\")"}}.dump());
        return;
      }
      for (const char* k : {"id", "form", "form_version", "meeting", "at_ms"})
        if (payload.contains(k)) out[k] = payload[k];
      sealed = payload["sealed"].get<std::string>();
    }
    auto plain = open_sealed(sealed, key);
    auto answers = plain ? nlohmann::json::parse(*plain, nullptr, false) : nlohmann::json();
    if (!plain || !answers.is_object()) {
      ++refused;
      out["error"] = where + ": " + (plain ? std::string("not a form") : plain.error());
    } else {
      ++opened;
      out["answers"] = answers;
    }
    print_out(out.dump());
  };
  auto read_lines = [&](std::istream& in, const std::string& name) {
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      open_line(line, name + ":" + std::to_string(n));
    }
  };
  if (opts.positional.empty()) {
    read_lines(std::cin, "stdin");
  } else {
    for (std::size_t i = 0; i < opts.positional.size(); ++i) {
      std::ifstream in(opts.positional[i]);
      if (!in) return fail("cannot read {}", opts.positional[i]);
      read_lines(in, opts.positional[i]);
    }
  }
  say("{} form{} opened, {} refused", opened, opened == 1 ? "" : "s", refused);
  return refused ? kExitPartly : kExitOk;
}

// ---- updates for kiosks ----

// The Package, Version and Architecture fields of a .deb, as dpkg-deb reads them (run without a
// shell, so no file name is ever interpreted).
Result<UpdateManifest, std::string> read_deb_fields(const std::string& path) {
  int fds[2];
  if (::pipe(fds) != 0) return Err{fmt::format("cannot run dpkg-deb: {}", std::strerror(errno))};
  pid_t pid = ::fork();
  if (pid < 0) return Err{fmt::format("cannot run dpkg-deb: {}", std::strerror(errno))};
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    const char* argv[] = {"dpkg-deb", "--field", path.c_str(), "Package", "Version", "Architecture", nullptr};
    ::execvp(argv[0], const_cast<char* const*>(argv));
    std::fprintf(stderr, "cate-admin: cannot run dpkg-deb (install the dpkg package): %s\n", std::strerror(errno));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out.size() < 64 * 1024) out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Err{fmt::format("{} is not a Debian package dpkg-deb can read", path)};
  UpdateManifest m;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::string value(trim_spaces(std::string_view(line).substr(colon + 1)));
    if (name == "Package") m.package = value;
    else if (name == "Version") m.version = value;
    else if (name == "Architecture") m.architecture = value;
  }
  if (!is_debian_package_name(m.package)) return Err{fmt::format("{}: its Package field is missing or wrong", path)};
  if (!is_debian_version(m.version)) return Err{fmt::format("{}: its Version field is missing or wrong", path)};
  if (!is_debian_architecture(m.architecture))
    return Err{fmt::format("{}: its Architecture field is missing or wrong", path)};
  return m;
}

int cmd_update(Context& ctx, const Options& opts) {
  if (opts.positional.size() != 2 || opts.positional[0] != "sign")
    return usage_error("update: use `update sign FILE.deb [--out FILE.sig]`");
  const std::string& deb = opts.positional[1];
  std::string out = opts.get("out").value_or(deb + ".sig");
  auto manifest = read_deb_fields(deb);
  if (!manifest) return fail("{}", manifest.error());
  auto digest = digest_file(deb);
  if (!digest) return fail("{}", digest.error());
  manifest->sha256 = digest->sha256;
  manifest->size = digest->size;
  manifest->signed_at = ctx.now;
  auto key = need_current_key(ctx);
  if (!key) return fail("{}", key.error());
  if (auto w = write_file_atomically(out, write_update_signature(*manifest, key->secret_key)); !w)
    return fail("{}", w.error());
  say("signed {} {} ({}) with key {}: {}", manifest->package, manifest->version, manifest->architecture,
      key_id_str(key->id), out);
  if (manifest->package != kKioskPackage)
    say("note: kiosks install only {} from a stick; they will refuse this package", kKioskPackage);
  print_out(out);
  return kExitOk;
}

struct Command {
  std::string_view name;
  std::vector<OptionSpec> options;
  std::size_t max_positional;
  bool needs_store;
  int (*run)(Context&, const Options&);
};

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"init", {}, 0, false, cmd_init},
      {"key", {}, 2, true, cmd_key},
      {"meeting", {{"name"}, {"starts"}, {"ends"}}, 1, true, cmd_meeting},
      {"rsvp", {{"meeting"}, {"first"}, {"last"}, {"email"}, {"rsvp"}}, 2, true, cmd_rsvp},
      {"ticket",
       {{"rsvp"}, {"format"}, {"out"}, {"scale"}, {"valid-from"}, {"valid-until"}, {"reissue", false}},
       0, true, cmd_ticket},
      {"tickets", {{"meeting"}, {"out-dir"}, {"format"}, {"scale"}, {"valid-from"}, {"valid-until"}},
       0, true, cmd_tickets},
      {"revoke", {{"ticket"}, {"rsvp"}}, 0, true, cmd_revoke},
      {"bundle", {{"meeting", true, true}, {"active"}, {"out"}}, 0, true, cmd_bundle},
      {"form", {}, 2, true, cmd_form},
      {"device", {{"url"}, {"expires-hours"}, {"png"}, {"text", false}, {"pg"}}, 2, true, cmd_device},
      {"export", {{"meeting"}, {"out"}, {"pg"}, {"form"}}, 1, true, cmd_export},
      {"report", {{"meeting"}, {"pg"}}, 0, true, cmd_report},
      {"purge", {{"older-than"}}, 0, true, cmd_purge},
      {"open-forms", {{"key"}}, 64, false, cmd_open_forms},
      {"import-usb", {{"pg"}, {"accept-unenrolled", false}, {"receipt"}}, 1, true, cmd_import_usb},
      {"update", {{"out"}}, 2, true, cmd_update},
  };
  return list;
}

int run(const std::string& db_path, const std::string& pg, const std::vector<std::string>& args) {
  const std::string& name = args.front();
  if (name == "help") {
    fmt::print(stdout, "{}", kUsage);
    return kExitOk;
  }
  const Command* command = nullptr;
  for (const auto& c : commands())
    if (c.name == name) command = &c;
  if (!command) return usage_error("unknown command '{}'", name);
  auto opts = parse_options(args, 1, command->options, command->max_positional);
  if (!opts) return usage_error("{}: {}", name, opts.error());
  if (opts->flags.count("help")) {
    fmt::print(stdout, "{}", kUsage);
    return kExitOk;
  }
  Context ctx;
  ctx.db_path = opts->get("db").value_or(db_path);
  ctx.pg = pg;
  if (is_pg_address(ctx.db_path)) ctx.pg = ctx.db_path;
  ctx.now = static_cast<std::int64_t>(std::time(nullptr));
  if (command->needs_store)
    if (auto code = open_store(ctx)) return *code;
  return command->run(ctx, *opts);
}

}  // namespace

std::string usage_text() { return std::string(kUsage); }

int run_command(const std::string& db_path, const std::vector<std::string>& args) {
  return run_command(db_path, std::string(), args);
}

int run_command(const std::string& db_path, const std::string& pg, const std::vector<std::string>& args) {
  if (args.empty()) {
    fmt::print(stderr, "{}", kUsage);
    return kExitUsage;
  }
  try {
    return run(db_path, pg, args);
  } catch (const std::exception& e) {
    return fail("stopped by an unexpected problem: {}", e.what());
  } catch (...) {
    return fail("stopped by an unexpected problem");
  }
}

}  // namespace cate::admin
