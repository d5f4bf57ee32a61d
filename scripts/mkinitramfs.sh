#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds a gzipped cpio initramfs: Debian's static busybox, an init, and
# optionally kernel modules from the cached Debian kernel package
# (scripts/fetch-kernel.sh) with everything they depend on, listed in
# load order in /lib/modules/load-order for the init to insmod.
#   mkinitramfs.sh OUT.cpio.gz INIT-SCRIPT [MODULE...]
# Programs named in INITRAMFS_BINS (space-separated paths) go to /bin.
# Kernel modules built here, named in INITRAMFS_KO (space-separated .ko
# paths), go to /lib/modules too, listed in load-order after the others
# (the init may treat them on their own: partitions/parent/init).
# Other files named in INITRAMFS_FILES (space-separated SRC=DEST pairs,
# DEST absolute) are copied to DEST.
set -euo pipefail
out=$1 init=$2
shift 2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$init" "$root/init"
chmod 755 "$root/init"
for b in ${INITRAMFS_BINS:-}; do
	cp "$b" "$root/bin/"
done

order=()
if [ $# -gt 0 ]; then
	moddir=$(ls -d "$(dirname "$0")"/../build/cache/root/lib/modules/*/kernel 2>/dev/null | head -n 1)
	[ -n "$moddir" ] || { echo "mkinitramfs: no cached kernel modules (run scripts/fetch-kernel.sh)" >&2; exit 1; }
	declare -A done=()
	# Module names treat '-' and '_' alike.
	ko_of() { find "$moddir" -name "$(echo "$1" | sed 's/[-_]/[-_]/g').ko" | head -n 1; }
	add() {
		local name=${1//-/_} ko dep
		[ -n "${done[$name]:-}" ] && return
		done[$name]=1
		ko=$(ko_of "$1")
		[ -n "$ko" ] || { echo "mkinitramfs: module $1 not found" >&2; exit 1; }
		for dep in $(objcopy -O binary --only-section=.modinfo "$ko" /dev/stdout | tr '\0' '\n' |
			sed -n 's/^depends=//p' | tr ',' ' '); do
			add "$dep"
		done
		cp "$ko" "$root/lib/modules/$name.ko"
		order+=("$name")
	}
	for m in "$@"; do add "$m"; done
fi
for ko in ${INITRAMFS_KO:-}; do
	[ -f "$ko" ] || { echo "mkinitramfs: $ko not found" >&2; exit 1; }
	name=$(basename "$ko" .ko)
	cp "$ko" "$root/lib/modules/${name//-/_}.ko"
	order+=("${name//-/_}")
done
for f in ${INITRAMFS_FILES:-}; do
	src=${f%%=*} dest=${f#*=}
	[ -f "$src" ] && [ "${dest#/}" != "$dest" ] || { echo "mkinitramfs: bad file $f" >&2; exit 1; }
	mkdir -p "$root$(dirname "$dest")"
	cp "$src" "$root$dest"
done
if [ ${#order[@]} -gt 0 ]; then
	printf '%s\n' "${order[@]}" > "$root/lib/modules/load-order"
fi
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9 > "$out"
