#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The main job: install what is missing, build everything (fetching the
# stock Debian kernel once), and boot the hypervisor in QEMU from its USB
# image with the parent partition, leaving this terminal at the parent's
# shell (a virtio disk and an e1000 NIC on QEMU's user network are its).
# Leaving the shell powers the machine off; Ctrl-A X quits QEMU at once.
# Options via the environment:
#   FIRMWARE=bios|uefi (default bios)   SMP=4   MEM=2048 (MiB)
#   ACCEL=tcg|kvm (kvm needs a host with VT-x/AMD-V)   HV_CMDLINE="..."
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
make -j"$(nproc)" all build/parent.cpio.gz
cmdline=${HV_CMDLINE:-console=com1 loglevel=info}
scripts/mkusb.sh build/hv-run.img build/hv.elf build/hv.efi "$cmdline" 1 \
	build/cache/vmlinuz "parent -- console=ttyS0 quiet" build/parent.cpio.gz "initrd name=parent"
[ -f build/disk.img ] || truncate -s 256M build/disk.img  # a scratch disk for the parent
fw=()
[ "${FIRMWARE:-bios}" = uefi ] && fw=(-bios /usr/share/ovmf/OVMF.fd)
accel=()
[ "${ACCEL:-tcg}" = kvm ] && accel=(-accel kvm)
echo "run: booting the hypervisor in QEMU (quit with Ctrl-A X)"
exec qemu-system-x86_64 -M q35 -cpu max -smp "${SMP:-4}" -m "${MEM:-2048}" "${accel[@]}" \
	"${fw[@]}" -nographic -serial mon:stdio \
	-drive if=none,id=stick,format=raw,file=build/hv-run.img \
	-device qemu-xhci -device usb-storage,drive=stick,bootindex=0 \
	-drive if=virtio,format=raw,file=build/disk.img \
	-nic user,model=e1000
