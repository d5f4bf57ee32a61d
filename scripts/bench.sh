#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmarks (`make bench`, or `scripts/bench.sh exits|linux|manage`):
#  - exits: the bench guest times exit round trips from inside (TSC ticks)
#    and the exits per second of an idle guest with a 1 kHz timer, on each
#    backend and emulator, each with the same run's no-exit baseline loop;
#  - devices: disk throughput and IOPS in a Linux child on a virtio disk
#    served by its backend in the parent, against the parent on the same
#    backing disk in the same run, and the child's exits per request; TCP
#    throughput child<->parent and child<->child against the parent's
#    loopback, with exits per packet;
#  - linux: the stock kernel and the test initramfs boot to the test
#    script as a child partition and, in the same run, directly on the
#    same emulator with no hypervisor (the baseline).
# Under Bochs (clock: sync=none, fixed ips) time follows executed
# instructions, so its figures repeat from run to run.
set -u
cd "$(dirname "$0")/.."
scripts/deps.sh >/dev/null || exit 1
make -s all guests || exit 1
OUT=build/bench
mkdir -p "$OUT"
. tests/lib.sh
which=${1:-all}

report() {
	local label=$1 log=$2
	if ! grep -aq "bench: idle" "$log"; then
		printf '%-34s (no result; see %s)\n' "$label" "$log"
		return
	fi
	local base cpuid port msr hc idle lazy
	base=$(sed -nE 's/.*baseline \(no exit\) ([0-9]+) ticks.*/\1/p' "$log")
	cpuid=$(sed -nE 's/.*cpuid round trip ([0-9]+) ticks.*/\1/p' "$log")
	port=$(sed -nE 's/.*port-io round trip ([0-9]+) ticks.*/\1/p' "$log")
	msr=$(sed -nE 's/.*msr-read round trip ([0-9]+) ticks.*/\1/p' "$log")
	hc=$(sed -nE 's/.*hypercall round trip ([0-9]+) ticks.*/\1/p' "$log")
	idle=$(sed -nE 's/.*idle 1 kHz timer: .*= ([0-9]+) exits\/s.*/\1/p' "$log")
	lazy=$(sed -nE 's/.*idle 1 kHz timer with EOI assist: .*= ([0-9]+) exits\/s.*/\1/p' "$log")
	ipi=$(sed -nE 's/.*IPI ping-pong: ([0-9]+) ticks per round trip, ([0-9.]+) exits per IPI.*/\2 (\1)/p' "$log")
	ipil=$(sed -nE 's/.*IPI ping-pong with EOI assist: ([0-9]+) ticks per round trip, ([0-9.]+) exits per IPI.*/\2 (\1)/p' "$log")
	printf '| %-30s | %5s | %7s | %7s | %7s | %9s | %8s | %8s | %14s | %14s |\n' "$label" "$base" "$cpuid" \
		"$port" "$msr" "$hc" "$idle" "$lazy" "${ipi:-?}" "${ipil:-?}"
}

exit_bench() {
	scripts/mkiso.sh "$OUT/bench.iso" build/hv.elf "console=com1 test=1" \
		build/guests/bench.elf "child name=bench vcpus=2 start=all" || exit 1
	echo "| backend / emulator             | base  | cpuid   | port io | rdmsr   | hypercall | idle 1kHz exits/s | with EOI assist | exits per IPI (round trip) | with EOI assist |"
	echo "|--------------------------------|-------|---------|---------|---------|-----------|----------|----------|----------------|----------------|"
	qemu_run qemu-amdv 120 -smp 1 -m 256 -cdrom build/bench/bench.iso
	report "AMD-V, QEMU TCG (-cpu max)" build/bench/qemu-amdv.log
	bochs_run bochs-ryzen 600 build/bench/bench.iso 1 ryzen 256
	report "AMD-V, Bochs ryzen" build/bench/bochs-ryzen.log
	bochs_run bochs-skylake 600 build/bench/bench.iso 1 corei7_skylake_x 256
	report "VT-x, Bochs corei7_skylake_x" build/bench/bochs-skylake.log
	echo
	echo "Figures are TSC ticks per round trip measured inside the guest (base: a"
	echo "loop iteration that does not exit). Bochs runs at ips=100000000 with"
	echo "clock: sync=none, so its TSC advances with executed instructions. The IPI"
	echo "columns: exits per IPI of two vCPUs (on the one CPU) passing an IPI back"
	echo "and forth, each waiting in sti; hlt, and the round trip in ticks."
}

LINUX_ARGS="console=ttyS0 hvtest.mem=256"

# Guest uptime (s) when the test script started, from a serial log.
script_uptime() {
	sed -nE 's/.*HVTEST script started, uptime ([0-9.]+) s.*/\1/p' "$OUT/$1.log" | head -n 1
}

# QEMU with its serial lines stamped with host seconds since its launch
# ("@12.345 line"): the direct run's start-to-script time.
qemu_timed() {
	local name=$1 secs=$2 t0=$EPOCHREALTIME line
	shift 2
	timeout --kill-after=5 "$secs" "${QEMU_BASE[@]}" -serial stdio "$@" 2>/dev/null |
		while IFS= read -r line; do
			echo "@$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') $line"
		done > "$OUT/$name.log"
}

ratio() { awk -v d="$1" -v h="$2" 'BEGIN { if (d > 0 && h > 0) printf "%.2f", h / d; else printf "-" }'; }
# per N COUNT: COUNT / N, where 0 is a figure too.
per() { awk -v n="$1" -v c="$2" 'BEGIN { if (n > 0 && c != "") printf "%.2f", c / n; else printf "-" }'; }

linux_row() { # LABEL CPUS DIRECT_LOG HV_LOG
	local d h ds hs
	d=$(script_uptime "$3")
	h=$(script_uptime "$4")
	hs=$(log_seconds "$4" "partition [0-9]+ .linux.: .* starting" "HVTEST script started")
	ds=$(sed -nE 's/^@([0-9.]+) .*HVTEST script started.*/\1/p' "$OUT/$3.log" | head -n 1)
	if [ -z "$d" ] || [ -z "$h" ]; then
		printf '| %-28s | (no result; see %s/%s.log, %s/%s.log) |\n' "$1" "$OUT" "$3" "$OUT" "$4"
		return
	fi
	printf '| %-28s | %5s | %6s s | %6s s | %5s | %7s | %6s s | %5s |\n' "$1" "$2" "$d" "$h" \
		"$(ratio "$d" "$h")" "${ds:+$ds s}" "$hs" "$(ratio "$ds" "$hs")"
}

linux_bench() {
	scripts/fetch-kernel.sh || exit 1
	scripts/mkinitramfs.sh "$OUT/linux.cpio.gz" tests/linux/init || exit 1
	local k=build/cache/vmlinuz i="$OUT/linux.cpio.gz"
	scripts/mkiso.sh "$OUT/linux-hv-2.iso" build/hv.elf "console=com1 test=1" \
		"$k" "child name=linux mem=256M vcpus=2 expect=poweroff -- $LINUX_ARGS hvtest.cpus=2" \
		"$i" "initrd name=linux" || exit 1
	scripts/mkiso.sh "$OUT/linux-hv-1.iso" build/hv.elf "console=com1 test=1" \
		"$k" "child name=linux mem=256M vcpus=1 expect=poweroff -- $LINUX_ARGS hvtest.cpus=1" \
		"$i" "initrd name=linux" || exit 1
	scripts/mkiso.sh --linux "$OUT/linux-direct-1.iso" "$k" "$LINUX_ARGS hvtest.cpus=1" "$i" ||
		exit 1

	# The script powers off at its end, which ends a direct run, and
	# under the hypervisor's test mode ends that run too.
	qemu_timed linux-direct-qemu 300 -smp 2 -m 256 -kernel "$k" -initrd "$i" \
		-append "$LINUX_ARGS hvtest.cpus=2"
	qemu_run linux-hv-qemu 300 -smp 2 -m 1024 -cdrom "$OUT/linux-hv-2.iso"
	BOCHS_IPS=400000000 bochs_run linux-direct-bochs 900 "$OUT/linux-direct-1.iso" 1 \
		corei7_skylake_x 256
	BOCHS_IPS=400000000 bochs_run linux-hv-bochs 900 "$OUT/linux-hv-1.iso" 1 \
		corei7_skylake_x 512

	echo "| Linux boot to its script     | vCPUs | uptime, direct | uptime, under hv | ratio | start to script, direct | under hv | ratio |"
	echo "|------------------------------|-------|--------|----------|-------|---------|----------|-------|"
	linux_row "AMD-V, QEMU TCG (-cpu max)" 2 linux-direct-qemu linux-hv-qemu
	linux_row "VT-x, Bochs corei7_skylake_x" 1 linux-direct-bochs linux-hv-bochs
	echo
	echo "Uptime at script: the guest's own clock when its test script starts (the"
	echo "same kernel, initramfs and command line, booted directly by the emulator"
	echo "and as a child partition); ratio = under hv / direct. Start to script,"
	echo "direct: host time from QEMU's launch (firmware and kernel decompression"
	echo "included); under hv: from the partition's start in the hypervisor's log."
	echo "Bochs keeps virtual time apart from the host's, so its direct run has"
	echo "no start-to-script figure."
}

# Management (QEMU, AMD-V): the parent creates a Linux child with hvctl
# beside the same child pre-launched at boot, both timed from the
# hypervisor's log (creation or start to the child's init); then hvctl
# list with 32 partitions, next to hvctl pool (one hypercall).
manage_bench() {
	. tests/parent_tests.sh
	. tests/manage_tests.sh
	scripts/fetch-kernel.sh > /dev/null || exit 1
	make -s parent-tools || exit 1
	scripts/mkinitramfs.sh "$OUT/child.cpio.gz" tests/parent/child-init button evdev \
		pvpanic-mmio || exit 1
	INITRAMFS_BINS="build/parent-tools/portio build/parent-tools/hvctl" \
		INITRAMFS_KO=build/parent/hv.ko \
		INITRAMFS_FILES="$(manage_files) build/cache/vmlinuz=/boot/vmlinuz $OUT/child.cpio.gz=/boot/child.cpio.gz" \
		scripts/mkinitramfs.sh "$OUT/parent.cpio.gz" tests/parent/init "${PARENT_MODULES[@]}" ||
		exit 1
	# The child pre-launched, alone on the machine (it powers off once
	# up), then the parent creating the same child, in the same run.
	scripts/mkiso.sh "$OUT/pre.iso" build/hv.elf "console=com1 test=1" \
		build/cache/vmlinuz "child name=pre mem=128M vcpus=2 expect=poweroff -- console=ttyS0 quiet panic=0 childtest.poweroff=1" \
		"$OUT/child.cpio.gz" "initrd name=pre" || exit 1
	scripts/mkiso.sh "$OUT/manage.iso" build/hv.elf "console=com1 test=1 parent_mem=768M" \
		build/cache/vmlinuz "parent expect=poweroff timeout=900000 -- console=ttyS0 hvtest.cpus=4 hvtest.mem=768 hvtest.disk=none hvtest.net=0 hvtest.manage=bench" \
		"$OUT/parent.cpio.gz" "initrd name=parent" || exit 1
	qemu_run manage-pre 300 -smp 4 -m 2048 -cdrom "$OUT/pre.iso"
	qemu_run manage-bench 900 -smp 4 -m 2048 -cdrom "$OUT/manage.iso"
	local pre lx list pool
	pre=$(log_seconds manage-pre "partition [0-9]+ 'pre': .* starting" "\[pre\] linux-child: up")
	lx=$(log_seconds manage-bench "manage: partition [0-9]+ 'linux' created" \
		"\[linux\] linux-child: up")
	local idle
	idle=$(log_value manage-bench '^HVTEST bench: idle parent: (.*)$')
	list=$(log_value manage-bench '^HVTEST bench: list with ([0-9]+ partitions: [0-9.]+ ms) per call')
	pool=$(log_value manage-bench '^HVTEST bench: pool \(one hypercall\): ([0-9.]+ ms) per call')
	echo "| Linux child (2 vCPUs, 128 MiB), to its init | pre-launched, from its start | hvctl create, from its creation | ratio |"
	echo "|---|---|---|---|"
	printf '| AMD-V, QEMU TCG (-cpu max) | %s s | %s s | %s |\n' "${pre:--}" "${lx:--}" \
		"$(ratio "$pre" "$lx")"
	echo
	echo "hvctl list: ${list:-no result} per call; hvctl pool (one hypercall): ${pool:--} per call"
	echo "(in the parent, 50 calls each, timed with its clock)."
	echo "Idle parent (4 vCPUs, its shell asleep): ${idle:-no result}"
}

# Devices (QEMU, AMD-V): iobench (tests/parent/iobench.c) on the parent's
# virtio disk, then in a child that gets that disk from the parent.
devices_bench() {
	. tests/parent_tests.sh
	. tests/manage_tests.sh
	scripts/fetch-kernel.sh > /dev/null || exit 1
	make -s parent-tools || exit 1
	INITRAMFS_BINS="build/parent-tools/iobench build/parent-tools/netbench" \
		scripts/mkinitramfs.sh "$OUT/child-io.cpio.gz" tests/parent/child-init button evdev \
		pvpanic-mmio virtio_pci virtio_blk virtio_rng virtio_net || exit 1
	INITRAMFS_BINS="build/parent-tools/portio build/parent-tools/hvctl build/parent-tools/iobench build/parent-tools/netbench" \
		INITRAMFS_KO=build/parent/hv.ko \
		INITRAMFS_FILES="$(manage_files) build/cache/vmlinuz=/boot/vmlinuz $OUT/child-io.cpio.gz=/boot/child.cpio.gz" \
		scripts/mkinitramfs.sh "$OUT/parent-io.cpio.gz" tests/parent/init "${PARENT_MODULES[@]}" ||
		exit 1
	scripts/mkiso.sh "$OUT/devices.iso" build/hv.elf "console=com1 test=1 parent_mem=768M" \
		build/cache/vmlinuz "parent expect=poweroff timeout=900000 -- console=ttyS0 hvtest.cpus=4 hvtest.mem=768 hvtest.disk=none hvtest.net=0 hvtest.manage=devbench" \
		"$OUT/parent-io.cpio.gz" "initrd name=parent" || exit 1
	rm -f "$OUT/devices-disk.img"
	truncate -s 256M "$OUT/devices-disk.img"
	qemu_run devices-bench 900 -smp 4 -m 2048 -cdrom "$OUT/devices.iso" \
		-drive "file=$OUT/devices-disk.img,format=raw,if=none,id=d0,cache=unsafe" \
		-device virtio-blk-pci,drive=d0
	echo "| disk (O_DIRECT, 5 s each) | parent on its virtio disk | child on the same disk through its backend | child / parent | child exits per request (all / port I/O) | child interrupts per request |"
	echo "|---|---|---|---|---|---|"
	local m p c unit n e io irq
	for m in seqread seqwrite rand1 rand32; do
		p=$(log_value devices-bench "^HVTEST bench parent iobench: $m: ([0-9.]+) ")
		c=$(log_value devices-bench "^HVTEST bench child iobench: $m: ([0-9.]+) ")
		unit=$(log_value devices-bench "^HVTEST bench child iobench: $m: [0-9.]+ ([A-Za-z/]+) ")
		n=$(log_value devices-bench "^HVTEST bench child iobench: $m: .*\(([0-9]+) requests")
		irq=$(log_value devices-bench "^HVTEST bench child iobench: $m: .* ([0-9]+) interrupts\)")
		e=$(log_value devices-bench "^HVTEST bench child iobench: $m: .*; exits ([0-9]+),")
		io=$(log_value devices-bench "^HVTEST bench child iobench: $m: .*, io exits ([0-9]+)")
		printf '| %s | %s %s | %s %s | %s | %s / %s | %s |\n' "$m" "${p:--}" "${unit:-}" "${c:--}" "${unit:-}" \
			"$(ratio "$p" "$c")" "$(per "$n" "$e")" "$(per "$n" "$io")" "$(per "$n" "$irq")"
	done
	echo
	echo "seqread/seqwrite: 1 MiB requests one at a time; rand1/rand32: 4 KiB random"
	echo "reads with 1 and 32 in flight. The backing disk is QEMU's virtio disk of the"
	echo "parent (cache=unsafe): the child's figures add the channel and its backend."
	echo
	local base f pk
	base=$(log_value devices-bench "^HVTEST bench loopback netbench: tcp: ([0-9.]+) ")
	echo "| network (TCP, 5 s each) | MB/s | / parent's loopback | the child's exits per packet it sent or got |"
	echo "|---|---|---|---|"
	printf '| parent loopback (baseline) | %s | 1.00 | - |\n' "${base:--}"
	for m in child-to-parent parent-to-child child-to-child; do
		f=$(log_value devices-bench "^HVTEST bench $m netbench: tcp: ([0-9.]+) ")
		# The child's own counters: the sender's, or (parent-to-child)
		# the receiving child's.
		pk=$(log_value devices-bench "^HVTEST bench $m .*packets tx ([0-9]+ rx [0-9]+)\\)?; exits" |
			awk '{print $1 + $3}')
		[ "$m" = parent-to-child ] &&
			pk=$(log_value devices-bench "^HVTEST bench $m .*receiver netbench: .*packets tx ([0-9]+ rx [0-9]+)" |
				awk '{print $1 + $3}')
		e=$(log_value devices-bench "^HVTEST bench $m netbench: .*; exits ([0-9]+)")
		printf '| %s | %s | %s | %s |\n' "$m" "${f:--}" "$(ratio "$base" "$f")" "$(per "$pk" "$e")"
	done
	echo
	echo "Two Linux children (net-a, net-b: 1 vCPU, 128 MiB) on hvbr0 through their"
	echo "taps and backends; the exits are the sending child's (parent-to-child: the"
	echo "receiving child's), the packets its eth0 counted both ways."
}

case $which in all|exits) exit_bench ;; esac
case $which in all|devices) devices_bench ;; esac
case $which in all|linux) linux_bench ;; esac
case $which in all|manage) manage_bench ;; esac
