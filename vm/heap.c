/* heap.c: object allocation, accounting and iterative release. */
#include "heap.h"

#include <string.h>

void heap_init(Heap *h, uint64_t max_bytes) {
  memset(h, 0, sizeof *h);
  h->list.prev = h->list.next = &h->list;
  h->max_bytes = max_bytes;
}

static bool heap_reserve(Heap *h, uint64_t bytes) {
  if (bytes > h->max_bytes || h->live_bytes > h->max_bytes - bytes) return false;
  return true;
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
  if (!heap_reserve(h, bytes)) return NULL;
  ObjString *s = xmalloc(sizeof(ObjString) + (size_t)len + 1);
  heap_link(h, &s->obj, OBJ_STRING, bytes);
  s->len = len;
  s->chars[len] = '\0';
  return s;
}

ObjString *heap_new_string(Heap *h, const char *chars, uint32_t len) {
  ObjString *s = heap_alloc_string(h, len);
  if (s && len) memcpy(s->chars, chars, len);
  return s;
}

static uint64_t array_bytes(uint64_t cap) { return HEAP_OBJECT_BYTES + HEAP_SLOT_BYTES * cap; }

ObjArray *heap_new_array(Heap *h, uint32_t cap) {
  if (cap > HEAP_MAX_LENGTH || !heap_reserve(h, array_bytes(cap))) return NULL;
  /* One allocation for the object and its first items: arrays are made in hot loops. */
  ObjArray *a = xmalloc(sizeof(ObjArray) + sizeof(Value) * cap);
  heap_link(h, &a->obj, OBJ_ARRAY, array_bytes(cap));
  a->len = 0;
  a->cap = cap;
  a->items = a->first_items;
  return a;
}

bool heap_array_push(Heap *h, ObjArray *a, Value v) {
  if (a->len == a->cap) {
    if (a->cap >= HEAP_MAX_LENGTH) return false;
    uint64_t cap = (uint64_t)a->cap * 2;
    if (cap < 4) cap = 4;
    if (cap > HEAP_MAX_LENGTH) cap = HEAP_MAX_LENGTH;
    uint64_t grow = array_bytes(cap) - array_bytes(a->cap);
    if (!heap_reserve(h, grow)) return false;
    if (a->items == a->first_items) {
      a->items = xmalloc(sizeof(Value) * (size_t)cap);
      memcpy(a->items, a->first_items, sizeof(Value) * a->len);
    } else {
      a->items = xrealloc(a->items, sizeof(Value) * (size_t)cap);
    }
    a->cap = (uint32_t)cap;
    h->live_bytes += grow;
    a->obj.bytes = array_bytes(cap);
  }
  a->items[a->len++] = v;
  return true;
}

static void heap_push_dead(Heap *h, Obj *o) {
  if (h->dead_len == h->dead_cap) {
    h->dead_cap = h->dead_cap ? h->dead_cap * 2 : 64;
    h->dead = xrealloc(h->dead, sizeof(Obj *) * h->dead_cap);
  }
  h->dead[h->dead_len++] = o;
}

static void heap_free_obj(Obj *o) {
  if (o->kind == OBJ_ARRAY && ((ObjArray *)o)->items != ((ObjArray *)o)->first_items) free(((ObjArray *)o)->items);
  free(o);
}

void heap_release_obj(Heap *h, Obj *o) {
  ASSERT(o->refcount == 0, "released object still referenced");
  heap_push_dead(h, o);
  while (h->dead_len) {
    Obj *d = h->dead[--h->dead_len];
    heap_unlink(h, d);
    if (d->kind == OBJ_ARRAY) {
      ObjArray *a = (ObjArray *)d;
      for (uint32_t i = 0; i < a->len; i++) {
        Value v = a->items[i];
        if (v.kind == VAL_OBJ && --v.as.obj->refcount == 0) heap_push_dead(h, v.as.obj);
      }
    }
    heap_free_obj(d);
  }
}

void heap_teardown(Heap *h) {
  Obj *o = h->list.next;
  while (o != &h->list) {
    Obj *next = o->next;
    heap_free_obj(o);
    o = next;
  }
  h->list.prev = h->list.next = &h->list;
  h->live_objects = h->live_bytes = 0;
  free(h->dead);
  h->dead = NULL;
  h->dead_len = h->dead_cap = 0;
}
