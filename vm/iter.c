/* iter.c: iterators (docs/semantics.md section 25): `iter` makes one over an array, a
 * string, a map's keys or the ints 0 .. n-1, and `for_iter` asks it for its next
 * value. An iterator never copies what it walks: an array is read at its length as it
 * is at each step, and a map by the rank of its next key, after checking that the map
 * still has as many keys as when the iterator was made. */
#include "semantics.h"

ErrorKind sem_iter(VM *vm, Value x, Value *out) {
  if (!is_array(x) && !is_string(x) && !is_map(x) && x.kind != VAL_INT)
    return vm_fail(vm, ERR_TYPE, "cannot iterate %s", value_type_name(x));
  ObjIter *it = heap_new_iter(&vm->heap, x);
  if (!it) return vm_fail(vm, ERR_HEAP, "heap limit reached");
  it->start_len = is_map(x) ? as_map(x)->len : is_array(x) ? as_array(x)->len : 0;
  *out = val_obj(&it->obj);
  return ERR_NONE;
}

/* The map's key of rank `rank` in its order (rank < len). */
static Value map_key_at(const ObjMap *m, uint32_t rank) {
  if (m->used == m->len) return m->entries[rank].key;  /* no holes */
  for (uint32_t i = 0;; i++)
    if (m->entries[i].live && rank-- == 0) return m->entries[i].key;
}

ErrorKind sem_for_iter(VM *vm, Value iter, Value *out, bool *done) {
  if (!is_iter(iter)) return vm_fail(vm, ERR_TYPE, "for_iter of %s, not an iterator", value_type_name(iter));
  ObjIter *it = as_iter(iter);
  Value s = it->source;
  *done = false;
  if (!it->done) {
    if (is_array(s)) {
      uint32_t len = as_array(s)->len;
      if (vm->t1.fault == FAULT_ITER_STALE_LENGTH && it->pos < it->start_len) {
        /* test-only fault, every tier but ref: the length when iteration began (a
           hoisted length), nil past the current end */
        *out = it->pos < len ? as_array(s)->items[it->pos] : val_nil();
        it->pos++;
        val_incref(*out);
        return ERR_NONE;
      }
      if (it->pos < len) {
        *out = as_array(s)->items[it->pos++];
        val_incref(*out);
        return ERR_NONE;
      }
    } else if (is_string(s)) {
      const ObjString *str = as_string(s);
      if (it->pos < str->len) {
        ObjString *c = heap_new_string(&vm->heap, &str->chars[it->pos], 1);
        if (!c) return vm_fail(vm, ERR_HEAP, "heap limit reached");
        it->pos++;
        *out = val_obj(&c->obj);
        return ERR_NONE;
      }
    } else if (is_map(s)) {
      const ObjMap *m = as_map(s);
      if (m->len != it->start_len) return vm_fail(vm, ERR_INDEX, "map changed size during iteration");
      if (it->pos < m->len) {
        *out = map_key_at(m, (uint32_t)it->pos++);
        val_incref(*out);
        return ERR_NONE;
      }
    } else if (s.as.i > 0 && it->pos < (uint64_t)s.as.i) {  /* a range */
      *out = val_int((int64_t)it->pos++);
      return ERR_NONE;
    }
  }
  it->done = true;
  *done = true;
  return ERR_NONE;
}
