-- test_memory_trim.lua - after a big graph is dropped, its memory goes back
-- to the system (Linux, plain build: RSS read from /proc/self/status).
local check = dofile("tests/lua/check.lua")

local function rss_mb()
    local f = io.open("/proc/self/status")
    if not f then return nil end
    local text = f:read("a")
    f:close()
    local kb = text:match("VmRSS:%s*(%d+)")
    return kb and tonumber(kb) / 1024
end

if not rss_mb() then
    check.ok(true, "memory trim skipped: no /proc/self/status")
elseif os.getenv("ASAN_OPTIONS") then
    check.ok(true, "memory trim skipped: the sanitizer's allocator keeps freed memory on purpose")
else
    local before = rss_mb()
    local built
    do
        local x = var(1.0001)
        local y = x
        for _ = 1, 300000 do y = y * 1.0000001 end
        y:backward()
        built = rss_mb()
    end
    collectgarbage(); collectgarbage()
    local after = rss_mb()
    check.ok(built - before > 100, "a 300,000-node graph takes memory",
             string.format("%.0f MB before, %.0f MB built", before, built))
    check.ok(after - before < (built - before) / 4,
             "dropping it gives most of that memory back",
             string.format("%.0f MB before, %.0f MB built, %.0f MB after", before, built, after))
end

check.done()
