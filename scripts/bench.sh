#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Exit-cost benchmark (`make bench`): the bench guest times exit round
# trips from inside (TSC ticks) and the exits per second of an idle guest
# with a 1 kHz timer, on each backend and emulator. Each figure comes with
# the same run's no-exit baseline loop; under Bochs (clock: sync=none,
# fixed ips) the TSC follows executed instructions, so figures repeat.
set -u
cd "$(dirname "$0")/.."
scripts/deps.sh >/dev/null || exit 1
make -s all guests || exit 1
OUT=build/bench
mkdir -p "$OUT"
. tests/lib.sh
scripts/mkiso.sh "$OUT/bench.iso" build/hv.elf "console=com1 test=1" \
	build/guests/bench.elf "child name=bench" || exit 1

report() {
	local label=$1 log=$2
	if ! grep -aq "bench: idle" "$log"; then
		printf '%-34s (no result; see %s)\n' "$label" "$log"
		return
	fi
	local base cpuid port msr hc idle
	base=$(sed -nE 's/.*baseline \(no exit\) ([0-9]+) ticks.*/\1/p' "$log")
	cpuid=$(sed -nE 's/.*cpuid round trip ([0-9]+) ticks.*/\1/p' "$log")
	port=$(sed -nE 's/.*port-io round trip ([0-9]+) ticks.*/\1/p' "$log")
	msr=$(sed -nE 's/.*msr-read round trip ([0-9]+) ticks.*/\1/p' "$log")
	hc=$(sed -nE 's/.*hypercall round trip ([0-9]+) ticks.*/\1/p' "$log")
	idle=$(sed -nE 's/.*= ([0-9]+) exits\/s.*/\1/p' "$log")
	printf '| %-30s | %5s | %7s | %7s | %7s | %9s | %8s |\n' "$label" "$base" "$cpuid" \
		"$port" "$msr" "$hc" "$idle"
}

echo "| backend / emulator             | base  | cpuid   | port io | rdmsr   | hypercall | idle 1kHz exits/s |"
echo "|--------------------------------|-------|---------|---------|---------|-----------|----------|"
OUT=build/bench qemu_run qemu-amdv 120 -smp 1 -m 256 -cdrom build/bench/bench.iso
report "AMD-V, QEMU TCG (-cpu max)" build/bench/qemu-amdv.log
OUT=build/bench bochs_run bochs-ryzen 600 build/bench/bench.iso 1 ryzen 256
report "AMD-V, Bochs ryzen" build/bench/bochs-ryzen.log
OUT=build/bench bochs_run bochs-skylake 600 build/bench/bench.iso 1 corei7_skylake_x 256
report "VT-x, Bochs corei7_skylake_x" build/bench/bochs-skylake.log
echo
echo "Figures are TSC ticks per round trip measured inside the guest (base: a"
echo "loop iteration that does not exit). Bochs runs at ips=100000000 with"
echo "clock: sync=none, so its TSC advances with executed instructions."
