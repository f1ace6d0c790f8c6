/* gen_except.c: exception hazards (docs/semantics.md section 26), in the programs that
 * have them (g->except_on, 40%): protected ranges whose code raises, mostly in some
 * iterations of a loop after its trace is built, and handlers that observe what they
 * caught. A range covers whole statements, so the operand stack at its start is the
 * statement level's (the iterators of enclosing loops only), and nothing inside goes
 * below it:
 *
 *   [pre]  start: [statements] [a nested range] raising code [statements] [post's operands]
 *          end:   [post] jump after
 *          handler: [a marker probed] probe | store | print | kind change | raise again
 *          after:   [the variable whose kind changed, used as its old kind]
 *
 * The raising code, in a loop (first in the body of 85% of hot loops and 35% of the
 * others, or a statement): an int divided by a number that is 0 at iteration k only, at
 * k and every m-th iteration, or from k on (k past the trace thresholds where the loop
 * is that long); a sequence indexed by, or an int shifted by, one that is -1 then; the
 * same in a small helper the trace inlines (one frame deep, or two); or an explicit
 * `raise` of an int, float, string, array, nil, bool or function after a counter test,
 * inline (the trace ends before it) or in a helper. Outside loops it raises at once (or
 * after a condition). pre and post, only inside another range, raise in some
 * iterations right before the range's start (an array's element -1 set, or a raise the
 * start is jumped to past) and right at its end (the operands pushed inside): the outer
 * handler must get those, so a range taken one instruction too long shows. A loop
 * inside a range may raise with no range of its own, first in its body: the error
 * leaves the loop for the enclosing handler, which cuts its iterator off the stack.
 *
 * What a handler gets: an int for a runtime error, or the value raised. g->try_kinds
 * tracks, for each open range, the kinds its handler may get (K_INT always: in chaos
 * programs any statement may raise a runtime error), so a store goes only into a
 * variable whose class holds them all. A non-int value is raised only inside a range of
 * the same function, and a handler raises again only inside an outer one, so no
 * function lets anything but a runtime error out, and what this code raises is caught
 * (a chaos hazard it wraps may still hit a limit, which nothing catches).
 * Handlers do not loop back: the enclosing loops' counters still end them, and the
 * budget counts a handler's instructions as if it ran every time its range does.
 *
 * The helpers, after the iteration helpers (EXC_HELPERS functions, only in these
 * programs), small enough that a trace inlines their calls:
 *   X_DIV (x, d)       x // d
 *   X_GET (s, i)       s[i]
 *   X_RAISE (a, b, v)  a when a < b, else raise v
 *   X_DEEP (x, d)      X_DIV(x, d) + 1: the error two frames deep */
#include "gen_consts.h"
#include "gen_decide.h"
#include "gen_internal.h"

enum { X_DIV, X_GET, X_RAISE, X_DEEP };
STATIC_ASSERT(X_DEEP + 1 == EXC_HELPERS, "gen_internal.h counts the helpers");

/* Instructions a helper call runs at most, the call itself included (X_DEEP). */
#define X_COST 16
/* Instructions a range with its handler takes at most, nested ranges and blocks aside. */
#define TRY_RESERVE 48

static uint32_t helper_index(const Gen *g, int h) { return g->first_exc_helper + (uint32_t)h; }

void gen_except_helpers(Gen *g) {
  if (!g->except_on) return;
  for (int h = X_DIV; h <= X_DEEP; h++) {
    Function *out = gen_helper_begin(g, helper_index(g, h));
    uint32_t nparams = 2;
    switch (h) {
    case X_DIV:
    case X_GET:
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_op(g, h == X_DIV ? OP_IDIV : OP_GET);
      gen_emit_op(g, OP_RETURN);
      break;
    case X_RAISE: {
      uint32_t raise = gen_new_label(g);
      nparams = 3;
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_op(g, OP_LT);
      gen_emit_jump(g, OP_JUMP_IF_FALSE, raise);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_op(g, OP_RETURN);
      gen_place_label(g, raise);
      gen_emit_int(g, OP_LOAD_LOCAL, 2);
      gen_emit_op(g, OP_RAISE);
      break;
    }
    default:
      gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, X_DIV));
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_int(g, OP_CALL, 2);
      gen_emit_int(g, OP_PUSH_INT, 1);
      gen_emit_op(g, OP_ADD);
      gen_emit_op(g, OP_RETURN);
      break;
    }
    gen_helper_end(g, out, nparams, 0);
  }
}

/* The call of a helper whose function and arguments are pushed. */
static void call_helper(Gen *g, uint32_t argc) {
  gen_emit_int(g, OP_CALL, argc);
  g->shape.calls++;
  g->spent += g->mult * X_COST;
}

/* When in loop l the error comes: at iteration k only; at k and every m-th iteration
   before and after it; from k on (every iteration after it then runs its rest in t1,
   so this one is the rarest, with the latest k). */
typedef enum { AT_K, EVERY_M, FROM_K } When;

static When pick_when(Gen *g, const LoopCtx *l) {
  if (l->is_float) return AT_K;
  uint32_t r = rd_below(g, 100);
  return r < 50 ? AT_K : r < 75 ? EVERY_M : FROM_K;
}

/* The counter's value in an iteration past any trace threshold a campaign uses (16)
   where the loop is that long, so the error comes from inside the trace with iterations
   left after it: from the middle half of the loop's iterations (FROM_K: its last
   quarter), at 20 at least. */
static int32_t late_counter_value(Gen *g, const LoopCtx *l, When when) {
  uint32_t span = l->iters > 1 ? l->iters : 1;
  uint32_t lo = span / 4 * (when == FROM_K ? 3 : 1);
  if (lo < 20) lo = 20;
  if (lo > span - 1) lo = span - 1;
  uint32_t j = lo + rd_below(g, (span - lo) / 2 + 1);
  if (j >= span) j = span - 1;
  return l->start + l->step * (int32_t)j;
}

static void emit_counter_value(Gen *g, const LoopCtx *l, int32_t k) {
  if (l->is_float)
    gen_emit_const_float(g, k);
  else
    gen_emit_int(g, OP_PUSH_INT, k);
}

/* i - k, or k - i counting down (a float for a float counter). */
static void emit_distance(Gen *g, const LoopCtx *l, int32_t k) {
  if (l->step > 0 || l->is_float) {
    gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
    emit_counter_value(g, l, k);
  } else {
    emit_counter_value(g, l, k);
    gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
  }
  gen_emit_op(g, OP_SUB);
}

/* Pushes a number that is 0 in the iterations of loop l where the error comes, and not
   0 in the others (a divisor): AT_K i - k; EVERY_M (i - k) % m; FROM_K (i - k) >> 63,
   which is -1 before k (counting down, (k - i) >> 63). */
static void emit_zero_at(Gen *g, const LoopCtx *l, int32_t k, When when) {
  emit_distance(g, l, k);
  if (when == EVERY_M) {
    gen_emit_int(g, OP_PUSH_INT, 5 + rd_below(g, 8));
    gen_emit_op(g, OP_MOD);
  } else if (when == FROM_K) {
    gen_emit_int(g, OP_PUSH_INT, 63);
    gen_emit_op(g, OP_SHR);
  }
}

/* Pushes an int that is -1 in the iterations of int-counted loop l where the error comes,
   and 0 in the others (an index or a shift amount): AT_K ~(((i - k) | (k - i)) >> 63),
   FROM_K ~((i - k) >> 63). */
static void emit_minus_one_at(Gen *g, const LoopCtx *l, int32_t k, When when) {
  if (when == AT_K) {
    gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
    gen_emit_int(g, OP_PUSH_INT, k);
    gen_emit_op(g, OP_SUB);
    gen_emit_int(g, OP_PUSH_INT, k);
    gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
    gen_emit_op(g, OP_SUB);
    gen_emit_op(g, OP_BOR);
  } else {
    emit_distance(g, l, k);
  }
  gen_emit_int(g, OP_PUSH_INT, 63);
  gen_emit_op(g, OP_SHR);
  gen_emit_op(g, OP_BNOT);
}

/* A sequence to index: a string, array or array-or-string variable (never empty), or a
   string literal. */
static void emit_sequence(Gen *g) {
  VarRef r;
  if (rd_chance(g, 70) && gen_pick_var(g, C_SEQ, 0, false, W_BOTH, &r))
    gen_emit_load(g, r);
  else
    gen_emit_const(g, PICK(g, str_consts));
}

/* A value to raise, pushed; returns its kinds. */
static uint16_t emit_raise_value(Gen *g) {
  switch (rd_below(g, 9)) {
  case 0:
  case 1: gen_emit_int(g, OP_PUSH_INT, 1 + rd_below(g, 7)); return K_INT;  /* a runtime error's code */
  case 2: gen_small_int(g); return K_INT;                                   /* mostly the kind raised */
  case 3: gen_emit_const(g, PICK(g, float_edges)); return K_FLOAT;
  case 4: gen_leaf(g, C_ARR); return K_ARR;
  case 5: gen_emit_op(g, OP_PUSH_NIL); return K_NIL;
  case 6: gen_emit_op(g, rd_chance(g, 50) ? OP_PUSH_TRUE : OP_PUSH_FALSE); return K_BOOL;
  case 7:
    if (g->nfuncs) {
      gen_emit_int(g, OP_PUSH_FUNC, rd_below(g, g->nfuncs));
      return K_FUNC;
    }
    /* fall through */
  default: gen_emit_const(g, PICK(g, str_consts)); return K_STR;
  }
}

/* The operands of a runtime error in some iterations of loop l (pick_when): a division,
   an index or a shift, inline or in a helper the trace inlines. Returns the instruction
   that raises, for emit_raising_op (*argc: a call's). */
static Opcode loop_error_operands(Gen *g, const LoopCtx *l, uint32_t *argc) {
  When when = pick_when(g, l);
  int32_t k = late_counter_value(g, l, when);
  uint32_t form = l->is_float || when == EVERY_M ? 0 : rd_below(g, 3);  /* index and shift: -1 or 0 */
  bool helper = gen_fits(g, X_COST + 16) && rd_chance(g, 40);
  *argc = 2;
  switch (form) {
  case 0:  /* x // zero_at: division_by_zero */
    if (helper) gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, rd_chance(g, 40) ? X_DEEP : X_DIV));
    gen_leaf(g, C_INT);
    emit_zero_at(g, l, k, when);
    return helper ? OP_CALL : rd_chance(g, 50) ? OP_IDIV : OP_MOD;
  case 1:  /* s[minus_one_at]: an index error */
    if (helper) gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, X_GET));
    emit_sequence(g);
    emit_minus_one_at(g, l, k, when);
    return helper ? OP_CALL : OP_GET;
  default:  /* x << minus_one_at: negative_shift */
    gen_leaf(g, C_INT);
    emit_minus_one_at(g, l, k, when);
    return rd_chance(g, 50) ? OP_SHL : OP_SHR;
  }
}

/* The instruction that raises, its result probed. */
static void emit_raising_op(Gen *g, Opcode op, uint32_t argc) {
  if (op == OP_CALL)
    call_helper(g, argc);
  else
    gen_emit_op(g, op);
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
}

static void emit_loop_error(Gen *g, const LoopCtx *l) {
  uint32_t argc;
  Opcode op = loop_error_operands(g, l, &argc);
  emit_raising_op(g, op, argc);
}

/* An explicit raise in some iterations of loop l: inline after a counter test (from
   some iteration on, at it, or every m-th; the trace ends before a raise, so t1 raises),
   or from iteration k on in the helper X_RAISE (in a frame the trace pushed). Returns
   the kinds raised. */
static uint16_t emit_loop_raise(Gen *g, const LoopCtx *l) {
  uint16_t kinds;
  if (gen_fits(g, X_COST + 12) && rd_chance(g, 40)) {
    int32_t k = late_counter_value(g, l, AT_K);
    gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, X_RAISE));
    if (l->step > 0 || l->is_float) {  /* i < k, then k <= i */
      gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
      emit_counter_value(g, l, k);
    } else {
      emit_counter_value(g, l, k);
      gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
    }
    kinds = emit_raise_value(g);
    call_helper(g, 3);
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
    return kinds;
  }
  uint32_t skip = gen_new_label(g);
  gen_counter_test(g, l);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
  kinds = emit_raise_value(g);
  gen_emit_op(g, OP_RAISE);
  gen_place_label(g, skip);
  return kinds;
}

/* Outside loops: an error at once, explicit or not. *falls is false when the code ends
   in a raise that nothing jumps over. Returns the kinds raised. */
static uint16_t emit_error_now(Gen *g, bool *falls) {
  *falls = true;
  uint16_t kinds = K_INT;
  switch (rd_below(g, 6)) {
  case 0:  /* raise v */
    kinds = emit_raise_value(g);
    gen_emit_op(g, OP_RAISE);
    *falls = false;
    return kinds;
  case 1: {  /* if cond: raise v */
    uint32_t skip = gen_new_label(g);
    gen_cond(g);
    gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
    kinds = emit_raise_value(g);
    gen_emit_op(g, OP_RAISE);
    gen_place_label(g, skip);
    return kinds;
  }
  case 2:  /* x // 0 */
    gen_leaf(g, C_INT);
    gen_emit_int(g, OP_PUSH_INT, 0);
    gen_emit_op(g, rd_chance(g, 50) ? OP_IDIV : OP_MOD);
    break;
  case 3:
    if (g->hazards) {  /* a chaos hazard, caught */
      gen_stmt_hazard(g);
      return kinds;
    }
    /* fall through */
  default:  /* a helper raises: X_DIV(x, 0), X_DEEP(x, 0), X_GET(s, -1), X_RAISE(1, 0, v) */
    switch (rd_below(g, 4)) {
    case 0:
    case 1:
      gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, rd_chance(g, 50) ? X_DIV : X_DEEP));
      gen_leaf(g, C_INT);
      gen_emit_int(g, OP_PUSH_INT, 0);
      call_helper(g, 2);
      break;
    case 2:
      gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, X_GET));
      emit_sequence(g);
      gen_emit_int(g, OP_PUSH_INT, -1);
      call_helper(g, 2);
      break;
    default:
      gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, X_RAISE));
      gen_emit_int(g, OP_PUSH_INT, 1);
      gen_emit_int(g, OP_PUSH_INT, 0);
      kinds = emit_raise_value(g);
      call_helper(g, 3);
      break;
    }
    break;
  }
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
  return kinds;
}


/* In a handler: a variable gets a value of another kind within its class (a number a
   float, an array-or-string a string, an any a float or a string, an array's element 0
   a float), so what runs after, specialized on the old kind, deopts. False if none. */
static bool handler_retype(Gen *g, VarRef *out) {
  VarRef cand[MAX_LOCALS + MAX_GLOBALS];
  uint32_t n = 0;
  for (uint32_t i = 0; i < g->nlocals + g->nglobals; i++) {
    VarRef r = i < g->nlocals ? (VarRef){(uint16_t)i, false} : (VarRef){(uint16_t)(i - g->nlocals), true};
    const Var *v = gen_var_at(g, r);
    if (v->ready && (v->cls == C_ARR || (!v->readonly && (v->cls == C_NUM || v->cls == C_SEQ || v->cls == C_ANY))))
      cand[n++] = r;
  }
  if (n == 0) return false;
  VarRef r = cand[rd_below(g, n)];
  switch (gen_var_at(g, r)->cls) {
  case C_NUM: gen_emit_const(g, PICK(g, float_edges)); break;
  case C_SEQ:
    if (rd_chance(g, 50)) {
      gen_emit_load(g, r);
      gen_emit_op(g, OP_TO_STR);  /* an array becomes its text; a string stays itself */
    } else {
      gen_emit_const(g, PICK(g, str_consts));
    }
    break;
  case C_ANY:
    if (rd_chance(g, 50))
      gen_emit_const(g, PICK(g, float_edges));
    else
      gen_emit_const(g, PICK(g, str_consts));
    break;
  default:  /* C_ARR: element 0, in place */
    gen_emit_load(g, r);
    gen_emit_int(g, OP_PUSH_INT, 0);
    gen_emit_const(g, PICK(g, float_edges));
    gen_emit_op(g, OP_SET);
    *out = r;
    return true;
  }
  gen_emit_store(g, r);
  *out = r;
  return true;
}

/* The handler, the error's value on the stack (of the given kinds). may_raise: it may
   raise again (an outer range of this function holds it, and something jumps past
   it). Returns false when it ends in a raise; *did_retype when a variable, *retyped,
   changed kind. */
static bool emit_handler(Gen *g, uint32_t marker, uint16_t kinds, bool may_raise, VarRef *retyped, bool *did_retype) {
  enum { H_PROBE, H_STORE, H_PRINT, H_RETYPE, H_RERAISE, H_RAISE_OTHER, H__COUNT };
  uint32_t w[H__COUNT] = {4, 4, 0, 3, may_raise ? 3 : 0, may_raise ? 1 : 0};
  bool printable = (kinds & ~(K_INT | K_FLOAT | K_BOOL | K_NIL | K_STR)) == 0;  /* strings: literals */
  if (g->is_main && printable && g->output_left >= 2 * PRINT_BYTES * g->mult) w[H_PRINT] = 2;
  if (rd_chance(g, 50)) {  /* which handler ran */
    gen_emit_int(g, OP_PUSH_INT, (int64_t)(700 + marker % 200));
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
  }
  VarRef r;
  switch (rd_pick(g, w, H__COUNT)) {
  case H_STORE:
    if (gen_pick_holder(g, kinds, true, &r)) {
      gen_emit_store(g, r);
      return true;
    }
    break;
  case H_PRINT:
    gen_emit_op(g, OP_PRINT);
    g->output_left -= 2 * PRINT_BYTES * g->mult;
    return true;
  case H_RETYPE:
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
    *did_retype = handler_retype(g, retyped);
    return true;
  case H_RERAISE:  /* the same value: a runtime error's code raises that error again */
    if (rd_chance(g, 50)) {
      gen_emit_op(g, OP_DUP);
      gen_emit_op(g, OP_PROBE);
      g->shape.probes++;
    }
    gen_emit_op(g, OP_RAISE);
    g->try_kinds[g->ntries - 1] |= kinds;
    return false;
  case H_RAISE_OTHER:
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
    g->try_kinds[g->ntries - 1] |= emit_raise_value(g);
    gen_emit_op(g, OP_RAISE);
    return false;
  default: break;
  }
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
  return true;
}

static bool try_fits(Gen *g) {
  return g->ntries < MAX_TRY_DEPTH && g->insns + TRY_RESERVE <= g->static_cap && gen_fits(g, TRY_RESERVE);
}

/* Right before a range's start (label start), inside an outer range, an instruction
   that raises in some iterations of loop l: an array's element -1 set, or an explicit
   raise the range's start is jumped to past. Only the outer range's handler may get it,
   so a range taken as starting one instruction earlier shows. */
static void emit_pre(Gen *g, const LoopCtx *l, uint32_t start) {
  VarRef a;
  if (l->is_float || rd_chance(g, 40)) {
    gen_counter_test(g, l);
    gen_emit_jump(g, OP_JUMP_IF_FALSE, start);
    g->try_kinds[g->ntries - 1] |= emit_raise_value(g);
    gen_emit_op(g, OP_RAISE);
    return;
  }
  if (!gen_pick_var(g, C_ARR, 0, false, W_BOTH, &a)) return;
  When when = pick_when(g, l) == AT_K ? AT_K : FROM_K;
  gen_emit_load(g, a);
  emit_minus_one_at(g, l, late_counter_value(g, l, when), when);
  gen_leaf(g, C_NUM);
  gen_emit_op(g, OP_SET);  /* element 0 stays a number the other iterations */
}

/* A protected range and its handler. l: the loop whose counter times the error (NULL:
   outside loops, an error at once); with_block: statements in the range too; nest:
   the ranges gen_try itself opened around this one. */
static void gen_try(Gen *g, const LoopCtx *l, bool with_block, uint32_t nest) {
  bool outer = g->ntries > 0;
  uint32_t start = gen_new_label(g);  /* one at a time: their numbers are in the text */
  uint32_t end = gen_new_label(g);
  uint32_t handler = gen_new_label(g);
  uint32_t after = gen_new_label(g);
  if (outer && l && rd_chance(g, 20)) emit_pre(g, l, start);
  gen_place_label(g, start);
  uint32_t at = cb_length(&g->cb);
  g->try_kinds[g->ntries++] = K_INT;
  g->block_depth++;
  bool falls = true;
  if (with_block && rd_chance(g, 40)) gen_block(g, gen_sub_block_stmts(g));
  if (nest < 2 && rd_chance(g, 25) && try_fits(g)) gen_try(g, l, false, nest + 1);
  if (l) {
    if (rd_chance(g, 25))
      g->try_kinds[g->ntries - 1] |= emit_loop_raise(g, l);
    else
      emit_loop_error(g, l);
  } else {
    g->try_kinds[g->ntries - 1] |= emit_error_now(g, &falls);
  }
  if (falls && with_block && rd_chance(g, 40)) gen_block(g, gen_sub_block_stmts(g));
  /* Right at the range's end, inside an outer range, an instruction that raises in some
     iterations, its operands pushed inside this one: only the outer range's handler may
     get it, so a range taken as one instruction longer shows. */
  uint32_t post = outer && falls && l && rd_chance(g, 35) ? (rd_chance(g, 30) ? 2 : 1) : 0;
  uint32_t post_argc = 0, post_skip = 0;
  uint16_t post_kinds = 0;
  Opcode post_op = OP_RAISE;
  if (post == 2) {  /* if test: raise v, the raise at the end */
    post_skip = gen_new_label(g);
    gen_counter_test(g, l);
    gen_emit_jump(g, OP_JUMP_IF_FALSE, post_skip);
    post_kinds = emit_raise_value(g);
  } else if (post == 1) {
    post_op = loop_error_operands(g, l, &post_argc);
  }
  if (cb_length(&g->cb) == at) {  /* a range is never empty */
    gen_emit_int(g, OP_PUSH_INT, 0);
    gen_emit_op(g, OP_PROBE);
  }
  g->block_depth--;
  uint16_t kinds = g->try_kinds[--g->ntries];
  gen_place_label(g, end);
  if (post == 2) {
    gen_emit_op(g, OP_RAISE);
    g->try_kinds[g->ntries - 1] |= post_kinds;
    gen_place_label(g, post_skip);
  } else if (post == 1) {
    emit_raising_op(g, post_op, post_argc);
  }
  if (falls) gen_emit_jump(g, OP_JUMP, after);
  gen_place_label(g, handler);
  cb_handler(&g->cb, start, end, handler, 0);  /* after the ranges nested in this one: inner first */
  VarRef retyped = {0, false};
  bool did_retype = false;
  bool handler_falls = emit_handler(g, handler, kinds, outer && falls, &retyped, &did_retype);
  if (falls || handler_falls) gen_place_label(g, after);
  if (did_retype) gen_retype_use(g, retyped);
}

void gen_stmt_try(Gen *g) {
  if (!try_fits(g)) {
    gen_stmt_update(g, false);
    return;
  }
  gen_try(g, g->nloops ? &g->loops[rd_below(g, g->nloops)] : NULL, true, 0);
}

void gen_except_loop(Gen *g) {
  const LoopCtx *l = &g->loops[g->nloops - 1];
  if (g->ntries && rd_chance(g, 30)) {  /* no range of its own: the error leaves the loop */
    if (rd_chance(g, 30))
      g->try_kinds[g->ntries - 1] |= emit_loop_raise(g, l);
    else
      emit_loop_error(g, l);
    return;
  }
  if (try_fits(g)) gen_try(g, l, false, 0);
}
