"""examples/tinylm.res in PyTorch: the same layers, names and optimizer,
on byte sequences of T = 128 (resrun --bench ... --dim T=128)."""
import os
import sys

import torch
import torch.nn.functional as F

# The PyTorch twin the parity tests check resc against (one definition).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "e2e", "Inputs"))
import torch_ref  # noqa: E402

T = 128
Model = torch_ref.TinyLM


def inputs(batch):
    seq = torch.randint(0, 256, (batch, T + 1), dtype=torch.int32)
    return seq[:, :-1].contiguous(), seq[:, 1:].contiguous()


def loss(output, y):
    return F.cross_entropy(output.reshape(-1, output.shape[-1]), y.reshape(-1).long())


def optimizer(model, lr):
    """optimizer = AdamW(), as declared."""
    return torch.optim.AdamW(model.parameters(), lr=lr)


def flops(model, x, workload):
    """GEMM FLOPs of one call: per layer the packed in-projection (3 d x d),
    the scores q k^T and the weighted values (2 N T^2 d each), the
    out-projection and the MLP; then the head. train_step: forward, the
    weight gradients (as many) and the data gradients (as many, but for the
    embedding), i.e. 3x forward."""
    n, t = x.shape
    d, vocab = model.embed.embedding_dim, model.head.out_features
    per_layer = 0
    for layer in model.layers:
        hidden = layer.fc1.out_features
        per_layer += 2 * n * t * d * (3 * d + d + 2 * hidden) + 2 * 2 * n * t * t * d
    fwd = per_layer + 2 * n * t * d * vocab
    return fwd if workload == "forward" else 3 * fwd
