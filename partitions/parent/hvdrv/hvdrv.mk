# SPDX-License-Identifier: GPL-2.0-only
# The parent's /dev/hv module: `make parent-module` builds build/parent/hv.ko
# against the headers of exactly the kernel scripts/fetch-kernel.sh fetched
# (build/cache/headers), never the build machine's own /lib/modules or
# /usr/src. Kbuild writes next to its sources, so it builds in
# build/parent/hvdrv from symlinks to them. The parent's initramfs
# ($(BUILD)/parent.cpio.gz) carries it.
HVDRV_DIR := partitions/parent/hvdrv
HVDRV_SRCS := $(wildcard $(HVDRV_DIR)/*.c $(HVDRV_DIR)/*.h) $(HVDRV_DIR)/Kbuild
HVDRV_OUT := $(abspath $(BUILD))/parent/hvdrv
# The kernel fetch-kernel.sh settled on; read when the recipe runs.
HVDRV_KDIR = $(abspath $(BUILD))/cache/headers/usr/src/linux-headers-$(patsubst \
	linux-image-%,%,$(shell cat $(BUILD)/cache/kernel-package))

.PHONY: parent-module
parent-module: $(BUILD)/parent/hv.ko

# One fetch-kernel.sh at a time: the headers' rule waits for the image's.
$(BUILD)/cache/headers/.package: $(BUILD)/cache/vmlinuz
	scripts/fetch-kernel.sh

$(BUILD)/parent/hv.ko: $(HVDRV_SRCS) partitions/hv_abi.h partitions/parent/include/hv_ioctl.h \
		$(BUILD)/cache/headers/.package
	@mkdir -p $(HVDRV_OUT)
	@ln -sf $(addprefix $(CURDIR)/,$(HVDRV_SRCS)) $(HVDRV_OUT)/
	@echo "  KBUILD $@"
	@$(MAKE) -s -C $(HVDRV_KDIR) M=$(HVDRV_OUT) HV_TOP=$(CURDIR) modules
	@objcopy --strip-debug $(HVDRV_OUT)/hv.ko $@

$(BUILD)/parent.cpio.gz: $(BUILD)/parent/hv.ko
$(BUILD)/parent.cpio.gz: export INITRAMFS_KO := $(BUILD)/parent/hv.ko

# The test command builds `all guests parent-tools`: the parent's test
# image carries the module and its check, hvdev (tests/parent_tests.sh).
$(BUILD)/parent-tools/hvdev: tests/parent/hvdev.c partitions/hv_abi.h \
		partitions/parent/include/hv_ioctl.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC $<"; $(HOSTCC) -static -O2 $(WARN) -Ipartitions \
		-Ipartitions/parent/include -o $@ $<
parent-tools: parent-module $(BUILD)/parent-tools/hvdev
