#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot tests: the hypervisor through every boot path, checked from its
# serial log: it must report the right path, bring every CPU online and
# understand the memory map (usable memory close to what the machine has).

MEM_MB=512

# check_boot NAME EXPECT_PATH CPUS MEM_MB: sets REASON ("" = pass).
check_boot() {
	local name=$1 path=$2 cpus=$3 mem=$4 usable
	REASON=""
	if ! log_has "$name" "test result: PASS"; then
		REASON="no PASS in the log (see $OUT/$name.log)"
		return
	fi
	if ! log_has "$name" "boot summary: path $path;"; then
		REASON="boot path is not '$path'"
		return
	fi
	if ! log_has "$name" "CPUs online $cpus of $cpus;"; then
		REASON="not all $cpus CPUs online"
		return
	fi
	usable=$(log_value "$name" "memory ([0-9]+) MiB usable")
	# Firmware keeps a little for itself; more missing means a misread map.
	if [ -z "$usable" ] || [ "$usable" -gt "$mem" ] || [ "$usable" -lt $((mem - 32)) ]; then
		REASON="usable memory '$usable' MiB does not fit a ${mem} MiB machine"
	fi
}

# spcr_aml OUT SPACE ADDRESS: an SPCR table (tests/acpi/spcr.asl.in)
# naming a UART in SPACE (01 I/O, 00 memory) at ADDRESS (16 hex digits).
spcr_aml() {
	sed "s/@SPACE@/$2/; s/@ADDRESS@/$3/" tests/acpi/spcr.asl.in > "$1.asl" &&
		iasl -p "$1" "$1.asl" > "$1.iasl.txt" 2>&1
}

# console=auto (the default): the firmware's SPCR names COM2, where the
# machine's only serial line is (COM1 goes nowhere): the hypervisor moves
# its console there once it has read ACPI, says so, and the rest of the
# boot (summary, verdict) arrives on COM2. An SPCR naming a memory-mapped
# UART is refused with the reason, and the console stays on COM1.
spcr_tests() {
	local hv_elf=$1
	scripts/mkiso.sh "$OUT/boot-auto.iso" "$hv_elf" "test=1" &&
		spcr_aml "$OUT/spcr-com2" 01 00000000000002F8 &&
		spcr_aml "$OUT/spcr-mmio" 00 00000000FE030000 ||
		{ fail boot/amd-v-console-spcr "image or SPCR table not built"; return; }
	QEMU_CONSOLE_COM=2 qemu_run boot-spcr 60 -smp 2 -m $MEM_MB -cdrom "$OUT/boot-auto.iso" \
		-acpitable file="$OUT/spcr-com2.aml"
	REASON=""
	log_has boot-spcr "console: the UART the ACPI SPCR names, at 0x2f8, 115200 baud \(earlier lines went to 0x3f8\)" ||
		REASON="no line saying the console moved to the SPCR's COM2 (see $OUT/boot-spcr.log)"
	log_has boot-spcr "hypervisor starting" && REASON=${REASON:-"lines before ACPI reached COM2"}
	log_has boot-spcr "boot summary: path GRUB multiboot2 \(BIOS\);" || REASON=${REASON:-"no boot summary on COM2"}
	log_has boot-spcr "test result: PASS" || REASON=${REASON:-"no PASS on COM2"}
	result boot/amd-v-console-spcr "$REASON"

	qemu_run boot-spcr-mmio 60 -smp 2 -m $MEM_MB -cdrom "$OUT/boot-auto.iso" \
		-acpitable file="$OUT/spcr-mmio.aml"
	REASON=""
	log_has boot-spcr-mmio "WARN: console: the ACPI SPCR's console cannot be used: its UART is memory-mapped \(the console drives I/O-port UARTs\); staying on 0x3f8" ||
		REASON="no warning that the SPCR's memory-mapped UART is refused (see $OUT/boot-spcr-mmio.log)"
	log_has boot-spcr-mmio "test result: PASS" || REASON=${REASON:-"no PASS on COM1"}
	result boot/amd-v-console-spcr-mmio "$REASON"
}

boot_tests() {
	local hv_elf=build/hv.elf hv_efi=build/hv.efi cmd="console=com1 test=1"

	scripts/mkiso.sh "$OUT/boot.iso" "$hv_elf" "$cmd" || { fail boot/images "mkiso failed"; return; }
	# hv.efi reads partitions from hv.cfg just as GRUB passes modules.
	scripts/mkesp.sh "$OUT/esp.img" "$hv_efi" "$cmd" build/guests/real.bin "child name=real mode=real" \
		build/guests/suite64.elf "child name=suite64" || { fail boot/images "mkesp failed"; return; }
	scripts/mkusb.sh "$OUT/usb.img" "$hv_elf" "$hv_efi" "$cmd" 0 >/dev/null ||
		{ fail boot/images "mkusb failed"; return; }
	HV_USB_DEFAULT=1 scripts/mkusb.sh "$OUT/usb-efi.img" "$hv_elf" "$hv_efi" "$cmd" 0 >/dev/null ||
		{ fail boot/images "mkusb failed"; return; }

	qemu_run boot-grub-bios 60 -smp 4 -m $MEM_MB -cdrom "$OUT/boot.iso"
	check_boot boot-grub-bios "GRUB multiboot2 \(BIOS\)" 4 $MEM_MB
	[ "$RC" = 1 ] || REASON=${REASON:-"QEMU exit code $RC, expected 1"}
	result boot/grub-seabios "$REASON"

	qemu_run boot-grub-ovmf 120 -smp 4 -m $MEM_MB -bios "$OVMF" -cdrom "$OUT/boot.iso"
	check_boot boot-grub-ovmf "GRUB multiboot2 \(UEFI\)" 4 $MEM_MB
	result boot/grub-ovmf "$REASON"

	qemu_run boot-efi-direct 120 -smp 4 -m $MEM_MB -bios "$OVMF" \
		-drive file="$OUT/esp.img",format=raw,if=ide
	check_boot boot-efi-direct "UEFI application hv.efi" 4 $MEM_MB
	log_has boot-efi-direct "partition 'suite64' stopped: the guest reported success" ||
		REASON=${REASON:-"the partitions in hv.cfg did not run"}
	log_has boot-efi-direct "test: 2 of 2 partitions ended as expected" ||
		REASON=${REASON:-"the partitions in hv.cfg did not all pass"}
	result boot/hv-efi-ovmf "$REASON"

	local usb=(-device qemu-xhci -drive if=none,id=stick,format=raw,file="$OUT/usb.img"
		-device usb-storage,drive=stick,bootindex=0)
	qemu_run boot-usb-bios 60 -smp 4 -m $MEM_MB "${usb[@]}"
	check_boot boot-usb-bios "GRUB multiboot2 \(BIOS\)" 4 $MEM_MB
	result boot/usb-seabios "$REASON"

	qemu_run boot-usb-ovmf 120 -smp 4 -m $MEM_MB -bios "$OVMF" "${usb[@]}"
	check_boot boot-usb-ovmf "GRUB multiboot2 \(UEFI\)" 4 $MEM_MB
	result boot/usb-ovmf "$REASON"

	usb[3]="if=none,id=stick,format=raw,file=$OUT/usb-efi.img"
	qemu_run boot-usb-hvefi 120 -smp 4 -m $MEM_MB -bios "$OVMF" "${usb[@]}"
	check_boot boot-usb-hvefi "UEFI application hv.efi" 4 $MEM_MB
	result boot/usb-hv-efi-ovmf "$REASON"

	# Command-line handling: unknown keys are reported, smp= caps CPUs.
	scripts/mkiso.sh "$OUT/boot-opts.iso" "$hv_elf" "$cmd smp=2 frobnicate=1 loglevel=loud" ||
		{ fail boot/options "mkiso failed"; return; }
	qemu_run boot-opts 60 -smp 4 -m $MEM_MB -cdrom "$OUT/boot-opts.iso"
	REASON=""
	log_has boot-opts "test result: PASS" || REASON="no PASS"
	log_has boot-opts "CPUs online 2 of 4;" || REASON=${REASON:-"smp=2 not honoured"}
	log_has boot-opts "frobnicate=1: unknown option" || REASON=${REASON:-"unknown option not reported"}
	log_has boot-opts "loglevel=loud: expected" || REASON=${REASON:-"bad loglevel not reported"}
	result boot/options "$REASON"

	# A fault inside the hypervisor is reported with registers and a
	# backtrace, and a test run ends as a failure (exit code 3).
	scripts/mkiso.sh "$OUT/boot-fault.iso" "$hv_elf" "$cmd selftest=fault" ||
		{ fail boot/fault-report "mkiso failed"; return; }
	qemu_run boot-fault 60 -smp 2 -m $MEM_MB -cdrom "$OUT/boot-fault.iso"
	REASON=""
	log_has boot-fault "hypervisor fault on cpu0: #PF page fault" || REASON="no fault report"
	log_has boot-fault "CR2 0*dead000" || REASON=${REASON:-"CR2 missing"}
	log_has boot-fault "^backtrace" || REASON=${REASON:-"no backtrace"}
	log_has boot-fault "test result: FAIL" || REASON=${REASON:-"run not failed"}
	[ "$RC" = 3 ] || REASON=${REASON:-"QEMU exit code $RC, expected 3"}
	result boot/fault-report "$REASON"

	spcr_tests "$hv_elf"

	# VT-x machine under Bochs: BIOS, GRUB, 2 CPUs.
	bochs_run boot-bochs 240 "$OUT/boot.iso" 2 corei7_skylake_x 256
	check_boot boot-bochs "GRUB multiboot2 \(BIOS\)" 2 256
	result boot/bochs-skylake "$REASON"
}
