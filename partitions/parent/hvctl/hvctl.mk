# SPDX-License-Identifier: GPL-2.0-only
# hvctl, the parent partition's command-line tool for child partitions:
# a static C11 program for the parent's busybox initramfs, built with the
# project's warnings. `make parent-tools` builds it with the test tools.

HOSTCC ?= gcc
HVCTL_DIR := partitions/parent/hvctl
HVCTL := $(BUILD)/parent-tools/hvctl
HVCTL_SRCS := $(wildcard $(HVCTL_DIR)/*.c)
HVCTL_OBJS := $(patsubst %.c,$(BUILD)/parent-tools/obj/%.o,$(HVCTL_SRCS))
HVCTL_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 $(WARN) -Ipartitions -Ipartitions/parent/include \
	-MMD -MP

$(BUILD)/parent-tools/obj/$(HVCTL_DIR)/%.o: $(HVCTL_DIR)/%.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC $<"; $(HOSTCC) $(HVCTL_CFLAGS) -c $< -o $@

$(HVCTL): $(HVCTL_OBJS)
	@mkdir -p $(dir $@)
	@echo "  HOSTLD $@"; $(HOSTCC) -static -O2 -o $@ $(HVCTL_OBJS)

.PHONY: hvctl parent-tools
hvctl: $(HVCTL)
parent-tools: $(HVCTL)

-include $(HVCTL_OBJS:.o=.d)
