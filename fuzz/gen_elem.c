/* gen_elem.c: the array element hazards of traces (docs/tier2.md, the optimizer's
 * local-elem-store and elem-kinds).
 * - Element writes straight into a local's array: a[j] = s and a[k] = a plain value, in a
 *   loop, where a is a local array of strings made at run time, so that every write
 *   releases the object it replaces, and j goes out of bounds from some iteration on in
 *   some programs.
 * - Element reads whose kind guard moved into the read: acc = acc + a[j], a an array of
 *   four ints or four floats, and from a quarter of the loop on one element of the other
 *   kind in some programs, which the typed read must meet and exit for.
 * - Bytes of a text compared with string constants: if t[j] OP K: n = n + 1, t a local
 *   string, K one or two bytes, OP any order (the optimizer's char-compare), j within t,
 *   or in a tenth of them the counter & 15 from a quarter of the loop on: past t's end
 *   in some iterations, where get raises. */
#include "gen_decide.h"
#include "gen_internal.h"

#define ELEM_LEN 4

/* Whether the loop ahead (an int counter when int_counter, iters iterations) gets a
   hazard of three locals of its own: half the hot loops, a quarter of the others. */
static bool hazard_before(Gen *g, uint32_t iters, bool int_counter, bool hot) {
  return int_counter && iters >= 8 && rd_chance(g, hot ? 50 : 25) && g->nlocals + 3 <= MAX_LOCALS &&
         g->insns + 40 <= g->static_cap;
}

/* Pushes the counter of loop l & 3: an index within the array. */
static void push_counter_index(Gen *g, const LoopCtx *l) {
  gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
  gen_emit_int(g, OP_PUSH_INT, ELEM_LEN - 1);
  gen_emit_op(g, OP_BAND);
}

int32_t gen_elem_store_before(Gen *g, uint32_t iters, bool int_counter, bool hot) {
  uint16_t a, j, s;
  if (!hazard_before(g, iters, int_counter, hot)) return -1;
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

int32_t gen_elem_kind_before(Gen *g, uint32_t iters, bool int_counter, bool hot) {
  uint16_t a, acc, j;
  if (!hazard_before(g, iters, int_counter, hot)) return -1;
  bool floats = rd_chance(g, 50);
  gen_new_local(g, C_ARR, &a);  /* never ready: only this hazard touches the three */
  gen_new_local(g, floats ? C_FLOAT : C_INT, &acc);
  gen_new_local(g, C_INT, &j);
  for (int k = 0; k < ELEM_LEN; k++) {  /* [1, 4, 7, 10] or [0.25, 1.25, 2.25, 3.25] */
    if (floats)
      gen_emit_const(g, (const char *[]){"0.25", "1.25", "2.25", "3.25"}[k]);
    else
      gen_emit_int(g, OP_PUSH_INT, 3 * k + 1);
  }
  gen_emit_int(g, OP_ARRAY_NEW, ELEM_LEN);
  gen_emit_int(g, OP_STORE_LOCAL, a);
  if (floats)
    gen_emit_const(g, "0.0");
  else
    gen_emit_int(g, OP_PUSH_INT, 0);
  gen_emit_int(g, OP_STORE_LOCAL, acc);
  return a;
}

void gen_elem_kind(Gen *g, const LoopCtx *l, uint16_t a) {
  uint16_t acc = (uint16_t)(a + 1), j = (uint16_t)(a + 2);
  bool floats = g->locals[acc].cls == C_FLOAT;
  /* In half of them, a[k] = [a value of the array's kind, one of the other][counter past
     a quarter]: from then on the typed reads of element k exit. */
  if (rd_chance(g, 50)) {
    gen_emit_int(g, OP_LOAD_LOCAL, a);
    gen_emit_int(g, OP_PUSH_INT, (int64_t)rd_below(g, ELEM_LEN));
    if (floats) {
      gen_emit_const(g, "0.5");
      gen_emit_int(g, OP_PUSH_INT, 7);
    } else {
      gen_emit_int(g, OP_PUSH_INT, 7);
      gen_emit_const(g, "0.5");
    }
    gen_emit_int(g, OP_ARRAY_NEW, 2);
    gen_counter_past_quarter(g, l);
    gen_emit_op(g, OP_TO_INT);
    gen_emit_op(g, OP_GET);
    gen_emit_op(g, OP_SET);
  }
  /* acc = acc + a[j] with j = the counter & 3 (a fused read), or acc = acc + a[the
     counter & 3] (a get_array_kind); then probe acc */
  gen_emit_int(g, OP_LOAD_LOCAL, acc);
  bool fused = rd_chance(g, 50);
  if (fused) {
    push_counter_index(g, l);
    gen_emit_int(g, OP_STORE_LOCAL, j);
  }
  gen_emit_int(g, OP_LOAD_LOCAL, a);
  if (fused)
    gen_emit_int(g, OP_LOAD_LOCAL, j);
  else
    push_counter_index(g, l);
  gen_emit_op(g, OP_GET);
  gen_emit_op(g, OP_ADD);
  gen_emit_int(g, OP_STORE_LOCAL, acc);
  gen_emit_int(g, OP_LOAD_LOCAL, acc);
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
}

/* The texts and constants of the byte compares: digits, letters and separators, so that
   every order meets bytes below, equal to and above the constant's first. */
static const char *const char_texts[] = {"\"ab;c;;d7\"", "\"x9;y\"", "\"bb;a;z;;;\"", "\"7;c\"", "\";\""};
static const char *const char_consts[] = {"\";\"", "\"b\"", "\"7\"", "\";;\"", "\"b;\"", "\"c7\""};

int32_t gen_elem_char_before(Gen *g, uint32_t iters, bool int_counter, bool hot) {
  uint16_t t, n, j;
  if (!hazard_before(g, iters, int_counter, hot)) return -1;
  gen_new_local(g, C_STR, &t);  /* never ready: only this hazard touches the three */
  gen_new_local(g, C_INT, &n);
  gen_new_local(g, C_INT, &j);
  gen_emit_const(g, char_texts[rd_below(g, ARRAY_LEN(char_texts))]);
  gen_emit_int(g, OP_STORE_LOCAL, t);
  gen_emit_int(g, OP_PUSH_INT, 0);
  gen_emit_int(g, OP_STORE_LOCAL, n);
  return t;
}

void gen_elem_char(Gen *g, const LoopCtx *l, uint16_t t) {
  static const Opcode orders[] = {OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE};
  uint16_t n = (uint16_t)(t + 1), j = (uint16_t)(t + 2);
  uint32_t skip = gen_new_label(g);
  /* j = the counter % len(t), or in a tenth of them the counter & [len(t) - 1, 15][the
     counter has passed a quarter of the loop]: past the end from then on, some times */
  gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
  if (rd_chance(g, 10)) {
    gen_emit_int(g, OP_LOAD_LOCAL, t);
    gen_emit_op(g, OP_LEN);
    gen_emit_int(g, OP_PUSH_INT, 1);
    gen_emit_op(g, OP_SUB);
    gen_emit_int(g, OP_PUSH_INT, 15);
    gen_emit_int(g, OP_ARRAY_NEW, 2);
    gen_counter_past_quarter(g, l);
    gen_emit_op(g, OP_TO_INT);
    gen_emit_op(g, OP_GET);
    gen_emit_op(g, OP_BAND);
  } else {
    gen_emit_int(g, OP_LOAD_LOCAL, t);
    gen_emit_op(g, OP_LEN);
    gen_emit_op(g, OP_MOD);
  }
  gen_emit_int(g, OP_STORE_LOCAL, j);
  gen_emit_int(g, OP_LOAD_LOCAL, t);  /* if t[j] OP K: n = n + 1 */
  gen_emit_int(g, OP_LOAD_LOCAL, j);
  gen_emit_op(g, OP_GET);
  gen_emit_const(g, char_consts[rd_below(g, ARRAY_LEN(char_consts))]);
  gen_emit_op(g, orders[rd_below(g, ARRAY_LEN(orders))]);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
  gen_emit_int(g, OP_LOAD_LOCAL, n);
  gen_emit_int(g, OP_PUSH_INT, 1);
  gen_emit_op(g, OP_ADD);
  gen_emit_int(g, OP_STORE_LOCAL, n);
  gen_place_label(g, skip);
  gen_emit_int(g, OP_LOAD_LOCAL, n);
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
}
