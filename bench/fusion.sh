#!/usr/bin/env bash
# Residual fusion, the optimizer-update fusion and the memory plan on and
# off (issue 6), side by side in one run: train_step (and forward) time and
# peak RSS of the ResMLP and ResNet8 fixtures compiled with resc's defaults,
# with --fuse-residual=none, with --fuse-update (train_step only) and with
# --memory-plan=heap, and PyTorch's for the same step, interleaved round by
# round.
#   bash bench/fusion.sh            # ROUNDS=3 ITERS=20 THREADS=1
# Prints a markdown table (medians over rounds; peak RSS is the largest of
# the rounds) and leaves bench/results/fusion-<stamp>.{md,tsv}.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3} ITERS=${ITERS:-20} WARMUP=${WARMUP:-3} THREADS=${THREADS:-1}
ENTRIES=${ENTRIES:-"train_step forward"}
BUILD=${BUILD_DIR:-build} PY=/usr/bin/python3
OUT=bench/results WORK=$BUILD/bench-fusion
mkdir -p "$OUT" "$WORK"
BUILD_DIR=$BUILD bash scripts/setup.sh python3-torch >&2
ninja -C "$BUILD" resc resrun >/dev/null
if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=${BENCH_OPENBLAS_CORETYPE:-SkylakeX}; fi

# model batch torch-script
CONFIGS=("resmlp 32 bench/torch_resmlp.py" "resmlp 256 bench/torch_resmlp.py"
         "resnet8 32 bench/torch_resnet8.py")
for m in resmlp resnet8; do
  build/bin/resc examples/$m.res -o "$WORK/$m.fused.so"
  build/bin/resc examples/$m.res --fuse-residual=none -o "$WORK/$m.plain.so"
  build/bin/resc examples/$m.res --memory-plan=heap -o "$WORK/$m.heap.so"
  build/bin/resc examples/$m.res --fuse-update -o "$WORK/$m.update.so"
done

env_for() { # impl
  echo MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 \
    OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS RESC_NUM_THREADS=$THREADS
  [ "$1" = torch ] && echo OMP_WAIT_POLICY=PASSIVE
  return 0
}
stamp=$(date -u +%Y%m%d-%H%M%S)
RAW=$OUT/fusion-$stamp.tsv
printf 'round\tmodel\tentry\tbatch\timpl\tmedian_ms\tpeak_rss_mb\n' >"$RAW"
for ((r = 1; r <= ROUNDS; r++)); do
  for c in "${CONFIGS[@]}"; do
    read -r m b torch <<<"$c"
    for e in $ENTRIES; do
      impls="fused plain heap torch"
      [ "$e" = train_step ] && impls="fused plain update heap torch"
      for impl in $impls; do
        if [ $impl = torch ]; then
          cmd=($PY "$torch" --workload "$e" --batch "$b" --threads "$THREADS" --iters "$ITERS" --warmup "$WARMUP")
        else
          cmd=(build/bin/resrun "$WORK/$m.$impl.so" --bench "$e" --batch "$b" --threads "$THREADS"
               --iters "$ITERS" --warmup "$WARMUP")
        fi
        out=$(env $(env_for $impl) $PY bench/peak_rss.py "${cmd[@]}")
        ms=$(sed -n 's/^median_ms=\([0-9.]*\).*/\1/p' <<<"$out")
        rss=$(sed -n 's/^peak_rss_mb=\([0-9.]*\)/\1/p' <<<"$out")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$m" "$e" "$b" "$impl" "$ms" "$rss" >>"$RAW"
        echo "round $r $m $e b$b $impl: $ms ms, $rss MB" >&2
      done
    done
  done
done

$PY - "$RAW" <<'PY' | tee "$OUT/fusion-$stamp.md"
import collections, statistics, sys
rows = collections.defaultdict(list)
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        r, m, e, b, impl, ms, rss = line.split()
        rows[(m, e, int(b), impl)].append((float(ms), float(rss)))
# "fused" is resc's default (residual fusion on, memory plan on);
# "unfused" turns the residual fusion off, "update" fuses the optimizer
# update into the weight gradients (train_step only), "heap" turns the
# memory plan off.
impls = ("fused", "plain", "update", "heap", "torch")
print("| model | entry | batch | resc ms | unfused ms | unfused/resc | fused update ms | update/resc "
      "| heap ms | heap/resc | PyTorch ms | PyTorch/resc | resc peak RSS MB | unfused MB "
      "| fused update MB | heap MB | PyTorch MB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (m, e, b) in sorted({k[:3] for k in rows}):
    have = [i for i in impls if rows.get((m, e, b, i))]
    med = {i: statistics.median(x[0] for x in rows[(m, e, b, i)]) for i in have}
    rss = {i: max(x[1] for x in rows[(m, e, b, i)]) for i in have}
    ms = lambda i: f"{med[i]:.2f}" if i in med else "-"
    ratio = lambda i: f"{med[i]/med['fused']:.2f}x" if i in med else "-"
    mb = lambda i: f"{rss[i]:.0f}" if i in rss else "-"
    print(f"| {m} | {e} | {b} | {ms('fused')} | {ms('plain')} | {ratio('plain')} | {ms('update')} "
          f"| {ratio('update')} | {ms('heap')} | {ratio('heap')} | {ms('torch')} | {ratio('torch')} "
          f"| {mb('fused')} | {mb('plain')} | {mb('update')} | {mb('heap')} | {mb('torch')} |")
PY
