-- Lesson 11, the day-2 practical: a CNN on Fashion-MNIST. The data, an
-- MLP baseline, a small CNN trained with a validation curve, the test
-- accuracy, the confusion matrix and report, the most confidently wrong
-- images, the learned filters, then a small hyperparameter search chosen
-- on validation and reported on test.
-- Sizes: GRADCALC_LESSON_QUICK=1 (the tests) trains on a few hundred
-- images; GRADCALC_LESSON_FULL=1 (scripts/day2-full-runs.sh) on all of them.

lesson {
    title = "A CNN on Fashion-MNIST, and tuning it",
    summary = "the practical: an MLP baseline, a 2-conv CNN, the confusion matrix, the filters, a hyperparameter search",
    day = 2,
}

precision(6)

section "The data"

local ok, a, b, c = pcall(data.fashion_mnist, {split = "train"})
if not ok then
    say [[
This lesson trains on Fashion-MNIST, which is not installed here.
Install it with  sudo apt-get install dataset-fashion-mnist  (or put its
four .gz files in a folder named by GRADCALC_DATA) and run the lesson
again.
]]
    return
end
all_x, all_y, classes = a, b, c

say [[
Fashion-MNIST: 70,000 greyscale images of 28×28 pixels, in ten classes of
clothing, 60,000 for training and 10,000 for testing. Each image is
[1, 28, 28] (one channel) with values in [0, 1]; labels are class
numbers 1 to 10.
]]

-- The sizes of this run: the learner's (under 2 minutes on 2 cores), the
-- tests' (a few seconds) or the teacher's full run.
local quick, full = os.getenv("GRADCALC_LESSON_QUICK"), os.getenv("GRADCALC_LESSON_FULL")
if quick and quick ~= "" and quick ~= "0" then
    sizes = {pool = 1200, test = 1000, epochs = 1, search_train = 300, search_val = 300, search_epochs = 1}
elseif full and full ~= "" and full ~= "0" then
    sizes = {pool = 60000, test = 10000, epochs = 3, search_train = 10000, search_val = 3000, search_epochs = 1}
else
    sizes = {pool = 13500, test = 10000, epochs = 2, search_train = 3000, search_val = 1500, search_epochs = 1}
end

code [[
all_x.shape, all_y.shape
imshow(all_x:narrow(1, 1, 8), {grid = true, labels = all_y:narrow(1, 1, 8), classes = classes})
]]

say(string.format([[
We train on %d images of the training split, held apart in a training
part and a validation part (one ninth, stratified so every class keeps
its share); the validation part picks the model, and the %d test images
judge it once at the end. (At the prompt, sizes says how many; the
teacher's full run uses all 60,000.)]], sizes.pool, sizes.test))

code [[
seed(1)
train, val = data.split(all_x:narrow(1, 1, sizes.pool), all_y:narrow(1, 1, sizes.pool), {val = 1/9, test = 0, seed = 1})
test_x, test_y = data.fashion_mnist{split = "test"}
test_x, test_y = test_x:narrow(1, 1, sizes.test), test_y:narrow(1, 1, sizes.test)
all_x, all_y = nil, nil
collectgarbage();
train.x.shape, val.x.shape, test_x.shape
]]

section "Training and judging, as functions"

say [[
The loop of day 1, with a loader for the batches, Adam, and a progress
bar. Every few batches it records the mean training loss since the last
record and the loss on (part of) the validation set, so the two curves
can be drawn together. Evaluation goes through the images in chunks of
500 under no_grad, and in eval mode.
]]

code [[
function predict(net, x)
    net:eval()
    local parts = {}
    for i = 1, x.shape[1], 500 do
        local n = math.min(500, x.shape[1] - i + 1)
        parts[#parts + 1] = no_grad(function() return net(x:narrow(1, i, n)) end)
    end
    net:train()
    return cat(parts, 1)
end
function fit(net, x, y, opts)
    local opt = optim.Adam(net:parameters(), {lr = opts.lr})
    local loader = data.loader(x, y, {batch_size = opts.batch_size or 64, seed = opts.seed or 1})
    local curve, vcurve, sum, count = {}, {}, 0, 0
    local vx, vy = val.x:narrow(1, 1, math.min(500, val.x.shape[1])), val.y:narrow(1, 1, math.min(500, val.x.shape[1]))
    for epoch = 1, opts.epochs do
        for i, xb, yb in progress(loader, {desc = (opts.desc or "epoch") .. " " .. epoch}) do
            opt:zero_grad()
            local L = cross_entropy(net(xb), yb)
            L:backward()
            opt:step()
            sum, count = sum + L:item(), count + 1
            progress.set{loss = L:item()}
            if opts.curves and (count == opts.every or i == #loader and epoch == opts.epochs) then
                curve[#curve + 1] = sum / count
                vcurve[#vcurve + 1] = cross_entropy(predict(net, vx), vy):item()
                sum, count = 0, 0
            end
        end
    end
    return curve, vcurve
end
]]

section "A baseline: an MLP"

say [[
First a plain network of day 1: flatten each image to 784 numbers, one
hidden layer of 128 ReLU units, 10 scores.
]]

code [[
seed(2)
mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
]]

-- The numbers of a module's parameters, added up.
local function count(module)
    local n = 0
    for _, p in ipairs(module:parameters()) do n = n + p:numel() end
    return n
end

ask {
    "MLP parameters",
    question = "How many parameters (weights and biases) does the MLP have?",
    value = function() return count(mlp) end,
    hint = "784×128 weights and 128 biases, then 128×10 and 10.",
    mistakes = {{function() return 784 * 128 + 128 * 10 end, "Count the biases too: 128 + 10."}},
    tol = 1e-4,
    solution = function() print(mlp) end,
}

code [[
fit(mlp, train.x, train.y, {lr = 1e-3, epochs = sizes.epochs, desc = "MLP epoch"})
mlp_val = metrics.accuracy(predict(mlp, val.x), val.y)
print(string.format("MLP: validation accuracy %.1f %%", 100 * mlp_val))
]]

section "A small CNN"

say [[
Two blocks of convolution (3×3, padding 1, so the size stays), ReLU and
2×2 max pooling (which halves it), then one linear layer to the 10
scores. The first block has 8 channels, the second 16.
]]

code [[
function make_cnn(width)
    return nn.Sequential(
        nn.Conv2d(1, width, 3, {padding = 1}), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, {padding = 1}), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2 * width * 7 * 7, 10))
end
seed(3)
cnn = make_cnn(8)
]]

ask {
    "features",
    question = "How many numbers does Flatten hand to the linear layer for one image (16 channels after two 2×2 poolings of 28×28)?",
    value = function() return cnn[8].weight.shape[2] end,
    hint = "Each pooling halves the side: 28 → 14 → 7. Then 16 channels × 7 × 7.",
    mistakes = {
        {function() return 16 * 14 * 14 end, "That is after one pooling; there are two: 28 → 14 → 7."},
        {function() return 16 * 28 * 28 end, "Padding 1 keeps the size through a conv, but each pooling halves it."},
        {function() return 8 * 7 * 7 end, "The second conv has 16 channels, not 8."},
    },
    solution = function() say("16 × 7 × 7 = " .. 16 * 7 * 7 .. "; the shapes through the network:"); print(cnn(zeros(1, 1, 28, 28))); print(cnn) end,
}

ask {
    "CNN parameters",
    question = "How many parameters does the CNN have?",
    value = function() return count(cnn) end,
    hint = "1×8×3×3 + 8, then 8×16×3×3 + 16, then 784×10 + 10.",
    mistakes = {{function() return 8 * 9 + 8 * 16 * 9 + 784 * 10 end, "Count the biases too: 8 + 16 + 10."}},
    tol = 1e-4,
    solution = function() print(cnn) end,
}

say(string.format([[
That is about %d times fewer than the MLP: the kernels are shared by
every position of the image.]], math.floor(count(mlp) / count(cnn))))

code [[
curve, vcurve = fit(cnn, train.x, train.y, {lr = 3e-3, epochs = sizes.epochs, desc = "CNN epoch", curves = true, every = math.max(5, #data.loader(train.x, train.y, {batch_size = 64}) // 8)})
plot{train = curve, val = vcurve}
cnn_val = metrics.accuracy(predict(cnn, val.x), val.y)
print(string.format("CNN: validation accuracy %.1f %% (the MLP: %.1f %%)", 100 * cnn_val, 100 * mlp_val))
]]

section "The test set, once"

say [[
The test images have played no part so far. Trained on all 54,000
training images for three epochs, this small CNN reaches about 88 %
(scripts/day2-full-runs.sh measures it), and wider layers and more
epochs take it to 90 % and beyond: the published baseline of
Fashion-MNIST for two conv+pooling layers is 0.916.
]]

code [[
test_scores = predict(cnn, test_x)
test_pred = argmax(test_scores, 2)
print(string.format("test accuracy: CNN %.1f %%, MLP %.1f %%", 100 * metrics.accuracy(test_scores, test_y), 100 * metrics.accuracy(predict(mlp, test_x), test_y)))
cm = metrics.confusion(test_pred, test_y, 10)
metrics.show_confusion(cm, classes)
function diagonal(m) local s = 0; for i = 1, m.shape[1] do s = s + m[i][i]:item() end; return s end
]]

say [[
Row i counts the test images of class i, column j what the CNN called
them: the diagonal is right, the rest are confusions (shirts with
T-shirts, pullovers and coats are the classic ones).
]]

ask {
    "accuracy",
    question = "From the confusion matrix: the test accuracy, as a fraction (the diagonal over all the images).",
    value = function() return metrics.accuracy(test_scores, test_y) end,
    hint = "Add the 10 numbers of the diagonal and divide by the number of test images.",
    mistakes = {{function() return diagonal(cm) end, "That is the count of right answers; divide by the number of images."}},
    solution = function() say(string.format("Σ diagonal / N = %d / %d", diagonal(cm), sum(cm):item())) end,
}

ask {
    "recall of Shirt",
    question = "The recall of class 7 (Shirt): of the shirts, the fraction the CNN called shirts.",
    value = function() return cm[7][7] / sum(cm[7]) end,
    hint = "cm[7][7] divided by the sum of row 7 (every true shirt).",
    mistakes = {{function() return cm[7][7] / sum(cm:select(2, 7)) end,
                 "That divides by column 7 (everything called a shirt): that is the precision."}},
    solution = function() say(string.format("cm[7][7] / Σ row 7 = %d / %d", cm[7][7]:item(), sum(cm[7]):item())) end,
}

code [[metrics.report(test_pred, test_y, classes)]]

section "Its worst mistakes, and its filters"

say [[
The images it got wrong with the highest confidence (the softmax
probability of its wrong class), captioned true → predicted:
]]

code [[
probs = softmax(test_scores, 2)
wrong = {}
for n, guess in ipairs(test_pred:totable()) do
    if guess ~= test_y[n]:item() then wrong[#wrong + 1] = {n = n, p = probs[n][guess]:item(), guess = guess} end
end
table.sort(wrong, function(u, v) return u.p > v.p end)
worst, captions = {}, {}
for k = 1, math.min(8, #wrong) do
    worst[k] = test_x:narrow(1, wrong[k].n, 1)
    captions[k] = classes[test_y[wrong[k].n]:item()] .. "→" .. classes[wrong[k].guess]
end
imshow(cat(worst, 1), {grid = true, labels = captions})
]]

say [[
And the 8 kernels of the first layer, learned from the data (red
positive, blue negative): edge and blob detectors like the Sobel kernel
of lesson 10.
]]

code [[imshow(cnn[1].weight:detach(), {grid = true})]]

section "Tuning: a small hyperparameter search"

say(string.format([[
How fast it learns and how wide it is are choices: the learning rate
and the number of channels. Train each pair on %d images for %d epoch(s),
and compare them on the validation set, never on the test set: the test
set would then be part of the training, and its score no longer honest.]],
    sizes.search_train, sizes.search_epochs))

code [[
search_x, search_y = train.x:narrow(1, 1, sizes.search_train), train.y:narrow(1, 1, sizes.search_train)
nval = math.min(sizes.search_val, val.x.shape[1])
sval_x, sval_y = val.x:narrow(1, 1, nval), val.y:narrow(1, 1, nval)
results, best = {}, nil
for _, width in ipairs({4, 8}) do
    for _, lr in ipairs({1e-3, 3e-3, 1e-2}) do
        seed(4)
        local net = make_cnn(width)
        fit(net, search_x, search_y, {lr = lr, epochs = sizes.search_epochs, desc = string.format("width %d, lr %g, epoch", width, lr)})
        local acc = metrics.accuracy(predict(net, sval_x), sval_y)
        results[#results + 1] = {width = width, lr = lr, acc = acc, net = net}
        if not best or acc > best.acc then best = results[#results] end
    end
end
print("width      lr   validation accuracy")
for _, r in ipairs(results) do print(string.format("%5d  %6g   %5.1f %%", r.width, r.lr, 100 * r.acc)) end
]]

ask {
    "learning rate",
    question = "Which learning rate does the validation set choose (the row of the highest validation accuracy)?",
    value = function() return best.lr end,
    hint = "Read the table: the row with the largest validation accuracy; its lr.",
    solution = function()
        say(string.format("The best row: width %d, lr %g, validation accuracy %.1f %%.", best.width, best.lr, 100 * best.acc))
    end,
}

code [[
print(string.format("chosen on validation: width %d, lr %g; its test accuracy %.1f %%",
    best.width, best.lr, 100 * metrics.accuracy(predict(best.net, test_x), test_y)))
]]

say [[
That test accuracy is the one to report: chosen without looking at the
test set, measured once. This is the practical: at the prompt (repl),
change make_cnn (a third conv block, 32 channels, dropout before the
linear layer), the learning rate, the batch size (fit's batch_size) or
the epochs, train with fit(...) and compare with predict on val.x, and
only at the very end on test_x.
]]
