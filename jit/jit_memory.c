/* jit_memory.c: memory for JIT code: one reserved arena per process, so that every
 * piece of JIT code is within reach of a 32-bit PC-relative branch (x86-64) or a 26-bit
 * one (AArch64, +-128 MiB) of every other, the shared stencil blob and its veneers
 * included. Pages are handed out first fit, read-write while code is copied and
 * patched, then read-execute: never writable and executable at once. */
#include "jit_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define ARENA_BYTES (64u << 20)  /* within AArch64's +-128 MiB branch reach, end to end */

static uint8_t *arena;
static size_t page_size, npages;
static uint8_t *used;  /* one byte per page: 1 in use (or reserved for the tail of a run) */
static bool batching;  /* inside jit_memory_batch_begin/end */
static size_t batch_lo = SIZE_MAX, batch_hi;  /* the pages freed in the batch lie in [lo, hi) */

static bool arena_init(void) {
  if (arena) return true;
  page_size = (size_t)sysconf(_SC_PAGESIZE);
  npages = ARENA_BYTES / page_size;
  void *p = mmap(NULL, ARENA_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  arena = p;
  used = xcalloc(npages, 1);
  return true;
}

uint8_t *jit_memory_alloc(size_t bytes, size_t *size_out) {
  if (!arena_init()) return NULL;
  size_t n = (bytes + page_size - 1) / page_size;
  if (n == 0) n = 1;
  for (size_t start = 0; start + n <= npages;) {
    size_t k = 0;
    while (k < n && !used[start + k]) k++;
    if (k < n) {
      start += k + 1;
      continue;
    }
    uint8_t *p = arena + start * page_size;
    if (mprotect(p, n * page_size, PROT_READ | PROT_WRITE) != 0) return NULL;
    memset(used + start, 1, n);
    *size_out = n * page_size;
    return p;
  }
  return NULL;  /* the arena is full */
}

bool jit_memory_seal(uint8_t *p, size_t size) {
  __builtin___clear_cache((char *)p, (char *)p + size);
  return mprotect(p, size, PROT_READ | PROT_EXEC) == 0;
}

void jit_memory_free(uint8_t *p, size_t size) {
  if (!p) return;
  ASSERT(p >= arena && p + size <= arena + (size_t)npages * page_size, "not JIT memory");
  size_t first = (size_t)(p - arena) / page_size, n = size / page_size;
  memset(used + first, 0, n);
  if (batching) {
    if (first < batch_lo) batch_lo = first;
    if (first + n > batch_hi) batch_hi = first + n;
    return;
  }
  /* Inaccessible again, but still backed: the next trace that gets them writes into
     pages that are already there (no fresh mapping, no page faults), which matters
     when a fuzzer builds and frees thousands of executors a second. */
  mprotect(p, size, PROT_NONE);
}

void jit_memory_batch_begin(void) { batching = true; }

/* A VM's executors mostly lie side by side (first fit, one program after another), so
   tearing a VM down costs one mprotect where it cost one per executor. Free pages of
   the range that were inaccessible already are made so again, which changes nothing. */
void jit_memory_batch_end(void) {
  batching = false;
  for (size_t i = batch_lo; i < batch_hi;) {
    if (used[i]) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < batch_hi && !used[j]) j++;
    mprotect(arena + i * page_size, (j - i) * page_size, PROT_NONE);
    i = j;
  }
  batch_lo = SIZE_MAX;
  batch_hi = 0;
}
