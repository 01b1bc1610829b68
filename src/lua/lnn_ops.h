/*
 * lnn_ops.h - the functions of neural-network layers for Lua (lnn_ops.c):
 * convolutions, pooling, normalisation, dropout, masking, more activations
 * and statistics, with their help.
 */
#ifndef GRADCALC_LNN_OPS_H
#define GRADCALC_LNN_OPS_H

#include <lua.h>

/* Adds the functions (and their help, in _docs) to the module table on top
 * of the stack, and the tensor methods among them to the tensor methods. */
void lgc_open_nn_ops(lua_State *L);

#endif
