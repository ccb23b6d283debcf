// USB sticks found in recorded mount tables (platform/storage/usb_sticks.hpp).
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "platform/storage/usb_sticks.hpp"

using namespace cate;

namespace {

// /proc/self/mounts of a Raspberry Pi kiosk with two sticks in (udisks under /media), one
// mounted read-only, an SD card's boot partition, a tmpfs under /mnt and a bind mount.
constexpr const char* kPiMounts =
    "/dev/mmcblk0p2 / ext4 ro,noatime 0 0\n"
    "devtmpfs /dev devtmpfs rw,relatime,size=1867796k,nr_inodes=466949,mode=755 0 0\n"
    "proc /proc proc rw,relatime 0 0\n"
    "tmpfs /run tmpfs rw,nosuid,nodev,size=788348k,nr_inodes=819200,mode=755 0 0\n"
    "/dev/mmcblk0p1 /boot/firmware vfat rw,relatime,fmask=0022,dmask=0022,codepage=437 0 0\n"
    "/dev/mmcblk0p3 /var/lib/cate-kiosk ext4 rw,noatime 0 0\n"
    "/dev/sda1 /media/kiosk/CATE\\040USB vfat rw,nosuid,nodev,relatime,uid=1000,gid=1000,fmask=0022,"
    "dmask=0022,codepage=437,iocharset=ascii,shortname=mixed,showexec,utf8,flush,errors=remount-ro 0 0\n"
    "/dev/sdb1 /media/kiosk/LOCKED exfat ro,nosuid,nodev,relatime,uid=1000 0 0\n"
    "tmpfs /mnt/scratch tmpfs rw,relatime 0 0\n"
    "/dev/sdc1 /run/media/staff/OFFICE ntfs3 rw,nosuid,nodev,relatime,uid=1000 0 0\n"
    "/dev/sdd1 /mnt fuseblk rw,nosuid,nodev,relatime,user_id=0,group_id=0,allow_other 0 0\n"
    "/dev/sde1 /mediathing vfat rw 0 0\n";

}  // namespace

TEST_CASE("mount table lines are read with their escapes undone") {
  const auto m = parse_mounts(kPiMounts);
  REQUIRE(m.size() == 12);
  CHECK(m[0].mount_point == "/");
  CHECK(m[0].read_only);
  CHECK(m[6].device == "/dev/sda1");
  CHECK(m[6].mount_point == "/media/kiosk/CATE USB");
  CHECK(m[6].fs_type == "vfat");
  CHECK_FALSE(m[6].read_only);  // "errors=remount-ro" is not "ro"
  CHECK(m[7].read_only);
  // Short lines, blank lines and a backslash that escapes nothing do no harm.
  const auto odd = parse_mounts("\n\n  \nnone\n/dev/x /media/a\\b\\0 vfat\n/dev/y /media/t\\011ab ext4 rw");
  REQUIRE(odd.size() == 2);
  CHECK(odd[0].mount_point == "/media/a\\b\\0");
  CHECK_FALSE(odd[0].read_only);
  CHECK(odd[1].mount_point == "/media/t\tab");
  CHECK(parse_mounts("").empty());
}

TEST_CASE("only sticks under the roots are kept") {
  const auto s = stick_mounts(kPiMounts);
  REQUIRE(s.size() == 4);
  CHECK(s[0].mount_point == "/media/kiosk/CATE USB");
  CHECK(s[1].mount_point == "/media/kiosk/LOCKED");
  CHECK(s[2].mount_point == "/run/media/staff/OFFICE");
  CHECK(s[3].mount_point == "/mnt");  // a root itself may be the stick
  // Other roots: only what is under them ("/mediathing" is not under "/media").
  StickRoots boot{{"/boot/"}};
  const auto b = stick_mounts(kPiMounts, boot);
  REQUIRE(b.size() == 1);
  CHECK(b[0].device == "/dev/mmcblk0p1");
  CHECK(stick_mounts(kPiMounts, StickRoots{{}}).empty());
  CHECK(stick_mounts(kPiMounts, StickRoots{{""}}).empty());
}

TEST_CASE("a point mounted twice counts as its last mount") {
  const auto s = stick_mounts(
      "/dev/sda1 /media/usb vfat rw 0 0\n"
      "tmpfs /media/usb tmpfs rw 0 0\n"
      "/dev/sdb1 /media/two vfat rw 0 0\n"
      "/dev/sdc1 /media/two exfat rw 0 0\n");
  REQUIRE(s.size() == 1);
  CHECK(s[0].device == "/dev/sdc1");
  CHECK(s[0].fs_type == "exfat");
}

TEST_CASE("sticks the device image mounts for the kiosk (cate-usb@.service) are found") {
  // The kiosk's own view on the device: overlayroot's root and its system disk, the data
  // partition, and two sticks under /media/cate-usb.
  std::string table;
  for (const char* line : {"overlayroot / overlay rw,lowerdir=/media/root-ro,upperdir=/media/root-rw/overlay",
                           "/dev/mmcblk0p2 /media/root-ro ext4 ro,relatime",
                           "/dev/mmcblk0p3 /var/lib/cate-kiosk ext4 rw,nosuid,nodev,noexec,noatime",
                           "/dev/sda1 /media/cate-usb/CATE\\040USB vfat rw,nosuid,nodev,noexec,uid=999,flush,utf8",
                           "/dev/sdb1 /media/cate-usb/sdb1 exfat rw,nosuid,nodev,noexec,noatime,uid=999,gid=999"})
    table += std::string(line) + " 0 0\n";
  const auto s = stick_mounts(table);
  REQUIRE(s.size() == 2);
  CHECK(s[0].mount_point == "/media/cate-usb/CATE USB");
  CHECK(s[1].mount_point == "/media/cate-usb/sdb1");
  CHECK(s[1].fs_type == "exfat");
  // overlayroot's system disk is under /media but never a stick.
  CHECK_FALSE(StickRoots{}.holds("/media/root-ro"));
  CHECK_FALSE(StickRoots{}.holds("/media/root-rw/overlay"));
  CHECK(StickRoots{}.holds("/media/root-rox"));
}

TEST_CASE("stick file systems") {
  for (const char* fs : {"vfat", "exfat", "ntfs", "ntfs3", "fuseblk", "ext4", "ext3", "ext2"})
    CHECK(is_stick_file_system(fs));
  for (const char* fs : {"tmpfs", "proc", "nfs", "cifs", "overlay", "squashfs", "", "VFAT"})
    CHECK_FALSE(is_stick_file_system(fs));
}

TEST_CASE("a folder's writability and room, and the named folder listed first") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("cate-sticks-" + std::to_string(::getpid()));
  fs::create_directories(dir / "stick");
  fs::create_directories(dir / "locked");
  ::chmod((dir / "locked").c_str(), 0555);
  {
    std::ofstream mounts(dir / "mounts");
    mounts << "/dev/sda1 " << (dir / "stick").string() << " vfat rw 0 0\n"
           << "/dev/sdb1 " << (dir / "gone").string() << " vfat rw 0 0\n";
  }
  StickSearch search;
  search.mounts_file = (dir / "mounts").string();
  search.roots.roots = {dir.string()};
  search.folders = {(dir / "locked").string()};
  const auto sticks = find_usb_sticks(search);
  REQUIRE(sticks.size() == 3);
  CHECK(sticks[0].name == "locked");
  CHECK(sticks[0].present);
  CHECK(sticks[0].device.empty());
  if (::geteuid() != 0) CHECK_FALSE(sticks[0].writable);  // root may write anywhere
  CHECK(sticks[1].name == "stick");
  CHECK(sticks[1].device == "/dev/sda1");
  CHECK(sticks[1].present);
  CHECK(sticks[1].writable);
  CHECK(sticks[1].size_bytes > 0);
  CHECK(sticks[2].name == "gone");
  CHECK_FALSE(sticks[2].present);
  CHECK_FALSE(sticks[2].writable);
  // A missing mount table: only the named folders.
  search.mounts_file = (dir / "no-such-file").string();
  CHECK(find_usb_sticks(search).size() == 1);
  // A folder named outright is not listed twice when it is also a stick mount.
  search.mounts_file = (dir / "mounts").string();
  search.folders = {(dir / "stick").string()};
  CHECK(find_usb_sticks(search).size() == 2);
  ::chmod((dir / "locked").c_str(), 0755);
  fs::remove_all(dir);
}
