#pragma once
/// @brief Drawing pieces the scanning screens share: the camera preview with its frame guide (or
/// the calm message when the camera is not working), a QR code drawn from rectangles, and the
/// coalition's mark drawn from theme colours.
#include <imgui.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "kiosk/app/app_state.hpp"
#include "kiosk/app/ui.hpp"

namespace cate::app {

/// Whether the Welcome screen gives room to the camera (a camera was asked for and is not
/// simply absent from an "auto" kiosk).
inline bool camera_on_screen(const DevicesView& d) { return d.camera != DevicesView::Camera::None; }

/// Draws at the cursor, `size` pixels: the live preview, letterboxed, with a guide frame in the
/// accent colour and "Hold your code inside the frame"; a quiet placeholder while the camera
/// starts; the calm message (and, small, why) when it is in trouble.
void draw_camera_panel(const AppState& state, const Ui& ui, ImVec2 size);

/// A QR code's modules (libqrencode, error correction M): `size` a side, dark ones 1.
struct QrModules {
  int size = 0;
  std::vector<std::uint8_t> dark;
};
std::optional<QrModules> make_qr(std::string_view text);
/// Draws `qr` with its quiet zone (4 modules of white) in a square of `side` pixels at `top_left`,
/// each module a whole number of pixels so that the code stays sharp enough to read.
void draw_qr(const QrModules& qr, ImVec2 top_left, float side);

/// The coalition's mark: three overlapping circles (people together) in a ring, from theme colours.
void draw_logo(const Ui& ui, ImVec2 centre, float radius);

}  // namespace cate::app
