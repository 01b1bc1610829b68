/*
 * ops.h - the whole engine in one include, for the binding: the op table,
 * autograd, in-place updates, random numbers and every family of ops.
 */
#ifndef GRADCALC_OPS_H
#define GRADCALC_OPS_H

#include "core/autograd.h"
#include "core/inplace.h"
#include "core/op_table.h"
#include "core/random.h"
#include "core/ops/activation.h"
#include "core/ops/conv.h"
#include "core/ops/custom.h"
#include "core/ops/elementwise.h"
#include "core/ops/index.h"
#include "core/ops/loss.h"
#include "core/ops/masking.h"
#include "core/ops/matmul.h"
#include "core/ops/norm.h"
#include "core/ops/pool.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"
#include "core/ops/stats.h"

#endif
