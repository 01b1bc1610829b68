-- Lesson 15: an opening to Transformers. Scaled dot-product attention by
-- hand on 3 tokens of dimension 2 (scores, the √d scaling, the softmax
-- weights, one output), the causal mask, multi-head attention as several
-- heads, positional information; then a one-block self-attention model
-- that learns to reverse short digit sequences, its attention drawn.
-- Sizes: GRADCALC_LESSON_QUICK=1 (the tests) trains on fewer sequences
-- for fewer epochs; GRADCALC_LESSON_FULL=1 on more.

lesson {
    title = "An opening to Transformers: attention",
    summary = "attention by hand: scores, √d, softmax, outputs; the causal mask, heads, positions; a model that reverses digits",
    day = 2,
}

precision(6)

section "Attention by hand"

say [[
Attention lets every token of a sequence look at every other one. Each
token has a query q (what it looks for), a key k (what it offers) and a
value v (what it passes on). The query of token i is compared with the
key of every token j by a dot product, the scores are scaled by √d (d
the dimension of q and k) and turned by a softmax into weights that sum
to 1, and token i's output is the weighted sum of the values.
]]
formula [[
scores = Q @ Kᵀ     weights = softmax(scores / √d)  (along each row)     out = weights @ V
]]

code [[
Q = var(tensor{{1, 0}, {0, 2}, {1, 1}}, "Q")
K = var(tensor{{1, 1}, {1, 2}, {2, 0}}, "K")
V = var(tensor{{1, 2}, {3, 0}, {0, 1}}, "V")
out, W = scaled_dot_product_attention(Q, K, V)
]]

-- q_i @ k_j, from the tensors
local function dot2(A, i, B, j)
    return A[i][1]:item() * B[j][1]:item() + A[i][2]:item() * B[j][2]:item()
end
local d = Q.shape[2]

ask {
    "scores[2][1]",
    question = "Compute the score of token 2's query against token 1's key: q2 @ k1.",
    value = function() return dot2(Q, 2, K, 1) end,
    hint = "q2 = Q[2], k1 = K[1]: multiply element by element and add.",
    mistakes = {{function() return dot2(Q, 1, K, 2) end, "That is q1 @ k2: the row is the query (token 2), the column the key (token 1)."}},
    solution = function()
        say(string.format("q2 @ k1 = %s×%s + %s×%s = %s", fmt(Q[2][1]:item()), fmt(K[1][1]:item()), fmt(Q[2][2]:item()),
            fmt(K[1][2]:item()), fmt(dot2(Q, 2, K, 1))))
    end,
}

code [[
Q:matmul(K:transpose(1, 2))
]]

ask {
    "scaled[2][1]",
    question = "Scale it: divide the score q2 @ k1 by √d, with d = 2.",
    value = function() return dot2(Q, 2, K, 1) / math.sqrt(d) end,
    hint = "√2 ≈ 1.41421.",
    mistakes = {{function() return dot2(Q, 2, K, 1) / d end, "That divides by d; attention divides by √d."}},
    solution = function() say(string.format("%s / √%d = %s", fmt(dot2(Q, 2, K, 1)), d, fmt(dot2(Q, 2, K, 1) / math.sqrt(d)))) end,
}

say [[
Why √d: with d features of variance 1, a dot product has variance d,
so in high dimension the scores grow large and the softmax saturates
on one key, where its gradient is almost 0. Dividing by √d brings the
scores back to variance 1.
]]

-- the softmax weight of key j for query i, from the scaled scores, and
-- the same without the scaling (a common slip)
local function weight(i, j, scale)
    local e, total = {}, 0
    for jj = 1, 3 do
        e[jj] = math.exp(dot2(Q, i, K, jj) / scale)
        total = total + e[jj]
    end
    return e[j] / total
end

ask {
    "weights[2][1]",
    question = "Compute token 2's weight on token 1: the softmax of row 2 of the scaled scores, at column 1.",
    value = function() return W[2][1] end,
    hint = "exp(scaled[2][1]) / Σ_j exp(scaled[2][j]), with the scores of row 2: q2 @ k1, q2 @ k2, q2 @ k3, each divided by √2.",
    mistakes = {
        {function() return weight(2, 1, 1) end, "That is the softmax of the unscaled scores; divide them by √d first."},
        {function() return dot2(Q, 2, K, 1) / (dot2(Q, 2, K, 1) + dot2(Q, 2, K, 2) + dot2(Q, 2, K, 3)) end,
         "That divides the scores by their sum; the softmax takes their exponentials first."},
    },
    solution = function()
        local s = {}
        for j = 1, 3 do s[j] = fmt(dot2(Q, 2, K, j) / math.sqrt(d)) end
        say(string.format("softmax(%s, %s, %s) at 1 = %s", s[1], s[2], s[3], fmt(W[2][1]:item())))
    end,
}

show("W")

ask {
    "out[2][1]",
    question = "Compute the first feature of token 2's output: Σ_j weights[2][j] × V[j][1].",
    value = function() return out[2][1] end,
    hint = "Row 2 of W times column 1 of V.",
    mistakes = {{function() return (V[1][1]:item() + V[2][1]:item() + V[3][1]:item()) / 3 end,
                 "That is the plain mean of the values; weight each by W[2][j]."}},
    solution = function()
        local terms = {}
        for j = 1, 3 do terms[j] = fmt(W[2][j]:item()) .. "×" .. fmt(V[j][1]:item()) end
        say("out[2][1] = " .. table.concat(terms, " + ") .. " = " .. fmt(out[2][1]:item()))
    end,
}

show("out")

section "The causal mask"

say [[
A model that writes a sequence one token at a time must not look at the
tokens it has not written yet. The causal mask hides every key after the
query: its score becomes −∞ before the softmax, so its weight is 0, and
the other weights of the row share the whole 1.
]]

code [[
outc, Wc = scaled_dot_product_attention(Q, K, V, {causal = true})
Wc
]]

ask {
    "Wc[2][1]",
    question = "With the causal mask, token 2 sees tokens 1 and 2 only. Compute its weight on token 1.",
    value = function() return Wc[2][1] end,
    hint = "The softmax of the two scaled scores q2 @ k1/√2 and q2 @ k2/√2, at the first.",
    mistakes = {{function() return W[2][1] end, "That is the weight without the mask; token 3 is hidden now."}},
    solution = function()
        local a, b = dot2(Q, 2, K, 1) / math.sqrt(d), dot2(Q, 2, K, 2) / math.sqrt(d)
        say(string.format("e^%s / (e^%s + e^%s) = %s", fmt(a), fmt(a), fmt(b), fmt(Wc[2][1]:item())))
    end,
}

check(Wc[1][1]:item() == 1, "token 1 sees only itself: its weight on itself is 1")

section "Several heads"

say [[
One attention compares the tokens in one way. Multi-head attention
projects the tokens into several smaller query, key and value spaces,
runs one attention in each (a head), joins the heads' outputs side by
side and mixes them with one more linear layer. nn.MultiheadAttention(E,
h) has h heads of E/h features each.
]]

code [[
seed(1)
mha = nn.MultiheadAttention(4, 2)
x4 = randn(3, 4)
o4, w4 = mha(x4, x4, x4, {average_attn_weights = false})
o4.shape, w4.shape
mha.in_proj_weight.shape, mha.out_proj.weight.shape
]]

-- the number of parameters of a module
local function count(m)
    local n = 0
    for _, p in ipairs(m:parameters()) do n = n + p:numel() end
    return n
end

ask {
    "parameters",
    question = "How many parameters has nn.MultiheadAttention(4, 2)? (W_q, W_k, W_v, W_o of 4×4 each, and a bias of 4 for each.)",
    value = function() return count(mha) end,
    hint = "4 matrices of 4×4 and 4 biases of 4; the number of heads does not change the count.",
    mistakes = {
        {function() return 4 * 16 end, "Count the biases too: 4 of them, 4 numbers each."},
        {function() return 2 * (4 * 16 + 16) end, "The heads share the E×E projections (each head takes E/h of their rows): the count does not double."},
    },
    solution = function() say(string.format("4×(4×4) + 4×4 = %d", count(mha))) end,
}

section "Positions"

say [[
Attention compares contents only: it has no idea where a token stands.
Shuffle the tokens and the outputs are shuffled the same way, with the
same values. Here is the check, with the tokens of x4 in reverse order.
]]

code [[
rev = tensor{3, 2, 1}
x4r = index_select(x4, 1, rev)
o4r = mha(x4r, x4r, x4r)
(index_select(o4, 1, rev) - o4r):abs():max():item() < 1e-12
]]

check((index_select(o4, 1, rev) - o4r):abs():max():item() < 1e-12,
    "reversing the tokens only reverses the outputs: attention alone cannot tell the order")

say [[
So a Transformer adds to each token a vector that depends on its place
(a learned position embedding here; sines and cosines in the original
paper). Then the same token at two places gives two different inputs.
]]

section "At scale: a model that reverses digits"

local quick, full = os.getenv("GRADCALC_LESSON_QUICK"), os.getenv("GRADCALC_LESSON_FULL")
if quick and quick ~= "" and quick ~= "0" then
    sizes = {train = 400, test = 100, epochs = 3}
elseif full and full ~= "" and full ~= "0" then
    sizes = {train = 4000, test = 1000, epochs = 8}
else
    sizes = {train = 1600, test = 400, epochs = 6}
end

say(string.format([[
The task: read 5 digits from 1 to 6 and write them in reverse order. One
block: token and position embeddings, one attention head, a residual
connection and layer norm, a small MLP with its own residual and layer
norm, then a linear layer that scores the 6 digits at each place. %d
sequences train, %d judge; we train it with positions and without.]], sizes.train, sizes.test))

code [[
seed(1)
L, D, E = 5, 6, 16
N = sizes.train + sizes.test
r = rand(N, L):totable()
s, t = {}, {}
for n = 1, N do
    s[n], t[n] = {}, {}
    for j = 1, L do s[n][j] = math.floor(r[n][j] * D) + 1 end
    for j = 1, L do t[n][j] = s[n][L + 1 - j] end
end
src, tgt = tensor(s), tensor(t)
src[1], tgt[1]
]]

code [[
function make(with_positions)
    seed(2)
    local m = {tok = nn.Embedding(D, E), pos = nn.Embedding(L, E),
               att = nn.MultiheadAttention(E, 1, {batch_first = true}),
               mlp = nn.Sequential(nn.Linear(E, 32), nn.ReLU(), nn.Linear(32, E)), out = nn.Linear(E, D)}
    m.params = {}
    for _, part in ipairs{m.tok, m.pos, m.att, m.mlp, m.out} do
        for _, p in ipairs(part:parameters()) do m.params[#m.params + 1] = p end
    end
    local places = arange(1, L + 1)
    function m.forward(x)
        local h = m.tok(x)
        if with_positions then h = h + m.pos(places) end
        local a, w = m.att(h, h, h)
        h = layer_norm(h + a, E)
        h = layer_norm(h + m.mlp(h), E)
        return m.out(h), w
    end
    return m
end

function fit(m, desc)
    local opt = optim.Adam(m.params, {lr = 0.01})
    local bs = 50
    for epoch = 1, sizes.epochs do
        for b in progress(sizes.train // bs, {desc = desc .. " epoch " .. epoch}) do
            local st = (b - 1) * bs + 1
            local logits = m.forward(src:narrow(1, st, bs))
            local loss = cross_entropy(logits:reshape(bs * L, D), tgt:narrow(1, st, bs):reshape(bs * L))
            opt:zero_grad()
            loss:backward()
            opt:step()
            progress.set{loss = loss:item()}
        end
    end
    local logits, w = no_grad(function() return m.forward(src:narrow(1, sizes.train + 1, sizes.test)) end)
    return metrics.accuracy(logits:reshape(sizes.test * L, D), tgt:narrow(1, sizes.train + 1, sizes.test):reshape(sizes.test * L)), w
end
]]

code [[
acc_pos, weights = fit(make(true), "with positions")
acc_nopos = fit(make(false), "without positions")
print(string.format("digits right on held-out sequences: with positions %.1f %%, without %.1f %%", 100 * acc_pos, 100 * acc_nopos))
]]

say [[
Without positions every place sees the same set of digits, so the model
can only guess. With them it learns where to look: row i of the
attention weights (the output place) moves its weight to column 6 − i
(the input place it copies), the more so the longer it trains. Here are the weights for the first held-out
sequence, rows the output places, columns the input places:
]]

code [[
imshow(weights[1])
weights[1]
]]

say [[
At the prompt (repl), try longer sequences (L = 8), sorting instead of
reversing (t[n] sorted), or two heads.
]]
