#pragma once
/// @brief The on-screen keyboards: letters (QWERTY with a row of Spanish accents and what
/// e-mail addresses need) for searches, and a number pad for the staff PIN. Each key is a
/// TypeKey intent; the physical keyboard reaches the same buffers through the app.
#include "kiosk/app/intents.hpp"
#include "kiosk/app/ui.hpp"

namespace cate::app {

/// Height of letter_keyboard() in em, so a screen can place it at its bottom.
float letter_keyboard_height_em();
/// Draws the letter keyboard with its top at the cursor, centred on the window.
void letter_keyboard(const Ui& ui, Intents& out);

/// Height of number_pad() in em.
float number_pad_height_em();
/// Draws 1-9, Clear, 0, Delete, centred; keys are greyed out (and do nothing) unless `enabled`.
void number_pad(const Ui& ui, Intents& out, bool enabled);

// The PIN screens (the staff PIN, and choosing a new one) share their shape:
/// One dot a digit typed, never the digits, large and centred near the top.
void pin_dots(const Ui& ui, std::size_t digits_typed);
/// At the bottom: the number pad and OK (SubmitPin); closed unless `open`, OK also until a digit is typed.
void pin_pad_and_ok(const Ui& ui, Intents& out, bool open, bool any_typed);

}  // namespace cate::app
