#!/usr/bin/env python3
# make_vae_reference.py — an independent float64 reference for one forward and
# backward pass of the VAE in core/vae.h, written to vae_reference.txt, which
# tests/test_reference.c holds anc_vae_loss_batch() to.
#
# Regenerate from the repository root (NumPy and the standard library only):
#     python3 tests/reference/make_vae_reference.py
# The output is deterministic (fixed seed), so a rerun must leave git diff empty.
#
# Independence: nothing here is derived from the C code. The model and loss are
# taken from the comment in core/vae.h, the tensor names and shapes from the
# layout it documents, and every backward term is written out by hand below and
# then checked against central finite differences over EVERY entry of every
# tensor and of x, in float64, before anything is written.
#
# All inputs (parameters, x, eps, beta) are rounded to float32 first, so the
# C side, which holds them as float, starts from exactly the same numbers and
# only its float32 arithmetic differs.
#
# Fixture format (text, one record per line, '#' lines are comments):
#   ancestral-vae-reference 1                 magic and version, first line
#   case <name> <D> <L> <n_hidden> <hidden widths...> <activation> <B> <beta>
#   tensor <name> <rows> <cols>               then <rows> lines of <cols> values:
#                                             every parameter tensor (names as in
#                                             core/vae_layout.c, W is [out][in],
#                                             a vector is [n][1]), then
#                                             "x" [B][D] and "eps" [B][L]
#   loss <total> <rec> <kl> <sq_err>          batch means, as in anc_vae_loss
#   grad <name> <rows> <cols>                 d(total)/d(parameter), then values
#   grad_x <B> <D>                            d(total)/dx, then values
#   end                                       closes the case
# Values are printed with %.9e (float32 inputs round-trip exactly).
# Activation names: linear relu leaky_relu tanh silu (leaky slope 0.01).

import math
import os
import sys

import numpy as np

LEAKY_SLOPE = 0.01
SEED = 20240611

# name, D, L, hidden, activation, B, beta, log_sigma (None: drawn)
CASES = [
    ("a", 7, 3, [6, 5], "silu", 4, 0.7, None),
    ("b", 5, 2, [4], "tanh", 3, 1.0, None),
    ("c", 6, 2, [], "linear", 2, 0.3, None),
    ("d", 9, 4, [8, 7, 6], "leaky_relu", 3, 1.0, -0.4),
]


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def act_fwd(name, a):
    if name == "linear":
        return a.copy()
    if name == "relu":
        return np.maximum(a, 0.0)
    if name == "leaky_relu":
        return np.where(a > 0.0, a, LEAKY_SLOPE * a)
    if name == "tanh":
        return np.tanh(a)
    if name == "silu":
        return a / (1.0 + np.exp(-a))
    raise ValueError(name)


def act_grad(name, a):
    """d act(a) / da, elementwise."""
    if name == "linear":
        return np.ones_like(a)
    if name == "relu":
        return (a > 0.0).astype(np.float64)
    if name == "leaky_relu":
        return np.where(a > 0.0, 1.0, LEAKY_SLOPE)
    if name == "tanh":
        return 1.0 - np.tanh(a) ** 2
    if name == "silu":
        s = 1.0 / (1.0 + np.exp(-a))
        return s * (1.0 + a * (1.0 - s))
    raise ValueError(name)


def layout(D, L, hidden):
    """(name, rows, cols) in the block order of core/vae_layout.c."""
    nh = len(hidden)
    H = hidden[-1] if nh else D
    out = []
    for i in range(nh):
        out.append((f"enc.{i}.w", hidden[i], hidden[i - 1] if i else D))
        out.append((f"enc.{i}.b", hidden[i], 1))
    out += [("mu.w", L, H), ("mu.b", L, 1), ("logvar.w", L, H), ("logvar.b", L, 1)]
    for i in range(nh):
        out.append((f"dec.{i}.w", hidden[nh - 1 - i], hidden[nh - i] if i else L))
        out.append((f"dec.{i}.b", hidden[nh - 1 - i], 1))
    out += [("out.w", D, hidden[0] if nh else L), ("out.b", D, 1), ("log_sigma", 1, 1)]
    return out


def forward(p, x, eps, hidden, act, beta, want_grad):
    """Loss terms (batch means) and, if want_grad, gradients of total."""
    B, D = x.shape
    nh = len(hidden)

    # encoder: pre-activations a[i], layer inputs h[i] (h[0] = x)
    h, a = [x], []
    for i in range(nh):
        a.append(h[i] @ p[f"enc.{i}.w"].T + p[f"enc.{i}.b"][:, 0])
        h.append(act_fwd(act, a[i]))
    top = h[-1]
    mu = top @ p["mu.w"].T + p["mu.b"][:, 0]
    lv = top @ p["logvar.w"].T + p["logvar.b"][:, 0]
    s = np.exp(0.5 * lv)
    z = mu + s * eps

    # decoder: pre-activations c[i], layer inputs g[i] (g[0] = z)
    g, c = [z], []
    for i in range(nh):
        c.append(g[i] @ p[f"dec.{i}.w"].T + p[f"dec.{i}.b"][:, 0])
        g.append(act_fwd(act, c[i]))
    f = g[-1] @ p["out.w"].T + p["out.b"][:, 0]

    ls = p["log_sigma"][0, 0]
    inv_var = math.exp(-2.0 * ls)
    r = x - f
    sq = np.sum(r * r, axis=1)
    rec = 0.5 * sq * inv_var + D * ls + 0.5 * D * math.log(2.0 * math.pi)
    kl = 0.5 * np.sum(mu * mu + np.exp(lv) - lv - 1.0, axis=1)
    total = rec + beta * kl
    loss = (total.mean(), rec.mean(), kl.mean(), sq.mean())
    if not want_grad:
        return loss, None, None

    gr = {}
    # total = (1/B) sum_b [rec_b + beta kl_b]
    # d rec_b / d f = -(x - f) / sigma^2
    df = -r * inv_var / B
    # d rec_b / d log_sigma = -sq_b / sigma^2 + D   (d/dls exp(-2 ls) = -2 exp(-2 ls))
    gr["log_sigma"] = np.array([[np.sum(-sq * inv_var + D) / B]])
    # d rec_b / d x, the direct path (the encoder path is added below)
    dx = r * inv_var / B

    # output layer f = g W^T + b
    gr["out.w"] = df.T @ g[-1]
    gr["out.b"] = df.sum(axis=0)[:, None]
    dg = df @ p["out.w"]
    for i in reversed(range(nh)):
        dc = dg * act_grad(act, c[i])
        gr[f"dec.{i}.w"] = dc.T @ g[i]
        gr[f"dec.{i}.b"] = dc.sum(axis=0)[:, None]
        dg = dc @ p[f"dec.{i}.w"]
    dz = dg

    # z = mu + exp(lv/2) eps: dz/dmu = 1, dz/dlv = 0.5 exp(lv/2) eps
    # kl: d/dmu = mu, d/dlv = 0.5 (exp(lv) - 1)
    dmu = dz + beta * mu / B
    dlv = dz * 0.5 * s * eps + beta * 0.5 * (np.exp(lv) - 1.0) / B
    gr["mu.w"] = dmu.T @ top
    gr["mu.b"] = dmu.sum(axis=0)[:, None]
    gr["logvar.w"] = dlv.T @ top
    gr["logvar.b"] = dlv.sum(axis=0)[:, None]
    dh = dmu @ p["mu.w"] + dlv @ p["logvar.w"]
    for i in reversed(range(nh)):
        da = dh * act_grad(act, a[i])
        gr[f"enc.{i}.w"] = da.T @ h[i]
        gr[f"enc.{i}.b"] = da.sum(axis=0)[:, None]
        dh = da @ p[f"enc.{i}.w"]
    dx = dx + dh
    return loss, gr, dx


def make_case(rng, name, D, L, hidden, act, B, beta, log_sigma):
    p = {}
    for tname, rows, cols in layout(D, L, hidden):
        if tname == "log_sigma":
            v = log_sigma if log_sigma is not None else rng.uniform(-0.3, 0.3)
            p[tname] = f32([[v]])
        elif tname.endswith(".w"):
            # Glorot scale keeps every pre-activation of order one
            lim = math.sqrt(6.0 / (rows + cols))
            p[tname] = f32(rng.uniform(-lim, lim, size=(rows, cols)))
        elif tname == "logvar.b":
            # around -1: posterior spread small but not negligible, so the eps
            # path carries a real gradient
            p[tname] = f32(rng.uniform(-1.3, -0.7, size=(rows, 1)))
        else:
            p[tname] = f32(rng.uniform(-0.2, 0.2, size=(rows, 1)))
    # x like magnitude features: non-negative, of order one
    x = f32(rng.uniform(0.0, 1.5, size=(B, D)))
    eps = f32(rng.standard_normal(size=(B, L)))
    return p, x, eps, f32(beta)[()]


def clear_of_kinks(p, x, eps, hidden, act):
    """Whether every relu pre-activation is at least 1e-3 from the kink: a finite
    difference across it is meaningless, and float32 round-off near it could
    flip the branch on the C side."""
    if act not in ("relu", "leaky_relu"):
        return True
    nh = len(hidden)
    h = x
    for i in range(nh):
        a = h @ p[f"enc.{i}.w"].T + p[f"enc.{i}.b"][:, 0]
        if np.min(np.abs(a)) <= 1e-3:
            return False
        h = act_fwd(act, a)
    mu = h @ p["mu.w"].T + p["mu.b"][:, 0]
    lv = h @ p["logvar.w"].T + p["logvar.b"][:, 0]
    g = mu + np.exp(0.5 * lv) * eps
    for i in range(nh):
        c = g @ p[f"dec.{i}.w"].T + p[f"dec.{i}.b"][:, 0]
        if np.min(np.abs(c)) <= 1e-3:
            return False
        g = act_fwd(act, c)
    return True


def fd_check(name, p, x, eps, hidden, act, beta, gr, dx):
    """Central differences on every entry of every tensor and of x."""
    step = 1e-5
    worst = 0.0

    def total(pp, xx):
        return forward(pp, xx, eps, hidden, act, beta, False)[0][0]

    def rel(num, ana):
        # relative, with a floor so entries whose gradient is ~0 are judged
        # absolutely (1e-6 * 1e-2 = 1e-8, far above the FD round-off of ~1e-10)
        return abs(num - ana) / max(abs(num), abs(ana), 1e-2)

    targets = [(t, p[t], gr[t]) for t in p] + [("x", x, dx)]
    for tname, arr, ana in targets:
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + step
            up = total(p, x)
            arr[idx] = old - step
            down = total(p, x)
            arr[idx] = old
            num = (up - down) / (2.0 * step)
            e = rel(num, ana[idx])
            worst = max(worst, e)
            assert e < 1e-6, f"case {name}: d total / d {tname}{idx}: analytic {ana[idx]:.12e} finite difference {num:.12e}"
    return worst


def fmt_rows(a):
    return "".join(" ".join(f"{v:.9e}" for v in row) + "\n" for row in a)


def main():
    rng = np.random.default_rng(SEED)
    out = ["ancestral-vae-reference 1\n",
           "# written by tests/reference/make_vae_reference.py; do not edit\n"]
    for name, D, L, hidden, act, B, beta, ls in CASES:
        for _ in range(100):  # redraw (deterministically) until clear of kinks
            p, x, eps, beta32 = make_case(rng, name, D, L, hidden, act, B, beta, ls)
            if clear_of_kinks(p, x, eps, hidden, act):
                break
        else:
            raise RuntimeError(f"case {name}: no draw clear of the relu kink")
        loss, gr, dx = forward(p, x, eps, hidden, act, beta32, True)
        worst = fd_check(name, p, x, eps, hidden, act, beta32, gr, dx)
        print(f"case {name}: total {loss[0]:.6f} rec {loss[1]:.6f} kl {loss[2]:.6f}; "
              f"finite-difference worst relative error {worst:.2e}", file=sys.stderr)

        widths = " ".join(str(w) for w in hidden)
        out.append(f"case {name} {D} {L} {len(hidden)}{' ' + widths if hidden else ''} "
                   f"{act} {B} {beta32:.9e}\n")
        names = layout(D, L, hidden)
        for tname, rows, cols in names:
            assert p[tname].shape == (rows, cols)
            out.append(f"tensor {tname} {rows} {cols}\n" + fmt_rows(p[tname]))
        out.append(f"tensor x {B} {D}\n" + fmt_rows(x))
        out.append(f"tensor eps {B} {L}\n" + fmt_rows(eps))
        out.append("loss " + " ".join(f"{v:.9e}" for v in loss) + "\n")
        for tname, rows, cols in names:
            assert gr[tname].shape == (rows, cols)
            out.append(f"grad {tname} {rows} {cols}\n" + fmt_rows(gr[tname]))
        out.append(f"grad_x {B} {D}\n" + fmt_rows(dx))
        out.append("end\n")

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vae_reference.txt")
    with open(path, "w", encoding="ascii", newline="\n") as fh:
        fh.write("".join(out))


if __name__ == "__main__":
    main()
