# SPDX-License-Identifier: GPL-2.0-only
# The install tests (install/...): the Debian package (make deb) checked
# by lintian and installed into a Debian 12 system (tests/install/
# mkimage.sh: debootstrap, dpkg -i with DKMS and update-grub, removed and
# installed again), which then boots in QEMU with SeaBIOS and with OVMF
# through the package's GRUB entry: the hypervisor with that Debian as
# its parent, systemd up, hv.service and its autostarted child, hvctl,
# the network, and 'systemctl poweroff' (or reboot) ending it all. Sourced by
# tests/run_all.sh; the Debian tree is kept in $HV_CACHE between runs.

# check_install_run NAME BIOS|UEFI poweroff|reboot: sets REASON.
check_install_run() {
	local name=$1 path=$2 how=$3 c v demo off what outcome
	REASON=""
	if ! log_has "$name" "hv: boot summary: path GRUB multiboot2 \\($path\\);"; then
		REASON="no boot summary of the hypervisor started by GRUB ($path) from the package's entry (see $OUT/$name.log)"
		return
	fi
	for c in multi-user service hvctl-list autostart network; do
		if ! log_parent "$name" "hv-install-check\\[[0-9]+\\]: HVTEST ok install-$c:"; then
			v=$(parent_stream "$name" | sed -nE "s/.*hv-install-check\\[[0-9]+\\]: HVTEST FAILED install-$c: (.*)/\\1/p" | head -n 1)
			REASON="$c: ${v:-no verdict from the parent} (see $OUT/$name.log)"
			return
		fi
	done
	demo=$(grep -anE "^${HV_MARK}${HV_TS}partition 'demo' stopped: powered off through ACPI \\[poweroff\\]" "$OUT/$name.log" | cut -d: -f1 | head -n 1)
	what="powered the machine off" outcome=poweroff
	[ "$how" = reboot ] && what="reset the machine" outcome=reset
	off=$(grep -anE "^${HV_MARK}${HV_TS}parent: $what" "$OUT/$name.log" | cut -d: -f1 | head -n 1)
	if [ -z "$off" ]; then
		REASON="the parent's 'systemctl $how' did not end in '$what' (see $OUT/$name.log)"
	elif ! log_has "$name" "partition 'parent' stopped: $what \\[$outcome\\]"; then
		REASON="the parent did not stop as '$what' (see $OUT/$name.log)"
	elif [ -z "$demo" ] || [ "$demo" -gt "$off" ]; then
		REASON="the autostarted child did not power off (ACPI) before the machine did: hv.service's stop (see $OUT/$name.log)"
	elif ! log_has "$name" "test result: PASS"; then
		REASON="hypervisor verdict is not PASS (see $OUT/$name.log)"
	else
		echo "  install: $(parent_stream "$name" | sed -nE 's/.*HVTEST ok install-autostart: (.*)/\1/p' | head -n 1)"
	fi
}

install_tests() {
	local deb img v r entry reason=""
	if ! make -s deb build/demo.cpio.gz > "$OUT/deb.txt" 2>&1; then
		fail install/deb-build "make deb failed: $(tail -n 3 "$OUT/deb.txt" | tr '\n' ' ')"
		return
	fi
	deb=$(ls build/deb/hv_*_amd64.deb | head -n 1)
	# lintian: no errors (the overrides it honours are in the package,
	# each with its reason: packaging/deb/lintian-overrides).
	v=""
	if ! command -v lintian > /dev/null; then
		v="lintian is not installed (scripts/deps.sh installs it)"
	else
		lintian --tag-display-limit 0 "$deb" > "$OUT/lintian.txt" 2>&1
		r=$?
		v=$(grep -E '^E: ' "$OUT/lintian.txt" | tr '\n' ' ')
		if [ -n "$v" ]; then
			v="lintian errors: $v"
		elif [ $r != 0 ]; then
			v="lintian failed: $(tail -n 2 "$OUT/lintian.txt" | tr '\n' ' ')"
		fi
	fi
	result install/deb-lintian "$v"
	v=""
	for f in ./boot/hv.elf ./boot/hv.efi ./boot/hv-guard.bin ./etc/grub.d/20_linux_hv ./etc/default/hv \
		./etc/hv/example.cfg ./etc/hv/auto/ ./usr/sbin/hvctl ./usr/share/man/man8/hvctl.8.gz \
		./usr/src/hv-[0-9.]*/dkms.conf ./usr/src/hv-[0-9.]*/hv_drv.c \
		./usr/src/hv-[0-9.]*/include/hv_abi.h ./lib/systemd/system/hv.service \
		./usr/libexec/hv/hv-autostart ./usr/share/doc/hv/copyright; do
		dpkg-deb -c "$deb" | awk '{print $NF}' | grep -qx -- "$f" || v="$v $f"
	done
	dpkg-deb -f "$deb" Depends | grep -q dkms || v="$v (Depends: dkms)"
	result install/deb-contents "${v:+missing from the package:$v}"

	img=$OUT/install.img
	if ! tests/install/mkimage.sh "$deb" "$img" build/cache/vmlinuz build/demo.cpio.gz > "$OUT/install-image.txt" 2>&1; then
		fail install/debian-image "$(tail -n 2 "$OUT/install-image.txt" | tr '\n' ' ')"
		return
	fi
	pass install/debian-image
	# The entries update-grub made with the package (and the operator's
	# /etc/default/hv: test=1, expect=any), none once it was removed.
	entry=$(awk '/^### BEGIN \/etc\/grub.d\/20_linux_hv/,/^### END/' "$img.grub-installed.cfg")
	if ! echo "$entry" | grep -q "with the hv hypervisor and Linux .*\$menuentry_id_option 'hv' {"; then
		reason="no menu entry with the id hv"
	elif ! echo "$entry" | grep -Pq '^\tmultiboot2\t/boot/hv.elf test=1$'; then
		reason="no 'multiboot2 /boot/hv.elf test=1' (GRUB_CMDLINE_HV)"
	elif ! echo "$entry" | grep -Pzq '\tmultiboot2\t[^\n]*\n\tmodule2\t/boot/hv-guard.bin guard\n'; then
		reason="no guard module right after the hypervisor (scripts/mkguard.sh)"
	elif ! echo "$entry" | grep -Pq '^\tmodule2\t/boot/vmlinuz-\S+ parent expect=any -- root=/dev/vda2 ro console=ttyS0,115200 *$'; then
		reason="no parent kernel module line with GRUB_HV_PARENT_ARGS and GRUB_CMDLINE_LINUX"
	elif ! echo "$entry" | grep -Pq '^\tmodule2\t--nounzip /boot/initrd.img-\S+ initrd name=parent$'; then
		reason="no initramfs module line"
	fi
	result install/grub-entry "${reason:+$reason (see $img.grub-installed.cfg)}"
	reason=""
	if grep -q "multiboot2\|hv hypervisor" "$img.grub-removed.cfg"; then
		reason="hypervisor entries left after 'dpkg -r hv'"
	elif ! grep -q "menuentry 'GNU/Linux, with Linux" "$img.grub-removed.cfg"; then
		reason="the system's own entries are gone too"
	fi
	result install/grub-entry-removed "${reason:+$reason (see $img.grub-removed.cfg)}"

	local disk=(-m 2048 -smp 2 -snapshot -drive "file=$img,format=raw,if=virtio"
		-netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile=)
	# SeaBIOS: the parent powers the machine off; OVMF: it reboots it
	# (-no-reboot ends QEMU at the reset the hypervisor then makes).
	qemu_run install-seabios 600 "${disk[@]}"
	check_install_run install-seabios BIOS poweroff
	result install/amd-v-seabios-debian-parent "$REASON"
	qemu_run install-ovmf 600 -bios "$OVMF" -fw_cfg name=opt/hvtest/end,string=reboot "${disk[@]}"
	check_install_run install-ovmf UEFI reboot
	result install/amd-v-ovmf-debian-parent "$REASON"
}
