/* iter.c: iterators (docs/semantics.md section 25): `iter` makes one over an array, a
 * string, a map's keys or the ints 0 .. n-1. Its steps (`for_iter`) are the
 * iter_step_* functions of semantics.h, which uops.h's uop_for_iter* call. An iterator
 * never copies what it walks: an array is read at its length as it is at each step, and
 * a map by the rank of its next key, after checking that the map still has as many keys
 * as when the iterator was made. */
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
