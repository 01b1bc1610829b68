#!/usr/bin/python3
# make_fixtures.py - writes the small files tests/lua/test_data_files.lua reads:
# good IDX, .npy and .npz files of every type gradcalc reads, and broken ones
# (truncated, foreign, lying about sizes). Run it from anywhere:
#   /usr/bin/python3 tests/data/make_fixtures.py
# The .npy and .npz files come from NumPy itself; IDX files are written by hand.
import gzip, io, os, struct, zipfile
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
def out(name, data):
    with open(os.path.join(here, name), "wb") as f: f.write(data)

def idx(code, fmt, shape, values):
    head = bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", s) for s in shape)
    return head + b"".join(struct.pack(">" + fmt, v) for v in values)

def gz(data):  # mtime 0: the same bytes on every run
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g: g.write(data)
    return buf.getvalue()

# ---- IDX: every type, then broken files
u8 = idx(0x08, "B", [2, 3], [0, 1, 2, 127, 128, 255])
out("u8.idx", u8)
out("u8.idx.gz", gz(u8))
out("i8.idx", idx(0x09, "b", [4], [-128, -1, 0, 127]))
out("i16.idx", idx(0x0B, "h", [2, 2], [-32768, -2, 3, 32767]))
out("i32.idx", idx(0x0C, "i", [3], [-2147483648, 7, 2147483647]))
out("f32.idx", idx(0x0D, "f", [2], [1.5, -0.25]))
out("f64.idx", idx(0x0E, "d", [1, 2], [3.141592653589793, -1e300]))
out("truncated.idx", u8[:-2])
out("extra.idx", u8 + b"\0")
out("badmagic.idx", b"\1\0\x08\2" + u8[4:])
out("badtype.idx", b"\0\0\x07\2" + u8[4:])
out("zerodims.idx", b"\0\0\x08\0")
out("lying.idx", bytes([0, 0, 8, 2]) + struct.pack(">II", 0xFFFFFFFF, 0xFFFFFFFF) + b"\0" * 8)
out("lying_small.idx", bytes([0, 0, 8, 1]) + struct.pack(">I", 1000) + b"\0" * 10)
out("lying.idx.gz", gz(bytes([0, 0, 8, 3]) + struct.pack(">III", 60000, 28, 28) + b"\0" * 100))
full = gz(idx(0x08, "B", [50, 50], [i % 256 for i in range(2500)]))
out("truncated.idx.gz", full[: len(full) // 2])
bad = bytearray(full); bad[len(bad) // 2] ^= 0xFF; bad[len(bad) // 2 + 1] ^= 0x55
out("corrupt.idx.gz", bytes(bad))

# ---- .npy: every dtype gradcalc reads, then broken files
a = np.array([[1.5, -2.0, 3.0], [4.0, 5.0, -6.25]])
def npy(x):
    buf = io.BytesIO(); np.save(buf, x); return buf.getvalue()
out("f8.npy", npy(a))
out("f4.npy", npy(a.astype(np.float32)))
for t in ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]:
    v = np.array([0, 1, 2, 100], dtype=t) if t[0] == "u" else np.array([-100, -1, 0, 100], dtype=t)
    out(t + ".npy", npy(v))
out("bool.npy", npy(np.array([True, False, True])))
out("f8be.npy", npy(a.astype(">f8")))
out("fortran.npy", npy(np.asfortranarray(np.arange(24.0).reshape(2, 3, 4))))
out("scalar.npy", npy(np.array(2.5)))
out("empty.npy", npy(np.zeros((0, 3))))
buf = io.BytesIO(); np.lib.format.write_array(buf, a, version=(2, 0)); out("v2.npy", buf.getvalue())
good = npy(a)
out("truncated.npy", good[:-3])
out("badmagic.npy", b"\x93NUMPX" + good[6:])
out("complex.npy", npy(np.array([1 + 2j])))
out("object.npy", npy(np.array(["ab", "c"])))
def header(text):  # a version 1 file with this header and no values
    h = text.encode() + b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h
out("huge.npy", header("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }"))
out("lying.npy", header("{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 1000), }") + b"\0" * 64)
out("noshape.npy", header("{'descr': '<f8', 'fortran_order': False, }"))
out("hlen.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 60000) + b"{'descr'")

# ---- .npz: stored and deflated, then broken archives
buf = io.BytesIO(); np.savez(buf, weight=a, bias=np.array([1.0, 2.0], dtype=np.float32))
stored = buf.getvalue(); out("stored.npz", stored)
buf = io.BytesIO(); np.savez_compressed(buf, weight=a, bias=np.arange(1000, dtype=np.int32))
deflated = buf.getvalue(); out("deflated.npz", deflated)
out("truncated.npz", stored[: len(stored) // 2])
crc = bytearray(stored); crc[len(stored) // 4] ^= 0x01; out("crc.npz", bytes(crc))
out("notzip.npz", b"PK\x03\x04" + b"\xAB" * 60)
# a deflated entry claiming a huge size in the central directory
lie = bytearray(deflated)
cd = lie.rfind(b"PK\x01\x02")
lie[cd + 24:cd + 28] = struct.pack("<I", 0xFFFFFFF0)
out("lying.npz", bytes(lie))
# an entry pointing past the end
far = bytearray(stored)
cd = far.rfind(b"PK\x01\x02")
far[cd + 42:cd + 46] = struct.pack("<I", len(far) + 1000)
out("outside.npz", bytes(far))
