#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Management from the parent (tests/parent/manage.sh, run by the parent
# test's script with hvtest.manage=...): each of its checks becomes a test
# manage/<backend>-<name>, passing when the parent's script saw it pass
# AND the hypervisor's own log (lines no partition can forge) agrees.

# The checks in the order the script makes them; linux only with a
# Linux child (QEMU).
MANAGE_CHECKS=(create-two console pause-resume shutdown crash child-calls scrub
	pool-exhausted destroy weights cap fuzz bad-files pool-returns)
MANAGE_LINUX_CHECKS=(linux-console linux-shutdown linux-panic ids-past-64)
# The device phase (tests/parent/devices.sh), devices/<backend>-NAME; the
# Linux child's disk and entropy with the Linux checks.
DEVICE_CHECKS=(disk malformed backend-restart destroy-after-flush backend-ends net console)
DEVICE_LINUX_CHECKS=(linux-disk linux-rng linux-hvc linux-ping linux-tcp)

# The files the parent's initramfs carries for it: SRC=DEST pairs.
manage_files() {
	local g
	for g in ticker pcguest triple scrubfill scrubcheck childcalls burn vblk vnet vcons; do
		printf '%s ' "build/guests/$g.elf=/guests/$g.elf"
	done
	for g in tests/parent/hv/*.cfg; do
		printf '%s ' "$g=/etc/hv/${g##*/}"
	done
	printf '%s ' "tests/parent/manage.sh=/etc/hv-test/manage.sh"
	printf '%s ' "tests/parent/devices.sh=/etc/hv-test/devices.sh"
}

# The hypervisor's side of a check: sets WHY when its log disagrees.
manage_hv_side() {
	local name=$1 check=$2 hv='^\[ *[0-9.]+\] cpu[0-9]+ ' n
	WHY=""
	case $check in
	create-two)
		log_has "$name" "${hv}manage: partition [0-9]+ 'mticker' created: 1 vCPU, 16 MiB" &&
			log_has "$name" "${hv}manage: partition [0-9]+ 'pc' created: 1 vCPU, 16 MiB" ||
			WHY="the hypervisor did not log both creations" ;;
	pause-resume)
		n=$(awk -v a="^HVTEST manage: mticker paused" -v b="^HVTEST manage: resuming mticker" \
			-v t="^${HV_MARK}${HV_TS}\\[mticker\\] tick " \
			'$0 ~ a { on = 1 } $0 ~ b { on = 0 } on && $0 ~ t { n++ } END { print n + 0 }' \
			"$OUT/$name.log")
		[ "$n" = 0 ] || WHY="$n ticks in the log while mticker was paused" ;;
	shutdown)
		log_has "$name" "${hv}partition 'pc' stopped: powered off through ACPI" ||
			WHY="the hypervisor did not see pc power off" ;;
	crash)
		log_has "$name" "${hv}partition 'crasher' stopped: triple fault" &&
			log_has "$name" "${hv}partition 'crasher2' destroyed" ||
			WHY="the hypervisor did not log the crash and the destroy" ;;
	child-calls)
		log_has "$name" "${hv}partition 'childcalls' stopped: the guest reported success" ||
			WHY="childcalls did not report success" ;;
	scrub)
		log_has "$name" "${hv}partition 'scrubcheck' stopped: the guest reported success" ||
			WHY="scrubcheck did not report success" ;;
	destroy)
		log_has "$name" "${hv}partition 'mticker' destroyed" ||
			WHY="the hypervisor did not log mticker's destroy" ;;
	linux-shutdown)
		log_has "$name" "${hv}partition 'linux' stopped: powered off through ACPI" ||
			WHY="the Linux child did not power off through ACPI" ;;
	linux-panic)
		log_has "$name" "${hv}partition 'linux' stopped: its kernel panicked \(pvpanic\)" ||
			WHY="the hypervisor did not see the Linux child's panic" ;;
	esac
}

# The hypervisor's side of a device check: sets WHY.
device_hv_side() {
	local name=$1 check=$2 hv='^\[ *[0-9.]+\] cpu[0-9]+ ' n
	WHY=""
	case $check in
	disk)
		log_has "$name" "${hv}partition 'vblk': virtio-blk device [0-9]+ at PCI 00:0[1-8].0" &&
			log_has "$name" "${hv}partition 'vblk': device channel open" ||
			WHY="the hypervisor did not log the disk and the channel" ;;
	malformed)
		# One "needs a reset" line per malformed chain, each with the
		# backend's reason; the partition itself kept running.
		n=$(grep -acE "^${HV_MARK}${HV_TS}WARN: partition 'vblk': virtio-blk device [0-9]+ needs a reset: queue 0: " "$OUT/$name.log")
		[ "$n" -ge 4 ] || WHY="$n of 4 malformed chains reported by the hypervisor" ;;
	destroy-after-flush)
		log_has "$name" "${hv}partition 'vblk': device channel closed: the partition is being destroyed" ||
			WHY="the channel was not closed by the destroy" ;;
	console)
		# The guest's own UART line (marked by the hypervisor) about
		# the line typed over its virtio console.
		log_has "$name" "${hv}partition 'vcons': virtio-console device [0-9]+ at PCI 00:0[1-8].0" &&
			log_has "$name" "${hv}\\[vcons\\] vcons: hvc got typed-over-hvc0" ||
			WHY="the hypervisor's log lacks the console device or the guest's line" ;;
	esac
}

# check_device_run NAME BACKEND [linux]
check_device_run() {
	local name=$1 backend=$2 linux=${3:-} c checks=("${DEVICE_CHECKS[@]}")
	[ -n "$linux" ] && checks+=("${DEVICE_LINUX_CHECKS[@]}")
	for c in "${checks[@]}"; do
		if ! log_parent "$name" "^HVTEST ok devices-$c:"; then
			local v
			v=$(log_value "$name" "^HVTEST FAILED devices-$c: (.*)$")
			result "devices/$backend-$c" "${v:-no verdict} (see $OUT/$name.log)"
			continue
		fi
		device_hv_side "$name" "$c"
		result "devices/$backend-$c" "$WHY"
	done
}

# check_manage_run NAME BACKEND [linux]
check_manage_run() {
	local name=$1 backend=$2 linux=${3:-} c checks=("${MANAGE_CHECKS[@]}")
	[ -n "$linux" ] && checks+=("${MANAGE_LINUX_CHECKS[@]}")
	if ! log_parent "$name" "^HVTEST manage phase done"; then
		for c in "${checks[@]}"; do
			if log_parent "$name" "^HVTEST ok manage-$c:"; then
				result "manage/$backend-$c" ""
			else
				result "manage/$backend-$c" "the management phase did not finish (see $OUT/$name.log)"
			fi
		done
		return
	fi
	for c in "${checks[@]}"; do
		if ! log_parent "$name" "^HVTEST ok manage-$c:"; then
			local v
			v=$(log_value "$name" "^HVTEST FAILED manage-$c: (.*)$")
			result "manage/$backend-$c" "${v:-no verdict} (see $OUT/$name.log)"
			continue
		fi
		manage_hv_side "$name" "$c"
		result "manage/$backend-$c" "$WHY"
	done
	check_device_run "$name" "$backend" "$linux"
	echo "  manage: $(log_value "$name" '^HVTEST ok manage-weights: (.*)$')"
	echo "  manage: $(log_value "$name" '^HVTEST ok manage-cap: (.*)$')"
}
