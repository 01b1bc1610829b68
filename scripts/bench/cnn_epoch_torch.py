"""cnn_epoch_torch.py - the cnn_epoch.lua benchmark in PyTorch eager mode, float64.

    python3 scripts/bench/cnn_epoch_torch.py MODEL IMAGES THREADS SOURCE

MODEL is mlp (Flatten, Linear(784, 128), ReLU, Linear(128, 10)) or cnn
(Conv2d(1, 16, 5, padding=2), ReLU, MaxPool2d(2), Conv2d(16, 32, 5,
padding=2), ReLU, MaxPool2d(2), Flatten, Linear(1568, 10)). One epoch of the
first IMAGES images in batches of 64 taken in order, cross-entropy, Adam lr
1e-3, after one warm-up step, on THREADS threads (torch.set_num_threads).
SOURCE is fashion-mnist (the gzipped IDX files of the Debian package
dataset-fashion-mnist, pixels / 255, as data.fashion_mnist reads them) or
random (seeded uniform images and labels).

Prints the epoch's wall time (time.perf_counter) and CPU time for
cnn_epoch.lua to read: seconds=<s> cpu=<s> info=<text>; on a long epoch
(300 steps or more), its progress every 10% on stderr.
"""
import gzip
import os
import sys
import time

import numpy as np
import torch

B, LR = 64, 1e-3
kind, n, threads, source = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
torch.set_default_dtype(torch.float64)
torch.set_num_threads(threads)
torch.manual_seed(7)

if source == "fashion-mnist":
    folder = os.environ.get("GRADCALC_DATA", "/usr/share/datasets/fashion-mnist")
    with gzip.open(os.path.join(folder, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
    with gzip.open(os.path.join(folder, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    xs = torch.from_numpy(images.astype(np.float64) / 255)
    ys = torch.from_numpy(labels.astype(np.int64))
else:
    xs = torch.rand(n, 1, 28, 28)
    ys = torch.randint(0, 10, (n,))
n = xs.shape[0]

nn = torch.nn
if kind == "mlp":
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
else:
    model = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(1568, 10))
opt = torch.optim.Adam(model.parameters(), lr=LR)


def step(first):
    xb, yb = xs[first:first + B], ys[first:first + B]
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()
    return loss.item()


step(0)
starts = range(0, n, B)
every = -(-len(starts) // 10) if len(starts) >= 300 else 0  # progress on long epochs, to stderr
w0, c0 = time.perf_counter(), time.process_time()
losses = []
for i, s in enumerate(starts, 1):
    losses.append(step(s))
    if every and i % every == 0 and i < len(starts):
        print(f"  {kind} in PyTorch: {i}/{len(starts)} steps, {time.perf_counter() - w0:.1f} s so far",
              file=sys.stderr, flush=True)
wall, cpu = time.perf_counter() - w0, time.process_time() - c0
print(f"seconds={wall:.6f} cpu={cpu:.6f} info=torch {torch.__version__}, {torch.get_num_threads()} "
      f"threads, loss {losses[0]:.4f} at the first step, {losses[-1]:.4f} at the last")
