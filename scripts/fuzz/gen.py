"""gen.py - random Lua programs over gradcalc's whole public API.

A program is a fixed prelude (hostile values: NaN, huge numbers,
self-referential tables, tables whose metamethods raise errors, a
finalizer that collects and changes tensors) followed by one statement per
line, each run under pcall, so that a Lua error only ends its statement
and the program goes on. The last line prints FUZZ-END: a run that does
not reach it died. One statement per line lets the minimiser drop lines.
"""

import gzip
import io
import struct
import zipfile
import random

PRELUDE = [
    "local V = {}",
    "local NAN, INF = 0/0, math.huge",
    "local selfref = {1, 2}; selfref[3] = selfref; selfref.x = selfref",
    "local deep = {1}; for _ = 1, 12 do deep = {deep} end",
    "local boom = setmetatable({}, {__index = function() error('boom index') end,"
    " __newindex = function() error('boom newindex') end, __len = function() error('boom len') end,"
    " __tostring = function() error('boom tostring') end, __call = function() error('boom call') end,"
    " __eq = function() error('boom eq') end, __lt = function() error('boom lt') end,"
    " __concat = function() error('boom concat') end, __pairs = function() error('boom pairs') end})",
    "local liar = setmetatable({}, {__index = function(_, k) return V[#V] end, __len = function() return 3 end})",
    "local function finalizer() return setmetatable({}, {__gc = function() for i = 1, #V, 3 do V[i] = nil end;"
    " local t = V[#V]; if type(t) == 'userdata' then pcall(function() t.grad = nil; t:zero_() end) end end}) end",
    "local tmp = os.tmpname(); os.remove(tmp)",
    "local file = io.tmpfile()",
    "V[1] = var({1, 2, 3}); V[2] = var(randn(2, 3)); V[3] = tensor({{1, 2}, {3, 4}}); V[4] = var(2)",
    "V[5] = zeros(0); V[6] = ones(1, 1, 1, 1, 1, 1, 1, 1); V[7] = var(randn(3)); V[8] = V[1] * V[7]",
    "V[9] = sum(V[8]); V[10] = optim.SGD({V[1], V[7]}, {lr = 0.1}); V[11] = var({0.5, -1}); V[12] = V[2]:t()",
]

NUMBERS = [
    "0", "1", "2", "3", "-1", "-2", "0.5", "-0.5", "1.5", "NAN", "INF", "-INF", "1e308", "-1e308",
    "1e-308", "2^31", "2^53", "2^62", "2^63", "-2^63", "math.maxinteger", "math.mininteger",
    "1e12", "-1e12", "4", "7", "8", "9", "0x7fffffff",
]
SIZES = ["0", "1", "2", "3", "1", "2", "2", "3", "-1", "1.5", "NAN", "INF", "2^62", "1e12", "'2'", "{}"]
DATA = [
    "{1, 2, 3}", "{{1, 2}, {3, 4}}", "{{1, 2}, {3}}", "{}", "{{}}", "{1, 'a'}", "{0.5}",
    "{NAN, INF, -INF}", "{{{1}, {2}}, {{3}, {4}}}", "deep", "selfref", "{true}", "{{1, 2, 3}, {4, 5, 6}}",
    "boom", "liar", "{-1, 0, 1, 2}", "{1e308, -1e308}",
]
STRINGS = ["'x'", "''", "'markdown'", "'text'", "('a'):rep(300)", "'w[1]'", "'%s%n'", "tmp"]
OPS = ["+", "-", "*", "/", "^"]


class Gen:
    def __init__(self, rng, api):
        self.r = rng
        self.api = api  # list of (name, method_only)
        self.globals = [n for n, m in api if not m and "." not in n and ":" not in n]
        self.methods = [n.split(":")[-1] for n, m in api if m] + [n for n, m in api if not m and ":" not in n and "." not in n]
        self.nvars = 12

    def pick(self, xs):
        return self.r.choice(xs)

    def var(self):
        return "V[%d]" % self.r.randint(1, self.nvars)

    def size_args(self):
        n = self.pick([0, 1, 1, 2, 2, 3, 4, 8, 9])
        sizes = [self.pick(SIZES) if self.r.random() < 0.15 else str(self.r.randint(1, 3)) for _ in range(n)]
        if n == 8 or n == 9:
            sizes = ["1"] * n
        if self.r.random() < 0.3:
            return "{" + ", ".join(sizes) + "}"
        return ", ".join(sizes)

    def tensor(self):
        k = self.r.random()
        if k < 0.35:
            return "var(%s)" % self.pick(DATA[:3] + ["{0.3, -1.2}", "randn(%d, %d)" % (self.r.randint(1, 3), self.r.randint(1, 3))])
        if k < 0.55:
            return "%s(%s)" % (self.pick(["zeros", "ones", "rand", "randn"]), self.size_args())
        if k < 0.65:
            return "var(%s)" % self.size_expr()
        if k < 0.8:
            return self.var()
        return "tensor(%s)" % self.pick(DATA)

    def size_expr(self):
        return "%s(%s)" % (self.pick(["zeros", "ones", "randn"]), self.size_args())

    KINDS = {
        "gradcheck": ["print = false", "print = file", "eps = %s", "atol = 1", "rtol = 0", "max_elements = %s"],
        "trace": ["print = false", "file = tmp", "format = 'markdown'", "max = %s", "precision = %s",
                  "round = 2", "print = true"],
        "optim": ["lr = %s", "momentum = %s", "nesterov = true", "dampening = 0.5", "weight_decay = %s",
                  "betas = {0.9, %s}", "betas = boom", "eps = %s", "alpha = %s"],
    }

    def options(self, kind=None):
        if kind and self.r.random() < 0.8:
            ks = [k % self.pick(NUMBERS) if "%s" in k else k for k in self.r.sample(self.KINDS[kind], self.r.randint(0, 3))]
            if kind != "optim" and not any(k.startswith("print") for k in ks):
                ks.append("print = false")
            if kind == "optim" and not any(k.startswith("lr") for k in ks):
                ks.append("lr = 0.1")
            return "{" + ", ".join(ks) + "}"
        keys = ["print = false", "print = file", "print = true", "file = tmp", "format = 'markdown'",
                "max = %s" % self.pick(NUMBERS), "precision = %s" % self.pick(NUMBERS), "round = 2",
                "eps = %s" % self.pick(NUMBERS), "lr = %s" % self.pick(NUMBERS), "momentum = 0.9",
                "trace = true", "trace = file", "grad = %s" % self.var(), "name = 'n'",
                "requires_grad = true", "betas = {0.9, 0.99}", "betas = boom", "nesterov = true",
                "max_elements = %s" % self.pick(["1", "3", "INF", "0", "NAN"]),
                "width = 20", "height = 5", "title = 'T'", "[1] = 2", "[boom] = 1"]
        if self.r.random() < 0.08:
            return self.pick(["boom", "liar", "selfref", "setmetatable({}, {__index = function() return %s end})" % self.var()])
        ks = self.r.sample(keys, self.r.randint(0, 3))
        if "print = " not in " ".join(ks) and self.r.random() < 0.8:
            ks.append("print = false")
        return "{" + ", ".join(ks) + "}"

    def arg(self, depth=0):
        k = self.r.random()
        if k < 0.45:
            return self.var()
        if k < 0.6:
            return self.pick(NUMBERS)
        if k < 0.7:
            return self.tensor() if depth < 2 else self.var()
        if k < 0.77:
            return self.pick(DATA)
        if k < 0.82:
            return self.pick(STRINGS)
        if k < 0.86:
            return self.pick(["nil", "true", "false", "boom", "selfref", "liar", "file", "print", "coroutine.running()"])
        if k < 0.93:
            return self.options()
        if k < 0.97:
            return "{%s}" % ", ".join(self.var() for _ in range(self.r.randint(0, 3)))
        return "function(...) return %s end" % (self.expr(depth + 1) if depth < 2 else self.var())

    def args(self, depth, lo=0, hi=4):
        return ", ".join(self.arg(depth) for _ in range(self.r.randint(lo, hi)))

    def call(self, depth=0):
        name = self.pick(self.globals)
        if name in ("timeit",):
            return "timeit(function() return %s end, %s)" % (self.var(), self.pick(["1", "2", "0", "-1", "NAN"]))
        if name in ("lesson", "lessons", "help", "who"):
            name = "precision" if name == "lesson" else name
        return "%s(%s)" % (name, self.args(depth))

    def method(self, depth=0):
        return "%s:%s(%s)" % (self.var(), self.pick(self.methods), self.args(depth, 0, 3))

    def body(self, depth):
        """A few statements for a callback (gradcheck, no_grad, a coroutine)."""
        parts = []
        for _ in range(self.r.randint(1, 3)):
            k = self.r.random()
            if k < 0.2:
                parts.append("collectgarbage()")
            elif k < 0.3:
                parts.append("if coroutine.isyieldable() then coroutine.yield(%s) end" % self.var())
            elif k < 0.45:
                parts.append("L[%d] = %s" % (self.r.randint(1, 3), self.pick(["nil", "5", self.var(), "boom"])))
            elif k < 0.55:
                parts.append("%s = nil" % self.var())
            elif k < 0.65:
                parts.append("pcall(function() %s:%s end)" % (self.var(), self.pick(["add_(1)", "zero_()", "fill_(NAN)", "mul_(2)", "requires_grad_(false)"])))
            else:
                parts.append("pcall(function() %s = %s end)" % (self.var(), self.expr(depth + 1)))
        return "; ".join(parts)

    def expr(self, depth=0):
        k = self.r.random()
        if depth > 2:
            return self.tensor()
        if k < 0.25:
            return self.call(depth)
        if k < 0.4:
            return self.method(depth)
        if k < 0.5:
            return "%s %s %s" % (self.arg(depth + 1), self.pick(OPS), self.arg(depth + 1))
        if k < 0.55:
            return "-%s" % self.var()
        if k < 0.62:
            return self.tensor()
        if k < 0.67:
            return "%s.%s" % (self.var(), self.pick(["grad", "shape", "name", "T", "requires_grad", "is_leaf", "grad_fn", "ndim", "lr", "params", "nothing"]))
        if k < 0.7:
            return "%s[%s]" % (self.var(), self.pick(NUMBERS))
        if k < 0.72:
            return "tostring(%s) .. #tostring(%s)" % (self.var(), self.var())
        if k < 0.8:
            return "(function() local L = {%s}; return gradcheck(function(...) %s; return %s end, L, %s) end)()" % (
                ", ".join(self.var() for _ in range(self.r.randint(1, 2))), self.body(depth),
                self.pick(["sum((...) * (...))", "(...)", "sum(...)", "var(1) * 2", self.var(), "(...) * 2"]),
                self.options("gradcheck"))
        if k < 0.84:
            return "no_grad(function(...) %s; return %s end, %s)" % (self.body(depth), self.var(), self.arg(depth + 1))
        if k < 0.88:
            return "%s(%s, %s)" % (self.pick(["optim.SGD", "optim.Adam", "optim.RMSprop"]),
                                   self.pick(["{%s, %s}" % (self.var(), self.var()), self.var(), "{}", "boom", "selfref"]),
                                   self.options("optim"))
        if k < 0.92:
            return "%s(%s, %s)" % (self.pick(["trace", "explain", "graph", "todot", "step"]), self.var(), self.options("trace"))
        if k < 0.95:
            return "%s({%s}, %s)" % (self.pick(["cat", "stack"]), ", ".join(self.var() for _ in range(self.r.randint(0, 3))), self.pick(NUMBERS[:8]))
        return self.var()

    def statement(self):
        k = self.r.random()
        if k < 0.55:
            return "pcall(function() %s = %s end)" % (self.var(), self.expr())
        if k < 0.65:
            return "pcall(function() %s:backward(%s) end)" % (self.var(), self.pick(["", self.var(), "{trace = true, print = false}", "{grad = %s}" % self.var()]))
        if k < 0.7:
            return "pcall(function() local y = %s * %s; %s:%s; y:backward() end)" % (
                self.var(), self.var(), self.var(), self.pick(["add_(1)", "zero_()", "copy_(%s)" % self.var(), "sub_(1, 2)"]))
        if k < 0.75:
            return "pcall(function() %s.%s = %s end)" % (self.var(), self.pick(["name", "requires_grad", "grad", "lr", "shape"]), self.arg())
        if k < 0.8:
            return "pcall(function() local co = coroutine.wrap(function(...) local L = {...}; %s; return %s end); %s = co(%s); %s = co() end)" % (
                self.body(1), self.expr(1), self.var(), self.var(), self.var())
        if k < 0.85:
            return "collectgarbage(%s)" % self.pick(["", "'step'", "'generational'", "'incremental'"])
        if k < 0.88:
            return "finalizer()"
        if k < 0.9:
            return "%s = nil" % self.var()
        return "pcall(function() %s end)" % self.method()

    def program(self, n):
        return PRELUDE + [self.statement() for _ in range(n)] + ["print('FUZZ-END')"]


def progress_file(r):
    """Random, mostly almost-valid progress files (read by lessons/runner.lua)."""
    lines = []
    if r.random() < 0.9:
        lines.append(r.choice(["gradcalc progress 1", "gradcalc progress 2", "gradcalc progress 1\r", ""]))
    for _ in range(r.randint(0, 6)):
        num = lambda: r.choice(["0", "1", "3", "99999999999999999999999", "-1", "1e5", "007", "18446744073709551616", ""])
        lines.append("lesson %s %s %s %s %s" % (
            r.choice(["01-vectors", "02-activations", "x", "", "../../etc", "01-vectors 1", "\x00", "é"]),
            num(), num(), num(), r.choice(["0", "1", "2", ""])))
        if r.random() < 0.1:
            lines.append(r.choice(["", "garbage", "lesson", "\xff\xfe"]))
    text = "\n".join(lines) + ("\n" if r.random() < 0.9 else "")
    if r.random() < 0.1:
        text = text * r.randint(2, 50)
    return text.encode("utf-8", "surrogateescape")


def mutate_lesson(r, text):
    """A real lesson file with lines dropped, duplicated, or changed."""
    lines = text.split("\n")
    for _ in range(r.randint(1, 8)):
        if not lines:
            break
        i = r.randrange(len(lines))
        k = r.random()
        if k < 0.35:
            del lines[i]
        elif k < 0.55:
            lines.insert(i, lines[r.randrange(len(lines))])
        elif k < 0.7:
            lines[i] = lines[i][: r.randint(0, len(lines[i]))]
        elif k < 0.85:
            lines.insert(i, r.choice([
                "ask { 'x', value = function() return boom end }", "ask {}", "section(nil)", "lesson(nil)",
                "say(selfref)", "code [[ x = var(1) ]]", "show(nil)", "ask { 'q', question = 1, value = 5 }",
                "lesson { title = {} }", "collectgarbage()", "error('in lesson')", "code [[ error('x') ]]",
                "ask { 'q', question = 'q', value = function() return var(1) end, mistakes = {{5}} }",
            ]))
        else:
            lines[i] = lines[i].replace("(", "((", 1)
    return "\n".join(lines)


# ---- data files: almost-valid IDX, .npy and .npz, read by data.load ----------------------------

def _idx(r):
    code = r.choice([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, r.randrange(256)])
    size = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}.get(code, 1)
    dims = [r.choice([0, 1, 2, 3, 28, 255, 2**31 - 1, 2**32 - 1]) if r.random() < 0.2 else r.randint(1, 4)
            for _ in range(r.choice([1, 2, 3, 0, 255]) if r.random() < 0.1 else r.randint(1, 3))]
    n = 1
    for d in dims:
        n *= d
    body = bytes(r.randrange(256) for _ in range(min(n * size, 4096)))
    head = bytes([0, 0, code, len(dims) % 256]) + b"".join(struct.pack(">I", d % 2**32) for d in dims)
    data = head + body
    if r.random() < 0.3:
        data = gzip.compress(data)
    return data


def _npy(r):
    descr = r.choice(["<f8", "<f4", "<i8", "<i4", "|u1", "|b1", ">f8", "<c16", "O", "<f8"])
    shape = tuple(r.choice([0, 1, 2, 3, 2**40, -1]) if r.random() < 0.15 else r.randint(1, 4)
                  for _ in range(r.randint(0, 3)))
    order = r.choice(["False", "False", "True", "1"])
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, order, repr(shape))
    if r.random() < 0.2:
        header = r.choice(["{", "{'descr': '<f8'}", "{'shape': (2,)}", header[:-4], header + "}" * 3, ""])
    header = header + " " * (15 - (len(header) + 10) % 16) + "\n"
    version = r.choice([b"\x01\x00", b"\x02\x00", b"\x03\x00", b"\x09\x00"])
    hlen = struct.pack("<H", len(header)) if version == b"\x01\x00" else struct.pack("<I", len(header))
    n = 1
    for d in shape:
        n *= max(d, 0)
    body = bytes(r.randrange(256) for _ in range(min(n * 8, 2048)))
    return b"\x93NUMPY" + version + hlen + header.encode("latin-1") + body


def _npz(r):
    buf = io.BytesIO()
    how = r.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
    with zipfile.ZipFile(buf, "w", how) as z:
        for k in range(r.randint(0, 3)):
            z.writestr(r.choice(["w", "0.weight", "b", "../x", "", "a" * 300]) + str(k) + ".npy", _npy(r))
    return buf.getvalue()


def data_file(r):
    """A data file, mostly valid in structure, then with bytes flipped, cut or repeated."""
    data = r.choice([_idx, _npy, _npz])(r)
    for _ in range(r.choice([0, 0, 1, 2, 8])):
        if not data:
            break
        k, i = r.random(), r.randrange(len(data))
        if k < 0.5:
            data = data[:i] + bytes([r.randrange(256)]) + data[i + 1:]
        elif k < 0.7:
            data = data[:i]
        elif k < 0.85:
            data = data[:i] + data[i:i + 64] * r.randint(1, 4) + data[i:]
        else:
            data = data[:i] + struct.pack("<I", r.choice([0, 2**31, 2**32 - 1, 0x7FFFFFFF])) + data[i + 4:]
    return data
