"""The ResMLP fixture (examples/resmlp.res) in PyTorch, with the same
parameter names (stem, blocks.i.fc1, blocks.i.fc2, head) and optimizer."""
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


class Model(nn.Module):
    def __init__(self, depth=8, width=512):
        super().__init__()
        self.stem = nn.Linear(IN, width)
        self.blocks = nn.Sequential(*[Residual(width, 2 * width) for _ in range(depth)])
        self.head = nn.Linear(width, CLASSES)

    def forward(self, x):
        return self.head(self.blocks(F.relu(self.stem(x))))


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
