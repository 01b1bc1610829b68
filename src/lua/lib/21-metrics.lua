-- 21-metrics.lua - judging a classifier as scikit-learn does: accuracy, the
-- confusion matrix, precision, recall and F1 (macro, micro, weighted or per
-- class), and a classification report. Classes are numbers 1..C.
local M = ...
local metrics = {}
M.metrics = metrics

-- Class numbers from predictions: logits or probabilities [N, C] are
-- argmaxed; a 1-d tensor or a list is taken as it is.
local function classes_of(x, who)
    if M.is_tensor(x) then
        if x:dim() == 2 then return M.argmax(x, 2):totable() end
        if x:dim() == 1 then return x:totable() end
        if x:dim() == 0 then return {x:item()} end
        error(who .. ": expected class numbers [N] or scores [N, C], got shape " ..
              table.concat(x.shape, "x"), 3)
    end
    if type(x) == "table" then return x end
    error(who .. ": expected a tensor or a list of class numbers, got " .. type(x), 3)
end

local function pair(pred, labels, who)
    local p, y = classes_of(pred, who), classes_of(labels, who)
    if #p ~= #y then
        error(string.format("%s: %d predictions but %d labels", who, #p, #y), 3)
    end
    if #p == 0 then error(who .. ": no samples", 3) end
    for i = 1, #p do
        for _, v in ipairs({p[i], y[i]}) do
            if math.type(v) == nil or v < 1 or v ~= math.floor(v) then
                error(string.format("%s: sample %d: %s is not a class number (1, 2, ...)", who, i,
                                    tostring(v)), 3)
            end
        end
    end
    return p, y
end

function metrics.accuracy(pred, labels)
    local p, y = pair(pred, labels, "metrics.accuracy")
    local right = 0
    for i = 1, #p do if p[i] == y[i] then right = right + 1 end end
    return right / #p
end

local function count_classes(p, y, C)
    local top = C or 0
    if not C then for i = 1, #p do top = math.max(top, p[i], y[i]) end end
    return math.tointeger(top)
end

local function confusion_table(p, y, C, who)
    local m = {}
    for r = 1, C do
        m[r] = {}
        for c = 1, C do m[r][c] = 0 end
    end
    for i = 1, #p do
        if p[i] > C or y[i] > C then
            error(string.format("%s: sample %d has class %d, more than C = %d", who, i,
                                math.tointeger(math.max(p[i], y[i])), C), 3)
        end
        m[y[i]][p[i]] = m[y[i]][p[i]] + 1
    end
    return m
end

function metrics.confusion(pred, labels, C)
    local p, y = pair(pred, labels, "metrics.confusion")
    if C ~= nil and (math.type(C) ~= "integer" or C < 1) then
        error("metrics.confusion: C is the number of classes, got " .. tostring(C), 2)
    end
    return M.tensor(confusion_table(p, y, count_classes(p, y, C), "metrics.confusion"))
end

-- Per class: precision, recall, F1, support, and whether the class occurs
-- at all (in the labels or the predictions), as scikit-learn averages those.
local function per_class(p, y, C)
    local m = confusion_table(p, y, C, "metrics")
    local out = {precision = {}, recall = {}, f1 = {}, support = {}, present = {}}
    for k = 1, C do
        local tp, predicted, actual = m[k][k], 0, 0
        for j = 1, C do
            predicted = predicted + m[j][k]
            actual = actual + m[k][j]
        end
        local prec = predicted > 0 and tp / predicted or 0 -- 0/0 counts as 0, as zero_division=0
        local rec = actual > 0 and tp / actual or 0
        out.precision[k], out.recall[k] = prec, rec
        out.f1[k] = prec + rec > 0 and 2 * prec * rec / (prec + rec) or 0
        out.support[k] = actual
        out.present[k] = predicted > 0 or actual > 0
    end
    return out
end

local function averages(s, C, n, average)
    local P, R, F, W = 0, 0, 0, 0
    if average == "macro" then
        local k = 0
        for c = 1, C do
            if s.present[c] then
                P, R, F, k = P + s.precision[c], R + s.recall[c], F + s.f1[c], k + 1
            end
        end
        return P / k, R / k, F / k
    elseif average == "weighted" then
        for c = 1, C do
            local w = s.support[c] / n
            P, R, F = P + w * s.precision[c], R + w * s.recall[c], F + w * s.f1[c]
        end
        return P, R, F
    end
    -- micro: every sample counts once; with one label per sample all three are the accuracy
    local tp = 0
    for c = 1, C do tp = tp + s.recall[c] * s.support[c] end
    local a = tp / n
    return a, a, a
end

function metrics.precision_recall_f1(pred, labels, opts)
    opts = M._data.check_options("metrics.precision_recall_f1", opts, {"average", "C"})
    local average = opts.average or "macro"
    if average ~= "macro" and average ~= "micro" and average ~= "weighted" and average ~= "none" then
        error("metrics.precision_recall_f1: average is \"macro\", \"micro\", \"weighted\" or " ..
              "\"none\", got " .. tostring(average), 2)
    end
    local p, y = pair(pred, labels, "metrics.precision_recall_f1")
    local C = count_classes(p, y, opts.C)
    local s = per_class(p, y, C)
    if average == "none" then
        return M.tensor(s.precision), M.tensor(s.recall), M.tensor(s.f1)
    end
    return averages(s, C, #p, average)
end

-- The report's text: one row per class, then accuracy and the averages.
local function report_text(p, y, names, digits)
    local C = count_classes(p, y, names and #names or nil)
    local s = per_class(p, y, C)
    local label = {}
    local width = #"weighted avg"
    for c = 1, C do
        label[c] = names and tostring(names[c]) or tostring(c)
        width = math.max(width, utf8.len(label[c]) or #label[c])
    end
    local function pad(text) return string.rep(" ", width - (utf8.len(text) or #text)) .. text end
    local num = "%9." .. digits .. "f"
    local lines = {pad("") .. string.format("%10s%10s%10s%10s", "precision", "recall",
                                            "f1-score", "support"), ""}
    for c = 1, C do
        lines[#lines + 1] = pad(label[c]) .. string.format(" " .. num .. " " .. num .. " " .. num ..
            "%10d", s.precision[c], s.recall[c], s.f1[c], s.support[c])
    end
    lines[#lines + 1] = ""
    local acc = select(1, averages(s, C, #p, "micro"))
    lines[#lines + 1] = pad("accuracy") .. string.rep(" ", 20) ..
        string.format(" " .. num .. "%10d", acc, #p)
    for _, avg in ipairs({"macro", "weighted"}) do
        local P, R, F = averages(s, C, #p, avg)
        lines[#lines + 1] = pad(avg .. " avg") .. string.format(" " .. num .. " " .. num .. " " ..
            num .. "%10d", P, R, F, #p)
    end
    return table.concat(lines, "\n") .. "\n"
end

function metrics.report(pred, labels, classes, opts)
    opts = M._data.check_options("metrics.report", opts, {"digits", "print"})
    local p, y = pair(pred, labels, "metrics.report")
    if classes ~= nil and type(classes) ~= "table" then
        error("metrics.report: classes is a list of names, got " .. type(classes), 2)
    end
    if classes then
        for i = 1, #p do
            if p[i] > #classes or y[i] > #classes then
                error(string.format("metrics.report: sample %d has class %d but only %d names " ..
                                    "were given", i, math.tointeger(math.max(p[i], y[i])), #classes), 2)
            end
        end
    end
    local text = report_text(p, y, classes, opts.digits or 2)
    if opts.print == false then return text end
    io.write(text)
end

-- ---- the confusion matrix, drawn with its class names -------------------------------

-- The background escape of a grey from light (0) to dark (1) cells: the
-- 24 greys of the 256-colour palette.
local function shade(frac)
    local level = 255 - math.floor(frac * 20 + 0.5)
    return string.format("\27[48;5;%dm\27[38;5;%dm", level, frac > 0.55 and 255 or 232)
end

function metrics.show_confusion(cm, classes, opts)
    opts = M._data.check_options("metrics.show_confusion", opts, {"color", "print"})
    if not M.is_tensor(cm) or cm:dim() ~= 2 or cm.shape[1] ~= cm.shape[2] then
        error("metrics.show_confusion: expected a square tensor [C, C] (metrics.confusion's)", 2)
    end
    local C = cm.shape[1]
    local m = cm:totable()
    local names = {}
    for c = 1, C do names[c] = classes and classes[c] and tostring(classes[c]) or tostring(c) end
    local color = opts.color
    if color == nil then color = M._data.color(1) end
    local top, cellw = 0, 1
    for r = 1, C do
        for c = 1, C do
            top = math.max(top, m[r][c])
            cellw = math.max(cellw, #string.format("%.0f", m[r][c]))
        end
    end
    local labelw = #"true \\ predicted"
    for c = 1, C do labelw = math.max(labelw, utf8.len(names[c]) or #names[c]) end
    -- columns are headed by short names: the first letters, or the class number
    local heads = {}
    for c = 1, C do
        local h = names[c]
        if (utf8.len(h) or #h) > math.max(cellw, 5) then h = h:sub(1, utf8.offset(h, 6) - 1) end
        heads[c] = h
        cellw = math.max(cellw, utf8.len(h) or #h)
    end
    local function lpad(s, w) return string.rep(" ", w - (utf8.len(s) or #s)) .. s end
    local function rpad(s, w) return s .. string.rep(" ", w - (utf8.len(s) or #s)) end
    local lines = {}
    local head = rpad("true \\ predicted", labelw)
    for c = 1, C do head = head .. " " .. lpad(heads[c], cellw) end
    lines[1] = head
    for r = 1, C do
        local line = rpad(names[r], labelw)
        for c = 1, C do
            local cell = lpad(string.format("%.0f", m[r][c]), cellw)
            if color then
                cell = shade(top > 0 and m[r][c] / top or 0) .. cell .. "\27[0m"
            end
            line = line .. " " .. cell
        end
        lines[#lines + 1] = line
    end
    local text = table.concat(lines, "\n") .. "\n"
    if opts.print == false then return text end
    io.write(text)
end

-- ---- help ------------------------------------------------------------------------------

M._doc{name = "metrics", signature = "metrics",
    summary = "Judging a classifier with scikit-learn's definitions: metrics.accuracy, " ..
        "metrics.confusion, metrics.precision_recall_f1, metrics.report, metrics.show_confusion.",
    example = "metrics.report(logits, labels, classes)"}
M._doc{name = "metrics.accuracy", signature = "metrics.accuracy(pred_or_logits, labels)",
    summary = "The fraction of samples whose predicted class is the label, as a number. " ..
        "Scores [N, C] (logits or probabilities) are argmaxed first; classes are 1..C.",
    example = "metrics.accuracy(tensor({1, 2, 2, 3}), tensor({1, 2, 3, 3}))  --> 0.75"}
M._doc{name = "metrics.confusion", signature = "metrics.confusion(pred, labels [, C])",
    summary = "The confusion matrix [C, C]: entry [i][j] counts the samples of true class i " ..
        "predicted as j (rows are the true class, as in scikit-learn). C defaults to the largest " ..
        "class seen. metrics.show_confusion draws it with the class names.",
    example = "metrics.confusion({1, 2, 2}, {1, 1, 2}, 2)  --> tensor([[1, 1], [0, 1]])"}
M._doc{name = "metrics.precision_recall_f1",
    signature = "p, r, f = metrics.precision_recall_f1(pred, labels [, {average = \"macro\", C =}])",
    summary = "Precision tp/(tp + fp), recall tp/(tp + fn) and F1 = 2pr/(p + r) of each class " ..
        "(0 where a ratio is 0/0), averaged as in scikit-learn: \"macro\" is the plain mean over " ..
        "the classes that occur, \"weighted\" weights each by its support (its true count), " ..
        "\"micro\" pools all samples (all three are then the accuracy); \"none\" returns three " ..
        "tensors of per-class values for classes 1..C.",
    example = "p, r, f = metrics.precision_recall_f1(pred, y, {average = \"weighted\"})"}
M._doc{name = "metrics.report",
    signature = "metrics.report(pred, labels [, classes [, {digits = 2, print = true}]])",
    summary = "Prints a table like scikit-learn's classification_report: precision, recall, F1 " ..
        "and support of each class (named by classes), then the accuracy and the macro and " ..
        "weighted averages. print = false returns the text instead.",
    example = "metrics.report(model(xte), yte, classes)"}
M._doc{name = "metrics.show_confusion",
    signature = "metrics.show_confusion(cm [, classes [, {color =, print = true}]])",
    summary = "Prints a confusion matrix with the class names down the side (true class) and " ..
        "across the top (predicted), aligned; on a colour terminal each cell is shaded by its " ..
        "count, so the diagonal and the common confusions stand out.",
    example = "metrics.show_confusion(metrics.confusion(pred, y, 10), classes)"}
