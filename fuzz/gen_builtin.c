/* gen_builtin.c: builtin hazards (docs/semantics.md section 28), in the programs that
 * have them (g->builtins_on, 40%, decided by the input's last byte so that the programs
 * without them are byte for byte the ones the same input gave before): builtin calls in
 * hot loops, which t1 specializes into call_builtin and traces run as guard_builtin and
 * call_builtin (the optimizer drops the guard on a known callee, narrows the result's
 * kinds, makes sqrt of a float call_sqrt_float), and call sites whose callee changes
 * after warm-up, where a guard that checked too little would call the wrong builtin.
 *
 * Expressions (gen_expr.c asks, for an int, a float, a number or a string): abs, floor,
 * min and max of ints; sqrt of a number; floor, abs, min and max of floats; min and max
 * of numbers of either kind, of equal values of two kinds (min(1, 1.0) is 1, min(1.0, 1)
 * is 1.0), of an int and a float that only an exact comparison tells apart (2^63 - 1
 * and 2^63), of NaN; chr of an int masked to 0..255, ord of a one-byte string (a byte
 * of a string, or chr's); min and max of strings. Arguments take edge values: INT64_MIN
 * (abs wraps), -0.0, negatives, NaN and the infinities (constants, and x / 0.0). The
 * callee is mostly push_builtin, else the builtin global, or a builtin passed into
 * APPLY1, a helper the trace inlines.
 *
 * Before 90% of hot loops and 30% of the others, a call site (BuiltinSet) in locals of
 * class C_BUILTIN, which no other statement picks: f holding a builtin, and in 80% of
 * the sets fs = [that builtin, other], other being another builtin that takes the same
 * arguments (65%; sqrt in half of these when it is not f's), a helper function (NEG, SECOND), a closure of ADDC or a function of
 * the program whose parameters hold the arguments. The arguments a site passes, its
 * family: a number (an int, then a float from some iteration on, in some); an int
 * 0..255 (chr, or sqrt, floor and abs); a one-byte string (ord); two numbers; two
 * strings; two numbers, then two strings from some iteration on. Steps, first in the
 * body (one, two in half the loops) and as statements deeper in it:
 *   call     f(args), the result observed
 *   pick     f = fs[t] (or fs[t] called at once), t 0 before iteration k and 1 from it on
 *            (or at it, or every m-th) with no branch, so compiled code exits at its
 *            guard_builtin
 *   branch   after a counter test f = other (and in a third the first again in the
 *            other iterations), then f(args)
 *   apply    APPLY1(f, x) or APPLY2(f, x, y): the callee passed into an inlined frame
 *   global   the builtin global called (directly, or in GLOBAL), maybe first given
 *            another builtin (or NEG) after a counter test: a trace that promoted it is
 *            invalidated
 *   error    chr of -1, ord of a two-byte string, sqrt of a string (of an int, then a
 *            float, then a string, in some), min of a number and a string, min called
 *            with one argument or sqrt with two: at iteration k, from k on or every
 *            m-th (at once outside loops), in a protected range of its own whose
 *            handler probes the error (except_on programs) or inside one that encloses
 *            it; nowhere else
 * After the loop f is probed (a builtin's probe hashes which one), sometimes fs and the
 * global. The global and error steps, and builtin calls stored into a variable, are also
 * statements of their own, in any function. Chaos programs also get an error no
 * handler catches, as a hazard (gen_hazard.c).
 *
 * What reads a result accepts every kind the site's callees may give: int or number
 * arithmetic and comparisons; len, comparisons and concatenation of strings (never
 * stored); else not, eq and probes. A result stored goes only into a variable whose
 * class holds them all. Only the error steps raise (chaos programs aside: an argument
 * may come from a chaos operand).
 *
 * The builtin global (after the object classes' globals, only in these programs) holds
 * sqrt, floor or abs, or NEG: main stores it first, before any call. The helpers, after
 * the closure helpers (BI_HELPERS functions, only in these programs), small enough that
 * a trace inlines their calls:
 *   APPLY1 (f, x)     f(x)
 *   APPLY2 (f, x, y)  f(x, y)
 *   GLOBAL (x)        the builtin global's callee called with x
 *   NEG (x)           -x: called where sqrt, floor or abs are
 *   SECOND (x, y)     y: called where min or max are
 *   ADDC (x)          the capture (a number) + x: a closure's function, called where
 *                     sqrt, floor or abs are */
#include "builtin.h"
#include "gen_consts.h"
#include "gen_decide.h"
#include "gen_internal.h"

enum { BH_APPLY1, BH_APPLY2, BH_GLOBAL, BH_NEG, BH_SECOND, BH_ADDC };
STATIC_ASSERT(BH_ADDC + 1 == BI_HELPERS, "gen_internal.h counts the helpers");

/* Instructions a call of each helper runs, the call itself included, what it calls not. */
static const uint8_t helper_cost[BI_HELPERS] = {6, 7, 6, 5, 4, 6};
#define CALLEE_COST 6  /* a call of whatever the builtin global holds */
#define STEP_SIZE 70   /* instructions a step emits at most, about */
#define STEP_COST 45   /* instructions a step runs, about, its callees aside */
#define SET_SIZE 12    /* instructions a set's making emits at most */
#define FUNC_COST 60   /* a function of the program is a set's callee when a call costs less */

/* What a set's call site calls (BuiltinCallee.what). */
enum { CE_BUILTIN, CE_HELPER, CE_CLOSURE, CE_FUNC };

/* The arguments a call site passes (BuiltinSet.family). */
typedef enum { BF_NUM, BF_BYTE, BF_CHAR, BF_NUMS, BF_STRS, BF_PAIRS, BF__COUNT } Family;

static const struct {
  uint8_t arity;
  uint16_t kinds;        /* of the arguments */
  uint8_t nbuiltins;
  uint8_t builtins[4];   /* the builtins that take them */
  int8_t helper;         /* a helper function that takes them, or -1 */
} families[BF__COUNT] = {
  [BF_NUM] = {1, K_INT | K_FLOAT, 3, {BUILTIN_SQRT, BUILTIN_FLOOR, BUILTIN_ABS}, BH_NEG},
  [BF_BYTE] = {1, K_INT, 4, {BUILTIN_CHR, BUILTIN_SQRT, BUILTIN_FLOOR, BUILTIN_ABS}, BH_NEG},
  [BF_CHAR] = {1, K_STR, 1, {BUILTIN_ORD}, -1},
  [BF_NUMS] = {2, K_INT | K_FLOAT, 2, {BUILTIN_MIN, BUILTIN_MAX}, BH_SECOND},
  [BF_STRS] = {2, K_STR, 2, {BUILTIN_MIN, BUILTIN_MAX}, BH_SECOND},
  [BF_PAIRS] = {2, K_INT | K_FLOAT | K_STR, 2, {BUILTIN_MIN, BUILTIN_MAX}, BH_SECOND},
};

static const BuiltinId unary_numeric[] = {BUILTIN_SQRT, BUILTIN_FLOOR, BUILTIN_ABS};
static const BuiltinId pickers[] = {BUILTIN_MIN, BUILTIN_MAX};

static const char *const halves[] = {"0.5", "-2.5", "1.5", "0.25", "-0.5"};
static const char *const one_byte_strs[] = {"\"a\"", "\"b\"", "\"0\"", "\" \"", "\"\\x00\"", "\"\\xff\"", "\"\\n\""};
static const char *const longer_strs[] = {"\"ab\"", "\"xyz\"", "\"12\"", "\"\\xc3\\xa9\""};

/* Pairs of values that are equal, or unordered, or an int and a float that only an exact
   comparison tells apart: min and max give the first of an equal pair, its kind kept. */
static const char *const equal_pairs[][2] = {
  {"1", "1.0"},
  {"0", "-0.0"},
  {"0", "0.0"},
  {"-0.0", "0.0"},
  {"-1", "-1.0"},
  {"9007199254740992", "9007199254740992.0"},
  {"9007199254740993", "9007199254740992.0"},
  {"9223372036854775807", "9.223372036854776e+18"},
  {"-9223372036854775808", "-9.223372036854776e+18"},
  {"nan", "1"},
  {"nan", "-0.0"},
  {"inf", "9223372036854775807"},
};

static uint32_t helper_index(const Gen *g, int h) { return g->first_bi_helper + (uint32_t)h; }

void gen_builtin_helpers(Gen *g) {
  if (!g->builtins_on) return;
  for (int h = BH_APPLY1; h <= BH_ADDC; h++) {
    Function *out = gen_helper_begin(g, helper_index(g, h));
    uint32_t nparams = 1;
    switch (h) {
    case BH_APPLY1:
    case BH_APPLY2:
      nparams = h == BH_APPLY1 ? 2 : 3;
      for (uint32_t i = 0; i < nparams; i++) gen_emit_int(g, OP_LOAD_LOCAL, i);
      gen_emit_int(g, OP_CALL, nparams - 1);
      break;
    case BH_GLOBAL:
      gen_emit_int(g, OP_LOAD_GLOBAL, g->builtin_global);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_int(g, OP_CALL, 1);
      break;
    case BH_NEG:
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_op(g, OP_NEG);
      break;
    case BH_SECOND:
      nparams = 2;
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      break;
    default:  /* BH_ADDC */
      gen_emit_op(g, OP_LOAD_CAPTURE);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_op(g, OP_ADD);
      break;
    }
    gen_emit_op(g, OP_RETURN);
    gen_helper_end(g, out, nparams, 0);
  }
}

/* Small pieces. */

static void probe(Gen *g) {
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
}

/* A call whose callee and arguments are pushed; cost: what the callee runs. */
static void call(Gen *g, uint32_t argc, uint64_t cost) {
  gen_emit_int(g, OP_CALL, argc);
  g->shape.calls++;
  g->spent += g->mult * cost;
}

static void push_builtin(Gen *g, BuiltinId b) { gen_emit_int(g, OP_PUSH_BUILTIN, b); }

static bool step_fits(Gen *g, uint64_t cost) {
  return g->insns + STEP_SIZE <= g->static_cap && gen_fits(g, STEP_COST + 2 * cost);
}

/* Whether an error raised here is caught: by a range of its own (except_on programs),
   or by one around this point. */
static bool catchable(const Gen *g) { return g->except_on || g->ntries > 0; }

/* Loop l's counter, as an int. */
static void counter_int(Gen *g, const LoopCtx *l) {
  gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
  if (l->is_float) gen_emit_op(g, OP_TO_INT);
}

/* Pushes 1 in the iterations of loop l where something changes (from iteration k on, at
   k, or every m-th), else 0; 1 outside loops. */
static void emit_switch_index(Gen *g, const LoopCtx *l) {
  if (!l) {
    gen_emit_int(g, OP_PUSH_INT, 1);
    return;
  }
  gen_counter_test(g, l);
  gen_emit_op(g, OP_TO_INT);
}

/* The two values on the stack, first and second, as [first, second][t], t from
   emit_switch_index: the second in the iterations that pick it. */
static void emit_pick_of_two(Gen *g, const LoopCtx *l) {
  gen_emit_int(g, OP_ARRAY_NEW, 2);
  emit_switch_index(g, l);
  gen_emit_op(g, OP_GET);
}

/* Arguments. */

/* An int: changing from iteration to iteration of loop l (NULL: outside loops), an edge,
   a small one or an expression. */
static void emit_int(Gen *g, const LoopCtx *l) {
  static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_BXOR};
  switch (rd_below(g, 6)) {
  case 0: gen_emit_const(g, rd_chance(g, 40) ? "-9223372036854775808" : PICK(g, int_edges)); return;
  case 1:
  case 2:
    if (l) {
      counter_int(g, l);
      gen_small_int(g);
      gen_emit_op(g, PICK(g, ops));
      return;
    }
    /* fall through */
  case 3: gen_small_int(g); return;
  default: gen_expr(g, C_INT, 2); return;
  }
}

/* A float: an edge, one changing with loop l's counter, an infinity or NaN from a
   division by zero, or an expression. */
static void emit_float(Gen *g, const LoopCtx *l) {
  switch (rd_below(g, 6)) {
  case 0:
  case 1: gen_emit_const(g, PICK(g, float_edges)); return;
  case 2:
    if (l) {  /* i * h or i + h */
      gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
      if (!l->is_float) gen_emit_op(g, OP_TO_FLOAT);
      gen_emit_const(g, PICK(g, halves));
      gen_emit_op(g, rd_chance(g, 50) ? OP_ADD : OP_MUL);
      return;
    }
    /* fall through */
  case 3:  /* x / 0.0: inf, -inf or nan ((i - k) / 0.0: all three in turn) */
    if (l && rd_chance(g, 50)) {
      int32_t k = gen_counter_value_mid(g, l);
      gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
      if (l->is_float)
        gen_emit_const_float(g, k);
      else
        gen_emit_int(g, OP_PUSH_INT, k);
      gen_emit_op(g, OP_SUB);
    } else {
      gen_small_int(g);
    }
    gen_emit_const(g, rd_chance(g, 75) ? "0.0" : "-0.0");
    gen_emit_op(g, OP_DIV);
    return;
  default: gen_expr(g, C_FLOAT, 2); return;
  }
}

typedef void (*EmitIn)(Gen *g, const LoopCtx *l);

/* What before emits until a test on loop l's counter passes (from iteration k on, at
   it, or every m-th), what after emits then: a value whose kind changes under the
   code that specialized on it. */
static void emit_by_counter(Gen *g, const LoopCtx *l, EmitIn before, EmitIn after) {
  uint32_t other = gen_new_label(g), done = gen_new_label(g);
  gen_counter_test(g, l);
  gen_emit_jump(g, OP_JUMP_IF_TRUE, other);
  before(g, l);
  gen_emit_jump(g, OP_JUMP, done);
  gen_place_label(g, other);
  after(g, l);
  gen_place_label(g, done);
}

/* A number; may_switch: in some, an int before iteration k of loop l and a float from
   it on (or at it, or every m-th), so what the call's result feeds deopts or exits. */
static void emit_number(Gen *g, const LoopCtx *l, bool may_switch) {
  if (l && may_switch && rd_chance(g, 30)) {
    emit_by_counter(g, l, emit_int, emit_float);
    return;
  }
  if (rd_chance(g, 50))
    emit_int(g, l);
  else
    emit_float(g, l);
}

/* An int 0..255: an int masked. */
static void emit_byte(Gen *g, const LoopCtx *l) {
  if (l && rd_chance(g, 40)) {
    counter_int(g, l);
    gen_emit_int(g, OP_PUSH_INT, 3 + 2 * rd_below(g, 60));
    gen_emit_op(g, OP_MUL);
  } else {
    emit_int(g, l);
  }
  gen_emit_int(g, OP_PUSH_INT, 255);
  gen_emit_op(g, OP_BAND);
}

/* A string: a string variable (never empty), or a literal. */
static void emit_string(Gen *g) {
  VarRef r;
  if (rd_chance(g, 50) && gen_pick_var(g, C_STR, 0, false, W_BOTH, &r))
    gen_emit_load(g, r);
  else
    gen_emit_const(g, PICK(g, str_consts));
}

/* A one-byte string: a literal, chr of a byte, or a byte of a string (s[i mod len(s)]). */
static void emit_char(Gen *g, const LoopCtx *l) {
  switch (rd_below(g, 4)) {
  case 0: gen_emit_const(g, PICK(g, one_byte_strs)); return;
  case 1:
    push_builtin(g, BUILTIN_CHR);
    emit_byte(g, l);
    call(g, 1, 0);
    return;
  default:
    emit_string(g);
    gen_emit_op(g, OP_DUP);
    gen_emit_op(g, OP_LEN);
    if (l && rd_chance(g, 60))
      counter_int(g, l);
    else
      gen_small_int(g);
    gen_emit_op(g, OP_SWAP);
    gen_emit_op(g, OP_MOD);
    gen_emit_op(g, OP_GET);
    return;
  }
}

/* Two numbers: an equal (or unordered) pair of two kinds, in either order; the counter
   and its float, or the counter and a value it crosses; or any two. */
static void emit_numbers(Gen *g, const LoopCtx *l) {
  switch (rd_below(g, 4)) {
  case 0: {
    const char *const *p = equal_pairs[rd_below(g, ARRAY_LEN(equal_pairs))];
    bool swap = rd_chance(g, 50);
    gen_emit_const(g, p[swap]);
    gen_emit_const(g, p[!swap]);
    return;
  }
  case 1:
    if (l) {
      bool swap = rd_chance(g, 50);
      for (int k = 0; k < 2; k++) {
        if ((k == 0) != swap) {
          gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
        } else if (rd_chance(g, 50)) {  /* the counter as the other kind */
          gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
          gen_emit_op(g, l->is_float ? OP_TO_INT : OP_TO_FLOAT);
        } else {  /* a value from the middle of the loop, as either kind */
          int32_t v = gen_counter_value_mid(g, l);
          if (rd_chance(g, 50))
            gen_emit_const_float(g, v);
          else
            gen_emit_int(g, OP_PUSH_INT, v);
        }
      }
      return;
    }
    /* fall through */
  default:
    emit_number(g, l, true);
    emit_number(g, l, false);
    return;
  }
}

/* Two strings: the same literal twice, or any two. */
static void emit_strings(Gen *g, const LoopCtx *l) {
  if (rd_chance(g, 15)) {
    const char *s = PICK(g, str_consts);
    gen_emit_const(g, s);
    gen_emit_const(g, s);
    return;
  }
  for (int k = 0; k < 2; k++) {
    if (rd_chance(g, 30))
      emit_char(g, l);
    else
      emit_string(g);
  }
}

/* The arguments of a call of family fam. */
static void emit_args(Gen *g, Family fam, const LoopCtx *l) {
  switch (fam) {
  case BF_NUM: emit_number(g, l, true); return;
  case BF_BYTE: emit_byte(g, l); return;
  case BF_CHAR: emit_char(g, l); return;
  case BF_NUMS: emit_numbers(g, l); return;
  case BF_STRS: emit_strings(g, l); return;
  case BF_PAIRS:
    if (l && rd_chance(g, 70)) {  /* numbers, strings from some iteration on */
      emit_by_counter(g, l, emit_numbers, emit_strings);
    } else if (rd_chance(g, 50)) {
      emit_numbers(g, l);
    } else {
      emit_strings(g, l);
    }
    return;
  case BF__COUNT: break;
  }
  UNREACHABLE();
}

/* Results. */


/* The value on the stack (of the given kinds) used by an operation that accepts every one
   of them. */
static void emit_use(Gen *g, uint16_t kinds) {
  if ((kinds & ~(K_INT | K_FLOAT)) == 0) {
    gen_use_number(g, kinds == K_INT);
    return;
  }
  if (kinds == K_STR) {
    switch (rd_below(g, 4)) {
    case 0: gen_emit_op(g, OP_LEN); return;
    case 1:
      gen_emit_const(g, PICK(g, str_consts));
      gen_emit_op(g, PICK(g, cmp_ops));
      return;
    case 2:  /* concatenated, probed, never stored */
      gen_emit_const(g, PICK(g, str_consts));
      gen_emit_op(g, OP_ADD);
      return;
    default: return;
    }
  }
  switch (rd_below(g, 4)) {
  case 0: gen_emit_op(g, OP_NOT); return;
  case 1:
    gen_small_int(g);
    gen_emit_op(g, rd_chance(g, 50) ? OP_EQ : OP_NE);
    return;
  default: return;  /* the value itself probed: not and eq would hide most */
  }
}

/* A call's result (of the given kinds) on the stack: observed so that a wrong result
   shows, and popped. Stored into a variable and loaded back, or printed (numbers, in
   main), or a copy probed as it is or used first; then used and probed. */
static void observe(Gen *g, uint16_t kinds) {
  VarRef v;
  uint32_t r = rd_below(g, 6);
  bool printable = (kinds & ~(K_INT | K_FLOAT)) == 0;
  if (r < 2 && gen_pick_holder(g, kinds, true, &v)) {
    gen_emit_store(g, v);
    gen_emit_load(g, v);
  } else if (r == 2 && printable && g->is_main && g->output_left >= PRINT_BYTES * g->mult) {
    gen_emit_op(g, OP_DUP);
    gen_emit_op(g, OP_PRINT);
    g->output_left -= PRINT_BYTES * g->mult;
  } else if (r >= 2) {
    gen_emit_op(g, OP_DUP);
    if (r == 5) emit_use(g, kinds);
    probe(g);
  }
  emit_use(g, kinds);
  probe(g);
}

/* Callees. */

/* The kinds a call of c with arguments of family fam may give. */
static uint16_t callee_kinds(const Gen *g, BuiltinCallee c, Family fam) {
  uint16_t args = families[fam].kinds;
  switch (c.what) {
  case CE_BUILTIN:
    switch ((BuiltinId)c.id) {
    case BUILTIN_SQRT: return K_FLOAT;
    case BUILTIN_CHR: return K_STR;
    case BUILTIN_ORD: return K_INT;
    default: return args;  /* floor, abs: the argument's kind; min, max: an argument */
    }
  case CE_HELPER: return args;  /* NEG: the argument's kind; SECOND: an argument */
  case CE_CLOSURE: return K_INT | K_FLOAT;
  default: return cls_kinds[g->funcs[c.id].sig.ret];
  }
}

static uint64_t callee_cost(const Gen *g, BuiltinCallee c) {
  switch (c.what) {
  case CE_BUILTIN: return 0;
  case CE_HELPER: return helper_cost[c.id];
  case CE_CLOSURE: return helper_cost[BH_ADDC];
  default: return gen_call_cost(&g->funcs[c.id]);
  }
}

/* A function of the program (finished, not recursive, cheap) whose parameters hold the
   arguments of family fam, or -1. */
static int pick_func(Gen *g, Family fam) {
  int cand[MAX_FUNCS], n = 0;
  for (uint32_t i = 0; i < g->nfuncs; i++) {
    const FuncInfo *f = &g->funcs[i];
    if (f->recursive || f->sig.nparams != families[fam].arity || gen_call_cost(f) > FUNC_COST) continue;
    bool takes = true;
    for (uint32_t p = 0; p < f->sig.nparams; p++)
      takes &= (cls_kinds[f->sig.params[p]] & families[fam].kinds) == families[fam].kinds;
    if (takes) cand[n++] = (int)i;
  }
  return n ? cand[rd_below(g, (uint32_t)n)] : -1;
}

/* What a site of family fam calls instead of first: another builtin, the family's helper,
   a closure of ADDC (numbers), a function of the program; first when there is none. */
static BuiltinCallee pick_other(Gen *g, Family fam, BuiltinCallee first) {
  enum { O_BUILTIN, O_HELPER, O_CLOSURE, O_FUNC, O__COUNT };
  int f = pick_func(g, fam);
  bool numbers = families[fam].arity == 1 && (families[fam].kinds & ~(K_INT | K_FLOAT)) == 0;
  uint32_t w[O__COUNT] = {families[fam].nbuiltins > 1 ? 65 : 0, families[fam].helper >= 0 ? 15 : 0, numbers ? 10 : 0,
                          f >= 0 ? 10 : 0};
  switch (rd_pick(g, w, O__COUNT)) {
  case O_BUILTIN: {
    /* Not first itself; often sqrt, whose results differ most from the others' (floor
       and abs agree on ints from 0 on) */
    uint8_t b = families[fam].builtins[rd_below(g, families[fam].nbuiltins - 1u)];
    if (b == first.id) b = families[fam].builtins[families[fam].nbuiltins - 1];
    if (numbers && first.id != BUILTIN_SQRT && rd_chance(g, 50)) b = BUILTIN_SQRT;
    return (BuiltinCallee){CE_BUILTIN, b};
  }
  case O_HELPER: return (BuiltinCallee){CE_HELPER, (uint8_t)families[fam].helper};
  case O_CLOSURE: return (BuiltinCallee){CE_CLOSURE, BH_ADDC};
  case O_FUNC: return (BuiltinCallee){CE_FUNC, (uint8_t)f};
  default: return first;
  }
}

/* Pushes callee c (a closure is made here, over a number). */
static void emit_callee(Gen *g, BuiltinCallee c) {
  switch (c.what) {
  case CE_BUILTIN: push_builtin(g, (BuiltinId)c.id); return;
  case CE_HELPER: gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, c.id)); return;
  case CE_CLOSURE:
    if (rd_chance(g, 60))
      gen_small_int(g);
    else
      gen_emit_const(g, PICK(g, halves));
    gen_emit_int(g, OP_CLOSURE, helper_index(g, BH_ADDC));
    return;
  default: gen_emit_int(g, OP_PUSH_FUNC, c.id); return;
  }
}

/* Expressions. */

/* Pushes min or max of two values of class cls (C_INT, C_FLOAT or C_STR). */
static void emit_pick_of(Gen *g, Cls cls, int depth) {
  push_builtin(g, PICK(g, pickers));
  if (cls != C_STR && rd_chance(g, 20)) {  /* the same value twice */
    gen_expr(g, cls, depth);
    gen_emit_op(g, OP_DUP);
  } else {
    gen_expr(g, cls, depth);
    gen_expr(g, cls, depth);
  }
  call(g, 2, 0);
}

/* Pushes a one-byte string's byte, or one of the unary numeric builtins of a value of
   class cls; INT64_MIN sometimes, for abs. */
static void emit_unary_of(Gen *g, BuiltinId b, Cls cls, int depth) {
  push_builtin(g, b);
  if (b == BUILTIN_ORD)
    emit_char(g, NULL);
  else if (cls != C_FLOAT && b == BUILTIN_ABS && rd_chance(g, 20))
    gen_emit_const(g, "-9223372036854775808");
  else
    gen_expr(g, cls, depth);
  call(g, 1, 0);
}

bool gen_builtin_expr(Gen *g, Cls want, int depth) {
  uint32_t r = rd_below(g, 4);
  switch (want) {
  case C_INT:
    if (r == 0)
      emit_unary_of(g, BUILTIN_ORD, C_STR, depth);
    else if (r == 1)
      emit_pick_of(g, C_INT, depth);
    else
      emit_unary_of(g, rd_chance(g, 50) ? BUILTIN_ABS : BUILTIN_FLOOR, C_INT, depth);
    return true;
  case C_FLOAT:
    if (r == 0)
      emit_unary_of(g, BUILTIN_SQRT, C_NUM, depth);
    else if (r == 1)
      emit_pick_of(g, C_FLOAT, depth);
    else
      emit_unary_of(g, PICK(g, unary_numeric), C_FLOAT, depth);
    return true;
  case C_NUM:
    if (r == 0) {  /* min or max of two numbers of either kind, equal ones too */
      push_builtin(g, PICK(g, pickers));
      emit_numbers(g, NULL);
      call(g, 2, 0);
    } else if (r == 1 && !g->prologue && gen_fits(g, helper_cost[BH_APPLY1] + 12)) {  /* in an inlined frame */
      gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, BH_APPLY1));
      push_builtin(g, PICK(g, unary_numeric));
      gen_expr(g, C_NUM, depth);
      call(g, 2, helper_cost[BH_APPLY1]);
    } else if (r == 2 && !g->prologue && gen_fits(g, CALLEE_COST + 12)) {  /* the global's callee */
      gen_emit_int(g, OP_LOAD_GLOBAL, g->builtin_global);
      gen_expr(g, C_NUM, depth);
      call(g, 1, CALLEE_COST);
    } else {
      emit_unary_of(g, PICK(g, unary_numeric), C_NUM, depth);
    }
    return true;
  case C_STR:
    if (r < 2) {
      push_builtin(g, BUILTIN_CHR);
      emit_byte(g, NULL);
      call(g, 1, 0);
    } else {
      emit_pick_of(g, C_STR, depth);
    }
    return true;
  default: return false;
  }
}

/* The builtin global. */

/* Pushes a callee for the global: sqrt, floor or abs, or NEG. */
static void emit_global_callee(Gen *g) {
  if (rd_chance(g, 20))
    gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, BH_NEG));
  else
    push_builtin(g, PICK(g, unary_numeric));
}

void gen_builtin_global(Gen *g) {
  if (!g->builtins_on) return;
  push_builtin(g, PICK(g, unary_numeric));
  gen_emit_int(g, OP_STORE_GLOBAL, g->builtin_global);
  g->shape.global_stores++;
}

/* The global called with a number, directly or in GLOBAL; in some, first given another
   callee after a test on loop l's counter (at once outside loops). */
static void step_global(Gen *g, const LoopCtx *l) {
  if (rd_chance(g, 35)) {
    uint32_t skip = gen_new_label(g);
    if (l) {
      gen_counter_test(g, l);
      gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
    }
    emit_global_callee(g);
    gen_emit_int(g, OP_STORE_GLOBAL, g->builtin_global);
    g->shape.global_stores++;
    gen_place_label(g, skip);
  }
  bool helper = rd_chance(g, 45);
  if (helper)
    gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, BH_GLOBAL));
  else
    gen_emit_int(g, OP_LOAD_GLOBAL, g->builtin_global);
  if (rd_chance(g, 30))
    emit_byte(g, l);
  else
    emit_number(g, l, true);
  call(g, 1, CALLEE_COST + (helper ? helper_cost[BH_GLOBAL] : 0));
  observe(g, K_INT | K_FLOAT);
}

/* Errors, caught. */

/* Pushes the call of a builtin that raises in the iterations of loop l that
   emit_switch_index picks (at once outside loops): a conversion, type or arity error. */
static void emit_error_call(Gen *g, const LoopCtx *l) {
  switch (rd_below(g, 6)) {
  case 0:  /* chr(b | -t): chr of -1 */
    push_builtin(g, BUILTIN_CHR);
    emit_byte(g, l);
    emit_switch_index(g, l);
    gen_emit_op(g, OP_NEG);
    gen_emit_op(g, OP_BOR);
    call(g, 1, 0);
    return;
  case 1:  /* ord([c, "ab"][t]) */
    push_builtin(g, BUILTIN_ORD);
    emit_char(g, l);
    gen_emit_const(g, PICK(g, longer_strs));
    emit_pick_of_two(g, l);
    call(g, 1, 0);
    return;
  case 2:  /* sqrt([x, "s"][t]): x may itself be an int, then a float */
    push_builtin(g, PICK(g, unary_numeric));
    emit_number(g, l, true);
    gen_emit_const(g, PICK(g, str_consts));
    emit_pick_of_two(g, l);
    call(g, 1, 0);
    return;
  case 3:  /* min(x, [y, "s"][t]) */
    push_builtin(g, PICK(g, pickers));
    emit_number(g, l, false);
    emit_number(g, l, false);
    gen_emit_const(g, PICK(g, str_consts));
    emit_pick_of_two(g, l);
    call(g, 2, 0);
    return;
  case 4:  /* [sqrt, min][t](x) */
    push_builtin(g, PICK(g, unary_numeric));
    push_builtin(g, PICK(g, pickers));
    emit_pick_of_two(g, l);
    emit_number(g, l, false);
    call(g, 1, 0);
    return;
  default:  /* [min, sqrt][t](x, y) */
    push_builtin(g, PICK(g, pickers));
    push_builtin(g, PICK(g, unary_numeric));
    emit_pick_of_two(g, l);
    emit_numbers(g, l);
    call(g, 2, 0);
    return;
  }
}

/* A builtin error where it is caught (catchable): in a range of its own whose handler
   probes the error, or inside the ranges around this point. The call's result, in the
   other iterations, is probed. */
static void step_error(Gen *g, const LoopCtx *l) {
  bool own = g->except_on && (g->ntries == 0 || rd_chance(g, 60));
  uint32_t start = 0, end = 0, handler = 0, after = 0;
  if (own) {
    start = gen_new_label(g);  /* one at a time: their numbers are in the text */
    end = gen_new_label(g);
    handler = gen_new_label(g);
    after = gen_new_label(g);
    gen_place_label(g, start);
  }
  emit_error_call(g, l);
  probe(g);
  if (!own) return;
  gen_place_label(g, end);
  gen_emit_jump(g, OP_JUMP, after);
  gen_place_label(g, handler);
  cb_handler(&g->cb, start, end, handler, 0);
  if (rd_chance(g, 50)) {  /* which handler ran */
    gen_emit_int(g, OP_PUSH_INT, (int64_t)(900 + handler % 100));
    probe(g);
  }
  probe(g);  /* the error's code */
  gen_place_label(g, after);
}

void gen_builtin_hazard_value(Gen *g) { emit_error_call(g, NULL); }

/* The set's steps. */

/* Pushes fs[t]: the first callee before iteration k of loop l, the other from it on (or
   at it, or every m-th), with no branch the trace would follow. */
static void emit_picked(Gen *g, const BuiltinSet *s, const LoopCtx *l) {
  gen_emit_int(g, OP_LOAD_LOCAL, s->fs);
  emit_switch_index(g, l);
  gen_emit_op(g, OP_GET);
}

/* The pushed callee called with the set's arguments, and the result observed. */
static void call_site(Gen *g, const BuiltinSet *s, const LoopCtx *l) {
  emit_args(g, (Family)s->family, l);
  call(g, families[s->family].arity, s->cost);
  observe(g, s->kinds);
}

/* After a counter test f holds other (and in a third first again in the other
   iterations: the trace follows one branch, a side trace the other). */
static void emit_branch_switch(Gen *g, const BuiltinSet *s, const LoopCtx *l) {
  uint32_t other = gen_new_label(g);
  gen_counter_test(g, l);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, other);
  emit_callee(g, s->other);
  gen_emit_int(g, OP_STORE_LOCAL, s->f);
  if (rd_chance(g, 35)) {
    uint32_t done = gen_new_label(g);
    gen_emit_jump(g, OP_JUMP, done);
    gen_place_label(g, other);
    emit_callee(g, s->first);
    gen_emit_int(g, OP_STORE_LOCAL, s->f);
    gen_place_label(g, done);
  } else {
    gen_place_label(g, other);
  }
}

static void step(Gen *g, BuiltinSet *s, bool first) {
  if (!step_fits(g, s->cost)) return;
  const LoopCtx *l = &g->loops[s->loop];
  enum { S_CALL, S_PICK, S_BRANCH, S_APPLY, S_GLOBAL, S_ERROR, S__COUNT };
  uint32_t w[S__COUNT] = {first ? 3 : 5, s->fs >= 0 ? (first ? 9 : 4) : 0, first ? 5 : 3, 3, 2, catchable(g) ? 2 : 0};
  switch (rd_pick(g, w, S__COUNT)) {
  case S_CALL:
    gen_emit_int(g, OP_LOAD_LOCAL, s->f);
    call_site(g, s, l);
    return;
  case S_PICK:
    emit_picked(g, s, l);
    if (rd_chance(g, 60)) {  /* f = fs[t]; f(args) */
      gen_emit_int(g, OP_STORE_LOCAL, s->f);
      gen_emit_int(g, OP_LOAD_LOCAL, s->f);
    }
    call_site(g, s, l);
    return;
  case S_BRANCH:
    emit_branch_switch(g, s, l);
    gen_emit_int(g, OP_LOAD_LOCAL, s->f);
    call_site(g, s, l);
    return;
  case S_APPLY: {
    uint8_t arity = families[s->family].arity;
    gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, arity == 1 ? BH_APPLY1 : BH_APPLY2));
    if (s->fs >= 0 && rd_chance(g, 40))
      emit_picked(g, s, l);
    else
      gen_emit_int(g, OP_LOAD_LOCAL, s->f);
    emit_args(g, (Family)s->family, l);
    call(g, arity + 1u, helper_cost[arity == 1 ? BH_APPLY1 : BH_APPLY2] + s->cost);
    observe(g, s->kinds);
    return;
  }
  case S_GLOBAL: step_global(g, l); return;
  default: step_error(g, l); return;
  }
}

/* The set's making, before the loop. */

static Family pick_family(Gen *g) {
  static const uint32_t w[BF__COUNT] = {[BF_NUM] = 30, [BF_BYTE] = 20, [BF_CHAR] = 5,
                                        [BF_NUMS] = 20, [BF_STRS] = 10, [BF_PAIRS] = 15};
  return (Family)rd_pick(g, w, BF__COUNT);
}

bool gen_builtin_before(Gen *g, bool hot) {
  if (!g->builtins_on || !rd_chance(g, hot ? 90 : 30)) return false;
  if (g->nbsets >= MAX_LOOP_DEPTH || g->nlocals + 2 > MAX_LOCALS || g->insns + SET_SIZE + STEP_SIZE > g->static_cap ||
      !gen_fits(g, SET_SIZE + STEP_COST))
    return false;
  Family fam = pick_family(g);
  BuiltinSet *s = &g->bsets[g->nbsets++];
  *s = (BuiltinSet){.loop = (uint8_t)g->nloops, .family = (uint8_t)fam, .fs = -1};
  s->first = (BuiltinCallee){CE_BUILTIN, families[fam].builtins[rd_below(g, families[fam].nbuiltins)]};
  s->other = pick_other(g, fam, s->first);
  s->kinds = callee_kinds(g, s->first, fam) | callee_kinds(g, s->other, fam);
  uint64_t c1 = callee_cost(g, s->first), c2 = callee_cost(g, s->other);
  s->cost = (uint32_t)(c1 > c2 ? c1 : c2);
  uint16_t index;
  gen_new_local(g, C_BUILTIN, &index);  /* never ready: only this hazard touches it */
  s->f = (int16_t)index;
  emit_callee(g, s->first);
  gen_emit_int(g, OP_STORE_LOCAL, s->f);
  if (rd_chance(g, 80)) {
    gen_new_local(g, C_BUILTIN, &index);
    s->fs = (int16_t)index;
    emit_callee(g, s->first);
    emit_callee(g, s->other);
    gen_emit_int(g, OP_ARRAY_NEW, 2);
    gen_emit_int(g, OP_STORE_LOCAL, s->fs);
  }
  return true;
}

void gen_builtin_loop(Gen *g) {
  BuiltinSet *s = &g->bsets[g->nbsets - 1];
  step(g, s, true);
  if (rd_chance(g, 50)) step(g, s, false);
}

void gen_builtin_after(Gen *g) {
  const BuiltinSet *s = &g->bsets[--g->nbsets];
  gen_emit_int(g, OP_LOAD_LOCAL, s->f);
  probe(g);
  if (s->fs >= 0 && rd_chance(g, 40)) {
    gen_emit_int(g, OP_LOAD_LOCAL, s->fs);
    probe(g);
  }
  if (rd_chance(g, 30)) {
    gen_emit_int(g, OP_LOAD_GLOBAL, g->builtin_global);
    probe(g);
  }
}

/* A variable given a builtin's result of its class (an int, float, number or string). */
static void stmt_store(Gen *g) {
  static const Cls classes[] = {C_INT, C_FLOAT, C_NUM, C_STR};
  VarRef r;
  Cls cls = PICK(g, classes);
  if (!gen_pick_var(g, cls, 0, true, W_BOTH, &r)) {
    gen_builtin_expr(g, cls, 1);
    observe(g, cls_kinds[cls]);
    return;
  }
  gen_builtin_expr(g, gen_var_at(g, r)->cls, 1);
  gen_emit_store(g, r);
}

void gen_stmt_builtin(Gen *g) {
  if (!step_fits(g, CALLEE_COST + helper_cost[BH_GLOBAL])) {
    gen_stmt_update(g, false);
    return;
  }
  const LoopCtx *l = g->nloops ? &g->loops[g->nloops - 1] : NULL;
  enum { T_SET, T_STORE, T_GLOBAL, T_ERROR, T__COUNT };
  uint32_t w[T__COUNT] = {g->nbsets ? 8 : 0, 5, 3, catchable(g) ? 3 : 0};
  switch (rd_pick(g, w, T__COUNT)) {
  case T_SET: step(g, &g->bsets[rd_below(g, g->nbsets)], false); return;
  case T_STORE: stmt_store(g); return;
  case T_GLOBAL: step_global(g, l); return;
  default: step_error(g, l); return;
  }
}
