"""train_222_torch.py - the train_222.lua benchmark in PyTorch eager mode.

The yardstick for gradcalc's training speed: the same 2-2-2 sigmoid
network (inputs 0.05, 0.10; targets 0.01, 0.99; weights .15 .20 .25 .30
.40 .45 .50 .55; fixed biases 0.35 and 0.60), float64, MSE, plain gradient
descent with lr 0.5, 10,000 steps, in the same two forms (a scalar tensor
per weight, and [2, 2] weight matrices with matmul). Each step: forward,
loss, backward, update under torch.no_grad() with sub_, zero the grads.
It prints the same lines as train_222.lua, losses included, so the two
can be set side by side. The goal for gradcalc: 10x these steps/s.

Run: python3 scripts/bench/train_222_torch.py (scripts/bench/run.sh runs it
when torch can be imported).
"""
import os
import statistics
import time

import torch

STEPS = int(os.environ.get("GC_BENCH_STEPS", "10000"))
LR = 0.5
RUNS = 3
EXPECT = (0.298371109, 0.291027774, 0.0000351019)
f64 = torch.float64


def scalar_net():
    init = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
    w = [torch.tensor(v, dtype=f64, requires_grad=True) for v in init]
    x1, x2, b1, b2, t1, t2 = 0.05, 0.10, 0.35, 0.60, 0.01, 0.99

    def loss():
        h1 = torch.sigmoid(w[0] * x1 + w[1] * x2 + b1)
        h2 = torch.sigmoid(w[2] * x1 + w[3] * x2 + b1)
        o1 = torch.sigmoid(w[4] * h1 + w[5] * h2 + b2)
        o2 = torch.sigmoid(w[6] * h1 + w[7] * h2 + b2)
        return ((o1 - t1) ** 2 + (o2 - t2) ** 2) * 0.5

    return "scalar", 26, loss, w


def matrix_net():
    W1 = torch.tensor([[0.15, 0.20], [0.25, 0.30]], dtype=f64, requires_grad=True)
    W2 = torch.tensor([[0.40, 0.45], [0.50, 0.55]], dtype=f64, requires_grad=True)
    x = torch.tensor([[0.05], [0.10]], dtype=f64)
    t = torch.tensor([[0.01], [0.99]], dtype=f64)

    def loss():
        h = torch.sigmoid(W1 @ x + 0.35)
        o = torch.sigmoid(W2 @ h + 0.60)
        return torch.nn.functional.mse_loss(o, t)

    return "matrix", 7, loss, [W1, W2]


def step(loss, params):
    l = loss()
    l.backward()
    with torch.no_grad():
        for p in params:
            p.sub_(p.grad, alpha=LR)
    for p in params:
        p.grad = None
    return l


def train(make):
    name, ops, loss, params = make()
    losses = []
    c0, w0 = time.process_time(), time.perf_counter()
    for i in range(STEPS):
        l = step(loss, params)
        if i < 2:
            losses.append(l.item())
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    losses.append(loss().item())
    return name, ops, cpu, wall, losses


def main():
    print(f"train_222 (PyTorch {torch.__version__} eager, float64, "
          f"{torch.get_num_threads()} threads): SGD lr {LR}, {STEPS} steps")
    print("  timing: wall clock (time.perf_counter); CPU time (time.process_time) beside it")
    for make in (scalar_net, matrix_net):
        name, _, loss, params = make()
        w0 = time.perf_counter()
        while time.perf_counter() - w0 < 0.3:      # warm up
            step(loss, params)
        walls, cpus = [], []
        for _ in range(RUNS):
            name, ops, cpu, wall, losses = train(make)
            walls.append(STEPS / wall)
            cpus.append(STEPS / cpu)
        med = statistics.median(walls)
        runs = " ".join(f"{r:.0f}" for r in walls)
        print(f"  {name:<6} ({ops:2d} ops/step): {med:9.0f} steps/s  {1e6 / med:7.2f} us/step  "
              f"(median of {RUNS} runs; best {max(walls):.0f}; runs {runs}; "
              f"CPU-time median {statistics.median(cpus):.0f} steps/s)")
        print(f"         loss: step 1 {losses[0]:.9f}, step 2 {losses[1]:.9f}, "
              f"after {STEPS} steps {losses[2]:.10f}")
        if (abs(losses[0] - EXPECT[0]) > 1e-9 or abs(losses[1] - EXPECT[1]) > 1e-9
                or (STEPS == 10000 and abs(losses[2] - EXPECT[2]) > 1e-10)):
            print("         WARNING: losses differ from the worked example: the figures above are suspect")


if __name__ == "__main__":
    main()
