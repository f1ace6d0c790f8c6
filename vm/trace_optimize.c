/* trace_optimize.c: the trace optimizer of tier 2 (off in t2-noopt).
 *
 *   projected trace
 *     │
 *     ├─ 1. promote globals: when the trace stores no global and has no call_trace
 *     │     (whose callee might), each LOAD_GLOBAL of an int, float, bool, nil or
 *     │     function becomes PUSH_VALUE of the value it has
 *     │     now, and CHECK_GLOBALS (the globals version) goes first: a store anywhere
 *     │     invalidates the executor at its next entry
 *     │
 *     ├─ 2. loop kinds (a trace that closes its loop, built at that LOOP): the kinds
 *     │     the loop's locals have now are taken as known at the loop start, and the
 *     │     pass below is run dry to check that the body keeps each of them (a local
 *     │     it may change to another kind is dropped, and the check runs again); the
 *     │     ones kept are guarded once, before the loop start (guard_local_kind), and
 *     │     the back edge needs no check: the body proved them
 *     │
 *     ├─ 3. one forward pass of abstract interpretation over the uops, from the loop
 *     │     start (nothing known there but those loop kinds: it is also where the back
 *     │     edge lands; a side trace's start, the kinds its exit proved), of the kinds
 *     │     and known values of operand stack slots and locals, inlined frames included:
 *     │       each exit notes the kinds of its frame's locals proven where it is taken,
 *     │         for a side trace from it to begin with (exit kinds)
 *     │       a guard whose condition is proven is removed; one that stays teaches its
 *     │         kinds to the slots it checked and the locals they were loaded from,
 *     │         unless all it checks unproven are array elements: their gets then
 *     │         check the kinds it wants (get_array_kind) and it goes (elem kinds)
 *     │       a load of a local whose value is known becomes PUSH_VALUE
 *     │       an operation whose operands are all known, pushed by the uops just before
 *     │         it, is folded: the very uop body computes it on a scratch stack at
 *     │         optimization time; a fold that would raise an error is not made
 *     │       a value pushed and popped right away is neither pushed nor popped
 *     │       a branch on a proven bool becomes branch_bool (no truthiness test), one on
 *     │         a proven int branch_compare_int_const with 0
 *     │       a check_finalizers goes when no live uop since the last one may
 *     │         release an object (its releases were proven scalar, or removed)
 *     │       a has of a string key a map is known to have becomes map_has_known
 *     │         (key facts: learned from gets and sets, ended by deletions, calls,
 *     │         writes of their locals and returns)
 *     │       a cell guard on a known cell goes; a cell read has the kinds the last
 *     │         write through the same local wrote (cell facts: ended by any other
 *     │         cell write, whatever reference it goes through, by writes of the
 *     │         local and by returns)
 *     │
 *     ├─ 4. a load_local whose instance the next instruction's shape guard and slot
 *     │     load read becomes load_local_attr (no reference count on the instance);
 *     │     one whose array the element get after an index load reads becomes
 *     │     load_local_elem, or from a capture load_capture_elem (no reference count
 *     │     on the array; with a get_array_kind, their _kind forms); one whose array
 *     │     an element set after an index load and a plain push writes goes, and the
 *     │     set becomes store_local_elem (no reference count on the array); a
 *     │     load_capture whose cell the next cell guard and cell_get_cell read becomes
 *     │     load_capture_cell (no reference count on the cell); one whose cell a
 *     │     cell_set_cell after a plain push writes goes, and the set becomes
 *     │     store_capture_cell (no reference count on the cell); a load_capture_elem_at
 *     │     whose cell is read or written so becomes load_capture_elem_cell, or goes
 *     │     for store_capture_elem_cell (no reference count on the cell); a
 *     │     compare_int and the branch_bool on its result become one
 *     │     branch_compare_int (no bool pushed; after two loads of locals,
 *     │     branch_compare_locals); a push of a known int and the int op
 *     │     on it become one int_op_const (idiv and mod by a multiplication), and with
 *     │     a branch_compare_int one branch_compare_int_const (with the load of a
 *     │     local before it, branch_compare_local_const); a load of a local and
 *     │     the int or float op that takes it as its right operand become one
 *     │     int_op_local or float_op_local
 *     │
 *     ├─ 5. compaction: removed uops go, the loop start moves with them; the loop
 *     │     kinds' guards go in before it, and so does a guard_iter_* at the loop
 *     │     start when the body never took the iterator under it (hoist_iter_guard):
 *     │     the back edge lands on the for_iter
 *     │
 *     └─ 6. deferred frames: a push_frame whose callee reaches its pop_frame_known
 *           with no call, return or loop edge between becomes
 *           push_frame_deferred (and the pop pop_frame_deferred): compiled code skips
 *           the Frame record, written only when it leaves inside
 *           (trace_write_deferred in trace_run.c)
 *
 * Each rewrite belongs to one rule of TESSERA_OPT_RULES (trace.h), and a localization
 * switches rules off one at a time (SwitchedOff.opt_rules) to name the one that is wrong.
 *
 * Exits stay exact because uops are removed only when nothing between a push and its
 * consumer can exit or fail, and folded values are the ones the uops would compute.
 * Each uop carries its instruction's offset, so there are no instruction-pointer
 * updates to remove.
 *
 * What the pass knows of a uop are the columns of its row in the uop tables (uops.h,
 * as uop_info): the kinds a guard needs (NEEDS), the kinds of an operation's result
 * (RESULT), whether it may be folded (UOPF_FOLD) and its stack effect (STACK). A uop
 * cannot be added without them. Pushes of constants, loads, stores, pops, DUP, SWAP,
 * GUARD_CALLEE and the trace ops know more, and step() treats them by name. */

#include "frames.h"
#include "specialize.h"
#include "trace.h"

const char *const opt_rule_name[OPT_RULE__COUNT] = {
#define OPT_RULE(NAME, name, doc) name,
    TESSERA_OPT_RULES(OPT_RULE)
#undef OPT_RULE
};

/* ---- Kinds: which kinds of value a slot may hold (the kind bits of uops.h) ---- */

typedef struct {
  uint8_t kinds;
  bool known;       /* value holds it (kinds without references only) */
  Value value;
  int32_t producer; /* the pure push that put it there, or -1 */
  int32_t local;    /* the local it was loaded from and still equals, or -1 */
  uint16_t fact_op; /* a shape or class-version guard it passed (0: none), */
  uint64_t fact;    /* with this operand, and nothing since could have changed */
  uint32_t elem_get; /* 1 + the get_array_int that pushed it (0: none) */
} Sym;

static Sym sym_any(void) { return (Sym){KIND_ANY, false, {0}, -1, -1, 0, 0, 0}; }
static Sym sym_kinds(uint8_t k) { return (Sym){k, false, {0}, -1, -1, 0, 0, 0}; }

static uint8_t kind_bit(Value v) {
  switch (v.kind) {
  case VAL_NIL: return KIND_NIL;
  case VAL_BOOL: return KIND_BOOL;
  case VAL_INT: return KIND_INT;
  case VAL_FLOAT: return KIND_FLOAT;
  case VAL_FUNC: case VAL_BUILTIN: return KIND_FUNC;
  default: return is_string(v) ? KIND_STR : is_array(v) ? KIND_ARR : KIND_OBJ;
  }
}

/* The ValueKind of a kind bit that is one of int, float and bool (what guard_local_kind
   and get_array_kind check). */
static ValueKind scalar_kind(uint8_t bit) { return bit == KIND_INT ? VAL_INT : bit == KIND_FLOAT ? VAL_FLOAT : VAL_BOOL; }

static Sym sym_known(Value v, int32_t producer) { return (Sym){kind_bit(v), true, v, producer, -1, 0, 0, 0}; }

static bool pushable(Value v) { return v.kind != VAL_OBJ; }

/* True when a slot of these kinds holds no reference, so moving or dropping it needs no
   reference counting. */
static bool holds_no_reference(uint8_t kinds) { return !(kinds & KIND_REFS); }

static uint64_t value_bits(Value v) {
  switch (v.kind) {
  case VAL_INT: return (uint64_t)v.as.i;
  case VAL_FLOAT: {
    uint64_t b;
    memcpy(&b, &v.as.f, sizeof b);
    return b;
  }
  case VAL_BOOL: return v.as.b;
  case VAL_FUNC: case VAL_BUILTIN: return v.as.fn;
  default: return 0;
  }
}

/* ---- What each uop does: the columns of the uop tables (uop_info, uops.h) ---- */

/* The stack effect: that of the instruction in the uop's STACK column (ARRAY_NEW pops
   its oparg). */
static int uop_pops(int u, uint32_t oparg) { return op_pops(uop_info[u].stack, oparg); }
static int uop_pushes(int u, uint32_t oparg) { return op_pushes(uop_info[u].stack, oparg); }

/* ---- The abstract state ---- */

#define MAX_TRACKED_LOCALS 64
#define MAX_SYMS (TRACE_MAX_LEN + 8)

typedef struct {
  Sym locals[MAX_TRACKED_LOCALS];
  uint32_t nlocals;   /* tracked: min(params + locals, MAX_TRACKED_LOCALS) */
  bool all_tracked;   /* nlocals is all of them */
  uint8_t callee;     /* the kinds of the value in its callee slot */
  int32_t caller_sp;  /* the caller's stack height under the callee slot (the trace's
                         own frame: minus the operands it held when the trace began) */
  bool operands_known; /* caller_sp is known (a frame the trace pushed, or its own frame
                          when TraceBuffer.entry_operands is) */
} AbsFrame;

/* A map key fact: the map in local `map` of inlined frame `depth` has the key that is
   string constant `key` (KEY_CONST | index) or the string in local `key` (KEY_LOCAL |
   index), because a lookup or a store of that key on that map succeeded, and nothing
   since may have removed a key: no uop with UOPF_MAP_DELETE or UOPF_KILLS_OBJECTS ran,
   neither local was written, and the frame is still the same. */
typedef struct {
  uint32_t depth, map, key;
} KeyFact;

#define KEY_CONST 0x10000u
#define KEY_LOCAL 0x20000u
#define MAX_KEY_FACTS 16

/* A cell fact: the cell in local `local` of inlined frame `depth` holds a value of these
   kinds (known: that value), because a cell_set through that local wrote it, and since
   then no cell was written (through any reference: another local, a capture, a callee's
   code, may hold the same cell), the local was not written, and the frame is the same. */
typedef struct {
  uint32_t depth, local;
  Sym value;
} CellFact;

#define MAX_CELL_FACTS 8

typedef struct {
  VM *vm;
  TraceBuffer *t;
  T2Stats *stats;
  bool removed[TRACE_MAX_LEN];
  Sym stack[MAX_SYMS];  /* trace_optimize leaves it unset: sp follows it */
  int32_t sp;         /* height above the trace's entry stack; below it, anything */
  AbsFrame frames[TRACE_MAX_INLINE + 1];
  uint32_t depth;
  bool released;      /* a live uop since the last CHECK_FINALIZERS may release an object */
  KeyFact keys[MAX_KEY_FACTS];
  uint32_t nkeys;
  CellFact cells[MAX_CELL_FACTS];
  uint32_t ncells;
  uint64_t rules_off;  /* SwitchedOff.opt_rules */
  uint64_t loaded;     /* the loop frame's locals (below 64) the trace loads */
  bool under_start;    /* since the loop start, a uop took a value from under the stack's
                          height there, or left the frame (hoist_iter_guard) */
  bool exit_seen[TRACE_MAX_LEN];  /* an exit's kinds were taken at a uop of pass 3 */
  bool int_to_str[TRACE_MAX_LEN]; /* a to_str of a proven int, by pass 3 (fuse_concat_int) */
} Opt;

/* Whether rule r may rewrite (it is not switched off to localize a bug). */
static bool rule_on(const Opt *o, OptRule r) { return !(o->rules_off & (UINT64_C(1) << r)); }

static Sym *slot(Opt *o, int32_t n) {  /* n-th from the top; NULL below the entry stack */
  int32_t i = o->sp - 1 - n;
  return i >= 0 && i < MAX_SYMS ? &o->stack[i] : NULL;
}

static Sym pop(Opt *o) {
  if (o->sp <= 0) {
    o->under_start = true;
    o->sp--;
    return sym_any();
  }
  return o->stack[--o->sp];
}

static void push(Opt *o, Sym s) {
  if (o->sp >= 0 && o->sp < MAX_SYMS) o->stack[o->sp] = s;
  o->sp++;
}

static Sym *local(Opt *o, uint32_t i) {
  AbsFrame *f = &o->frames[o->depth];
  return i < f->nlocals ? &f->locals[i] : NULL;
}

/* Nothing known but that the top frame runs func and holds `operands` values on its
   operand stack under the abstract stack's bottom (-1: not known). */
static void forget_all(Opt *o, uint32_t func, int32_t operands) {
  o->sp = 0;
  o->nkeys = 0;
  o->ncells = 0;
  o->released = false;
  o->depth = 0;
  const Function *f = &o->vm->module->funcs[func];
  AbsFrame *fr = &o->frames[0];
  fr->nlocals = f->nparams + f->nlocals;
  fr->all_tracked = fr->nlocals <= MAX_TRACKED_LOCALS;
  if (!fr->all_tracked) fr->nlocals = MAX_TRACKED_LOCALS;
  for (uint32_t i = 0; i < fr->nlocals; i++) fr->locals[i] = sym_any();
  fr->callee = KIND_ANY;
  fr->operands_known = operands >= 0;
  fr->caller_sp = fr->operands_known ? -operands : 0;  /* its operands begin that far below */
}

/* Index of the live uop before i, or -1. */
static int32_t live_before(const Opt *o, int32_t i) {
  for (i--; i >= 0 && o->removed[i]; i--) {
  }
  return i;
}

/* True when the n top slots were pushed, in order, by the n live uops just before i. */
static bool pushed_just_before(Opt *o, int32_t i, int n) {
  int32_t at = i;
  for (int k = 0; k < n; k++) {
    Sym *s = slot(o, k);
    at = live_before(o, at);
    if (!s || at < 0 || s->producer != at) return false;
  }
  return true;
}

static void make_push_value(TraceInst *ti, Value v) {
  ti->op = TOP_PUSH_VALUE;
  ti->oparg = v.kind;
  ti->operand = value_bits(v);
  ti->exit = TRACE_NO_EXIT;
}

/* ---- Methods (rule method-const) ---- */

/* The value a load_method_class_attr of x at `where` reads, when x passed a
   guard_shape_class whose fact still holds (nothing since may have changed an object):
   the class is then the live one of the guard's version (versions are unique in a run,
   and a change of a class's attributes, or of a base's, renews them; 0 means spent), so
   the value read there now is the one the load would read. Only a value holding no
   reference, which push_value_under can carry: a function, mostly. */
static bool known_method(const Opt *o, const Sym *x, uint32_t where, Value *v) {
  uint32_t version = (uint32_t)(x->fact >> 32);
  if (x->fact_op != UOP_GUARD_SHAPE_CLASS || version == 0) return false;
  Heap *h = &o->vm->heap;
  for (ObjClass *c = h->classes.next_class; c != &h->classes; c = c->next_class) {
    if (c->version != version) continue;
    uint32_t depth = where >> 16;
    if (o->vm->t1.fault == FAULT_T2_METHOD_CONST_BASE_TOO_FAR) depth++;  /* test-only fault: one base too far up */
    if (o->vm->t1.fault == FAULT_T2_METHOD_CONST_OWN_CLASS) depth = 0;  /* test-only fault: no base walked */
    for (; depth && c; depth--) c = c->base;
    if (!c || (where & 0xffffu) >= c->len) return false;
    *v = c->attrs[where & 0xffffu].value;
    return holds_no_reference(kind_bit(*v));
  }
  return false;
}

/* ---- Element kinds (rule elem-kinds) ---- */

/* The exit get_array_int g takes once typed: its array guard's, live or proved and
   removed, just before it at its instruction (the array and the index on the stack,
   nothing changed), or TRACE_NO_EXIT when it has none or is typed already. */
static uint16_t elem_get_exit(const Opt *o, int32_t g) {
  const TraceInst *get = &o->t->code[g], *guard = g > 0 ? &o->t->code[g - 1] : NULL;
  if (o->removed[g] || get->op != UOP_GET_ARRAY_INT || !guard || guard->op != UOP_GUARD_ARRAY_INT ||
      guard->func != get->func || guard->pc != get->pc)
    return TRACE_NO_EXIT;
  return guard->exit;
}

/* Kind guard i, not proven, needing `needs`: when every value it checks and that is not
   proven was pushed by an array element get, and the kind it wants of each is one, an
   int, a float or a bool, those gets become get_array_kind, which check that kind of
   the element and exit where their array guard does, and the guard goes (true). An
   element of another kind then leaves at its get instead of at the guard: t1 runs on the
   same from either. Arrays hold any kind, so a guard after an element read is the rule
   in float and int code; this moves its test into the read, where the element's kind is
   loaded anyway, and proves the element holds no reference. */
static bool type_elem_gets(Opt *o, int32_t i, uint32_t needs) {
  if (!rule_on(o, OPT_RULE_ELEM_KINDS)) return false;
  int32_t gets[3];
  uint16_t exits[3];
  uint8_t kinds[3];
  int n = 0;
  for (int k = 0; k < 3; k++) {
    uint8_t need = uop_needs_at(needs, k);
    Sym *s = slot(o, k);
    if (!need || (s && !(s->kinds & ~need))) continue;
    if (!s || !s->elem_get || (need != KIND_INT && need != KIND_FLOAT && need != KIND_BOOL)) return false;
    int32_t g = (int32_t)s->elem_get - 1;
    bool again = false;  /* the same element twice (a dup) */
    for (int j = 0; j < n; j++) {
      if (gets[j] == g && kinds[j] != need) return false;  /* wanted of two kinds */
      again |= gets[j] == g;
    }
    uint16_t e = elem_get_exit(o, g);
    if (e == TRACE_NO_EXIT) return false;
    if (!again) gets[n] = g, exits[n] = e, kinds[n++] = need;
  }
  if (!n) return false;
  for (int j = 0; j < n; j++) {
    TraceInst *get = &o->t->code[gets[j]];
    get->op = TOP_GET_ARRAY_KIND;
    get->exit = exits[j];
    get->operand = scalar_kind(kinds[j]);
  }
  o->removed[i] = true;
  o->stats->guards_removed++;
  o->stats->elem_kinds += (uint64_t)n;
  return true;
}

/* Runs uop u on known operands on a scratch stack: the runtime's own rule. */
static bool fold(Opt *o, int u, const TraceInst *ti, int n, Value *out) {
  Value scratch[4];
  for (int k = 0; k < n; k++) {
    Sym *s = slot(o, n - 1 - k);
    if (!s->known) return false;
    scratch[k] = s->value;
  }
  UopState su = {o->vm, scratch + n, NULL};
  char detail[sizeof o->vm->error_detail];
  memcpy(detail, o->vm->error_detail, sizeof detail);  /* a failing fold must leave no trace */
  UopStatus st;
  int body = u == UOP_SUB_INT && o->vm->t1.fault == FAULT_OPT_FOLD_SUB ? UOP_ADD_INT : u;  /* test-only fault */
  switch (body) {
#define UOP(name, stack, needs, result, flags, doc) \
  case UOP_##name: st = uop_##name(&su, ti->oparg, ti->operand); break;
    TESSERA_UOPS(UOP)
#undef UOP
  default: UNREACHABLE();
  }
  memcpy(o->vm->error_detail, detail, sizeof detail);
  if (st != UOP_OK || su.sp != scratch + 1 || !pushable(scratch[0])) return false;
  *out = scratch[0];
  return true;
}

/* A uop that may change shapes or class versions (UOPF_KILLS_OBJECTS): every object
   guard passed so far proves nothing any more, whichever value it was on (aliases):
   on the stack, in locals, and in what cell facts say a cell holds. */
static void forget_object_facts(Opt *o) {
  for (int32_t k = 0; k < o->sp && k < MAX_SYMS; k++) o->stack[k].fact_op = 0;
  /* test-only fault t2-inline-facts-kept: the inlined frames' locals keep theirs */
  uint32_t frames = o->vm->t1.fault == FAULT_T2_INLINE_FACTS_KEPT ? 1 : o->depth + 1;
  for (uint32_t d = 0; d < frames; d++)
    for (uint32_t k = 0; k < o->frames[d].nlocals; k++) o->frames[d].locals[k].fact_op = 0;
  for (uint32_t k = 0; k < o->ncells; k++) o->cells[k].value.fact_op = 0;
}

/* What guard op with this operand proves, recorded on the value s and on the local it
   was loaded from. */
static void learn_fact(Opt *o, Sym *s, uint16_t op, uint64_t operand) {
  s->fact_op = op;
  s->fact = operand;
  Sym *l = s->local >= 0 ? local(o, (uint32_t)s->local) : NULL;
  if (l) {
    l->fact_op = op;
    l->fact = operand;
  }
}

/* A shape or class-version guard: removed when the value on top passed the same one
   and no uop since may have changed an object; else what it proves is learnt. */
static void object_guard(Opt *o, int32_t i) {
  TraceInst *ti = &o->t->code[i];
  Sym *s = slot(o, 0);
  if (!s) return;
  bool implied = s->fact_op == UOP_GUARD_SHAPE_CLASS && ti->op == UOP_GUARD_SHAPE && (s->fact & 0xffffffffu) == ti->operand;
  if (((s->fact_op == ti->op && s->fact == ti->operand) || implied) && rule_on(o, OPT_RULE_GUARD_OBJECT)) {
    o->removed[i] = true;
    o->stats->guards_removed++;
    o->stats->object_guards_removed++;
    return;
  }
  learn_fact(o, s, ti->op, ti->operand);
}

/* ---- Map key facts ---- */

/* What identifies the string key a symbol holds (see KeyFact), or 0 for none. */
static uint32_t key_id(const Opt *o, const Sym *k) {
  if (!k) return 0;
  if (k->local >= 0) return KEY_LOCAL | (uint32_t)k->local;
  if (k->producer >= 0 && o->t->code[k->producer].op == UOP_PUSH_CONST) return KEY_CONST | o->t->code[k->producer].oparg;
  return 0;
}

static int32_t find_key_fact(const Opt *o, const Sym *map, uint32_t key) {
  if (!map || map->local < 0 || !key) return -1;
  for (uint32_t n = 0; n < o->nkeys; n++)
    if (o->keys[n].depth == o->depth && o->keys[n].map == (uint32_t)map->local && o->keys[n].key == key) return (int32_t)n;
  return -1;
}

/* After a map lookup or store of a string key succeeded: the map has the key. */
static void learn_key(Opt *o, const Sym *map, const Sym *k) {
  uint32_t key = key_id(o, k);
  if (!map || map->local < 0 || !key || find_key_fact(o, map, key) >= 0 || o->nkeys == MAX_KEY_FACTS) return;
  o->keys[o->nkeys++] = (KeyFact){o->depth, (uint32_t)map->local, key};
}

/* Facts that a write of local i of the current frame ends: its map, or its key. */
static void forget_keys_of_local(Opt *o, uint32_t i) {
  uint32_t n = 0;
  for (uint32_t k = 0; k < o->nkeys; k++) {
    const KeyFact *f = &o->keys[k];
    if (f->depth == o->depth && (f->map == i || f->key == (KEY_LOCAL | i))) continue;
    o->keys[n++] = *f;
  }
  o->nkeys = n;
}

/* Facts about frames deeper than depth (returned from, or a new callee's at depth + 1). */
static void forget_keys_below(Opt *o, uint32_t depth) {
  uint32_t n = 0;
  for (uint32_t k = 0; k < o->nkeys; k++)
    if (o->keys[k].depth <= depth) o->keys[n++] = o->keys[k];
  o->nkeys = n;
}

/* has of a string key on a map: true without a lookup when the map is known to have it;
   a get or set that succeeds teaches that it has. */
static void key_use(Opt *o, int32_t i) {
  TraceInst *ti = &o->t->code[i];
  switch (ti->op) {
  case UOP_MAP_HAS_STRING:
    if (find_key_fact(o, slot(o, 1), key_id(o, slot(o, 0))) >= 0 && rule_on(o, OPT_RULE_KEY_FACT)) {
      ti->op = UOP_MAP_HAS_KNOWN;
      o->stats->key_lookups_removed++;
    }
    return;
  case UOP_MAP_GET_STRING: learn_key(o, slot(o, 1), slot(o, 0)); return;
  case UOP_MAP_SET_STRING: learn_key(o, slot(o, 2), slot(o, 1)); return;
  default: return;
  }
}

/* ---- Cells ---- */

/* The cell facts kept by keep(fact, arg): the others are forgotten. */
static void keep_cells(Opt *o, bool (*keep)(const Opt *, const CellFact *, uint32_t), uint32_t arg) {
  uint32_t n = 0;
  for (uint32_t k = 0; k < o->ncells; k++)
    if (keep(o, &o->cells[k], arg)) o->cells[n++] = o->cells[k];
  o->ncells = n;
}
static bool not_of_local(const Opt *o, const CellFact *f, uint32_t i) { return f->depth != o->depth || f->local != i; }
static bool not_below(const Opt *o, const CellFact *f, uint32_t depth) { (void)o; return f->depth <= depth; }

static int32_t find_cell_fact(const Opt *o, const Sym *cell) {
  if (!cell || cell->local < 0) return -1;
  for (uint32_t k = 0; k < o->ncells; k++)
    if (o->cells[k].depth == o->depth && o->cells[k].local == (uint32_t)cell->local) return (int32_t)k;
  return -1;
}

/* A guard that the value at depth is a cell: removed when it is known to be one (made
   by cell_new, or past such a guard: a value stays a cell, a local holding it until it is
   written); else it teaches that, to the value and to its local. */
static void cell_guard(Opt *o, int32_t i, int depth) {
  Sym *s = slot(o, depth);
  if (!s) return;
  if (s->fact_op == UOP_GUARD_CELL && rule_on(o, OPT_RULE_GUARD_CELL)) {
    o->removed[i] = true;
    o->stats->guards_removed++;
    return;
  }
  learn_fact(o, s, UOP_GUARD_CELL, 0);
}

/* cell_set: every cell fact ends (any other reference may name the same cell), then the
   cell in c's local holds v. */
static void cell_written(Opt *o, const Sym *c, const Sym *v) {
  if (o->vm->t1.fault == FAULT_T2_CELL_FACT_ALIAS)  /* test-only fault: as if no two references shared a cell */
    keep_cells(o, not_of_local, c && c->local >= 0 ? (uint32_t)c->local : UINT32_MAX);
  else
    o->ncells = 0;
  if (!c || c->local < 0 || o->ncells == MAX_CELL_FACTS) return;
  Sym s = v ? *v : sym_any();
  s.producer = s.local = -1;
  o->cells[o->ncells++] = (CellFact){o->depth, (uint32_t)c->local, s};
}

/* cell_get: what the last write through the same local wrote, when the fact holds. */
static Sym cell_read(Opt *o, const Sym *c) {
  int32_t k = find_cell_fact(o, c);
  if (k < 0 || !rule_on(o, OPT_RULE_CELL_FACT)) return sym_any();
  o->stats->cell_facts++;
  return o->cells[k].value;
}

/* ---- Builtin calls ---- */

/* The kinds a builtin call's result may have: its RESULT column (builtin.h), and for a
   builtin whose KEEPS says its result has one of its arguments' kinds, no kind none of
   them has. */
static uint8_t builtin_result_kinds(Opt *o, BuiltinId b, uint32_t argc) {
  static const struct {
    uint8_t result;
    bool keeps;
  } table[BUILTIN__COUNT] = {
#define BUILTIN(NAME, name, arity, result, keeps, doc) {result, keeps},
      TESSERA_BUILTINS(BUILTIN)
#undef BUILTIN
  };
  if (!table[b].keeps) return table[b].result;
  uint8_t args = 0;
  for (uint32_t k = 0; k < argc; k++) {
    Sym *s = slot(o, (int)k);
    args |= s ? s->kinds : KIND_ANY;
  }
  return table[b].result & args ? table[b].result & args : table[b].result;
}

/* CALL_BUILTIN (its guard passed): sqrt of a proven float becomes CALL_SQRT_FLOAT. */
static void builtin_call(Opt *o, TraceInst *ti) {
  BuiltinId b = (BuiltinId)ti->operand;
  Sym *x = slot(o, 0);
  if (b == BUILTIN_SQRT && x && x->kinds == KIND_FLOAT && rule_on(o, OPT_RULE_BUILTIN_SQRT)) {
    ti->op = UOP_CALL_SQRT_FLOAT;
    o->stats->builtins_proven++;
  }
  uint8_t kinds = builtin_result_kinds(o, b, ti->oparg);
  for (uint32_t k = 0; k <= ti->oparg; k++) pop(o);
  push(o, sym_kinds(kinds));
}

/* Whether a call_trace's callee may change what the trace knows (objects, maps, cells,
   globals): always, but under the test-only fault t2-call-trace-pure. */
static bool callee_may_change(const Opt *o) { return o->vm->t1.fault != FAULT_T2_CALL_TRACE_PURE; }

/* Forgets that stack slots equal local i (it is being overwritten). */
static void local_written(Opt *o, uint32_t i) {
  for (int32_t k = 0; k < o->sp && k < MAX_SYMS; k++)
    if (o->stack[k].local == (int32_t)i) o->stack[k].local = -1;
  forget_keys_of_local(o, i);
  keep_cells(o, not_of_local, i);
}

/* For the inlined frame on top, its result popped: true with *refs marking the slots
   that may hold a reference (bit i: the callee slot + i; its locals, then its operand
   slots), when every slot is known and there are at most 64. */
static bool frame_refs(const Opt *o, uint64_t *refs) {
  const AbsFrame *fr = &o->frames[o->depth];
  int32_t nslots = 1 + (int32_t)fr->nlocals + (o->sp - fr->caller_sp);
  if (!fr->all_tracked || !fr->operands_known || o->sp < 0 || o->sp > MAX_SYMS || nslots > 64) return false;
  *refs = holds_no_reference(fr->callee) ? 0 : 1;
  for (uint32_t k = 0; k < fr->nlocals; k++)
    if (!holds_no_reference(fr->locals[k].kinds)) *refs |= 1ull << (1 + k);
  for (int32_t i = fr->caller_sp; i < o->sp; i++)  /* below the entry stack: unknown */
    if (i < 0 || !holds_no_reference(o->stack[i].kinds))
      *refs |= 1ull << (1 + fr->nlocals + (uint32_t)(i - fr->caller_sp));
  return true;
}

static void step(Opt *o, int32_t i) {
  TraceInst *ti = &o->t->code[i];
  int u = ti->op;
  if (u < UOP__COUNT && (uop_info[u].flags & UOPF_OBJECT_GUARD)) {
    object_guard(o, i);
    return;
  }
  if (u < UOP__COUNT && (uop_info[u].flags & UOPF_KILLS_OBJECTS)) {
    forget_object_facts(o);
    o->nkeys = 0;
  }
  if (u < UOP__COUNT && (uop_info[u].flags & UOPF_MAP_DELETE) && o->vm->t1.fault != FAULT_T2_KEY_FACT_STALE)
    o->nkeys = 0;  /* test-only fault: the facts outlive a deletion */
  key_use(o, i);
  if (u < UOP__COUNT && uop_info[u].needs) {
    uint32_t needs = uop_info[u].needs;
    bool proven = true;
    for (int k = 0; k < 3; k++) {
      if (!uop_needs_at(needs, k)) continue;
      Sym *s = slot(o, k);
      uint8_t need = uop_needs_at(needs, k);
      if (o->vm->t1.fault == FAULT_OPT_GUARD_NUMBER && (need == KIND_INT || need == KIND_FLOAT))
        need = KIND_INT | KIND_FLOAT;  /* test-only fault: a number is taken for the one needed */
      if (!s || (s->kinds & ~need)) proven = false;
    }
    if (proven && rule_on(o, OPT_RULE_GUARD_KINDS)) {
      o->removed[i] = true;
      o->stats->guards_removed++;
      return;
    }
    if (!proven) type_elem_gets(o, i, needs);
    for (int k = 0; k < 3; k++) {  /* past the guard, the kinds hold */
      Sym *s = slot(o, k);
      if (!uop_needs_at(needs, k) || !s) continue;
      s->kinds &= uop_needs_at(needs, k);
      Sym *l = s->local >= 0 ? local(o, (uint32_t)s->local) : NULL;
      if (l) l->kinds &= uop_needs_at(needs, k);
    }
    return;
  }
  switch (u) {
  case UOP_GUARD_CALLEE:
  case UOP_GUARD_BUILTIN: {  /* the callee under oparg arguments is this function, or builtin */
    Value want = u == UOP_GUARD_CALLEE ? val_func((uint32_t)ti->operand) : val_builtin((uint32_t)ti->operand);
    Sym *s = slot(o, ti->oparg);
    if (s && s->known && s->value.kind == want.kind && s->value.as.fn == want.as.fn &&
        rule_on(o, OPT_RULE_GUARD_CALLEE)) {
      o->removed[i] = true;
      o->stats->guards_removed++;
    } else if (s) {
      *s = sym_known(want, -1);
    }
    return;
  }
  case UOP_GUARD_CLASS_CALLEE: {  /* a class: the push_init_frame after it knows the rest */
    Sym *s = slot(o, ti->oparg);
    if (s) *s = sym_kinds(KIND_OBJ);
    return;
  }
  case UOP_CALL_BUILTIN: builtin_call(o, ti); return;
  case UOP_GUARD_CELL: cell_guard(o, i, 0); return;
  case UOP_GUARD_CELL_UNDER: cell_guard(o, i, 1); return;
  case UOP_CELL_NEW: {
    pop(o);
    Sym s = sym_kinds(KIND_OBJ);
    s.fact_op = UOP_GUARD_CELL;  /* a cell, as if a guard had passed */
    push(o, s);
    return;
  }
  case UOP_CELL_SET: case UOP_CELL_SET_CELL: {
    cell_written(o, slot(o, 1), slot(o, 0));
    pop(o);
    pop(o);
    return;
  }
  case UOP_CELL_GET: case UOP_CELL_GET_CELL: {
    Sym s = cell_read(o, slot(o, 0));
    pop(o);
    push(o, s);
    return;
  }
  case UOP_PUSH_NIL: push(o, sym_known(val_nil(), i)); return;
  case UOP_PUSH_TRUE: push(o, sym_known(val_bool(true), i)); return;
  case UOP_PUSH_FALSE: push(o, sym_known(val_bool(false), i)); return;
  case UOP_PUSH_INT: push(o, sym_known(val_int((int16_t)ti->oparg), i)); return;
  case UOP_PUSH_FUNC: push(o, sym_known(val_func(ti->oparg), i)); return;
  case UOP_PUSH_BUILTIN: push(o, sym_known(val_builtin(ti->oparg), i)); return;
  case TOP_PUSH_VALUE: push(o, sym_known(trace_value(ti->oparg, ti->operand), i)); return;
  case UOP_PUSH_CONST: {
    Value v = o->vm->consts[ti->oparg];
    if (!pushable(v)) {
      push(o, (Sym){kind_bit(v), false, {0}, i, -1, 0, 0, 0});
      return;
    }
    if (rule_on(o, OPT_RULE_KNOWN_LOAD)) {  /* its bits in the uop: no table read, no kind test */
      make_push_value(ti, v);
      o->stats->loads_removed++;
    }
    push(o, sym_known(v, i));
    return;
  }
  case UOP_LOAD_GLOBAL: {
    Sym s = sym_any();
    s.producer = i;
    push(o, s);
    return;
  }
  case UOP_LOAD_LOCAL: {
    uint32_t index = ti->oparg;  /* before the load may become a PUSH_VALUE */
    if (o->depth == 0 && index < 64) o->loaded |= UINT64_C(1) << index;
    Sym *l = local(o, index);
    Sym s = l ? *l : sym_any();
    if (s.known && rule_on(o, OPT_RULE_KNOWN_LOAD)) {
      make_push_value(ti, s.value);
      o->stats->loads_removed++;
    } else if (l && holds_no_reference(s.kinds) && rule_on(o, OPT_RULE_SCALAR)) {
      ti->op = UOP_LOAD_LOCAL_SCALAR;
      o->stats->refcounts_removed++;
    }
    s.producer = i;
    s.local = (int32_t)index;
    push(o, s);
    return;
  }
  case UOP_STORE_LOCAL: {
    Sym s = pop(o);
    local_written(o, ti->oparg);
    Sym *l = local(o, ti->oparg);
    if (l && holds_no_reference(l->kinds) && rule_on(o, OPT_RULE_SCALAR)) {  /* the value it overwrites */
      ti->op = UOP_STORE_LOCAL_SCALAR;
      o->stats->refcounts_removed++;
    }
    if (l) *l = (Sym){s.kinds, s.known, s.value, -1, -1, s.fact_op, s.fact, 0};
    return;
  }
  case UOP_DUP: {
    Sym *top = slot(o, 0);
    Sym s = top ? *top : sym_any();
    s.producer = i;
    push(o, s);
    return;
  }
  case UOP_SWAP: {
    Sym a = pop(o), b = pop(o);
    push(o, a);
    push(o, b);
    return;
  }
  case UOP_LOAD_METHOD: case UOP_LOAD_METHOD_SLOT: case UOP_LOAD_METHOD_CLASS_ATTR: case TOP_PUSH_VALUE_UNDER: {
    /* x.oparg under x: x stays what it was (kinds, the guards it passed, its local), so
       that an inlined method's self knows the shape its caller's guard proved */
    Sym x = pop(o);
    Value m;
    if (u == UOP_LOAD_METHOD_CLASS_ATTR && known_method(o, &x, ti->oparg, &m) && rule_on(o, OPT_RULE_METHOD_CONST)) {
      make_push_value(ti, m);
      ti->op = TOP_PUSH_VALUE_UNDER;
      o->stats->methods_known++;
    }
    push(o, ti->op == TOP_PUSH_VALUE_UNDER ? sym_known(trace_value(ti->oparg, ti->operand), -1) : sym_kinds(KIND_ANY));
    x.producer = -1;
    x.elem_get = 0;
    push(o, x);
    return;
  }
  case UOP_POP: case UOP_PROBE: case UOP_PRINT: {
    Sym *top = slot(o, 0);
    int32_t before = live_before(o, i);
    if (u == UOP_POP && top && top->producer >= 0 && top->producer == before && rule_on(o, OPT_RULE_PUSH_POP)) {
      o->removed[before] = o->removed[i] = true;
      o->stats->pushes_removed++;
    } else if (u == UOP_POP && top && holds_no_reference(top->kinds) && rule_on(o, OPT_RULE_SCALAR)) {
      ti->op = UOP_POP_SCALAR;
      o->stats->refcounts_removed++;
    }
    pop(o);
    return;
  }
  case TOP_BRANCH: {
    Sym *top = slot(o, 0);
    if (top && top->kinds == KIND_BOOL && rule_on(o, OPT_RULE_BOOL_BRANCH)) {  /* a bool: its truthiness is itself, it owns nothing */
      ti->op = TOP_BRANCH_BOOL;
      o->stats->bool_branches++;
    } else if (top && top->kinds == KIND_INT && rule_on(o, OPT_RULE_BOOL_BRANCH)) {
      /* an int is truthy when it is not 0: compared with 0 for "less or greater", the
         branch staying where that is the sense it stays on (oparg) */
      ti->oparg = (CMP_MASK_LT | CMP_MASK_GT) | (ti->oparg != 0) << 4;
      ti->operand = 0;
      ti->op = TOP_BRANCH_COMPARE_INT_CONST;
      o->stats->int_branches++;
    }
    pop(o);
    return;
  }
  case TOP_BRANCH_BOOL: pop(o); return;
  /* The iterator stays under its value, whose kinds the step tells. */
  case TOP_FOR_ITER: case TOP_FOR_ITER_ARRAY: push(o, sym_any()); return;
  case TOP_FOR_ITER_RANGE: push(o, sym_kinds(KIND_INT)); return;
  case TOP_FOR_ITER_STRING: push(o, sym_kinds(KIND_STR)); return;
  case TOP_FOR_ITER_MAP: push(o, sym_kinds(KIND_MAP_KEYS)); return;
  case TOP_PUSH_FRAME: case TOP_PUSH_INIT_FRAME: {
    /* An init's frame: the new instance (an instance of the root shape, as if a guard
       had passed) in its callee slot and as argument 0, the call's arguments after it. */
    bool init = ti->op == TOP_PUSH_INIT_FRAME;
    uint32_t argc = ti->oparg;
    const Function *f = &o->vm->module->funcs[ti->operand];
    forget_keys_below(o, o->depth);  /* an earlier callee's, at the depth this one takes */
    keep_cells(o, not_below, o->depth);
    const Sym *callee = slot(o, argc);
    Sym instance = sym_kinds(KIND_OBJ);
    instance.fact_op = UOP_GUARD_SHAPE;
    instance.fact = SHAPE_ROOT;
    AbsFrame *fr = &o->frames[++o->depth];
    fr->callee = init ? KIND_OBJ : callee ? callee->kinds : KIND_ANY;
    fr->nlocals = f->nparams + f->nlocals;
    fr->all_tracked = fr->nlocals <= MAX_TRACKED_LOCALS;
    if (!fr->all_tracked) fr->nlocals = MAX_TRACKED_LOCALS;
    for (uint32_t k = 0; k < fr->nlocals; k++) {
      uint32_t arg = init ? k - 1 : k;  /* argument k of the call (UINT32_MAX: the instance) */
      Sym *a = arg < argc ? slot(o, argc - 1 - arg) : NULL;
      if (a && a->fact_op) o->stats->inline_facts++;  /* its guard's proof goes in with it */
      fr->locals[k] = init && k == 0 ? instance
                    : arg < argc ? (a ? (Sym){a->kinds, a->known, a->value, -1, -1, a->fact_op, a->fact, 0} : sym_any())
                    : sym_known(val_nil(), -1);
    }
    o->sp -= (int32_t)argc + 1;
    if (o->sp < 0) o->under_start = true;  /* the callee slot or an argument was under it */
    fr->caller_sp = o->sp;
    fr->operands_known = true;
    return;
  }
  case TOP_POP_FRAME: case TOP_POP_FRAME_KNOWN: case TOP_POP_INIT_FRAME_KNOWN: {
    uint32_t caller = (uint32_t)ti->operand;  /* at depth 0, before the operand becomes refs */
    Sym r = pop(o);
    uint64_t refs;
    bool init = ti->oparg & POP_FRAME_INSTANCE;
    if (frame_refs(o, &refs) && rule_on(o, OPT_RULE_SCALAR)) {
      ti->op = init ? TOP_POP_INIT_FRAME_KNOWN : TOP_POP_FRAME_KNOWN;
      /* an init's: bit 0 is init's own value, not the callee slot, which keeps the instance */
      ti->operand = init ? (refs & ~UINT64_C(1)) | !holds_no_reference(r.kinds) : refs;
      o->stats->refcounts_removed++;
    }
    if (init) r = sym_kinds(KIND_OBJ);  /* the instance is the value: no facts */
    if (o->depth == 0) {  /* out of the frame a side trace began in, into function caller:
                             nothing is known of that frame */
      forget_all(o, caller, -1);  /* the caller's operands under its callee slot: unknown */
      o->under_start = true;      /* and the loop's frame is left */
      push(o, sym_any());
      return;
    }
    o->sp = o->frames[o->depth--].caller_sp;
    forget_keys_below(o, o->depth);
    keep_cells(o, not_below, o->depth);
    r.producer = r.local = -1;
    push(o, r);
    return;
  }
  case TOP_CALL_TRACE: case TOP_CALL_ANY: {
    /* The callee's code is not in the trace: it may change any object, map or cell, and
       answers anything. The frames' locals are their own. */
    if (callee_may_change(o)) {
      forget_object_facts(o);
      o->nkeys = 0;
      o->ncells = 0;
    }
    for (uint32_t k = 0; k <= ti->oparg; k++) pop(o);
    push(o, sym_any());
    return;
  }
  case TOP_RETURN: case TOP_RETURN_KNOWN: {
    uint64_t refs;
    Sym r = pop(o);  /* the result, under which the frame is released */
    if (o->depth == 0 && frame_refs(o, &refs) && rule_on(o, OPT_RULE_SCALAR)) {
      ti->op = TOP_RETURN_KNOWN;
      ti->operand = refs;
      o->stats->refcounts_removed++;
    }
    push(o, r);
    return;
  }
  case TOP_LOOP: case TOP_LINK: case TOP_EXIT: case TOP_CHECK_GLOBALS: return;
  case UOP_TO_STR:  /* then as any action */
    o->int_to_str[i] = slot(o, 0) && slot(o, 0)->kinds == KIND_INT;
    break;
  case TOP_CHECK_FINALIZERS:
    /* Needed only after a uop that may still release: a pop or store made scalar, a
       push-pop pair removed, a branch on a bool release nothing. */
    if (!o->released && rule_on(o, OPT_RULE_FINALIZER_CHECK)) {
      o->removed[i] = true;
      o->stats->finalizer_checks_removed++;
    } else if (!(ti->oparg & CHECK_FINALIZERS_EXIT) && o->vm->t1.fault != FAULT_T2_FINALIZER_PURE) {
      /* The trace goes on after the finalizers it calls here, user code that may change
         any object, map or cell, as a call_trace's callee may; the frames' locals are
         their own. */
      forget_object_facts(o);
      o->nkeys = 0;
      o->ncells = 0;
    }
    o->released = false;
    return;
  default: break;
  }
  /* An action or a generic operation. */
  ASSERT(u < UOP__COUNT, "unhandled trace op");
  int n = uop_pops(u, ti->oparg), pushes = uop_pushes(u, ti->oparg);
  Value folded;
  if ((uop_info[u].flags & UOPF_FOLD) && rule_on(o, OPT_RULE_FOLD) && pushes == 1 && n <= 3 && pushed_just_before(o, i, n) &&
      fold(o, u, ti, n, &folded)) {
    int32_t at = i;
    for (int k = 0; k < n; k++) o->removed[at = live_before(o, at)] = true;
    make_push_value(ti, folded);
    o->stats->folded++;
    o->sp -= n;
    push(o, sym_known(folded, i));
    return;
  }
  for (int k = 0; k < n; k++) pop(o);
  for (int k = 0; k < pushes; k++) push(o, sym_kinds(uop_info[u].result));
  Sym *top = slot(o, 0);
  if (u == UOP_GET_ARRAY_INT && top) top->elem_get = (uint32_t)i + 1;
}

/* Pass 1. Switched off, the loads stay but the check still goes first, so the executor
   lives exactly as long (a localization that switches the rule off must not change which
   traces run, only what they load). */
static void promote_globals(Opt *o) {
  TraceBuffer *t = o->t;
  if (t->len == TRACE_MAX_LEN) return;  /* no room for the check */
  for (uint32_t i = 0; i < t->len; i++)  /* a callee a call_trace runs may store one too */
    if (t->code[i].op == UOP_STORE_GLOBAL ||
        ((t->code[i].op == TOP_CALL_TRACE || t->code[i].op == TOP_CALL_ANY) && callee_may_change(o))) return;
  bool on = rule_on(o, OPT_RULE_PROMOTE_GLOBALS);
  uint32_t promoted = 0;
  for (uint32_t i = 0; i < t->len; i++) {
    TraceInst *ti = &t->code[i];
    if (ti->op != UOP_LOAD_GLOBAL || !pushable(o->vm->globals[ti->oparg])) continue;
    if (on) make_push_value(ti, o->vm->globals[ti->oparg]);
    promoted++;
  }
  if (!promoted) return;
  if (on) o->stats->globals_promoted += promoted;
  for (uint32_t i = 0; i < t->len; i++)  /* a finalizer may store one: the trace leaves after it */
    if (t->code[i].op == TOP_CHECK_FINALIZERS) t->code[i].oparg |= CHECK_FINALIZERS_EXIT;
  memmove(&t->code[1], &t->code[0], sizeof(TraceInst) * t->len);
  t->len++;
  t->loop_start++;
  const TraceInst *first = &t->code[1];
  t->exits[t->nexits] = (TraceExit){.func = first->func, .pc = first->pc};
  t->code[0] = (TraceInst){TOP_CHECK_GLOBALS, (uint16_t)t->nexits++, 0, o->vm->globals_version, first->func, first->pc};
}

/* Index of the live uop after i, or len. */
static uint32_t live_after(const Opt *o, uint32_t i) {
  for (i++; i < o->t->len && o->removed[i]; i++) {
  }
  return i;
}

/* Index of the live uop after i that a fusion folds in with a guard of op guard_op
   (past that guard when it is live), or len; *g: that guard's index, live or removed
   (a fact proved it: its exit, which the fused op takes, is still there), or the
   returned index when there is none between. */
static uint32_t guarded_after(const Opt *o, uint32_t i, int guard_op, uint32_t *g) {
  uint32_t a = live_after(o, i);
  if (a < o->t->len && o->t->code[a].op == guard_op) a = live_after(o, a);
  for (*g = i + 1; *g < a && o->t->code[*g].op != guard_op; (*g)++) {
  }
  return a;
}

/* Whether the guard at g (guarded_after: live, or proved and removed) checks the action
   at a, all three of the load's function: what a fusion of the three needs. */
static bool guard_checks_action(const Opt *o, const TraceInst *load, uint32_t g, uint32_t a) {
  const TraceInst *guard = &o->t->code[g], *action = &o->t->code[a];
  return g != a && guard->func == load->func && action->func == load->func && guard->pc == action->pc;
}

/* Whether a fusion of `load` with the guard at g and the action at a (guarded_after)
   may take the guard's exit: the guard checks the action and has an exit. Then the exit
   moves to the load's instruction: nothing has changed when the fused op takes it, and
   t1 runs the load again. */
static bool move_guard_exit(Opt *o, const TraceInst *load, uint32_t g, uint32_t a) {
  TraceBuffer *t = o->t;
  if (!guard_checks_action(o, load, g, a) || t->code[g].exit == TRACE_NO_EXIT) return false;
  t->exits[t->code[g].exit].pc = load->pc;
  return true;
}

/* Pass 4: a load_local, then the next instruction's shape guard and slot load (or store)
   on what it pushed, becomes one load_local_attr (store_local_attr), which reads (writes)
   the attribute straight in the local's instance: no reference count on the instance, no
   stack slot for it. Its exit is the guard's, moved to the load_local's instruction
   (nothing has changed when it is taken). Not across the loop start, where the back
   edge lands. When a fact proved the guard, the op says so (LOCAL_ATTR_PROVEN). */
static void fuse_local_attr(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_LOCAL_ATTR)) return;
  for (uint32_t i = 0; i < t->len; i++) {
    TraceInst *load = &t->code[i];
    if (o->removed[i] || load->op != UOP_LOAD_LOCAL || load->oparg > 0xffff) continue;
    uint32_t g, a = guarded_after(o, i, UOP_GUARD_SHAPE, &g);  /* the guard's shape is still there too */
    if (a >= t->len || (i < t->loop_start && t->loop_start <= a)) continue;
    TraceInst *guard = &t->code[g], *attr = &t->code[a];
    int fused = attr->op == UOP_LOAD_ATTR_SLOT ? TOP_LOAD_LOCAL_ATTR : attr->op == UOP_STORE_ATTR_SLOT ? TOP_STORE_LOCAL_ATTR : -1;
    if (fused < 0 || attr->oparg > 0xffff || !move_guard_exit(o, load, g, a)) continue;
    /* A fact proved the guard: the local holds an instance of that shape (compiled code
       checks nothing; the test-only fault t2-local-attr-proven-always says so of all). */
    bool proven = o->removed[g] || o->vm->t1.fault == FAULT_T2_LOCAL_ATTR_PROVEN_ALWAYS;
    *load = (TraceInst){(uint16_t)fused, guard->exit, load->oparg | attr->oparg << 16,
                        guard->operand | (proven ? LOCAL_ATTR_PROVEN : 0), load->func, load->pc};
    o->removed[g] = o->removed[a] = true;
    o->stats->local_attrs++;
  }
}

/* Pass 4: a load_local, then the next instruction's string or array guard and its
   len_string or len_array on what it pushed, becomes one len_local, which reads the
   length in the local's string or array: no reference count taken and dropped, no
   stack slot. Its exit is the guard's, moved to the load_local's instruction, as
   fuse_local_attr's. Not across the loop start. Under the test-only fault
   t2-len-local-exit-late the exit stays at the len, where t1 resumes without the
   operand the load pushed. */
static void fuse_len_local(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_LEN_LOCAL)) return;
  for (uint32_t i = 0; i < t->len; i++) {
    TraceInst *load = &t->code[i];
    if (o->removed[i] || load->op != UOP_LOAD_LOCAL || load->oparg > 0xffff) continue;
    uint32_t a = live_after(o, i);  /* the len, past its guard when that is live */
    if (a < t->len && (t->code[a].op == UOP_GUARD_STRING || t->code[a].op == UOP_GUARD_ARRAY)) a = live_after(o, a);
    if (a >= t->len || (t->code[a].op != UOP_LEN_STRING && t->code[a].op != UOP_LEN_ARRAY)) continue;
    bool string = t->code[a].op == UOP_LEN_STRING;
    uint32_t g;  /* its guard, live or proved */
    if (guarded_after(o, i, string ? UOP_GUARD_STRING : UOP_GUARD_ARRAY, &g) != a ||
        (i < t->loop_start && t->loop_start <= a))
      continue;
    bool late = o->vm->t1.fault == FAULT_T2_LEN_LOCAL_EXIT_LATE;  /* test-only: the exit not moved */
    if (late ? !guard_checks_action(o, load, g, a) || t->code[g].exit == TRACE_NO_EXIT : !move_guard_exit(o, load, g, a))
      continue;
    uint64_t what = string ? LEN_LOCAL_STRING : LEN_LOCAL_ARRAY;
    *load = (TraceInst){TOP_LEN_LOCAL, t->code[g].exit, load->oparg, what, load->func, load->pc};
    o->removed[g] = o->removed[a] = true;
    o->stats->len_locals++;
  }
}

/* Whether ti pushes an int it holds (push_int, or push_value of an int): *k, that int. */
static bool known_int_push(const TraceInst *ti, int64_t *k) {
  if (ti->op == UOP_PUSH_INT) *k = (int16_t)ti->oparg;
  else if (ti->op == TOP_PUSH_VALUE && ti->oparg == VAL_INT) *k = (int64_t)ti->operand;
  else return false;
  return true;
}

/* The int index instruction ti pushes, for a fused array read: true with *local set
   (or, for a constant, *local = -1 and *at set) when it is a load of a local, which the
   fused op reads itself, or a push of an int. */
static bool index_push(const TraceInst *ti, int32_t *local, int64_t *at) {
  *local = -1;
  if (ti->op != UOP_LOAD_LOCAL && ti->op != UOP_LOAD_LOCAL_SCALAR) return known_int_push(ti, at);
  if (ti->oparg > 0xffff) return false;
  *local = (int32_t)ti->oparg;
  return true;
}

/* The fused read of a load (of a local, or a capture) and index (local >= 0: that local,
   else constant at) pushed before a get (typed: the get_array_kind, else NULL), taking
   exit. */
static TraceInst fused_elem_load(const TraceInst *load, bool capture, int32_t local, int64_t at, uint16_t exit,
                                 const TraceInst *typed) {
  if (typed) {
    uint32_t index = local >= 0 ? (uint32_t)local : (uint32_t)at;
    int op = capture ? (local >= 0 ? TOP_LOAD_CAPTURE_ELEM_KIND : TOP_LOAD_CAPTURE_ELEM_AT_KIND)
                     : (local >= 0 ? TOP_LOAD_LOCAL_ELEM_KIND : TOP_LOAD_LOCAL_ELEM_AT_KIND);
    return (TraceInst){(uint16_t)op, exit, capture ? index : load->oparg | index << 16, typed->operand, load->func,
                       load->pc};
  }
  if (local >= 0)
    return (TraceInst){capture ? TOP_LOAD_CAPTURE_ELEM : TOP_LOAD_LOCAL_ELEM, exit,
                       capture ? (uint32_t)local : load->oparg | (uint32_t)local << 16, 0, load->func, load->pc};
  return (TraceInst){capture ? TOP_LOAD_CAPTURE_ELEM_AT : TOP_LOAD_LOCAL_ELEM_AT, exit, capture ? 0 : load->oparg,
                     (uint64_t)at, load->func, load->pc};
}

/* Pass 4, its second part: a load_local (or load_capture), then a load of an index (a
   local or an int pushed), then the array element get on the two (its guard kept or
   proved), becomes one load_local_elem (load_local_elem_at; load_capture_elem and
   load_capture_elem_at), which reads the element straight from the local's (the
   closure's) array: no reference count on the array,
   no stack slots for it and the index. Its exit is the guard's, moved to the load's
   instruction: nothing has changed when it is taken, and t1 loads the two again (an
   index out of bounds exits too, and t1 raises the error). A get_array_kind fuses the
   same way into the _kind form, which also checks the element's kind (the kind in the
   operand; a constant index, at most 0xffff, goes where the index's local would).
   Not across the loop start. */
static void fuse_local_elem(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_LOCAL_ELEM)) return;
  for (uint32_t i = 0; i < t->len; i++) {
    TraceInst *load = &t->code[i];
    bool capture = load->op == UOP_LOAD_CAPTURE;
    if (o->removed[i] || !(capture || (load->op == UOP_LOAD_LOCAL && load->oparg <= 0xffff))) continue;
    uint32_t p = live_after(o, i), g, a = p < t->len ? guarded_after(o, p, UOP_GUARD_ARRAY_INT, &g) : p;
    int32_t local;
    int64_t at = 0;
    if (a >= t->len || (t->code[a].op != UOP_GET_ARRAY_INT && t->code[a].op != TOP_GET_ARRAY_KIND) ||
        (i < t->loop_start && t->loop_start <= a) || !index_push(&t->code[p], &local, &at) || local > 0xffff)
      continue;
    bool typed = t->code[a].op == TOP_GET_ARRAY_KIND;
    if ((typed && local < 0 && (at < 0 || at > 0xffff)) || !move_guard_exit(o, load, g, a)) continue;
    bool proved = typed && o->removed[g];  /* a fact proved the guard: an array and an int */
    *load = fused_elem_load(load, capture, local, at, t->code[g].exit, typed ? &t->code[a] : NULL);
    if (proved) load->operand |= ELEM_ARRAY_PROVED;
    o->removed[p] = o->removed[g] = o->removed[a] = true;
    o->stats->local_elems++;
    o->stats->elems_proved += proved;
  }
}

/* A push that cannot fail or exit and changes nothing else, for a fused array store: the
   value it pushes can be popped and released again without a trace. */
static bool plain_push(const TraceInst *ti) {
  switch (ti->op) {
  case UOP_PUSH_NIL: case UOP_PUSH_TRUE: case UOP_PUSH_FALSE: case UOP_PUSH_INT: case UOP_PUSH_CONST:
  case UOP_LOAD_LOCAL: case UOP_LOAD_LOCAL_SCALAR: case TOP_PUSH_VALUE:
    return ti->exit == TRACE_NO_EXIT;
  default: return false;
  }
}

/* Pass 4, its third part: a load_local, then a load of an index (a local or an int
   pushed), a plain push of the value (plain_push), then the array element set on the
   three (its guard kept or proved), becomes the value's push and one store_local_elem
   (store_local_elem_at) where the set was, which pops the value straight into the
   local's array: no reference count on the array, no stack slots for it and the index.
   Its exit is the guard's, moved to the load's instruction: the fused op pops and
   releases the value before it exits, so nothing has changed, and t1 loads the three
   again (and raises the error of an index out of bounds). Not across the loop start. */
static void fuse_local_elem_store(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_LOCAL_ELEM_STORE)) return;
  for (uint32_t i = 0; i < t->len; i++) {
    TraceInst *load = &t->code[i];
    if (o->removed[i] || load->op != UOP_LOAD_LOCAL || load->oparg > 0xffff) continue;
    uint32_t p = live_after(o, i), q = p < t->len ? live_after(o, p) : p, g;
    uint32_t a = q < t->len ? guarded_after(o, q, UOP_GUARD_ARRAY_INT_ANY, &g) : q;
    int32_t local;
    int64_t at = 0;
    if (a >= t->len || t->code[a].op != UOP_SET_ARRAY_INT || (i < t->loop_start && t->loop_start <= a) ||
        !index_push(&t->code[p], &local, &at) || local > 0xffff || !plain_push(&t->code[q]))
      continue;
    TraceInst *set = &t->code[a];
    const TraceInst *guard = &t->code[g];
    if (!move_guard_exit(o, load, g, a)) continue;
    bool proved = local >= 0 && o->removed[g];  /* a fact proved the guard: an array and an int */
    if (local >= 0)
      *set = (TraceInst){TOP_STORE_LOCAL_ELEM, guard->exit, load->oparg | (uint32_t)local << 16,
                         proved ? ELEM_ARRAY_PROVED : 0, set->func, set->pc};
    else
      *set = (TraceInst){TOP_STORE_LOCAL_ELEM_AT, guard->exit, load->oparg, (uint64_t)at, set->func, set->pc};
    o->removed[i] = o->removed[p] = o->removed[g] = true;
    o->stats->local_elem_stores++;
    o->stats->elem_stores_proved += proved;
  }
}

/* Pass 4, its fourth part: a load_capture, then the cell guard (kept or proved) and
   cell_get_cell on what it pushed, becomes one load_capture_cell, which reads the value
   straight from the running closure's captured cell: no reference count on the cell, no
   stack slot for it. Its exit is the guard's, moved to the load's instruction: nothing
   has changed when it is taken, and t1 loads the capture again (and raises when it is
   not a cell). Not across the loop start. */
static void fuse_capture_cell(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_CAPTURE_CELL)) return;
  for (uint32_t i = 0; i < t->len; i++) {
    TraceInst *load = &t->code[i];
    if (o->removed[i] || load->op != UOP_LOAD_CAPTURE) continue;
    uint32_t g, a = guarded_after(o, i, UOP_GUARD_CELL, &g);
    if (a >= t->len || t->code[a].op != UOP_CELL_GET_CELL || (i < t->loop_start && t->loop_start <= a) ||
        !move_guard_exit(o, load, g, a))
      continue;
    *load = (TraceInst){TOP_LOAD_CAPTURE_CELL, t->code[g].exit, 0, 0, load->func, load->pc};
    o->removed[g] = o->removed[a] = true;
    o->stats->capture_cells++;
  }
}

/* Pass 4, its fifth part: a load_capture, a plain push of the value (plain_push), then
   the cell guard under it (kept or proved) and cell_set_cell on the two, becomes the
   push and one store_capture_cell where the set was, which pops the value straight into
   the running closure's captured cell: no reference count on the cell, no stack slot for
   it. Its exit is the guard's, moved to the load's instruction: the fused op pops and
   releases the value before it exits, so nothing has changed, and t1 loads the capture
   and the value again (and raises when it is not a cell). Not across the loop start. */
static void fuse_capture_cell_store(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_CAPTURE_CELL_STORE)) return;
  for (uint32_t i = 0; i < t->len; i++) {
    const TraceInst *load = &t->code[i];
    if (o->removed[i] || load->op != UOP_LOAD_CAPTURE) continue;
    uint32_t p = live_after(o, i), g, a = p < t->len ? guarded_after(o, p, UOP_GUARD_CELL_UNDER, &g) : p;
    if (a >= t->len || t->code[a].op != UOP_CELL_SET_CELL || (i < t->loop_start && t->loop_start <= a) ||
        !plain_push(&t->code[p]) || !move_guard_exit(o, load, g, a))
      continue;
    TraceInst *set = &t->code[a];
    *set = (TraceInst){TOP_STORE_CAPTURE_CELL, t->code[g].exit, 0, 0, set->func, set->pc};
    o->removed[i] = o->removed[g] = true;
    o->stats->capture_cell_stores++;
  }
}

/* Pass 4, its sixth part, after the second: a load_capture_elem_at (a cell in the
   closure's captured array at a constant index), then the cell guard (kept or proved)
   and cell_get_cell on what it pushed, becomes one load_capture_elem_cell, which reads
   the value straight from the cell: no reference count on the cell. With a plain push
   and the guarded cell_set_cell instead (as capture-cell-store), the push and one
   store_capture_elem_cell where the set was, which pops the value into the cell, and
   releases it before it exits. Both take the load's exit, before the load_capture
   (nothing has changed), when the element is not a cell either: t1 then loads the
   capture, the index and the element again and raises what cell_get or cell_set
   raises. Not across the loop start. Under the test-only fault t2-elem-cell-index-zero
   the fused ops take element 0, whatever the load's index. */
static void fuse_capture_elem_cell(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_CAPTURE_ELEM_CELL)) return;
  for (uint32_t i = 0; i < t->len; i++) {
    TraceInst *load = &t->code[i];
    if (o->removed[i] || load->op != TOP_LOAD_CAPTURE_ELEM_AT) continue;
    uint64_t index = o->vm->t1.fault == FAULT_T2_ELEM_CELL_INDEX_ZERO ? 0 : load->operand;
    uint32_t g, a = guarded_after(o, i, UOP_GUARD_CELL, &g);
    if (a < t->len && t->code[a].op == UOP_CELL_GET_CELL && !(i < t->loop_start && t->loop_start <= a) &&
        guard_checks_action(o, load, g, a)) {
      *load = (TraceInst){TOP_LOAD_CAPTURE_ELEM_CELL, load->exit, 0, index, load->func, load->pc};
      o->removed[g] = o->removed[a] = true;
      o->stats->capture_elem_cells++;
      continue;
    }
    uint32_t p = live_after(o, i);
    a = p < t->len ? guarded_after(o, p, UOP_GUARD_CELL_UNDER, &g) : p;
    if (a >= t->len || t->code[a].op != UOP_CELL_SET_CELL || (i < t->loop_start && t->loop_start <= a) ||
        !plain_push(&t->code[p]) || !guard_checks_action(o, load, g, a))
      continue;
    TraceInst *set = &t->code[a];
    *set = (TraceInst){TOP_STORE_CAPTURE_ELEM_CELL, load->exit, 0, index, set->func, set->pc};
    o->removed[i] = o->removed[g] = true;
    o->stats->capture_elem_cells++;
  }
}

/* The oparg and operand of the int_op_const that computes int uop `op` with right operand
   k, or false when there is none: op is no int op (add_int to shr_int), or k would make
   it fail (a zero divisor, a negative shift), or is a divisor outside 2 to 65535 (an idiv
   or mod by 1, or by a negative or a larger divisor, stays as it is). Under the test-only
   fault t2-int-const-magic-low, the multiplier is one less (floor(2^(63 + l) / d)): right
   for a power of two, one short for a multiple of any other divisor. */
STATIC_ASSERT(UOP_SHR_INT - UOP_ADD_INT == 9, "the ten int ops are in a row, add_int to shr_int");
static bool int_const_fields(const Opt *o, int op, int64_t k, uint32_t *oparg, uint64_t *operand) {
  if (op < UOP_ADD_INT || op > UOP_SHR_INT) return false;
  Opcode opcode = uop_info[op].stack;
  *oparg = opcode;
  *operand = (uint64_t)k;
  if (opcode == OP_SHL || opcode == OP_SHR) return k >= 0;
  if (opcode != OP_IDIV && opcode != OP_MOD) return true;
  if (k < 2 || k > 0xffff) return false;
  uint32_t shift;
  *operand = trace_floor_div_multiplier((uint32_t)k, &shift);
  if (o->vm->t1.fault == FAULT_T2_INT_CONST_MAGIC_LOW) (*operand)--;
  *oparg |= shift << 8 | (uint32_t)k << 16;
  return true;
}

/* A comparison's mask for the operands swapped: less and greater exchanged (the
   test-only fault's slip). */
static uint32_t cmp_mask_swapped(uint32_t mask) {
  uint32_t lt_gt = mask & (CMP_MASK_LT | CMP_MASK_GT);
  return (mask ^ lt_gt) | (lt_gt & CMP_MASK_LT ? CMP_MASK_GT : 0) | (lt_gt & CMP_MASK_GT ? CMP_MASK_LT : 0);
}

/* Whether ti loads a local below 65536 of function func (of the kind the op that takes
   it needs: its guard passed, or a fact proved it). */
static bool local_load(const TraceInst *ti, uint32_t func) {
  return (ti->op == UOP_LOAD_LOCAL || ti->op == UOP_LOAD_LOCAL_SCALAR) && ti->oparg <= 0xffff && ti->func == func;
}

/* For a live load of a local at i, the live uop right after it, of its function and on
   the same side of the loop start, which an op reading the local may replace; else len. */
static uint32_t after_local_load(const Opt *o, uint32_t i) {
  const TraceBuffer *t = o->t;
  if (o->removed[i] || !local_load(&t->code[i], t->code[i].func)) return t->len;
  uint32_t a = live_after(o, i);
  if (a >= t->len || t->code[a].func != t->code[i].func || (i < t->loop_start && t->loop_start <= a)) return t->len;
  return a;
}

/* The live guard_int_int right after the push_int at i (a), which checks the value
   under it and that int, both of the push's function; else len. Only after a push_int,
   whose instruction is the push alone: a push_value may be a fold's, whose instruction
   is the last of the ones folded (t1 resuming there would run a neg on the value under
   it: corpora/regressions/t2-optimizer-rule-int-const.tas). */
static uint32_t int_guard_between(const Opt *o, uint32_t i, uint32_t a) {
  const TraceBuffer *t = o->t;
  if (t->code[i].op != UOP_PUSH_INT || a >= t->len || t->code[a].op != UOP_GUARD_INT_INT ||
      t->code[a].exit == TRACE_NO_EXIT)
    return t->len;
  return t->code[a].func == t->code[i].func ? a : t->len;
}

/* Pass 4: a push of a known int, then an int op on the int (the live uop right after
   it), becomes one int_op_const, which neither pushes nor pops the int; an idiv or mod
   by it multiplies instead of dividing (trace_floor_div). A guard_int_int between a
   push_int and the op (no fact proved the value under the int, as at a function's
   entry) becomes guard_int of that value before the fused op, its exit moved to the
   push_int: nothing is pushed yet when it is taken, and t1 pushes the int again. A
   branch_compare_int on the int (fuse_compare_branch made it) becomes
   branch_compare_int_const, with the branch's exit, which expects both ints popped, as
   the fused op leaves the one it pops. Under the test-only fault
   t2-compare-const-swapped, that op compares the int with x rather than x with the int
   (its less and greater bits swapped). Not across the loop start. */
static void fuse_int_const(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_INT_CONST)) return;
  for (uint32_t i = 0; i < t->len; i++) {
    int64_t k;
    if (o->removed[i] || !known_int_push(&t->code[i], &k)) continue;
    uint32_t a = live_after(o, i), g = int_guard_between(o, i, a), oparg;
    uint64_t operand;
    if (g < t->len) a = live_after(o, g);
    if (a >= t->len || (i < t->loop_start && t->loop_start <= a)) continue;
    if (t->code[a].op != TOP_BRANCH_COMPARE_INT && !int_const_fields(o, t->code[a].op, k, &oparg, &operand)) continue;
    if (g < t->len) {  /* it checks the value under the int alone, before the push */
      if (t->code[g].pc != t->code[a].pc) continue;
      t->code[g].op = UOP_GUARD_INT;
      t->exits[t->code[g].exit].pc = t->code[i].pc;
    }
    TraceInst *op = &t->code[a];
    if (op->op == TOP_BRANCH_COMPARE_INT) {
      oparg = op->oparg | (op->operand != 0) << 4;
      if (o->vm->t1.fault == FAULT_T2_COMPARE_CONST_SWAPPED) oparg = cmp_mask_swapped(oparg);
      *op = (TraceInst){TOP_BRANCH_COMPARE_INT_CONST, op->exit, oparg, (uint64_t)k, op->func, op->pc};
    } else {
      *op = (TraceInst){TOP_INT_OP_CONST, TRACE_NO_EXIT, oparg, operand, op->func, op->pc};
    }
    o->removed[i] = true;
    o->stats->int_consts++;
  }
  /* A load of a local (an int: the op after it proves so), then the
     branch_compare_int_const or int_op_const (but an idiv or mod, whose oparg is full)
     on it: the op reads the local where it is. */
  for (uint32_t i = 0; i < t->len; i++) {
    uint32_t a = after_local_load(o, i);
    if (a >= t->len) continue;
    const TraceInst *load = &t->code[i];
    TraceInst *op = &t->code[a];
    if (op->op == TOP_BRANCH_COMPARE_INT_CONST) op->op = TOP_BRANCH_COMPARE_LOCAL_CONST;
    else if (op->op == TOP_INT_OP_CONST && !int_const_divides(op->oparg)) op->op = TOP_LOCAL_INT_OP_CONST;
    else continue;
    op->oparg |= load->oparg << 16;
    o->removed[i] = true;
  }
}

/* The branch_compare_int at c, after loads of two locals (the live uops right before
   it): branch_compare_locals, which reads them where they are. Not across the loop
   start. */
static void fuse_compare_locals(Opt *o, uint32_t c) {
  TraceBuffer *t = o->t;
  int32_t b = live_before(o, (int32_t)c), a = b < 0 ? b : live_before(o, b);
  if (a < 0 || !local_load(&t->code[a], t->code[c].func) || !local_load(&t->code[b], t->code[c].func) ||
      ((uint32_t)a < t->loop_start && t->loop_start <= c))
    return;
  t->code[c].op = TOP_BRANCH_COMPARE_LOCALS;
  t->code[c].oparg = t->code[c].oparg | (uint32_t)t->code[c].operand << 4 | t->code[a].oparg << 16;
  t->code[c].operand = t->code[b].oparg;
  o->removed[a] = o->removed[b] = true;
}

/* The trace op that computes uop `op` with its right operand read from a local, or -1:
   the int ops that cannot fail and the float ops. */
static int op_local_of(int op) {
  switch (op) {
  case UOP_ADD_INT: case UOP_SUB_INT: case UOP_MUL_INT: case UOP_BAND_INT: case UOP_BOR_INT: case UOP_BXOR_INT:
    return TOP_INT_OP_LOCAL;
  case UOP_ADD_FLOAT: case UOP_SUB_FLOAT: case UOP_MUL_FLOAT: case UOP_DIV_FLOAT: return TOP_FLOAT_OP_LOCAL;
  default: return -1;
  }
}

/* Pass 4, after int-const: a load of a local, then an int or float op taking it as its
   right operand (the live uop right after it, of its function; the op proves the kind),
   becomes int_op_local or float_op_local, which reads the local where it is; a dup of
   the loaded value between them goes instead of the load (x * x: the load pushes the
   left operand, the op reads the right one from the local). Not across the loop start.
   Under the test-only fault t2-op-local-next, the op reads the local after the one
   loaded (when the frame has one): an index off by one. */
static void fuse_op_local(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_OP_LOCAL)) return;
  for (uint32_t i = 0; i < t->len; i++) {
    uint32_t a = after_local_load(o, i), dup = t->len;
    if (a < t->len && t->code[a].op == UOP_DUP && t->code[a].func == t->code[i].func) {
      dup = a;  /* x * x: the op reads the local again, and the load stays */
      a = live_after(o, dup);
    }
    int fused = a < t->len ? op_local_of(t->code[a].op) : -1;
    if (fused < 0 || t->code[a].func != t->code[i].func) continue;
    const TraceInst *load = &t->code[i];
    TraceInst *op = &t->code[a];
    uint32_t local = load->oparg;
    const Function *f = &o->vm->module->funcs[load->func];
    if (o->vm->t1.fault == FAULT_T2_OP_LOCAL_NEXT && local + 1 < f->nparams + f->nlocals) local++;
    *op = (TraceInst){(uint16_t)fused, TRACE_NO_EXIT, uop_info[op->op].stack | local << 16, 0, op->func, op->pc};
    o->removed[dup < t->len ? dup : i] = true;
    o->stats->op_locals++;
  }
}

/* Pass 4, its last part: a compare_int, then the branch_bool on the bool it pushed,
   becomes one branch_compare_int, which compares and branches with no bool pushed,
   popped and tested. It takes the branch's exit, which expects both ints popped, as the
   fused op leaves them; after loads of two locals, branch_compare_locals, with the
   same exit (nothing pushed). Not across the loop start. Under the test-only fault
   t2-compare-branch-equal its mask loses the equal bit. */
static void fuse_compare_branch(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_COMPARE_BRANCH)) return;
  for (uint32_t i = 0; i < t->len; i++) {
    TraceInst *cmp = &t->code[i];
    if (o->removed[i] || cmp->op != UOP_COMPARE_INT) continue;
    uint32_t a = live_after(o, i);
    if (a >= t->len || t->code[a].op != TOP_BRANCH_BOOL || (i < t->loop_start && t->loop_start <= a)) continue;
    uint32_t mask = cmp->oparg;
    if (o->vm->t1.fault == FAULT_T2_COMPARE_BRANCH_EQUAL) mask &= ~CMP_MASK_EQ;
    const TraceInst *branch = &t->code[a];
    *cmp = (TraceInst){TOP_BRANCH_COMPARE_INT, branch->exit, mask, branch->oparg != 0, cmp->func, cmp->pc};
    o->removed[a] = true;
    o->stats->compare_branches++;
    fuse_compare_locals(o, i);
  }
}

/* ---- Exit kinds: what a side trace begins knowing ---- */

/* The kinds of the top frame's locals as TraceExit.kinds holds them: each proven to be
   exactly an int, a float or a bool. */
static uint64_t exit_kinds_now(const Opt *o) {
  const AbsFrame *f = &o->frames[o->depth];
  uint64_t kinds = 0;
  for (uint32_t l = 0; l < f->nlocals && l < EXIT_KIND_LOCALS; l++) {
    uint8_t k = f->locals[l].kinds;
    uint64_t code = k == KIND_INT ? EXIT_KIND_INT : k == KIND_FLOAT ? EXIT_KIND_FLOAT : k == KIND_BOOL ? EXIT_KIND_BOOL : 0;
    kinds |= code << (2 * l);
  }
  return kinds;
}

/* Uop i, about to be stepped, may take its exit: what is proven now holds when it is
   taken (an exit is taken before its uop changes anything but its own pops, which touch
   no local). An exit several uops take keeps what holds at all of them. */
static void note_exit_kinds(Opt *o, uint32_t i) {
  uint16_t e = o->t->code[i].exit;
  if (e == TRACE_NO_EXIT) return;
  uint64_t now = exit_kinds_now(o), *kinds = &o->t->exits[e].kinds;
  if (!o->exit_seen[e]) {
    *kinds = now;
    o->exit_seen[e] = true;
    return;
  }
  uint64_t differ = *kinds ^ now;  /* a local that differs in either bit is unknown */
  differ = (differ | differ >> 1) & 0x5555555555555555ull;
  *kinds &= ~(differ | differ << 1);
}

/* Pass 3 (and its dry runs): from the loop start, where the loop frame's locals have the
   kinds `assumed` (KIND_ANY: unknown); their kinds at the closing LOOP go to at_loop.
   Notes at each exit the kinds proven where it is taken (note_exit_kinds); the exits of
   the uops before the loop start, which the pass does not see, know nothing. */
static void analyze(Opt *o, const uint8_t *assumed, uint8_t *at_loop) {
  TraceBuffer *t = o->t;
  memset(o->exit_seen, 0, sizeof o->exit_seen);
  for (uint32_t e = 0; e < t->nexits; e++) t->exits[e].kinds = 0;
  bool after = o->vm->t1.fault == FAULT_T2_EXIT_KINDS_AFTER;  /* test-only: what holds once a uop passed */
  for (uint32_t i = t->loop_start; i < t->len; i++) {
    if (i == t->loop_start) {
      forget_all(o, t->code[i].func, i == 0 ? t->entry_operands : -1);  /* known at the trace's start only */
      o->under_start = false;
      for (uint32_t l = 0; l < o->frames[0].nlocals; l++) o->frames[0].locals[l].kinds = assumed[l];
    }
    if (t->code[i].op == TOP_LOOP && at_loop && o->depth == 0)
      for (uint32_t l = 0; l < o->frames[0].nlocals; l++) at_loop[l] = o->frames[0].locals[l].kinds;
    if (!after) note_exit_kinds(o, i);
    step(o, (int32_t)i);
    if (after) note_exit_kinds(o, i);
    if (!o->removed[i] && trace_op_releases(t->code[i].op)) o->released = true;
  }
  for (uint32_t i = 0; i < t->loop_start; i++)
    if (t->code[i].exit != TRACE_NO_EXIT) t->exits[t->code[i].exit].kinds = 0;
}

/* A side trace's first frame: the kinds its parent's exit proved (rule exit-kinds). */
static void take_exit_kinds(Opt *o, uint8_t *kinds) {
  TraceBuffer *t = o->t;
  if (!t->entry_kinds || t->loop_start != 0 || t->end == TRACE_END_CLOSED || !rule_on(o, OPT_RULE_EXIT_KINDS)) return;
  static const uint8_t kind_bits[4] = {KIND_ANY, KIND_INT, KIND_FLOAT, KIND_BOOL};
  for (uint32_t l = 0; l < EXIT_KIND_LOCALS; l++) kinds[l] = kind_bits[exit_kind_of(t->entry_kinds, l)];
  o->stats->exit_kinds++;
}

/* The kind bit of a value a loop kind may be: an int, a float, a bool or an array (what
   a guard_local_kind checks, loop_guard_operand). */
static uint8_t loop_kind(Value v) {
  return v.kind == VAL_INT || v.kind == VAL_FLOAT || v.kind == VAL_BOOL || is_array(v) ? kind_bit(v) : KIND_ANY;
}
static uint64_t loop_guard_operand(uint8_t kind) { return kind == KIND_ARR ? GUARD_KIND_ARRAY : scalar_kind(kind); }

/* A dry run of pass 3 with kinds[] taken at the loop start, for step 2: what it learns
   (o->loaded, and at_loop when not NULL) is kept, the code it rewrote is put back
   (saved), nothing is counted and nothing is left removed. */
static void dry_run(Opt *o, const uint8_t *kinds, uint8_t *at_loop, const TraceInst *saved) {
  T2Stats scratch = {0}, *stats = o->stats;
  memset(o->removed, 0, sizeof o->removed);
  if (at_loop) memset(at_loop, KIND_ANY, MAX_TRACKED_LOCALS);
  o->loaded = 0;
  o->stats = &scratch;
  analyze(o, kinds, at_loop);
  memcpy(o->t->code, saved, sizeof(TraceInst) * o->t->len);
  memset(o->removed, 0, sizeof o->removed);
  o->stats = stats;
}

/* Step 2: fills kinds[] (KIND_ANY for none) with the loop kinds of a trace that closes
   its loop in the top frame, checked by dry runs of pass 3 on the trace (restored after
   each), and answers how many there are. None when their guards would not fit in the
   trace: pass 3 takes whatever kinds[] holds as proven at the loop start. The test-only
   fault t2-loop-kinds-unchecked takes them unchecked. */
static uint32_t loop_kinds(Opt *o, uint8_t *kinds) {
  TraceBuffer *t = o->t;
  const Function *f = &o->vm->module->funcs[t->code[t->loop_start].func];
  uint32_t nlocals = f->nparams + f->nlocals;
  if (nlocals > MAX_TRACKED_LOCALS) nlocals = MAX_TRACKED_LOCALS;
  memset(kinds, KIND_ANY, MAX_TRACKED_LOCALS);
  if (t->end != TRACE_END_CLOSED || !rule_on(o, OPT_RULE_LOOP_KINDS) || o->vm->nframes == 0 ||
      frame_top(o->vm)->func != t->code[t->loop_start].func)
    return 0;  /* not built at its own LOOP: no values to take the kinds from */
  const Value *now = o->vm->stack + frame_top(o->vm)->base;
  for (uint32_t l = 0; l < nlocals; l++) kinds[l] = loop_kind(now[l]);
  TraceInst saved[TRACE_MAX_LEN];
  memcpy(saved, t->code, sizeof(TraceInst) * t->len);
  uint8_t at_loop[MAX_TRACKED_LOCALS];
  bool changed = true;
  for (int round = 0; changed && round < 4; round++) {
    dry_run(o, kinds, at_loop, saved);
    /* A kind that changed is dropped, and the analysis runs again without it. A kind of
       a local never read is dropped too, but needs no new round: what the analysis
       assumed of such a local reached no other local's kind (only loads carry one). */
    changed = false;
    for (uint32_t l = 0; l < nlocals; l++) {
      bool kept = !(at_loop[l] & ~kinds[l]) || o->vm->t1.fault == FAULT_T2_LOOP_KINDS_UNCHECKED;
      if (kinds[l] == KIND_ANY) continue;
      if (!kept) changed = true;
      if (!kept || !(o->loaded >> l & 1)) kinds[l] = KIND_ANY;
    }
  }
  uint32_t n = 0;
  for (uint32_t l = 0; l < nlocals; l++) {
    if (changed) kinds[l] = KIND_ANY;  /* no fixed point in four rounds: none */
    n += kinds[l] != KIND_ANY;
  }
  memset(o->removed, 0, sizeof o->removed);
  if (t->len + n > TRACE_MAX_LEN) {  /* no room for their guards: none are known either */
    memset(kinds, KIND_ANY, MAX_TRACKED_LOCALS);
    return 0;
  }
  return n;
}

/* Step 2 for an entry trace (no loop: its start is its loop start): fills kinds[] with
   the kinds its parameters hold in the frame it was built in, where the VM is now, for
   those the trace reads (a dry run of pass 3 tells), and answers how many there are.
   Their guards (guard_loop_kinds) check them once at the start, exiting to the
   function's first instruction; a store into a parameter is the analysis' business, as
   in a loop. None when the guards would not fit. The test-only fault
   t2-entry-kinds-unguarded keeps the kinds and answers 0: no guards. */
static uint32_t entry_kinds(Opt *o, uint8_t *kinds) {
  TraceBuffer *t = o->t;
  uint32_t func = t->code[0].func;
  if (!t->entry || t->loop_start != 0 || t->end == TRACE_END_CLOSED || !rule_on(o, OPT_RULE_ENTRY_KINDS) ||
      o->vm->nframes == 0 || frame_top(o->vm)->func != func)
    return 0;
  uint32_t nparams = o->vm->module->funcs[func].nparams;
  if (nparams > MAX_TRACKED_LOCALS) nparams = MAX_TRACKED_LOCALS;
  const Value *now = o->vm->stack + frame_top(o->vm)->base;
  for (uint32_t l = 0; l < nparams; l++) kinds[l] = loop_kind(now[l]);
  TraceInst saved[TRACE_MAX_LEN];
  memcpy(saved, t->code, sizeof(TraceInst) * t->len);
  dry_run(o, kinds, NULL, saved);
  uint32_t n = 0;
  for (uint32_t l = 0; l < nparams; l++) {
    if (!(o->loaded >> l & 1)) kinds[l] = KIND_ANY;
    n += kinds[l] != KIND_ANY;
  }
  if (t->len + n > TRACE_MAX_LEN) {
    memset(kinds, KIND_ANY, MAX_TRACKED_LOCALS);
    return 0;
  }
  if (o->vm->t1.fault == FAULT_T2_ENTRY_KINDS_UNGUARDED) return 0;
  o->stats->entry_param_kinds += n;
  return n;
}

/* The guards of the loop kinds, before the loop start: each exits to the loop head. */
static void guard_loop_kinds(TraceBuffer *t, const uint8_t *kinds, uint32_t n, uint32_t func, uint32_t head) {
  if (!n) return;
  memmove(&t->code[t->loop_start + n], &t->code[t->loop_start], sizeof(TraceInst) * (t->len - t->loop_start));
  uint16_t exit = (uint16_t)t->nexits++;
  t->exits[exit] = (TraceExit){.func = func, .pc = head};
  for (uint32_t l = 0, k = t->loop_start; l < MAX_TRACKED_LOCALS; l++) {
    if (kinds[l] == KIND_ANY) continue;
    t->code[k++] = (TraceInst){TOP_GUARD_LOCAL_KIND, exit, l, loop_guard_operand(kinds[l]), func, head};
  }
  t->len += n;
  t->loop_start += n;
}

/* Pass 5 (rule loop-kinds), after the loop kinds' guards: a closed loop whose first uop
   is a guard_iter_* checks the value under the stack's height at the loop start, the
   iterator its for_iter walks. When no uop of the body took a value from under that
   height (under_start, from pass 3), each iteration starts with the same value there,
   and an iterator's source never changes (vm/heap.c: heap_new_iter): the guard holds at
   every iteration once it held at the first. It is left before the loop start, where
   it runs once at each entry into the trace (a link, t1's entry, a side trace's jump),
   and the loop's back edge goes to the for_iter. Its exit, to the loop head with the
   same stack, is unchanged; the kinds it knows are the loop kinds, whose guards run
   before it. A body that takes the iterator (pops it, replaces it, returns out of the
   frame) keeps its guard in the loop (counted iter_guards_kept). Under the test-only
   fault t2-iter-guard-unchecked the guard leaves the loop whatever the body does. */
static void hoist_iter_guard(Opt *o) {
  TraceBuffer *t = o->t;
  if (t->end != TRACE_END_CLOSED || !rule_on(o, OPT_RULE_LOOP_KINDS) || t->loop_start >= t->len) return;
  uint16_t op = t->code[t->loop_start].op;
  if (op != UOP_GUARD_ITER_ARRAY && op != UOP_GUARD_ITER_RANGE && op != UOP_GUARD_ITER_MAP && op != UOP_GUARD_ITER_STRING)
    return;
  if (o->under_start && o->vm->t1.fault != FAULT_T2_ITER_GUARD_UNCHECKED) {
    o->stats->iter_guards_kept++;
    return;
  }
  t->loop_start++;
  o->stats->iter_guards_hoisted++;
}

/* Pass 4: get_string_int, then a push of a string constant of at least one byte and
   compare_string (the live uops right after it, of its function), become
   compare_char_const, which compares the byte at the index with the constant where it
   is: no one-byte string is made and released (s[j] == ";", the scans of text). It
   keeps get's place, the only one of the three that can fail. Not across the loop
   start. When the string and the index are loads of locals just before it, it becomes
   compare_char_local, which reads them where they are: no push, no count taken and
   dropped (the text's scans again), and with the branch_bool on its bool after it,
   branch_char_local. Under the test-only fault
   t2-char-compare-first-byte, a longer constant is taken as its first byte alone. */
static void fuse_char_compare(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_CHAR_COMPARE)) return;
  for (uint32_t i = 0; i < t->len; i++) {
    if (o->removed[i] || t->code[i].op != UOP_GET_STRING_INT) continue;
    uint32_t a = live_after(o, i), c = a < t->len ? live_after(o, a) : t->len;
    if (c >= t->len || t->code[a].op != UOP_PUSH_CONST || t->code[c].op != UOP_COMPARE_STRING ||
        t->code[a].func != t->code[i].func || t->code[c].func != t->code[i].func ||
        (i < t->loop_start && t->loop_start <= c))
      continue;
    Value k = o->vm->consts[t->code[a].oparg];
    if (!is_string(k) || as_string(k)->len == 0) continue;
    bool longer = as_string(k)->len > 1 && o->vm->t1.fault != FAULT_T2_CHAR_COMPARE_FIRST_BYTE;
    uint64_t operand = (unsigned char)as_string(k)->chars[0] | (uint64_t)longer << 8;
    TraceInst *get = &t->code[i];
    *get = (TraceInst){TOP_COMPARE_CHAR_CONST, TRACE_NO_EXIT, t->code[c].oparg, operand, get->func, get->pc};
    o->removed[a] = o->removed[c] = true;
    o->stats->char_compares++;
    /* The string and the index loaded from locals just before: read where they are. */
    int32_t at = live_before(o, (int32_t)i), text = at >= 0 ? live_before(o, at) : -1;
    if (text < 0 || !local_load(&t->code[at], get->func) || !local_load(&t->code[text], get->func) ||
        ((uint32_t)text < t->loop_start && t->loop_start <= i))
      continue;
    get->op = TOP_COMPARE_CHAR_LOCAL;
    get->operand |= (uint64_t)t->code[text].oparg << 16 | (uint64_t)t->code[at].oparg << 32;
    o->removed[text] = o->removed[at] = true;
    o->stats->char_locals++;
    /* Then a branch_bool on the bool, right after it: the two in one, the branch's exit,
       which expects the bool popped, nothing pushed. */
    uint32_t b = live_after(o, i);
    if (b >= t->len || t->code[b].op != TOP_BRANCH_BOOL || t->code[b].func != get->func ||
        (i < t->loop_start && t->loop_start <= b))
      continue;
    get->op = TOP_BRANCH_CHAR_LOCAL;
    get->oparg |= (t->code[b].oparg != 0) << 4;
    get->exit = t->code[b].exit;
    o->removed[b] = true;
    o->stats->compare_branches++;
  }
}

/* Pass 4: a to_str of a proven int (int_to_str, noted by pass 3), then the
   concatenation's string guard (live, or proved) and concat_string, become concat_int,
   which writes the int's digits right after the other string's bytes: the int's string
   is never made, copied and freed ("w" + to_str(n), the words of bench/wordfreq.tas). It
   keeps to_str's place, and the guard's exit, moved there: the op checks that the value
   under the int is a string before it changes anything (it could not give t1 the int's
   string the guard's exit expects). Its operand is the concatenation's pc, where the uop
   interpreter raises the concatenation's error (vm/trace_run.c). From the loop start
   on, where pass 3 looks. */
static void fuse_concat_int(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_CONCAT_INT)) return;
  for (uint32_t i = t->loop_start; i < t->len; i++) {
    TraceInst *ts = &t->code[i];
    if (o->removed[i] || ts->op != UOP_TO_STR || !o->int_to_str[i]) continue;
    uint32_t g, c = guarded_after(o, i, UOP_GUARD_STRING_STRING, &g);
    if (c >= t->len || t->code[c].op != UOP_CONCAT_STRING || !move_guard_exit(o, ts, g, c)) continue;
    *ts = (TraceInst){TOP_CONCAT_INT, t->code[g].exit, 0, t->code[c].pc, ts->func, ts->pc};
    o->removed[g] = o->removed[c] = true;
    o->stats->concat_ints++;
  }
}

/* Whether an exit of a uop in code[from, to) is also an exit of a uop elsewhere. */
static bool exits_shared(const TraceBuffer *t, uint32_t from, uint32_t to) {
  for (uint32_t i = from; i < to; i++) {
    if (t->code[i].exit == TRACE_NO_EXIT) continue;
    for (uint32_t j = 0; j < t->len; j++)
      if ((j < from || j >= to) && t->code[j].exit == t->code[i].exit) return true;
  }
  return false;
}

/* Pass 6 (rule deferred-frames), on the final code: a push_frame followed, before any
   op that trace_op_in_deferred_frame refuses, by a pop_frame_known (its own: nothing
   between pushes or pops) becomes push_frame_deferred, the pop pop_frame_deferred, and
   the exits of the uops between are marked in_deferred_frame, so that compiled code
   taking one writes the frame's record first (trace_write_deferred). An exit that a
   uop outside also takes would write one there too: such a frame is not deferred (the
   optimizer shares exits only in the trace's own frame). The uop interpreter runs the
   two as push_frame and pop_frame_known. */
static void defer_frames(Opt *o) {
  TraceBuffer *t = o->t;
  if (!rule_on(o, OPT_RULE_DEFERRED_FRAMES)) return;
  for (uint32_t p = 0; p < t->len; p++) {
    if (t->code[p].op != TOP_PUSH_FRAME) continue;
    uint32_t q = p + 1;
    while (q < t->len && trace_op_in_deferred_frame(t->code[q].op)) q++;
    if (q == t->len || t->code[q].op != TOP_POP_FRAME_KNOWN || exits_shared(t, p + 1, q)) continue;
    t->code[p].op = TOP_PUSH_FRAME_DEFERRED;
    t->code[q].op = TOP_POP_FRAME_DEFERRED;
    for (uint32_t i = p + 1; i < q; i++) {
      if (t->code[i].exit != TRACE_NO_EXIT) t->exits[t->code[i].exit].in_deferred_frame = true;
      if (t->code[i].op == TOP_CHECK_FINALIZERS) t->code[i].oparg |= CHECK_FINALIZERS_DEFERRED;
    }
    o->stats->frames_deferred++;
    p = q;
  }
}

void trace_optimize(VM *vm, TraceBuffer *t, T2Stats *stats) {
  Opt state;  /* about 32 KiB: on the stack, not the heap (see build in trace_executor.c) */
  Opt *o = &state;
  /* All zero but the abstract stack, half of it, whose entries are read only below sp,
     where push wrote them */
  memset(o, 0, offsetof(Opt, stack));
  memset(&o->sp, 0, sizeof *o - offsetof(Opt, sp));
  o->vm = vm;
  o->t = t;
  o->stats = stats;
  o->rules_off = vm->t2->off.opt_rules;
  promote_globals(o);
  uint8_t kinds[MAX_TRACKED_LOCALS];
  uint32_t nkinds = loop_kinds(o, kinds);
  o->stats = stats;
  uint32_t nentry = nkinds ? 0 : entry_kinds(o, kinds);
  uint32_t func = t->code[t->loop_start].func, head = t->code[t->loop_start].pc;
  take_exit_kinds(o, kinds);
  analyze(o, kinds, NULL);
  fuse_local_attr(o);
  fuse_local_elem(o);
  fuse_local_elem_store(o);
  fuse_capture_cell(o);
  fuse_capture_cell_store(o);
  fuse_capture_elem_cell(o);
  fuse_compare_branch(o);
  fuse_int_const(o);
  fuse_op_local(o);
  fuse_char_compare(o);
  fuse_len_local(o);
  fuse_concat_int(o);
  uint32_t n = 0, loop_start = t->loop_start;
  for (uint32_t i = 0; i < t->len; i++) {
    if (i == t->loop_start) loop_start = n;
    if (!o->removed[i]) t->code[n++] = t->code[i];
  }
  t->len = n;
  t->loop_start = loop_start;
  guard_loop_kinds(t, kinds, nkinds + nentry, func, head);
  stats->loop_kinds += nkinds;
  hoist_iter_guard(o);
  defer_frames(o);
}
