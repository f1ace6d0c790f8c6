/* reloc_apply.c: applies one relocation of a copied stencil (reloc_apply), tells whether
 * a PC-relative branch reaches its target (reloc_branch_reaches), and writes the veneers
 * that carry the branches that do not (reloc_veneer).
 *
 * Sources: the System V AMD64 psABI (relocation types table) and the ELF for the Arm
 * 64-bit Architecture (AArch64) document, aaelf64 (static AArch64 relocations). In both,
 * S + A is the `value` argument and P the run-time address of the patched bytes; X is the
 * result of the relocation's operation. Both targets are little-endian; every access to
 * the patched bytes goes through memcpy into a byte array (unaligned access through a
 * wider type is undefined behaviour), so this file also runs on a big-endian host.
 *
 * x86-64: the field is a plain little-endian word at P.
 *
 *   R_X86_64_64      word64  X = S + A       no check
 *   R_X86_64_PC32    word32  X = S + A - P   -2^31 <= X < 2^31
 *   R_X86_64_PLT32   word32  X = L + A - P   as PC32, L = S (there is no PLT here)
 *   R_X86_64_32S     word32  X = S + A       X sign-extended from 32 bits equals S + A
 *
 * AArch64: the field is inside a 32-bit instruction word (bit 31 on the left).
 *
 *   R_AARCH64_ABS64            a 64-bit little-endian word, X = S + A, no check
 *
 *   MOVZ/MOVK (move wide):     sf opc 1 0 0 1 0 1 hw imm16 Rd
 *                              31 30..29 28......23 22..21 20......5 4..0
 *     MOVW_UABS_G0_NC  imm16 = X[15:0]   no check
 *     MOVW_UABS_G1_NC  imm16 = X[31:16]  no check
 *     MOVW_UABS_G2_NC  imm16 = X[47:32]  no check
 *     MOVW_UABS_G3     imm16 = X[63:48]  no check needed (nothing above bit 63)
 *
 *   ADRP:                      1 immlo 1 0 0 0 0 immhi Rd
 *                              31 30..29 28......24 23......5 4..0
 *     ADR_PREL_PG_HI21  X = Page(S + A) - Page(P), Page(x) = x & ~0xfff;
 *                       imm21 = X[32:12], immlo = imm21[1:0], immhi = imm21[20:2];
 *                       check -2^32 <= X < 2^32
 *
 *   ADD (immediate):           sf 0 0 1 0 0 0 1 0 sh imm12 Rn Rd
 *   LDR/STR (unsigned offset): size 1 1 1 V 0 1 opc imm12 Rn Rt
 *                              31..22 21......10 9..5 4..0
 *     ADD_ABS_LO12_NC     imm12 = X[11:0]    no check
 *     LDST8_ABS_LO12_NC   imm12 = X[11:0]    no check
 *     LDST16_ABS_LO12_NC  imm12 = X[11:1]    X a multiple of 2 (the imm12 is scaled)
 *     LDST32_ABS_LO12_NC  imm12 = X[11:2]    X a multiple of 4
 *     LDST64_ABS_LO12_NC  imm12 = X[11:3]    X a multiple of 8
 *     LDST128_ABS_LO12_NC imm12 = X[11:4]    X a multiple of 16
 *   (aaelf64: no overflow check, but "a linker should check that the value of X is
 *   aligned to a multiple of the datum size": a misaligned low part cannot be encoded.)
 *
 *   B.cond / CBZ / CBNZ:       ........ imm19 ....
 *                              31....24 23...5 4..0
 *     CONDBR19   X = S + A - P; imm19 = X[20:2]; check -2^20 <= X < 2^20 (+-1 MiB)
 *
 *   B / BL:                    op 0 0 1 0 1 imm26
 *                              31 30......26 25...0
 *     JUMP26, CALL26  X = S + A - P; imm26 = X[27:2]; check -2^27 <= X < 2^27 (+-128 MiB)
 *
 *   Control-flow offsets are multiples of 4 (aaelf64); a branch whose X is not is
 *   refused, since its low bits would be dropped silently.
 *
 * The assembler leaves the field of a RELA-relocated instruction zero (the addend is in
 * the relocation, not in the bytes), so a nonzero field means the template is not what
 * the extractor described: reloc_apply refuses to overwrite it. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reloc.h"

/* ---- bytes: little-endian, through memcpy ---- */

static uint32_t load32le(const uint8_t *where) {
  uint8_t b[4];
  memcpy(b, where, sizeof b);
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void store32le(uint8_t *where, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  memcpy(where, b, sizeof b);
}

static uint64_t load64le(const uint8_t *where) {
  return (uint64_t)load32le(where) | (uint64_t)load32le(where + 4) << 32;
}

static void store64le(uint8_t *where, uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
  memcpy(where, b, sizeof b);
}

/* ---- arithmetic ---- */

/* The two's-complement reading of v, without the implementation-defined conversion. */
static int64_t as_signed(uint64_t v) {
  return v <= (uint64_t)INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
}

/* True when lo <= x < hi. */
static bool in_range(int64_t x, int64_t lo, int64_t hi) {
  return x >= lo && x < hi;
}

#define MIB (INT64_C(1) << 20)
#define GIB (INT64_C(1) << 30)

/* True when a branch of kind k at P reaches `value` (S + A), range and alignment. */
static bool branch_fits(RelocKind k, uint64_t P, uint64_t value) {
  int64_t x = as_signed(value - P);
  switch (k) {
  case RELOC_X86_64_PC32:
  case RELOC_X86_64_PLT32:
    return in_range(x, INT32_MIN, (int64_t)INT32_MAX + 1);
  case RELOC_AARCH64_JUMP26:
  case RELOC_AARCH64_CALL26:
    return in_range(x, -128 * MIB, 128 * MIB) && x % 4 == 0;
  case RELOC_AARCH64_CONDBR19:
    return in_range(x, -1 * MIB, 1 * MIB) && x % 4 == 0;
  default:
    return false;
  }
}

/* ---- failure ---- */

static bool fail(char *why, size_t whycap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool fail(char *why, size_t whycap, const char *fmt, ...) {
  if (why && whycap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whycap, fmt, ap);
    va_end(ap);
  }
  return false;
}

/* ---- patching: check the field is blank, then write ---- */

/* Ors `bits` (already inside `mask`) into the instruction word at where, after checking
   that the instruction's bits under mask are zero. */
static bool patch_insn(RelocKind k, uint8_t *where, uint64_t P, uint32_t mask, uint32_t bits,
                       char *why, size_t whycap) {
  uint32_t insn = load32le(where);
  if (insn & mask)
    return fail(why, whycap,
                "%s at 0x%" PRIx64 ": field of instruction 0x%08" PRIx32 " not zero (bits 0x%08" PRIx32
                ", mask 0x%08" PRIx32 ")",
                reloc_name[k], P, insn, insn & mask, mask);
  store32le(where, insn | (bits & mask));
  return true;
}

static bool patch_word32(RelocKind k, uint8_t *where, uint64_t P, uint32_t v, char *why, size_t whycap) {
  uint32_t old = load32le(where);
  if (old)
    return fail(why, whycap,
                "%s at 0x%" PRIx64 ": the 4 bytes to patch are 0x%08" PRIx32 ", not zero",
                reloc_name[k], P, old);
  store32le(where, v);
  return true;
}

static bool patch_word64(RelocKind k, uint8_t *where, uint64_t P, uint64_t v, char *why, size_t whycap) {
  uint64_t old = load64le(where);
  if (old)
    return fail(why, whycap,
                "%s at 0x%" PRIx64 ": the 8 bytes to patch are 0x%016" PRIx64 ", not zero",
                reloc_name[k], P, old);
  store64le(where, v);
  return true;
}

/* Field masks of the AArch64 instruction classes above. */
enum {
  A64_IMM16 = 0xffffu << 5,                       /* MOVZ/MOVK imm16, bits 5..20 */
  A64_IMMHI = 0x7ffffu << 5,                      /* ADRP immhi, bits 5..23 */
  A64_IMMLO = 0x3u << 29,                         /* ADRP immlo, bits 29..30 */
  A64_IMM12 = 0xfffu << 10,                       /* ADD / LDR / STR imm12, bits 10..21 */
  A64_IMM19 = 0x7ffffu << 5,                      /* B.cond / CBZ / CBNZ imm19, bits 5..23 */
  A64_IMM26 = 0x3ffffffu,                         /* B / BL imm26, bits 0..25 */
};

static bool apply_movw(RelocKind k, uint8_t *where, uint64_t P, uint64_t value, unsigned shift,
                       char *why, size_t whycap) {
  uint32_t imm16 = (uint32_t)(value >> shift) & 0xffff;
  return patch_insn(k, where, P, A64_IMM16, imm16 << 5, why, whycap);
}

/* LDSTn_ABS_LO12_NC (and ADD with scale 0): imm12 = X[11:scale], X aligned to 1 << scale. */
static bool apply_lo12(RelocKind k, uint8_t *where, uint64_t P, uint64_t value, unsigned scale,
                       char *why, size_t whycap) {
  uint64_t size = UINT64_C(1) << scale;
  if (value & (size - 1))
    return fail(why, whycap, "%s value 0x%" PRIx64 " is not %" PRIu64 "-byte aligned (the access size)",
                reloc_name[k], value, size);
  uint32_t imm12 = (uint32_t)(value & 0xfff) >> scale;
  return patch_insn(k, where, P, A64_IMM12, imm12 << 10, why, whycap);
}

/* CONDBR19, JUMP26, CALL26: X = S + A - P, imm = X[bits+1:2]. */
static bool apply_branch(RelocKind k, uint8_t *where, uint64_t P, uint64_t value, uint32_t mask,
                         unsigned lsb, const char *reach, char *why, size_t whycap) {
  int64_t x = as_signed(value - P);
  if (x % 4 != 0)
    return fail(why, whycap, "%s target 0x%" PRIx64 " is not a multiple of 4 bytes from 0x%" PRIx64,
                reloc_name[k], value, P);
  if (!branch_fits(k, P, value))
    return fail(why, whycap, "%s target 0x%" PRIx64 " out of range from 0x%" PRIx64 " (%s)",
                reloc_name[k], value, P, reach);
  uint32_t imm = (uint32_t)((uint64_t)x >> 2) << lsb;
  return patch_insn(k, where, P, mask, imm, why, whycap);
}

bool reloc_apply(RelocKind k, uint8_t *where, uint64_t P, uint64_t value, char *why, size_t whycap) {
  switch (k) {
  case RELOC_X86_64_64:
  case RELOC_AARCH64_ABS64:
    return patch_word64(k, where, P, value, why, whycap);

  case RELOC_X86_64_PC32:
  case RELOC_X86_64_PLT32:
    if (!branch_fits(k, P, value))
      return fail(why, whycap, "%s target 0x%" PRIx64 " out of range from 0x%" PRIx64 " (rel32, +-2 GiB)",
                  reloc_name[k], value, P);
    return patch_word32(k, where, P, (uint32_t)(value - P), why, whycap);

  case RELOC_X86_64_32S:
    if (!in_range(as_signed(value), INT32_MIN, (int64_t)INT32_MAX + 1))
      return fail(why, whycap, "%s value 0x%" PRIx64 " does not fit a sign-extended 32-bit field",
                  reloc_name[k], value);
    return patch_word32(k, where, P, (uint32_t)value, why, whycap);

  case RELOC_AARCH64_MOVW_UABS_G0_NC: return apply_movw(k, where, P, value, 0, why, whycap);
  case RELOC_AARCH64_MOVW_UABS_G1_NC: return apply_movw(k, where, P, value, 16, why, whycap);
  case RELOC_AARCH64_MOVW_UABS_G2_NC: return apply_movw(k, where, P, value, 32, why, whycap);
  case RELOC_AARCH64_MOVW_UABS_G3: return apply_movw(k, where, P, value, 48, why, whycap);

  case RELOC_AARCH64_ADR_PREL_PG_HI21: {
    const uint64_t page = ~UINT64_C(0xfff);
    int64_t x = as_signed((value & page) - (P & page));
    if (!in_range(x, -4 * GIB, 4 * GIB))
      return fail(why, whycap, "%s target 0x%" PRIx64 " out of range from 0x%" PRIx64 " (+-4 GiB in pages)",
                  reloc_name[k], value, P);
    uint32_t imm21 = (uint32_t)((uint64_t)x >> 12) & 0x1fffff;
    uint32_t bits = (imm21 & 0x3) << 29 | (imm21 >> 2) << 5;
    return patch_insn(k, where, P, A64_IMMLO | A64_IMMHI, bits, why, whycap);
  }

  case RELOC_AARCH64_ADD_ABS_LO12_NC: return apply_lo12(k, where, P, value, 0, why, whycap);
  case RELOC_AARCH64_LDST8_ABS_LO12_NC: return apply_lo12(k, where, P, value, 0, why, whycap);
  case RELOC_AARCH64_LDST16_ABS_LO12_NC: return apply_lo12(k, where, P, value, 1, why, whycap);
  case RELOC_AARCH64_LDST32_ABS_LO12_NC: return apply_lo12(k, where, P, value, 2, why, whycap);
  case RELOC_AARCH64_LDST64_ABS_LO12_NC: return apply_lo12(k, where, P, value, 3, why, whycap);
  case RELOC_AARCH64_LDST128_ABS_LO12_NC: return apply_lo12(k, where, P, value, 4, why, whycap);

  case RELOC_AARCH64_CONDBR19:
    return apply_branch(k, where, P, value, A64_IMM19, 5, "+-1 MiB", why, whycap);
  case RELOC_AARCH64_JUMP26:
  case RELOC_AARCH64_CALL26:
    return apply_branch(k, where, P, value, A64_IMM26, 0, "+-128 MiB", why, whycap);

  case RELOC__COUNT:  /* no default: a kind added to TESSERA_RELOCS must be handled here */
    break;
  }
  return fail(why, whycap, "unknown relocation kind %d", (int)k);
}

/* `target` is the value S + A that reloc_apply would receive for this branch (for an
   x86-64 jmp/call rel32, the destination plus the addend -4), so reloc_branch_reaches(k,
   P, v) is true exactly when reloc_apply(k, where, P, v, ...) passes its range and
   alignment checks. Only unconditional branches, which a veneer can replace, qualify. */
bool reloc_branch_reaches(RelocKind k, uint64_t P, uint64_t target) {
  switch (k) {
  case RELOC_X86_64_PC32:
  case RELOC_X86_64_PLT32:
  case RELOC_AARCH64_JUMP26:
  case RELOC_AARCH64_CALL26:
    return branch_fits(k, P, target);
  default:
    return false;
  }
}

/* x86-64 (14 bytes):  ff 25 00 00 00 00   jmp *0(%rip)   the next 8 bytes hold the target
 *                     <target, 8 bytes>
 * AArch64 (16 bytes): 58000050            ldr x16, #8    (LDR literal, imm19 = 2, Rt = 16)
 *                     d61f0200            br x16         (Rn = 16)
 *                     <target, 8 bytes>
 * x16 (IP0) is the intra-procedure-call scratch register the AAPCS64 gives veneers. */
size_t reloc_veneer(JitArch arch, uint8_t *where, uint64_t target) {
  switch (arch) {
  case ARCH_X86_64:
    if (where) {
      static const uint8_t jmp_rip[6] = {0xff, 0x25, 0x00, 0x00, 0x00, 0x00};
      memcpy(where, jmp_rip, sizeof jmp_rip);
      store64le(where + 6, target);
    }
    return 14;
  case ARCH_AARCH64:
    if (where) {
      store32le(where, 0x58000050u);
      store32le(where + 4, 0xd61f0200u);
      store64le(where + 8, target);
    }
    return 16;
  case ARCH__COUNT:
    break;
  }
  return 0;
}
