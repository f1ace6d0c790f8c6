/* object.h: classes, instances and their shapes (docs/semantics.md, "Classes and
 * instances").
 *
 * Names. An attribute or class name is a string constant of the module, named by its
 * index: constants are unique (module.h), so two names are the same exactly when their
 * indices are.
 *
 * Shapes (hidden classes). An instance's attribute names, in order, are its shape: a
 * node of a transition tree whose root is the empty shape and whose every other node is
 * its parent plus one name, the attribute at slot parent's length. Instances that got
 * the same names in the same order share one shape, so a cached (shape, slot) pair says
 * where an attribute is without looking its name up. Deleting an attribute moves the
 * instance to the shape of its remaining names in their order, rebuilt from the root.
 * Shapes belong to the VM, are never freed during a run and are not heap objects: they
 * are not accounted (docs/semantics.md).
 *
 * Class versions. Every class carries a version, unique among all classes of the run
 * and renewed whenever the class or any class it inherits from is mutated (an attribute
 * set or deleted): a cached (version, where-found) pair holds exactly while the version
 * is unchanged, whichever class an instance has by then. A VM hands out versions from
 * one counter; when the counter is spent, classes get version 0, which caches refuse. */
#ifndef TESSERA_OBJECT_H
#define TESSERA_OBJECT_H

#include "value.h"

#define SHAPE_ROOT 0u
#define SHAPE_NONE UINT32_MAX

typedef struct {
  uint32_t parent;       /* SHAPE_NONE for the root */
  uint32_t name;         /* the name this node adds (not the root's) */
  uint32_t len;          /* attributes: the depth in the tree */
  uint32_t first_child;  /* transitions: children in a list, SHAPE_NONE ends it */
  uint32_t next_sibling;
} Shape;

typedef struct {
  Shape *shapes;
  uint32_t len, cap;
} ShapeTable;

void shapes_init(ShapeTable *t);
void shapes_free(ShapeTable *t);
/* The slot of name in shape, or -1 when the shape has no such attribute. */
int64_t shape_slot(const ShapeTable *t, uint32_t shape, uint32_t name);
/* The shape of shape's names followed by name (which it does not have). */
uint32_t shape_add(ShapeTable *t, uint32_t shape, uint32_t name);
/* The shape shape_add would answer if it exists already, else SHAPE_NONE. */
uint32_t shape_child(const ShapeTable *t, uint32_t shape, uint32_t name);
/* The shape of shape's names without the one at slot, in their order. */
uint32_t shape_without(ShapeTable *t, uint32_t shape, uint32_t slot);
/* The name at slot of shape (slot < the shape's length). */
uint32_t shape_name_at(const ShapeTable *t, uint32_t shape, uint32_t slot);

struct VM;

/* Where a class attribute was found: `depth` bases up from the class asked, at `slot`. */
typedef struct {
  uint32_t depth, slot;
} ClassWhere;

/* Looks name up on c, then its base, and so on; false when no class has it. */
bool class_lookup(const ObjClass *c, uint32_t name, Value *out, ClassWhere *where);
/* A ClassWhere packed in 32 bits, depth << 16 | slot, as caches hold it; false when it
   does not fit. */
static inline bool class_where_pack(ClassWhere w, uint32_t *packed) {
  if (w.depth > 0xffff || w.slot > 0xffff) return false;
  *packed = w.depth << 16 | w.slot;
  return true;
}
/* The attribute a packed ClassWhere names (from the class it was found for). */
static inline Value *class_attr_at(ObjClass *c, uint32_t packed) {
  /* Mostly 0 to 2 steps: unrolled, the loop made the stencils that read a class's
     attribute save two registers (jit/template.c) */
#pragma clang loop unroll(disable)
  for (uint32_t depth = packed >> 16; depth; depth--) c = c->base;
  return &c->attrs[packed & 0xffff].value;
}

/* Attribute caches (docs/tier2.md, "Attribute caches"): a trace's generic load_attr or
   load_method keeps where it found its name for the last ATTR_CACHE_WAYS (shape, class
   version) pairs of the instances it met: a site that sees several classes or shapes,
   which t1 leaves generic. An entry holds exactly while an instance has that pair: the
   shape says whether the instance has the name and at which slot, the version (unique
   to a class as it is now, above) that its class and every class above it are
   unchanged. Version 0 is never cached, and no instance has shape SHAPE_NONE, which
   keys the empty entries. */
#define ATTR_CACHE_WAYS 4
#define ATTR_CACHE_OWN 0x80000000u  /* an entry's `where`: the instance's slot (the rest),
                                       else a packed ClassWhere (class_where_pack) */
typedef struct {
  uint64_t key;  /* attr_cache_key */
  uint32_t where;
} AttrCacheEntry;
typedef struct {
  AttrCacheEntry entries[ATTR_CACHE_WAYS];
  uint32_t next;  /* the entry the next fill replaces, round robin */
} AttrCache;

static inline uint64_t attr_cache_key(const ObjInstance *o) { return o->shape | (uint64_t)o->cls->version << 32; }
#define ATTR_CACHE_MISS UINT32_MAX  /* no entry holds (never a slot: instances hold fewer) */
/* The `where` of the entry of cache c that holds for instance o, or ATTR_CACHE_MISS. */
static inline uint32_t attr_cache_where(const AttrCache *c, const ObjInstance *o) {
  uint64_t key = attr_cache_key(o);
#pragma clang loop unroll(full)
  for (uint32_t i = 0; i < ATTR_CACHE_WAYS; i++)
    if (c->entries[i].key == key) {
      uint32_t where = c->entries[i].where;
      if (where == ATTR_CACHE_MISS) __builtin_unreachable();  /* a filled entry's: no compare after it */
      return where;
    }
  return ATTR_CACHE_MISS;
}
/* The attribute an entry's `where` names on instance o. */
static inline Value *attr_cache_place(ObjInstance *o, uint32_t where) {
  return where & ATTR_CACHE_OWN ? &o->slots[where & ~ATTR_CACHE_OWN] : class_attr_at(o->cls, where);
}
void attr_cache_init(AttrCache *c);
/* A miss: the place of name on instance o (its slot, else its class's or a base's
   attribute), an entry for it filled when the class has a version; NULL when o has no
   such attribute, or it is too many bases up to pack (the generic load, which raises
   the error). */
Value *attr_cache_fill(struct VM *vm, AttrCache *c, ObjInstance *o, uint32_t name);

/* A new version for a class that is new or has changed (0 when the counter is spent). */
uint32_t class_new_version(struct VM *vm);

/* The text of name (a string constant), for messages and rendering. */
const char *object_name_text(const struct VM *vm, uint32_t name);

#endif
