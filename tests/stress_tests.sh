#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Stress runs for bugs that show only under some timing: a lost interrupt,
# IPI or wake-up. A hang ends its run with the hypervisor's vCPU dump
# (tests/lib.sh), so a failure here explains itself.
#  - AMD-V (QEMU TCG, timing from the host): the parent boots several
#    times with CPU hogs beside the emulator on the same cores, as on a
#    busy machine; each boot must reach its script and pass its checks.
#    The boots take turns at the boot paths a server uses (SeaBIOS and
#    GRUB from the ISO, GRUB from the USB image under OVMF, hv.efi from
#    the USB image under OVMF): each path's first boot is its parent test,
#    with the same checks as parent/amd-v-qemu-4cpu's boot. They run
#    behind QEMU's AMD-Vi IOMMU; the first one's DMA test is
#    iommu/amd-v-amdvi-parent-dma.
#  - VT-x (Bochs, whose time counts instructions: host load changes
#    nothing): the SMP guests, IPI-heavy, under different SMP quanta (how
#    many instructions a CPU runs before Bochs switches to the next), so
#    their vCPUs interleave differently each time.

STRESS_BOOTS=${STRESS_BOOTS:-3}
STRESS_QUANTA=(1 7 16)

stress_tests() {
	local i pass=0 why="" hogs=()

	scripts/fetch-kernel.sh > /dev/null || { fail stress/kernel "cannot fetch the Debian kernel"; return; }
	# The parent's image as parent_tests builds it (with the /dev/hv driver,
	# whose event interrupt is one more wake-up to lose), without its
	# hostile and management parts.
	INITRAMFS_BINS="build/parent-tools/portio build/parent-tools/hvdev build/parent-tools/dmatest build/parent-tools/msitest" \
		INITRAMFS_KO=build/parent/hv.ko \
		scripts/mkinitramfs.sh "$OUT/stress-parent.cpio.gz" tests/parent/init \
		"${PARENT_MODULES[@]}" || { fail stress/image "mkinitramfs failed"; return; }
	# The IOMMU below remaps interrupts: the parent forges messages by DMA.
	local PARENT_KERNEL_OPTS=hvtest.irforge=1
	parent_iso "$OUT/stress-q.iso" 768 4 vda ping 0 poweroff 0 0 "$OUT/stress-parent.cpio.gz" ||
		{ fail stress/image "mkiso failed"; return; }
	# The same parent on the USB image, booted by the firmware the way a
	# server boots it: GRUB under OVMF, and hv.efi (the image's default
	# with HV_USB_DEFAULT=1) under OVMF.
	local mods=(build/cache/vmlinuz "$(parent_module_args 768 4 vda ping 0 poweroff 0 0)"
		"$OUT/stress-parent.cpio.gz" "initrd name=parent"
		build/guests/ticker.elf "child name=ticker mem=16M cpus=3 expect=poweroff")
	scripts/mkusb.sh "$OUT/stress-usb.img" build/hv.elf build/hv.efi "$(parent_hv_cmdline 768)" 0 \
		"${mods[@]}" > /dev/null &&
		HV_USB_DEFAULT=1 scripts/mkusb.sh "$OUT/stress-usb-efi.img" build/hv.elf build/hv.efi \
			"$(parent_hv_cmdline 768)" 0 "${mods[@]}" > /dev/null ||
		{ fail stress/image "mkusb failed"; return; }
	local how=("SeaBIOS, GRUB from the ISO" "OVMF, GRUB from the USB image" "OVMF, hv.efi from the USB image")
	local path=("GRUB multiboot2 \\(BIOS\\)" "GRUB multiboot2 \\(UEFI\\)" "UEFI application hv.efi")
	local test_name=(parent/amd-v-seabios-grub parent/amd-v-ovmf-grub-usb parent/amd-v-ovmf-hv-efi-usb)
	for _ in 1 2; do
		(while :; do :; done) &
		hogs+=($!)
	done
	for ((i = 1; i <= STRESS_BOOTS; i++)); do
		local k=$(((i - 1) % 3)) boot=()
		case $k in
		0) boot=(-cdrom "$OUT/stress-q.iso") ;;
		1) boot=(-bios "$OVMF" -device qemu-xhci -drive if=none,id=stick,format=raw,file="$OUT/stress-usb.img"
			-device usb-storage,drive=stick,bootindex=0) ;;
		2) boot=(-bios "$OVMF" -device qemu-xhci -drive if=none,id=stick,format=raw,file="$OUT/stress-usb-efi.img"
			-device usb-storage,drive=stick,bootindex=0) ;;
		esac
		make_disk "$OUT/stress-q.img"
		# Behind QEMU's AMD-Vi IOMMU, with the edu device for the
		# parent's DMA test (iommu/amd-v-amdvi-parent-dma-and-
		# interrupt-remapping, below).
		qemu_run stress-parent-$i 900 -device amd-iommu,intremap=on -smp 4 -m 2048 "${boot[@]}" \
			-drive "file=$OUT/stress-q.img,format=raw,if=none,id=d0" \
			-device virtio-blk-pci,drive=d0 -netdev user,id=n0 -device e1000,netdev=n0 \
			-device edu,dma_mask=0xffffffffffffffff
		local problem=$RUN_PROBLEM
		check_parent_run stress-parent-$i "$OUT/stress-q.img" ping > /dev/null
		[ -n "$REASON" ] || log_has stress-parent-$i "boot summary: path ${path[k]};" ||
			REASON="not booted through ${how[k]} (see $OUT/stress-parent-$i.log)"
		# The first boot through each path is that path's parent test.
		if [ "$i" -le 3 ]; then
			RUN_PROBLEM=$problem
			result "${test_name[k]}" "$REASON"
		fi
		if [ -n "$problem" ]; then
			why="boot $i of $STRESS_BOOTS (${how[k]}): $problem"
			break
		elif [ -n "$REASON" ]; then
			why="boot $i of $STRESS_BOOTS (${how[k]}): $REASON"
			break
		fi
		pass=$((pass + 1))
	done
	kill "${hogs[@]}" 2> /dev/null
	wait "${hogs[@]}" 2> /dev/null
	RUN_PROBLEM=""
	[ -z "$why" ] && echo "  $pass boots of the parent with two CPU hogs beside QEMU (SeaBIOS/GRUB, OVMF/GRUB, OVMF/hv.efi)"
	result stress/amd-v-parent-boot-under-load "$why"
	check_iommu_run stress-parent-1 amdvi
	result iommu/amd-v-amdvi-parent-dma-and-interrupt-remapping "$REASON"
	check_iommu_function stress-parent-1
	result iommu/amd-v-amdvi-function-hidden "$REASON"
	check_msi_run stress-parent-1
	result iommu/amd-v-amdvi-forged-msi-config "$REASON"

	scripts/mkiso.sh "$OUT/stress-smp.iso" build/hv.elf "console=com1 test=1" \
		"$G/smp.elf" "child name=smp-sipi vcpus=4" \
		"$G/smp.elf" "child name=smp-all vcpus=3 start=all" \
		"$G/reboot.elf" "child name=reboot vcpus=3 start=all platform=pc on_reset=restart" ||
		{ fail stress/image "mkiso failed"; return; }
	why=""
	for q in "${STRESS_QUANTA[@]}"; do
		bochs_run stress-smp-q$q 600 "$OUT/stress-smp.iso" 2 corei7_skylake_x 512 "cpu: quantum=$q"
		if [ -n "$RUN_PROBLEM" ]; then
			why="quantum $q: $RUN_PROBLEM"
			break
		fi
		if ! log_has stress-smp-q$q "^hv: test result: PASS" ||
			! log_has stress-smp-q$q "test: 3 of 3 partitions ended as expected"; then
			why="quantum $q: not every SMP guest passed (see $OUT/stress-smp-q$q.log)"
			break
		fi
	done
	RUN_PROBLEM=""
	[ -z "$why" ] && echo "  SMP guests passed at Bochs quanta ${STRESS_QUANTA[*]}"
	result stress/vt-x-smp-ipi-quanta "$why"
}
