/* pool.c: the heap's chunks of small blocks (pool.h). */
#include "pool.h"

#include <string.h>

/* A chunk: this header, then blocks cut in the order they were first taken. */
struct PoolChunk {
  PoolChunk *next;
  uint64_t align_;  /* blocks start 16 bytes in, aligned as malloc's */
  char blocks[];
};

void pool_init(Pool *p) { memset(p, 0, sizeof *p); }

void pool_teardown(Pool *p) {
  for (PoolChunk *c = p->chunks, *next; c; c = next) {
    next = c->next;
    POOL_UNPOISON(c, POOL_CHUNK_BYTES);
    free(c);
  }
  pool_init(p);
}

void *pool_carve(Pool *p, uint32_t cls) {
  size_t n = (size_t)cls * POOL_GRAIN;
  if ((size_t)(p->end - p->carve) < n) {
    /* What is left of the old chunk (less than a block of this class) stays unused. */
    PoolChunk *c = xmalloc(POOL_CHUNK_BYTES);
    c->next = p->chunks;
    p->chunks = c;
    p->carve = c->blocks;
    p->end = (char *)c + POOL_CHUNK_BYTES;
    POOL_POISON(p->carve, (size_t)(p->end - p->carve));
  }
  void *b = p->carve;
  p->carve += n;
  POOL_UNPOISON(b, n);
  return b;
}

void *pool_realloc(Pool *p, void *b, size_t old_bytes, size_t new_bytes) {
  uint32_t from = pool_class_of(old_bytes), to = pool_class_of(new_bytes);
  if (b && !from && !to) return xrealloc(b, new_bytes);
  if (b && from == to) return b;
  void *n = pool_take(p, to, new_bytes);
  if (b) {
    memcpy(n, b, old_bytes < new_bytes ? old_bytes : new_bytes);
    pool_give(p, b, from);
  }
  return n;
}
