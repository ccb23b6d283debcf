#!/bin/sh
# rpi-image-gen's pre-image hook for the cate-image layer: writes genimage's settings for the
# kiosk's card from genimage.cfg.in.
#
#   preimage.sh ROOTFS GENIMAGE_DIR
set -eu

genimg_in=$2

sed -e "s|<IMAGE_NAME>|$IGconf_image_name|g" \
    -e "s|<IMAGE_SUFFIX>|$IGconf_image_suffix|g" \
    -e "s|<BOOT_SIZE>|$IGconf_image_boot_part_size|g" \
    -e "s|<ROOT_SIZE>|$IGconf_image_root_part_size|g" \
    -e "s|<DATA_SIZE>|$IGconf_image_data_part_size|g" \
    "$IGconf_image_assetdir/genimage.cfg.in" > "$genimg_in/genimage.cfg"
