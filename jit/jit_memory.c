/* jit_memory.c: memory for JIT code: one reserved arena per process, so that every
 * piece of JIT code is within reach of a 32-bit PC-relative branch (x86-64) or a 26-bit
 * one (AArch64, +-128 MiB) of every other, the shared stencil blob and its veneers
 * included. Pages are handed out first fit. No mapping is ever writable and executable
 * at once (W^X), in either of two ways:
 *
 * Two views (x86-64, where memfd_create works): the arena is a memory file mapped twice,
 * read-execute where code runs and read-write where it is copied and patched
 * (jit_memory_writable). Compiling and freeing make no system call at all: mprotect was
 * most of what compiling cost a fuzzer, which builds and frees thousands of executors a
 * second (13 calls per program, 18% of its CPU time in the kernel). Freed pages are
 * filled with trap instructions, so a jump into freed code still stops at once. The
 * views are MAP_SHARED, so a forked child would share its parent's pages: after a fork
 * the child copies them into a file of its own, mapped at the same addresses.
 *
 * One view, protections switched (AArch64, and wherever the file cannot be made): pages
 * are read-write while code is written, then read-execute, inaccessible when free.
 * QEMU's user mode notices that translated guest code changed only through writes to the
 * code's own mapping, so under QEMU a second, writable view would run stale code. To
 * spare mprotect calls, pages are made writable a window at a time: the free pages after
 * an allocation are opened with it, and the next allocations that fit are carved from
 * them with no system call. */
#define _GNU_SOURCE
#include "jit_memory.h"

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define ARENA_BYTES (64u << 20)  /* within AArch64's +-128 MiB branch reach, end to end */

static uint8_t *arena;     /* where code runs */
static uint8_t *writable;  /* two views: where it is written, the same pages; else NULL */
static int arena_fd = -1;  /* two views: the memory file */
static size_t page_size, npages;
static uint8_t *used;  /* one byte per page: 1 in use (or reserved for the tail of a run) */
static size_t win_lo, win_hi;  /* the window: free pages [lo, hi), read-write */
static size_t populated;  /* two views: pages [0, populated) are backed and mapped in both */
#define WINDOW_PAGES 16
static bool batching;  /* inside jit_memory_batch_begin/end */
static size_t batch_lo = SIZE_MAX, batch_hi;  /* the pages freed in the batch lie in [lo, hi) */

/* A memory file of the arena's size holding what the used pages of the writable view
   hold (from, NULL: nothing), or -1. */
static int arena_file(const uint8_t *from) {
  int fd = memfd_create("tessera-jit", MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (ftruncate(fd, ARENA_BYTES) != 0) {
    close(fd);
    return -1;
  }
  for (size_t i = 0; from && i < npages; i++)
    if (used[i] && pwrite(fd, from + i * page_size, page_size, (off_t)(i * page_size)) != (ssize_t)page_size) {
      close(fd);
      return -1;
    }
  return fd;
}

/* Maps the file's two views, at the given addresses (MAP_FIXED) or anywhere (NULL). */
static bool map_views(int fd, uint8_t *run_at, uint8_t *write_at) {
  int fixed = run_at ? MAP_FIXED : 0;
  void *x = mmap(run_at, ARENA_BYTES, PROT_READ | PROT_EXEC, MAP_SHARED | fixed, fd, 0);
  if (x == MAP_FAILED) return false;
  void *w = mmap(write_at, ARENA_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | fixed, fd, 0);
  if (w == MAP_FAILED) {
    if (!run_at) munmap(x, ARENA_BYTES);
    return false;
  }
  arena = x;
  writable = w;
  return true;
}

/* A forked child: pages of its own, holding what its parent's held, at the same
   addresses (compiled code and the stencil blob point into them). */
static void after_fork(void) {
  if (!writable) return;
  int fd = arena_file(writable);
  if (fd < 0 || !map_views(fd, arena, writable)) {  /* the child cannot go on without its code */
    fprintf(stderr, "tessera: JIT memory: cannot copy the arena after a fork\n");
    abort();
  }
  close(arena_fd);
  arena_fd = fd;
  populated = 0;  /* the new mappings map nothing yet */
}

/* Two views where they can be made and are safe (see above), else one. */
static bool two_views(void) {
#if !defined(__x86_64__)
  return false;  /* AArch64: QEMU would run stale code (above) */
#endif
  int fd = arena_file(NULL);
  if (fd < 0) return false;
  if (!map_views(fd, NULL, NULL)) {
    close(fd);
    return false;
  }
  arena_fd = fd;
  pthread_atfork(NULL, NULL, after_fork);
  return true;
}

static bool arena_init(void) {
  if (arena) return true;
  page_size = (size_t)sysconf(_SC_PAGESIZE);
  npages = ARENA_BYTES / page_size;
  used = xcalloc(npages, 1);
  if (two_views()) return true;
  void *p = mmap(NULL, ARENA_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  arena = p;
  return true;
}

bool jit_memory_two_views(void) { return arena_init() && writable; }

uint8_t *jit_memory_writable(uint8_t *p) { return writable ? writable + (p - arena) : p; }

/* First fit: the first run of n free pages, or SIZE_MAX. */
static size_t first_fit(size_t n) {
  for (size_t start = 0;;) {
    if (start + n > npages) return SIZE_MAX;
    size_t k = 0;
    while (k < n && !used[start + k]) k++;
    if (k == n) return start;
    start += k + 1;
  }
}

/* Makes the window's pages inaccessible again and empties it. */
static void close_window(void) {
  if (win_lo < win_hi) mprotect(arena + win_lo * page_size, (win_hi - win_lo) * page_size, PROT_NONE);
  win_lo = win_hi = 0;
}

/* Two views: pages up to `end` backed and mapped in both views, POPULATE_PAGES at a
   time, one system call per view. A page first touched by the emitter and then by the
   code cost two page faults, which made a short run's compiles several microseconds per
   uop; populated together, a page costs a fifth of that. Where the kernel cannot (before
   Linux 5.14), pages fault as before. */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#define POPULATE_PAGES 64
static void populate_to(size_t end) {
  if (end <= populated) return;
  size_t to = (end + POPULATE_PAGES - 1) / POPULATE_PAGES * POPULATE_PAGES;
  if (to > npages) to = npages;
  size_t at = populated * page_size, len = (to - populated) * page_size;
  if (madvise(writable + at, len, MADV_POPULATE_WRITE) != 0 || madvise(arena + at, len, MADV_POPULATE_READ) != 0)
    to = npages;  /* not supported: fault page by page */
  populated = to;
}

uint8_t *jit_memory_alloc(size_t bytes, size_t *size_out) {
  if (!arena_init()) return NULL;
  size_t n = (bytes + page_size - 1) / page_size;
  if (n == 0) n = 1;
  if (writable) {
    size_t start = first_fit(n);
    if (start == SIZE_MAX) return NULL;  /* the arena is full */
    memset(used + start, 1, n);
    populate_to(start + n);
    *size_out = n * page_size;
    return arena + start * page_size;
  }
  if (win_hi - win_lo < n) {
    close_window();
    size_t start = first_fit(n);
    if (start == SIZE_MAX) return NULL;  /* the arena is full */
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
  return writable || mprotect(p, size, PROT_READ | PROT_EXEC) == 0;
}

/* Two views: a byte that traps however it is reached (x86-64's int3). */
#define TRAP_BYTE 0xcc

void jit_memory_free(uint8_t *p, size_t size) {
  if (!p) return;
  ASSERT(p >= arena && p + size <= arena + (size_t)npages * page_size, "not JIT memory");
  size_t first = (size_t)(p - arena) / page_size, n = size / page_size;
  memset(used + first, 0, n);
  if (writable) {  /* a jump into freed code stops at once */
    memset(jit_memory_writable(p), TRAP_BYTE, size);
    return;
  }
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
  if (writable) return;
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
