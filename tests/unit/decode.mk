# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of the x86 instruction decoder and the MMIO emulator
# (vmm/insn/decode.c, vmm/insn/emulate.c), under ASan and UBSan, linked with
# the shared harness (tests/unit/harness.c). vmm/base/string.c is not linked:
# libc provides memcpy and friends. `make unit-decode` builds and runs them.
# Expects BUILD and WARN from the top Makefile.

HOSTCC ?= gcc
DECODE_DIR := $(BUILD)/unit
DECODE_OBJ := $(BUILD)/unit/decode-obj
DECODE_CFLAGS := -std=gnu11 -O1 -g $(WARN) -DHV_HOST_TEST -I. \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -MMD -MP
DECODE_LDFLAGS := -fsanitize=address,undefined
DECODE_TESTS := $(DECODE_DIR)/test_decode $(DECODE_DIR)/test_emulate
DECODE_ENV := ASAN_OPTIONS=abort_on_error=0:halt_on_error=1:detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

$(DECODE_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC $<"; $(HOSTCC) $(DECODE_CFLAGS) -c $< -o $@

$(DECODE_DIR)/test_decode: $(DECODE_OBJ)/tests/unit/test_decode.o \
		$(DECODE_OBJ)/tests/unit/harness.o $(DECODE_OBJ)/vmm/insn/decode.o
	@echo "  HOSTLD $@"; $(HOSTCC) $(DECODE_LDFLAGS) $^ -o $@

$(DECODE_DIR)/test_emulate: $(DECODE_OBJ)/tests/unit/test_emulate.o \
		$(DECODE_OBJ)/tests/unit/harness.o $(DECODE_OBJ)/vmm/insn/decode.o \
		$(DECODE_OBJ)/vmm/insn/emulate.o
	@echo "  HOSTLD $@"; $(HOSTCC) $(DECODE_LDFLAGS) $^ -o $@

.PHONY: unit-decode
unit-decode: $(DECODE_TESTS)
	@fail=0; for t in $(DECODE_TESTS); do \
		$(DECODE_ENV) $$t || { echo "unit-decode: $$t failed"; fail=1; }; \
	done; exit $$fail

-include $(wildcard $(DECODE_OBJ)/vmm/insn/*.d $(DECODE_OBJ)/tests/unit/*.d)
