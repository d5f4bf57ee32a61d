#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Shared helpers of the test runner: result counting, emulator runs with
# timeouts, and serial-log checks.

OUT=${OUT:-build/tests}
mkdir -p "$OUT"
T_PASS=0
T_FAIL=0
T_FAILED=()
T_WHY=()

pass() {
	echo "PASS $1"
	T_PASS=$((T_PASS + 1))
}

fail() {
	echo "FAIL $1: $2"
	T_FAIL=$((T_FAIL + 1))
	T_FAILED+=("$1")
	T_WHY+=("$1: $2")
}

# result NAME REASON: pass when REASON is empty. A run that could not
# start or had to be stopped fails with that, whatever else was checked.
result() {
	if [ -n "$RUN_PROBLEM" ]; then
		fail "$1" "$RUN_PROBLEM"
	elif [ -z "$2" ]; then
		pass "$1"
	else
		fail "$1" "$2"
	fi
	RUN_PROBLEM=""
}

OVMF=/usr/share/ovmf/OVMF.fd
QEMU_BASE=(qemu-system-x86_64 -M q35 -cpu max -display none -no-reboot -nodefaults
	-device isa-debug-exit,iobase=0xf4,iosize=4)
if [ "${ACCEL:-tcg}" = kvm ]; then
	QEMU_BASE+=(-accel kvm)
fi

# Files the emulators load when they start, and the Debian package that
# ships each (scripts/deps.sh installs them): a machine without one gets
# the package named instead of a run that ends with an empty log.
declare -A EMU_FILE_PKG=(
	[/usr/share/seabios/bios-256k.bin]=seabios
	[/usr/share/ovmf/OVMF.fd]=ovmf
	[/usr/lib/ipxe/qemu/efi-e1000.rom]=ipxe-qemu
	[/usr/share/bochs/BIOS-bochs-latest]=bochsbios
	[/usr/share/bochs/VGABIOS-lgpl-latest]=vgabios
	[/usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_rfb_gui.so.0.0.0]=bochs
)

# What went wrong with the last emulator run itself (it could not start,
# or it hung and was stopped), for result() to report; empty when the
# run ended by itself.
RUN_PROBLEM=""

# emu_check TOOL PACKAGE FILE...: the emulator and the files it needs.
emu_check() {
	local tool=$1 pkg=$2 f
	shift 2
	if ! command -v "$tool" > /dev/null; then
		RUN_PROBLEM="cannot start $tool: not installed (Debian package $pkg; scripts/deps.sh installs it)"
		return 1
	fi
	for f in "$@"; do
		if [ ! -e "$f" ]; then
			RUN_PROBLEM="cannot start $tool: $f is missing (Debian package ${EMU_FILE_PKG[$f]:-unknown}; scripts/deps.sh installs it)"
			return 1
		fi
	done
}

# emu_start_failure NAME: names the file an emulator said it could not
# open at start-up, and its package.
emu_start_failure() {
	local f pkg k
	f=$(sed -nE "s/.*(couldn't open ROM image file|could not load PC BIOS|failed to find romfile|could not open option rom) '?\"?([^'\"]*).*/\2/p" \
		"$OUT/$1.emu.txt" 2>/dev/null | head -n 1)
	[ -n "$f" ] || return 1
	pkg=unknown
	for k in "${!EMU_FILE_PKG[@]}"; do
		[ "${k##*/}" = "${f##*/}" ] && pkg=${EMU_FILE_PKG[$k]}
	done
	RUN_PROBLEM="the emulator could not open $f at start (Debian package $pkg; see $OUT/$1.emu.txt)"
}

# free_port: a loopback TCP port nobody listens on. Runs that go on side
# by side (tests/run_all.sh) take ports from different ranges (PORT_BASE),
# so one cannot take the port another's emulator is about to listen on.
PORT_BASE=${PORT_BASE:-20000}
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((PORT_BASE + RANDOM % 20000))
		(exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null || { echo "$p"; return; }
	done
	echo 0
}

# Each run's serial console is a TCP socket on the loopback: QEMU serves
# it and writes the log file itself (every byte, client or not); Bochs
# serves it too (socket-server mode waits for the runner to connect) and
# the runner writes the log. Through it the runner can type on the
# console: when a run does not end in time, it moves the console input
# to the hypervisor (Ctrl-A three times, until the hypervisor says it has
# the input) and presses 'v' for the dump of every vCPU, then stops the
# emulator, so a hang explains itself in the log.

# hang_dump NAME FD: asks the hypervisor on the console at FD for its
# vCPU dump and waits for its end. Each Ctrl-A triple moves the input one
# stop along (the partitions, then the hypervisor); the next is sent only
# once the hypervisor has said where the input went.
hang_dump() {
	local name=$1 fd=$2 log="$OUT/$1.log" said n i
	local switched="^${HV_MARK}${HV_TS}console: input goes to"
	for _ in $(seq 70); do
		said=$(grep -acE "$switched" "$log")
		printf '\001\001\001' >&"$fd" 2> /dev/null || return
		for i in $(seq 40); do
			n=$(grep -acE "$switched" "$log")
			[ "$n" -gt "$said" ] && break
			sleep 0.25
		done
		[ "$n" -gt "$said" ] || return # the console does not answer
		grep -aE "$switched" "$log" | tail -n 1 | grep -q "goes to the hypervisor" && break
	done
	printf 'v' >&"$fd" 2> /dev/null || return
	for i in $(seq 60); do
		grep -aEq "^${HV_MARK}${HV_TS}dump: end" "$log" && return
		sleep 0.5
	done
}

# emu_watch NAME SECS PID FD: stops the run at PID after SECS seconds,
# with a dump first; marks the run as hung in $OUT/NAME.hung.
emu_watch() {
	local name=$1 pid=$3 fd=$4 end=$((SECONDS + $2))
	rm -f "$OUT/$name.panic"
	while [ "$SECONDS" -lt "$end" ]; do
		kill -0 "$pid" 2> /dev/null || return
		# The parent's kernel panicked (its console lines are the
		# untagged ones: a child's carry its name, so a child cannot
		# end a run this way): nothing more will come; stop now.
		if grep -aq '^---\[ end Kernel panic' "$OUT/$name.log" 2> /dev/null; then
			touch "$OUT/$name.panic"
			break
		fi
		sleep 1
	done
	kill -0 "$pid" 2> /dev/null || return
	touch "$OUT/$name.hung"
	[ -n "$fd" ] && hang_dump "$name" "$fd"
	kill "$pid" 2> /dev/null
	sleep 5
	kill -9 "$pid" 2> /dev/null
}

# hang_report NAME SECS: RUN_PROBLEM for a run that had to be stopped,
# with the guests' last lines and the hypervisor's dump.
hang_report() {
	local name=$1 secs=$2 log="$OUT/$1.log"
	RUN_PROBLEM="did not end within $secs s; the log's last lines before the dump request, then the hypervisor's dump:"
	[ -e "$OUT/$name.panic" ] &&
		RUN_PROBLEM="the parent's kernel panicked ($(grep -a -m1 -o 'Kernel panic - not syncing: .*' "$log" | tr -d '\r')); the log's last lines before the dump request, then the hypervisor's dump:"
	RUN_PROBLEM+=$'\n'$(awk -v m="^${HV_MARK}${HV_TS}(dump|console): " '$0 ~ m { exit } { print }' "$log" |
		tail -n 15 | tr -d "$HV_MARK" | sed 's/^/    | /')
	if grep -aEq "^${HV_MARK}${HV_TS}dump: " "$log"; then
		RUN_PROBLEM+=$'\n'$(grep -aE "^${HV_MARK}${HV_TS}dump: " "$log" | head -n 120 | tr -d "$HV_MARK" |
			sed 's/^/    | /')
	else
		RUN_PROBLEM+=$'\n    (the hypervisor did not answer the dump request)'
	fi
}

# qemu_run NAME TIMEOUT_S ARGS...: serial to $OUT/NAME.log; sets RC.
# isa-debug-exit makes QEMU exit with (code << 1) | 1: 1 = pass, 3 = fail.
qemu_run() {
	local name=$1 secs=$2 port pid watch try fd
	shift 2
	rm -f "$OUT/$name.log" "$OUT/$name.hung"
	RUN_PROBLEM=""
	RC=255
	local need=(/usr/share/seabios/bios-256k.bin)
	[[ " $* " == *" $OVMF "* ]] && need+=("$OVMF")
	[[ " $* " == *e1000* ]] && need+=(/usr/lib/ipxe/qemu/efi-e1000.rom)
	emu_check "${QEMU_BASE[0]}" qemu-system-x86 "${need[@]}" || return
	# QEMU_CONSOLE_COM=2: the log is COM2's, COM1 is wired to nothing.
	local serial=(-serial chardev:con)
	[ "${QEMU_CONSOLE_COM:-1}" = 2 ] && serial=(-serial null -serial chardev:con)
	for try in 1 2 3; do
		port=$(free_port)
		"${QEMU_BASE[@]}" -chardev "socket,id=con,host=127.0.0.1,port=$port,server=on,wait=off,logfile=$OUT/$name.log" \
			"${serial[@]}" "$@" > "$OUT/$name.emu.txt" 2>&1 &
		pid=$!
		# The watchdog connects to the console only if it must type.
		( fd=""
		  sleep 1
		  { exec {fd}<> "/dev/tcp/127.0.0.1/$port"; } 2> /dev/null && { cat <&"$fd" > /dev/null & } || fd=""
		  emu_watch "$name" "$((secs - 1))" "$pid" "$fd" ) &
		watch=$!
		wait "$pid"
		RC=$?
		wait "$watch" 2> /dev/null
		# QEMU 7.2's TCG itself crashes now and then (seen once in some
		# hundred parent boots: a SIGSEGV inside qemu-system-x86_64, at
		# the parent's PCI scan). No guest may crash an emulator, so it
		# is QEMU's bug: say so and run it again -- a workaround of the
		# runner, never of the hypervisor.
		case $RC in
		132|134|135|139)
			if [ ! -e "$OUT/$name.hung" ] && [ "$try" -lt 3 ]; then
				echo "  note: QEMU crashed (signal $((RC - 128))) during $name; running it again"
				cp "$OUT/$name.log" "$OUT/$name.crashed-$try.log" 2> /dev/null
				continue
			fi ;;
		esac
		grep -q "Address already in use" "$OUT/$name.emu.txt" || break
	done
	if [ -e "$OUT/$name.hung" ]; then
		RC=124
		hang_report "$name" "$secs"
	elif [ ! -s "$OUT/$name.log" ]; then
		emu_start_failure "$name"
	fi
}

# bochs_run NAME TIMEOUT_S IMAGE CPUS MODEL MEGS [extra bochsrc lines]
# Bochs follows its own clock (sync=none: time advances with executed
# instructions), so runs repeat exactly. It has no headless display in
# Debian's build: rfb without waiting for a client is the quiet one. The
# run ends when the hypervisor writes "Shutdown" to port 0x8900.
bochs_run() {
	local name=$1 secs=$2 image=$3 cpus=$4 model=$5 megs=$6 port pid watch fd="" cat_pid try i
	shift 6
	local rc="$OUT/$name.bxrc"
	rm -f "$OUT/$name.log" "$OUT/$name.hung"
	RUN_PROBLEM=""
	RC=255
	emu_check bochs bochs /usr/share/bochs/BIOS-bochs-latest /usr/share/bochs/VGABIOS-lgpl-latest \
		/usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_rfb_gui.so.0.0.0 || return
	for try in 1 2 3; do
		port=$(free_port)
		{
			echo "megs: $megs"
			echo "cpu: model=$model, count=$cpus, ips=${BOCHS_IPS:-100000000}, reset_on_triple_fault=0"
			echo "romimage: file=/usr/share/bochs/BIOS-bochs-latest"
			echo "vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest"
			echo "ata0-master: type=cdrom, path=$image, status=inserted"
			echo "boot: cdrom"
			echo "com1: enabled=1, mode=socket-server, dev=127.0.0.1:$port"
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
		bochs -q -f "$rc" -rc "$OUT/$name.bxcmd" < /dev/null > "$OUT/$name.emu.txt" 2>&1 &
		pid=$!
		# Bochs waits for the console's client before it runs.
		for i in $(seq 100); do
			{ exec {fd}<> "/dev/tcp/127.0.0.1/$port"; } 2> /dev/null && break
			fd=""
			kill -0 "$pid" 2> /dev/null || break
			sleep 0.1
		done
		[ -n "$fd" ] || { kill "$pid" 2> /dev/null; wait "$pid" 2> /dev/null; continue; }
		cat <&"$fd" > "$OUT/$name.log" &
		cat_pid=$!
		emu_watch "$name" "$secs" "$pid" "$fd" &
		watch=$!
		wait "$pid"
		RC=$?
		wait "$watch" 2> /dev/null
		wait "$cat_pid"
		exec {fd}>&-
		break
	done
	if [ -e "$OUT/$name.hung" ]; then
		RC=124
		hang_report "$name" "$secs"
	elif [ ! -s "$OUT/$name.log" ]; then
		emu_start_failure "$name" ||
			RUN_PROBLEM="Bochs did not start its console (see $OUT/$name.emu.txt)"
	fi
}

# In test mode the hypervisor begins every line of its own with ASCII RS
# (vmm/base/log.c), which no partition can put at the start of a line:
# children's lines are tagged "[name]" after the hypervisor's prefix, and
# the parent's raw output has the byte replaced. Checks of what the
# hypervisor says anchor on it, so no guest can forge a verdict.
HV_MARK=$'\x1e'
HV_TS='\[ *[0-9.]+\] cpu[0-9]+ '

# log_has NAME REGEX: a line the hypervisor wrote matches. REGEX starting
# with "\[" names a partition's tagged console line ("\[linux\] HVTEST
# ok ..."); starting with "^", a line from its start ("^hv: test result:
# PASS"); otherwise the hypervisor's own text, not a partition's.
log_has() {
	local re=$2 full
	case $re in
	'\['*) full="^${HV_MARK}${HV_TS}${re}" ;;
	'^'*) full="^${HV_MARK}${re#^}" ;;
	*) full="^${HV_MARK}(${HV_TS})?([^[].*)?${re}" ;;
	esac
	grep -aEq -- "$full" "$OUT/$1.log" 2>/dev/null
}

# log_parent NAME REGEX: the parent's own console output matches (its raw
# lines: what it says of itself, never what the hypervisor says).
# The log with every line whole: a marked line (the hypervisor's or a
# child's) that came while the parent was mid-line follows a break the
# hypervisor put there (vmm/base/log.c: GS CR LF); it is moved before the
# parent's unfinished line, which is joined up again.
log_whole() {
	perl -0pe '1 while s/([^\n\x1e]*)\x1d\r\n(\x1e[^\n]*\n)/$2$1/;' "$OUT/$1.log" 2>/dev/null
}

# The parent's stream as it wrote it: the marked lines taken out.
parent_stream() {
	log_whole "$1" | grep -av -- "^${HV_MARK}"
}

log_parent() {
	parent_stream "$1" | grep -aEq -- "$2"
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

# tally FILE: prints the results a run beside this one wrote to FILE and
# counts them here.
tally() {
	local line
	while IFS= read -r line; do
		echo "$line"
		case $line in
		"PASS "*) T_PASS=$((T_PASS + 1)) ;;
		"FAIL "*)
			T_FAIL=$((T_FAIL + 1))
			line=${line#FAIL }
			T_FAILED+=("${line%%:*}")
			T_WHY+=("$line") ;;
		esac
	done < "$1"
}

summary() {
	echo
	# The reasons again at the end, where a reader of a long log (or
	# of its tail alone) looks first; a line each, cut at 400 bytes.
	if [ ${#T_FAILED[@]} -gt 0 ]; then
		local why
		for why in "${T_WHY[@]}"; do echo "  why: ${why:0:400}"; done
		echo "failed: ${T_FAILED[*]}"
	fi
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}
