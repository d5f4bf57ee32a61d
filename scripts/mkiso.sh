#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds a GRUB rescue ISO (BIOS and UEFI) that boots hv.elf with the given
# command line and modules, or (--linux) a Linux kernel and initrd with no
# hypervisor: the benchmark's baseline.
#   mkiso.sh OUT.iso HV.elf "CMDLINE" [MODULE_FILE "MODULE ARGS"]...
#   mkiso.sh --linux OUT.iso BZIMAGE "CMDLINE" INITRD
set -euo pipefail
linux=false
if [ "$1" = --linux ]; then
	linux=true
	shift
fi
out=$1 hv=$2 cmdline=$3
shift 3
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/boot/grub" "$root/mods"
image=hv.elf
$linux && image=vmlinuz
cp "$hv" "$root/boot/$image"
{
	echo 'set timeout=0'
	echo 'set default=0'
	echo 'serial --unit=0 --speed=115200'
	echo 'terminal_input serial console'
	echo 'terminal_output serial console'
	if $linux; then
		cp "$1" "$root/boot/initrd"
		echo 'menuentry "linux" {'
		echo "  linux /boot/vmlinuz $cmdline"
		echo '  initrd /boot/initrd'
		set --
	else
		echo 'menuentry "hypervisor" {'
		echo "  multiboot2 /boot/hv.elf $cmdline"
		# First: the page GRUB on UEFI may put at address 0 (mkguard.sh).
		"$(dirname "$0")/mkguard.sh" "$root/boot/guard"
		echo "  module2 /boot/guard guard"
	fi
	i=0
	while [ $# -ge 2 ]; do
		name=$(basename "$1")
		cp "$1" "$root/mods/$i-$name"
		echo "  module2 /mods/$i-$name $2"
		i=$((i + 1))
		shift 2
	done
	echo '  boot'
	echo '}'
} > "$root/boot/grub/grub.cfg"
if ! grub-mkrescue -o "$out" "$root" >"$root.log" 2>&1; then
	cat "$root.log" >&2
	rm -f "$root.log"
	exit 1
fi
rm -f "$root.log"
