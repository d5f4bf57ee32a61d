#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The include rule of docs/ARCHITECTURE.md, checked: prints each include
# that crosses a layer the wrong way and exits non-zero if there is one.
#   vmm/            nothing from partitions/ but the public ABI header
#   vmm/base/       only itself, drivers/, ept/ and boot/boot_info.h
#   vmm/insn/       only itself and vmm/base/ (the decoder stands alone)
#   drivers/, ept/  only themselves and vmm/base/
#   svm/, vmx/      never each other
set -u
cd "$(dirname "$0")/.."

bad=0
# check DIR ALLOWED_REGEX: every quoted include of a file under DIR must
# match ALLOWED_REGEX.
check() {
	local out
	out=$(find "$1" -name '*.[chS]' -print0 | sort -z |
		xargs -0 grep -HE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"' |
		sed -E 's/^([^:]+):[[:space:]]*#[[:space:]]*include[[:space:]]+"([^"]+)".*/\1 \2/' |
		awk -v ok="^($2)\$" '$2 !~ ok { print $1 ": includes " $2 }')
	if [ -n "$out" ]; then
		echo "$out"
		bad=1
	fi
}

check vmm/base 'vmm/base/[a-z0-9_]+\.h|drivers/[a-z0-9_]+\.h|ept/[a-z0-9_]+\.h|boot/boot_info\.h'
check vmm/insn 'vmm/insn/[a-z0-9_]+\.h|vmm/base/[a-z0-9_]+\.h'
check drivers 'drivers/[a-z0-9_]+\.h|vmm/base/[a-z0-9_]+\.h'
check ept 'ept/[a-z0-9_]+\.h|vmm/base/[a-z0-9_]+\.h'
check vmm '(vmm|drivers|ept|boot)/[a-z0-9_/]+\.h|partitions/hv_abi\.h'
check svm '(vmm|drivers|ept|svm)/[a-z0-9_/]+\.h|partitions/hv_abi\.h'
check vmx '(vmm|drivers|ept|vmx)/[a-z0-9_/]+\.h|partitions/hv_abi\.h'
exit $bad
