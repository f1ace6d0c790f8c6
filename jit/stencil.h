/* stencil.h: what the stencil extractor (jit/host/extract.c) writes for each architecture,
 * and what the emitter (jit/jit_emit.c) copies and patches.
 *
 * The stencil objects are compiled by clang from jit/template.c: one function per trace
 * op, named stencil_NAME, each in its own section (-ffunction-sections). Everything
 * else in the object (functions clang did not inline, constant data, strings) is the
 * shared blob: placed once in JIT memory, before any executor, and referred to by
 * offset.
 *
 * A hole is a relocation: a place whose bytes depend on a value known only when the
 * trace is compiled. Its value is one of:
 *
 *   HOLE_OPARG, HOLE_OPERAND   the uop's oparg and operand (extern _JIT_OPARG, _JIT_OPERAND)
 *   HOLE_INDEX                 the uop's index in its trace (_JIT_INDEX): what a stencil
 *                              returns when it leaves, so the exit machinery knows where
 *   HOLE_CONTINUE              the next stencil (_JIT_CONTINUE)
 *   HOLE_JUMP_TARGET           the stencil of the trace's loop start (_JIT_JUMP_TARGET)
 *   HOLE_EXIT                  the uop's TraceExit, or 0 when it has none (_JIT_EXIT)
 *   HOLE_SHARED                the shared blob, at offset `target`
 *   HOLE_SYMBOL                a run-time function or datum, symbols[target] by name
 *
 * plus the addend. The extractor resolves a reference to a symbol defined in the object
 * into HOLE_SHARED (section placement + symbol value), so the addend is the ELF one. */
#ifndef TESSERA_STENCIL_H
#define TESSERA_STENCIL_H

#include "reloc.h"

typedef enum {
  HOLE_OPARG,
  HOLE_OPERAND,
  HOLE_INDEX,
  HOLE_CONTINUE,
  HOLE_JUMP_TARGET,
  HOLE_EXIT,
  HOLE_SHARED,
  HOLE_SYMBOL,
  HOLE__COUNT
} HoleValue;

typedef struct {
  uint32_t offset;   /* of the relocated field, from the start of the stencil (or blob) */
  uint16_t reloc;    /* RelocKind */
  uint16_t value;    /* HoleValue */
  uint32_t target;   /* HOLE_SHARED: offset in the shared blob; HOLE_SYMBOL: index in symbols */
  int64_t addend;
} Hole;

typedef struct {
  const char *name;         /* the trace op, lower case ("add_int", "branch", ...) */
  const uint8_t *code;
  uint32_t size;            /* bytes of code, the trailing jump included */
  uint32_t tail_jump;       /* bytes at the end that only jump to HOLE_CONTINUE (0: none):
                               left out when the next stencil follows directly */
  const Hole *holes;
  uint32_t nholes;
} Stencil;

typedef struct {
  JitArch arch;
  const Stencil *stencils;  /* sorted by name */
  uint32_t nstencils;
  const uint8_t *shared;    /* the shared blob: code and data the stencils refer to */
  uint32_t shared_size;
  uint32_t shared_align;
  const Hole *shared_holes; /* the blob's own relocations (HOLE_SHARED and HOLE_SYMBOL only) */
  uint32_t nshared_holes;
  const char *const *symbols;  /* names of the run-time symbols the holes refer to */
  uint32_t nsymbols;
} StencilSet;

#endif
