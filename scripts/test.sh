#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The test command: installs what is missing, builds, runs every test.
# Usage: scripts/test.sh [all|unit|boot|...]
set -u
cd "$(dirname "$0")/.."
scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
mkdir -p build
if ! make -j"$(nproc)" all guests parent-tools > build/build.log 2>&1; then
	cat build/build.log
	echo "0 passed, 1 failed"
	exit 1
fi
exec tests/run_all.sh "$@"
