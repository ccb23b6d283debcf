// Forms: definitions from data, validation that names the field and keeps the text, the sealed
// JSON of SYNC.md "Sealed forms", the seal key, and the durable form record on a real store.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "kiosk/core/forms.hpp"
#include "kiosk/core/outbox.hpp"
#include "kiosk_fixture.hpp"
#include "assets/assets.hpp"
#include "sync/protocol/bundle.hpp"
#include "sync/protocol/form_definition.hpp"
#include "sync/protocol/sealed_form.hpp"

using namespace cate;
using cate::test::KioskFixture;
using nlohmann::json;

namespace {

const FormDefinition& form(std::string_view id) {
  const FormDefinition* f = find_builtin_form(id);
  REQUIRE_MESSAGE(f, "no built-in form " << id);
  return *f;
}

std::size_t field(const FormDefinition& def, std::string_view id) {
  auto i = def.field_index(id);
  REQUIRE_MESSAGE(i, "no field " << id << " in " << def.id);
  return *i;
}

/// Fills an Ally/Community Network form with good answers.
void fill_sign_up(const FormDefinition& def, FormAnswers& a) {
  a.append(field(def, "first_name"), "José");
  a.append(field(def, "last_name"), "Muñoz");
  a.append(field(def, "email"), "jose@example.org");
  a.append(field(def, "organisation"), "Casa Esperanza");
  a.append(field(def, "county"), "St. Louis County");
  a.choose(field(def, "interests"), 0, false);
  a.choose(field(def, "interests"), 1, false);
  a.choose(field(def, "preferred_language"), 1, true);  // es
  a.set_ticked(field(def, "consent"), true);
}

std::string definition_error(const std::string& text) {
  auto d = parse_form_definition(text, "forms/test.json");
  REQUIRE(!d.ok());
  return d.error();
}

}  // namespace

TEST_CASE("the built-in form definitions parse, in English and Spanish") {
  CHECK(builtin_form_errors().empty());
  REQUIRE(builtin_forms().size() == 3);
  for (const auto& def : builtin_forms()) {
    CAPTURE(def.id);
    CHECK(def.version >= 1);
    CHECK(!def.title.es.empty());
    CHECK(!def.thanks.es.empty());
    for (const auto& f : def.fields) {
      CAPTURE(f.id);
      CHECK(!f.label.en.empty());
      CHECK(!f.label.es.empty());
      CHECK(f.label.en != f.label.es);
      for (const auto& c : f.choices) CHECK(!c.label.es.empty());
    }
  }
  const auto& walk_in = form("walk_in");
  CHECK(walk_in.for_meeting);
  CHECK(walk_in.fields[field(walk_in, "first_name")].required);
  CHECK_FALSE(walk_in.fields[field(walk_in, "email")].required);
  for (const char* id : {"ally_network", "community_network"}) {
    const auto& def = form(id);
    CAPTURE(id);
    CHECK_FALSE(def.for_meeting);
    // Consent to be contacted is an explicit, required tick box; preferred language is asked.
    const auto& consent = def.fields[field(def, "consent")];
    CHECK(consent.type == FieldType::Checkbox);
    CHECK(consent.required);
    CHECK(def.fields[field(def, "preferred_language")].type == FieldType::Language);
    CHECK(def.fields[field(def, "interests")].type == FieldType::MultiChoice);
    for (const char* f : {"organisation", "county"}) (void)field(def, f);
    // E-mail or phone: at least one.
    REQUIRE(def.require_one_of.size() == 1);
    CHECK(def.require_one_of[0] == std::vector<std::size_t>{field(def, "email"), field(def, "phone")});
  }
}

TEST_CASE("a bad definition is a clear error naming the file and the field") {
  CHECK(definition_error("{") == "forms/test.json: not JSON");
  CHECK(definition_error(R"({"id":"x","version":1,"title":"T","thanks":"Th","fields":[
          {"id":"email","type":"mail","label":"E-mail"}]})") ==
        "forms/test.json: field 'email': unknown type 'mail' (text, email, phone, choice, multi_choice, checkbox, "
        "language)");
  CHECK(definition_error(R"({"id":"x","version":1,"title":"T","thanks":"Th","fields":[
          {"id":"county","type":"choice","label":"County"}]})")
            .find("field 'county': 'choices' must list") != std::string::npos);
  CHECK(definition_error(R"({"id":"x","version":1,"title":"T","thanks":"Th","fields":[
          {"id":"name","type":"text","label":{"es":"Nombre"}}]})")
            .find("field 'name': 'label' needs an English text") != std::string::npos);
  CHECK(definition_error(R"({"id":"x","version":1,"title":"T","thanks":"Th","fields":[
          {"id":"a","type":"text","label":"A"},{"id":"a","type":"text","label":"B"}]})")
            .find("field 'a': the id is used twice") != std::string::npos);
  CHECK(definition_error(R"({"id":"x","version":1,"title":"T","thanks":"Th","require_one_of":[["a","nope"]],
          "fields":[{"id":"a","type":"email","label":"A"}]})")
            .find("require_one_of: no field 'nope'") != std::string::npos);
  std::string nine = R"({"id":"x","version":1,"title":"T","thanks":"Th","fields":[{"id":"many","type":"choice",
          "label":"Many","choices":[)";
  for (int i = 0; i < 9; ++i) nine += std::string(i ? "," : "") + R"({"id":"c)" + std::to_string(i) + R"(","label":"C"})";
  CHECK(definition_error(nine + "]}]}") == "forms/test.json: field 'many': at most 8 choices");
  CHECK(definition_error(R"({"id":"x","version":0,"title":"T","thanks":"Th","fields":[]})")
            .find("forms/test.json: 'version'") == 0);
  CHECK(definition_error(R"({"id":"x","version":1,"title":"T","thanks":"Th","fields":[
          {"id":"n","type":"text","label":"N","max_length":"long"}]})")
            .find("field 'n': 'max_length' must be a number") != std::string::npos);
}

TEST_CASE("the definition parser under sync/ reads the built-in forms as the kiosk does") {
  for (const char* id : {"walk_in", "ally_network", "community_network"}) {
    CAPTURE(id);
    auto text = asset(std::string("forms/") + id + ".json");
    REQUIRE(text);
    auto def = parse_form_definition(*text, id);
    REQUIRE(def.ok());
    CHECK(def->id == id);
    CHECK(def->fields.size() == form(id).fields.size());
  }
  // A language field offers English and Spanish, each named in itself.
  const FormDefinition& ally = form("ally_network");
  const FormField& lang = ally.fields[field(ally, "preferred_language")];
  REQUIRE(lang.choices.size() == 2);
  CHECK(lang.choices[0].id == "en");
  CHECK(in(lang.choices[1].label, Language::Spanish) == "Español");
  CHECK(in(ally.title, Language::Spanish) == ally.title.es);
  CHECK(in(ally.title, Language::English) == ally.title.en);
}

TEST_CASE("a bundle's forms go round trip, and a bad one makes the bundle a clear error") {
  SecretKey key = SecretKey::generate();
  auto text = asset("forms/ally_network.json");
  REQUIRE(text);
  json def = json::parse(*text);
  def["version"] = 9;
  Bundle b;
  b.created_at = 1'800'000'000;
  b.forms.push_back(def.dump());
  auto read = read_bundle(write_bundle(b, key));
  REQUIRE_MESSAGE(read.ok(), (read.ok() ? "" : read.error()));
  REQUIRE(read->bundle.forms.size() == 1);
  auto back = parse_form_definition(read->bundle.forms[0], "x");
  REQUIRE(back.ok());
  CHECK(back->version == 9);
  CHECK(json::parse(read->bundle.forms[0]) == def);
  // No forms: none written, none read (older kiosks' bundles).
  Bundle none;
  auto plain = read_bundle(write_bundle(none, key));
  REQUIRE(plain.ok());
  CHECK(plain->bundle.forms.empty());

  def["fields"][0]["type"] = "mail";
  b.forms = {json::parse(*text).dump(), def.dump()};
  auto bad = read_bundle(write_bundle(b, key));
  REQUIRE(!bad.ok());
  CHECK_MESSAGE(bad.error().find("bundle.forms[1]") != std::string::npos, bad.error());
  CHECK_MESSAGE(bad.error().find("unknown type 'mail'") != std::string::npos, bad.error());
}

TEST_CASE("a kiosk uses the office's form only when its version is higher, and keeps the highest") {
  KioskFixture k;
  const FormDefinition& builtin = form("community_network");
  auto text = asset("forms/community_network.json");
  REQUIRE(text);
  auto import_version = [&](int version, const std::string& title) {
    json def = json::parse(*text);
    def["version"] = version;
    def["title"] = title;
    Bundle b;
    b.created_at = KioskFixture::kNow;
    b.forms.push_back(def.dump());
    auto sb = read_bundle(write_bundle(b, k.key));
    REQUIRE(sb.ok());
    auto sum = k.store->import_bundle(*sb, false, KioskFixture::kNow * 1000);
    REQUIRE(sum.ok());
    return sum->forms;
  };
  // Not above the built-in one: the built-in one stays in use.
  CHECK(import_version(builtin.version, "Same") == 1);
  CHECK(find_form(*k.store, "community_network").get() == &builtin);
  CHECK(import_version(builtin.version + 2, "Newer") == 1);
  CHECK(find_form(*k.store, "community_network")->title.en == "Newer");
  // An older bundle (a stick) does not bring back an older form.
  CHECK(import_version(builtin.version + 1, "Older") == 0);
  CHECK(find_form(*k.store, "community_network")->title.en == "Newer");
  CHECK(find_form(*k.store, "no_such_form") == nullptr);
}

TEST_CASE("validation names the field and never loses what was typed") {
  const auto& def = form("ally_network");
  FormAnswers a;
  // Nothing given: each required field, in order, then the contact group at the phone field.
  auto problems = validate_form(def, a);
  REQUIRE(!problems.empty());
  CHECK(problems[0].kind == FormProblem::Kind::Required);
  CHECK(problem_text(def, problems[0], Language::English) == "First name is needed.");
  CHECK(problem_text(def, problems[0], Language::Spanish) == "Falta: Nombre.");
  bool need_contact = false, need_consent = false;
  for (const auto& p : problems) {
    if (p.kind == FormProblem::Kind::NeedOneOf) {
      need_contact = true;
      CHECK(problem_text(def, p, Language::English) == "Please give E-mail or Phone: at least one.");
    }
    if (p.kind == FormProblem::Kind::NotTicked) {
      need_consent = true;
      CHECK(p.field == field(def, "consent"));
      CHECK(problem_text(def, p, Language::English).find("CATE may contact me") != std::string::npos);
    }
  }
  CHECK(need_contact);
  CHECK(need_consent);

  fill_sign_up(def, a);
  CHECK(validate_form(def, a).empty());

  // A bad e-mail: named, and the text stays as typed.
  const std::size_t email = field(def, "email");
  a.clear_text(email);
  a.append(email, "jose at example");
  auto p = validate_field(def, a, email);
  REQUIRE(p);
  CHECK(p->kind == FormProblem::Kind::BadEmail);
  CHECK(problem_text(def, *p, Language::English).find("E-mail does not look like an e-mail address") == 0);
  CHECK(a.text(email) == "jose at example");
  a.clear_text(email);
  // Phone instead of e-mail is enough; a phone with letters is not.
  const std::size_t phone = field(def, "phone");
  a.append(phone, "call me");
  CHECK(validate_field(def, a, phone)->kind == FormProblem::Kind::BadPhone);
  a.clear_text(phone);
  a.append(phone, "+1 (314) 555-0100");
  CHECK(validate_form(def, a).empty());
  // Consent untaken: refused, by name.
  a.set_ticked(field(def, "consent"), false);
  REQUIRE(validate_form(def, a).size() == 1);
  CHECK(validate_form(def, a)[0].kind == FormProblem::Kind::NotTicked);
}

TEST_CASE("a 10 KB name and emoji are handled") {
  const auto& def = form("walk_in");
  const std::size_t first = field(def, "first_name");
  FormAnswers a;
  const std::string huge(10 * 1024, 'A');
  CHECK_FALSE(a.append(first, huge));  // what does not fit is left out, and remembered
  CHECK(a.text(first).size() == kFormTextCapacity);
  CHECK(a.overflowed(first));
  auto p = validate_field(def, a, first);
  REQUIRE(p);
  CHECK(p->kind == FormProblem::Kind::TooLong);
  CHECK(problem_text(def, *p, Language::English) == "First name is too long: at most 80 characters.");
  CHECK(a.text(first).size() == kFormTextCapacity);  // kept for the person to shorten
  a.pop_back_character(first);
  CHECK_FALSE(a.overflowed(first));

  // A buffer nearly full never cuts a character in half.
  a.clear_text(first);
  a.append(first, std::string(kFormTextCapacity - 2, 'x'));
  CHECK_FALSE(a.append(first, "😀"));
  CHECK(a.text(first).size() == kFormTextCapacity - 2);

  // Emoji and accents are characters, not bytes.
  a.clear_text(first);
  a.append(first, "Zoë 😀👩🏽‍⚕️");
  CHECK(!validate_field(def, a, first));
  a.clear_text(first);
  std::string eighty;
  for (int i = 0; i < 80; ++i) eighty += "😀";
  a.append(first, eighty);
  CHECK(!validate_field(def, a, first));
  a.append(first, "😀");
  CHECK(validate_field(def, a, first)->kind == FormProblem::Kind::TooLong);
  // Control characters and broken UTF-8 are refused, not stored.
  a.clear_text(first);
  a.append(first, std::string("Ana\x01", 4));
  CHECK(validate_field(def, a, first)->kind == FormProblem::Kind::BadText);
  a.clear_text(first);
  a.append(first, "Ana\xC3");
  CHECK(validate_field(def, a, first)->kind == FormProblem::Kind::BadText);

  a.wipe();
  CHECK(a.bytes() == 0);
  CHECK(a.text(first).empty());
}

TEST_CASE("the sealed JSON is exactly the one SYNC.md describes, and opens only with the server key") {
  const auto& def = form("ally_network");
  FormAnswers a;
  fill_sign_up(def, a);
  a.append(field(def, "first_name"), "  ");  // trailing spaces are trimmed
  const std::string text = form_json(def, a, Language::Spanish);
  CHECK(text ==
        R"({"form":"ally_network","form_version":1,"language":"es","fields":{"first_name":"José","last_name":"Muñoz",)"
        R"("email":"jose@example.org","organisation":"Casa Esperanza","county":"St. Louis County",)"
        R"("interests":["training","volunteering"],"preferred_language":"es","consent":true}})");
  CHECK(json::parse(text)["fields"]["interests"].size() == 2);

  // Quotes, backslashes and emoji survive the round trip.
  FormAnswers b;
  const auto& walk_in = form("walk_in");
  b.append(field(walk_in, "first_name"), "Dana \"D\" \\ 😀");
  b.append(field(walk_in, "last_name"), "O'Connor");
  auto j = json::parse(form_json(walk_in, b, Language::English));
  CHECK(j["fields"]["first_name"] == "Dana \"D\" \\ 😀");
  CHECK(j["fields"]["consent"] == false);  // a tick box is always there, as a boolean
  CHECK_FALSE(j["fields"].contains("email"));  // empty optional answers are left out

  SecretKey server = SecretKey::generate();
  auto sealed = seal_form(def, a, Language::Spanish, server.public_key());
  REQUIRE(sealed.ok());
  CHECK(sealed.value().find("Muñoz") == std::string::npos);
  auto opened = open_sealed(sealed.value(), server);
  REQUIRE(opened.ok());
  CHECK(opened.value() == text);
  CHECK(!open_sealed(sealed.value(), SecretKey::generate()).ok());
}

TEST_CASE("the seal key: seal_key, else the pinned server key, else no forms and why") {
  KioskFixture f;
  FormSealKey none = form_seal_key(*f.store);
  CHECK(none.source == FormSealKey::Source::None);
  CHECK(!none.key);
  CHECK(none.why.find("no server key") != std::string::npos);

  SecretKey pinned = SecretKey::generate(), seal = SecretKey::generate();
  REQUIRE(f.store->set_setting(kSyncServerKeySetting, pinned.public_key().base64()).ok());
  FormSealKey k = form_seal_key(*f.store);
  CHECK(k.source == FormSealKey::Source::PinnedServerKey);
  CHECK(k.key == pinned.public_key());

  REQUIRE(f.store->set_setting(kSealKeySetting, seal.public_key().base64()).ok());
  k = form_seal_key(*f.store);
  CHECK(k.source == FormSealKey::Source::SealKey);
  CHECK(k.key == seal.public_key());

  REQUIRE(f.store->set_setting(kSealKeySetting, "not a key").ok());
  k = form_seal_key(*f.store);
  CHECK(k.source == FormSealKey::Source::Damaged);
  CHECK(!k.key);
  CHECK(k.why.find("damaged") != std::string::npos);
}

TEST_CASE("the kiosk mode is a setting; both when unset") {
  KioskFixture f;
  CHECK(kiosk_mode_of(*f.store) == KioskMode::Both);
  for (KioskMode m : kAllKioskModes) {
    REQUIRE(f.store->set_setting(kKioskModeSetting, kiosk_mode_code(m)).ok());
    CHECK(kiosk_mode_of(*f.store) == m);
  }
  REQUIRE(f.store->set_setting(kKioskModeSetting, "nonsense").ok());
  CHECK(kiosk_mode_of(*f.store) == KioskMode::Both);
}

TEST_CASE("a form is recorded durably: a sealed outbox record and a count row, no name in clear") {
  KioskFixture f;
  SecretKey server = SecretKey::generate();
  const auto& walk_in = form("walk_in");
  FormAnswers a;
  a.append(field(walk_in, "first_name"), "Marisol");
  a.append(field(walk_in, "last_name"), "Quintanilla");
  a.set_ticked(field(walk_in, "consent"), true);
  REQUIRE(validate_form(walk_in, a).empty());
  auto sealed = seal_form(walk_in, a, Language::English, server.public_key());
  REQUIRE(sealed.ok());
  const std::int64_t at = KioskFixture::kNow * 1000;
  auto w = f.store->record_form(walk_in.id, walk_in.version, walk_in.for_meeting, sealed.value(), at);
  REQUIRE(w.ok());
  CHECK(w->meeting == f.meeting.id);

  const auto& ally = form("ally_network");
  FormAnswers b;
  fill_sign_up(ally, b);
  auto sealed_b = seal_form(ally, b, Language::Spanish, server.public_key());
  REQUIRE(sealed_b.ok());
  REQUIRE(f.store->record_form(ally.id, ally.version, ally.for_meeting, sealed_b.value(), at + 1).ok());

  auto counts = f.store->counts(f.meeting.id);
  REQUIRE(counts.ok());
  CHECK(counts->walk_ins == 1);
  CHECK(counts->sign_ups == 1);
  CHECK(counts->outbox_pending == 2);

  auto batch = f.store->outbox_batch(10, 0);
  REQUIRE(batch.ok());
  REQUIRE(batch->size() == 2);
  const OutboxEntry& e = (*batch)[0];
  CHECK(e.kind == "form");
  CHECK(e.record_id == w->id.str());
  auto p = json::parse(e.payload);
  CHECK(p["id"] == w->id.str());
  CHECK(p["form"] == "walk_in");
  CHECK(p["form_version"] == 1);
  CHECK(p["meeting"] == f.meeting.id.str());
  CHECK(p["at_ms"] == at);
  CHECK(p.size() == 6);
  CHECK(e.payload.find("Marisol") == std::string::npos);
  auto opened = open_sealed(p["sealed"].get<std::string>(), server);
  REQUIRE(opened.ok());
  CHECK(json::parse(opened.value())["fields"]["first_name"] == "Marisol");
  auto pb = json::parse((*batch)[1].payload);
  CHECK_FALSE(pb.contains("meeting"));  // a sign-up is not tied to a meeting
  CHECK(pb["form"] == "ally_network");

  // The counts survive the server taking the records; nothing personal is left in clear.
  REQUIRE(f.store->outbox_remove({(*batch)[0].record_id, (*batch)[1].record_id}).ok());
  counts = f.store->counts(f.meeting.id);
  CHECK(counts->walk_ins == 1);
  CHECK(counts->sign_ups == 1);
  CHECK(counts->outbox_pending == 0);
  f.store.reset();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(f.path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM form_entry WHERE meeting_id IS NOT NULL", -1, &s, nullptr) ==
          SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  CHECK(sqlite3_column_int64(s, 0) == 1);
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST_CASE("a walk-in with no active meeting is refused and nothing is written") {
  cate::test::TempDir dir("forms");
  auto s = Store::open(dir.path + "/kiosk.db");
  REQUIRE(s.ok());
  Store& store = *s.value();
  auto w = store.record_form("walk_in", 1, true, "c2VhbGVk", 1'800'000'000'000);
  REQUIRE(!w.ok());
  CHECK(w.error().kind == StoreError::Kind::Refused);
  CHECK(store.outbox_size() == 0);
  CHECK(store.record_form("ally_network", 1, false, "c2VhbGVk", 1'800'000'000'000).ok());
  CHECK(store.outbox_size() == 1);
}
