-- check.lua - the small helper every Lua test of gradcalc shares.
-- Each check prints one line, "ok <name>" or "not ok <name>: why", so the
-- runner (tests/run.sh) can count them; a test file ends with check.done().
--   local check = dofile("tests/lua/check.lua")
--   check.ok(x.grad:item() == 6, "x^2 at 3 has slope 6")
--   check.near(y:item(), 0.593269992, 1e-9, "sigmoid(0.3775)")
--   check.err("shapes [2] and [3]", "add names both shapes", function() return a + b end)
--   check.done()
local check = {passed = 0, failed = 0}

local function report(good, name, why)
    if good then
        check.passed = check.passed + 1
        print("ok " .. name)
    else
        check.failed = check.failed + 1
        print("not ok " .. name .. ": " .. tostring(why or "check failed"))
    end
    return good
end

-- A plain condition; why explains a failure.
function check.ok(cond, name, why)
    return report(cond and true or false, name, why)
end

-- |actual - expected| <= tol (actual may be a one-element tensor). The
-- failure line shows both values, so it explains itself.
function check.near(actual, expected, tol, name)
    if type(actual) ~= "number" and actual ~= nil and actual.item then actual = actual:item() end
    local good = type(actual) == "number" and math.abs(actual - expected) <= tol
    return report(good, name, string.format("expected %.17g, got %s (tolerance %g)",
        expected, type(actual) == "number" and string.format("%.17g", actual) or tostring(actual), tol))
end

-- f(...) must raise an error whose message contains pattern as plain text.
function check.err(pattern, name, f, ...)
    local okcall, msg = pcall(f, ...)
    if okcall then
        return report(false, name, "expected an error containing '" .. pattern .. "', but none was raised")
    end
    msg = tostring(msg)
    return report(msg:find(pattern, 1, true) ~= nil, name,
        "expected an error containing '" .. pattern .. "', got: " .. msg)
end

-- The last line of every test file; the runner treats its absence as a crash.
function check.done()
    print("done")
end

return check
