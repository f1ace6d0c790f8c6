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
  it->start_used = is_map(x) ? as_map(x)->used : 0;
  *out = val_obj(&it->obj);
  return ERR_NONE;
}

ErrorKind sem_for_iter(VM *vm, Value iter, Value *out, bool *done) {
  if (!is_iter(iter)) return vm_fail(vm, ERR_TYPE, "for_iter of %s, not an iterator", value_type_name(iter));
  ObjIter *it = as_iter(iter);
  Value s = it->source;
  *done = it->done;
  if (*done) return ERR_NONE;
  ErrorKind e = is_array(s)    ? iter_step_array(vm, it, out, done)
              : is_string(s)   ? iter_step_string(vm, it, out, done)
              : is_map(s)      ? iter_step_map(vm, it, out, done)
                               : iter_step_range(vm, it, out, done);
  if (*done) it->done = true;
  return e;
}
