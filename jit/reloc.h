/* reloc.h: the ELF relocations the JIT understands, for x86-64 and AArch64, and how
 * each is applied when a stencil is copied into place (copy-and-patch).
 *
 * The stencil extractor (jit/host/extract.c) maps every relocation of the stencil objects to
 * one of these kinds, and fails the build, naming the relocation, on any other. The
 * emitter (jit/jit_emit.c) computes the value S + A (target plus addend) and the place P (the
 * run-time address of the patched bytes) and calls reloc_apply.
 *
 * RELOC(NAME, ARCH, ELF_TYPE, "how the field is patched") */
#ifndef TESSERA_RELOC_H
#define TESSERA_RELOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { ARCH_X86_64, ARCH_AARCH64, ARCH__COUNT } JitArch;
extern const char *const jit_arch_name[ARCH__COUNT];  /* "x86_64", "aarch64" */

#define TESSERA_RELOCS(RELOC)                                                                              \
  RELOC(X86_64_64, X86_64, 1, "64-bit absolute: S + A")                                                   \
  RELOC(X86_64_PC32, X86_64, 2, "32-bit signed PC-relative: S + A - P")                                  \
  RELOC(X86_64_PLT32, X86_64, 4, "32-bit signed PC-relative to a function: S + A - P (no PLT here)")      \
  RELOC(X86_64_32S, X86_64, 11, "32-bit sign-extended absolute: S + A")                                   \
  RELOC(AARCH64_ABS64, AARCH64, 257, "64-bit absolute: S + A")                                             \
  RELOC(AARCH64_MOVW_UABS_G0_NC, AARCH64, 264, "movz/movk imm16 = bits 0..15 of S + A")                    \
  RELOC(AARCH64_MOVW_UABS_G1_NC, AARCH64, 266, "movk imm16 = bits 16..31 of S + A")                        \
  RELOC(AARCH64_MOVW_UABS_G2_NC, AARCH64, 268, "movk imm16 = bits 32..47 of S + A")                        \
  RELOC(AARCH64_MOVW_UABS_G3, AARCH64, 269, "movk imm16 = bits 48..63 of S + A")                           \
  RELOC(AARCH64_ADR_PREL_PG_HI21, AARCH64, 275, "adrp imm21 = Page(S + A) - Page(P), +-4 GiB")             \
  RELOC(AARCH64_ADD_ABS_LO12_NC, AARCH64, 277, "add imm12 = bits 0..11 of S + A")                          \
  RELOC(AARCH64_LDST8_ABS_LO12_NC, AARCH64, 278, "ldrb/strb imm12 = bits 0..11 of S + A")                  \
  RELOC(AARCH64_CONDBR19, AARCH64, 280, "b.cond/cbz/cbnz imm19 = (S + A - P) >> 2, +-1 MiB")               \
  RELOC(AARCH64_JUMP26, AARCH64, 282, "b imm26 = (S + A - P) >> 2, +-128 MiB")                             \
  RELOC(AARCH64_CALL26, AARCH64, 283, "bl imm26 = (S + A - P) >> 2, +-128 MiB")                            \
  RELOC(AARCH64_LDST16_ABS_LO12_NC, AARCH64, 284, "ldrh/strh imm12 = bits 1..11 of S + A")                 \
  RELOC(AARCH64_LDST32_ABS_LO12_NC, AARCH64, 285, "ldr/str (32-bit) imm12 = bits 2..11 of S + A")          \
  RELOC(AARCH64_LDST64_ABS_LO12_NC, AARCH64, 286, "ldr/str (64-bit) imm12 = bits 3..11 of S + A")          \
  RELOC(AARCH64_LDST128_ABS_LO12_NC, AARCH64, 299, "ldr/str (128-bit) imm12 = bits 4..11 of S + A")

typedef enum {
#define RELOC(name, arch, type, doc) RELOC_##name,
  TESSERA_RELOCS(RELOC)
#undef RELOC
  RELOC__COUNT
} RelocKind;

extern const char *const reloc_name[RELOC__COUNT];  /* "R_X86_64_64", ... */
extern const JitArch reloc_arch[RELOC__COUNT];
extern const uint32_t reloc_elf_type[RELOC__COUNT];

/* The kind of ELF relocation type `type` of arch, or -1 when the JIT does not handle it. */
int reloc_from_elf(JitArch arch, uint32_t type);

/* Patches the field of relocation k in the bytes at `where` (which will run at address
   P) with the value S + A. Checks that the bits it overwrites are zero, as the assembler
   leaves them, and that the value fits the field (range, alignment). Returns false, with
   nothing written and the reason in why, when it does not. */
bool reloc_apply(RelocKind k, uint8_t *where, uint64_t P, uint64_t value, char *why, size_t whycap);

/* True when a PC-relative branch (x86-64 PC32/PLT32, AArch64 JUMP26/CALL26) at P can reach
   target directly. */
bool reloc_branch_reaches(RelocKind k, uint64_t P, uint64_t target);

/* A veneer: code that jumps to an absolute 64-bit target from anywhere, for branches
   whose target is out of range (x86-64: jmp *0(%rip) and the address, 14 bytes; AArch64:
   ldr x16, #8; br x16 and the address, 16 bytes). Writes it at where when not NULL;
   returns its size. */
size_t reloc_veneer(JitArch arch, uint8_t *where, uint64_t target);

#endif
