/* gen_expr.c: expressions of a wanted class (leaves, operations on ints, floats,
 * numbers, bools, strings and arrays, indexing, calls), and values for variables.
 *
 *   gen_expr(want) --leaf--> constant | variable
 *                  --op----> gen_int_op | gen_float_op | ... --> gen_expr, operands
 *                  --call--> an earlier function, directly or through a variable
 *                  --builtin--> gen_builtin_expr (builtins_on programs) */
#include "gen_consts.h"
#include "gen_decide.h"
#include "gen_internal.h"

void gen_small_int(Gen *g) {
  if (rd_chance(g, 50))
    gen_emit_int(g, OP_PUSH_INT, small_ints[rd_below(g, ARRAY_LEN(small_ints))]);
  else
    gen_emit_int(g, OP_PUSH_INT, (int)rd_below(g, 600) - 300);
}

void gen_use_number(Gen *g, bool ints) {
  static const Opcode int_ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_BXOR, OP_BAND};
  switch (rd_below(g, 6)) {
  case 0:
  case 1:
    gen_small_int(g);
    gen_emit_op(g, ints ? PICK(g, int_ops) : int_ops[rd_below(g, 3)]);
    return;
  case 2:
    gen_emit_op(g, OP_DUP);
    gen_emit_op(g, rd_chance(g, 50) ? OP_ADD : OP_MUL);
    return;
  case 3:
    gen_small_int(g);
    gen_emit_op(g, PICK(g, cmp_ops));
    return;
  case 4: gen_emit_op(g, OP_NEG); return;
  default: return;
  }
}

/* A leaf of class want (a constant or a variable). */
void gen_leaf(Gen *g, Cls want) {
  VarRef r;
  if (want != C_ANY && rd_below(g, 8) < 5 && gen_pick_var(g, want, 0, false, W_BOTH, &r)) {
    gen_emit_load(g, r);
    return;
  }
  switch (want) {
  case C_INT:
    if (rd_chance(g, 30))
      gen_emit_const(g, PICK(g, int_edges));
    else
      gen_small_int(g);
    return;
  case C_FLOAT: gen_emit_const(g, PICK(g, float_edges)); return;
  case C_NUM: gen_leaf(g, rd_chance(g, 50) ? C_FLOAT : C_INT); return;
  case C_BOOL: gen_emit_op(g, rd_chance(g, 50) ? OP_PUSH_TRUE : OP_PUSH_FALSE); return;
  case C_STR: gen_emit_const(g, PICK(g, str_consts)); return;
  case C_ARR: {
    uint32_t n = 1 + rd_below(g, 3);
    for (uint32_t i = 0; i < n; i++) gen_leaf(g, g->prologue || rd_chance(g, 60) ? C_INT : C_NUM);
    gen_emit_int(g, OP_ARRAY_NEW, n);
    return;
  }
  case C_SEQ: gen_leaf(g, rd_chance(g, 50) ? C_ARR : C_STR); return;
  case C_ANY:
    if (gen_pick_var(g, C_ANY, 0, false, W_BOTH, &r) && rd_chance(g, 50)) {
      gen_emit_load(g, r);
      return;
    }
    switch (rd_below(g, 8)) {
    case 0: gen_leaf(g, C_INT); return;
    case 1: gen_leaf(g, C_FLOAT); return;
    case 2: gen_leaf(g, C_BOOL); return;
    case 3: gen_leaf(g, C_STR); return;
    case 4: gen_leaf(g, C_ARR); return;
    case 5: gen_emit_op(g, OP_PUSH_NIL); return;
    case 6:
      if (g->nfuncs) {
        gen_emit_int(g, OP_PUSH_FUNC, rd_below(g, g->nfuncs));
        return;
      }
      gen_leaf(g, C_INT);
      return;
    default: gen_leaf(g, C_NUM); return;
    }
  case C_OBJ: gen_object_new(g); return;
  case C_MAP: gen_map_new(g); return;
  case C_FUNC:
  case C_CELL:
  case C_CLOS:
  case C_BUILTIN:
  case C__COUNT: break;
  }
  UNREACHABLE();
}

/* An int that is never zero: x | 1, or a nonzero constant. */
void gen_nonzero_int(Gen *g, int depth) {
  switch (rd_below(g, 3)) {
  case 0: gen_emit_int(g, OP_PUSH_INT, (int)rd_below(g, 40) + 1); return;
  case 1:
    gen_expr(g, C_INT, depth);
    gen_emit_int(g, OP_PUSH_INT, 1);
    gen_emit_op(g, OP_BOR);
    return;
  default: gen_emit_const(g, PICK(g, nonzero_int_divisors)); return;
  }
}

/* A shift amount in 0..70 (so both < 64 and >= 64 occur), never negative. */
void gen_shift_amount(Gen *g, int depth) {
  if (rd_chance(g, 70)) {
    gen_emit_int(g, OP_PUSH_INT, rd_below(g, 71));
  } else {
    gen_expr(g, C_INT, depth);
    gen_emit_int(g, OP_PUSH_INT, 63);
    gen_emit_op(g, OP_BAND);
  }
}

/* container i -> element, with the index reduced into range: the container is a
   variable (loaded twice) or any expression (dup, len, swap). */
static void gen_index_into(Gen *g, Cls container, int depth) {
  VarRef r;
  if (rd_chance(g, 60) && gen_pick_var(g, container, 0, false, W_LOCAL, &r)) {
    gen_emit_load(g, r);  /* a local: no call in the index can rebind it */
    gen_expr(g, C_INT, depth);
    gen_emit_load(g, r);
    gen_emit_op(g, OP_LEN);
    gen_emit_op(g, OP_MOD);
  } else {
    gen_expr(g, container, depth);
    gen_emit_op(g, OP_DUP);
    gen_emit_op(g, OP_LEN);
    gen_expr(g, C_INT, depth);
    gen_emit_op(g, OP_SWAP);
    gen_emit_op(g, OP_MOD);
  }
  gen_emit_op(g, OP_GET);
}

/* Pushes array variable r and an index into it, in range (for set). */
void gen_array_slot(Gen *g, VarRef r) {
  gen_emit_load(g, r);
  if (r.global) {  /* a call in the index could rebind a global: measure the array pushed */
    gen_emit_op(g, OP_DUP);
    gen_emit_op(g, OP_LEN);
    gen_expr(g, C_INT, 1);
    gen_emit_op(g, OP_SWAP);
  } else {
    gen_expr(g, C_INT, 1);
    gen_emit_load(g, r);
    gen_emit_op(g, OP_LEN);
  }
  gen_emit_op(g, OP_MOD);
}

/* A call to an earlier function returning a class within want; false if none fits. */
bool gen_call(Gen *g, Cls want, int depth) {
  if (g->prologue) return false;
  int cand[MAX_FUNCS], n = 0;
  for (uint32_t i = 0; i < g->nfuncs; i++)
    if (cls_within(g->funcs[i].sig.ret, want) && gen_fits(g, gen_call_cost(&g->funcs[i]) + 12)) cand[n++] = (int)i;
  if (n == 0) return false;
  const FuncInfo *f = &g->funcs[cand[rd_below(g, (uint32_t)n)]];
  uint32_t fi = (uint32_t)(f - g->funcs);
  VarRef fv;
  uint64_t cost = gen_call_cost(f);
  if (!f->recursive && rd_chance(g, 35) && gen_pick_var(g, C_FUNC, f->sig_id, false, W_BOTH, &fv) &&
      gen_fits(g, gen_sig_cost(g, f->sig_id) + 12)) {
    gen_emit_load(g, fv);  /* the callee is whichever function of this signature fv holds now */
    cost = gen_sig_cost(g, f->sig_id);
  } else {
    gen_emit_int(g, OP_PUSH_FUNC, fi);
  }
  for (uint32_t a = 0; a < f->sig.nparams; a++) {
    if (f->recursive && a == 0)
      gen_emit_int(g, OP_PUSH_INT, rd_below(g, f->max_depth + 1u));
    else
      gen_expr(g, f->sig.params[a], depth + 1);
  }
  gen_emit_int(g, OP_CALL, f->sig.nparams);
  g->spent += g->mult * cost;
  g->shape.calls++;
  return true;
}

static void gen_int_op(Gen *g, int depth) {
  if (g->obj.on && rd_chance(g, 20) && gen_object_int(g)) return;
  if (g->builtins_on && rd_chance(g, 10) && gen_builtin_expr(g, C_INT, depth)) return;
  switch (rd_below(g, 10)) {
  case 0: case 1: case 2: {
    static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_BAND, OP_BOR, OP_BXOR};
    gen_expr(g, C_INT, depth);
    gen_expr(g, C_INT, depth);
    gen_emit_op(g, PICK(g, ops));
    return;
  }
  case 3:
    gen_expr(g, C_INT, depth);
    gen_shift_amount(g, depth);
    gen_emit_op(g, rd_chance(g, 50) ? OP_SHR : OP_SHL);
    return;
  case 4:
    gen_expr(g, C_INT, depth);
    gen_nonzero_int(g, depth);
    gen_emit_op(g, rd_chance(g, 50) ? OP_MOD : OP_IDIV);
    return;
  case 5:
    gen_expr(g, C_INT, depth);
    gen_emit_op(g, rd_chance(g, 50) ? OP_BNOT : OP_NEG);
    return;
  case 6:
    gen_expr(g, rd_chance(g, 50) ? C_SEQ : (rd_chance(g, 50) ? C_ARR : C_STR), depth);
    gen_emit_op(g, OP_LEN);
    return;
  case 7:
    switch (rd_below(g, 3)) {
    case 0: gen_expr(g, C_BOOL, depth); break;
    case 1: gen_emit_const(g, PICK(g, numeric_strs)); break;
    default: gen_expr(g, C_INT, depth); break;
    }
    gen_emit_op(g, OP_TO_INT);
    return;
  default:
    if (!gen_call(g, C_INT, depth)) gen_leaf(g, C_INT);
    return;
  }
}

static void gen_float_op(Gen *g, int depth) {
  if (g->builtins_on && rd_chance(g, 12) && gen_builtin_expr(g, C_FLOAT, depth)) return;
  switch (rd_below(g, 7)) {
  case 0:
    gen_expr(g, rd_chance(g, 70) ? C_INT : C_NUM, depth);
    gen_emit_op(g, OP_TO_FLOAT);
    return;
  case 1:
    gen_expr(g, C_NUM, depth);
    gen_expr(g, C_NUM, depth);
    gen_emit_op(g, OP_DIV);
    return;
  case 2: case 3: {
    static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL};
    bool left = rd_chance(g, 50);
    gen_expr(g, left ? C_FLOAT : C_NUM, depth);
    gen_expr(g, left ? C_NUM : C_FLOAT, depth);
    gen_emit_op(g, PICK(g, ops));
    return;
  }
  case 4:
    gen_expr(g, C_FLOAT, depth);
    gen_emit_op(g, OP_NEG);
    return;
  case 5:
    gen_expr(g, C_FLOAT, depth);
    gen_emit_const(g, PICK(g, nonzero_divisors));
    gen_emit_op(g, rd_chance(g, 50) ? OP_MOD : OP_IDIV);
    return;
  default:
    if (!gen_call(g, C_FLOAT, depth)) gen_leaf(g, C_FLOAT);
    return;
  }
}

static void gen_num_op(Gen *g, int depth) {
  if (g->builtins_on && rd_chance(g, 12) && gen_builtin_expr(g, C_NUM, depth)) return;
  switch (rd_below(g, 8)) {
  case 0: gen_int_op(g, depth); return;
  case 1: gen_float_op(g, depth); return;
  case 2: case 3: {
    static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL};
    gen_expr(g, C_NUM, depth);
    gen_expr(g, C_NUM, depth);
    gen_emit_op(g, PICK(g, ops));
    return;
  }
  case 4:
    gen_expr(g, C_NUM, depth);
    gen_emit_op(g, OP_NEG);
    return;
  case 5: gen_index_into(g, C_ARR, depth); return;
  case 6:
    gen_expr(g, C_NUM, depth);
    gen_emit_const(g, PICK(g, nonzero_divisors));
    gen_emit_op(g, rd_chance(g, 50) ? OP_MOD : OP_IDIV);
    return;
  default:
    if (!gen_call(g, C_NUM, depth)) gen_leaf(g, C_NUM);
    return;
  }
}

static void gen_bool_op(Gen *g, int depth) {
  switch (rd_below(g, 6)) {
  case 0: case 1:
    gen_expr(g, C_NUM, depth);
    gen_expr(g, C_NUM, depth);
    gen_emit_op(g, PICK(g, cmp_ops));
    return;
  case 2:
    gen_expr(g, C_STR, depth);
    gen_expr(g, C_STR, depth);
    gen_emit_op(g, PICK(g, cmp_ops));
    return;
  case 3:
    gen_expr(g, C_ANY, depth);
    gen_expr(g, C_ANY, depth);
    gen_emit_op(g, rd_chance(g, 50) ? OP_EQ : OP_NE);
    return;
  case 4:
    gen_expr(g, rd_chance(g, 50) ? C_BOOL : C_ANY, depth);
    gen_emit_op(g, OP_NOT);
    return;
  default:
    if (!gen_call(g, C_BOOL, depth)) gen_leaf(g, C_BOOL);
    return;
  }
}

static void gen_str_op(Gen *g, int depth) {
  if (g->builtins_on && rd_chance(g, 10) && gen_builtin_expr(g, C_STR, depth)) return;
  switch (rd_below(g, 5)) {
  case 0: {
    /* Not of strings, so that only string variables grow strings (and are reset); an
       array holds at most ARRAY_CAP numbers, so its text stays short. */
    static const Cls renderable[] = {C_INT, C_FLOAT, C_NUM, C_BOOL, C_ARR};
    gen_expr(g, PICK(g, renderable), depth);
    gen_emit_op(g, OP_TO_STR);
    return;
  }
  case 1: case 2:
    gen_expr(g, C_STR, depth);
    gen_expr(g, C_STR, depth);
    gen_emit_op(g, OP_ADD);
    return;
  case 3: gen_index_into(g, C_STR, depth); return;
  default:
    if (!gen_call(g, C_STR, depth)) gen_leaf(g, C_STR);
    return;
  }
}

/* A new array: of ints mostly (so a float stored later changes an element's kind). */
static void gen_arr_op(Gen *g, int depth) {
  if (rd_chance(g, 20) && gen_call(g, C_ARR, depth)) return;
  uint32_t n = 1 + rd_below(g, 5);
  Cls elem = g->prologue || rd_chance(g, 60) ? C_INT : C_NUM;
  for (uint32_t i = 0; i < n; i++) gen_expr(g, elem, depth);
  gen_emit_int(g, OP_ARRAY_NEW, n);
}

/* Pushes one value whose kind is within want (unless chaos says otherwise). */
void gen_expr(Gen *g, Cls want, int depth) {
  /* Chaos: an operand of any class, so an operation may meet a kind it rejects. */
  if (g->chaos > 1 && depth > 0 && !g->prologue && rd_chance(g, g->chaos == 2 ? 1 : 3)) want = C_ANY;
  if (depth >= MAX_EXPR_DEPTH || !gen_fits(g, 12) || rd_below(g, 4) == 0) {
    gen_leaf(g, want);
    return;
  }
  depth++;
  switch (want) {
  case C_INT: gen_int_op(g, depth); break;
  case C_FLOAT: gen_float_op(g, depth); break;
  case C_NUM: gen_num_op(g, depth); break;
  case C_BOOL: gen_bool_op(g, depth); break;
  case C_STR: gen_str_op(g, depth); break;
  case C_ARR: gen_arr_op(g, depth); break;
  case C_SEQ:
    if (rd_chance(g, 50))
      gen_str_op(g, depth);
    else
      gen_arr_op(g, depth);
    break;
  case C_ANY: {
    static const Cls any[] = {C_INT, C_FLOAT, C_NUM, C_BOOL, C_STR, C_ARR, C_SEQ};
    gen_expr(g, PICK(g, any), depth);
    return;  /* the probe below was the inner expression's to take */
  }
  case C_OBJ:
  case C_MAP:
  case C_FUNC:
  case C_CELL:
  case C_CLOS:
  case C_BUILTIN:
  case C__COUNT: UNREACHABLE();
  }
  /* A probe on an intermediate value, so a divergence shows where it happens. */
  if (rd_chance(g, 6)) {
    gen_emit_op(g, OP_DUP);
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
  }
}

/* A function value of signature sig (there is at least one function with it), another
   than function avoid when there is one (-1: any). Returns the function's index. */
int gen_func_value(Gen *g, uint8_t sig, int avoid) {
  int cand[MAX_FUNCS], n = 0;
  for (uint32_t i = 0; i < g->nfuncs; i++)
    if (g->funcs[i].sig_id == sig && !g->funcs[i].recursive && (int)i != avoid) cand[n++] = (int)i;
  int f = n ? cand[rd_below(g, (uint32_t)n)] : gen_pick_func_of_sig(g, sig);
  ASSERT(f >= 0, "a function variable's signature has a function");
  gen_emit_int(g, OP_PUSH_FUNC, f);
  return f;
}

/* A value for variable v: of its class (a function variable: a function of its sig).
   A class's usual kind comes first: numbers get ints, arrays-or-strings arrays, and
   any-class variables bools (always at first, often later), so that the kind changes
   of gen_stmt_retype (to floats, to strings, to other kinds) are changes that deopt. */
void gen_value_for(Gen *g, Var *v) {
  uint32_t usual = g->prologue ? 100 : 85;
  switch (v->cls) {
  case C_FUNC: {
    int f = gen_func_value(g, v->sig, -1);
    if (g->prologue) v->func = (int8_t)f;
    return;
  }
  case C_NUM: gen_expr(g, rd_chance(g, usual) ? C_INT : C_NUM, 0); return;
  case C_OBJ: gen_object_new(g); return;
  case C_MAP: gen_map_new(g); return;
  case C_SEQ: gen_expr(g, rd_chance(g, usual) ? C_ARR : C_SEQ, 0); return;
  case C_ANY: gen_expr(g, rd_chance(g, g->prologue ? 100 : 40) ? C_BOOL : C_ANY, 0); return;
  default: gen_expr(g, v->cls, 0); return;
  }
}
