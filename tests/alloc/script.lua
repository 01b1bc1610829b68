-- script.lua - what the allocation-failure loop runs: the engine, traces,
-- gradcheck and the optimizers, each reached by some allocation.
seed(1)
local x = var({{1, 2}, {3, -4}}, "x")
local w = var(randn(2, 3), "w")
local b = var(zeros(3), "b")
local h = sigmoid(matmul(x, w) + b)
h.name = "h"
local E = sum(h * h) / 2
E.name = "E"
E:backward()
x:zero_grad(); w:zero_grad(); b:zero_grad()
trace(E, {print = false})
explain(E, {print = false})
explain(E, w, {print = false})
graph(E, {print = false})
todot(E)
local s = tostring(w.grad) .. tostring(E)
local t = stack({x, x}, 1):reshape(4, 2)
t = cat({t, t}, 2):t()
local p = softmax(t, 1)
local l = cross_entropy(var(randn(3, 4)), {1, 2, 3}) + nll(log_softmax(randn(2, 3), 2), {2, 1})
l = l + mse(p, zeros(4, 4)) + bce(sigmoid(var({0.2, -0.3})), {1, 0})
l:backward()
gradcheck(function(a) return sum(tanh(a) * a) end, {var({0.5, -1})}, {print = false})
no_grad(function() return relu(x) * 2 end)
for _, make in ipairs({optim.SGD, optim.Adam, optim.RMSprop}) do
    local opt = make({w, b}, {lr = 0.01})
    for _ = 1, 2 do
        opt:zero_grad()
        local loss = mse(matmul(x, w) + b, ones(2, 3))
        loss:backward()
        opt:step()
    end
    local f = io.tmpfile()
    opt:step{trace = f}
    f:close()
end
local names = {}
for i = 1, 30 do names[i] = var(i, "v" .. i) end
local chain = names[1]
for i = 2, 30 do chain = chain * names[i] + 1 end
chain:backward()
print(w:totable(), max(x, 1), argmax(x), narrow(t, 1, 1, 2), eye(2), arange(3), linspace(0, 1, 3))
print("ALLOC-END")
