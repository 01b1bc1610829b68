-- 24-imshow.lua - pictures in the terminal: a tensor drawn with Unicode
-- half-blocks (▀: the top pixel in the foreground colour, the bottom one in
-- the background), 256 greys on a colour terminal and a character ramp
-- otherwise; a grid of images with captions; a diverging map (blue, white,
-- red) for signed values; and the same picture as an SVG file.
local M = ...
local T = M._data

local RAMP = " .:-=+*#%@"
local NEG, MID, POS = {33, 102, 172}, {247, 247, 247}, {178, 24, 43}

-- The images of x as a list of {h, w, values (rows of numbers)}.
local function images_of(x, grid)
    local nd = x:dim()
    local function split(t, n)
        local list = {}
        for i = 1, n do list[i] = t[i]:totable() end
        return list
    end
    if nd == 2 then return {x:totable()} end
    if nd == 3 and (grid or x.shape[1] == 1) then return split(x, x.shape[1]) end
    if nd == 4 and (grid or (x.shape[1] == 1 and x.shape[2] == 1)) then
        local flat = x:reshape(x.shape[1] * x.shape[2], x.shape[3], x.shape[4])
        return split(flat, flat.shape[1])
    end
    error("imshow: expected an image [H, W] or [1, H, W], or with {grid = true} a batch " ..
          "[N, H, W] or [N, C, H, W]; got shape [" .. table.concat(x.shape, ", ") .. "]", 3)
end

-- The colour scale: grey from lo to hi, or diverging around 0 up to |m|.
local function scale_of(imgs, opts)
    local lo, hi = math.huge, -math.huge
    for _, img in ipairs(imgs) do
        for _, row in ipairs(img) do
            for _, v in ipairs(row) do
                if v == v and math.abs(v) ~= math.huge then lo, hi = math.min(lo, v), math.max(hi, v) end
            end
        end
    end
    if lo > hi then lo, hi = 0, 1 end
    local diverging = opts.diverging
    if diverging == nil then diverging = lo < 0 and hi > 0 end
    if diverging then
        local m = opts.vmax or math.max(-lo, hi)
        return {diverging = true, m = m > 0 and m or 1}
    end
    if lo >= 0 and hi <= 1 then lo, hi = 0, 1 end
    lo, hi = opts.vmin or lo, opts.vmax or hi
    return {lo = lo, hi = hi > lo and hi or lo + 1}
end

-- The colour {r, g, b} of value v.
local function rgb(v, s)
    if v ~= v then return {255, 0, 255} end -- nan: magenta
    if s.diverging then
        local t = math.max(-1, math.min(1, v / s.m))
        local from, to = MID, t < 0 and NEG or POS
        t = math.abs(t)
        return {math.floor(from[1] + (to[1] - from[1]) * t + 0.5),
                math.floor(from[2] + (to[2] - from[2]) * t + 0.5),
                math.floor(from[3] + (to[3] - from[3]) * t + 0.5)}
    end
    local g = math.floor(255 * math.max(0, math.min(1, (v - s.lo) / (s.hi - s.lo))) + 0.5)
    return {g, g, g}
end

local function level(v, s) -- 0..1 for the ramp
    if v ~= v then return 0 end
    if s.diverging then return (math.max(-1, math.min(1, v / s.m)) + 1) / 2 end
    return math.max(0, math.min(1, (v - s.lo) / (s.hi - s.lo)))
end

-- The terminal lines of one image.
local function tile_lines(img, s, color)
    local h, w = #img, #img[1]
    local lines = {}
    for r = 1, h, 2 do
        local top, bottom = img[r], img[r + 1]
        local parts = {}
        for c = 1, w do
            if color then
                local a = rgb(top[c], s)
                if bottom then
                    local b = rgb(bottom[c], s)
                    parts[c] = string.format("\27[38;2;%d;%d;%dm\27[48;2;%d;%d;%dm▀", a[1], a[2],
                                             a[3], b[1], b[2], b[3])
                else
                    parts[c] = string.format("\27[49m\27[38;2;%d;%d;%dm▀", a[1], a[2], a[3])
                end
            else
                local v = bottom and (level(top[c], s) + level(bottom[c], s)) / 2 or level(top[c], s)
                local k = math.floor(v * (#RAMP - 1) + 0.5) + 1
                parts[c] = RAMP:sub(k, k)
            end
        end
        lines[#lines + 1] = table.concat(parts) .. (color and "\27[0m" or "")
    end
    return lines
end

-- The caption of image k, cut or centred to width w.
local function caption(opts, k, w)
    local labels = opts.labels
    if labels == nil then return nil end
    local v = M.is_tensor(labels) and labels[k]:item() or labels[k]
    if v == nil then return string.rep(" ", w) end
    if type(v) == "number" and opts.classes and opts.classes[v] then v = opts.classes[v] end
    if type(v) == "number" then v = math.tointeger(v) or string.format("%.3g", v) end
    local text = tostring(v)
    if utf8.len(text) > w then text = text:sub(1, utf8.offset(text, w + 1) - 1) end
    local pad = w - utf8.len(text)
    return string.rep(" ", pad // 2) .. text .. string.rep(" ", pad - pad // 2)
end

local function svg(path, imgs, s, opts, per_row)
    local px, gap = opts.pixel or 6, 8
    local h, w = #imgs[1], #imgs[1][1]
    local capt = opts.labels and 16 or 0
    local rows = math.ceil(#imgs / per_row)
    local W = per_row * (w * px + gap) + gap
    local H = rows * (h * px + gap + capt) + gap
    local out = {string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" ' ..
                               'viewBox="0 0 %d %d" shape-rendering="crispEdges">', W, H, W, H),
                 string.format('<rect width="%d" height="%d" fill="white"/>', W, H)}
    for k, img in ipairs(imgs) do
        local ox = gap + ((k - 1) % per_row) * (w * px + gap)
        local oy = gap + ((k - 1) // per_row) * (h * px + gap + capt)
        for r = 1, h do
            for c = 1, w do
                local col = rgb(img[r][c], s)
                out[#out + 1] = string.format('<rect x="%d" y="%d" width="%d" height="%d" ' ..
                    'fill="#%02x%02x%02x"/>', ox + (c - 1) * px, oy + (r - 1) * px, px, px,
                    col[1], col[2], col[3])
            end
        end
        local text = caption(opts, k, 1000)
        if text then
            text = text:match("^%s*(.-)%s*$"):gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;")
            out[#out + 1] = string.format('<text x="%d" y="%d" font-family="sans-serif" ' ..
                'font-size="12" text-anchor="middle">%s</text>', ox + w * px // 2,
                oy + h * px + 13, text)
        end
    end
    out[#out + 1] = "</svg>\n"
    T.write_atomic(path, table.concat(out, "\n"), "imshow")
end

-- The grid as a PNG: each pixel a square of px × px, tiles on white, no captions.
local function png(path, imgs, s, opts, per_row)
    local px, gap = opts.pixel or 4, 4
    local h, w = #imgs[1], #imgs[1][1]
    local rows = math.ceil(#imgs / per_row)
    local W = per_row * (w * px + gap) + gap
    local H = rows * (h * px + gap) + gap
    local white = string.char(255, 255, 255)
    local lines = {}
    for y = 1, H do lines[y] = {} end
    for y = 1, H do
        local line = lines[y]
        for xx = 1, W do line[xx] = white end
    end
    for k, img in ipairs(imgs) do
        local ox = gap + ((k - 1) % per_row) * (w * px + gap)
        local oy = gap + ((k - 1) // per_row) * (h * px + gap)
        for r = 1, h do
            for c = 1, w do
                local col = rgb(img[r][c], s)
                local cell = string.char(col[1], col[2], col[3])
                for dy = 1, px do
                    local line = lines[oy + (r - 1) * px + dy]
                    for dx = 1, px do line[ox + (c - 1) * px + dx] = cell end
                end
            end
        end
    end
    for y = 1, H do lines[y] = table.concat(lines[y]) end
    T.png(path, W, H, table.concat(lines))
end

function M.imshow(x, opts)
    opts = M._data.check_options("imshow", opts, {"grid", "labels", "classes", "color", "file",
                                                 "print", "vmin", "vmax", "diverging", "columns",
                                                 "pixel"})
    if not M.is_tensor(x) then x = M.tensor(x) end
    local imgs = images_of(x, opts.grid)
    if #imgs == 0 or #imgs[1] == 0 or type(imgs[1][1]) ~= "table" or #imgs[1][1] == 0 then
        error("imshow: the image is empty", 2)
    end
    local s = scale_of(imgs, opts)
    local h, w = #imgs[1], #imgs[1][1]
    local width = T.columns(1) or 80
    local per_row = opts.columns or math.max(1, math.min(#imgs, (width + 1) // (w + 1)))
    if opts.file then
        local file = tostring(opts.file)
        local per_row = opts.columns or math.ceil(math.sqrt(#imgs)) -- a square sheet
        if file:match("%.svg$") then
            svg(file, imgs, s, opts, per_row)
        elseif file:match("%.png$") then
            png(file, imgs, s, opts, per_row)
        else
            error("imshow: file is an .svg or .png file name, got " .. file, 2)
        end
        if opts.print == nil then return end
    end
    local color = opts.color
    if color == nil then color = T.color(1) end
    local out = {}
    for first = 1, #imgs, per_row do
        local tiles, last = {}, math.min(#imgs, first + per_row - 1)
        for k = first, last do tiles[#tiles + 1] = tile_lines(imgs[k], s, color) end
        for r = 1, #tiles[1] do
            local parts = {}
            for t = 1, #tiles do parts[t] = tiles[t][r] end
            out[#out + 1] = table.concat(parts, " ")
        end
        if opts.labels then
            local parts = {}
            for k = first, last do parts[#parts + 1] = caption(opts, k, w) end
            out[#out + 1] = table.concat(parts, " ")
        end
    end
    if s.diverging then
        out[#out + 1] = string.format("(blue −%.3g … white 0 … red +%.3g)", s.m, s.m)
    end
    local text = table.concat(out, "\n") .. "\n"
    if opts.print == false then return text end
    io.write(text)
end

M._doc{name = "imshow", signature = "imshow(x [, {grid =, labels =, classes =, file =, vmin =, " ..
    "vmax =, diverging =, color =, print =}])",
    summary = "Draws a picture [H, W] or [1, H, W] in the terminal, two pixel rows per line " ..
        "with Unicode half-blocks in 256 greys on a colour terminal, or with a character ramp " ..
        "(\" .:-=+*#%@\") otherwise. grid = true draws a batch [N, H, W] or [N, C, H, W] side " ..
        "by side with captions from labels (strings, or class numbers named by classes): a batch " ..
        "of Fashion-MNIST, Conv2d filters, feature maps. Values in [0, 1] are drawn on [0, 1]; " ..
        "signed values get a diverging map (blue below 0, white at 0, red above). file = " ..
        "\"x.svg\" writes the picture as SVG (with the captions), file = \"x.png\" as PNG " ..
        "(pixel = size of a pixel, default 4), instead of drawing it (print = true draws it too).",
    example = "x, y, classes = data.fashion_mnist{split = \"test\"}\n" ..
        "imshow(x:narrow(1, 1, 8), {grid = true, labels = y, classes = classes})"}

-- ---- the most confidently wrong examples -----------------------------------------------------

function M.metrics.worst(logits, labels, images, k, classes, opts)
    if not M.is_tensor(logits) or logits:dim() ~= 2 then
        error("metrics.worst: expected scores [N, C] (logits or probabilities)", 2)
    end
    if not M.is_tensor(images) or images.shape[1] ~= logits.shape[1] then
        error("metrics.worst: expected one image per row of scores", 2)
    end
    k = k or 8
    local y = M.is_tensor(labels) and labels:totable() or labels
    if type(y) ~= "table" or #y ~= logits.shape[1] then
        error(string.format("metrics.worst: %d rows of scores but %s labels", logits.shape[1],
                            type(y) == "table" and #y or "no"), 2)
    end
    local p = M.no_grad(function() return M.softmax(logits:detach(), 2) end)
    local best, pred = M.max(p, 2)
    best, pred = best:totable(), pred:totable()
    local wrong = {}
    for i = 1, #y do
        if pred[i] ~= y[i] then wrong[#wrong + 1] = i end
    end
    table.sort(wrong, function(a, b) if best[a] ~= best[b] then return best[a] > best[b] end return a < b end)
    local pick, caps = {}, {}
    local function name(c)
        c = math.tointeger(c) or c
        return classes and classes[c] or tostring(c)
    end
    for j = 1, math.min(k, #wrong) do
        local i = wrong[j]
        pick[j] = i
        caps[j] = string.format("%s→%s %d%%", name(y[i]), name(pred[i]), math.floor(100 * best[i] + 0.5))
    end
    if #pick == 0 then
        if not (opts and opts.print == false) then print("metrics.worst: no example is misclassified") end
        return M.tensor({})
    end
    local idx = M.tensor(pick)
    local o = {grid = true, labels = caps}
    for key, v in pairs(opts or {}) do o[key] = v end
    local text = M.imshow(images:index_select(1, idx), o)
    if text then return idx, text end
    return idx
end

M._doc{name = "metrics.worst", signature =
    "idx = metrics.worst(logits, labels, images, k [, classes [, imshow options]])",
    summary = "Draws the k misclassified examples the model was most sure of (highest softmax " ..
        "probability of the wrong class), as an imshow grid captioned true→predicted and the " ..
        "confidence, and returns their indices. They often show a label error or a class the " ..
        "model confuses.",
    example = "metrics.worst(model(xte), yte, xte, 8, classes)"}
