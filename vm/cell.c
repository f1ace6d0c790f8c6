/* cell.c: cells and closures (docs/semantics.md section 27). A cell holds one value that
 * every holder of the cell reads and writes; a closure is a function with the one value
 * it captured (a cell, or an array of cells, usually), which the frames of its calls
 * read with load_capture from their callee slot, where the call left the closure. */
#include "semantics.h"

ErrorKind sem_cell_new(VM *vm, Value x, Value *out) {
  ObjCell *c = heap_new_cell(&vm->heap, x);
  if (!c) return vm_fail(vm, ERR_HEAP, "heap limit reached");
  val_incref(x);
  *out = val_obj(&c->obj);
  return ERR_NONE;
}

ErrorKind sem_cell_get(VM *vm, Value c, Value *out) {
  if (!is_cell(c)) return vm_fail(vm, ERR_TYPE, "cell_get of %s, not a cell", value_type_name(c));
  *out = as_cell(c)->value;
  val_incref(*out);
  return ERR_NONE;
}

ErrorKind sem_cell_set(VM *vm, Value c, Value v) {
  if (!is_cell(c)) return vm_fail(vm, ERR_TYPE, "cell_set of %s, not a cell", value_type_name(c));
  Value old = as_cell(c)->value;
  val_incref(v);
  as_cell(c)->value = v;
  val_decref(&vm->heap, old);
  return ERR_NONE;
}

ErrorKind sem_closure(VM *vm, uint32_t fn, Value x, Value *out) {
  ObjClosure *c = heap_new_closure(&vm->heap, fn, x);
  if (!c) return vm_fail(vm, ERR_HEAP, "heap limit reached");
  val_incref(x);
  *out = val_obj(&c->obj);
  return ERR_NONE;
}
