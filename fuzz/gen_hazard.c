/* gen_hazard.c: hazards, in chaos programs only: an operation that raises a runtime
 * error, at once or, inside a loop, from some iteration on. */
#include "gen_decide.h"
#include "gen_internal.h"

/* A hazard: an operation that raises a runtime error, either at once or, inside a loop,
   from iteration k on. Only chaos programs have them. */
static void gen_hazard_value(Gen *g) {
  VarRef r;
  if (g->builtins_on && rd_chance(g, 20)) {  /* a builtin's conversion, type or arity error */
    gen_builtin_hazard_value(g);
    return;
  }
  switch (rd_below(g, 16)) {
  case 0:
    gen_expr(g, C_INT, 1);
    gen_emit_int(g, OP_PUSH_INT, 0);
    gen_emit_op(g, rd_chance(g, 50) ? OP_IDIV : OP_MOD);
    return;
  case 1:
    gen_expr(g, C_NUM, 1);
    gen_emit_const(g, rd_chance(g, 50) ? "0.0" : "-0.0");
    gen_emit_op(g, rd_chance(g, 50) ? OP_IDIV : OP_MOD);
    return;
  case 2:
    gen_expr(g, C_INT, 1);
    gen_emit_int(g, OP_PUSH_INT, -1 - (int)rd_below(g, 70));
    gen_emit_op(g, rd_chance(g, 50) ? OP_SHL : OP_SHR);
    return;
  case 3:
    gen_expr(g, C_STR, 1);
    gen_expr(g, C_NUM, 1);
    gen_emit_op(g, rd_chance(g, 50) ? OP_ADD : OP_LT);
    return;
  case 4:
    gen_expr(g, C_STR, 1);
    gen_emit_op(g, rd_chance(g, 50) ? OP_NEG : OP_TO_FLOAT);
    return;
  case 5:
    gen_expr(g, C_NUM, 1);
    gen_emit_op(g, OP_LEN);
    return;
  case 6:
    gen_emit_const(g, rd_chance(g, 50) ? "\"x1\"" : "\"9223372036854775808\"");
    gen_emit_op(g, OP_TO_INT);
    return;
  case 7:
    gen_expr(g, C_FLOAT, 1);
    gen_emit_op(g, OP_TO_INT);
    return;
  case 8:
    gen_expr(g, C_NUM, 1);
    gen_expr(g, C_INT, 1);
    gen_emit_op(g, OP_GET);
    return;
  case 9:
    if (gen_pick_var(g, C_ARR, 0, false, W_BOTH, &r)) {
      gen_emit_load(g, r);
      gen_emit_int(g, OP_PUSH_INT, rd_chance(g, 50) ? ARRAY_CAP + (int)rd_below(g, 100) : -1);
      gen_emit_op(g, OP_GET);
      return;
    }
    gen_expr(g, C_STR, 1);
    gen_emit_int(g, OP_PUSH_INT, -1);
    gen_emit_op(g, OP_GET);
    return;
  case 10:
    gen_emit_int(g, OP_PUSH_INT, (int)rd_below(g, 100));
    gen_emit_int(g, OP_CALL, 0);
    return;
  case 11:
    if (g->nfuncs) {
      const FuncInfo *f = &g->funcs[rd_below(g, g->nfuncs)];
      gen_emit_int(g, OP_PUSH_FUNC, (uint32_t)(f - g->funcs));
      uint32_t argc = f->sig.nparams + 1;
      for (uint32_t a = 0; a < argc; a++) gen_leaf(g, C_INT);
      gen_emit_int(g, OP_CALL, argc);
      g->shape.calls++;
      return;
    }
    gen_emit_op(g, OP_PUSH_NIL);
    gen_emit_int(g, OP_PUSH_INT, 1);
    gen_emit_op(g, OP_BXOR);
    return;
  case 12:
    if (gen_pick_var(g, C_NUM, 0, false, W_BOTH, &r)) {
      gen_emit_load(g, r);  /* fine while an int; a type error once it holds a float */
      gen_emit_int(g, OP_PUSH_INT, 1);
      gen_emit_op(g, rd_chance(g, 50) ? OP_BAND : OP_SHL);
      return;
    }
    gen_expr(g, C_FLOAT, 1);
    gen_emit_op(g, OP_BNOT);
    return;
  case 13:
    if (gen_pick_var(g, C_SEQ, 0, false, W_BOTH, &r)) {
      gen_emit_load(g, r);  /* fine while an array; a type error once it holds a string */
      gen_emit_int(g, OP_PUSH_INT, 0);
      gen_expr(g, C_NUM, 1);
      gen_emit_op(g, OP_SET);
      gen_emit_op(g, OP_PUSH_NIL);
      return;
    }
    gen_expr(g, C_STR, 1);
    gen_emit_int(g, OP_PUSH_INT, 0);
    gen_emit_int(g, OP_PUSH_INT, 0);
    gen_emit_op(g, OP_SET);
    gen_emit_op(g, OP_PUSH_NIL);
    return;
  case 14:
    for (uint32_t i = 0; i < g->nfuncs; i++) {
      const FuncInfo *f = &g->funcs[i];
      uint64_t depth = 60 + rd_below(g, 60);
      if (f->recursive && f->self_calls == 1 && gen_fits(g, gen_call_cost(f) / (f->max_depth + 1u) * (depth + 1) + 20)) {
        gen_emit_int(g, OP_PUSH_FUNC, i);  /* deeper than the fuzzer's depth limit of 64 */
        gen_emit_int(g, OP_PUSH_INT, (uint32_t)depth);
        for (uint32_t a = 1; a < f->sig.nparams; a++) gen_expr(g, f->sig.params[a], 1);
        gen_emit_int(g, OP_CALL, f->sig.nparams);
        g->spent += g->mult * (gen_call_cost(f) / (f->max_depth + 1u) * (depth + 1));
        g->shape.calls++;
        return;
      }
    }
    gen_expr(g, C_ARR, 1);
    gen_emit_op(g, OP_TO_FLOAT);
    return;
  default:
    gen_expr(g, C_BOOL, 1);
    gen_expr(g, C_BOOL, 1);
    gen_emit_op(g, OP_GT);
    return;
  }
}

void gen_stmt_hazard(Gen *g) {
  g->hazards--;
  if (g->nloops && !g->loops[g->nloops - 1].is_float && rd_chance(g, 40)) {
    /* Arithmetic on the counter that goes wrong at one iteration. */
    const LoopCtx *l = &g->loops[g->nloops - 1];
    int32_t k = gen_counter_value_mid(g, l);
    uint16_t array, index;
    if (rd_chance(g, 25) && gen_new_local(g, C_ARR, &array) && gen_new_local(g, C_ANY, &index)) {
      /* a[x], x = [j, b][i >= k]: an int index until i reaches k, then a bool or nil, in
         two locals of the hazard's own (never ready): a trace reads a[x] as one
         load_local_elem, which must exit at the change, for t1 to raise the type error */
      gen_expr(g, C_ANY, 1);
      gen_expr(g, C_ANY, 1);
      gen_emit_int(g, OP_ARRAY_NEW, 2);
      gen_emit_int(g, OP_STORE_LOCAL, array);
      gen_emit_int(g, OP_PUSH_INT, rd_below(g, 2));
      static const Opcode not_ints[] = {OP_PUSH_TRUE, OP_PUSH_FALSE, OP_PUSH_NIL};
      gen_emit_op(g, PICK(g, not_ints));
      gen_emit_int(g, OP_ARRAY_NEW, 2);
      gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
      gen_emit_int(g, OP_PUSH_INT, k);
      gen_emit_op(g, l->step > 0 ? OP_GE : OP_LE);
      gen_emit_op(g, OP_TO_INT);
      gen_emit_op(g, OP_GET);
      gen_emit_int(g, OP_STORE_LOCAL, index);
      gen_emit_int(g, OP_LOAD_LOCAL, array);
      gen_emit_int(g, OP_LOAD_LOCAL, index);
      gen_emit_op(g, OP_GET);
    } else if (rd_chance(g, 50)) {  /* x // (i - k): division by zero at i == k */
      gen_expr(g, C_INT, 1);
      gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
      gen_emit_int(g, OP_PUSH_INT, k);
      gen_emit_op(g, OP_SUB);
      gen_emit_op(g, rd_chance(g, 50) ? OP_IDIV : OP_MOD);
    } else {  /* x << (k - i) counting up, x >> (i - k) down: negative once past k */
      gen_expr(g, C_INT, 1);
      if (l->step > 0) {
        gen_emit_int(g, OP_PUSH_INT, k);
        gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
      } else {
        gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
        gen_emit_int(g, OP_PUSH_INT, k);
      }
      gen_emit_op(g, OP_SUB);
      gen_emit_op(g, rd_chance(g, 50) ? OP_SHL : OP_SHR);
    }
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
    return;
  }
  uint32_t skip = gen_new_label(g);
  if (g->nloops) {
    gen_counter_test(g, &g->loops[rd_below(g, g->nloops)]);
    gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
  }
  gen_hazard_value(g);
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
  gen_place_label(g, skip);
}
