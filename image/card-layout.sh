# The card's layout, shared by the image (build-image.sh) and the boot test (tests/image/vm_boot.sh);
# sourced, not run. Needs genimage.
#
#   card_layout IMAGE TABLE PARTS_DIR OUT_DIR
#
# Lays out OUT_DIR/IMAGE from PARTS_DIR's boot.vfat, root.ext4 and data.ext4: partition 1
# CATEBOOT at 4 MiB, 2 CATEROOT, 3 CATEDATA last (it grows to the end of the card at boot).
# TABLE is mbr (a Raspberry Pi's firmware reads MBR: FAT32 LBA, bootable) or gpt (a PC's UEFI:
# the EFI system partition). No loop device and no mount. Returns non-zero, with genimage's
# output on standard error, if genimage fails.
card_layout() {
  _img=$1 _table=$2 _parts=$3 _out=$4
  case "$_table" in
    mbr)
      _boot_type='partition-type = 0x0C
    bootable = true'
      _linux_type='partition-type = 0x83' ;;
    gpt)
      _boot_type='partition-type-uuid = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"'
      _linux_type='partition-type-uuid = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"' ;;
    *) echo "card_layout: the partition table is mbr or gpt, not $_table" >&2; return 2 ;;
  esac
  cat > "$_out/genimage.cfg" <<CFG
image $_img {
  hdimage {
    partition-table-type = "$_table"
  }
  partition boot {
    $_boot_type
    image = "boot.vfat"
    offset = 4M
  }
  partition root {
    $_linux_type
    image = "root.ext4"
  }
  partition data {
    $_linux_type
    image = "data.ext4"
  }
}
CFG
  rm -rf "$_out/genimage-tmp" "$_out/genimage-root"
  mkdir -p "$_out/genimage-root"
  if ! genimage --config "$_out/genimage.cfg" --rootpath "$_out/genimage-root" --tmppath "$_out/genimage-tmp" \
       --inputpath "$_parts" --outputpath "$_out" > "$_out/genimage.log" 2>&1; then
    cat "$_out/genimage.log" >&2
    return 1
  fi
  rm -rf "$_out/genimage-tmp" "$_out/genimage-root"
}
