/*
 * listing.h - sorted lists of names for help and who (listing.c).
 */
#ifndef GRADCALC_LISTING_H
#define GRADCALC_LISTING_H

#include <lua.h>

/* Sorts the strings t[1..n] in place. */
void listing_sort(lua_State *L, int t);
/* Pushes a sorted array of the string keys of table t. */
void listing_push_keys(lua_State *L, int t);

#endif
