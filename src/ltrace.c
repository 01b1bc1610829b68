/*
 * ltrace.c - (being written)
 */
#include "lbinding.h"

void lgc_open_trace(lua_State *L)
{
    (void)L;
}
