/* gen_internal.h: the generator's shared state (Gen) and the functions its files call
 * in one another; internal to fuzz/gen*.c (the public API is gen.h).
 *
 *   bytes --read--> decisions --emit--> code builder --cb_end--> Module --verify_finish
 *                                              \--> lines --write--> .tas text (when asked for)
 *
 *   gen_decide.h    reading decisions from the bytes
 *   gen_program.c   gen_program: program shape (chaos level, globals, number of
 *                   functions); gen_function f0 .. f(n-1), then main (a function calls
 *                   only those before it): signature (0-4 params), recursion, budget,
 *                   variables and their classes, prologue, body, epilogue
 *   gen_stmt.c      statements: assignments, updates, global stores, array sets and
 *                   appends, probes, prints, ifs (plain, and one conditional jump
 *                   reached from a fused comparison, an unfused one and an int), calls,
 *                   breaks, continues, early returns; blocks of them
 *   gen_loop.c      counted loops (nested), and tests on their counters
 *   gen_iter.c      containers changed while an iterator walks them: helper calls,
 *                   nested iteration
 *   gen_map.c       maps: colliding keys, deletion and re-insertion in loops
 *   gen_object.c    classes, instances, methods and what invalidates their caches
 *   gen_retype.c    kind changes after k iterations, followed by a use
 *   gen_hazard.c    hazards, in some programs: errors waiting to happen
 *   gen_except.c    exception hazards, in some programs: protected ranges (nested too)
 *                   whose code raises after warm-up, inline or in small helpers the
 *                   trace inlines, and handlers that probe, store, print or raise again
 *                   what they caught, or change a variable's kind
 *   gen_closure.c   cell and closure hazards, in some programs: cells and closures made
 *                   before a loop, written through one reference (a local, a closure's
 *                   capture in a callee the trace inlines, an array element) and read
 *                   through another in its body; closures swapped for another
 *                   function's after warm-up, made every iteration, returned by a
 *                   factory over a cell that outlives its frame
 *   gen_builtin.c   builtin hazards, in some programs: builtin calls in expressions
 *                   and hot loops (edge values, equal values of two kinds), call sites
 *                   whose builtin changes after warm-up (to another builtin, a function,
 *                   a closure), a builtin in a global and passed into helpers, and
 *                   conversion, type and arity errors where a handler catches them
 *   gen_limit.c     limit runners, in some programs: main ends in a loop a limit ends
 *   gen_expr.c      expressions of a wanted class, and values for variables
 *   gen_consts.h    the literals expressions pick from
 *   gen_vars.c      variables (picking, loading, storing) and the functions in reach
 *   gen_emit.c      instructions and labels into the code builder, lines for the text,
 *                   and the budget
 *   gen_text.c      a function's lines as .tas text, and the program's text
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
 *   - arrays hold numbers, and grow only by an append guarded by len < ARRAY_CAP
 *     (they shrink by a pop guarded by len > 1, or a removal whose element is
 *     appended right back: gen_stmt_shrink);
 *   - a string stored into a string-class variable is reset when longer than
 *     STRING_CAP, and only string-class variables feed string concatenation;
 *   - integer divisors are made odd (x | 1), number divisors are nonzero constants,
 *     shift amounts are constants 0..70 or masked with 63.
 * A class says which kinds a variable may hold, not which it holds now: a number
 * variable turns from int to float after k iterations, an array-or-string variable from
 * array to string, a function variable to another function of the same signature.
 * Chaos programs break the invariants on purpose: some operands get any class, and a
 * few hazards raise an error, mostly from inside a loop after some iterations.
 * Exception hazards raise errors that handlers catch: a protected range covers whole
 * statements, and whatever it raises goes to its handler or to an enclosing range's in
 * the same function (g->ntries, g->try_kinds); a handler stores what it got only into a
 * variable whose class holds every kind its range may raise (an int for a runtime
 * error, else the value raised), and changes a variable's kind only within its class.
 * The code that raises is a statement of its own (or the instruction right before or
 * right after a range, inside an outer one), so a caught error leaves no statement
 * half done, chaos aside; handlers do not loop, so loops still end by their counters.
 * Cells and closures live in locals of classes of their own (C_CELL, C_CLOS) that are
 * never ready: only the closure hazard that made them reads or writes them. Each
 * hazard's cells hold one CellKind (ints; numbers; or ints, floats, strings, bools and
 * nil), and whatever reads them accepts every kind of it (a read stored goes into a
 * variable whose class holds them all); no cell holds a cell or a closure, so there
 * are no cycles; closures are called with their function's arity, and the functions
 * that read their capture only through closures.
 * Builtins and what replaces them at a call site live in locals of class C_BUILTIN,
 * never ready either, and in one global of their own (after the object classes), which
 * only gen_builtin.c reads and writes: a call site's callees all take the arguments it
 * passes, and what reads a result accepts every kind any of them returns.
 *
 * Termination and cost: loops are counted by a local counter that no statement writes,
 * bound by a constant or by the length of a (bounded, local, read-only) array. Calls go
 * to earlier functions only, or to the function itself with a depth argument that it
 * decrements and tests first, or to the helpers after main, whose calls are bounded
 * too (a closure helper calls at most the writer closure it captured, never itself; a
 * builtin helper at most the callee it was passed or the builtin global's callee).
 * Each function has a budget of instructions per call:
 * every instruction emitted costs the number of times it can run (the product of the
 * enclosing loops' iteration counts), every call the callee's cost times that, so the
 * whole program runs at most about its main budget (tens of thousands) of instructions. */
#ifndef TESSERA_GEN_INTERNAL_H
#define TESSERA_GEN_INTERNAL_H

#include "code_builder.h"
#include "gen.h"
#include "opcodes.h"

/* Limits of a program's shape. */
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
#define MAX_TRY_DEPTH 3      /* protected ranges open at once in a function (gen_except.c) */

/* Kinds and classes. */
enum {
  K_INT = 1, K_FLOAT = 2, K_BOOL = 4, K_STR = 8, K_ARR = 16, K_NIL = 32, K_FUNC = 64, K_ALL = 127, K_OBJ = 128,
  K_MAP = 256, K_CELL = 512, K_CLOS = 1024, K_BUILTIN = 2048
};

/* C_OBJ: an instance of the program's classes (gen_object.c); C_MAP: a map
   (gen_map.c). Both are outside C_ANY, so only their own statements and expressions
   pick them. C_CELL (a cell, or an array of cells) and C_CLOS (a closure, or an array
   of closures): the locals of a closure hazard (gen_closure.c), outside C_ANY too and
   never ready, so that only the hazard that made them touches them. C_BUILTIN (a
   builtin, or a function or closure a builtin's call site calls instead, or an array
   of them): the locals of a builtin hazard (gen_builtin.c), the same way. */
typedef enum {
  C_INT, C_FLOAT, C_NUM, C_BOOL, C_STR, C_ARR, C_SEQ, C_ANY, C_FUNC, C_OBJ, C_MAP, C_CELL, C_CLOS, C_BUILTIN, C__COUNT
} Cls;

/* The kinds a value of each class may have. */
static const uint16_t cls_kinds[C__COUNT] = {
  [C_INT] = K_INT, [C_FLOAT] = K_FLOAT, [C_NUM] = K_INT | K_FLOAT, [C_BOOL] = K_BOOL,
  [C_STR] = K_STR, [C_ARR] = K_ARR, [C_SEQ] = K_STR | K_ARR, [C_ANY] = K_ALL, [C_FUNC] = K_FUNC,
  [C_OBJ] = K_OBJ, [C_MAP] = K_MAP, [C_CELL] = K_CELL, [C_CLOS] = K_CLOS, [C_BUILTIN] = K_BUILTIN | K_FUNC | K_CLOS,
};

static inline bool cls_within(Cls have, Cls want) { return (cls_kinds[have] & ~cls_kinds[want]) == 0; }

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

/* What an iterator loop walks (gen_loop.c, gen_iter.c). */
typedef enum { ITER_NONE, ITER_RANGE, ITER_ARRAY, ITER_MAP, ITER_STRING } IterKind;

/* An enclosing counted loop, for kind changes and hazards keyed on its counter. */
typedef struct {
  int32_t start, step;  /* the counter in the first iteration, and its change per iteration */
  uint32_t iters;       /* iterations (at most, for a loop bound by an array's length) */
  uint16_t counter;     /* its local */
  bool is_float;        /* the counter counts 0.0, 1.0, ... */
  uint32_t brk, cont;   /* labels: after the loop, and the counter update */
  bool over_iterator;   /* an iterator lies under the body's values: brk pops it first */
  bool brk_used;        /* a break jumped to brk (an iterator loop then emits its pop) */
  IterKind iter_kind;   /* an iterator loop: what it walks */
  VarRef iterated;      /* the array or map local it walks */
  int32_t key_local;    /* walking a map: the local holding the current key, or -1 */
} LoopCtx;

/* One line of a function's text (gen_emit.c keeps them when the caller wants text). */
#define INSN_LABEL OP__COUNT /* Insn.op of a label's place */
STATIC_ASSERT(OP__COUNT < 256, "an Insn keeps its opcode, or INSN_LABEL, in a byte");

typedef struct {
  uint8_t op;          /* an Opcode, or INSN_LABEL */
  int64_t v;           /* the operand: integer, local, global, function or label number;
                          push_const without a literal: the float v.0 */
  const char *literal; /* push_const: the literal's text, or NULL */
} Insn;

/* The kinds a closure hazard's cells hold (gen_closure.c): ints; numbers (ints, then
   floats from some iteration on); or any of int, float, string, bool and nil. */
typedef enum { CK_INT, CK_NUM, CK_ANY } CellKind;

/* A closure hazard's cells and closures, made before a loop and used in its body
   (gen_closure.c). Locals of class C_CELL or C_CLOS, or -1 when it has none. */
typedef struct {
  CellKind ck;        /* what every cell of the set holds */
  uint8_t loop;       /* the loop it was made for: its index in Gen.loops */
  int16_t cell;       /* the cell */
  int16_t alias;      /* a second local holding the same cell */
  int16_t cells;      /* an array of cells: element cell_at is the cell */
  int16_t writer;     /* a closure of a writer (CLO_SET, CLO_SWAP, CLO_ADD) over the cell */
  int16_t fns;        /* an array of two closures over the cell: writer_fn's, another writer's */
  int16_t reader;     /* a closure of CLO_GET over the cell */
  int16_t fwd;        /* a closure of CLO_FWD over the writer's first closure */
  int16_t at;         /* a closure of at_fn (CLO_AT, CLO_AT_GET, CLO_AT1, CLO_AT1_GET) over the array */
  int16_t maker;      /* a closure over a cell of its own, which the factory made */
  uint8_t cell_at, ncells;
  uint8_t writer_fn, at_fn;  /* the helpers writer and at hold first */
} CellSet;

/* What a builtin hazard's call site may call (gen_builtin.c): a builtin, a helper
   function, a closure of a helper, or a function of the program. */
typedef struct {
  uint8_t what;  /* CE_BUILTIN, CE_HELPER, CE_CLOSURE or CE_FUNC (gen_builtin.c) */
  uint8_t id;    /* the builtin (BuiltinId), the helper, or the function's index */
} BuiltinCallee;

/* A builtin hazard's call site and what it calls, made before a loop and used in its
   body (gen_builtin.c): a local holding the callee, maybe an array of two. */
typedef struct {
  uint8_t loop;     /* the loop it was made for: its index in Gen.loops */
  uint8_t family;   /* the arguments its calls pass (gen_builtin.c) */
  int16_t f;        /* a C_BUILTIN local: first, from some iteration on maybe other */
  int16_t fs;       /* a C_BUILTIN local, [first, other], or -1 */
  BuiltinCallee first, other;
  uint16_t kinds;   /* the kinds a call's result may have, whichever the callee */
  uint32_t cost;    /* instructions a call runs at most, whichever the callee */
} BuiltinSet;

/* The program's object model (gen_object.c). */
typedef struct {
  bool on;
  bool k1_inherits, k1_own;     /* K1's base is K0; and it has methods of its own, */
  bool k1_own_m;                /* m (else n) among them */
  uint8_t mutator;              /* the method n: which mutation it makes */
  bool op_add_mutates;          /* op_add switches self to the other class */
  bool finalizers;              /* the classes have op_del, and hot loops drop instances */
  bool inits;                   /* the classes have init: instances are made by a class call
                                   with an argument, which traces inline (push_init_frame) */
  bool finalizer_mutates;       /* the finalizer stores K0.c: with inits, in half the programs
                                   (a class mutated at every release renews the version
                                   call_class caches, and its site never stays specialized) */
  int32_t rebound_global;       /* an int or number global the mutator and the finalizer
                                   store into (a trace that promoted it is invalidated), or -1 */
  uint32_t first_class_global;  /* K0 and K1: globals after the generator's own */
  uint32_t first_method;        /* the methods: functions after main */
} ObjModel;

typedef struct {
  /* Input. */
  const uint8_t *data;
  size_t len, pos;
  /* Output: the module, and the functions' text when the caller wants text. */
  Module *m;
  CodeBuilder cb;  /* the current function's code, and the module's constant pool */
  bool want_text;
  Buf prog;
  bool failed;  /* the code does not encode: a generator bug, said in why */
  char why[200];
  /* The current function's lines, for its text (want_text only). */
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
  ObjModel obj;
  bool maps_on;        /* each function has a map local (gen_map.c) */
  uint32_t first_helper;  /* the iteration helpers: functions after the methods (gen_iter.c) */
  bool depth_runner;      /* main calls the depth runner's functions (gen_limit.c) */
  bool except_on;             /* the program has exception hazards and helpers (gen_except.c) */
  uint32_t first_exc_helper;  /* its helpers: functions after the iteration helpers */
  bool closures_on;           /* the program has cells and closures (gen_closure.c) */
  uint32_t first_clo_helper;  /* their helpers: functions after the exception helpers */
  bool builtins_on;           /* the program has builtin hazards (gen_builtin.c) */
  bool retype_select;         /* kind changes may be made without a branch (gen_retype.c) */
  uint32_t first_bi_helper;   /* their helpers: functions after the closure helpers */
  uint32_t builtin_global;    /* their global: after the object classes' */
  /* The current function. */
  FuncInfo *fn;
  bool is_main;
  Var locals[MAX_LOCALS];
  const char *fname;  /* for messages */
  uint32_t nlocals, nparams;
  uint32_t insns, static_cap;  /* instructions emitted, and where statements stop */
  uint64_t mult;               /* times the current point runs per call, at most */
  uint64_t spent, budget;      /* instructions per call so far, and the cap */
  LoopCtx loops[MAX_LOOP_DEPTH];
  uint32_t nloops;
  uint32_t block_depth;
  bool prologue;               /* initializing variables: no calls */
  int32_t iterated_map;        /* the map local an enclosing loop walks, or -1: its number
                                  of keys stays (but for a rare hazard) */
  IterKind iter_again_kind;    /* the next loop walks iter_again, the container of the */
  VarRef iter_again;           /* loop it is nested in (gen_iter_hazard), or ITER_NONE */
  uint32_t ntries;             /* protected ranges open around the current point */
  uint16_t try_kinds[MAX_TRY_DEPTH];  /* the kinds (K_*) each one's handler may get */
  CellSet cellsets[MAX_LOOP_DEPTH];   /* closure hazards of the enclosing loops (gen_closure.c) */
  uint32_t ncellsets;
  int32_t fresh_cell, fresh_clos;     /* locals for cells made in place, or -1 (gen_closure.c) */
  BuiltinSet bsets[MAX_LOOP_DEPTH];   /* builtin hazards of the enclosing loops (gen_builtin.c) */
  uint32_t nbsets;
} Gen;

enum { W_LOCAL = 1, W_GLOBAL = 2, W_BOTH = 3 };  /* where gen_pick_var looks */

/* gen_emit.c */
void gen_code_begin(Gen *g, const char *fname);
void gen_code_end(Gen *g, Function *f);
void gen_emit_op(Gen *g, Opcode op);
/* An instruction with an integer operand: a number, local, global, function or count. */
void gen_emit_int(Gen *g, Opcode op, int64_t v);
/* push_const of a literal, its .tas text. */
void gen_emit_const(Gen *g, const char *literal);
/* push_const of the float v.0. */
void gen_emit_const_float(Gen *g, int64_t v);
/* An instruction whose operand is a name (the string constant of identifier name). */
void gen_emit_name(Gen *g, Opcode op, const char *name);
uint32_t gen_new_label(Gen *g);
void gen_place_label(Gen *g, uint32_t label);
void gen_emit_jump(Gen *g, Opcode op, uint32_t label);
/* Whether n more instructions at the current point fit the budget. */
bool gen_fits(Gen *g, uint64_t n);
/* Whether another statement may start: budget and static size. */
bool gen_room_for_stmt(Gen *g);

/* gen_vars.c */
Var *gen_var_at(Gen *g, VarRef r);
/* Picks a ready variable whose class fits want, among locals, globals or both. */
bool gen_pick_var(Gen *g, Cls want, int sig, bool writable, int where, VarRef *out);
void gen_emit_load(Gen *g, VarRef r);
/* if len(a) < n, on; else jump to label (a guard before an append). */
void gen_jump_unless_shorter(Gen *g, VarRef a, uint32_t n, uint32_t label);
void gen_emit_store(Gen *g, VarRef r);
bool gen_new_local(Gen *g, Cls cls, uint16_t *index);
/* Picks a ready, writable variable of ordinary class (below C_FUNC) whose class holds
   every kind in kinds: among the locals, and the globals too when globals is true. */
bool gen_pick_holder(Gen *g, uint16_t kinds, bool globals, VarRef *out);
/* A function the generator writes whole, after main (iteration and limit helpers):
   function `index` of the module, named "fINDEX" as the others, its code begun; and its
   end, with its parameters and locals. */
Function *gen_helper_begin(Gen *g, uint32_t index);
void gen_helper_end(Gen *g, Function *out, uint32_t nparams, uint32_t nlocals);

/* gen_limit.c: in some programs, code at main's end that runs until a limit runs out. */
void gen_limit_runner(Gen *g);
/* The functions a runner calls, after the iteration helpers: the module grows by them,
   in the programs that call them. */
void gen_limit_helpers(Gen *g);
/* The cost of a call to f, all levels of recursion included. */
uint64_t gen_call_cost(const FuncInfo *f);
/* The largest cost among the functions a function value of signature sig may hold. */
uint64_t gen_sig_cost(Gen *g, uint8_t sig);
/* A random finished, non-recursive function with signature id sig, or -1. */
int gen_pick_func_of_sig(Gen *g, uint8_t sig);

/* gen_expr.c */
/* Pushes one value whose kind is within want (unless chaos says otherwise). */
void gen_expr(Gen *g, Cls want, int depth);
/* A leaf of class want (a constant or a variable). */
void gen_leaf(Gen *g, Cls want);
void gen_small_int(Gen *g);
/* The number on the stack used by an operation that accepts any number (ints only,
   when ints is true): an int operation, doubled, compared, negated, or left as it is. */
void gen_use_number(Gen *g, bool ints);
/* An int that is never zero: x | 1, or a nonzero constant. */
void gen_nonzero_int(Gen *g, int depth);
/* A shift amount in 0..70, never negative. */
void gen_shift_amount(Gen *g, int depth);
/* Pushes array variable r and an index into it, in range (for set). */
void gen_array_slot(Gen *g, VarRef r);
/* A call to an earlier function returning a class within want; false if none fits. */
bool gen_call(Gen *g, Cls want, int depth);
/* Pushes a function of signature sig other than avoid (-1: any); returns its index. */
int gen_func_value(Gen *g, uint8_t sig, int avoid);
/* A value for variable v: of its class, its usual kind first. */
void gen_value_for(Gen *g, Var *v);

/* gen_stmt.c */
void gen_stmt_assign(Gen *g, bool global);
void gen_stmt_update(Gen *g, bool global);
/* Pushes a condition; most are comparisons, which t1 fuses with the jump that follows. */
void gen_cond(Gen *g);
/* min_stmts to max_stmts statements, fewer when the budget or the size cap runs out. */
void gen_block_n(Gen *g, uint32_t min_stmts, uint32_t max_stmts);
/* 1 to max_stmts statements, fewer when the budget or the size cap runs out. */
void gen_block(Gen *g, uint32_t max_stmts);
/* The most statements a nested block (of an if or a loop) may draw. */
uint32_t gen_sub_block_stmts(Gen *g);

/* gen_loop.c */
/* A counted loop around a block; false (nothing emitted) when it does not fit. */
bool gen_loop(Gen *g, bool hot);
/* The counter's value in an iteration from the middle half of loop l's. */
int32_t gen_counter_value_mid(Gen *g, const LoopCtx *l);
/* Pushes a bool that is true from some iteration of loop l on (or at it, or every m-th). */
void gen_counter_test(Gen *g, const LoopCtx *l);
/* Of the two-element array on the stack, element (counter >> 3) & 1 of loop l: the
   first in blocks of eight iterations, the second in the blocks between, chosen with no
   branch (the hazards that change a value under a trace that runs on). */
void gen_pick_by_block(Gen *g, const LoopCtx *l);
/* Pushes whether loop l's counter has passed a quarter of its iterations. */
void gen_counter_past_quarter(Gen *g, const LoopCtx *l);

/* gen_retype.c: a kind change from iteration k of an enclosing loop on, then a use. */
void gen_stmt_retype(Gen *g);
/* r used by an operation specialized on its kind, the result probed. */
void gen_retype_use(Gen *g, VarRef r);
/* gen_elem.c: a local array of strings written at a local index and a constant one in a
   loop: before the loop (its three locals in a row, the array's answered, or -1), then
   in its body. */
int32_t gen_elem_store_before(Gen *g, uint32_t iters, bool int_counter, bool hot);
void gen_elem_store(Gen *g, const LoopCtx *l, uint16_t a);
/* And a local array of ints or floats read into an accumulator of its kind, one element
   changed to the other kind from a quarter of the loop on in some programs (its three
   locals in a row). */
int32_t gen_elem_kind_before(Gen *g, uint32_t iters, bool int_counter, bool hot);
void gen_elem_kind(Gen *g, const LoopCtx *l, uint16_t a);
/* And a local text whose bytes are compared with string constants, an index past its
   end in some programs (its three locals in a row). */
int32_t gen_elem_char_before(Gen *g, uint32_t iters, bool int_counter, bool hot);
void gen_elem_char(Gen *g, const LoopCtx *l, uint16_t t);
/* A local overwritten after a kind guard on it fails (before the loop, then in its body). */
int32_t gen_retype_overwrite_before(Gen *g, uint32_t iters);
void gen_retype_overwrite(Gen *g, const LoopCtx *l, uint16_t r);
/* gen_hazard.c: an error waiting to happen (chaos programs only). */
void gen_stmt_hazard(Gen *g);

/* gen_except.c: protected ranges whose code raises, and handlers (except_on programs). */
#define EXC_HELPERS 4
/* The helper functions, after the iteration helpers. */
void gen_except_helpers(Gen *g);
/* A range around an error (in some iterations of an enclosing loop), and its handler. */
void gen_stmt_try(Gen *g);
/* First in a loop's body: a range around an error in some iterations of this loop; or,
   inside another range, the error alone, which leaves the loop for that range's handler. */
void gen_except_loop(Gen *g);

/* gen_closure.c: cells and closures (closures_on programs). */
#define CLO_HELPERS 10
/* The helper functions (closure bodies and a factory), after the exception helpers. */
void gen_closure_helpers(Gen *g);
/* Before a loop's counter is set: maybe cells and closures for its body (a CellSet);
   true when made, and then gen_closure_loop and gen_closure_after must follow. */
bool gen_closure_before(Gen *g, bool hot);
/* First in that loop's body: cells written and read through their references. */
void gen_closure_loop(Gen *g);
/* After that loop: what its cells hold, observed; the set ends. */
void gen_closure_after(Gen *g);
/* A statement: a step on an enclosing loop's set, or a cell and closure made in place. */
void gen_stmt_closure(Gen *g);

/* gen_builtin.c: builtin calls and the call sites whose builtin changes (builtins_on
   programs). */
#define BI_HELPERS 6
/* The helper functions, after the closure helpers. */
void gen_builtin_helpers(Gen *g);
/* main's first code after the classes: the builtin global gets its first builtin. */
void gen_builtin_global(Gen *g);
/* Pushes a builtin's result of class want (C_INT, C_FLOAT, C_NUM, C_STR); false
   (nothing emitted) for another class. */
bool gen_builtin_expr(Gen *g, Cls want, int depth);
/* Before a loop's counter is set: maybe a call site and its callees for its body (a
   BuiltinSet); true when made, and then gen_builtin_loop and gen_builtin_after must
   follow. */
bool gen_builtin_before(Gen *g, bool hot);
/* First in that loop's body: calls through the set, its callee changed. */
void gen_builtin_loop(Gen *g);
/* After that loop: what the callee is now, observed; the set ends. */
void gen_builtin_after(Gen *g);
/* A statement: a step on an enclosing loop's set, a builtin call, the global changed or
   called, or an error a handler catches. */
void gen_stmt_builtin(Gen *g);
/* Chaos programs: pushes a builtin call that raises (a conversion, type or arity error). */
void gen_builtin_hazard_value(Gen *g);

/* gen_object.c: classes, instances, methods and what invalidates their caches. */
#define OBJ_CLASSES 2
#define OBJ_METHODS 10
/* Whether the program has objects (a decision), and where its globals and methods go. */
void gen_object_model(Gen *g, uint32_t first_class_global, uint32_t first_method);
/* main's first code: the classes, their attributes and methods. */
void gen_object_classes(Gen *g);
/* The method functions, after main. */
void gen_object_methods(Gen *g);
/* Pushes a new instance with attributes a and b. */
void gen_object_new(Gen *g);
/* Pushes an int read from an instance or class, or a method's; false if none in reach. */
bool gen_object_int(Gen *g);
/* A store, a method call or a mutation (at once, or from some loop iteration on). */
void gen_stmt_object(Gen *g);
/* In a loop: an attribute or method use, a mutation from some iteration on, a use again. */
void gen_object_hazard(Gen *g);
void gen_object_drop(Gen *g);

/* gen_iter.c: containers changed while an iterator walks them. */
#define ITER_HELPERS 2
/* The helper functions, after the methods. */
void gen_iter_helpers(Gen *g);
/* In the body of iterator loop l: its container changed by a callee, or walked by a
   nested loop. */
void gen_iter_hazard(Gen *g, const LoopCtx *l);

/* gen_map.c */
/* The most keys a map holds: its keys come from a pool with 12 distinct keys. */
#define MAP_MAX_KEYS 12
void gen_map_model(Gen *g);
/* Pushes a key of the pool. */
void gen_map_emit_key(Gen *g);
/* Stores n keys of the pool into m, with numbers. */
void gen_map_fill(Gen *g, VarRef m, uint32_t n);
/* Stores a key of the pool into m: a key it may not have yet. */
void gen_map_store(Gen *g, VarRef m);
/* Pushes a new map holding one or two numbers. */
void gen_map_new(Gen *g);
/* A store, a guarded lookup, deletion or update, or a probe of the map. */
void gen_stmt_map(Gen *g);
/* In a loop: a lookup, a key deleted and stored again, lookups again. */
void gen_map_hazard(Gen *g);
/* An array shrunk in place: rotated through a removal, or popped when longer than 1;
   gen_shrink_array does it to r. */
void gen_stmt_shrink(Gen *g);
void gen_shrink_array(Gen *g, VarRef r, bool rotate);

/* gen_text.c */
/* Appends function f's lines as .tas text to g->prog. */
void gen_text_function(Gen *g, const Function *f);
/* The program's text: a header comment, the globals, then the functions' text. */
void gen_text_program(Gen *g, Buf *out);

#endif
