-- 22-datasets.lua - more data sets: words of several languages from Debian's
-- word lists (sequences of characters, for "which language is this word
-- from?"), their encoding as index tensors, CSV files, and the toy sets of
-- day 1 (xor, spirals, moons, circles, blobs, sine), all seeded.
local M = ...
local data = M.data
local check_options = M._data.check_options

-- ---- words ----------------------------------------------------------------------------

local DICT = "/usr/share/dict"
-- language -> file in /usr/share/dict and the Debian package installing it
local LANGS = {
    english = {"american-english", "wamerican"}, american = {"american-english", "wamerican"},
    en = {"american-english", "wamerican"}, british = {"british-english", "wbritish"},
    french = {"french", "wfrench"}, fr = {"french", "wfrench"},
    german = {"ngerman", "wngerman"}, de = {"ngerman", "wngerman"},
    ngerman = {"ngerman", "wngerman"}, spanish = {"spanish", "wspanish"},
    es = {"spanish", "wspanish"}, italian = {"italian", "witalian"}, it = {"italian", "witalian"},
    portuguese = {"portuguese", "wportuguese"}, pt = {"portuguese", "wportuguese"},
    dutch = {"dutch", "wdutch"}, nl = {"dutch", "wdutch"}, swedish = {"swedish", "wswedish"},
    danish = {"danish", "wdanish"}, norwegian = {"bokmaal", "wnorwegian"},
    polish = {"polish", "wpolish"}, finnish = {"finnish", "wfinnish"},
}
for _, entry in pairs(LANGS) do LANGS[entry[2]] = entry end -- by package name too: wfrench

local function read_words(lang, opts)
    local entry = LANGS[lang]
    local path = entry and DICT .. "/" .. entry[1] or
        (lang:find("/", 1, true) and lang or DICT .. "/" .. lang)
    local words, why = M._data.words(path, opts.min_len or 1, opts.max_len)
    if not words then
        local pkg = entry and entry[2]
        error(string.format("data.words: cannot read %s for %s (%s): %s", path, lang, why,
            pkg and ("install the Debian package " .. pkg .. " (sudo apt-get install " .. pkg .. ")")
            or ("known languages: english, french, german, spanish, italian, ... (or a file " ..
                "of " .. DICT .. ")")), 4)
    end
    return words
end

function data.words(langs, opts)
    if type(langs) == "string" then langs = {langs} end
    if type(langs) ~= "table" or #langs == 0 then
        error("data.words: expected a list of languages, e.g. {\"english\", \"french\"}", 2)
    end
    opts = check_options("data.words", opts, {"min_len", "max_len", "per_lang", "seed"})
    M._data.check_seed("data.words", opts.seed)
    local per = opts.per_lang
    if per ~= nil and (math.type(per) ~= "integer" or per < 1) then
        error("data.words: per_lang is a whole number of at least 1, got " .. tostring(per), 2)
    end
    local all, labels = {}, {}
    for k, lang in ipairs(langs) do
        local words = read_words(lang, opts)
        local order
        if per and per < #words then -- a random sample, the same for the same seed
            order = (opts.seed and M.randperm(#words, opts.seed + k) or M.randperm(#words)):totable()
        end
        for i = 1, per and math.min(per, #words) or #words do
            all[#all + 1] = words[order and math.tointeger(order[i]) or i]
            labels[#labels + 1] = k
        end
    end
    -- one list in a random order, so the languages are mixed
    local order = (opts.seed and M.randperm(#all, opts.seed) or M.randperm(#all)):totable()
    local words, y, chars = {}, {}, {}
    for i, j in ipairs(order) do
        j = math.tointeger(j)
        words[i] = all[j]
        y[i] = labels[j]
        for _, cp in utf8.codes(all[j]) do chars[utf8.char(cp)] = true end
    end
    local alphabet = {}
    for c in pairs(chars) do alphabet[#alphabet + 1] = c end
    table.sort(alphabet, function(a, b) return utf8.codepoint(a) < utf8.codepoint(b) end)
    return words, M.tensor(#y > 0 and y or {}), alphabet
end

function data.encode(words, alphabet, opts)
    opts = check_options("data.encode", opts, {"length"})
    if type(words) == "string" then words = {words} end
    if type(alphabet) == "string" and utf8.len(alphabet) then -- "abc…": one character each
        local list = {}
        for _, cp in utf8.codes(alphabet) do list[#list + 1] = utf8.char(cp) end
        alphabet = list
    end
    if type(words) ~= "table" or type(alphabet) ~= "table" then
        error("data.encode: expected a list of words and an alphabet (a list of characters)", 2)
    end
    local index = {}
    for i, c in ipairs(alphabet) do index[c] = index[c] or i end
    local rows, lengths, T = {}, {}, opts.length or 0
    for n, w in ipairs(words) do
        if not utf8.len(w) then error("data.encode: word " .. n .. " is not valid UTF-8", 2) end
        local row = {}
        for _, cp in utf8.codes(w) do
            local c = utf8.char(cp)
            if not index[c] then
                error(string.format("data.encode: word %d (%q) has the character %q, which is " ..
                                    "not in the alphabet", n, w, c), 2)
            end
            row[#row + 1] = index[c]
        end
        rows[n], lengths[n] = row, #row
        if not opts.length then T = math.max(T, #row) end
    end
    for n, row in ipairs(rows) do -- 0 pads: no character
        if #row > T then
            error(string.format("data.encode: word %d has %d characters, more than length = %d",
                                n, #row, T), 2)
        end
        for t = #row + 1, T do row[t] = 0 end
    end
    local x = #rows > 0 and T > 0 and M.tensor(rows) or M.zeros(#rows, T)
    return x, M.tensor(#lengths > 0 and lengths or {})
end

-- ---- CSV ------------------------------------------------------------------------------

-- The cells of one line; double quotes may hold separators and "" quotes.
local function cells(line, sep)
    local out, i, n = {}, 1, #line
    while i <= n + 1 do
        if line:sub(i, i) == '"' then
            local buf, j = {}, i + 1
            while true do
                local q = line:find('"', j, true)
                if not q then return nil end
                buf[#buf + 1] = line:sub(j, q - 1)
                if line:sub(q + 1, q + 1) == '"' then
                    buf[#buf + 1] = '"'
                    j = q + 2
                else
                    i = q + 1
                    break
                end
            end
            out[#out + 1] = table.concat(buf)
            if i <= n and line:sub(i, i + #sep - 1) ~= sep then return nil end
            i = i + #sep
        else
            local s = line:find(sep, i, true) or n + 1
            out[#out + 1] = line:sub(i, s - 1)
            i = s + #sep
        end
    end
    return out
end

local function number_of(cell)
    local s = cell:match("^%s*(.-)%s*$")
    local v = tonumber(s)
    if v then return v end
    local l = s:lower()
    if l == "nan" then return 0 / 0 end
    if l == "inf" or l == "+inf" then return math.huge end
    if l == "-inf" then return -math.huge end
end

function data.csv(path, opts)
    opts = check_options("data.csv", opts, {"header", "sep", "labels"})
    local sep = opts.sep or ","
    local f, err = io.open(path, "rb")
    if not f then error("data.csv: cannot open " .. tostring(err), 2) end
    local rows, names, lineno = {}, nil, 0
    local label_col, label_names, label_index, labels = nil, {}, {}, {}
    local ncols
    for line in f:lines() do
        lineno = lineno + 1
        line = line:gsub("\r$", "")
        if lineno == 1 then line = line:gsub("^\239\187\191", "") end -- a UTF-8 BOM
        if line:match("%S") then
            local c = cells(line, sep)
            if not c then
                f:close()
                error(string.format("data.csv: %s line %d: an unclosed quote", path, lineno), 2)
            end
            if not names and opts.header ~= false then
                names = c
                ncols = #c
            else
                ncols = ncols or #c
                names = names or {}
                if #c ~= ncols then
                    f:close()
                    error(string.format("data.csv: %s line %d has %d cells, the first line %d",
                                        path, lineno, #c, ncols), 2)
                end
                if opts.labels and not label_col then
                    label_col = math.type(opts.labels) == "integer" and opts.labels or nil
                    for k, name in ipairs(names) do
                        if name == opts.labels then label_col = k end
                    end
                    if not label_col or label_col < 1 or label_col > ncols then
                        f:close()
                        error("data.csv: no column " .. tostring(opts.labels) .. " in " .. path, 2)
                    end
                end
                local row = {}
                for k, cell in ipairs(c) do
                    if k == label_col then
                        local key = cell:match("^%s*(.-)%s*$")
                        if not label_index[key] then
                            label_names[#label_names + 1] = key
                            label_index[key] = #label_names
                        end
                        labels[#labels + 1] = label_index[key]
                    else
                        local v = number_of(cell)
                        if not v then
                            f:close()
                            error(string.format("data.csv: %s line %d, column %d (%s): %q is " ..
                                "not a number (declare a column of names with labels = %q)", path,
                                lineno, k, names[k] or "?", cell, names[k] or k), 2)
                        end
                        row[#row + 1] = v
                    end
                end
                rows[#rows + 1] = row
            end
        end
    end
    f:close()
    local header = {}
    for k = 1, ncols or 0 do
        if k ~= label_col then header[#header + 1] = names[k] or ("column " .. k) end
    end
    local x = #rows > 0 and #rows[1] > 0 and M.tensor(rows) or M.zeros(#rows, #header)
    if label_col then return x, header, M.tensor(labels), label_names end
    return x, header
end

-- ---- toy sets -----------------------------------------------------------------------------

local function reseed(who, opts)
    if opts == nil then return end
    if type(opts) ~= "table" then error(who .. ": options are a table {seed =}", 3) end
    if opts.seed ~= nil then M.seed(opts.seed) end
end

local function normals(n) return n > 0 and M.randn(n):totable() or {} end

function data.xor(n, noise, opts)
    if type(noise) == "table" then noise, opts = nil, noise end
    reseed("data.xor", opts)
    n = n or 4
    noise = noise or 0.1
    local e, x, y = normals(2 * n), {}, {}
    for i = 1, n do -- the four corners in turn, jittered
        local a, b = (i - 1) % 2, ((i - 1) // 2) % 2
        x[i] = {a + noise * e[2 * i - 1], b + noise * e[2 * i]}
        y[i] = (a ~ b) + 1
    end
    return M.tensor(x), M.tensor(y)
end

-- n points split over k parts: the first n % k parts get one more.
local function share(n, k, j) return n // k + (j <= n % k and 1 or 0) end

function data.spirals(n, classes, noise, opts)
    if type(noise) == "table" then noise, opts = nil, noise end
    reseed("data.spirals", opts)
    classes, noise = classes or 2, noise or 0.2
    local x, y = {}, {}
    for c = 1, classes do
        local m = share(n, classes, c)
        local e = normals(m)
        for i = 1, m do
            local r = m > 1 and (i - 1) / (m - 1) or 0
            local t = (c - 1) * 4 + 4 * r + noise * e[i]
            x[#x + 1] = {r * math.sin(t), r * math.cos(t)}
            y[#y + 1] = c
        end
    end
    return M.tensor(x), M.tensor(y)
end

function data.moons(n, noise, opts)
    if type(noise) == "table" then noise, opts = nil, noise end
    reseed("data.moons", opts)
    noise = noise or 0.1
    local out, x, y = n // 2, {}, {}
    local e = normals(2 * n)
    for i = 1, n do
        local upper = i <= out
        local m = upper and out or n - out
        local k = upper and i - 1 or i - out - 1
        local t = m > 1 and math.pi * k / (m - 1) or 0
        local px, py = math.cos(t), math.sin(t)
        if not upper then px, py = 1 - px, 0.5 - py end
        x[i] = {px + noise * e[2 * i - 1], py + noise * e[2 * i]}
        y[i] = upper and 1 or 2
    end
    return M.tensor(x), M.tensor(y)
end

function data.circles(n, noise, opts)
    if type(noise) == "table" then noise, opts = nil, noise end
    reseed("data.circles", opts)
    noise = noise or 0.05
    local factor = opts and opts.factor or 0.5
    local out, x, y = n // 2, {}, {}
    local e = normals(2 * n)
    for i = 1, n do
        local outer = i <= out
        local m = outer and out or n - out
        local k = outer and i - 1 or i - out - 1
        local t = 2 * math.pi * k / m
        local r = outer and 1 or factor
        x[i] = {r * math.cos(t) + noise * e[2 * i - 1], r * math.sin(t) + noise * e[2 * i]}
        y[i] = outer and 1 or 2
    end
    return M.tensor(x), M.tensor(y)
end

function data.blobs(n, centers, opts)
    opts = check_options("data.blobs", opts, {"seed", "std", "dim"})
    reseed("data.blobs", opts)
    centers = centers or 3
    local dim = opts.dim or 2
    local std = opts.std or 1
    if type(centers) == "number" then -- centres drawn uniformly in [-10, 10], as scikit-learn
        local u = M.rand(centers * dim):totable()
        local list = {}
        for c = 1, centers do
            list[c] = {}
            for d = 1, dim do list[c][d] = 20 * u[(c - 1) * dim + d] - 10 end
        end
        centers = list
    end
    local k = #centers
    dim = #centers[1]
    local x, y = {}, {}
    for c = 1, k do
        local m = share(n, k, c)
        local e = normals(m * dim)
        for i = 1, m do
            local p = {}
            for d = 1, dim do p[d] = centers[c][d] + std * e[(i - 1) * dim + d] end
            x[#x + 1] = p
            y[#y + 1] = c
        end
    end
    local cx = {}
    for c = 1, k do cx[c] = centers[c] end
    return M.tensor(x), M.tensor(y), M.tensor(cx)
end

function data.sine(n, T, opts)
    opts = check_options("data.sine", opts, {"seed", "noise", "dt"})
    reseed("data.sine", opts)
    T = T or 20
    local noise, dt = opts.noise or 0, opts.dt or 0.2
    local phase = M.rand(n):totable()
    local e = normals(n * (T + 1))
    local x, y, shifted = {}, {}, {}
    for i = 1, n do
        local seq = {}
        for t = 1, T + 1 do
            seq[t] = math.sin(2 * math.pi * phase[i] + dt * (t - 1)) + noise * e[(i - 1) * (T + 1) + t]
        end
        x[i], shifted[i] = {}, {}
        for t = 1, T do
            x[i][t] = {seq[t]}
            shifted[i][t] = {seq[t + 1]}
        end
        y[i] = {seq[T + 1]}
    end
    return M.tensor(x), M.tensor(y), M.tensor(shifted)
end

-- ---- help ----------------------------------------------------------------------------------

M._doc{name = "data.words", signature =
    "words, labels, alphabet = data.words({lang1, lang2, ...} [, {min_len =, max_len =, " ..
    "per_lang =, seed =}])",
    summary = "Words of several languages from Debian's word lists in /usr/share/dict " ..
        "(english: wamerican, french: wfrench, german: wngerman, spanish: wspanish, italian: " ..
        "witalian, ...), lower-cased, as the sequence data set \"which language is this word " ..
        "from?\": the words (mixed in a random order), their labels (1 for the first language, " ..
        "...), and the alphabet, the sorted characters they use. UTF-8 is decoded: a word is a " ..
        "sequence of characters, not bytes (#alphabet counts é once). Acronyms and words with " ..
        "apostrophes or digits are left out; per_lang samples that many words of each language.",
    example = "words, y, alphabet = data.words({\"english\", \"french\"}, {per_lang = 2000, seed = 1})\n" ..
        "x, len = data.encode(words, alphabet)"}
M._doc{name = "data.encode", signature = "x, lengths = data.encode(words, alphabet [, {length =}])",
    summary = "Encodes words as a padded index tensor [N, T] (T the longest word, or length): " ..
        "entry [n][t] is the position in alphabet of the t-th character of word n, and 0 after " ..
        "its end; lengths [N] holds each word's number of characters. alphabet may also be a string of its " ..
        "characters.",
    example = "x, len = data.encode({\"été\", \"a\"}, {\"a\", \"t\", \"é\"})  --> [[3, 2, 3], [1, 0, 0]], [3, 1]"}
M._doc{name = "data.csv", signature =
    "x, names [, labels, classes] = data.csv(path [, {header = true, sep = \",\", labels =}])",
    summary = "Reads a CSV file: a tensor of its numeric columns and their header names. A cell " ..
        "that is not a number is an error naming its line and column, unless its column is " ..
        "declared with labels = (a name or a column number): that column becomes class " ..
        "numbers 1..K (in order of appearance) and the K names.",
    example = "x, names, y, species = data.csv(\"iris.csv\", {labels = \"species\"})"}
M._doc{name = "data.xor", signature = "x, y = data.xor([n = 4 [, noise = 0.1]] [, {seed =}])",
    summary = "The XOR problem: n points cycling through the corners (0,0), (1,0), (0,1), (1,1) " ..
        "with Gaussian noise, and class 2 where exactly one coordinate is 1 (else 1); y - 1 gives " ..
        "0/1 targets for bce. seed = reseeds gradcalc's generator first, as seed(n) does.",
    example = "x, y = data.xor(4, 0)  -- the truth table"}
M._doc{name = "data.spirals", signature = "x, y = data.spirals(n, classes [, noise = 0.2] [, {seed =}])",
    summary = "n points [n, 2] on interleaved spiral arms, one per class (labels 1..classes): " ..
        "not separable by a line, the classic test of a hidden layer.",
    example = "x, y = data.spirals(300, 3, 0.2, {seed = 1})"}
M._doc{name = "data.moons", signature = "x, y = data.moons(n [, noise = 0.1] [, {seed =}])",
    summary = "Two interleaving half circles, as scikit-learn's make_moons: n points [n, 2], " ..
        "labels 1 (upper moon) and 2.",
    example = "x, y = data.moons(200, 0.1, {seed = 1})"}
M._doc{name = "data.circles", signature = "x, y = data.circles(n [, noise = 0.05] [, {seed =, factor = 0.5}])",
    summary = "A circle inside another, as scikit-learn's make_circles: n points [n, 2], label 1 " ..
        "on the outer circle (radius 1), 2 on the inner (radius factor).",
    example = "x, y = data.circles(200, 0.05, {seed = 1})"}
M._doc{name = "data.blobs", signature = "x, y, centers = data.blobs(n, centers [, {std = 1, dim = 2, seed =}])",
    summary = "Gaussian blobs: n points around each centre in turn (labels 1..k). centers is a " ..
        "number of centres drawn in [-10, 10]^dim, or a list of points.",
    example = "x, y = data.blobs(300, {{0, 0}, {4, 4}, {0, 4}}, {std = 0.5, seed = 1})"}
M._doc{name = "data.sine", signature = "x, y, shifted = data.sine(n, T [, {noise = 0, dt = 0.2, seed =}])",
    summary = "Sequences for next-value prediction: n windows [n, T, 1] of sine waves with " ..
        "random phases, y [n, 1] the value that follows each window, and shifted [n, T, 1] the " ..
        "windows moved one step ahead (a target at every step).",
    example = "x, y = data.sine(100, 20, {seed = 1})"}
