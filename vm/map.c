/* map.c: maps (docs/semantics.md section 24): keys and values in insertion order, found
 * through a hash index.
 *
 *   entries  [k0 v0][k1 v1][hole][k3 v3] ...   insertion order; a deleted entry is a hole
 *   index    open addressing, linear probing: entry + 1, or 0 for an empty slot
 *
 * The index has at least twice as many slots as the capacity has entries, so a probe
 * always meets an empty slot. A deleted entry stays in the index as a tombstone (its
 * slot is skipped, never emptied) until the entries are rebuilt: when a new key finds
 * the entries full, they are compacted in order, into a grown capacity if every entry
 * is live. The hash is internal: nothing observable depends on it, so it only has to
 * agree with key equality (semantics.h: sem_equal), which makes 1, 1.0 and -0.0 + 1 the
 * same key. */
#include <math.h>

#include "render.h"
#include "semantics.h"

/* ---- Keys ---- */

/* A string key's hash: computed once, then kept (a word counted many times is looked up
   many times). */
static __attribute__((noinline)) uint64_t string_hash_first(ObjString *s) {
  return s->hash = mix64(hash_bytes(s->chars, s->len));
}
static inline uint64_t string_key_hash(ObjString *s) { return s->hash ? s->hash : string_hash_first(s); }

/* Equal keys hash alike: a float with an int's value hashes as that int. */
static uint64_t key_hash(Value k) {
  switch (k.kind) {
  case VAL_NIL: return 0x6e696c6e696cull;
  case VAL_BOOL: return mix64(0xb001ull + k.as.b);
  case VAL_INT: return mix64((uint64_t)k.as.i);
  case VAL_FLOAT: {
    double f = k.as.f;
    if (f >= -9223372036854775808.0 && f < 9223372036854775808.0 && (double)(int64_t)f == f)
      return mix64((uint64_t)(int64_t)f);
    uint64_t bits;
    memcpy(&bits, &f, sizeof bits);
    return mix64(bits ^ 0xf10a7ull);
  }
  default: return string_key_hash(as_string(k));
  }
}

/* Keys are nil, bools, ints, floats other than NaN, and strings. */
static ErrorKind check_key(VM *vm, Value k) {
  switch (k.kind) {
  case VAL_NIL: case VAL_BOOL: case VAL_INT: return ERR_NONE;
  case VAL_FLOAT:
    if (isnan(k.as.f)) return vm_fail(vm, ERR_TYPE, "NaN cannot be a map key");
    return ERR_NONE;
  default:
    if (is_string(k)) return ERR_NONE;
    return vm_fail(vm, ERR_TYPE, "%s cannot be a map key", value_type_name(k));
  }
}

/* ---- The index ---- */

/* How probe compares a key whose hash matches: sem_equal (keys that are not strings),
   sem_string_equal (strings: sem_equal's answer without its number analysis, which the
   compiler would otherwise hoist before the probes of every lookup), or, for strings of
   at most SEM_SHORT_BYTES, sem_short_bytes_equal's loads, which make no call. */
typedef enum { PROBE_SCALAR, PROBE_STRING, PROBE_SHORT_STRING } ProbeKey;

/* The entry holding key k (hash h), or -1. */
static inline __attribute__((always_inline)) int64_t probe(const ObjMap *m, Value k, uint64_t h, ProbeKey how) {
  for (uint32_t i = (uint32_t)h & m->index_mask;; i = (i + 1) & m->index_mask) {
    uint32_t s = m->index[i];
    if (!s) return -1;
    const MapEntry *e = &m->entries[s - 1];
    if (!e->live || e->hash != h) continue;
    if (how == PROBE_SCALAR) {
      if (sem_equal(e->key, k)) return s - 1;
      continue;
    }
    if (e->key.kind != VAL_OBJ) continue;
    const ObjString *es = as_string(e->key), *ks = as_string(k);
    if (how == PROBE_STRING ? sem_string_equal(es, ks)
                            : es == ks || (es->len == ks->len && sem_short_bytes_equal(es->chars, ks->chars, ks->len)))
      return s - 1;
  }
}

/* Not inlined, so that find's own probe makes no call: the probes of keys that are not
   strings (sem_equal's number analysis needs many registers) and of strings longer than
   SEM_SHORT_BYTES (memcmp), either of which made find save and restore six registers at
   every lookup of a word (bench/wordfreq.tas). */
static __attribute__((noinline)) int64_t probe_scalar(const ObjMap *m, Value k, uint64_t h) {
  return probe(m, k, h, PROBE_SCALAR);
}
static __attribute__((noinline)) int64_t probe_long_string(const ObjMap *m, Value k, uint64_t h) {
  return probe(m, k, h, PROBE_STRING);
}

/* The entry holding key k (hash h), or -1; the entry found is remembered (ObjMap.found). */
static int64_t find(ObjMap *m, Value k, uint64_t h) {
  if (!m->cap) return -1;
  int64_t at = k.kind != VAL_OBJ                       ? probe_scalar(m, k, h)
               : as_string(k)->len > SEM_SHORT_BYTES ? probe_long_string(m, k, h)
                                                     : probe(m, k, h, PROBE_SHORT_STRING);
  if (at >= 0) m->found = (uint32_t)at;
  return at;
}

static void index_put(ObjMap *m, uint32_t entry) {
  uint32_t i = (uint32_t)m->entries[entry].hash & m->index_mask;
  while (m->index[i]) i = (i + 1) & m->index_mask;
  m->index[i] = entry + 1;
}

/* The live entries, in order, into a capacity of cap, and a fresh index (blocks of the
   heap's pool, as heap_free_map_blocks frees them). */
static void rebuild(Heap *h, ObjMap *m, uint32_t cap) {
  MapEntry *entries = pool_alloc(&h->pool, sizeof(MapEntry) * cap);
  uint32_t n = 0;
  for (uint32_t i = 0; i < m->used; i++)
    if (m->entries[i].live) entries[n++] = m->entries[i];
  heap_free_map_blocks(h, m);
  m->entries = entries;
  m->used = n;
  m->cap = cap;
  uint32_t slots = 8;
  while (slots < 2 * (uint64_t)cap) slots *= 2;
  m->index = pool_alloc(&h->pool, sizeof(uint32_t) * slots);
  memset(m->index, 0, sizeof(uint32_t) * slots);
  m->index_mask = slots - 1;
  for (uint32_t i = 0; i < n; i++) index_put(m, i);
}

/* ---- The operations ---- */

/* The index error of a key the map does not have, naming the key: its REPR text, cut
   after MISSING_KEY_TEXT bytes with "...". */
#define MISSING_KEY_TEXT 40
static ErrorKind missing_key(VM *vm, Value k) {
  Buf b = {0};
  bool whole = render_value(vm->module, NULL, k, RENDER_REPR, &b, MISSING_KEY_TEXT);
  ErrorKind e = vm_fail(vm, ERR_INDEX, "key %.*s%s not in map", (int)b.len, b.data ? b.data : "", whole ? "" : "...");
  buf_free(&b);
  return e;
}

/* Entry at's value becomes v (borrowed); the old one is released. */
static void replace_value(VM *vm, ObjMap *m, uint32_t at, Value v) {
  Value old = m->entries[at].value;
  val_incref(v);
  m->entries[at].value = v;
  val_decref(&vm->heap, old);
}

ErrorKind sem_map_new(VM *vm, Value *out) {
  ObjMap *m = heap_new_map(&vm->heap);
  if (!m) return vm_fail(vm, ERR_HEAP, "heap limit reached");
  *out = val_obj(&m->obj);
  return ERR_NONE;
}

ErrorKind sem_map_get(VM *vm, Value map, Value k, Value *out) {
  ErrorKind e = check_key(vm, k);
  if (e) return e;
  ObjMap *m = as_map(map);
  int64_t at = find(m, k, key_hash(k));
  if (at < 0) return missing_key(vm, k);
  *out = m->entries[at].value;
  val_incref(*out);
  return ERR_NONE;
}

ErrorKind sem_map_set(VM *vm, Value map, Value k, Value v) {
  ErrorKind e = check_key(vm, k);
  if (e) return e;
  ObjMap *m = as_map(map);
  uint64_t h = key_hash(k);
  int64_t at = find(m, k, h);
  if (at >= 0) {  /* the key stays as first stored */
    replace_value(vm, m, (uint32_t)at, v);
    return ERR_NONE;
  }
  if (vm->t1.fault == FAULT_MAP_REVIVE)  /* test-only fault: every tier but ref */
    for (uint32_t i = 0; i < m->used; i++)
      if (!m->entries[i].live && m->entries[i].hash == h) {  /* the key's old place, revived */
        val_incref(k);
        val_incref(v);
        m->entries[i] = (MapEntry){k, v, h, true};
        m->len++;
        return ERR_NONE;
      }
  if (m->len == m->cap) {
    uint32_t cap = heap_map_grow(&vm->heap, m);
    if (!cap) return vm_fail(vm, ERR_HEAP, "heap limit reached");
    rebuild(&vm->heap, m, cap);
  } else if (m->used == m->cap) {
    rebuild(&vm->heap, m, m->cap);  /* holes only: compacted, the accounted capacity unchanged */
  }
  val_incref(k);
  val_incref(v);
  m->entries[m->used] = (MapEntry){k, v, h, true};
  m->found = m->used;
  index_put(m, m->used++);
  m->len++;
  return ERR_NONE;
}

/* Whether entry `at` holds string key ks, of hash h: the same hash, then the same
   string object (a constant) or the same bytes (a key's only objects are strings). */
static inline __attribute__((always_inline)) bool entry_holds(VM *vm, const ObjMap *m, const ObjString *ks,
                                                              uint64_t h, uint32_t at) {
  if (at >= m->used || !m->entries[at].live) return false;
  const MapEntry *e = &m->entries[at];
  if (UNLIKELY(vm->t1.fault == FAULT_MAP_STALE_HINT)) return true;  /* test-only fault: trusts the hint */
  return e->hash == h && e->key.kind == VAL_OBJ && sem_string_equal(as_string(e->key), ks);
}

/* The entry a hinted lookup of string key k takes without a probe: the site's hint,
   else the entry the map's latest probe found (ObjMap.found: a word looked up by has,
   then get, then set, probes once, where each site's hint misses whenever the words
   vary: bench/wordfreq.tas), each used only if it holds k; else -1. The key is hashed
   first (kept in the string, and needed by the probe if both miss), so that an entry
   of another key costs one compare. Inlined into each lookup, which makes no call
   when it hits. */
static inline __attribute__((always_inline)) int64_t hinted_entry(VM *vm, const ObjMap *m, Value k, uint32_t hint) {
  if (vm->t1.off.hints_unused) return -1;
  ObjString *ks = as_string(k);
  uint64_t h = string_key_hash(ks);
  if (entry_holds(vm, m, ks, h, hint)) return hint;
  uint32_t found = m->found;
  if (found != hint && entry_holds(vm, m, ks, h, found)) return found;
  return -1;
}

ErrorKind sem_map_get_hinted(VM *vm, Value map, Value k, uint32_t hint, Value *out) {
  const ObjMap *m = as_map(map);
  int64_t at = hinted_entry(vm, m, k, hint);
  if (UNLIKELY(at < 0)) return sem_map_get(vm, map, k, out);
  *out = m->entries[at].value;
  val_incref(*out);
  return ERR_NONE;
}

ErrorKind sem_map_set_hinted(VM *vm, Value map, Value k, Value v, uint32_t hint) {
  ObjMap *m = as_map(map);
  int64_t at = hinted_entry(vm, m, k, hint);
  if (UNLIKELY(at < 0)) return sem_map_set(vm, map, k, v);
  replace_value(vm, m, (uint32_t)at, v);
  return ERR_NONE;
}

ErrorKind sem_map_has_hinted(VM *vm, Value map, Value k, uint32_t hint, Value *out) {
  if (UNLIKELY(hinted_entry(vm, as_map(map), k, hint) < 0)) return sem_map_has(vm, map, k, out);
  *out = val_bool(true);
  return ERR_NONE;
}

uint32_t sem_map_hint(Value map, Value k) {
  int64_t at = find(as_map(map), k, key_hash(k));
  return at < 0 ? UINT32_MAX : (uint32_t)at;
}

ErrorKind sem_map_has(VM *vm, Value map, Value k, Value *out) {
  if (!is_map(map)) return vm_fail(vm, ERR_TYPE, "cannot look for a key in %s", value_type_name(map));
  ErrorKind e = check_key(vm, k);
  if (e) return e;
  *out = val_bool(find(as_map(map), k, key_hash(k)) >= 0);
  return ERR_NONE;
}

ErrorKind sem_map_delete(VM *vm, Value map, Value k) {
  if (!is_map(map)) return vm_fail(vm, ERR_TYPE, "cannot delete a key of %s", value_type_name(map));
  ErrorKind e = check_key(vm, k);
  if (e) return e;
  ObjMap *m = as_map(map);
  int64_t at = find(m, k, key_hash(k));
  if (at < 0) return missing_key(vm, k);
  MapEntry *d = &m->entries[at];
  Value key = d->key, value = d->value;
  *d = (MapEntry){val_nil(), val_nil(), d->hash, false};  /* a hole; its index slot stays, a tombstone */
  m->len--;
  val_decref(&vm->heap, key);
  val_decref(&vm->heap, value);
  return ERR_NONE;
}
