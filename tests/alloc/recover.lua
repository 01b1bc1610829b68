-- recover.lua - what the allocation-failure loop runs with one failure
-- (GC_ALLOC_ONCE=1): each section runs under pcall, and after whichever
-- allocation failed, recording, backward and the gradients must still work.
local sections = {
  function() local x = var({{1,2},{3,4}}); local w = var(randn(2,2)); local E = sum(sigmoid(matmul(x,w))); E:backward(); trace(E, {print=false}); explain(E, w, {print=false}) end,
  function() local x = var({1,2}); gradcheck(function(a) return sum(a*a) end, {x}, {print=false}) end,
  function() local w = var({1,2}); local o = optim.Adam({w}, {lr=0.1}); for i=1,2 do o:zero_grad(); local l = sum(w*w); l:backward(); o:step() end end,
  function() no_grad(function() return var(1)*2 end) end,
  function() local t = stack({ones(2), ones(2)}); tostring(t); t:totable() end,
}
for _, f in ipairs(sections) do pcall(f) end
local x = var(3); local y = x * x
assert(y.requires_grad, "recording is on")
y:backward()
assert(x.grad:item() == 6, "gradient right")
print("ALLOC-END")
