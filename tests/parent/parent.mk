# SPDX-License-Identifier: GPL-2.0-only
# Tools the parent's test script runs inside the parent (static, for its
# busybox initramfs).
PARENT_TOOLS := $(BUILD)/parent-tools/portio $(BUILD)/parent-tools/hvfuzz $(BUILD)/parent-tools/iobench \
	$(BUILD)/parent-tools/netbench $(BUILD)/parent-tools/dmatest $(BUILD)/parent-tools/msitest

$(BUILD)/parent-tools/%: tests/parent/%.c partitions/hv_abi.h partitions/parent/include/hv_ioctl.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC $<"; $(HOSTCC) -static -O2 $(WARN) -Ipartitions -Ipartitions/parent/include \
		-o $@ $< -lpthread

.PHONY: parent-tools
parent-tools: $(PARENT_TOOLS)
