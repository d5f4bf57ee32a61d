#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the bootable USB image: a hybrid disk that boots on BIOS (GRUB
# from the MBR/El Torito) and on UEFI (GRUB as \EFI\BOOT\BOOTX64.EFI on an
# EFI system partition). The same partition carries hv.efi, its hv.cfg and
# the modules, so the firmware (or GRUB's second menu entry) can start the
# hypervisor without GRUB.
#   mkusb.sh OUT.img HV.elf HV.efi "CMDLINE" TIMEOUT [MODULE_FILE "MODULE ARGS"]...
set -euo pipefail
out=$1 elf=$2 efi=$3 cmdline=$4 timeout=$5
shift 5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root/boot/grub" "$root/mods"
cp "$elf" "$root/boot/hv.elf"
"$(dirname "$0")/mkguard.sh" "$root/boot/guard"

mods=()
i=0
while [ $# -ge 2 ]; do
	name="$i-$(basename "$1")"
	cp "$1" "$root/mods/$name"
	mods+=("$name" "$2")
	i=$((i + 1))
	shift 2
done

# GRUB menu, shared by the BIOS and UEFI GRUB.
{
	echo "set timeout=$timeout"
	echo "set default=${HV_USB_DEFAULT:-0}"
	echo 'serial --unit=0 --speed=115200'
	echo 'terminal_input serial console'
	echo 'terminal_output serial console'
	echo 'menuentry "Hypervisor (GRUB multiboot2)" {'
	echo "  multiboot2 /boot/hv.elf $cmdline"
	# First: the page GRUB on UEFI may put at address 0 (mkguard.sh).
	echo "  module2 /boot/guard guard"
	for ((k = 0; k < ${#mods[@]}; k += 2)); do
		echo "  module2 /mods/${mods[k]} ${mods[k + 1]}"
	done
	echo '  boot'
	echo '}'
	echo 'if [ "$grub_platform" = "efi" ]; then'
	echo '  menuentry "Hypervisor (hv.efi, no GRUB)" {'
	echo '    search --no-floppy --file --set=esp /EFI/hv/hv.efi'
	echo '    chainloader ($esp)/EFI/hv/hv.efi'
	echo '  }'
	echo 'fi'
} > "$root/boot/grub/grub.cfg"

# BIOS GRUB: El Torito image plus its modules.
cp -r /usr/lib/grub/i386-pc "$root/boot/grub/"
grub-mkimage -O i386-pc-eltorito -p /boot/grub -o "$root/boot/grub/i386-pc/eltorito.img" \
	biosdisk iso9660 part_msdos part_gpt fat normal configfile multiboot2 serial \
	terminal echo search test

# UEFI GRUB: finds the image's own filesystem, then the shared menu.
cp -r /usr/lib/grub/x86_64-efi "$root/boot/grub/"
cat > "$work/early.cfg" <<'CFG'
search --no-floppy --file --set=root /boot/hv.elf
set prefix=($root)/boot/grub
configfile $prefix/grub.cfg
CFG
mkdir -p "$work/esp/EFI/BOOT" "$work/esp/EFI/hv/mods"
grub-mkimage -O x86_64-efi -p /boot/grub -c "$work/early.cfg" \
	-o "$work/esp/EFI/BOOT/BOOTX64.EFI" part_gpt part_msdos fat iso9660 search \
	search_fs_file configfile normal multiboot2 serial terminal echo test chain \
	efi_gop efi_uga

# hv.efi with the same boot description.
cp "$efi" "$work/esp/EFI/hv/hv.efi"
{
	echo "# hv.efi configuration (see README: Boot configuration)"
	echo "cmdline $cmdline"
	for ((k = 0; k < ${#mods[@]}; k += 2)); do
		cp "$root/mods/${mods[k]}" "$work/esp/EFI/hv/mods/"
		echo "module mods/${mods[k]} ${mods[k + 1]}"
	done
} > "$work/esp/EFI/hv/hv.cfg"

kib=$(du -sk "$work/esp" | cut -f1)
kib=$((kib + kib / 10 + 2048))
truncate -s ${kib}K "$root/efi.img"
mformat -i "$root/efi.img" -v HVESP ::
mcopy -s -i "$root/efi.img" "$work/esp/EFI" ::/

xorriso -as mkisofs -graft-points -R -J -V HVBOOT \
	-b boot/grub/i386-pc/eltorito.img -no-emul-boot -boot-load-size 4 \
	-boot-info-table --grub2-boot-info \
	--grub2-mbr /usr/lib/grub/i386-pc/boot_hybrid.img \
	--efi-boot efi.img -efi-boot-part --efi-boot-image --protective-msdos-label \
	-o "$out" "$root" > "$work/xorriso.log" 2>&1 || { cat "$work/xorriso.log" >&2; exit 1; }
