/* gen.c: the program generator: fuzzer bytes to a verified module, and its .tas text.
 *
 *   bytes --read--> decisions --emit--> Insns --encode--> Module --verify_finish
 *                                            \--write--> .tas text (when asked for)
 *
 *   gen_program
 *     program shape: chaos level, globals and their classes, number of functions
 *     gen_function f0 .. f(n-1), then main      (a function calls only those before it)
 *       signature (0-4 params), recursion?, budget, variables and their classes
 *       prologue: every variable (main: every global first) gets a value of its class
 *       gen_block: statements: assignments, updates, global stores, array sets and
 *         appends, probes, prints, ifs (plain, and one conditional jump reached from a
 *         fused comparison, an unfused one and an int), counted loops (nested), calls,
 *         kind changes after k iterations followed by a use, breaks, continues, early
 *         returns, and in some programs hazards
 *       epilogue: main probes every global; every function returns a value of its class
 *     each function encoded as it ends; the header comment, globals and functions
 *     as text; then verify_finish
 *
 * Decisions: every decision reads bytes from the input and nothing else; past the end
 * the bytes read as zero, and a zero always chooses the first, smallest option (one
 * statement, the simplest statement, the shortest loop), so every input terminates.
 *
 * Classes: each local and global has a class fixed for the whole function (int, float,
 * number, bool, string, array of numbers, array-or-string, any, function of a given
 * signature). Expressions are generated for a wanted class, so an operation gets
 * operands it accepts. The invariants that keep programs error free and small:
 *   - strings and arrays are never empty (indices are taken modulo the length);
 *   - arrays hold numbers, and grow only by an append guarded by len < ARRAY_CAP;
 *   - a string stored into a string-class variable is reset when longer than
 *     STRING_CAP, and only string-class variables feed string concatenation;
 *   - integer divisors are made odd (x | 1), number divisors are nonzero constants,
 *     shift amounts are constants 0..70 or masked with 63.
 * A class says which kinds a variable may hold, not which it holds now: a number
 * variable turns from int to float after k iterations, an array-or-string variable from
 * array to string, a function variable to another function of the same signature.
 * Chaos programs break the invariants on purpose: some operands get any class, and a
 * few hazards raise an error, mostly from inside a loop after some iterations.
 *
 * Termination and cost: loops are counted by a local counter that no statement writes,
 * bound by a constant or by the length of a (bounded, local, read-only) array. Calls go
 * to earlier functions only, or to the function itself with a depth argument that it
 * decrements and tests first. Each function has a budget of instructions per call:
 * every instruction emitted costs the number of times it can run (the product of the
 * enclosing loops' iteration counts), every call the callee's cost times that, so the
 * whole program runs at most about its main budget (tens of thousands) of instructions. */
#include "gen.h"

#include <string.h>

#include "asm.h"
#include "opcodes.h"
#include "verify.h"

/* ---- Limits of a program's shape ---- */

#define MAX_GLOBALS 4
#define MAX_FUNCS 6          /* main included */
#define MAX_RECURSIVE 2      /* recursive functions per program */
#define MAX_PARAMS 4
#define MAX_LOCALS 40        /* params, variables, loop counters, recursion results */
#define MAX_LOOP_DEPTH 3
#define MAX_EXPR_DEPTH 3
#define MAX_BLOCK_DEPTH 4    /* nested ifs and loops */
#define MAIN_STATIC_CAP 420  /* instructions in main: no statement starts past this */
#define FUNC_STATIC_CAP 170  /* instructions in another function */
#define STMT_RESERVE 24      /* instructions a simple statement may take */
#define LOOP_MIN_ITER 36     /* instructions an iteration takes at least (header, a statement) */
#define ARRAY_CAP 40         /* guarded appends keep arrays at most this long */
#define STRING_CAP 120       /* a longer string in a string variable is reset */
#define OUTPUT_BUDGET 24000  /* bytes printed at most (the fuzzer's limit is 64 KiB) */
#define PRINT_BYTES 32       /* bytes one print of a scalar writes at most */

/* ---- Kinds and classes ---- */

enum { K_INT = 1, K_FLOAT = 2, K_BOOL = 4, K_STR = 8, K_ARR = 16, K_NIL = 32, K_FUNC = 64, K_ALL = 127 };

typedef enum { C_INT, C_FLOAT, C_NUM, C_BOOL, C_STR, C_ARR, C_SEQ, C_ANY, C_FUNC, C__COUNT } Cls;

/* The kinds a value of each class may have. */
static const uint8_t cls_kinds[C__COUNT] = {
  [C_INT] = K_INT, [C_FLOAT] = K_FLOAT, [C_NUM] = K_INT | K_FLOAT, [C_BOOL] = K_BOOL,
  [C_STR] = K_STR, [C_ARR] = K_ARR, [C_SEQ] = K_STR | K_ARR, [C_ANY] = K_ALL, [C_FUNC] = K_FUNC,
};

static bool cls_within(Cls have, Cls want) { return (cls_kinds[have] & ~cls_kinds[want]) == 0; }

typedef struct {
  uint8_t nparams;
  Cls params[MAX_PARAMS];
  Cls ret;
} Sig;

typedef struct {
  Sig sig;
  uint8_t sig_id;     /* functions with the same id have the same signature */
  bool recursive;     /* param 0 is a depth; the function calls itself with depth - 1 */
  uint8_t self_calls; /* recursive: 1 (a chain) or 2 (a tree) */
  uint8_t max_depth;  /* recursive: call sites pass a depth of 0..max_depth */
  uint64_t cost;      /* instructions per call, at most (estimated) */
} FuncInfo;

typedef struct {
  Cls cls;
  uint8_t sig;    /* C_FUNC: the signature id of the functions it holds */
  bool ready;     /* holds a value of its class wherever code is now generated */
  bool readonly;  /* a loop counter, a recursion depth, or a loop's bound array */
  int8_t func;    /* C_FUNC: the function it first holds (kind changes pick another) */
} Var;

typedef struct {
  uint16_t index;
  bool global;
} VarRef;

/* An enclosing counted loop, for kind changes and hazards keyed on its counter. */
typedef struct {
  int32_t start, step;  /* the counter in the first iteration, and its change per iteration */
  uint32_t iters;       /* iterations (at most, for a loop bound by an array's length) */
  uint16_t counter;     /* its local */
  bool is_float;        /* the counter counts 0.0, 1.0, ... */
  uint32_t brk, cont;   /* labels: after the loop, and the counter update */
} LoopCtx;

/* One line of a function's code (see "Emitting code"). */
#define INSN_LABEL OP__COUNT /* Insn.op of a label's place */
STATIC_ASSERT(OP__COUNT < 256, "an Insn keeps its opcode, or INSN_LABEL, in a byte");

typedef struct {
  uint8_t op;          /* an Opcode, or INSN_LABEL */
  int64_t v;           /* the operand: integer, local, global, function or label number;
                          push_const without a literal: the float v.0 */
  const char *literal; /* push_const: the literal's text, or NULL */
} Insn;

typedef struct {
  /* Input. */
  const uint8_t *data;
  size_t len, pos;
  /* Output: the module, and the functions' text when the caller wants text. */
  Module *m;
  bool want_text;
  Buf prog;
  bool failed;  /* the code does not encode: a generator bug, said in why */
  char why[200];
  /* The current function's code. */
  Insn *code;
  uint32_t ncode, code_cap;
  GenShape shape;
  /* The program. */
  Var globals[MAX_GLOBALS];
  uint32_t nglobals;
  FuncInfo funcs[MAX_FUNCS];
  uint32_t nfuncs;   /* functions finished: callable from the current one */
  uint8_t nsigs;
  uint8_t chaos;     /* 0: well typed; 1: hazards; 2, 3: hazards, 1% or 3% ill-typed operands */
  uint32_t hazards;  /* hazards still to place */
  uint64_t output_left;
  /* The current function. */
  FuncInfo *fn;
  bool is_main;
  Var locals[MAX_LOCALS];
  uint32_t nlocals, nparams;
  uint32_t nlabels;
  uint32_t insns, static_cap;  /* instructions emitted, and where statements stop */
  uint64_t mult;               /* times the current point runs per call, at most */
  uint64_t spent, budget;      /* instructions per call so far, and the cap */
  LoopCtx loops[MAX_LOOP_DEPTH];
  uint32_t nloops;
  uint32_t block_depth;
  bool prologue;               /* initializing variables: no calls */
} Gen;

/* ---- Reading decisions ---- */

static uint32_t rd_byte(Gen *g) { return g->pos < g->len ? g->data[g->pos++] : 0; }

/* A number in 0..n-1: one byte when n <= 256, two otherwise; nothing read when n <= 1. */
static uint32_t rd_below(Gen *g, uint32_t n) {
  if (n <= 1) return 0;
  uint32_t v = rd_byte(g);
  if (n > 256) v = v << 8 | rd_byte(g);
  return v % n;
}

/* True with about the given percent chance; a zero byte answers false. */
static bool rd_chance(Gen *g, uint32_t percent) { return rd_byte(g) * 100u >= (100u - percent) * 256u; }

/* Index of a choice drawn by weight (zero weights are never drawn), or -1 if all are 0.
   A zero byte draws the first choice with a weight. */
static int rd_pick(Gen *g, const uint32_t *w, int n) {
  uint32_t total = 0;
  for (int i = 0; i < n; i++) total += w[i];
  if (total == 0) return -1;
  uint32_t v = rd_below(g, total);
  for (int i = 0; i < n; i++) {
    if (v < w[i]) return i;
    v -= w[i];
  }
  UNREACHABLE();
}

/* ---- Emitting code ----
 *
 * A function's code is first a list of Insns: an opcode and its operand, or the place
 * of a label. At the function's end the list becomes the module's bytes (labels
 * resolved, constants interned in order of first use, as the assembler does) and, when
 * the caller asks for it, .tas text. The text assembles to the identical module
 * (unit/test_gen checks that for every program it generates); a fuzzer writes the text
 * only for the programs it saves. */

static void push_insn(Gen *g, Insn in) {
  if (g->ncode == g->code_cap) {
    g->code_cap = g->code_cap ? g->code_cap * 2 : 512;
    g->code = xrealloc(g->code, sizeof(Insn) * g->code_cap);
  }
  g->code[g->ncode++] = in;
}

static void emit_insn(Gen *g, Opcode op, int64_t v, const char *literal) {
  push_insn(g, (Insn){(uint8_t)op, v, literal});
  g->insns++;
  g->spent += g->mult;
}

static void emit_op(Gen *g, Opcode op) { emit_insn(g, op, 0, NULL); }
/* An instruction with an integer operand: a number, local, global, function or count. */
static void emit_int(Gen *g, Opcode op, int64_t v) { emit_insn(g, op, v, NULL); }
/* push_const of a literal, its .tas text. */
static void emit_const(Gen *g, const char *literal) { emit_insn(g, OP_PUSH_CONST, 0, literal); }
/* push_const of the float v.0. */
static void emit_const_float(Gen *g, int64_t v) { emit_insn(g, OP_PUSH_CONST, v, NULL); }

static uint32_t new_label(Gen *g) { return g->nlabels++; }
static void place_label(Gen *g, uint32_t label) { push_insn(g, (Insn){INSN_LABEL, label, NULL}); }
static void emit_jump(Gen *g, Opcode op, uint32_t label) { emit_insn(g, op, label, NULL); }

/* Whether n more instructions at the current point fit the budget. */
static bool fits(Gen *g, uint64_t n) { return g->spent + n * g->mult <= g->budget; }
/* Whether another statement may start: budget and static size. */
static bool room_for_stmt(Gen *g) { return g->insns + STMT_RESERVE <= g->static_cap && fits(g, STMT_RESERVE); }

/* ---- Constants ---- */

static const int16_t small_ints[] = {0, 1, -1, 2, 3, -2, 5, 7, 10, 31, 63, 64, 100, 255, 256, 1000, -1000, 4096, 32767, -32768};

/* Ints beyond push_int's 16 bits, the edges of every width that matters. */
static const char *const int_edges[] = {
  "-9223372036854775808", "-9223372036854775807", "9223372036854775807", "9223372036854775806",
  "4611686018427387904", "-4611686018427387904", "9007199254740993", "9007199254740992",
  "-9007199254740993", "4294967296", "4294967295", "-4294967296", "2147483648", "2147483647",
  "-2147483648", "-2147483649", "65536", "32768", "-32769", "1000000007",
};

/* Float literals: the IEEE edges, values near the int64 range, and ordinary ones. */
static const char *const float_edges[] = {
  "nan", "-0.0", "0.0", "inf", "-inf", "5e-324", "-5e-324", "2.2250738585072014e-308", "1e308", "-1e308",
  "1.7976931348623157e+308", "9.223372036854776e+18", "-9.223372036854776e+18", "9007199254740992.0",
  "9007199254740994.0", "1e16", "0.30000000000000004", "1.5", "-2.5", "0.1", "0.5", "3.0", "100.0", "-7.25",
};

/* Divisors that never raise division_by_zero: ints for int dividends, ints and floats
   (NaN and the infinities are not zero) for number dividends. */
static const char *const nonzero_int_divisors[] = {"1", "-1", "2", "3", "7", "-5", "1000", "-9223372036854775808"};
static const char *const nonzero_divisors[] = {
  "1", "-1", "2", "3", "7", "-5", "1000", "-9223372036854775808", "0.5", "-2.5", "1.5", "nan", "inf",
  "-inf", "5e-324", "1e308", "-0.1",
};

/* Non-empty strings (as .tas literals). */
static const char *const str_consts[] = {
  "\"a\"", "\"b\"", "\"ab\"", "\"xyz\"", "\"0\"", "\"12\"", "\"-7\"", "\"hello\"", "\"\\x00\"",
  "\"\\xff\\xfe\"", "\"a\\tb\"", "\"\\n\"", "\"\\xc3\\xa9\"", "\"nan\"", "\"[1, 2]\"", "\" \"",
};

/* Strings that to_int accepts. */
static const char *const numeric_strs[] = {
  "\"12\"", "\"-7\"", "\"0\"", "\"-0042\"", "\"+5\"", "\"9223372036854775807\"", "\"-9223372036854775808\"",
};

#define PICK(g, table) ((table)[rd_below(g, (uint32_t)ARRAY_LEN(table))])

/* ---- Variables ---- */

static Var *var_at(Gen *g, VarRef r) { return r.global ? &g->globals[r.index] : &g->locals[r.index]; }

static bool var_fits(const Var *v, Cls want, int sig) {
  if (!v->ready) return false;
  if (v->cls == C_FUNC) return want == C_ANY || (want == C_FUNC && v->sig == sig);
  if (want == C_FUNC) return false;
  return cls_within(v->cls, want);
}

enum { W_LOCAL = 1, W_GLOBAL = 2, W_BOTH = 3 };

/* Picks a ready variable whose class fits want, among locals, globals or both. */
static bool pick_var(Gen *g, Cls want, int sig, bool writable, int where, VarRef *out) {
  VarRef cand[MAX_LOCALS + MAX_GLOBALS];
  uint32_t n = 0;
  if (where & W_LOCAL)
    for (uint32_t i = 0; i < g->nlocals; i++)
      if (var_fits(&g->locals[i], want, sig) && !(writable && g->locals[i].readonly))
        cand[n++] = (VarRef){(uint16_t)i, false};
  if (where & W_GLOBAL)
    for (uint32_t i = 0; i < g->nglobals; i++)
      if (var_fits(&g->globals[i], want, sig) && !(writable && g->globals[i].readonly))
        cand[n++] = (VarRef){(uint16_t)i, true};
  if (n == 0) return false;
  *out = cand[rd_below(g, n)];
  return true;
}

static void emit_load(Gen *g, VarRef r) {
  if (r.global)
    emit_int(g, OP_LOAD_GLOBAL, r.index);
  else
    emit_int(g, OP_LOAD_LOCAL, r.index);
}

/* Stores the top of the stack into r. A string-class variable is then reset when it has
   grown past STRING_CAP, so repeated concatenation cannot grow without bound. */
static void emit_store(Gen *g, VarRef r) {
  if (r.global) {
    emit_int(g, OP_STORE_GLOBAL, r.index);
    g->shape.global_stores++;
  } else {
    emit_int(g, OP_STORE_LOCAL, r.index);
  }
  if (var_at(g, r)->cls != C_STR) return;
  uint32_t ok = new_label(g);
  emit_load(g, r);
  emit_op(g, OP_LEN);
  emit_int(g, OP_PUSH_INT, STRING_CAP);
  emit_op(g, OP_GT);
  emit_jump(g, OP_JUMP_IF_FALSE, ok);
  emit_const(g, PICK(g, str_consts));
  if (r.global) {
    emit_int(g, OP_STORE_GLOBAL, r.index);
    g->shape.global_stores++;
  } else {
    emit_int(g, OP_STORE_LOCAL, r.index);
  }
  place_label(g, ok);
}

static bool new_local(Gen *g, Cls cls, uint16_t *index) {
  if (g->nlocals >= MAX_LOCALS) return false;
  *index = (uint16_t)g->nlocals;
  g->locals[g->nlocals++] = (Var){.cls = cls, .func = -1};
  return true;
}

/* ---- Functions that can be called from here ---- */

/* The cost of a call to f, all levels of recursion included. */
static uint64_t call_cost(const FuncInfo *f) { return f->cost + f->sig.nparams + 2; }

/* The largest cost among the functions a function value of signature sig may hold. */
static uint64_t sig_cost(Gen *g, uint8_t sig) {
  uint64_t c = 0;
  for (uint32_t i = 0; i < g->nfuncs; i++)
    if (g->funcs[i].sig_id == sig && call_cost(&g->funcs[i]) > c) c = call_cost(&g->funcs[i]);
  return c;
}

/* A random finished, non-recursive function with signature id sig, or -1. */
static int pick_func_of_sig(Gen *g, uint8_t sig) {
  int cand[MAX_FUNCS], n = 0;
  for (uint32_t i = 0; i < g->nfuncs; i++)
    if (g->funcs[i].sig_id == sig && !g->funcs[i].recursive) cand[n++] = (int)i;
  return n ? cand[rd_below(g, (uint32_t)n)] : -1;
}

/* ---- Expressions ---- */

static void gen_expr(Gen *g, Cls want, int depth);

static void emit_small_int(Gen *g) {
  if (rd_chance(g, 50))
    emit_int(g, OP_PUSH_INT, small_ints[rd_below(g, ARRAY_LEN(small_ints))]);
  else
    emit_int(g, OP_PUSH_INT, (int)rd_below(g, 600) - 300);
}

/* A leaf of class want (a constant or a variable). */
static void gen_leaf(Gen *g, Cls want) {
  VarRef r;
  if (want != C_ANY && rd_below(g, 8) < 5 && pick_var(g, want, 0, false, W_BOTH, &r)) {
    emit_load(g, r);
    return;
  }
  switch (want) {
  case C_INT:
    if (rd_chance(g, 30))
      emit_const(g, PICK(g, int_edges));
    else
      emit_small_int(g);
    return;
  case C_FLOAT: emit_const(g, PICK(g, float_edges)); return;
  case C_NUM: gen_leaf(g, rd_chance(g, 50) ? C_FLOAT : C_INT); return;
  case C_BOOL: emit_op(g, rd_chance(g, 50) ? OP_PUSH_TRUE : OP_PUSH_FALSE); return;
  case C_STR: emit_const(g, PICK(g, str_consts)); return;
  case C_ARR: {
    uint32_t n = 1 + rd_below(g, 3);
    for (uint32_t i = 0; i < n; i++) gen_leaf(g, g->prologue || rd_chance(g, 60) ? C_INT : C_NUM);
    emit_int(g, OP_ARRAY_NEW, n);
    return;
  }
  case C_SEQ: gen_leaf(g, rd_chance(g, 50) ? C_ARR : C_STR); return;
  case C_ANY:
    if (pick_var(g, C_ANY, 0, false, W_BOTH, &r) && rd_chance(g, 50)) {
      emit_load(g, r);
      return;
    }
    switch (rd_below(g, 8)) {
    case 0: gen_leaf(g, C_INT); return;
    case 1: gen_leaf(g, C_FLOAT); return;
    case 2: gen_leaf(g, C_BOOL); return;
    case 3: gen_leaf(g, C_STR); return;
    case 4: gen_leaf(g, C_ARR); return;
    case 5: emit_op(g, OP_PUSH_NIL); return;
    case 6:
      if (g->nfuncs) {
        emit_int(g, OP_PUSH_FUNC, rd_below(g, g->nfuncs));
        return;
      }
      gen_leaf(g, C_INT);
      return;
    default: gen_leaf(g, C_NUM); return;
    }
  case C_FUNC:
  case C__COUNT: break;
  }
  UNREACHABLE();
}

/* An int that is never zero: x | 1, or a nonzero constant. */
static void gen_nonzero_int(Gen *g, int depth) {
  switch (rd_below(g, 3)) {
  case 0: emit_int(g, OP_PUSH_INT, (int)rd_below(g, 40) + 1); return;
  case 1:
    gen_expr(g, C_INT, depth);
    emit_int(g, OP_PUSH_INT, 1);
    emit_op(g, OP_BOR);
    return;
  default: emit_const(g, PICK(g, nonzero_int_divisors)); return;
  }
}

/* A shift amount in 0..70 (so both < 64 and >= 64 occur), never negative. */
static void gen_shift_amount(Gen *g, int depth) {
  if (rd_chance(g, 70)) {
    emit_int(g, OP_PUSH_INT, rd_below(g, 71));
  } else {
    gen_expr(g, C_INT, depth);
    emit_int(g, OP_PUSH_INT, 63);
    emit_op(g, OP_BAND);
  }
}

/* container i -> element, with the index reduced into range: the container is a
   variable (loaded twice) or any expression (dup, len, swap). */
static void gen_index_into(Gen *g, Cls container, int depth) {
  VarRef r;
  if (rd_chance(g, 60) && pick_var(g, container, 0, false, W_LOCAL, &r)) {
    emit_load(g, r);  /* a local: no call in the index can rebind it */
    gen_expr(g, C_INT, depth);
    emit_load(g, r);
    emit_op(g, OP_LEN);
    emit_op(g, OP_MOD);
  } else {
    gen_expr(g, container, depth);
    emit_op(g, OP_DUP);
    emit_op(g, OP_LEN);
    gen_expr(g, C_INT, depth);
    emit_op(g, OP_SWAP);
    emit_op(g, OP_MOD);
  }
  emit_op(g, OP_GET);
}

/* Pushes array variable r and an index into it, in range (for set). */
static void emit_array_slot(Gen *g, VarRef r) {
  emit_load(g, r);
  if (r.global) {  /* a call in the index could rebind a global: measure the array pushed */
    emit_op(g, OP_DUP);
    emit_op(g, OP_LEN);
    gen_expr(g, C_INT, 1);
    emit_op(g, OP_SWAP);
  } else {
    gen_expr(g, C_INT, 1);
    emit_load(g, r);
    emit_op(g, OP_LEN);
  }
  emit_op(g, OP_MOD);
}

/* A call to an earlier function returning a class within want; false if none fits. */
static bool gen_call(Gen *g, Cls want, int depth) {
  if (g->prologue) return false;
  int cand[MAX_FUNCS], n = 0;
  for (uint32_t i = 0; i < g->nfuncs; i++)
    if (cls_within(g->funcs[i].sig.ret, want) && fits(g, call_cost(&g->funcs[i]) + 12)) cand[n++] = (int)i;
  if (n == 0) return false;
  const FuncInfo *f = &g->funcs[cand[rd_below(g, (uint32_t)n)]];
  uint32_t fi = (uint32_t)(f - g->funcs);
  VarRef fv;
  uint64_t cost = call_cost(f);
  if (!f->recursive && rd_chance(g, 35) && pick_var(g, C_FUNC, f->sig_id, false, W_BOTH, &fv) &&
      fits(g, sig_cost(g, f->sig_id) + 12)) {
    emit_load(g, fv);  /* the callee is whichever function of this signature fv holds now */
    cost = sig_cost(g, f->sig_id);
  } else {
    emit_int(g, OP_PUSH_FUNC, fi);
  }
  for (uint32_t a = 0; a < f->sig.nparams; a++) {
    if (f->recursive && a == 0)
      emit_int(g, OP_PUSH_INT, rd_below(g, f->max_depth + 1u));
    else
      gen_expr(g, f->sig.params[a], depth + 1);
  }
  emit_int(g, OP_CALL, f->sig.nparams);
  g->spent += g->mult * cost;
  g->shape.calls++;
  return true;
}

/* The comparisons: all six take two numbers or two strings. */
static const Opcode cmp_ops[] = {OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE};

static void gen_int_op(Gen *g, int depth) {
  switch (rd_below(g, 10)) {
  case 0: case 1: case 2: {
    static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_BAND, OP_BOR, OP_BXOR};
    gen_expr(g, C_INT, depth);
    gen_expr(g, C_INT, depth);
    emit_op(g, PICK(g, ops));
    return;
  }
  case 3:
    gen_expr(g, C_INT, depth);
    gen_shift_amount(g, depth);
    emit_op(g, rd_chance(g, 50) ? OP_SHR : OP_SHL);
    return;
  case 4:
    gen_expr(g, C_INT, depth);
    gen_nonzero_int(g, depth);
    emit_op(g, rd_chance(g, 50) ? OP_MOD : OP_IDIV);
    return;
  case 5:
    gen_expr(g, C_INT, depth);
    emit_op(g, rd_chance(g, 50) ? OP_BNOT : OP_NEG);
    return;
  case 6:
    gen_expr(g, rd_chance(g, 50) ? C_SEQ : (rd_chance(g, 50) ? C_ARR : C_STR), depth);
    emit_op(g, OP_LEN);
    return;
  case 7:
    switch (rd_below(g, 3)) {
    case 0: gen_expr(g, C_BOOL, depth); break;
    case 1: emit_const(g, PICK(g, numeric_strs)); break;
    default: gen_expr(g, C_INT, depth); break;
    }
    emit_op(g, OP_TO_INT);
    return;
  default:
    if (!gen_call(g, C_INT, depth)) gen_leaf(g, C_INT);
    return;
  }
}

static void gen_float_op(Gen *g, int depth) {
  switch (rd_below(g, 7)) {
  case 0:
    gen_expr(g, rd_chance(g, 70) ? C_INT : C_NUM, depth);
    emit_op(g, OP_TO_FLOAT);
    return;
  case 1:
    gen_expr(g, C_NUM, depth);
    gen_expr(g, C_NUM, depth);
    emit_op(g, OP_DIV);
    return;
  case 2: case 3: {
    static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL};
    bool left = rd_chance(g, 50);
    gen_expr(g, left ? C_FLOAT : C_NUM, depth);
    gen_expr(g, left ? C_NUM : C_FLOAT, depth);
    emit_op(g, PICK(g, ops));
    return;
  }
  case 4:
    gen_expr(g, C_FLOAT, depth);
    emit_op(g, OP_NEG);
    return;
  case 5:
    gen_expr(g, C_FLOAT, depth);
    emit_const(g, PICK(g, nonzero_divisors));
    emit_op(g, rd_chance(g, 50) ? OP_MOD : OP_IDIV);
    return;
  default:
    if (!gen_call(g, C_FLOAT, depth)) gen_leaf(g, C_FLOAT);
    return;
  }
}

static void gen_num_op(Gen *g, int depth) {
  switch (rd_below(g, 8)) {
  case 0: gen_int_op(g, depth); return;
  case 1: gen_float_op(g, depth); return;
  case 2: case 3: {
    static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL};
    gen_expr(g, C_NUM, depth);
    gen_expr(g, C_NUM, depth);
    emit_op(g, PICK(g, ops));
    return;
  }
  case 4:
    gen_expr(g, C_NUM, depth);
    emit_op(g, OP_NEG);
    return;
  case 5: gen_index_into(g, C_ARR, depth); return;
  case 6:
    gen_expr(g, C_NUM, depth);
    emit_const(g, PICK(g, nonzero_divisors));
    emit_op(g, rd_chance(g, 50) ? OP_MOD : OP_IDIV);
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
    emit_op(g, PICK(g, cmp_ops));
    return;
  case 2:
    gen_expr(g, C_STR, depth);
    gen_expr(g, C_STR, depth);
    emit_op(g, PICK(g, cmp_ops));
    return;
  case 3:
    gen_expr(g, C_ANY, depth);
    gen_expr(g, C_ANY, depth);
    emit_op(g, rd_chance(g, 50) ? OP_EQ : OP_NE);
    return;
  case 4:
    gen_expr(g, rd_chance(g, 50) ? C_BOOL : C_ANY, depth);
    emit_op(g, OP_NOT);
    return;
  default:
    if (!gen_call(g, C_BOOL, depth)) gen_leaf(g, C_BOOL);
    return;
  }
}

static void gen_str_op(Gen *g, int depth) {
  switch (rd_below(g, 5)) {
  case 0: {
    /* Not of strings, so that only string variables grow strings (and are reset); an
       array holds at most ARRAY_CAP numbers, so its text stays short. */
    static const Cls renderable[] = {C_INT, C_FLOAT, C_NUM, C_BOOL, C_ARR};
    gen_expr(g, PICK(g, renderable), depth);
    emit_op(g, OP_TO_STR);
    return;
  }
  case 1: case 2:
    gen_expr(g, C_STR, depth);
    gen_expr(g, C_STR, depth);
    emit_op(g, OP_ADD);
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
  emit_int(g, OP_ARRAY_NEW, n);
}

/* Pushes one value whose kind is within want (unless chaos says otherwise). */
static void gen_expr(Gen *g, Cls want, int depth) {
  /* Chaos: an operand of any class, so an operation may meet a kind it rejects. */
  if (g->chaos > 1 && depth > 0 && !g->prologue && rd_chance(g, g->chaos == 2 ? 1 : 3)) want = C_ANY;
  if (depth >= MAX_EXPR_DEPTH || !fits(g, 12) || rd_below(g, 4) == 0) {
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
  case C_FUNC:
  case C__COUNT: UNREACHABLE();
  }
  /* A probe on an intermediate value, so a divergence shows where it happens. */
  if (rd_chance(g, 6)) {
    emit_op(g, OP_DUP);
    emit_op(g, OP_PROBE);
    g->shape.probes++;
  }
}

/* A function value of signature sig (there is at least one function with it), another
   than function avoid when there is one (-1: any). Returns the function's index. */
static int gen_func_value(Gen *g, uint8_t sig, int avoid) {
  int cand[MAX_FUNCS], n = 0;
  for (uint32_t i = 0; i < g->nfuncs; i++)
    if (g->funcs[i].sig_id == sig && !g->funcs[i].recursive && (int)i != avoid) cand[n++] = (int)i;
  int f = n ? cand[rd_below(g, (uint32_t)n)] : pick_func_of_sig(g, sig);
  ASSERT(f >= 0, "a function variable's signature has a function");
  emit_int(g, OP_PUSH_FUNC, f);
  return f;
}

/* A value for variable v: of its class (a function variable: a function of its sig).
   A class's usual kind comes first: numbers get ints, arrays-or-strings arrays, and
   any-class variables bools (always at first, often later), so that the kind changes
   of stmt_retype (to floats, to strings, to other kinds) are changes that deopt. */
static void gen_value_for(Gen *g, Var *v) {
  uint32_t usual = g->prologue ? 100 : 85;
  switch (v->cls) {
  case C_FUNC: {
    int f = gen_func_value(g, v->sig, -1);
    if (g->prologue) v->func = (int8_t)f;
    return;
  }
  case C_NUM: gen_expr(g, rd_chance(g, usual) ? C_INT : C_NUM, 0); return;
  case C_SEQ: gen_expr(g, rd_chance(g, usual) ? C_ARR : C_SEQ, 0); return;
  case C_ANY: gen_expr(g, rd_chance(g, g->prologue ? 100 : 40) ? C_BOOL : C_ANY, 0); return;
  default: gen_expr(g, v->cls, 0); return;
  }
}

/* ---- Statements ---- */

static void gen_block(Gen *g, uint32_t max_stmts);
static bool gen_loop(Gen *g, bool hot);
static void stmt_hazard(Gen *g);

/* v = expr */
static void stmt_assign(Gen *g, bool global) {
  VarRef r;
  if (!pick_var(g, C_ANY, 0, true, global ? W_GLOBAL : W_LOCAL, &r) && !pick_var(g, C_ANY, 0, true, W_BOTH, &r)) {
    gen_expr(g, C_ANY, 0);
    emit_op(g, OP_PROBE);
    g->shape.probes++;
    return;
  }
  gen_value_for(g, var_at(g, r));
  emit_store(g, r);
}

/* v = v OP expr, by v's class; arrays get a guarded append. */
static void stmt_update(Gen *g, bool global) {
  VarRef r;
  if (!pick_var(g, C_ANY, 0, true, global ? W_GLOBAL : W_LOCAL, &r)) {
    stmt_assign(g, global);
    return;
  }
  Var *v = var_at(g, r);
  switch (v->cls) {
  case C_INT: {
    static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_BAND, OP_BOR, OP_BXOR, OP_ADD, OP_SUB};
    emit_load(g, r);
    switch (rd_below(g, 4)) {
    case 0:
      gen_shift_amount(g, 1);
      emit_op(g, rd_chance(g, 50) ? OP_SHL : OP_SHR);
      break;
    case 1:
      gen_nonzero_int(g, 1);
      emit_op(g, rd_chance(g, 50) ? OP_IDIV : OP_MOD);
      break;
    default:
      gen_expr(g, C_INT, 1);
      emit_op(g, PICK(g, ops));
      break;
    }
    emit_store(g, r);
    return;
  }
  case C_FLOAT:
  case C_NUM: {
    static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_ADD};
    emit_load(g, r);
    if (rd_chance(g, 20)) {
      if (v->cls == C_NUM && rd_chance(g, 85))
        emit_const(g, PICK(g, nonzero_int_divisors));
      else
        emit_const(g, PICK(g, nonzero_divisors));
      emit_op(g, rd_chance(g, 50) ? OP_IDIV : OP_MOD);
    } else {  /* a number variable stays an int with an int operand */
      gen_expr(g, v->cls == C_FLOAT || !rd_chance(g, 85) ? C_NUM : C_INT, 1);
      emit_op(g, v->cls == C_FLOAT && rd_chance(g, 25) ? OP_DIV : PICK(g, ops));
    }
    emit_store(g, r);
    return;
  }
  case C_STR:
    if (rd_chance(g, 50)) {
      emit_load(g, r);
      gen_expr(g, C_STR, 1);
    } else {
      gen_expr(g, C_STR, 1);
      emit_load(g, r);
    }
    emit_op(g, OP_ADD);
    emit_store(g, r);
    return;
  case C_ARR: {
    uint32_t skip = new_label(g);
    emit_load(g, r);
    emit_op(g, OP_LEN);
    emit_int(g, OP_PUSH_INT, ARRAY_CAP);
    emit_op(g, OP_LT);
    emit_jump(g, OP_JUMP_IF_FALSE, skip);
    emit_load(g, r);
    gen_expr(g, C_NUM, 1);
    emit_op(g, OP_APPEND);
    place_label(g, skip);
    return;
  }
  case C_BOOL:
    emit_load(g, r);
    if (rd_chance(g, 50)) {
      emit_op(g, OP_NOT);
    } else {
      gen_expr(g, C_BOOL, 1);
      emit_op(g, rd_chance(g, 50) ? OP_EQ : OP_NE);
    }
    emit_store(g, r);
    return;
  default:
    gen_value_for(g, v);
    emit_store(g, r);
    return;
  }
}

/* a[i mod len] = number */
static void stmt_array_set(Gen *g) {
  VarRef r;
  if (!pick_var(g, C_ARR, 0, false, W_BOTH, &r)) {
    stmt_assign(g, false);
    return;
  }
  emit_array_slot(g, r);
  gen_expr(g, C_NUM, 1);
  emit_op(g, OP_SET);
}

static void stmt_probe(Gen *g) {
  VarRef r;
  if (rd_chance(g, 50) && pick_var(g, C_ANY, 0, false, W_BOTH, &r))
    emit_load(g, r);
  else
    gen_expr(g, C_ANY, 0);
  emit_op(g, OP_PROBE);
  g->shape.probes++;
}

static void stmt_print(Gen *g) {
  static const Cls printable[] = {C_INT, C_FLOAT, C_NUM, C_BOOL};
  if (rd_chance(g, 20))
    emit_const(g, PICK(g, str_consts));
  else
    gen_expr(g, PICK(g, printable), 0);
  emit_op(g, OP_PRINT);
  g->output_left -= PRINT_BYTES * g->mult;
}

/* Pushes a condition; most are comparisons, which t1 fuses with the jump that follows. */
static void gen_cond(Gen *g) {
  switch (rd_below(g, 8)) {
  case 0: case 1: case 2: {
    VarRef r;
    if (g->nloops && rd_chance(g, 40)) {  /* the innermost counter against a constant */
      const LoopCtx *l = &g->loops[g->nloops - 1];
      emit_int(g, OP_LOAD_LOCAL, l->counter);
      if (l->is_float)
        emit_const_float(g, l->start + l->step * (int32_t)rd_below(g, l->iters));
      else
        emit_int(g, OP_PUSH_INT, l->start + l->step * (int32_t)rd_below(g, l->iters));
    } else if (pick_var(g, C_NUM, 0, false, W_BOTH, &r)) {
      emit_load(g, r);
      gen_expr(g, C_NUM, 1);
    } else {
      gen_expr(g, C_NUM, 1);
      gen_expr(g, C_NUM, 1);
    }
    emit_op(g, PICK(g, cmp_ops));
    return;
  }
  case 3: gen_expr(g, C_BOOL, 0); return;
  case 4: {  /* a parity test on an int: every other iteration */
    gen_expr(g, C_INT, 1);
    emit_int(g, OP_PUSH_INT, 2 + rd_below(g, 3));
    emit_op(g, OP_MOD);
    return;
  }
  case 5: gen_expr(g, C_ANY, 1); return;  /* truthiness of any kind */
  default:
    gen_expr(g, C_NUM, 1);
    gen_expr(g, C_NUM, 1);
    emit_op(g, PICK(g, cmp_ops));
    return;
  }
}

static uint32_t sub_block_stmts(Gen *g) { return g->block_depth >= MAX_BLOCK_DEPTH ? 1 : 3; }

/* if cond: A [else: B], the jump on false or on true. */
static void stmt_if(Gen *g) {
  uint32_t els = new_label(g), end = new_label(g);
  gen_cond(g);
  emit_jump(g, rd_chance(g, 30) ? OP_JUMP_IF_TRUE : OP_JUMP_IF_FALSE, els);
  g->block_depth++;
  gen_block(g, sub_block_stmts(g));
  if (rd_chance(g, 50) && room_for_stmt(g)) {
    emit_jump(g, OP_JUMP, end);
    place_label(g, els);
    gen_block(g, sub_block_stmts(g));
    place_label(g, end);
  } else {
    place_label(g, els);
  }
  g->block_depth--;
}

/* One conditional jump reached three ways, chosen by the iteration in a loop: a bool from
   a comparison that is not fused (a jump follows it), an int jumped in, and a comparison
   that falls into it (t1 fuses that one with the jump). So the jump itself, run unfused,
   sees bools and ints in turn: jump_if_false_bool specializes and deopts. */
static void stmt_shared_jump(Gen *g) {
  uint32_t p2 = new_label(g), p3 = new_label(g), shared = new_label(g);
  uint32_t els = new_label(g), end = new_label(g);
  const LoopCtx *l = g->nloops && !g->loops[g->nloops - 1].is_float ? &g->loops[g->nloops - 1] : NULL;
  uint32_t m = 2 + rd_below(g, 3);
  for (uint32_t path = 0; path < 2; path++) {
    if (l) {  /* counter % m == path */
      emit_int(g, OP_LOAD_LOCAL, l->counter);
      emit_int(g, OP_PUSH_INT, m);
      emit_op(g, OP_MOD);
      emit_int(g, OP_PUSH_INT, path);
      emit_op(g, OP_EQ);
    } else {
      gen_cond(g);
    }
    emit_jump(g, OP_JUMP_IF_FALSE, path == 0 ? p2 : p3);
    if (path == 0) {
      gen_expr(g, C_NUM, 1);
      gen_expr(g, C_NUM, 1);
      emit_op(g, PICK(g, cmp_ops));
    } else {
      gen_expr(g, rd_chance(g, 75) ? C_INT : C_ANY, 1);
    }
    emit_jump(g, OP_JUMP, shared);
    place_label(g, path == 0 ? p2 : p3);
  }
  gen_expr(g, C_NUM, 1);
  gen_expr(g, C_NUM, 1);
  emit_op(g, PICK(g, cmp_ops));
  place_label(g, shared);
  emit_jump(g, rd_chance(g, 50) ? OP_JUMP_IF_TRUE : OP_JUMP_IF_FALSE, els);
  g->block_depth++;
  gen_block(g, sub_block_stmts(g));
  emit_jump(g, OP_JUMP, end);
  place_label(g, els);
  gen_block(g, sub_block_stmts(g));
  place_label(g, end);
  g->block_depth--;
}

/* A call whose result is dropped, stored or probed. */
static void stmt_call(Gen *g) {
  VarRef r;
  if (rd_chance(g, 50) && pick_var(g, C_ANY, 0, true, W_BOTH, &r) && var_at(g, r)->cls != C_FUNC &&
      gen_call(g, var_at(g, r)->cls, 0)) {
    emit_store(g, r);
    return;
  }
  if (!gen_call(g, C_ANY, 0)) {
    stmt_assign(g, false);
    return;
  }
  if (rd_chance(g, 50)) {
    emit_op(g, OP_PROBE);
    g->shape.probes++;
  } else {
    emit_op(g, OP_POP);
  }
}

/* The counter's value in an iteration from the middle half of the loop's. */
static int32_t counter_value_mid(Gen *g, const LoopCtx *l) {
  uint32_t span = l->iters > 1 ? l->iters : 1;
  int32_t j = (int32_t)(span / 4 + rd_below(g, span / 2 + 1));
  if (j >= (int32_t)span) j = (int32_t)span - 1;
  return l->start + l->step * j;
}

/* Loop l's counter compared with one of its values from the middle of the loop: pushes a
   bool that is true from iteration k on (or at k only, or every m-th iteration). */
static void gen_counter_test(Gen *g, const LoopCtx *l) {
  int32_t k = counter_value_mid(g, l);
  uint32_t how = rd_below(g, 4);
  emit_int(g, OP_LOAD_LOCAL, l->counter);
  if (!l->is_float && how == 3) {  /* every m-th iteration: the kind keeps flipping */
    emit_int(g, OP_PUSH_INT, 2 + rd_below(g, 6));
    emit_op(g, OP_MOD);
    emit_int(g, OP_PUSH_INT, 0);
    emit_op(g, OP_EQ);
    return;
  }
  if (l->is_float)
    emit_const_float(g, k);
  else
    emit_int(g, OP_PUSH_INT, k);
  if (how == 0)
    emit_op(g, OP_EQ);
  else
    emit_op(g, l->step > 0 ? OP_GE : OP_LE);
}

/* Uses variable r in an operation that t1 specializes on its kind, and probes the result:
   every iteration runs it, so after a kind change it deopts. */
static void emit_use(Gen *g, VarRef r) {
  const Var *v = var_at(g, r);
  switch (v->cls) {
  case C_NUM: {  /* with itself or an int: the form fits the old kind exactly */
    static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_LT, OP_GE, OP_EQ, OP_NE, OP_NEG, OP_IDIV, OP_MOD};
    Opcode op = PICK(g, ops);
    emit_load(g, r);
    if (op == OP_IDIV || op == OP_MOD)
      emit_int(g, OP_PUSH_INT, 1 + rd_below(g, 9));
    else if (op == OP_NEG)
      ;
    else if (rd_chance(g, 50))
      emit_op(g, OP_DUP);
    else
      emit_small_int(g);
    emit_op(g, op);
    break;
  }
  case C_ANY:  /* a bool at first, mostly */
    emit_load(g, r);
    emit_op(g, OP_NOT);
    break;
  case C_SEQ:
    emit_load(g, r);
    if (rd_chance(g, 50)) {
      emit_op(g, OP_LEN);
    } else {
      emit_op(g, OP_DUP);
      emit_op(g, OP_LEN);
      gen_expr(g, C_INT, 1);
      emit_op(g, OP_SWAP);
      emit_op(g, OP_MOD);
      emit_op(g, OP_GET);
    }
    break;
  case C_ARR:
    emit_load(g, r);
    emit_int(g, OP_PUSH_INT, 0);
    emit_op(g, OP_GET);
    emit_op(g, OP_DUP);
    emit_op(g, rd_chance(g, 50) ? OP_ADD : OP_MUL);
    break;
  case C_FUNC: {
    int f = pick_func_of_sig(g, v->sig);
    if (f >= 0 && fits(g, sig_cost(g, v->sig) + 12)) {
      const FuncInfo *fi = &g->funcs[f];
      emit_load(g, r);
      for (uint32_t a = 0; a < fi->sig.nparams; a++) gen_expr(g, fi->sig.params[a], 1);
      emit_int(g, OP_CALL, fi->sig.nparams);
      g->spent += g->mult * sig_cost(g, v->sig);
      g->shape.calls++;
    } else {
      emit_load(g, r);
    }
    break;
  }
  default: emit_load(g, r); break;
  }
  emit_op(g, OP_PROBE);
  g->shape.probes++;
}

/* From iteration k of an enclosing loop on, a variable gets a value of another kind
   within its class (int to float, array to string, another function, a float element);
   then it is used, every iteration, by an operation specialized on the old kind. */
static void stmt_retype(Gen *g) {
  const LoopCtx *l = &g->loops[rd_below(g, g->nloops)];
  VarRef cand[2 * (MAX_LOCALS + MAX_GLOBALS)];
  uint32_t n = 0;
  for (uint32_t i = 0; i < g->nlocals + g->nglobals; i++) {
    VarRef r = i < g->nlocals ? (VarRef){(uint16_t)i, false} : (VarRef){(uint16_t)(i - g->nlocals), true};
    const Var *v = var_at(g, r);
    if (!v->ready) continue;
    if (v->cls == C_ARR || (!v->readonly && (v->cls == C_NUM || v->cls == C_SEQ || v->cls == C_ANY ||
                                             (v->cls == C_FUNC && pick_func_of_sig(g, v->sig) >= 0)))) {
      cand[n++] = r;
      if (v->cls == C_NUM && n < ARRAY_LEN(cand)) cand[n++] = r;  /* numbers twice as often */
    }
  }
  if (n == 0) {
    stmt_update(g, false);
    return;
  }
  VarRef r = cand[rd_below(g, n)];
  const Var *v = var_at(g, r);
  uint32_t skip = new_label(g);
  gen_counter_test(g, l);
  emit_jump(g, OP_JUMP_IF_FALSE, skip);
  switch (v->cls) {
  case C_NUM:
    gen_expr(g, rd_chance(g, 90) ? C_FLOAT : C_INT, 1);
    emit_store(g, r);
    break;
  case C_SEQ:
    switch (rd_below(g, 8)) {
    case 0: case 1: case 2: case 3:
      emit_load(g, r);
      emit_op(g, OP_TO_STR);  /* an array becomes its text; a string stays itself */
      break;
    case 7: gen_expr(g, C_ARR, 1); break;
    default: gen_expr(g, C_STR, 1); break;
    }
    emit_store(g, r);
    break;
  case C_ANY:
    gen_expr(g, rd_chance(g, 80) ? C_NUM : C_ANY, 1);
    emit_store(g, r);
    break;
  case C_ARR:  /* element 0, which the use below reads */
    emit_load(g, r);
    emit_int(g, OP_PUSH_INT, 0);
    gen_expr(g, rd_chance(g, 75) ? C_FLOAT : C_INT, 1);
    emit_op(g, OP_SET);
    break;
  case C_FUNC:
    gen_func_value(g, v->sig, v->func);
    emit_store(g, r);
    break;
  default:
    gen_value_for(g, var_at(g, r));
    emit_store(g, r);
    break;
  }
  place_label(g, skip);
  emit_use(g, r);
}

/* break or continue, on a condition. */
static void stmt_break(Gen *g) {
  const LoopCtx *l = &g->loops[g->nloops - 1];
  bool brk = rd_chance(g, 50);
  if (rd_chance(g, 60))
    gen_counter_test(g, l);
  else
    gen_cond(g);
  emit_jump(g, OP_JUMP_IF_TRUE, brk ? l->brk : l->cont);
}

/* if cond: return value */
static void stmt_return(Gen *g) {
  uint32_t skip = new_label(g);
  if (g->nloops)  /* from some iteration on: the loop ran hot before */
    gen_counter_test(g, &g->loops[g->nloops - 1]);
  else
    gen_cond(g);
  emit_jump(g, OP_JUMP_IF_FALSE, skip);
  gen_expr(g, g->fn->sig.ret, 0);  /* main's is any class */
  emit_op(g, OP_RETURN);
  place_label(g, skip);
}

/* A hazard: an operation that raises a runtime error, either at once or, inside a loop,
   from iteration k on. Only chaos programs have them. */
static void gen_hazard_value(Gen *g) {
  VarRef r;
  switch (rd_below(g, 16)) {
  case 0:
    gen_expr(g, C_INT, 1);
    emit_int(g, OP_PUSH_INT, 0);
    emit_op(g, rd_chance(g, 50) ? OP_IDIV : OP_MOD);
    return;
  case 1:
    gen_expr(g, C_NUM, 1);
    emit_const(g, rd_chance(g, 50) ? "0.0" : "-0.0");
    emit_op(g, rd_chance(g, 50) ? OP_IDIV : OP_MOD);
    return;
  case 2:
    gen_expr(g, C_INT, 1);
    emit_int(g, OP_PUSH_INT, -1 - (int)rd_below(g, 70));
    emit_op(g, rd_chance(g, 50) ? OP_SHL : OP_SHR);
    return;
  case 3:
    gen_expr(g, C_STR, 1);
    gen_expr(g, C_NUM, 1);
    emit_op(g, rd_chance(g, 50) ? OP_ADD : OP_LT);
    return;
  case 4:
    gen_expr(g, C_STR, 1);
    emit_op(g, rd_chance(g, 50) ? OP_NEG : OP_TO_FLOAT);
    return;
  case 5:
    gen_expr(g, C_NUM, 1);
    emit_op(g, OP_LEN);
    return;
  case 6:
    emit_const(g, rd_chance(g, 50) ? "\"x1\"" : "\"9223372036854775808\"");
    emit_op(g, OP_TO_INT);
    return;
  case 7:
    gen_expr(g, C_FLOAT, 1);
    emit_op(g, OP_TO_INT);
    return;
  case 8:
    gen_expr(g, C_NUM, 1);
    gen_expr(g, C_INT, 1);
    emit_op(g, OP_GET);
    return;
  case 9:
    if (pick_var(g, C_ARR, 0, false, W_BOTH, &r)) {
      emit_load(g, r);
      emit_int(g, OP_PUSH_INT, rd_chance(g, 50) ? ARRAY_CAP + (int)rd_below(g, 100) : -1);
      emit_op(g, OP_GET);
      return;
    }
    gen_expr(g, C_STR, 1);
    emit_int(g, OP_PUSH_INT, -1);
    emit_op(g, OP_GET);
    return;
  case 10:
    emit_int(g, OP_PUSH_INT, (int)rd_below(g, 100));
    emit_int(g, OP_CALL, 0);
    return;
  case 11:
    if (g->nfuncs) {
      const FuncInfo *f = &g->funcs[rd_below(g, g->nfuncs)];
      emit_int(g, OP_PUSH_FUNC, (uint32_t)(f - g->funcs));
      uint32_t argc = f->sig.nparams + 1;
      for (uint32_t a = 0; a < argc; a++) gen_leaf(g, C_INT);
      emit_int(g, OP_CALL, argc);
      g->shape.calls++;
      return;
    }
    emit_op(g, OP_PUSH_NIL);
    emit_int(g, OP_PUSH_INT, 1);
    emit_op(g, OP_BXOR);
    return;
  case 12:
    if (pick_var(g, C_NUM, 0, false, W_BOTH, &r)) {
      emit_load(g, r);  /* fine while an int; a type error once it holds a float */
      emit_int(g, OP_PUSH_INT, 1);
      emit_op(g, rd_chance(g, 50) ? OP_BAND : OP_SHL);
      return;
    }
    gen_expr(g, C_FLOAT, 1);
    emit_op(g, OP_BNOT);
    return;
  case 13:
    if (pick_var(g, C_SEQ, 0, false, W_BOTH, &r)) {
      emit_load(g, r);  /* fine while an array; a type error once it holds a string */
      emit_int(g, OP_PUSH_INT, 0);
      gen_expr(g, C_NUM, 1);
      emit_op(g, OP_SET);
      emit_op(g, OP_PUSH_NIL);
      return;
    }
    gen_expr(g, C_STR, 1);
    emit_int(g, OP_PUSH_INT, 0);
    emit_int(g, OP_PUSH_INT, 0);
    emit_op(g, OP_SET);
    emit_op(g, OP_PUSH_NIL);
    return;
  case 14:
    for (uint32_t i = 0; i < g->nfuncs; i++) {
      const FuncInfo *f = &g->funcs[i];
      uint64_t depth = 60 + rd_below(g, 60);
      if (f->recursive && f->self_calls == 1 && fits(g, call_cost(f) / (f->max_depth + 1u) * (depth + 1) + 20)) {
        emit_int(g, OP_PUSH_FUNC, i);  /* deeper than the fuzzer's depth limit of 64 */
        emit_int(g, OP_PUSH_INT, (uint32_t)depth);
        for (uint32_t a = 1; a < f->sig.nparams; a++) gen_expr(g, f->sig.params[a], 1);
        emit_int(g, OP_CALL, f->sig.nparams);
        g->spent += g->mult * (call_cost(f) / (f->max_depth + 1u) * (depth + 1));
        g->shape.calls++;
        return;
      }
    }
    gen_expr(g, C_ARR, 1);
    emit_op(g, OP_TO_FLOAT);
    return;
  default:
    gen_expr(g, C_BOOL, 1);
    gen_expr(g, C_BOOL, 1);
    emit_op(g, OP_GT);
    return;
  }
}

static void stmt_hazard(Gen *g) {
  g->hazards--;
  if (g->nloops && !g->loops[g->nloops - 1].is_float && rd_chance(g, 40)) {
    /* Arithmetic on the counter that goes wrong at one iteration. */
    const LoopCtx *l = &g->loops[g->nloops - 1];
    int32_t k = counter_value_mid(g, l);
    if (rd_chance(g, 50)) {  /* x // (i - k): division by zero at i == k */
      gen_expr(g, C_INT, 1);
      emit_int(g, OP_LOAD_LOCAL, l->counter);
      emit_int(g, OP_PUSH_INT, k);
      emit_op(g, OP_SUB);
      emit_op(g, rd_chance(g, 50) ? OP_IDIV : OP_MOD);
    } else {  /* x << (k - i) counting up, x >> (i - k) down: negative once past k */
      gen_expr(g, C_INT, 1);
      if (l->step > 0) {
        emit_int(g, OP_PUSH_INT, k);
        emit_int(g, OP_LOAD_LOCAL, l->counter);
      } else {
        emit_int(g, OP_LOAD_LOCAL, l->counter);
        emit_int(g, OP_PUSH_INT, k);
      }
      emit_op(g, OP_SUB);
      emit_op(g, rd_chance(g, 50) ? OP_SHL : OP_SHR);
    }
    emit_op(g, OP_PROBE);
    g->shape.probes++;
    return;
  }
  uint32_t skip = new_label(g);
  if (g->nloops) {
    gen_counter_test(g, &g->loops[rd_below(g, g->nloops)]);
    emit_jump(g, OP_JUMP_IF_FALSE, skip);
  }
  gen_hazard_value(g);
  emit_op(g, OP_PROBE);
  g->shape.probes++;
  place_label(g, skip);
}

enum {
  ST_ASSIGN, ST_UPDATE, ST_GLOBAL, ST_GLOBAL_UPDATE, ST_ARRAY_SET, ST_PROBE, ST_PRINT, ST_IF, ST_SHARED,
  ST_LOOP, ST_CALL, ST_RETYPE, ST_BREAK, ST_RETURN, ST_HAZARD, ST__COUNT
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
  switch (rd_pick(g, w, ST__COUNT)) {
  case ST_ASSIGN: stmt_assign(g, false); break;
  case ST_UPDATE: stmt_update(g, false); break;
  case ST_GLOBAL: stmt_assign(g, true); break;
  case ST_GLOBAL_UPDATE: stmt_update(g, true); break;
  case ST_ARRAY_SET: stmt_array_set(g); break;
  case ST_PROBE: stmt_probe(g); break;
  case ST_PRINT: stmt_print(g); break;
  case ST_IF: stmt_if(g); break;
  case ST_SHARED: stmt_shared_jump(g); break;
  case ST_LOOP:
    if (!gen_loop(g, false)) stmt_update(g, false);
    break;
  case ST_CALL: stmt_call(g); break;
  case ST_RETYPE: stmt_retype(g); break;
  case ST_BREAK: stmt_break(g); break;
  case ST_RETURN: stmt_return(g); break;
  case ST_HAZARD: stmt_hazard(g); break;
  default: UNREACHABLE();
  }
}

/* min_stmts to max_stmts statements, fewer when the budget or the size cap runs out. */
static void gen_block_n(Gen *g, uint32_t min_stmts, uint32_t max_stmts) {
  uint32_t n = min_stmts + rd_below(g, max_stmts - min_stmts + 1);
  for (uint32_t i = 0; i < n && room_for_stmt(g); i++) gen_stmt(g);
}

/* 1 to max_stmts statements, fewer when the budget or the size cap runs out. */
static void gen_block(Gen *g, uint32_t max_stmts) {
  uint32_t n = 1 + rd_below(g, max_stmts);
  for (uint32_t i = 0; i < n && room_for_stmt(g); i++) gen_stmt(g);
}

/* ---- Loops ---- */

enum { LOOP_UP, LOOP_DOWN, LOOP_FLOAT, LOOP_DO_WHILE, LOOP_ARRAY, LOOP__COUNT };

/* Iterations: mostly 10 to 300 (well past t1's warmup), some short, a few long. */
static uint32_t loop_iterations(Gen *g, bool hot) {
  uint32_t r = rd_below(g, 100);
  if (hot) return 10 + rd_below(g, 291);
  if (r < 10) return 1 + rd_below(g, 9);
  if (r < 92) return 10 + rd_below(g, 291);
  return 300 + rd_below(g, 701);
}

/* A counted loop around a block. Returns false (nothing emitted) when the budget has no
   room for two iterations or no local is left for the counter. */
static bool gen_loop(Gen *g, bool hot) {
  if (g->nloops >= MAX_LOOP_DEPTH || g->insns + 40 > g->static_cap) return false;
  uint64_t room = g->budget > g->spent ? g->budget - g->spent : 0;
  uint64_t max_iters = room / (LOOP_MIN_ITER * g->mult);
  if (max_iters < 2) return false;
  uint32_t w[LOOP__COUNT] = {10, 4, 2, 3, 0};
  VarRef arr = {0, false};
  bool have_arr = pick_var(g, C_ARR, 0, true, W_LOCAL, &arr);
  if (have_arr && !hot && max_iters >= ARRAY_CAP) w[LOOP_ARRAY] = 2;  /* arrays are short */
  int kind = rd_pick(g, w, LOOP__COUNT);
  uint32_t iters = kind == LOOP_ARRAY ? ARRAY_CAP : loop_iterations(g, hot);
  if (iters > max_iters) iters = (uint32_t)max_iters;
  int32_t step = 1;
  if (kind == LOOP_UP && rd_chance(g, 20)) step = (int32_t)(2 + rd_below(g, 3));
  uint16_t c;
  if (!new_local(g, kind == LOOP_FLOAT ? C_FLOAT : C_INT, &c)) return false;
  g->locals[c].readonly = true;

  LoopCtx *l = &g->loops[g->nloops];
  *l = (LoopCtx){.start = 0, .step = step, .iters = iters, .counter = c, .is_float = kind == LOOP_FLOAT};
  l->brk = new_label(g);  /* one at a time: the order of calls in an initializer is unspecified */
  l->cont = new_label(g);
  uint32_t top = new_label(g);
  int32_t bound = (int32_t)iters * step;
  g->shape.loops++;

  /* Initialization, once per entry. */
  switch (kind) {
  case LOOP_DOWN:
    emit_int(g, OP_PUSH_INT, bound);
    l->start = bound - 1;
    l->step = -1;
    break;
  case LOOP_FLOAT: emit_const(g, "0.0"); break;
  default: emit_int(g, OP_PUSH_INT, 0); break;
  }
  emit_int(g, OP_STORE_LOCAL, c);

  uint64_t outer = g->mult;
  g->mult = outer * iters;
  place_label(g, top);
  /* The test at the top (all but do-while). */
  switch (kind) {
  case LOOP_UP:
    switch (rd_below(g, 3)) {
    case 0:
      emit_int(g, OP_LOAD_LOCAL, c);
      emit_int(g, OP_PUSH_INT, bound);
      emit_op(g, OP_GE);
      emit_jump(g, OP_JUMP_IF_TRUE, l->brk);
      break;
    case 1:
      emit_int(g, OP_PUSH_INT, bound);
      emit_int(g, OP_LOAD_LOCAL, c);
      emit_op(g, OP_GT);
      emit_jump(g, OP_JUMP_IF_FALSE, l->brk);
      break;
    default:
      emit_int(g, OP_LOAD_LOCAL, c);
      emit_int(g, OP_PUSH_INT, bound);
      emit_op(g, OP_LT);
      emit_jump(g, OP_JUMP_IF_FALSE, l->brk);
      break;
    }
    break;
  case LOOP_DOWN:
    emit_int(g, OP_LOAD_LOCAL, c);
    emit_int(g, OP_PUSH_INT, 0);
    emit_op(g, OP_GT);
    emit_jump(g, OP_JUMP_IF_FALSE, l->brk);
    emit_int(g, OP_LOAD_LOCAL, c);
    emit_int(g, OP_PUSH_INT, 1);
    emit_op(g, OP_SUB);
    emit_int(g, OP_STORE_LOCAL, c);
    break;
  case LOOP_FLOAT:
    emit_int(g, OP_LOAD_LOCAL, c);
    emit_const_float(g, iters);
    emit_op(g, OP_LT);
    emit_jump(g, OP_JUMP_IF_FALSE, l->brk);
    break;
  case LOOP_ARRAY:
    emit_int(g, OP_LOAD_LOCAL, c);
    emit_load(g, arr);
    emit_op(g, OP_LEN);
    emit_op(g, OP_LT);
    emit_jump(g, OP_JUMP_IF_FALSE, l->brk);
    break;
  default: break;
  }
  g->locals[c].ready = true;
  bool arr_was_readonly = g->locals[arr.index].readonly;
  if (kind == LOOP_ARRAY) {
    g->locals[arr.index].readonly = true;  /* its length bounds the loop and the index */
    emit_load(g, arr);
    emit_int(g, OP_LOAD_LOCAL, c);
    emit_op(g, OP_GET);  /* in range: the counter is below the length */
    emit_op(g, OP_PROBE);
    g->shape.probes++;
  }
  g->nloops++;
  g->block_depth++;
  /* Often a kind change, first or last in the body: what ran specialized so far deopts. */
  bool retype = rd_chance(g, hot ? 85 : 45), retype_first = rd_chance(g, 50);
  if (retype && retype_first) stmt_retype(g);
  if (hot)
    gen_block_n(g, 3, 8);
  else
    gen_block(g, sub_block_stmts(g) + 1);
  if (retype && !retype_first && room_for_stmt(g)) stmt_retype(g);
  /* And a hazard, if the program has one left: an error from inside a hot loop. */
  if (g->hazards && rd_chance(g, hot ? 70 : 40) && room_for_stmt(g)) stmt_hazard(g);
  g->block_depth--;
  g->nloops--;
  g->locals[c].ready = false;  /* on some paths after the loop it was never set */
  if (kind == LOOP_ARRAY) g->locals[arr.index].readonly = arr_was_readonly;

  /* The update and the back edge. */
  place_label(g, l->cont);
  switch (kind) {
  case LOOP_DOWN: break;
  case LOOP_FLOAT:
    emit_int(g, OP_LOAD_LOCAL, c);
    emit_const(g, "1.0");
    emit_op(g, OP_ADD);
    emit_int(g, OP_STORE_LOCAL, c);
    break;
  default:
    emit_int(g, OP_LOAD_LOCAL, c);
    emit_int(g, OP_PUSH_INT, step);
    emit_op(g, OP_ADD);
    emit_int(g, OP_STORE_LOCAL, c);
    break;
  }
  if (kind == LOOP_DO_WHILE) {
    emit_int(g, OP_LOAD_LOCAL, c);
    emit_int(g, OP_PUSH_INT, bound);
    emit_op(g, OP_LT);
    emit_jump(g, OP_JUMP_IF_FALSE, l->brk);
  }
  emit_jump(g, OP_LOOP, top);
  place_label(g, l->brk);
  g->mult = outer;
  return true;
}

/* ---- Functions ---- */

static const Cls param_classes[] = {C_INT, C_INT, C_NUM, C_NUM, C_FLOAT, C_STR, C_ARR, C_SEQ, C_BOOL, C_ANY};
static const Cls var_classes[] = {C_INT, C_INT, C_INT, C_NUM, C_NUM, C_NUM, C_FLOAT, C_STR,
                                  C_ARR, C_ARR, C_SEQ, C_SEQ, C_BOOL, C_ANY, C_FUNC, C_FUNC};
static const Cls ret_classes[] = {C_INT, C_INT, C_NUM, C_NUM, C_FLOAT, C_STR, C_ARR, C_SEQ, C_BOOL, C_ANY};

static bool sig_equal(const Sig *a, const Sig *b) {
  if (a->nparams != b->nparams || a->ret != b->ret) return false;
  for (uint32_t i = 0; i < a->nparams; i++)
    if (a->params[i] != b->params[i]) return false;
  return true;
}

static void choose_signature(Gen *g, FuncInfo *f, bool may_recurse) {
  uint32_t nrec = 0;
  for (uint32_t i = 0; i < g->nfuncs; i++) nrec += g->funcs[i].recursive;
  if (may_recurse && nrec < MAX_RECURSIVE && rd_chance(g, 25)) {
    f->recursive = true;
    f->self_calls = rd_chance(g, 30) ? 2 : 1;
    f->max_depth = (uint8_t)(f->self_calls == 2 ? 2 + rd_below(g, 4) : 2 + rd_below(g, 11));
    f->sig.nparams = (uint8_t)(1 + rd_below(g, MAX_PARAMS));
    f->sig.params[0] = C_INT;
    for (uint32_t i = 1; i < f->sig.nparams; i++) f->sig.params[i] = PICK(g, param_classes);
    f->sig.ret = PICK(g, ret_classes);
    f->sig_id = g->nsigs++;  /* never shared: calls through variables never reach it */
    return;
  }
  if (g->nfuncs && rd_chance(g, 40)) {  /* the same signature as an earlier function */
    const FuncInfo *o = &g->funcs[rd_below(g, g->nfuncs)];
    if (!o->recursive) {
      f->sig = o->sig;
      f->sig_id = o->sig_id;
      return;
    }
  }
  f->sig.nparams = (uint8_t)rd_below(g, MAX_PARAMS + 1);
  for (uint32_t i = 0; i < f->sig.nparams; i++) f->sig.params[i] = PICK(g, param_classes);
  f->sig.ret = PICK(g, ret_classes);
  for (uint32_t i = 0; i < g->nfuncs; i++)
    if (!g->funcs[i].recursive && sig_equal(&g->funcs[i].sig, &f->sig)) {
      f->sig_id = g->funcs[i].sig_id;
      return;
    }
  f->sig_id = g->nsigs++;
}

/* Declares the function's variables (after its params) with their classes. */
static void declare_vars(Gen *g) {
  /* An int and a number always: loops need an int, and kind changes a number. And when
     two functions share a signature, often a function variable: calls through it
     change callee. */
  bool shared = false;
  for (uint32_t k = 0; k < g->nfuncs; k++)
    for (uint32_t o = k + 1; o < g->nfuncs; o++)
      shared |= !g->funcs[k].recursive && g->funcs[o].sig_id == g->funcs[k].sig_id;
  uint32_t n = 2 + rd_below(g, 5);
  for (uint32_t i = 0; i < n; i++) {
    Cls c = i == 0 ? C_INT : i == 1 ? C_NUM : i == 2 && shared && rd_chance(g, 50) ? C_FUNC : PICK(g, var_classes);
    uint8_t sig = 0;
    if (c == C_FUNC) {  /* preferably a signature that several functions share */
      int f = -1;
      for (uint32_t k = 0; k < g->nfuncs && f < 0; k++)
        for (uint32_t o = k + 1; o < g->nfuncs; o++)
          if (!g->funcs[k].recursive && g->funcs[o].sig_id == g->funcs[k].sig_id && rd_chance(g, 70)) {
            f = (int)k;
            break;
          }
      if (f < 0 && g->nfuncs) f = pick_func_of_sig(g, g->funcs[rd_below(g, g->nfuncs)].sig_id);
      if (f < 0)
        c = C_NUM;
      else
        sig = g->funcs[f].sig_id;
    }
    uint16_t index;
    if (!new_local(g, c, &index)) return;
    g->locals[index].sig = sig;
  }
}

static void gen_prologue(Gen *g) {
  g->prologue = true;
  if (g->is_main)
    for (uint32_t i = 0; i < g->nglobals; i++) {
      gen_value_for(g, &g->globals[i]);
      emit_store(g, (VarRef){(uint16_t)i, true});
      g->globals[i].ready = true;
    }
  for (uint32_t i = g->nparams; i < g->nlocals; i++) {
    gen_value_for(g, &g->locals[i]);
    emit_store(g, (VarRef){(uint16_t)i, false});
    g->locals[i].ready = true;
  }
  g->prologue = false;
}

/* The number of calls a recursive function makes to itself in all, its first included. */
static uint64_t recursion_calls(const FuncInfo *f) {
  if (!f->recursive) return 1;
  if (f->self_calls == 1) return f->max_depth + 1u;
  return (2ull << f->max_depth) - 1;
}

/* ---- A function's code to bytes and text ---- */

/* "f3", "g0": the names of functions and globals in the text. */
static char *numbered_name(char prefix, uint32_t index) {
  char name[16] = {prefix};
  format_i64(name + 1, index);
  return xstrndup(name, strlen(name));
}

static void encode_error(Gen *g, const Function *f, const char *why, int64_t v) {
  if (!g->failed) snprintf(g->why, sizeof g->why, "function '%s': %s (%lld)", f->name, why, (long long)v);
  g->failed = true;
}

/* The pool index of push_const's constant, added at first use. */
static uint32_t intern_const(Gen *g, const Function *f, const Insn *in) {
  Constant k = {.kind = CONST_FLOAT, .f = (double)in->v};
  if (in->literal && !asm_parse_literal(in->literal, strlen(in->literal), &k)) {
    encode_error(g, f, "push_const of something that is not a literal", 0);
    return 0;
  }
  int64_t index = module_intern_const(g->m, &k);
  free(k.s);
  if (index < 0) encode_error(g, f, "more constants than the pool holds", g->m->nconsts);
  return index < 0 ? 0 : (uint32_t)index;
}

/* The current function's code as f's bytes: first where each label lands, then each
   instruction with its operand (jumps as offsets from the next instruction). */
static void encode_function(Gen *g, Function *f) {
  uint32_t *label_at = xcalloc(g->nlabels ? g->nlabels : 1, sizeof(uint32_t)), len = 0;
  for (uint32_t i = 0; i < g->ncode; i++) {
    if (g->code[i].op == INSN_LABEL)
      label_at[g->code[i].v] = len;
    else
      len += (uint32_t)op_length(g->code[i].op);
  }
  if (len > MODULE_MAX_CODE) encode_error(g, f, "too long", len);
  f->code = xmalloc(len ? len : 1);
  f->code_len = len;
  uint32_t at = 0;
  for (uint32_t i = 0; i < g->ncode; i++) {
    const Insn *in = &g->code[i];
    if (in->op == INSN_LABEL) continue;
    OperandFormat fmt = op_info[in->op].format;
    uint32_t next = at + (uint32_t)op_length(in->op);
    int64_t v = in->v;
    if (fmt == FMT_JUMP) v = (int64_t)label_at[in->v] - next;
    if (fmt == FMT_LOOP) v = (int64_t)next - label_at[in->v];
    if (fmt == FMT_CONST) v = intern_const(g, f, in);
    if (v < format_min(fmt) || v > format_max(fmt) || (fmt == FMT_LOOP && v == 0))
      encode_error(g, f, "an operand out of range", v);
    f->code[at] = in->op;
    if (format_size[fmt] >= 1) f->code[at + 1] = (uint8_t)v;
    if (format_size[fmt] == 2) f->code[at + 2] = (uint8_t)((uint16_t)v >> 8);
    at = next;
  }
  free(label_at);
}

/* The function as .tas: its header, a line per instruction and label, .end. */
static void write_function_text(Gen *g, const Function *f) {
  Buf *out = &g->prog;
  buf_puts(out, "\n.func ");
  buf_puts(out, f->name);
  buf_puts(out, " params=");
  buf_put_i64(out, f->nparams);
  buf_puts(out, " locals=");
  buf_put_i64(out, f->nlocals);
  buf_putc(out, '\n');
  for (uint32_t i = 0; i < g->ncode; i++) {
    const Insn *in = &g->code[i];
    if (in->op == INSN_LABEL) {
      buf_putc(out, 'L');
      buf_put_i64(out, in->v);
      buf_puts(out, ":\n");
      continue;
    }
    buf_puts(out, "    ");
    buf_puts(out, op_info[in->op].name);
    switch (op_info[in->op].format) {
    case FMT_NONE: break;
    case FMT_GLOBAL: buf_puts(out, " g"); buf_put_i64(out, in->v); break;
    case FMT_FUNC: buf_puts(out, " f"); buf_put_i64(out, in->v); break;
    case FMT_JUMP:
    case FMT_LOOP: buf_puts(out, " L"); buf_put_i64(out, in->v); break;
    case FMT_CONST:
      buf_putc(out, ' ');
      if (in->literal) {
        buf_puts(out, in->literal);
      } else {
        buf_put_i64(out, in->v);
        buf_puts(out, ".0");
      }
      break;
    default: buf_putc(out, ' '); buf_put_i64(out, in->v); break;
    }
    buf_putc(out, '\n');
  }
  buf_puts(out, ".end\n");
}

static void gen_function(Gen *g, uint32_t index, bool is_main) {
  FuncInfo *f = &g->funcs[index];
  memset(f, 0, sizeof *f);
  g->fn = f;
  g->is_main = is_main;
  g->ncode = 0;
  g->nlocals = g->nparams = g->nlabels = g->insns = g->nloops = g->block_depth = 0;
  g->spent = 0;
  g->mult = 1;

  if (is_main) {
    f->sig.nparams = 0;
    f->sig.ret = C_ANY;
    f->sig_id = g->nsigs++;
    g->budget = 6000 + 1000 * (uint64_t)rd_below(g, 40);
    g->static_cap = MAIN_STATIC_CAP;
  } else {
    choose_signature(g, f, true);
    static const uint32_t budgets[] = {40, 120, 400, 1500};
    g->budget = budgets[rd_below(g, ARRAY_LEN(budgets))];
    if (f->recursive) g->budget = g->budget * 4 / recursion_calls(f) + 40;
    g->static_cap = FUNC_STATIC_CAP;
  }
  for (uint32_t i = 0; i < f->sig.nparams; i++) {
    g->locals[i] = (Var){.cls = f->sig.params[i], .ready = true, .readonly = f->recursive && i == 0, .func = -1};
  }
  g->nlocals = g->nparams = f->sig.nparams;
  for (uint32_t i = 0; i < g->nglobals; i++) g->globals[i].ready = !is_main;

  if (f->recursive) {  /* if depth <= 0: return a value (no self call) */
    uint32_t rec = new_label(g);
    emit_int(g, OP_LOAD_LOCAL, 0);
    emit_int(g, OP_PUSH_INT, 0);
    emit_op(g, OP_LE);
    emit_jump(g, OP_JUMP_IF_FALSE, rec);
    g->prologue = true;
    gen_expr(g, f->sig.ret, 1);
    g->prologue = false;
    emit_op(g, OP_RETURN);
    place_label(g, rec);
  }
  declare_vars(g);
  gen_prologue(g);
  if (is_main) gen_loop(g, true);  /* every program has at least one hot loop */
  if (is_main)
    gen_block_n(g, 2, 8);
  else
    gen_block(g, 4);

  if (f->recursive) {  /* r = self(depth - 1, ...), once or twice; the result may use r */
    for (uint32_t k = 0; k < f->self_calls; k++) {
      uint16_t r;
      if (!new_local(g, f->sig.ret, &r)) break;
      emit_int(g, OP_PUSH_FUNC, index);
      emit_int(g, OP_LOAD_LOCAL, 0);
      emit_int(g, OP_PUSH_INT, 1);
      emit_op(g, OP_SUB);
      for (uint32_t a = 1; a < f->sig.nparams; a++) gen_expr(g, f->sig.params[a], 1);
      emit_int(g, OP_CALL, f->sig.nparams);
      g->shape.calls++;
      emit_store(g, (VarRef){r, false});
      g->locals[r].ready = true;
    }
  }
  if (is_main)
    for (uint32_t i = 0; i < g->nglobals; i++) {
      emit_int(g, OP_LOAD_GLOBAL, i);
      emit_op(g, OP_PROBE);
      g->shape.probes++;
    }
  gen_expr(g, f->sig.ret, 0);
  emit_op(g, OP_RETURN);

  f->cost = g->spent * recursion_calls(f);
  Function *out = &g->m->funcs[index];
  out->name = is_main ? xstrndup("main", 4) : numbered_name('f', index);
  out->nparams = f->sig.nparams;
  out->nlocals = g->nlocals - f->sig.nparams;
  encode_function(g, out);
  if (g->want_text) write_function_text(g, out);
  g->nfuncs = index + 1;
  g->shape.functions++;
}

/* ---- The program ---- */

static const Cls global_classes[] = {C_INT, C_INT, C_NUM, C_NUM, C_FLOAT, C_STR, C_ARR, C_SEQ, C_ANY};

bool gen_program(const uint8_t *data, size_t len, Buf *tas_out, Module *module_out, GenShape *shape, Diag *d) {
  Gen *g = xcalloc(1, sizeof *g);
  g->data = data;
  g->len = data ? len : 0;
  g->output_left = OUTPUT_BUDGET;
  Module m = {0};
  g->m = &m;
  g->want_text = tas_out != NULL;

  /* About 40% of the programs carry hazards (1 to 3 errors waiting to happen, mostly
     after some iterations of a loop); of those, two thirds also mix kinds on purpose. */
  if (rd_below(g, 100) >= 60) {
    g->chaos = (uint8_t)(1 + rd_below(g, 3));
    g->hazards = 1 + rd_below(g, 3);
  }
  g->nglobals = 1 + rd_below(g, MAX_GLOBALS);
  for (uint32_t i = 0; i < g->nglobals; i++) g->globals[i] = (Var){.cls = PICK(g, global_classes), .func = -1};
  uint32_t nfuncs = rd_below(g, MAX_FUNCS);
  m.nglobals = g->nglobals;
  m.globals = xcalloc(m.nglobals, sizeof(char *));
  for (uint32_t i = 0; i < m.nglobals; i++) m.globals[i] = numbered_name('g', i);
  m.nfuncs = nfuncs + 1;
  m.funcs = xcalloc(m.nfuncs, sizeof(Function));
  for (uint32_t i = 0; i < nfuncs; i++) gen_function(g, i, false);
  gen_function(g, nfuncs, true);

  if (tas_out) {
    tas_out->len = 0;
    buf_printf(tas_out, "; tessera-gen: %u functions, %u loops, %u calls, %u probes, %u global stores, chaos %u\n",
               g->shape.functions, g->shape.loops, g->shape.calls, g->shape.probes, g->shape.global_stores, g->chaos);
    for (uint32_t i = 0; i < g->nglobals; i++) buf_printf(tas_out, ".global g%u\n", i);
    buf_append(tas_out, g->prog.data, g->prog.len);
  }
  if (shape) *shape = g->shape;
  bool ok = !g->failed;
  if (!ok) diag_set(d, "generator bug: the program does not encode: %s", g->why);
  Diag vd = {{0}};
  if (ok && !verify_finish(&m, &vd)) {
    ok = false;
    diag_set(d, "generator bug: the program does not verify: %s", vd.msg);
  }
  buf_free(&g->prog);
  free(g->code);
  free(g);
  if (!ok || !module_out) module_free(&m);
  if (module_out) *module_out = ok ? m : (Module){0};
  return ok;
}

bool gen_text_of(const uint8_t *data, size_t len, const Module *m, Buf *tas_out, Diag *d) {
  if (!gen_program(data, len, tas_out, NULL, NULL, d)) return false;
  Module from_text;
  Diag ad = {{0}};
  if (!asm_assemble(tas_out->data, tas_out->len, "<gen>", &from_text, NULL, &ad)) {
    diag_set(d, "generator bug: the program's text does not assemble: %s", ad.msg);
    return false;
  }
  Buf ran = {0}, assembled = {0};
  module_write(m, &ran);
  module_write(&from_text, &assembled);
  bool same = ran.len == assembled.len && memcmp(ran.data, assembled.data, ran.len) == 0;
  if (!same) diag_set(d, "generator bug: the program's text assembles to another module than the one that ran");
  module_free(&from_text);
  buf_free(&ran);
  buf_free(&assembled);
  return same;
}

void gen_bytes_from_seed(uint64_t seed, uint8_t *out, size_t len) {
  uint64_t s = seed;
  for (size_t i = 0; i < len; i += 8) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    for (size_t b = 0; b < 8 && i + b < len; b++) out[i + b] = (uint8_t)(z >> (8 * b));
  }
}
