#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Stress runs for bugs that show only under some timing: a lost interrupt,
# IPI or wake-up. A hang ends its run with the hypervisor's vCPU dump
# (tests/lib.sh), so a failure here explains itself.
#  - AMD-V (QEMU TCG, timing from the host): the parent boots several
#    times with CPU hogs beside the emulator on the same cores, as on a
#    busy machine; each boot must reach its script and pass its checks.
#    These boots run behind QEMU's AMD-Vi IOMMU, and the first one's DMA
#    test is iommu/amd-v-amdvi-parent-dma.
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
	INITRAMFS_BINS="build/parent-tools/portio build/parent-tools/hvdev build/parent-tools/dmatest" \
		INITRAMFS_KO=build/parent/hv.ko \
		scripts/mkinitramfs.sh "$OUT/stress-parent.cpio.gz" tests/parent/init \
		"${PARENT_MODULES[@]}" || { fail stress/image "mkinitramfs failed"; return; }
	parent_iso "$OUT/stress-q.iso" 768 4 vda ping 0 poweroff 0 0 "$OUT/stress-parent.cpio.gz" ||
		{ fail stress/image "mkiso failed"; return; }
	for _ in 1 2; do
		(while :; do :; done) &
		hogs+=($!)
	done
	for ((i = 1; i <= STRESS_BOOTS; i++)); do
		make_disk "$OUT/stress-q.img"
		# Behind QEMU's AMD-Vi IOMMU, with the edu device for the
		# parent's DMA test (iommu/amd-v-amdvi-parent-dma, below).
		qemu_run stress-parent-$i 900 -device amd-iommu,intremap=off -smp 4 -m 2048 \
			-cdrom "$OUT/stress-q.iso" \
			-drive "file=$OUT/stress-q.img,format=raw,if=none,id=d0" \
			-device virtio-blk-pci,drive=d0 -netdev user,id=n0 -device e1000,netdev=n0 \
			-device edu,dma_mask=0xffffffffffffffff
		check_parent_run stress-parent-$i "$OUT/stress-q.img" ping > /dev/null
		if [ -n "$RUN_PROBLEM" ]; then
			why="boot $i of $STRESS_BOOTS: $RUN_PROBLEM"
			break
		elif [ -n "$REASON" ]; then
			why="boot $i of $STRESS_BOOTS: $REASON"
			break
		fi
		pass=$((pass + 1))
	done
	kill "${hogs[@]}" 2> /dev/null
	wait "${hogs[@]}" 2> /dev/null
	RUN_PROBLEM=""
	[ -z "$why" ] && echo "  $pass boots of the parent with two CPU hogs beside QEMU"
	result stress/amd-v-parent-boot-under-load "$why"
	check_iommu_run stress-parent-1 amdvi
	result iommu/amd-v-amdvi-parent-dma "$REASON"

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
