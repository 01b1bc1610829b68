/*
 * inplace.h - updates that change a tensor's values where they are. They
 * are never recorded in the graph; each bumps the tensor's version, so a
 * backward that still needs the old values fails instead of going wrong.
 */
#ifndef GRADCALC_INPLACE_H
#define GRADCALC_INPLACE_H

#include "core/tensor.h"

int gc_fill_(Tensor *t, double v);
int gc_copy_(Tensor *dst, const Tensor *src); /* src broadcasts to dst */
/* dst += alpha*src; who names the caller (add_, sub_) in errors */
int gc_add_(Tensor *dst, const Tensor *src, double alpha, const char *who);
int gc_mul_(Tensor *dst, const Tensor *src);
void gc_zero_grad(Tensor *t);

#endif
