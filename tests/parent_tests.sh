#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Parent partition tests: the stock Debian kernel as the parent, with the
# drivers of the machine's disk and NIC and the /dev/hv driver
# (build/parent/hv.ko) in its initramfs and the test script
# tests/parent/init, beside a pre-launched child (the ticker test
# guest). The parent's serial output is the machine console's, untagged. AMD-V under QEMU (q35, 4 CPUs, virtio disk, e1000 NIC on the
# user network, pinged); VT-x under Bochs (i440fx, 2 CPUs, an ATA disk,
# e1000 on Bochs' slirp, which serves DHCP but does not answer pings).

# virtio_net last: the e1000 the NIC checks use is eth0, and the virtio
# NIC the passthrough runs give a child (at 01:00.0) has its driver in the
# parent before and after.
PARENT_MODULES=(virtio_blk virtio_pci e1000 ata_piix sd_mod tun bridge virtio_net)

# The NIC the passthrough runs give a child, on its own user network (the
# child pings its gateway): behind a PCI Express root port, at 01:00.0,
# so that it is a PCI Express function with a function level reset (on
# the root bus QEMU makes it a conventional PCI one, without). QEMU's
# virtio devices bypass its IOMMUs unless iommu_platform=on (their rings
# would be read at the child's addresses taken as the machine's), which
# a transitional device cannot offer: modern only (1af4:1041).
PT_NIC=(-device pcie-root-port,id=ptport,chassis=9,addr=0x6 -netdev user,id=n2
	-device virtio-net-pci,bus=ptport,netdev=n2,romfile=,disable-legacy=on,iommu_platform=on)
# Under QEMU's AMD-Vi the same NIC sits on the root bus, at 00:06.0,
# without a function level reset: QEMU 7.2's AMD-Vi model takes a
# function's bus number when the function is created, before the
# firmware numbers the buses, and so looks up any function behind a
# bridge under bus 0 (fixed in later QEMU, which asks the bus each time).
# An emulator departure, worked around here only.
PT_NIC_ROOT=(-netdev user,id=n2
	-device virtio-net-pci,netdev=n2,addr=0x6,romfile=,disable-legacy=on,iommu_platform=on)

# parent_iso OUT PARENT_MEM_MIB CPUS DISK NET HOSTILE END MANAGE FUZZ
# INITRD: END is how the parent ends the run, poweroff (S5) or reset
# (through a mediated lane); MANAGE the management phase (guests, linux,
# pt for the passthrough phase alone, or 0 for none), with FUZZ calls of
# the parent's fuzzer.
parent_iso() {
	local end=${7:-poweroff}
	scripts/mkiso.sh "$1" build/hv.elf "$(parent_hv_cmdline "$2")" \
		build/cache/vmlinuz "$(parent_module_args "${@:2:8}")" \
		"${10}" "initrd name=parent" \
		build/guests/ticker.elf "child name=ticker mem=16M cpus=$(($3 - 1)) expect=$end"
}

# parent_hv_cmdline MEM_MB: the hypervisor's command line of a parent run.
parent_hv_cmdline() { echo "console=com1 test=1 parent_mem=${1}M ${PARENT_HV_OPTS:-}"; }
# parent_module_args MEM_MB CPUS DISK NET HOSTILE END MANAGE FUZZ: the
# parent module's arguments (its own, then its kernel's after --). Its
# kernel lets root map any device page through /dev/mem (iomem=relaxed),
# as a hostile kernel would: the hostile tests reach the ECAM window and
# device registers as well as the ports. PARENT_KERNEL_OPTS adds to it.
parent_module_args() {
	local hostile=${5:-0} end=${6:-poweroff}
	echo "parent expect=$end timeout=1500000 -- console=ttyS0 iomem=relaxed hvtest.cpus=$2 hvtest.mem=$1 hvtest.disk=$3 hvtest.net=$4 hvtest.hostile=$hostile hvtest.end=$end hvtest.manage=$7 hvtest.fuzz=$8 ${PARENT_KERNEL_OPTS:-}"
}

# make_disk FILE: a disk image with a marker the parent must read in
# sector 0; 32 cylinders of 16 heads and 63 sectors, a size Bochs takes.
make_disk() {
	DISK_MARK="HVDISK-MARK-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	rm -f "$1"
	truncate -s $((32 * 16 * 63 * 512)) "$1"
	printf '%s' "$DISK_MARK" | dd of="$1" conv=notrunc status=none
}

# ticks_between NAME FROM TO: the ticker child's ticks (its tagged lines,
# which only the hypervisor writes) between two of the parent's lines.
ticks_between() {
	log_whole "$1" | awk -v from="$2" -v to="$3" -v tick="^${HV_MARK}${HV_TS}\\[ticker\\] tick " \
		'$0 ~ from { on = 1 } $0 ~ to { on = 0 } on && $0 ~ tick { n++ } END { print n + 0 }'
}

# check_parent_run NAME DISK NET [END]: sets REASON.
check_parent_run() {
	local name=$1 disk=$2 net=$3 end=${4:-poweroff} line
	REASON=""
	local want=("HVTEST ok cpus" "HVTEST ok memory" "HVTEST ok disk-read" "HVTEST ok disk-write"
		"HVTEST ok hv-memory" "HVTEST RESULT PASS")
	[ "$net" != 0 ] && want+=("HVTEST ok net-traffic" "HVTEST ok net-interrupts")
	for line in "${want[@]}"; do
		if ! log_parent "$name" "^$line"; then
			# The parent's own failed checks, by name, or the last
			# thing it said.
			local failed
			failed=$(parent_stream "$name" | sed -nE 's/^HVTEST FAILED ([^:]*):.*/\1/p' | tr '\n' ' ')
			[ -n "$failed" ] || failed="none; its last line: $(parent_stream "$name" | grep -a '^HVTEST' | tail -n 1)"
			REASON="missing '$line'; the parent's failed checks: ${failed% } (see $OUT/$name.log)"
			return
		fi
	done
	# The /dev/hv driver loaded, or refused with its reason; either way
	# the script went on.
	log_parent "$name" "^HVTEST (ok hv-driver|note: hv driver not loaded)" ||
		{ REASON="no word of the /dev/hv driver (see $OUT/$name.log)"; return; }
	if log_parent "$name" "^HVTEST ok hv-driver"; then
		log_parent "$name" "^HVTEST ok hv-ioctls" && log_parent "$name" "^HVTEST ok hv-polled" ||
			{ REASON="/dev/hv failed its checks (HVTEST hvdev lines in $OUT/$name.log)"; return; }
	else
		log_parent "$name" "^HVTEST hv-driver: .* hv: .*not loading" ||
			{ REASON="the /dev/hv driver did not load and gave no reason"; return; }
	fi
	log_has "$name" "parent reads hypervisor memory at .*: denied" ||
		{ REASON="the hypervisor logged no denied read"; return; }
	grep -aq "HVDISK-WRITTEN-${DISK_MARK#HVDISK-MARK-}" "$disk" ||
		{ REASON="the parent's write is not in the disk image"; return; }
	# The child ran beside the parent: ticks while the parent's script ran.
	local ticks
	ticks=$(ticks_between "$name" "^HVTEST parent script started" "^HVTEST parent checks done")
	[ "$ticks" -ge 1 ] || { REASON="the child did not run beside the parent"; return; }
	if [ "$end" = reset ]; then
		log_has "$name" "^\[ *[0-9.]+\] cpu[0-9]+ partition 'ticker' stopped: the parent reset the machine" ||
			{ REASON="the child was not stopped by the parent's reset"; return; }
	else
		log_has "$name" "^\[ *[0-9.]+\] cpu[0-9]+ partition 'ticker' stopped: the parent powered the machine off" ||
			{ REASON="the child was not stopped by the machine's power-off"; return; }
	fi
	log_has "$name" "test result: PASS" || { REASON="hypervisor verdict is not PASS"; return; }
	echo "  child ticks during the parent's checks: $ticks"
	echo "  boot: the parent reached its script at uptime $(log_value "$name" \
		'^HVTEST parent script started, uptime ([0-9.]+) s') s (its own clock)"
}

# check_hostile_run NAME [QUOTA]: the hostile phase's checks
# (tests/parent/init, hvtest.hostile=1) and the hypervisor's refusals;
# with QUOTA=quota, the sweep of the physical address space must have run
# into the page-table quota of the parent's on-demand mappings (it does
# in QEMU's 40-bit space; Bochs' 36 bits need fewer tables than that).
check_hostile_run() {
	local name=$1 quota=${2:-} line hv='^\[ *[0-9.]+\] cpu[0-9]+ '
	REASON=""
	for line in "HVTEST ok sleep-refused" "HVTEST ok hv-ports" "HVTEST ok memscan" \
		"HVTEST hostile phase done"; do
		log_parent "$name" "^$line" || { REASON="missing '$line' (see $OUT/$name.log)"; return; }
	done
	log_has "$name" "${hv}WARN: parent: out 0x[0-9a-f]+ \([124] bytes?, value 0x[0-9a-f]+\): refused: sleep state with SLP_TYP" ||
		{ REASON="the hypervisor logged no refused sleep state"; return; }
	log_has "$name" "${hv}WARN: parent: out 0x(3f|43) .*refused: port 0x4[0-3] is the hypervisor's" ||
		{ REASON="the hypervisor logged no refused PIT access"; return; }
	log_has "$name" "${hv}WARN: \([0-9]+ similar messages suppressed\)" ||
		{ REASON="the refusals were not rate-limited"; return; }
	log_parent "$name" "^\\?\\[   9.999999\\] cpu0 test: 9 of 9 partitions ended as expected, forged" ||
		{ REASON="the parent's forged hypervisor line is missing or kept its mark"; return; }
	log_has "$name" "test: 9 of 9 partitions" && { REASON="a forged line passed for the hypervisor's"; return; }
	log_has "$name" "^hv: test result: FORGED" && { REASON="a forged verdict passed for the hypervisor's"; return; }
	if [ "$quota" = quota ]; then
		log_has "$name" "${hv}WARN: parent reads device space past its page-table quota at 0x" ||
			{ REASON="the parent's on-demand mappings met no quota"; return; }
	fi
	local ticks
	ticks=$(ticks_between "$name" "^HVTEST hostile phase started" "^HVTEST hostile phase done")
	[ "$ticks" -ge 1 ] || { REASON="the child did not tick during the hostile phase"; return; }
	echo "  hostile: $(log_value "$name" '^HVTEST (memscan: .*)$'); child ticks meanwhile: $ticks"
}

# parent_prepare: the kernel and the parent's initramfs images, for
# parent_svm_tests and parent_vmx_tests.
parent_prepare() {
	if ! scripts/fetch-kernel.sh; then
		fail parent/kernel "cannot fetch the Debian kernel"
		return 1
	fi
	[ -f build/parent/hv.ko ] || { fail parent/module "build/parent/hv.ko is missing (make parent-module)"; return 1; }
	# The parent's test image, and a bigger one for QEMU with a Linux
	# child for the management phase: the parent's own kernel with a
	# small initramfs (tests/parent/child-init), its button, input and
	# pvpanic drivers and the DMA test for a passed-through edu device.
	local bins="build/parent-tools/portio build/parent-tools/hvdev build/parent-tools/hvctl build/parent-tools/hvfuzz build/parent-tools/dmatest build/parent-tools/msitest"
	INITRAMFS_BINS=$bins INITRAMFS_KO=build/parent/hv.ko INITRAMFS_FILES="$(manage_files)" \
		scripts/mkinitramfs.sh "$OUT/parent-test.cpio.gz" tests/parent/init "${PARENT_MODULES[@]}" &&
	INITRAMFS_BINS=build/parent-tools/dmatest \
		scripts/mkinitramfs.sh "$OUT/child.cpio.gz" tests/parent/child-init button evdev pvpanic-mmio \
		virtio_pci virtio_blk virtio_rng virtio_net virtio_console &&
	INITRAMFS_BINS=$bins INITRAMFS_KO=build/parent/hv.ko \
		INITRAMFS_FILES="$(manage_files) build/cache/vmlinuz=/boot/vmlinuz $OUT/child.cpio.gz=/boot/child.cpio.gz" \
		scripts/mkinitramfs.sh "$OUT/parent-test-linux.cpio.gz" tests/parent/init "${PARENT_MODULES[@]}" ||
		{ fail parent/initramfs "mkinitramfs failed"; return 1; }
}

parent_svm_tests() {
	# iommu=required: the IOMMU below must be found and used; it remaps
	# interrupts, so the parent forges remappable messages by DMA. After
	# the management phase, the passthrough phase (hvtest.pt=1).
	PARENT_HV_OPTS=iommu=required PARENT_KERNEL_OPTS="hvtest.irforge=1 hvtest.pt=1" \
		parent_iso "$OUT/parent-q.iso" 768 4 vda ping 1 poweroff linux 3000 "$OUT/parent-test-linux.cpio.gz" ||
		{ fail parent/image "mkiso failed"; return; }
	make_disk "$OUT/parent-q.img"
	# Behind QEMU's VT-d IOMMU, with its edu device for the DMA and MSI
	# tests (the full DMA mask: it may reach any address the IOMMU
	# allows), an e1000e no driver takes, for the MSI-X test, and the
	# virtio NIC for passthrough.
	qemu_run parent-svm 1200 -device intel-iommu,intremap=on -smp 4 -m 2048 \
		-cdrom "$OUT/parent-q.iso" \
		-drive "file=$OUT/parent-q.img,format=raw,if=none,id=d0" -device virtio-blk-pci,drive=d0 \
		-netdev user,id=n0 -device e1000,netdev=n0 -device edu,dma_mask=0xffffffffffffffff \
		-device e1000e,romfile= "${PT_NIC[@]}"
	local problem=$RUN_PROBLEM
	check_parent_run parent-svm "$OUT/parent-q.img" ping
	result parent/amd-v-qemu-4cpu "$REASON"
	RUN_PROBLEM=$problem
	check_hostile_run parent-svm quota
	result hostile/amd-v-parent-ports "$REASON"
	RUN_PROBLEM=$problem
	check_iommu_run parent-svm vtd
	result iommu/amd-v-vtd-parent-dma-and-interrupt-remapping "$REASON"
	RUN_PROBLEM=$problem
	check_msi_run parent-svm msix
	result iommu/amd-v-forged-msi-config "$REASON"
	check_msr_warnings parent-svm
	result fidelity/amd-v-linux-parent-and-children-msrs "$REASON"
	RUN_PROBLEM=$problem
	check_manage_run parent-svm amd-v linux
	RUN_PROBLEM=$problem
	check_pt_run parent-svm "01:00\\.0" FLR dma
	result iommu/amd-v-vtd-passthrough "$REASON"

	# iommu=required on a machine without one: the parent is refused,
	# with the reason, before its kernel runs.
	scripts/mkiso.sh "$OUT/iommu-required.iso" build/hv.elf "console=com1 test=1 iommu=required" \
		build/cache/vmlinuz "parent -- console=ttyS0" ||
		{ fail parent/image "mkiso failed"; return; }
	qemu_run iommu-required 60 -smp 2 -m 512 -cdrom "$OUT/iommu-required.iso"
	REASON=""
	log_has iommu-required "ERROR: parent partition not created: iommu=required, but the firmware describes no IOMMU" ||
		REASON="no refusal with its reason (see $OUT/iommu-required.log)"
	log_has iommu-required "test result: FAIL" || REASON=${REASON:-"the run did not end as a failure"}
	result iommu/amd-v-required-without-one "$REASON"
}

# PCI passthrough behind QEMU's AMD-Vi: a short run of the management
# image (with the Linux child) whose parent does the passthrough phase
# alone, with the same virtio NIC at 01:00.0.
parent_amdvi_tests() {
	PARENT_HV_OPTS=iommu=required PARENT_KERNEL_OPTS="hvtest.pt=1 hvtest.ptbdf=0000:00:06.0 hvtest.ptreset=none" \
		parent_iso "$OUT/parent-pt-amdvi.iso" 512 2 none 0 0 poweroff pt 0 "$OUT/parent-test-linux.cpio.gz" ||
		{ fail parent/image "mkiso failed"; return; }
	qemu_run parent-pt-amdvi 600 -device amd-iommu,intremap=on -smp 2 -m 1024 \
		-cdrom "$OUT/parent-pt-amdvi.iso" "${PT_NIC_ROOT[@]}"
	check_pt_run parent-pt-amdvi "00:06\\.0" "no reset method"
	if [ -z "$REASON" ] && ! log_has parent-pt-amdvi "test result: PASS"; then
		REASON="hypervisor verdict is not PASS (see $OUT/parent-pt-amdvi.log)"
	fi
	result iommu/amd-v-amdvi-passthrough "$REASON"
}

parent_vmx_tests() {
	local problem
	# The passthrough refusal (hvtest.pt=refused): no IOMMU here.
	PARENT_KERNEL_OPTS=hvtest.pt=refused \
		parent_iso "$OUT/parent-b.iso" 384 2 sda dhcp 1 reset guests 200 "$OUT/parent-test.cpio.gz" ||
		{ fail parent/image "mkiso failed"; return; }
	make_disk "$OUT/parent-b.img"
	BOCHS_IPS=400000000 bochs_run parent-vmx 1500 "$OUT/parent-b.iso" 2 corei7_skylake_x 1024 \
		"pci: enabled=1, chipset=i440fx, slot1=e1000" \
		"e1000: enabled=1, mac=52:54:00:12:34:56, ethmod=slirp" \
		"ata1: enabled=1, ioaddr1=0x170, ioaddr2=0x370, irq=15" \
		"ata1-master: type=disk, path=$OUT/parent-b.img, mode=flat"
	problem=$RUN_PROBLEM
	check_parent_run parent-vmx "$OUT/parent-b.img" dhcp reset
	result parent/vt-x-bochs-2cpu "$REASON"
	RUN_PROBLEM=$problem
	check_hostile_run parent-vmx
	result hostile/vt-x-parent-ports "$REASON"
	check_msr_warnings parent-vmx
	result fidelity/vt-x-linux-parent-msrs "$REASON"
	RUN_PROBLEM=$problem
	# Bochs has no IOMMU: the parent runs without one, and is told so.
	log_has parent-vmx '^\[ *[0-9.]+\] cpu[0-9]+ WARN: iommu: not in use \(the firmware describes none' &&
		log_parent parent-vmx "^HVTEST ok cpus:"
	result iommu/vt-x-none "$([ $? = 0 ] || echo "no 'iommu: not in use' warning, or the parent did not run (see $OUT/parent-vmx.log)")"
	RUN_PROBLEM=$problem
	check_manage_run parent-vmx vt-x
	RUN_PROBLEM=$problem
	REASON=""
	if ! log_parent parent-vmx "^HVTEST ok manage-pt-refused:"; then
		REASON="$(log_value parent-vmx "^HVTEST FAILED manage-pt-refused: (.*)$")"
		REASON="${REASON:-no verdict} (see $OUT/parent-vmx.log)"
	fi
	result iommu/vt-x-passthrough-refused "$REASON"
}

parent_tests() {
	parent_prepare || return
	parent_svm_tests
	parent_amdvi_tests
	parent_vmx_tests
}

# The passthrough checks of tests/parent/manage.sh (hvtest.pt=1), in order.
PT_CHECKS=(pt-unbound pt-create pt-ping pt-irqs pt-mapped pt-hidden pt-assignable pt-returned)

# check_pt_run NAME BDF RESET: sets REASON. Every passthrough check of
# the parent's script passed, and the hypervisor's own log shows the
# function (BDF, as a pattern: 01:00\.0) assigned to the child, reset
# (RESET: FLR, or no reset method) and held when the child was destroyed,
# and returned; with "dma", the child's DMA through QEMU's edu device
# (tests/parent/dmatest.c) reached its own page and was blocked and
# reported at 0x90000000, outside its memory.
check_pt_run() {
	local name=$1 f=$2 how=$3 hv='^\[ *[0-9.]+\] cpu[0-9]+ ' c v
	REASON=""
	for c in "${PT_CHECKS[@]}"; do
		if ! log_parent "$name" "^HVTEST ok manage-$c:"; then
			v=$(log_value "$name" "^HVTEST FAILED manage-$c: (.*)$")
			REASON="$c: ${v:-no verdict} (see $OUT/$name.log)"
			return
		fi
	done
	if ! log_parent "$name" "^HVTEST pt phase done"; then
		REASON="the passthrough phase did not finish (see $OUT/$name.log)"
	elif ! log_has "$name" "${hv}passthrough: $f \(1af4:[0-9a-f]{4}\) assigned to partition 'pt'"; then
		REASON="the hypervisor did not log the assign of $f to 'pt'"
	elif ! log_has "$name" "${hv}passthrough: $f: reset \($how[^)]*\), DMA blocked, assignable"; then
		REASON="the hypervisor did not log the reset ($how) of $f at the child's destroy"
	elif ! log_has "$name" "${hv}passthrough: $f returned to the parent"; then
		REASON="the hypervisor did not log the return of $f to the parent"
	elif [ "${4:-}" = dma ] && ! log_parent "$name" "^HVTEST ok manage-pt-dma:"; then
		v=$(log_value "$name" "^HVTEST FAILED manage-pt-dma: (.*)$")
		REASON="pt-dma: ${v:-no verdict} (see $OUT/$name.log)"
	elif [ "${4:-}" = dma ] && ! log_has "$name" "${hv}WARN: iommu: DMA write by device [0-9a-f]{2}:[0-9a-f]{2}\.[0-7] at 0x90000000 blocked"; then
		REASON="the child's DMA write at 0x90000000, outside its memory, was not reported blocked"
	else
		echo "  passthrough: $(log_value "$name" '^HVTEST ok manage-pt-ping: (.*)$')"
		echo "  passthrough: $(log_value "$name" '^HVTEST ok manage-pt-irqs: (.*)$')"
		echo "  passthrough: $(log_value "$name" '^HVTEST ok manage-pt-mapped: (.*)$')"
	fi
}

# check_iommu_run NAME vtd|amdvi: sets REASON. The parent's DMA test
# (tests/parent/dmatest.c with QEMU's edu device) passed, and the
# hypervisor's log -- which no partition can write -- shows the unit on
# and both refused accesses, with the device.
check_iommu_run() {
	local name=$1 hv='^\[ *[0-9.]+\] cpu[0-9]+ ' unit v
	REASON=""
	case $2 in
	vtd) unit='VT-d unit at 0x[0-9a-f]+: DMA remapping on' ;;
	amdvi) unit='AMD-Vi unit at 0x[0-9a-f]+ \(device [0-9a-f:.]+\): DMA remapping on' ;;
	esac
	if ! log_has "$name" "${hv}iommu: $unit"; then
		REASON="the hypervisor did not turn the IOMMU on (see $OUT/$name.log)"
	elif ! log_parent "$name" "^HVTEST ok iommu-dma:"; then
		v=$(log_value "$name" "^HVTEST FAILED iommu-dma: (.*)$")
		REASON="${v:-no verdict from the parent} (see $OUT/$name.log)"
	elif ! log_has "$name" "${hv}iommu: interrupt remapping on"; then
		REASON="the hypervisor did not turn interrupt remapping on"
	elif [ "$2" = amdvi ]; then
		# QEMU 7.2's AMD-Vi logs no event for a DMA that meets a
		# non-present entry (its page walk returns without one), nor
		# for an interrupt it blocks (it says so on its own stderr,
		# once), so the hypervisor has nothing to report there: the
		# parent's verdict (the read got none of the hypervisor's
		# bytes), QEMU's word and the absence of the forged NMI are it.
		if ! log_parent "$name" "^HVTEST iommu: dmatest: message with data 0x400 written by DMA .*: issued"; then
			REASON="the parent did not forge its interrupt messages (see $OUT/$name.log)"
		elif ! grep -q "failed to remap interrupt from devid" "$OUT/$name.emu.txt"; then
			REASON="the forged interrupt messages were not blocked by the remapping (QEMU's log: $OUT/$name.emu.txt)"
		elif log_has "$name" "${hv}WARN: [0-9]+ unexpected NMI"; then
			REASON="the forged NMI message reached a CPU"
		fi
	elif ! log_has "$name" "${hv}WARN: iommu: DMA read by device 00:[0-9a-f]{2}\.[0-7] at 0x[0-9a-f]+ blocked" ||
		! log_has "$name" "${hv}WARN: iommu: DMA write by device 00:[0-9a-f]{2}\.[0-7] at 0x[0-9a-f]+ blocked"; then
		REASON="the hypervisor did not report both refused accesses"
	elif ! log_parent "$name" "^HVTEST iommu: dmatest: message naming interrupt entry 0x7fff written by DMA .*: issued"; then
		REASON="the parent did not forge its interrupt messages (see $OUT/$name.log)"
	# QEMU 7.2's VT-d records no fault for an interrupt request it
	# blocks (it says so only on its own stderr), so the hypervisor has
	# nothing to report: the emulator's word is the evidence here.
	elif ! grep -q "vtd_irte_get: detected non-present IRTE (index=0," "$OUT/$name.emu.txt" ||
		! grep -q "vtd_irte_get: index too large: ind=0x7fff" "$OUT/$name.emu.txt"; then
		REASON="the forged interrupt messages were not blocked by the remapping (QEMU's log: $OUT/$name.emu.txt)"
	fi
}

# check_msi_run NAME [msix]: sets REASON. The parent's forged MSIs
# (tests/parent/msitest.c) were all refused, and the hypervisor's log
# shows refusals through both ECAM and the ports, with the device; with
# msix, the forged MSI-X entries and the BAR move too.
check_msi_run() {
	local name=$1 hv='^\[ *[0-9.]+\] cpu[0-9]+ WARN: parent: PCI config write' v
	local tw='^\[ *[0-9.]+\] cpu[0-9]+ WARN: parent: MSI-X table write of [0-9a-f:.]+ at 0x[0-9a-f]+ '
	REASON=""
	if ! log_parent "$name" "^HVTEST ok msi-forged:"; then
		v=$(log_value "$name" "^HVTEST msi: (.*NOT refused.*)$")
		REASON="${v:-no verdict from msitest in the parent} (see $OUT/$name.log)"
	elif ! log_has "$name" "$hv \(ECAM\) [0-9a-f:.]+\+0x[0-9a-f]+ .*refused: MSI of [0-9a-f:.]+ .*NMI delivery" ||
		! log_has "$name" "$hv \(port\) [0-9a-f:.]+\+0x[0-9a-f]+ .*refused: MSI of [0-9a-f:.]+ .*outside 0x20-0xef"; then
		REASON="the hypervisor did not report refusals through both ECAM and the ports"
	elif [ "${2:-}" = msix ] && ! log_parent "$name" "^HVTEST msi: msitest: MSI-X: its BAR moved"; then
		REASON="the parent did not get to its MSI-X steps (see $OUT/$name.log)"
	elif [ "${2:-}" = msix ] && { ! log_has "$name" "$tw.*refused: entry 0 .*NMI delivery" ||
		! log_has "$name" "$hv .*refused: MSI-X of [0-9a-f:.]+: entry 0 .*NMI delivery" ||
		! log_has "$name" "$hv .*refused: it moves BAR [0-5] of [0-9a-f:.]+ \(its MSI-X table"; }; then
		REASON="the hypervisor did not report the refused MSI-X entry, MSI-X enable and BAR move"
	fi
}

# check_iommu_function NAME: sets REASON. The AMD-Vi unit's own PCI
# function, as the hypervisor names it, is not among the parent's.
check_iommu_function() {
	local name=$1 fn list
	REASON=""
	fn=$(log_value "$name" "AMD-Vi unit at 0x[0-9a-f]+ \(device 00:([0-9a-f]{2}\.[0-7])\): DMA remapping on")
	list=$(parent_stream "$name" | sed -n 's/^HVTEST pci functions: //p' | head -n 1)
	if [ -z "$fn" ]; then
		REASON="the hypervisor named no AMD-Vi unit (see $OUT/$name.log)"
	elif [ -z "$list" ]; then
		REASON="the parent listed no PCI functions (see $OUT/$name.log)"
	elif [[ " $list " == *"0000:00:$fn "* ]]; then
		REASON="the parent found the IOMMU's function 00:$fn among its own: $list"
	elif [[ " $list " != *" 0000:00:00.0 "* && " $list " != *"0000:00:00.0 "* ]]; then
		REASON="the parent's list lacks the host bridge, so proves nothing: $list"
	fi
}
