#!/usr/bin/env bash
# resc beside PyTorch 1.13 (eager) and a hand-written OpenBLAS baseline, in
# one run on one machine (issue 7, DESIGN.md §6). One command:
#
#   bash bench/run.sh
#
# It installs what is missing (apt), builds resc and resrun, builds and
# checks the OpenBLAS baseline against PyTorch, compiles each workload with
# resc, then runs interleaved rounds: for every configuration (workload,
# entry, batch, threads) each implementation runs once per round, in an order
# that rotates from round to round, so slow drifts of the machine (other
# jobs, clocks) hit all of them alike. Results go to bench/results/:
# <stamp>-raw.tsv (every run), <stamp>.md (the table) and <stamp>.png.
#
# Settings (environment):
#   ROUNDS=3 ITERS=20 WARMUP=3   rounds; timed and warm-up calls per run
#   QUICK=1                      ROUNDS=1 ITERS=3 WARMUP=1, to try the script
#   WORKLOADS="resmlp linear resnet8 tinylm"   see workload() below
#   ENTRIES="forward train_step" THREADS="1 2"
#   BATCHES="32 256"             overrides each workload's own batch sizes
#   PEAK=                        FP32 GFLOP/s of one core for "% of peak"; default: what
#                                bench/peak.c measures on one thread at the start of the run
#                                (210-245 on these Zen 5 and Sapphire Rapids VMs; the issue assumed Zen 4, 116)
#   TORCH_OMP_WAIT_POLICY=PASSIVE
#   BENCH_OPENBLAS_CORETYPE      OpenBLAS kernels on AVX-512 CPUs (SkylakeX; see below)
#   BUILD_DIR=build JOBS=        ninja -j for building resc (default: ninja's)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${QUICK:-0}" = 1 ]; then
  ROUNDS=${ROUNDS:-1} ITERS=${ITERS:-3} WARMUP=${WARMUP:-1}
fi
ROUNDS=${ROUNDS:-3} ITERS=${ITERS:-20} WARMUP=${WARMUP:-3}
WORKLOADS=${WORKLOADS:-resmlp linear resnet8 tinylm}
ENTRIES=${ENTRIES:-forward train_step}
THREADS=${THREADS:-1 2}
BUILD=${BUILD_DIR:-build}
PY=/usr/bin/python3 # Debian's, which has torch (the pyenv python3 on PATH does not)
OUT=bench/results
STAMP=$(date -u +%Y%m%d-%H%M%S)
WORK=$BUILD/bench
mkdir -p "$OUT" "$WORK"
log() { echo "bench: $*" >&2; }

# --- 1. packages --------------------------------------------------------
# What resc itself needs, plus the baselines' and the chart's packages;
# also configures $BUILD.
BUILD_DIR=$BUILD bash scripts/setup.sh libopenblas-dev python3-matplotlib >&2

# OpenBLAS 0.3.21 does not know Zen 5 and falls back to its AVX2 (Haswell)
# kernels there; its AVX-512 (SkylakeX) kernels run on any AVX-512 CPU and
# are faster, so both baselines (the OpenBLAS program and PyTorch, whose
# GEMMs are OpenBLAS's) get them, also over an OPENBLAS_CORETYPE inherited
# from the environment (these machines set Haswell);
# BENCH_OPENBLAS_CORETYPE=Haswell measures the fallback instead.
if grep -qw avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=${BENCH_OPENBLAS_CORETYPE:-SkylakeX}
fi

# --- 2. resc, resrun and the OpenBLAS baseline ---------------------------
ninja -C "$BUILD" ${JOBS:+-j "$JOBS"} resc resrun >/dev/null
RESC=$BUILD/bin/resc RESRUN=$BUILD/bin/resrun
# -march=native: the same host-CPU code generation resc uses.
g++ -O3 -march=native -std=c++17 bench/openblas_resmlp.cpp -lopenblas -o "$WORK/openblas_resmlp"
# A baseline that computes something else would make every ratio meaningless.
$PY bench/check_openblas.py "$WORK/openblas_resmlp" --depth 2 --width 32 --batch 16 --steps 3 \
  >"$WORK/check_openblas.log" || { cat "$WORK/check_openblas.log" >&2; log "the OpenBLAS baseline disagrees with PyTorch"; exit 1; }

# What the FMA units deliver here; the 1-thread figure is PEAK unless set.
gcc -O3 -march=native -pthread bench/peak.c -o "$WORK/peak"
measured_peak=""
for t in $(echo 1 $THREADS | tr ' ' '\n' | sort -nu); do
  line=$("$WORK/peak" "$t")
  [ "$t" = 1 ] && PEAK=${PEAK:-$(echo "$line" | sed 's/peak_gflops=\([0-9.]*\) .*/\1/')}
  measured_peak+="${measured_peak:+, }$(echo "$line" | sed 's/peak_gflops=\([0-9.]*\) threads=\([0-9]*\)/\1 GFLOP\/s with \2 thread(s)/')"
done
log "measured FMA peak: $measured_peak; % of peak is of $PEAK GFLOP/s per core"

# --- 3. workloads ----------------------------------------------------------
# A workload names its .res file and resc -D flags, resrun's extra --dim
# arguments, its default batch sizes, multipliers of ITERS (REPEAT) and
# WARMUP (WARM_REPEAT) for short calls, and its peers: a PyTorch script and
# optionally an OpenBLAS binary, both taking
#   --workload ENTRY --batch N --threads T --iters K --warmup W
# and printing the "median_ms=<x> min_ms=<y> iters=<k>" line; the PyTorch
# script also answers --flops --workload ENTRY --batch N with "flops=<n>".
workload() {
  RESC_FLAGS=() DIM_ARGS=() OPENBLAS="" REPEAT=1 WARM_REPEAT=1
  case $1 in
    resmlp) RES=examples/resmlp.res WL_BATCHES="32 256"
            TORCH=bench/torch_resmlp.py OPENBLAS=$WORK/openblas_resmlp ;;
    # One layer's call takes 0.1-4 ms: 10x the timed calls, or the shared
    # machine's hiccups decide its medians, and 50x the warm-up calls: a new
    # process's second OpenMP thread can share the first one's CPU for its
    # first ~10-20 ms (at 2 threads a b32 forward then took 0.35 ms instead
    # of 0.14 in about half of the 30-call runs, slower than 1 thread).
    linear) RES=bench/linear.res WL_BATCHES="32 256" TORCH=bench/torch_linear.py REPEAT=10 WARM_REPEAT=50 ;;
    resnet8) RES=examples/resnet8.res WL_BATCHES="32" TORCH=bench/torch_resnet8.py ;;
    tinylm) RES=examples/tinylm.res WL_BATCHES="8" DIM_ARGS=(--dim T=128)
            TORCH=bench/torch_tinylm.py ;;
    *) log "unknown workload '$1'"; exit 1 ;;
  esac
  [ -f "$TORCH" ] || { log "workload $1 has no $TORCH"; exit 1; }
}

# Environment of every timed process. glibc's allocator would otherwise
# return large blocks to the OS after each call and fault them in again on
# the next (PyTorch frees its activations every call; resc mallocs its
# temporaries until the memory plan of issue 6): 32 MiB is the largest mmap
# threshold glibc accepts. OpenMP and OpenBLAS get the thread count, and
# PyTorch's OpenMP workers sleep rather than spin while waiting, since its
# GEMMs run on OpenBLAS's own threads and spinning workers would take the
# cores from them.
# resc's own OpenMP workers (libomp) keep the default policy: they spin
# briefly between the many short parallel loops of a step, then sleep.
# All three get transparent huge pages for their heaps (glibc's malloc
# advises them with this tunable; resc's runtime advises its own large
# buffers): on 4 KiB pages, kernels that walk rows a page apart miss the TLB
# at every row (OpenBLAS's ResMLP step was 3-7% slower, PyTorch's 2-5%).
run_env() { # threads impl
  echo MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 \
    GLIBC_TUNABLES=glibc.malloc.hugetlb=1 \
    OMP_NUM_THREADS="$1" OPENBLAS_NUM_THREADS="$1" MKL_NUM_THREADS="$1" RESC_NUM_THREADS="$1"
  [ "$2" = resc ] || echo OMP_WAIT_POLICY="${TORCH_OMP_WAIT_POLICY:-PASSIVE}"
}

# The entries resc compiled per workload. A model whose loss resc cannot
# differentiate yet (ResNet8: conv2d's gradient is issue 5) is compiled
# without its loss and optimizer, for forward alone; resc sits out what it
# lacks and the table shows the peers alone there.
declare -A RESC_ENTRIES
compile_info=""
for w in $WORKLOADS; do
  workload "$w"
  start=$EPOCHREALTIME
  note="" compiled=1
  if ! "$RESC" "$RES" "${RESC_FLAGS[@]}" -o "$WORK/$w.so" 2>"$WORK/$w.compile.log"; then
    grep -Ev '^ *(loss\(|optimizer *=)' "$RES" >"$WORK/$w.forward.res"
    if "$RESC" "$WORK/$w.forward.res" "${RESC_FLAGS[@]}" -o "$WORK/$w.so" 2>>"$WORK/$w.compile.log"; then
      note=" (forward only: $(grep -m1 error: "$WORK/$w.compile.log" | sed 's/.*error: //'))"
    else
      compiled=0
    fi
  fi
  if ((compiled)); then
    secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    compile_info+="${compile_info:+, }$w $secs s$note"
    log "compiled $RES in $secs s$note"
    RESC_ENTRIES[$w]=$("$RESRUN" "$WORK/$w.so" --info | sed -n 's/^entry \([a-z_]*\) .*/\1/p' | tr '\n' ' ')
  else
    compile_info+="${compile_info:+, }$w does not compile"
    log "resc cannot compile $RES yet ($(head -1 "$WORK/$w.compile.log")); timing its peers only"
    RESC_ENTRIES[$w]=""
  fi
done

RAW=$OUT/$STAMP-raw.tsv
printf 'round\tworkload\tentry\tbatch\tthreads\timpl\tmedian_ms\tmin_ms\titers\tflops\n' >"$RAW"

# Runs one implementation once and appends its line to $RAW.
measure() { # round workload entry batch threads impl flops
  local round=$1 w=$2 entry=$3 batch=$4 threads=$5 impl=$6 flops=$7 cmd line
  local common=(--batch "$batch" --threads "$threads" --iters $((ITERS * REPEAT)) --warmup $((WARMUP * WARM_REPEAT)))
  case $impl in
    resc) cmd=("$RESRUN" "$WORK/$w.so" --bench "$entry" "${DIM_ARGS[@]}" "${common[@]}") ;;
    torch) cmd=("$PY" "$TORCH" --workload "$entry" "${common[@]}") ;;
    openblas) cmd=("$OPENBLAS" --workload "$entry" "${common[@]}") ;;
  esac
  # shellcheck disable=SC2046
  line=$(env $(run_env "$threads" "$impl") "${cmd[@]}")
  [[ $line =~ ^median_ms=([0-9.]+)\ min_ms=([0-9.]+)\ iters=([0-9]+)$ ]] ||
    { log "unexpected output from ${cmd[*]}: $line"; exit 1; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$w" "$entry" "$batch" "$threads" \
    "$impl" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "$flops" >>"$RAW"
  log "round $round $w $entry batch $batch threads $threads $impl: ${BASH_REMATCH[1]} ms"
}

for ((round = 1; round <= ROUNDS; round++)); do
  for w in $WORKLOADS; do
    workload "$w"
    for entry in $ENTRIES; do
      for batch in ${BATCHES:-$WL_BATCHES}; do
        flops=$($PY "$TORCH" --flops --workload "$entry" --batch "$batch" | sed 's/^flops=//')
        for threads in $THREADS; do
          impls=()
          [[ " ${RESC_ENTRIES[$w]} " == *" $entry "* ]] && impls+=(resc)
          impls+=(torch)
          [ -n "$OPENBLAS" ] && impls+=(openblas)
          # Rotate the order by the round: A B C, B C A, C A B, ...
          n=${#impls[@]}
          for ((k = 0; k < n; k++)); do
            measure "$round" "$w" "$entry" "$batch" "$threads" "${impls[(k + round - 1) % n]}" "$flops"
          done
        done
      done
    done
  done
done

# --- 4. report -------------------------------------------------------------
{
  echo "# resc benchmark $STAMP"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1) (CPU family $(lscpu | sed -n 's/^CPU family: *//p' | head -1)), $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
  corename=$($PY -c 'import ctypes; l = ctypes.CDLL("libopenblas.so.0"); l.openblas_get_corename.restype = ctypes.c_char_p; print(l.openblas_get_corename().decode())' 2>/dev/null || echo '?')
  echo "- resc $(git rev-parse --short HEAD 2>/dev/null || echo '?'); PyTorch $($PY -c 'import torch; print(torch.__version__)') with BLAS $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3); OpenBLAS $(dpkg-query -W -f '${Version}' libopenblas0-pthread 2>/dev/null || echo '?') with $corename kernels (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-})"
  echo "- $ROUNDS round(s) x $ITERS timed calls after $WARMUP warm-up calls (linear: 10x the calls, 50x the warm-up); compile time: $compile_info"
  echo "- % of peak is of PEAK = $PEAK GFLOP/s per core x threads; an FMA loop (bench/peak.c) measured $measured_peak"
  echo
} >"$OUT/$STAMP.md"
$PY bench/report.py "$RAW" --md "$WORK/table.md" --png "$OUT/$STAMP.png" --peak "$PEAK" >/dev/null
cat "$WORK/table.md" >>"$OUT/$STAMP.md"
cat "$OUT/$STAMP.md"
log "wrote $OUT/$STAMP.md, $OUT/$STAMP.png and $RAW"
