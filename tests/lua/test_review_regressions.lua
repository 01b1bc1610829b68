-- test_review_regressions.lua - odd inputs to explain at=, the worked traces
-- and the loss reductions that once printed wrong text or read past what
-- they own; each check names what went wrong before.
local check = dofile("tests/lua/check.lua")

local function first_line(text) return text:match("^[^\n]*") end
local function final(text) return tonumber(first_line(text):match(" = ([^ ]+)$")) end

-- explain at= through a loss with reduction sum or none: the local partial
-- has no /n, the upstream gradient of none is the element's own, and no
-- "note:" claims the gradients accumulated.
for _, red in ipairs({"sum", "none"}) do
    local function run(make, V, at, want_grad)
        local l = make(red)
        l.name = "l"
        local L = red == "none" and sum(l) or l
        L.name = "L"
        L:backward()
        local text = explain(L, V, {at = at, print = false, precision = 17})
        local g = V.grad:totable()
        for _, i in ipairs(at) do g = g[i] end
        return text, g
    end
    local p = var({0.2, 0.7, 0.4}, "p")
    local t = tensor({0, 1, 1}, {name = "t"})
    for _, loss in ipairs({{"mse", mse}, {"bce", bce}}) do
        p.grad = nil
        local text, g = run(function(r) return loss[2](p, t, {reduction = r}) end, p, {2})
        local what = loss[1] .. " reduction " .. red
        check.ok(final(text) == g, what .. ": explain at= ends with p.grad's value", text)
        check.ok(not text:find("note:", 1, true), what .. ": no false note of accumulation", text)
        check.ok(not text:find("/3", 1, true), what .. ": no division by the count", text)
        if red == "none" then
            check.ok(text:find("∂L/∂l[2] × ", 1, true) ~= nil, what .. ": the element's own upstream gradient", text)
        end
    end
    local z = var({{0.2, 0.7, 0.4}, {1, 2, 3}}, "z")
    local text, g = run(function(r) return cross_entropy(z, {2, 3}, {reduction = r}) end, z, {2, 1})
    check.ok(final(text) == g and not text:find("note:", 1, true),
             "cross_entropy reduction " .. red .. ": explain at= is z.grad's", text)
    if red == "none" then
        check.ok(text:find("∂L/∂l[2] × ", 1, true) ~= nil, "cross_entropy none: sample 2's own upstream gradient", text)
    end
    z.grad = nil
    text, g = run(function(r) return nll(log_softmax(z, 2), {2, 3}, {reduction = r}) end, z, {2, 3})
    check.ok(final(text) == g and not text:find("note:", 1, true),
             "nll reduction " .. red .. ": explain at= is z.grad's", text)
    check.ok(not text:find("−1/2", 1, true), "nll reduction " .. red .. ": the label's partial is −1", text)
end

-- more than 8 indices: the count given is the count the user wrote
do
    local a = var({{1, 2}, {3, 4}}, "a")
    local L = sum(a * a)
    L:backward()
    check.err("gives 10 indices", "explain at= with 10 indices says 10",
              explain, L, a, {at = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, print = false})
end

-- a value changed in place after backward: the terms would use the new
-- values with the old gradients, so explain at= refuses and says why
do
    local x = var({1, 2}, "x")
    local L = sum(x * x)
    L.name = "L"
    L:backward()
    no_grad(function() x:add_(tensor({10, 10})) end)
    check.err("x was changed in place", "explain at= after an in-place change names the tensor",
              explain, L, x, {at = {2}, print = false})
    local w = var({{0.5, -0.2}}, "w")
    local opt = optim.SGD({w}, {lr = 0.1})
    local E = sum(matmul(w, tensor({{1}, {2}})))
    E:backward()
    opt:step()
    check.err("changed in place", "explain at= after an optimizer step says the values moved",
              explain, E, w, {at = {1, 2}, print = false})
end

-- logsumexp(x, dim) drops the dim as PyTorch does: keepdim is false unless given
do
    local m = logsumexp(tensor({{1, 2}, {3, 4}}), 2)
    check.ok(m.shape == tensor({0, 0}).shape, "logsumexp(x, 2) of [2, 2] is [2]", tostring(m.shape))
    check.ok(logsumexp(tensor({1, 2}), 1).ndim == 0, "logsumexp(x, 1) of [2] is 0-d")
    check.ok(logsumexp(tensor({{1, 2}}), 2, true).shape == ones(1, 1).shape, "keepdim=true keeps it")
end

-- conv2d with padding 3: the padding is every position below 1, not only 0
do
    local y = conv2d(var({{{{1, 2}, {3, 4}}}}, "x"), var({{{{0.5}}}}, "w"), nil, {padding = 3})
    y.name = "y"
    local text = trace(y, {print = false})
    check.ok(text:find("positions below 1 and past the end are the padding", 1, true) ~= nil,
             "conv2d's padding note covers padding wider than 1", text)
end

-- names longer than a label's buffer are cut between characters, never
-- inside one, so the text stays valid UTF-8 (2-, 3- and 4-byte characters)
for _, ch in ipairs({"λ", "€", "😀"}) do
    local long = string.rep(ch, 300 // #ch + 1)
    local a = var({{1, 2}, {3, 4}}, long .. "a")
    local b = a * a
    b.name = long .. "b"
    local L = sum(matmul(b, a))
    L.name = long .. "L"
    L:backward()
    local texts = {trace(L, {print = false}), explain(L, {print = false}), explain(L, a, {print = false}),
                   explain(L, a, {at = {1, 2}, print = false})}
    local good = true
    for _, t in ipairs(texts) do good = good and utf8.len(t) ~= nil end
    check.ok(good, "a name of " .. #long .. " bytes of " .. ch .. " keeps every text valid UTF-8")
end

-- dropout of an empty tensor: no mask working, and ∂L/∂x is said once
do
    local x = var(zeros(0), "x")
    local d = dropout(x, 0.5)
    d.name = "d"
    local L = sum(d * d)
    L.name = "L"
    L:backward()
    local text = explain(L, {print = false})
    local _, count = text:gsub("∂L/∂x = ", "")
    check.ok(count == 1, "dropout of an empty tensor: ∂L/∂x written once", text)
    check.ok(not trace(d, {print = false}):find("mask m", 1, true), "dropout of an empty tensor: no mask line")
end

-- explain at= on a one-element input of a big op (batch_norm's weight over
-- 80000 values) takes its share whole instead of 80000 backward runs of
-- 80000 elements each (minutes)
do
    local x = var(randn(200, 1, 20, 20), "x")
    local g = var(ones(1), "g")
    local y = batch_norm(x, {weight = g, training = true})
    local L = sum(y * y * 0.5 + y)
    L.name = "L"
    L:backward()
    local t = os.clock()
    local text = explain(L, g, {at = {1}, print = false, precision = 17})
    check.ok(os.clock() - t < 2, "explain at= of a big op's one-element input is quick",
             string.format("%.1f s", os.clock() - t))
    check.ok(tonumber(text:match("^[^\n]* = ([^ \n]+)\n")) == g.grad[1]:item(), "and its value is g.grad's", text)
end

-- nn's losses given a bare string say that they want an options table
check.err('nn.MSELoss({reduction = "sum"})', "nn.MSELoss(\"sum\") shows the options table to pass",
          nn.MSELoss, "sum")

-- a summed loss's backward trace says its derivative has no 1/n
do
    local p = var({0.2, 0.7}, "p")
    local L = mse(p, tensor({0, 1}), {reduction = "sum"})
    L:backward()
    local text = explain(L, nil, {print = false})
    check.ok(text:find('without the 1/n (reduction = "sum")', 1, true) ~= nil, "explain of a summed mse notes the missing 1/n", text)
    local m = mse(var({0.2}), tensor({0}))
    m:backward()
    check.ok(not explain(m, nil, {print = false}):find("without the 1/n", 1, true), "a mean loss has no such note")
end

-- explain and the backward trace refuse a graph changed in place since backward, as explain at= does
do
    local a = var(2, "a")
    local b = a * 3
    local L = b * b
    L:backward()
    a:add_(1)
    check.err("changed in place", "explain(L, a) after a:add_ names the change", explain, L, a)
    check.err("changed in place", "explain(L) after a:add_ names the change", explain, L)
end

-- the forward trace says a loss's reduction when it is not the default mean
do
    local z = var({{1, 2}, {3, 1}}, "z")
    local text = trace(cross_entropy(z, {1, 2}, {reduction = "sum"}), {print = false})
    check.ok(text:find("cross_entropy(z, t1, reduction=sum)", 1, true) ~= nil, "trace shows reduction=sum", text)
    check.ok(not trace(mse(z, ones(2, 2)), {print = false}):find("reduction", 1, true), "a mean loss's trace does not")
end

check.done()
