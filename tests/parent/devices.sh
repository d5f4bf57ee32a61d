# SPDX-License-Identifier: GPL-2.0-only
# The device test, sourced by the parent's test script after the
# management phase: children with virtio devices served by backends in
# this parent over the channel. Prints "HVTEST ok devices-NAME: ..." or
# "HVTEST FAILED devices-NAME: ..." per check; the runner
# (tests/manage_tests.sh) turns them into devices/<backend>-NAME and
# checks the hypervisor's log beside them.

dcheck() { check "devices-$1" "$2" "$3"; }
con() { hvctl console "$1" -q --linger 0 < /dev/null 2>/dev/null; }
# sector_hex IMG N: the first 8 bytes of sector N, in hex.
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
n=$(ps | grep -c '[h]vdev-vblk')
[ "$n" = 0 ]
dcheck backend-ends $? "backend processes of the destroyed child left: $n"
echo "HVTEST devices phase done"
