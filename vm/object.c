/* object.c: shapes, class versions and the attribute operations (rules in object.h and
 * docs/semantics.md). */
#include "object.h"

#include "semantics.h"
#include "trace.h"

/* ---- Shapes ---- */

static uint32_t shape_push(ShapeTable *t, Shape s) {
  if (t->len == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 64;
    t->shapes = xrealloc(t->shapes, sizeof(Shape) * t->cap);
  }
  t->shapes[t->len] = s;
  return t->len++;
}

void shapes_init(ShapeTable *t) {
  memset(t, 0, sizeof *t);
  shape_push(t, (Shape){SHAPE_NONE, 0, 0, SHAPE_NONE, SHAPE_NONE});
}

void shapes_free(ShapeTable *t) {
  free(t->shapes);
  memset(t, 0, sizeof *t);
}

int64_t shape_slot(const ShapeTable *t, uint32_t shape, uint32_t name) {
  for (uint32_t s = shape; s != SHAPE_ROOT; s = t->shapes[s].parent)
    if (t->shapes[s].name == name) return t->shapes[s].len - 1;
  return -1;
}

uint32_t shape_child(const ShapeTable *t, uint32_t shape, uint32_t name) {
  for (uint32_t c = t->shapes[shape].first_child; c != SHAPE_NONE; c = t->shapes[c].next_sibling)
    if (t->shapes[c].name == name) return c;
  return SHAPE_NONE;
}

uint32_t shape_add(ShapeTable *t, uint32_t shape, uint32_t name) {
  uint32_t found = shape_child(t, shape, name);
  if (found != SHAPE_NONE) return found;
  ASSERT(t->len < SHAPE_NONE - 1, "shape table full");
  uint32_t c = shape_push(t, (Shape){shape, name, t->shapes[shape].len + 1, SHAPE_NONE, t->shapes[shape].first_child});
  t->shapes[shape].first_child = c;
  return c;
}

uint32_t shape_name_at(const ShapeTable *t, uint32_t shape, uint32_t slot) {
  uint32_t s = shape;
  while (t->shapes[s].len > slot + 1) s = t->shapes[s].parent;
  return t->shapes[s].name;
}

uint32_t shape_without(ShapeTable *t, uint32_t shape, uint32_t slot) {
  uint32_t n = t->shapes[shape].len;
  uint32_t *names = xmalloc(sizeof(uint32_t) * n);
  for (uint32_t s = shape; s != SHAPE_ROOT; s = t->shapes[s].parent) names[t->shapes[s].len - 1] = t->shapes[s].name;
  uint32_t r = SHAPE_ROOT;
  for (uint32_t i = 0; i < n; i++)
    if (i != slot) r = shape_add(t, r, names[i]);
  free(names);
  return r;
}

/* ---- Classes ---- */

/* The slot of c's own attribute name, or c->len when c itself has none. */
static uint32_t class_own_slot(const ObjClass *c, uint32_t name) {
  uint32_t i = 0;
  while (i < c->len && c->attrs[i].name != name) i++;
  return i;
}

bool class_lookup(const ObjClass *c, uint32_t name, Value *out, ClassWhere *where) {
  for (uint32_t depth = 0; c; c = c->base, depth++)
    for (uint32_t i = 0; i < c->len; i++)
      if (c->attrs[i].name == name) {
        *out = c->attrs[i].value;
        if (where) *where = (ClassWhere){depth, i};
        return true;
      }
  return false;
}

uint32_t class_new_version(VM *vm) {
  if (vm->next_class_version == 0) return 0;
  return vm->next_class_version++;  /* wraps to 0 after the last: spent */
}

static bool inherits(const ObjClass *k, const ObjClass *c) {
  for (; k; k = k->base)
    if (k == c) return true;
  return false;
}

/* c changed: it and every class that inherits from it get new versions. A renewed
   version that a cache had taken is an invalidation (counted for the fuzzer's reach). */
static void class_mutated(VM *vm, ObjClass *c) {
  ObjClass *end = &vm->heap.classes;
  bool subclasses_too = vm->t1.fault != FAULT_STALE_SUBCLASS;  /* test-only fault */
  for (ObjClass *k = end->next_class; k != end; k = k->next_class)
    if (k == c || vm->t1.off.renew_all_classes || (subclasses_too && inherits(k, c))) {
      vm->class_invalidations += k->version_cached;
      if (k->version_cached && vm->t2) t2_class_version_renewed(vm, k->version);  /* the watcher */
      k->version_cached = false;
      k->version = class_new_version(vm);
    }
}

/* ---- Attribute caches ---- */

void attr_cache_init(AttrCache *c) {
  for (uint32_t i = 0; i < ATTR_CACHE_WAYS; i++) c->entries[i] = (AttrCacheEntry){.key = SHAPE_NONE};
  c->next = 0;
}

Value *attr_cache_fill(VM *vm, AttrCache *c, ObjInstance *o, uint32_t name) {
  int64_t slot = shape_slot(&vm->shapes, o->shape, name);
  uint32_t where;
  Value *place;
  if (slot >= 0) {
    where = ATTR_CACHE_OWN | (uint32_t)slot;
    place = &o->slots[slot];
  } else {
    Value v;
    ClassWhere w;
    /* not found, or too deep to pack: the generic load (which raises when not found) */
    if (!class_lookup(o->cls, name, &v, &w) || !class_where_pack(w, &where) || (where & ATTR_CACHE_OWN)) return NULL;
    place = class_attr_at(o->cls, where);
  }
  if (o->cls->version == 0) return place;  /* spent: never cached */
  c->entries[c->next] = (AttrCacheEntry){attr_cache_key(o), where};
  c->next = (c->next + 1) % ATTR_CACHE_WAYS;
  if (vm->t1.fault == FAULT_T2_ATTR_CACHE_ANY_CLASS) {  /* test-only fault: the entry taken for
                                                           every class, keyed by the shape alone */
    const ObjClass *end = &vm->heap.classes;
    uint32_t others = 0;
    for (const ObjClass *k = end->next_class; k != end; k = k->next_class)
      if (k != o->cls && k->version && others++ < ATTR_CACHE_WAYS - 1) {
        c->entries[c->next] = (AttrCacheEntry){o->shape | (uint64_t)k->version << 32, where};
        c->next = (c->next + 1) % ATTR_CACHE_WAYS;
      }
  }
  vm->t2->stats->attr_cache_fills++;
  return place;
}

const char *object_name_text(const VM *vm, uint32_t name) { return vm->module->consts[name].s; }

/* ---- The operations ---- */

ErrorKind sem_new_class(VM *vm, Value base, uint32_t name, Value *out) {
  if (base.kind != VAL_NIL && !is_class(base))
    return vm_fail(vm, ERR_TYPE, "base of class %s is %s, not a class or nil", object_name_text(vm, name),
                   value_type_name(base));
  ObjClass *c = heap_new_class(&vm->heap, name, base.kind == VAL_NIL ? NULL : as_class(base));
  if (!c) return vm_fail(vm, ERR_HEAP, "heap limit reached");
  c->version = class_new_version(vm);
  *out = val_obj(&c->obj);
  return ERR_NONE;
}

static ErrorKind no_attribute(VM *vm, Value x, uint32_t name) {
  const ObjClass *c = is_instance(x) ? as_instance(x)->cls : as_class(x);
  return vm_fail(vm, ERR_ATTRIBUTE, "%s %s has no attribute %s", is_instance(x) ? "instance of" : "class",
                 object_name_text(vm, c->name), object_name_text(vm, name));
}

ErrorKind sem_load_attr(VM *vm, Value x, uint32_t name, Value *out) {
  Value v;
  if (is_instance(x)) {
    ObjInstance *o = as_instance(x);
    int64_t slot = shape_slot(&vm->shapes, o->shape, name);
    if (slot >= 0) v = o->slots[slot];
    else if (!class_lookup(o->cls, name, &v, NULL)) return no_attribute(vm, x, name);
  } else if (is_class(x)) {
    if (!class_lookup(as_class(x), name, &v, NULL)) return no_attribute(vm, x, name);
  } else {
    return vm_fail(vm, ERR_TYPE, "%s has no attributes (loading %s)", value_type_name(x), object_name_text(vm, name));
  }
  val_incref(v);
  *out = v;
  return ERR_NONE;
}

ErrorKind sem_store_attr(VM *vm, Value x, uint32_t name, Value v) {
  if (is_instance(x)) {
    ObjInstance *o = as_instance(x);
    int64_t slot = shape_slot(&vm->shapes, o->shape, name);
    if (slot >= 0) {
      Value old = o->slots[slot];
      val_incref(v);
      o->slots[slot] = v;
      val_decref(&vm->heap, old);
      return ERR_NONE;
    }
    if (!heap_instance_reserve(&vm->heap, o)) return vm_fail(vm, ERR_HEAP, "heap limit reached");
    val_incref(v);
    o->slots[o->len++] = v;
    o->shape = shape_add(&vm->shapes, o->shape, name);
    return ERR_NONE;
  }
  if (is_class(x)) {
    ObjClass *c = as_class(x);
    uint32_t i = class_own_slot(c, name);
    if (i == c->len && !heap_class_reserve(&vm->heap, c)) return vm_fail(vm, ERR_HEAP, "heap limit reached");
    val_incref(v);
    if (i == c->len) {
      c->attrs[c->len++] = (ClassAttr){name, v};
    } else {
      Value old = c->attrs[i].value;
      c->attrs[i].value = v;
      val_decref(&vm->heap, old);
    }
    class_mutated(vm, c);
    return ERR_NONE;
  }
  return vm_fail(vm, ERR_TYPE, "cannot set attribute %s of %s", object_name_text(vm, name), value_type_name(x));
}

ErrorKind sem_del_attr(VM *vm, Value x, uint32_t name) {
  if (is_instance(x)) {
    ObjInstance *o = as_instance(x);
    int64_t slot = shape_slot(&vm->shapes, o->shape, name);
    if (slot < 0) return no_attribute(vm, x, name);
    Value old = o->slots[slot];
    memmove(&o->slots[slot], &o->slots[slot + 1], sizeof(Value) * (o->len - (uint32_t)slot - 1));
    o->len--;
    o->shape = shape_without(&vm->shapes, o->shape, (uint32_t)slot);
    val_decref(&vm->heap, old);
    return ERR_NONE;
  }
  if (is_class(x)) {
    ObjClass *c = as_class(x);
    uint32_t i = class_own_slot(c, name);
    if (i == c->len) return no_attribute(vm, x, name);
    Value old = c->attrs[i].value;
    memmove(&c->attrs[i], &c->attrs[i + 1], sizeof(ClassAttr) * (c->len - i - 1));
    c->len--;
    class_mutated(vm, c);
    val_decref(&vm->heap, old);
    return ERR_NONE;
  }
  return vm_fail(vm, ERR_TYPE, "cannot delete attribute %s of %s", object_name_text(vm, name), value_type_name(x));
}

ErrorKind sem_set_class(VM *vm, Value x, Value cls) {
  if (!is_instance(x) || !is_class(cls))
    return vm_fail(vm, ERR_TYPE, "set_class of %s to %s: needs an instance and a class", value_type_name(x),
                   value_type_name(cls));
  ObjInstance *o = as_instance(x);
  ObjClass *old = o->cls;
  o->cls = as_class(cls);
  o->cls->obj.refcount++;
  val_decref(&vm->heap, val_obj(&old->obj));
  return ERR_NONE;
}

/* Operator method op of x's class (or a base), when x is an instance and has one. */
static bool find_operator(const VM *vm, Value x, OperatorId op, Value *f) {
  return is_instance(x) && vm->operator_name[op] != SHAPE_NONE &&
         class_lookup(as_instance(x)->cls, vm->operator_name[op], f, NULL);
}

bool sem_has_operator(const VM *vm, Value x, OperatorId op) {
  Value f;
  return find_operator(vm, x, op, &f);
}

bool sem_operator(VM *vm, Value x, OperatorId op, uint32_t argc, FrameRet ret, bool again, ErrorKind *err) {
  Value f;
  if (!find_operator(vm, x, op, &f)) return false;
  *err = ERR_NONE;
  if (f.kind != VAL_FUNC)
    *err = vm_fail(vm, ERR_TYPE, "%s of class %s is %s, not a function", operator_method_name[op],
                   object_name_text(vm, as_instance(x)->cls->name), value_type_name(f));
  else
    vm->invoke = (Invoke){f.as.fn, (uint8_t)argc, (uint8_t)ret, again};
  return true;
}

ErrorKind sem_instantiate(VM *vm, Value cls, Value *inst, Value *init) {
  ObjInstance *o = heap_new_instance(&vm->heap, as_class(cls));
  if (!o) return vm_fail(vm, ERR_HEAP, "heap limit reached");
  Value f;
  *init = val_nil();
  if (vm->init_name != SHAPE_NONE && class_lookup(as_class(cls), vm->init_name, &f, NULL)) {
    if (f.kind != VAL_FUNC) {
      val_decref(&vm->heap, val_obj(&o->obj));
      return vm_fail(vm, ERR_TYPE, "init of class %s is %s, not a function", object_name_text(vm, as_class(cls)->name),
                     value_type_name(f));
    }
    *init = f;
  }
  *inst = val_obj(&o->obj);
  return ERR_NONE;
}
