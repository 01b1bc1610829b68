#!/bin/sh
# The layers of src/, lowest first: core (with core/ops), explain and data,
# lua, app.
# A file may include headers of its own layer or a lower one; core and
# explain include no Lua or readline header; and no modules (a .c with its
# .h) depend on each other in a cycle.
cd "$(dirname "$0")/../.." || exit 1
python3 - <<'PY'
import glob, os, re, sys
rank = {"core": 0, "explain": 1, "data": 1, "lua": 2, "app": 3}
foreign = {"lua.h": 2, "lauxlib.h": 2, "lualib.h": 2, "readline/readline.h": 3,
           "readline/history.h": 3}
def layer(path):
    return path.split("/")[1]
bad = 0
edges = {}
files = sorted(glob.glob("src/**/*.[ch]", recursive=True))
for f in files:
    me = layer(f)
    if me not in rank:
        print(f"not ok {f} lives in a known layer (core, explain, data, lua, app)"); bad = 1; continue
    text = open(f, encoding="utf-8").read()
    for m in re.finditer(r'#include\s+([<"])([^>"]+)[>"]', text):
        inc = m.group(2)
        if m.group(1) == '"':
            target = "src/" + inc
            if not os.path.exists(target):
                print(f"not ok {f} includes {inc}, which is not under src/"); bad = 1; continue
            if rank[layer(target)] > rank[me]:
                print(f"not ok {f} ({me}) includes {inc} from the {layer(target)} layer above it"); bad = 1
            a, b = os.path.splitext(f)[0], os.path.splitext(target)[0]
            if a != b: edges.setdefault(a, []).append(b)
        elif inc in foreign and foreign[inc] > rank[me]:
            print(f"not ok {f} ({me}) includes <{inc}>, which belongs to a higher layer"); bad = 1
# a cycle among modules: foo.c including bar.h while bar.c includes foo.h
state = {}
def visit(n, stack):
    state[n] = 1
    for m in edges.get(n, []):
        if state.get(m) == 1:
            cyc = stack[stack.index(m):] + [m] if m in stack else [n, m]
            print("not ok includes form a cycle: " + " -> ".join(cyc)); return 1
        if not state.get(m) and visit(m, stack + [m]): return 1
    state[n] = 2
    return 0
for f in sorted(edges):
    if not state.get(f) and visit(f, [f]): bad = 1; break
if not bad:
    print("ok includes respect the layers core < explain < lua < app, with no cycle")
print("done")
PY
