"""bench/linear.res in PyTorch: one Linear(512, 1024) (module name fc), softmax
cross-entropy over its 1024 outputs, SGD with momentum. Its forward is one
addmm, i.e. one OpenBLAS sgemm: the GEMM baseline of issue 7's GEMM target."""
import torch
import torch.nn as nn

from resmlp_torch import loss, optimizer  # noqa: F401 (the same loss and optimizer declaration)

WIDTH, HIDDEN = 512, 1024


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(WIDTH, HIDDEN)

    def forward(self, x):
        return self.fc(x)


def inputs(batch):
    """Like resrun --bench: x ~ N(0, 1), labels uniform over the outputs."""
    return torch.randn(batch, WIDTH), torch.randint(0, HIDDEN, (batch,))
