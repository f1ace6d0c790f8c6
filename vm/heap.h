/* heap.h: allocation, reference counting and accounting of heap objects.
 *
 * Accounting is part of the semantics (heap statistics are observed, and the heap
 * byte limit raises a runtime error), so sizes are defined here, not by sizeof:
 *   string: HEAP_OBJECT_BYTES + length
 *   array:    HEAP_OBJECT_BYTES + HEAP_SLOT_BYTES * capacity
 *   class:    HEAP_OBJECT_BYTES + HEAP_SLOT_BYTES * attribute capacity
 *   instance: HEAP_OBJECT_BYTES + HEAP_SLOT_BYTES * attribute capacity
 *   map:      HEAP_OBJECT_BYTES + 2 * HEAP_SLOT_BYTES * entry capacity (a key and a value)
 *   iterator: HEAP_OBJECT_BYTES + HEAP_SLOT_BYTES (what it walks)
 *   cell:     HEAP_OBJECT_BYTES + HEAP_SLOT_BYTES (its value)
 *   closure:  HEAP_OBJECT_BYTES + HEAP_SLOT_BYTES (its capture)
 * Arrays grow to max(4, 2 * capacity) when full; ARRAY_NEW allocates exactly n slots.
 * Classes, instances and maps start with capacity 0 and grow the same way as arrays.
 *
 * The memory of objects and of the items they own comes from the heap's pool (pool.h):
 * blocks of the sizes a program makes and drops in a loop are reused without malloc.
 *
 * Releasing an object never recurses: objects whose count reaches zero go on a
 * worklist, so freeing a million-deep nested array uses no C stack. The worklist is a
 * queue, so objects are released in the order their counts reached zero (breadth
 * first), the order docs/semantics.md section 17.3 defines.
 *
 * Finalizers (section 23.8). An instance whose class has an attribute named
 * finalizer_name is not freed when its count first reaches zero: it waits, with the
 * count 1 the queue owns, until an interpreter takes it (heap_take_waiting) at the
 * next instruction boundary and calls the finalizer. heap_has_waiting is what every
 * tier checks there. */
#ifndef TESSERA_HEAP_H
#define TESSERA_HEAP_H

#include "pool.h"
#include "value.h"

#define HEAP_OBJECT_BYTES 32u
#define HEAP_SLOT_BYTES 16u

/* A queue of objects: items[head..len); an empty queue starts again at 0. */
typedef struct {
  Obj **items;
  size_t head, len, cap;
} ObjQueue;

typedef struct Heap {
  Obj list;                 /* sentinel of the circular list of live objects */
  uint64_t live_objects;
  uint64_t live_bytes;
  uint64_t max_bytes;       /* allocation beyond this fails (the caller raises ERR_HEAP) */
  ObjQueue dead;            /* worklist of objects to free */
  ObjClass classes;         /* sentinel of the circular list of live classes */
  uint32_t finalizer_name;  /* the constant "op_del", or UINT32_MAX: nothing is finalizable */
  ObjQueue waiting;         /* instances waiting for their finalizers */
  Pool pool;                /* the memory of objects and their items (pool.h) */
} Heap;

void heap_init(Heap *h, uint64_t max_bytes);
/* Frees every object still live, cycles included. */
void heap_teardown(Heap *h);

/* Each returns NULL, allocating nothing, when the heap limit would be exceeded.
   New objects have a reference count of 1. */
ObjString *heap_new_string(Heap *h, const char *chars, uint32_t len);
ObjString *heap_alloc_string(Heap *h, uint32_t len);  /* chars uninitialized, NUL set */
ObjArray *heap_new_array(Heap *h, uint32_t cap);

/* A class named by string constant `name`, with base (NULL or a class: the new class
   takes a reference) and no attributes; its version and place in the VM's class list
   are vm/object.c's to set. An instance of cls (taking a reference) with no attributes,
   in the root shape. */
ObjClass *heap_new_class(Heap *h, uint32_t name, ObjClass *base);
ObjInstance *heap_new_instance(Heap *h, ObjClass *cls);
/* Makes room for one more attribute (growing as arrays do). Returns false, changing
   nothing, when growing would exceed the heap limit. */
bool heap_class_reserve(Heap *h, ObjClass *c);
bool heap_instance_reserve(Heap *h, ObjInstance *o);
/* An empty map (capacity 0). Its entries and index belong to vm/map.c; this accounts
   its growth: the new capacity when a map of m->cap entries may grow (as arrays do), or
   0, changing nothing, when the heap limit forbids it. */
ObjMap *heap_new_map(Heap *h);
/* An iterator over source (taking a reference when it is an object). */
ObjIter *heap_new_iter(Heap *h, Value source);
/* A cell holding v, a closure of function fn capturing v: each takes over the caller's
   reference to v. NULL, with nothing changed, when the heap limit forbids it. */
ObjCell *heap_new_cell(Heap *h, Value v);
ObjClosure *heap_new_closure(Heap *h, uint32_t fn, Value v);
uint32_t heap_map_grow(Heap *h, ObjMap *m);
/* Frees a map's entries and index (none while its capacity is 0): blocks of h's pool. */
void heap_free_map_blocks(Heap *h, ObjMap *m);

/* Appends v (the array takes over the caller's reference). Returns false, changing
   nothing, when growing would exceed the heap limit or the maximum length. */
bool heap_array_push(Heap *h, ObjArray *a, Value v);

#define HEAP_MAX_LENGTH 0x7fffffffu  /* longest string or array */

/* Whether bytes more fit under the heap limit (what every allocation checks first). */
static inline bool heap_has_room(const Heap *h, uint64_t bytes) {
  return bytes <= h->max_bytes && h->live_bytes <= h->max_bytes - bytes;
}

static inline void val_incref(Value v) {
  if (v.kind == VAL_OBJ) v.as.obj->refcount++;
}
void heap_release_obj(Heap *h, Obj *o);

/* Whether an instance waits for its finalizer; the one that waited longest, leaving the
   queue with the queue's reference (now the caller's). */
static inline bool heap_has_waiting(const Heap *h) { return h->waiting.len != 0; }
ObjInstance *heap_take_waiting(Heap *h);
/* The instance heap_take_waiting would take, left waiting. */
static inline ObjInstance *heap_next_waiting(const Heap *h) { return (ObjInstance *)h->waiting.items[h->waiting.head]; }
/* At the end of a run: releases every waiting instance without its finalizer, and what
   that releases, finalizable or not (docs/semantics.md section 17.5). */
void heap_release_waiting(Heap *h);

/* The same, for JIT stencils (PRESERVE_MOST, common.h). Defined by the JIT's run-time
   support (jit/jit_runtime.c), which clang compiles whatever builds the rest. */
PRESERVE_MOST void heap_release_obj_preserving(Heap *h, Obj *o);

static inline void val_decref(Heap *h, Value v) {
#ifdef TESSERA_STENCIL
  if (v.kind == VAL_OBJ && --v.as.obj->refcount == 0) heap_release_obj_preserving(h, v.as.obj);
#else
  if (v.kind == VAL_OBJ && --v.as.obj->refcount == 0) heap_release_obj(h, v.as.obj);
#endif
}

#endif
