#pragma once
/// @brief Intents: what a person asked for on a screen. Screens return them; the app carries
/// them out (a screen never touches the store or the network).
#include <string>
#include <variant>
#include <vector>

#include "kiosk/app/app_state.hpp"

namespace cate::app {

/// Check this code in (typed, wedge-scanned, or from the camera).
struct CheckInCode {
  std::string code;
  CheckInMethod method = CheckInMethod::Scanner;
};
/// Show every screen in this language from now on (until the idle reset).
struct SetLanguage {
  Language language = Language::English;
};
/// Go to a screen. Going to Welcome wipes what the last person left behind.
struct GoTo {
  Screen screen = Screen::Welcome;
};

using Intent = std::variant<CheckInCode, SetLanguage, GoTo>;
using Intents = std::vector<Intent>;

}  // namespace cate::app
