#!/usr/bin/env bash
# Fashion-MNIST training, resc beside PyTorch (issue 4): trains the ResMLP
# fixture with examples/train_fmnist (resc's generated train_step), then with
# bench/fmnist_torch.py (PyTorch 1.13 eager), one after the other with the
# same settings, and prints the seconds per epoch side by side.
#
#   bash bench/fmnist.sh [--epochs 5] [--threads 1] [--batch 64] [--lr 0.02] [--limit N]
#
# --limit N trains on the first N images only (the full set is 60,000).
# Logs and the table go to bench/results/fmnist-<stamp>.{resc,torch}.log
# and fmnist-<stamp>.md.
set -euo pipefail
cd "$(dirname "$0")/.."

EPOCHS=5 THREADS=1 BATCH=64 LR=0.02 LIMIT=""
while (($#)); do
  case $1 in
    --epochs) EPOCHS=$2 ;;
    --threads) THREADS=$2 ;;
    --batch) BATCH=$2 ;;
    --lr) LR=$2 ;;
    --limit) LIMIT=$2 ;;
    *) echo "usage: bash bench/fmnist.sh [--epochs E] [--threads T] [--batch B] [--lr X] [--limit N]" >&2
       exit 1 ;;
  esac
  shift 2
done
BUILD=${BUILD_DIR:-build}
PY=/usr/bin/python3
OUT=bench/results
STAMP=fmnist-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$OUT" "$BUILD/bench"

# What resc needs (Fashion-MNIST, PyTorch included), plus OpenBLAS for
# PyTorch's GEMMs; also configures $BUILD.
BUILD_DIR=$BUILD bash scripts/setup.sh libopenblas-dev >&2
ninja -C "$BUILD" ${JOBS:+-j "$JOBS"} resc train_fmnist >/dev/null
"$BUILD/bin/resc" examples/resmlp.res -o "$BUILD/bench/resmlp.so"

# PyTorch's GEMMs are OpenBLAS's: its AVX-512 kernels, as in bench/run.sh.
if grep -qw avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=${BENCH_OPENBLAS_CORETYPE:-SkylakeX}
fi
ARGS=(--epochs "$EPOCHS" --batch "$BATCH" --lr "$LR" ${LIMIT:+--limit "$LIMIT"})
# The same environment as bench/run.sh (see there why).
ENV=(MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 OMP_NUM_THREADS="$THREADS"
     OPENBLAS_NUM_THREADS="$THREADS" RESC_NUM_THREADS="$THREADS")
echo "== resc (examples/train_fmnist)" >&2
env "${ENV[@]}" "$BUILD/bin/train_fmnist" "$BUILD/bench/resmlp.so" "${ARGS[@]}" | tee "$OUT/$STAMP.resc.log" >&2
echo "== PyTorch $($PY -c 'import torch; print(torch.__version__)') (bench/fmnist_torch.py)" >&2
env "${ENV[@]}" OMP_WAIT_POLICY=PASSIVE $PY bench/fmnist_torch.py "${ARGS[@]}" --threads "$THREADS" | tee "$OUT/$STAMP.torch.log" >&2

# Side by side, from the "epoch E: ... test_acc B samples/s S seconds T" lines.
$PY - "$OUT/$STAMP.resc.log" "$OUT/$STAMP.torch.log" "$THREADS" >"$OUT/$STAMP.md" <<'EOF'
import re, sys
def epochs(path):
    pat = r"epoch (\d+): loss ([0-9.]+) train_acc [0-9.]+ test_acc ([0-9.]+) samples/s [0-9]+ seconds ([0-9.]+)"
    return {int(e): (float(l), float(a), float(s)) for e, l, a, s in re.findall(pat, open(path).read())}
resc, torch = epochs(sys.argv[1]), epochs(sys.argv[2])
print(f"Fashion-MNIST, ResMLP fixture, {sys.argv[3]} thread(s): seconds of training per epoch\n")
print("| epoch | resc s | PyTorch s | PyTorch/resc | resc loss | PyTorch loss | resc test acc | PyTorch test acc |")
print("|---|---|---|---|---|---|---|---|")
for e in sorted(set(resc) | set(torch)):
    r, t = resc.get(e), torch.get(e)
    cell = lambda v, i, f: f.format(v[i]) if v else "–"
    ratio = f"{t[2] / r[2]:.2f}×" if r and t else "–"
    print(f"| {e} | {cell(r, 2, '{:.1f}')} | {cell(t, 2, '{:.1f}')} | {ratio} | {cell(r, 0, '{:.4f}')} "
          f"| {cell(t, 0, '{:.4f}')} | {cell(r, 1, '{:.4f}')} | {cell(t, 1, '{:.4f}')} |")
EOF
cat "$OUT/$STAMP.md"
