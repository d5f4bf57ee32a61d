#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Writes the guard module: one page GRUB is given first, so that no module
# the hypervisor needs can be the one GRUB 2.06 on UEFI puts at physical
# address 0 -- GRUB reads a module there through what its C code takes
# for a NULL buffer, so it arrives as zeros. GRUB picks the lowest free
# address for each module in turn; with page 0 free, this page takes it.
# The hypervisor ignores a module whose line is "guard".
#   mkguard.sh OUT
set -euo pipefail
{
	echo "hv guard page: a multiboot2 module GRUB loads first (module2 FILE guard)."
	echo "GRUB 2.06 on UEFI loses a module it places at physical address 0;"
	echo "this page takes that place when it is free. Its contents do not matter."
} > "$1"
truncate -s 4096 "$1"
