-- test_data_sets.lua - word lists (when installed), encode, csv and the toy sets.
local check = dofile("tests/lua/check.lua")
local g = gradcalc or require("gradcalc")
local data = g.data

local function tmpfile(text)
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
    return path
end

-- ---- words, from a small list of our own, then from Debian's ----------------------------
local list = tmpfile("a\nété\nÉcole\nabc's\nABC\nNASA\nx2\nBäder\nbäder\nsœur\nŒuvre\nnaïve\n\xff\xfe\n" ..
                     "longerword\n")
local w, y, alphabet = data.words({list}, {seed = 1})
local set = {}
for _, v in ipairs(w) do set[v] = true end
check.ok(set["été"] and set["école"] and set["bäder"] and set["sœur"] and set["œuvre"] and set["naïve"],
         "words: accented words kept and lower-cased", table.concat(w, " "))
check.ok(not set["abc's"] and not set["abc"] and not set["nasa"] and not set["x2"],
         "words: possessives, acronyms and digits left out")
check.ok(#w == 8, "words: each word once (Bäder and bäder are one)", #w)
check.ok(y:numel() == #w and y[1]:item() == 1, "words: one label per word")
local chars = table.concat(alphabet)
check.ok(chars == "abcdeglnorstuvwäéïœ", "words: the alphabet, sorted by code point", chars)
local short = data.words({list}, {min_len = 4, max_len = 5})
for _, v in ipairs(short) do
    check.ok(utf8.len(v) >= 4 and utf8.len(v) <= 5, "words: min_len and max_len count characters: " .. v)
end
os.remove(list)
check.err("known languages", "words: an unknown language", data.words, {"klingon"})
check.err("a list of languages", "words: no languages", data.words, {})

local have_dicts = io.open("/usr/share/dict/american-english") and io.open("/usr/share/dict/french")
if have_dicts then
    local words, labels, abc = data.words({"english", "french"}, {per_lang = 300, seed = 2})
    check.ok(#words == 600 and labels:numel() == 600, "words: 300 words of each language")
    local n1 = 0
    for _, v in ipairs(labels:totable()) do if v == 1 then n1 = n1 + 1 end end
    check.ok(n1 == 300, "words: labels 1 and 2, 300 each")
    local again = data.words({"english", "french"}, {per_lang = 300, seed = 2})
    check.ok(table.concat(again, " ") == table.concat(words, " "), "words: the same seed, the same words")
    local by_package = data.words({"wamerican"}, {per_lang = 5, seed = 1})
    check.ok(#by_package == 5, "words: a language named by its Debian package")
    local has_accent = false
    for _, c in ipairs(abc) do has_accent = has_accent or c == "é" end
    check.ok(has_accent, "words: é is one character of the alphabet")
    local x, len = data.encode(words, abc)
    local maxlen = 0
    for _, v in ipairs(words) do maxlen = math.max(maxlen, utf8.len(v)) end
    check.ok(x.shape[1] == 600 and x.shape[2] == maxlen, "encode: [N, longest word]")
    check.ok(len[1]:item() == utf8.len(words[1]), "encode: lengths in characters")
else
    print("ok words of Debian's lists skipped: wamerican or wfrench not installed")
end

-- ---- encode -----------------------------------------------------------------------------
local x, len = data.encode({"été", "a"}, {"a", "t", "é"})
local t = x:totable()
check.ok(t[1][1] == 3 and t[1][2] == 2 and t[1][3] == 3 and t[2][1] == 1 and t[2][2] == 0 and t[2][3] == 0,
         "encode: indices, 0 after the end")
check.ok(len[1]:item() == 3 and len[2]:item() == 1, "encode: lengths")
check.ok(data.encode({"a"}, {"a"}, {length = 4}).shape[2] == 4, "encode: a fixed length")
local xs = data.encode({"té"}, "aét")
check.ok(xs[1][1]:item() == 3 and xs[1][2]:item() == 2, "encode: an alphabet given as a string of characters")
check.err("not in the alphabet", "encode: an unknown character", data.encode, {"ab"}, {"a"})
check.err("more than length = 1", "encode: a word longer than length", data.encode, {"aa"}, {"a"}, {length = 1})

-- ---- csv --------------------------------------------------------------------------------
local csv = tmpfile("\239\187\191a,b,species\r\n1,2.5,setosa\r\n3,\"4\",virginica\r\n\r\n-5e-1,nan,setosa\r\n")
local cx, names, labels, classes = data.csv(csv, {labels = "species"})
check.ok(cx.shape[1] == 3 and cx.shape[2] == 2, "csv: the numeric columns [3, 2]")
check.ok(names[1] == "a" and names[2] == "b" and #names == 2, "csv: header names (a BOM dropped)")
check.ok(cx[3][1]:item() == -0.5 and cx[2][2]:item() == 4 and cx[3][2]:item() ~= cx[3][2]:item(),
         "csv: numbers, quoted numbers and nan")
check.ok(labels:totable()[2] == 2 and labels:totable()[3] == 1 and classes[1] == "setosa" and
         classes[2] == "virginica", "csv: a labels column becomes class numbers and names")
check.err("line 2, column 3 (species)", "csv: a non-numeric cell names its line and column", data.csv, csv)
local semi = tmpfile("1;2\n3;4\n")
local sx = data.csv(semi, {header = false, sep = ";"})
check.ok(sx.shape[1] == 2 and sx[2][2]:item() == 4, "csv: no header, another separator")
local ragged = tmpfile("a,b\n1,2\n3\n")
check.err("line 3 has 1 cells", "csv: a short row", data.csv, ragged)
os.remove(csv)
os.remove(semi)
os.remove(ragged)
check.err("cannot open", "csv: a missing file", data.csv, "/no/such.csv")

-- ---- toy sets -----------------------------------------------------------------------------
local xx, xy = data.xor(4, 0)
check.ok(xx[2][1]:item() == 1 and xx[2][2]:item() == 0 and xy[1]:item() == 1 and xy[2]:item() == 2 and
         xy[4]:item() == 1, "xor: without noise, the truth table")
local a1 = data.spirals(90, 3, 0.2, {seed = 5})
local a2 = data.spirals(90, 3, 0.2, {seed = 5})
check.ok(g.sum(g.abs(a1 - a2)):item() == 0, "spirals: the same seed, the same points")
local _, sy = data.spirals(91, 3)
local c = {0, 0, 0}
for _, v in ipairs(sy:totable()) do c[v] = c[v] + 1 end
check.ok(c[1] == 31 and c[2] == 30 and c[3] == 30, "spirals: 91 points over 3 classes")
local mx, my = data.moons(100, 0, {seed = 1})
check.ok(mx.shape[1] == 100 and mx.shape[2] == 2 and my[1]:item() == 1 and my[100]:item() == 2, "moons: shapes and labels")
check.near(mx[50][1]:item(), -1, 1e-12, "moons: the upper moon ends at (-1, 0)")
local cx2, cy = data.circles(100, 0)
local r_in = math.sqrt(cx2[51][1]:item() ^ 2 + cx2[51][2]:item() ^ 2)
check.near(r_in, 0.5, 1e-12, "circles: the inner circle has radius 0.5")
check.ok(cy[1]:item() == 1 and cy[51]:item() == 2, "circles: labels 1 outer, 2 inner")
local bx, by, centers = data.blobs(400, {{0, 0}, {10, 10}}, {std = 0.5, seed = 3})
local m2 = g.mean(bx:narrow(1, 201, 200), 1)
check.ok(math.abs(m2[1]:item() - 10) < 0.2 and by[201]:item() == 2, "blobs: points around their centre")
check.ok(centers.shape[1] == 2, "blobs: the centres")
local _, _, rc = data.blobs(10, 4, {seed = 1})
check.ok(rc.shape[1] == 4 and g.max(g.abs(rc)):item() <= 10, "blobs: random centres in [-10, 10]")
local sxs, sys, shifted = data.sine(5, 8, {seed = 2})
check.ok(sxs.shape[1] == 5 and sxs.shape[2] == 8 and sxs.shape[3] == 1 and sys.shape[2] == 1,
         "sine: [n, T, 1] windows and [n, 1] next values")
check.ok(shifted[1][1][1]:item() == sxs[1][2][1]:item() and sys[1][1]:item() == shifted[1][8][1]:item(),
         "sine: the targets are the windows one step ahead")

check.done()
