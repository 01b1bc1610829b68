-- test_data.lua - Fashion-MNIST (when its Debian package is installed),
-- loaders, stratified splits, k-fold, normalize, randperm and index_select.
local check = dofile("tests/lua/check.lua")
local g = gradcalc or require("gradcalc")
local data = g.data
local sanitized = os.getenv("ASAN_OPTIONS") ~= nil -- the ASan pass: slow, so no timing

-- ---- Fashion-MNIST -----------------------------------------------------------------
local dir = "/usr/share/datasets/fashion-mnist"
local f = io.open(dir .. "/t10k-labels-idx1-ubyte.gz", "rb")
if f then
    f:close()
    local x, y, classes = data.fashion_mnist{split = "test"}
    check.ok(x.shape[1] == 10000 and x.shape[2] == 1 and x.shape[3] == 28 and x.shape[4] == 28,
             "fashion_mnist: test images [10000, 1, 28, 28]")
    check.ok(y:dim() == 1 and y.shape[1] == 10000, "fashion_mnist: 10000 test labels")
    check.ok(g.max(x):item() <= 1 and g.min(x):item() >= 0, "fashion_mnist: pixels in [0, 1]")
    check.ok(g.min(y):item() == 1 and g.max(y):item() == 10, "fashion_mnist: labels are 1..10")
    check.ok(#classes == 10 and classes[1] == "T-shirt/top" and classes[10] == "Ankle boot",
             "fashion_mnist: the ten class names")
    -- A reference reader: Python's gzip and the IDX layout (16- and 8-byte headers).
    local ref_label, ref_sum = 10, 76247 -- what it printed on the Debian package's files
    local py = io.popen("/usr/bin/python3 -c \"import gzip; " ..
        "l = gzip.open('" .. dir .. "/train-labels-idx1-ubyte.gz').read(); " ..
        "i = gzip.open('" .. dir .. "/train-images-idx3-ubyte.gz').read(); " ..
        "print(l[8] + 1, sum(i[16:16 + 784]))\" 2>/dev/null")
    local line = py and py:read("a") or ""
    if py then py:close() end
    local a, b = line:match("(%d+)%s+(%d+)")
    if a then ref_label, ref_sum = tonumber(a), tonumber(b) end
    if not sanitized then
        local t0 = os.clock()
        local xt, yt = data.fashion_mnist()
        local took = os.clock() - t0
        check.ok(took < 2, "fashion_mnist: 60,000 training images load in under 2 s",
                 string.format("%.2f s", took))
        check.ok(xt.shape[1] == 60000 and yt.shape[1] == 60000, "fashion_mnist: 60000 training images")
        check.ok(yt[1]:item() == ref_label, "fashion_mnist: the first training label matches a " ..
                 "reference reader", yt[1]:item() .. " vs " .. ref_label)
        check.near(g.sum(xt[1]):item() * 255, ref_sum, 1e-6,
                   "fashion_mnist: the pixel sum of the first image matches a reference reader")
        xt, yt = nil, nil
        collectgarbage()
    end
    -- the pieces together: a stratified split, normalisation, batches, a softmax regression
    local sub = x:narrow(1, 1, 2000):reshape(2000, 784)
    local tr, va = data.split(sub, y:narrow(1, 1, 2000), {val = 0.2, test = 0, seed = 1})
    local xtr, mu, sd = data.normalize(tr.x)
    local xva = data.normalize(va.x, mu, sd)
    g.seed(1)
    local w, b = g.var(g.randn(784, 10) * 0.01), g.var(g.zeros(10))
    local opt = g.optim.SGD({w, b}, {lr = 0.1})
    for _, xb, yb in data.loader(xtr, tr.y, {batch_size = 50, seed = 1}) do
        local loss = g.cross_entropy(g.matmul(xb, w) + b, yb)
        opt:zero_grad()
        loss:backward()
        opt:step()
    end
    local acc = g.metrics.accuracy(g.no_grad(function() return g.matmul(xva, w) + b end), va.y)
    check.ok(acc > 0.6, "fashion_mnist: one epoch of softmax regression beats chance on a validation split",
             acc)
    check.err("dataset-fashion-mnist", "fashion_mnist: a folder without the files names the package",
              data.fashion_mnist, {path = "/nonexistent"})
    check.err("unknown option 'splt'", "fashion_mnist: a misspelt option", data.fashion_mnist,
              {splt = "test"})
    check.err("\"train\" or \"test\"", "fashion_mnist: a wrong split", data.fashion_mnist,
              {split = "val"})
else
    print("ok fashion_mnist skipped: dataset-fashion-mnist not installed")
end
-- GRADCALC_DATA and path= point elsewhere: a small copy of the format
local tmpdir = os.tmpname()
os.remove(tmpdir)
os.execute("mkdir -p " .. tmpdir)
local function idx_file(path, code, shape, bytes)
    local out = assert(io.open(path, "wb"))
    out:write(string.char(0, 0, code, #shape))
    for _, s in ipairs(shape) do out:write(string.pack(">I4", s)) end
    out:write(string.char(table.unpack(bytes)))
    out:close()
end
local pixels = {}
for i = 1, 2 * 28 * 28 do pixels[i] = i % 256 end
idx_file(tmpdir .. "/t10k-images-idx3-ubyte", 8, {2, 28, 28}, pixels)
idx_file(tmpdir .. "/t10k-labels-idx1-ubyte", 8, {2}, {9, 0})
local sx, sy = data.fashion_mnist{split = "test", path = tmpdir}
check.ok(sx.shape[1] == 2 and sy[1]:item() == 10 and sy[2]:item() == 1,
         "fashion_mnist: path= reads uncompressed files elsewhere")
check.near(sx[1][1][1][2]:item(), 2 / 255, 1e-15, "fashion_mnist: pixels scaled by 1/255")
idx_file(tmpdir .. "/t10k-labels-idx1-ubyte", 8, {3}, {9, 0, 1})
check.err("holds 2 images but", "fashion_mnist: image and label counts must agree",
          data.fashion_mnist, {split = "test", path = tmpdir})
os.execute("rm -rf " .. tmpdir)

-- ---- randperm and index_select ----------------------------------------------------
local p = g.randperm(10, 7):totable()
local seen, all = {}, true
for _, v in ipairs(p) do seen[v] = true end
for i = 1, 10 do all = all and seen[i] end
check.ok(#p == 10 and all, "randperm: a permutation of 1..10")
local q = g.randperm(10, 7):totable()
check.ok(table.concat(p, ",") == table.concat(q, ","), "randperm: the same seed, the same order")
check.ok(table.concat(g.randperm(10, 8):totable(), ",") ~= table.concat(p, ","),
         "randperm: another seed, another order")
g.seed(1)
local r1 = g.randperm(20):totable()
g.seed(1)
local r2 = g.randperm(20):totable()
check.ok(table.concat(r1, ",") == table.concat(r2, ","), "randperm: seed(n) makes it reproducible")
check.ok(g.randperm(0):numel() == 0, "randperm: n = 0 gives an empty tensor")
check.err("negative", "randperm: negative n", g.randperm, -1)

local m = g.tensor({{1, 2}, {3, 4}, {5, 6}})
local rows = m:index_select(1, {3, 1, 3})
check.ok(rows[1][1]:item() == 5 and rows[2][2]:item() == 2 and rows[3][2]:item() == 6,
         "index_select: rows with repeats")
local cols = g.index_select(m, 2, g.tensor({2}))
check.ok(cols.shape[1] == 3 and cols.shape[2] == 1 and cols[3][1]:item() == 6, "index_select: a column")
check.ok(m:index_select(-1, {1}).shape[2] == 1, "index_select: a negative dim")
check.ok(m:index_select(1, g.tensor({})).shape[1] == 0, "index_select: no indices, no rows")
check.err("not a whole number in 1..3", "index_select: index 4 of 3 rows", m.index_select, m, 1, {4})
check.err("not a whole number in 1..3", "index_select: index 0", m.index_select, m, 1, {0})
check.err("not a whole number", "index_select: index 1.5", m.index_select, m, 1, {1.5})
check.err("1-d tensor", "index_select: a 2-d index", m.index_select, m, 1, {{1}})
check.err("dimension 3 is out of range", "index_select: dim 3 of a matrix", m.index_select, m, 3, {1})
local v = g.var({{1, 2}, {3, 4}, {5, 6}})
g.sum(v:index_select(1, {3, 1, 3}) * g.tensor({{1, 10}, {100, 1000}, {2, 20}})):backward()
local gr = v.grad:totable()
check.ok(gr[1][1] == 100 and gr[1][2] == 1000 and gr[2][1] == 0 and gr[3][1] == 3 and gr[3][2] == 30,
         "index_select: backward adds the gradients of repeated rows")
check.ok(g._docs.index_select and g._docs.index_select.derivative ~= nil, "index_select: has help")

-- ---- loader -------------------------------------------------------------------------
local x = g.arange(10):reshape(10, 1)
local y = g.arange(1, 11)
local loader = data.loader(x, y, {batch_size = 4, shuffle = false})
check.ok(#loader == 3, "loader: 10 samples in batches of 4 make 3 batches")
local sizes, firsts, count = {}, {}, 0
for i, xb, yb in loader do
    count = count + 1
    sizes[i] = xb.shape[1]
    firsts[i] = yb[1]:item()
    check.ok(xb.shape[2] == 1 and yb.shape[1] == xb.shape[1], "loader: batch " .. i .. " shapes")
end
check.ok(count == 3 and sizes[1] == 4 and sizes[3] == 2, "loader: the last batch holds the rest")
check.ok(firsts[1] == 1 and firsts[2] == 5 and firsts[3] == 9, "loader: unshuffled keeps the order")
check.ok(#data.loader(x, y, {batch_size = 4, drop_last = true}) == 2, "loader: drop_last")

local function epoch(l)
    local order = {}
    for _, _, yb in l do for _, v in ipairs(yb:totable()) do order[#order + 1] = v end end
    return order
end
local a1 = data.loader(x, y, {batch_size = 3, seed = 5})
local a2 = data.loader(x, y, {batch_size = 3, seed = 5})
local e1, e2 = epoch(a1), epoch(a1)
check.ok(table.concat(e1, ",") == table.concat(epoch(a2), ","), "loader: the same seed, the same epoch")
check.ok(table.concat(e1, ",") ~= table.concat(e2, ","), "loader: each epoch a new order")
table.sort(e1)
check.ok(#e1 == 10 and e1[1] == 1 and e1[10] == 10, "loader: an epoch visits every sample once")
local only = 0
for i, xb, yb in data.loader(x, {batch_size = 5}) do only = only + (yb == nil and 1 or 0) end
check.ok(only == 2, "loader: without labels, batches of samples only")
check.err("batch_size", "loader: batch_size 0", data.loader, x, y, {batch_size = 0})
check.err("10 samples but 3 labels", "loader: label count", data.loader, x, g.ones(3))
check.err("unknown option 'batchsize'", "loader: a misspelt option", data.loader, x, y, {batchsize = 2})

-- ---- split --------------------------------------------------------------------------
-- 100 samples: 50 of class 1, 30 of class 2, 20 of class 3
local labels = {}
for i = 1, 100 do labels[i] = i <= 50 and 1 or i <= 80 and 2 or 3 end
local X = g.arange(100):reshape(100, 1)
local Y = g.tensor(labels)
local train, val, test = data.split(X, Y, {val = 0.15, test = 0.25, seed = 2})
check.ok(train.x.shape[1] + val.x.shape[1] + test.x.shape[1] == 100, "split: the parts add up to 100")
check.ok(test.x.shape[1] == 25 and val.x.shape[1] == 15, "split: 25 test and 15 validation samples")
local function counts(part)
    local c = {0, 0, 0}
    for _, v in ipairs(part.y:totable()) do c[v] = c[v] + 1 end
    return c
end
local share = {50, 30, 20}
for name, part in pairs({train = train, val = val, test = test}) do
    local c, n = counts(part), part.y:numel()
    local within = true
    for k = 1, 3 do within = within and math.abs(c[k] - share[k] * n / 100) <= 1 end
    check.ok(within, "split: " .. name .. " keeps the class proportions within one sample",
             table.concat(c, "/") .. " of " .. n)
end
local used = {}
for _, part in ipairs({train, val, test}) do
    for _, i in ipairs(part.idx:totable()) do used[i] = (used[i] or 0) + 1 end
end
local once = true
for i = 1, 100 do once = once and used[i] == 1 end
check.ok(once, "split: every sample in exactly one part")
check.ok(train[1] == train.x and train[2] == train.y, "split: parts unpack as x, y")
local same_x = true
for k, i in ipairs(test.idx:totable()) do same_x = same_x and test.x[k][1]:item() == i - 1 end
check.ok(same_x, "split: x rows follow their indices")
local t2 = data.split(X, Y, {val = 0.15, test = 0.25, seed = 2})
check.ok(table.concat(t2.idx:totable(), ",") == table.concat(train.idx:totable(), ","),
         "split: the same seed, the same split")
local u1, u2, u3 = data.split(X, Y, {val = 0.2, test = 0.2, stratify = false, seed = 1})
check.ok(u2.x.shape[1] == 20 and u3.x.shape[1] == 20 and u1.x.shape[1] == 60, "split: unstratified sizes")
local s1, s2, s3 = data.split(g.ones(3, 2), g.tensor({1, 2, 1}), {seed = 1})
check.ok(s1.x.shape[1] == 3 and s2.x.shape[1] == 0 and s2.x.shape[2] == 2 and s3.y.shape[1] == 0,
         "split: an empty part is an empty tensor of the right shape")
check.err("val + test < 1", "split: fractions that leave nothing", data.split, X, Y, {val = 0.5, test = 0.5})

-- ---- kfold --------------------------------------------------------------------------
local folds = data.kfold(23, 5, {seed = 4})
check.ok(#folds == 5, "kfold: 5 folds")
local as_val, sizes_ok = {}, true
for k, fold in ipairs(folds) do
    local n = fold.val:numel()
    sizes_ok = sizes_ok and n == (k <= 3 and 5 or 4) and fold.train:numel() == 23 - n
    for _, i in ipairs(fold.val:totable()) do as_val[i] = (as_val[i] or 0) + 1 end
    local tr = {}
    for _, i in ipairs(fold.train:totable()) do tr[i] = true end
    local disjoint = true
    for _, i in ipairs(fold.val:totable()) do disjoint = disjoint and not tr[i] end
    check.ok(disjoint, "kfold: fold " .. k .. " trains on none of its validation samples")
    check.ok(fold[1] == fold.train and fold[2] == fold.val, "kfold: fold " .. k .. " is a pair")
end
local exactly_once = true
for i = 1, 23 do exactly_once = exactly_once and as_val[i] == 1 end
check.ok(exactly_once, "kfold: every index is validation exactly once")
check.ok(sizes_ok, "kfold: fold sizes 5, 5, 5, 4, 4 as in scikit-learn")
local plain = data.kfold(6, 3, {shuffle = false})
local pv = plain[2].val:totable()
check.ok(#pv == 2 and pv[1] == 3 and pv[2] == 4, "kfold: unshuffled folds are consecutive")
check.err("k is a whole number from 2", "kfold: k > n", data.kfold, 3, 4)
-- stratified: the 50/30/20 labels of the split test, 5 folds of 20 with 10/6/4 each
local sfolds = data.kfold(100, 5, {labels = Y, seed = 3})
local strat_ok, seen_val = true, {}
for _, fold in ipairs(sfolds) do
    local c = {0, 0, 0}
    for _, i in ipairs(fold.val:totable()) do
        c[labels[i]] = c[labels[i]] + 1
        seen_val[i] = (seen_val[i] or 0) + 1
    end
    strat_ok = strat_ok and c[1] == 10 and c[2] == 6 and c[3] == 4 and fold.train:numel() == 80
end
for i = 1, 100 do strat_ok = strat_ok and seen_val[i] == 1 end
check.ok(strat_ok, "kfold: stratified folds keep the class proportions, each index once")
check.err("labels holds 3 labels", "kfold: labels of another length", data.kfold, 10, 2, {labels = {1, 2, 1}})
check.err("seed is a whole number", "kfold: a seed of 1.5", data.kfold, 5, 2, {seed = 1.5})
check.err("seed is a whole number", "split: a string seed", data.split, X, Y, {seed = "a"})

-- ---- normalize ----------------------------------------------------------------------
local F = g.tensor({{1, 10, 5}, {3, 30, 5}})
local Fn, mu, sd = data.normalize(F)
check.ok(mu.shape[1] == 1 and mu.shape[2] == 3, "normalize: one mean per feature")
check.near(mu[1][2]:item(), 20, 1e-12, "normalize: mean of a column")
check.near(sd[1][2]:item(), 10, 1e-12, "normalize: population std of a column")
check.near(Fn[1][1]:item(), -1, 1e-12, "normalize: (1 - 2) / 1")
check.near(Fn[2][3]:item(), 0, 1e-12, "normalize: a constant column stays finite (std 1)")
local Gn = data.normalize(g.tensor({{5, 40, 6}}), mu, sd)
check.near(Gn[1][2]:item(), 2, 1e-12, "normalize: the same statistics on new data")
local img = g.tensor({{{{0, 2}}, {{10, 10}}}}) -- [1, 2, 1, 2]: two channels
local _, cm, cs = data.normalize(img)
check.ok(cm.shape[2] == 2 and cm:dim() == 4, "normalize: images get one mean per channel")
check.near(cm[1][1][1][1]:item(), 1, 1e-12, "normalize: channel 1 mean")
check.near(cs[1][1][1][1]:item(), 1, 1e-12, "normalize: channel 1 std")
check.near(data.normalize(F, 1, 2)[2][2]:item(), 14.5, 1e-12, "normalize: numbers as the statistics")
check.near(data.normalize(F, g.tensor({1, 10, 5}), g.tensor({1, 10, 1}))[2][2]:item(), 2, 1e-12,
           "normalize: per-feature statistics of shape [F] broadcast")
local imgn = data.normalize(img)
check.near(imgn[1][1][1][2]:item(), 1, 1e-12, "normalize: channel 1 of an image, (2 - 1) / 1")
check.near(imgn[1][2][1][1]:item(), 0, 1e-12, "normalize: a constant channel centred to 0")
check.err("both mean and std", "normalize: a mean without std", data.normalize, F, mu)

check.done()
