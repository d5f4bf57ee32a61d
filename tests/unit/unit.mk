# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests: the real hypervisor sources, compiled for x86-64 Linux
# user space against tests/unit/harness.c, under ASan and UBSan so that an
# out-of-bounds read or undefined behaviour fails the test. vmm/base/string.c is
# never linked: libc provides memcpy and friends (and ASan checks them).
# `make unit` builds every test into $(BUILD)/unit/ and runs it.

HOSTCC ?= gcc
UNIT_DIR := $(BUILD)/unit
UNIT_CFLAGS := -std=gnu11 -O1 -g $(WARN) -DHV_HOST_TEST -I. \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
UNIT_LDFLAGS := -fsanitize=address,undefined

# Sources each test links besides its own file and the harness.
UNIT_SRCS_test_pt := ept/pt.c ept/formats.c
UNIT_SRCS_test_pmm := vmm/base/pmm.c
# console.c (console_parse) references the UART driver; nothing calls it.
UNIT_SRCS_test_cmdline := vmm/base/cmdline.c vmm/base/console.c vmm/base/parse.c drivers/uart16550.c
UNIT_SRCS_test_acpi := drivers/acpi.c
UNIT_SRCS_test_mb2 := boot/mb2.c
UNIT_SRCS_test_hv_cfg := boot/efi/hv_cfg.c
UNIT_SRCS_test_fmt := vmm/base/fmt.c
# The ACPI table builder, checked through the hypervisor's own parser; the
# compiled DSDT comes as an object from partitions/acpi.mk.
UNIT_SRCS_test_acpi_tables := partitions/acpi_tables.c drivers/acpi.c
# The loaders; the test stubs `backend` and vlapic_reset() (gmem.c, vcpu_state.c).
UNIT_SRCS_test_loaders := partitions/linux.c partitions/multiboot.c vmm/vcpu_state.c \
	vmm/gmem.c partitions/parent_map.c

# Interrupt remapping's table and formats; the test fakes the units,
# the allocator and the CPUs.
UNIT_SRCS_test_iommu_ir := vmm/iommu_ir.c

# The parent's PCI configuration writes, against a fake function.
UNIT_SRCS_test_parent_pci_rules := partitions/parent_pci_rules.c vmm/base/fmt.c

# The PC platform's devices and drivers/rtc.c's calendar arithmetic; the
# test stubs the local APICs, scheduler, partition stop/restart and time.
UNIT_SRCS_test_platform := vmm/dev/vioapic.c vmm/dev/vpic.c vmm/dev/vpit.c vmm/dev/vhpet.c vmm/dev/vuart.c vmm/dev/vrtc.c vmm/dev/vpm.c \
	vmm/dev/platform.c vmm/dev/pci.c vmm/dev/virtio_pci.c vmm/channel.c vmm/console_input.c drivers/rtc.c

# The parent's port-lane decisions; the test stubs the console port and
# test mode and fills in the machine's ACPI description.
UNIT_SRCS_test_parent_lanes := partitions/parent_lanes.c vmm/base/fmt.c

# The MSR policy, with the real virtual LAPIC behind the APIC MSRs; the
# test stubs the backend's registers, the Hyper-V MSRs, the scheduler and
# WRMSR (vmm/base/x86.h's host hook).
UNIT_SRCS_test_msr := tests/unit/fake_backend.c tests/unit/fake_events.c vmm/step.c vmm/msr.c vmm/dev/vlapic.c vmm/base/fmt.c

# What CPUID a guest sees, against fake host CPUs (vmm/base/x86.h's
# host hook); the test stubs the backend, XSAVE sizes and Hyper-V leaves.
UNIT_SRCS_test_cpuid := tests/unit/fake_backend.c tests/unit/fake_events.c vmm/step.c vmm/cpuid.c

# Port I/O dispatch, with the real guest-memory and segment code under
# string I/O; the test stubs the backend, events and vmm_stop().
UNIT_SRCS_test_io := tests/unit/fake_backend.c vmm/step.c vmm/io.c vmm/gmem.c vmm/guest_insn.c vmm/insn/decode.c

# MMIO exits: the real instruction fetch, decoder, emulator and guest
# page walks; the test stubs the backend, events, vmm_stop() and the LAPIC.
UNIT_SRCS_test_mmio := tests/unit/fake_backend.c vmm/step.c vmm/mmio.c vmm/gmem.c vmm/guest_insn.c vmm/insn/decode.c \
	vmm/insn/emulate.c

# The management calls' stateless argument checks.
UNIT_SRCS_test_manage_check := partitions/manage_check.c partitions/names.c

# The backstops' decoders of a refused VMRUN and VM entry (pure).
UNIT_SRCS_test_state_check := svm/state_check.c vmx/state_check.c

# Control-register writes and the RIP after a completed instruction; the
# test stubs the mode, the LAPIC's TPR and XSAVE.
UNIT_SRCS_test_cr := tests/unit/fake_backend.c tests/unit/fake_events.c vmm/cr.c vmm/step.c

UNIT_NAMES := test_pt test_pmm test_cmdline test_acpi test_mb2 test_hv_cfg test_fmt \
	test_acpi_tables test_loaders test_platform test_parent_lanes test_msr \
	test_cpuid test_io test_mmio test_manage_check test_parent_pci_rules test_iommu_ir \
	test_state_check test_cr
UNIT_TESTS := $(addprefix $(UNIT_DIR)/,$(UNIT_NAMES))

# hvctl's pure parts (partitions/parent/hvctl/): the definition-file parser,
# the image loaders (with the real kernel when build/cache/vmlinuz exists,
# and the test guests when built), the JSON writer.
HVCTL_UNIT := test_hvctl_cfg test_hvctl_load test_hvctl_json
UNIT_SRCS_test_hvctl_cfg := partitions/parent/hvctl/cfg.c
UNIT_SRCS_test_hvctl_load := partitions/parent/hvctl/load.c partitions/parent/hvctl/load_linux.c \
	partitions/parent/hvctl/load_elf.c
UNIT_SRCS_test_hvctl_json := partitions/parent/hvctl/json.c
UNIT_NAMES += $(HVCTL_UNIT)
UNIT_TESTS += $(addprefix $(UNIT_DIR)/,$(HVCTL_UNIT))

# The virtqueue library of the parent's virtio backends
# (partitions/parent/virtio/), against a fake child's memory. The same
# library is fuzzed by tests/fuzz/ (tests/fuzz/fuzz.mk).
UNIT_SRCS_test_virtq := partitions/parent/virtio/virtq.c
UNIT_NAMES += test_virtq
UNIT_TESTS += $(UNIT_DIR)/test_virtq

# The sanitizers' own settings: report with a stack, and stop at the
# first error so the test exits non-zero.
UNIT_ENV := ASAN_OPTIONS=abort_on_error=0:halt_on_error=1:detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

$(UNIT_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC $<"; $(HOSTCC) $(UNIT_CFLAGS) -MMD -MP -c $< -o $@

define unit_test_rule
$(UNIT_DIR)/$(1): $(UNIT_DIR)/obj/tests/unit/$(1).o $(UNIT_DIR)/obj/tests/unit/harness.o \
		$(patsubst %.c,$(UNIT_DIR)/obj/%.o,$(UNIT_SRCS_$(1)))
	@echo "  HOSTLD $$@"; $(HOSTCC) $(UNIT_LDFLAGS) $$^ -o $$@
endef
$(foreach t,$(UNIT_NAMES),$(eval $(call unit_test_rule,$(t))))

unit: $(UNIT_TESTS)
	@fail=0; for t in $(UNIT_TESTS); do \
		$(UNIT_ENV) $$t || { echo "unit: $$t failed"; fail=1; }; \
	done; exit $$fail

-include $(shell find $(UNIT_DIR) -name '*.d' 2>/dev/null)
