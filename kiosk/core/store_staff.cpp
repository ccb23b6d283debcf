// The Store's staff-mode and "Find my RSVP" work: roster search, check-in by name, undo.
// (The rest of the Store is in store.cpp; its schema notes say who writes each column.)
//
// (SQLite helpers shared with store.cpp: store_sql.hpp)
// [SECTION] Roster search
// [SECTION] Check-in by name, and undo
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "kiosk/core/check_in_rules.hpp"
#include "kiosk/core/store.hpp"
#include "kiosk/core/store_sql.hpp"

namespace cate {

using namespace store_sql;

// ---------------------------------------------------------------------------------------------
// [SECTION] Roster search
// ---------------------------------------------------------------------------------------------
std::vector<RosterMatch> Store::search_roster(MeetingId meeting, std::string_view query, std::size_t max) const {
  std::vector<RosterMatch> out;
  if (query.size() > kRosterSearchMaxQueryBytes || search_letter_count(query) < kRosterSearchMinLetters) return out;
  const std::string q = fold_for_search(query);
  try {
    // Rosters are hundreds of people: folding each name here is quicker than any index would pay back.
    Stmt r(db_, "SELECT r.id, r.first_name, r.last_name, r.email, c.id, c.at_ms FROM rsvp r "
                 "LEFT JOIN check_in c ON c.meeting_id = r.meeting_id AND c.rsvp_id = r.id AND c.undone_at_ms IS NULL "
                 "WHERE r.meeting_id = ? AND r.first_name <> '' ORDER BY r.first_name, r.last_name, r.id");
    r.bind(1, meeting.str());
    while (out.size() < max && r.step()) {
      const std::string first = r.text(1), last = r.text(2);
      if (!roster_matches(q, fold_for_search(first + " " + last), fold_for_search(r.text(3)))) continue;
      RosterMatch m{RsvpId::parse(r.text(0)).value_or(RsvpId{}), first, initial_of(last), std::nullopt, 0};
      if (!r.is_null(4)) {
        m.check_in = Uuid::parse(r.text(4));
        m.checked_in_at_ms = r.i64(5);
      }
      out.push_back(std::move(m));
    }
  } catch (const SqlFailure&) {
    out.clear();
  }
  return out;
}

std::vector<CheckInLine> Store::recent_check_ins(MeetingId meeting, std::size_t max) const {
  std::vector<CheckInLine> out;
  try {
    Stmt q(db_, "SELECT c.id, c.rsvp_id, coalesce(r.first_name, ''), coalesce(r.last_name, ''), c.method, c.at_ms "
                 "FROM check_in c LEFT JOIN rsvp r ON r.id = c.rsvp_id "
                 "WHERE c.meeting_id = ? AND c.undone_at_ms IS NULL ORDER BY c.at_ms DESC, c.id DESC LIMIT ?");
    q.bind(1, meeting.str()).bind(2, static_cast<std::int64_t>(max));
    while (q.step())
      out.push_back({Uuid::parse(q.text(0)).value_or(Uuid{}), RsvpId::parse(q.text(1)).value_or(RsvpId{}),
                     q.text(2), initial_of(q.text(3)), q.text(4), q.i64(5)});
  } catch (const SqlFailure&) {
    out.clear();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Check-in by name, and undo
// ---------------------------------------------------------------------------------------------
Result<CheckInWrite, StoreError> Store::check_in_rsvp(RsvpId rsvp, CheckInMethod method, std::int64_t now_ms) {
  CheckInWrite w;
  if (!active_meeting_) {
    w.outcome = ScanOutcome::NoActiveMeeting;
    return w;
  }
  const MeetingId meeting = *active_meeting_;
  try {
    Transaction tx(db_);
    // The facts, then the rule (kiosk/core/check_in_rules.hpp, decide_check_in_by_name).
    Stmt r(db_, "SELECT r.meeting_id, m.starts_at, m.ends_at FROM rsvp r JOIN meeting m ON m.id = r.meeting_id "
                "WHERE r.id = ?");
    r.bind(1, rsvp.str());
    if (!r.step()) {
      w.outcome = ScanOutcome::OtherMeeting;  // not on this kiosk's rosters at all
      return w;
    }
    const auto rsvp_meeting = MeetingId::parse(r.text(0));
    CheckInFacts facts;
    facts.active_meeting = meeting;
    facts.now_s = now_ms / 1000;
    {
      Stmt q(db_, "SELECT 1 FROM revocation WHERE rsvp_id = ? LIMIT 1");
      q.bind(1, rsvp.str());
      facts.revoked = q.step();
    }
    const auto first = standing_check_in(db_, meeting, rsvp);
    facts.already_checked_in = first.has_value();
    w.outcome = decide_check_in_by_name(rsvp_meeting.value_or(MeetingId{}), r.i64(1), r.i64(2),
                                        method == CheckInMethod::Staff, facts);
    if (w.outcome == ScanOutcome::AlreadyCheckedIn) w.record = first;
    // Nothing is recorded unless checked in (a person choosing their own name twice, or one sent
    // to staff, is not a refused scan).
    if (w.outcome != ScanOutcome::CheckedIn) return w;
    CheckInRecord rec{Uuid::v7(now_ms), meeting, rsvp, 0, method, now_ms};
    insert_check_in(db_, rec, device_id_);
    tx.commit();
    w.outcome = ScanOutcome::CheckedIn;
    w.record = rec;
  } catch (const SqlFailure& e) {
    return Err{to_store_error(e)};
  }
  return w;
}

Result<bool, StoreError> Store::undo_check_in(const Uuid& check_in, std::int64_t now_ms) {
  try {
    Transaction tx(db_);
    std::string meeting, rsvp;
    {
      Stmt q(db_, "SELECT meeting_id, rsvp_id FROM check_in WHERE id = ? AND undone_at_ms IS NULL");
      q.bind(1, check_in.str());
      if (!q.step()) return false;
      meeting = q.text(0);
      rsvp = q.text(1);
    }
    Stmt up(db_, "UPDATE check_in SET undone_at_ms = ? WHERE id = ?");
    up.bind(1, now_ms).bind(2, check_in.str()).step();
    // The undo is a record of its own, with its own ID, so the server applies it exactly once.
    const Uuid undo_id = Uuid::v7(now_ms);
    const nlohmann::json payload = {{"id", undo_id.str()}, {"device", device_id_}, {"check_in", check_in.str()},
                                    {"meeting", meeting},   {"rsvp", rsvp},        {"at_ms", now_ms}};
    Stmt out(db_, "INSERT INTO outbox(record_id, kind, payload, created_at_ms) VALUES (?, 'undo', ?, ?)");
    out.bind(1, undo_id.str()).bind(2, payload.dump()).bind(3, now_ms).step();
    tx.commit();
  } catch (const SqlFailure& e) {
    return Err{to_store_error(e)};
  }
  return true;
}

}  // namespace cate
