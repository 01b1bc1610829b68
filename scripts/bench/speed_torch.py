"""speed_torch.py - PyTorch float64's side of scripts/bench/speed.lua.

    python3 scripts/bench/speed_torch.py THREADS    (0: PyTorch's default)

Prints one line per case, "name seconds", the median wall time of one call,
timed exactly as speed.lua times gradcalc: batches of calls lasting at least
BATCH seconds, median over 5 batches.
"""
import sys
import time

import torch

torch.set_default_dtype(torch.float64)
threads = int(sys.argv[1]) if len(sys.argv) > 1 else 0
if threads > 0:
    torch.set_num_threads(threads)
BATCH = 0.05
ONLY = set(sys.argv[2:])


def timed(name, fn):
    if ONLY and name not in ONLY:
        return
    fn()
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        if time.perf_counter() - t0 >= BATCH:
            break
        reps *= 2
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        runs.append((time.perf_counter() - t0) / reps)
    runs.sort()
    print(name, runs[2], flush=True)


def optimizer(kind, **options):
    w = torch.randn(784, 128, requires_grad=True)
    (w * w).sum().backward()
    opt = getattr(torch.optim, kind)([w], **options)
    timed("opt_" + kind, opt.step)


optimizer("SGD", lr=0.01)
optimizer("RMSprop", lr=0.01)
optimizer("Adam", lr=0.001)
optimizer("Adagrad", lr=0.01)
optimizer("AdamW", lr=0.001)


def mlp(name, sizes, batch):
    layers = []
    for i in range(len(sizes) - 1):
        w = (torch.randn(sizes[i], sizes[i + 1]) * (2 / sizes[i]) ** 0.5).requires_grad_()
        b = torch.zeros(sizes[i + 1], requires_grad=True)
        layers.append((w, b))
    params = [p for layer in layers for p in layer]
    opt = torch.optim.Adam(params, lr=1e-3)
    x = torch.randn(batch, sizes[0])
    y = torch.randint(0, sizes[-1], (batch,))

    def step():
        h = x
        for i, (w, b) in enumerate(layers):
            h = h @ w + b
            if i < len(layers) - 1:
                h = torch.relu(h)
        loss = torch.nn.functional.cross_entropy(h, y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    timed(name, step)


mlp("mlp_small", [784, 128, 10], 64)
mlp("mlp_big", [784, 512, 256, 10], 256)

for n, tag in ((10**6, "1e6"), (10**7, "1e7")):
    a, b = torch.randn(n), torch.randn(n)
    z, bias = torch.randn(n // 500, 500), torch.randn(500)
    timed("add_" + tag, lambda: a + b)
    timed("mul2_" + tag, lambda: a * 2)
    timed("bias_" + tag, lambda: z + bias)
    timed("sub__" + tag, lambda: a.sub_(b, alpha=1e-9))
    timed("sum_" + tag, lambda: a.sum())

x = torch.randn(1000, 1000)
for name in ("sigmoid", "tanh", "exp"):
    fn = getattr(torch, name)
    timed(name, lambda: fn(x))

xs = torch.randn(1000, 1000, requires_grad=True)
g = torch.randn(1000, 1000)


def softmax_fb():
    y = torch.softmax(xs, 1)
    y.backward(g)
    xs.grad = None


timed("softmax_fb", softmax_fb)
