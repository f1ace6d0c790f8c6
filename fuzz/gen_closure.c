/* gen_closure.c: cell and closure hazards (docs/semantics.md section 27), in the programs
 * that have them (g->closures_on, 40%): a cell written through one reference and read
 * through another inside a traced loop, so the trace optimizer's cell facts (docs/tier2.md,
 * "Cells in traces") must end at every cell write, whatever reference it goes through.
 *
 * A loop (80% of hot loops, 35% of the others) may get a set of cells and closures
 * (CellSet), made right before its counter is set; its locals are of class C_CELL or
 * C_CLOS and never ready, so that no other statement picks them:
 *
 *   cell     a cell holding an int
 *   alias    a second local holding the same cell (half of the sets)
 *   cells    an array of 2 or 3 cells, one of them the cell (a third)
 *   writer   a closure of CLO_SET, CLO_SWAP or CLO_ADD over the cell (85%)
 *   fns      [a closure of the writer's function, one of another writer's], both over
 *            the cell (70% of the writers)
 *   reader   a closure of CLO_GET over the cell
 *   fwd      a closure of CLO_FWD over the writer's closure: a call two frames deep
 *   at       a closure of CLO_AT or CLO_AT_GET over the array of cells (of CLO_AT1 or
 *            CLO_AT1_GET in half of them: cell 1, at a constant index)
 *   maker    the closure the factory CLO_MAKE returned, over a cell of its own that
 *            outlives the factory's frame
 *
 * First in the loop's body (one step, two in 40%), and as statements deeper in it,
 * steps on the set:
 *   fact     the cell written through a local (a constant, or a value), maybe read back
 *            through it (the optimizer's cell fact answers; sometimes after a call of
 *            the reader, which writes nothing), written through another reference (the
 *            other local, the writer or fns[t] or fwd, inlined, an array element, the
 *            array's closure, a closure made there), and read through the first local:
 *            that read must see the second write. What a read gets is stored into a
 *            variable and loaded again (a known value goes on through the local), or
 *            a copy of it used, or used in arithmetic (a known kind drops a guard), and
 *            probed.
 *   around   the cell read, the writer called, the cell read again
 *   read     through the reader closure, or the array's
 *   swap     the writer (or the call) takes fns[t], t 0 before iteration k and 1 from it
 *            on (or at it, or every m-th), with no branch, so the trace's
 *            guard_closure_callee exits; or, after a counter test, the writer gets a
 *            closure of another writer made there (over the cell, or a new cell), and
 *            in a third of these the first one's again in the other iterations. Then
 *            the writer is called and the cell read.
 *   array    an element of the array written (by its closure, the counter as index,
 *            or directly) and one read
 *   factory  the maker called, or CLO_MAKE called for a new closure and that one called
 *   fresh    a new cell and a closure over it (every iteration, in a loop): written
 *            through the local, the closure called, the cell read
 * After the loop the cell is probed (or printed, in main), and sometimes the writer
 * (a closure's probe hashes its function and what its cell holds), the array of cells
 * and the maker's sum. The fresh and factory steps are also statements of their own,
 * in any function, in a loop with a set or not.
 *
 * What cells hold (CellKind): ints; numbers (ints, and floats from a counter test on);
 * or ints, floats, strings, bools and nil. What reads a cell accepts every kind its set
 * may hold: int or number arithmetic and comparisons for the first two, `not`, `eq` and
 * probes for the third; a read stored goes only into a variable whose class holds them
 * all. A cell never holds a cell or a closure: no cycles. No step raises (chaos programs
 * aside: an int may come from a variable that chaos operands filled).
 *
 * The helpers, after the exception helpers (CLO_HELPERS functions, only in these
 * programs), small enough that a trace inlines their calls; all but the factory are
 * called only through closures (load_capture raises in any other frame):
 *   CLO_GET ()        the captured cell's value
 *   CLO_SET (x)       the cell holds x; returns x
 *   CLO_SWAP (x)      the cell holds x; returns what it held
 *   CLO_ADD (x)       the cell holds its value + x, which it returns (numbers only)
 *   CLO_AT (i, v)     cell i mod n of the captured array holds v; returns v
 *   CLO_AT_GET (i)    cell i mod n's value
 *   CLO_AT1 (v)       cell 1 of the captured array holds v; returns v (the trace reads
 *                     and writes it with one op: rule capture-elem-cell)
 *   CLO_AT1_GET ()    cell 1's value
 *   CLO_FWD (x)       the captured closure called with x
 *   CLO_MAKE (x)      a plain function: a new cell holding x, a closure of CLO_ADD over
 *                     it, then the cell set to x + 1; returns the closure */
#include "gen_consts.h"
#include "gen_decide.h"
#include "gen_internal.h"

enum { CLO_GET, CLO_SET, CLO_SWAP, CLO_ADD, CLO_AT, CLO_AT_GET, CLO_FWD, CLO_MAKE, CLO_AT1, CLO_AT1_GET };
STATIC_ASSERT(CLO_AT1_GET + 1 == CLO_HELPERS, "gen_internal.h counts the helpers");

/* Instructions a call of each helper runs, the call itself included. */
static const uint8_t helper_cost[CLO_HELPERS] = {5, 7, 8, 11, 13, 11, 18, 15, 9, 7};
#define WRITER_COST 11  /* a writer's call, whichever writer the variable holds now */
#define STEP_SIZE 80    /* instructions a step emits at most */
#define STEP_COST 48    /* instructions a step runs, about, calls included */
#define SET_SIZE 40     /* instructions a set's making emits at most */

/* The kinds the cells of a set may hold. */
static const uint16_t ck_kinds[] = {
  [CK_INT] = K_INT, [CK_NUM] = K_INT | K_FLOAT, [CK_ANY] = K_INT | K_FLOAT | K_STR | K_BOOL | K_NIL,
};

static uint32_t helper_index(const Gen *g, int h) { return g->first_clo_helper + (uint32_t)h; }

/* The cell of the captured array of n cells a CLO_AT form reaches: i mod n (its param 0
   is i), or cell 1 for the CLO_AT1 forms (one: every array of cells has two or three). */
static void emit_captured_cell(Gen *g, bool one) {
  gen_emit_op(g, OP_LOAD_CAPTURE);
  if (one) {
    gen_emit_int(g, OP_PUSH_INT, 1);
  } else {
    gen_emit_int(g, OP_LOAD_LOCAL, 0);
    gen_emit_op(g, OP_LOAD_CAPTURE);
    gen_emit_op(g, OP_LEN);
    gen_emit_op(g, OP_MOD);
  }
  gen_emit_op(g, OP_GET);
}

void gen_closure_helpers(Gen *g) {
  if (!g->closures_on) return;
  for (int h = CLO_GET; h < CLO_HELPERS; h++) {
    Function *out = gen_helper_begin(g, helper_index(g, h));
    uint32_t nparams = 1, nlocals = 0;
    switch (h) {
    case CLO_GET:
      nparams = 0;
      gen_emit_op(g, OP_LOAD_CAPTURE);
      gen_emit_op(g, OP_CELL_GET);
      break;
    case CLO_SET:
      gen_emit_op(g, OP_LOAD_CAPTURE);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_op(g, OP_CELL_SET);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      break;
    case CLO_SWAP:
      gen_emit_op(g, OP_LOAD_CAPTURE);
      gen_emit_op(g, OP_CELL_GET);
      gen_emit_op(g, OP_LOAD_CAPTURE);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_op(g, OP_CELL_SET);
      break;
    case CLO_ADD:  /* c.set(c.get() + x), the sum returned */
      gen_emit_op(g, OP_LOAD_CAPTURE);
      gen_emit_op(g, OP_CELL_GET);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_op(g, OP_ADD);
      gen_emit_op(g, OP_DUP);
      gen_emit_op(g, OP_LOAD_CAPTURE);
      gen_emit_op(g, OP_SWAP);
      gen_emit_op(g, OP_CELL_SET);
      break;
    case CLO_AT:
    case CLO_AT1: {  /* the value: param 1 of CLO_AT (after i), param 0 of CLO_AT1 */
      uint32_t v = h == CLO_AT ? 1 : 0;
      nparams = v + 1;
      emit_captured_cell(g, h == CLO_AT1);
      gen_emit_int(g, OP_LOAD_LOCAL, v);
      gen_emit_op(g, OP_CELL_SET);
      gen_emit_int(g, OP_LOAD_LOCAL, v);
      break;
    }
    case CLO_AT_GET:
    case CLO_AT1_GET:
      nparams = h == CLO_AT_GET ? 1 : 0;
      emit_captured_cell(g, h == CLO_AT1_GET);
      gen_emit_op(g, OP_CELL_GET);
      break;
    case CLO_FWD:
      gen_emit_op(g, OP_LOAD_CAPTURE);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_int(g, OP_CALL, 1);
      break;
    default:  /* CLO_MAKE: local 1 the cell; the closure stays on the stack */
      nlocals = 1;
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_op(g, OP_CELL_NEW);
      gen_emit_int(g, OP_STORE_LOCAL, 1);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_int(g, OP_CLOSURE, helper_index(g, CLO_ADD));
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_int(g, OP_PUSH_INT, 1);
      gen_emit_op(g, OP_ADD);
      gen_emit_op(g, OP_CELL_SET);
      break;
    }
    gen_emit_op(g, OP_RETURN);
    gen_helper_end(g, out, nparams, nlocals);
  }
}

/* Small pieces. */

static void load(Gen *g, int16_t local) { gen_emit_int(g, OP_LOAD_LOCAL, local); }
static void store(Gen *g, int16_t local) { gen_emit_int(g, OP_STORE_LOCAL, local); }

static void probe(Gen *g) {
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
}

/* A call of a closure (or of the factory) whose arguments are pushed. */
static void call(Gen *g, uint32_t argc, uint64_t cost) {
  gen_emit_int(g, OP_CALL, argc);
  g->shape.calls++;
  g->spent += g->mult * cost;
}

/* A call's result: probed, or dropped. */
static void result(Gen *g) {
  if (rd_chance(g, 50))
    probe(g);
  else
    gen_emit_op(g, OP_POP);
}

/* A hazard's own local: never ready, so nothing else picks it. -1 when none is left. */
static int16_t new_local(Gen *g, Cls cls) {
  uint16_t index;
  return gen_new_local(g, cls, &index) ? (int16_t)index : -1;
}

static bool step_fits(Gen *g) { return g->insns + STEP_SIZE <= g->static_cap && gen_fits(g, STEP_COST); }

static CellKind pick_kind(Gen *g) {
  uint32_t r = rd_below(g, 100);
  return r < 35 ? CK_INT : r < 75 ? CK_NUM : CK_ANY;
}

/* A writer function for cells of kind ck, other than avoid (-1: any). */
static uint8_t pick_writer(Gen *g, CellKind ck, int avoid) {
  uint8_t cand[3], n = 0;
  static const uint8_t writers[] = {CLO_SET, CLO_SWAP, CLO_ADD};
  for (uint32_t i = 0; i < (ck == CK_ANY ? 2u : 3u); i++)
    if (writers[i] != avoid) cand[n++] = writers[i];
  return cand[rd_below(g, n)];
}

/* Values for cells. */

/* Loop l's counter, as an int. */
static void emit_counter_int(Gen *g, const LoopCtx *l) {
  gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
  if (l->is_float) gen_emit_op(g, OP_TO_INT);
}

/* An int that changes from iteration to iteration of loop l (NULL: outside loops), or
   a variable or a constant. */
static void emit_int_value(Gen *g, const LoopCtx *l) {
  static const Opcode ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_BXOR};
  if (!l || rd_chance(g, 25)) {
    gen_leaf(g, C_INT);
    return;
  }
  emit_counter_int(g, l);
  gen_small_int(g);
  gen_emit_op(g, PICK(g, ops));
}

/* A value of another kind than int that cells of kind ck may hold: a float (a number
   cell), or a float, string (a constant, or in a loop one made there), bool or nil. */
static void emit_other_kind(Gen *g, CellKind ck, const LoopCtx *l) {
  static const char *const halves[] = {"0.5", "-2.5", "1.5", "0.25"};
  if (ck == CK_NUM || rd_chance(g, 30)) {
    if (l && rd_chance(g, 60)) {  /* i + 0.5 */
      gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
      gen_emit_op(g, OP_TO_FLOAT);
      gen_emit_const(g, PICK(g, halves));
      gen_emit_op(g, OP_ADD);
    } else {
      gen_emit_const(g, PICK(g, float_edges));
    }
    return;
  }
  switch (rd_below(g, 4)) {
  case 0: gen_emit_op(g, rd_chance(g, 50) ? OP_PUSH_TRUE : OP_PUSH_FALSE); return;
  case 1: gen_emit_op(g, OP_PUSH_NIL); return;
  default:
    if (l && rd_chance(g, 50)) {  /* the counter's text: a string made now, which the write
                                     that replaces it must release (constants live on) */
      gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
      gen_emit_op(g, OP_TO_STR);
    } else {
      gen_emit_const(g, PICK(g, str_consts));
    }
    return;
  }
}

/* Pushes a value for a cell of kind ck: an int constant when constant; else an int that
   changes every iteration of loop l, or (number and any cells) a value of another kind
   from some iteration of l on (at it, every m-th), so what read the cell before
   deopts or exits. */
static void emit_value(Gen *g, CellKind ck, const LoopCtx *l, bool constant) {
  if (constant) {
    gen_small_int(g);
    return;
  }
  if (ck != CK_INT && l && rd_chance(g, 45)) {
    uint32_t other = gen_new_label(g);
    uint32_t done = gen_new_label(g);
    gen_counter_test(g, l);
    gen_emit_jump(g, OP_JUMP_IF_TRUE, other);
    emit_int_value(g, l);
    gen_emit_jump(g, OP_JUMP, done);
    gen_place_label(g, other);
    emit_other_kind(g, ck, l);
    gen_place_label(g, done);
    return;
  }
  if (ck != CK_INT && rd_chance(g, 15)) {
    emit_other_kind(g, ck, l);
    return;
  }
  emit_int_value(g, l);
}

/* Reads. */

/* The value on the stack (of the kinds a cell of kind ck holds) used by an operation
   that accepts every one of them. */
static void emit_use(Gen *g, CellKind ck) {
  if (ck == CK_ANY) {
    switch (rd_below(g, 3)) {
    case 0: gen_emit_op(g, OP_NOT); return;
    case 1:
      gen_small_int(g);
      gen_emit_op(g, rd_chance(g, 50) ? OP_EQ : OP_NE);
      return;
    default: return;
    }
  }
  gen_use_number(g, ck == CK_INT);
}

/* The value read from a cell of kind ck, on the stack: observed so that a wrong read
   shows, and popped. Stored into a variable and loaded back (a value the optimizer
   knows goes on through the local: more often when stale, for the read a wrong cell
   fact would answer), or a copy used first (the optimizer may fold that), then used. */
static void observe(Gen *g, CellKind ck, bool stale) {
  VarRef v;
  uint32_t r = rd_below(g, 4);
  if (r < 2 || (stale && r < 3)) {
    if (gen_pick_holder(g, ck_kinds[ck], false, &v)) {
      gen_emit_store(g, v);
      gen_emit_load(g, v);
    }
  } else if (r == 2) {
    gen_emit_op(g, OP_DUP);
    emit_use(g, ck);
    probe(g);
  }
  emit_use(g, ck);
  probe(g);
}

static void read_local(Gen *g, int16_t local, CellKind ck, bool stale) {
  load(g, local);
  gen_emit_op(g, OP_CELL_GET);
  observe(g, ck, stale);
}

/* The set's steps. */

/* Pushes fns[t], t 0 before iteration k of loop l and 1 from it on (or at it, or every
   m-th): a closure chosen by data, with no branch the trace would follow. */
static void emit_pick_closure(Gen *g, const CellSet *s, const LoopCtx *l) {
  load(g, s->fns);
  gen_counter_test(g, l);
  gen_emit_op(g, OP_TO_INT);
  gen_emit_op(g, OP_GET);
}

/* Whether the array's closure writes a cell (CLO_AT, CLO_AT1), or reads one. */
static bool at_writes(const CellSet *s) { return s->at >= 0 && (s->at_fn == CLO_AT || s->at_fn == CLO_AT1); }
static bool at_reads(const CellSet *s) { return s->at >= 0 && (s->at_fn == CLO_AT_GET || s->at_fn == CLO_AT1_GET); }

/* A call of the array's closure on the value (CLO_AT, CLO_AT1) or none (the _GET forms)
   pushed last, and the index i before it for CLO_AT and CLO_AT_GET. */
static void call_at(Gen *g, const CellSet *s, uint32_t values) {
  bool one = s->at_fn == CLO_AT1 || s->at_fn == CLO_AT1_GET;
  call(g, values + (one ? 0 : 1), helper_cost[s->at_fn]);
}

/* The cell written through another reference than local via: the other local, the
   writer or fwd, an array element, the array's closure, or a closure made here. */
static void other_write(Gen *g, const CellSet *s, const LoopCtx *l, int16_t via) {
  enum { O_WRITER, O_FWD, O_LOCAL, O_ELEM, O_AT, O_MADE, O__COUNT };
  uint32_t w[O__COUNT] = {s->writer >= 0 ? 6 : 0, s->fwd >= 0 ? 2 : 0, s->alias >= 0 ? 3 : 0,
                          s->cells >= 0 ? 2 : 0, at_writes(s) && (s->at_fn == CLO_AT || s->cell_at == 1) ? 2 : 0, 1};
  switch (rd_pick(g, w, O__COUNT)) {
  case O_WRITER:  /* the writer, or fns[t]: from iteration k on another writer's closure */
    if (s->fns >= 0 && rd_chance(g, 40))
      emit_pick_closure(g, s, l);
    else
      load(g, s->writer);
    emit_value(g, s->ck, l, false);
    call(g, 1, WRITER_COST);
    result(g);
    return;
  case O_FWD:
    load(g, s->fwd);
    emit_value(g, s->ck, l, false);
    call(g, 1, helper_cost[CLO_FWD]);
    result(g);
    return;
  case O_LOCAL:
    load(g, via == s->cell ? s->alias : s->cell);
    emit_value(g, s->ck, l, false);
    gen_emit_op(g, OP_CELL_SET);
    return;
  case O_ELEM:
    load(g, s->cells);
    gen_emit_int(g, OP_PUSH_INT, s->cell_at);
    gen_emit_op(g, OP_GET);
    emit_value(g, s->ck, l, false);
    gen_emit_op(g, OP_CELL_SET);
    return;
  case O_AT:  /* an index that is the cell's modulo the length; CLO_AT1's cell 1 is the cell */
    load(g, s->at);
    if (s->at_fn == CLO_AT) gen_emit_int(g, OP_PUSH_INT, s->cell_at + s->ncells * rd_below(g, 4));
    emit_value(g, s->ck, l, false);
    call_at(g, s, 1);
    result(g);
    return;
  default: {  /* a closure over the cell, made in the loop */
    uint8_t f = pick_writer(g, s->ck, -1);
    load(g, via);
    gen_emit_int(g, OP_CLOSURE, helper_index(g, f));
    emit_value(g, s->ck, l, false);
    call(g, 1, helper_cost[f]);
    result(g);
    return;
  }
  }
}

static int16_t pick_via(Gen *g, const CellSet *s) { return s->alias >= 0 && rd_chance(g, 30) ? s->alias : s->cell; }

/* Written through a local, maybe read back, written through another reference, read
   through the local: the fact the first write gave must end at the second. */
static void step_fact(Gen *g, const CellSet *s, const LoopCtx *l) {
  int16_t via = pick_via(g, s);
  load(g, via);
  emit_value(g, s->ck, l, rd_chance(g, 55));
  gen_emit_op(g, OP_CELL_SET);
  if (s->reader >= 0 && rd_chance(g, 25)) {  /* a callee that only reads: the fact stays */
    load(g, s->reader);
    call(g, 0, helper_cost[CLO_GET]);
    observe(g, s->ck, false);
    read_local(g, via, s->ck, false);
  } else if (rd_chance(g, 50)) {
    read_local(g, via, s->ck, false);
  }
  other_write(g, s, l, via);
  read_local(g, via, s->ck, true);
}

/* Read, the writer called (or fwd), read again. */
static void step_around(Gen *g, const CellSet *s, const LoopCtx *l) {
  int16_t via = pick_via(g, s);
  read_local(g, via, s->ck, false);
  bool fwd = s->fwd >= 0 && rd_chance(g, 40);
  load(g, fwd ? s->fwd : s->writer);
  emit_value(g, s->ck, l, false);
  call(g, 1, fwd ? helper_cost[CLO_FWD] : WRITER_COST);
  result(g);
  read_local(g, via, s->ck, true);
}

/* An index into the array of cells: the counter, or a constant (the helpers take it
   modulo the length). */
static void emit_index(Gen *g, const CellSet *s, const LoopCtx *l) {
  if (rd_chance(g, 60))
    emit_counter_int(g, l);
  else
    gen_emit_int(g, OP_PUSH_INT, (int64_t)rd_below(g, 3u * s->ncells));
}

/* An element of the array of cells (in range), pushed. */
static void emit_element(Gen *g, const CellSet *s, const LoopCtx *l) {
  load(g, s->cells);
  if (rd_chance(g, 50)) {
    emit_counter_int(g, l);
    gen_emit_int(g, OP_PUSH_INT, s->ncells);
    gen_emit_op(g, OP_MOD);
  } else {
    gen_emit_int(g, OP_PUSH_INT, rd_below(g, s->ncells));
  }
  gen_emit_op(g, OP_GET);
}

/* Through the reader, or the array's closure. */
static void step_read(Gen *g, const CellSet *s, const LoopCtx *l) {
  if (s->reader >= 0 && (!at_reads(s) || rd_chance(g, 50))) {
    load(g, s->reader);
    call(g, 0, helper_cost[CLO_GET]);
    observe(g, s->ck, false);
    return;
  }
  if (at_reads(s)) {
    load(g, s->at);
    if (s->at_fn == CLO_AT_GET) emit_index(g, s, l);
    call_at(g, s, 0);
    observe(g, s->ck, false);
    return;
  }
  read_local(g, s->cell, s->ck, false);
}

/* From iteration k on, the writer holds a closure of another function, then is
   called, and the cell read. With fns, the closure picked from it by the counter with
   no branch, so the trace's guard_closure_callee exits (or a closure picked so called
   at once); else after a counter test, a closure made there (over the cell or a new
   one), and in a third of these the first function's again in the other iterations
   (the trace follows the branch, and a side trace makes its own guard). */
static void step_swap(Gen *g, CellSet *s, const LoopCtx *l) {
  uint32_t how = s->fns >= 0 ? rd_below(g, 10) : 9;
  if (how < 3) {  /* fns[t](v) */
    emit_pick_closure(g, s, l);
    emit_value(g, s->ck, l, false);
    call(g, 1, WRITER_COST);
    result(g);
    if (rd_chance(g, 60)) read_local(g, pick_via(g, s), s->ck, true);
    return;
  }
  if (how < 7) {  /* writer = fns[t] */
    emit_pick_closure(g, s, l);
    store(g, s->writer);
  } else {
    uint8_t f2 = pick_writer(g, s->ck, s->writer_fn);
    bool back = rd_chance(g, 35);
    uint32_t other = gen_new_label(g);
    gen_counter_test(g, l);
    gen_emit_jump(g, OP_JUMP_IF_FALSE, other);
    if (rd_chance(g, 15)) {  /* over a new cell: the writer no longer writes the set's */
      gen_small_int(g);
      gen_emit_op(g, OP_CELL_NEW);
    } else {
      load(g, s->cell);
    }
    gen_emit_int(g, OP_CLOSURE, helper_index(g, f2));
    store(g, s->writer);
    if (back) {
      uint32_t done = gen_new_label(g);
      gen_emit_jump(g, OP_JUMP, done);
      gen_place_label(g, other);
      load(g, s->cell);
      gen_emit_int(g, OP_CLOSURE, helper_index(g, s->writer_fn));
      store(g, s->writer);
      gen_place_label(g, done);
    } else {
      gen_place_label(g, other);
    }
  }
  load(g, s->writer);
  emit_value(g, s->ck, l, false);
  call(g, 1, WRITER_COST);
  result(g);
  if (rd_chance(g, 60)) read_local(g, pick_via(g, s), s->ck, true);
}

/* An element written, by the array's closure or directly; one read (directly, or the
   cell through its local). */
static void step_array(Gen *g, const CellSet *s, const LoopCtx *l) {
  if (at_writes(s) && rd_chance(g, 70)) {
    load(g, s->at);
    if (s->at_fn == CLO_AT) emit_index(g, s, l);
    emit_value(g, s->ck, l, false);
    call_at(g, s, 1);
    result(g);
  } else {
    emit_element(g, s, l);
    emit_value(g, s->ck, l, false);
    gen_emit_op(g, OP_CELL_SET);
  }
  if (rd_chance(g, 40)) {
    read_local(g, s->cell, s->ck, true);
  } else {
    emit_element(g, s, l);
    gen_emit_op(g, OP_CELL_GET);
    observe(g, s->ck, true);
  }
}

/* The factory's closure called (its cell outlived the factory's frame), or the factory
   called for a new one, which is called (number cells). */
static void step_factory(Gen *g, const CellSet *s, const LoopCtx *l, CellKind ck) {
  if (s && s->maker >= 0 && rd_chance(g, 60)) {
    load(g, s->maker);
    emit_value(g, ck, l, false);
    call(g, 1, helper_cost[CLO_ADD]);
    observe(g, CK_NUM, false);
    return;
  }
  if (g->fresh_clos < 0) g->fresh_clos = new_local(g, C_CLOS);
  gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, CLO_MAKE));
  emit_value(g, ck, l, rd_chance(g, 50));
  call(g, 1, helper_cost[CLO_MAKE]);
  if (g->fresh_clos >= 0 && rd_chance(g, 60)) {
    store(g, g->fresh_clos);
    load(g, g->fresh_clos);
    emit_value(g, ck, l, false);
    call(g, 1, helper_cost[CLO_ADD]);
    observe(g, CK_NUM, false);
    load(g, g->fresh_clos);
    probe(g);  /* its function, and what its cell holds */
  } else {
    emit_value(g, ck, l, false);
    call(g, 1, helper_cost[CLO_ADD]);
    observe(g, CK_NUM, false);
  }
}

/* A new cell and a closure over it (a new pair every iteration, in a loop): maybe
   written through the local, the closure called, the cell read through the local. In
   two locals of the function's own, or on the stack when none is left. */
static void step_fresh(Gen *g, const LoopCtx *l) {
  CellKind ck = pick_kind(g);
  uint8_t f = rd_chance(g, 25) ? CLO_GET : pick_writer(g, ck, -1);
  if (g->fresh_cell < 0) g->fresh_cell = new_local(g, C_CELL);
  if (g->fresh_clos < 0) g->fresh_clos = new_local(g, C_CLOS);
  int16_t c = g->fresh_cell, k = g->fresh_clos;
  emit_value(g, ck, l, rd_chance(g, 50));
  gen_emit_op(g, OP_CELL_NEW);
  if (c < 0 || k < 0) {  /* cell, then cell closure: the cell stays under the call */
    gen_emit_op(g, OP_DUP);
    gen_emit_int(g, OP_CLOSURE, helper_index(g, f));
    if (f != CLO_GET) emit_value(g, ck, l, false);
    call(g, f == CLO_GET ? 0 : 1, helper_cost[f]);
    result(g);
    gen_emit_op(g, OP_CELL_GET);
    observe(g, ck, false);
    return;
  }
  store(g, c);
  load(g, c);
  gen_emit_int(g, OP_CLOSURE, helper_index(g, f));
  store(g, k);
  if (rd_chance(g, 50)) {  /* a fact about the new cell, for the call to end */
    load(g, c);
    emit_value(g, ck, l, true);
    gen_emit_op(g, OP_CELL_SET);
  }
  load(g, k);
  if (f == CLO_GET) {
    call(g, 0, helper_cost[f]);
    observe(g, ck, false);
  } else {
    emit_value(g, ck, l, false);
    call(g, 1, helper_cost[f]);
    result(g);
  }
  read_local(g, c, ck, true);
}

static void step(Gen *g, CellSet *s, bool first) {
  if (!step_fits(g)) return;
  const LoopCtx *l = &g->loops[s->loop];
  enum { S_FACT, S_AROUND, S_READ, S_SWAP, S_ARRAY, S_FACTORY, S_FRESH, S__COUNT };
  uint32_t w[S__COUNT] = {first ? 12 : 5, s->writer >= 0 ? 3 : 0, s->reader >= 0 || s->at >= 0 ? 2 : 0,
                          s->writer >= 0 ? (first ? 5 : 4) : 0, s->cells >= 0 ? 3 : 0, s->ck != CK_ANY ? 2 : 0, 2};
  switch (rd_pick(g, w, S__COUNT)) {
  case S_FACT: step_fact(g, s, l); return;
  case S_AROUND: step_around(g, s, l); return;
  case S_READ: step_read(g, s, l); return;
  case S_SWAP: step_swap(g, s, l); return;
  case S_ARRAY: step_array(g, s, l); return;
  case S_FACTORY: step_factory(g, s, l, s->ck); return;
  default: step_fresh(g, l); return;
  }
}

/* The set's making, before the loop. */

bool gen_closure_before(Gen *g, bool hot) {
  if (!g->closures_on || !rd_chance(g, hot ? 80 : 35)) return false;
  if (g->ncellsets >= MAX_LOOP_DEPTH || g->nlocals + 9 > MAX_LOCALS || g->insns + SET_SIZE + STEP_SIZE > g->static_cap ||
      !gen_fits(g, SET_SIZE + 2 * STEP_COST))
    return false;
  bool small = !g->is_main;  /* another function's static size is small */
  CellSet *s = &g->cellsets[g->ncellsets++];
  *s = (CellSet){.ck = pick_kind(g), .loop = (uint8_t)g->nloops, .alias = -1, .cells = -1, .writer = -1,
                 .fns = -1, .reader = -1, .fwd = -1, .at = -1, .maker = -1};
  s->cell = new_local(g, C_CELL);
  gen_small_int(g);
  gen_emit_op(g, OP_CELL_NEW);
  store(g, s->cell);
  if (rd_chance(g, 50)) {
    s->alias = new_local(g, C_CELL);
    load(g, s->cell);
    store(g, s->alias);
  }
  if (rd_chance(g, small ? 20 : 35)) {
    s->cells = new_local(g, C_CELL);
    s->ncells = (uint8_t)(2 + rd_below(g, 2));
    s->cell_at = (uint8_t)rd_below(g, s->ncells);
    for (uint32_t k = 0; k < s->ncells; k++) {
      if (k == s->cell_at) {
        load(g, s->cell);
      } else {
        gen_small_int(g);
        gen_emit_op(g, OP_CELL_NEW);
      }
    }
    gen_emit_int(g, OP_ARRAY_NEW, s->ncells);
    store(g, s->cells);
  }
  if (rd_chance(g, 85)) {
    s->writer = new_local(g, C_CLOS);
    s->writer_fn = pick_writer(g, s->ck, -1);
    load(g, s->cell);
    gen_emit_int(g, OP_CLOSURE, helper_index(g, s->writer_fn));
    store(g, s->writer);
  }
  if (s->writer >= 0 && rd_chance(g, 70)) {  /* [writer_fn's closure, another's] */
    s->fns = new_local(g, C_CLOS);
    load(g, s->cell);
    gen_emit_int(g, OP_CLOSURE, helper_index(g, s->writer_fn));
    load(g, s->cell);
    gen_emit_int(g, OP_CLOSURE, helper_index(g, pick_writer(g, s->ck, s->writer_fn)));
    gen_emit_int(g, OP_ARRAY_NEW, 2);
    store(g, s->fns);
  }
  if (rd_chance(g, small ? 25 : 40)) {
    s->reader = new_local(g, C_CLOS);
    load(g, s->cell);
    gen_emit_int(g, OP_CLOSURE, helper_index(g, CLO_GET));
    store(g, s->reader);
  }
  if (s->writer >= 0 && rd_chance(g, 25)) {
    s->fwd = new_local(g, C_CLOS);
    load(g, s->writer);
    gen_emit_int(g, OP_CLOSURE, helper_index(g, CLO_FWD));
    store(g, s->fwd);
  }
  if (s->cells >= 0 && rd_chance(g, 75)) {
    s->at = new_local(g, C_CLOS);
    s->at_fn = rd_chance(g, 60) ? CLO_AT : CLO_AT_GET;
    if (rd_chance(g, 50)) s->at_fn = s->at_fn == CLO_AT ? CLO_AT1 : CLO_AT1_GET;
    load(g, s->cells);
    gen_emit_int(g, OP_CLOSURE, helper_index(g, s->at_fn));
    store(g, s->at);
  }
  if (s->ck != CK_ANY && rd_chance(g, 30)) {
    s->maker = new_local(g, C_CLOS);
    gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, CLO_MAKE));
    gen_small_int(g);
    call(g, 1, helper_cost[CLO_MAKE]);
    store(g, s->maker);
  }
  return true;
}

void gen_closure_loop(Gen *g) {
  CellSet *s = &g->cellsets[g->ncellsets - 1];
  step(g, s, true);
  if (rd_chance(g, 40)) step(g, s, false);
}

void gen_closure_after(Gen *g) {
  const CellSet *s = &g->cellsets[--g->ncellsets];
  load(g, s->cell);
  gen_emit_op(g, OP_CELL_GET);
  if (g->is_main && rd_chance(g, 30) && g->output_left >= PRINT_BYTES * g->mult) {
    gen_emit_op(g, OP_PRINT);
    g->output_left -= PRINT_BYTES * g->mult;
  } else {
    probe(g);
  }
  if (s->writer >= 0 && rd_chance(g, 40)) {  /* a closure's probe: its function, what its cell holds */
    load(g, s->writer);
    probe(g);
  }
  if (s->cells >= 0 && rd_chance(g, 50)) {
    load(g, s->cells);
    probe(g);
  }
  if (s->maker >= 0) {
    load(g, s->maker);
    gen_emit_int(g, OP_PUSH_INT, 0);
    call(g, 1, helper_cost[CLO_ADD]);
    probe(g);
  }
}

void gen_stmt_closure(Gen *g) {
  if (!step_fits(g)) {
    gen_stmt_update(g, false);
    return;
  }
  if (g->ncellsets && rd_chance(g, 70)) {
    step(g, &g->cellsets[rd_below(g, g->ncellsets)], false);
    return;
  }
  const LoopCtx *l = g->nloops ? &g->loops[g->nloops - 1] : NULL;
  if (rd_chance(g, 25))
    step_factory(g, NULL, l, rd_chance(g, 50) ? CK_INT : CK_NUM);
  else
    step_fresh(g, l);
}
