/* mutator_afl.c: the structure-aware module mutator (fuzz/mutator.h) as an AFL++ custom
 * mutator library. fuzz/afl.sh builds it as build/afl/libtessera-mutator.so (plain
 * compiler, no AFL++ instrumentation: it runs inside afl-fuzz, not in the target) and
 * sets AFL_CUSTOM_MUTATOR_LIBRARY to it for the `module` target.
 *
 * AFL++ runs the custom mutator stage before havoc, so its own byte mutations still
 * run too (AFL_CUSTOM_MUTATOR_ONLY is not set). afl_custom_fuzz edits the queue entry
 * as a program; when the entry has a second input (add_buf), one call in four crosses
 * the two instead. When the entry does not load (raw bytes), it returns 0: AFL++ skips
 * that step and its havoc stage mutates the bytes.
 *
 * API (AFL++ docs/custom_mutators.md; 4.04c tested): afl_custom_init,
 * afl_custom_fuzz, afl_custom_describe, afl_custom_deinit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "mutator.h"

#define AFL_CROSSOVER_SHARE 4  /* with a second input, one call in this many crosses */

typedef struct {
  uint64_t state;    /* splitmix64: one seed per call, from afl-fuzz's seed */
  uint8_t *out;      /* the mutant handed to afl-fuzz (it must stay valid until the next call) */
  size_t out_cap;
  const char *last;  /* what the last call did, for afl_custom_describe */
} AflMutator;

/* Exported: afl-fuzz finds these by name with dlsym. */
#define AFL_EXPORT __attribute__((visibility("default")))

AFL_EXPORT void *afl_custom_init(void *afl, unsigned int seed);
AFL_EXPORT size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf, uint8_t *add_buf,
                                  size_t add_buf_size, size_t max_size);
AFL_EXPORT const char *afl_custom_describe(void *data, size_t max_description_len);
AFL_EXPORT void afl_custom_deinit(void *data);

static uint64_t next_seed(AflMutator *m) { return splitmix64_next(&m->state); }

void *afl_custom_init(void *afl, unsigned int seed) {
  (void)afl;
  AflMutator *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->state = seed;
  m->last = "none";
  return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf, uint8_t *add_buf,
                       size_t add_buf_size, size_t max_size) {
  AflMutator *m = data;
  size_t cap = max_size > buf_size ? max_size : buf_size;
  if (m->out_cap < cap) {
    uint8_t *p = realloc(m->out, cap);
    if (!p) {
      *out_buf = buf;  /* afl-fuzz treats a NULL buffer as an error, even with size 0 */
      return 0;
    }
    m->out = p;
    m->out_cap = cap;
  }
  *out_buf = m->out;
  uint64_t seed = next_seed(m);
  size_t n = 0;
  if (add_buf && add_buf_size && seed % AFL_CROSSOVER_SHARE == 0) {
    n = tessera_crossover_module(buf, buf_size, add_buf, add_buf_size, m->out, max_size, seed);
    m->last = "tessera-crossover";
  }
  if (n == 0 && buf_size <= max_size) {
    memcpy(m->out, buf, buf_size);
    n = tessera_mutate_module(m->out, buf_size, max_size, seed);
    m->last = "tessera-edit";
  }
  if (n == 0) m->last = "none";  /* not a module: AFL++'s havoc takes over */
  return n;
}

const char *afl_custom_describe(void *data, size_t max_description_len) {
  (void)max_description_len;
  return ((AflMutator *)data)->last;
}

void afl_custom_deinit(void *data) {
  AflMutator *m = data;
  if (!m) return;
  free(m->out);
  free(m);
}
