#pragma once
/// @brief USB sticks: the mounted removable file systems a kiosk can write an export to. Reads
/// the mount table (/proc/self/mounts, or a file given for tests), keeps mount points under the
/// usual roots (/media, /run/media, /mnt) whose file system is one a stick carries (FAT, exFAT,
/// NTFS, ext2/3/4 and the like), and says of each whether it can be written to and how much room
/// it has. Staff may also name a folder outright (`cate-kiosk --usb-folder DIR`), for kiosks that
/// mount sticks elsewhere. Plain POSIX; blocks only as long as statvfs() does on a slow stick,
/// so call it off the render thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cate {

/// One line of a mount table (fstab(5) fields; octal escapes such as "\040" undone).
struct MountEntry {
  std::string device;       ///< "/dev/sda1"
  std::string mount_point;  ///< "/media/kiosk/CATE USB"
  std::string fs_type;      ///< "vfat"
  bool read_only = false;   ///< mounted with the "ro" option
};

/// The lines of a mount table in /proc/self/mounts' format. Lines too short to be mounts are
/// skipped; nothing throws.
std::vector<MountEntry> parse_mounts(std::string_view text);

/// Whether a file system type is one a USB stick carries: vfat, msdos, exfat, ntfs, ntfs3,
/// fuseblk (ntfs-3g, exfat-fuse), ext2, ext3, ext4, f2fs, btrfs, xfs, hfsplus, udf.
bool is_stick_file_system(std::string_view fs_type);

/// Where sticks are looked for: a mount point equal to a root or inside it.
struct StickRoots {
  std::vector<std::string> roots{"/media", "/run/media", "/mnt"};
  /// Never a stick, though under a root: overlayroot's read-only system disk and its memory
  /// layer on the device (/media/root-ro, /media/root-rw), and whatever is mounted inside them.
  std::vector<std::string> system_mounts{"/media/root-ro", "/media/root-rw"};
  bool holds(std::string_view mount_point) const;
};

/// The entries of a mount table that look like sticks: under `roots` (not in `system_mounts`),
/// with a stick's file system. A mount point mounted twice counts once (the later mount, the one seen). In the
/// table's order. Pure: for tests on recorded tables.
std::vector<MountEntry> stick_mounts(std::string_view mounts_text, const StickRoots& roots = {});

/// A folder an export can go to, as found just now.
struct UsbStick {
  std::string folder;            ///< the mount point, or the folder staff named
  std::string name;              ///< what staff see: the folder's last part ("CATE USB")
  std::string device;            ///< "/dev/sda1"; empty for a folder named outright
  std::string fs_type;           ///< "vfat"; empty for a folder named outright
  bool present = false;          ///< the folder exists
  bool writable = false;         ///< this process may write there (access W_OK, not mounted "ro")
  std::uint64_t free_bytes = 0;  ///< room for this process (statvfs f_bavail)
  std::uint64_t size_bytes = 0;  ///< the file system's size
  friend bool operator==(const UsbStick&, const UsbStick&) = default;
};

/// Looks at one folder: whether it exists, can be written to, and its room.
UsbStick inspect_stick_folder(const std::string& folder);

/// What to look at: the mount table, the roots, and folders named outright (always listed,
/// first, even when they are missing, so staff see "not there").
struct StickSearch {
  std::string mounts_file = "/proc/self/mounts";
  StickRoots roots;
  std::vector<std::string> folders;
};

/// The sticks now: the named folders, then each stick mount (one already named is not listed
/// twice). An unreadable mount table gives only the named folders.
std::vector<UsbStick> find_usb_sticks(const StickSearch& search);

}  // namespace cate
