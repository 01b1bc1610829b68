-- test_trace_values.lua - how traces show tensors: every value up to 16
-- elements (full= sets the limit), a summary beyond, no rounding noise in
-- a zero mean, and trace() printing returns nothing for the prompt to show.
local check = dofile("tests/lua/check.lua")

local X = tensor({{1, 2}, {3, 4}, {5, 6}}, {name = "X"})
local W = var({{0.1, 0.2, 0.3, 0.4}, {-0.5, 0.6, -0.7, 0.8}}, "W")
local Z = matmul(X, W)
Z.name = "Z"
local L = sum(Z)
L.name = "L"
local text = trace(L, {print = false})
check.ok(text:find("Z = X @ W = [[1, 2], [3, 4], [5, 6]] @ [[0.1, 0.2, 0.3, 0.4], [-0.5, 0.6, -0.7, 0.8]] = [[-0.9, 1.4, -1.1, 2],", 1, true) ~= nil,
         "a 3×4 product shows its 12 values and both operands", text)
text = trace(L, {print = false, full = 4})
check.ok(text:find("Z = X @ W = shape [3, 4]: min", 1, true) ~= nil, "full=4 summarises a 12-element tensor", text)
local zero_mean = tensor({1e-17, -1e-17, 3, -3, 1, -1, 2, -2, 0.5, -0.5, 4, -4, 5, -5, 6, -6, 7, -7})
text = trace(sum(zero_mean * var(1, "k")), {print = false})
check.ok(text:find("mean 0,", 1, true) ~= nil, "a mean that is rounding noise prints as 0", text)
check.ok(select("#", trace(L)) == 0, "trace() that prints returns nothing, so the prompt adds no table")
check.err("option full must be a whole number", "full= is checked", function() return trace(L, {full = 0}) end)
-- explain of a weight matrix writes the product matmul's backward computes
do
    local A = tensor({{1, 2}, {3, 4}, {5, 6}}, {name = "A"})
    local M = var({{0.1, 0.2}, {-0.5, 0.6}}, "M")
    local Y = matmul(A, M)
    Y.name = "Y"
    local E = sum(sigmoid(Y))
    E.name = "E"
    E:backward()
    local text = explain(E, M, {print = false})
    check.ok(text:find("= Aᵀ @ ∂E/∂Y = [[1, 2], [3, 4], [5, 6]]ᵀ @ [[", 1, true) ~= nil,
             "explain(E, M) writes ∂E/∂M = Aᵀ @ ∂E/∂Y with the numbers", text)
    local g11 = string.format("%.6g", M.grad:totable()[1][1])
    check.ok(text:find("\n    = [[" .. g11, 1, true) ~= nil, "the product's result is M.grad", text)
end
-- Markdown: exponents in braces, and explain(E, nil, {file=}) writes the file
do
    local x = var(2, "x")
    local y = x ^ 3
    y.name = "y"
    y:backward()
    local path = os.tmpname()
    explain(y, nil, {format = "markdown", file = path})
    local f = io.open(path)
    local md = f and f:read("a") or ""
    if f then f:close() end
    os.remove(path)
    check.ok(md:find("3\\times x^{3-1}", 1, true) ~= nil, "explain(E, nil, {format=markdown, file=}) writes the file, exponents in braces", md)
end
check.done()
