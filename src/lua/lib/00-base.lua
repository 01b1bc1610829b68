-- 00-base.lua - helpers shared by the Lua half of gradcalc: help entries
-- for functions written in Lua. Receives the module table.
local M = ...

-- Adds a help entry, as the C functions have theirs in _docs:
-- doc{name=, signature=, summary=, formula=, derivative=, example=}.
function M._doc(entry)
    assert(entry.name and entry.signature and entry.summary and entry.example,
           "help entries need a name, signature, summary and example")
    M._docs[entry.name] = entry
end

-- opts[key], or default when opts or the key is absent.
function M._opt(opts, key, default)
    if opts == nil or opts[key] == nil then return default end
    return opts[key]
end

-- Refuses an options table with a key not in valid (a set); level is the
-- error level of the learner's call.
function M._check_opts(who, opts, valid, level)
    if opts == nil then return end
    if type(opts) ~= "table" then error(who .. ": options must be a table, got " .. type(opts), level + 1) end
    for k in pairs(opts) do
        if not valid[k] then error(who .. ": unknown option '" .. tostring(k) .. "'", level + 1) end
    end
end
