#!/usr/bin/env bash
# Fuzzes the front end with libFuzzer (clang-22, ASan + UBSan).
#   bash scripts/fuzz.sh [SECONDS]      default 600
# Seeds: the fixtures and every .res test. Crashing inputs land in fuzz-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
SECONDS_TO_RUN=${1:-600}
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang-22 CXX=clang++-22 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DRESC_FUZZ=ON -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
fi
cmake --build build-fuzz --target resc-fuzz
mkdir -p fuzz-out/corpus fuzz-out/crashes
cp examples/*.res test/Frontend/*.res fuzz-out/corpus/ 2>/dev/null || true
# Split the multi-case test files into one seed per case.
for f in test/Frontend/*.res; do
  awk -v base="fuzz-out/corpus/$(basename "$f" .res)" \
    'BEGIN{n=0} /^# -----/{n++; next} {print > (base "-" n ".res")}' "$f"
done
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  build-fuzz/bin/resc-fuzz fuzz-out/corpus -artifact_prefix=fuzz-out/crashes/ \
  -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
  -print_final_stats=1
