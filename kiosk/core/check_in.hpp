#pragma once
/// @brief Check-in from a code: the whole path from scanned or typed text to a recorded outcome.
///
///   text --parse_ticket--> UnverifiedTicket --verify(key ring)--> Ticket
///        --Store::check_in_ticket (rules + durable record)--> ScanResult
/// Nothing of a ticket is trusted before its signature is verified. A check-in is on disk
/// before a CheckedIn result is returned.
#include <cstdint>
#include <string_view>

#include "kiosk/core/outcome.hpp"
#include "kiosk/core/store.hpp"

namespace cate {

struct ScanContext {
  std::int64_t now_ms = 0;  ///< the kiosk's clock when the code was read
  CheckInMethod method = CheckInMethod::Scanner;
};

ScanResult check_in_code(Store& store, std::string_view code, const ScanContext& ctx);

/// The kiosk clock, Unix milliseconds.
std::int64_t now_unix_ms();

}  // namespace cate
