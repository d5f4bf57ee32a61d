#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# hvctl's command line on the host: usage, exit codes and one-line errors
# with the static tool (no /dev/hv here: "driver not loaded", never a
# hang), then every command against the fake /dev/hv of tests/hvctl/fakehv.c
# linked into a dynamic build: create (Linux bzImage and ELF, synthetic),
# the monitor's restart, console through a pipe, pause/resume, sched,
# shutdown -w, reboot, destroy, top -b, events, dmesg, pool, PCI
# passthrough (create with pci functions against a fake sysfs, pci-list,
# pci-return), and the failures (name taken, pool exhausted, a build step
# failing, no power button, each refusal of a PCI function). Prints "PASS unit/hvctl_cli/NAME" or "FAIL ...: why" per check,
# as the unit tests do.
# Usage: tests/hvctl/cli.sh HVCTL HVCTL_FAKE
set -u
HVCTL=$(readlink -f "$1")
FAKE=$(readlink -f "$2")
T=$(mktemp -d /tmp/hvctl-cli.XXXXXX)
export FAKEHV_STATE=$T/state
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0

cleanup() {
	# The monitors this run started (they end with their child anyway).
	if [ -f "$T/state.kmsg" ]; then
		for pid in $(sed -n 's/.*: monitor \([0-9]*\) follows.*/\1/p' "$T/state.kmsg"); do
			kill "$pid" 2>/dev/null
		done
	fi
	rm -rf "$T"
}
trap cleanup EXIT

pass() { echo "PASS unit/hvctl_cli/$1"; }
fail() { echo "FAIL unit/hvctl_cli/$1: $2"; failed=1; }
flat() { local s=${1//$'\n'/ | }; echo "${s:0:400}"; }

# expect NAME RC TEXT CMD...: exit status RC and TEXT somewhere in the output.
expect() {
	local name=$1 rc=$2 want=$3 out got
	shift 3
	out=$(timeout 30 "$@" 2>&1 </dev/null)
	got=$?
	if [ "$got" != "$rc" ]; then
		fail "$name" "exit status $got, not $rc: $(flat "$out")"
	elif [ -n "$want" ] && ! grep -qF -- "$want" <<<"$out"; then
		fail "$name" "no '$want' in: $(flat "$out")"
	else
		pass "$name"
	fi
}

# expect_err NAME RC LINE CMD...: exit status RC, nothing on stdout, and
# exactly LINE on stderr.
expect_err() {
	local name=$1 rc=$2 want=$3 got
	shift 3
	timeout 30 "$@" >"$T/out" 2>"$T/err" </dev/null
	got=$?
	if [ "$got" != "$rc" ]; then
		fail "$name" "exit status $got, not $rc: $(flat "$(cat "$T/err")")"
	elif [ -s "$T/out" ]; then
		fail "$name" "printed on stdout: $(flat "$(cat "$T/out")")"
	elif [ "$(cat "$T/err")" != "$want" ]; then
		fail "$name" "stderr '$(flat "$(cat "$T/err")")', not '$want'"
	else
		pass "$name"
	fi
}

# waitfor NAME SECS CMD...: CMD succeeds within SECS seconds.
waitfor() {
	local name=$1 secs=$2
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		if "$@" >/dev/null 2>&1; then
			pass "$name"
			return
		fi
		sleep 0.1
	done
	fail "$name" "not within ${secs}s: $*"
}

# ---- images, built byte by byte --------------------------------------------

le() { # VALUE BYTES: little-endian bytes on stdout
	local v=$1 n=$2 s="" i
	for ((i = 0; i < n; i++)); do
		s+=$(printf '\\x%02x' $(((v >> (8 * i)) & 255)))
	done
	printf "$s"
}
put() { # FILE OFFSET VALUE BYTES
	le "$3" "$4" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

mkbz() { # a protocol 2.15 bzImage: 4 setup sectors, 8 KiB kernel, init_size 16 MiB
	local f=$1
	head -c $((5 * 512 + 8192)) /dev/zero >"$f"
	put "$f" $((0x1f1)) 4 1
	put "$f" $((0x1fe)) $((0xaa55)) 2
	put "$f" $((0x200)) $((0xeb)) 1
	put "$f" $((0x201)) $((0x6a)) 1
	put "$f" $((0x202)) $((0x53726448)) 4
	put "$f" $((0x206)) $((0x20f)) 2
	put "$f" $((0x211)) 1 1
	put "$f" $((0x22c)) $((0x7fffffff)) 4
	put "$f" $((0x230)) $((0x200000)) 4
	put "$f" $((0x234)) 1 1
	put "$f" $((0x238)) 2047 4
	put "$f" $((0x258)) $((0x1000000)) 8
	put "$f" $((0x260)) $((0x1000000)) 4
	printf 'KERNEL' | dd of="$f" bs=1 seek=$((5 * 512)) conv=notrunc status=none
}

mkelf() { # an ELF64 image: one PT_LOAD of 16 bytes (and bss) at 1 MiB
	local f=$1
	head -c 136 /dev/zero >"$f"
	put "$f" 0 $((0x464c457f)) 4
	put "$f" 4 2 1
	put "$f" 5 1 1
	put "$f" 6 1 1
	put "$f" 16 2 2
	put "$f" 18 62 2
	put "$f" 20 1 4
	put "$f" 24 $((0x100000)) 8
	put "$f" 32 64 8
	put "$f" 52 64 2
	put "$f" 54 56 2
	put "$f" 56 1 2
	put "$f" 64 1 4
	put "$f" 68 7 4
	put "$f" 72 120 8
	put "$f" 80 $((0x100000)) 8
	put "$f" 88 $((0x100000)) 8
	put "$f" 96 16 8
	put "$f" 104 4096 8
	put "$f" 112 8 8
	printf '\xf4\xeb\xfd' | dd of="$f" bs=1 seek=120 conv=notrunc status=none
}

ABI=$(sed -n 's/^#define HV_ABI_VERSION \([0-9]*\)$/\1/p' partitions/hv_abi.h)
cd "$T" || exit 1
mkdir -p img cfg
mkbz img/vmlinuz
mkelf img/guest.elf
head -c 100000 /dev/urandom >img/initrd
cat >cfg/demo.cfg <<'EOF'
# a Linux child
name = "demo"
kernel = "../img/vmlinuz"
ramdisk = "../img/initrd"
cmdline = "console=ttyS0"
memory = 64
# no devices: the fake /dev/hv has no channel to serve them
rng = 0
vconsole = 0
EOF
cat >cfg/elf.cfg <<'EOF'
name = "elf"
kernel = "../img/guest.elf"
memory = 32
EOF
sed 's/"demo"/"other"/' cfg/demo.cfg >cfg/other.cfg
sed 's/"demo"/"x-deaf"/' cfg/demo.cfg >cfg/deaf.cfg
sed 's/"demo"/"big"/; s/^memory = 64/memory = 2048/' cfg/demo.cfg >cfg/big.cfg
sed 's/"demo"/"pinned"/; $ a cpus = "8-9"' cfg/demo.cfg >cfg/pinned.cfg
printf 'name = "bad"\nkernel = "k"\nmemroy = 64\n' >cfg/bad.cfg
printf 'name = "bad"\nkernel = "k"\ndisk = [ "phy:/dev/sda,xvda,w" ]\n' >cfg/disk.cfg
printf 'name = "nok"\nkernel = "../img/missing"\n' >cfg/nok.cfg
# PCI passthrough: definitions, and a sysfs with the parent's functions
# (00:06.0 bound to virtio-pci; 00:07.0, 00:01.0, 00:08.0 and 00:09.0
# without a driver). Its unbind and drivers_probe are plain files: what hvctl wrote
# stays there, and no driver comes or goes by itself.
sed 's/"demo"/"pt"/; $ a pci = [ '"'0000:00:06.0'"',\n  "00:07.0" ]' cfg/demo.cfg >cfg/pt.cfg
sed 's/"demo"/"pt2"/; $ a pci = [ "00:06.0" ]' cfg/demo.cfg >cfg/pt2.cfg
sed 's/"demo"/"ptb"/; $ a pci = [ "00:01.0" ]' cfg/demo.cfg >cfg/ptb.cfg
sed 's/"demo"/"ptm"/; $ a pci = [ "00:09.0" ]' cfg/demo.cfg >cfg/ptm.cfg
sed 's/"demo"/"pta"/; $ a pci = [ "00:0a.0" ]' cfg/demo.cfg >cfg/pta.cfg
sed 's/"demo"/"ptk"/; $ a pci = [ "00:08.0" ]' cfg/demo.cfg >cfg/ptk.cfg
sed 's/"demo"/"pts"/; $ a pci = [ "0001:00:06.0" ]' cfg/demo.cfg >cfg/pts.cfg
printf 'name = "pte"\nkernel = "../img/guest.elf"\nmemory = 32\npci = [ "00:06.0" ]\n' >cfg/pte.cfg
SYS=$T/sys
mkdir -p "$SYS/bus/pci/drivers/virtio-pci"
for f in 0000:00:06.0 0000:00:07.0 0000:00:01.0 0000:00:08.0 0000:00:09.0; do
	mkdir -p "$SYS/bus/pci/devices/$f"
done
bind06() { ln -sfn ../../drivers/virtio-pci "$SYS/bus/pci/devices/0000:00:06.0/driver"; }
bind06
: >"$SYS/bus/pci/drivers/virtio-pci/unbind"
: >"$SYS/bus/pci/drivers_probe"
export HVCTL_SYSFS=$SYS

# ---- the static tool, no device -------------------------------------------------

expect help 0 "SYNOPSIS" "$HVCTL" --help
expect help_create 0 'on_crash = "ACTION"' "$HVCTL" help create
expect help_option 0 "hvctl top" "$HVCTL" top --help
expect version 0 "hvctl " "$HVCTL" --version
expect no_command 2 "usage: hvctl" "$HVCTL"
expect_err unknown_command 2 "hvctl: unknown command 'frob' (see 'hvctl --help')" "$HVCTL" frob
expect_err unknown_option 2 "hvctl: list: unknown option '--frob' (see 'hvctl help list')" \
	"$HVCTL" list --frob
expect_err missing_name 2 "hvctl: pause: missing NAME (see 'hvctl help pause')" "$HVCTL" pause
expect_err extra_arg 2 "hvctl: destroy: unexpected argument 'b' (see 'hvctl help destroy')" \
	"$HVCTL" destroy a b
expect_err bad_delay 2 "hvctl: top: -d needs a number of seconds, not 'soon' (see 'hvctl help top')" \
	"$HVCTL" top -d soon
expect_err bad_weight 2 \
	"hvctl: sched: --weight must be between 1 and 65535, not 0 (see 'hvctl help sched')" \
	"$HVCTL" sched demo --weight 0
expect_err bad_escape 2 \
	"hvctl: console: escape character must be like '^]', '^A', a single character, or 'none', not 'xx' (see 'hvctl help console')" \
	"$HVCTL" console demo -e xx
if [ ! -e /dev/hv ]; then
	expect_err no_driver 1 \
		"hvctl: /dev/hv does not exist: the hv driver is not loaded (load it with modprobe hv, or insmod /lib/modules/hv.ko)" \
		env -u HVCTL_DEVICE "$HVCTL" list
fi
expect_err no_driver_path 1 \
	"hvctl: /dev/hv-absent does not exist: the hv driver is not loaded (load it with modprobe hv, or insmod /lib/modules/hv.ko)" \
	env HVCTL_DEVICE=/dev/hv-absent "$HVCTL" list
expect_err not_a_device 1 \
	"hvctl: $T/cfg/elf.cfg is not a character device: the hv driver is not loaded (load it with modprobe hv, or insmod /lib/modules/hv.ko)" \
	env HVCTL_DEVICE="$T/cfg/elf.cfg" "$HVCTL" list
mkfifo "$T/fifo"
expect_err fifo_no_hang 1 \
	"hvctl: $T/fifo is not a character device: the hv driver is not loaded (load it with modprobe hv, or insmod /lib/modules/hv.ko)" \
	env HVCTL_DEVICE="$T/fifo" "$HVCTL" list
expect_err other_driver 1 "hvctl: /dev/null is not the hv driver (it does not know HV_IOC_VERSION)" \
	env HVCTL_DEVICE=/dev/null "$HVCTL" events
expect_err cfg_unknown_key 1 "hvctl: cfg/bad.cfg:3: memroy: unknown key (did you mean 'memory'?)" \
	"$HVCTL" create cfg/bad.cfg
expect_err cfg_disk 1 \
	"hvctl: cfg/disk.cfg:3: disk: \"phy:/dev/sda,xvda,w\": after the path comes ,rw or ,ro" \
	"$HVCTL" create cfg/disk.cfg
expect_err cfg_missing_kernel 1 \
	"hvctl: cfg/nok.cfg:2: kernel: cannot read cfg/../img/missing: No such file or directory" \
	"$HVCTL" create cfg/nok.cfg
expect_err cfg_missing_file 1 "hvctl: cannot read cfg/none.cfg: No such file or directory" \
	"$HVCTL" create cfg/none.cfg
expect dry_run_linux 0 "0x0001000000-0x0001002000       8192 bytes  kernel" \
	"$HVCTL" create -n cfg/demo.cfg
expect dry_run_elf 0 "long mode, rip 0x100000, cr3 0x1ffa000, rsi 0x2000000" \
	"$HVCTL" create -n cfg/elf.cfg
expect help_pci 0 "pci-return BDF" "$HVCTL" --help
expect help_pci_create 0 "PCI PASSTHROUGH" "$HVCTL" help create
expect help_pci_list 0 "owner_id (0 when none)" "$HVCTL" help pci-list
expect_err pci_return_missing 2 "hvctl: pci-return: missing BDF (see 'hvctl help pci-return')" \
	"$HVCTL" pci-return
expect_err pci_return_bad 2 \
	"hvctl: pci-return: \"zz:1\" is not a PCI address like \"0000:00:06.0\" or \"00:06.0\" (see 'hvctl help pci-return')" \
	"$HVCTL" pci-return zz:1
expect_err pci_return_segment 2 \
	"hvctl: pci-return: \"0001:00:06.0\": PCI segment 0001: only segment 0000 is supported (see 'hvctl help pci-return')" \
	"$HVCTL" pci-return 0001:00:06.0
expect_err pci_list_extra 2 "hvctl: pci-list: unexpected argument 'x' (see 'hvctl help pci-list')" \
	"$HVCTL" pci-list x
expect_err pci_list_option 2 "hvctl: pci-list: unknown option '--all' (see 'hvctl help pci-list')" \
	"$HVCTL" pci-list --all
expect_err cfg_pci_segment 1 \
	"hvctl: cfg/pts.cfg:10: pci: \"0001:00:06.0\": PCI segment 0001: only segment 0000 is supported" \
	"$HVCTL" create cfg/pts.cfg
expect_err cfg_pci_platform 1 \
	"hvctl: cfg/pte.cfg:4: pci: PCI functions need the PC platform (platform = \"pc\")" \
	"$HVCTL" create cfg/pte.cfg
expect_err cfg_pci_absent 1 \
	"hvctl: cfg/pta.cfg:10: pci: 0000:00:0a.0: the parent has no such PCI function (see $SYS/bus/pci/devices)" \
	"$HVCTL" create cfg/pta.cfg
expect dry_run_pci 0 "pci:       0000:00:07.0 at the child's 00:11.0" "$HVCTL" create -n cfg/pt.cfg
expect_err no_driver_create 1 \
	"hvctl: /dev/hv-absent does not exist: the hv driver is not loaded (load it with modprobe hv, or insmod /lib/modules/hv.ko)" \
	env HVCTL_DEVICE=/dev/hv-absent "$HVCTL" create cfg/demo.cfg

# ---- against the fake /dev/hv ------------------------------------------------

expect_err abi_mismatch 1 \
	"hvctl: the hypervisor speaks ABI version 1 and this hvctl version $ABI: use the hvctl built with this hypervisor" \
	env FAKEHV_ABI=1 "$FAKE" list
expect list_empty 0 "ID  NAME  STATE" "$FAKE" list
expect create_linux 0 "demo: created (id 1)" "$FAKE" create cfg/demo.cfg
expect create_elf 0 "elf: created (id 2)" "$FAKE" create cfg/elf.cfg
expect list 0 "  1  demo  running         1      64M" "$FAKE" list
expect list_json 0 '"name": "demo"' "$FAKE" list --json
expect info 0 "state:           running" "$FAKE" info demo
expect info_unnamed_exit 0 "reason-21      7" "$FAKE" info demo
expect info_by_id 0 "name:            elf" "$FAKE" info 2
expect info_json 0 '"on_reboot": "restart"' "$FAKE" info demo --json
expect_err info_unknown 1 "hvctl: no partition named 'nope' (see 'hvctl list')" "$FAKE" info nope
expect_err create_taken 1 \
	"hvctl: a partition named 'demo' already exists (id 1): destroy it or change the name in cfg/demo.cfg" \
	"$FAKE" create cfg/demo.cfg
expect_err create_no_memory 1 \
	"hvctl: not enough memory for 'big' (2048 MiB): the pool has 928 MiB free of 1 GiB" \
	"$FAKE" create cfg/big.cfg
expect_err create_offline_cpus 1 "hvctl: cfg/pinned.cfg:10: cpus: \"8-9\" names no online CPU (4 are online)" \
	"$FAKE" create cfg/pinned.cfg
expect_err create_write_fails 1 \
	"hvctl: cannot create 'other': writing its zero page failed: bad address (a driver bug) (the partition was destroyed)" \
	env FAKEHV_FAIL=WRITE:14 "$FAKE" create cfg/other.cfg
expect_err create_start_fails 1 \
	"hvctl: cannot create 'other': starting it failed: busy (the partition was destroyed)" \
	env FAKEHV_FAIL=START:16 "$FAKE" create cfg/other.cfg
expect_err create_populate_fails 1 \
	"hvctl: not enough memory for 'other' (64 MiB): the pool has 928 MiB free of 1 GiB" \
	env FAKEHV_FAIL=POPULATE:12 "$FAKE" create cfg/other.cfg
expect half_built_destroyed 0 "" bash -c "! '$FAKE' list | grep -q other"

# The console: replay from the start, a piped line typed and answered,
# input the UART takes a few bytes at a time, no input at all.
expect console_pipe 0 "ran: uname -a" bash -c "printf 'uname -a\n' | '$FAKE' console demo"
expect console_replay 0 "fake boot: demo, " bash -c "printf 'x\n' | '$FAKE' console demo"
expect console_slow_uart 0 "ran: a longer line typed slowly" \
	bash -c "printf 'a longer line typed slowly\n' | FAKEHV_INPUT_ROOM=3 '$FAKE' console demo --linger 0.5"
expect console_no_input 0 "login:" "$FAKE" console demo
expect console_bad_dev 2 "--dev must be 'serial'" "$HVCTL" console demo --dev vga
expect console_no_hvc 1 "has no virtio console to reach" "$FAKE" console demo --dev hvc
expect console_no_uart 0 "'elf' has no UART (platform none): input is dropped" \
	bash -c "printf 'x\n' | '$FAKE' console elf"
expect_err console_gone 1 "hvctl: no partition named 'gone' (see 'hvctl list')" "$FAKE" console gone

# Lifecycle.
expect pause 0 "" "$FAKE" pause demo
expect paused 0 "state:           paused" "$FAKE" info demo
expect_err pause_again 1 "hvctl: cannot pause 'demo': it is paused (busy)" "$FAKE" pause demo
expect resume 0 "" "$FAKE" resume demo
expect sched_show 0 "demo: weight 256, cap none" "$FAKE" sched demo
expect sched_set 0 "" "$FAKE" sched demo --weight 512 --cap 50
expect sched_shown 0 "demo: weight 512, cap 50%" "$FAKE" sched demo
expect_err sched_cap_high 1 \
	"hvctl: cannot set the cap of 'demo' to 150%: its 1 vCPU can use at most 100%" \
	"$FAKE" sched demo --cap 150
expect top_batch 0 "ITER ID NAME STATE VCPUS MEM_MIB CPU_PCT" "$FAKE" top -b -n 2 -d 0.2
lines=$("$FAKE" top -b -n 3 -d 0.1 | awk 'NR > 1 && NF == 13 { n++ } END { print n + 0 }')
if [ "$lines" = 6 ]; then pass top_batch_lines; else fail top_batch_lines "$lines lines of 13 fields, not 6"; fi
expect events 0 "demo             started" "$FAKE" events
expect events_json 0 '"type": "created"' "$FAKE" events --json
expect dmesg 0 "hv: fake hypervisor" "$FAKE" dmesg
expect pool 0 "free:        " "$FAKE" pool
expect pool_json 0 '"cpus": 4' "$FAKE" pool --json

# The monitor: a reset child (on_reboot restart) is loaded again and runs.
expect reboot 0 "" "$FAKE" reboot demo
waitfor monitor_restarts 5 bash -c "'$FAKE' info demo | grep -q 'restarts:        1' &&
	'$FAKE' info demo | grep -q 'state:           running'"
expect monitor_log 0 "demo: restarted after a reboot (restart 1)" cat "$T/state.kmsg"
expect console_after_restart 0 "fake boot: demo, " "$FAKE" console demo --linger 0.2

# shutdown -w: obeyed (and on_poweroff destroy ends the monitor too),
# and ignored until the timeout.
mon=$(sed -n 's/.*demo: monitor \([0-9]*\) follows.*/\1/p' "$T/state.kmsg" | tail -1)
expect shutdown_wait 0 "demo: powered off after " "$FAKE" shutdown -w demo
waitfor monitor_ends 5 bash -c "! kill -0 $mon"
expect create_deaf 0 "x-deaf: created" "$FAKE" create cfg/deaf.cfg
expect_err shutdown_ignored 1 \
	"hvctl: 'x-deaf' did not power off within 0.5 s (does its OS handle the ACPI power button?); 'hvctl destroy x-deaf' stops it" \
	"$FAKE" shutdown x-deaf --timeout 0.5
expect_err shutdown_no_button 1 \
	"hvctl: cannot shut down 'elf': it has no power button (platform none); 'hvctl destroy elf' stops it" \
	"$FAKE" shutdown elf

# Killing a monitor leaves its child alone.
mon=$(sed -n 's/.*x-deaf: monitor \([0-9]*\) follows.*/\1/p' "$T/state.kmsg" | tail -1)
kill "$mon" 2>/dev/null
sleep 0.3
expect monitor_killed 0 "state:           running" "$FAKE" info x-deaf

expect destroy 0 "" "$FAKE" destroy x-deaf
expect destroy_elf 0 "" "$FAKE" destroy elf
expect_err destroy_unknown 1 "hvctl: no partition named 'x-deaf' (see 'hvctl list')" \
	"$FAKE" destroy x-deaf
expect list_after 0 "" bash -c "[ \$('$FAKE' list | wc -l) = 1 ]"

# PCI passthrough. Refusals first: each names the function and the
# reason, destroys the half-built child and gives back what it took.
# compact: a JSON document on one line without spaces.
compact() { tr -d ' \n'; }
expect pci_list_empty 0 "BDF           ID         STATE       OWNER  RESETS      MAPPED   FORWARDED" "$FAKE" pci-list
expect pci_list_json_empty 0 "[]" bash -c "'$FAKE' pci-list --json | tr -d ' \n' | grep -qx '\[\]' && echo '[]'"
expect_err pci_no_iommu 1 "hvctl: 0000:00:06.0: unbound from virtio-pci
hvctl: 0000:00:06.0: bound to virtio-pci again
hvctl: cannot create 'pt': 0000:00:06.0: the hypervisor has no IOMMU with interrupt remapping: passthrough refused (the partition was destroyed)" \
	env FAKEHV_FAIL=PCI_ASSIGN:1 "$FAKE" create cfg/pt.cfg
expect pci_unbind_written 0 "0000:00:06.0" cat "$SYS/bus/pci/drivers/virtio-pci/unbind"
expect pci_probe_written 0 "0000:00:06.0" cat "$SYS/bus/pci/drivers_probe"
expect pci_refused_destroyed 0 "" bash -c "! '$FAKE' list | grep -q ' pt '"
expect_err pci_bridge 1 \
	"hvctl: cannot create 'ptb': 0000:00:01.0: cannot be passed through (a bridge, the IOMMU's own, no MSI/MSI-X, or BARs that do not fit) (the partition was destroyed)" \
	"$FAKE" create cfg/ptb.cfg
# Refused after the hypervisor took it (held): returned to the parent.
expect_err pci_taken 1 "hvctl: 0000:00:08.0: given back to the parent
hvctl: cannot create 'ptk': 0000:00:08.0: cannot be passed through (a bridge, the IOMMU's own, no MSI/MSI-X, or BARs that do not fit) (the partition was destroyed)" \
	"$FAKE" create cfg/ptk.cfg
expect pci_taken_back 0 "" bash -c "[ \$('$FAKE' pci-list | wc -l) = 1 ]"
expect_err pci_unknown 1 \
	"hvctl: cannot create 'ptm': 0000:00:09.0: no such PCI function (the partition was destroyed)" \
	"$FAKE" create cfg/ptm.cfg
# A step after the assign fails: both functions go back to the parent.
expect_err pci_start_fails 1 "hvctl: 0000:00:06.0: unbound from virtio-pci
hvctl: 0000:00:07.0: given back to the parent
hvctl: 0000:00:06.0: bound to virtio-pci again
hvctl: cannot create 'pt': starting it failed: busy (the partition was destroyed)" \
	env FAKEHV_FAIL=START:16 "$FAKE" create cfg/pt.cfg
expect pci_given_back 0 "" bash -c "[ \$('$FAKE' pci-list | wc -l) = 1 ]"

# Assigned (each was reset once already, by the failed create's destroy):
# listed with their owner, in info, refused to another child.
expect_err pci_create 0 "hvctl: 0000:00:06.0: unbound from virtio-pci" \
	bash -c "'$FAKE' create cfg/pt.cfg >/dev/null"
rm "$SYS/bus/pci/devices/0000:00:06.0/driver" # as the kernel's unbind does
ptid=$("$FAKE" info pt --json | sed -n 's/^  "id": \([0-9]*\),$/\1/p')
expect pci_list 0 "0000:00:06.0  1af4:1000  assigned    pt          1         16K           7" "$FAKE" pci-list
want='[{"bdf":"0000:00:06.0","vendor":"1af4","device":"1000","state":"assigned","owner_id":'$ptid',"owner":"pt","resets":1,"mapped_kib":16,"forwarded":7,"msix_traps":7},{"bdf":"0000:00:07.0","vendor":"8086","device":"10d3","state":"assigned","owner_id":'$ptid',"owner":"pt","resets":1,"mapped_kib":16,"forwarded":7,"msix_traps":7}]'
got=$("$FAKE" pci-list --json | compact)
if [ "$got" = "$want" ]; then pass pci_list_json; else fail pci_list_json "'$got', not '$want'"; fi
expect pci_info 0 "pci:             0000:00:07.0 (8086:10d3)" "$FAKE" info pt
expect pci_info_json 0 '"pci":["0000:00:06.0","0000:00:07.0"]' bash -c "'$FAKE' info pt --json | tr -d ' \n'"
expect pci_list_json_field 0 '"pci":["0000:00:06.0","0000:00:07.0"]' bash -c "'$FAKE' list --json | tr -d ' \n'"
expect_err pci_busy 1 "hvctl: cannot create 'pt2': 0000:00:06.0: already assigned to 'pt' (the partition was destroyed)" \
	"$FAKE" create cfg/pt2.cfg
expect_err pci_return_assigned 1 "hvctl: cannot return 0000:00:06.0: it is assigned to 'pt' (destroy that first)" \
	"$FAKE" pci-return 0000:00:06.0

# Destroyed: reset and assignable; returned: probed again by the parent.
expect pci_destroy 0 "" "$FAKE" destroy pt
expect pci_assignable 0 "0000:00:06.0  1af4:1000  assignable  -           2          0K           7" "$FAKE" pci-list
expect pci_assignable_json 0 '{"bdf":"0000:00:07.0","vendor":"8086","device":"10d3","state":"assignable","owner_id":0,"owner":"","resets":2,"mapped_kib":0,"forwarded":7,"msix_traps":7}' \
	bash -c "'$FAKE' pci-list --json | tr -d ' \n'"
bind06 # what the kernel's probe does
expect pci_return 0 "0000:00:06.0: returned to the parent, bound to virtio-pci" "$FAKE" pci-return 00:06.0
expect pci_return_nodriver 0 "0000:00:07.0: returned to the parent; no driver took it" \
	"$FAKE" pci-return 0000:00:07.0
expect_err pci_return_again 1 \
	"hvctl: cannot return 0000:00:07.0: the hypervisor does not hold it (see 'hvctl pci-list')" \
	"$FAKE" pci-return 00:07.0
expect pci_all_back 0 "" bash -c "[ \$('$FAKE' pci-list | wc -l) = 1 ] && [ \$('$FAKE' list | wc -l) = 1 ]"
exit $failed
