/*
 * ltensor.h - tensor userdata (ltensor.c): how every file of the binding
 * takes tensors from the Lua stack and pushes results onto it.
 */
#ifndef GRADCALC_LTENSOR_H
#define GRADCALC_LTENSOR_H

#include <lauxlib.h>
#include <lua.h>

#include "core/ops.h"

/* The metatable's registry name, which argument errors show. */
#define GRADCALC_TENSOR "gradcalc.Tensor"

/* Pushes a new tensor userdata holding NULL: the caller stores the result in
 * the slot, so the garbage collector owns it before anything can fail. */
Tensor **lgc_newslot(lua_State *L);
/* Finishes a call whose result is in *slot: raises gc_error() when NULL. */
int lgc_result(lua_State *L, Tensor **slot);
/* Pushes t (taking one reference). */
void lgc_push(lua_State *L, Tensor *t);
/* Pushes the malloc'd text and frees it, also when pushing runs out of
 * memory (the error is raised after the text is freed). */
void lgc_push_text(lua_State *L, char *text);
/* Pushes a userdata holding a pointer (NULL) that its finalizer frees: C
 * memory put there is freed even when a Lua error unwinds the caller. */
void **lgc_newbox(lua_State *L);
/* Raises gc_error() as a Lua error, at the caller's line. */
int lgc_raise(lua_State *L);

Tensor *lgc_check(lua_State *L, int idx); /* a tensor, or an argument error */
Tensor *lgc_test(lua_State *L, int idx);  /* a tensor, or NULL */
/* A tensor from a tensor, number or nested table at idx; a new one takes
 * the argument's place on the stack (so it is collected) and is returned. */
Tensor *lgc_totensor(lua_State *L, int idx, const char *who);
/* a op b for the tensors, numbers or tables at stack indices 1 and 2. */
int lgc_arith(lua_State *L, OpCode op);
/* Lua dim (1-based, negative from the end) to the engine's 0-based dim. */
int lgc_dim(lua_State *L, int idx, const char *who);
/* A shape given as numbers from idx on, or as one table at idx. */
int lgc_shape(lua_State *L, int idx, int64_t *shape, const char *who);

/* Runs an engine call whose result goes into a slot pushed first; read the
 * arguments before, as the slot takes the next stack index. */
#define RESULT(call)                     \
    do {                                 \
        Tensor **slot_ = lgc_newslot(L); \
        *slot_ = (call);                 \
        return lgc_result(L, slot_);     \
    } while (0)

void lgc_open_tensor(lua_State *L, const luaL_Reg *methods);

#endif
