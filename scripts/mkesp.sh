#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds a disk image with one EFI system partition holding hv.efi as the
# removable-media boot program, hv.cfg beside it and the modules it names:
# the firmware starts hv.efi directly, no GRUB.
#   mkesp.sh OUT.img HV.efi "CMDLINE" [MODULE_FILE "MODULE ARGS"]...
set -euo pipefail
out=$1 efi=$2 cmdline=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

{
	echo "# hv.efi configuration (see README: Boot configuration)"
	echo "cmdline $cmdline"
} > "$work/hv.cfg"
files=()
i=0
while [ $# -ge 2 ]; do
	name="$i-$(basename "$1")"
	files+=("$1" "$name")
	echo "module mods/$name $2" >> "$work/hv.cfg"
	i=$((i + 1))
	shift 2
done

# Size: contents plus slack, in MiB, at least 34 MiB so mformat picks FAT32.
bytes=$(stat -c %s "$efi")
for ((k = 0; k < ${#files[@]}; k += 2)); do
	bytes=$((bytes + $(stat -c %s "${files[k]}")))
done
mib=$((bytes / 1048576 + 8))
[ $mib -lt 34 ] && mib=34
part="$work/part.img"
truncate -s ${mib}M "$part"
mformat -i "$part" -F -v HVBOOT ::
mmd -i "$part" ::/EFI ::/EFI/BOOT ::/EFI/BOOT/mods
mcopy -i "$part" "$efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$part" "$work/hv.cfg" ::/EFI/BOOT/hv.cfg
for ((k = 0; k < ${#files[@]}; k += 2)); do
	mcopy -i "$part" "${files[k]}" "::/EFI/BOOT/mods/${files[k + 1]}"
done

# MBR with a single EFI system partition (type 0xef) at 1 MiB.
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
	$(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
sectors=$((mib * 2048))
truncate -s 0 "$out"
truncate -s $(((mib + 1) * 1048576)) "$out"
printf "\\x00\\xfe\\xff\\xff\\xef\\xfe\\xff\\xff$(le32 2048)$(le32 $sectors)" |
	dd of="$out" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$out" bs=1 seek=510 conv=notrunc status=none
dd if="$part" of="$out" bs=1M seek=1 conv=notrunc status=none
