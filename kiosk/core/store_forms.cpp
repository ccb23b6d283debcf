// The Store's forms: a sealed walk-in or sign-up form and its count row, in one durable write.
// (The rest of the Store is in store.cpp; its schema notes say who writes each column.)
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "kiosk/core/store.hpp"
#include "kiosk/core/store_sql.hpp"

namespace cate {

using namespace store_sql;

Result<FormWrite, StoreError> Store::record_form(const std::string& form, int form_version, bool for_meeting,
                                                 const std::string& sealed, std::int64_t now_ms) {
  if (sealed.empty())
    return Err{StoreError{StoreError::Kind::Refused, "the form was not sealed: nothing was recorded"}};
  FormWrite w{Uuid::v7(now_ms), std::nullopt, now_ms};
  if (for_meeting) {
    if (!active_meeting_)
      return Err{StoreError{StoreError::Kind::Refused,
                            "no meeting is active on this kiosk, so a walk-in cannot be recorded: staff pick one"}};
    w.meeting = active_meeting_;
  }
  try {
    Transaction tx(db_);
    Stmt row(db_, "INSERT INTO form_entry(id, form, form_version, meeting_id, at_ms) VALUES (?, ?, ?, ?, ?)");
    row.bind(1, w.id.str()).bind(2, form).bind(3, std::int64_t{form_version});
    if (w.meeting) row.bind(4, w.meeting->str());
    else row.bind_null(4);
    row.bind(5, now_ms).run();
    nlohmann::json payload = {{"id", w.id.str()}, {"form", form}, {"form_version", form_version}};
    if (w.meeting) payload["meeting"] = w.meeting->str();
    payload["at_ms"] = now_ms;
    payload["sealed"] = sealed;
    Stmt out(db_, "INSERT INTO outbox(record_id, kind, payload, created_at_ms) VALUES (?, 'form', ?, ?)");
    out.bind(1, w.id.str()).bind(2, payload.dump()).bind(3, now_ms).run();
    tx.commit();  // synchronous=FULL: on disk when this returns
  } catch (const SqlFailure& f) {
    return Err{to_store_error(f)};
  }
  return w;
}

}  // namespace cate
