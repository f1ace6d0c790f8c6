/* jit_memory.c: memory for JIT code: one reserved arena per process, so that every
 * piece of JIT code is within reach of a 32-bit PC-relative branch (x86-64) or a 26-bit
 * one (AArch64, +-128 MiB) of every other, the shared stencil blob and its veneers
 * included. Pages are handed out first fit, read-write while code is copied and
 * patched, then read-execute: never writable and executable at once.
 *
 * mprotect is most of what compiling costs a fuzzer, which builds and frees thousands of
 * executors a second, so pages are made writable a window at a time: the free pages
 * after an allocation are opened with it, read-write but not executable, and the next
 * allocations that fit are carved from them with no system call. Every free page
 * outside the window is inaccessible. */
#include "jit_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define ARENA_BYTES (64u << 20)  /* within AArch64's +-128 MiB branch reach, end to end */

static uint8_t *arena;
static size_t page_size, npages;
static uint8_t *used;  /* one byte per page: 1 in use (or reserved for the tail of a run) */
static size_t win_lo, win_hi;  /* the window: free pages [lo, hi), read-write */
#define WINDOW_PAGES 16
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

/* Makes the window's pages inaccessible again and empties it. */
static void close_window(void) {
  if (win_lo < win_hi) mprotect(arena + win_lo * page_size, (win_hi - win_lo) * page_size, PROT_NONE);
  win_lo = win_hi = 0;
}

uint8_t *jit_memory_alloc(size_t bytes, size_t *size_out) {
  if (!arena_init()) return NULL;
  size_t n = (bytes + page_size - 1) / page_size;
  if (n == 0) n = 1;
  if (win_hi - win_lo < n) {
    close_window();
    size_t start = 0;
    for (;;) {
      if (start + n > npages) return NULL;  /* the arena is full */
      size_t k = 0;
      while (k < n && !used[start + k]) k++;
      if (k == n) break;
      start += k + 1;
    }
    size_t end = start + n;
    while (end < npages && end - start < WINDOW_PAGES && !used[end]) end++;
    if (mprotect(arena + start * page_size, (end - start) * page_size, PROT_READ | PROT_WRITE) != 0) return NULL;
    win_lo = start;
    win_hi = end;
  }
  uint8_t *p = arena + win_lo * page_size;
  memset(used + win_lo, 1, n);
  win_lo += n;
  *size_out = n * page_size;
  return p;
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
  if (win_lo < win_hi) {  /* the window's pages go with the freed ones */
    if (win_lo < batch_lo) batch_lo = win_lo;
    if (win_hi > batch_hi) batch_hi = win_hi;
    win_lo = win_hi = 0;
  }
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
