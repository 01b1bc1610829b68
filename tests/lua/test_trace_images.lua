-- test_trace_images.lua - the working traces print under conv, pooling,
-- batch/layer norm and dropout: every printed number is checked against
-- a plain-Lua computation from the tensors' values, big inputs print no
-- working, and the eval and training variants say which they are.
local check = dofile("tests/lua/check.lua")
local P = {print = false, precision = 12}
local TOL = 1e-9

-- ---- helpers ------------------------------------------------------------------------

local function num(s)
    s = s:gsub("^%s+", ""):gsub("%s+$", "")
    s = s:gsub("^%((.*)%)$", "%1")
    return tonumber(s)
end

-- The lines of text that start with prefix (after two spaces of indent, or more).
local function lines(text, prefix)
    local out = {}
    for l in text:gmatch("[^\n]+") do
        if l:sub(1, #prefix) == prefix then out[#out + 1] = l end
    end
    return out
end

local function split(s, sep)
    local out, at = {}, 1
    while true do
        local i, j = s:find(sep, at, true)
        if not i then out[#out + 1] = s:sub(at); return out end
        out[#out + 1] = s:sub(at, i - 1)
        at = j + 1
    end
end

local function close(a, b) return type(a) == "number" and math.abs(a - b) <= TOL * math.max(1, math.abs(b)) end

-- Element of a nested table at a 1-based index list.
local function at(t, idx)
    for _, i in ipairs(idx) do t = t[i] end
    return t
end

-- "[1,2,3]" for an index list.
local function istr(idx)
    local s = {}
    for i, v in ipairs(idx) do s[i] = tostring(v) end
    return "[" .. table.concat(s, ",") .. "]"
end

-- Every index of a shape, last dim fastest.
local function indices(shape)
    local out, idx = {}, {}
    local function walk(d)
        if d > #shape then out[#out + 1] = {table.unpack(idx)}; return end
        for i = 1, shape[d] do idx[d] = i; walk(d + 1) end
    end
    walk(1)
    return out
end

-- A list "[a, b, c]" of numbers.
local function numlist(s)
    local out = {}
    for v in s:gmatch("[^,%[%]]+") do out[#out + 1] = num(v) end
    return out
end

-- ---- conv2d and conv1d --------------------------------------------------------------

-- The plain-Lua convolution of one output: the products in order c, p, q and the sum.
local function conv_terms(X, Wt, B, o, idx, opt, one_d, batched)
    local x, w = X:totable(), Wt:totable()
    if not batched then x = {x} end
    if one_d then -- height 1: x[n][c][1][l], w[o][c][1][k]
        local function lift(t, depth)
            if depth == 0 then return {t} end
            local r = {}
            for i, v in ipairs(t) do r[i] = lift(v, depth - 1) end
            return r
        end
        x, w = lift(x, 2), lift(w, 2)
    end
    local n = batched and idx[1] or 1
    local i, j = idx[#idx - 1], idx[#idx]
    if one_d then i, j = 1, idx[#idx] end
    local C, O = #x[1], #w
    local G = opt.groups or 1
    local cg, og = C // G, O // G
    local s, pad, dil = opt.stride or 1, opt.padding or 0, opt.dilation or 1
    local sH, pH, dH = one_d and 1 or s, one_d and 0 or pad, one_d and 1 or dil
    local H, W = #x[1][1], #x[1][1][1]
    local kH, kW = #w[1][1], #w[1][1][1]
    local terms, total = {}, B and B:totable()[o] or 0
    local c0 = (o - 1) // og * cg
    for c = 1, cg do
        for p = 1, kH do
            for q = 1, kW do
                local r = (i - 1) * sH - pH + (p - 1) * dH + 1
                local col = (j - 1) * s - pad + (q - 1) * dil + 1
                local xv = (r >= 1 and r <= H and col >= 1 and col <= W) and x[n][c0 + c][r][col] or 0
                local wv = w[o][c][p][q]
                terms[#terms + 1] = {wv, xv}
                total = total + wv * xv
            end
        end
    end
    return terms, total
end

local function check_conv(name, X, Wt, B, opt, one_d)
    local f = one_d and conv1d or conv2d
    local Y = f(X, Wt, B, opt)
    Y.name = "y"
    local text = trace(Y, P)
    local batched = X.ndim == (one_d and 3 or 4)
    local all = lines(text, "  y[")
    local outs = indices(Y.shape)
    local shown = math.min(#outs, 16)
    check.ok(#all == shown, name .. ": one line per output (" .. shown .. ")", text)
    local good, why = true, nil
    local y = Y:totable()
    for e = 1, shown do
        local idx = outs[e]
        local o = idx[batched and 2 or 1]
        local l = all[e] or ""
        local parts = split(l, " = ")
        local terms, total = conv_terms(X, Wt, B, o, idx, opt, one_d, batched)
        if parts[1] ~= "  y" .. istr(idx) then good, why = false, "label of " .. l end
        local nums = parts[3] or ""
        local list = split(nums, " + ")
        if B then
            if not close(num(list[1]), B:totable()[o]) then good, why = false, "bias in " .. l end
            table.remove(list, 1)
        end
        if #list ~= #terms then good, why = false, #list .. " terms, expected " .. #terms .. ": " .. l end
        for t, pair in ipairs(terms) do
            local a, b = (list[t] or ""):match("^(.-)×(.-)$")
            if not (close(num(a or ""), pair[1]) and close(num(b or ""), pair[2])) then
                good, why = false, "term " .. t .. " of " .. l
                break
            end
        end
        local v = num(parts[4] or "")
        if not (close(v, total) and close(v, at(y, idx))) then
            good, why = false, "value " .. tostring(v) .. ", plain Lua " .. total .. ": " .. l
        end
        if not good then break end
    end
    check.ok(good, name .. ": each output's products and sum agree with plain Lua", why)
    if #outs > 16 then
        check.ok(text:find("… and " .. (#outs - 16) .. " more outputs", 1, true) ~= nil,
                 name .. ": the outputs past 16 are counted", text)
    end
    return text
end

seed(7)
do
    local X = var(randn(1, 1, 3, 3), "x")
    local Wt = var(randn(1, 1, 2, 2), "w")
    local B = var(tensor({0.1}), "b")
    local text = check_conv("conv2d 3×3, 2×2 kernel, bias", X, Wt, B, {})
    check.ok(text:find("  y[1,1,2,2] = b[1] + Σ w[1] × x[1,1,2..3,2..3] = 0.1 + ", 1, true) ~= nil,
             "conv2d names the bias, the kernel and the window of x", text)
    check.ok(text:find("each output is b[o] + Σ w[o,c,p,q] × x over its window", 1, true) ~= nil,
             "conv2d says once what each output is", text)
    check.ok(text:find(", [0.1]) = [[[[", 1, true) ~= nil, "the [1] bias keeps its brackets inside conv(…)", text)
    local working = text:match("\n(  each output.*)$") or ""
    check.ok(working ~= "" and not working:find("·", 1, true), "the working writes products with ×, never ·", working)
end
do
    local X = var(randn(3, 2, 4, 4), "x")
    local Wt = var(randn(2, 1, 3, 3), "w")
    local B = var(randn(2), "b")
    local text = check_conv("conv2d stride 2, padding 1, groups 2", X, Wt, B,
                            {stride = 2, padding = 1, groups = 2})
    check.ok(text:find("padding: x there is 0", 1, true) ~= nil, "padding is said once", text)
    check.ok(text:find("x[1,2,0..2,0..2]", 1, true) ~= nil, "group 2 reads channel 2, with the padding row 0", text)
    check.ok(text:find("… and 8 more outputs", 1, true) ~= nil, "24 outputs: 16 written, 8 counted", text)
end
do
    local X = var(randn(1, 2, 5, 5), "x")
    check_conv("conv2d dilation 2, no bias", X, var(randn(3, 2, 2, 2), "w"), nil, {dilation = 2})
    check_conv("conv2d of one image [C, H, W]", var(randn(2, 4, 4), "x"), var(randn(1, 2, 3, 3), "w"),
               var(randn(1), "b"), {padding = 1, stride = 2})
    check_conv("conv1d padding 1, stride 2", var(randn(2, 2, 6), "x"), var(randn(2, 2, 3), "w"),
               var(randn(2), "b"), {padding = 1, stride = 2}, true)
    check_conv("conv1d of one sequence [C, L]", var(randn(1, 7), "x"), var(randn(1, 1, 3), "w"), nil,
               {dilation = 2}, true)
end
do -- big: the trace line as before, no working
    local Y = conv2d(var(randn(1, 1, 8, 8), "x"), var(randn(1, 1, 3, 3), "w"))
    Y.name = "y"
    local text = trace(Y, P)
    check.ok(#lines(text, "  ") == 0, "an 8×8 image prints no working, only the summary", text)
    check.ok(text:find("y = conv(x, w) = conv(x, [[[[", 1, true) and text:find("= shape [1, 1, 6, 6]: min", 1, true) ~= nil, "the summary line is unchanged", text)
    Y = conv2d(var(randn(1, 1, 5, 5), "x"), var(randn(1, 1, 4, 4), "w"))
    Y.name = "y"
    check.ok(#lines(trace(Y, P), "  ") == 0, "a 4×4 kernel prints no working")
end

-- ---- pooling ---------------------------------------------------------------------------

do
    local X = var(tensor({{{{0.5, 1.2, -0.3, 0.8}, {0.7, 0.1, 0.9, -1.1}, {-1, 0.4, 0.2, 1.5},
                           {0.3, -0.6, 2.1, 0.05}}}}), "x")
    local M = max_pool2d(X, 2, {stride = 1})
    M.name = "m"
    local G = tensor({{{{1, -2, 3}, {0.5, 4, -1}, {2, 0.25, -3}}}})
    local L = sum(M * G)
    L.name = "L"
    local text = trace(L, P)
    local x, m = X:totable()[1][1], M:totable()[1][1]
    local good, why = true, nil
    local wins = {}
    for i = 1, 3 do
        for j = 1, 3 do
            local best, bi, bj = -math.huge, 0, 0
            local parts = {}
            for p = 0, 1 do
                for q = 0, 1 do
                    local v = x[i + p][j + q]
                    parts[#parts + 1] = string.format("x[1,1,%d,%d]=", i + p, j + q)
                    if v > best then best, bi, bj = v, i + p, j + q end
                end
            end
            wins[#wins + 1] = {i, j, bi, bj}
            local l = lines(text, string.format("  m[1,1,%d,%d] = max(", i, j))[1] or ""
            local winner = l:match("%) = (x%[[%d,]+%]) = ")
            local v = num(l:match(" = ([^=]+)$") or "")
            if winner ~= string.format("x[1,1,%d,%d]", bi, bj) or not close(v, best) or not close(v, m[i][j]) then
                good, why = false, l
            end
            for _, p in ipairs(parts) do
                if not l:find(p, 1, true) then good, why = false, "missing " .. p .. " in " .. l end
            end
        end
    end
    check.ok(good, "max_pool2d: each window lists its elements and names the plain-Lua winner", why)
    L:backward()
    local back = explain(L, P)
    local g = G:totable()[1][1]
    good, why = true, nil
    for _, wnr in ipairs(wins) do
        local want = string.format("  ∂L/∂m[1,1,%d,%d] = %s → x[1,1,%d,%d]", wnr[1], wnr[2],
                                   string.format("%.12g", g[wnr[1]][wnr[2]]), wnr[3], wnr[4])
        if not back:find(want, 1, true) then good, why = false, "missing: " .. want .. "\n" .. back end
    end
    check.ok(good, "max_pool2d backward: each output's gradient goes to its window's winner", why)
    check.ok(back:find("every other element of x gets 0", 1, true) ~= nil, "the others get 0, said once", back)
    check.ok(back:find("won several windows gets their sum", 1, true) ~= nil,
             "overlapping windows won by one element: it gets the sum", back)
end
do -- max_pool2d to one element keeps its brackets
    local X = var(tensor({{{{0.5, 1.2}, {0.7, 0.1}}}}), "x")
    local M = max_pool2d(X, 2)
    M.name = "m"
    local text = trace(M, P)
    check.ok(text:find("m = max_pool2d(x) = max_pool2d([[[[0.5, 1.2], [0.7, 0.1]]]]) = [[[[1.2]]]]\n", 1, true) ~= nil,
             "a [1, 1, 1, 1] result shows its brackets", text)
    local L = M * M
    L.name = "L"
    L:backward()
    check.ok(explain(L, P):find("∂L/∂m = 1.2 + 1.2 = [[[[2.4]]]]\n", 1, true) ~= nil,
             "the backward trace shows a [1, 1, 1, 1] gradient with its brackets", explain(L, P))
    local b = var(tensor({0.25}), "b")
    check.ok(trace(b * 2, P):find("b = [0.25]", 1, true) ~= nil, "a [1] leaf shows its brackets")
    check.ok(trace(var(0.25, "s") * 2, P):find("s = 0.25\n", 1, true) ~= nil, "a scalar stays a bare number")
end
do -- avg_pool2d with padding counted in the window's size
    local X = var(randn(1, 2, 4, 4), "x")
    local A = avg_pool2d(X, 3, {stride = 2, padding = 1})
    A.name = "a"
    local G = randn(1, 2, 2, 2)
    local L = sum(A * G)
    L.name = "L"
    local text = trace(L, P)
    local x, a = X:totable()[1], A:totable()[1]
    local good, why = true, nil
    for c = 1, 2 do
        for i = 1, 2 do
            for j = 1, 2 do
                local s, list = 0, {}
                for r = (i - 1) * 2, (i - 1) * 2 + 2 do
                    for q = (j - 1) * 2, (j - 1) * 2 + 2 do
                        if r >= 1 and r <= 4 and q >= 1 and q <= 4 then
                            s = s + x[c][r][q]
                            list[#list + 1] = x[c][r][q]
                        end
                    end
                end
                local l = lines(text, string.format("  a[1,%d,%d,%d] = Σ x[", c, i, j))[1] or ""
                local inside = l:match(" = %((.*)%)/9 = ")
                local got = inside and split(inside, " + ") or {}
                if #got ~= #list then good, why = false, l end
                for t = 1, #list do
                    if not close(num(got[t] or ""), list[t]) then good, why = false, l end
                end
                local v = num(l:match(" = ([^=]+)$") or "")
                if not (close(v, s / 9) and close(v, a[c][i][j])) then good, why = false, l end
            end
        end
    end
    check.ok(good, "avg_pool2d: each window's sum over 9 (padding counted) agrees with plain Lua", why)
    check.ok(text:find("counts its padding", 1, true) ~= nil, "avg_pool2d says the padding counts", text)
    L:backward()
    local back = explain(L, P)
    local g = G:totable()[1]
    good, why = true, nil
    for c = 1, 2 do
        for i = 1, 2 do
            for j = 1, 2 do
                local l = lines(back, string.format("  ∂L/∂a[1,%d,%d,%d] = ", c, i, j))[1] or ""
                local gv, share = l:match(" = (%S+), / 9 = (%S+) → each of x%[")
                if not (close(num(gv or ""), g[c][i][j]) and close(num(share or ""), g[c][i][j] / 9)) then
                    good, why = false, l
                end
            end
        end
    end
    check.ok(good, "avg_pool2d backward: ∂L/∂y / 9 to each element of the window", why)
end
do -- big pooling input: no working
    local M = max_pool2d(var(randn(1, 1, 8, 8), "x"), 2)
    M.name = "m"
    check.ok(#lines(trace(M, P), "  ") == 0, "max_pool2d of an 8×8 image prints no working")
end

-- ---- batch_norm and layer_norm -------------------------------------------------------------

-- Mean and biased variance of a list.
local function stats(list)
    local s, ss = 0, 0
    for _, v in ipairs(list) do s = s + v end
    local mu = s / #list
    for _, v in ipairs(list) do ss = ss + (v - mu) ^ 2 end
    return mu, ss / #list
end

local function lists_close(a, b)
    if #a ~= #b then return false end
    for i = 1, #a do
        if not close(a[i], b[i]) then return false end
    end
    return true
end

-- The working of one group: its μ, σ², x̂ and y lines, and in the backward
-- ĝ, the two means and the result, against plain Lua.
local function check_group(name, text, back, title, xs, ys, w, b, gy, gx, eps, eval_stats)
    local block = text:match(title:gsub("%p", "%%%0") .. "[^\n]*\n(.-)\n  %S") or
                  text:match(title:gsub("%p", "%%%0") .. "[^\n]*\n(.*)$") or ""
    local mu, var
    if eval_stats then
        mu, var = eval_stats[1], eval_stats[2]
    else
        mu, var = stats(xs)
    end
    local pmu = num(block:match("μ = [^\n]- = ([^=,\n]+)") or "")
    local pvar = num(block:match("σ² = [^\n]- = ([^ ,\n]+)") or "")
    check.ok(close(pmu, mu) and close(pvar, var), name .. ": μ and the biased σ² agree with plain Lua",
             string.format("μ %s vs %.12g, σ² %s vs %.12g\n%s", tostring(pmu), mu, tostring(pvar), var, block))
    local inv = 1 / math.sqrt(var + eps)
    local xhat, yy = {}, {}
    for i, v in ipairs(xs) do
        xhat[i] = (v - mu) * inv
        yy[i] = (type(w) == "table" and w[i] or w) * xhat[i] + (type(b) == "table" and b[i] or b)
    end
    check.ok(lists_close(numlist(block:match("x̂ = [^\n]*= (%[[^\n]*%])") or ""), xhat),
             name .. ": x̂ = (x − μ)/√(σ² + ε) agrees with plain Lua", block)
    check.ok(lists_close(numlist(block:match("    y = [^\n]*= (%[[^\n%]]*%])$") or
                                 block:match("    y = [^\n]*= (%[[^\n%]]*%])\n") or ""), yy) and
             lists_close(yy, ys), name .. ": y = w×x̂ + b agrees with plain Lua and the tensor", block)
    if not back then return end
    local gh, mg, mgx = {}, 0, 0
    for i = 1, #xs do
        gh[i] = gy[i] * (type(w) == "table" and w[i] or w)
        mg = mg + gh[i]
        mgx = mgx + gh[i] * xhat[i]
    end
    mg, mgx = mg / #xs, mgx / #xs
    local bblock = back:match(title:match("^%s*(%S+ %d+)"):gsub("%p", "%%%0") .. ": ĝ = ([^\n]*\n[^\n]*\n[^\n]*)") or ""
    check.ok(lists_close(numlist(bblock:match("∂L/∂y = (%[[^\n]*%])") or ""), gh), name .. ": ĝ = w × ∂L/∂y", bblock)
    local want = {}
    for i = 1, #xs do
        want[i] = eval_stats and inv * gh[i] or inv * (gh[i] - mg - xhat[i] * mgx)
    end
    if not eval_stats then
        check.ok(close(num(bblock:match("mean%(ĝ%) = ([^,]+),") or ""), mg) and
                 close(num(bblock:match("mean%(ĝ × x̂%) = (%S+)") or ""), mgx),
                 name .. ": mean(ĝ) and mean(ĝ × x̂) agree with plain Lua", bblock)
    end
    local result = numlist(bblock:match(" = (%[[^\n%]]*%])$") or bblock:match(" = (%[[^\n%]]*%])\n") or "")
    check.ok(lists_close(result, want) and lists_close(result, gx),
             name .. ": ∂L/∂x agrees with plain Lua and x.grad", bblock)
end

do -- batch_norm, training: channels over batch and positions
    local X = var(randn(3, 2, 2, 2), "x")
    local Wt, B = var(tensor({1.5, -0.5}), "w"), var(tensor({0.1, 0.2}), "b")
    local rm, rv = zeros(2), ones(2)
    local Y = batch_norm(X, {weight = Wt, bias = B, running_mean = rm, running_var = rv, training = true})
    Y.name = "y"
    local G = randn(3, 2, 2, 2)
    local L = sum(Y * G)
    L.name = "L"
    local text = trace(L, P)
    L:backward()
    local back = explain(L, P)
    local x, y, g, gx = X:totable(), Y:totable(), G:totable(), X.grad:totable()
    for c = 1, 2 do
        local xs, ys, gs, gxs = {}, {}, {}, {}
        for n = 1, 3 do
            for i = 1, 2 do
                for j = 1, 2 do
                    xs[#xs + 1], ys[#ys + 1] = x[n][c][i][j], y[n][c][i][j]
                    gs[#gs + 1], gxs[#gxs + 1] = g[n][c][i][j], gx[n][c][i][j]
                end
            end
        end
        check_group("batch_norm channel " .. c, text, back, "  channel " .. c .. " (", xs, ys,
                    Wt:totable()[c], B:totable()[c], gs, gxs, 1e-5)
    end
    check.ok(text:find("(biased: divided by 12, not 11)", 1, true) ~= nil, "the variance says it is biased", text)
    check.ok(not text:find("running", 1, true), "training does not speak of running statistics", text)
    check.ok(back:find("(1/√(σ² + ε)) × (ĝ − mean(ĝ) − x̂ × mean(ĝ × x̂))", 1, true) ~= nil,
             "the three-term backward is written out", back)
    -- ∂L/∂w[c] = Σ ∂L/∂y × x̂, ∂L/∂b[c] = Σ ∂L/∂y
    local wline = lines(back, "  ∂L/∂w[1] = Σ ∂L/∂y × x̂ = ")[1] or ""
    local bline = lines(back, "  ∂L/∂b[2] = Σ ∂L/∂y = ")[1] or ""
    check.ok(close(num(wline:match(" = ([^=]+)$") or ""), Wt.grad:totable()[1]) and
             close(num(bline:match(" = ([^=]+)$") or ""), B.grad:totable()[2]),
             "∂L/∂w and ∂L/∂b lines end in the gradients", wline .. "\n" .. bline)
    -- eval: the running statistics
    rm, rv = tensor({0.2, -0.1}), tensor({0.8, 1.3})
    rm.name, rv.name = "rm", "rv"
    X.grad, Wt.grad, B.grad = nil, nil, nil
    Y = batch_norm(X, {weight = Wt, bias = B, running_mean = rm, running_var = rv, training = false})
    Y.name = "y"
    L = sum(Y * G)
    L.name = "L"
    text = trace(L, P)
    L:backward()
    back = explain(L, P)
    check.ok(text:find("eval: the running statistics were used, not the batch's", 1, true) ~= nil,
             "eval says the running statistics were used", text)
    check.ok(text:find("μ = running mean rm[2] = -0.1,  σ² = running variance rv[2] = 1.3", 1, true) ~= nil,
             "eval shows the running statistics", text)
    x, y, gx = X:totable(), Y:totable(), X.grad:totable()
    for c = 1, 2 do
        local xs, ys, gs, gxs = {}, {}, {}, {}
        for n = 1, 3 do
            for i = 1, 2 do
                for j = 1, 2 do
                    xs[#xs + 1], ys[#ys + 1] = x[n][c][i][j], y[n][c][i][j]
                    gs[#gs + 1], gxs[#gxs + 1] = g[n][c][i][j], gx[n][c][i][j]
                end
            end
        end
        check_group("batch_norm eval channel " .. c, text, back, "  channel " .. c .. " (", xs, ys,
                    Wt:totable()[c], B:totable()[c], gs, gxs, 1e-5, {rm:totable()[c], rv:totable()[c]})
    end
    check.ok(back:find("∂L/∂x = ĝ/√(σ² + ε) = ĝ × ", 1, true) ~= nil, "eval backward: one term", back)
    -- big: more than 16 values per channel
    local Yb = batch_norm(var(randn(5, 2, 2, 2), "x"), {training = true})
    Yb.name = "y"
    check.ok(#lines(trace(Yb, P), "  ") == 0, "batch_norm with 20 values per channel prints no working")
end
do -- layer_norm over the last dim
    local X = var(randn(2, 4), "x")
    local Wt, B = var(randn(4), "w"), var(randn(4), "b")
    local Y = layer_norm(X, 4, {weight = Wt, bias = B})
    Y.name = "y"
    local G = randn(2, 4)
    local L = sum(Y * G)
    L.name = "L"
    local text = trace(L, P)
    L:backward()
    local back = explain(L, P)
    local x, y, g, gx = X:totable(), Y:totable(), G:totable(), X.grad:totable()
    for r = 1, 2 do
        check_group("layer_norm row " .. r, text, back, "  row " .. r .. " (", x[r], y[r], Wt:totable(),
                    B:totable(), g[r], gx[r], 1e-5)
    end
    local big = layer_norm(var(randn(2, 20), "x"), 20)
    big.name = "y"
    check.ok(#lines(trace(big, P), "  ") == 0, "layer_norm of 20 values a row prints no working")
end

-- ---- dropout ---------------------------------------------------------------------------------

do
    seed(11)
    local X = var(tensor({{0.5, 1.2, -0.3, 0.8}, {0.7, 0.1, 0.9, -1.1}}), "x")
    local D = dropout(X, 0.25)
    D.name = "d"
    local text = trace(D, P)
    local x, d = X:totable(), D:totable()
    local kept, dropped = {}, {}
    for i = 1, 2 do
        for j = 1, 4 do
            if d[i][j] ~= 0 then
                kept[#kept + 1] = string.format("x[%d,%d]", i, j)
                check.ok(close(d[i][j], x[i][j] / 0.75), string.format("kept x[%d,%d] is scaled by 1/(1 − p)", i, j))
            else
                dropped[#dropped + 1] = string.format("x[%d,%d]", i, j)
            end
        end
    end
    local l = lines(text, "  mask m = ")[1] or ""
    check.ok(l:find("kept " .. (#kept > 0 and table.concat(kept, ", ") or "none"), 1, true) ~= nil and
             l:find("dropped " .. (#dropped > 0 and table.concat(dropped, ", ") or "none"), 1, true) ~= nil,
             "dropout lists the kept and the dropped elements of the mask", l)
    check.ok(l:find("each × 1/(1 − 0.25) = 1.33333333333", 1, true) ~= nil, "dropout gives the scale", l)
    local L = sum(D * D)
    L.name = "L"
    L:backward()
    check.ok(explain(L, P):find("∂L/∂x = ∂L/∂d × m = ", 1, true) ~= nil, "dropout backward: ∂L/∂y × m")
    local I = dropout(X, 0)
    I.name = "i"
    check.ok(trace(I, P):find("p = 0: every element is kept and scaled by 1, so dropout is the identity", 1, true) ~= nil,
             "p = 0 says it is the identity")
    local E = dropout(X, 0.5, false)
    check.ok(not trace(E, P):find("dropout", 1, true), "eval dropout is x itself: no node to trace")
    local big = dropout(var(ones(5, 5), "x"), 0.5)
    big.name = "d"
    local bt = trace(big, P)
    local n = 0
    for _, v in ipairs(big:totable()) do
        for _, e in ipairs(v) do n = n + (e ~= 0 and 1 or 0) end
    end
    check.ok(bt:find("mask m: " .. n .. " of 25 elements kept", 1, true) ~= nil, "a big mask is counted", bt)
end

check.done()
