#pragma once
/// @brief Where the kiosk keeps its files: the store, the demo, exports.
#include <cstddef>
#include <string>
#include <string_view>

namespace cate {

/// The kiosk's data folder: $CATE_DATA_DIR, else $STATE_DIRECTORY (systemd's StateDirectory=),
/// else $XDG_DATA_HOME/cate-kiosk, else ~/.local/share/cate-kiosk. Not created here.
std::string kiosk_data_dir();

/// Creates a folder and its parents (mode 0700: it holds personal data). False on failure,
/// with the reason in `error`.
bool make_private_dir(const std::string& path, std::string& error);

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename.
bool write_file_atomic(const std::string& path, std::string_view bytes, std::string& error);

/// Reads a whole file, refusing files over `max_bytes`. False with a reason on failure.
bool read_file(const std::string& path, std::string& out, std::string& error,
               std::size_t max_bytes = 256u << 20);

}  // namespace cate
