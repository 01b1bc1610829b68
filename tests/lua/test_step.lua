-- test_step.lua - step(E) reads its commands with io.read: whatever io.read
-- returns or does, the walk survives and says what it did.
local check = dofile("tests/lua/check.lua")

local real_read, real_write = io.read, io.write

-- Runs step(E) with io.read giving the lines of inputs (then nil) and
-- returns everything step printed.
local function stepped(E, inputs, reader)
    local out, i = {}, 0
    io.read = reader or function() i = i + 1; return inputs[i] end
    io.write = function(...) for _, s in ipairs({...}) do out[#out + 1] = tostring(s) end end
    local saved_print = print
    print = function(...) out[#out + 1] = table.concat({...}, "\t") .. "\n" end
    local ok, err = pcall(step, E)
    io.read, io.write, print = real_read, real_write, saved_print
    return ok, table.concat(out), err
end

local function graph()
    local x = var(2, "x")
    local h = x * x
    h.name = "h"
    local E = sigmoid(h)
    E.name = "E"
    E:backward()
    return E
end

local ok, text = stepped(graph(), {"p x", "zz", "", "q"})
check.ok(ok, "step runs from a list of commands")
check.ok(text:find("step> p x", 1, true) ~= nil, "a command that is not typed at a terminal is echoed", text)
check.ok(text:find("x.grad is not complete yet", 1, true) ~= nil,
         "p x before the walk reaches x says its gradient is not complete yet", text)
check.ok(text:find("unknown command 'zz'", 1, true) ~= nil, "an unknown command is named", text)
check.ok(text:find("[2/3] h", 1, true) ~= nil and text:find("[3/3]", 1, true) == nil,
         "Enter goes one node on, q stops", text)

ok, text = stepped(graph(), {"c"})
check.ok(ok and text:find("[3/3] x", 1, true) ~= nil, "c shows the rest", text)

ok, text = stepped(graph(), {"n", "p h"})
check.ok(ok and text:find("h.grad = ", 1, true) ~= nil, "p h once the walk has reached h prints its gradient", text)

-- io.read returning something that is not a string ends the walk
ok, text = stepped(graph(), nil, function() return true end)
check.ok(ok, "io.read returning true ends step without a crash", text)

-- io.read dropping the last reference to the root and collecting
do
    local E = graph()
    local reads = 0
    local function reader()
        reads = reads + 1
        E = nil
        collectgarbage(); collectgarbage()
        return reads < 4 and "n" or nil
    end
    local root = E
    root = nil
    ok, text = stepped(E, nil, reader)
    check.ok(ok and text:find("[3/3]", 1, true) ~= nil,
             "io.read freeing the graph's root while step walks it is survived", text)
end

check.err("has no gradient yet", "step before backward says so", function()
    return step(sigmoid(var(1)))
end)
check.done()
