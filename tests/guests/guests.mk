# SPDX-License-Identifier: GPL-2.0-only
# Test guests: freestanding payloads the tests run as pre-launched
# partitions (32-bit and 64-bit ELF images, and flat real-mode binaries).

GUEST_DIR := tests/guests
GUEST_OUT := $(BUILD)/guests
GUEST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Wno-missing-prototypes -ffreestanding -nostdlib \
	-fno-pic -fno-pie -fno-stack-protector -mgeneral-regs-only -mno-red-zone \
	-fno-asynchronous-unwind-tables -fcf-protection=none -fno-builtin \
	-I$(GUEST_DIR)/lib -I.
GUEST_LIB := lib/lib.c lib/entry.c

# guest_elf NAME, BITS, SOURCES[, EXTRA CFLAGS]
define guest_elf
$(GUEST_OUT)/$(1).elf: $(addprefix $(GUEST_DIR)/,$(3) $(GUEST_LIB) lib/start$(2).S) \
		$(GUEST_DIR)/lib/guest.h $(GUEST_DIR)/guest.ld partitions/hv_abi.h
	@mkdir -p $$(dir $$@)
	@echo "  GUEST $$@"; $(CC) $(GUEST_CFLAGS) $(4) -m$(2) -static -Wl,-T,$(GUEST_DIR)/guest.ld \
		-Wl,--build-id=none -Wl,--no-warn-rwx-segments -o $$@ $(addprefix $(GUEST_DIR)/,$(3) $(GUEST_LIB) lib/start$(2).S)
GUESTS += $(GUEST_OUT)/$(1).elf
endef

$(eval $(call guest_elf,suite32,32,suite.c))
$(eval $(call guest_elf,suite64,64,suite.c))
# For Bochs' ryzen model: without the single steps over intercepted
# instructions, whose trap Bochs 2.7 raises in the host (tests/guest_tests.sh).
$(eval $(call guest_elf,suite32-bochs-svm,32,suite.c,-DBOCHS_SVM_STEP_LEAK))
$(eval $(call guest_elf,suite64-bochs-svm,64,suite.c,-DBOCHS_SVM_STEP_LEAK))
$(eval $(call guest_elf,smp,64,smp.c lib/ap_tramp.S))
$(eval $(call guest_elf,wild,64,wild.c))
$(eval $(call guest_elf,badmmio,64,badmmio.c))
$(eval $(call guest_elf,triple,64,triple.c))
$(eval $(call guest_elf,fuzz,64,fuzz.c))
$(eval $(call guest_elf,bench,64,bench.c))
$(eval $(call guest_elf,platform,64,platform.c))
$(eval $(call guest_elf,reboot,64,reboot.c))
$(eval $(call guest_elf,ticker,64,ticker.c))
$(eval $(call guest_elf,isolate,64,isolate.c))
$(eval $(call guest_elf,user,64,user.c))
$(eval $(call guest_elf,flood,64,flood.c))
$(eval $(call guest_elf,jitter,64,jitter.c))
$(eval $(call guest_elf,xcr0,64,xcr0.c))
$(eval $(call guest_elf,canon,64,canon.c))
$(eval $(call guest_elf,exitport,64,exitport.c))
$(eval $(call guest_elf,rsvd32,32,rsvd.c))
$(eval $(call guest_elf,rsvd64,64,rsvd.c))
# For QEMU TCG: without the checks where QEMU itself departs from the
# manuals (tests/guests/rsvd.c, RSVD_QEMU_TCG, says which).
$(eval $(call guest_elf,rsvd32-qemu,32,rsvd.c,-DRSVD_QEMU_TCG))
$(eval $(call guest_elf,rsvd64-qemu,64,rsvd.c,-DRSVD_QEMU_TCG))
# Children the parent's management test creates (tests/parent/manage.sh).
$(eval $(call guest_elf,burn,64,burn.c))
$(eval $(call guest_elf,scrubfill,64,scrub.c,-DSCRUB_FILL))
$(eval $(call guest_elf,scrubcheck,64,scrub.c))
$(eval $(call guest_elf,childcalls,64,childcalls.c))
$(eval $(call guest_elf,pcguest,64,pcguest.c))
$(GUEST_OUT)/pcguest.elf: vmm/dev/platform.h
$(eval $(call guest_elf,vblk,64,vblk.c lib/virtio_guest.c))
$(GUEST_OUT)/vblk.elf: vmm/dev/platform.h $(GUEST_DIR)/lib/virtio_guest.h
$(eval $(call guest_elf,vnet,64,vnet.c lib/virtio_guest.c))
$(GUEST_OUT)/vnet.elf: vmm/dev/platform.h $(GUEST_DIR)/lib/virtio_guest.h
$(eval $(call guest_elf,vcons,64,vcons.c lib/virtio_guest.c))
$(GUEST_OUT)/vcons.elf: vmm/dev/platform.h $(GUEST_DIR)/lib/virtio_guest.h
$(GUEST_OUT)/platform.elf: vmm/dev/platform.h

# The multiboot (v1) kernel, as an ELF image and as a flat binary with
# the header's address fields; its own entry replaces lib/start32.S.
MB1_SRC := $(addprefix $(GUEST_DIR)/,mb1.c mb1_start.S lib/lib.c)
$(GUEST_OUT)/mb1.elf: $(MB1_SRC) $(GUEST_DIR)/lib/guest.h $(GUEST_DIR)/guest.ld
	@mkdir -p $(dir $@)
	@echo "  GUEST $@"; $(CC) $(GUEST_CFLAGS) -m32 -static -Wl,-T,$(GUEST_DIR)/guest.ld \
		-Wl,--build-id=none -Wl,--no-warn-rwx-segments -o $@ $(MB1_SRC)
$(GUEST_OUT)/mb1-aout.bin: $(MB1_SRC) $(GUEST_DIR)/lib/guest.h $(GUEST_DIR)/guest.ld
	@mkdir -p $(dir $@)
	@echo "  GUEST $@"; $(CC) $(GUEST_CFLAGS) -m32 -DMB_AOUT -static \
		-Wl,-T,$(GUEST_DIR)/guest.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
		-o $(GUEST_OUT)/mb1-aout.elf $(MB1_SRC) && \
		$(OBJCOPY) -O binary $(GUEST_OUT)/mb1-aout.elf $@
GUESTS += $(GUEST_OUT)/mb1.elf $(GUEST_OUT)/mb1-aout.bin

# Real-mode guests: flat binaries loaded at 0x7c00. The ABI version
# comes from the public header (assembly cannot include its C).
ABI_VERSION_NUM := $(shell sed -n 's/^\#define HV_ABI_VERSION \([0-9]*\)$$/\1/p' partitions/hv_abi.h)
$(GUEST_OUT)/%.bin: $(GUEST_DIR)/%.S partitions/hv_abi.h
	@mkdir -p $(dir $@)
	@echo "  GUEST $@"; $(CC) -m32 -DHV_ABI_VERSION_NUM=$(ABI_VERSION_NUM) -c -o $(GUEST_OUT)/$*.o $< && \
		$(LD) -m elf_i386 -Ttext=0x7c00 --oformat=binary -o $@ $(GUEST_OUT)/$*.o
GUESTS += $(GUEST_OUT)/real.bin $(GUEST_OUT)/spin.bin $(GUEST_OUT)/pitreal.bin

.PHONY: guests
guests: $(GUESTS)
