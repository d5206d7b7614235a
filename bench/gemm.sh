#!/usr/bin/env bash
# Issue 7's GEMM target, side by side in one run: the GFLOP/s of resc's
# Linear GEMM at ResMLP's block shape (bench/linear.res forward at batch 256:
# Y = X W^T + b, X [256 x 512], W [1024 x 512]) beside OpenBLAS's and
# oneDNN's sgemm on the same shape (bench/vendor_gemm.c), the hand-written
# AVX-512 tiles of bench/gemm_ceiling.c (packing outside the timing) and the
# FMA peak (bench/peak.c), all on one thread, interleaved round by round.
#   bash bench/gemm.sh            # ROUNDS=3
# Each figure is the best call of its run (resrun's min_ms); the table shows
# the median over the rounds and its share of the median peak, and is left
# in bench/results/gemm-<stamp>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
BUILD=${BUILD_DIR:-build}
OUT=bench/results WORK=$BUILD/bench-gemm
mkdir -p "$OUT" "$WORK"
BUILD_DIR=$BUILD bash scripts/setup.sh libopenblas-dev libdnnl-dev >&2
ninja -C "$BUILD" resc resrun >/dev/null
if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=${BENCH_OPENBLAS_CORETYPE:-SkylakeX}; fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 RESC_NUM_THREADS=1

"$BUILD/bin/resc" bench/linear.res -o "$WORK/linear.so"
gcc -O3 -march=native bench/peak.c -o "$WORK/peak" -pthread
gcc -O2 -DWITH_DNNL bench/vendor_gemm.c -o "$WORK/vendor" -lopenblas -ldnnl
gcc -O3 -march=native bench/gemm_ceiling.c -o "$WORK/tiles"

FLOPS=$((2 * 256 * 1024 * 512))
RAW=$WORK/raw.tsv
: >"$RAW"
run() { # round what; appends "round<TAB>what<TAB>GFLOP/s" lines
  case $2 in
    peak) "$WORK/peak" 1 | sed 's/peak_gflops=\([0-9.]*\).*/peak\t\1/' ;;
    resc) "$BUILD/bin/resrun" "$WORK/linear.so" --bench forward --batch 256 --threads 1 --iters 30 --warmup 5 |
            sed 's/.*min_ms=\([0-9.]*\).*/\1/' | awk -v f=$FLOPS '{ printf "resc\t%.1f\n", f / ($1 * 1e-3) / 1e9 }' ;;
    vendor) "$WORK/vendor" | tr ' ' '\t' ;;
    tiles) "$WORK/tiles" | sed -n 's/^tile  6 x 64: \(.*[^ ]\)  *\([0-9.]*\) GFLOP\/s$/tile 6 x 64, \1\t\2/p' ;;
  esac | sed "s/^/$1\t/" >>"$RAW"
}
WHAT=(peak resc vendor tiles)
for ((r = 1; r <= ROUNDS; r++)); do
  for ((k = 0; k < ${#WHAT[@]}; k++)); do
    run "$r" "${WHAT[(k + r - 1) % ${#WHAT[@]}]}"
  done
  echo "gemm: round $r done" >&2
done

STAMP=$(date -u +%Y%m%d-%H%M%S)
{
  echo "# GEMM at ResMLP's block shape (256 x 1024 x 512, one thread) $STAMP"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1); resc $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $ROUNDS round(s), median of each run's best call"
  echo
  echo "| what | GFLOP/s | % of peak |"
  echo "|---|---|---|"
  python3 - "$RAW" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    _, what, value = line.rstrip("\n").split("\t")
    runs.setdefault(what, []).append(float(value))
peak = statistics.median(runs["peak"])
for what in ["peak", "resc", "onednn", "openblas",
             "tile 6 x 64, in L1", "tile 6 x 64, resc order", "tile 6 x 64, Goto"]:
    if what in runs:
        m = statistics.median(runs[what])
        print(f"| {what} | {m:.1f} | {100 * m / peak:.0f}% |")
PY
  echo
  echo "peak: bench/peak.c (FMAs from registers); resc: bench/linear.res forward (with its bias, W packed per call);"
  echo "openblas/onednn: their sgemm (W packed per call); tiles: bench/gemm_ceiling.c, packing outside the timing."
} >"$OUT/gemm-$STAMP.md"
cat "$OUT/gemm-$STAMP.md"
