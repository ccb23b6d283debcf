#!/bin/sh
# image/grow/cate-grow-data on disk image files laid out as build-image.sh lays out the card
# (genimage: boot at 4 MiB, root, an ext4 data partition made with mke2fs -d holding files),
# MBR (the Raspberry Pi) and GPT (a PC), made bigger as a larger card would be. Checks: the data
# partition ends at the last MiB boundary before the disk's final MiB, the partitions before it
# are unchanged in the table and byte for byte, GPT's backup header is at the new end, the ext4
# file system fills the partition, is clean and its files are intact; a second run and a run on
# a disk with nothing to grow change no byte; a grow cut off after the partition table is
# finished by the next run; partitions that are not the last are refused. No loop device, no
# mount, no root.
#
#   grow.sh SCRIPT
# Exits 77 (skipped) when a tool it needs is missing.
set -eu
script=$1
. "$(dirname "$0")/checks.sh"
scratch work
skip_without "image/deps.sh installs them: genimage fdisk e2fsprogs jq" \
  genimage sfdisk mke2fs e2fsck dumpe2fs debugfs resize2fs jq sha256sum
MiB=1048576

# The partitions before the data partition: recognisable bytes, not file systems (the script
# must not look at them, let alone change them).
mkdir -p "$work/in" "$work/data/sub" "$work/empty"
head -c $((4 * MiB)) /dev/urandom > "$work/in/boot.img"
head -c $((8 * MiB)) /dev/urandom > "$work/in/root.img"
head -c 300000 /dev/urandom > "$work/data/sub/kiosk.db"
echo "check-ins kept across the grow" > "$work/data/note.txt"
truncate -s $((16 * MiB)) "$work/in/data.ext4"
mke2fs -q -t ext4 -L CATEDATA -d "$work/data" "$work/in/data.ext4"

# make TABLE: a fresh disk image ($work/TABLE.img), as build-image.sh makes the card.
make_image() {
  table=$1
  if [ "$table" = mbr ]; then
    boot_type='partition-type = 0x0C
    bootable = true'
    linux_type='partition-type = 0x83'
  else
    boot_type='partition-type-uuid = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"'
    linux_type='partition-type-uuid = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"'
  fi
  cat > "$work/$table.cfg" <<EOF
image $table.img {
  hdimage {
    partition-table-type = "$table"
  }
  partition boot {
    $boot_type
    image = "boot.img"
    offset = 4M
  }
  partition root {
    $linux_type
    image = "root.img"
  }
  partition data {
    $linux_type
    image = "data.ext4"
  }
}
EOF
  rm -rf "$work/tmp" "$work/$table.img"
  genimage --config "$work/$table.cfg" --rootpath "$work/empty" --tmppath "$work/tmp" \
    --inputpath "$work/in" --outputpath "$work" > "$work/genimage.log" 2>&1 ||
    { cat "$work/genimage.log" >&2; echo "FAIL: genimage ($table)" >&2; exit 1; }
}

# part IMAGE N FIELD: a partition's start or size (sectors) from sfdisk --json.
part() { sfdisk --json "$1" | jq -r --arg n "$2" ".partitiontable.partitions[] | select(.node | endswith(\$n)) | .$3"; }
# bytes IMAGE N: the hash of a partition's bytes.
bytes() {
  dd if="$1" bs=512 skip="$(part "$1" "$2" start)" count="$(part "$1" "$2" size)" status=none | sha256sum | cut -d' ' -f1
}
run() { sh "$script" "$@" > "$work/run.log" 2>&1; }

for table in mbr gpt; do
  echo "== $table"
  make_image "$table"
  img=$work/$table.img
  others=$(sfdisk --json "$img" | jq -c '[.partitiontable.partitions[] | select(.node | endswith("3") | not) | del(.node)]')
  b1=$(bytes "$img" 1) b2=$(bytes "$img" 2)
  start3=$(part "$img" 3 start)

  # Nothing to grow: the image as built, no byte changes.
  sum=$(sha256sum < "$img")
  run "$img" 3 || fail "$table: a disk with nothing to grow: exit $? ($(cat "$work/run.log"))"
  [ "$(sha256sum < "$img")" = "$sum" ] || fail "$table: a disk with nothing to grow was changed"

  # A bigger card.
  truncate -s $((100 * MiB)) "$img"
  run "$img" 3 || fail "$table: grow: exit $? ($(cat "$work/run.log"))"
  sed 's/^/  /' "$work/run.log"
  sectors=$((100 * MiB / 512))
  want_end=$(((sectors - 2048) / 2048 * 2048 - 1))
  size3=$(part "$img" 3 size)
  [ "$(part "$img" 3 start)" = "$start3" ] || fail "$table: partition 3 moved ($start3 -> $(part "$img" 3 start))"
  [ $((start3 + size3 - 1)) = "$want_end" ] || fail "$table: partition 3 ends at $((start3 + size3 - 1)), not $want_end"
  [ "$(sfdisk --json "$img" | jq -c '[.partitiontable.partitions[] | select(.node | endswith("3") | not) | del(.node)]')" = "$others" ] ||
    fail "$table: partitions 1 and 2 changed in the table"
  [ "$(bytes "$img" 1)" = "$b1" ] || fail "$table: partition 1's bytes changed"
  [ "$(bytes "$img" 2)" = "$b2" ] || fail "$table: partition 2's bytes changed"
  sfdisk --verify "$img" > "$work/verify" 2>&1 || true
  if ! grep -q 'No errors detected' "$work/verify" || grep -qi 'mismatch\|not on the end\|error detected' "$work/verify"; then
    fail "$table: sfdisk --verify: $(tr '\n' ' ' < "$work/verify")"
  fi
  if [ "$table" = gpt ]; then
    last=$(sfdisk --json "$img" | jq -r .partitiontable.lastlba)
    [ "$last" = $((sectors - 34)) ] || fail "gpt: last usable sector $last, not $((sectors - 34)): the backup header is not at the end"
  fi

  # The file system: fills the partition, clean, files intact.
  dd if="$img" of="$work/p3" bs=512 skip="$start3" count="$size3" status=none
  e2fsck -fn "$work/p3" > "$work/fsck" 2>&1 || fail "$table: e2fsck -fn after the grow: $(tail -n 3 "$work/fsck")"
  fs=$(dumpe2fs -h "$work/p3" 2>/dev/null | awk -F: '/^Block count:/ { c = $2 } /^Block size:/ { s = $2 } END { print c * s }')
  [ "$fs" = $((size3 * 512)) ] || fail "$table: the file system is $fs bytes, the partition $((size3 * 512))"
  debugfs -R 'cat /note.txt' "$work/p3" 2>/dev/null | cmp -s - "$work/data/note.txt" || fail "$table: note.txt differs"
  debugfs -R 'cat /sub/kiosk.db' "$work/p3" 2>/dev/null | cmp -s - "$work/data/sub/kiosk.db" || fail "$table: sub/kiosk.db differs"
  [ "$(dumpe2fs -h "$work/p3" 2>/dev/null | sed -n 's/^Filesystem volume name: *//p')" = CATEDATA ] || fail "$table: the label changed"

  # A second run: nothing to do, no byte changes.
  sum=$(sha256sum < "$img")
  run "$img" 3 || fail "$table: second run: exit $? ($(cat "$work/run.log"))"
  grep -q 'nothing to do' "$work/run.log" || fail "$table: second run did not say nothing to do: $(cat "$work/run.log")"
  [ "$(sha256sum < "$img")" = "$sum" ] || fail "$table: the second run changed the disk"

  # Not the last partition, or no such partition: refused, nothing changed.
  for n in 1 2 5; do
    if run "$img" "$n"; then fail "$table: partition $n was taken"; fi
    [ "$(sha256sum < "$img")" = "$sum" ] || fail "$table: a refused run (partition $n) changed the disk"
  done
done

# Cut off between the partition table and the file system (a power cut): the next run grows
# the file system alone.
echo "== mbr, cut off after the partition table"
make_image mbr
img=$work/mbr.img
truncate -s $((100 * MiB)) "$img"
start3=$(part "$img" 3 start)
size3=$(((100 * MiB / 512 - 2048) / 2048 * 2048 - start3))
echo ",$size3" | sfdisk -q --no-reread --no-tell-kernel -N 3 "$img" >/dev/null 2>&1 || fail "sfdisk on the test's disk"
run "$img" 3 || fail "resumed: exit $? ($(cat "$work/run.log"))"
sed 's/^/  /' "$work/run.log"
grep -q 'partition has nothing to grow' "$work/run.log" || fail "resumed: the partition was grown again"
dd if="$img" of="$work/p3" bs=512 skip="$start3" count="$size3" status=none
e2fsck -fn "$work/p3" > "$work/fsck" 2>&1 || fail "resumed: e2fsck -fn: $(tail -n 3 "$work/fsck")"
fs=$(dumpe2fs -h "$work/p3" 2>/dev/null | awk -F: '/^Block count:/ { c = $2 } /^Block size:/ { s = $2 } END { print c * s }')
[ "$fs" = $((size3 * 512)) ] || fail "resumed: the file system is $fs bytes, the partition $((size3 * 512))"

finish "cate-grow-data (MBR and GPT)"
