#pragma once
/// @brief DevicesView: what the screens show of the camera and the serial scanner (plain data in
/// AppState, filled by the app from CameraFeed and SerialFeed each frame).
#include <cstdint>
#include <string>

namespace cate::app {

struct DevicesView {
  /// How the camera looks to a person at the kiosk.
  enum class Camera {
    None,      ///< no camera asked for, or "auto" found none: scan with the scanner
    Starting,  ///< asked for, no picture yet
    Live,      ///< pictures arriving (or an image folder played through)
    Trouble,   ///< asked for but not working: a calm message, and staff see why
  };
  Camera camera = Camera::None;
  std::string camera_name;     ///< "USB Camera (/dev/video0)", for staff
  std::string camera_problem;  ///< the camera's own words, for staff
  double camera_fps = 0;
  std::string last_code;       ///< the camera's last read (staff camera test); an opaque ticket code
  std::uint64_t camera_codes = 0;
  std::uintptr_t preview = 0;  ///< the preview's texture (an ImTextureID), 0 before the first frame
  int preview_width = 0;
  int preview_height = 0;

  bool serial = false;          ///< a serial scanner was asked for (--serial)
  bool serial_connected = false;
  std::string serial_name;
  std::string serial_problem;
  std::uint64_t serial_codes = 0;

  bool sound = false;          ///< a sound device plays the chime
};

}  // namespace cate::app
