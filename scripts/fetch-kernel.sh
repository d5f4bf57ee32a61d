#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetches the stock Debian kernel (the package linux-image-amd64 points
# at) from Debian's archive into build/cache, once, and extracts vmlinuz.
# The .deb stays cached: the parent partition will need its modules.
# Also fetches the headers of exactly that kernel (linux-headers-VER, its
# -common package and linux-kbuild-X.Y) and extracts them under
# build/cache/headers, so the parent's module (partitions/parent/hvdrv)
# builds against them and never against the build machine's own
# /lib/modules or /usr/src.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=build/cache
mkdir -p "$cache"
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -nE 's/^ *Depends: (linux-image-[0-9][^ ]*-amd64)$/\1/p' | head -n 1)
if [ -z "$pkg" ]; then
	apt-get update -qq
	pkg=$(apt-cache depends linux-image-amd64 | sed -nE 's/^ *Depends: (linux-image-[0-9][^ ]*-amd64)$/\1/p' | head -n 1)
fi
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve linux-image-amd64" >&2; exit 1; }

# download DIR PACKAGE[=VERSION]...: apt-get download into DIR, quietly.
download() {
	local dir=$1
	shift
	(cd "$dir" && apt-get download -q "$@" 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
}

if ! [ -f "$cache/vmlinuz" ] || [ "$(cat "$cache/kernel-package" 2>/dev/null)" != "$pkg" ]; then
	echo "fetch-kernel: downloading $pkg from the Debian archive"
	rm -rf "$cache/deb" "$cache/root" "$cache/headers" "$cache/kernel-package"
	mkdir -p "$cache/deb"
	download "$cache/deb" "$pkg"
	deb=$(ls "$cache"/deb/"$pkg"_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "fetch-kernel: download of $pkg failed" >&2; exit 1; }
	dpkg-deb -x "$deb" "$cache/root"
	cp "$cache"/root/boot/vmlinuz-* "$cache/vmlinuz"
	echo "$pkg" > "$cache/kernel-package"
	echo "fetch-kernel: $cache/vmlinuz is $pkg"
fi

# The headers: build/cache/headers/usr/src/linux-headers-VER is the
# tree to build modules against (KDIR); headers/.package says for which
# kernel package it was extracted.
ver=${pkg#linux-image-}                 # 6.1.0-57-amd64
if [ -d "$cache/headers/usr/src/linux-headers-$ver" ] &&
	[ "$(cat "$cache/headers/.package" 2>/dev/null)" = "$pkg" ]; then
	exit 0
fi
deb=$(ls "$cache"/deb/"$pkg"_*.deb | head -n 1)
version=$(dpkg-deb -f "$deb" Version)   # 6.1.192-3: the headers must match
hdr=linux-headers-$ver
deps=$(apt-cache depends "$hdr" 2>/dev/null || true)
if [ -z "$deps" ]; then
	apt-get update -qq
	deps=$(apt-cache depends "$hdr" 2>/dev/null || true)
fi
common=$(echo "$deps" | sed -nE 's/^ *Depends: (linux-headers-[^ ]*-common)$/\1/p' | head -n 1)
kbuild=$(echo "$deps" | sed -nE 's/^ *Depends: (linux-kbuild-[0-9.]+)$/\1/p' | head -n 1)
[ -n "$common" ] && [ -n "$kbuild" ] ||
	{ echo "fetch-kernel: cannot resolve the dependencies of $hdr (apt-cache depends)" >&2; exit 1; }
echo "fetch-kernel: downloading $hdr, $common and $kbuild $version"
for p in "$hdr" "$common" "$kbuild"; do
	ls "$cache"/deb/"${p}_${version}"_*.deb > /dev/null 2>&1 || download "$cache/deb" "$p=$version"
	ls "$cache"/deb/"${p}_${version}"_*.deb > /dev/null 2>&1 ||
		{ echo "fetch-kernel: download of $p $version failed" >&2; exit 1; }
done
rm -rf "$cache/headers"
for p in "$hdr" "$common" "$kbuild"; do
	dpkg-deb -x "$(ls "$cache"/deb/"${p}_${version}"_*.deb | head -n 1)" "$cache/headers"
done
# Its Makefile includes the -common tree by absolute path
# (/usr/src/linux-headers-...-common/Makefile): point it at the
# extracted one, relative to the Makefile itself.
mk=$cache/headers/usr/src/$hdr/Makefile
sed -i -E 's|^include /usr/src/(linux-headers-[^/]*-common)/Makefile$|include $(dir $(lastword $(MAKEFILE_LIST)))../\1/Makefile|' "$mk"
grep -q '^include $(dir $(lastword $(MAKEFILE_LIST)))\.\./linux-headers-.*-common/Makefile$' "$mk" ||
	{ echo "fetch-kernel: unexpected $mk: $(head -n 3 "$mk")" >&2; exit 1; }
echo "$pkg" > "$cache/headers/.package"
echo "fetch-kernel: headers of $pkg in $cache/headers/usr/src/$hdr"
