#!/usr/bin/python3
"""Turns bench/run.sh's raw measurements into a markdown table and a PNG.

  report.py RAW.tsv --md OUT.md --png OUT.png [--peak 116]

RAW.tsv has one line per run: round workload entry batch threads impl
median_ms min_ms iters flops. Per configuration and implementation the
table shows the median over the rounds of each run's median (and the
rounds count); ratios are other/resc, so > 1 means resc is faster; GFLOP/s
counts the GEMM FLOPs of the call (bench/torch_bench.py: gemm_flops) and %
of peak divides by --peak GFLOP/s per core times the thread count.

A second table shows how each implementation scales from 1 thread to more:
per round the 1-thread time over the T-thread time of the same round (the
two runs minutes apart at most, so a slow drift of the shared machine
cancels), then the median over the rounds."""
import argparse
import collections
import csv
import statistics

IMPLS = [("resc", "resc"), ("torch", "PyTorch"), ("openblas", "OpenBLAS")]
COLORS = {"resc": "tab:blue", "torch": "tab:orange", "openblas": "tab:green"}


def load(path):
    runs = collections.defaultdict(dict)  # (workload, entry, batch, threads, impl) -> {round: ms}
    flops = {}
    with open(path) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            key = (row["workload"], row["entry"], int(row["batch"]), int(row["threads"]))
            runs[key + (row["impl"],)][int(row["round"])] = float(row["median_ms"])
            flops[key] = int(row["flops"])
    return runs, flops


def scaling_table(runs, flops):
    """Speed-up over 1 thread per configuration run with more, paired by round."""
    head = ["workload", "batch", "threads"] + [f"{name} speed-up" for _, name in IMPLS]
    lines = []
    for key in sorted(flops, key=lambda k: (k[0], k[1] != "forward", k[1], k[2], k[3])):
        workload, entry, batch, threads = key
        if threads == 1:
            continue
        cells = [f"{workload} {entry}", str(batch), str(threads)]
        for impl, _ in IMPLS:
            one, many = runs.get(key[:3] + (1, impl), {}), runs.get(key + (impl,), {})
            ratios = [one[r] / many[r] for r in one if r in many]
            cells.append(f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"
                         if ratios else "–")
        lines.append("| " + " | ".join(cells) + " |")
    if not lines:
        return ""
    return ("\n| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n" + "\n".join(lines) +
            "\n\nspeed-up: 1-thread ms over T-thread ms of the same round, median (lowest–highest) "
            "over the rounds.\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("raw")
    p.add_argument("--md", required=True)
    p.add_argument("--png")
    p.add_argument("--peak", type=float, default=116.0, help="FP32 GFLOP/s of one core")
    a = p.parse_args()
    runs, flops = load(a.raw)

    def ms(key, impl):
        times = runs.get(key + (impl,))
        return statistics.median(times.values()) if times else None

    def gflops(key, t):
        return flops[key] / (t * 1e-3) / 1e9

    head = ["workload", "batch", "threads"] + [f"{name} ms" for _, name in IMPLS[:3]]
    head += ["PyTorch/resc", "OpenBLAS/resc"] + [f"{name} GFLOP/s (% peak)" for _, name in IMPLS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rows = []
    for key in sorted(flops, key=lambda k: (k[0], k[1] != "forward", k[1], k[2], k[3])):
        workload, entry, batch, threads = key
        t = {impl: ms(key, impl) for impl, _ in IMPLS}
        peak = a.peak * threads
        cells = [f"{workload} {entry}", str(batch), str(threads)]
        cells += [f"{t[i]:.2f}" if t[i] else "–" for i, _ in IMPLS]
        for other in ("torch", "openblas"):
            cells.append(f"{t[other] / t['resc']:.2f}×" if t[other] and t["resc"] else "–")
        for impl, _ in IMPLS:
            if t[impl]:
                g = gflops(key, t[impl])
                cells.append(f"{g:.1f} ({100 * g / peak:.0f}%)")
            else:
                cells.append("–")
        lines.append("| " + " | ".join(cells) + " |")
        rows.append((key, t, peak))
    rounds = max((len(v) for v in runs.values()), default=0)
    note = (f"\nms: median over {rounds} interleaved round(s) of each run's median; "
            f"ratios > 1: resc is faster; peak {a.peak:g} GFLOP/s per core × threads.\n")
    text = "\n".join(lines) + "\n" + note + scaling_table(runs, flops)
    with open(a.md, "w") as f:
        f.write(text)
    print(text, end="")

    if a.png:
        import matplotlib
        matplotlib.use("Agg")  # no display on these machines
        import matplotlib.pyplot as plt

        # One row per workload, one column per entry point.
        workloads = sorted({k[0] for k, _, _ in rows})
        entries = sorted({k[1] for k, _, _ in rows}, key=lambda e: (e != "forward", e))
        fig, axes = plt.subplots(len(workloads), len(entries), squeeze=False,
                                 figsize=(6.5 * len(entries), 4.2 * len(workloads)))
        for ax, (workload, entry) in zip(axes.flat, [(w, e) for w in workloads for e in entries]):
            sub = [(k, t, pk) for k, t, pk in rows if (k[0], k[1]) == (workload, entry)]
            width = 0.8 / len(IMPLS)
            for j, (impl, name) in enumerate(IMPLS):
                xs, ys, labels = [], [], []
                for i, (k, t, pk) in enumerate(sub):
                    if t[impl]:
                        xs.append(i + (j - 1) * width)
                        ys.append(100 * gflops(k, t[impl]) / pk)
                        labels.append(f"{t[impl]:.3g}" if t[impl] < 100 else f"{t[impl]:.0f}")
                if not xs:
                    continue
                bars = ax.bar(xs, ys, width, label=name, color=COLORS[impl])
                ax.bar_label(bars, labels=labels, fontsize=7, padding=1)
            if not sub:
                ax.set_visible(False)
                continue
            ax.set_ylim(0, max([100] + [p.get_height() * 1.1 for p in ax.patches]))
            ax.set_xticks(range(len(sub)))
            ax.set_xticklabels([f"batch {k[2]}\n{k[3]} thr" for k, _, _ in sub])
            ax.set_ylabel("% of FP32 peak (labels: ms per call)")
            ax.set_title(f"{workload} {entry}")
            ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(a.png, dpi=120)


if __name__ == "__main__":
    main()
