"""lstm_torch.py - the lstm.lua benchmark in PyTorch eager mode, float64.

The same LSTM classifier (Embedding(64, 32), LSTM(32, 64, batch_first),
Linear(64, 8) on the last hidden state), cross-entropy, Adam lr 0.01, one
epoch of random sequences (12 tokens from 64, labelled by the last token
mod 8) in batches of 64, after one warm-up step. Prints the epoch's wall
time (time.perf_counter) and CPU time for lstm.lua to read:
seconds=<s> cpu=<s> info=<text>.

Run: python3 scripts/bench/lstm_torch.py [number of sequences]
"""
import sys
import time

import torch

V, E, H, T, C, B = 64, 32, 64, 12, 8, 64
NSEQ = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
torch.set_default_dtype(torch.float64)
torch.manual_seed(7)
xs = torch.randint(0, V, (NSEQ, T))
ys = xs[:, -1] % C


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(V, E)
        self.lstm = torch.nn.LSTM(E, H, batch_first=True)
        self.fc = torch.nn.Linear(H, C)

    def forward(self, x):
        _, (h, _) = self.lstm(self.emb(x))
        return self.fc(h[0])


model = Model()
opt = torch.optim.Adam(model.parameters(), lr=0.01)


def step(first):
    bx, by = xs[first:first + B], ys[first:first + B]
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(bx), by)
    loss.backward()
    opt.step()
    return loss.item()


step(0)
w0, c0 = time.perf_counter(), time.process_time()
losses = [step(s) for s in range(0, NSEQ, B)]
wall, cpu = time.perf_counter() - w0, time.process_time() - c0
print(f"seconds={wall:.6f} cpu={cpu:.6f} info=torch {torch.__version__}, {torch.get_num_threads()} threads, "
      f"loss {losses[0]:.4f} at the first step, {losses[-1]:.4f} at the last")
