/* mutator.c: the structure-aware module mutator (contract in mutator.h).
 *
 *   input bytes --module_load--> Module m          (0: not a module; the hook falls back)
 *   repeat until 1..4 edits are kept or 24 attempts are spent:
 *     trial = copy of m --one edit--> trial
 *       --every function re-verified, max_stack recomputed; module size <= max_size-->
 *     m = trial                                    (else the trial is dropped)
 *   m --drop unused constants, module_write--> output bytes (canonical form)
 *
 * Every edit keeps the stack effect of what it touches, so the verifier rejects almost
 * none of them; the re-verification is what makes the output safe whatever an edit
 * does. Choices come from one splitmix64 stream seeded by the caller: no rand(), no
 * time, no pointer values, no host float arithmetic on input values. */
#include "mutator.h"

#include <string.h>

#include "buf.h"
#include "module.h"
#include "opcodes.h"
#include "verify.h"

const char *const mutator_edit_name[MUTATOR__COUNT] = {
#define EDIT(name, text, doc) text,
  MUTATOR_EDITS(EDIT)
#undef EDIT
};

#define MUTATOR_MAX_EDITS 4      /* edits kept per call, at most */
#define MUTATOR_MAX_ATTEMPTS 24  /* edits tried per call, kept or not */
#define MUTATOR_RUN_MAX 8        /* instructions in a repeated or deleted run, at most */
#define MUTATOR_PICK_TRIES 8     /* random sites looked at before an edit gives up */

/* PUSH_INT and PUSH_CONST trade places in const-edge: same length, same stack effect. */
STATIC_ASSERT(OP_SIZE_PUSH_INT == OP_SIZE_PUSH_CONST, "push_int and push_const must have the same length");

/* ---- Deterministic choices ---- */

typedef struct {
  uint64_t state;
} Rng;

static uint64_t rng_next(Rng *r) { return splitmix64_next(&r->state); }

/* A number in [0, n); 0 when n is 0. */
static uint32_t rng_below(Rng *r, uint32_t n) { return n ? (uint32_t)(rng_next(r) % n) : 0; }

/* ---- Edge values ---- */

static const int16_t edge_i16[] = {0, 1, -1, 2, -2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, -63, -64, -65,
                                   127, 128, 255, 256, 1000, 32767, -32768, -32767, 32766};

static const int64_t edge_ints[] = {
  0, 1, -1, 2, -2, 63, 64, -64, 65536,
  INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1, (int64_t)INT32_MIN - 1, (int64_t)UINT32_MAX, (int64_t)UINT32_MAX + 1,
  (int64_t)1 << 53, ((int64_t)1 << 53) + 1, -((int64_t)1 << 53) - 1, (int64_t)1 << 62,
  INT64_MAX, INT64_MAX - 1, INT64_MIN, INT64_MIN + 1,
};

/* As bit patterns, so that no host conversion is involved. */
static const uint64_t edge_float_bits[] = {
  0x0000000000000000ull, /* 0.0 */
  0x8000000000000000ull, /* -0.0 */
  CANONICAL_NAN_BITS,    /* nan: the only NaN a module may hold */
  0x7ff0000000000000ull, /* inf */
  0xfff0000000000000ull, /* -inf */
  0x0000000000000001ull, /* 5e-324, the smallest subnormal */
  0x8000000000000001ull, /* -5e-324 */
  0x000fffffffffffffull, /* the largest subnormal */
  0x0010000000000000ull, /* 2.2250738585072014e-308, the smallest normal */
  0x7fefffffffffffffull, /* 1.7976931348623157e+308, the largest finite */
  0xffefffffffffffffull, /* -1.7976931348623157e+308 */
  0x3ff0000000000000ull, /* 1.0 */
  0xbff0000000000000ull, /* -1.0 */
  0x3fe0000000000000ull, /* 0.5 */
  0x3ff8000000000000ull, /* 1.5 */
  0x3fb999999999999aull, /* 0.1 */
  0x4340000000000000ull, /* 2^53 */
  0x43e0000000000000ull, /* 2^63: just past INT64_MAX, to_int raises */
  0xc3e0000000000000ull, /* -2^63: INT64_MIN exactly */
  0x43dfffffffffffffull, /* the largest double below 2^63 */
  0x7e37e43c8800759cull, /* 1e300 */
};

static const struct {
  const char *s;
  uint32_t len;
} edge_strings[] = {
  {"", 0}, {"a", 1}, {"0", 1}, {"-1", 2}, {"1.5", 3}, {"nan", 3}, {"inf", 3}, {" 1", 2},
  {"9223372036854775808", 19}, {"\0", 1}, {"\xc3\xa9", 2}, {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 64},
};

/* ---- Module helpers ---- */

static void module_copy(const Module *src, Module *dst) {
  memset(dst, 0, sizeof *dst);
  dst->nconsts = src->nconsts;
  dst->consts = xcalloc(src->nconsts, sizeof(Constant));
  for (uint32_t i = 0; i < src->nconsts; i++) {
    dst->consts[i] = src->consts[i];
    if (src->consts[i].kind == CONST_STRING) dst->consts[i].s = xstrndup(src->consts[i].s, src->consts[i].len);
  }
  dst->nglobals = src->nglobals;
  dst->globals = xcalloc(src->nglobals, sizeof(char *));
  for (uint32_t i = 0; i < src->nglobals; i++) dst->globals[i] = xstrndup(src->globals[i], strlen(src->globals[i]));
  dst->nfuncs = src->nfuncs;
  dst->funcs = xcalloc(src->nfuncs, sizeof(Function));
  for (uint32_t i = 0; i < src->nfuncs; i++) {
    const Function *f = &src->funcs[i];
    Function *g = &dst->funcs[i];
    *g = *f;
    g->name = xstrndup(f->name, strlen(f->name));
    g->code = xmalloc(f->code_len);
    memcpy(g->code, f->code, f->code_len);
    g->handlers = xcalloc(f->nhandlers ? f->nhandlers : 1, sizeof(Handler));
    memcpy(g->handlers, f->handlers, sizeof(Handler) * f->nhandlers);
  }
  dst->main_func = src->main_func;
}

/* The size module_write will give (module.h's layout). */
static size_t module_size(const Module *m) {
  size_t n = 4 + 2 + 2 + 4 + 4 + 4;
  for (uint32_t i = 0; i < m->nconsts; i++) n += 1 + (m->consts[i].kind == CONST_STRING ? 4 + m->consts[i].len : 8);
  for (uint32_t i = 0; i < m->nglobals; i++) n += 1 + strlen(m->globals[i]);
  for (uint32_t i = 0; i < m->nfuncs; i++) n += 1 + strlen(m->funcs[i].name) + 1 + 2 + 2 + 4 + m->funcs[i].code_len + 2 + 8 * m->funcs[i].nhandlers;
  return n;
}

/* Index of the global called name, appending it when there is none; -1 when full. */
static int64_t intern_global(Module *m, const char *name) {
  for (uint32_t i = 0; i < m->nglobals; i++)
    if (strcmp(m->globals[i], name) == 0) return i;
  if (m->nglobals >= MODULE_MAX_ITEMS) return -1;
  m->globals = xrealloc(m->globals, sizeof(char *) * (m->nglobals + 1));
  m->globals[m->nglobals] = xstrndup(name, strlen(name));
  return m->nglobals++;
}

/* Whether op's operand indexes the constant pool: a constant it pushes, or an
   attribute or class name (FMT_NAME). */
static bool names_constant(uint8_t op) {
  OperandFormat f = (OperandFormat)op_info[op].format;
  return f == FMT_CONST || f == FMT_NAME;
}

/* Drops the constants no instruction names and renumbers the rest, in order. */
static void drop_unused_constants(Module *m) {
  uint32_t *index = xcalloc(m->nconsts, sizeof(uint32_t));
  uint8_t *used = xcalloc(m->nconsts, 1);
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    const Function *f = &m->funcs[i];
    for (uint32_t pc = 0; pc < f->code_len; pc += op_length(f->code[pc]))
      if (names_constant(f->code[pc])) used[op_operand(f->code, pc)] = 1;
  }
  uint32_t n = 0;
  for (uint32_t i = 0; i < m->nconsts; i++) {
    if (used[i]) {
      index[i] = n;
      m->consts[n++] = m->consts[i];
    } else {
      free(m->consts[i].s);
    }
  }
  m->nconsts = n;
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    Function *f = &m->funcs[i];
    for (uint32_t pc = 0; pc < f->code_len; pc += op_length(f->code[pc]))
      if (names_constant(f->code[pc])) {
        uint32_t k = index[op_operand(f->code, pc)];
        f->code[pc + 1] = (uint8_t)k;
        f->code[pc + 2] = (uint8_t)(k >> 8);
      }
  }
  free(index);
  free(used);
}

/* Writes a 2-byte operand (every format this file rewrites has 2 bytes). */
static void put_u16_operand(uint8_t *code, uint32_t pc, uint32_t a) {
  ASSERT(format_size[op_info[code[pc]].format] == 2 && a <= 0xffff, "2-byte operand expected");
  code[pc + 1] = (uint8_t)a;
  code[pc + 2] = (uint8_t)(a >> 8);
}

/* ---- Sites: instructions an edit may change ---- */

typedef struct {
  uint32_t func, pc;
} Site;

typedef struct {
  Site *items;
  uint32_t len, cap;
} Sites;

typedef bool (*SiteFilter)(const Module *m, const Function *f, uint32_t pc);

/* Every instruction of m that keep() accepts. */
static void collect(const Module *m, SiteFilter keep, Sites *s) {
  s->len = 0;
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    const Function *f = &m->funcs[i];
    for (uint32_t pc = 0; pc < f->code_len; pc += op_length(f->code[pc])) {
      if (!keep(m, f, pc)) continue;
      if (s->len == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->items = xrealloc(s->items, sizeof(Site) * s->cap);
      }
      s->items[s->len++] = (Site){i, pc};
    }
  }
}

/* Picks one site, or returns false when there is none. */
static bool pick_site(const Module *m, SiteFilter keep, Rng *r, Site *out) {
  Sites s = {0};
  collect(m, keep, &s);
  bool found = s.len > 0;
  if (found) *out = s.items[rng_below(r, s.len)];
  free(s.items);
  return found;
}

/* ---- Operand edits ---- */

static bool is_push_int(const Module *m, const Function *f, uint32_t pc) {
  (void)m;
  return f->code[pc] == OP_PUSH_INT;
}

/* int-operand: an edge i16, or a value near the old one (a loop bound, a count). */
static bool edit_int_operand(Module *m, Rng *r) {
  Site s;
  if (!pick_site(m, is_push_int, r, &s)) return false;
  Function *f = &m->funcs[s.func];
  int32_t old = (int16_t)op_operand(f->code, s.pc), v;
  if (rng_below(r, 2)) {
    v = edge_i16[rng_below(r, ARRAY_LEN(edge_i16))];
  } else {
    const int32_t nearby[] = {old + 1, old - 1, old + 2, old - 2, -old, old * 2, old / 2};
    v = nearby[rng_below(r, ARRAY_LEN(nearby))];
  }
  if (v == old || v < INT16_MIN || v > INT16_MAX) return false;
  put_u16_operand(f->code, s.pc, (uint16_t)(int16_t)v);
  return true;
}

static bool is_literal(const Module *m, const Function *f, uint32_t pc) {
  (void)m;
  return f->code[pc] == OP_PUSH_INT || f->code[pc] == OP_PUSH_CONST;
}

/* const-edge: the literal becomes an edge constant; of the same kind 3 times in 4. */
static bool edit_const_edge(Module *m, Rng *r) {
  Site s;
  if (!pick_site(m, is_literal, r, &s)) return false;
  Function *f = &m->funcs[s.func];
  ConstKind kind = f->code[s.pc] == OP_PUSH_INT ? CONST_INT : m->consts[op_operand(f->code, s.pc)].kind;
  if (rng_below(r, 4) == 0) kind = (ConstKind)(CONST_INT + rng_below(r, 3));
  Constant c;
  memset(&c, 0, sizeof c);
  c.kind = kind;
  switch (kind) {
  case CONST_INT: c.i = edge_ints[rng_below(r, ARRAY_LEN(edge_ints))]; break;
  case CONST_FLOAT: {
    uint64_t bits = edge_float_bits[rng_below(r, ARRAY_LEN(edge_float_bits))];
    memcpy(&c.f, &bits, sizeof bits);
    break;
  }
  case CONST_STRING: {
    uint32_t k = rng_below(r, ARRAY_LEN(edge_strings));
    c.s = (char *)edge_strings[k].s;
    c.len = edge_strings[k].len;
    break;
  }
  }
  int64_t k = module_intern_const(m, &c);
  if (k < 0) return false;
  if (f->code[s.pc] == OP_PUSH_CONST && op_operand(f->code, s.pc) == (uint32_t)k) return false;
  f->code[s.pc] = OP_PUSH_CONST;
  put_u16_operand(f->code, s.pc, (uint32_t)k);
  return true;
}

/* The opcodes that may replace op with operand a: same format and flags, and the same
   stack effect, read from the TESSERA_OPCODES table. Returns how many. */
static uint32_t swaps_for(Opcode op, uint32_t a, Opcode *out) {
  uint32_t n = 0;
  for (int k = 0; k < OP__COUNT; k++) {
    Opcode o = (Opcode)k;
    if (o != op && op_info[o].format == op_info[op].format && op_info[o].flags == op_info[op].flags &&
        op_pops(o, a) == op_pops(op, a) && op_pushes(o, a) == op_pushes(op, a))
      out[n++] = o;
  }
  return n;
}

static bool is_swappable(const Module *m, const Function *f, uint32_t pc) {
  (void)m;
  Opcode alt[OP__COUNT];
  return swaps_for(f->code[pc], op_operand(f->code, pc), alt) > 0;
}

/* swap-op: binary arithmetic, bitwise and comparison operators among themselves (and
   get), unary ones among themselves, push_nil/true/false, pop/print/probe,
   jump_if_false/jump_if_true: whatever the table puts in one class. */
static bool edit_swap_op(Module *m, Rng *r) {
  Site s;
  if (!pick_site(m, is_swappable, r, &s)) return false;
  Function *f = &m->funcs[s.func];
  Opcode alt[OP__COUNT];
  uint32_t n = swaps_for(f->code[s.pc], op_operand(f->code, s.pc), alt);
  f->code[s.pc] = (uint8_t)alt[rng_below(r, n)];
  return true;
}

static bool is_local_access(const Module *m, const Function *f, uint32_t pc) {
  (void)m;
  return op_info[f->code[pc]].format == FMT_LOCAL && f->nparams + f->nlocals >= 2;
}

/* local: another local slot of the same function. */
static bool edit_local(Module *m, Rng *r) {
  Site s;
  if (!pick_site(m, is_local_access, r, &s)) return false;
  Function *f = &m->funcs[s.func];
  uint32_t slots = f->nparams + f->nlocals, old = op_operand(f->code, s.pc);
  uint32_t v = (old + 1 + rng_below(r, slots - 1)) % slots;
  put_u16_operand(f->code, s.pc, v);
  return true;
}

static bool is_global_access(const Module *m, const Function *f, uint32_t pc) {
  (void)m;
  return op_info[f->code[pc]].format == FMT_GLOBAL;
}

/* global: another global; one in (nglobals + 1) times a new one (nil until stored). */
static bool edit_global(Module *m, Rng *r) {
  Site s;
  if (!pick_site(m, is_global_access, r, &s)) return false;
  Function *f = &m->funcs[s.func];
  uint32_t old = op_operand(f->code, s.pc), v = (old + 1 + rng_below(r, m->nglobals)) % (m->nglobals + 1);
  if (v == m->nglobals) {
    char name[32];
    uint32_t k = m->nglobals;
    int64_t found;
    do {  /* a name no global has yet */
      snprintf(name, sizeof name, "mutator_g%u", k++);
      found = -1;
      for (uint32_t i = 0; i < m->nglobals && found < 0; i++)
        if (strcmp(m->globals[i], name) == 0) found = i;
    } while (found >= 0);
    int64_t g = intern_global(m, name);
    if (g < 0) return false;
    v = (uint32_t)g;
  }
  put_u16_operand(f->code, s.pc, v);
  return true;
}

/* Functions other than fn with fn's number of parameters. */
static uint32_t same_arity(const Module *m, uint32_t fn, uint32_t *out) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < m->nfuncs; i++)
    if (i != fn && m->funcs[i].nparams == m->funcs[fn].nparams) {
      if (out) out[n] = i;
      n++;
    }
  return n;
}

static bool is_retargetable(const Module *m, const Function *f, uint32_t pc) {
  return f->code[pc] == OP_PUSH_FUNC && same_arity(m, op_operand(f->code, pc), NULL) > 0;
}

/* callee: push_func names another function of the same arity, so the call that
   follows still passes the right number of arguments. */
static bool edit_callee(Module *m, Rng *r) {
  Site s;
  if (!pick_site(m, is_retargetable, r, &s)) return false;
  Function *f = &m->funcs[s.func];
  uint32_t *cands = xmalloc(sizeof(uint32_t) * m->nfuncs);
  uint32_t n = same_arity(m, op_operand(f->code, s.pc), cands);
  put_u16_operand(f->code, s.pc, cands[rng_below(r, n)]);
  free(cands);
  return true;
}

/* ---- Code edits: repeat or delete a run of instructions ---- */

/* The operand stack depth on entry to each instruction of a verified function. */
static int32_t *stack_depths(const Function *f) {
  int32_t *depth = xmalloc(sizeof(int32_t) * f->code_len);
  for (uint32_t i = 0; i < f->code_len; i++) depth[i] = -1;
  depth[0] = 0;
  for (uint32_t pc = 0; pc < f->code_len; pc += op_length(f->code[pc])) {
    Opcode op = f->code[pc];
    uint32_t a = op_operand(f->code, pc), next = pc + op_length(op);
    int32_t d = depth[pc] - op_pops(op, a) + op_pushes(op, a);
    if (!(op_info[op].flags & OPF_STOP) && next < f->code_len) depth[next] = d;
    if ((op_info[op].flags & OPF_BRANCH) && next + a < f->code_len) depth[next + a] = op_branch_depth(op, a, depth[pc]);
  }
  return depth;
}

/* 1 at every offset some jump or loop of f lands on. */
static uint8_t *jump_targets(const Function *f) {
  uint8_t *t = xcalloc(f->code_len, 1);
  for (uint32_t pc = 0; pc < f->code_len; pc += op_length(f->code[pc])) {
    Opcode op = f->code[pc];
    uint32_t a = op_operand(f->code, pc), next = pc + op_length(op);
    if ((op_info[op].flags & OPF_BRANCH) && next + a < f->code_len) t[next + a] = 1;
    if ((op_info[op].flags & OPF_BACK) && a <= next) t[next - a] = 1;
  }
  return t;
}

/* Where jump target p of the old code lands after [s, e) became n bytes (p not in
   (s, e)): a target at s lands on the new bytes, so a loop head at an insertion point
   takes the inserted code into the loop. */
static uint32_t moved(uint32_t p, uint32_t s, uint32_t e, uint32_t n) { return p <= s ? p : p - (e - s) + n; }

/* Replaces f->code[s, e) by the n bytes at ins, which hold no jumps, and re-aims every
   jump and loop of the old code. A jump or loop into (s, e), or an offset that no
   longer fits, makes it fail and leaves f unchanged. */
static bool code_replace(Function *f, uint32_t s, uint32_t e, const uint8_t *ins, uint32_t n) {
  uint64_t len = (uint64_t)f->code_len - (e - s) + n;
  if (len == 0 || len > MODULE_MAX_CODE) return false;
  uint8_t *code = xmalloc(len);
  memcpy(code, f->code, s);
  if (n) memcpy(code + s, ins, n);
  memcpy(code + s + n, f->code + e, f->code_len - e);
  for (uint32_t pc = 0; pc < f->code_len; pc += op_length(f->code[pc])) {
    Opcode op = f->code[pc];
    uint8_t flags = op_info[op].flags;
    if ((pc >= s && pc < e) || !(flags & (OPF_BRANCH | OPF_BACK))) continue;
    uint32_t size = op_length(op), a = op_operand(f->code, pc);
    uint32_t target = (flags & OPF_BRANCH) ? pc + size + a : pc + size - a;
    uint32_t npc = pc < s ? pc : pc - (e - s) + n, ntarget = moved(target, s, e, n);
    int64_t na = (flags & OPF_BRANCH) ? (int64_t)ntarget - (npc + size) : (int64_t)(npc + size) - ntarget;
    if ((target > s && target < e) || na < 0 || na > 0xffff) {
      free(code);
      return false;
    }
    put_u16_operand(code, npc, (uint32_t)na);
  }
  for (uint32_t i = 0; i < f->nhandlers; i++) {  /* the exception table's offsets move as targets do */
    const Handler *h = &f->handlers[i];
    if ((h->start > s && h->start < e) || (h->end > s && h->end < e) || (h->handler > s && h->handler < e)) {
      free(code);
      return false;
    }
  }
  for (uint32_t i = 0; i < f->nhandlers; i++) {
    Handler *h = &f->handlers[i];
    h->start = moved(h->start, s, e, n);
    h->end = moved(h->end, s, e, n);
    h->handler = moved(h->handler, s, e, n);
  }
  free(f->code);
  f->code = code;
  f->code_len = (uint32_t)len;
  return true;
}

/* Finds a run [s, e) of 1 to MUTATOR_RUN_MAX instructions without flags (no jump, loop
   or stop: straight-line code; calls included) that leaves the stack as deep as it
   found it. With no_inner_targets, no jump may land strictly inside it (it is to be
   deleted). */
static bool pick_run(const Function *f, bool no_inner_targets, Rng *r, uint32_t *s, uint32_t *e) {
  int32_t *depth = stack_depths(f);
  uint8_t *target = jump_targets(f);
  uint32_t *starts = xmalloc(sizeof(uint32_t) * f->code_len), nstarts = 0;
  for (uint32_t pc = 0; pc < f->code_len; pc += op_length(f->code[pc]))
    if (op_info[f->code[pc]].flags == 0) starts[nstarts++] = pc;
  bool found = false;
  for (int t = 0; t < MUTATOR_PICK_TRIES && nstarts && !found; t++) {
    uint32_t start = starts[rng_below(r, nstarts)], ends[MUTATOR_RUN_MAX], nends = 0;
    uint32_t pc = start;
    for (int k = 0; k < MUTATOR_RUN_MAX && op_info[f->code[pc]].flags == 0; k++) {
      if (pc > start && no_inner_targets && target[pc]) break;
      pc += op_length(f->code[pc]);  /* never past the end: the last instruction stops */
      if (depth[pc] == depth[start]) ends[nends++] = pc;
    }
    if (nends) {
      *s = start;
      *e = ends[rng_below(r, nends)];
      found = true;
    }
  }
  free(starts);
  free(target);
  free(depth);
  return found;
}

/* dup-seq / del-seq: repeat a stack-neutral run right after itself, or delete it. */
static bool edit_run(Module *m, Rng *r, bool del) {
  Function *f = &m->funcs[rng_below(r, m->nfuncs)];
  uint32_t s, e;
  if (!pick_run(f, del, r, &s, &e)) return false;
  if (del) return code_replace(f, s, e, NULL, 0);
  uint8_t *copy = xmalloc(e - s);
  memcpy(copy, f->code + s, e - s);
  bool ok = code_replace(f, e, e, copy, e - s);
  free(copy);
  return ok;
}

/* ---- Crossover ---- */

/* splice: the body of function `into` of m becomes that of function `from` of b (same
   number of parameters), its constants, globals and callees remapped into m: a callee
   by name when m has a function of that name and arity, else any of that arity. */
static bool splice_function(Module *m, uint32_t into, const Module *b, uint32_t from, Rng *r) {
  const Function *g = &b->funcs[from];
  uint8_t *code = xmalloc(g->code_len);
  memcpy(code, g->code, g->code_len);
  uint32_t *cands = xmalloc(sizeof(uint32_t) * m->nfuncs);
  bool ok = true;
  for (uint32_t pc = 0; pc < g->code_len && ok; pc += op_length(code[pc])) {
    uint32_t a = op_operand(code, pc);
    int64_t k = -1;
    switch (op_info[code[pc]].format) {
    case FMT_CONST:
    case FMT_NAME: k = module_intern_const(m, &b->consts[a]); break;
    case FMT_GLOBAL: k = intern_global(m, b->globals[a]); break;
    case FMT_FUNC: {
      if (a == from) {
        k = into;  /* recursion stays recursion */
        break;
      }
      uint32_t n = 0;
      for (uint32_t i = 0; i < m->nfuncs; i++)
        if (m->funcs[i].nparams == b->funcs[a].nparams) {
          if (strcmp(m->funcs[i].name, b->funcs[a].name) == 0) {
            k = i;
            break;
          }
          cands[n++] = i;
        }
      if (k < 0 && n) k = cands[rng_below(r, n)];
      break;
    }
    default: continue;
    }
    if (k < 0) ok = false;
    else put_u16_operand(code, pc, (uint32_t)k);
  }
  free(cands);
  if (!ok) {
    free(code);
    return false;
  }
  Function *f = &m->funcs[into];
  free(f->code);
  f->code = code;
  f->code_len = g->code_len;
  f->nlocals = g->nlocals;
  free(f->handlers);
  f->handlers = xcalloc(g->nhandlers ? g->nhandlers : 1, sizeof(Handler));
  memcpy(f->handlers, g->handlers, sizeof(Handler) * g->nhandlers);
  f->nhandlers = g->nhandlers;
  return true;
}

/* ---- Driver ---- */

/* Re-verifies every function (recomputing max_stack and handler depths) and the module
   as a whole. */
static bool reverify(Module *m) {
  Diag d;
  return verify_finish(m, &d);
}

/* How often each edit is chosen, out of the sum. */
static const uint8_t edit_weight[MUTATOR__COUNT] = {
  [MUTATOR_INT_OPERAND] = 3, [MUTATOR_CONST_EDGE] = 3, [MUTATOR_SWAP_OP] = 4, [MUTATOR_LOCAL] = 2,
  [MUTATOR_GLOBAL] = 1, [MUTATOR_CALLEE] = 1, [MUTATOR_DUP_SEQ] = 2, [MUTATOR_DEL_SEQ] = 2,
  [MUTATOR_SPLICE] = 0,  /* needs a second input: tessera_crossover_module */
};

static MutatorEdit pick_edit(Rng *r) {
  uint32_t total = 0;
  for (int i = 0; i < MUTATOR__COUNT; i++) total += edit_weight[i];
  uint32_t x = rng_below(r, total);
  for (int i = 0; i < MUTATOR__COUNT; i++) {
    if (x < edit_weight[i]) return (MutatorEdit)i;
    x -= edit_weight[i];
  }
  UNREACHABLE();
}

static bool apply_edit(Module *m, MutatorEdit e, Rng *r) {
  switch (e) {
  case MUTATOR_INT_OPERAND: return edit_int_operand(m, r);
  case MUTATOR_CONST_EDGE: return edit_const_edge(m, r);
  case MUTATOR_SWAP_OP: return edit_swap_op(m, r);
  case MUTATOR_LOCAL: return edit_local(m, r);
  case MUTATOR_GLOBAL: return edit_global(m, r);
  case MUTATOR_CALLEE: return edit_callee(m, r);
  case MUTATOR_DUP_SEQ: return edit_run(m, r, false);
  case MUTATOR_DEL_SEQ: return edit_run(m, r, true);
  case MUTATOR_SPLICE: return false;
  case MUTATOR__COUNT: break;
  }
  UNREACHABLE();
}

/* Writes m in canonical form to out if it fits and differs from the input. */
static size_t emit(Module *m, const uint8_t *input, size_t input_size, uint8_t *out, size_t max_size) {
  drop_unused_constants(m);
  Buf b = {0};
  module_write(m, &b);
  size_t n = b.len;
  if (n > max_size || (n == input_size && memcmp(b.data, input, n) == 0)) n = 0;
  else memcpy(out, b.data, n);
  buf_free(&b);
  return n;
}

size_t tessera_mutate_module_stats(uint8_t *data, size_t size, size_t max_size, uint64_t seed,
                                   MutatorStats *stats) {
  MutatorStats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  Module m;
  Diag d;
  if (!module_load(data, size, &m, &d)) return 0;
  Rng r = {seed};
  /* 1 edit half the time, 2 a quarter, 3 or 4 an eighth each. */
  uint32_t x = rng_below(&r, 8), want = x < 4 ? 1 : x < 6 ? 2 : x < 7 ? 3 : 4;
  ASSERT(want <= MUTATOR_MAX_EDITS, "too many edits");
  while (stats->edits < want && stats->attempts < MUTATOR_MAX_ATTEMPTS) {
    stats->attempts++;
    MutatorEdit e = pick_edit(&r);
    Module trial;
    module_copy(&m, &trial);
    if (apply_edit(&trial, e, &r) && reverify(&trial) && module_size(&trial) <= max_size) {
      module_free(&m);
      m = trial;
      stats->kept[e]++;
      stats->edits++;
    } else {
      module_free(&trial);
    }
  }
  size_t n = stats->edits ? emit(&m, data, size, data, max_size) : 0;
  module_free(&m);
  return n;
}

size_t tessera_mutate_module(uint8_t *data, size_t size, size_t max_size, uint64_t seed) {
  return tessera_mutate_module_stats(data, size, max_size, seed, NULL);
}

size_t tessera_crossover_module(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size, uint8_t *out,
                                size_t max_size, uint64_t seed) {
  Module ma, mb;
  Diag d;
  if (!module_load(a, a_size, &ma, &d)) return 0;
  if (!module_load(b, b_size, &mb, &d)) {
    module_free(&ma);
    return 0;
  }
  Rng r = {seed};
  size_t n = 0;
  /* Pairs (function of a, function of b) with the same number of parameters. */
  uint32_t npairs = 0;
  for (uint32_t i = 0; i < ma.nfuncs; i++)
    for (uint32_t j = 0; j < mb.nfuncs; j++) npairs += ma.funcs[i].nparams == mb.funcs[j].nparams;
  for (int t = 0; t < MUTATOR_PICK_TRIES && n == 0 && npairs; t++) {
    uint32_t pick = rng_below(&r, npairs), into = 0, from = 0;
    for (uint32_t i = 0, seen = 0; i < ma.nfuncs; i++)
      for (uint32_t j = 0; j < mb.nfuncs; j++)
        if (ma.funcs[i].nparams == mb.funcs[j].nparams && seen++ == pick) {
          into = i;
          from = j;
        }
    Module trial;
    module_copy(&ma, &trial);
    if (splice_function(&trial, into, &mb, from, &r) && reverify(&trial) && module_size(&trial) <= max_size)
      n = emit(&trial, a, a_size, out, max_size);
    module_free(&trial);
  }
  module_free(&ma);
  module_free(&mb);
  return n;
}
