/*
 * alloc_fail.c - the allocation-failure build of gradcalc (make allocfail):
 * with GC_ALLOC_FAIL=N in the environment, the Nth allocation and every one
 * after it fail (with GC_ALLOC_ONCE=1, only the Nth: Lua then mostly
 * recovers by collecting and trying again); whether gradcalc's own (malloc, calloc, realloc, strdup from its objects,
 * hence the engine's block_alloc) or Lua's (its lua_Alloc, wrapped when
 * the interpreter creates its state). GC_ALLOC_COUNT=1 prints how many
 * allocations a run made, so a test knows which N to try.
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,
 * --wrap=luaL_newstate: calls from gradcalc's objects come here, and
 * __real_* are the originals (ASan's, under the sanitizer build).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
lua_State *__real_luaL_newstate(void);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
lua_State *__wrap_luaL_newstate(void);

static long count, fail_at = -1;
static int once;

static void report(void) { fprintf(stderr, "alloc_fail: %ld allocations\n", count); }

/* Counts one allocation; true for the one that must fail. */
static int fails(void)
{
    if (fail_at < 0) {
        const char *n = getenv("GC_ALLOC_FAIL");
        fail_at = n ? atol(n) : 0;
        const char *c = getenv("GC_ALLOC_COUNT");
        if (c && *c == '1') atexit(report);
        const char *o = getenv("GC_ALLOC_ONCE");
        once = o && *o == '1';
    }
    ++count;
    return fail_at > 0 && (once ? count == fail_at : count >= fail_at);
}

void *__wrap_malloc(size_t size) { return fails() ? NULL : __real_malloc(size); }
void *__wrap_calloc(size_t n, size_t size) { return fails() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t size)
{
    return size && fails() ? NULL : __real_realloc(p, size);
}
char *__wrap_strdup(const char *s) { return fails() ? NULL : __real_strdup(s); }

static lua_Alloc lua_alloc;
static void *lua_alloc_ud;

/* Lua's allocator, failing the counted allocation or growth (never a free
 * or a shrink, which Lua assumes cannot fail). */
static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    if (nsize > 0 && (ptr == NULL || nsize > osize) && fails()) return NULL;
    return lua_alloc(lua_alloc_ud, ptr, osize, nsize);
}

lua_State *__wrap_luaL_newstate(void)
{
    lua_State *L = __real_luaL_newstate();
    if (L) {
        lua_alloc = lua_getallocf(L, &lua_alloc_ud);
        lua_setallocf(L, failing_alloc, NULL);
    }
    return L;
}
