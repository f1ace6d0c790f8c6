/* gen_elem.c: element writes a trace makes straight into a local's array (docs/tier2.md,
 * the optimizer's local-elem-store): a[j] = s and a[k] = a plain value, in a loop, where
 * a is a local array of strings made at run time, so that every write releases the
 * object it replaces, and j goes out of bounds from some iteration on in some programs. */
#include "gen_decide.h"
#include "gen_internal.h"

#define ELEM_LEN 4

int32_t gen_elem_store_before(Gen *g, uint32_t iters, bool int_counter, bool hot) {
  uint16_t a, j, s;
  if (!int_counter || iters < 8 || !rd_chance(g, hot ? 50 : 25) || g->nlocals + 3 > MAX_LOCALS ||
      g->insns + 40 > g->static_cap)
    return -1;
  gen_new_local(g, C_ARR, &a);  /* never ready: only this hazard touches the three */
  gen_new_local(g, C_INT, &j);
  gen_new_local(g, C_STR, &s);
  for (int k = 0; k < ELEM_LEN; k++) {  /* strings made now: objects the writes release */
    gen_emit_int(g, OP_PUSH_INT, k);
    gen_emit_op(g, OP_TO_STR);
  }
  gen_emit_int(g, OP_ARRAY_NEW, ELEM_LEN);
  gen_emit_int(g, OP_STORE_LOCAL, a);
  return a;
}

void gen_elem_store(Gen *g, const LoopCtx *l, uint16_t a) {
  uint16_t j = (uint16_t)(a + 1), s = (uint16_t)(a + 2);
  /* j = the counter & 3, or in a tenth of the programs & 7 from a quarter of the loop
     on: an index out of bounds, which the fused store exits for and t1 raises */
  gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
  if (rd_chance(g, 10)) {
    gen_emit_int(g, OP_PUSH_INT, 3);
    gen_emit_int(g, OP_PUSH_INT, 7);
    gen_emit_int(g, OP_ARRAY_NEW, 2);
    gen_counter_past_quarter(g, l);
    gen_emit_op(g, OP_TO_INT);
    gen_emit_op(g, OP_GET);
  } else {
    gen_emit_int(g, OP_PUSH_INT, ELEM_LEN - 1);
  }
  gen_emit_op(g, OP_BAND);
  gen_emit_int(g, OP_STORE_LOCAL, j);
  gen_emit_int(g, OP_LOAD_LOCAL, l->counter);  /* s = the counter's text: a new string */
  gen_emit_op(g, OP_TO_STR);
  gen_emit_int(g, OP_STORE_LOCAL, s);
  gen_emit_int(g, OP_LOAD_LOCAL, a);  /* a[j] = s */
  gen_emit_int(g, OP_LOAD_LOCAL, j);
  gen_emit_int(g, OP_LOAD_LOCAL, s);
  gen_emit_op(g, OP_SET);
  gen_emit_int(g, OP_LOAD_LOCAL, a);  /* a[k] = s or a constant */
  gen_emit_int(g, OP_PUSH_INT, (int64_t)rd_below(g, ELEM_LEN));
  switch (rd_below(g, 3)) {
  case 0: gen_emit_int(g, OP_LOAD_LOCAL, s); break;
  case 1: gen_emit_op(g, OP_PUSH_NIL); break;
  default: gen_emit_int(g, OP_PUSH_INT, (int64_t)rd_below(g, 100)); break;
  }
  gen_emit_op(g, OP_SET);
  gen_emit_int(g, OP_LOAD_LOCAL, a);  /* probe a[j] */
  gen_emit_int(g, OP_LOAD_LOCAL, j);
  gen_emit_op(g, OP_GET);
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
}
