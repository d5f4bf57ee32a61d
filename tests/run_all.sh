#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs every test: host unit tests, then the emulator suites. Ends with
# "N passed, N failed" and a non-zero exit status on any failure.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
. tests/boot_tests.sh
. tests/guest_tests.sh
. tests/linux_tests.sh
. tests/parent_tests.sh
. tests/manage_tests.sh
. tests/stress_tests.sh
. tests/fuzz_tests.sh
. tests/install_tests.sh

unit_tests() {
	local log="$OUT/unit.txt"
	if ! make -s unit > "$log" 2>&1; then
		grep -q '^FAIL ' "$log" || { cat "$log"; fail unit/build "unit tests did not build or crashed"; }
	fi
	while read -r status name rest; do
		case $status in
		PASS) pass "$name" ;;
		FAIL) fail "${name%:}" "$rest" ;;
		esac
	done < <(grep -E '^(PASS|FAIL) ' "$log")
}

# The layers of docs/ARCHITECTURE.md: no include crosses one the wrong way.
structure_tests() {
	local out
	out=$(scripts/check-layers.sh 2>&1)
	result structure/include-rule "${out//$'\n'/; }"
}

only=${1:-all}
case $only in all|unit) structure_tests; unit_tests; fuzz_tests ;; esac
# The whole suite runs the longest test, the parent under Bochs (one
# emulator thread, most of a quarter of an hour), beside all the others:
# on two cores that halves the wall time. Its results come at the end.
beside=""
if [ "$only" = all ] && parent_prepare; then
	beside=$OUT/parent-vmx.results
	(PORT_BASE=40000; parent_vmx_tests) > "$beside" 2>&1 &
fi
case $only in all|boot) boot_tests ;; esac
case $only in all|guests) guest_tests; liveness_tests ;; esac
case $only in all|linux) linux_tests ;; esac
# (The passthrough run behind AMD-Vi follows the VT-d one in this line:
# a third emulator beside the two would only slow both down.)
case $only in parent) parent_tests ;; all) [ -n "$beside" ] && { parent_svm_tests; parent_amdvi_tests; } ;; esac
case $only in all|stress) stress_tests ;; esac
case $only in all|install) install_tests ;; esac
if [ -n "$beside" ]; then
	wait
	echo "(the parent under Bochs, run beside the others:)"
	tally "$beside"
fi
summary
