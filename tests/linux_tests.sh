#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Linux tests: the stock Debian kernel with the test initramfs
# (tests/linux/init) as a pre-launched child, on AMD-V under QEMU with two
# vCPUs and on VT-x under Bochs. The script inside reboots the partition
# once (on_reset=restart), then checks CPUs, memory, clocksource, RTC and
# time rate and prints "HVTEST ..." lines; the runner also compares the
# guest's elapsed time with the hypervisor's.

LINUX_MEM=256

# linux_iso OUT VCPUS: hypervisor + kernel + initramfs.
linux_iso() {
	scripts/mkiso.sh "$1" build/hv.elf "console=com1 test=1" \
		build/cache/vmlinuz "child name=linux mem=${LINUX_MEM}M vcpus=$2 on_reset=restart expect=poweroff timeout=1200000 -- console=ttyS0 hvtest.cpus=$2 hvtest.mem=$LINUX_MEM hvtest.reboot=1" \
		"$OUT/linux-test.cpio.gz" "initrd name=linux"
}

# Seconds between the hypervisor's timestamps of two log lines.
log_time() {
	sed -nE "s/^${HV_MARK}\[ *([0-9]+\.[0-9]+)\] .*$2.*/\1/p" "$OUT/$1.log" | head -n 1
}

# check_linux_run NAME: sets REASON.
check_linux_run() {
	local name=$1 line
	REASON=""
	for line in "HVTEST rebooting" "HVTEST ok reboot" "HVTEST ok cpus" "HVTEST ok memory" "HVTEST ok clocksource" \
		"HVTEST ok hyperv-detected" "HVTEST ok no-pit-calibration" "HVTEST ok rtc" \
		"HVTEST ok sleep" "HVTEST RESULT PASS"; do
		log_has "$name" "\[linux\] $line" || { REASON="missing '$line' (see $OUT/$name.log)"; return; }
	done
	log_has "$name" "partition 'linux': restarting \(restart 1\)" || { REASON="no restart"; return; }
	log_has "$name" "partition 'linux': restarting \(restart 2\)" && { REASON="restarted twice"; return; }
	log_has "$name" "partition 'linux' stopped: powered off" || { REASON="no ACPI power-off"; return; }
	log_has "$name" "test result: PASS" || { REASON="hypervisor verdict is not PASS"; return; }
	echo "  boot: partition start to script $(log_seconds "$name" \
		"partition [0-9]+ .linux.: .* starting" "HVTEST script started") s (host time)"
	# Guest time against host time over the script's 3-second sleep.
	local h0 h1 g0 g1
	h0=$(log_time "$name" "HVTEST time-start")
	h1=$(log_time "$name" "HVTEST time-end")
	g0=$(sed -nE 's/.*HVTEST time-start ([0-9.]+).*/\1/p' "$OUT/$name.log" | head -n 1)
	g1=$(sed -nE 's/.*HVTEST time-end ([0-9.]+).*/\1/p' "$OUT/$name.log" | head -n 1)
	if ! awk -v h0="$h0" -v h1="$h1" -v g0="$g0" -v g1="$g1" 'BEGIN {
		h = h1 - h0; g = g1 - g0
		printf "  time: guest %.2f s, host %.2f s\n", g, h
		exit !(h > 0 && g / h > 0.9 && g / h < 1.1) }'; then
		REASON="guest time does not advance at the host's rate"
	fi
}

linux_tests() {
	if ! scripts/fetch-kernel.sh; then
		fail linux/kernel "cannot fetch the Debian kernel"
		return
	fi
	scripts/mkinitramfs.sh "$OUT/linux-test.cpio.gz" tests/linux/init ||
		{ fail linux/initramfs "mkinitramfs failed"; return; }

	linux_iso "$OUT/linux-2.iso" 2 || { fail linux/image "mkiso failed"; return; }
	qemu_run linux-svm 600 -smp 2 -m 1024 -cdrom "$OUT/linux-2.iso"
	check_linux_run linux-svm
	result linux/amd-v-qemu-2vcpu "$REASON"
	check_msr_warnings linux-svm
	result fidelity/amd-v-linux-child-msrs "$REASON"

	# The same SMP child on VT-x (two vCPUs on Bochs's two CPUs). Bochs
	# counts time in instructions (clock: sync=none); at 400 MIPS the
	# guest's seconds pass in fewer instructions, as DESIGN.md measured.
	BOCHS_IPS=400000000 bochs_run linux-vmx 1500 "$OUT/linux-2.iso" 2 corei7_skylake_x 512
	check_linux_run linux-vmx
	result linux/vt-x-bochs-2vcpu "$REASON"
	check_msr_warnings linux-vmx
	result fidelity/vt-x-linux-child-msrs "$REASON"
}

# check_msr_warnings NAME: sets REASON when the stock kernel in the run
# logged an "unchecked MSR access" (an MSR it expects to exist, as on the
# hardware, answered with #GP) -- or the run never got far enough to say.
check_msr_warnings() {
	local bad
	REASON=""
	if ! grep -aq "Linux version" "$OUT/$1.log" 2> /dev/null; then
		REASON="no Linux boot in $OUT/$1.log"
		return
	fi
	bad=$(grep -a "unchecked MSR access" "$OUT/$1.log" | sed 's/.*unchecked MSR access error: //; s/ at rIP.*//' |
		sort -u | head -n 3 | tr '\n' ';')
	[ -z "$bad" ] || REASON="the kernel logged unchecked MSR accesses: $bad"
}
