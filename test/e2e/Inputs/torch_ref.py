"""PyTorch twins of the test networks. Loads the parameters resc's runtime
wrote (by state_dict name, strict), makes seeded inputs, and writes what
PyTorch computes, for compare.py to check against resrun's output.

  torch_ref.py MODEL --params P.safetensors --inputs DIR --expected OUT.npy
               [--batch N] [--seed S] [--entry forward|loss] [--depth D] [--width W]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402
from dropout_ref import keep_mask  # noqa: E402


# The smallest |x| any F.relu saw. A ReLU input within ~1e-6 of zero is a
# kink that another f32 summation order can put on the other side, which
# changes the gradient (training-mode BatchNorm then spreads the change over
# the whole channel): a comparison that fails with a margin this small is
# not evidence of a bug. Printed to stderr with the training losses.
relu_margin = [float("inf")]
_relu = F.relu


def _tracked_relu(x, *args, **kwargs):
    relu_margin[0] = min(relu_margin[0], float(x.detach().abs().min()))
    return _relu(x, *args, **kwargs)


F.relu = _tracked_relu


def dropout(model, h, p, site):
    """resc's dropout: the identity unless train() set model.dropout_key
    (seed, step); then the mask of docs/training.md's generator."""
    if getattr(model, "dropout_key", None) is None:
        return h
    seed, step = model.dropout_key
    keep = keep_mask(seed, step, site, tuple(h.shape), p)
    return h * torch.from_numpy(keep.astype(np.float32) * np.float32(1 / (1 - p)))


class Residual(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return x + self.fc2(F.relu(self.fc1(x)))


class ResMLP(nn.Module):
    def __init__(self, depth, width):
        super().__init__()
        self.stem = nn.Linear(784, width)
        self.blocks = nn.Sequential(*[Residual(width, 2 * width) for _ in range(depth)])
        self.head = nn.Linear(width, 10)

    def forward(self, x):
        return self.head(self.blocks(F.relu(self.stem(x))))

    def loss(self, x, y):
        return F.cross_entropy(self.forward(x), y.long())

    def optimizer(self, lr):  # as declared in examples/resmlp.res
        return torch.optim.SGD(self.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)

    @staticmethod
    def inputs(rng, n, entry):
        x = rng.standard_normal((n, 784)).astype(np.float32)
        if entry == "loss":
            return [x, rng.integers(0, 10, n).astype(np.int32)]
        return [x]


class Mix(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        return x + F.silu(self.fc(x)) * 0.5


class Features(nn.Module):
    uses_dropout = True

    def __init__(self, d=16):
        super().__init__()
        self.inp = nn.Linear(12, d)
        self.mixes = nn.Sequential(*[Mix(d) for _ in range(3)])
        self.proj = nn.Linear(2 * d, d, bias=False)
        self.out = nn.Linear(d, 6)

    def forward(self, x, a, b, w):
        h = F.gelu(self.inp(x))
        h = self.mixes(F.relu(h) - h * 0.25)
        t = torch.tanh(h) - torch.sigmoid(-h) / 2
        g = F.gelu(h, approximate="tanh") + dropout(self, h, 0.3, site=0)
        c = self.proj(torch.cat([t, g], dim=1))
        m = torch.softmax(a @ b, dim=-1)
        s = torch.log_softmax(m, 1)
        r = s.reshape(-1, 20)
        q = r.reshape(-1, 5, 4).transpose(1, 2)
        z = torch.flatten(q, 1)
        e = torch.sqrt(torch.exp(z.mean(dim=[1], keepdim=True)))
        v = a @ (b @ w)
        k = c * e + z.sum(dim=[1], keepdim=True) / 20 - torch.log(1 + torch.exp(-c)) \
            + v.mean(dim=[-1], keepdim=True)
        return self.out(k)

    def loss(self, x, a, b, w, y):
        return F.mse_loss(self.forward(x, a, b, w), y)

    def optimizer(self, lr):  # as declared in Inputs/features.res
        return torch.optim.AdamW(self.parameters(), lr=lr, weight_decay=0.05)

    @staticmethod
    def inputs(rng, n, entry):
        ins = [rng.standard_normal(s).astype(np.float32)
               for s in [(n, 12), (n, 4, 3), (3, 5), (5,)]]
        if entry == "loss":
            ins.append(rng.standard_normal((n, 6)).astype(np.float32))
        return ins


class Inner(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        return x + torch.tanh(self.fc(x))


class LongSkip(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.inp = nn.Linear(10, d)
        self.a, self.b, self.c = Inner(d), Inner(d), Inner(d)
        self.out = nn.Linear(d, 3)

    def forward(self, x):
        h = F.relu(self.inp(x))
        return self.out(self.c(self.b(self.a(h))) + h)

    def loss(self, x, y):
        return F.cross_entropy(self.forward(x), y.long())

    @staticmethod
    def inputs(rng, n, entry):
        x = rng.standard_normal((n, 10)).astype(np.float32)
        return [x, rng.integers(0, 3, n).astype(np.int32)] if entry == "loss" else [x]


class Shared(nn.Module):
    def __init__(self, d=12):
        super().__init__()
        self.inp = nn.Linear(6, d)
        self.f1, self.f2, self.f3 = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.out = nn.Linear(d, 4)

    def forward(self, x):
        h = F.gelu(self.inp(x))
        a = h + self.f1(h)
        b = a + self.f2(h) * torch.sigmoid(self.f3(a))
        return self.out(b + h)

    def loss(self, x, y):
        return F.mse_loss(self.forward(x), y)

    @staticmethod
    def inputs(rng, n, entry):
        x = rng.standard_normal((n, 6)).astype(np.float32)
        if entry == "loss":
            return [x, rng.standard_normal((n, 4)).astype(np.float32)]
        return [x]


class Mixer(nn.Module):
    def __init__(self, t, d):
        super().__init__()
        self.tok = nn.Linear(t, t)
        self.ch = nn.Linear(d, d)

    def forward(self, x):
        y = x + self.tok(x.transpose(1, 2)).transpose(1, 2)
        return y + self.ch(F.silu(y))


class Seq(nn.Module):
    def __init__(self, t=5, d=8, classes=7):
        super().__init__()
        self.inp = nn.Linear(3, d)
        self.mix = nn.Sequential(Mixer(t, d), Mixer(t, d))
        self.out = nn.Linear(d, classes)

    def forward(self, x):
        return torch.log_softmax(self.out(self.mix(self.inp(x))), -1)

    def loss(self, x, y):
        z = self.forward(x)
        return F.cross_entropy(z.reshape(-1, z.shape[-1]), y.long().reshape(-1))

    @staticmethod
    def inputs(rng, n, entry):
        x = rng.standard_normal((n, 5, 3)).astype(np.float32)
        if entry == "loss":
            return [x, rng.integers(0, 7, (n, 5)).astype(np.int32)]
        return [x]


class Basic(nn.Module):
    """examples/resnet8.res's Basic block."""

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


class ResNet8(nn.Module):
    """examples/resnet8.res: forward in evaluation mode, loss in training mode
    (BatchNorm with batch statistics), like resc's entry points. `blocks`:
    the count of stage1's repeat (1 in the fixture)."""

    def __init__(self, blocks=1):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, padding=1)
        self.stage1 = nn.Sequential(*[Basic(16, 16) for _ in range(blocks)])
        self.stage2 = Basic(16, 32, stride=2)
        self.stage3 = Basic(32, 64, stride=2)
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        h = self.stage3(self.stage2(self.stage1(F.relu(self.stem(x)))))
        return self.head(h.mean(dim=[2, 3]))

    def loss(self, x, y):
        return F.cross_entropy(self.forward(x), y.long())

    def optimizer(self, lr):  # as declared in examples/resnet8.res
        return torch.optim.AdamW(self.parameters(), lr=lr, weight_decay=0.01)

    @staticmethod
    def inputs(rng, n, entry):
        x = rng.standard_normal((n, 1, 28, 28)).astype(np.float32)
        return [x, rng.integers(0, 10, n).astype(np.int32)] if entry == "loss" else [x]


class NNOps(nn.Module):
    """Inputs/nnops.res (forward only)."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.ln = nn.LayerNorm(8)
        self.conv = nn.Conv2d(2, 2, 3, padding=2, dilation=2, groups=2)
        self.out = nn.Linear(26, 5)

    def forward(self, tok, img):
        e = self.ln(self.emb(tok.long())).mean(dim=1)
        m = F.max_pool2d(self.conv(img), 3, stride=2, padding=1)
        p = F.avg_pool2d(m, 2, stride=2, padding=1)
        return self.out(torch.cat([e, p.flatten(1)], dim=1))

    @staticmethod
    def inputs(rng, n, entry):
        return [rng.integers(0, 20, (n, 6)).astype(np.int32),
                rng.standard_normal((n, 2, 9, 9)).astype(np.float32)]


class Down(nn.Module):
    """Inputs/nngrad.res's residual block."""

    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=2, dilation=2, groups=2)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return self.bn(F.relu(self.conv(x))) + x


class NNGrad(nn.Module):
    """Inputs/nngrad.res: every layer with a gradient, in one loss."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.ln = nn.LayerNorm(8)
        self.stem = nn.Conv2d(2, 4, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.down = Down(4)
        self.out = nn.Linear(48, 5)

    def forward(self, tok, img):
        e = self.ln(self.emb(tok.long())).mean(dim=1)
        h = self.down(self.bn(F.relu(self.stem(img))))
        m = F.max_pool2d(F.relu(h), 3, stride=2, padding=1)
        p = F.avg_pool2d(m, 2, stride=1, padding=1)
        return self.out(torch.cat([e, p.mean(dim=[2, 3]), m.flatten(1)], dim=1))

    def loss(self, tok, img, y):
        return F.cross_entropy(self.forward(tok, img), y.long())

    @staticmethod
    def inputs(rng, n, entry):
        ins = [rng.integers(0, 20, (n, 6)).astype(np.int32),
               rng.standard_normal((n, 2, 9, 9)).astype(np.float32)]
        if entry == "loss":
            ins.append(rng.integers(0, 5, n).astype(np.int32))
        return ins


class SymConv(nn.Module):
    """Inputs/symconv.res (symbolic H, W; the inputs are 7 x 6)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(2, 3, 3, padding=1)
        self.c2 = nn.Conv2d(3, 3, 5, padding=4, dilation=2, groups=3)
        self.bn = nn.BatchNorm2d(3)
        self.out = nn.Linear(3, 4)

    def forward(self, x):
        h = self.bn(F.relu(self.c2(F.relu(self.c1(x)))))
        return self.out(h.mean(dim=[2, 3]))

    def loss(self, x, y):
        return F.cross_entropy(self.forward(x), y.long())

    @staticmethod
    def inputs(rng, n, entry):
        x = rng.standard_normal((n, 2, 7, 6)).astype(np.float32)
        return [x, rng.integers(0, 4, n).astype(np.int32)] if entry == "loss" else [x]


class Twice(nn.Module):
    """Inputs/bntwice.res: one BatchNorm applied twice."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(2)
        self.head = nn.Linear(2, 3)

    def forward(self, x):
        return self.head(F.relu(self.bn(F.relu(self.bn(self.conv(x))))).mean(dim=[2, 3]))

    def loss(self, x, y):
        return F.cross_entropy(self.forward(x), y.long())

    def optimizer(self, lr):  # as declared in Inputs/bntwice.res
        return torch.optim.SGD(self.parameters(), lr=lr, momentum=0.9)

    @staticmethod
    def inputs(rng, n, entry):
        x = rng.standard_normal((n, 1, 5, 5)).astype(np.float32)
        return [x, rng.integers(0, 3, n).astype(np.int32)] if entry == "loss" else [x]


class Attn(nn.Module):
    """Inputs/attention.res; inputs [N, 5, 8]."""

    def __init__(self):
        super().__init__()
        self.causal = nn.MultiheadAttention(8, 2, batch_first=True)
        self.full = nn.MultiheadAttention(8, 4, batch_first=True)
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        t = x.shape[1]
        mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        h = x + self.causal(x, x, x, attn_mask=mask, need_weights=False)[0]
        return self.out(h + self.full(h, h, h, need_weights=False)[0])

    def loss(self, x, y):
        logits = self.forward(x)
        return F.cross_entropy(logits.reshape(-1, 3), y.reshape(-1).long())

    @staticmethod
    def inputs(rng, n, entry):
        x = rng.standard_normal((n, 5, 8)).astype(np.float32)
        return [x, rng.integers(0, 3, (n, 5)).astype(np.int32)] if entry == "loss" else [x]


class TinyLayer(nn.Module):
    """examples/tinylm.res's pre-norm transformer Layer."""

    def __init__(self, d, heads, hidden):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, hidden)
        self.fc2 = nn.Linear(hidden, d)

    def forward(self, x):
        t = x.shape[1]
        causal = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=causal, need_weights=False)[0]
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class TinyLM(nn.Module):
    """examples/tinylm.res (vocab 256, d 128, 4 layers); inputs [N, 12]."""
    T = 12

    def __init__(self, vocab=256, d=128, depth=4):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.layers = nn.Sequential(*[TinyLayer(d, 4, 4 * d) for _ in range(depth)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, tokens):
        return self.head(self.ln(self.layers(self.embed(tokens.long()))))

    def loss(self, tokens, nxt):
        logits = self.forward(tokens)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), nxt.reshape(-1).long())

    adam_eps = 1e-8

    def optimizer(self, lr):  # as declared in examples/tinylm.res: AdamW()
        return torch.optim.AdamW(self.parameters(), lr=lr, eps=self.adam_eps)

    @staticmethod
    def inputs(rng, n, entry):
        seq = rng.integers(0, 256, (n, TinyLM.T + 1)).astype(np.int32)
        return [seq[:, :-1].copy(), seq[:, 1:].copy()] if entry == "loss" else [seq[:, :-1].copy()]


class ConvMix(nn.Module):
    """Inputs/convmix.res: grouped, strided, dilated and padded convolutions."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2)
        self.b = nn.Conv2d(6, 6, 1, stride=2, padding=1, bias=False)
        self.c = nn.Conv2d(6, 4, 5, stride=3, padding=2, groups=2)
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        h = F.relu(self.b(F.relu(self.a(x))))
        return self.out(torch.flatten(self.c(h), 1))

    def loss(self, x, y):
        return F.cross_entropy(self.forward(x), y.long())

    @staticmethod
    def inputs(rng, n, entry):
        x = rng.standard_normal((n, 4, 11, 9)).astype(np.float32)
        return [x, rng.integers(0, 3, n).astype(np.int32)] if entry == "loss" else [x]


class ShiftConv(nn.Module):
    """Inputs/shiftconv.res: stride-1 convolutions on the padded grid."""

    def __init__(self):
        super().__init__()
        self.b = nn.Conv2d(16, 16, 3, padding=1)
        self.a = nn.Conv2d(16, 16, 3, padding=2, dilation=2, groups=2)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        h = F.relu(self.a(F.relu(self.b(x))))
        return self.head(h.mean(dim=[2, 3]))

    def loss(self, x, y):
        return F.cross_entropy(self.forward(x), y.long())

    @staticmethod
    def inputs(rng, n, entry):
        x = rng.standard_normal((n, 16, 28, 28)).astype(np.float32)
        return [x, rng.integers(0, 5, n).astype(np.int32)] if entry == "loss" else [x]


MODELS = {"longskip": LongSkip, "shared": Shared, "seq": Seq, "resnet8": ResNet8,
          "resnet8x2": lambda: ResNet8(blocks=2), "nnops": NNOps,
          "nngrad": NNGrad, "symconv": SymConv, "bntwice": Twice, "tinylm": TinyLM,
          "attn": Attn, "convmix": ConvMix,
          "shiftconv": ShiftConv}


def train(model, ins, args):
    """K optimizer steps; writes the losses, parameters and optimizer state."""
    model.train()
    opt = model.optimizer(args.lr)
    names = {p: n for n, p in model.named_parameters()}
    first_step = 0
    if args.state_in:  # resc's optimizer state (its names): continue from it
        saved = safetensors_io.load(args.state_in)
        first_step = int(saved.get("optimizer.step", np.array(0.0)))
        for group in opt.param_groups:
            for p in group["params"]:
                keys = {k[len(names[p]) + 1:]: v for k, v in saved.items()
                        if k.startswith(names[p] + ".")}
                if keys:
                    opt.state[p] = {k: torch.from_numpy(v.copy()) for k, v in keys.items()}
                    if "exp_avg" in keys:  # Adam counts its steps per parameter
                        opt.state[p]["step"] = torch.tensor(float(first_step))
    losses = []
    for step in range(args.train_steps):
        model.dropout_key = (args.dropout_seed, step)
        opt.zero_grad()
        loss = model.loss(*ins)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.dropout_key = None
    print(f"smallest |ReLU input| over the steps: {relu_margin[0]:.2e}", file=sys.stderr)
    np.save(args.expected, np.array(losses, np.float32))
    safetensors_io.save(args.params_out,
                        {k: v.detach().numpy() for k, v in model.state_dict().items()})
    state = {}
    for group in opt.param_groups:
        for p in group["params"]:
            for key, value in opt.state[p].items():
                if key == "step":
                    step = float(value)
                    continue
                state[f"{names[p]}.{key}"] = value.detach().numpy()
    state["optimizer.step"] = np.array(first_step + args.train_steps, np.float32)
    if getattr(model, "uses_dropout", False):  # resc's generator state, unchanged
        state["dropout.seed"] = np.array(args.dropout_seed, np.int64)
    safetensors_io.save(args.state_out, state)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--params", required=True)
    p.add_argument("--inputs", required=True, help="directory for in0.npy, in1.npy, ...")
    p.add_argument("--expected", required=True)
    p.add_argument("--batch", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--entry", default="forward")
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--grads-out", help="with --entry loss: save d loss / d param (safetensors)")
    p.add_argument("--train-steps", type=int, default=0,
                   help="run K steps of the model's optimizer on the loss inputs")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--adam-eps", type=float, help="tinylm, resnet8: AdamW's eps (default 1e-8)")
    p.add_argument("--params-out", help="after training: parameters and buffers")
    p.add_argument("--dropout-seed", type=int, default=0,
                   help="with --train-steps: resc's dropout.seed state (0 unless loaded)")
    p.add_argument("--state-out", help="after training: optimizer state, resc's names")
    p.add_argument("--state-in", help="before training: optimizer state to continue from "
                   "(resc's names, as resrun --save-state writes it)")
    args = p.parse_args()

    torch.set_num_threads(1)
    if args.model == "resmlp":
        model = ResMLP(args.depth, args.width)
    elif args.model == "features":
        model = Features()
    elif args.model in MODELS:
        model = MODELS[args.model]()
        if args.adam_eps is not None:
            model.adam_eps = args.adam_eps
    else:
        sys.exit(f"unknown model {args.model}")
    state = {k: torch.from_numpy(v) for k, v in safetensors_io.load(args.params).items()}
    model.load_state_dict(state, strict=True)  # resc's names are PyTorch's
    # resc's loss (and loss_grad, train_step) is PyTorch's model.train():
    # BatchNorm normalises with batch statistics; forward is model.eval().
    model.train(args.entry == "loss" or args.train_steps > 0)

    rng = np.random.default_rng(args.seed)
    ins = type(model).inputs(rng, args.batch, args.entry)
    os.makedirs(args.inputs, exist_ok=True)
    for i, arr in enumerate(ins):
        np.save(os.path.join(args.inputs, f"in{i}.npy"), arr)
    if args.train_steps:
        train(model, [torch.from_numpy(a) for a in ins], args)
        return
    fn = model.loss if args.entry == "loss" else model.forward
    out = fn(*[torch.from_numpy(a) for a in ins])
    np.save(args.expected, out.detach().numpy().astype(np.float32))
    if args.grads_out:
        out.backward()
        grads = {name: p.grad.numpy() if p.grad is not None else np.zeros_like(p.detach().numpy())
                 for name, p in model.named_parameters()}
        safetensors_io.save(args.grads_out, grads)


if __name__ == "__main__":
    main()
