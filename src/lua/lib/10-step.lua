-- 10-step.lua - step(E): the backward pass one node at a time, like a
-- debugger. The trace text comes from C (_step_blocks); the walk and its
-- commands are here, read with io.read so that they can come from a pipe.
local M = ...

local COMMANDS = "Enter or n = next node, c = continue, q = quit, p name = print a node"

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- p name: the node's value and gradient; before the walk has reached the
-- node, its gradient in the story so far is not complete yet.
local function print_node(blocks, at, name)
    for k, b in ipairs(blocks) do
        if b.name == name then
            print(name .. " = " .. b.value)
            if k > at then
                print(name .. ".grad is not complete yet: the walk reaches " .. name
                      .. " at step " .. k .. " of " .. #blocks)
            else
                print(name .. ".grad = " .. (b.grad or "nil"))
            end
            return
        end
    end
    print("no node named '" .. name .. "' in this graph")
end

function M.step(E, options)
    local blocks = M._step_blocks(E, options)
    local prompt = M._interactive == true
    if prompt then print("step through the backward pass: " .. COMMANDS) end
    local go = false
    for k = 1, #blocks do
        io.write(string.format("[%d/%d] %s", k, #blocks, blocks[k].text))
        io.flush()
        while not go and k < #blocks do
            if prompt then io.write("step> "); io.flush() end
            local line = io.read("l")
            if type(line) ~= "string" then return end -- end of input: quit
            if not prompt then print("step> " .. line) end -- a piped command is echoed
            local command = trim(line)
            if command == "q" or command == "quit" then return end
            if command == "c" or command == "continue" then
                go = true
            elseif command == "" or command == "n" or command == "next" then
                break
            elseif command:match("^p%s") or command == "p" then
                local name = trim(command:sub(2))
                if name == "" then print("p needs a node's name, e.g. p w5")
                else print_node(blocks, k, name) end
            else
                print("unknown command '" .. command .. "'; " .. COMMANDS)
            end
        end
    end
end

M._doc{
    name = "step",
    signature = "step(E [, options])",
    summary = "After E:backward(), walks the backward pass one node at a time, like a debugger: "
        .. "Enter or n shows the next node, c shows the rest, q stops, p name prints a node's "
        .. "value and gradient (or says that the walk has not reached it yet). Commands are "
        .. "read with io.read, so they can come from a pipe (they are echoed then; end of input "
        .. "stops).",
    example = "E:backward(); step(E)",
}
