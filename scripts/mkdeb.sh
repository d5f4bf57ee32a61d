#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the Debian package (make deb): the hypervisor in /boot, the GRUB
# generator, hvctl and its man page, the /dev/hv driver as DKMS source,
# hv.service with its helper, the configuration in /etc. dpkg-deb builds
# it from a staging tree laid out here (packaging/deb/ has the files).
#   mkdeb.sh OUTDIR HV.ELF HV.EFI HVCTL  -> OUTDIR/hv_VERSION_amd64.deb
set -euo pipefail
out=$1 elf=$2 efi=$3 hvctl=$4
cd "$(dirname "$0")/.."
pkg=packaging/deb
version=$(sed -n 's/^#define HVCTL_VERSION "\(.*\)"$/\1/p' partitions/parent/hvctl/hvctl.h)
[ -n "$version" ] || { echo "mkdeb: no HVCTL_VERSION in hvctl.h" >&2; exit 1; }
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
date=$(git log -1 --format=%cD 2>/dev/null || date -R)
# Files keep the commit's time, so the package is the same each build.
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)

root=$out/deb-root
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/boot" "$root/etc/grub.d" "$root/etc/default" \
	"$root/etc/hv/auto" "$root/usr/sbin" "$root/usr/share/man/man8" \
	"$root/usr/share/doc/hv" "$root/usr/share/lintian/overrides" \
	"$root/usr/libexec/hv" "$root/lib/systemd/system" "$root/usr/src/hv-$version/include"
# Who built it, as dch takes it (DEBFULLNAME, DEBEMAIL); .invalid is the
# top-level domain reserved for addresses that reach no one (RFC 2606).
maintainer="${DEBFULLNAME:-hv packagers} <${DEBEMAIL:-packagers@hv.invalid}>"
subst() {
	sed "s/@VERSION@/$version/g; s/@COMMIT@/$commit/g; s/@DATE@/$date/g; s|@MAINTAINER@|$maintainer|g" "$1"
}

install -m 644 "$elf" "$root/boot/hv.elf"
install -m 644 "$efi" "$root/boot/hv.efi"
scripts/mkguard.sh "$root/boot/hv-guard.bin"
chmod 644 "$root/boot/hv-guard.bin"
install -m 755 "$pkg/20_linux_hv" "$root/etc/grub.d/20_linux_hv"
install -m 644 "$pkg/default-hv" "$root/etc/default/hv"
install -m 644 "$pkg/example.cfg" "$root/etc/hv/example.cfg"
install -m 755 "$hvctl" "$root/usr/sbin/hvctl"
strip --strip-all --remove-section=.comment "$root/usr/sbin/hvctl"
scripts/mkman.sh "$hvctl" "$version" | gzip -9n > "$root/usr/share/man/man8/hvctl.8.gz"
install -m 644 "$pkg/copyright" "$root/usr/share/doc/hv/copyright"
install -m 644 "$pkg/README.Debian" "$root/usr/share/doc/hv/README.Debian"
# A native package: its changelog is changelog.gz (Policy 12.7).
subst "$pkg/changelog" | gzip -9n > "$root/usr/share/doc/hv/changelog.gz"
install -m 644 "$pkg/lintian-overrides" "$root/usr/share/lintian/overrides/hv"
install -m 755 "$pkg/hv-autostart" "$root/usr/libexec/hv/hv-autostart"
install -m 644 "$pkg/hv.service" "$root/lib/systemd/system/hv.service"
src=$root/usr/src/hv-$version
install -m 644 partitions/parent/hvdrv/*.c partitions/parent/hvdrv/*.h "$src/"
install -m 644 partitions/parent/include/hv_ioctl.h partitions/hv_abi.h "$src/include/"
install -m 644 "$pkg/Kbuild.dkms" "$src/Kbuild"
subst "$pkg/dkms.conf.in" > "$src/dkms.conf"
chmod 644 "$src/dkms.conf"

for s in postinst prerm postrm; do
	subst "$pkg/$s" > "$root/DEBIAN/$s"
	chmod 755 "$root/DEBIAN/$s"
done
printf '%s\n' /etc/default/hv /etc/grub.d/20_linux_hv /etc/hv/example.cfg > "$root/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
subst "$pkg/control.in" | sed "s/@SIZE@/$size/" > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
	xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
find "$root" -type d -exec chmod 755 {} +
find "$root" -exec touch -h -d "@$epoch" {} +

deb=$out/hv_${version}_amd64.deb
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
