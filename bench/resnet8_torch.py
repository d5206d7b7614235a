"""examples/resnet8.res in PyTorch: the same layers, names and optimizer."""
import os
import sys

import torch
import torch.nn.functional as F

# The PyTorch twin the parity tests check resc against (one definition).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "e2e", "Inputs"))
import torch_ref  # noqa: E402

Model = torch_ref.ResNet8


def inputs(batch):
    return torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))


def loss(output, y):
    return F.cross_entropy(output, y)


def optimizer(model, lr):
    """optimizer = AdamW(weight_decay = 0.01), as declared."""
    return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
