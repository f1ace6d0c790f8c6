/* pool.h: the heap's small blocks. Objects and the items they own (an instance's
 * attribute values past its first four, which live in its own block; a grown array's
 * elements, a class's attributes) of at most
 * POOL_MAX_BYTES come from per-size free lists over chunks the heap owns, so a loop
 * that makes and drops objects reuses the same memory without a malloc and a free per
 * object, and a VM's teardown returns every chunk at once. Larger blocks go to malloc.
 *
 * A block's class is its size rounded up to POOL_GRAIN bytes (1 to POOL_CLASSES; 0: a
 * malloc'd block); whoever frees a block names its class (pool_give) or its size as
 * allocated (pool_free). Nothing here is observable: the heap's accounting (heap.h)
 * counts bytes by its own rules, not by blocks.
 *
 * Under AddressSanitizer a block is poisoned while free, so a use after free is still
 * reported (until the block is taken again). */
#ifndef TESSERA_POOL_H
#define TESSERA_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common.h"

#if defined(__SANITIZE_ADDRESS__)  /* gcc's name for -fsanitize=address */
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)  /* clang's */
#define POOL_ASAN 1
#endif
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#define POOL_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POOL_POISON(p, n) ((void)(p), (void)(n))
#define POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define POOL_GRAIN 16u
#define POOL_MAX_BYTES 256u
#define POOL_CLASSES (POOL_MAX_BYTES / POOL_GRAIN)
#define POOL_CHUNK_BYTES (64u * 1024u)

typedef struct PoolChunk PoolChunk;

typedef struct {
  void *free[POOL_CLASSES + 1];  /* free[c]: a free block of class c, whose first word links the next */
  PoolChunk *chunks;             /* every chunk, for teardown */
  char *carve, *end;             /* the current chunk's part no block was ever cut from */
} Pool;

void pool_init(Pool *p);
/* Frees every chunk: every pooled block, free or not. */
void pool_teardown(Pool *p);

/* The class of a block of `bytes` bytes: 1 to POOL_CLASSES, or 0 for malloc. */
static inline uint32_t pool_class_of(size_t bytes) {
  return bytes && bytes <= POOL_MAX_BYTES ? (uint32_t)((bytes + POOL_GRAIN - 1) / POOL_GRAIN) : 0;
}

/* A fresh block cut from the current chunk, or from a new one (pool.c). */
void *pool_carve(Pool *p, uint32_t cls);

/* A block of `bytes` bytes (uninitialized) of class cls = pool_class_of(bytes). */
static inline void *pool_take(Pool *p, uint32_t cls, size_t bytes) {
  if (!cls) return xmalloc(bytes);
  void *b = p->free[cls];
  if (!b) return pool_carve(p, cls);
  POOL_UNPOISON(b, (size_t)cls * POOL_GRAIN);
  p->free[cls] = *(void **)b;
  return b;
}
static inline void pool_give(Pool *p, void *b, uint32_t cls) {
  if (!cls) {
    free(b);
    return;
  }
  *(void **)b = p->free[cls];
  p->free[cls] = b;
  POOL_POISON(b, (size_t)cls * POOL_GRAIN);
}
static inline void *pool_alloc(Pool *p, size_t bytes) { return pool_take(p, pool_class_of(bytes), bytes); }
static inline void pool_free(Pool *p, void *b, size_t bytes) {
  if (b) pool_give(p, b, pool_class_of(bytes));
}
/* Block b of old_bytes (NULL when 0) as a block of new_bytes, its first
   min(old_bytes, new_bytes) bytes kept. */
void *pool_realloc(Pool *p, void *b, size_t old_bytes, size_t new_bytes);

#endif
