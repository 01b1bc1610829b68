/*
 * loptim.c - (being written)
 */
#include "lbinding.h"

void lgc_open_optim(lua_State *L)
{
    (void)L;
}
