// USB sticks found in the mount table (usb_sticks.hpp).
#include "platform/storage/usb_sticks.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace cate {

namespace {

/// A mount table field with its octal escapes ("\040" for a space) undone.
std::string unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const char a = field[i + 1], b = field[i + 2], c = field[i + 3];
      if (a >= '0' && a <= '3' && b >= '0' && b <= '7' && c >= '0' && c <= '7') {
        out.push_back(static_cast<char>((a - '0') * 64 + (b - '0') * 8 + (c - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

bool has_option(std::string_view options, std::string_view option) {
  std::size_t i = 0;
  while (i <= options.size()) {
    const std::size_t comma = std::min(options.find(',', i), options.size());
    if (options.substr(i, comma - i) == option) return true;
    i = comma + 1;
  }
  return false;
}

std::string last_part(std::string_view folder) {
  while (folder.size() > 1 && folder.back() == '/') folder.remove_suffix(1);
  const std::size_t slash = folder.rfind('/');
  std::string_view name = slash == std::string_view::npos ? folder : folder.substr(slash + 1);
  return std::string(name.empty() ? folder : name);
}

}  // namespace

std::vector<MountEntry> parse_mounts(std::string_view text) {
  std::vector<MountEntry> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t end = std::min(text.find('\n', i), text.size());
    const std::string_view line = text.substr(i, end - i);
    i = end + 1;
    const auto f = split_fields(line);
    if (f.size() < 3 || f[0].front() == '#') continue;
    MountEntry e;
    e.device = unescape(f[0]);
    e.mount_point = unescape(f[1]);
    e.fs_type = unescape(f[2]);
    e.read_only = f.size() >= 4 && has_option(f[3], "ro");
    out.push_back(std::move(e));
  }
  return out;
}

bool is_stick_file_system(std::string_view fs_type) {
  static constexpr std::array<std::string_view, 15> kStick{"vfat",  "msdos", "exfat", "ntfs",  "ntfs3",
                                                           "fuseblk", "ext2", "ext3",  "ext4",  "f2fs",
                                                           "btrfs", "xfs",   "hfsplus", "udf", "fuse.exfat"};
  return std::find(kStick.begin(), kStick.end(), fs_type) != kStick.end();
}

namespace {
// Whether `mount_point` is one of `folders` or inside one.
bool under_any(const std::vector<std::string>& folders, std::string_view mount_point) {
  for (std::string_view root : folders) {
    while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
    if (root.empty()) continue;
    if (mount_point == root) return true;
    if (mount_point.size() > root.size() && mount_point.substr(0, root.size()) == root &&
        (root == "/" || mount_point[root.size()] == '/'))
      return true;
  }
  return false;
}
}  // namespace

bool StickRoots::holds(std::string_view mount_point) const {
  return under_any(roots, mount_point) && !under_any(system_mounts, mount_point);
}

std::vector<MountEntry> stick_mounts(std::string_view mounts_text, const StickRoots& roots) {
  std::vector<MountEntry> out;
  for (MountEntry& e : parse_mounts(mounts_text)) {
    // A later mount on the same point hides the earlier one, whatever either is.
    std::erase_if(out, [&](const MountEntry& o) { return o.mount_point == e.mount_point; });
    if (roots.holds(e.mount_point) && is_stick_file_system(e.fs_type)) out.push_back(std::move(e));
  }
  return out;
}

UsbStick inspect_stick_folder(const std::string& folder) {
  UsbStick s;
  s.folder = folder;
  s.name = last_part(folder);
  struct stat st {};
  s.present = ::stat(folder.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  if (!s.present) return s;
  struct statvfs vfs {};
  if (::statvfs(folder.c_str(), &vfs) == 0) {
    const std::uint64_t unit = vfs.f_frsize ? vfs.f_frsize : vfs.f_bsize;
    s.free_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * unit;
    s.size_bytes = static_cast<std::uint64_t>(vfs.f_blocks) * unit;
    s.writable = (vfs.f_flag & ST_RDONLY) == 0;
  }
  s.writable = s.writable && ::access(folder.c_str(), W_OK | X_OK) == 0;
  return s;
}

std::vector<UsbStick> find_usb_sticks(const StickSearch& search) {
  std::vector<UsbStick> out;
  for (const std::string& folder : search.folders) out.push_back(inspect_stick_folder(folder));
  std::ifstream in(search.mounts_file, std::ios::binary);
  if (!in) return out;
  std::ostringstream text;
  text << in.rdbuf();
  for (const MountEntry& m : stick_mounts(text.str(), search.roots)) {
    if (std::any_of(out.begin(), out.end(), [&](const UsbStick& s) { return s.folder == m.mount_point; })) continue;
    UsbStick s = inspect_stick_folder(m.mount_point);
    s.device = m.device;
    s.fs_type = m.fs_type;
    if (m.read_only) s.writable = false;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace cate
