/*
 * ldata.c - the C half of `data`: IDX files, .npy/.npz files, word lists and
 * PNG pictures (the formats are in src/data), a seeded random permutation,
 * index_select, and what the Lua half needs of the terminal (is it one, its
 * width, a clock). The rest of `data`, metrics, progress and imshow are Lua,
 * in lib/2x-*.lua, built on these (the helpers sit in the module's _data).
 */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "lua/ltensor.h"
#include "lua/ldata.h"
#include "data/file.h"
#include "data/idx.h"
#include "data/npy.h"
#include "data/zip.h"
#include "data/words.h"
#include "data/png.h"
#include "explain/atomic_file.h"

/* ---- IDX -------------------------------------------------------------------------- */

/* data.idx(path): the values as they are in the file. */
static int l_idx(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    Tensor **slot = lgc_newslot(L);
    *slot = gc_idx_read(path, 1, 0, 0, "data.idx");
    return lgc_result(L, slot);
}

/* _data.idx(path, scale, offset, channel, who): for data.fashion_mnist,
 * which scales pixels to [0, 1] and labels to 1..10 while reading. */
static int l_idx_scaled(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    double scale = luaL_checknumber(L, 2), offset = luaL_checknumber(L, 3);
    int channel = lua_toboolean(L, 4);
    const char *who = luaL_optstring(L, 5, "data.idx");
    Tensor **slot = lgc_newslot(L);
    *slot = gc_idx_read(path, scale, offset, channel, who);
    return lgc_result(L, slot);
}

/* ---- .npy and .npz -------------------------------------------------------------- */

/* Sorts the strings on the stack from base to top. */
static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int save_npz(lua_State *L, const char *path)
{
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            return luaL_error(L,
                              "data.save: a table to save needs names as keys (name → tensor), "
                              "got a %s key",
                              luaL_typename(L, -1));
        n++;
    }
    if (n == 0) return luaL_error(L, "data.save: the table is empty: nothing to save");
    const char **names = lua_newuserdatauv(L, sizeof *names * (size_t)n, 0);
    ZipEntry *entries = lua_newuserdatauv(L, sizeof *entries * (size_t)n, 0);
    int base = lua_gettop(L);
    int k = 0;
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        lua_pop(L, 1);
        names[k++] = lua_tostring(L, -1); /* the table keeps the strings */
    }
    qsort(names, (size_t)n, sizeof *names, compare_names);
    for (int i = 0; i < n; i++) entries[i].name = NULL, entries[i].data = NULL;
    for (int i = 0; i < n; i++) {
        lua_getfield(L, 2, names[i]);
        Tensor *t = lgc_test(L, -1);
        if (!t) {
            if (lua_type(L, -1) != LUA_TNUMBER && lua_type(L, -1) != LUA_TTABLE) {
                for (int j = 0; j < i; j++) free(entries[j].name), free(entries[j].data);
                return luaL_error(L, "data.save: '%s' is a %s, not a tensor", names[i],
                                  luaL_typename(L, -1));
            }
            t = lgc_totensor(L, lua_gettop(L), "data.save");
        }
        size_t nl = strlen(names[i]);
        entries[i].name = malloc(nl + 5);
        entries[i].data = entries[i].name ? gc_npy_encode(t, &entries[i].len, "data.save") : NULL;
        if (entries[i].name)
            memcpy(entries[i].name, names[i], nl), memcpy(entries[i].name + nl, ".npy", 5);
        lua_settop(L, base);
        if (!entries[i].data) {
            for (int j = 0; j <= i; j++) free(entries[j].name), free(entries[j].data);
            if (!entries[i].name) gc_set_error("data.save: out of memory");
            return lgc_raise(L);
        }
    }
    size_t len;
    unsigned char *zip = gc_zip_store(entries, n, &len, "data.save");
    for (int i = 0; i < n; i++) free(entries[i].name), free(entries[i].data);
    int bad = !zip || gc_write_atomic_bytes(path, zip, len, "data.save");
    free(zip);
    return bad ? lgc_raise(L) : 0;
}

/* data.save(path, tensor) writes .npy; data.save(path, {name = tensor}) .npz. */
static int l_save(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    luaL_checkany(L, 2);
    lua_settop(L, 2);
    Tensor *t = lgc_test(L, 2);
    if (!t && lua_istable(L, 2)) {
        int named = 0; /* a name or a tensor in it: a state dict, not nested numbers */
        lua_pushnil(L);
        while (!named && lua_next(L, 2)) {
            named = lua_type(L, -2) == LUA_TSTRING || lgc_test(L, -1) != NULL;
            lua_pop(L, 1);
        }
        lua_settop(L, 2);
        if (named) return save_npz(L, path);
    }
    if (!t) {
        if (lua_type(L, 2) != LUA_TNUMBER && lua_type(L, 2) != LUA_TTABLE)
            return luaL_error(L, "data.save: expected a tensor or a table of named tensors, got %s",
                              luaL_typename(L, 2));
        t = lgc_totensor(L, 2, "data.save");
    }
    size_t len;
    unsigned char *buf = gc_npy_encode(t, &len, "data.save");
    int bad = !buf || gc_write_atomic_bytes(path, buf, len, "data.save");
    free(buf);
    return bad ? lgc_raise(L) : 0;
}

/* Keeps the file's bytes in a userdata while decoding, so an error frees them. */
typedef struct Bytes {
    unsigned char *buf;
    ZipEntry *entries;
    int n;
} Bytes;

static int bytes_gc(lua_State *L)
{
    Bytes *b = lua_touserdata(L, 1);
    free(b->buf), b->buf = NULL;
    gc_zip_free(b->entries, b->n), b->entries = NULL, b->n = 0;
    return 0;
}

static Bytes *new_bytes(lua_State *L)
{
    Bytes *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, bytes_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    return b;
}

/* data.load(path): a tensor (.npy, IDX) or a table of named tensors (.npz),
 * whatever the file's name says. */
static int l_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    Bytes *b = new_bytes(L);
    size_t len;
    if (!(b->buf = gc_read_bytes(path, &len, "data.load"))) return lgc_raise(L);
    const unsigned char *p = b->buf;
    if (len >= 6 && !memcmp(p, GC_NPY_MAGIC, GC_NPY_MAGIC_LEN)) {
        Tensor **slot = lgc_newslot(L);
        *slot = gc_npy_decode(p, len, path, "data.load");
        return lgc_result(L, slot);
    }
    if (len >= 4 && (!memcmp(p, GC_ZIP_MAGIC, 4) || !memcmp(p, "PK\x05\x06", 4))) {
        if (gc_zip_read(p, len, path, &b->entries, &b->n, "data.load")) return lgc_raise(L);
        free(b->buf), b->buf = NULL;
        lua_createtable(L, 0, b->n);
        for (int i = 0; i < b->n; i++) {
            char name[1024];
            size_t nl = strlen(b->entries[i].name);
            if (nl >= sizeof name)
                return luaL_error(L, "data.load: '%s': an entry's name is too long", path);
            memcpy(name, b->entries[i].name, nl + 1);
            if (nl > 4 && !strcmp(name + nl - 4, ".npy")) name[nl - 4] = '\0';
            char where[1100];
            snprintf(where, sizeof where, "%s:%s", path, b->entries[i].name);
            Tensor **slot = lgc_newslot(L);
            *slot = gc_npy_decode(b->entries[i].data, b->entries[i].len, where, "data.load");
            lgc_result(L, slot);
            lua_setfield(L, -2, name);
            free(b->entries[i].data), b->entries[i].data = NULL;
        }
        return 1;
    }
    if (len >= 4 && ((p[0] == 0 && p[1] == 0 && p[3] >= 1) || (p[0] == 0x1f && p[1] == 0x8b))) {
        free(b->buf), b->buf = NULL;
        Tensor **slot = lgc_newslot(L);
        *slot = gc_idx_read(path, 1, 0, 0, "data.load");
        return lgc_result(L, slot);
    }
    return luaL_error(L,
                      "data.load: '%s' is not a file gradcalc reads (.npy, .npz or IDX): it "
                      "starts with neither \\x93NUMPY, PK nor an IDX header",
                      path);
}

/* ---- randperm and index_select ------------------------------------------------------ */

/* A generator of its own for randperm(n, seed): the same order for the same
 * seed, whatever else has drawn numbers. */
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* randperm(n [, seed]): 1..n shuffled (Fisher-Yates), as a tensor. */
static int l_randperm(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    int seeded = !lua_isnoneornil(L, 2);
    uint64_t state = seeded ? (uint64_t)luaL_checkinteger(L, 2) : 0;
    if (n < 0) return luaL_error(L, "randperm: n cannot be negative, got %d", (int)n);
    int64_t shape[1] = { (int64_t)n };
    Tensor **slot = lgc_newslot(L);
    if (!(*slot = gc_new_node(1, shape, 0, 0))) return lgc_raise(L);
    double *d = (*slot)->data;
    for (int64_t i = 0; i < n; i++) d[i] = (double)(i + 1);
    for (int64_t i = n - 1; i > 0; i--) {
        double u = seeded ? (double)(splitmix(&state) >> 11) * 0x1.0p-53 : gc_uniform();
        int64_t j = (int64_t)(u * (double)(i + 1));
        double tmp = d[i];
        d[i] = d[j], d[j] = tmp;
    }
    return lgc_result(L, slot);
}

/* index_select(x, dim, idx): idx is a tensor or a list of 1-based indices. */
static int l_index_select(lua_State *L)
{
    Tensor *x = lgc_check(L, 1);
    int dim = lgc_dim(L, 2, "index_select");
    luaL_checkany(L, 3);
    Tensor *idx = lgc_totensor(L, 3, "index_select");
    Tensor **slot = lgc_newslot(L);
    *slot = gc_index_select(x, dim, idx);
    return lgc_result(L, slot);
}

/* ---- word lists -------------------------------------------------------------------- */

/* _data.words(path, min_len, max_len): the file's plain words, lower-cased,
 * each once, in the file's order; nil and a message when it cannot be read. */
static int l_words(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_Integer lo = luaL_optinteger(L, 2, 1), hi = luaL_optinteger(L, 3, LUA_MAXINTEGER);
    lua_settop(L, 3);
    FILE *f = fopen(path, "rb");
    if (!f) {
        luaL_pushfail(L);
        lua_pushstring(L, strerror(errno));
        return 2;
    }
    lua_newtable(L); /* 4: the words */
    lua_newtable(L); /* 5: seen */
    char line[512], word[512];
    lua_Integer n = 0;
    int was_running = lua_gc(L, LUA_GCISRUNNING); /* a million new strings, none garbage */
    lua_gc(L, LUA_GCSTOP);
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        int whole = len > 0 && line[len - 1] == '\n';
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
        if (!whole && !feof(f)) { /* a line too long for a word: skip the rest of it */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n') {
            }
            continue;
        }
        size_t wl;
        int chars = gc_word_normalize(line, len, word, &wl);
        if (chars < lo || chars > hi || chars < 1) continue;
        lua_pushlstring(L, word, wl);
        if (lua_rawget(L, 5) != LUA_TNIL) {
            lua_pop(L, 1);
            continue;
        }
        lua_pop(L, 1);
        lua_pushlstring(L, word, wl);
        lua_pushvalue(L, -1);
        lua_rawseti(L, 4, ++n);
        lua_pushboolean(L, 1);
        lua_rawset(L, 5);
    }
    if (was_running) lua_gc(L, LUA_GCRESTART);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        luaL_pushfail(L);
        lua_pushstring(L, "a read error");
        return 2;
    }
    lua_settop(L, 4);
    return 1;
}

/* ---- statistics for data.normalize ---------------------------------------------------- */

/* _data.stats(x): mean and population std per feature of [N, F], per channel
 * of [N, C, ...], or of all of a 1-d x, shaped to broadcast against x; in two
 * passes over x (mean, then squared deviations) instead of copies of it. */
static int l_stats(lua_State *L)
{
    Tensor *x = lgc_check(L, 1);
    if (x->ndim == 0 || x->numel == 0)
        return luaL_error(L, "data.normalize: x has no values to take statistics of");
    int64_t outer = x->ndim == 1 ? 1 : x->shape[0], groups = x->ndim == 1 ? 1 : x->shape[1];
    int64_t inner = x->numel / (outer * groups);
    int64_t shape[GC_MAXDIM];
    int ndim = x->ndim == 1 ? 0 : x->ndim;
    for (int d = 0; d < ndim; d++) shape[d] = d == 1 ? groups : 1;
    Tensor **ms = lgc_newslot(L);
    if (!(*ms = gc_new(ndim, shape))) return lgc_raise(L);
    Tensor **ss = lgc_newslot(L);
    if (!(*ss = gc_new(ndim, shape))) return lgc_raise(L);
    double *mean = (*ms)->data, *var = (*ss)->data, count = (double)(outer * inner);
    for (int pass = 0; pass < 2; pass++) {
        for (int64_t o = 0; o < outer; o++) {
            if (gc_interrupted()) return lgc_raise(L);
            for (int64_t c = 0; c < groups; c++) {
                const double *p = x->data + (o * groups + c) * inner;
                double acc = 0, m = mean[c];
                if (pass == 0)
                    for (int64_t i = 0; i < inner; i++) acc += p[i];
                else
                    for (int64_t i = 0; i < inner; i++) acc += (p[i] - m) * (p[i] - m);
                (pass == 0 ? mean : var)[c] += acc;
            }
        }
        for (int64_t c = 0; c < groups; c++)
            if (pass == 0)
                mean[c] /= count;
            else
                var[c] = sqrt(var[c] / count);
    }
    return 2;
}

/* _data.standardize(x, mean, std): (x − mean) / std in one pass, for mean and std
 * laid out as _data.stats makes them (one per feature or channel, or one in
 * all); nil for any other shapes, which the caller broadcasts itself. */
static int l_standardize(lua_State *L)
{
    Tensor *x = lgc_check(L, 1), *m = lgc_check(L, 2), *sd = lgc_check(L, 3);
    int64_t outer = x->ndim <= 1 ? 1 : x->shape[0], groups = x->ndim <= 1 ? 1 : x->shape[1];
    int fits = x->numel > 0 && m->numel == sd->numel && (m->numel == 1 || m->numel == groups);
    for (int d = 0; fits && d < m->ndim; d++) /* [1, C, 1, ...] or all ones */
        fits = m->shape[d] == 1 || (d == 1 && m->ndim == x->ndim);
    for (int d = 0; fits && d < sd->ndim; d++)
        fits = sd->shape[d] == 1 || (d == 1 && sd->ndim == x->ndim);
    if (!fits || m->ndim > x->ndim || sd->ndim > x->ndim) {
        lua_pushnil(L);
        return 1;
    }
    int64_t inner = x->numel / (outer * groups);
    Tensor **slot = lgc_newslot(L);
    if (!(*slot = gc_new_node(x->ndim, x->shape, 0, 0))) return lgc_raise(L);
    double *out = (*slot)->data;
    for (int64_t o = 0; o < outer; o++) {
        if (gc_interrupted()) return lgc_raise(L);
        for (int64_t c = 0; c < groups; c++) {
            double mc = m->data[m->numel == 1 ? 0 : c], sc = sd->data[sd->numel == 1 ? 0 : c];
            int64_t at = (o * groups + c) * inner;
            for (int64_t i = 0; i < inner; i++) out[at + i] = (x->data[at + i] - mc) / sc;
        }
    }
    return lgc_result(L, slot);
}

/* ---- the terminal, for progress bars and pictures ------------------------------------ */

/* _data.isatty(fd): whether fd 1 or 2 is a terminal. */
static int l_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
    return 1;
}

/* _data.color(fd): a terminal that takes colours (no NO_COLOR, TERM not dumb). */
static int l_color(lua_State *L)
{
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
    int fd = (int)luaL_checkinteger(L, 1);
    lua_pushboolean(L, isatty(fd) && !(no_color && no_color[0]) &&
                           !(term && (!strcmp(term, "dumb") || !term[0])));
    return 1;
}

/* _data.columns(fd): the terminal's width, or nil. */
static int l_columns(lua_State *L)
{
    struct winsize ws;
    if (ioctl((int)luaL_checkinteger(L, 1), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        lua_pushinteger(L, ws.ws_col);
    else
        lua_pushnil(L);
    return 1;
}

/* _data.now(): seconds on a monotonic clock, for rates and ETAs. */
static int l_now(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (double)ts.tv_sec + ts.tv_nsec * 1e-9);
    return 1;
}

/* _data.write_atomic(path, text, who): text to path.tmp, then renamed. */
static int l_write_atomic(lua_State *L)
{
    size_t len;
    const char *path = luaL_checkstring(L, 1), *text = luaL_checklstring(L, 2, &len);
    if (gc_write_atomic_bytes(path, text, len, luaL_optstring(L, 3, "write"))) return lgc_raise(L);
    return 0;
}

/* _data.png(path, w, h, rgb): writes the picture (rgb: 3×w×h bytes) as a PNG file. */
static int l_png(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_Integer w = luaL_checkinteger(L, 2), h = luaL_checkinteger(L, 3);
    size_t n, len;
    const char *rgb = luaL_checklstring(L, 4, &n);
    if (w < 1 || h < 1 || w > 1 << 14 || h > 1 << 14 || n != (size_t)(w * h * 3))
        return luaL_error(L, "imshow: a %dx%d picture needs %d bytes of pixels", (int)w, (int)h,
                          (int)(w * h * 3));
    unsigned char *png = gc_png_encode((const unsigned char *)rgb, (int)w, (int)h, &len, "imshow");
    int bad = !png || gc_write_atomic_bytes(path, png, len, "imshow");
    free(png);
    return bad ? lgc_raise(L) : 0;
}

/* ---- help, and opening ------------------------------------------------------------- */

typedef struct Entry {
    const char *name; /* the help entry's key */
    const char *field;
    lua_CFunction fn;
    int in_data; /* data.field, else a module function */
    const char *signature, *summary, *example;
} Entry;

static const Entry entries[] = {
    { "data.idx", "idx", l_idx, 1, "data.idx(path)",
      "Reads an IDX file (the format of MNIST and Fashion-MNIST), gzipped or not, of any of its "
      "types (unsigned and signed bytes, 16- and 32-bit integers, 32- and 64-bit floats) into a "
      "tensor of its shape. A truncated or corrupt file, or a header whose sizes the file cannot "
      "hold, is an error.",
      "labels = data.idx(\"/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz\")" },
    { "data.save", "save", l_save, 1,
      "data.save(path, tensor)  or  data.save(path, {name = tensor})",
      "Writes a tensor as a NumPy .npy file (float64, C order), or a table of named tensors (a "
      "state dict) as an .npz archive (a zip of one .npy per name, stored), which numpy.load and "
      "PyTorch read. The file is written under a temporary name, then renamed.",
      "data.save(\"w.npy\", randn(3, 2)); data.save(\"model.npz\", {weight = ones(2, 2), bias = "
      "zeros(2)})" },
    { "data.load", "load", l_load, 1, "data.load(path)",
      "Reads a .npy file (float64, float32, integers or bool, converted to float64) as a tensor, "
      "or "
      "an .npz archive (stored or deflated) as a table name → tensor. It goes by the file's "
      "content, not its name (IDX files are read too). Truncated, foreign or lying files are "
      "errors.",
      "w = data.load(\"w.npy\"); sd = data.load(\"model.npz\"); sd.weight" },
    { "randperm", "randperm", l_randperm, 0, "randperm(n [, seed])",
      "The numbers 1..n in a random order, as a tensor of indices (1-based; torch.randperm is "
      "0-based). It draws from gradcalc's generator (seed(n) makes it reproducible); with seed it "
      "uses a generator of its own, so the same seed gives the same order whatever else ran.",
      "randperm(5, 42)" },
    { "index_select", "index_select", l_index_select, 0,
      "index_select(x, dim, idx)  or  x:index_select(dim, idx)",
      "The slices of x along dim at the 1-based indices idx (a 1-d tensor or a list), in that "
      "order, repeats allowed: x:index_select(1, idx) picks rows. The gradient adds each slice's "
      "gradient back onto the row it came from.",
      "tensor({{1, 2}, {3, 4}, {5, 6}}):index_select(1, {3, 1})  --> tensor([[5, 6], [1, 2]])" },
};

static int table_field(lua_State *L, int module, const char *name)
{
    if (lua_getfield(L, module, name) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, module, name);
    }
    return lua_gettop(L);
}

void lgc_open_data(lua_State *L)
{
    int module = lua_gettop(L);
    int docs = table_field(L, module, "_docs");
    int data = table_field(L, module, "data");
    int internal = table_field(L, module, "_data");
    static const luaL_Reg internals[] = { { "idx", l_idx_scaled },
                                          { "isatty", l_isatty },
                                          { "color", l_color },
                                          { "columns", l_columns },
                                          { "now", l_now },
                                          { "words", l_words },
                                          { "write_atomic", l_write_atomic },
                                          { "png", l_png },
                                          { "stats", l_stats },
                                          { "standardize", l_standardize },
                                          { NULL, NULL } };
    lua_pushvalue(L, internal);
    luaL_setfuncs(L, internals, 0);
    lua_pop(L, 1);
    luaL_getmetatable(L, GRADCALC_TENSOR);
    lua_getfield(L, -1, "methods");
    int methods = lua_gettop(L);
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        const Entry *e = &entries[i];
        lua_createtable(L, 0, 5);
        lua_pushstring(L, e->name), lua_setfield(L, -2, "name");
        lua_pushstring(L, e->signature), lua_setfield(L, -2, "signature");
        lua_pushstring(L, e->summary), lua_setfield(L, -2, "summary");
        lua_pushstring(L, e->example), lua_setfield(L, -2, "example");
        if (e->fn == l_index_select) {
            lua_pushstring(L, gc_ops[OP_INDEX_SELECT].formula), lua_setfield(L, -2, "formula");
            lua_pushstring(L, gc_ops[OP_INDEX_SELECT].derivative);
            lua_setfield(L, -2, "derivative");
        }
        lua_setfield(L, docs, e->name);
        lua_pushcfunction(L, e->fn);
        lua_setfield(L, e->in_data ? data : module, e->field);
        if (e->fn == l_index_select && lua_istable(L, methods)) {
            lua_pushcfunction(L, e->fn);
            lua_setfield(L, methods, e->field);
        }
    }
    lua_settop(L, module);
}
