#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetches the stock Debian kernel (the package linux-image-amd64 points
# at) from Debian's archive into build/cache, once, and extracts vmlinuz.
# The .deb stays cached: the parent partition will need its modules.
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
if [ -f "$cache/vmlinuz" ] && [ "$(cat "$cache/kernel-package" 2>/dev/null)" = "$pkg" ]; then
	exit 0
fi
echo "fetch-kernel: downloading $pkg from the Debian archive"
rm -rf "$cache/deb" "$cache/root"
mkdir -p "$cache/deb"
(cd "$cache/deb" && apt-get download -q "$pkg" 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
deb=$(ls "$cache"/deb/"$pkg"_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { echo "fetch-kernel: download of $pkg failed" >&2; exit 1; }
dpkg-deb -x "$deb" "$cache/root"
cp "$cache"/root/boot/vmlinuz-* "$cache/vmlinuz"
echo "$pkg" > "$cache/kernel-package"
echo "fetch-kernel: $cache/vmlinuz is $pkg"
