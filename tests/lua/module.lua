-- module.lua - gradcalc as a module of plain lua5.4:
--   lua5.4 tests/lua/module.lua build/gradcalc.so
-- Loads the module from the folder of its argument and checks that the
-- table it returns holds working functions (and installs no globals).
local so = assert(arg[1], "usage: lua5.4 tests/lua/module.lua path/to/gradcalc.so")
local folder = so:match("^(.*)/[^/]*$") or "."
package.cpath = folder .. "/?.so;" .. package.cpath

local function report(good, name, why)
    print((good and "ok " or "not ok ") .. name .. (good and "" or ": " .. tostring(why)))
end

local loaded, g = pcall(require, "gradcalc")
report(loaded and type(g) == "table", "module: require \"gradcalc\" returns a table", g)
if not (loaded and type(g) == "table") then print("done") return end

local names = {"tensor", "var", "zeros", "ones", "sigmoid", "tanh", "relu", "matmul", "sum",
               "mean", "mse", "cross_entropy", "no_grad", "seed", "precision", "backward"}
local missing = {}
for _, name in ipairs(names) do
    if type(g[name]) ~= "function" then missing[#missing + 1] = name end
end
report(#missing == 0, "module: the table holds the functions", "missing " .. table.concat(missing, ", "))
report(rawget(_G, "var") == nil and rawget(_G, "tensor") == nil, "module: require installs no globals",
       "var or tensor became a global")
report(type(g._docs) == "table" and type(g._docs.sigmoid) == "table" and g._docs.sigmoid.formula ~= nil,
       "module: _docs holds help with formulas", "no _docs.sigmoid.formula")

local s = g.sigmoid(g.var(0))
report(s:item() == 0.5, "module: g.sigmoid(g.var(0)) is 0.5", s:item())
report(tostring(s:item()) == "0.5", "module: it prints as 0.5", tostring(s:item()))

local w = g.var({1, 2, 3}, "w")
local loss = g.sum(w * w)
loss:backward()
local grad = w.grad:totable()
report(grad[1] == 2 and grad[2] == 4 and grad[3] == 6, "module: backward through the module",
       table.concat(grad, ", "))
report(tostring(w):find('name="w"', 1, true) ~= nil, "module: tensors print", tostring(w))
report(pcall(g.tensor, {{1, 2}, {3}}) == false, "module: errors are Lua errors", "no error")
print("done")
