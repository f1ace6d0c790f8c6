/* target_common.h: set-up shared by the engine-neutral fuzz targets (target_*.c).
 *
 * Every target runs each input under small, fixed caps, so that one input costs well
 * under a millisecond and no input can exhaust memory, stack or time: the caps are the
 * built-in engine's (fuzz_default_limits: fuel 20,000, call depth 64, heap 64 KiB,
 * output 64 KiB). A target that finds a bug prints what it found on stderr and calls
 * abort(), which libFuzzer, AFL++ and the replay driver all treat as a crash. */
#ifndef TESSERA_TARGET_COMMON_H
#define TESSERA_TARGET_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "engine.h"

/* The limits every target runs the oracle with. */
static inline Limits target_limits(void) { return fuzz_default_limits(); }

/* The module target's: smaller fuel and heap, because fuel bounds steps, not work
   (docs/fuzzing.md section 7.4): a mutated module that appends to a string in a loop
   copies O(fuel^2) bytes, and at fuel 20,000 one such input took over 85 s under ASan
   in all nine configurations. At fuel 5,000 and a 256 KiB heap it takes 16 times less. */
static inline Limits module_target_limits(void) {
  Limits l = fuzz_default_limits();
  l.fuel = 5000;
  l.max_heap = 1u << 18;
  return l;
}

/* Reports a finding and aborts, so the engine saves the input. */
#define TARGET_FAIL(...)              \
  do {                                \
    fprintf(stderr, "tessera-fuzz: "); \
    fprintf(stderr, __VA_ARGS__);     \
    fputc('\n', stderr);              \
    abort();                          \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
