#!/usr/bin/env python3
"""fuzz.py - runs random programs against gradcalc under ASan+UBSan.

  python3 scripts/fuzz/fuzz.py [--seconds S | --count N] [--seed K] [--jobs J]
                               [--targets api,progress,lessons] [--binary B] [--out DIR]

Targets: api (random Lua programs over every public function, gen.py),
progress (random progress files read by `gradcalc --lessons`), lessons
(mutated lesson files run by `gradcalc --lesson FILE --replay`).

A run is a crash when a sanitizer reports, or the process dies by a signal;
a program that exits before its last line without one is "abnormal". A
crash is minimised (lines dropped while the same report comes back) and
written to DIR as crash-<n>.lua with the report beside it. Prints one
line per finding and a closing line "ok fuzz ..." / "not ok fuzz ...".
Programs are a function of (seed, index): the same seed gives the same
programs, so a slice with --count is deterministic.
"""

import argparse
import concurrent.futures as futures
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)[^\n]*|runtime error:[^\n]*")
FRAME = re.compile(r"#\d+ 0x[0-9a-f]+ in (\S+) (\S*src/\S+)")


def environment(home):
    env = dict(os.environ)
    env.update({
        "ASAN_OPTIONS": "detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=16:"
                        "malloc_limit_mb=2048:handle_abort=1",
        "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
        "XDG_STATE_HOME": home, "HOME": home, "GRADCALC_HISTORY": "", "LUA_INIT": "",
    })
    return env


def signature(rc, err):
    """What kind of failure, and where: the same signature means the same bug."""
    m = REPORT.search(err)
    if m:
        kind = re.sub(r"0x[0-9a-f]+|\d+ byte\(s\)", "", m.group(0)).strip()
        frame = FRAME.search(err[m.start():])
        return "%s at %s" % (kind, frame.group(1) if frame else "?")
    if rc < 0:
        return "signal %d" % -rc
    return None


def run(binary, args, stdin, home, timeout):
    try:
        p = subprocess.run([binary] + args, input=stdin, capture_output=True, timeout=timeout,
                           cwd=home, env=environment(home))
    except subprocess.TimeoutExpired:
        return None, "", ""
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def outcome(rc, out, err):
    """The verdict on a program that must print FUZZ-END as its last act."""
    if rc is None:
        return "hang", "timeout", ""
    sig = signature(rc, err)
    if sig:
        return "crash", sig, err
    if "FUZZ-END" not in out:
        return "abnormal", "exit %d: %s" % (rc, err.strip().splitlines()[-1:] or ""), err
    return "ok", None, ""


def verdict(binary, target, payload, timeout):
    """(kind, signature, stderr) for one input; kind is ok, crash, hang or abnormal."""
    home = tempfile.mkdtemp(prefix="gcfuzz-")
    try:
        if target == "api":
            path = os.path.join(home, "prog.lua")
            with open(path, "w") as f:
                f.write(payload)
            return outcome(*run(binary, [path], b"", home, timeout))
        if target == "progress":
            os.makedirs(os.path.join(home, "gradcalc"))
            with open(os.path.join(home, "gradcalc", "progress"), "wb") as f:
                f.write(payload)
            rc, out, err = run(binary, ["--lessons"], b"", home, timeout)
            if rc is None:
                return "hang", "timeout", ""
            if rc == 0:  # then a lesson with --resume, answers from a pipe
                rc, out, err2 = run(binary, ["--lesson", "1", "--resume"], b"\n" * 5, home, timeout)
                err += err2
                if rc is None:
                    return "hang", "timeout", ""
            sig = signature(rc, err)
            return ("crash", sig, err) if sig else ("ok", None, "")
        if target == "files":
            path = os.path.join(home, "data.bin")
            with open(path, "wb") as f:
                f.write(payload)
            code = ('for _, f in ipairs({data.load, data.idx}) do local ok, v = pcall(f, "data.bin") '
                    'if ok then print(type(v) == "table" and "table" or v.shape) end end print("FUZZ-END")')
            return outcome(*run(binary, ["-e", code], b"", home, timeout))
        # lessons
        path = os.path.join(home, "lesson.lua")
        with open(path, "w") as f:
            f.write(payload)
        rc, out, err = run(binary, ["--lesson", path, "--replay"], b"", home, timeout)
        if rc is None:
            return "hang", "timeout", ""
        sig = signature(rc, err)
        return ("crash", sig, err) if sig else ("ok", None, "")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def payload_for(target, seed, index, api, lessons):
    r = random.Random("%s/%s/%d" % (target, seed, index))
    if target == "api":
        return "\n".join(gen.Gen(r, api).program(r.randint(10, 40))) + "\n"
    if target == "progress":
        return gen.progress_file(r)
    if target == "files":
        return gen.data_file(r)
    return gen.mutate_lesson(r, r.choice(lessons))


def minimise(binary, payload, sig, timeout):
    """Drops statement lines (never the prelude) while the same failure comes back."""
    lines = payload.rstrip("\n").split("\n")
    head, body, tail = lines[:len(gen.PRELUDE)], lines[len(gen.PRELUDE):-1], lines[-1:]

    def same(candidate):
        kind, s, _ = verdict(binary, "api", "\n".join(head + candidate + tail) + "\n", timeout)
        return kind == "crash" and s == sig

    chunk = max(1, len(body) // 2)
    while chunk >= 1:
        i, changed = 0, False
        while i < len(body):
            candidate = body[:i] + body[i + chunk:]
            if candidate != body and same(candidate):
                body, changed = candidate, True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    # the prelude too, one line at a time, as long as the program still runs
    for line in list(head):
        candidate_head = [h for h in head if h != line]
        kind, s, _ = verdict(binary, "api", "\n".join(candidate_head + body + tail) + "\n", timeout)
        if kind == "crash" and s == sig:
            head = candidate_head
    return "\n".join(head + body + tail) + "\n"


def load_api(binary):
    code = ("for k, v in pairs(gradcalc._docs) do print(k, v.method_only and 1 or 0) end "
            "for _, op in ipairs(gradcalc._ops or {}) do print(op.name or op, 0) end")
    p = subprocess.run([binary, "-e", code], capture_output=True, timeout=60,
                       env=environment(tempfile.gettempdir()))
    api = {}
    for line in p.stdout.decode().splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0] not in api:
            api[parts[0]] = parts[1] == "1"
    if not api:
        sys.exit("fuzz: could not read the API from %s: %s" % (binary, p.stderr.decode()[-500:]))
    return sorted(api.items())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(TOP, "build/asan/gradcalc"))
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--targets", default="api,progress,lessons,files")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--out", default=os.path.join(TOP, "build/fuzz"))
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    if not a.seconds and not a.count:
        a.count = 100
    binary = os.path.abspath(a.binary)
    api = load_api(binary)
    lessons = []
    for name in sorted(os.listdir(os.path.join(TOP, "lessons"))):
        if re.match(r"\d\d-.*\.lua$", name):
            with open(os.path.join(TOP, "lessons", name)) as f:
                lessons.append(f.read())
    targets = a.targets.split(",")
    os.makedirs(a.out, exist_ok=True)
    start = time.time()
    counts = {t: 0 for t in targets}
    findings, seen = [], set()

    def jobs():
        i = 0
        while True:
            if a.count and i >= a.count:
                return
            if a.seconds and time.time() - start > a.seconds:
                return
            t = targets[i % len(targets)]
            yield t, i
            i += 1

    def one(job):
        t, i = job
        p = payload_for(t, a.seed, i, api, lessons)
        return t, i, p, verdict(binary, t, p, a.timeout)

    with futures.ThreadPoolExecutor(a.jobs) as pool:
        pending = set()
        it = jobs()
        for job in it:
            pending.add(pool.submit(one, job))
            if len(pending) >= a.jobs * 2:
                done, pending = futures.wait(pending, return_when=futures.FIRST_COMPLETED)
                for d in done:
                    handle(d.result(), counts, findings, seen, binary, a)
        for d in futures.as_completed(pending):
            handle(d.result(), counts, findings, seen, binary, a)

    total = sum(counts.values())
    summary = ", ".join("%d %s" % (counts[t], t) for t in targets)
    bad = [f for f in findings if f[0] in ("crash", "abnormal")]
    hangs = [f for f in findings if f[0] == "hang"]
    line = "fuzz: %d inputs (%s) in %.0f s, seed %s: %d crashes, %d abnormal exits, %d timeouts" % (
        total, summary, time.time() - start, a.seed, sum(f[0] == "crash" for f in findings),
        sum(f[0] == "abnormal" for f in findings), len(hangs))
    print(("not ok " if bad else "ok ") + line)
    return 1 if bad else 0


def handle(result, counts, findings, seen, binary, a):
    t, i, payload, (kind, sig, err) = result
    counts[t] += 1
    if kind == "ok":
        return
    key = (t, kind, sig)
    findings.append((kind, t, i, sig))
    if key in seen:
        return
    seen.add(key)
    n = len(seen)
    if kind == "crash" and t == "api":
        payload = minimise(binary, payload, sig, a.timeout)
    ext = "bin" if t in ("progress", "files") else "lua"
    base = os.path.join(a.out, "%s-%s-%d.%s" % (kind, t, n, ext))
    with open(base, "wb" if isinstance(payload, bytes) else "w") as f:
        f.write(payload)
    with open(base + ".txt", "w") as f:
        f.write("%s %s input %d (seed %s): %s\n\n%s" % (kind, t, i, a.seed, sig, err))
    print("# %s in %s input %d: %s -> %s" % (kind, t, i, sig, base), flush=True)


if __name__ == "__main__":
    sys.exit(main())
