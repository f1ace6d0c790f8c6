/* probe.c: the hash that PROBE folds into the run's checksum (rules in semantics.h). */
#include "semantics.h"

#define HASH_MAX_NODES 256

/* A map's entry is hashed as the two elements key, value (hash_items over &key). */
STATIC_ASSERT(offsetof(MapEntry, value) == offsetof(MapEntry, key) + sizeof(Value), "a key and its value are adjacent");
#define HASH_MAX_DEPTH 8

static uint64_t hash_rec(Value v, int depth, int *budget);

/* A container's elements (an array's, an instance's attribute values) after its header
   h: none below the depth limit, then each while the shared budget lasts. */
static uint64_t hash_items(uint64_t h, const Value *items, uint32_t len, int depth, int *budget) {
  if (depth >= HASH_MAX_DEPTH) return h;
  for (uint32_t i = 0; i < len && *budget > 0; i++) {
    (*budget)--;
    h = sem_mix(h, hash_rec(items[i], depth + 1, budget));
  }
  return h;
}

static uint64_t hash_rec(Value v, int depth, int *budget) {
  if (v.kind != VAL_OBJ) return sem_hash_scalar(v);
  uint64_t h = sem_mix(PROBE_HASH_SEED, VAL_OBJ);
  if (is_string(v)) {
    const ObjString *s = as_string(v);
    h = sem_mix(h, OBJ_STRING);
    h = sem_mix(h, s->len);
    for (uint32_t i = 0; i < s->len; i++) h = sem_mix(h, (uint8_t)s->chars[i]);
    return h;
  } else if (is_array(v)) {
    const ObjArray *a = as_array(v);
    h = sem_mix(h, OBJ_ARRAY);
    h = sem_mix(h, a->len);
    return hash_items(h, a->items, a->len, depth, budget);
  } else if (is_map(v)) {
    /* Each key, then its value, in order, as elements under the same budget. */
    const ObjMap *m = as_map(v);
    h = sem_mix(h, OBJ_MAP);
    h = sem_mix(h, m->len);
    if (depth >= HASH_MAX_DEPTH) return h;
    for (uint32_t i = 0; i < m->used; i++)
      if (m->entries[i].live) h = hash_items(h, &m->entries[i].key, 2, depth, budget);
    return h;
  } else if (is_class(v)) {
    return sem_mix(sem_mix(h, OBJ_CLASS), as_class(v)->name);
  } else if (is_iter(v)) {
    return sem_mix(h, OBJ_ITER);
  } else if (is_cell(v)) {  /* its value, as a one-element array's */
    return hash_items(sem_mix(h, OBJ_CELL), &as_cell(v)->value, 1, depth, budget);
  } else if (is_closure(v)) {  /* its function, then its capture */
    h = sem_mix(sem_mix(h, OBJ_CLOSURE), as_closure(v)->fn);
    return hash_items(h, &as_closure(v)->capture, 1, depth, budget);
  } else {
    /* An instance: its class's name and its attribute values in order (not their
       names, which only the VM's shapes know: the hash takes a value alone). */
    const ObjInstance *o = as_instance(v);
    h = sem_mix(h, OBJ_INSTANCE);
    h = sem_mix(h, o->cls->name);
    h = sem_mix(h, o->len);
    return hash_items(h, o->slots, o->len, depth, budget);
  }
}

uint64_t sem_hash_value(Value v) {
  int budget = HASH_MAX_NODES;
  return hash_rec(v, 0, &budget);
}
