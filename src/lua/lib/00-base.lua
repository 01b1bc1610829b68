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
