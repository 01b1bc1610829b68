-- test_gradcheck_fn.lua - gradcheck: passes correct gradients, fails a
-- wrong one, warns on kinks, prints its table, and leaves everything as it was.
local check = dofile("tests/lua/check.lua")

-- Runs gradcheck with its table printed into a temporary file; returns
-- the verdict, the rows and the printed text.
local function run(f, inputs, options)
    local out = io.tmpfile()
    options = options or {}
    options.print = out
    local good, rows = gradcheck(f, inputs, options)
    out:seek("set")
    local text = out:read("a")
    out:close()
    return good, rows, text
end

local function has(text, s, name)
    check.ok(text:find(s, 1, true) ~= nil, name, "no '" .. s .. "' in:\n" .. text)
end

-- ---- correct gradients pass -----------------------------------------------------

do
    local x = var({0.5, -1, 2}, "x")
    local good, rows, text = run(function(x) return sum(sigmoid(x) * x) end, {x})
    check.ok(good == true, "sigmoid(x)×x passes", text)
    check.ok(#rows == 3, "one row per element", #rows)
    has(text, "element", "the table has a header")
    has(text, "f(x+h)", "with f(x+h)")
    has(text, "f(x−h)", "and f(x−h)")
    has(text, "x[2]", "rows are named by the input's name and position")
    has(text, "gradcheck: 3 of 3 elements pass", "a closing count")
    local r = rows[1]
    local s = 1 / (1 + math.exp(-0.5))
    check.near(r.analytic, s + 0.5 * s * (1 - s), 1e-12, "the analytic column is the backward gradient")
    check.near(r.numerical, (r.f_plus - r.f_minus) / 2e-6, 1e-15, "numerical = (f(x+h) − f(x−h))/2h")
    check.ok(r.pass and not r.kink and r.element == "x[1]" and r.input == 1 and r.position == 1,
        "rows carry pass, kink, element, input and position")
end

do
    local a, b = var({{1, 2}, {3, 4}}, "a"), var({{0.5}, {-1}}, "b")
    local good, rows = run(function(a, b) return tanh(matmul(a, b)) end, {a, b})
    check.ok(good and #rows == 6, "matmul then tanh, two inputs and a non-scalar output pass")
    check.ok(rows[5].element == "b[1][1]", "2-d positions are written b[i][j]", rows[5].element)
end

do
    local z, labels = var({{2, 1, 0.1}, {0.3, -1, 0.5}}, "z"), {1, 3}
    local good = run(function(z) return cross_entropy(z, labels) end, z)
    check.ok(good, "cross_entropy passes; a single tensor may stand for the list of inputs")
end

do   -- an input that does not require grad is not checked
    local w, x = var({0.2, 0.4}, "w"), tensor({1, 3})
    local good, rows = run(function(w, x) return sum(w * x) end, {w, x})
    check.ok(good and #rows == 2, "inputs without requires_grad are skipped")
end

-- ---- a wrong gradient fails -------------------------------------------------------

do
    -- x:detach() hides one of the two paths through x, so backward sees
    -- d/dx (x×c) = c = x where the true derivative of x² is 2x.
    local x = var({0.5, -1.5}, "x")
    local good, rows, text = run(function(x) return sum(x * x:detach()) end, {x})
    check.ok(good == false, "a backward that misses a path fails")
    check.ok(not rows[1].pass and not rows[2].pass, "both elements fail")
    check.near(rows[1].numerical, 1, 1e-6, "numerical estimate 2x = 1")
    check.near(rows[1].analytic, 0.5, 1e-15, "analytic (wrong) x = 0.5")
    check.near(rows[1].rel_error, 0.5, 1e-6, "relative error |num − ana|/max = 0.5")
    has(text, "FAIL", "the table says FAIL")
    has(text, "the analytic gradient is wrong", "and the summary says what it means")
end

do   -- a wrong gradient for one output element only shows thanks to the weights
    local x = var({1, 2}, "x")
    local good = run(function(x) return stack({x[1] * 3, x[2]:detach() * 3 + x[2] - x[2]}) end, {x})
    check.ok(good == false, "a wrong gradient in one element of a vector output fails")
end

-- ---- kinks ------------------------------------------------------------------------

do
    local x = var({0, 1, -2}, "x")
    local good, rows, text = run(function(x) return sum(relu(x) * 3) end, {x})
    check.ok(rows[1].kink and not rows[2].kink and not rows[3].kink, "relu at exactly 0 is flagged as a kink")
    has(text, "warning: x[1] sits on a kink", "and warned about")
    has(text, "relu", "the warning names the op that has the kink")
    has(text, "the slope is 3 to the right and 0 to the left", "with the slopes on either side")
    check.ok(good and rows[1].pass, "relu'(0) = 0 is one of the sides, so it passes")
end

do
    local x = var({0}, "x")
    local _, rows, text = run(function(x) return abs(x) end, {x})
    check.ok(rows[1].kink, "abs at 0 is a kink too")
    has(text, "abs", "named in the warning")
end

do
    local a, b = var({1, 2}, "a"), var({1, 3}, "b")
    local good, rows = run(function(a, b) return sum(maximum(a, b)) end, {a, b})
    check.ok(rows[1].kink and not rows[2].kink, "maximum at a tie is a kink")
    check.ok(good, "its split gradient (½ each) is the average of the sides, so it passes")
end

-- ---- leaves things as they were --------------------------------------------------------

do
    local x, y = var({1, 2}, "x"), var({3}, "y")
    sum(x * 10):backward()
    local before = x.grad:totable()
    run(function(x, y) return sum(x * x) * y end, {x, y})
    check.ok(x.grad[1]:item() == before[1] and x.grad[2]:item() == before[2],
        "an input's own gradient is left as it was")
    check.ok(y.grad == nil, "an input without a gradient still has none")
    check.ok(x[1]:item() == 1 and x[2]:item() == 2, "the inputs hold their values again")
end

do
    local x = var({1, 2}, "x")
    local calls = 0
    local okcall, msg = pcall(gradcheck, function(x)
        calls = calls + 1
        if calls == 3 then error("boom") end
        return sum(x * x)
    end, {x}, {print = false})
    check.ok(not okcall and tostring(msg):find("boom", 1, true), "an error inside f comes through", msg)
    check.ok(x[1]:item() == 1, "the element being moved is put back after an error")
    local y = x * 2
    check.ok(y.grad_fn ~= nil, "recording is on again after an error")
end

-- ---- options and errors ---------------------------------------------------------------

do
    local x = var({1}, "x")
    local good, rows = gradcheck(function(x) return x ^ 3 end, {x}, {eps = 1e-4, atol = 0, rtol = 1e-10, print = false})
    check.near(rows[1].numerical, 3 + 1e-8, 1e-9, "eps sets h: (x+h)³ − (x−h)³ over 2h = 3x² + h²")
    check.ok(good == false, "tight tolerances catch the h² error of a large h")
end

local x = var({1, 2}, "x")
check.err("gradcheck: unknown option 'h' (valid options: eps, atol, rtol, print, max_elements)", "unknown options list the valid ones",
    gradcheck, function(x) return sum(x) end, {x}, {h = 1e-3})
check.err("gradcheck: no input requires a gradient", "inputs without requires_grad",
    gradcheck, function(x) return sum(x) end, {tensor({1})})
check.err("gradcheck: inputs[2] is a number, expected a tensor", "a non-tensor input",
    gradcheck, function(x) return sum(x) end, {x, 2})
check.err("gradcheck: f must return a tensor, got number", "f returning a number",
    gradcheck, function(x) return 1 end, {x}, {print = false})
check.err("function expected, got number", "f must be a function", gradcheck, 3, {x})
check.err("gradcheck: inputs[2] is the same tensor as inputs[1]", "the same input twice",
    gradcheck, function(a, b) return sum(a * b) end, {x, x})
check.err("gradcheck: called inside no_grad", "inside no_grad",
    no_grad, function() return gradcheck(function(x) return sum(x) end, {x}) end)
check.err("gradcheck: eps (the step h) must be > 0", "a step of 0", gradcheck, function(x) return sum(x) end, {x}, {eps = 0})

local doc = gradcalc._docs.gradcheck
check.ok(doc and doc.name == "gradcheck" and doc.signature and doc.summary:find("k/n", 1, true) and doc.example,
    "help entry for gradcheck, saying how a non-scalar output is checked")

check.done()
