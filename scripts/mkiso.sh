#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds a GRUB rescue ISO (BIOS and UEFI) that boots hv.elf with the given
# command line and modules.
#   mkiso.sh OUT.iso HV.elf "CMDLINE" [MODULE_FILE "MODULE ARGS"]...
set -euo pipefail
out=$1 hv=$2 cmdline=$3
shift 3
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/boot/grub" "$root/mods"
cp "$hv" "$root/boot/hv.elf"
{
	echo 'set timeout=0'
	echo 'set default=0'
	echo 'serial --unit=0 --speed=115200'
	echo 'terminal_input serial console'
	echo 'terminal_output serial console'
	echo 'menuentry "hypervisor" {'
	echo "  multiboot2 /boot/hv.elf $cmdline"
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
