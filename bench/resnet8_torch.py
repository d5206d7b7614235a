"""examples/resnet8.res in PyTorch: the same layers, names and optimizer."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Basic(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = (nn.Conv2d(cin, cout, 1, stride=stride, bias=False)
                         if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(h)) + self.shortcut(x))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, padding=1)
        self.stage1 = nn.Sequential(Basic(16, 16))
        self.stage2 = Basic(16, 32, stride=2)
        self.stage3 = Basic(32, 64, stride=2)
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        h = self.stage3(self.stage2(self.stage1(F.relu(self.stem(x)))))
        return self.head(h.mean(dim=[2, 3]))


def inputs(batch):
    return torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))


def loss(output, y):
    return F.cross_entropy(output, y)


def optimizer(model, lr):
    """optimizer = AdamW(weight_decay = 0.01), as declared."""
    return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
