/* gen_retype.c: kind changes: from iteration k of an enclosing loop on, a variable gets
 * a value of another kind within its class, then an operation specialized on the old
 * kind uses it every iteration, so t1 deopts. */
#include "gen_decide.h"
#include "gen_internal.h"

/* Uses variable r in an operation that t1 specializes on its kind, and probes the result:
   every iteration runs it, so after a kind change it deopts. */
void gen_retype_use(Gen *g, VarRef r) {
  const Var *v = gen_var_at(g, r);
  switch (v->cls) {
  case C_NUM: {  /* with itself or an int: the form fits the old kind exactly */
    static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_LT, OP_GE, OP_EQ, OP_NE, OP_NEG, OP_IDIV, OP_MOD};
    Opcode op = PICK(g, ops);
    gen_emit_load(g, r);
    if (op == OP_IDIV || op == OP_MOD)
      gen_emit_int(g, OP_PUSH_INT, 1 + rd_below(g, 9));
    else if (op == OP_NEG)
      ;
    else if (rd_chance(g, 50))
      gen_emit_op(g, OP_DUP);
    else
      gen_small_int(g);
    gen_emit_op(g, op);
    break;
  }
  case C_ANY:  /* a bool at first, mostly */
    gen_emit_load(g, r);
    gen_emit_op(g, OP_NOT);
    break;
  case C_SEQ:
    gen_emit_load(g, r);
    if (rd_chance(g, 50)) {
      gen_emit_op(g, OP_LEN);
    } else {
      gen_emit_op(g, OP_DUP);
      gen_emit_op(g, OP_LEN);
      gen_expr(g, C_INT, 1);
      gen_emit_op(g, OP_SWAP);
      gen_emit_op(g, OP_MOD);
      gen_emit_op(g, OP_GET);
    }
    break;
  case C_ARR:
    gen_emit_load(g, r);
    gen_emit_int(g, OP_PUSH_INT, 0);
    gen_emit_op(g, OP_GET);
    gen_emit_op(g, OP_DUP);
    gen_emit_op(g, rd_chance(g, 50) ? OP_ADD : OP_MUL);
    break;
  case C_FUNC: {
    int f = gen_pick_func_of_sig(g, v->sig);
    if (f >= 0 && gen_fits(g, gen_sig_cost(g, v->sig) + 12)) {
      const FuncInfo *fi = &g->funcs[f];
      gen_emit_load(g, r);
      for (uint32_t a = 0; a < fi->sig.nparams; a++) gen_expr(g, fi->sig.params[a], 1);
      gen_emit_int(g, OP_CALL, fi->sig.nparams);
      g->spent += g->mult * gen_sig_cost(g, v->sig);
      g->shape.calls++;
    } else {
      gen_emit_load(g, r);
    }
    break;
  }
  default: gen_emit_load(g, r); break;
  }
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
}

/* Number variable r = [r, a value of another kind][the counter test]: from iteration k
   on, the kind changes without a branch, so a trace built before runs on through the
   change (the value stored has the kind `get` gives: any), and its loop kinds must not
   include r (docs/tier2.md, the optimizer's loop kinds). */
static void retype_select(Gen *g, const LoopCtx *l, VarRef r) {
  gen_emit_load(g, r);
  gen_expr(g, rd_chance(g, 90) ? C_FLOAT : C_INT, 1);
  gen_emit_int(g, OP_ARRAY_NEW, 2);
  gen_counter_test(g, l);
  gen_emit_op(g, OP_TO_INT);
  gen_emit_op(g, OP_GET);
  gen_emit_store(g, r);
}

/* The overwrite hazard, in programs with kind changes made without a branch: before a
   loop of at least 16 iterations (half of them), a local of its own holding true, whose
   index is answered, or -1. */
int32_t gen_retype_overwrite_before(Gen *g, uint32_t iters) {
  uint16_t r;
  if (!g->retype_select || iters < 16 || !rd_chance(g, 50) || g->insns + 16 > g->static_cap || !gen_new_local(g, C_ANY, &r))
    return -1;
  gen_emit_op(g, OP_PUSH_TRUE);
  gen_emit_int(g, OP_STORE_LOCAL, r);
  return r;
}

/* In loop l's body: local r (gen_retype_overwrite_before) used by an operation t1
   specializes on a bool, then r = [a bool, a string made now][l's counter has passed a
   quarter of its iterations]. From then on, the use meets the string the last iteration
   stored and its guard exits, often enough for a side trace, and the store overwrites
   that string without reading r first: a side trace from the guard's exit must release
   it, so it may begin knowing only what held before the guard (docs/tier2.md, the
   optimizer's exit kinds). Only this statement touches r (never ready). */
void gen_retype_overwrite(Gen *g, const LoopCtx *l, uint16_t r) {
  gen_emit_int(g, OP_LOAD_LOCAL, r);
  gen_emit_op(g, OP_NOT);
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
  gen_expr(g, C_BOOL, 1);
  gen_small_int(g);
  gen_emit_op(g, OP_TO_STR);
  gen_emit_int(g, OP_ARRAY_NEW, 2);
  gen_counter_past_quarter(g, l);
  gen_emit_op(g, OP_TO_INT);
  gen_emit_op(g, OP_GET);
  gen_emit_int(g, OP_STORE_LOCAL, r);
}

/* From iteration k of an enclosing loop on, a variable gets a value of another kind
   within its class (int to float, array to string, another function, a float element);
   then it is used, every iteration, by an operation specialized on the old kind. In
   programs with retype_select, most changes of a number in a local are made without a
   branch. */
void gen_stmt_retype(Gen *g) {
  const LoopCtx *l = &g->loops[rd_below(g, g->nloops)];
  VarRef cand[2 * (MAX_LOCALS + MAX_GLOBALS)];
  uint32_t n = 0;
  for (uint32_t i = 0; i < g->nlocals + g->nglobals; i++) {
    VarRef r = i < g->nlocals ? (VarRef){(uint16_t)i, false} : (VarRef){(uint16_t)(i - g->nlocals), true};
    const Var *v = gen_var_at(g, r);
    if (!v->ready) continue;
    if (v->cls == C_ARR || (!v->readonly && (v->cls == C_NUM || v->cls == C_SEQ || v->cls == C_ANY ||
                                             (v->cls == C_FUNC && gen_pick_func_of_sig(g, v->sig) >= 0)))) {
      cand[n++] = r;
      if (v->cls == C_NUM && n < ARRAY_LEN(cand)) cand[n++] = r;  /* numbers twice as often */
    }
  }
  if (n == 0) {
    gen_stmt_update(g, false);
    return;
  }
  VarRef r = cand[rd_below(g, n)];
  const Var *v = gen_var_at(g, r);
  if (v->cls == C_NUM && !r.global && g->retype_select && rd_chance(g, 75)) {  /* loop kinds are locals' */
    /* The use comes first: the next iteration reads what this one stored, with no guard
       on it in between that would leave the trace before the back edge. */
    gen_retype_use(g, r);
    retype_select(g, l, r);
    return;
  }
  uint32_t skip = gen_new_label(g);
  gen_counter_test(g, l);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
  switch (v->cls) {
  case C_NUM:
    gen_expr(g, rd_chance(g, 90) ? C_FLOAT : C_INT, 1);
    gen_emit_store(g, r);
    break;
  case C_SEQ:
    switch (rd_below(g, 8)) {
    case 0: case 1: case 2: case 3:
      gen_emit_load(g, r);
      gen_emit_op(g, OP_TO_STR);  /* an array becomes its text; a string stays itself */
      break;
    case 7: gen_expr(g, C_ARR, 1); break;
    default: gen_expr(g, C_STR, 1); break;
    }
    gen_emit_store(g, r);
    break;
  case C_ANY:
    gen_expr(g, rd_chance(g, 80) ? C_NUM : C_ANY, 1);
    gen_emit_store(g, r);
    break;
  case C_ARR:  /* element 0, which the use below reads */
    gen_emit_load(g, r);
    gen_emit_int(g, OP_PUSH_INT, 0);
    gen_expr(g, rd_chance(g, 75) ? C_FLOAT : C_INT, 1);
    gen_emit_op(g, OP_SET);
    break;
  case C_FUNC:
    gen_func_value(g, v->sig, v->func);
    gen_emit_store(g, r);
    break;
  default:
    gen_value_for(g, gen_var_at(g, r));
    gen_emit_store(g, r);
    break;
  }
  gen_place_label(g, skip);
  gen_retype_use(g, r);
}
