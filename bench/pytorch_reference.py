#!/usr/bin/env python3
"""PyTorch reference timings for the two steps our benchmarks time, written the way the paper's released code
computes them (../shared/spec/method.md, swat-small sizes from ../shared/spec/swat-small.md), so that
bench_autoencoder_step and bench_search_step can be compared with PyTorch on the same machine in one session.

  autoencoder step: 64 networks x 1000 points; encoder Linear(112 -> 64) + positional embedding + 2 pre-LN blocks
    (4 heads, FFN 256, tanh-GELU) + LayerNorm; one decoder per depth 1..4 (2 blocks + LayerNorm + Linear(64 -> 12D+8));
    every decoded network run on the points (mask * softmax-mixed sigmoid/tanh/leaky_relu), MSE per network, the
    minimum over the 4 depths, the batch mean; backward; Adam (lr 1e-3).
  search step: one latent (7 x 64) through the decoder of depth D; smooth L0 gates with a learned threshold,
    sharpened neuron gates, activation softmax at temperature T; the network on 3750 points; the paper's loss
    (MSE - 0.4 S + 1e-4 sum(0.01 sigmoid(20(|W~| - t)) + 0.1 |W~|) + 0.001 M); backward; Adam (0.1 on z, 0.001 on t).

The inputs are random (tokens, latents, points, targets): apart from subnormal floats (which the search's sharpened
gates produce; --flush-denormal), the time of these dense steps does not depend on the values. Needs Debian's python3-torch (1.13, OpenBLAS). Usage: python3 bench/pytorch_reference.py [--threads N]
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

TOKENS, FEATURES, DIM, HEADS, FFN, BLOCKS = 7, 112, 64, 4, 256, 2


class Block(nn.Module):
    """Pre-LN transformer block: x + attn(LN1 x), then + FFN(LN2 x) with tanh-GELU."""

    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(DIM), nn.LayerNorm(DIM)
        self.qkv, self.out = nn.Linear(DIM, 3 * DIM), nn.Linear(DIM, DIM)
        self.ffn1, self.ffn2 = nn.Linear(DIM, FFN), nn.Linear(FFN, DIM)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, HEADS, d // HEADS).permute(2, 0, 3, 1, 4)
        scores = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // HEADS), dim=-1)
        x = x + self.out((scores @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.ffn2(F.gelu(self.ffn1(self.ln2(x)), approximate="tanh"))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(FEATURES, DIM)
        self.position = nn.Parameter(torch.zeros(TOKENS, DIM))
        self.blocks = nn.Sequential(*[Block() for _ in range(BLOCKS)])
        self.ln = nn.LayerNorm(DIM)

    def forward(self, tokens):
        return self.ln(self.blocks(self.embed(tokens) + self.position))


class Decoder(nn.Module):
    def __init__(self, depth):
        super().__init__()
        self.blocks = nn.Sequential(*[Block() for _ in range(BLOCKS)])
        self.ln = nn.LayerNorm(DIM)
        self.head = nn.Linear(DIM, 12 * depth + 8)

    def forward(self, z):
        return self.head(self.ln(self.blocks(z)))


def parse(out, depth):
    """The token layout: per hidden layer 7 weight, 1 bias, 3 activation columns; output block 7 + 1; masks."""
    layers = []
    for l in range(depth):
        c = 11 * l
        layers.append((out[:, :, c:c + 7], out[:, :, c + 7], out[:, :, c + 8:c + 11], out[:, :, 11 * depth + 8 + l]))
    c = 11 * depth
    return layers, out[:, :, c], out[:, 0, c + 7]


def run_network(x, layers, w_out, b_out, temperature=1.0, weight_gate=None, neuron_gate=None):
    """x: points x 2 (shared); returns networks x points."""
    h = x.unsqueeze(0)
    for l, (w, b, logits, mask_logit) in enumerate(layers):
        if l == 0:
            w = w[:, :2, :]
        if weight_gate is not None:
            w = weight_gate(w)
        pre = h @ w + b.unsqueeze(1)
        mix = torch.softmax(logits / temperature, dim=-1).unsqueeze(1)
        m = torch.sigmoid(mask_logit)
        gate = m if neuron_gate is None else neuron_gate(m)
        h = gate.unsqueeze(1) * (mix[..., 0] * torch.sigmoid(pre) + mix[..., 1] * torch.tanh(pre)
                                 + mix[..., 2] * F.leaky_relu(pre, 0.01))
    if weight_gate is not None:
        w_out = weight_gate(w_out)
    return (h @ w_out.unsqueeze(-1)).squeeze(-1) + b_out.unsqueeze(1)


def time_it(step, seconds):
    for _ in range(3):
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    return (time.perf_counter() - start) / n * 1e3


def autoencoder_step_ms(seconds):
    torch.manual_seed(0)
    encoder, decoders = Encoder(), nn.ModuleList([Decoder(d) for d in range(1, 5)])
    params = list(encoder.parameters()) + list(decoders.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    tokens = torch.randn(64, TOKENS, FEATURES)
    x = torch.rand(1000, 2) * 2 - 1
    target = torch.randn(64, 1000)

    def step():
        opt.zero_grad()
        z = encoder(tokens)
        mses = []
        for depth, decoder in enumerate(decoders, start=1):
            layers, w_out, b_out = parse(decoder(z), depth)
            mses.append(((run_network(x, layers, w_out, b_out) - target) ** 2).mean(dim=1))
        loss = torch.stack(mses).min(dim=0).values.mean()
        loss.backward()
        opt.step()

    return time_it(step, seconds)


def search_step_ms(depth, seconds):
    torch.manual_seed(depth)
    decoder = Decoder(depth)
    for p in decoder.parameters():
        p.requires_grad_(False)
    z = torch.randn(1, TOKENS, DIM, requires_grad=True)
    t = torch.zeros((), requires_grad=True)
    opt = torch.optim.Adam([{"params": [z], "lr": 0.1}, {"params": [t], "lr": 0.001}])
    x = torch.rand(3750, 2) * 2 - 1
    y = (x ** 2).sum(dim=1, keepdim=True).T - 1
    temperature = 1.0

    def step():
        opt.zero_grad()
        layers, w_out, b_out = parse(decoder(z), depth)
        gated = []

        def weight_gate(w):
            g = w * torch.sigmoid(200 * (w.abs() - t))
            gated.append(g)
            return g

        def neuron_gate(m):
            return torch.sigmoid(200 * (m - 0.5))

        mse = ((run_network(x, layers, w_out, b_out, temperature, weight_gate, neuron_gate) - y) ** 2).mean()
        masks = torch.stack([torch.sigmoid(layer[3][0]) for layer in layers])
        separation, count = masks.std(dim=1).mean(), masks.mean()
        sparsity = sum((0.01 * torch.sigmoid(20 * (g.abs() - t)) + 0.1 * g.abs()).sum() for g in gated)
        loss = mse - 0.4 * separation + 1e-4 * sparsity + 0.001 * count
        loss.backward()
        opt.step()
        with torch.no_grad():
            t.clamp_(0, 3)

    return time_it(step, seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=5.0, help="timed seconds per row")
    parser.add_argument("--flush-denormal", action="store_true",
                        help="torch.set_flush_denormal(True) (the paper's code leaves subnormals on)")
    args = parser.parse_args()
    torch.set_flush_denormal(args.flush_denormal)
    print(f"torch {torch.__version__}, subnormals {'flushed' if args.flush_denormal else 'kept'}")
    print("| threads | autoencoder step, ms | search step depth 2, ms | search step depth 4, ms |")
    print("|---|---|---|---|")
    for threads in args.threads:
        torch.set_num_threads(threads)
        ae = autoencoder_step_ms(args.seconds)
        d2, d4 = search_step_ms(2, args.seconds), search_step_ms(4, args.seconds)
        print(f"| {threads} | {ae:.1f} | {d2:.3f} | {d4:.3f} |", flush=True)


if __name__ == "__main__":
    main()
