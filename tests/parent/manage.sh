# SPDX-License-Identifier: GPL-2.0-only
# The management test, sourced by the parent's test script
# (tests/parent/init) with hvtest.manage=guests|linux: it drives children
# through hvctl as a user would and prints "HVTEST ok manage-NAME: ..." or
# "HVTEST FAILED manage-NAME: ..." per check; the runner
# (tests/manage_tests.sh) turns them into manage/<backend>-NAME and checks
# the hypervisor's own log lines beside them. With "linux" a Linux child
# is created too (the parent's kernel, tests/parent/child-init).
# hvtest.pt=1 adds the PCI passthrough phase at the end (hvtest.manage=pt:
# that phase alone); hvtest.pt=refused checks instead that a child with
# a PCI function is refused (a machine without an IOMMU).

mcheck() { check "manage-$1" "$2" "$3"; }
hv() { hvctl "$@" 2> /tmp/hvctl.err; }
jnum() { sed -n "s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p" | head -n 1; }
jstr() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" | head -n 1; }
state() { hvctl info "$1" --json 2>/dev/null | jstr state; }
# wait_state NAME STATE SECS: until NAME is in STATE (or gone: "gone").
wait_state() {
	local i s
	for i in $(seq $(($3 * 2))); do
		s=$(state "$1"); [ -z "$s" ] && s=gone
		[ "$s" = "$2" ] && return 0
		sleep 0.5
	done
	return 1
}
# console_has NAME PATTERN SECS: until its console output matches.
console_has() {
	local i
	for i in $(seq "$3"); do
		hvctl console "$1" -q --linger 0 < /dev/null 2>/dev/null | grep -q "$2" && return 0
		sleep 1
	done
	return 1
}
ticks() { hvctl console mticker -q --linger 0 < /dev/null 2>/dev/null | grep -c 'tick'; }
pool_free() { hvctl pool --json | jnum free_bytes; }
# drv_of DEV: the name of the parent's driver bound to a PCI function.
drv_of() { local l; l=$(readlink "$1/driver" 2>/dev/null) && echo "${l##*/}"; }

# ---- PCI passthrough (hvtest.pt=1): the parent's virtio NIC at 01:00.0
# (hvtest.ptbdf= names another)
# to a Linux child (tests/parent/hv/pt.cfg), which pings over it, and
# back to the parent; the runner (tests/parent_tests.sh) checks the
# hypervisor's log beside these. It needs the image with the Linux child.
pt_phase() {
	local bdf dev r r2 drv net out n pl obj st rs cb mk fw mt
	bdf=$(param ptbdf)
	bdf=${bdf:-0000:01:00.0}
	dev=/sys/bus/pci/devices/$bdf
	echo "HVTEST pt phase started"
	if [ ! -f /boot/vmlinuz ] || [ ! -f /boot/child.cpio.gz ]; then
		mcheck pt-unbound 1 "this image has no Linux child (/boot/vmlinuz, /boot/child.cpio.gz): the passthrough phase needs parent-test-linux.cpio.gz"
		echo "HVTEST pt phase done"
		return
	fi
	# Before: the parent's virtio-pci has it, and virtio_net its NIC.
	drv=$(drv_of $dev)
	net=$(ls $dev/virtio*/net 2>/dev/null | tr '\n' ' ')
	[ "$drv" = virtio-pci ] && [ -n "$net" ]
	mcheck pt-unbound $? "$bdf: vendor $(cat $dev/vendor 2>/dev/null) device $(cat $dev/device 2>/dev/null), driver ${drv:-none}, its NIC ${net:-none}"
	# The create unbinds it (and says so) and assigns it.
	# QEMU's edu device too, where the machine has one and the parent's
	# own DMA test is done with it: the child aims its DMA outside its
	# memory (at 2.25 GiB: above the machine's RAM, so never the parent's DMA
	# test's target; the child has 128 MiB).
	edu=""
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] && edu=${d##*/}
	done
	if [ -n "$edu" ]; then
		sed "s/^pci = .*/pci = [ '$bdf', '$edu' ]/; s/childtest.ptnet/childtest.ptdma=0x90000000 childtest.ptnet/" \
			$cfg/pt.cfg > /tmp/pt.cfg
	else
		sed "s/^pci = .*/pci = [ '$bdf' ]/" $cfg/pt.cfg > /tmp/pt.cfg
	fi
	hv create /tmp/pt.cfg
	r=$?
	sed 's/^/HVTEST pt: /' /tmp/hvctl.err
	grep -q "^hvctl: $bdf: unbound from virtio-pci\$" /tmp/hvctl.err
	r2=$?
	pl=$(hvctl pci-list 2>&1)
	echo "$pl" | sed 's/^/HVTEST pt list: /'
	drv=$(drv_of $dev)
	[ $r = 0 ] && [ $r2 = 0 ] && [ -z "$drv" ] && echo "$pl" | grep -Eq "^$bdf +1af4:[0-9a-f]{4} +assigned +pt "
	mcheck pt-create $? "create: $r ($(tail -n 1 /tmp/hvctl.err)); unbound said: $r2; its driver now: ${drv:-none}; listed assigned to pt"
	if [ $r = 0 ]; then
		# The child finds it at its 00:10.0 and pings the gateway of the
		# emulator's user network over it, with MSI-X interrupts.
		console_has pt 'linux-child: passthrough irqs' 150
		out=$(hvctl console pt -q --linger 0 < /dev/null 2>/dev/null | tr -d '\r')
		echo "$out" | grep -E 'linux-child: (passthrough|pci devices|dmesg)' | sed 's/^/HVTEST pt child: /'
		echo "$out" | grep -q 'linux-child: passthrough ping ok'
		mcheck pt-ping $? "$(echo "$out" | grep -m1 'linux-child: passthrough NIC'); $(echo "$out" | grep -m1 'packets transmitted')"
		n=$(echo "$out" | sed -n 's/.*linux-child: passthrough irqs \([0-9][0-9]*\).*/\1/p' | head -n 1)
		[ "${n:-0}" -gt 0 ]
		mcheck pt-irqs $? "the child's MSI-X interrupts of the NIC: ${n:-none}"
		# Its BARs are mapped straight into the child: after the driver's
		# set-up and the pings, the hypervisor carried out no access but
		# those to the MSI-X table's page (virtio-net's BARs are 4 KiB and
		# up), and some of those (the table is still virtualized).
		obj=$(hvctl pci-list --json 2>&1 | tr -d ' \n' | grep -o "{\"bdf\":\"$bdf\"[^}]*}")
		mk=$(echo "$obj" | jnum mapped_kib)
		fw=$(echo "$obj" | jnum forwarded)
		mt=$(echo "$obj" | jnum msix_traps)
		[ "${mk:-0}" -gt 0 ] && [ -n "$fw" ] && [ "$fw" = "$mt" ] && [ "${mt:-0}" -gt 0 ]
		mcheck pt-mapped $? "${mk:-?} KiB of its BARs mapped into the child; accesses forwarded: ${fw:-?}, of them to the MSI-X table or pending bits: ${mt:-?}"
		# The edu device's DMA: the child's own page round trip works,
		# the read at 2.25 GiB never reaches the device.
		if [ -n "$edu" ]; then
			echo "$out" | grep 'linux-child: ptdma' | sed 's/^/HVTEST pt child: /'
			echo "$out" | grep -q 'linux-child: ptdma exit 0'
			mcheck pt-dma $? "$edu: $(echo "$out" | grep -E 'ptdma: dmatest: (parent page round trip|read of)' | sed 's/.*dmatest: //' | tr '\n' ' ')"
		fi
	else
		mcheck pt-ping 1 "no child"
		mcheck pt-irqs 1 "no child"
	fi
	# Hidden from the parent while assigned: its configuration space
	# (read through the kernel's accessors, which the hypervisor answers)
	# is all ones.
	cb=$(od -An -tx1 -N4 $dev/config 2>&1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
	[ "$cb" = "ff ff ff ff" ]
	mcheck pt-hidden $? "$bdf's first 4 configuration bytes in the parent while assigned: $cb"
	# Destroyed: reset, its DMA blocked, held as assignable. A function
	# without a reset method is not counted as reset: then the hypervisor
	# must have said so.
	hv destroy pt
	r=$?
	for n in $(seq 120); do
		obj=$(hvctl pci-list --json 2>&1 | tr -d ' \n' | grep -o "{\"bdf\":\"$bdf\"[^}]*}")
		st=$(echo "$obj" | sed -n 's/.*"state":"\([^"]*\)".*/\1/p')
		[ "$st" = assignable ] && break
		sleep 0.5
	done
	# hvtest.ptreset=none: the function has no reset (none is counted).
	rs=$(echo "$obj" | sed -n 's/.*"resets":\([0-9]*\).*/\1/p')
	if [ "$(param ptreset)" = none ]; then [ "${rs:-x}" = 0 ]; else [ "${rs:-0}" -ge 1 ]; fi
	r2=$?
	[ $r = 0 ] && [ "$st" = assignable ] && [ $r2 = 0 ]
	mcheck pt-assignable $? "destroy: $r; ${obj:-not listed}"
	# The edu device back too (no check: the NIC's return is the test).
	[ -n "$edu" ] && hvctl pci-return "$edu" 2>&1 | sed 's/^/HVTEST pt: /'
	# Returned: the parent's kernel probes it again and its virtio-pci
	# takes it, with the NIC: its configuration space is the device's.
	out=$(hvctl pci-return $bdf 2>&1)
	r=$?
	echo "$out" | sed 's/^/HVTEST pt: /'
	drv=$(drv_of $dev)
	net=$(ls $dev/virtio*/net 2>/dev/null | tr '\n' ' ')
	cb=$(od -An -tx1 -N2 $dev/config 2>&1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
	[ $r = 0 ] && [ "$drv" = virtio-pci ] && [ "$(cat $dev/vendor)" = 0x1af4 ] && [ "$cb" = "f4 1a" ] &&
		[ -n "$net" ] && ! hvctl pci-list | grep -q "^$bdf "
	mcheck pt-returned $? "pci-return: $r; driver ${drv:-none}, vendor $(cat $dev/vendor), configuration starts '$cb', its NIC ${net:-none}"
	echo "HVTEST pt phase done"
}

# ---- hvtest.pt=refused: where the hypervisor has no IOMMU, a child with
# a PCI function (the parent's e1000, done with its own checks by now)
# is refused with the reason, destroyed, and the function bound to its
# driver again.
pt_refused() {
	local d bdf="" r drv
	for d in /sys/bus/pci/devices/*; do
		[ "$(drv_of "$d")" = e1000 ] && bdf=${d##*/} && break
	done
	if [ -z "$bdf" ]; then
		mcheck pt-refused 1 "no PCI function bound to e1000 to try with"
		return
	fi
	sed 's/^name = .*/name = "ptr"/' $cfg/pc.cfg > /tmp/ptr.cfg
	echo "pci = [ '$bdf' ]" >> /tmp/ptr.cfg
	hvctl create /tmp/ptr.cfg 2> /tmp/ptr.err
	r=$?
	sed 's/^/HVTEST pt: /' /tmp/ptr.err
	drv=$(drv_of "/sys/bus/pci/devices/$bdf")
	[ $r = 1 ] && [ -z "$(state ptr)" ] && [ "$drv" = e1000 ] &&
		grep -qx "hvctl: cannot create 'ptr': $bdf: the hypervisor has no IOMMU with interrupt remapping: passthrough refused (the partition was destroyed)" /tmp/ptr.err
	mcheck pt-refused $? "exit $r: $(tail -n 1 /tmp/ptr.err); $bdf bound to ${drv:-nothing} afterwards"
}

mode=$(param manage)
cfg=/etc/hv
# hvtest.manage=bench (scripts/bench.sh): a Linux child created (the
# benchmark boots the same one pre-launched too), and hvctl list with 32
# partitions.
if [ "$mode" = bench ]; then
	# The idle parent first: its exits (all vCPUs) over 10 s with
	# nothing running but this shell's sleep, by reason.
	exits_of() { hvctl info parent --json | tr -d ' \n' | sed -n 's/.*"exits":{\([^}]*\)}.*/\1/p' | tr ',' '\n' | tr -d '"'; }
	x0=$(exits_of); u0=$(cut -d' ' -f1 /proc/uptime)
	sleep 10
	x1=$(exits_of); u1=$(cut -d' ' -f1 /proc/uptime)
	echo "HVTEST bench: idle parent: $(printf '%s\n%s\n' "$x0" "$x1" | awk -F: -v a="$u0" -v b="$u1" '
		{ if (seen[$1]++) d[$1] = $2 - v[$1]; else v[$1] = $2 }
		END { for (k in d) { t += d[k]; if (d[k] > 0) by = by sprintf(" %s=%d", k, d[k]) }
		      printf "%d exits in %.1f s = %.0f/s;%s", t, b - a, t / (b - a), by }')"
	dd if=/dev/zero of=/tmp/linux-disk.img bs=1M count=8 2>/dev/null
	hvctl create $cfg/linux.cfg
	console_has linux 'linux-child: up' 300
	echo "HVTEST bench: linux child up"
	n=$(hvctl list | grep -c .)
	i=0
	sed 's/^name = .*/name = "fill"/' $cfg/ticker.cfg > /tmp/fill.cfg
	while [ "$((n - 1 + i))" -lt 32 ]; do
		sed -i "s/^name = .*/name = \"fill$i\"/" /tmp/fill.cfg
		hvctl create /tmp/fill.cfg || break
		i=$((i + 1))
	done
	n=$(($(hvctl list | grep -c .) - 1))
	u0=$(cut -d' ' -f1 /proc/uptime)
	for i in $(seq 50); do hvctl list > /dev/null; done
	u1=$(cut -d' ' -f1 /proc/uptime)
	echo "HVTEST bench: list with $n partitions: $(awk -v a="$u0" -v b="$u1" 'BEGIN { printf "%.1f", (b - a) * 1000 / 50 }') ms per call"
	u0=$(cut -d' ' -f1 /proc/uptime)
	for i in $(seq 50); do hvctl pool > /dev/null; done
	u1=$(cut -d' ' -f1 /proc/uptime)
	echo "HVTEST bench: pool (one hypercall): $(awk -v a="$u0" -v b="$u1" 'BEGIN { printf "%.1f", (b - a) * 1000 / 50 }') ms per call"
	return 0 2>/dev/null || exit 0
fi
# hvtest.manage=devbench (scripts/bench.sh devices): the disk figures in
# the parent on its own test disk, then in a Linux child given that disk,
# with the child's exits (all, and port I/O: the kicks) per request; then
# TCP throughput over hvbr0 against the parent's loopback.
if [ "$mode" = devbench ]; then
	for m in seqread seqwrite rand1 rand32; do
		iobench /dev/vda $m 5 | sed 's/^/HVTEST bench parent /'
	done
	hvctl create $cfg/bench-disk.cfg
	console_has bench 'linux-child: up' 300
	for m in seqread seqwrite rand1 rand32; do
		info=$(hvctl info bench --json)
		e0=$(echo "$info" | jnum exits_total) io0=$(echo "$info" | jnum io)
		echo "run iobench /dev/vda $m 5" | hvctl console bench -q --linger 0 > /dev/null 2>&1
		console_has bench "run: iobench: $m" 120
		info=$(hvctl info bench --json)
		e1=$(echo "$info" | jnum exits_total) io1=$(echo "$info" | jnum io)
		line=$(hvctl console bench -q --linger 0 < /dev/null | tr -d '\r' | grep -o "iobench: $m: .*" | tail -n 1)
		echo "HVTEST bench child $line; exits $((e1 - e0)), io exits $((io1 - io0))"
	done
	hvctl destroy bench
	# The network: TCP on the parent's loopback (the baseline), then
	# from a child to the parent, from the parent to a child, and from
	# child to child over hvbr0, with the sender's exits and packets.
	ip link set lo up
	netbench server 127.0.0.1 5001 > /dev/null &
	sleep 1
	netbench client 127.0.0.1 5001 5 | sed 's/^/HVTEST bench loopback /'
	wait
	hvctl create $cfg/net-a.cfg && hvctl create $cfg/net-b.cfg
	ip addr add 10.99.0.1/24 dev hvbr0 && ip link set hvbr0 up
	console_has net-a 'linux-child: up' 300 && console_has net-b 'linux-child: up' 300
	# nb_wait CHILD WHAT N: until CHILD's console has more than N lines
	# with WHAT (120 s at most); nb_count CHILD WHAT: how many now.
	nb_count() { hvctl console "$1" -q --linger 0 < /dev/null | grep -c "run: netbench: $2"; }
	nb_wait() {
		local i=0
		while [ $i -lt 240 ] && [ "$(nb_count "$1" "$2")" -le "$3" ]; do sleep 0.5; i=$((i + 1)); done
	}
	nb_last() { hvctl console "$1" -q --linger 0 < /dev/null | tr -d '\r' | grep -o "netbench: $2.*" | tail -n 1; }
	# netbench_child FROM SERVER-ADDR LABEL: FROM sends for 5 s.
	netbench_child() {
		local e0 e1 n
		n=$(nb_count "$1" "tcp: [0-9]")
		e0=$(hvctl info "$1" --json | jnum exits_total)
		echo "run netbench client $2 5001 5 eth0" | hvctl console "$1" -q --linger 0 > /dev/null 2>&1
		nb_wait "$1" "tcp: [0-9]" "$n"
		e1=$(hvctl info "$1" --json | jnum exits_total)
		echo "HVTEST bench $3 $(nb_last "$1" "tcp: [0-9]"); exits $((e1 - e0))"
	}
	netbench server 10.99.0.1 5001 > /dev/null &
	sleep 1
	netbench_child net-a 10.99.0.1 child-to-parent
	wait
	n=$(nb_count net-a "server received")
	echo "run netbench server 10.99.0.2 5001 eth0" | hvctl console net-a -q --linger 0 > /dev/null 2>&1
	sleep 2
	e0=$(hvctl info net-a --json | jnum exits_total)
	line=$(netbench client 10.99.0.2 5001 5)
	e1=$(hvctl info net-a --json | jnum exits_total)
	nb_wait net-a "server received" "$n"
	echo "HVTEST bench parent-to-child $line; receiver $(nb_last net-a "server received"); exits $((e1 - e0))"
	echo "run netbench server 10.99.0.3 5001" | hvctl console net-b -q --linger 0 > /dev/null 2>&1
	sleep 2
	netbench_child net-a 10.99.0.3 child-to-child
	hvctl destroy net-a
	hvctl destroy net-b
	return 0 2>/dev/null || exit 0
fi
# hvtest.manage=pt: only the passthrough phase.
if [ "$mode" = pt ]; then
	pt_phase
	return 0 2>/dev/null || exit 0
fi
# hvtest.manage=devices: only the device phase (while developing it).
if [ "$mode" = devices ] || [ "$mode" = devnet ]; then
	. /etc/hv-test/devices.sh
	return 0 2>/dev/null || exit 0
fi
echo "HVTEST manage phase started"
pool0=$(pool_free)
echo "HVTEST manage: pool free at the start: $((pool0 / 1048576)) MiB"

# ---- create-two: two children from definition files, listed right ----
hv create $cfg/ticker.cfg && hv create $cfg/pc.cfg
r=$?
list=$(hvctl list 2>&1)
echo "$list" | sed 's/^/HVTEST manage list: /'
echo "$list" | grep -Eq '^ *[0-9]+ +mticker +running +1 +16M ' &&
	echo "$list" | grep -Eq '^ *[0-9]+ +pc +running +1 +16M '
r2=$?
json=$(hvctl list --json 2>&1)
echo "$json" | tr -d ' \n' | grep -q '"name":"mticker","state":"running"' &&
	echo "$json" | tr -d ' \n' | grep -q '"name":"pc","state":"running"' &&
	echo "$json" | tr -d ' \n' | grep -q '"memory_bytes":16777216'
r3=$?
[ $r = 0 ] && [ $r2 = 0 ] && [ $r3 = 0 ]
mcheck create-two $? "create: $r, list: $r2, list --json: $r3 ($(cat /tmp/hvctl.err))"

# ---- console: output replayed, a typed line reaches the child ----
console_has pc 'pcguest: ready' 30
r=$?
out=$(echo "hello-from-the-parent" | hvctl console pc -q --linger 2 2>&1)
echo "$out" | sed 's/^/HVTEST manage console: /'
echo "$out" | grep -q 'pcguest: got hello-from-the-parent'
mcheck console $(( r | $? )) "ready seen: $r; the typed line came back"

# ---- pause and resume: the ticker stops ticking, then ticks again ----
console_has mticker 'tick' 30
t0=$(ticks)
hv pause mticker
r=$?
echo "HVTEST manage: mticker paused"
s=$(state mticker)
sleep 1
t1=$(ticks)
sleep 5
t2=$(ticks)
echo "HVTEST manage: resuming mticker"
hv resume mticker
r2=$?
sleep 5
t3=$(ticks)
[ $r = 0 ] && [ $r2 = 0 ] && [ "$s" = paused ] && [ "$t2" = "$t1" ] && [ "$t3" -gt "$t2" ]
mcheck pause-resume $? "state while paused: $s; ticks $t0, paused $t1 -> $t2 over 5 s, resumed -> $t3"

# ---- shutdown -w: the ACPI power button, obeyed ----
hv shutdown pc -w --timeout 60
r=$?
s=$(state pc)
[ $r = 0 ] && [ -z "$s" ]
mcheck shutdown $? "shutdown -w: $r ($(cat /tmp/hvctl.err)); then: ${s:-gone (on_poweroff=destroy)}"

# ---- crashes: a triple fault kept (preserve), one freed (destroy) ----
hv create $cfg/triple.cfg
wait_state crasher stopped 30
r=$?
info=$(hvctl info crasher --json 2>&1)
out=$(echo "$info" | jstr outcome) why=$(echo "$info" | jstr stop_reason)
hv create $cfg/triple-destroy.cfg
wait_state crasher2 gone 30
r2=$?
ev=$(hvctl events 2>&1)
echo "$ev" | grep -E 'crasher|crasher2' | sed 's/^/HVTEST manage events: /'
echo "$ev" | grep -q 'crasher .*crashed.*preserve' && echo "$ev" | grep -q 'crasher2 .*crashed.*destroy'
r3=$?
[ $r = 0 ] && [ "$out" = crash ] && [ $r2 = 0 ] && [ $r3 = 0 ]
mcheck crash $? "kept: $r, outcome $out ($why); freed: $r2; events: $r3"
hv destroy crasher

# ---- every parent-only call from a child: refused ----
hv create $cfg/childcalls.cfg
wait_state childcalls stopped 60
r=$?
why=$(hvctl info childcalls --json | jstr stop_reason)
[ $r = 0 ] && [ "$why" = "the guest reported success" ]
mcheck child-calls $? "its verdict: ${why:-none}"
hv destroy childcalls

# ---- scrubbing: a child finds nothing of the one before it ----
hv create $cfg/scrubfill.cfg
console_has scrubfill 'scrub: filled' 60
r=$?
hv destroy scrubfill
hv create $cfg/scrubcheck.cfg
wait_state scrubcheck stopped 120
r2=$?
why=$(hvctl info scrubcheck --json | jstr stop_reason)
hvctl console scrubcheck -q --linger 0 < /dev/null | sed 's/^/HVTEST manage scrub: /'
[ $r = 0 ] && [ $r2 = 0 ] && [ "$why" = "the guest reported success" ]
mcheck scrub $? "filled: $r; the next child's verdict: ${why:-none}"
hv destroy scrubcheck

# ---- the pool: exhausted gives its error, everything else runs on ----
free=$(pool_free)
mib=$(((free / 1048576 + 64) / 2 * 2))
sed "s/^memory = .*/memory = $mib/; s/^name = .*/name = \"toobig\"/" $cfg/ticker.cfg > /tmp/toobig.cfg
hvctl create /tmp/toobig.cfg 2> /tmp/toobig.err
r=$?
echo "HVTEST manage pool: $(cat /tmp/toobig.err)"
t0=$(ticks); sleep 3; t1=$(ticks)
[ $r = 1 ] && grep -q 'free' /tmp/toobig.err && [ -z "$(state toobig)" ] && [ "$t1" -gt "$t0" ]
mcheck pool-exhausted $? "exit $r; mticker $t0 -> $t1 meanwhile"

# ---- destroy: one goes, the other keeps running ----
hv create $cfg/pc.cfg
console_has pc 'pcguest: ready' 30
hv destroy mticker
r=$?
s=$(state mticker)
out=$(echo "still-there" | hvctl console pc -q --linger 2 2>&1)
echo "$out" | grep -q 'pcguest: got still-there'
r2=$?
[ $r = 0 ] && [ -z "$s" ] && [ $r2 = 0 ]
mcheck destroy $? "destroy: $r, mticker ${s:-gone}; pc answers: $r2"

# ---- fairness: weights 256:512 on one CPU, then a 25% cap ----
hv create $cfg/burn-a.cfg && hv create $cfg/burn-b.cfg
a0=$(hvctl info burn-a --json | jnum run_ns) b0=$(hvctl info burn-b --json | jnum run_ns)
sleep 4
a1=$(hvctl info burn-a --json | jnum run_ns) b1=$(hvctl info burn-b --json | jnum run_ns)
hv destroy burn-a; hv destroy burn-b
da=$(((a1 - a0) / 1000000)) db=$(((b1 - b0) / 1000000))
ratio=$((db * 100 / (da > 0 ? da : 1)))
[ "$ratio" -ge 180 ] && [ "$ratio" -le 220 ]
mcheck weights $? "CPU time over 4 s: weight 256 ${da} ms, weight 512 ${db} ms (ratio x100: $ratio, want 200 +-10%)"
hv create $cfg/burn-cap.cfg
sleep 1
i0=$(hvctl info burn-cap --json) ; sleep 4; i1=$(hvctl info burn-cap --json)
hv destroy burn-cap
run=$((($(echo "$i1" | jnum run_ns) - $(echo "$i0" | jnum run_ns)) / 1000000))
up=$((($(echo "$i1" | jnum uptime_ns) - $(echo "$i0" | jnum uptime_ns)) / 1000000))
pct=$((run * 100 / (up > 0 ? up : 1)))
capped=$(($(echo "$i1" | jnum capped_ns) / 1000000))
[ "$pct" -ge 20 ] && [ "$pct" -le 30 ] && [ "$capped" -gt 0 ]
mcheck cap $? "cap 25%: ${run} ms of ${up} ms (${pct}%), held back ${capped} ms"

# ---- a Linux child: console, power button, pvpanic ----
if [ "$mode" = linux ]; then
	dd if=/dev/zero of=/tmp/linux-disk.img bs=1M count=8 2>/dev/null
	printf 'PARENT-MADE-DISK' | dd of=/tmp/linux-disk.img conv=notrunc 2>/dev/null
	hv create $cfg/linux.cfg
	r=$?
	console_has linux 'linux-child: up' 120
	r2=$?
	out=$(echo "hi-linux" | hvctl console linux -q --linger 3 2>&1)
	echo "$out" | grep -q 'linux-child: got hi-linux'
	r3=$?
	hvctl console linux -q --linger 0 < /dev/null | tail -n 5 | sed 's/^/HVTEST manage linux: /'
	[ $r = 0 ] && [ $r2 = 0 ] && [ $r3 = 0 ]
	mcheck linux-console $? "create: $r, up: $r2, typed line answered: $r3"
	# Its virtio disk and entropy device, served from here.
	out=$(hvctl console linux -q --linger 0 < /dev/null 2>&1)
	echo "$out" | grep -E 'linux-child: (disk|rng|random)' | sed 's/^/HVTEST devices linux: /'
	echo "$out" | grep -q 'linux-child: disk 16384 sectors' &&
		echo "$out" | grep -q 'linux-child: disk written and flushed' &&
		echo "$out" | grep -q "linux-child: disk reads 'PARENT-MADE-DISK'"
	r=$?
	got=$(dd if=/tmp/linux-disk.img bs=512 skip=2 count=1 2>/dev/null | tr -dc 'A-Z-')
	[ $r = 0 ] && [ "$got" = LINUX-CHILD-WROTE-THIS ]
	check devices-linux-disk $? "the child's lines: $r; sector 2 of the image: '$got'"
	echo "$out" | grep -q 'linux-child: rng virtio_rng' && echo "$out" | grep -q 'linux-child: random ready'
	check devices-linux-rng $? "$(echo "$out" | grep 'linux-child: rng')"
	# Its virtio console, hvc0, beside the serial one.
	hvc=$(printf 'typed-at-hvc0\n' | hvctl console linux --dev hvc -q --linger 3 2>&1 | tr -d '\r')
	echo "$hvc" | sed 's/^/HVTEST devices linux hvc: /'
	echo "$hvc" | grep -qx 'linux-child: hello over hvc0' &&
		echo "$hvc" | grep -qx 'linux-child: hvc got typed-at-hvc0'
	check devices-linux-hvc $? "$(echo "$out" | grep 'linux-child: hvc0') greeting and answer over hvc0"
	hv shutdown linux -w --timeout 120
	r=$?
	[ $r = 0 ] && [ -z "$(state linux)" ]
	mcheck linux-shutdown $? "shutdown -w: $r ($(cat /tmp/hvctl.err))"
	hv create $cfg/linux.cfg
	rc=$?
	[ $rc = 0 ] || echo "HVTEST manage linux: the second create failed ($rc): $(cat /tmp/hvctl.err)"
	console_has linux 'linux-child: up' 120
	echo "panic" | hvctl console linux -q --linger 1 > /dev/null 2>&1
	wait_state linux stopped 60
	r=$?
	info=$(hvctl info linux --json)
	why=$(echo "$info" | jstr stop_reason)
	[ $r = 0 ] && [ "$(echo "$info" | jstr outcome)" = crash ] &&
		echo "$why" | grep -q pvpanic
	mcheck linux-panic $? "stopped: $r, ${why:-no reason}"
	hv destroy linux
	# Ids are never reused (hv_abi.h): past the 64th partition ever
	# made, new ones are managed as the first were. Small children are
	# made and destroyed until an id is past 64, then that one is
	# listed, shown and destroyed.
	sed 's/^name = .*/name = "idsweep"/' $cfg/ticker.cfg > /tmp/idsweep.cfg
	id=0
	n=0
	while [ "$id" -le 64 ] && [ $n -lt 80 ]; do
		hv create /tmp/idsweep.cfg || break
		id=$(hvctl info idsweep --json 2>/dev/null | jnum id)
		id=${id:-0}
		[ "$id" -gt 64 ] && break
		hv destroy idsweep || break
		n=$((n + 1))
	done
	hvctl list | grep -q " idsweep "
	r=$?
	[ "$(hvctl info idsweep --json 2>/dev/null | jnum id)" = "$id" ]
	r2=$?
	hv destroy idsweep
	r3=$?
	[ "$id" -gt 64 ] && [ $r = 0 ] && [ $r2 = 0 ] && [ $r3 = 0 ]
	mcheck ids-past-64 $? "id $id after $n create/destroy cycles; listed: $r, shown: $r2, destroyed: $r3 ($(cat /tmp/hvctl.err))"
fi

# ---- hostile: the parent's own calls, fuzzed ----
hvfuzz "$(param fuzz)"
r=$?
n=$(hvctl list | grep -c .)
hv create $cfg/pc.cfg 2>/dev/null # (it may still be there)
out=$(echo "after-fuzz" | hvctl console pc -q --linger 2 2>&1)
echo "$out" | grep -q 'pcguest: got after-fuzz'
mcheck fuzz $(( r | $? )) "hvfuzz: $r; pc answers afterwards"
hv destroy pc

# ---- bad definition files: one line each ----
bad=0 n=0
while IFS='|' read -r body want; do
	n=$((n + 1))
	printf '%b\n' "$body" > /tmp/bad.cfg
	hvctl create /tmp/bad.cfg 2> /tmp/bad.err
	r=$?
	lines=$(grep -c . /tmp/bad.err)
	if [ $r != 1 ] || [ "$lines" != 1 ] || ! grep -q -- "$want" /tmp/bad.err; then
		bad=$((bad + 1))
		echo "HVTEST manage bad-file: exit $r, $lines lines for '$body': $(cat /tmp/bad.err)"
	fi
done <<'EOF'
name = "x"\nmemory = 16\nkernel = "/guests/ticker.elf"\ncolour = "blue"|bad.cfg:4: colour: unknown key
name = "x"\nmemory = "lots"\nkernel = "/guests/ticker.elf"|bad.cfg:2: memory
name = "x"\nmemory = 16|kernel
name = "x y"\nkernel = "/guests/ticker.elf"|bad.cfg:1: name
name = "x"\nkernel = "/nonexistent"|bad.cfg:2: kernel
name = "x"\nkernel = "/guests/ticker.elf"\nvcpus = 0|bad.cfg:3: vcpus
name = "x"\nkernel = "/guests/ticker.elf"\non_crash = "explode"|bad.cfg:3: on_crash
name = "x"\nkernel = "/guests/ticker.elf"\ndisk = [ "a,rx" ]|bad.cfg:3: disk
name = "x"\nkernel = "/guests/ticker.elf"\nmemory = 16\nmemory = 32|bad.cfg:4: memory
name = "x\nkernel = "/guests/ticker.elf"|bad.cfg:1
EOF
[ "$bad" = 0 ]
mcheck bad-files $? "$n bad definition files, $bad without their one-line error"

# The pool after a create and destroy is what it was before (measured
# around a second cycle: the first may grow the hypervisor's own heap,
# which keeps what it grew for the next partition).
hv create $cfg/scrubcheck.cfg; wait_state scrubcheck stopped 60; hv destroy scrubcheck
p1=$(pool_free)
hv create $cfg/scrubcheck.cfg; wait_state scrubcheck stopped 60
p2=$(pool_free)
hv destroy scrubcheck
p3=$(pool_free)
free=$(pool_free)
[ "$p3" = "$p1" ] && [ "$p2" -lt "$p1" ]
mcheck pool-returns $? "pool free: $p1 bytes, $p2 with a 64 MiB child, $p3 after its destroy (at the start of the phase: $pool0)"
hvctl list | sed 's/^/HVTEST manage list: /'
echo "HVTEST manage phase done"
. /etc/hv-test/devices.sh
case $(param pt) in
1) pt_phase ;;
refused) pt_refused ;;
esac
