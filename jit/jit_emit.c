/* jit_emit.c: copy and patch: lays the stencils of a trace end to end and fills every
 * hole, and installs each architecture's shared blob with a veneer per run-time symbol. */
#include <string.h>

#include "jit.h"
#include "jit_memory.h"

/* The stencil named `name` in set (sorted by name), or NULL. */
static const Stencil *stencil_by_name(const StencilSet *set, const char *name) {
  uint32_t lo = 0, hi = set->nstencils;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    int c = strcmp(set->stencils[mid].name, name);
    if (c == 0) return &set->stencils[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

/* The same through a table per architecture, filled on first use (sets are constants,
   one per architecture), with each op's variants by key (jit.h: jit_variant_key). */
static const Stencil *stencil_table[ARCH__COUNT][TRACE_OP__COUNT];
static const Stencil *variant_table[ARCH__COUNT][TRACE_OP__COUNT][JIT_VARIANT_KEYS];

static void fill_tables(const StencilSet *set) {
  static const StencilSet *filled[ARCH__COUNT];
  if (filled[set->arch] == set) return;
  for (int op = 0; op < TRACE_OP__COUNT; op++) {
    stencil_table[set->arch][op] = stencil_by_name(set, trace_op_name(op));
    for (uint32_t k = 0; k < JIT_VARIANT_KEYS && jit_op_has_variants(op); k++) {
      char name[64];
      snprintf(name, sizeof name, "%s__%u", trace_op_name(op), k);
      variant_table[set->arch][op][k] = stencil_by_name(set, name);
    }
  }
  filled[set->arch] = set;
}

static const Stencil *stencil_of(const StencilSet *set, int op) {
  if (op < 0 || op >= TRACE_OP__COUNT) return NULL;
  fill_tables(set);
  return stencil_table[set->arch][op];
}

/* The stencil of uop i of code: jit_stencil, or for a uop left uncompiled (i >= compiled)
   check_globals's, whose code is nothing but a handoff to the uop interpreter. */
static const Stencil *stencil_at(const StencilSet *set, const TraceInst *code, uint32_t i, uint32_t compiled) {
  return i < compiled ? jit_stencil(set, &code[i]) : stencil_of(set, TOP_CHECK_GLOBALS);
}

const Stencil *jit_stencil(const StencilSet *set, const TraceInst *ti) {
  const Stencil *op = stencil_of(set, ti->op);
  uint64_t key = jit_variant_key(ti);
  const Stencil *variant = key < JIT_VARIANT_KEYS ? variant_table[set->arch][ti->op][key] : NULL;
  return variant ? variant : op;
}

/* Bytes of stencil s laid out in a trace: its trailing jump to the next stencil goes,
   since the next stencil follows. */
static uint32_t laid_size(const Stencil *s) { return s->size - s->tail_jump; }

size_t jit_code_size(const StencilSet *set, const TraceInst *code, uint32_t len, uint32_t compiled) {
  size_t n = 0;
  for (uint32_t i = 0; i < len; i++) {
    const Stencil *s = stencil_at(set, code, i, compiled);
    if (s) n += laid_size(s);
  }
  return n;
}

static bool is_branch(RelocKind k) {
  return k == RELOC_X86_64_PLT32 || k == RELOC_AARCH64_CALL26 || k == RELOC_AARCH64_JUMP26;
}

/* The address a hole naming symbol i resolves to from place P: the symbol itself, or its
   veneer when a branch cannot reach it. */
static uint64_t symbol_value(const JitTarget *t, RelocKind k, uint32_t i, uint64_t P, int64_t addend) {
  uint64_t direct = t->symbols[i];
  if (is_branch(k) && !reloc_branch_reaches(k, P, direct + (uint64_t)addend)) return t->veneers[i];
  return direct;
}

/* The oparg a stencil sees: a local's byte offset for the ops jit_oparg_is_local
   names; a call's also carries where the caller resumes (bits 8 to
   31), and one with a known callee the callee (bits 32 to 63), whose operand is the
   callee's entry slot (operand_of). */
static uint64_t oparg_of(const TraceInst *ti) {
  if (jit_oparg_is_local(ti->op)) return (uint64_t)ti->oparg * sizeof(Value);
  uint64_t oparg = ti->oparg;
  if (trace_op_calls(ti->op)) oparg |= (uint64_t)(ti->pc + OP_SIZE_CALL) << 8;
  if (jit_known_callee(ti->op)) oparg |= ti->operand << 32;
  return oparg;
}

/* The test-only jit-operand-* faults: push_value's operand one too high on one architecture. */
static uint64_t operand_fault(const JitTarget *t, const TraceInst *ti) {
  Fault f = t->set->arch == ARCH_X86_64 ? FAULT_JIT_OPERAND_X86_64 : FAULT_JIT_OPERAND_AARCH64;
  return ti->op == TOP_PUSH_VALUE && t->fault == f;
}

/* The operand a stencil sees: a known callee's is its slot in T2State.at_entry, whose
   executor and frame shape the stencil reads without going through the VM; push_value's
   (push_value_under's) is the payload of the value it pushes (trace_value), worked out here rather than by
   a switch on the kind at every push. */
static uint64_t operand_of(const JitTarget *t, const TraceInst *ti) {
  if (jit_operand_is_value(ti->op)) return (uint64_t)trace_value(ti->oparg, ti->operand).as.i + operand_fault(t, ti);
  if (jit_known_callee(ti->op)) return (uint64_t)(uintptr_t)t->entries + ti->operand * sizeof(EntrySlot);
  return ti->operand;
}

/* What a stencil's holes of the trace's own kinds are patched with, for one uop. */
typedef struct {
  uint64_t oparg, operand, index, cont, jump_target, exit;
} HoleValues;

/* Patches the holes of stencil s, laid (size bytes: without its trailing jump) at out to
   run at base. */
static bool patch_stencil(const JitTarget *t, const Stencil *s, uint32_t size, uint8_t *out, uint64_t base,
                          const HoleValues *v, char *why, size_t whycap) {
  for (uint32_t h = 0; h < s->nholes; h++) {
    const Hole *hole = &s->holes[h];
    if (hole->offset >= size) continue;  /* in the trailing jump, which is gone */
    RelocKind k = (RelocKind)hole->reloc;
    uint64_t P = base + hole->offset, value;
    switch ((HoleValue)hole->value) {
    case HOLE_OPARG: value = v->oparg; break;
    case HOLE_OPERAND: value = v->operand; break;
    case HOLE_INDEX: value = v->index; break;
    case HOLE_CONTINUE: value = v->cont; break;
    case HOLE_JUMP_TARGET: value = v->jump_target; break;
    case HOLE_EXIT: value = v->exit; break;
    case HOLE_SHARED: value = t->shared + hole->target; break;
    case HOLE_SYMBOL: value = symbol_value(t, k, hole->target, P, hole->addend); break;
    default: snprintf(why, whycap, "bad hole kind %u", hole->value); return false;
    }
    if (!reloc_apply(k, out + hole->offset, P, value + (uint64_t)hole->addend, why, whycap)) return false;
  }
  return true;
}

bool jit_emit(const JitTarget *t, const TraceInst *code, uint32_t len, uint32_t compiled, uint32_t loop_start,
              uint64_t exits, uint8_t *out, uint64_t base, uint32_t *offsets, char *why, size_t whycap) {
  const StencilSet *set = t->set;
  uint32_t at = 0;
  for (uint32_t i = 0; i < len; i++) {
    const Stencil *s = stencil_at(set, code, i, compiled);
    if (!s) {
      snprintf(why, whycap, "no stencil for %s", trace_op_name(code[i].op));
      return false;
    }
    offsets[i] = at;
    at += laid_size(s);
  }
  /* The last uop must not go on: its continuation, a hole or the trailing jump that
     is cut, would run past the end of the code. */
  const Stencil *last = len ? stencil_at(set, code, len - 1, compiled) : NULL;
  for (uint32_t h = 0; last && h < last->nholes; h++)
    if (last->holes[h].value == HOLE_CONTINUE) {
      snprintf(why, whycap, "%s at the end of a trace continues past it", trace_op_name(code[len - 1].op));
      return false;
    }
  for (uint32_t i = 0; i < len; i++) {
    const TraceInst *ti = &code[i];
    const Stencil *s = stencil_at(set, code, i, compiled);
    uint32_t size = laid_size(s);
    memcpy(out + offsets[i], s->code, size);
    HoleValues v = {
        .oparg = oparg_of(ti),
        .operand = operand_of(t, ti),
        .index = i,
        .cont = i + 1 < len ? base + offsets[i + 1] : 0,  /* the last uop has no such hole: checked above */
        .jump_target = base + offsets[loop_start],
        .exit = ti->exit == TRACE_NO_EXIT ? 0 : exits + ti->exit * sizeof(TraceExit),
    };
    char reason[160];
    if (!patch_stencil(t, s, size, out + offsets[i], base + offsets[i], &v, reason, sizeof reason)) {
      snprintf(why, whycap, "uop %u (%s): %s", i, trace_op_name(ti->op), reason);
      return false;
    }
  }
  return true;
}

size_t jit_side_entry_size(const StencilSet *set) {
  const Stencil *s = stencil_of(set, TOP_SIDE_ENTRY);
  return s ? s->size : 0;
}

bool jit_emit_side_entry(const JitTarget *t, uint8_t *out, uint64_t base, uint64_t first, char *why, size_t whycap) {
  const Stencil *s = stencil_of(t->set, TOP_SIDE_ENTRY);
  if (!s) {
    snprintf(why, whycap, "no stencil for side_entry");
    return false;
  }
  memcpy(out, s->code, s->size);
  HoleValues v = {.jump_target = first};
  char reason[160];
  if (!patch_stencil(t, s, s->size, out, base, &v, reason, sizeof reason)) {
    snprintf(why, whycap, "side_entry: %s", reason);
    return false;
  }
  return true;
}

size_t jit_shared_size(const StencilSet *set) {
  size_t n = (set->shared_size + 15) & ~(size_t)15;
  return n + set->nsymbols * reloc_veneer(set->arch, NULL, 0);
}

size_t jit_emit_shared(const StencilSet *set, uint8_t *out, uint64_t base, const uint64_t *symbols,
                       uint64_t *veneers, char *why, size_t whycap) {
  size_t at = (set->shared_size + 15) & ~(size_t)15;
  memcpy(out, set->shared, set->shared_size);
  for (uint32_t i = 0; i < set->nsymbols; i++) {
    veneers[i] = base + at;
    at += reloc_veneer(set->arch, out + at, symbols[i]);
  }
  JitTarget t = {set, base, symbols, veneers, FAULT_NONE, NULL};
  for (uint32_t h = 0; h < set->nshared_holes; h++) {
    const Hole *hole = &set->shared_holes[h];
    RelocKind k = (RelocKind)hole->reloc;
    uint64_t P = base + hole->offset, value;
    if (hole->value == HOLE_SHARED) value = base + hole->target;
    else if (hole->value == HOLE_SYMBOL) value = symbol_value(&t, k, hole->target, P, hole->addend);
    else {
      snprintf(why, whycap, "the shared blob has a hole of kind %u", hole->value);
      return 0;
    }
    char reason[160];
    if (!reloc_apply(k, out + hole->offset, P, value + (uint64_t)hole->addend, reason, sizeof reason)) {
      snprintf(why, whycap, "shared blob: %s", reason);
      return 0;
    }
  }
  return at;
}

/* ---- The host ---- */

const StencilSet *jit_host_set(void) {
#if defined(TESSERA_NO_STENCILS)
  return NULL;
#elif defined(__x86_64__)
  return &stencils_x86_64;
#elif defined(__aarch64__)
  return &stencils_aarch64;
#else
  return NULL;
#endif
}

/* The host's symbol addresses (jit_symbols.c, generated with the host's set). */
#ifdef TESSERA_NO_STENCILS
static const uint64_t *jit_host_symbol_addresses(void) { return NULL; }
#else
extern const uint64_t *jit_host_symbol_addresses(void);
#endif

static JitTarget host;
static bool host_ready, host_failed;
static char host_why[200];

static bool host_init(char *why, size_t whycap) {
  if (host_ready) return true;
  if (!host_failed) {
    host_failed = true;  /* until it succeeds */
    const StencilSet *set = jit_host_set();
    if (!set) {
      snprintf(host_why, sizeof host_why, "no stencils for this architecture");
    } else {
      size_t got;
      uint8_t *mem = jit_memory_alloc(jit_shared_size(set), &got);
      uint64_t *veneers = xcalloc(set->nsymbols ? set->nsymbols : 1, sizeof(uint64_t));
      if (!mem) {
        snprintf(host_why, sizeof host_why, "cannot map JIT memory");
      } else if (jit_emit_shared(set, jit_memory_writable(mem), (uint64_t)(uintptr_t)mem, jit_host_symbol_addresses(), veneers, host_why,
                                 sizeof host_why) &&
                 jit_memory_seal(mem, got)) {
        host = (JitTarget){set, (uint64_t)(uintptr_t)mem, jit_host_symbol_addresses(), veneers, FAULT_NONE, NULL};
        host_ready = true;
        host_failed = false;
        return true;
      }
    }
  }
  snprintf(why, whycap, "%s", host_why);
  return false;
}

bool jit_prepare(char *why, size_t whycap) { return host_init(why, whycap); }

JitCode *jit_compile(const TraceInst *code, uint32_t len, uint32_t compiled, uint32_t loop_start,
                     const TraceExit *exits, bool side, Fault fault, const EntrySlot *entries, char *why,
                     size_t whycap) {
  if (compiled > len) compiled = len;
  if (!host_init(why, whycap)) return NULL;
  size_t uops_size = jit_code_size(host.set, code, len, compiled), got;
  size_t size = uops_size + (side ? jit_side_entry_size(host.set) : 0);
  uint8_t *mem = jit_memory_alloc(size, &got);
  if (!mem) {
    snprintf(why, whycap, "JIT memory full");
    return NULL;
  }
  JitCode *c = xcalloc(1, sizeof *c);
  c->offsets = xmalloc(sizeof(uint32_t) * len);
  c->mem = mem;
  c->mem_size = got;
  c->code_size = size;
  c->len = len;
  c->compiled_uops = compiled;
  JitTarget target = host;
  target.fault = fault;
  target.entries = entries;
  uint64_t base = (uint64_t)(uintptr_t)mem;
  if (side) c->side_entry = mem + uops_size;
  if (!jit_emit(&target, code, len, compiled, loop_start, (uint64_t)(uintptr_t)exits, jit_memory_writable(mem), base, c->offsets,
                why, whycap) ||
      (side && !jit_emit_side_entry(&target, jit_memory_writable(mem) + uops_size, base + uops_size, base + c->offsets[0],
                                    why, whycap)) ||
      !jit_memory_seal(mem, got)) {
    jit_free(c);
    return NULL;
  }
  return c;
}

void jit_free(JitCode *c) {
  if (!c) return;
  jit_memory_free(c->mem, c->mem_size);
  free(c->offsets);
  free(c);
}

void jit_free_batch_begin(void) { jit_memory_batch_begin(); }
void jit_free_batch_end(void) { jit_memory_batch_end(); }
