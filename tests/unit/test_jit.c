/* test_jit.c: the copy-and-patch JIT (jit/), end to end.
 *
 *   1. both stencil sets, whatever the host: every trace op has a stencil, every hole is
 *      of a known kind on an instruction of its kind, and a trace of every op, emitted
 *      into plain memory at a fake address, decodes back to the values its holes were
 *      given, veneers included (so the AArch64 set is patched on x86-64, and the x86-64
 *      set on AArch64); a trace open at its end is refused
 *   2. W^X: no mapping of the process is writable and executable at once: while
 *      compiled code exists, before and after a jit run, and as seen by a second thread
 *      all through 3; compiled code is read-execute, and inaccessible once freed
 *   3. every language test and example runs in three jit configurations as under ref;
 *      every op that can be in a trace is compiled, and every guard's and branch's exit
 *      is taken from compiled code, but for the explicit lists below
 *   4. errors raised by compiled code are ref's, and leave from the op that raises them
 *
 * usage: test_jit DIR... (tests/lang and examples: every .tas file in them is run) */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asm.h"
#include "check.h"
#include "jit.h"
#include "jit_memory.h"
#include "trace.h"

/* ---- 1. The stencil sets ---- */

static const StencilSet *const sets[] = {&stencils_x86_64, &stencils_aarch64};

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
/* v's low `bits` bits, sign-extended. */
static uint64_t sext(uint64_t v, unsigned bits) {
  uint64_t sign = UINT64_C(1) << (bits - 1);
  v &= (sign << 1) - 1;
  return (v ^ sign) - sign;
}

static const Stencil *find_stencil(const StencilSet *set, const char *name) {
  for (uint32_t i = 0; i < set->nstencils; i++)
    if (strcmp(set->stencils[i].name, name) == 0) return &set->stencils[i];
  return NULL;
}

/* The bytes a relocation writes: a whole 8- or 4-byte word (insn_mask 0), or the
   field insn_mask of the 32-bit instruction at the hole. */
typedef struct {
  uint32_t width, insn_mask;
} FieldShape;

static FieldShape field_shape(RelocKind k) {
  switch (k) {
  case RELOC_X86_64_64: case RELOC_AARCH64_ABS64: return (FieldShape){8, 0};
  case RELOC_X86_64_PC32: case RELOC_X86_64_PLT32: case RELOC_X86_64_32S: return (FieldShape){4, 0};
  case RELOC_AARCH64_MOVW_UABS_G0_NC: case RELOC_AARCH64_MOVW_UABS_G1_NC:
  case RELOC_AARCH64_MOVW_UABS_G2_NC: case RELOC_AARCH64_MOVW_UABS_G3:
    return (FieldShape){4, 0xffffu << 5};
  case RELOC_AARCH64_ADR_PREL_PG_HI21: return (FieldShape){4, 0x7ffffu << 5 | 0x3u << 29};
  case RELOC_AARCH64_CONDBR19: return (FieldShape){4, 0x7ffffu << 5};
  case RELOC_AARCH64_JUMP26: case RELOC_AARCH64_CALL26: return (FieldShape){4, 0x3ffffffu};
  default: return (FieldShape){4, 0xfffu << 10};  /* ADD and LDn/STn lo12 */
  }
}

/* The scale of a lo12 field (its imm12 counts units of the access size). */
static unsigned lo12_scale(RelocKind k) {
  switch (k) {
  case RELOC_AARCH64_LDST16_ABS_LO12_NC: return 1;
  case RELOC_AARCH64_LDST32_ABS_LO12_NC: return 2;
  case RELOC_AARCH64_LDST64_ABS_LO12_NC: return 3;
  case RELOC_AARCH64_LDST128_ABS_LO12_NC: return 4;
  default: return 0;
  }
}

/* What a patched field, read back as the CPU decodes it, says of S + A: the bits under
   mask are value. P is the field's run-time address. */
typedef struct {
  uint64_t value, mask;
} Said;

static Said field_says(RelocKind k, const uint8_t *at, uint64_t P) {
  const uint64_t all = ~UINT64_C(0);
  uint32_t insn = rd32(at);
  switch (k) {
  case RELOC_X86_64_64: case RELOC_AARCH64_ABS64: return (Said){rd64(at), all};
  case RELOC_X86_64_PC32: case RELOC_X86_64_PLT32: return (Said){P + sext(insn, 32), all};  /* rel32 from P */
  case RELOC_X86_64_32S: return (Said){sext(insn, 32), all};
  case RELOC_AARCH64_MOVW_UABS_G0_NC: case RELOC_AARCH64_MOVW_UABS_G1_NC:
  case RELOC_AARCH64_MOVW_UABS_G2_NC: case RELOC_AARCH64_MOVW_UABS_G3: {
    unsigned shift = 16 * ((insn >> 21) & 3);  /* the hw field picks the slice */
    return (Said){(uint64_t)((insn >> 5) & 0xffff) << shift, UINT64_C(0xffff) << shift};
  }
  case RELOC_AARCH64_ADR_PREL_PG_HI21: {
    uint64_t imm21 = (insn >> 29 & 3) | (uint64_t)(insn >> 5 & 0x7ffff) << 2;
    return (Said){(P & ~UINT64_C(0xfff)) + (sext(imm21, 21) << 12), ~UINT64_C(0xfff)};
  }
  case RELOC_AARCH64_CONDBR19: return (Said){P + (sext(insn >> 5, 19) << 2), all};
  case RELOC_AARCH64_JUMP26: case RELOC_AARCH64_CALL26: return (Said){P + (sext(insn, 26) << 2), all};
  default: return (Said){(uint64_t)(insn >> 10 & 0xfff) << lo12_scale(k), 0xfff};
  }
}

/* Whether the template's instruction at a hole is one its relocation belongs to (the
   group of a movz/movk is its hw field; x86-64 immediates are movabs, branches
   call/jmp/jcc rel32). */
static bool hole_in_place(RelocKind k, const uint8_t *code, uint32_t off) {
  uint32_t insn = rd32(code + off);
  bool movw = (insn >> 23 & 0x3f) == 0x25 && (insn >> 29 & 3) >= 2;  /* movz, movk */
  switch (k) {
  case RELOC_X86_64_64: return off >= 2 && (code[off - 2] & 0xf8) == 0x48 && (code[off - 1] & 0xf8) == 0xb8;
  case RELOC_X86_64_PLT32:
    return off >= 1 && (code[off - 1] == 0xe8 || code[off - 1] == 0xe9 ||
                        (off >= 2 && code[off - 2] == 0x0f && (code[off - 1] & 0xf0) == 0x80));
  case RELOC_AARCH64_MOVW_UABS_G0_NC: return movw && (insn >> 21 & 3) == 0;
  case RELOC_AARCH64_MOVW_UABS_G1_NC: return movw && (insn >> 21 & 3) == 1;
  case RELOC_AARCH64_MOVW_UABS_G2_NC: return movw && (insn >> 21 & 3) == 2;
  case RELOC_AARCH64_MOVW_UABS_G3: return movw && (insn >> 21 & 3) == 3;
  case RELOC_AARCH64_ADR_PREL_PG_HI21: return (insn & 0x9f000000u) == 0x90000000u;
  case RELOC_AARCH64_ADD_ABS_LO12_NC: return (insn & 0x7fc00000u) == 0x11000000u;
  case RELOC_AARCH64_CONDBR19: return (insn & 0xff000010u) == 0x54000000u || (insn & 0x7e000000u) == 0x34000000u;
  case RELOC_AARCH64_JUMP26: return (insn & 0xfc000000u) == 0x14000000u;
  case RELOC_AARCH64_CALL26: return (insn & 0xfc000000u) == 0x94000000u;
  case RELOC_AARCH64_LDST8_ABS_LO12_NC: case RELOC_AARCH64_LDST16_ABS_LO12_NC:
  case RELOC_AARCH64_LDST32_ABS_LO12_NC: case RELOC_AARCH64_LDST64_ABS_LO12_NC:
  case RELOC_AARCH64_LDST128_ABS_LO12_NC:
    return (insn & 0x3b000000u) == 0x39000000u;
  default: return true;  /* PC32, 32S, ABS64: a plain word, data or displacement */
  }
}

/* A hole as the extractor must describe it: a kind of this set's architecture, its field
   inside the code, on an instruction of its kind. */
static void check_hole_shape(const StencilSet *set, const char *name, const uint8_t *code, uint32_t size,
                             const Hole *h, bool in_blob) {
  CHECK_MSG(h->reloc < RELOC__COUNT && reloc_arch[h->reloc] == set->arch, "%s: hole at %u has relocation %u",
            name, h->offset, h->reloc);
  if (h->reloc >= RELOC__COUNT) return;
  RelocKind k = (RelocKind)h->reloc;
  CHECK_MSG(in_blob ? h->value == HOLE_SHARED || h->value == HOLE_SYMBOL : h->value < HOLE__COUNT,
            "%s: hole at %u has value kind %u", name, h->offset, h->value);
  CHECK_MSG(h->offset + field_shape(k).width <= size, "%s: %s hole at %u past the end (%u)", name, reloc_name[k],
            h->offset, size);
  if (h->value == HOLE_SYMBOL)
    CHECK_MSG(h->target < set->nsymbols, "%s: symbol %u of %u", name, h->target, set->nsymbols);
  if (h->value == HOLE_SHARED)
    CHECK_MSG(h->target < set->shared_size, "%s: shared offset %u of %u", name, h->target, set->shared_size);
  if (!in_blob && h->offset + field_shape(k).width <= size)
    CHECK_MSG(hole_in_place(k, code, h->offset), "%s: %s hole at %u is not on an instruction of its kind", name,
              reloc_name[k], h->offset);
}

/* The trailing jump left out when stencils are laid end to end is exactly one jump to
   the next stencil (x86-64 jmp rel32, AArch64 b), and no other hole straddles or lies
   in it. */
static void check_tail(const StencilSet *set, const Stencil *s) {
  uint32_t laid = s->size - s->tail_jump, in_tail = 0;
  for (uint32_t h = 0; h < s->nholes; h++) {
    const Hole *hole = &s->holes[h];
    uint32_t end = hole->offset + field_shape((RelocKind)hole->reloc).width;
    CHECK_MSG(end <= laid || hole->offset >= laid, "%s: hole at %u straddles the cut at %u", s->name, hole->offset,
              laid);
    if (hole->offset < laid) continue;
    in_tail++;
    CHECK_MSG(hole->value == HOLE_CONTINUE && hole->offset == s->size - 4, "%s: hole of kind %u at %u in the tail",
              s->name, hole->value, hole->offset);
  }
  if (!s->tail_jump) return;
  CHECK_MSG(in_tail == 1, "%s: %u holes in the trailing jump", s->name, in_tail);
  if (set->arch == ARCH_X86_64)
    CHECK_MSG(s->tail_jump == 5 && s->code[s->size - 5] == 0xe9, "%s: tail of %u bytes is not jmp rel32", s->name,
              s->tail_jump);
  else
    CHECK_MSG(s->tail_jump == 4 && (rd32(s->code + s->size - 4) & 0xfc000000u) == 0x14000000u,
              "%s: tail of %u bytes is not b", s->name, s->tail_jump);
}

/* Every trace op has a stencil and every stencil is a trace op's, sorted by name (the
   emitter looks them up by bisection); every hole is of a known kind. */
static void test_set_complete(const StencilSet *set) {
  for (int op = 0; op < TRACE_OP__COUNT; op++)
    CHECK_MSG(find_stencil(set, trace_op_name(op)), "arch %d: no stencil for %s", set->arch, trace_op_name(op));
  for (uint32_t i = 0; i < set->nstencils; i++) {
    const Stencil *s = &set->stencils[i];
    int op = 0;
    const char *variant = strstr(s->name, "__");  /* NAME__K: a variant (jit.h) */
    size_t len = variant ? (size_t)(variant - s->name) : strlen(s->name);
    while (op < TRACE_OP__COUNT && !(strlen(trace_op_name(op)) == len && strncmp(trace_op_name(op), s->name, len) == 0))
      op++;
    CHECK_MSG(op < TRACE_OP__COUNT, "stencil %s is no trace op", s->name);
    if (variant && op < TRACE_OP__COUNT) {
      char *end;
      unsigned long k = strtoul(variant + 2, &end, 10);
      CHECK_MSG(jit_op_has_variants(op) && *end == 0 && end != variant + 2 && k < JIT_VARIANT_KEYS,
                "stencil %s is no variant the emitter looks for", s->name);
    }
    if (i > 0)
      CHECK_MSG(strcmp(set->stencils[i - 1].name, s->name) < 0, "%s after %s", s->name, set->stencils[i - 1].name);
    CHECK_MSG(s->tail_jump <= s->size, "%s: tail %u of %u bytes", s->name, s->tail_jump, s->size);  /* nop: all tail */
    for (uint32_t h = 0; h < s->nholes; h++) check_hole_shape(set, s->name, s->code, s->size, &s->holes[h], false);
    check_tail(set, s);
  }
  for (uint32_t h = 0; h < set->nshared_holes; h++)
    check_hole_shape(set, "shared blob", set->shared, set->shared_size, &set->shared_holes[h], true);
}

/* Fake addresses: the code, its shared blob 1 MiB below, and the run-time symbols: even
   ones 32 MiB below the code (in reach of rel32 and of b/bl), odd ones near 256 MiB
   (out of reach of both: branches go through their veneers). */
#define FAKE_CODE UINT64_C(0x7f0000000000)
#define FAKE_SHARED (FAKE_CODE - (UINT64_C(1) << 20))
#define FAKE_EXITS UINT64_C(0x5500000010)  /* the executor's TraceExit array */

static uint64_t fake_symbol(uint32_t i) {
  return i % 2 == 0 ? FAKE_CODE - (UINT64_C(32) << 20) + 0x100 * i : UINT64_C(0x10000000) + 0x100 * i;
}

#define PUSH_FRAME_ARGC 5
#define PUSH_FRAME_PC 0x4321u

/* A trace of every op once, `loop` last, each with an oparg and operand of its own,
   every other one with an exit; the loop starts at uop 3. Returns the length. */
static uint32_t all_ops_trace(TraceInst *code, uint32_t *loop_start) {
  uint32_t n = 0;
  for (int op = 0; op < TRACE_OP__COUNT; op++) {
    if (op == TOP_LOOP) continue;
    code[n] = (TraceInst){(uint16_t)op, n % 2 ? TRACE_NO_EXIT : (uint16_t)n, 0x1000u + 7 * n,
                          UINT64_C(0x8877665544332211) + n * UINT64_C(0x0101010101010101), 0, 0x40u + n};
    if (trace_op_calls(op)) {
      code[n].oparg = PUSH_FRAME_ARGC;
      code[n].pc = PUSH_FRAME_PC;
    }
    n++;
  }
  code[n] = (TraceInst){TOP_LOOP, TRACE_NO_EXIT, 1, 0, 0, 0x40u + n};
  *loop_start = 3;
  return n + 1;
}

/* A trace emitted for a set at the fake addresses. */
typedef struct {
  const StencilSet *set;
  const TraceInst *code;
  uint32_t len, loop_start;
  uint32_t offsets[TRACE_OP__COUNT];
  uint64_t *symbols, *veneers;
  uint8_t *shared, *out;
  uint32_t direct, veneered;  /* branches to symbols, straight or through a veneer */
} Emitted;

static bool is_veneerable(RelocKind k) {
  return k == RELOC_X86_64_PLT32 || k == RELOC_AARCH64_JUMP26 || k == RELOC_AARCH64_CALL26;
}

/* Whether a branch at P reaches target, by the ISA: rel32, or b/bl's +-128 MiB. */
static bool reaches(RelocKind k, uint64_t P, uint64_t target) {
  int64_t d = (int64_t)(target - P);
  if (k == RELOC_X86_64_PLT32) return d >= INT32_MIN && d <= INT32_MAX;
  return d >= -(INT64_C(128) << 20) && d < (INT64_C(128) << 20);
}

/* The S a hole at P must have been given; i is its uop (ignored for the blob). */
static uint64_t hole_wants(Emitted *e, const Hole *h, uint32_t i, uint64_t P) {
  const TraceInst *ti = &e->code[i];
  switch ((HoleValue)h->value) {
  case HOLE_OPARG:  /* a call's carries where the caller resumes, call_trace's its callee (template.c) */
    if (jit_oparg_is_local(ti->op)) return (uint64_t)ti->oparg * sizeof(Value);  /* a byte offset */
    if (!trace_op_calls(ti->op)) return ti->oparg;
    return (uint64_t)PUSH_FRAME_ARGC | (uint64_t)(PUSH_FRAME_PC + OP_SIZE_CALL) << 8 |
           (ti->op != TOP_CALL_ANY ? ti->operand << 32 : 0);
  case HOLE_OPERAND:  /* a known callee's is its EntrySlot, in a table at 0 here; push_value's (and
                        push_value_under's) its payload */
    if (jit_operand_is_value(ti->op)) return (uint64_t)trace_value(ti->oparg, ti->operand).as.i;
    return jit_known_callee(ti->op) ? ti->operand * sizeof(EntrySlot) : ti->operand;
  case HOLE_INDEX: return i;
  case HOLE_CONTINUE: return FAKE_CODE + e->offsets[i + 1];
  case HOLE_JUMP_TARGET: return FAKE_CODE + e->offsets[e->loop_start];
  case HOLE_EXIT: return ti->exit == TRACE_NO_EXIT ? 0 : FAKE_EXITS + ti->exit * sizeof(TraceExit);
  case HOLE_SHARED: return FAKE_SHARED + h->target;
  case HOLE_SYMBOL: {
    uint64_t sym = e->symbols[h->target];
    RelocKind k = (RelocKind)h->reloc;
    if (!is_veneerable(k)) return sym;
    if (reaches(k, P, sym + (uint64_t)h->addend)) {
      e->direct++;
      return sym;
    }
    e->veneered++;
    return e->veneers[h->target];
  }
  default: return 0;
  }
}

/* The patched bytes at `out` (run at base) are the template's but for the fields of the
   holes, which decode back to what each hole was given. */
static void check_patched(Emitted *e, const char *what, const uint8_t *tmpl, const uint8_t *out, uint32_t size,
                          uint64_t base, const Hole *holes, uint32_t nholes, uint32_t uop) {
  uint8_t *want = xmalloc(size ? size : 1);
  memcpy(want, tmpl, size);
  for (uint32_t h = 0; h < nholes; h++) {
    const Hole *hole = &holes[h];
    if (hole->offset >= size || hole->reloc >= RELOC__COUNT) continue;  /* the trailing jump, gone */
    RelocKind k = (RelocKind)hole->reloc;
    uint64_t P = base + hole->offset;
    uint64_t S = hole_wants(e, hole, uop, P), SA = S + (uint64_t)hole->addend;
    Said said = field_says(k, out + hole->offset, P);
    CHECK_MSG((SA & said.mask) == said.value,
              "%s: %s hole (value kind %u) at 0x%llx reads 0x%llx under 0x%llx, want 0x%llx", what, reloc_name[k],
              hole->value, (unsigned long long)P, (unsigned long long)said.value, (unsigned long long)said.mask,
              (unsigned long long)(SA & said.mask));
    FieldShape f = field_shape(k);
    if (!f.insn_mask) {
      memcpy(want + hole->offset, out + hole->offset, f.width);
    } else {
      uint32_t t = rd32(tmpl + hole->offset);
      CHECK_MSG(!(t & f.insn_mask), "%s: the template's field at %u is not blank", what, hole->offset);
      wr32(want + hole->offset, t | (rd32(out + hole->offset) & f.insn_mask));
    }
  }
  CHECK_MSG(memcmp(want, out, size) == 0, "%s: bytes outside the holes' fields differ from the template", what);
  free(want);
}

/* Each veneer jumps to its symbol: x86-64 jmp *0(%rip) and the address, AArch64
   ldr x16, #8; br x16 and the address. */
static void check_veneers(const Emitted *e, size_t shared_used) {
  const StencilSet *set = e->set;
  size_t size = reloc_veneer(set->arch, NULL, 0);
  for (uint32_t i = 0; i < set->nsymbols; i++) {
    uint64_t at = e->veneers[i] - FAKE_SHARED;
    CHECK_MSG(at >= set->shared_size && at + size <= shared_used, "veneer %u at +%llu", i, (unsigned long long)at);
    if (at < set->shared_size || at + size > shared_used) continue;
    const uint8_t *v = e->shared + at;
    if (set->arch == ARCH_X86_64)
      CHECK_MSG(v[0] == 0xff && v[1] == 0x25 && rd32(v + 2) == 0 && rd64(v + 6) == e->symbols[i],
                "x86-64 veneer of %s", set->symbols[i]);
    else
      CHECK_MSG(rd32(v) == 0x58000050u && rd32(v + 4) == 0xd61f0200u && rd64(v + 8) == e->symbols[i],
                "AArch64 veneer of %s", set->symbols[i]);
  }
}

/* Offsets: each uop starts where the previous one's stencil ends (the one the emitter
   takes for it: a variant when its key has one), its trailing jump cut. */
static void check_layout(const Emitted *e) {
  uint32_t at = 0;
  for (uint32_t i = 0; i < e->len; i++) {
    const Stencil *s = jit_stencil(e->set, &e->code[i]);
    CHECK_MSG(e->offsets[i] == at, "uop %u (%s) at %u, want %u", i, s->name, e->offsets[i], at);
    at += s->size - s->tail_jump;
  }
  CHECK(jit_code_size(e->set, e->code, e->len, e->len) == at);
}

/* Emits the every-op trace for set into plain memory at the fake addresses, with the
   shared blob and its veneers, and decodes every hole back. */
static void test_set_patched(const StencilSet *set) {
  TraceInst code[TRACE_OP__COUNT];
  Emitted e = {.set = set, .code = code};
  e.len = all_ops_trace(code, &e.loop_start);
  uint32_t n = set->nsymbols ? set->nsymbols : 1;
  e.symbols = xcalloc(n, sizeof(uint64_t));
  e.veneers = xcalloc(n, sizeof(uint64_t));
  for (uint32_t i = 0; i < set->nsymbols; i++) e.symbols[i] = fake_symbol(i);
  size_t shared_size = jit_shared_size(set);
  CHECK_MSG(shared_size < (1u << 20), "the shared blob (%zu bytes) does not fit below the code", shared_size);
  e.shared = xcalloc(shared_size, 1);
  char why[200] = "";
  size_t used = jit_emit_shared(set, e.shared, FAKE_SHARED, e.symbols, e.veneers, why, sizeof why);
  CHECK_MSG(used == shared_size, "jit_emit_shared: %zu of %zu bytes: %s", used, shared_size, why);
  size_t size = jit_code_size(set, code, e.len, e.len);
  e.out = xcalloc(size, 1);
  bool ok = jit_emit(&(JitTarget){set, FAKE_SHARED, e.symbols, e.veneers, FAULT_NONE, NULL}, code, e.len, e.len, e.loop_start, FAKE_EXITS,
                     e.out, FAKE_CODE, e.offsets, why, sizeof why);
  CHECK_MSG(ok, "jit_emit (arch %d): %s", set->arch, why);
  if (used == shared_size && ok) {
    check_veneers(&e, used);
    check_patched(&e, "shared blob", set->shared, e.shared, set->shared_size, FAKE_SHARED, set->shared_holes,
                  set->nshared_holes, 0);
    check_layout(&e);
    for (uint32_t i = 0; i < e.len; i++) {
      const Stencil *s = jit_stencil(set, &code[i]);
      check_patched(&e, s->name, s->code, e.out + e.offsets[i], s->size - s->tail_jump, FAKE_CODE + e.offsets[i],
                    s->holes, s->nholes, i);
    }
    /* Both ways of reaching a symbol were exercised. */
    CHECK_MSG(e.direct > 0 && e.veneered > 0, "arch %d: %u direct and %u veneered branches to symbols", set->arch,
              e.direct, e.veneered);
  }
  free(e.symbols);
  free(e.veneers);
  free(e.shared);
  free(e.out);
}

/* Whether stencil s goes on to the next uop only through its trailing jump, which is
   cut when it is laid out. */
static bool continues_only_by_tail(const Stencil *s) {
  bool tail = false, inside = false;
  for (uint32_t h = 0; h < s->nholes; h++)
    if (s->holes[h].value == HOLE_CONTINUE) {
      if (s->holes[h].offset >= s->size - s->tail_jump) tail = true;
      else inside = true;
    }
  return tail && !inside;
}

/* A trace whose last uop would go on past its end must not be emitted, whether its
   continuation is a hole it patches or the trailing jump, which is cut (that case once
   fell off the end of the code unnoticed; projection always ends a trace in loop, link
   or exit, so no program reached it). */
static void test_emit_refuses_open_end(const StencilSet *set) {
  uint64_t *symbols = xcalloc(set->nsymbols, sizeof(uint64_t)), *veneers = xcalloc(set->nsymbols, sizeof(uint64_t));
  for (uint32_t i = 0; i < set->nsymbols; i++) {
    symbols[i] = fake_symbol(i);
    veneers[i] = FAKE_SHARED + 16 * i;  /* in reach; never run */
  }
  uint8_t *out = xmalloc(4096);
  uint32_t tail_only = 0;
  for (int op = 0; op < TRACE_OP__COUNT; op++) {
    const Stencil *s = find_stencil(set, trace_op_name(op));
    bool continues = false;
    for (uint32_t h = 0; s && h < s->nholes; h++) continues |= s->holes[h].value == HOLE_CONTINUE;
    if (!continues || s->size > 4096) continue;  /* loop, link, exit: never go on */
    TraceInst code[1] = {{(uint16_t)op, 0, 1, 1, 0, 0}};
    uint32_t offsets[1];
    char why[200] = "";
    bool emitted = jit_emit(&(JitTarget){set, FAKE_SHARED, symbols, veneers, FAULT_NONE, NULL}, code, 1, 1, 0, FAKE_EXITS, out, FAKE_CODE,
                            offsets, why, sizeof why);
    tail_only += continues_only_by_tail(s);
    CHECK_MSG(!emitted && strstr(why, "continues past it"), "%s at a trace's end: %s", s->name,
              emitted ? "emitted" : why);
  }
  CHECK_MSG(tail_only > 0, "arch %d: no stencil continues only by its trailing jump: the case is not tested", set->arch);
  free(out);
  free(symbols);
  free(veneers);
}

/* ---- 2. W^X ---- */

/* Mappings of the process writable and executable at once, each printed (-1: no maps). */
static int maps_wx(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return -1;
  char line[512];
  int wx = 0;
  while (fgets(line, sizeof line, f)) {
    char perms[8] = "";
    if (sscanf(line, "%*x-%*x %7s", perms) == 1 && strchr(perms, 'w') && strchr(perms, 'x')) {
      fprintf(stderr, "writable and executable: %s", line);
      wx++;
    }
  }
  fclose(f);
  return wx;
}

/* The permissions ("r-xp") of the mapping holding addr, or "" when none does. */
static void maps_perms(const void *addr, char perms[8]) {
  perms[0] = '\0';
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return;
  char line[512];
  uintptr_t a = (uintptr_t)addr;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    char p[8];
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, p) == 3 && a >= lo && a < hi) {
      memcpy(perms, p, sizeof p);
      break;
    }
  }
  fclose(f);
}

/* push_int 1, pop, exit: compiled, its page is read-execute while it lives and runs from
   any uop; freed, its page is inaccessible, or, with two views (jit/jit_memory.c), its
   writable view is a mapping of its own and the freed code is all traps. */
static void test_wx_compiled(void) {
  TraceInst code[3] = {{UOP_PUSH_INT, TRACE_NO_EXIT, 1, 0, 0, 0}, {UOP_POP, TRACE_NO_EXIT, 0, 0, 0, 1},
                       {TOP_EXIT, 0, 0, 0, 0, 2}};
  TraceExit exits[1] = {{.func = 0, .pc = 2}};  /* no side trace: the code leaves */
  char why[200] = "";
  JitCode *c = jit_compile(code, 3, 3, 0, exits, false, FAULT_NONE, NULL, why, sizeof why);
  CHECK_MSG(c != NULL, "jit_compile: %s", why);
  if (!c) return;
  char perms[8];
  bool two = jit_memory_two_views();
  CHECK_MSG(maps_wx() == 0, "a writable and executable mapping while compiled code exists");
  maps_perms(c->mem, perms);
  CHECK_STR(perms, two ? "r-xs" : "r-xp");
  if (two) {
    CHECK_MSG(jit_memory_writable(c->mem) != c->mem, "two views at one address");
    maps_perms(jit_memory_writable(c->mem), perms);
    CHECK_STR(perms, "rw-s");
  }
  /* Neither uop touches the VM: a blank one does. */
  VM vm;
  memset(&vm, 0, sizeof vm);
  Value slots[VM_STACK_FLOOR + 4] = {0};  /* code reads the three slots under sp, as under a VM's stack */
  Value *stack = slots + VM_STACK_FLOOR;
  JitFrame jf = {.vm = &vm, .sp = stack, .locals = stack};
  JitResult r = jit_run(c, 0, &jf);
  CHECK_MSG(r == JIT_RESULT(2, JIT_LEFT_EXIT) && jf.sp == stack, "from uop 0: result %llx, sp %+td",
            (unsigned long long)r, jf.sp - stack);
  stack[0] = val_int(7);
  jf.sp = stack + 1;
  r = jit_run(c, 1, &jf);
  CHECK_MSG(r == JIT_RESULT(2, JIT_LEFT_EXIT) && jf.sp == stack, "from uop 1: result %llx, sp %+td",
            (unsigned long long)r, jf.sp - stack);
  uint8_t *mem = c->mem;
  size_t size = c->mem_size;
  jit_free(c);
  maps_perms(mem, perms);
  CHECK_STR(perms, two ? "r-xs" : "---p");
  for (size_t i = 0; two && i < size; i++)
    if (mem[i] != 0xcc) {
      CHECK_MSG(false, "freed code byte %zu is %02x, not a trap", i, mem[i]);
      break;
    }
}


/* A jit run, with the maps read before and after it. */
static void test_wx_run(void) {
  const char *src = ".func main params=0 locals=2\n"
                    "    push_int 0\n    store_local 0\n    push_int 0\n    store_local 1\n"
                    "top:\n    load_local 0\n    push_int 50\n    lt\n    jump_if_false done\n"
                    "    load_local 1\n    load_local 0\n    add\n    store_local 1\n"
                    "    load_local 0\n    push_int 1\n    add\n    store_local 0\n    loop top\n"
                    "done:\n    load_local 1\n    print\n    push_nil\n    return\n.end\n";
  Module m;
  if (!check_assemble(src, &m)) return;
  CHECK_MSG(maps_wx() == 0, "before a jit run");
  RunOptions o = run_options_default(TIER_JIT);
  o.jit = &jit_default_hooks;
  T2Stats st;
  memset(&st, 0, sizeof st);
  o.t2_stats = &st;
  Observation obs;
  vm_run_module(&m, &o, &obs);
  CHECK_MSG(maps_wx() == 0, "after a jit run");
  CHECK_MSG(obs.error == ERR_NONE && obs.output.len == 5 && memcmp(obs.output.data, "1225\n", 5) == 0,
            "output %.*s", (int)obs.output.len, obs.output.data ? obs.output.data : "");
  CHECK_MSG(st.jit_compiled >= 1 && st.jit_entries >= 1, "compiled %llu, entered %llu",
            (unsigned long long)st.jit_compiled, (unsigned long long)st.jit_entries);
  observation_free(&obs);
  module_free(&m);
}

/* A second thread reads the maps over and over while the corpus compiles and runs
   traces: it sees the JIT's pages at moments (mid-patch, mid-run) the main thread
   cannot stop at. */
typedef struct {
  pthread_t thread;
  atomic_bool stop;
  atomic_uint snapshots, wx;
} Sampler;

/* At least one snapshot, stop or not: on a loaded machine the thread may first run
   after the corpus is done, and test_corpus checks that the sampler read the maps. */
static void *sampler_main(void *arg) {
  Sampler *s = arg;
  struct timespec pause = {0, 200000};  /* 0.2 ms: the main thread keeps the cores */
  do {
    int wx = maps_wx();
    if (wx < 0) break;
    atomic_fetch_add(&s->wx, (unsigned)wx);
    atomic_fetch_add(&s->snapshots, 1);
    nanosleep(&pause, NULL);
  } while (!atomic_load(&s->stop));
  return NULL;
}

/* ---- 3. Every stencil against ref ---- */

/* The limits of a program's `; run:` lines (lang_runner's), on top of the defaults. */
static Limits run_limits(const char *src) {
  Limits l = limits_default();
  for (const char *p = strstr(src, "; run:"); p; p = strstr(p + 1, "; run:")) {
    const char *end = strchr(p, '\n');
    if (!end) end = p + strlen(p);
    static const struct {
      const char *name;
      size_t offset;
    } opts[] = {{"--fuel=", offsetof(Limits, fuel)}, {"--max-depth=", offsetof(Limits, max_depth)},
                {"--max-heap=", offsetof(Limits, max_heap)}, {"--max-output=", offsetof(Limits, max_output)}};
    for (size_t i = 0; i < ARRAY_LEN(opts); i++) {
      const char *o = strstr(p, opts[i].name);
      if (o && o < end) {
        uint64_t v = strtoull(o + strlen(opts[i].name), NULL, 10);
        memcpy((char *)&l + opts[i].offset, &v, sizeof v);
      }
    }
  }
  return l;
}

static bool load_program(const char *path, Module *m, Limits *limits) {
  Buf src = {0};
  if (!buf_read_file(&src, path)) return false;
  buf_putc(&src, '\0');
  Diag d;
  memset(&d, 0, sizeof d);
  bool ok = asm_assemble(src.data, src.len - 1, path, m, NULL, &d);
  CHECK_MSG(ok, "%s does not assemble: %s", path, d.msg);
  *limits = run_limits(src.data);
  buf_free(&src);
  return ok;
}

/* The configurations the corpus runs in, each compiling what the others may not: jit
   as lang_runner runs it (t1 specializes at an instruction's first run, a LOOP projects
   at its second: traces of guards and actions; the optimizer makes push_value and
   check_globals), jit-noopt (the guards the optimizer removes), and jit with t1's
   warmup past the trace threshold (traces projected from generic code: band, get,
   neg... whose generic form a trace otherwise never holds, since with warmup 1 they
   are specialized at once and a failing guard is an error in the generic form too). */
static const struct {
  const char *name;
  Tier tier;
  uint32_t warmup;
} configs[] = {{"jit", TIER_JIT, 1}, {"jit-noopt", TIER_JIT_NOOPT, 1}, {"jit-generic", TIER_JIT, 64}};
#define NCONFIGS ARRAY_LEN(configs)

/* Runs m under tier with that warmup, traces projected at a LOOP's second run. */
static void run_tier(const Module *m, Tier tier, uint32_t warmup, Limits limits, T2Stats *st, Observation *o) {
  RunOptions opts = run_options_default(tier);
  opts.jit = &jit_default_hooks;
  opts.warmup = warmup;
  opts.trace_threshold = 2;
  opts.limits = limits;
  opts.t2_stats = st;
  vm_run_module(m, &opts, o);
}

/* Runs a program under ref and each configuration (counting into st[]); each
   observation must be ref's. */
static void run_against_ref(const char *path, T2Stats st[NCONFIGS]) {
  Module m;
  Limits limits;
  if (!load_program(path, &m, &limits)) return;
  Observation ref;
  run_tier(&m, TIER_REF, 1, limits, NULL, &ref);
  for (size_t c = 0; c < NCONFIGS; c++) {
    Observation o;
    run_tier(&m, configs[c].tier, configs[c].warmup, limits, &st[c], &o);
    ObsField diff = observation_diff(&ref, &o);
    CHECK_MSG(diff == OBS_AGREE, "%s: %s differs from ref in %s", path, configs[c].name, obs_field_name[diff]);
    observation_free(&o);
  }
  observation_free(&ref);
  module_free(&m);
}

/* Runs every .tas file of dir. Returns how many. */
static int run_dir(const char *dir, T2Stats st[NCONFIGS]) {
  DIR *d = opendir(dir);
  CHECK_MSG(d != NULL, "cannot open %s", dir);
  if (!d) return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 5 || strcmp(e->d_name + len - 4, ".tas") != 0) continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    run_against_ref(path, st);
    n++;
  }
  closedir(d);
  return n;
}

/* Ops no program compiles, each for a reason. */
static const struct {
  int op;
  const char *why;
} never_compiled[] = {
  {UOP_GUARD_GLOBALS_VERSION, "never in a trace: load_global_cached projects as a plain load_global"},
  {UOP_TRUTH_INT, "never in a trace: a conditional jump's form for a kind other than bool projects as a branch"},
  {UOP_TRUTH_STRING, "never in a trace: a conditional jump's form for a kind other than bool projects as a branch"},
  {UOP_TRUTH_ARRAY, "never in a trace: a conditional jump's form for a kind other than bool projects as a branch"},
  {UOP_TRUTH_FLOAT, "never in a trace: a conditional jump's form for a kind other than bool projects as a branch"},
  {UOP_TRUTH_MAP, "never in a trace: a conditional jump's form for a kind other than bool projects as a branch"},
  {UOP_TRUTH_NIL, "never in a trace: a conditional jump's form for a kind other than bool projects as a branch"},
  {UOP_GUARD_NIL, "never in a trace: only conditional jumps' forms use it, and these project as a branch"},
  {UOP_GUARD_MAP, "never in a trace: only conditional jumps' forms use it, and these project as a branch"},
  {TOP_SIDE_ENTRY, "never a uop: the JIT lays it after a side trace's last uop (JitCode.side_entry)"},
};

/* Guards and branches whose exit no program takes from compiled code, each for a reason. */
static const struct {
  int op;
  const char *why;
} exit_never_taken[] = {
  {UOP_GUARD_GLOBALS_VERSION, "never in a trace (above); check_globals guards promoted globals"},
  {UOP_GUARD_NIL, "never in a trace (above)"},
  {UOP_GUARD_MAP, "never in a trace (above)"},
};

static const char *listed(int op, bool exits) {
  for (size_t i = 0; !exits && i < ARRAY_LEN(never_compiled); i++)
    if (never_compiled[i].op == op) return never_compiled[i].why;
  for (size_t i = 0; exits && i < ARRAY_LEN(exit_never_taken); i++)
    if (exit_never_taken[i].op == op) return exit_never_taken[i].why;
  return NULL;
}

/* Ops that leave compiled code by taking an exit: guards, branch and the compare-branches. */
static bool has_exit(int op) {
  return op == TOP_BRANCH || op == TOP_BRANCH_COMPARE_INT || op == TOP_BRANCH_COMPARE_INT_CONST ||
         op == TOP_BRANCH_COMPARE_LOCAL_CONST || op == TOP_BRANCH_COMPARE_LOCALS || op == TOP_BRANCH_CHAR_LOCAL ||
         strncmp(trace_op_name(op), "guard_", 6) == 0;
}

/* The gaps, as a table; each must be in its list, and each listed op must be a gap. */
static void check_coverage(const T2Stats st[NCONFIGS]) {
  printf("%-22s %-18s", "op", "gap");
  for (size_t c = 0; c < NCONFIGS; c++) printf(" %9.9s:%-5s", configs[c].name, "comp");
  for (size_t c = 0; c < NCONFIGS; c++) printf(" %9.9s:%-5s", configs[c].name, "left");
  putchar('\n');
  for (int op = 0; op < TRACE_OP__COUNT; op++) {
    uint64_t compiled = 0, left = 0;
    for (size_t c = 0; c < NCONFIGS; c++) {
      compiled += st[c].jit_compiled_op[op];
      left += st[c].jit_left_op[op];
    }
    if (compiled == 0 || (has_exit(op) && left == 0)) {
      printf("%-22s %-18s", trace_op_name(op), compiled == 0 ? "never compiled" : "exit never taken");
      for (size_t c = 0; c < NCONFIGS; c++) printf(" %15llu", (unsigned long long)st[c].jit_compiled_op[op]);
      for (size_t c = 0; c < NCONFIGS; c++) printf(" %15llu", (unsigned long long)st[c].jit_left_op[op]);
      putchar('\n');
    }
    const char *why = listed(op, false);
    CHECK_MSG((compiled == 0) == (why != NULL), "%s: compiled %llu times, %s", trace_op_name(op),
              (unsigned long long)compiled, why ? "but listed as never compiled" : "want a program that compiles it");
    if (has_exit(op)) {
      why = listed(op, true);
      CHECK_MSG((left == 0) == (why != NULL), "%s: its exit taken %llu times from compiled code, %s",
                trace_op_name(op), (unsigned long long)left,
                why ? "but listed as never taken" : "want a program that takes it");
    }
  }
}

/* Runs the corpus against ref with the maps sampled throughout, then checks coverage. */
static void test_corpus(int ndirs, char **dirs) {
  CHECK_MSG(ndirs > 0, "no directories of programs given");
  T2Stats st[NCONFIGS];
  memset(st, 0, sizeof st);
  Sampler s = {0};
  bool sampling = pthread_create(&s.thread, NULL, sampler_main, &s) == 0;
  CHECK_MSG(sampling, "cannot start the maps sampler");
  int programs = 0;
  for (int i = 0; i < ndirs; i++) programs += run_dir(dirs[i], st);
  if (sampling) {
    atomic_store(&s.stop, true);
    pthread_join(s.thread, NULL);
    CHECK_MSG(atomic_load(&s.snapshots) > 0, "the sampler never read the maps");
    CHECK_MSG(atomic_load(&s.wx) == 0, "%u writable and executable mappings seen while programs ran",
              atomic_load(&s.wx));
  }
  CHECK_MSG(programs > 100, "only %d programs", programs);
  for (size_t c = 0; c < NCONFIGS; c++) {
    CHECK_MSG(st[c].jit_failed == 0, "%s: %llu traces not compiled", configs[c].name,
              (unsigned long long)st[c].jit_failed);
    printf("test_jit: %d programs agree with ref under %s: %llu traces compiled, %llu entries\n", programs,
           configs[c].name, (unsigned long long)st[c].jit_compiled, (unsigned long long)st[c].jit_entries);
  }
  printf("test_jit: %u snapshots of the maps while they ran, none writable and executable\n",
         atomic_load(&s.snapshots));
  check_coverage(st);
}

/* ---- 4. Errors from compiled code ---- */

/* Each program raises its error from compiled code: the observation is ref's (error
   kind and place included) and the code left at the op that raises it. Other errors
   raised by traces, compared with ref in the corpus run (3): t2_error_inlined
   (division_by_zero inside an inlined frame), t2_opt_no_fold_divzero (in a side trace),
   loop_error_inside, fuel_loop, fuel_mixed; t2_exit_array_any and
   t2_exit_array_int_any raise theirs in t1, after a guard's exit. */
static const struct {
  const char *file;
  ErrorKind kind;
  int op;
} jit_errors[] = {
  {"t2_error_type.tas", ERR_TYPE, UOP_BNOT},
  {"t2_error_index.tas", ERR_INDEX, UOP_GET_ARRAY_INT},
  {"t2_error_divzero.tas", ERR_DIV_ZERO, UOP_IDIV_INT},
  {"t2_fuel_loop.tas", ERR_FUEL, TOP_LOOP},
  {"t2_fuel_call.tas", ERR_FUEL, TOP_PUSH_FRAME_DEFERRED},
  {"t2_fuel_call_nested.tas", ERR_FUEL, TOP_PUSH_FRAME},
  {"t2_depth_inlined.tas", ERR_DEPTH, TOP_PUSH_FRAME_DEFERRED},
  {"t2_error_heap.tas", ERR_HEAP, UOP_APPEND_ARRAY},
  {"jit_error_output.tas", ERR_OUTPUT, UOP_PRINT},
  {"jit_convert_probe.tas", ERR_CONVERSION, UOP_TO_INT},
};

static void test_errors(int ndirs, char **dirs) {
  for (size_t i = 0; i < ARRAY_LEN(jit_errors); i++) {
    char path[2048] = "";
    for (int d = 0; d < ndirs; d++) {
      snprintf(path, sizeof path, "%s/%s", dirs[d], jit_errors[i].file);
      FILE *f = fopen(path, "r");
      if (f) {
        fclose(f);
        break;
      }
      path[0] = '\0';
    }
    CHECK_MSG(path[0], "%s not found", jit_errors[i].file);
    Module m;
    Limits limits;
    if (!path[0] || !load_program(path, &m, &limits)) continue;
    Observation ref, o;
    T2Stats st;
    memset(&st, 0, sizeof st);
    run_tier(&m, TIER_REF, 1, limits, NULL, &ref);
    run_tier(&m, TIER_JIT, 1, limits, &st, &o);
    ObsField diff = observation_diff(&ref, &o);
    CHECK_MSG(diff == OBS_AGREE, "%s: differs from ref in %s", path, obs_field_name[diff]);
    CHECK_MSG(o.error == jit_errors[i].kind, "%s: error %s, want %s", path, error_kind_name[o.error],
              error_kind_name[jit_errors[i].kind]);
    CHECK_MSG(st.jit_left_op[jit_errors[i].op] > 0, "%s: compiled code never left at %s", path,
              trace_op_name(jit_errors[i].op));
    observation_free(&ref);
    observation_free(&o);
    module_free(&m);
  }
}

int main(int argc, char **argv) {
  for (size_t i = 0; i < ARRAY_LEN(sets); i++) {
    test_set_complete(sets[i]);
    test_set_patched(sets[i]);
    test_emit_refuses_open_end(sets[i]);
  }
  test_wx_compiled();
  test_wx_run();
  test_corpus(argc - 1, argv + 1);
  test_errors(argc - 1, argv + 1);
  return check_summary("test_jit");
}
