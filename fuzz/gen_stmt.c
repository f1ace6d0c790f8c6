/* gen_stmt.c: statements and blocks of them, drawn by weight in gen_stmt: assignments,
 * updates, global stores, array sets and appends, probes, prints, ifs (plain, and one
 * conditional jump reached three ways), calls, breaks, continues and early returns;
 * loops (gen_loop.c), kind changes (gen_retype.c), hazards (gen_hazard.c), protected
 * ranges with their handlers (gen_except.c), cells and closures (gen_closure.c) and
 * builtin calls (gen_builtin.c) are statements too. */
#include "gen_consts.h"
#include "gen_decide.h"
#include "gen_internal.h"

/* v = expr */
void gen_stmt_assign(Gen *g, bool global) {
  VarRef r;
  if (!gen_pick_var(g, C_ANY, 0, true, global ? W_GLOBAL : W_LOCAL, &r) && !gen_pick_var(g, C_ANY, 0, true, W_BOTH, &r)) {
    gen_expr(g, C_ANY, 0);
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
    return;
  }
  gen_value_for(g, gen_var_at(g, r));
  gen_emit_store(g, r);
}

/* v = v OP expr, by v's class; arrays get a guarded append. */
void gen_stmt_update(Gen *g, bool global) {
  VarRef r;
  if (!gen_pick_var(g, C_ANY, 0, true, global ? W_GLOBAL : W_LOCAL, &r)) {
    gen_stmt_assign(g, global);
    return;
  }
  Var *v = gen_var_at(g, r);
  switch (v->cls) {
  case C_INT: {
    static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_BAND, OP_BOR, OP_BXOR, OP_ADD, OP_SUB};
    gen_emit_load(g, r);
    switch (rd_below(g, 4)) {
    case 0:
      gen_shift_amount(g, 1);
      gen_emit_op(g, rd_chance(g, 50) ? OP_SHL : OP_SHR);
      break;
    case 1:
      gen_nonzero_int(g, 1);
      gen_emit_op(g, rd_chance(g, 50) ? OP_IDIV : OP_MOD);
      break;
    default:
      gen_expr(g, C_INT, 1);
      gen_emit_op(g, PICK(g, ops));
      break;
    }
    gen_emit_store(g, r);
    return;
  }
  case C_FLOAT:
  case C_NUM: {
    static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_ADD};
    gen_emit_load(g, r);
    if (rd_chance(g, 20)) {
      if (v->cls == C_NUM && rd_chance(g, 85))
        gen_emit_const(g, PICK(g, nonzero_int_divisors));
      else
        gen_emit_const(g, PICK(g, nonzero_divisors));
      gen_emit_op(g, rd_chance(g, 50) ? OP_IDIV : OP_MOD);
    } else {  /* a number variable stays an int with an int operand */
      gen_expr(g, v->cls == C_FLOAT || !rd_chance(g, 85) ? C_NUM : C_INT, 1);
      gen_emit_op(g, v->cls == C_FLOAT && rd_chance(g, 25) ? OP_DIV : PICK(g, ops));
    }
    gen_emit_store(g, r);
    return;
  }
  case C_STR:
    if (rd_chance(g, 50)) {
      gen_emit_load(g, r);
      gen_expr(g, C_STR, 1);
    } else {
      gen_expr(g, C_STR, 1);
      gen_emit_load(g, r);
    }
    gen_emit_op(g, OP_ADD);
    gen_emit_store(g, r);
    return;
  case C_ARR: {
    uint32_t skip = gen_new_label(g);
    gen_jump_unless_shorter(g, r, ARRAY_CAP, skip);
    gen_emit_load(g, r);
    gen_expr(g, C_NUM, 1);
    gen_emit_op(g, OP_APPEND);
    gen_place_label(g, skip);
    return;
  }
  case C_BOOL:
    gen_emit_load(g, r);
    if (rd_chance(g, 50)) {
      gen_emit_op(g, OP_NOT);
    } else {
      gen_expr(g, C_BOOL, 1);
      gen_emit_op(g, rd_chance(g, 50) ? OP_EQ : OP_NE);
    }
    gen_emit_store(g, r);
    return;
  default:
    gen_value_for(g, v);
    gen_emit_store(g, r);
    return;
  }
}

/* a[i mod len] = number */
static void stmt_array_set(Gen *g) {
  VarRef r;
  if (!gen_pick_var(g, C_ARR, 0, false, W_BOTH, &r)) {
    gen_stmt_assign(g, false);
    return;
  }
  gen_array_slot(g, r);
  gen_expr(g, C_NUM, 1);
  gen_emit_op(g, OP_SET);
}

/* An array shrunk where a loop indexes it (issue 15): either rotated (its first element
   removed, the length probed while it is one short, the element appended back), or its
   last element popped for good when it has more than one (arrays stay non-empty, which
   the `i mod len` indexing relies on; guarded appends regrow them). */
void gen_stmt_shrink(Gen *g) {
  VarRef r;
  if (gen_pick_var(g, C_ARR, 0, false, W_LOCAL, &r)) gen_shrink_array(g, r, rd_chance(g, 50));
}

void gen_shrink_array(Gen *g, VarRef r, bool rotate) {
  if (rotate) {
    gen_emit_load(g, r);
    gen_emit_int(g, OP_PUSH_INT, 0);
    gen_emit_op(g, OP_ARRAY_REMOVE);
    gen_emit_load(g, r);
    gen_emit_op(g, OP_LEN);
    gen_emit_op(g, OP_PROBE);
    gen_emit_load(g, r);
    gen_emit_op(g, OP_SWAP);
    gen_emit_op(g, OP_APPEND);
  } else {
    uint32_t skip = gen_new_label(g);
    gen_emit_load(g, r);
    gen_emit_op(g, OP_LEN);
    gen_emit_int(g, OP_PUSH_INT, 1);
    gen_emit_op(g, OP_GT);
    gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
    gen_emit_load(g, r);
    gen_emit_op(g, OP_ARRAY_POP);
    gen_emit_op(g, OP_PROBE);
    gen_place_label(g, skip);
  }
  g->shape.probes++;
}

static void stmt_probe(Gen *g) {
  VarRef r;
  if (rd_chance(g, 50) && gen_pick_var(g, C_ANY, 0, false, W_BOTH, &r))
    gen_emit_load(g, r);
  else
    gen_expr(g, C_ANY, 0);
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
}

static void stmt_print(Gen *g) {
  static const Cls printable[] = {C_INT, C_FLOAT, C_NUM, C_BOOL};
  if (rd_chance(g, 20))
    gen_emit_const(g, PICK(g, str_consts));
  else
    gen_expr(g, PICK(g, printable), 0);
  gen_emit_op(g, OP_PRINT);
  g->output_left -= PRINT_BYTES * g->mult;
}

/* Pushes a condition; most are comparisons, which t1 fuses with the jump that follows. */
void gen_cond(Gen *g) {
  switch (rd_below(g, 8)) {
  case 0: case 1: case 2: {
    VarRef r;
    if (g->nloops && rd_chance(g, 40)) {  /* the innermost counter against a constant */
      const LoopCtx *l = &g->loops[g->nloops - 1];
      gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
      if (l->is_float)
        gen_emit_const_float(g, l->start + l->step * (int32_t)rd_below(g, l->iters));
      else
        gen_emit_int(g, OP_PUSH_INT, l->start + l->step * (int32_t)rd_below(g, l->iters));
    } else if (gen_pick_var(g, C_NUM, 0, false, W_BOTH, &r)) {
      gen_emit_load(g, r);
      gen_expr(g, C_NUM, 1);
    } else {
      gen_expr(g, C_NUM, 1);
      gen_expr(g, C_NUM, 1);
    }
    gen_emit_op(g, PICK(g, cmp_ops));
    return;
  }
  case 3: gen_expr(g, C_BOOL, 0); return;
  case 4: {  /* a parity test on an int: every other iteration */
    gen_expr(g, C_INT, 1);
    gen_emit_int(g, OP_PUSH_INT, 2 + rd_below(g, 3));
    gen_emit_op(g, OP_MOD);
    return;
  }
  case 5: {  /* truthiness of any kind, a map's too (empty or not) */
    VarRef m;
    if (g->maps_on && rd_chance(g, 25) && gen_pick_var(g, C_MAP, 0, false, W_LOCAL, &m))
      gen_emit_load(g, m);
    else
      gen_expr(g, C_ANY, 1);
    return;
  }
  default:
    gen_expr(g, C_NUM, 1);
    gen_expr(g, C_NUM, 1);
    gen_emit_op(g, PICK(g, cmp_ops));
    return;
  }
}

uint32_t gen_sub_block_stmts(Gen *g) { return g->block_depth >= MAX_BLOCK_DEPTH ? 1 : 3; }

/* if cond: A [else: B], the jump on false or on true. */
static void stmt_if(Gen *g) {
  uint32_t els = gen_new_label(g), end = gen_new_label(g);
  gen_cond(g);
  gen_emit_jump(g, rd_chance(g, 30) ? OP_JUMP_IF_TRUE : OP_JUMP_IF_FALSE, els);
  g->block_depth++;
  gen_block(g, gen_sub_block_stmts(g));
  if (rd_chance(g, 50) && gen_room_for_stmt(g)) {
    gen_emit_jump(g, OP_JUMP, end);
    gen_place_label(g, els);
    gen_block(g, gen_sub_block_stmts(g));
    gen_place_label(g, end);
  } else {
    gen_place_label(g, els);
  }
  g->block_depth--;
}

/* One conditional jump reached three ways, chosen by the iteration in a loop: a bool from
   a comparison that is not fused (a jump follows it), an int jumped in, and a comparison
   that falls into it (t1 fuses that one with the jump). So the jump itself, run unfused,
   sees bools and ints in turn: jump_if_false_bool specializes and deopts. */
static void stmt_shared_jump(Gen *g) {
  uint32_t p2 = gen_new_label(g), p3 = gen_new_label(g), shared = gen_new_label(g);
  uint32_t els = gen_new_label(g), end = gen_new_label(g);
  const LoopCtx *l = g->nloops && !g->loops[g->nloops - 1].is_float ? &g->loops[g->nloops - 1] : NULL;
  uint32_t m = 2 + rd_below(g, 3);
  for (uint32_t path = 0; path < 2; path++) {
    if (l) {  /* counter % m == path */
      gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
      gen_emit_int(g, OP_PUSH_INT, m);
      gen_emit_op(g, OP_MOD);
      gen_emit_int(g, OP_PUSH_INT, path);
      gen_emit_op(g, OP_EQ);
    } else {
      gen_cond(g);
    }
    gen_emit_jump(g, OP_JUMP_IF_FALSE, path == 0 ? p2 : p3);
    if (path == 0) {
      gen_expr(g, C_NUM, 1);
      gen_expr(g, C_NUM, 1);
      gen_emit_op(g, PICK(g, cmp_ops));
    } else {
      gen_expr(g, rd_chance(g, 75) ? C_INT : C_ANY, 1);
    }
    gen_emit_jump(g, OP_JUMP, shared);
    gen_place_label(g, path == 0 ? p2 : p3);
  }
  gen_expr(g, C_NUM, 1);
  gen_expr(g, C_NUM, 1);
  gen_emit_op(g, PICK(g, cmp_ops));
  gen_place_label(g, shared);
  gen_emit_jump(g, rd_chance(g, 50) ? OP_JUMP_IF_TRUE : OP_JUMP_IF_FALSE, els);
  g->block_depth++;
  gen_block(g, gen_sub_block_stmts(g));
  gen_emit_jump(g, OP_JUMP, end);
  gen_place_label(g, els);
  gen_block(g, gen_sub_block_stmts(g));
  gen_place_label(g, end);
  g->block_depth--;
}

/* A call whose result is dropped, stored or probed. */
static void stmt_call(Gen *g) {
  VarRef r;
  if (rd_chance(g, 50) && gen_pick_var(g, C_ANY, 0, true, W_BOTH, &r) && gen_var_at(g, r)->cls != C_FUNC &&
      gen_call(g, gen_var_at(g, r)->cls, 0)) {
    gen_emit_store(g, r);
    return;
  }
  if (!gen_call(g, C_ANY, 0)) {
    gen_stmt_assign(g, false);
    return;
  }
  if (rd_chance(g, 50)) {
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
  } else {
    gen_emit_op(g, OP_POP);
  }
}

/* break or continue, on a condition. */
static void stmt_break(Gen *g) {
  const LoopCtx *l = &g->loops[g->nloops - 1];
  bool brk = rd_chance(g, 50);
  if (rd_chance(g, 60))
    gen_counter_test(g, l);
  else
    gen_cond(g);
  gen_emit_jump(g, OP_JUMP_IF_TRUE, brk ? l->brk : l->cont);
  if (brk) g->loops[g->nloops - 1].brk_used = true;
}

/* if cond: return value */
static void stmt_return(Gen *g) {
  uint32_t skip = gen_new_label(g);
  if (g->nloops)  /* from some iteration on: the loop ran hot before */
    gen_counter_test(g, &g->loops[g->nloops - 1]);
  else
    gen_cond(g);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
  gen_expr(g, g->fn->sig.ret, 0);  /* main's is any class */
  gen_emit_op(g, OP_RETURN);
  gen_place_label(g, skip);
}

enum {
  ST_ASSIGN, ST_UPDATE, ST_GLOBAL, ST_GLOBAL_UPDATE, ST_ARRAY_SET, ST_PROBE, ST_PRINT, ST_IF, ST_SHARED,
  ST_LOOP, ST_CALL, ST_RETYPE, ST_BREAK, ST_RETURN, ST_HAZARD, ST_OBJECT, ST_MAP, ST_TRY, ST_CLOSURE, ST_BUILTIN,
  ST__COUNT
};

static void gen_stmt(Gen *g) {
  bool in_loop = g->nloops > 0;
  bool nested_ok = g->block_depth < MAX_BLOCK_DEPTH;
  uint32_t w[ST__COUNT] = {0};
  w[ST_ASSIGN] = 20;
  w[ST_UPDATE] = 22;
  w[ST_GLOBAL] = g->nglobals ? (in_loop ? 10 : 4) : 0;
  w[ST_GLOBAL_UPDATE] = g->nglobals ? (in_loop ? 10 : 3) : 0;
  w[ST_ARRAY_SET] = 6;
  w[ST_PROBE] = 8;
  /* Only main prints: a function's output would multiply by its callers' loops. */
  w[ST_PRINT] = g->is_main && g->output_left >= PRINT_BYTES * g->mult ? 2 : 0;
  w[ST_IF] = nested_ok ? 12 : 0;
  w[ST_SHARED] = nested_ok ? 4 : 0;
  w[ST_LOOP] = nested_ok && g->nloops < MAX_LOOP_DEPTH ? 14 : 0;
  w[ST_CALL] = g->nfuncs ? 10 : 0;
  w[ST_RETYPE] = in_loop ? 14 : 0;
  w[ST_BREAK] = in_loop ? 3 : 0;
  w[ST_RETURN] = g->block_depth > 0 ? (g->is_main ? 1 : 2) : 0;
  w[ST_HAZARD] = g->hazards ? (in_loop ? 16 : 1) : 0;
  w[ST_OBJECT] = g->obj.on ? (in_loop ? 16 : 5) : 0;
  w[ST_MAP] = g->maps_on ? (in_loop ? 10 : 4) : 0;
  w[ST_TRY] = g->except_on && nested_ok && g->ntries < MAX_TRY_DEPTH ? (in_loop ? 8 : 4) : 0;
  w[ST_CLOSURE] = g->closures_on ? (in_loop ? 8 : 2) : 0;
  w[ST_BUILTIN] = g->builtins_on ? (in_loop ? 8 : 3) : 0;
  switch (rd_pick(g, w, ST__COUNT)) {
  case ST_ASSIGN: gen_stmt_assign(g, false); break;
  case ST_UPDATE: gen_stmt_update(g, false); break;
  case ST_GLOBAL: gen_stmt_assign(g, true); break;
  case ST_GLOBAL_UPDATE: gen_stmt_update(g, true); break;
  case ST_ARRAY_SET: stmt_array_set(g); break;
  case ST_PROBE: stmt_probe(g); break;
  case ST_PRINT: stmt_print(g); break;
  case ST_IF: stmt_if(g); break;
  case ST_SHARED: stmt_shared_jump(g); break;
  case ST_LOOP:
    if (!gen_loop(g, false)) gen_stmt_update(g, false);
    break;
  case ST_CALL: stmt_call(g); break;
  case ST_RETYPE: gen_stmt_retype(g); break;
  case ST_BREAK: stmt_break(g); break;
  case ST_RETURN: stmt_return(g); break;
  case ST_HAZARD: gen_stmt_hazard(g); break;
  case ST_OBJECT: gen_stmt_object(g); break;
  case ST_MAP: gen_stmt_map(g); break;
  case ST_TRY: gen_stmt_try(g); break;
  case ST_CLOSURE: gen_stmt_closure(g); break;
  case ST_BUILTIN: gen_stmt_builtin(g); break;
  default: UNREACHABLE();
  }
}

/* min_stmts to max_stmts statements, fewer when the budget or the size cap runs out. */
void gen_block_n(Gen *g, uint32_t min_stmts, uint32_t max_stmts) {
  uint32_t n = min_stmts + rd_below(g, max_stmts - min_stmts + 1);
  for (uint32_t i = 0; i < n && gen_room_for_stmt(g); i++) gen_stmt(g);
}

/* 1 to max_stmts statements, fewer when the budget or the size cap runs out. */
void gen_block(Gen *g, uint32_t max_stmts) {
  uint32_t n = 1 + rd_below(g, max_stmts);
  for (uint32_t i = 0; i < n && gen_room_for_stmt(g); i++) gen_stmt(g);
}
