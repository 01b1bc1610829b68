-- 20-data.lua - data sets and the ways through them: Fashion-MNIST from its
-- Debian package, batches (data.loader), stratified splits, k-fold
-- cross-validation and normalisation. The file formats are C (ldata.c).
local M = ...
local data = M.data

-- Fails on an option not in valid, listing the valid ones.
local function check_options(who, opts, valid)
    if opts == nil then return {} end
    if type(opts) ~= "table" then
        error(who .. ": options are a table, got " .. type(opts), 3)
    end
    for k in pairs(opts) do
        local known = false
        for _, v in ipairs(valid) do known = known or k == v end
        if not known then
            error(string.format("%s: unknown option '%s' (valid options: %s)", who, tostring(k),
                                table.concat(valid, ", ")), 3)
        end
    end
    return opts
end
M._data.check_options = check_options

local function check_seed(who, seed)
    if seed ~= nil and math.type(seed) ~= "integer" then
        error(who .. ": seed is a whole number, got " .. tostring(seed), 3)
    end
end
M._data.check_seed = check_seed

local function is_tensor(x) return M.is_tensor(x) end

local function file_exists(path)
    local f = io.open(path, "rb")
    if f then f:close() end
    return f ~= nil
end

-- ---- Fashion-MNIST ---------------------------------------------------------

local FASHION_CLASSES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot"}
local FASHION_DIR = "/usr/share/datasets/fashion-mnist"

-- The file name in dir (gzipped or not), or nil.
local function find_file(dir, name)
    for _, d in ipairs({dir .. "/fashion-mnist", dir}) do
        for _, f in ipairs({d .. "/" .. name .. ".gz", d .. "/" .. name}) do
            if file_exists(f) then return f end
        end
    end
end

function data.fashion_mnist(opts)
    opts = check_options("data.fashion_mnist", opts, {"split", "path"})
    local split = opts.split or "train"
    if split ~= "train" and split ~= "test" then
        error("data.fashion_mnist: split is \"train\" or \"test\", got " .. tostring(split), 2)
    end
    local dir = opts.path or os.getenv("GRADCALC_DATA") or FASHION_DIR
    local prefix = split == "train" and "train" or "t10k"
    local images = find_file(dir, prefix .. "-images-idx3-ubyte")
    local labels = find_file(dir, prefix .. "-labels-idx1-ubyte")
    if not images or not labels then
        local how = dir == FASHION_DIR and
            "install the Debian package dataset-fashion-mnist (sudo apt-get install " ..
            "dataset-fashion-mnist), or point path= or GRADCALC_DATA at a folder that holds them"
            or "check path= or GRADCALC_DATA; the Debian package dataset-fashion-mnist " ..
            "installs them in " .. FASHION_DIR
        error(string.format("data.fashion_mnist: cannot find %s-%s-idx%d-ubyte.gz in %s: %s",
                            prefix, images and "labels" or "images", images and 1 or 3, dir, how), 2)
    end
    local x = M._data.idx(images, 1 / 255, 0, true, "data.fashion_mnist")
    local y = M._data.idx(labels, 1, 1, false, "data.fashion_mnist")
    if x:dim() ~= 4 or x.shape[3] ~= 28 or x.shape[4] ~= 28 or y:dim() ~= 1 then
        error("data.fashion_mnist: " .. images .. " does not hold 28x28 images with a label each", 2)
    end
    if x.shape[1] ~= y.shape[1] then
        error(string.format("data.fashion_mnist: %s holds %d images but %s %d labels", images,
                            x.shape[1], labels, y.shape[1]), 2)
    end
    local classes = {}
    for i, c in ipairs(FASHION_CLASSES) do classes[i] = c end
    return x, y, classes
end

-- ---- batches ------------------------------------------------------------------

local Loader = {}
Loader.__index = Loader

local function nbatches(l)
    if l.drop_last then return l.n // l.batch_size end
    return (l.n + l.batch_size - 1) // l.batch_size
end

-- The generic for calls the loader: (nil, nil) starts an epoch, (nil, i)
-- gives batch i + 1.
function Loader.__call(l, _, i)
    i = i or 0
    if i == 0 then
        l.epoch = l.epoch + 1
        if l.shuffle then
            -- seeded: an order of its own for every epoch, the same on every run
            l.order = l.seed and M.randperm(l.n, l.seed * 1000003 + l.epoch) or M.randperm(l.n)
        else
            l.order = M.arange(1, l.n + 1)
        end
    end
    if i >= nbatches(l) then return nil end
    local first = i * l.batch_size + 1
    local len = math.min(l.batch_size, l.n - first + 1)
    local idx = l.order:narrow(1, first, len)
    local xb = l.x:index_select(1, idx)
    if l.y == nil then return i + 1, xb end
    return i + 1, xb, l.y:index_select(1, idx)
end

Loader.__len = nbatches

function Loader.__tostring(l)
    return string.format("loader: %d samples in %d batches of %d%s%s", l.n, nbatches(l),
                         l.batch_size, l.shuffle and ", shuffled" or "",
                         l.drop_last and ", last partial batch dropped" or "")
end

function data.loader(x, y, opts)
    if not is_tensor(x) then error("data.loader: expected a tensor of samples, got " .. type(x), 2) end
    if type(y) == "table" and not is_tensor(y) and opts == nil then y, opts = nil, y end
    opts = check_options("data.loader", opts, {"batch_size", "shuffle", "seed", "drop_last"})
    if x:dim() == 0 then error("data.loader: a 0-d tensor has no samples", 2) end
    if y ~= nil and not is_tensor(y) then y = M.tensor(y) end
    if y ~= nil and (y:dim() == 0 or y.shape[1] ~= x.shape[1]) then
        error(string.format("data.loader: %d samples but %s labels", x.shape[1],
                            y:dim() == 0 and "no list of" or tostring(y.shape[1])), 2)
    end
    local bs = opts.batch_size or 64
    if math.type(bs) ~= "integer" or bs < 1 then
        error("data.loader: batch_size is a whole number of at least 1, got " .. tostring(bs), 2)
    end
    check_seed("data.loader", opts.seed)
    local l = {x = x, y = y, n = x.shape[1], batch_size = bs, shuffle = opts.shuffle ~= false,
               seed = opts.seed, drop_last = opts.drop_last == true, epoch = 0}
    return setmetatable(l, Loader)
end
M._Loader = Loader

-- ---- splits and folds ---------------------------------------------------------

-- n items of each class split into parts of fractions fracs, each class's
-- count within one of its share (the largest remainders get the extra ones).
local function allocate(counts, frac, total)
    local want = math.floor(total * frac + 0.5)
    local alloc, given, rest = {}, 0, {}
    for c, n in pairs(counts) do
        alloc[c] = math.floor(n * frac)
        given = given + alloc[c]
        rest[#rest + 1] = {c = c, r = n * frac - alloc[c]}
    end
    table.sort(rest, function(a, b) if a.r ~= b.r then return a.r > b.r end return a.c < b.c end)
    for k = 1, math.min(want - given, #rest) do
        local c = rest[k].c
        if alloc[c] < counts[c] then alloc[c] = alloc[c] + 1 end
    end
    return alloc
end

local function part(x, y, list)
    local idx = M.tensor(list)
    local p = {idx = idx, x = x:index_select(1, idx), y = y and y:index_select(1, idx)}
    p[1], p[2] = p.x, p.y
    return p
end

function data.split(x, y, opts)
    if not is_tensor(x) then error("data.split: expected a tensor of samples, got " .. type(x), 2) end
    if type(y) == "table" and not is_tensor(y) and opts == nil then y, opts = nil, y end
    opts = check_options("data.split", opts, {"val", "test", "seed", "stratify"})
    check_seed("data.split", opts.seed)
    local val, test = opts.val or 0.1, opts.test or 0.1
    if val < 0 or test < 0 or val + test >= 1 then
        error(string.format("data.split: val (%g) and test (%g) are fractions that leave some " ..
                            "training data (val + test < 1)", val, test), 2)
    end
    if y ~= nil and not is_tensor(y) then y = M.tensor(y) end
    local n = x.shape[1]
    if y and y.shape[1] ~= n then
        error(string.format("data.split: %d samples but %d labels", n, y.shape[1]), 2)
    end
    local perm = (opts.seed and M.randperm(n, opts.seed) or M.randperm(n)):totable()
    local stratify = y ~= nil and opts.stratify ~= false
    local classes, counts = {}, {}
    local labels = y and y:totable()
    for _, i in ipairs(perm) do -- by class, each in shuffled order
        local c = stratify and labels[i] or 0
        if not classes[c] then classes[c], counts[c] = {}, 0 end
        table.insert(classes[c], i)
        counts[c] = counts[c] + 1
    end
    local ntest = allocate(counts, test, n)
    local nval = allocate(counts, val, n)
    for c, k in pairs(counts) do nval[c] = math.min(nval[c], k - ntest[c]) end
    local rank = {}
    for r, i in ipairs(perm) do rank[i] = r end
    local lists = {train = {}, val = {}, test = {}}
    for c, members in pairs(classes) do
        for k, i in ipairs(members) do
            local where = k <= ntest[c] and "test" or k <= ntest[c] + nval[c] and "val" or "train"
            table.insert(lists[where], i)
        end
    end
    for _, list in pairs(lists) do -- the shuffled order, not grouped by class
        table.sort(list, function(a, b) return rank[a] < rank[b] end)
    end
    return part(x, y, lists.train), part(x, y, lists.val), part(x, y, lists.test)
end

function data.kfold(n, k, opts)
    opts = check_options("data.kfold", opts, {"seed", "shuffle", "labels"})
    check_seed("data.kfold", opts.seed)
    if math.type(n) ~= "integer" or n < 1 then
        error("data.kfold: n is the number of samples, a whole number of at least 1, got " ..
              tostring(n), 2)
    end
    if math.type(k) ~= "integer" or k < 2 or k > n then
        error(string.format("data.kfold: k is a whole number from 2 to n = %d, got %s", n,
                            tostring(k)), 2)
    end
    local order
    if opts.shuffle == false then
        order = {}
        for i = 1, n do order[i] = i end
    else
        order = (opts.seed and M.randperm(n, opts.seed) or M.randperm(n)):totable()
    end
    local members = {} -- the validation samples of each fold
    for f = 1, k do members[f] = {} end
    if opts.labels ~= nil then
        -- stratified: the samples of each class dealt out to the folds in turn
        local y = M.is_tensor(opts.labels) and opts.labels:totable() or opts.labels
        if type(y) ~= "table" or #y ~= n then
            error(string.format("data.kfold: labels holds %s labels for n = %d samples",
                                type(y) == "table" and tostring(#y) or "no", n), 2)
        end
        local rank = {}
        for r, i in ipairs(order) do rank[i] = r end
        table.sort(order, function(a, b)
            if y[a] ~= y[b] then return y[a] < y[b] end
            return rank[a] < rank[b]
        end)
        for j, i in ipairs(order) do table.insert(members[(j - 1) % k + 1], i) end
    else
        local start = 1
        for f = 1, k do
            local size = n // k + (f <= n % k and 1 or 0) -- the first n % k folds are one larger
            for j = start, start + size - 1 do table.insert(members[f], order[j]) end
            start = start + size
        end
    end
    local folds = {}
    for f = 1, k do
        local in_val, val, train = {}, {}, {}
        for _, i in ipairs(members[f]) do
            val[#val + 1] = i
            in_val[i] = true
        end
        table.sort(val)
        for i = 1, n do if not in_val[i] then train[#train + 1] = i end end
        local tr, va = M.tensor(train), M.tensor(val)
        folds[f] = {train = tr, val = va, tr, va}
    end
    return folds
end

-- ---- normalisation --------------------------------------------------------------

-- Statistics per feature of [N, F], per channel of [N, C, ...], of all of a 1-d x.
local function stats(x)
    local m, s = M._data.stats(x)
    -- a constant feature keeps its values centred instead of dividing by 0
    local sv = s:reshape(-1):totable()
    local fixed = false
    for i, v in ipairs(sv) do if v == 0 then sv[i], fixed = 1, true end end
    if fixed then s = M.tensor(sv):reshape(s.shape) end
    return m, s
end

function data.normalize(x, mean, std)
    if not is_tensor(x) then x = M.tensor(x) end
    return M.no_grad(function()
        if mean == nil and std == nil then mean, std = stats(x) end
        if mean == nil or std == nil then
            error("data.normalize: give both mean and std, or neither (to compute them from x)", 3)
        end
        if M.is_tensor(mean) and M.is_tensor(std) then
            local fast = M._data.standardize(x, mean, std)
            if fast then return fast, mean, std end
        end
        return (x - mean) / std, mean, std
    end)
end

-- ---- help ------------------------------------------------------------------------

M._doc{name = "data", signature = "data",
    summary = "Data sets and the ways through them: data.fashion_mnist, data.words, data.csv, the " ..
        "toy sets (data.xor, data.spirals, data.moons, data.circles, data.blobs, data.sine), " ..
        "data.loader (batches), data.split (train/val/test), data.kfold, data.normalize, and " ..
        "files NumPy reads (data.save, data.load, data.idx).",
    example = "images, labels, classes = data.fashion_mnist{split = \"test\"}"}
M._doc{name = "data.fashion_mnist", signature =
    "images, labels, classes = data.fashion_mnist([{split = \"train\"|\"test\", path = }])",
    summary = "Fashion-MNIST from the Debian package dataset-fashion-mnist (its gzipped IDX " ..
        "files in /usr/share/datasets/fashion-mnist, or in path= or $GRADCALC_DATA): images " ..
        "[N, 1, 28, 28] with values in [0, 1], labels [N] as class numbers 1..10, and the ten " ..
        "class names. The training split has 60,000 images, the test split 10,000.",
    example = "x, y, classes = data.fashion_mnist{split = \"test\"}\nclasses[y[1]:item()]  --> \"Ankle boot\""}
M._doc{name = "data.loader", signature =
    "loader = data.loader(x, y [, {batch_size = 64, shuffle = true, seed =, drop_last = false}])",
    summary = "Batches of samples (rows of x) with their labels: for i, xb, yb in loader do ... " ..
        "end goes through them once (an epoch), in a new random order each epoch when shuffle " ..
        "is on; #loader is the number of batches. seed makes the orders the same on every run. " ..
        "drop_last leaves out a last, smaller batch.",
    example = "loader = data.loader(x, y, {batch_size = 32, seed = 1})\n" ..
        "for i, xb, yb in loader do loss = cross_entropy(model(xb), yb) end"}
M._doc{name = "data.split", signature =
    "train, val, test = data.split(x, y [, {val = 0.1, test = 0.1, seed =, stratify = true}])",
    summary = "Splits the samples at random into training, validation and test parts, each a " ..
        "table {x =, y =, idx =} (also {x, y}: local xtr, ytr = table.unpack(train)). With " ..
        "stratify every class keeps its share in each part, within one sample.",
    example = "train, val, test = data.split(x, y, {val = 0.1, test = 0.1, seed = 1})\n#train.x"}
M._doc{name = "data.kfold", signature = "folds = data.kfold(n, k [, {seed =, shuffle = true, labels =}])",
    summary = "k-fold cross-validation of n samples: k pairs {train =, val =} (also {train, val}) " ..
        "of 1-based index tensors; every sample is in exactly one validation part, and the first " ..
        "n % k parts are one larger, as in scikit-learn's KFold. Select the rows with " ..
        "x:index_select(1, fold.train). With labels = y the folds are stratified (as " ..
        "StratifiedKFold): each class is dealt out to the folds in turn.",
    example = "for f, fold in ipairs(data.kfold(100, 5, {seed = 1})) do\n" ..
        "  xtr, xva = x:index_select(1, fold.train), x:index_select(1, fold.val)\nend"}
M._doc{name = "data.normalize", signature = "xn, mean, std = data.normalize(x [, mean, std])",
    summary = "(x − mean) / std, and the statistics used, so the same ones can be applied to " ..
        "validation and test data. Computed from x, they are per feature for [N, F], per " ..
        "channel for images [N, C, H, W], one pair for a 1-d x; std is the population standard " ..
        "deviation (a constant feature gets std 1).",
    example = "xtr, m, s = data.normalize(xtr)\nxva = data.normalize(xva, m, s)"}

-- ---- state dicts in any of their shapes ------------------------------------------------
-- data.save takes a tensor, or names → tensors: a plain table, an ordered one
-- (with __pairs), or a list of {name, tensor} pairs all become the same .npz.
local save_c = data.save
function data.save(path, value)
    if type(value) == "table" and not M.is_tensor(value) then
        local first = value[1]
        local flat = {}
        if type(first) == "table" and not M.is_tensor(first) and type(first[1]) == "string" then
            for i, pair in ipairs(value) do
                if type(pair) ~= "table" or type(pair[1]) ~= "string" or pair[2] == nil then
                    error("data.save: entry " .. i .. " of the list is not a {name, tensor} pair", 2)
                end
                flat[pair[1]] = pair[2]
            end
            return save_c(path, flat)
        end
        if getmetatable(value) and getmetatable(value).__pairs then
            for k, v in pairs(value) do flat[k] = v end
            return save_c(path, flat)
        end
    end
    return save_c(path, value)
end
M._docs["data.save"].summary = M._docs["data.save"].summary .. " A state dict may also be a " ..
    "list of {name, tensor} pairs; the .npz holds the names in sorted order."
