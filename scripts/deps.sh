#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs the Debian packages the build and the tests need, only when one
# is missing, so a fresh Debian 12 machine needs nothing beforehand.
set -euo pipefail

packages=(
	build-essential   # gcc, make, binutils
	gnu-efi           # hv.efi
	grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools  # boot images
	qemu-system-x86 ovmf          # AMD-V under TCG, SeaBIOS and UEFI
	bochs bochsbios bochs-term    # VT-x (and a second AMD-V) under Bochs
	vgabios                       # Bochs' VGA ROM: only a recommendation of bochsbios
	busybox-static cpio           # guest initramfs
	acpica-tools                  # iasl, for the children's ACPI tables
	gcc-12 libelf1 libssl3        # the parent's module: the Debian kernel's compiler,
	                              # and what the fetched linux-kbuild's tools run on
	debootstrap lintian fdisk e2fsprogs  # the install test: its Debian image, the package check
	clang-14 libclang-rt-14-dev   # the fuzzers (tests/fuzz/): clang and its libFuzzer,
	                              # ASan and UBSan runtimes (a mere recommendation
	                              # of libclang-common-14-dev, which clang-14 pulls in)
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing packages: ${missing[*]}; run as root or install them" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
