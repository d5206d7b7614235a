#!/usr/bin/env bash
# Builds resc and runs every test: the lit suite (front end, dialect,
# driver) and the unit tests, all through CTest, which prints the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake --build "$BUILD_DIR"
cd "$BUILD_DIR"
ctest --output-on-failure
