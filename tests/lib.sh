#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Shared helpers of the test runner: result counting, emulator runs with
# timeouts, and serial-log checks.

OUT=${OUT:-build/tests}
mkdir -p "$OUT"
T_PASS=0
T_FAIL=0
T_FAILED=()

pass() {
	echo "PASS $1"
	T_PASS=$((T_PASS + 1))
}

fail() {
	echo "FAIL $1: $2"
	T_FAIL=$((T_FAIL + 1))
	T_FAILED+=("$1")
}

# result NAME REASON: pass when REASON is empty.
result() {
	if [ -z "$2" ]; then pass "$1"; else fail "$1" "$2"; fi
}

OVMF=/usr/share/ovmf/OVMF.fd
QEMU_BASE=(qemu-system-x86_64 -M q35 -cpu max -display none -no-reboot -nodefaults
	-device isa-debug-exit,iobase=0xf4,iosize=4)
if [ "${ACCEL:-tcg}" = kvm ]; then
	QEMU_BASE+=(-accel kvm)
fi

# qemu_run NAME TIMEOUT_S ARGS...: serial to $OUT/NAME.log; sets RC.
# isa-debug-exit makes QEMU exit with (code << 1) | 1: 1 = pass, 3 = fail.
qemu_run() {
	local name=$1 secs=$2
	shift 2
	rm -f "$OUT/$name.log"
	timeout --kill-after=5 "$secs" "${QEMU_BASE[@]}" -serial "file:$OUT/$name.log" "$@" \
		> "$OUT/$name.qemu.txt" 2>&1
	RC=$?
}

# bochs_run NAME TIMEOUT_S IMAGE CPUS MODEL MEGS [extra bochsrc lines]
# Bochs follows its own clock (sync=none: time advances with executed
# instructions), so runs repeat exactly. It has no headless display in
# Debian's build: rfb without waiting for a client is the quiet one. The
# run ends when the hypervisor writes "Shutdown" to port 0x8900.
bochs_run() {
	local name=$1 secs=$2 image=$3 cpus=$4 model=$5 megs=$6
	shift 6
	local rc="$OUT/$name.bxrc"
	rm -f "$OUT/$name.log"
	{
		echo "megs: $megs"
		echo "cpu: model=$model, count=$cpus, ips=${BOCHS_IPS:-100000000}, reset_on_triple_fault=0"
		echo "romimage: file=/usr/share/bochs/BIOS-bochs-latest"
		echo "vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest"
		echo "ata0-master: type=cdrom, path=$image, status=inserted"
		echo "boot: cdrom"
		echo "com1: enabled=1, mode=file, dev=$OUT/$name.log"
		echo "display_library: rfb, options=\"timeout=0\""
		echo "log: $OUT/$name.bochs.txt"
		# A fixed start time keeps runs repeatable; a recent one keeps
		# guests that check the date happy (2026-01-01).
		echo "clock: sync=none, time0=1767225600"
		echo "speaker: enabled=0"
		echo "sound: driver=dummy"
		echo "magic_break: enabled=0"
		for line in "$@"; do echo "$line"; done
	} > "$rc"
	echo c > "$OUT/$name.bxcmd"
	timeout --kill-after=5 "$secs" bochs -q -f "$rc" -rc "$OUT/$name.bxcmd" \
		< /dev/null > "$OUT/$name.bochs.out" 2>&1
	RC=$?
}

# log_has NAME REGEX: the serial log matches (extended regex).
log_has() {
	grep -aEq -- "$2" "$OUT/$1.log" 2>/dev/null
}

# log_value NAME REGEX: prints the first capture of a sed -E expression.
log_value() {
	sed -nE "s/.*$2.*/\\1/p" "$OUT/$1.log" 2>/dev/null | head -n 1
}

# log_seconds NAME FROM_REGEX TO_REGEX: seconds between the hypervisor's
# timestamps of the first lines matching each (the second after the first).
log_seconds() {
	awk -F'[][]' -v a="$2" -v b="$3" '$0 ~ a && t0 == "" { t0 = $2 }
		$0 ~ b && t0 != "" { printf "%.2f", $2 - t0; exit }' "$OUT/$1.log" 2>/dev/null
}

summary() {
	echo
	if [ ${#T_FAILED[@]} -gt 0 ]; then
		echo "failed: ${T_FAILED[*]}"
	fi
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}
