"""The ResMLP fixture (examples/resmlp.res) in PyTorch, with the same
parameter names (stem, blocks.i.fc1, blocks.i.fc2, head) and optimizer."""
import os
import sys

import torch
import torch.nn.functional as F

# The PyTorch twin the parity tests check resc against (one definition).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "e2e", "Inputs"))
import torch_ref  # noqa: E402

IN, CLASSES = 784, 10


class Model(torch_ref.ResMLP):
    def __init__(self, depth=8, width=512):
        super().__init__(depth, width)


def inputs(batch):
    """Like resrun --bench: x ~ N(0, 1), labels uniform in [0, 10)."""
    return torch.randn(batch, IN), torch.randint(0, CLASSES, (batch,))


def loss(output, y):
    return F.cross_entropy(output, y)


def optimizer(model, lr):
    """optimizer = SGD(momentum = 0.9, weight_decay = 5e-4), as declared."""
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)


def train_step(model, opt, x, y):
    opt.zero_grad()
    value = loss(model(x), y)
    value.backward()
    opt.step()
    return value
