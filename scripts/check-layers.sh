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
	local dir=$1 allowed=$2 f line inc
	while IFS= read -r f; do
		while IFS= read -r line; do
			inc=$(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]+"([^"]+)".*/\1/p' <<< "$line")
			[ -n "$inc" ] || continue
			if ! grep -qE "^($allowed)$" <<< "$inc"; then
				echo "$f: includes $inc"
				bad=1
			fi
		done < "$f"
	done < <(find "$dir" -name '*.[chS]' | sort)
}

check vmm/base 'vmm/base/[a-z0-9_]+\.h|drivers/[a-z0-9_]+\.h|ept/[a-z0-9_]+\.h|boot/boot_info\.h'
check vmm/insn 'vmm/insn/[a-z0-9_]+\.h|vmm/base/[a-z0-9_]+\.h'
check drivers 'drivers/[a-z0-9_]+\.h|vmm/base/[a-z0-9_]+\.h'
check ept 'ept/[a-z0-9_]+\.h|vmm/base/[a-z0-9_]+\.h'
check vmm '(vmm|drivers|ept|boot)/[a-z0-9_/]+\.h|partitions/hv_abi\.h'
check svm '(vmm|drivers|ept|svm)/[a-z0-9_/]+\.h|partitions/hv_abi\.h'
check vmx '(vmm|drivers|ept|vmx)/[a-z0-9_/]+\.h|partitions/hv_abi\.h'
exit $bad
