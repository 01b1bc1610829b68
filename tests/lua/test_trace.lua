-- test_trace.lua - trace, explain, step, graph, dot and svg.
-- The traces of the classic 2-2-2 worked example (Matt Mazur, "A Step by
-- Step Backpropagation Example") must show the published numbers; whole
-- outputs are compared with the golden files in tests/golden/trace_*.txt
-- (GOLDEN_UPDATE=1 rewrites them).
local check = dofile("tests/lua/check.lua")
local gradcalc_bin = os.getenv("GRADCALC") or "./gradcalc"

local function read(path)
    local f = io.open(path, "r")
    if not f then return nil end
    local s = f:read("a")
    f:close()
    return s
end

local function golden(name, text)
    local path = "tests/golden/trace_" .. name .. ".txt"
    if os.getenv("GOLDEN_UPDATE") then
        local f = assert(io.open(path, "w"))
        f:write(text)
        f:close()
    end
    local want = read(path)
    if want == text then return check.ok(true, "golden " .. name) end
    local line = 1
    -- the first line that differs explains the failure
    local wl, tl = {}, {}
    for l in (want or ""):gmatch("[^\n]*") do wl[#wl + 1] = l end
    for l in text:gmatch("[^\n]*") do tl[#tl + 1] = l end
    while wl[line] == tl[line] and line <= #tl do line = line + 1 end
    return check.ok(false, "golden " .. name, want and string.format("line %d: expected '%s', got '%s'",
        line, tostring(wl[line]), tostring(tl[line])) or ("missing " .. path))
end

-- Every number in the published chain appears in the printed one, to the
-- digits published (the printout may carry more; the published values were
-- worked from rounded intermediates, so the last digit may differ by one).
local function published(line, numbers, name)
    local printed = {}
    for n in line:gmatch("%-?%d+%.?%d*e?%-?%d*") do printed[#printed + 1] = tonumber(n) end
    local missing = {}
    for _, want in ipairs(numbers) do
        local decimals = #(want:match("%.(%d+)") or "")
        local found = false
        for _, p in ipairs(printed) do
            if math.abs(p - tonumber(want)) <= 1.01 * 10 ^ -decimals then found = true end
        end
        if not found then missing[#missing + 1] = want end
    end
    return check.ok(#missing == 0, name, "not in '" .. line .. "': " .. table.concat(missing, ", "))
end

local function find_line(text, pattern)
    for l in text:gmatch("[^\n]+") do
        if l:find(pattern, 1, true) then return l end
    end
    return ""
end

-- ---- the 2-2-2 network ----------------------------------------------------------
local function mazur()
    local n = {}
    n.x1, n.x2 = var(0.05, "x1"), var(0.10, "x2")
    n.w1, n.w2, n.w3, n.w4 = var(0.15, "w1"), var(0.20, "w2"), var(0.25, "w3"), var(0.30, "w4")
    n.w5, n.w6, n.w7, n.w8 = var(0.40, "w5"), var(0.45, "w6"), var(0.50, "w7"), var(0.55, "w8")
    n.b1, n.b2 = var(0.35, "b1"), var(0.60, "b2")
    local function named(t, name) t.name = name; n[name] = t; return t end
    named(n.w1 * n.x1 + n.w2 * n.x2 + n.b1, "net_h1")
    named(n.w3 * n.x1 + n.w4 * n.x2 + n.b1, "net_h2")
    named(sigmoid(n.net_h1), "out_h1")
    named(sigmoid(n.net_h2), "out_h2")
    named(n.w5 * n.out_h1 + n.w6 * n.out_h2 + n.b2, "net_o1")
    named(n.w7 * n.out_h1 + n.w8 * n.out_h2 + n.b2, "net_o2")
    named(sigmoid(n.net_o1), "out_o1")
    named(sigmoid(n.net_o2), "out_o2")
    named(0.5 * (0.01 - n.out_o1) ^ 2 + 0.5 * (0.99 - n.out_o2) ^ 2, "E")
    return n
end

precision(9)
local n = mazur()
local forward, names = trace(n.E, {print = false})
golden("mazur_forward", forward)
check.ok(find_line(forward, "net_h1 =") ==
    "net_h1 = w1×x1 + w2×x2 + b1 = 0.15×0.05 + 0.2×0.1 + 0.35 = 0.3775", "trace writes net_h1 as by hand")
published(find_line(forward, "out_h1 ="), {"0.593269992"}, "trace: out_h1 as published")
published(find_line(forward, "E ="), {"0.298371109"}, "trace: E_total as published")
check.ok(names.net_o1.name == "net_o1" and names.E:item() == n.E:item() and names.w5:item() == 0.4,
    "trace returns name -> tensor")

local tmp = os.tmpname()
n.E:backward{trace = true, file = tmp}
local back = read(tmp) or ""
golden("mazur_backward", back)
published(find_line(back, "∂E/∂out_h1 = ("), {"0.055399425", "-0.019049119", "0.036350306"},
    "backward trace sums the two paths into out_h1 as published")
published(find_line(back, "∂E/∂net_o1 = ∂E/∂out_o1"), {"0.74136507", "0.186815602", "0.138498562"},
    "backward trace: ∂E/∂net_o1 as published")
check.ok(back == explain(n.E, {print = false}), "backward{trace=true} and explain(E) print the same")

local w5 = explain(n.E, n.w5, {print = false})
check.ok(w5:find("∂E/∂w5 = ∂E/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5 = ", 1, true) == 1,
    "explain(E, w5) writes the classic chain", w5)
published(w5, {"0.74136507", "0.186815602", "0.593269992", "0.082167041"}, "explain(E, w5) as published")
local w1 = explain(n.E, n.w1, {print = false})
golden("mazur_explain_w1", w1)
published(find_line(w1, "∂E/∂w1 = 0"), {"0.000438568"}, "explain(E, w1) sums two paths to the published value")
local oh1 = explain(n.E, n.out_h1, {print = false})
published(find_line(oh1, "∂E/∂out_h1 = 0"), {"0.055399425", "-0.019049119", "0.036350306"},
    "explain(E, out_h1) as published")

-- Hand rounding: every intermediate to 4 significant digits.
local rounded = trace(n.out_h1, {print = false, round = 4})
check.ok(find_line(rounded, "out_h1 =") == "out_h1 = σ(net_h1) = σ(0.3775) = 0.5933", "round=4 rounds as by hand",
    find_line(rounded, "out_h1 ="))
local r2 = explain(n.E, n.w5, {print = false, round = 3})
check.ok(r2:find("= 0.741 × 0.187 × 0.593 = 0.0824", 1, true) ~= nil, "explain with round=3", r2)

-- ---- broadcasting: b [3] added to every row of x [2, 3] ---------------------------------
precision(6)
local x, b = var({{1, 2, 3}, {4, 5, 6}}, "x"), var({0.1, 0.2, 0.3}, "b")
local y = x * b; y.name = "y"
local L = sum(y); L.name = "L"
L:backward()
local bt = trace(L, {print = false}) .. explain(L, {print = false}) .. explain(L, b, {print = false})
golden("broadcast", bt)
check.ok(bt:find("summed over the broadcast dims to b's shape [3]", 1, true) ~= nil,
    "the backward trace shows the sum back to b's shape")

-- ---- several paths: q = a×a + a --------------------------------------------------------
local a = var(2, "a")
local p = a * a; p.name = "p"
local q = p + a; q.name = "q"
q:backward()
local mp = explain(q, {print = false}) .. explain(q, a, {print = false})
golden("multipath", mp)
check.ok(mp:find("∂q/∂a = 2 + 2 + 1 = 5", 1, true) ~= nil, "explain adds the three paths")

-- ---- unnamed intermediates get stable names --------------------------------------------
local u = var(3, "u")
local s = sum(exp(u * ones(2)))
local _, first = trace(s, {print = false})
local again, second = trace(s, {print = false})
check.ok(s.name ~= nil and first[s.name] ~= nil and second[s.name] ~= nil and s.name == "t4",
    "unnamed results are named t1, t2, ... once", tostring(s.name))
check.ok(again:find("t4 = sum(t3)", 1, true) ~= nil, "later traces reuse the names", again)

-- ---- big tensors are summarised ------------------------------------------------------
seed(1)
local W = var(randn(20, 30), "W")
local big = trace(sum(relu(W)), {print = false})
check.ok(big:find("shape [20, 30]: min", 1, true) ~= nil and #big < 400, "big tensors show shape and summary")

-- ---- errors ---------------------------------------------------------------------------
check.err("call backward() on it first", "explain before backward", explain, sum(var({1, 2})))
check.err("not in the graph of L", "explain with a variable outside the graph", explain, L, a)
check.err("dot: cannot write '/nonexistent/dir/g.dot'", "dot to an unwritable path", dot, L, "/nonexistent/dir/g.dot")
check.err("trace: unknown option 'colour'", "unknown options are named", trace, L, {colour = 1})
check.err("step: ", "step before backward", step, sum(var({1, 2})))

-- ---- graph, dot, svg ------------------------------------------------------------------
precision(6)
local g = graph(n.E, {print = false, max = 100})
check.ok(g:find("┌", 1, true) and g:find("│ net_o1", 1, true) and g:find("grad 0.138499", 1, true) and
    not g:find("hidden", 1, true), "graph draws boxes with name, value and gradient")
check.ok(graph(n.E, {print = false}):find("9 earlier nodes hidden", 1, true) ~= nil, "graph collapses past 30 nodes")
local dotfile = tmp .. ".dot"
todot(n.E, dotfile)
local dottext = read(dotfile) or ""
check.ok(dottext:find("digraph", 1, true) and dottext:find("net_o1 | value 1.10591 | grad 0.138499", 1, true)
    and not read(dotfile .. ".tmp"), "dot writes records with value and gradient", dottext:sub(1, 200))
local has_dot = os.execute("command -v dot >/dev/null 2>&1")
if has_dot then
    check.ok(os.execute("dot -Tsvg '" .. dotfile .. "' -o /dev/null 2>/dev/null") == true, "Graphviz accepts the DOT output")
    local svgfile = tmp .. ".svg"
    svg(n.E, svgfile)
    check.ok((read(svgfile) or ""):find("<svg", 1, true) ~= nil, "svg draws with Graphviz")
    os.remove(svgfile)
else
    check.ok(true, "Graphviz accepts the DOT output (skipped: Graphviz is not installed)")
    check.err("Graphviz is not installed", "svg without Graphviz says how to install it", svg, n.E, tmp .. ".svg")
end
os.remove(dotfile)

-- ---- markdown -------------------------------------------------------------------------
local md = tmp .. ".md"
explain(n.E, n.w5, {format = "markdown", file = md})
local mdtext = read(md) or ""
check.ok(mdtext:find("## The chain rule", 1, true) and mdtext:find("$$\\partial E/\\partial \\mathrm{w5}", 1, true)
    and mdtext:find("\\times", 1, true) and not read(md .. ".tmp"), "markdown export writes LaTeX", mdtext)
trace(n.E, {format = "markdown", file = md})
check.ok((read(md) or ""):find("\\mathrm{net\\_h1} = ", 1, true) ~= nil, "trace exports markdown")
os.remove(md)

-- ---- step, driven from a pipe ---------------------------------------------------------
local script = tmp .. ".lua"
local f = assert(io.open(script, "w"))
f:write([[
local a = var(2, "a"); local p = a * a; p.name = "p"; local q = p + a; q.name = "q"
q:backward(); step(q); print("after step")
]])
f:close()
local function run_step(input)
    local pipe = io.popen("printf '" .. input .. "' | '" .. gradcalc_bin .. "' '" .. script .. "' 2>&1")
    local out = pipe:read("a")
    pipe:close()
    return out
end
local stepped = run_step("n\\np p\\nq\\n")
check.ok(stepped:find("[1/3] q", 1, true) and stepped:find("[2/3] p", 1, true) and not stepped:find("[3/3]", 1, true)
    and stepped:find("p.grad = tensor(1", 1, true) and stepped:find("after step", 1, true),
    "step: n shows the next node, p prints one, q quits", stepped)
local all = run_step("c\\n")
check.ok(all:find("[3/3] a", 1, true) ~= nil, "step: c runs to the end", all)
local eof = run_step("")
check.ok(eof:find("[1/3] q", 1, true) and not eof:find("[2/3]", 1, true) and eof:find("after step", 1, true),
    "step: end of input quits", eof)
os.remove(script)
os.remove(tmp)

-- ---- help -----------------------------------------------------------------------------
local docs = gradcalc and gradcalc._docs or {}
local missing = {}
for _, name in ipairs({"trace", "explain", "step", "graph", "dot", "svg"}) do
    local d = docs[name]
    if not (d and d.signature and d.summary and d.example and d.name == name) then missing[#missing + 1] = name end
end
check.ok(#missing == 0, "every trace function has help", table.concat(missing, ", "))

check.done()
