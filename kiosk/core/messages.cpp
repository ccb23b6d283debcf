#include "kiosk/core/messages.hpp"

#include <nlohmann/json.hpp>

#include <ctime>

#include "assets/assets.hpp"

namespace cate {

const char* language_code(Language lang) { return lang == Language::Spanish ? "es" : "en"; }

std::optional<Language> parse_language(std::string_view code) {
  if (code == "en") return Language::English;
  if (code == "es") return Language::Spanish;
  return std::nullopt;
}

Catalog::Catalog(Language lang) : lang_(lang) {
  auto file = asset(std::string("i18n/") + language_code(lang) + ".json");
  if (!file) return;
  auto j = nlohmann::json::parse(*file, nullptr, false);
  if (!j.is_object()) return;
  for (auto& [k, v] : j.items()) {
    if (v.is_string()) texts_[k] = v.get<std::string>();
    if (v.is_array()) {
      auto& l = lists_[k];
      for (auto& e : v)
        if (e.is_string()) l.push_back(e.get<std::string>());
    }
  }
}

const Catalog& Catalog::of(Language lang) {
  static const Catalog english(Language::English);
  static const Catalog spanish(Language::Spanish);
  return lang == Language::Spanish ? spanish : english;
}

bool Catalog::has(std::string_view key) const {
  return texts_.find(key) != texts_.end() || lists_.find(key) != lists_.end();
}

std::vector<std::string> Catalog::keys() const {
  std::vector<std::string> out;
  for (auto& [k, v] : texts_) out.push_back(k);
  for (auto& [k, v] : lists_) out.push_back(k);
  return out;
}

std::vector<std::string> Catalog::list(std::string_view key) const {
  auto it = lists_.find(key);
  if (it != lists_.end()) return it->second;
  if (lang_ != Language::English) return of(Language::English).list(key);
  return {};
}

std::string Catalog::text(std::string_view key, const std::map<std::string, std::string>& vars) const {
  auto it = texts_.find(key);
  if (it == texts_.end())
    return lang_ != Language::English ? of(Language::English).text(key, vars) : std::string(key);
  const std::string& tpl = it->second;
  std::string out;
  out.reserve(tpl.size() + 16);
  for (std::size_t i = 0; i < tpl.size();) {
    if (tpl[i] == '{') {
      auto close = tpl.find('}', i);
      if (close != std::string::npos) {
        auto v = vars.find(tpl.substr(i + 1, close - i - 1));
        if (v != vars.end()) {
          out += v->second;
          i = close + 1;
          continue;
        }
      }
    }
    out += tpl[i++];
  }
  return out;
}

namespace {
std::tm local_tm(std::int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}
}  // namespace

std::string format_clock_time(int hour, std::optional<int> minute, Language lang) {
  char buf[16];
  if (Catalog::of(lang).text("time.clock") == "12h") {
    const int h = hour % 12 == 0 ? 12 : hour % 12;
    const char* half = hour < 12 ? "AM" : "PM";
    if (minute) std::snprintf(buf, sizeof buf, "%d:%02d %s", h, *minute, half);
    else std::snprintf(buf, sizeof buf, "%d %s", h, half);
  } else if (minute) {
    std::snprintf(buf, sizeof buf, "%d:%02d", hour, *minute);
  } else {
    std::snprintf(buf, sizeof buf, "%02d", hour);
  }
  return buf;
}

std::string format_time_of_day(std::int64_t unix_ms, Language lang) {
  std::tm tm = local_tm(unix_ms / 1000);
  return format_clock_time(tm.tm_hour, tm.tm_min, lang);
}

std::string format_date(std::int64_t unix_s, Language lang) {
  std::tm tm = local_tm(unix_s);
  const Catalog& c = Catalog::of(lang);
  auto months = c.list("date.months");
  auto days = c.list("date.weekdays");
  std::string month = tm.tm_mon < static_cast<int>(months.size()) ? months[tm.tm_mon] : std::to_string(tm.tm_mon + 1);
  std::string weekday = tm.tm_wday < static_cast<int>(days.size()) ? days[tm.tm_wday] : "";
  return c.text("date.format", {{"weekday", weekday}, {"month", month}, {"day", std::to_string(tm.tm_mday)}});
}

Message message_for(const ScanResult& r, Language lang, bool show_first_name) {
  const Catalog& c = Catalog::of(lang);
  std::string base = std::string("outcome.") + outcome_code(r.outcome);
  std::map<std::string, std::string> vars;
  std::string title_key = base + ".title";
  std::string body_key = base + ".body";
  switch (r.outcome) {
    case ScanOutcome::CheckedIn:
      if (show_first_name && !r.first_name.empty()) vars["first_name"] = r.first_name;
      else title_key = base + ".title_no_name";
      break;
    case ScanOutcome::AlreadyCheckedIn:
      vars["time"] = r.checked_in_at_ms ? format_time_of_day(*r.checked_in_at_ms, lang) : "?";
      break;
    case ScanOutcome::OtherMeeting:
      if (r.other_meeting) {
        vars["meeting"] = r.other_meeting->name;
        vars["date"] = format_date(r.other_meeting->starts_at, lang);
      } else {
        body_key = base + ".body_unknown";
      }
      break;
    case ScanOutcome::NotYetValid:
      if (r.ticket) {
        vars["date"] = format_date(r.ticket->not_before, lang);
        vars["time"] = format_time_of_day(r.ticket->not_before * 1000, lang);
      }
      break;
    case ScanOutcome::Expired:
      if (r.ticket) {
        vars["date"] = format_date(r.ticket->not_after, lang);
        vars["time"] = format_time_of_day(r.ticket->not_after * 1000, lang);
      }
      break;
    default:
      break;
  }
  return Message{c.text(title_key, vars), c.text(body_key, vars), c.text(base + ".next", vars)};
}

}  // namespace cate
