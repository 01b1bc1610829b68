-- test_metrics.lua - accuracy, confusion, precision/recall/F1 and the report on
-- hand-made cases; every expected number is worked out beside its check.
local check = dofile("tests/lua/check.lua")
local g = gradcalc or require("gradcalc")
local metrics = g.metrics

-- Eight samples of three classes:
--   true  1 2 3 3 3 1 1 2
--   pred  1 2 2 3 3 3 1 2
local y = g.tensor({1, 2, 3, 3, 3, 1, 1, 2})
local pred = g.tensor({1, 2, 2, 3, 3, 3, 1, 2})

-- right: samples 1, 2, 4, 5, 7, 8 -> 6 of 8
check.near(metrics.accuracy(pred, y), 6 / 8, 1e-15, "accuracy: 6 of 8")
-- logits are argmaxed: rows pick 2, 1, 3
local logits = g.tensor({{0.1, 2.0, -1}, {3, 0, 0}, {0, 0, 0.5}})
check.near(metrics.accuracy(logits, {2, 1, 1}), 2 / 3, 1e-15, "accuracy: logits [N, C] are argmaxed")
check.near(metrics.accuracy({1, 1}, {1, 2}), 0.5, 1e-15, "accuracy: Lua lists")

-- rows are the true class, columns the prediction:
--   true 1: predicted 1, 3, 1      -> [2, 0, 1]
--   true 2: predicted 2, 2         -> [0, 2, 0]
--   true 3: predicted 2, 3, 3      -> [0, 1, 2]
local cm = metrics.confusion(pred, y, 3):totable()
check.ok(cm[1][1] == 2 and cm[1][2] == 0 and cm[1][3] == 1 and cm[2][2] == 2 and cm[3][2] == 1 and
         cm[3][3] == 2 and cm[2][1] == 0, "confusion: rows are the true class")
local cm4 = metrics.confusion(pred, y, 4)
check.ok(cm4.shape[1] == 4 and cm4[4][4]:item() == 0, "confusion: C = 4 adds an empty class")
check.ok(metrics.confusion(pred, y).shape[1] == 3, "confusion: C defaults to the largest class")

-- per class, from the columns (predicted) and rows (true):
--   class 1: tp 2, predicted 2, true 3 -> p = 1,   r = 2/3, f1 = 2×(2/3)/(5/3) = 0.8
--   class 2: tp 2, predicted 3, true 2 -> p = 2/3, r = 1,   f1 = 0.8
--   class 3: tp 2, predicted 3, true 3 -> p = 2/3, r = 2/3, f1 = 2/3
local P, R, F = metrics.precision_recall_f1(pred, y, {average = "none"})
local p, r, f = P:totable(), R:totable(), F:totable()
check.near(p[1], 1, 1e-15, "precision of class 1")
check.near(p[2], 2 / 3, 1e-15, "precision of class 2")
check.near(r[1], 2 / 3, 1e-15, "recall of class 1")
check.near(r[2], 1, 1e-15, "recall of class 2")
check.near(f[1], 0.8, 1e-15, "f1 of class 1")
check.near(f[3], 2 / 3, 1e-15, "f1 of class 3")
-- macro: plain means, p = (1 + 2/3 + 2/3)/3 = 7/9, r = 7/9, f1 = (0.8 + 0.8 + 2/3)/3 = 34/45
local mp, mr, mf = metrics.precision_recall_f1(pred, y)
check.near(mp, 7 / 9, 1e-15, "macro precision 7/9 (the default average)")
check.near(mr, 7 / 9, 1e-15, "macro recall 7/9")
check.near(mf, 34 / 45, 1e-15, "macro f1 34/45")
-- weighted by support 3, 2, 3: p = (3×1 + 2×2/3 + 3×2/3)/8 = 19/24, r = (2 + 2 + 2)/8 = 3/4,
-- f1 = (3×0.8 + 2×0.8 + 3×2/3)/8 = 6/8
local wp, wr, wf = metrics.precision_recall_f1(pred, y, {average = "weighted"})
check.near(wp, 19 / 24, 1e-15, "weighted precision 19/24")
check.near(wr, 3 / 4, 1e-15, "weighted recall 3/4")
check.near(wf, 3 / 4, 1e-15, "weighted f1 3/4")
-- micro: 6 true positives of 8 predictions and 8 labels: all three 3/4
local ip, ir, iF = metrics.precision_recall_f1(pred, y, {average = "micro"})
check.ok(math.abs(ip - 0.75) < 1e-15 and math.abs(ir - 0.75) < 1e-15 and math.abs(iF - 0.75) < 1e-15,
         "micro precision, recall and f1 are the accuracy")

-- A class never predicted: true 1 1 2 2, pred 1 1 1 1.
--   class 1: tp 2, predicted 4, true 2 -> p = 1/2, r = 1, f1 = 2/3
--   class 2: tp 0, predicted 0 -> p = 0/0, counted as 0; r = 0; f1 = 0
local np, nr, nf = metrics.precision_recall_f1({1, 1, 1, 1}, {1, 1, 2, 2})
check.near(np, 0.25, 1e-15, "0/0 precision counts as 0: macro (1/2 + 0)/2")
check.near(nr, 0.5, 1e-15, "macro recall (1 + 0)/2")
check.near(nf, 1 / 3, 1e-15, "macro f1 (2/3 + 0)/2")
-- A class absent from both (class 2 of 1 and 3) is left out of the macro mean, as in
-- scikit-learn: true 1 3, pred 1 3 -> classes 1 and 3 perfect, macro 1.
check.near(select(1, metrics.precision_recall_f1({1, 3}, {1, 3})), 1, 1e-15,
           "macro averages over the classes that occur")
local _, _, f3 = metrics.precision_recall_f1({1, 3}, {1, 3}, {average = "none"})
check.ok(f3:numel() == 3 and f3[2]:item() == 0, "per class: 1..C, an absent class gets 0")

check.err("3 predictions but 2 labels", "metrics: lengths must agree", metrics.accuracy, {1, 2, 3}, {1, 2})
check.err("not a class number", "metrics: class 0", metrics.accuracy, {0}, {1})
check.err("\"macro\", \"micro\"", "metrics: an unknown average", metrics.precision_recall_f1, {1}, {1},
          {average = "binary"})
check.err("more than C = 2", "confusion: a class above C", metrics.confusion, {3}, {1}, 2)

-- The report: one row per class, then accuracy and the two averages.
local text = metrics.report(pred, y, {"cat", "dog", "bird"}, {print = false})
local lines = {}
for line in text:gmatch("[^\n]*") do lines[#lines + 1] = line end
local function row(name)
    for _, line in ipairs(lines) do
        if line:match("^%s*" .. name .. "%s") then return line end
    end
end
check.ok(text:find("precision    recall  f1-score   support", 1, true) ~= nil, "report: the header", text)
check.ok(row("cat") and row("cat"):find("1.00      0.67      0.80         3", 1, true),
         "report: the row of cat", row("cat"))
check.ok(row("bird") and row("bird"):find("0.67      0.67      0.67         3", 1, true),
         "report: the row of bird")
check.ok(row("accuracy") and row("accuracy"):find("0.75         8", 1, true), "report: accuracy")
check.ok(row("macro avg") and row("macro avg"):find("0.78      0.78      0.76         8", 1, true),
         "report: macro avg 7/9, 7/9, 34/45")
check.ok(row("weighted avg") and row("weighted avg"):find("0.79      0.75      0.75         8", 1, true),
         "report: weighted avg 19/24, 3/4, 3/4")
local widths = {}
for _, name in ipairs({"cat", "dog", "bird", "accuracy", "macro avg", "weighted avg"}) do
    widths[#widths + 1] = #row(name)
end
check.ok(widths[1] == widths[2] and widths[2] == widths[3] and widths[5] == widths[6] and
         widths[1] == widths[5] and widths[4] == widths[1],
         "report: the columns line up", table.concat(widths, ","))
check.err("only 2 names", "report: too few class names", metrics.report, pred, y, {"a", "b"})

-- show_confusion: names down the side and across, no escapes unless asked
local shown = metrics.show_confusion(metrics.confusion(pred, y), {"cat", "dog", "bird"},
                                     {print = false, color = false})
check.ok(shown:find("cat                 2    0    1", 1, true) ~= nil and not shown:find("\27", 1, true),
         "show_confusion: rows aligned with the names", shown)
local colored = metrics.show_confusion(metrics.confusion(pred, y), nil, {print = false, color = true})
check.ok(colored:find("\27[48;5;", 1, true) ~= nil, "show_confusion: shaded cells on a colour terminal")

-- worst: sample 1 is wrong with p = e^5/(1 + e^5) ≈ 0.993, sample 3 wrong with
-- p = e/(1 + e) ≈ 0.731, sample 2 right: the order is 1, then 3
local wl = g.tensor({{0, 5}, {5, 0}, {1, 0}})
local widx, wtext = metrics.worst(wl, {1, 1, 2}, g.zeros(3, 1, 2, 16), 5, {"cat", "dog"},
                                  {print = false, color = false, columns = 2})
check.ok(widx:numel() == 2 and widx[1]:item() == 1 and widx[2]:item() == 3,
         "worst: the wrong examples, most confident first")
check.ok(wtext and wtext:find("cat→dog 99%", 1, true) and wtext:find("dog→cat 73%", 1, true),
         "worst: captions name the true and predicted class and the confidence", wtext)

check.done()
