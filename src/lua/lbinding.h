/*
 * lbinding.h - what the two halves of the Lua binding share: tensor
 * userdata (ltensor.c) and the module's functions (lgradcalc.c).
 */
#ifndef GRADCALC_LBINDING_H
#define GRADCALC_LBINDING_H

#include <lauxlib.h>
#include <lua.h>

#include "lua/lgradcalc.h"
#include "core/ops.h"

/* Pushes a new tensor userdata holding NULL: the caller stores the result in
 * the slot, so the garbage collector owns it before anything can fail. */
Tensor **lgc_newslot(lua_State *L);
/* Finishes a call whose result is in *slot: raises gc_error() when NULL. */
int lgc_result(lua_State *L, Tensor **slot);
/* Pushes t (taking one reference). */
void lgc_push(lua_State *L, Tensor *t);
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

void lgc_open_tensor(lua_State *L, const luaL_Reg *methods);

/* Add their functions (and their help, in _docs) to the module table on
 * top of the stack: traces (ltrace.c) and optimizers (loptim.c). */
void lgc_open_trace(lua_State *L);
void lgc_open_optim(lua_State *L);
/* Prints the backward trace of the tensor at root_idx with the options
 * table at opts (backward{trace=true, ...}); 0 results. */
int lgc_backward_trace(lua_State *L, int root_idx, int opts);

#endif
