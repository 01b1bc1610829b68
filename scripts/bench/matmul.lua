-- matmul.lua - gradcalc's matmul against raw OpenBLAS dgemm.
--
-- For n = 64, 256, 1024: times matmul(a, b) on two random n×n tensors and
-- prints GFLOP/s (2n³ flops per product) beside the figure of
-- build/blas_ref, a C program that calls cblas_dgemm directly on the same
-- sizes (compiled here if missing or older than its source). The goal set
-- for gradcalc: at least 90% of OpenBLAS for n >= 256.
--
-- Both sides use OpenBLAS's default threads (OPENBLAS_NUM_THREADS, else
-- one per core), so both are timed by the wall clock: CPU time would add up
-- the threads. Each side repeats the product until a batch lasts 0.3 s,
-- then reports the median of 5 batches; OpenBLAS and gradcalc run one
-- right after the other for each size, so a change of load on the machine
-- hits both alike. gradcalc's figure includes what a
-- user pays per call: the Lua call, the new result tensor, its zero fill.
--
-- Run from the repository root: ./gradcalc scripts/bench/matmul.lua

local clock = dofile("scripts/bench/lib/clock.lua")

local SIZES = {64, 256, 1024}
local BATCHES = 5
local MIN_BATCH_SECONDS = 0.3
local REF, REF_SRC = "build/blas_ref", "scripts/bench/blas_ref.c"

-- ---- the reference: raw dgemm, from the C program ----------------------------
local function build_reference()
  local build = string.format(
    "mkdir -p build && { [ %s -nt %s ] || cc -O2 -o %s %s $(pkg-config --cflags --libs openblas); }",
    REF, REF_SRC, REF, REF_SRC)
  if os.execute(build) then return true end
  print("  could not build " .. REF .. " (cc and pkg-config openblas needed): no reference")
  return false
end

-- GFLOP/s of raw dgemm for one size; the first call also prints OpenBLAS's
-- configuration line.
local said_config = false
local function reference(n)
  local p = assert(io.popen(REF .. " " .. n))
  local gflops
  for line in p:lines() do
    if line:match("^openblas:") then
      if not said_config then print("  " .. line) end
      said_config = true
    else
      gflops = tonumber(line:match("gflops=([%d.]+)")) or gflops
    end
  end
  p:close()
  return gflops
end

-- ---- gradcalc's matmul -------------------------------------------------------
local function time_batch(a, b, reps)
  collectgarbage()        -- free the last batch's results outside the clock
  local t0 = clock.wall()
  for _ = 1, reps do matmul(a, b) end
  return clock.wall() - t0
end

local function bench(n)
  seed(42)
  local a, b = rand(n, n), rand(n, n)
  matmul(a, b)                                  -- warm up
  local reps = 1
  while time_batch(a, b, reps) < MIN_BATCH_SECONDS do reps = reps * 2 end
  local rates = {}
  for i = 1, BATCHES do
    rates[i] = 2 * n ^ 3 * reps / time_batch(a, b, reps) / 1e9
  end
  local best = math.max(table.unpack(rates))
  return clock.median(rates), best, reps
end

print("matmul: gradcalc matmul(a, b) vs cblas_dgemm, n×n doubles, wall clock")
print("  OPENBLAS_NUM_THREADS=" .. (os.getenv("OPENBLAS_NUM_THREADS") or "(unset: OpenBLAS default)"))
local have_ref = build_reference()
for _, n in ipairs(SIZES) do
  local ref = have_ref and reference(n) or nil
  local median, best, reps = bench(n)
  local vs = ref and string.format("%5.1f%% of OpenBLAS %.2f", 100 * median / ref, ref) or "no reference"
  local goal = ""
  if ref and n >= 256 then goal = median >= 0.9 * ref and "  goal >= 90%: met" or "  goal >= 90%: NOT met" end
  print(string.format("  n=%-5d gradcalc %7.2f GFLOP/s  %s  (median of %d x %d reps, best %.2f)%s",
    n, median, vs, BATCHES, reps, best, goal))
end
