/* test_reloc.c: reloc_apply, reloc_branch_reaches and reloc_veneer (jit/reloc_apply.c).
 *
 * Every relocation kind is patched into a real template instruction, as the assembler
 * leaves it (the field zero, the rest of the instruction intact), and the result is
 * compared with:
 *   - golden words produced by real linkers (GNU ld 2.40 and ld.lld 14 agreed on every
 *     one) linking objects assembled by llvm-mc, and by `llvm-mc -show-encoding` for the
 *     veneer instructions; see the comment above `golden`;
 *   - the encoding recomputed here with explicit field arithmetic (division and masks,
 *     not the shifts of the implementation), over many values.
 * Then the range and alignment boundaries (the last value accepted on each side, the first
 * refused, misaligned values), templates whose field is not zero, the reach predicate and
 * the veneer bytes. A refused patch must leave every byte as it was. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "reloc.h"

/* ---- instruction templates (A64 encodings from the Arm ARM, register numbers 0) ---- */

#define MOVZ_X0 0xd2800000u      /* movz x0, #0 */
#define MOVK_X0_16 0xf2a00000u   /* movk x0, #0, lsl #16 */
#define MOVK_X0_32 0xf2c00000u   /* movk x0, #0, lsl #32 */
#define MOVK_X0_48 0xf2e00000u   /* movk x0, #0, lsl #48 */
#define ADRP_X0 0x90000000u      /* adrp x0, 0 */
#define ADD_X0 0x91000000u       /* add x0, x0, #0 */
#define LDRB_W0 0x39400000u      /* ldrb w0, [x0] */
#define LDRH_W0 0x79400000u      /* ldrh w0, [x0] */
#define LDR_W0 0xb9400000u       /* ldr w0, [x0] */
#define LDR_X0 0xf9400000u       /* ldr x0, [x0] */
#define LDR_Q0 0x3dc00000u       /* ldr q0, [x0] */
#define B_EQ 0x54000000u         /* b.eq . */
#define CBZ_X0 0xb4000000u       /* cbz x0, . */
#define B 0x14000000u            /* b . */
#define BL 0x94000000u           /* bl . */

/* Field masks, written out from the encoding diagrams. */
#define F_IMM16 0x001fffe0u      /* bits 5..20 */
#define F_ADRP 0x60ffffe0u       /* immlo 29..30, immhi 5..23 */
#define F_IMM12 0x003ffc00u      /* bits 10..21 */
#define F_IMM19 0x00ffffe0u      /* bits 5..23 */
#define F_IMM26 0x03ffffffu      /* bits 0..25 */

#define MIB (INT64_C(1) << 20)
#define GIB (INT64_C(1) << 30)

/* ---- harness: patch inside a guarded, deliberately unaligned buffer ---- */

enum { GUARD = 5, BUFSZ = 32 };

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t rd64(const uint8_t *p) {
  return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static char why[256];

/* Applies k to `n` template bytes placed at an odd offset between 0xa5 guard bytes.
   On success *out receives the patched bytes; the guards must be untouched either way,
   and a refused patch must leave the template untouched and give a reason. */
static int apply_bytes(RelocKind k, const uint8_t *tmpl, size_t n, uint64_t P, uint64_t value, uint8_t *out) {
  uint8_t buf[BUFSZ];
  memset(buf, 0xa5, sizeof buf);
  memcpy(buf + GUARD, tmpl, n);
  why[0] = 0;
  int ok = reloc_apply(k, buf + GUARD, P, value, why, sizeof why);
  int guards = 1;
  for (size_t i = 0; i < sizeof buf; i++)
    if ((i < GUARD || i >= GUARD + n) && buf[i] != 0xa5) guards = 0;
  CHECK_MSG(guards, "%s wrote outside its field (P 0x%llx)", reloc_name[k], (unsigned long long)P);
  if (ok) {
    memcpy(out, buf + GUARD, n);
  } else {
    CHECK_MSG(memcmp(buf + GUARD, tmpl, n) == 0, "%s wrote although it failed", reloc_name[k]);
    CHECK_MSG(why[0] != 0, "%s failed without a reason", reloc_name[k]);
    CHECK_MSG(strstr(why, reloc_name[k]) != NULL, "reason does not name the relocation: %s", why);
  }
  return ok;
}

/* A 4-byte instruction word or x86-64 field: the patched word, or FAILED on refusal. */
static const uint64_t FAILED = UINT64_C(0xdeadbeefdeadbeef);

static uint64_t patch32(RelocKind k, uint32_t tmpl, uint64_t P, uint64_t value) {
  uint8_t in[4], out[4];
  wr32(in, tmpl);
  return apply_bytes(k, in, 4, P, value, out) ? rd32(out) : FAILED;
}

static uint64_t patch64(RelocKind k, uint64_t P, uint64_t value) {
  uint8_t in[8] = {0}, out[8];
  return apply_bytes(k, in, 8, P, value, out) ? rd64(out) : FAILED;
}

#define CHECK_WORD(got, want, ...)                                                                 \
  do {                                                                                             \
    uint64_t got_ = (got), want_ = (want);                                                         \
    CHECK_MSG(got_ == want_, "got 0x%llx, want 0x%llx: %s", (unsigned long long)got_,              \
              (unsigned long long)want_, why);                                                     \
  } while (0)

/* ---- golden encodings from real linkers ----
 * a64.s / x64.s hold one instruction per kind with the relocated operand referring to an
 * undefined symbol (e.g. `ldr q0, [x0, #:lo12:s_q]`, `bl s_call2+8`, `movq $s_32s, %rax`,
 * `jmp s_fn2`). Assembled with llvm-mc -filetype=obj, linked with aarch64-linux-gnu-ld /
 * ld and with ld.lld (-static -Ttext=T --defsym=s_...=V), read back with llvm-objcopy:
 * the words below are the linkers' output; P is the relocated place, value S + A. The
 * same harness compared every relocation of three AArch64 and two x86-64 placements. */
typedef struct {
  RelocKind k;
  uint32_t tmpl;
  uint64_t P, value;
  uint32_t want;
} Golden;

static const Golden golden[] = {
  {RELOC_AARCH64_MOVW_UABS_G0_NC, MOVZ_X0, 0x400000, 0x123456789abcdef0, 0xd29bde00},
  {RELOC_AARCH64_MOVW_UABS_G1_NC, MOVK_X0_16, 0x400004, 0x123456789abcdef0, 0xf2b35780},
  {RELOC_AARCH64_MOVW_UABS_G2_NC, MOVK_X0_32, 0x400008, 0x123456789abcdef0, 0xf2cacf00},
  {RELOC_AARCH64_MOVW_UABS_G3, MOVK_X0_48, 0x40000c, 0x123456789abcdef0, 0xf2e24680},
  {RELOC_AARCH64_MOVW_UABS_G0_NC, 0xf2800001 /* movk x1 */, 0x400010, 0x123456789abcf124, 0xf29e2481},
  {RELOC_AARCH64_MOVW_UABS_G1_NC, 0xd2a00002 /* movz x2, lsl 16 */, 0x200000014, UINT64_MAX, 0xd2bfffe2},
  {RELOC_AARCH64_MOVW_UABS_G3, MOVK_X0_48, 0x20000000c, UINT64_MAX, 0xf2ffffe0},
  {RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, 0x400018, 0x12745abc, 0xb0091a20},
  {RELOC_AARCH64_ADR_PREL_PG_HI21, 0x90000003 /* adrp x3 */, 0x40001c, 0x9acd, 0xb0ffe043},
  {RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, 0x200000018, 0x2fffffabc, 0xf07fffe0},     /* +4 GiB - 4 KiB */
  {RELOC_AARCH64_ADR_PREL_PG_HI21, 0x90000003, 0x20000001c, 0x100000000, 0x90800003},  /* -4 GiB */
  {RELOC_AARCH64_ADD_ABS_LO12_NC, ADD_X0, 0x400020, 0x12745abc, 0x912af000},
  {RELOC_AARCH64_ADD_ABS_LO12_NC, 0x910000c5 /* add x5, x6 */, 0x400024, 0x12745ac4, 0x912b10c5},
  {RELOC_AARCH64_LDST8_ABS_LO12_NC, LDRB_W0, 0x400028, 0x1003, 0x39400c00},
  {RELOC_AARCH64_LDST8_ABS_LO12_NC, LDRB_W0, 0x200000028, 0xfff, 0x397ffc00},
  {RELOC_AARCH64_LDST8_ABS_LO12_NC, 0x39000041 /* strb w1, [x2] */, 0x40002c, 0x1004, 0x39001041},
  {RELOC_AARCH64_LDST16_ABS_LO12_NC, LDRH_W0, 0x400030, 0x2ffe, 0x795ffc00},
  {RELOC_AARCH64_LDST16_ABS_LO12_NC, LDRH_W0, 0x200000030, 0x7fe, 0x794ffc00},
  {RELOC_AARCH64_LDST32_ABS_LO12_NC, LDR_W0, 0x400034, 0xabc, 0xb94abc00},
  {RELOC_AARCH64_LDST32_ABS_LO12_NC, 0xbd400001 /* ldr s1, [x0] */, 0x200000038, 0xffc, 0xbd4ffc01},
  {RELOC_AARCH64_LDST64_ABS_LO12_NC, LDR_X0, 0x40003c, 0x5ff8, 0xf947fc00},
  {RELOC_AARCH64_LDST64_ABS_LO12_NC, 0xfd400062 /* ldr d2, [x3] */, 0x400040, 0x5ff8, 0xfd47fc62},
  {RELOC_AARCH64_LDST128_ABS_LO12_NC, LDR_Q0, 0x400044, 0xffe0, 0x3dc3f800},
  {RELOC_AARCH64_LDST128_ABS_LO12_NC, 0x3d800127 /* str q7, [x9] */, 0x400048, 0xfff0, 0x3d83fd27},
  {RELOC_AARCH64_CONDBR19, B_EQ, 0x40004c, 0x40104c, 0x54008000},
  {RELOC_AARCH64_CONDBR19, 0x54000001 /* b.ne */, 0x400050, 0x3fe050, 0x54ff0001},
  {RELOC_AARCH64_CONDBR19, CBZ_X0, 0x400054, 0x40104c, 0xb4007fc0},
  {RELOC_AARCH64_CONDBR19, 0x35000003 /* cbnz w3 */, 0x400058, 0x3fe050, 0x35feffc3},
  {RELOC_AARCH64_CONDBR19, B_EQ, 0x20000004c, 0x200100048, 0x547fffe0},                 /* +1 MiB - 4 */
  {RELOC_AARCH64_CONDBR19, 0x35000003, 0x200000058, 0x1fff00058, 0x35800003},           /* -1 MiB */
  {RELOC_AARCH64_JUMP26, B, 0x40005c, 0x5234ac, 0x14048d14},
  {RELOC_AARCH64_JUMP26, B, 0x400060, 0x3bbc20, 0x17feeef0},
  {RELOC_AARCH64_JUMP26, B, 0x20000005c, 0x208000058, 0x15ffffff},                      /* +128 MiB - 4 */
  {RELOC_AARCH64_JUMP26, B, 0x200000060, 0x1f8000060, 0x16000000},                      /* -128 MiB */
  {RELOC_AARCH64_CALL26, BL, 0x400064, 0x4000a4, 0x94000010},
  {RELOC_AARCH64_CALL26, BL, 0x400068, 0x3ffc74, 0x97ffff03},
  {RELOC_AARCH64_CALL26, BL, 0x200000064, 0x208000060, 0x95ffffff},
  {RELOC_AARCH64_CALL26, BL, 0x200000068, 0x1f8000068, 0x96000000},
  /* x86-64 rel32 / imm32 fields (the template bytes are zero) */
  {RELOC_X86_64_PC32, 0, 0x200000017, 0x280000016, 0x7fffffff},
  {RELOC_X86_64_PC32, 0, 0x20000001e, 0x18000001e, 0x80000000},
  {RELOC_X86_64_PLT32, 0, 0x200000023, 0x180000023, 0x80000000},
  {RELOC_X86_64_PLT32, 0, 0x200000028, 0x280000027, 0x7fffffff},
  {RELOC_X86_64_32S, 0, 0x20000002f, 0xffffffff80000000, 0x80000000},
  {RELOC_X86_64_32S, 0, 0x200000037, 0x7fffffff, 0x7fffffff},
};

static void test_golden(void) {
  for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++) {
    const Golden *g = &golden[i];
    CHECK_WORD(patch32(g->k, g->tmpl, g->P, g->value), g->want);
  }
  /* 64-bit words (the linkers wrote the value's little-endian bytes). */
  uint8_t zero[8] = {0}, out[8];
  static const uint8_t want_abs[8] = {0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12};
  CHECK(apply_bytes(RELOC_AARCH64_ABS64, zero, 8, 0x400070, 0x123456789abcdef0, out) && memcmp(out, want_abs, 8) == 0);
  CHECK(apply_bytes(RELOC_X86_64_64, zero, 8, 0x400002, 0x123456789abcdef0, out) && memcmp(out, want_abs, 8) == 0);
  static const uint8_t want_top[8] = {0, 0, 0, 0, 0, 0, 0, 0x80};
  CHECK(apply_bytes(RELOC_X86_64_64, zero, 8, 0x200000002, 0x8000000000000000, out) && memcmp(out, want_top, 8) == 0);
}

/* ---- field arithmetic, recomputed independently over many values ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void) {  /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * UINT64_C(2685821657736338717);
}

/* Signed distance b - a for addresses below 2^63, as the ABI's X. */
static int64_t dist(uint64_t a, uint64_t b) {
  return b >= a ? (int64_t)(b - a) : -(int64_t)(a - b);
}

/* Two's complement of x in `bits` bits. */
static uint32_t twos(int64_t x, int bits) {
  int64_t m = INT64_C(1) << bits;
  int64_t r = x % m;
  if (r < 0) r += m;
  return (uint32_t)r;
}

static void test_arithmetic(void) {
  for (int i = 0; i < 2000; i++) {
    uint64_t v = rnd();
    /* P: a 4-byte-aligned address in the lower half, so dist() is exact. */
    uint64_t P = (rnd() >> 17) & ~UINT64_C(3);

    /* MOVW: imm16 = 16-bit group g of v. */
    static const RelocKind movw[4] = {RELOC_AARCH64_MOVW_UABS_G0_NC, RELOC_AARCH64_MOVW_UABS_G1_NC,
                                      RELOC_AARCH64_MOVW_UABS_G2_NC, RELOC_AARCH64_MOVW_UABS_G3};
    static const uint32_t movw_tmpl[4] = {MOVZ_X0, MOVK_X0_16, MOVK_X0_32, MOVK_X0_48};
    uint64_t group = v;
    for (int g = 0; g < 4; g++) {
      uint32_t imm16 = (uint32_t)(group % 65536);
      group /= 65536;
      CHECK_WORD(patch32(movw[g], movw_tmpl[g], P, v), movw_tmpl[g] + imm16 * 32);
    }

    /* ADD / LDSTn: imm12 = (v mod 4096) / size, for v aligned to size. */
    static const RelocKind lo12[6] = {RELOC_AARCH64_ADD_ABS_LO12_NC, RELOC_AARCH64_LDST8_ABS_LO12_NC,
                                      RELOC_AARCH64_LDST16_ABS_LO12_NC, RELOC_AARCH64_LDST32_ABS_LO12_NC,
                                      RELOC_AARCH64_LDST64_ABS_LO12_NC, RELOC_AARCH64_LDST128_ABS_LO12_NC};
    static const uint32_t lo12_tmpl[6] = {ADD_X0, LDRB_W0, LDRH_W0, LDR_W0, LDR_X0, LDR_Q0};
    static const uint64_t lo12_size[6] = {1, 1, 2, 4, 8, 16};
    for (int j = 0; j < 6; j++) {
      uint64_t a = v - v % lo12_size[j];
      uint32_t imm12 = (uint32_t)(a % 4096 / lo12_size[j]);
      CHECK_WORD(patch32(lo12[j], lo12_tmpl[j], P, a), lo12_tmpl[j] + imm12 * 1024);
    }

    /* ADRP: X = Page(v) - Page(P) within +-4 GiB; imm21 = X / 4096; immlo, immhi. */
    uint64_t near = P + (v % (8 * (uint64_t)GIB)) - 4 * (uint64_t)GIB;  /* P + [-4, +4) GiB */
    int64_t pages = dist(P - P % 4096, near - near % 4096) / 4096;
    if (pages >= -(1 << 20) && pages < (1 << 20)) {
      uint32_t imm21 = twos(pages, 21);
      CHECK_WORD(patch32(RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, P, near),
                 ADRP_X0 + (imm21 % 4) * (1u << 29) + (imm21 / 4) * 32);
    }

    /* Branches: imm = X / 4 in 19 or 26 bits. */
    int64_t off19 = (int64_t)(v % (2 * MIB)) - MIB;
    off19 -= off19 % 4;
    CHECK_WORD(patch32(RELOC_AARCH64_CONDBR19, CBZ_X0, P, P + (uint64_t)off19),
               CBZ_X0 + twos(off19 / 4, 19) * 32);
    int64_t off26 = (int64_t)(v % (256 * MIB)) - 128 * MIB;
    off26 -= off26 % 4;
    CHECK_WORD(patch32(RELOC_AARCH64_JUMP26, B, P, P + (uint64_t)off26), B + twos(off26 / 4, 26));
    CHECK_WORD(patch32(RELOC_AARCH64_CALL26, BL, P, P + (uint64_t)off26), BL + twos(off26 / 4, 26));

    /* x86-64 rel32: the field is the little-endian two's complement of v - P. */
    int64_t rel = (int64_t)(v % (UINT64_C(1) << 32)) - (INT64_C(1) << 31);
    CHECK_WORD(patch32(RELOC_X86_64_PC32, 0, P, P + (uint64_t)rel), twos(rel, 32));
    CHECK_WORD(patch32(RELOC_X86_64_PLT32, 0, P, P + (uint64_t)rel), twos(rel, 32));
    /* 32S: v sign-extended from 32 bits. */
    uint64_t s32 = rel < 0 ? (uint64_t)0 - (uint64_t)(-rel) : (uint64_t)rel;
    CHECK_WORD(patch32(RELOC_X86_64_32S, 0, P, s32), twos(rel, 32));
    /* 64-bit words. */
    CHECK_WORD(patch64(RELOC_X86_64_64, P, v), v);
    CHECK_WORD(patch64(RELOC_AARCH64_ABS64, P, v), v);
  }
}

/* ---- boundaries: the last value accepted, the first refused, misalignment ---- */

static void expect_refused(RelocKind k, uint32_t tmpl, uint64_t P, uint64_t value, const char *words) {
  CHECK_WORD(patch32(k, tmpl, P, value), FAILED);
  CHECK_MSG(strstr(why, words) != NULL, "reason \"%s\" lacks \"%s\"", why, words);
}

static void test_boundaries(void) {
  const uint64_t P = 0x7f0012345678;  /* 8-aligned, mid-page */

  /* x86-64 rel32: -2^31 <= X < 2^31. */
  for (int plt = 0; plt < 2; plt++) {
    RelocKind k = plt ? RELOC_X86_64_PLT32 : RELOC_X86_64_PC32;
    CHECK_WORD(patch32(k, 0, P, P + 0x7fffffff), 0x7fffffff);
    CHECK_WORD(patch32(k, 0, P, P - 0x80000000), 0x80000000);
    CHECK_WORD(patch32(k, 0, P, P), 0);
    CHECK_WORD(patch32(k, 0, P, P - 1), 0xffffffff);
    expect_refused(k, 0, P, P + 0x80000000, "out of range");
    expect_refused(k, 0, P, P - 0x80000001, "out of range");
    expect_refused(k, 0, P, P + (UINT64_C(1) << 40), "out of range");
    /* S + A - P is computed modulo 2^64, as a linker does: across the top of the address
       space the distance is still +0x20. */
    CHECK_WORD(patch32(k, 0, 0xfffffffffffffff0, 0x10), 0x20);
  }
  /* The message format the emitter reports. */
  CHECK_WORD(patch32(RELOC_AARCH64_CALL26, BL, 0x1000, 0x1000 + 128 * MIB), FAILED);
  CHECK_STR(why, "R_AARCH64_CALL26 target 0x8001000 out of range from 0x1000 (+-128 MiB)");

  /* 32S: the value sign-extended from 32 bits must equal itself. */
  CHECK_WORD(patch32(RELOC_X86_64_32S, 0, P, 0x7fffffff), 0x7fffffff);
  CHECK_WORD(patch32(RELOC_X86_64_32S, 0, P, 0xffffffff80000000), 0x80000000);
  CHECK_WORD(patch32(RELOC_X86_64_32S, 0, P, UINT64_MAX), 0xffffffff);
  CHECK_WORD(patch32(RELOC_X86_64_32S, 0, P, 0), 0);
  expect_refused(RELOC_X86_64_32S, 0, P, 0x80000000, "sign-extended");
  expect_refused(RELOC_X86_64_32S, 0, P, 0xffffffff, "sign-extended");
  expect_refused(RELOC_X86_64_32S, 0, P, 0xffffffff7fffffff, "sign-extended");
  expect_refused(RELOC_X86_64_32S, 0, P, 0x100000000, "sign-extended");

  /* 64-bit words take anything. */
  CHECK_WORD(patch64(RELOC_X86_64_64, P, UINT64_MAX), UINT64_MAX);
  CHECK_WORD(patch64(RELOC_AARCH64_ABS64, P, 1), 1);

  /* MOVW _NC and G3: no overflow check; each takes its own 16 bits. */
  CHECK_WORD(patch32(RELOC_AARCH64_MOVW_UABS_G0_NC, MOVZ_X0, P, 0xffffffffffff0001), MOVZ_X0 | 1u << 5);
  CHECK_WORD(patch32(RELOC_AARCH64_MOVW_UABS_G1_NC, MOVK_X0_16, P, 0xffff0002ffffffff), MOVK_X0_16 | 0xffffu << 5);
  CHECK_WORD(patch32(RELOC_AARCH64_MOVW_UABS_G2_NC, MOVK_X0_32, P, 0x0000abcd00000000), MOVK_X0_32 | 0xabcdu << 5);
  CHECK_WORD(patch32(RELOC_AARCH64_MOVW_UABS_G3, MOVK_X0_48, P, 0x8000000000000000), MOVK_X0_48 | 0x8000u << 5);
  CHECK_WORD(patch32(RELOC_AARCH64_MOVW_UABS_G3, MOVK_X0_48, P, 0x0000ffffffffffff), MOVK_X0_48);

  /* ADRP: -2^32 <= Page(v) - Page(P) < 2^32; the low 12 bits of either do not matter. */
  const uint64_t pg = P & ~UINT64_C(0xfff);
  CHECK_WORD(patch32(RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, P, pg + 4 * (uint64_t)GIB - 4096 + 0xfff),
             ADRP_X0 | 3u << 29 | 0x3ffffu << 5);  /* imm21 = 0x0fffff */
  CHECK_WORD(patch32(RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, P, pg - 4 * (uint64_t)GIB),
             ADRP_X0 | 0x40000u << 5);             /* imm21 = 0x100000 */
  CHECK_WORD(patch32(RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, P, pg), ADRP_X0);
  CHECK_WORD(patch32(RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, P, pg + 0xfff), ADRP_X0);
  CHECK_WORD(patch32(RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, P, pg - 1), ADRP_X0 | 3u << 29 | 0x7ffffu << 5);
  CHECK_WORD(patch32(RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, P, pg + 4096), ADRP_X0 | 1u << 29);
  expect_refused(RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, P, pg + 4 * (uint64_t)GIB, "out of range");
  expect_refused(RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, P, pg - 4 * (uint64_t)GIB - 1, "out of range");

  /* LDSTn: the value must be a multiple of the access size; ADD and LDST8 take any. */
  static const RelocKind lo12[5] = {RELOC_AARCH64_LDST8_ABS_LO12_NC, RELOC_AARCH64_LDST16_ABS_LO12_NC,
                                    RELOC_AARCH64_LDST32_ABS_LO12_NC, RELOC_AARCH64_LDST64_ABS_LO12_NC,
                                    RELOC_AARCH64_LDST128_ABS_LO12_NC};
  static const uint32_t lo12_tmpl[5] = {LDRB_W0, LDRH_W0, LDR_W0, LDR_X0, LDR_Q0};
  for (unsigned s = 0; s < 5; s++) {
    uint64_t size = UINT64_C(1) << s;
    uint64_t top = 0x12345000 + 4096 - size;  /* the last aligned offset of a page */
    CHECK_WORD(patch32(lo12[s], lo12_tmpl[s], P, top), lo12_tmpl[s] | (uint32_t)((4096 - size) / size) << 10);
    CHECK_WORD(patch32(lo12[s], lo12_tmpl[s], P, 0x12345000), lo12_tmpl[s]);
    for (uint64_t off = 1; off < size; off++)
      expect_refused(lo12[s], lo12_tmpl[s], P, 0x12345000 + off, "aligned");
  }
  CHECK_WORD(patch32(RELOC_AARCH64_ADD_ABS_LO12_NC, ADD_X0, P, 0xffffffffffffffff), ADD_X0 | 0xfffu << 10);
  CHECK_WORD(patch32(RELOC_AARCH64_LDST8_ABS_LO12_NC, LDRB_W0, P, 0x1fff), LDRB_W0 | 0xfffu << 10);

  /* CONDBR19: -2^20 <= X < 2^20, a multiple of 4. */
  static const uint32_t cond_tmpl[2] = {B_EQ, CBZ_X0};
  for (int c = 0; c < 2; c++) {
    RelocKind k = RELOC_AARCH64_CONDBR19;
    CHECK_WORD(patch32(k, cond_tmpl[c], P, P + MIB - 4), cond_tmpl[c] | 0x3ffffu << 5);
    CHECK_WORD(patch32(k, cond_tmpl[c], P, P - MIB), cond_tmpl[c] | 0x40000u << 5);
    CHECK_WORD(patch32(k, cond_tmpl[c], P, P - 4), cond_tmpl[c] | 0x7ffffu << 5);
    CHECK_WORD(patch32(k, cond_tmpl[c], P, P), cond_tmpl[c]);
    expect_refused(k, cond_tmpl[c], P, P + MIB, "out of range");
    expect_refused(k, cond_tmpl[c], P, P - MIB - 4, "out of range");
    expect_refused(k, cond_tmpl[c], P, P + 2, "multiple of 4");
    expect_refused(k, cond_tmpl[c], P, P - 1, "multiple of 4");
    expect_refused(k, cond_tmpl[c], P + 1, P + 8, "multiple of 4");
  }

  /* JUMP26 / CALL26: -2^27 <= X < 2^27, a multiple of 4. */
  static const RelocKind br[2] = {RELOC_AARCH64_JUMP26, RELOC_AARCH64_CALL26};
  static const uint32_t br_tmpl[2] = {B, BL};
  for (int b = 0; b < 2; b++) {
    CHECK_WORD(patch32(br[b], br_tmpl[b], P, P + 128 * MIB - 4), br_tmpl[b] | 0x1ffffffu);
    CHECK_WORD(patch32(br[b], br_tmpl[b], P, P - 128 * MIB), br_tmpl[b] | 0x2000000u);
    CHECK_WORD(patch32(br[b], br_tmpl[b], P, P - 4), br_tmpl[b] | 0x3ffffffu);
    CHECK_WORD(patch32(br[b], br_tmpl[b], P, P + 4), br_tmpl[b] | 1u);
    expect_refused(br[b], br_tmpl[b], P, P + 128 * MIB, "out of range");
    expect_refused(br[b], br_tmpl[b], P, P - 128 * MIB - 4, "out of range");
    expect_refused(br[b], br_tmpl[b], P, P + 4 * (uint64_t)GIB, "out of range");
    expect_refused(br[b], br_tmpl[b], P, P + 6, "multiple of 4");
    expect_refused(br[b], br_tmpl[b], P, P - 128 * MIB + 2, "multiple of 4");
  }
}

/* ---- a template whose field is not zero is refused ---- */

static void test_nonzero_field(void) {
  const uint64_t P = 0x400000;
  struct { RelocKind k; uint32_t tmpl, bit; uint64_t value; } cases[] = {
    {RELOC_AARCH64_MOVW_UABS_G0_NC, MOVZ_X0, 1u << 5, 0x1234},
    {RELOC_AARCH64_MOVW_UABS_G1_NC, MOVK_X0_16, 1u << 20, 0x12340000},
    {RELOC_AARCH64_MOVW_UABS_G2_NC, MOVK_X0_32, 1u << 12, 0},
    {RELOC_AARCH64_MOVW_UABS_G3, MOVK_X0_48, 1u << 5, 0},
    {RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, 1u << 29, P + 0x5000},  /* immlo */
    {RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, 1u << 30, P},
    {RELOC_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, 1u << 23, P},           /* immhi */
    {RELOC_AARCH64_ADD_ABS_LO12_NC, ADD_X0, 1u << 10, 0x10},
    {RELOC_AARCH64_LDST8_ABS_LO12_NC, LDRB_W0, 1u << 21, 0x10},
    {RELOC_AARCH64_LDST16_ABS_LO12_NC, LDRH_W0, 1u << 10, 0x10},
    {RELOC_AARCH64_LDST32_ABS_LO12_NC, LDR_W0, 1u << 15, 0x10},
    {RELOC_AARCH64_LDST64_ABS_LO12_NC, LDR_X0, 1u << 10, 0x10},
    {RELOC_AARCH64_LDST128_ABS_LO12_NC, LDR_Q0, 1u << 21, 0x10},
    {RELOC_AARCH64_CONDBR19, B_EQ, 1u << 5, P + 8},
    {RELOC_AARCH64_CONDBR19, CBZ_X0, 1u << 23, P + 8},
    {RELOC_AARCH64_JUMP26, B, 1u << 0, P + 8},
    {RELOC_AARCH64_CALL26, BL, 1u << 25, P + 8},
    {RELOC_X86_64_PC32, 0, 1u << 0, P + 8},
    {RELOC_X86_64_PLT32, 0, 1u << 31, P + 8},
    {RELOC_X86_64_32S, 0, 1u << 16, 8},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK_WORD(patch32(cases[i].k, cases[i].tmpl | cases[i].bit, P, cases[i].value), FAILED);
    CHECK_MSG(strstr(why, "not zero") || strstr(why, "nonzero"), "%s: %s", reloc_name[cases[i].k], why);
  }
  /* Every byte of a 64-bit field is checked. */
  for (int byte = 0; byte < 8; byte++) {
    uint8_t in[8] = {0}, out[8];
    in[byte] = 0x40;
    CHECK(!apply_bytes(RELOC_X86_64_64, in, 8, P, 1, out));
    CHECK(!apply_bytes(RELOC_AARCH64_ABS64, in, 8, P, 1, out));
    CHECK(strstr(why, "not zero") != NULL);
  }
  /* Patching twice: the second sees the first's bits. */
  uint8_t in[4], out[4];
  wr32(in, BL);
  CHECK(apply_bytes(RELOC_AARCH64_CALL26, in, 4, P, P + 16, out));
  CHECK(!apply_bytes(RELOC_AARCH64_CALL26, out, 4, P, P + 16, in));
  /* Bits outside the field (registers, condition, opcode) are kept, even all ones. */
  CHECK_WORD(patch32(RELOC_AARCH64_ADD_ABS_LO12_NC, ~F_IMM12, P, 0xabc), ~F_IMM12 | 0xabcu << 10);
  CHECK_WORD(patch32(RELOC_AARCH64_MOVW_UABS_G0_NC, ~F_IMM16, P, 0x5a5a), ~F_IMM16 | 0x5a5au << 5);
  CHECK_WORD(patch32(RELOC_AARCH64_ADR_PREL_PG_HI21, ~F_ADRP, P, P + 4096 * 6), ~F_ADRP | 2u << 29 | 1u << 5);
  CHECK_WORD(patch32(RELOC_AARCH64_CONDBR19, ~F_IMM19, P, P + 8), ~F_IMM19 | 2u << 5);
  CHECK_WORD(patch32(RELOC_AARCH64_JUMP26, ~F_IMM26, P, P + 8), ~F_IMM26 | 2u);
}

/* ---- reloc_branch_reaches agrees with reloc_apply, for branches a veneer can replace ---- */

static void test_reaches(void) {
  const uint64_t P = 0x7f0012345678;
  CHECK(reloc_branch_reaches(RELOC_X86_64_PC32, P, P + 0x7fffffff));
  CHECK(!reloc_branch_reaches(RELOC_X86_64_PC32, P, P + 0x80000000));
  CHECK(reloc_branch_reaches(RELOC_X86_64_PLT32, P, P - 0x80000000));
  CHECK(!reloc_branch_reaches(RELOC_X86_64_PLT32, P, P - 0x80000001));
  CHECK(reloc_branch_reaches(RELOC_AARCH64_JUMP26, P, P + 128 * MIB - 4));
  CHECK(!reloc_branch_reaches(RELOC_AARCH64_JUMP26, P, P + 128 * MIB));
  CHECK(reloc_branch_reaches(RELOC_AARCH64_CALL26, P, P - 128 * MIB));
  CHECK(!reloc_branch_reaches(RELOC_AARCH64_CALL26, P, P - 128 * MIB - 4));
  CHECK(!reloc_branch_reaches(RELOC_AARCH64_CALL26, P, P + 2));
  CHECK(!reloc_branch_reaches(RELOC_AARCH64_JUMP26, P, UINT64_C(0x10000)));
  /* Not a veneer-able branch: always false, even at distance 0. */
  for (int k = 0; k < RELOC__COUNT; k++) {
    int branch = k == RELOC_X86_64_PC32 || k == RELOC_X86_64_PLT32 || k == RELOC_AARCH64_JUMP26 ||
                 k == RELOC_AARCH64_CALL26;
    if (!branch) CHECK_MSG(!reloc_branch_reaches((RelocKind)k, P, P + 8), "%s", reloc_name[k]);
  }
  /* Same answer as reloc_apply around every edge. */
  static const RelocKind br[4] = {RELOC_X86_64_PC32, RELOC_X86_64_PLT32, RELOC_AARCH64_JUMP26, RELOC_AARCH64_CALL26};
  static const uint32_t tmpl[4] = {0, 0, B, BL};
  static const int64_t edge[4] = {INT64_C(1) << 31, INT64_C(1) << 31, 128 * MIB, 128 * MIB};
  for (int b = 0; b < 4; b++)
    for (int side = -1; side <= 1; side += 2)
      for (int64_t d = -8; d <= 8; d++) {
        uint64_t target = P + (uint64_t)(side * edge[b] + d);
        int reaches = reloc_branch_reaches(br[b], P, target);
        int applies = patch32(br[b], tmpl[b], P, target) != FAILED;
        CHECK_MSG(reaches == applies, "%s d=%lld: reaches %d, applies %d", reloc_name[br[b]],
                  (long long)(side * edge[b] + d), reaches, applies);
      }
}

/* ---- veneers ---- */

static void test_veneer(void) {
  CHECK(reloc_veneer(ARCH_X86_64, NULL, 0x1234) == 14);
  CHECK(reloc_veneer(ARCH_AARCH64, NULL, 0x1234) == 16);
  CHECK(reloc_veneer(ARCH__COUNT, NULL, 0x1234) == 0);

  uint8_t buf[24];
  /* x86-64: jmp *0(%rip) (ff 25 rel32=0), then the absolute target. */
  static const uint8_t want_x86[14] = {0xff, 0x25, 0, 0, 0, 0, 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12};
  memset(buf, 0xcc, sizeof buf);
  CHECK(reloc_veneer(ARCH_X86_64, buf + 1, 0x123456789abcdef0) == 14);
  CHECK(buf[0] == 0xcc && memcmp(buf + 1, want_x86, 14) == 0 && buf[15] == 0xcc);

  /* AArch64: ldr x16, #8 (llvm-mc: 50 00 00 58); br x16 (00 02 1f d6); the target. */
  static const uint8_t want_a64[16] = {0x50, 0x00, 0x00, 0x58, 0x00, 0x02, 0x1f, 0xd6,
                                       0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
  memset(buf, 0xcc, sizeof buf);
  CHECK(reloc_veneer(ARCH_AARCH64, buf + 3, 0x0102030405060708) == 16);
  CHECK(buf[2] == 0xcc && memcmp(buf + 3, want_a64, 16) == 0 && buf[19] == 0xcc);
  /* The ldr's imm19 is 2 words (8 bytes), Rt 16; br's Rn 16: decoded from the encoding. */
  CHECK(((rd32(want_a64) >> 5) & 0x7ffff) == 2 && (rd32(want_a64) & 31) == 16);
  CHECK(((rd32(want_a64 + 4) >> 5) & 31) == 16);
}

/* ---- odds and ends ---- */

static void test_misc(void) {
  /* An unknown kind is refused, nothing written. */
  uint8_t b[4] = {0};
  why[0] = 0;
  CHECK(!reloc_apply(RELOC__COUNT, b, 0, 0, why, sizeof why));
  CHECK(strstr(why, "unknown") != NULL);
  CHECK(rd32(b) == 0);
  /* why may be NULL, or too short: still refused, no overflow. */
  wr32(b, BL);
  CHECK(!reloc_apply(RELOC_AARCH64_CALL26, b, 0, 1 * GIB, NULL, 0));
  char tiny[8];
  memset(tiny, 'x', sizeof tiny);
  CHECK(!reloc_apply(RELOC_AARCH64_CALL26, b, 0, 1 * GIB, tiny, sizeof tiny));
  CHECK(tiny[7] == 0 && strncmp(tiny, "R_AARCH", 7) == 0);
  CHECK(rd32(b) == BL);
  /* Each kind belongs to the architecture its name says, and maps back from its ELF type. */
  for (int k = 0; k < RELOC__COUNT; k++) {
    JitArch want = strncmp(reloc_name[k], "R_X86_64_", 9) == 0 ? ARCH_X86_64 : ARCH_AARCH64;
    CHECK_MSG(reloc_arch[k] == want, "%s", reloc_name[k]);
    CHECK_MSG(reloc_from_elf(reloc_arch[k], reloc_elf_type[k]) == k, "%s", reloc_name[k]);
  }
}

int main(void) {
  test_golden();
  test_arithmetic();
  test_boundaries();
  test_nonzero_field();
  test_reaches();
  test_veneer();
  test_misc();
  return check_summary("test_reloc");
}
