/*
 * trace_forward.c - the forward trace: every node of a graph as its formula,
 * the formula with numbers, and the value, in the order they ran; and the
 * names t1, t2, ... that a trace gives to unnamed results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/trace_forward.h"
#include "explain/trace_images.h"
#include "explain/trace_view.h"

int gc_trace_name_nodes(Tensor *root)
{
    View v;
    TraceOptions o = { 6, 0 };
    if (tv_view_open(&v, root, &o, "trace")) return -1;
    long next = 1;
    for (int64_t k = 0; k < v.n; k++) { /* continue after the largest t<k> */
        const char *name = v.order[k]->name;
        char *end;
        if (name && name[0] == 't' && name[1] >= '0' && name[1] <= '9') {
            long x = strtol(name + 1, &end, 10);
            if (!*end && x >= next) next = x + 1;
        }
    }
    int rc = 0;
    for (int64_t k = 0; k < v.n && !rc; k++) {
        Tensor *t = v.order[k];
        if (t->name || v.inl[k] || tv_is_constant(t)) continue;
        char name[32];
        snprintf(name, sizeof name, "t%ld", next++);
        rc = gc_set_name(t, name);
        t->name_from_trace = 1;
    }
    tv_view_close(&v);
    if (rc) gc_set_error("trace: out of memory");
    return rc ? -1 : 0;
}

char *gc_trace_forward(Tensor *root, const TraceOptions *o)
{
    View v;
    if (tv_view_open(&v, root, o, "trace")) return NULL;
    Text out = { 0 };
    char b[256];
    for (int64_t k = 0; k < v.n; k++) {
        Tensor *t = v.order[k];
        if (v.inl[k] || tv_is_constant(t)) continue;
        gc_text_add(&out, "%s = ", tv_label(&v, k, b, sizeof b));
        if (t->op) {
            size_t start = out.len;
            tv_formula(&v, &out, k, 0);
            size_t mid = out.len;
            gc_text_add(&out, " = ");
            tv_formula(&v, &out, k, 1);
            /* Nothing was substituted (all big tensors): say it once. */
            if (!out.failed && out.len - mid - 3 == mid - start &&
                !memcmp(out.s + start, out.s + mid + 3, mid - start))
                out.len = mid, out.s[mid] = 0;
            gc_text_add(&out, " = ");
        }
        if (t->numel == 1)
            tv_shaped_num(&out, o, t, v.hand[k]);
        else
            gc_text_values(&out, t, NULL, o);
        gc_text_add(&out, "\n");
        if (t->op) gc_trace_detail_forward(&v, &out, k);
    }
    tv_view_close(&v);
    return gc_text_finish(&out, "trace");
}
