-- test_data_files.lua - IDX, .npy and .npz files: every type on good files
-- (tests/data, made by tests/data/make_fixtures.py), every kind of broken
-- file, writing and reading back, and NumPy reading what gradcalc writes.
local check = dofile("tests/lua/check.lua")
local g = gradcalc or require("gradcalc")
local data = g.data
local dir = "tests/data/"

local function same(t, expected, name)
    local got = t:totable()
    local flat, want = {}, {}
    local function walk(x, into)
        if type(x) == "table" then for _, v in ipairs(x) do walk(v, into) end else into[#into + 1] = x end
    end
    walk(got, flat)
    walk(expected, want)
    local good = #flat == #want
    for i = 1, #want do good = good and flat[i] == want[i] end
    check.ok(good, name, "got " .. table.concat(flat, ", "))
end

-- ---- IDX -----------------------------------------------------------------------
local u8 = data.idx(dir .. "u8.idx")
check.ok(u8.shape[1] == 2 and u8.shape[2] == 3, "idx: u8 shape [2, 3]")
same(u8, {{0, 1, 2}, {127, 128, 255}}, "idx: unsigned bytes")
same(data.idx(dir .. "u8.idx.gz"), {{0, 1, 2}, {127, 128, 255}}, "idx: gzipped, same values")
same(data.idx(dir .. "i8.idx"), {-128, -1, 0, 127}, "idx: signed bytes")
same(data.idx(dir .. "i16.idx"), {{-32768, -2}, {3, 32767}}, "idx: 16-bit integers")
same(data.idx(dir .. "i32.idx"), {-2147483648, 7, 2147483647}, "idx: 32-bit integers")
same(data.idx(dir .. "f32.idx"), {1.5, -0.25}, "idx: 32-bit floats")
same(data.idx(dir .. "f64.idx"), {{3.141592653589793, -1e300}}, "idx: 64-bit floats")

check.err("truncated", "idx: truncated file", data.idx, dir .. "truncated.idx")
check.err("corrupt", "idx: bytes after the values", data.idx, dir .. "extra.idx")
check.err("not an IDX file", "idx: wrong magic", data.idx, dir .. "badmagic.idx")
check.err("not an IDX file", "idx: unknown type code", data.idx, dir .. "badtype.idx")
check.err("number of dims", "idx: zero dims", data.idx, dir .. "zerodims.idx")
check.err("header that lies", "idx: sizes of 2^32 - 1", data.idx, dir .. "lying.idx")
check.err("truncated", "idx: header promises more than the file has", data.idx,
          dir .. "lying_small.idx")
check.err("more than a gzip file", "idx: gzipped header promising 47 MB from a tiny file",
          data.idx, dir .. "lying.idx.gz")
check.err("truncated", "idx: truncated gzip", data.idx, dir .. "truncated.idx.gz")
check.err("cannot read", "idx: corrupt gzip", data.idx, dir .. "corrupt.idx.gz")
check.err("cannot open", "idx: missing file", data.idx, dir .. "no-such-file")
check.err("not a regular file", "idx: a folder", data.idx, dir)

-- ---- .npy ------------------------------------------------------------------------
local a = {{1.5, -2.0, 3.0}, {4.0, 5.0, -6.25}}
same(data.load(dir .. "f8.npy"), a, "npy: float64")
same(data.load(dir .. "f4.npy"), a, "npy: float32")
same(data.load(dir .. "f8be.npy"), a, "npy: big-endian float64")
same(data.load(dir .. "v2.npy"), a, "npy: format version 2")
for _, t in ipairs({"i1", "i2", "i4", "i8"}) do
    same(data.load(dir .. t .. ".npy"), {-100, -1, 0, 100}, "npy: signed " .. t)
end
for _, t in ipairs({"u1", "u2", "u4", "u8"}) do
    same(data.load(dir .. t .. ".npy"), {0, 1, 2, 100}, "npy: unsigned " .. t)
end
same(data.load(dir .. "bool.npy"), {1, 0, 1}, "npy: bool")
local f = data.load(dir .. "fortran.npy")
check.ok(f.shape[1] == 2 and f.shape[2] == 3 and f.shape[3] == 4, "npy: Fortran order keeps its shape")
check.ok(f[2][3][4]:item() == 23 and f[1][2][1]:item() == 4 and f[2][1][2]:item() == 13,
         "npy: Fortran order values land in C order", tostring(f))
local s = data.load(dir .. "scalar.npy")
check.ok(s:dim() == 0 and s:item() == 2.5, "npy: a 0-d array")
local e = data.load(dir .. "empty.npy")
check.ok(e.shape[1] == 0 and e.shape[2] == 3, "npy: an empty [0, 3] array")

check.err("truncated", "npy: truncated values", data.load, dir .. "truncated.npy")
check.err("not a file gradcalc reads", "npy: wrong magic", data.load, dir .. "badmagic.npy")
check.err("dtype is not one gradcalc reads", "npy: complex dtype", data.load, dir .. "complex.npy")
check.err("dtype is not one gradcalc reads", "npy: string dtype", data.load, dir .. "object.npy")
check.err("too large", "npy: a huge shape is refused before allocating", data.load, dir .. "huge.npy")
check.err("truncated", "npy: a header promising more than follows", data.load, dir .. "lying.npy")
check.err("no shape", "npy: a header without shape", data.load, dir .. "noshape.npy")
check.err("truncated", "npy: a header length past the end", data.load, dir .. "hlen.npy")

-- ---- .npz ------------------------------------------------------------------------
local z = data.load(dir .. "stored.npz")
same(z.weight, a, "npz: stored entry weight")
same(z.bias, {1, 2}, "npz: stored float32 entry bias")
local d = data.load(dir .. "deflated.npz")
same(d.weight, a, "npz: deflated entry weight")
check.ok(d.bias:numel() == 1000 and d.bias[1000]:item() == 999, "npz: deflated int32 entry")
check.err("truncated", "npz: truncated archive", data.load, dir .. "truncated.npz")
check.err("CRC", "npz: a damaged byte fails the CRC", data.load, dir .. "crc.npz")
check.err("not a zip archive", "npz: PK then garbage", data.load, dir .. "notzip.npz")
check.err("lies", "npz: a deflated entry claiming 4 GB", data.load, dir .. "lying.npz")
check.err("outside the archive", "npz: an entry pointing past the end", data.load,
          dir .. "outside.npz")

-- content, not name, decides
local tmp = os.tmpname()
os.remove(tmp)
local function copy(from, to)
    local src = assert(io.open(from, "rb"))
    local bytes = src:read("a")
    src:close()
    local dst = assert(io.open(to, "wb"))
    dst:write(bytes)
    dst:close()
end
copy(dir .. "stored.npz", tmp .. ".npy")
check.ok(type(data.load(tmp .. ".npy")) == "table", "load: an .npz named .npy is read as .npz")
copy(dir .. "u8.idx.gz", tmp .. ".bin")
same(data.load(tmp .. ".bin"), {{0, 1, 2}, {127, 128, 255}}, "load: a gzipped IDX file by content")
os.remove(tmp .. ".npy")
os.remove(tmp .. ".bin")
copy("README.md", tmp .. ".txt")
check.err("not a file gradcalc reads", "load: a text file", data.load, tmp .. ".txt")
os.remove(tmp .. ".txt")

-- ---- writing and reading back ------------------------------------------------------------
g.seed(3)
local w = g.randn(3, 4)
data.save(tmp .. ".npy", w)
local back = data.load(tmp .. ".npy")
local equal = true
for i = 1, 3 do for j = 1, 4 do equal = equal and back[i][j]:item() == w[i][j]:item() end end
check.ok(equal, "save/load: .npy round trip is exact")
check.ok(io.open(tmp .. ".npy.tmp") == nil, "save: no temporary file left behind")
data.save(tmp .. ".npy", g.tensor(7))
check.ok(data.load(tmp .. ".npy"):dim() == 0, "save/load: a 0-d tensor")
local sd = {["0.weight"] = w, ["0.bias"] = g.zeros(4), ["2.weight"] = g.ones(1, 4)}
data.save(tmp .. ".npz", sd)
local sd2 = data.load(tmp .. ".npz")
check.ok(sd2["0.weight"] and sd2["0.weight"][3][4]:item() == w[3][4]:item() and
         sd2["0.bias"]:numel() == 4 and sd2["2.weight"].shape[2] == 4,
         "save/load: a state dict keeps PyTorch's parameter names")
data.save(tmp .. "_pairs.npz", {{"layer.weight", g.ones(2, 2)}, {"layer.bias", g.zeros(2)}})
local pairs_back = data.load(tmp .. "_pairs.npz")
os.remove(tmp .. "_pairs.npz")
check.ok(pairs_back["layer.weight"] and pairs_back["layer.bias"]:numel() == 2,
         "save: a list of {name, tensor} pairs is a state dict too")
check.err("names as keys", "save: a list is not a state dict", data.save, tmp .. ".npz", {g.ones(2), 1})
check.err("not a tensor", "save: a string value", data.save, tmp .. ".npz", {a = "x"})
check.err("cannot write", "save: into a missing folder", data.save, "/no/such/dir/x.npy", w)

-- NumPy reads what gradcalc wrote
local py = "/usr/bin/python3"
local has_numpy = os.execute(py .. " -c 'import numpy' >/dev/null 2>&1")
if has_numpy then
    local cmd = string.format("%s -c \"import numpy as np; a = np.load('%s.npy'); " ..
        "z = np.load('%s.npz'); print(a.dtype, a.shape, float(a), sorted(z.files), " ..
        "z['0.weight'].shape, repr(float(z['0.weight'][2, 3])))\"", py, tmp, tmp)
    local p = io.popen(cmd)
    local line = p:read("a")
    p:close()
    check.ok(line:find("float64 () 7.0 ['0.bias', '0.weight', '2.weight'] (3, 4)", 1, true) ~= nil,
             "numpy: reads the .npy and the .npz gradcalc wrote", line)
    local wanted = string.format("%.17g", w[3][4]:item())
    local got = tonumber(line:match("(%S+)%s*$"))
    check.ok(got == w[3][4]:item(), "numpy: the float64 values are exact", line .. " vs " .. wanted)
else
    print("ok numpy reads gradcalc's files skipped: python3-numpy not installed")
end
os.remove(tmp .. ".npy")
os.remove(tmp .. ".npz")

-- ---- mutated files: every one is read or refused, none crashes -----------------------------
-- (the ASan pass of make test runs this too, where an overread would stop it)
local function bytes_of(path)
    local h = assert(io.open(path, "rb"))
    local b = h:read("a")
    h:close()
    return b
end
local rng = 12345
local function rand_int(n) -- a small LCG: the same mutations every run
    rng = (rng * 1103515245 + 12345) % 2147483648
    return rng % n
end
local survived, refused = 0, 0
for _, name in ipairs({"f8.npy", "fortran.npy", "stored.npz", "deflated.npz", "u8.idx", "u8.idx.gz",
                       "i32.idx"}) do
    local original = bytes_of(dir .. name)
    for trial = 1, 40 do
        local b = {original:byte(1, -1)}
        if trial % 4 == 0 then -- cut it short
            for i = #b, rand_int(#b) + 1, -1 do b[i] = nil end
        else
            for _ = 1, 1 + rand_int(4) do
                local at = rand_int(#b) + 1
                b[at] = rand_int(256)
            end
        end
        local out = assert(io.open(tmp .. ".fuzz", "wb"))
        for i = 1, #b, 4096 do out:write(string.char(table.unpack(b, i, math.min(#b, i + 4095)))) end
        out:close()
        local ok, v = pcall(data.load, tmp .. ".fuzz")
        if ok then survived = survived + 1 else refused = refused + 1 end
        if not ok and type(v) ~= "string" then refused = -1e9 end
    end
end
os.remove(tmp .. ".fuzz")
check.ok(survived + refused == 280 and refused > 50,
         "mutated files are read or refused with a message, never a crash",
         survived .. " read, " .. refused .. " refused")

check.done()
