/* jit_runtime_symbols.h: what the generated table of run-time symbols (jit_symbols_ARCH.c,
 * written by tessera-extract) needs: a declaration of every function and datum the
 * stencils may call or read, and the table's entry type. */
#ifndef TESSERA_JIT_RUNTIME_SYMBOLS_H
#define TESSERA_JIT_RUNTIME_SYMBOLS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "heap.h"
#include "opcodes.h"
#include "render.h"
#include "semantics.h"
#include "trace.h"
#include "vm.h"

typedef struct {
  const char *name;
  void *address;
} JitSymbol;

#endif
