-- lstm.lua - an LSTM sequence classifier trained for one epoch, gradcalc
-- beside PyTorch (float64) in the same run.
--
-- The model: nn.Embedding(64, 32) -> nn.LSTM(32, 64, batch_first) -> the
-- last hidden state -> nn.Linear(64, 8), cross_entropy, Adam (lr 0.01).
-- The data: 20,000 random sequences of 12 tokens from 64, labelled by a
-- rule the net can learn (the last token's class, token mod 8), in batches
-- of 64: one epoch is 313 steps. Each step is what a learner writes:
-- zero_grad, forward, loss, backward, step.
--
-- Both sides time the epoch with a wall clock (clock.wall() here, the
-- date +%s%N of scripts/bench/lib/clock.lua; time.perf_counter in Python),
-- after one warm-up step; the ratio is gradcalc's time over PyTorch's.
-- CPU times (os.clock, time.process_time) are printed beside: on a busy
-- machine they move less than wall time (os.clock counts OpenBLAS's
-- threads too; set OPENBLAS_NUM_THREADS=1 to compare one thread with one).
-- Run from the repository root: ./gradcalc scripts/bench/lstm.lua
-- (GC_BENCH_SEQS=2000 for a quick run).

local clock = dofile("scripts/bench/lib/clock.lua")

local V, E, H, T, C, B = 64, 32, 64, 12, 8, 64
local NSEQ = tonumber(os.getenv("GC_BENCH_SEQS")) or 20000
local LR = 0.01
local python = os.getenv("GRADCALC_PYTHON") or "/usr/bin/python3"

seed(7)
local xs, ys = {}, {}
do
    local r = rand(NSEQ, T):totable()
    for n = 1, NSEQ do
        local row = {}
        for t = 1, T do row[t] = math.floor(r[n][t] * V) + 1 end
        xs[n], ys[n] = row, (row[T] - 1) % C + 1
    end
end

local Model = nn.Module("LSTMClassifier")
function Model:init()
    self.emb = nn.Embedding(V, E)
    self.lstm = nn.LSTM(E, H, {batch_first = true})
    self.fc = nn.Linear(H, C)
end
function Model:forward(x)
    local _, state = self.lstm(self.emb(x))
    return self.fc(state[1]:select(1, 1))
end

local model = Model()
local opt = optim.Adam(model:parameters(), {lr = LR})

local function batch(first)
    local last = math.min(first + B - 1, NSEQ)
    local bx, by = {}, {}
    for n = first, last do bx[#bx + 1], by[#by + 1] = xs[n], ys[n] end
    return tensor(bx), tensor(by)
end

local function step(first)
    local bx, by = batch(first)
    opt:zero_grad()
    local loss = cross_entropy(model(bx), by)
    loss:backward()
    opt:step()
    return loss:item()
end

step(1) -- warm-up
local w0, c0 = clock.wall(), clock.cpu()
local first, last, steps = nil, nil, 0
for start = 1, NSEQ, B do
    last = step(start)
    first = first or last
    steps = steps + 1
end
local mine, mine_cpu = clock.wall() - w0, clock.cpu() - c0
print(string.format("lstm: embedding %d, hidden %d, length %d, %d classes, batch %d, Adam lr %g, %d sequences (%d steps)",
                    E, H, T, C, B, LR, NSEQ, steps))
print(string.format("  gradcalc: %7.2f s  (%.1f ms/step; loss %.4f at the first step, %.4f at the last)",
                    mine, 1000 * mine / steps, first, last))

local probe = os.execute(python .. " -c 'import torch' >/dev/null 2>&1")
if not probe then
    print("  PyTorch:  not installed, no ratio (apt-get install python3-torch)")
    return
end
local p = assert(io.popen(string.format("%s scripts/bench/lstm_torch.py %d", python, NSEQ)))
local out = p:read("a")
p:close()
local theirs = tonumber(out:match("seconds=(%S+)"))
if not theirs then
    print("  PyTorch:  failed:\n" .. out)
    return
end
print(string.format("  PyTorch:  %7.2f s  (%.1f ms/step; %s)", theirs, 1000 * theirs / steps, out:match("info=([^\n]*)") or ""))
print(string.format("  ratio:    %.2fx PyTorch's time (goal: at most 1.0x)", mine / theirs))
local their_cpu = tonumber(out:match("cpu=(%S+)"))
if their_cpu then
    print(string.format("  CPU time: gradcalc %.2f s, PyTorch %.2f s: %.2fx (steadier than wall time on a busy machine)",
                        mine_cpu, their_cpu, mine_cpu / their_cpu))
end
