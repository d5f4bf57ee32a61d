# SPDX-License-Identifier: GPL-2.0-only
# The fuzzer of the parent's virtio backends' virtqueue library
# (partitions/parent/virtio/virtq.c): tests/fuzz/fuzz_virtq.c, built twice.
#   make fuzz          libFuzzer with ASan and UBSan (clang-14) for
#                      FUZZ_TIME seconds (300), after the replay below
#   make fuzz-replay   the harness built with gcc as a plain program, run
#                      once over the committed seeds
# The seeds (tests/fuzz/corpus/virtq/, written by tests/fuzz/mkseeds.py) are
# only read: what the fuzzer finds goes to $(BUILD)/fuzz/corpus/virtq/, a
# crashing input to $(BUILD)/fuzz/crash-*. tests/fuzz_tests.sh runs the same
# binaries for 30 s in the test command. clang-14 and its fuzzer runtime
# (libclang-rt-14-dev) come from scripts/deps.sh.

HOSTCC ?= gcc
FUZZ_CC ?= clang-14
FUZZ_TIME ?= 300
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SEEDS := tests/fuzz/corpus/virtq
FUZZ_SRCS := tests/fuzz/fuzz_virtq.c partitions/parent/virtio/virtq.c
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -I. -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

$(FUZZ_DIR)/fuzz_virtq: $(FUZZ_SRCS) partitions/parent/virtio/virtq.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC $@"; $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(FUZZ_SRCS)

$(FUZZ_DIR)/fuzz_virtq-replay: $(FUZZ_SRCS) partitions/parent/virtio/virtq.h
	@mkdir -p $(dir $@)
	@echo "  HOSTLD $@"; $(HOSTCC) $(FUZZ_CFLAGS) -DFUZZ_REPLAY -o $@ $(FUZZ_SRCS)

.PHONY: fuzz fuzz-replay fuzz-bin fuzz-replay-bin
fuzz-bin: $(FUZZ_DIR)/fuzz_virtq
fuzz-replay-bin: $(FUZZ_DIR)/fuzz_virtq-replay

fuzz-replay: $(FUZZ_DIR)/fuzz_virtq-replay
	$(FUZZ_ENV) $< $(FUZZ_SEEDS)/*

fuzz: $(FUZZ_DIR)/fuzz_virtq fuzz-replay
	@mkdir -p $(FUZZ_DIR)/corpus/virtq
	$(FUZZ_ENV) $< -max_total_time=$(FUZZ_TIME) -timeout=5 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus/virtq $(FUZZ_SEEDS)
