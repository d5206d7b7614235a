"""The ResMLP fixture (examples/resmlp.res) in PyTorch, with the same
parameter names (stem, blocks.i.fc1, blocks.i.fc2, head) and optimizer, and
its FLOP count. Shared by the bench scripts."""
import torch
import torch.nn as nn
import torch.nn.functional as F

IN, CLASSES = 784, 10


class Residual(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return x + self.fc2(F.relu(self.fc1(x)))


class ResMLP(nn.Module):
    def __init__(self, depth=8, width=512):
        super().__init__()
        self.stem = nn.Linear(IN, width)
        self.blocks = nn.Sequential(*[Residual(width, 2 * width) for _ in range(depth)])
        self.head = nn.Linear(width, CLASSES)

    def forward(self, x):
        return self.head(self.blocks(F.relu(self.stem(x))))


def optimizer(model, lr):
    """optimizer = SGD(momentum = 0.9, weight_decay = 5e-4), as declared."""
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)


def train_step(model, opt, x, y):
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


def flops(workload, batch, depth=8, width=512):
    """GEMM FLOPs of one call, 2*M*N*K per GEMM; elementwise work is not
    counted. forward: one GEMM per Linear. train_step: that, plus the weight
    gradient of every Linear (same size) and the data gradient of every
    Linear but the stem (nothing needs dx), so just under 3x forward."""
    layers = [(IN, width)] + [(width, 2 * width), (2 * width, width)] * depth + [(width, CLASSES)]
    fwd = sum(2 * batch * i * o for i, o in layers)
    if workload == "forward":
        return fwd
    if workload in ("train_step", "loss_grad"):
        return 3 * fwd - 2 * batch * IN * width
    raise ValueError(workload)
