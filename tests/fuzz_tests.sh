#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The fuzzer of the parent's virtio backends' virtqueue library
# (tests/fuzz/fuzz_virtq.c), bounded for the test command and reported as
# fuzz/virtq: first the harness built with gcc as a plain program replays
# the committed seeds (tests/fuzz/corpus/virtq/), then libFuzzer (clang-14,
# ASan and UBSan) runs FUZZ_TEST_TIME seconds (20) from them. Each run
# starts from the seeds alone, in a scratch corpus under $OUT. `make fuzz`
# is the long run (tests/fuzz/fuzz.mk). Sourced after tests/lib.sh.

# fuzz_why LOG: the first line saying what the sanitizer or fuzzer found.
fuzz_why() {
	grep -aE -m 1 '(ERROR|SUMMARY): |runtime error: |broken promise: |ALARM: |out-of-memory' "$1" |
		sed 's/^==[0-9]*==//'
}

fuzz_tests() {
	local log="$OUT/fuzz-virtq.txt" secs=${FUZZ_TEST_TIME:-20} why="" art
	local corpus="$OUT/fuzz-virtq-corpus" seeds=tests/fuzz/corpus/virtq
	local env=(ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)

	: > "$log"
	if ! make -s fuzz-replay-bin >> "$log" 2>&1; then
		why="the gcc replay build failed: $(grep -m 1 -E 'error|Error' "$log")"
	elif ! { env "${env[@]}" build/fuzz/fuzz_virtq-replay "$seeds"/*; } >> "$log" 2>&1; then
		why="the seeds' replay failed: $(fuzz_why "$log") (see $log)"
	elif ! command -v clang-14 > /dev/null; then
		why="clang-14 is not installed (Debian package clang-14; scripts/deps.sh installs it)"
	elif ! make -s fuzz-bin >> "$log" 2>&1; then
		if grep -q 'libclang_rt\.fuzzer' "$log"; then
			why="no libFuzzer runtime (Debian package libclang-rt-14-dev; scripts/deps.sh installs it)"
		else
			why="the libFuzzer build failed: $(grep -m 1 -E 'error|Error' "$log")"
		fi
	else
		rm -rf "$corpus" "$OUT"/fuzz-virtq-crash-* "$OUT"/fuzz-virtq-timeout-* \
			"$OUT"/fuzz-virtq-leak-* "$OUT"/fuzz-virtq-oom-*
		mkdir -p "$corpus"
		# In braces, so that the shell's own "Aborted" goes to the log too.
		if ! { env "${env[@]}" build/fuzz/fuzz_virtq -max_total_time="$secs" -timeout=5 \
			-print_final_stats=1 -artifact_prefix="$OUT/fuzz-virtq-" \
			"$corpus" "$seeds"; } >> "$log" 2>&1; then
			art=$(sed -nE 's/.*Test unit written to (.*)/\1/p' "$log" | head -n 1)
			why="$(fuzz_why "$log"); input ${art:-not saved} (see $log)"
		fi
	fi
	result fuzz/virtq "$why"
}
