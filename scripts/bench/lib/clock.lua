-- clock.lua - the two clocks the benchmarks read, and how to print them.
--
-- gradcalc has no clock of its own, so:
--   cpu()  is os.clock(): CPU time of this process, microsecond resolution.
--          Right for single-threaded work, and barely disturbed by other
--          programs running on the machine. Wrong for OpenBLAS, whose worker
--          threads add their CPU time to it.
--   wall() is the monotonic-enough wall clock from `date +%s%N`, in seconds.
--          Each reading starts a process (about a millisecond), so only use
--          it around runs that last a good fraction of a second.
-- Loaded by the benchmarks with dofile("scripts/bench/lib/clock.lua"); it
-- lives in lib/ so that `make bench` does not run it as a benchmark.

local clock = {}

function clock.cpu() return os.clock() end

function clock.wall()
  local p = assert(io.popen("date +%s%N"))
  local ns = p:read("n")
  p:close()
  return ns / 1e9
end

-- Median of a list of numbers (the list is sorted in place).
function clock.median(xs)
  table.sort(xs)
  local n = #xs
  if n % 2 == 1 then return xs[(n + 1) // 2] end
  return (xs[n // 2] + xs[n // 2 + 1]) / 2
end

return clock
