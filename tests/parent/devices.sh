# SPDX-License-Identifier: GPL-2.0-only
# The device test, sourced by the parent's test script after the
# management phase: children with virtio devices served by backends in
# this parent over the channel. Prints "HVTEST ok devices-NAME: ..." or
# "HVTEST FAILED devices-NAME: ..." per check; the runner
# (tests/manage_tests.sh) turns them into devices/<backend>-NAME and
# checks the hypervisor's log beside them.

dcheck() { check "devices-$1" "$2" "$3"; }
con() { hvctl console "$1" -q --linger 0 < /dev/null 2>/dev/null | tr -d '\r'; }
# sector_hex IMG N: the first 8 bytes of sector N, in hex.
# pids_of COMM: the processes with that name (the backends are forked,
# not executed, so only their comm says what they are).
pids_of() { for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"; done; }
sector_hex() { dd if="$1" bs=512 skip="$2" count=1 2>/dev/null | od -An -tx1 | head -n 1 | tr -s ' ' | sed 's/^ //' | cut -d' ' -f1-8; }

echo "HVTEST devices phase started"
img=/tmp/vblk.img
dd if=/dev/zero of=$img bs=1M count=4 2>/dev/null
printf 'HVDEVICE-MARKER\0' | dd of=$img conv=notrunc 2>/dev/null

# ---- disk: a guest writes, flushes and reads back through virtio-blk ----
hv create $cfg/vblk.cfg
r=$?
console_has vblk 'vblk: done' 120
r2=$?
out=$(con vblk)
echo "$out" | sed 's/^/HVTEST devices vblk: /'
echo "$out" | grep -q 'vblk: capacity 8192 sectors' &&
	echo "$out" | grep -q 'vblk: wrote 8 sectors, flushed' &&
	echo "$out" | grep -q 'vblk: read back ok' &&
	echo "$out" | grep -q 'vblk: sector0 HVDEVICE-MARKER' &&
	echo "$out" | grep -q 'vblk: past-end read refused'
r3=$?
# What it wrote is in the parent's file: byte i of sector s is s*31+i.
s1=$(sector_hex $img 1) s8=$(sector_hex $img 8)
[ "$s1" = "1f 20 21 22 23 24 25 26" ] && [ "$s8" = "f8 f9 fa fb fc fd fe ff" ]
r4=$?
[ $r = 0 ] && [ $r2 = 0 ] && [ $r3 = 0 ] && [ $r4 = 0 ]
dcheck disk $? "create: $r ($(cat /tmp/hvctl.err)), done seen: $r2, lines: $r3; the image's sectors 1 and 8: $s1 / $s8"

# ---- hostile: malformed chains break the device, nothing else ----
echo "hostile" | hvctl console vblk -q --linger 0 > /dev/null 2>&1
console_has vblk 'vblk: hostile done' 120
r=$?
out=$(con vblk)
echo "$out" | grep 'vblk: .* -> status' | sed 's/^/HVTEST devices vblk: /'
bad=0
for what in loop bad-address nested-indirect avail-ahead; do
	echo "$out" | grep -Eq "vblk: $what -> status 0x[4-7cdef][0-9a-f]" || bad=$((bad + 1))
done
n=$(echo "$out" | grep -c 'vblk: read back ok')
# The backend is still there and serves the reset device again.
[ $r = 0 ] && [ $bad = 0 ] && [ "$n" -ge 2 ]
dcheck malformed $? "hostile done: $r; $bad of 4 malformed chains without NEEDS_RESET; reads back after them: $n"

# ---- the backend killed: the other child's disk works on, and a new
# backend carries on with the request the child made meanwhile ----
sed 's/"vblk"/"vblk2"/; s/vblk.img/vblk2.img/' $cfg/vblk.cfg > /tmp/vblk2.cfg
dd if=/dev/zero of=/tmp/vblk2.img bs=1M count=4 2>/dev/null
old=$(pids_of hvdev-vblk)
[ -n "$old" ] && kill -9 $old
sleep 1
echo "read" | hvctl console vblk -q --linger 0 > /dev/null 2>&1
hv create /tmp/vblk2.cfg
r=$?
console_has vblk2 'vblk: done' 120
out2=$(con vblk2)
echo "$out2" | grep -q 'vblk: read back ok'
r2=$?
before=$(con vblk | grep -c 'vblk: read back ok')
hvctl backend $cfg/vblk.cfg > /tmp/backend.out 2>&1
r3=$?
i=0
while [ $i -lt 20 ] && [ "$(con vblk | grep -c 'vblk: read back ok')" -le "$before" ]; do
	sleep 0.5
	i=$((i + 1))
done
after=$(con vblk | grep -c 'vblk: read back ok')
[ -n "$old" ] && [ -z "$(pids_of hvdev-vblk | grep -x "$old")" ] && [ $r = 0 ] && [ $r2 = 0 ] &&
	[ $r3 = 0 ] && [ "$after" -gt "$before" ]
dcheck backend-restart $? "killed backend ${old:-none}; vblk2 created: $r, its disk read back: $r2; hvctl backend: $r3 ($(cat /tmp/backend.out)); vblk's reads back: $before -> $after"
hv destroy vblk2

# ---- destroy right after the flush: nothing acknowledged is lost ----
hv destroy vblk
wait_state vblk gone 30
dd if=/dev/zero of=$img bs=1M count=4 2>/dev/null
hv create $cfg/vblk.cfg
r0=$?
console_has vblk 'vblk: wrote 8 sectors, flushed' 120
r=$?
hv destroy vblk
r2=$?
s1=$(sector_hex $img 1) s8=$(sector_hex $img 8)
[ $r0 = 0 ] && [ $r = 0 ] && [ $r2 = 0 ] && [ "$s1" = "1f 20 21 22 23 24 25 26" ] && [ "$s8" = "f8 f9 fa fb fc fd fe ff" ]
dcheck destroy-after-flush $? "create: $r0, flushed seen: $r, destroy: $r2; sectors 1 and 8 after it: $s1 / $s8"
sleep 2
n=$(pids_of hvdev-vblk | grep -c .)
[ "$n" = 0 ]
dcheck backend-ends $? "backend processes of the destroyed child left: $n"
# ---- network: a test guest's ARP request answered by this parent ----
# (the console's guest boots meanwhile)
hv create $cfg/vcons.cfg
rc_vcons=$?
hv create $cfg/vnet.cfg
r=$?
ip addr add 10.99.0.1/24 dev hvbr0 2>/dev/null
ip link set hvbr0 up
console_has vnet 'vnet: done' 120
r2=$?
out=$(con vnet)
echo "$out" | grep 'vnet:' | sed 's/^/HVTEST devices vnet: /'
mac=$(echo "$out" | sed -n 's/.*vnet: virtio-net at .*, mac \([0-9a-f:]*\).*/\1/p' | head -n 1)
# The parent learnt the guest's MAC from its request, on the guest's tap.
neigh=$(ip neigh show 10.99.0.9 2>/dev/null)
[ $r = 0 ] && [ $r2 = 0 ] && echo "$out" | grep -q 'vnet: arp reply from 10.99.0.1 at ' &&
	[ -n "$mac" ] && echo "$neigh" | grep -q "$mac"
dcheck net $? "create: $r, done: $r2, mac ${mac:-none}; the parent's neighbour entry: ${neigh:-none}"
hv destroy vnet

# ---- console: the guest's virtio console through hvctl console --dev hvc ----
console_has vcons 'vcons: done' 120
r=$?
id=$(hvctl info vcons --json | jnum id)
# The line typed once; then the virtio console (whose backend replays
# what it holds) and the serial one are read until the answer is there:
# a busy machine may take its time, a lost answer never comes.
printf 'typed-over-hvc0\n' | hvctl console vcons --dev hvc -q --linger 1 > /dev/null 2>&1
r2=1
for i in $(seq 60); do
	out=$(hvctl console vcons --dev hvc -q --linger 1 < /dev/null 2>&1 | tr -d '\r')
	echo "$out" | grep -qx 'vcons: hello over hvc0' && echo "$out" | grep -qx 'vcons: hvc got typed-over-hvc0' &&
		{ r2=0; break; }
	sleep 1
done
echo "$out" | sed 's/^/HVTEST devices vcons hvc: /'
# The serial console works beside it: the guest says there what it got.
console_has vcons 'vcons: hvc got typed-over-hvc0' 30
r3=$?
hv destroy vcons
wait_state vcons gone 30
sleep 1
[ ! -e "/run/hv/console-$id" ]
r4=$?
[ $rc_vcons = 0 ] && [ $r = 0 ] && [ $r2 = 0 ] && [ $r3 = 0 ] && [ $r4 = 0 ]
dcheck console $? "create: $rc_vcons, done: $r, greeting and answer over hvc: $r2, answer seen on the UART: $r3, socket removed after destroy: $r4"

# ---- network: two Linux children and the parent on hvbr0 (QEMU) ----
if [ "$mode" = linux ] || [ "$mode" = devnet ]; then
	hv create $cfg/net-a.cfg
	ra=$?
	hv create $cfg/net-b.cfg
	rb=$?
	ip addr add 10.99.0.1/24 dev hvbr0 && ip link set hvbr0 up
	console_has net-a 'linux-child: up' 180 && console_has net-b 'linux-child: up' 180
	ru=$?
	con net-a | grep 'linux-child: eth0' | sed 's/^/HVTEST devices net-a: /'
	con net-b | grep 'linux-child: eth0' | sed 's/^/HVTEST devices net-b: /'
	pa=$(ping -c 3 -W 10 10.99.0.2 2>&1 | grep -o '[0-9]* packets received')
	pb=$(ping -c 3 -W 10 10.99.0.3 2>&1 | grep -o '[0-9]* packets received')
	echo "run ping -c 3 -W 10 10.99.0.1 | grep -o 'received.*' | sed 's/^/to-parent /'" |
		hvctl console net-a -q --linger 0 > /dev/null 2>&1
	echo "run ping -c 3 -W 10 10.99.0.3 | grep -o '[0-9]* packets received' | sed 's/^/to-b /'" |
		hvctl console net-a -q --linger 0 > /dev/null 2>&1
	console_has net-a 'run: to-parent' 90
	console_has net-a 'run: to-b' 90
	ca=$(con net-a | grep -o 'to-parent.*' | tail -n 1)
	cb=$(con net-a | grep -o 'to-b .*' | tail -n 1)
	echo "HVTEST devices net: parent->a: $pa, parent->b: $pb; a->parent: $ca; a->b: $cb"
	[ $ra = 0 ] && [ $rb = 0 ] && [ $ru = 0 ] && [ "$pa" = "3 packets received" ] &&
		[ "$pb" = "3 packets received" ] && echo "$ca" | grep -q ' 0% packet loss' &&
		[ "$cb" = "to-b 3 packets received" ]
	check devices-linux-ping $? "create: $ra/$rb, up: $ru; parent->a: $pa, parent->b: $pb; a->parent: $ca; a->b: $cb"
	# TCP from a to b: 1 MiB of random bytes, the same on both ends.
	# busybox nc quits when its standard input ends, and the receiver
	# then closes early: its input is a FIFO it holds open, empty forever.
	echo 'run mkfifo /tmp/idle; nc -l -p 5000 > /tmp/got 0<> /tmp/idle; echo "rx-md5 $(md5sum < /tmp/got) $(wc -c < /tmp/got) bytes"' |
		hvctl console net-b -q --linger 0 > /dev/null 2>&1
	sleep 2
	echo 'run dd if=/dev/urandom of=/tmp/data bs=1024 count=1024 2>/dev/null; echo "tx-md5 $(md5sum < /tmp/data)"; nc 10.99.0.3 5000 < /tmp/data' |
		hvctl console net-a -q --linger 0 > /dev/null 2>&1
	# (the consoles echo the command lines: match what ran, not them)
	console_has net-b 'run: rx-md5 [0-9a-f]' 120
	tx=$(con net-a | grep -o 'run: tx-md5 [0-9a-f]*' | tail -n 1 | cut -d' ' -f3)
	rx=$(con net-b | grep -o 'run: rx-md5 [0-9a-f]*' | tail -n 1 | cut -d' ' -f3)
	[ -n "$tx" ] && [ "$tx" = "$rx" ]
	r=$?
	if [ $r != 0 ]; then
		for t in /sys/class/net/hvtap*; do
			echo "HVTEST devices net: ${t##*/}: rx $(cat $t/statistics/rx_packets) (dropped $(cat $t/statistics/rx_dropped)), tx $(cat $t/statistics/tx_packets) (dropped $(cat $t/statistics/tx_dropped))"
		done
		for c in net-a net-b; do
			echo 'run echo "tcp $(grep Tcp: /proc/net/snmp | tail -n 1) eth0 rx_dropped $(cat /sys/class/net/eth0/statistics/rx_dropped)"' |
				hvctl console $c -q --linger 2 2>/dev/null | tr -d '\r' | grep 'run:' | sed "s/^/HVTEST devices net $c: /"
		done
	fi
	[ $r = 0 ]
	check devices-linux-tcp $? "1 MiB from a to b: sent md5 ${tx:-none}, received ${rx:-none} ($(con net-b | grep -o 'rx-md5 .*' | tail -n 1))"
	hv destroy net-a
	hv destroy net-b
fi
echo "HVTEST devices phase done"
