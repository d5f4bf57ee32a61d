# SPDX-License-Identifier: GPL-2.0-only
# Tools the parent's test script runs inside the parent (static, for its
# busybox initramfs).
PARENT_TOOLS := $(BUILD)/parent-tools/portio

$(BUILD)/parent-tools/%: tests/parent/%.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC $<"; $(HOSTCC) -static -O2 $(WARN) -o $@ $<

.PHONY: parent-tools
parent-tools: $(PARENT_TOOLS)
