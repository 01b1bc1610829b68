-- gradcheck_images.lua - the image, normalisation and masking ops:
-- backward against finite differences on several shapes and options,
-- values worked by hand with plain Lua loops, and the errors of bad input.
-- The method is test_gradcheck.lua's: L = sum(f(...) * W) with fixed
-- random W, the central difference of L for each element of each input.
-- Run from test_gradcheck.lua, which passes its check and gradcheck helpers,
-- so that its coverage check sees these ops too.
return function(check, gc)
local gradcheck, rnd, flat, set_flat = gc.gradcheck, gc.rnd, gc.flat, gc.set_flat
local H = gc.H
seed(20240612)

-- ---- convolutions ------------------------------------------------------------------------------

local convs = {
    {"plain", {2, 2, 5, 5}, {3, 2, 3, 3}, true, {}},
    {"no bias", {1, 2, 4, 5}, {2, 2, 2, 3}, false, {}},
    {"strided", {1, 1, 7, 6}, {2, 1, 3, 2}, true, {stride = {2, 3}}},
    {"padded", {1, 2, 4, 4}, {2, 2, 3, 3}, true, {padding = 1}},
    {"padded unevenly", {1, 1, 3, 5}, {1, 1, 3, 3}, true, {padding = {2, 1}}},
    {"dilated", {1, 1, 6, 7}, {2, 1, 2, 3}, true, {dilation = {2, 2}}},
    {"grouped", {2, 4, 4, 4}, {6, 2, 2, 2}, true, {groups = 2}},
    {"depthwise", {1, 3, 4, 4}, {3, 1, 3, 3}, true, {groups = 3, padding = 1}},
    {"all options", {2, 4, 6, 6}, {4, 2, 3, 2}, true, {stride = 2, padding = {1, 2}, dilation = {1, 2}, groups = 2}},
    {"1×1 kernel", {2, 3, 3, 3}, {2, 3, 1, 1}, true, {}},
    {"one image [C, H, W]", {2, 4, 4}, {2, 2, 3, 3}, true, {padding = 1}},
}
for _, c in ipairs(convs) do
    local label, xs, ws, bias, opts = c[1], c[2], c[3], c[4], c[5]
    if bias then
        gradcheck("conv2d " .. label, function(x, w, b) return conv2d(x, w, b, opts) end,
                  {rnd(xs), rnd(ws), rnd({ws[1]})})
    else
        gradcheck("conv2d " .. label, function(x, w) return conv2d(x, w, opts) end, {rnd(xs), rnd(ws)})
    end
end
local image = rand(1, 1, 4, 4)
gradcheck("conv2d with a constant image", function(w, b) return conv2d(image, w, b) end,
          {rnd({2, 1, 3, 3}), rnd({2})})
gradcheck("conv1d", function(x, w, b) return conv1d(x, w, b) end, {rnd({2, 2, 7}), rnd({3, 2, 3}), rnd({3})})
gradcheck("conv1d strided, padded, dilated", function(x, w, b)
    return conv1d(x, w, b, {stride = 2, padding = 2, dilation = 2})
end, {rnd({1, 2, 9}), rnd({2, 2, 3}), rnd({2})})
gradcheck("conv1d grouped [C, L]", function(x, w) return conv1d(x, w, nil, {groups = 2}) end,
          {rnd({4, 6}), rnd({2, 2, 2})})

-- ---- pooling (random values: no ties within h) ----------------------------------------------

local pools = {
    {"2×2", {2, 2, 4, 4}, 2, {}},
    {"3×3 stride 1", {1, 1, 5, 5}, 3, {stride = 1}},
    {"3×3 stride 2 padding 1", {1, 2, 5, 5}, 3, {stride = 2, padding = 1}},
    {"{2, 3} stride {1, 2}", {1, 1, 4, 7}, {2, 3}, {stride = {1, 2}}},
    {"[C, H, W] padding {1, 0}", {2, 4, 4}, {2, 2}, {padding = {1, 0}}},
}
for _, p in ipairs(pools) do
    gradcheck("max_pool2d " .. p[1], function(x) return max_pool2d(x, p[3], p[4]) end, {rnd(p[2])})
    gradcheck("avg_pool2d " .. p[1], function(x) return avg_pool2d(x, p[3], p[4]) end, {rnd(p[2])})
end

-- ---- normalisation ------------------------------------------------------------------------------

for _, shape in ipairs({{4, 3}, {3, 2, 5}, {2, 3, 2, 2}}) do
    local C, label = shape[2], "[" .. table.concat(shape, ", ") .. "]"
    gradcheck("batch_norm training " .. label, function(x, w, b)
        return batch_norm(x, {weight = w, bias = b, training = true})
    end, {rnd(shape), rnd({C}), rnd({C})})
    local rm, rv = rand(C), rand(C) + 0.5
    gradcheck("batch_norm eval " .. label, function(x, w, b)
        return batch_norm(x, {running_mean = rm, running_var = rv, weight = w, bias = b})
    end, {rnd(shape), rnd({C}), rnd({C})})
end
gradcheck("batch_norm training without weight", function(x) return batch_norm(x, {training = true}) end,
          {rnd({5, 2})})
gradcheck("layer_norm last dim", function(x, w, b) return layer_norm(x, 4, {weight = w, bias = b}) end,
          {rnd({3, 4}), rnd({4}), rnd({4})})
gradcheck("layer_norm last two dims", function(x, w, b)
    return layer_norm(x, {2, 3}, {weight = w, bias = b, eps = 1e-3})
end, {rnd({2, 2, 3}), rnd({2, 3}), rnd({2, 3})})
gradcheck("layer_norm without weight", function(x) return layer_norm(x, {5}) end, {rnd({2, 5})})

-- ---- dropout: the same seed gives the same mask in every pass -----------------------------------

gradcheck("dropout p=0.4 (seeded mask)", function(x)
    seed(7)
    return dropout(x, 0.4)
end, {rnd({3, 5})})

-- ---- selection, clamping, activations, statistics --------------------------------------------------

gradcheck("where", function(a, b) return where(tensor({{1, 0, 1}, {0, 1, 0}}), a, b) end,
          {rnd({2, 3}), rnd({2, 3})})
gradcheck("where broadcast", function(a, b) return where(tensor({1, 0, 1}), a, b) end,
          {rnd({2, 3}), rnd({2, 1})})
gradcheck("x:where(cond, y) is where(cond, x, y)", function(a, b) return a:where(tensor({0, 1}), b) end,
          {rnd({3, 2}), rnd({2})})
gradcheck("masked_fill", function(x) return masked_fill(x, tensor({{0, 1}, {1, 0}}), 3) end, {rnd({2, 2})})
gradcheck("x:masked_fill broadcast", function(x) return x:masked_fill(tensor({1, 0, 0}), -1) end, {rnd({2, 3})})
for _, k in ipairs({0, 1, -1}) do
    gradcheck("tril k=" .. k, function(x) return tril(x, k) end, {rnd({3, 4})})
    gradcheck("triu k=" .. k .. " batched", function(x) return triu(x, k) end, {rnd({2, 3, 3})})
end
-- clamp away from its bounds: the derivative jumps there
local function away_from(shape, points)
    local x = rand(shape) * 4 - 2
    local v = flat(x)
    for i = 1, #v do
        for _, p in ipairs(points) do
            if math.abs(v[i] - p) < 0.05 then v[i] = p + 0.1 end
        end
    end
    return var(tensor(v):reshape(shape))
end
gradcheck("clamp", function(x) return clamp(x, -0.5, 0.5) end, {away_from({4, 4}, {-0.5, 0.5})})
gradcheck("clamp lo only", function(x) return clamp(x, 0.2) end, {away_from({6}, {0.2})})
gradcheck("x:clamp hi only", function(x) return x:clamp(nil, -0.1) end, {away_from({6}, {-0.1})})
gradcheck("elu", function(x) return elu(x) end, {away_from({3, 4}, {0})})
gradcheck("elu alpha 0.3", function(x) return elu(x, 0.3) end, {away_from({5}, {0})})
gradcheck("silu", function(x) return silu(x) end, {rnd({3, 4}, -4, 4)})
for _, shape in ipairs({{5}, {2, 3}, {2, 3, 2}}) do
    local label = "[" .. table.concat(shape, ", ") .. "]"
    gradcheck("variance of all " .. label, function(x) return variance(x) end, {rnd(shape)})
    gradcheck("std of all, biased " .. label, function(x) return std(x, {unbiased = false}) end, {rnd(shape)})
    gradcheck("logsumexp of all " .. label, function(x) return logsumexp(x) end, {rnd(shape, -3, 3)})
    gradcheck("norm " .. label, function(x) return norm(x) end, {rnd(shape)})
    gradcheck("norm p=1 " .. label, function(x) return norm(x, 1) end, {away_from(shape, {0})})
    gradcheck("norm p=3 " .. label, function(x) return x:norm(3) end, {rnd(shape)})
    gradcheck("norm p=inf " .. label, function(x) return norm(x, math.huge) end, {rnd(shape)})
    for d = 1, #shape do
        gradcheck("variance dim " .. d .. " " .. label, function(x) return variance(x, d) end, {rnd(shape)})
        gradcheck("x:var dim " .. d .. " biased keepdim " .. label,
                  function(x) return x:var(d, {unbiased = false, keepdim = true}) end, {rnd(shape)})
        gradcheck("std dim " .. d .. " " .. label, function(x) return std(x, d) end, {rnd(shape)})
        gradcheck("logsumexp dim " .. d .. " " .. label, function(x) return logsumexp(x, d) end,
                  {rnd(shape, -3, 3)})
    end
end

-- ---- a small CNN end to end -----------------------------------------------------------------------

gradcheck("conv-batch_norm-relu-pool-linear-cross_entropy", function(x, w1, b1, g, be, w2, b2)
    local h = conv2d(x, w1, b1, {padding = 1})
    h = batch_norm(h, {weight = g, bias = be, training = true})
    h = avg_pool2d(elu(h), 2)
    return cross_entropy(matmul(h:reshape(2, -1), w2) + b2, {2, 1})
end, {rnd({2, 1, 4, 4}), rnd({2, 1, 3, 3}), rnd({2}), rnd({2}), rnd({2}), rnd({8, 3}), rnd({3})})

-- ---- values worked by hand ----------------------------------------------------------------------

-- A convolution: x [1, 2, 4, 5], w [2, 2, 3, 2], stride {1, 2}, padding 1, computed
-- from its definition with plain loops (1-based, padding read as 0).
do
    local N, C, Hh, Ww, O, kh, kw, sh, sw, p = 1, 2, 4, 5, 2, 3, 2, 1, 2, 1
    local x = rand(N, C, Hh, Ww) - 0.5
    local w = var(rand(O, C, kh, kw) - 0.5)
    local b = var({0.25, -0.5})
    local xv, wv = x:totable(), w:totable()
    local y = conv2d(x, w, b, {stride = {sh, sw}, padding = p})
    local OH, OW = math.floor((Hh + 2 * p - kh) / sh) + 1, math.floor((Ww + 2 * p - kw) / sw) + 1
    check.ok(y.shape[3] == OH and y.shape[4] == OW, "conv2d by hand: output shape",
             string.format("expected %d×%d", OH, OW))
    local yv, worst = y:totable(), 0
    local gw = {} -- dL/dw for L = sum(y): Σ over positions of the x each weight met
    for o = 1, O do
        gw[o] = {}
        for oh = 1, OH do
            for ow = 1, OW do
                local s = b:totable()[o]
                for c = 1, C do
                    for i = 1, kh do
                        for j = 1, kw do
                            local ih, iw = (oh - 1) * sh - p + i, (ow - 1) * sw - p + j
                            if ih >= 1 and ih <= Hh and iw >= 1 and iw <= Ww then
                                s = s + wv[o][c][i][j] * xv[1][c][ih][iw]
                                local key = (c - 1) * kh * kw + (i - 1) * kw + j
                                gw[o][key] = (gw[o][key] or 0) + xv[1][c][ih][iw]
                            end
                        end
                    end
                end
                worst = math.max(worst, math.abs(s - yv[1][o][oh][ow]))
            end
        end
    end
    check.ok(worst < 1e-12, "conv2d by hand: every output to 12 digits", "worst difference " .. worst)
    sum(y):backward()
    local g, gworst = w.grad:reshape(O, -1):totable(), 0
    for o = 1, O do
        for k = 1, C * kh * kw do gworst = math.max(gworst, math.abs(g[o][k] - (gw[o][k] or 0))) end
    end
    check.ok(gworst < 1e-12, "conv2d by hand: ∂L/∂w is Σ of the inputs each weight met", "worst " .. gworst)
    check.near(b.grad[1], OH * OW, 1e-12, "conv2d by hand: ∂L/∂b is the number of positions")
end

-- Pooling: 3×3 windows, stride 2, padding 1, on a 5×5 image.
do
    local x = var(rand(1, 1, 5, 5))
    local xv = x:totable()[1][1]
    local ym, ya = max_pool2d(x, 3, {stride = 2, padding = 1}), avg_pool2d(x, 3, {stride = 2, padding = 1})
    local mv, av = ym:totable()[1][1], ya:totable()[1][1]
    local worst, grad = 0, {}
    for i = 1, 5 do grad[i] = {0, 0, 0, 0, 0} end
    for oh = 1, 3 do
        for ow = 1, 3 do
            local best, bi, bj, s = -math.huge, nil, nil, 0
            for i = (oh - 1) * 2, (oh - 1) * 2 + 2 do
                for j = (ow - 1) * 2, (ow - 1) * 2 + 2 do
                    if i >= 1 and i <= 5 and j >= 1 and j <= 5 then
                        s = s + xv[i][j]
                        if xv[i][j] > best then best, bi, bj = xv[i][j], i, j end
                    end
                end
            end
            grad[bi][bj] = grad[bi][bj] + 1
            worst = math.max(worst, math.abs(best - mv[oh][ow]), math.abs(s / 9 - av[oh][ow]))
        end
    end
    check.ok(worst < 1e-12, "pooling by hand: max and average (padding counted) to 12 digits", "worst " .. worst)
    sum(ym):backward()
    local g, gworst = x.grad:totable()[1][1], 0
    for i = 1, 5 do
        for j = 1, 5 do gworst = math.max(gworst, math.abs(g[i][j] - grad[i][j])) end
    end
    check.ok(gworst == 0, "max_pool2d by hand: each window's gradient goes to its largest value",
             "worst " .. gworst)
end

-- Batch norm in training on [4, 2]: mean, biased variance, x̂, the running statistics
-- (unbiased variance, momentum 0.1), and the three-term backward.
do
    local xv = {{1.0, -2.0}, {0.5, 3.0}, {-1.5, 0.25}, {2.0, 1.0}}
    local x = var(xv)
    local w, b = var({1.5, -0.5}), var({0.1, 0.2})
    local rm, rv = tensor({0.2, -0.1}), tensor({1.0, 2.0})
    local y = batch_norm(x, {running_mean = rm, running_var = rv, weight = w, bias = b, training = true})
    local Wl = {{1, 2}, {3, -1}, {0.5, 0.25}, {-2, 1}}
    sum(y * tensor(Wl)):backward()
    local yv, gx, worst = y:totable(), x.grad:totable(), 0
    local eps, n = 1e-5, 4
    for c = 1, 2 do
        local mu, ss = 0, 0
        for i = 1, n do mu = mu + xv[i][c] end
        mu = mu / n
        for i = 1, n do ss = ss + (xv[i][c] - mu) ^ 2 end
        local var_b, var_u = ss / n, ss / (n - 1)
        local invstd = 1 / math.sqrt(var_b + eps)
        local wc, bc = w:totable()[c], b:totable()[c]
        local sg, sgx = 0, 0
        for i = 1, n do
            local xhat = (xv[i][c] - mu) * invstd
            worst = math.max(worst, math.abs(wc * xhat + bc - yv[i][c]))
            sg, sgx = sg + Wl[i][c], sgx + Wl[i][c] * xhat
        end
        for i = 1, n do
            local xhat = (xv[i][c] - mu) * invstd
            local expect = wc * invstd * (Wl[i][c] - sg / n - xhat * sgx / n)
            worst = math.max(worst, math.abs(expect - gx[i][c]))
        end
        worst = math.max(worst, math.abs(w.grad:totable()[c] - sgx), math.abs(b.grad:totable()[c] - sg))
        local rm0, rv0 = ({0.2, -0.1})[c], ({1.0, 2.0})[c]
        worst = math.max(worst, math.abs(rm:totable()[c] - (0.9 * rm0 + 0.1 * mu)),
                         math.abs(rv:totable()[c] - (0.9 * rv0 + 0.1 * var_u)))
    end
    check.ok(worst < 1e-12, "batch_norm by hand: output, running statistics and the three-term backward",
             "worst " .. worst)
    -- evaluation uses the running statistics
    local ye = batch_norm(tensor(xv), {running_mean = rm, running_var = rv, weight = w, bias = b})
    local expect = (xv[2][1] - rm:totable()[1]) / math.sqrt(rv:totable()[1] + eps) * 1.5 + 0.1
    check.near(ye[2][1], expect, 1e-12, "batch_norm evaluation uses the running statistics")
end

-- PyTorch's positional order: batch_norm(x, running_mean, running_var, weight, bias, training, momentum)
do
    local rm, rv = zeros(2), ones(2)
    batch_norm(tensor({{1, 2}, {3, 6}}), rm, rv, nil, nil, true, 0.5)
    check.ok(rm:totable()[2] == 2 and rv:totable()[2] == 0.5 + 0.5 * 8,
             "batch_norm: the positional form updates the running statistics",
             tostring(rm) .. " " .. tostring(rv))
    check.err("unknown option 'trainig'", "batch_norm: a misspelt option", batch_norm, ones(2, 2),
              {running_mean = rm, running_var = rv, trainig = true})
end

-- ---- dropout ------------------------------------------------------------------------------------------

do
    seed(3)
    local a = dropout(ones(1000), 0.3)
    seed(3)
    local b = dropout(ones(1000), 0.3)
    check.ok(sum(abs(a - b)):item() == 0, "dropout: the same seed gives the same mask")
    local v, zeros_, scaled = a:totable(), 0, 0
    for i = 1, #v do
        if v[i] == 0 then zeros_ = zeros_ + 1 elseif v[i] == 1 / 0.7 then scaled = scaled + 1 end
    end
    check.ok(zeros_ + scaled == 1000 and zeros_ > 240 and zeros_ < 360,
             "dropout: zeroes about p of the elements and scales the rest by 1/(1 − p)",
             zeros_ .. " zeros, " .. scaled .. " scaled")
    local x = ones(4)
    check.ok(rawequal(dropout(x, 0.5, false), x) or sum(dropout(x, 0.5, false)):item() == 4,
             "dropout: not training, x passes unchanged")
    check.ok(sum(dropout(ones(5), 1)):item() == 0, "dropout: p = 1 zeroes everything")
    check.ok(sum(dropout(ones(5), 0)):item() == 5, "dropout: p = 0 keeps everything")
end

-- ---- errors ---------------------------------------------------------------------------------------------

check.err("[2, 3, 4, 4]", "conv2d: channels that do not match name x's shape", conv2d, randn(2, 3, 4, 4), randn(2, 2, 3, 3))
check.err("[2, 2, 3, 3]", "conv2d: channels that do not match name w's shape", conv2d, randn(2, 3, 4, 4), randn(2, 2, 3, 3))
check.err("larger than the padded input", "conv2d: a kernel larger than the padded input",
          conv2d, randn(1, 1, 2, 2), randn(1, 1, 3, 3))
check.err("[1, 1, 2, 2]", "conv2d: the kernel error names x's shape", conv2d, randn(1, 1, 2, 2), randn(1, 1, 3, 3))
check.ok(pcall(conv2d, randn(1, 1, 2, 2), randn(1, 1, 3, 3), nil, {padding = 1}),
         "conv2d: the same kernel fits once padded")
check.err("groups", "conv2d: groups that do not divide the channels", conv2d, randn(1, 3, 4, 4), randn(2, 1, 3, 3), nil, {groups = 2})
check.err("padding at least 0", "conv2d: negative padding", conv2d, randn(1, 1, 4, 4), randn(1, 1, 3, 3), nil, {padding = -1})
check.err("stride and dilation must be at least 1", "conv2d: stride 0", conv2d, randn(1, 1, 4, 4), randn(1, 1, 3, 3), nil, {stride = 0})
check.err("bias must be [2]", "conv2d: a bias of the wrong size", conv2d, randn(1, 1, 4, 4), randn(2, 1, 3, 3), randn(3))
check.err("x must be [N, C, H, W]", "conv2d: x of the wrong rank", conv2d, randn(4, 4), randn(1, 1, 3, 3))
check.err("w must be [out_channels", "conv2d: w of the wrong rank", conv2d, randn(1, 1, 4, 4), randn(3, 3))
check.err("unknown option 'strides'", "conv2d: a misspelt option", conv2d, randn(1, 1, 4, 4), randn(1, 1, 3, 3), nil, {strides = 2})
check.err("{h, w}", "conv2d: a stride table of three", conv2d, randn(1, 1, 4, 4), randn(1, 1, 3, 3), nil, {stride = {1, 2, 3}})
check.err("whole number", "conv2d: a fractional stride", conv2d, randn(1, 1, 4, 4), randn(1, 1, 3, 3), nil, {stride = 1.5})
check.err("x must be [N, C, L]", "conv1d: x of the wrong rank", conv1d, randn(1, 1, 4, 4), randn(1, 1, 3))
check.err("larger than the padded input", "conv1d: a kernel longer than the input", conv1d, randn(1, 1, 2), randn(1, 1, 3))
check.err("larger than the padded input of x [1, 1, 2, 2]", "max_pool2d: a kernel larger than the input",
          max_pool2d, randn(1, 1, 2, 2), 3)
check.err("at most half", "max_pool2d: padding over half the kernel", max_pool2d, randn(1, 1, 4, 4), 2, {padding = 2})
check.err("at least 1", "avg_pool2d: kernel 0", avg_pool2d, randn(1, 1, 4, 4), 0)
check.err("padding at least 0", "avg_pool2d: negative padding", avg_pool2d, randn(1, 1, 4, 4), 2, {padding = -1})
check.err("x must be [N, C, H, W]", "max_pool2d: x of the wrong rank", max_pool2d, randn(4, 4), 2)
check.err("more than 1 value per channel", "batch_norm: training on one value per channel",
          batch_norm, randn(1, 3), {training = true})
check.err("running_mean must be [3]", "batch_norm: running_mean of the wrong size names the shapes",
          batch_norm, randn(4, 3), {running_mean = zeros(2), running_var = ones(3)})
check.err("[4, 3]", "batch_norm: the running_mean error names x's shape",
          batch_norm, randn(4, 3), {running_mean = zeros(2), running_var = ones(3), training = true})
check.err("needs running_mean and running_var", "batch_norm: evaluation without running statistics",
          batch_norm, randn(4, 3))
check.err("weight must be [3]", "batch_norm: a weight of the wrong size", batch_norm, randn(4, 3), {weight = ones(2), training = true})
check.err("x must be [N, C]", "batch_norm: a 1-d x", batch_norm, randn(4), {training = true})
check.err("must be the last dims of x [2, 3]", "layer_norm: a normalized_shape that does not fit",
          layer_norm, randn(2, 3), 4)
check.err("normalized_shape [2]", "layer_norm: a weight of the wrong shape", layer_norm, randn(2, 3), 3, {weight = ones(2)})
check.err("between 0 and 1", "dropout: p out of range", dropout, ones(3), 1.5)
check.err("do not broadcast", "where: shapes that do not broadcast", where, ones(2), ones(3), 0)
check.err("value must be a number", "masked_fill: a value that is not one number", masked_fill, ones(2), ones(2), ones(2))
check.err("at least 2 dimensions", "tril: a vector", tril, ones(3))
check.err("at least one of the bounds", "clamp: no bounds", clamp, ones(3))
check.err("dimension 3 is out of range", "variance: a dim out of range", variance, ones(2, 2), 3)
check.err("unknown option", "std: a misspelt option", std, ones(3), 1, {unbaised = false})
check.err("norm: p must be", "norm: a string p other than fro", norm, ones(3), "nuc")

end
