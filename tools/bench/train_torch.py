#!/usr/bin/python3
"""train_torch.py — the PyTorch twin of ancestral-train's inner loop, for
comparing training throughput on the very same frames.

    /usr/bin/python3 tools/bench/train_torch.py FRAMES.bin [--epochs 3]
        [--batch 256] [--hidden 512,256] [--latent 16] [--threads 2] [--seed 1]

FRAMES.bin is what `ancestral-train --dump-frames FILE` writes: int32 n_frames,
int32 n_bins, then n_frames * n_bins float32, little-endian. Needs Debian's
python3-torch and python3-numpy (tools/setup-deps.sh --bench); run it with
/usr/bin/python3, which is the interpreter those packages serve.

The model and loss are those of core/vae.h: encoder D->512->256->(mu, logvar),
decoder L->256->512->D, SiLU after every hidden layer, linear heads and output,
one learned log_sigma, and per batch the mean over frames of
    0.5 * sum_d (x_d - f_d)^2 / sigma^2 + D log sigma + 0.5 D log(2 pi) + beta KL.
Each step does what the C trainer's step does: gather a shuffled minibatch, draw
eps, forward, backward, clip the global gradient norm at 50, Adam (lr 1e-3).
beta is held at 1 (the C trainer's KL warm-up changes a scalar, not the work).

Prints key: value lines; the one that matters is torch_frames_per_second,
training frames per second of wall time over whole epochs, after a warm-up
that is not timed.
"""
import argparse
import math
import os
import sys
import time

# Debian's torch runs its elementwise kernels on GNU OpenMP threads and its
# matrix products on OpenBLAS's own pthreads. With OpenMP's default active
# waiting, its idle worker spins against OpenBLAS's on a 2-core machine and a
# step takes several times longer (measured here: 460 against about 7000 frames/s
# on a busy machine): that would time thread contention, not PyTorch. Passive
# waiting is the fair baseline; libgomp reads it when torch loads it, so it is
# set before the import. An OMP_WAIT_POLICY already in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def load_frames(path):
    with open(path, "rb") as f:
        head = np.frombuffer(f.read(8), dtype="<i4")
        if head.size != 2 or head[0] < 1 or head[1] < 1:
            sys.exit(f"train_torch.py: {path}: not a frame dump (bad header)")
        n, d = int(head[0]), int(head[1])
        data = np.frombuffer(f.read(), dtype="<f4")
    if data.size != n * d:
        sys.exit(f"train_torch.py: {path}: {data.size} values, header says {n} x {d}")
    return torch.from_numpy(data.astype(np.float32).reshape(n, d))


class VAE(nn.Module):
    """core/vae.h's model, with nn.Linear's W [out][in] layout as in the C code."""

    def __init__(self, d, hidden, latent):
        super().__init__()
        enc, prev = [], d
        for h in hidden:
            enc += [nn.Linear(prev, h), nn.SiLU()]
            prev = h
        self.enc = nn.Sequential(*enc)
        self.mu = nn.Linear(prev, latent)
        self.lv = nn.Linear(prev, latent)
        dec, prev = [], latent
        for h in reversed(hidden):
            dec += [nn.Linear(prev, h), nn.SiLU()]
            prev = h
        dec.append(nn.Linear(prev, d))
        self.dec = nn.Sequential(*dec)
        self.log_sigma = nn.Parameter(torch.zeros(()))
        # The C initialisation: Glorot-uniform weights, zero biases, logvar bias -2.
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.constant_(self.lv.bias, -2.0)

    def loss(self, x, eps, beta):
        h = self.enc(x)
        mu, lv = self.mu(h), self.lv(h)
        z = mu + torch.exp(0.5 * lv) * eps
        f = self.dec(z)
        d = x.shape[1]
        sq = ((x - f) ** 2).sum(dim=1)
        rec = (0.5 * sq * torch.exp(-2.0 * self.log_sigma)
               + d * self.log_sigma + 0.5 * d * math.log(2.0 * math.pi))
        kl = 0.5 * (mu * mu + torch.exp(lv) - lv - 1.0).sum(dim=1)
        return (rec + beta * kl).mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("frames")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--hidden", default="512,256")
    ap.add_argument("--latent", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup-steps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x_all = load_frames(a.frames)
    n, d = x_all.shape
    hidden = [int(h) for h in a.hidden.split(",")]
    model = VAE(d, hidden, a.latent)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    params = list(model.parameters())

    def step(idx):
        x = x_all[idx]
        eps = torch.randn(x.shape[0], a.latent)
        opt.zero_grad(set_to_none=False)
        loss = model.loss(x, eps, 1.0)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 50.0)
        opt.step()
        return loss

    # Warm-up: first calls allocate, pick kernels and start the thread pools.
    for _ in range(a.warmup_steps):
        step(torch.randint(0, n, (a.batch,)))

    frames = 0
    t0 = time.perf_counter()
    for _ in range(a.epochs):
        order = torch.randperm(n)
        for s in range(0, n, a.batch):
            loss = step(order[s:s + a.batch])
            frames += min(a.batch, n - s)
    seconds = time.perf_counter() - t0
    if not math.isfinite(float(loss)):
        sys.exit("train_torch.py: the loss became non-finite")

    print(f"torch_version: {torch.__version__}")
    print(f"torch_threads: {torch.get_num_threads()}")
    print(f"torch_omp_wait_policy: {os.environ['OMP_WAIT_POLICY']}")
    print(f"torch_frames: {n}")
    print(f"torch_bins: {d}")
    print(f"torch_epochs: {a.epochs}")
    print(f"torch_seconds: {seconds:.3f}")
    print(f"torch_final_loss: {float(loss):.3f}")
    print(f"torch_frames_per_second: {frames / seconds:.0f}")


if __name__ == "__main__":
    main()
