#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The install test's disk: a Debian 12 system with the hv package
# installed as an operator would (dpkg -i, which builds the driver with
# DKMS and runs update-grub), bootable by BIOS and UEFI.
#   mkimage.sh DEB OUT.img CHILD_KERNEL CHILD_INITRD
# The Debian tree itself (debootstrap from Debian's archive, with a
# kernel, its headers, DKMS, GRUB and systemd) is built once per machine
# and kept in $HV_CACHE (default /var/cache/hv-tests), outside the
# repository. Writes OUT.img and, beside it, what GRUB's menu was with the
# package installed (OUT.grub-installed.cfg) and removed
# (OUT.grub-removed.cfg). Needs root (debootstrap, chroot).
#
# Without loop devices or mounts (a CI machine may have neither): the
# file system is made from the tree (mke2fs -d), GRUB's boot code is
# written as grub-install would (boot.img, core.img in the MBR gap, an
# EFI system partition with BOOTX64.EFI), and while the tree is not yet
# a disk, update-grub runs with a stand-in grub-probe that answers for
# the disk it becomes (grub-probe-shim).
set -euo pipefail
deb=$(realpath "$1") out=$2 child_kernel=$3 child_initrd=$4
here=$(cd "$(dirname "$0")" && pwd)
cache=${HV_CACHE:-/var/cache/hv-tests}
mirror=${HV_DEBIAN_MIRROR:-http://deb.debian.org/debian}
pkgs=(linux-image-amd64 linux-headers-amd64 dkms grub2-common grub-pc-bin grub-efi-amd64-bin
	systemd-sysv udev kmod initramfs-tools iproute2 iputils-ping)
key=$(echo "bookworm minbase ${pkgs[*]}" | md5sum | cut -c1-12)
base=$cache/debian12-$key
log=$out.log
: > "$log"
trap 'echo "mkimage: failed at line $LINENO (see $log)" >&2' ERR

if [ ! -e "$base/.complete" ]; then
	echo "  install: building the Debian 12 tree in $base (once per machine)"
	rm -rf "$base.tmp"
	mkdir -p "$base.tmp"
	if ! debootstrap --variant=minbase --include="$(IFS=,; echo "${pkgs[*]}")" bookworm \
		"$base.tmp/root" "$mirror" >> "$log" 2>&1; then
		echo "mkimage: debootstrap failed (see $log)" >&2
		exit 1
	fi
	chroot "$base.tmp/root" apt-get clean
	touch "$base.tmp/.complete"
	rm -rf "$base"
	mv "$base.tmp" "$base"
fi

work=$out.root
rm -rf "$work"
cp -a "$base/root" "$work"
cleanup() { umount "$work/proc" 2>/dev/null || true; rm -rf "$work" "$out.grub" "$work.boot.img"; }
trap cleanup EXIT
mount -t proc proc "$work/proc"
in_root() { chroot "$work" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
	DEBIAN_FRONTEND=noninteractive "$@"; }

uuid=$(cat /proc/sys/kernel/random/uuid)
kver=$(ls "$work/lib/modules" | sort -V | tail -n 1)

# The system: its root file system, host name, network (DHCP on every
# Ethernet interface), root without a password (the test's console), and
# GRUB on the serial console, booting the hypervisor's entry by default.
echo "UUID=$uuid / ext4 errors=remount-ro 0 1" > "$work/etc/fstab"
echo hvtest > "$work/etc/hostname"
mkdir -p "$work/etc/systemd/network"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n' > "$work/etc/systemd/network/80-dhcp.network"
in_root systemctl enable systemd-networkd >> "$log" 2>&1
in_root passwd -d root >> "$log" 2>&1
cat >> "$work/etc/default/grub" <<CFG

# The install test (tests/install/mkimage.sh):
GRUB_DEFAULT=hv
GRUB_TIMEOUT=1
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_CMDLINE_LINUX="console=ttyS0,115200"
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_DISABLE_OS_PROBER=true
CFG

# The child hv.service starts: the demo child (a small kernel and initramfs).
mkdir -p "$work/var/lib/hv-test"
cp "$child_kernel" "$work/var/lib/hv-test/vmlinuz"
cp "$child_initrd" "$work/var/lib/hv-test/demo.cpio.gz"
install -m 755 "$here/hv-install-check" "$work/usr/local/sbin/hv-install-check"
install -m 644 "$here/hv-install-check.service" "$work/etc/systemd/system/"
in_root systemctl enable hv-install-check.service >> "$log" 2>&1

# update-grub with the stand-in grub-probe, as on the booted disk.
in_root dpkg-divert --local --rename --add /usr/sbin/grub-probe >> "$log" 2>&1
sed "s/@UUID@/$uuid/" "$here/grub-probe-shim" > "$work/usr/sbin/grub-probe"
chmod 755 "$work/usr/sbin/grub-probe"
mkdir -p "$work/boot/grub"
in_root update-grub >> "$log" 2>&1

# The package: installed, removed (its entries must go), installed again.
cp "$deb" "$work/tmp/hv.deb"
if ! in_root dpkg -i /tmp/hv.deb >> "$log" 2>&1; then
	echo "mkimage: dpkg -i failed (see $log)" >&2
	exit 1
fi
# The operator's settings (the package's conffile, edited): the
# hypervisor in test mode, so its lines are marked and it reports a
# verdict; the parent may end as it likes (it powers off or reboots, as
# each run asks: the runner checks which).
sed -i 's/^GRUB_CMDLINE_HV=.*/GRUB_CMDLINE_HV="test=1"/; s/^GRUB_HV_PARENT_ARGS=.*/GRUB_HV_PARENT_ARGS="expect=any"/' \
	"$work/etc/default/hv"
in_root update-grub >> "$log" 2>&1
cp "$work/boot/grub/grub.cfg" "$out.grub-installed.cfg"
in_root dpkg -r hv >> "$log" 2>&1
cp "$work/boot/grub/grub.cfg" "$out.grub-removed.cfg"
in_root dpkg -i /tmp/hv.deb >> "$log" 2>&1
rm "$work/tmp/hv.deb"
in_root dkms status >> "$log" 2>&1
[ -e "$work/lib/modules/$kver/updates/dkms/hv.ko" ] ||
	{ echo "mkimage: DKMS did not build hv.ko for $kver (see $log)" >&2; exit 1; }
cat > "$work/etc/hv/auto/demo.cfg" <<CFG
# The install test's autostarted child (tests/install/mkimage.sh).
name = "demo"
kernel = "/var/lib/hv-test/vmlinuz"
ramdisk = "/var/lib/hv-test/demo.cpio.gz"
cmdline = "console=ttyS0"
memory = 128
CFG

rm "$work/usr/sbin/grub-probe"
in_root dpkg-divert --local --rename --remove /usr/sbin/grub-probe >> "$log" 2>&1
umount "$work/proc"

# What grub-install puts in /boot/grub: the modules GRUB loads from there;
# the image's own boot sector code.
cp -r "$work/usr/lib/grub/i386-pc" "$work/usr/lib/grub/x86_64-efi" "$work/boot/grub/"
cp "$work/usr/lib/grub/i386-pc/boot.img" "$work.boot.img"

# The disk: MBR, an EFI system partition (32 MiB at 1 MiB), the root file
# system (partition 2, from 34 MiB).
esp_start=2048 esp_sectors=65536 root_start=69632
root_mib=$(( $(du -sm "$work" | cut -f1) * 3 / 2 + 256 ))
rm -f "$out"
truncate -s $(( (root_start / 2048 + root_mib) ))M "$out"
printf 'label: dos\nstart=%s, size=%s, type=ef\nstart=%s, type=83, bootable\n' \
	$esp_start $esp_sectors $root_start | sfdisk -q "$out" >> "$log" 2>&1
mke2fs -q -t ext4 -L hvroot -U "$uuid" -d "$work" -E offset=$((root_start * 512)) \
	"$out" "${root_mib}M" >> "$log" 2>&1

# BIOS: boot.img's code in the MBR (its partition table kept), core.img
# from sector 1, in the gap before partition 1. GRUB's own defaults make
# this the whole install: boot.img loads its "kernel sector" 1 (boot.S),
# and core.img's first sector, diskboot.img, carries a block list that
# grub-mkimage fills as "the sectors from 2 on" (diskboot.S) -- what
# grub-bios-setup would write, without the device probing it insists on.
prefix='(hd0,msdos2)/boot/grub'
gdir=$out.grub
rm -rf "$gdir"
mkdir -p "$gdir"
grub-mkimage -O i386-pc -d "$work/usr/lib/grub/i386-pc" -p "$prefix" -o "$gdir/core.img" biosdisk part_msdos ext2
[ $(( ($(stat -c %s "$gdir/core.img") + 511) / 512 )) -lt $esp_start ]
dd if="$work.boot.img" of="$out" bs=440 count=1 conv=notrunc status=none
dd if="$gdir/core.img" of="$out" bs=512 seek=1 conv=notrunc status=none
# UEFI: the removable-media path on the EFI system partition.
mkdir -p "$gdir/esp/EFI/BOOT"
grub-mkimage -O x86_64-efi -d "$work/usr/lib/grub/x86_64-efi" -p "$prefix" -o "$gdir/esp/EFI/BOOT/BOOTX64.EFI" part_msdos ext2 fat
truncate -s $((esp_sectors * 512)) "$gdir/esp.img"
mformat -i "$gdir/esp.img" -v HVESP ::
mcopy -s -i "$gdir/esp.img" "$gdir/esp/EFI" ::/
dd if="$gdir/esp.img" of="$out" bs=512 seek=$esp_start conv=notrunc,sparse status=none
rm -rf "$gdir"
