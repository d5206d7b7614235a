#!/usr/bin/python3
"""Times the one-Linear workload (bench/linear.res) in PyTorch eager (Debian's python3-torch 1.13).
See torch_bench.py for the command line and what is timed."""
import linear_torch
import torch_bench

if __name__ == "__main__":
    torch_bench.main(linear_torch, __doc__)
