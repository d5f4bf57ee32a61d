#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# hv.service's helper (packaging/deb/hv-autostart) on the host, against a
# fake hvctl that keeps its partitions in files: start creates every
# /etc/hv/auto child and reports the ones that fail while the others
# start; stop asks every child to shut down at once, with the timeout of
# /etc/default/hv (bad values bounded), and destroys those still there;
# check says no on a machine that is not hv's parent. Part of `make
# unit`: prints "PASS unit/hv_autostart/NAME" or "FAIL ...: why".
set -u
script=$(cd "$(dirname "$0")/../.." && pwd)/packaging/deb/hv-autostart
T=$(mktemp -d /tmp/hv-autostart.XXXXXX)
trap 'rm -rf "$T"' EXIT
failed=0
pass() { echo "PASS unit/hv_autostart/$1"; }
fail() { echo "FAIL unit/hv_autostart/$1: $2"; failed=1; }
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "'$2', not '$3'"; fi; }

mkdir -p "$T/bin" "$T/auto" "$T/state"
touch "$T/dev-hv"
# The fake: a partition is a file in state/; a child named stubborn* does
# not power off when asked. Each call is logged; a shutdown waits (up to
# 10 s) until every child has been asked, which only happens when the
# helper asks them all before waiting for any.
cat > "$T/bin/hvctl" <<'FAKE'
#!/bin/bash
S=$FAKE_STATE
echo "$*" >> "$S/../calls"
case $1 in
list)
	printf '[\n  {\n    "id": 1,\n    "name": "parent",\n    "state": "running",\n    "parent": true\n  }'
	for f in "$S"/*; do
		[ -e "$f" ] || continue
		printf ',\n  {\n    "id": 2,\n    "name": "%s",\n    "state": "running",\n    "parent": false,\n    "pci": []\n  }' "${f##*/}"
	done
	printf '\n]\n' ;;
create)
	grep -q broken "$2" && { echo "hvctl: $2:1: name: bad" >&2; exit 1; }
	n=$(sed -n 's/^name = "\(.*\)"/\1/p' "$2")
	touch "$S/$n"; echo "$n: created" ;;
shutdown)
	echo "$2" >> "$S/../asked"
	for i in $(seq 100); do
		[ "$(wc -l < "$S/../asked")" -ge "$(cat "$S/../children")" ] && break
		sleep 0.1
	done
	[ "$(wc -l < "$S/../asked")" -ge "$(cat "$S/../children")" ] || echo "$2 alone" >> "$S/../alone"
	case $2 in stubborn*) exit 1 ;; esac
	rm -f "$S/$2" ;;
destroy)
	rm -f "$S/$2" ;;
esac
FAKE
printf '#!/bin/sh\nexit 1\n' > "$T/bin/modprobe"
chmod +x "$T/bin/hvctl" "$T/bin/modprobe"
for n in alpha beta stubborn1; do printf 'name = "%s"\n' $n > "$T/auto/$n.cfg"; done
printf 'name = "broken"\nbroken\n' > "$T/auto/0broken.cfg"
printf 'not a definition' > "$T/auto/notes.txt"
run() {
	PATH="$T/bin:$PATH" FAKE_STATE="$T/state" HV_AUTO_DIR="$T/auto" HV_DEFAULTS="$T/defaults" \
		HVCTL_DEVICE="$T/dev-hv" "$script" "$@"
}

echo 'HV_SHUTDOWN_TIMEOUT=7' > "$T/defaults"
out=$(run start 2>&1); rc=$?
expect start_status $rc 1
expect start_children "$(ls "$T/state" | tr '\n' ' ')" "alpha beta stubborn1 "
expect start_reports_failure "$(echo "$out" | grep -c "could not start the child defined in $T/auto/0broken.cfg")" 1
expect start_only_cfg "$(grep -c notes "$T/calls")" 0

echo 3 > "$T/children"
: > "$T/calls"
out=$(run stop 2>&1); rc=$?
expect stop_status $rc 0
expect stop_all_asked_at_once "$(cat "$T/alone" 2>/dev/null)" ""
expect stop_timeout "$(grep -c -- '^shutdown [a-z0-9]* --timeout 7$' "$T/calls")" 3
expect stop_destroys_stubborn "$(grep '^destroy' "$T/calls" | tr '\n' ' ')" "destroy stubborn1 "
expect stop_none_left "$(ls "$T/state" | wc -l)" 0
expect stop_says_so "$(echo "$out" | grep -c "'stubborn1' did not power off in time: destroying it")" 1

# Bad timeouts are bounded: not a number -> 60, above 600 -> 600.
for t in 'abc:60' '99999:600'; do
	echo "HV_SHUTDOWN_TIMEOUT=${t%%:*}" > "$T/defaults"
	touch "$T/state/alpha"; echo 1 > "$T/children"; : > "$T/asked"; : > "$T/calls"
	run stop > /dev/null 2>&1
	expect "stop_timeout_${t%%:*}" "$(grep -c -- "^shutdown alpha --timeout ${t#*:}\$" "$T/calls")" 1
done

# No /dev/hv (the driver not loaded): stop has nothing to do; start
# cannot load it and says why.
rm "$T/dev-hv"
: > "$T/calls"
run stop > /dev/null 2>&1
expect stop_without_driver "$?:$(wc -l < "$T/calls")" "0:0"
out=$(run start 2>&1)
expect start_without_driver "$?:$(echo "$out" | grep -c 'the /dev/hv driver did not load')" "1:1"

# This machine is not hv's parent (the suite does not run in one).
run check > /dev/null 2>&1
expect check_elsewhere $? 1
run bogus > /dev/null 2>&1
expect usage $? 2
exit $failed
