# SPDX-License-Identifier: GPL-2.0-only
# hvctl, the parent partition's command-line tool for child partitions:
# a static C11 program for the parent's busybox initramfs, built with the
# project's warnings. `make parent-tools` builds it with the test tools.

HOSTCC ?= gcc
HVCTL_DIR := partitions/parent/hvctl
HVCTL := $(BUILD)/parent-tools/hvctl
HVCTL_SRCS := $(wildcard $(HVCTL_DIR)/*.c) partitions/parent/virtio/virtq.c
HVCTL_OBJS := $(patsubst %.c,$(BUILD)/parent-tools/obj/%.o,$(HVCTL_SRCS))
HVCTL_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 $(WARN) -Ipartitions -Ipartitions/parent/include \
	-MMD -MP

$(BUILD)/parent-tools/obj/$(HVCTL_DIR)/%.o: $(HVCTL_DIR)/%.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC $<"; $(HOSTCC) $(HVCTL_CFLAGS) -c $< -o $@

$(BUILD)/parent-tools/obj/partitions/parent/virtio/%.o: partitions/parent/virtio/%.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC $<"; $(HOSTCC) $(HVCTL_CFLAGS) -c $< -o $@

$(HVCTL): $(HVCTL_OBJS)
	@mkdir -p $(dir $@)
	@echo "  HOSTLD $@"; $(HOSTCC) -static -O2 -o $@ $(HVCTL_OBJS)

.PHONY: hvctl parent-tools
hvctl: $(HVCTL)
parent-tools: $(HVCTL)

-include $(HVCTL_OBJS:.o=.d)

# The command line on the host (tests/hvctl/cli.sh), part of `make unit`:
# usage, errors and "driver not loaded" with the static tool; every
# command against a fake /dev/hv (tests/hvctl/fakehv.c) with a dynamic
# build under ASan and UBSan.
HVCTL_FAKE := $(BUILD)/unit/hvctl-fake
$(HVCTL_FAKE): $(HVCTL_SRCS) tests/hvctl/fakehv.c $(wildcard $(HVCTL_DIR)/*.h) \
		partitions/hv_abi.h partitions/parent/include/hv_ioctl.h partitions/parent/virtio/virtq.h
	@mkdir -p $(dir $@)
	@echo "  HOSTLD $@"; $(HOSTCC) -std=gnu11 -D_GNU_SOURCE -O1 -g $(WARN) \
		-Ipartitions -Ipartitions/parent/include -fsanitize=address,undefined \
		-fno-sanitize-recover=undefined -fno-omit-frame-pointer -o $@ \
		$(HVCTL_SRCS) tests/hvctl/fakehv.c

.PHONY: unit-hvctl
unit-hvctl: $(HVCTL) $(HVCTL_FAKE)
	@tests/hvctl/cli.sh $(HVCTL) $(HVCTL_FAKE)
unit: unit-hvctl
