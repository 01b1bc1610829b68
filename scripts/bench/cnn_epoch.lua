-- cnn_epoch.lua - one epoch of image training, gradcalc beside PyTorch
-- (float64) in the same run, for two models:
--   mlp  Flatten -> Linear(784, 128) -> ReLU -> Linear(128, 10)
--   cnn  Conv2d(1, 16, 5, pad 2) -> ReLU -> MaxPool2d(2) -> Conv2d(16, 32, 5,
--        pad 2) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(1568, 10)
-- Cross-entropy, Adam (lr 1e-3), batches of 64 taken in order. Each step is
-- what a learner writes: zero_grad, forward, loss, backward, step.
--
-- The data: the first images of Fashion-MNIST's training set through
-- data.fashion_mnist when the Debian package dataset-fashion-mnist is
-- installed (cnn_epoch_torch.py reads the same files), else seeded random
-- images and labels (each side draws its own: the time does not depend on
-- the values).
--
-- Both sides time the epoch with a wall clock (clock.wall() here, the date
-- +%s%N of scripts/bench/lib/clock.lua; time.perf_counter in Python) after
-- one warm-up step, PyTorch on as many threads as gradcalc
-- (GRADCALC_THREADS, else the number of cores, at most 8), and again on one
-- thread: on a busy machine PyTorch's threads wait for each other far longer
-- than its one thread takes. The ratios are gradcalc's time over PyTorch's. CPU times are printed beside; on a busy
-- machine read the wall times with the load average printed with them.
--
-- Run from the repository root: ./gradcalc scripts/bench/cnn_epoch.lua
--   GRADCALC_BENCH_IMAGES=6400   a shorter epoch (default 60000)
--   GRADCALC_BENCH_MODELS=cnn    only that model ("mlp cnn" by default)
--   GRADCALC_BENCH_TORCH1=mlp    which models also run in PyTorch on one thread
--                                ("mlp cnn" by default; "" for none)
-- A long epoch (300 steps or more) prints its progress every 10% of it.

local clock = dofile("scripts/bench/lib/clock.lua")

local B, LR = 64, 1e-3
local N = tonumber(os.getenv("GRADCALC_BENCH_IMAGES") or "") or 60000
local MODELS = {}
for m in (os.getenv("GRADCALC_BENCH_MODELS") or "mlp cnn"):gmatch("%S+") do MODELS[#MODELS + 1] = m end
local python = os.getenv("GRADCALC_PYTHON") or "/usr/bin/python3"
local ONE = {} -- the models also run in PyTorch on one thread (steadier on a busy machine)
for m in (os.getenv("GRADCALC_BENCH_TORCH1") or "mlp cnn"):gmatch("%S+") do ONE[m] = true end

local function sh(cmd)
    local p = io.popen(cmd)
    local s = p and p:read("l") or "?"
    if p then p:close() end
    return s
end
local threads = tonumber(os.getenv("GRADCALC_THREADS") or "") or tonumber(sh("nproc")) or 1
threads = math.max(1, math.min(8, threads))
local function load() return sh("cut -d' ' -f1-3 /proc/loadavg") end

-- ---- the data ---------------------------------------------------------------------------
local X, Y, source
do
    local ok, x, y = pcall(data.fashion_mnist, {split = "train"})
    if ok then
        N = math.min(N, x.shape[1])
        X, Y = x:narrow(1, 1, N), y:narrow(1, 1, N)
        source = "fashion-mnist"
    else
        seed(7)
        X = rand(N, 1, 28, 28)
        local r = rand(N):totable()
        local labels = {}
        for i = 1, N do labels[i] = math.floor(r[i] * 10) + 1 end
        Y = tensor(labels)
        source = "random"
    end
end

local function build(kind)
    seed(1)
    if kind == "mlp" then
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    end
    return nn.Sequential(nn.Conv2d(1, 16, 5, {padding = 2}), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 5, {padding = 2}), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(1568, 10))
end
local GOAL = {mlp = 0.8, cnn = 1.0}

local function ours(kind)
    local model = build(kind)
    local opt = optim.Adam(model:parameters(), {lr = LR})
    local loader = data.loader(X, Y, {batch_size = B, shuffle = false})
    local function step(xb, yb)
        opt:zero_grad()
        local loss = cross_entropy(model(xb), yb)
        loss:backward()
        opt:step()
        return loss:item()
    end
    step(X:narrow(1, 1, B), Y:narrow(1, 1, B)) -- warm-up
    local steps = #loader
    local every = steps >= 300 and math.ceil(steps / 10) or nil -- progress on long epochs
    local w0, c0 = clock.wall(), clock.cpu()
    local first, last
    for i, xb, yb in loader do
        last = step(xb, yb)
        first = first or last
        if every and i % every == 0 and i < steps then
            io.write(string.format("  %s: %d/%d steps, %.1f s so far\n", kind, i, steps, clock.wall() - w0))
            io.flush()
        end
    end
    return clock.wall() - w0, clock.cpu() - c0, steps, first, last
end

local function theirs(kind, nthreads)
    if not os.execute(python .. " -c 'import torch' >/dev/null 2>&1") then return nil, "not installed" end
    io.flush() -- its progress goes straight to stderr
    local p = assert(io.popen(string.format("%s scripts/bench/cnn_epoch_torch.py %s %d %d %s",
                                            python, kind, N, nthreads, source)))
    local out = p:read("a")
    p:close()
    local s = tonumber(out:match("seconds=(%S+)"))
    if not s then return nil, "failed:\n" .. out end
    return s, out:match("info=([^\n]*)") or "", tonumber(out:match("cpu=(%S+)"))
end

print(string.format("cnn_epoch: %d %s images 1x28x28, batch %d, float64, Adam lr %g, cross-entropy; " ..
                    "gradcalc on %d threads", N, source, B, LR, threads))
for _, kind in ipairs(MODELS) do
    if not GOAL[kind] then error("cnn_epoch: GRADCALC_BENCH_MODELS names mlp and cnn, got " .. kind) end
    print(string.format("%s (load average %s before):", kind, load()))
    io.flush()
    local mine, mine_cpu, steps, first, last = ours(kind)
    local ref, info, ref_cpu = theirs(kind, threads)
    print(string.format("  gradcalc: %7.2f s  (%.2f ms/step; loss %.4f at the first step, %.4f at the last)",
                        mine, 1000 * mine / steps, first, last))
    if not ref then
        print("  PyTorch:  " .. info .. ", no ratio (apt-get install python3-torch)")
    else
        local ratio = mine / ref
        print(string.format("  PyTorch:  %7.2f s  (%.2f ms/step; %s)", ref, 1000 * ref / steps, info))
        print(string.format("  ratio:    %.2fx PyTorch's time (goal: at most %.1fx, %s)", ratio, GOAL[kind],
                            ratio <= GOAL[kind] and "met" or "not met"))
        if ref_cpu then
            print(string.format("  CPU time: gradcalc %.2f s, PyTorch %.2f s: %.2fx", mine_cpu, ref_cpu,
                                mine_cpu / ref_cpu))
        end
        if threads > 1 and ONE[kind] then
            local ref1, info1 = theirs(kind, 1)
            if ref1 then
                print(string.format("  PyTorch on 1 thread: %7.2f s  (%.2f ms/step): gradcalc's time is %.2fx it",
                                    ref1, 1000 * ref1 / steps, mine / ref1))
            else
                print("  PyTorch on 1 thread: " .. info1)
            end
        end
    end
    print("  load average after: " .. load())
end
