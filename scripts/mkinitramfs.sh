#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds a gzipped cpio initramfs: Debian's static busybox and an init.
#   mkinitramfs.sh OUT.cpio.gz INIT-SCRIPT
set -euo pipefail
out=$1 init=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$init" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9 > "$out"
