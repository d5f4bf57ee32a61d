# SPDX-License-Identifier: GPL-2.0-only
# Flat, non-recursive build. `make` builds build/hv.elf and build/hv.efi;
# `make usb` the BIOS+UEFI disk image; `make test` runs every test.

BUILD   ?= build
CC      ?= gcc
LD      ?= ld
OBJCOPY ?= objcopy

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wundef -Wvla -Wformat=2 -Wimplicit-fallthrough \
	-Wmissing-declarations -Wredundant-decls -Wnested-externs -Wcast-align

# The core: freestanding, kernel code model (linked at -2 GiB), no SSE so
# guest FPU state is never touched behind a guest's back, frame pointers
# for panic backtraces, indirect calls through retpolines (a guest cannot
# train where the hypervisor's indirect branches go: vmm/spec.h).
HV_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdlib -fno-stack-protector \
	-fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-common \
	-fcf-protection=none -fno-strict-aliasing -I. -MMD -MP \
	-mindirect-branch=thunk -mindirect-branch-register
HV_ASFLAGS := -D__ASSEMBLER__ -I. -MMD -MP
HV_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack \
	--no-warn-rwx-segments -T linker.ld

HV_SRCS := $(wildcard boot/*.c boot/*.S vmm/*.c vmm/base/*.c vmm/base/*.S vmm/dev/*.c \
	vmm/insn/*.c drivers/*.c ept/*.c \
	svm/*.c svm/*.S vmx/*.c vmx/*.S partitions/*.c)
HV_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(HV_SRCS))

.PHONY: all clean test unit run usb iso bench deb
all: $(BUILD)/hv.elf $(BUILD)/hv.efi

$(BUILD)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(HV_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(HV_ASFLAGS) -c $< -o $@

$(BUILD)/hv.elf: $(HV_OBJS) linker.ld
	@echo "  LD  $@"; $(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS)

$(BUILD)/hv.bin: $(BUILD)/hv.elf
	$(OBJCOPY) -O binary $< $@

# The USB image: GRUB for BIOS and UEFI plus hv.efi on its EFI partition.
HV_CMDLINE ?= console=com1 loglevel=info
usb: $(BUILD)/hv-usb.img
# The parent partition the image boots: the stock Debian kernel (fetched
# once from Debian's archive) and an initramfs with the drivers of common
# disks and NICs, and tun and bridge for children's NICs
# (partitions/parent/init).
PARENT_MODULES := virtio_blk virtio_pci virtio_net e1000 e1000e ahci ata_piix sd_mod tun bridge
PARENT_CMDLINE ?= console=ttyS0
$(BUILD)/cache/vmlinuz:
	scripts/fetch-kernel.sh
# It carries hvctl, the sample definitions (/etc/hv) and what demo.cfg
# boots: the same kernel and a small initramfs (partitions/parent/demo-init).
PARENT_FILES = partitions/parent/hv/demo.cfg=/etc/hv/demo.cfg \
	partitions/parent/hv/demo-smp.cfg=/etc/hv/demo-smp.cfg \
	$(BUILD)/cache/vmlinuz=/boot/vmlinuz $(BUILD)/demo.cpio.gz=/boot/demo.cpio.gz
$(BUILD)/demo.cpio.gz: partitions/parent/demo-init scripts/mkinitramfs.sh $(BUILD)/cache/vmlinuz
	scripts/mkinitramfs.sh $@ partitions/parent/demo-init button evdev pvpanic-mmio \
		virtio_pci virtio_blk virtio_net virtio_rng virtio_console
$(BUILD)/parent.cpio.gz: partitions/parent/init scripts/mkinitramfs.sh $(BUILD)/cache/vmlinuz \
		$(BUILD)/demo.cpio.gz $(BUILD)/parent-tools/hvctl partitions/parent/hv/demo.cfg \
		partitions/parent/hv/demo-smp.cfg
	INITRAMFS_BINS=$(BUILD)/parent-tools/hvctl INITRAMFS_FILES="$(PARENT_FILES)" \
		scripts/mkinitramfs.sh $@ partitions/parent/init $(PARENT_MODULES)
$(BUILD)/hv-usb.img: $(BUILD)/hv.elf $(BUILD)/hv.efi scripts/mkusb.sh $(BUILD)/parent.cpio.gz
	scripts/mkusb.sh $@ $(BUILD)/hv.elf $(BUILD)/hv.efi "$(HV_CMDLINE)" 3 \
		$(BUILD)/cache/vmlinuz "parent -- $(PARENT_CMDLINE)" \
		$(BUILD)/parent.cpio.gz "initrd name=parent"

# The Debian package (packaging/deb/, scripts/mkdeb.sh): install it on a
# Debian 12 server to boot that Debian as the parent (README, "Install on
# Debian").
DEB_FILES := $(wildcard packaging/deb/*) scripts/mkdeb.sh scripts/mkman.sh \
	$(wildcard partitions/parent/hvdrv/*.[ch]) partitions/parent/include/hv_ioctl.h partitions/hv_abi.h
deb: $(BUILD)/deb/.built
$(BUILD)/deb/.built: $(BUILD)/hv.elf $(BUILD)/hv.efi $(BUILD)/parent-tools/hvctl $(DEB_FILES)
	@mkdir -p $(dir $@)
	@echo "  DEB $$(scripts/mkdeb.sh $(BUILD)/deb $(BUILD)/hv.elf $(BUILD)/hv.efi $(BUILD)/parent-tools/hvctl)"
	@touch $@

run:
	scripts/run.sh

test:
	scripts/test.sh

bench:
	scripts/bench.sh

include boot/efi/efi.mk
include partitions/acpi.mk
include tests/tests.mk
include tests/fuzz/fuzz.mk
include partitions/parent/hvdrv/hvdrv.mk
include partitions/parent/hvctl/hvctl.mk

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
