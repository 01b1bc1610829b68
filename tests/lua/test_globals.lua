-- test_globals.lua - no gradcalc global changes what a standard Lua global
-- does with Lua's own arguments. The same probes run under plain lua5.4 and
-- under gradcalc must print the same lines, and every global of plain Lua
-- must have a probe (so a new one cannot slip by).
local check = dofile("tests/lua/check.lua")

local exe = os.getenv("GRADCALC") or "./gradcalc"
local lua = "lua5.4"
if not os.execute(lua .. " -v >/dev/null 2>&1") then
    print("ok standard globals skipped: lua5.4 not installed")
    check.done()
    return
end

local probes = [==[
local tmp = os.tmpname()
local f = io.open(tmp, "w"); f:write("return 1, 2, ...\n"); f:close()
local function show(...)
    local t = table.pack(...)
    for i = 1, t.n do
        local v = t[i]
        t[i] = type(v) == "table" and "table" or type(v) == "function" and "function" or
               type(v) == "userdata" and "userdata" or tostring(v)
    end
    return t.n .. ": " .. table.concat(t, ", ", 1, t.n)
end
local P = {}
P.assert = function() return show(assert(1, 2, 3)), show(pcall(assert, false, "msg")), show(pcall(assert, nil)) end
P.collectgarbage = function() return type(collectgarbage("count")), show(collectgarbage("isrunning")), show(collectgarbage("step", 0) ~= nil) end
P.dofile = function() return show(dofile(tmp)) end
P.error = function() return show(pcall(error, "x", 0)), show(pcall(error, 42)), show(select(2, pcall(error, {code = 1})).code) end
P.getmetatable = function() return show(getmetatable("").__index == string, getmetatable({}), getmetatable(setmetatable({}, {__metatable = "locked"}))) end
P.ipairs = function() local r = {} for i, v in ipairs({10, 20, nil, 40}) do r[#r + 1] = i .. "=" .. v end return table.concat(r, " ") end
P.load = function()
    local parts = {"return 1", " + 2"}
    local i = 0
    return show(load("return 1 + 1")()), show(load(function() i = i + 1 return parts[i] end)()),
           show(load("return x", "chunk", "t", {x = 7})()), show(load("return +")),
           show(pcall(load, 3)), show(load("\27Lua", "b", "t"))
end
P.loadfile = function() return show(loadfile(tmp)(5)), show(loadfile("/no/such/file")) end
P.next = function() return show(next({})), show(next({a = 1})) end
P.pairs = function()
    local t = setmetatable({}, {__pairs = function() return function(_, k) if not k then return 1, "one" end end, nil, nil end})
    local r = {}
    for k, v in pairs(t) do r[#r + 1] = k .. "=" .. v end
    local n = 0
    for _ in pairs({a = 1, b = 2, 3}) do n = n + 1 end
    return table.concat(r), n
end
P.pcall = function() return show(pcall(function(...) return ... end, 1, nil, 3)), show(pcall(nil)) end
P.print = function() print(1, nil, "a", true, 1.5, 10 // 1, 2^53, -0.0, 1/0, 0.1, 1e100, math.pi, math.maxinteger) print() return "printed" end
P.rawequal = function() return show(rawequal("a", "a"), rawequal({}, {})) end
P.rawget = function() return show(rawget(setmetatable({}, {__index = function() return 1 end}), "k")) end
P.rawlen = function() return show(rawlen({1, 2, 3}), rawlen("abcd")) end
P.rawset = function() local t = setmetatable({}, {__newindex = error}) rawset(t, "k", 2) return show(t.k) end
P.require = function() return show(require("string") == string, require("math") == math, pcall(require, "no.such.module")) end
P.select = function() return show(select("#", 1, nil, 3)), show(select(2, "a", "b", "c")), show(select(-1, "a", "b")), show(pcall(select, 0, "a")) end
P.select_errors = function() return show(pcall(select, "x")), show(pcall(select)), show(pcall(select, 1.5)), show(select(1.0, "a")) end
P.setmetatable = function() local t = setmetatable({}, {__index = {x = 5}}) return show(t.x), show(pcall(setmetatable, 1, {})) end
P.tonumber = function() return show(tonumber("0x10"), tonumber("10", 2), tonumber("  5  "), tonumber("z", 36), tonumber("abc"), tonumber("1e2"), tonumber(nil ~= 1 and "8" or 0)) end
P.tostring = function() return show(tostring(nil), tostring(1.0), tostring(2^63), tostring(-0.0), tostring(setmetatable({}, {__tostring = function() return "T" end})), tostring(10 // 3)) end
P.type = function() return show(type(nil), type(1), type("s"), type({}), type(print), type(true), type(io.stdout)) end
P.xpcall = function() return show(xpcall(function() error("e", 0) end, function(m) return "handled " .. m end)), show(xpcall(function(a, b) return a + b end, print, 2, 3)) end
P.warn = function() warn("@off") warn("not shown") return type(warn) end
P._G = function() return show(_G._G == _G, _G.print == print) end
P._VERSION = function() return _VERSION end
P.arg = function() return type(arg) end
local function library(name)
    return function()
        local lib = _G[name]
        local keys = {}
        for k, v in pairs(lib) do keys[#keys + 1] = tostring(k) .. ":" .. type(v) end
        table.sort(keys)
        return table.concat(keys, " ")
    end
end
for _, name in ipairs({"coroutine", "debug", "io", "math", "os", "package", "string", "table", "utf8"}) do
    P[name] = library(name)
end
P.string_methods = function() return ("%d-%s"):format(3, "x"), ("abc"):upper(), show(("a,b"):find(",", 1, true)) end
P.math_values = function() return show(math.floor(2.5), math.max(1, 3, 2), math.type(1), math.type(1.0), math.tointeger(3.0), 7 // 2, 7 % -3, 2^0.5) end
P.table_functions = function() local t = {3, 1, 2} table.sort(t) return table.concat(t, ","), show(table.unpack({1, 2, nil, 4}, 1, 4)) end

local names = {}
for name in pairs(PLAIN_NAMES or {}) do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do
    if not P[name] then print("MISSING PROBE " .. name) end
end
local order = {}
for name in pairs(P) do order[#order + 1] = name end
table.sort(order)
for _, name in ipairs(order) do
    local ok, a, b, c, d, e, f = pcall(P[name])
    print(name, ok, a, b, c, d, e, f)
end
os.remove(tmp)
]==]

-- the globals of plain Lua, from lua5.4 itself
local p = io.popen(lua .. " -e 'local t = {} for k in pairs(_G) do t[#t + 1] = k end table.sort(t) " ..
                   "io.write(table.concat(t, \" \"))'")
local plain = p:read("a")
p:close()
local list = {}
for name in plain:gmatch("%S+") do list[#list + 1] = string.format("[%q] = true", name) end
check.ok(#list >= 30, "plain Lua lists its globals", plain)
local script = os.tmpname()
local f = assert(io.open(script, "w"))
f:write("PLAIN_NAMES = {" .. table.concat(list, ", ") .. "}\n" .. probes)
f:close()

local function output(cmd)
    local h = io.popen(cmd .. " " .. script .. " 2>&1 </dev/null")
    local text = h:read("a")
    h:close()
    return text
end
local want, got = output(lua), output(exe)
os.remove(script)
check.ok(not want:find("MISSING PROBE", 1, true), "every global of plain Lua has a probe",
         want:match("MISSING PROBE [^\n]*"))
local wl, gl = {}, {}
for line in want:gmatch("[^\n]*\n") do wl[#wl + 1] = line end
for line in got:gmatch("[^\n]*\n") do gl[#gl + 1] = line end
check.ok(#wl > 40 and #wl == #gl, "the probes print as many lines under gradcalc", #wl .. " vs " .. #gl)
for i = 1, #wl do
    local name = wl[i]:match("^(%S+)\t") or ("line " .. i)
    check.ok(wl[i] == gl[i], "standard global " .. name .. " behaves as in plain Lua",
             "lua5.4: " .. wl[i] .. " gradcalc: " .. tostring(gl[i]))
end

check.done()
