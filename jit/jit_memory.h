/* jit_memory.h: pages for JIT code, from one per-process arena (jit_memory.c). */
#ifndef TESSERA_JIT_MEMORY_H
#define TESSERA_JIT_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At least `bytes` of memory in the arena (*size_out: what was given, whole pages), or
   NULL when the arena is full or cannot be mapped: the address code will run at. Code
   is written at jit_memory_writable of it. */
uint8_t *jit_memory_alloc(size_t bytes, size_t *size_out);
/* Where code that runs at p is written: p's writable view (two views), or p itself
   (one view, read-write until sealed). */
uint8_t *jit_memory_writable(uint8_t *p);
/* Whether the arena has two views (jit_memory.c): then compiling and freeing make no
   system call. */
bool jit_memory_two_views(void);
/* Flushes the instruction cache over the range and makes it read-execute. */
bool jit_memory_seal(uint8_t *p, size_t size);
/* Returns the pages to the arena (inaccessible until handed out again). */
void jit_memory_free(uint8_t *p, size_t size);
/* Between these, frees only mark their pages free; the end makes them inaccessible with
   one mprotect per run of free pages, not one per free. */
void jit_memory_batch_begin(void);
void jit_memory_batch_end(void);

#endif
