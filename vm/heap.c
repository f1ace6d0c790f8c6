/* heap.c: object allocation, accounting and iterative release. */
#include "heap.h"

#include <string.h>

#include "object.h"

void heap_init(Heap *h, uint64_t max_bytes) {
  memset(h, 0, sizeof *h);
  h->list.prev = h->list.next = &h->list;
  h->classes.prev_class = h->classes.next_class = &h->classes;
  h->max_bytes = max_bytes;
  h->finalizer_name = UINT32_MAX;
  pool_init(&h->pool);
}

/* The memory of a new object of `bytes` bytes, its block class noted in it; its first
   `zeroed` bytes zeroed (the fields past the header that the caller does not set). */
static void *heap_take(Heap *h, size_t bytes, size_t zeroed) {
  uint32_t cls = pool_class_of(bytes);
  Obj *o = pool_take(&h->pool, cls, bytes);
  memset(o, 0, zeroed);
  o->block = cls;
  return o;
}

static void heap_link(Heap *h, Obj *o, ObjKind kind, uint64_t bytes) {
  o->kind = kind;
  o->bytes = bytes;
  o->refcount = 1;
  o->prev = &h->list;
  o->next = h->list.next;
  h->list.next->prev = o;
  h->list.next = o;
  h->live_objects++;
  h->live_bytes += bytes;
}

static void heap_unlink(Heap *h, Obj *o) {
  o->prev->next = o->next;
  o->next->prev = o->prev;
  h->live_objects--;
  h->live_bytes -= o->bytes;
}

ObjString *heap_alloc_string(Heap *h, uint32_t len) {
  if (len > HEAP_MAX_LENGTH) return NULL;
  uint64_t bytes = (uint64_t)HEAP_OBJECT_BYTES + len;
  if (!heap_has_room(h, bytes)) return NULL;
  ObjString *s = heap_take(h, sizeof(ObjString) + (size_t)len + 1, 0);
  heap_link(h, &s->obj, OBJ_STRING, bytes);
  s->len = len;
  s->hash = 0;
  s->chars[len] = '\0';
  return s;
}

ObjString *heap_new_string(Heap *h, const char *chars, uint32_t len) {
  ObjString *s = heap_alloc_string(h, len);
  if (s && len) memcpy(s->chars, chars, len);
  return s;
}

/* Arrays, classes and instances: 32 bytes and 16 per unit of capacity (elements,
   attribute entries, attribute values; docs/semantics.md sections 17.1 and 23.6). */
static uint64_t slots_bytes(uint64_t cap) { return HEAP_OBJECT_BYTES + HEAP_SLOT_BYTES * cap; }

/* The growth rule of all three (section 17.2): from a full capacity cap to max(4, 2 * cap),
   at most HEAP_MAX_LENGTH; 0 when cap is that already. */
static uint64_t grown_capacity(uint32_t cap) {
  if (cap >= HEAP_MAX_LENGTH) return 0;
  uint64_t n = (uint64_t)cap * 2;
  if (n < 4) n = 4;
  return n > HEAP_MAX_LENGTH ? HEAP_MAX_LENGTH : n;
}

/* Accounts object o's growth from capacity cap to n: false, with nothing changed, when
   the heap limit forbids it. */
static bool account_growth(Heap *h, Obj *o, uint32_t cap, uint64_t n) {
  uint64_t grow = slots_bytes(n) - slots_bytes(cap);
  if (!heap_has_room(h, grow)) return false;
  h->live_bytes += grow;
  o->bytes = slots_bytes(n);
  return true;
}

ObjArray *heap_new_array(Heap *h, uint32_t cap) {
  if (cap > HEAP_MAX_LENGTH || !heap_has_room(h, slots_bytes(cap))) return NULL;
  /* One allocation for the object and its first items: arrays are made in hot loops. */
  ObjArray *a = heap_take(h, sizeof(ObjArray) + sizeof(Value) * cap, 0);
  heap_link(h, &a->obj, OBJ_ARRAY, slots_bytes(cap));
  a->len = 0;
  a->cap = cap;
  a->items = a->first_items;
  return a;
}

bool heap_array_push(Heap *h, ObjArray *a, Value v) {
  if (a->len == a->cap) {
    uint64_t cap = grown_capacity(a->cap);
    if (!cap || !account_growth(h, &a->obj, a->cap, cap)) return false;
    if (a->items == a->first_items) {
      a->items = pool_alloc(&h->pool, sizeof(Value) * (size_t)cap);
      memcpy(a->items, a->first_items, sizeof(Value) * a->len);
    } else {
      a->items = pool_realloc(&h->pool, a->items, sizeof(Value) * (size_t)a->cap, sizeof(Value) * (size_t)cap);
    }
    a->cap = (uint32_t)cap;
  }
  a->items[a->len++] = v;
  return true;
}

ObjClass *heap_new_class(Heap *h, uint32_t name, ObjClass *base) {
  if (!heap_has_room(h, slots_bytes(0))) return NULL;
  ObjClass *c = heap_take(h, sizeof *c, sizeof *c);
  heap_link(h, &c->obj, OBJ_CLASS, slots_bytes(0));
  c->name = name;
  c->base = base;
  if (base) base->obj.refcount++;
  c->prev_class = &h->classes;
  c->next_class = h->classes.next_class;
  h->classes.next_class->prev_class = c;
  h->classes.next_class = c;
  return c;
}

/* A map's bytes: a key and a value per entry of capacity. */
static uint64_t map_bytes(uint64_t cap) { return HEAP_OBJECT_BYTES + 2 * HEAP_SLOT_BYTES * cap; }

ObjMap *heap_new_map(Heap *h) {
  if (!heap_has_room(h, map_bytes(0))) return NULL;
  ObjMap *m = heap_take(h, sizeof *m, sizeof *m);
  heap_link(h, &m->obj, OBJ_MAP, map_bytes(0));
  return m;
}

uint32_t heap_map_grow(Heap *h, ObjMap *m) {
  uint64_t n = grown_capacity(m->cap);
  if (!n) return 0;
  uint64_t grow = map_bytes(n) - map_bytes(m->cap);
  if (!heap_has_room(h, grow)) return 0;
  h->live_bytes += grow;
  m->obj.bytes = map_bytes(n);
  return (uint32_t)n;
}

ObjIter *heap_new_iter(Heap *h, Value source) {
  if (!heap_has_room(h, slots_bytes(1))) return NULL;
  ObjIter *it = heap_take(h, sizeof *it, sizeof *it);
  heap_link(h, &it->obj, OBJ_ITER, slots_bytes(1));
  it->source = source;
  val_incref(source);
  return it;
}

ObjCell *heap_new_cell(Heap *h, Value v) {
  if (!heap_has_room(h, slots_bytes(1))) return NULL;
  ObjCell *c = heap_take(h, sizeof *c, sizeof *c);
  heap_link(h, &c->obj, OBJ_CELL, slots_bytes(1));
  c->value = v;
  return c;
}

ObjClosure *heap_new_closure(Heap *h, uint32_t fn, Value v) {
  if (!heap_has_room(h, slots_bytes(1))) return NULL;
  ObjClosure *c = heap_take(h, sizeof *c, sizeof *c);
  heap_link(h, &c->obj, OBJ_CLOSURE, slots_bytes(1));
  c->fn = fn;
  c->capture = v;
  return c;
}

ObjInstance *heap_new_instance(Heap *h, ObjClass *cls) {
  if (!heap_has_room(h, slots_bytes(0))) return NULL;
  /* Zero but the inline slots, which are written before they are read */
  ObjInstance *o = heap_take(h, sizeof *o, offsetof(ObjInstance, inline_slots));
  heap_link(h, &o->obj, OBJ_INSTANCE, slots_bytes(0));
  o->slots = o->inline_slots;
  o->cls = cls;
  cls->obj.refcount++;
  return o;
}

/* Grows a block of cap items of `size` bytes by the array rule; false when the heap
   limit forbids it. */
static bool grow_attrs(Heap *h, Obj *o, void **items, uint32_t *cap, size_t size) {
  uint64_t n = grown_capacity(*cap);
  if (!n || !account_growth(h, o, *cap, n)) return false;
  *items = pool_realloc(&h->pool, *items, size * (size_t)*cap, size * (size_t)n);
  *cap = (uint32_t)n;
  return true;
}

bool heap_class_reserve(Heap *h, ObjClass *c) {
  if (c->len < c->cap) return true;
  void *items = c->attrs;
  bool ok = grow_attrs(h, &c->obj, &items, &c->cap, sizeof(ClassAttr));
  c->attrs = items;
  return ok;
}

bool heap_instance_reserve(Heap *h, ObjInstance *o) {
  if (o->len < o->cap) return true;
  if (o->slots == o->inline_slots) {  /* the accounting grows as ever; the storage may not */
    uint64_t n = grown_capacity(o->cap);
    if (!n || !account_growth(h, &o->obj, o->cap, n)) return false;
    if (n > INSTANCE_INLINE_SLOTS) {
      o->slots = pool_alloc(&h->pool, sizeof(Value) * (size_t)n);
      memcpy(o->slots, o->inline_slots, sizeof(Value) * o->len);
    }
    o->cap = (uint32_t)n;
    return true;
  }
  void *items = o->slots;
  bool ok = grow_attrs(h, &o->obj, &items, &o->cap, sizeof(Value));
  o->slots = items;
  return ok;
}

static void queue_push(ObjQueue *q, Obj *o) {
  if (q->head == q->len) q->head = q->len = 0;
  if (q->len == q->cap) {
    q->cap = q->cap ? q->cap * 2 : 64;
    q->items = xrealloc(q->items, sizeof(Obj *) * q->cap);
  }
  q->items[q->len++] = o;
}

static Obj *queue_take(ObjQueue *q) {
  Obj *o = q->items[q->head++];
  if (q->head == q->len) q->head = q->len = 0;
  return o;
}

static void queue_free(ObjQueue *q) {
  free(q->items);
  *q = (ObjQueue){NULL, 0, 0, 0};
}

void heap_free_map_blocks(Heap *h, ObjMap *m) {
  if (!m->entries) return;
  pool_free(&h->pool, m->entries, sizeof(MapEntry) * m->cap);
  pool_free(&h->pool, m->index, sizeof(uint32_t) * ((size_t)m->index_mask + 1));
}

static void heap_free_obj(Heap *h, Obj *o) {
  switch ((ObjKind)o->kind) {
  case OBJ_STRING: break;
  case OBJ_ARRAY: {
    ObjArray *a = (ObjArray *)o;
    if (a->items != a->first_items) pool_free(&h->pool, a->items, sizeof(Value) * (size_t)a->cap);
    break;
  }
  case OBJ_CLASS: pool_free(&h->pool, ((ObjClass *)o)->attrs, sizeof(ClassAttr) * (size_t)((ObjClass *)o)->cap); break;
  case OBJ_INSTANCE: {
    ObjInstance *in = (ObjInstance *)o;
    if (in->slots != in->inline_slots) pool_free(&h->pool, in->slots, sizeof(Value) * (size_t)in->cap);
    break;
  }
  case OBJ_ITER: case OBJ_CELL: case OBJ_CLOSURE: break;
  case OBJ_MAP: heap_free_map_blocks(h, (ObjMap *)o); break;
  }
  pool_give(&h->pool, o, o->block);
}

static void heap_drop(Heap *h, Value v) {
  if (v.kind == VAL_OBJ && --v.as.obj->refcount == 0) queue_push(&h->dead, v.as.obj);
}

/* An instance whose count just reached zero: true when it now waits for its finalizer
   (docs/semantics.md section 23.8), the queue owning it. */
static bool heap_starts_waiting(Heap *h, ObjInstance *in) {
  Value f;
  if (in->waited || h->finalizer_name == UINT32_MAX || !class_lookup(in->cls, h->finalizer_name, &f, NULL))
    return false;
  in->waited = true;
  in->obj.refcount = 1;
  queue_push(&h->waiting, &in->obj);
  return true;
}

ObjInstance *heap_take_waiting(Heap *h) {
  ASSERT(heap_has_waiting(h), "no instance waits");
  return (ObjInstance *)queue_take(&h->waiting);
}

void heap_release_waiting(Heap *h) {
  h->finalizer_name = UINT32_MAX;  /* what this releases is released at once */
  while (heap_has_waiting(h)) val_decref(h, val_obj(&heap_take_waiting(h)->obj));
}

void heap_release_obj(Heap *h, Obj *o) {
  ASSERT(o->refcount == 0, "released object still referenced");
  if (o->kind == OBJ_STRING) {  /* holds nothing: released at once, as the queue would */
    heap_unlink(h, o);
    pool_give(&h->pool, o, o->block);
    return;
  }
  /* An instance that now waits for its finalizer releases nothing yet. */
  if (o->kind == OBJ_INSTANCE && heap_starts_waiting(h, (ObjInstance *)o)) return;
  /* o first, then what its releases drop to zero, in the order they drop (the queue
     h->dead, empty on entry: nothing below releases an object again), each instance
     among them that now waits skipped. */
  ASSERT(h->dead.len == 0, "a release inside a release");
  Obj *d = o;
  for (;;) {
    heap_unlink(h, d);
    switch ((ObjKind)d->kind) {
    case OBJ_STRING: break;
    case OBJ_ARRAY: {
      ObjArray *a = (ObjArray *)d;
      for (uint32_t i = 0; i < a->len; i++) heap_drop(h, a->items[i]);
      break;
    }
    case OBJ_CLASS: {
      ObjClass *c = (ObjClass *)d;
      c->prev_class->next_class = c->next_class;
      c->next_class->prev_class = c->prev_class;
      for (uint32_t i = 0; i < c->len; i++) heap_drop(h, c->attrs[i].value);
      if (c->base) heap_drop(h, val_obj(&c->base->obj));
      break;
    }
    case OBJ_INSTANCE: {
      ObjInstance *in = (ObjInstance *)d;
      for (uint32_t i = 0; i < in->len; i++) heap_drop(h, in->slots[i]);
      heap_drop(h, val_obj(&in->cls->obj));
      break;
    }
    case OBJ_ITER: heap_drop(h, ((ObjIter *)d)->source); break;
    case OBJ_CELL: heap_drop(h, ((ObjCell *)d)->value); break;
    case OBJ_CLOSURE: heap_drop(h, ((ObjClosure *)d)->capture); break;
    case OBJ_MAP: {
      ObjMap *m = (ObjMap *)d;
      for (uint32_t i = 0; i < m->used; i++)
        if (m->entries[i].live) {
          heap_drop(h, m->entries[i].key);
          heap_drop(h, m->entries[i].value);
        }
      break;
    }
    }
    heap_free_obj(h, d);
    do {
      if (!h->dead.len) return;
      d = queue_take(&h->dead);
    } while (d->kind == OBJ_INSTANCE && heap_starts_waiting(h, (ObjInstance *)d));
  }
}

void heap_teardown(Heap *h) {
  Obj *o = h->list.next;
  while (o != &h->list) {
    Obj *next = o->next;
    heap_free_obj(h, o);
    o = next;
  }
  h->list.prev = h->list.next = &h->list;
  h->classes.prev_class = h->classes.next_class = &h->classes;
  h->live_objects = h->live_bytes = 0;
  queue_free(&h->dead);
  queue_free(&h->waiting);
  pool_teardown(&h->pool);
}
