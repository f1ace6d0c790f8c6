/* value.h: the VM's values and heap object layouts.
 *
 *   Value = { kind, payload }     16 bytes, passed by value
 *   kinds: nil, bool, int (int64), float (IEEE double), func (index), obj (heap),
 *   builtin (a builtin function's number, vm/builtin.h)
 *   heap objects: string (immutable bytes), array (mutable, growable), class (a name,
 *   an optional base, ordered attributes, a version), instance (a class, a shape and
 *   the attribute values in the shape's order; vm/object.h), map (keys and values in
 *   insertion order, with a hash index; vm/map.c), iterator (over an array, a string,
 *   a map's keys or an int range; vm/iter.c)
 *
 * Heap objects are reference counted. A Value held in a stack slot, local, global,
 * array element or constant owns one reference. */
#ifndef TESSERA_VALUE_H
#define TESSERA_VALUE_H

#include "common.h"

/* VAL_BUILTIN comes last so that the older kinds keep their numbers (the probe hashes
   them). */
typedef enum { VAL_NIL, VAL_BOOL, VAL_INT, VAL_FLOAT, VAL_FUNC, VAL_OBJ, VAL_BUILTIN } ValueKind;
typedef enum { OBJ_STRING, OBJ_ARRAY, OBJ_CLASS, OBJ_INSTANCE, OBJ_MAP, OBJ_ITER, OBJ_CELL, OBJ_CLOSURE } ObjKind;

typedef struct Obj Obj;

typedef struct Value {
  uint32_t kind;
  uint32_t pad_;  /* kept zero so that Values compare and hash bytewise in tests */
  union {
    bool b;
    int64_t i;
    double f;
    uint32_t fn;   /* a function's index, or a builtin's number */
    Obj *obj;
  } as;
} Value;

struct Obj {
  uint32_t kind;     /* ObjKind */
  uint32_t block;    /* the pool class of its memory (vm/pool.h; 0: malloc'd) */
  uint64_t bytes;    /* accounted size, see heap.h */
  int64_t refcount;
  Obj *prev, *next;  /* every live object is on the heap's list, so teardown frees cycles */
};

typedef struct {
  Obj obj;
  uint32_t len;
  uint64_t hash;  /* its hash as a map key (vm/map.c), kept at the first use (strings never
                     change); 0: not computed yet. Not observable: the heap accounts bytes
                     by length alone (heap.h) */
  char chars[];   /* len bytes and a terminating NUL (not part of the string) */
} ObjString;

typedef struct {
  Obj obj;
  uint32_t len, cap;
  Value *items;         /* first_items until a push outgrows them, then a block of its own */
  Value first_items[];  /* the capacity the array was made with, in the object's block */
} ObjArray;

/* An attribute of a class: its name (a string constant's index, vm/object.h) and value. */
typedef struct {
  uint32_t name;
  Value value;
} ClassAttr;

typedef struct ObjClass {
  Obj obj;
  uint32_t name;            /* string constant index */
  uint32_t version;         /* unique to this class as it is now; 0: never cached */
  bool version_cached;      /* a t1 cache holds the version (statistics only) */
  struct ObjClass *base;    /* owns a reference, or NULL */
  uint32_t len, cap;
  ClassAttr *attrs;         /* in the order they were first set */
  struct ObjClass *prev_class, *next_class;  /* every live class (vm/object.h) */
} ObjClass;

/* An instance's first attributes live in its own block (heap.c): the first store of an
   attribute grows the accounted capacity from 0 to 4 (docs/semantics.md section 23.6)
   without a second allocation. */
#define INSTANCE_INLINE_SLOTS 4

typedef struct {
  Obj obj;
  ObjClass *cls;            /* owns a reference */
  uint32_t shape;           /* vm/object.h: names the attributes, in order */
  uint32_t len, cap;        /* len: the shape's attribute count */
  bool waited;              /* it has waited for its finalizer once (never again) */
  Value *slots;             /* inline_slots until it needs more than they hold */
  Value inline_slots[INSTANCE_INLINE_SLOTS];  /* storage only: cap is the accounted capacity */
} ObjInstance;

/* A map's entry: a key and its value, in insertion order (vm/map.h). */
typedef struct {
  Value key, value;
  uint64_t hash;      /* of the key (map.c's own hash: never observable) */
  bool live;          /* false once deleted: a hole until the entries are compacted */
} MapEntry;

typedef struct {
  Obj obj;
  uint32_t len;       /* keys */
  uint32_t used;      /* entries[0..used) written, holes included */
  uint32_t cap;       /* entries allocated: the accounted capacity */
  MapEntry *entries;
  uint32_t *index;    /* open addressing: entry + 1, or 0 for an empty slot */
  uint32_t index_mask;  /* slots - 1, slots a power of two >= 2 * cap (none while cap is 0) */
  uint32_t found;     /* the entry the latest probe found or a store added: a second hint
                         for the hinted lookups (map.c: hinted_entry), checked as theirs */
} ObjMap;

/* An iterator (docs/semantics.md section 25): what it walks and how far it got. */
typedef struct {
  Obj obj;
  Value source;       /* the array, string or map (owns a reference), or the int bound */
  uint64_t pos;       /* values given so far */
  uint32_t start_len; /* the array's length or the map's number of keys when it was made */
  uint32_t start_used; /* a map's entries in use then (grows when a key is stored anew):
                          only for the fuzzer's reach count, iter_source_changed */
  bool done;          /* exhausted, for good */
} ObjIter;

/* A cell (docs/semantics.md section 27): one value, shared by whoever holds the cell. */
typedef struct {
  Obj obj;
  Value value;        /* owns a reference */
} ObjCell;

/* A closure: a function and the one value it captured (usually a cell, or an array of
   them), which its frames read with load_capture. */
typedef struct {
  Obj obj;
  uint32_t fn;
  Value capture;      /* owns a reference */
} ObjClosure;

static inline Value val_nil(void) { Value v = {VAL_NIL, 0, {.i = 0}}; return v; }
static inline Value val_bool(bool b) { Value v = {VAL_BOOL, 0, {.i = 0}}; v.as.b = b; return v; }
static inline Value val_int(int64_t i) { Value v = {VAL_INT, 0, {.i = i}}; return v; }
static inline Value val_float(double f) { Value v = {VAL_FLOAT, 0, {.i = 0}}; v.as.f = f; return v; }
static inline Value val_func(uint32_t fn) { Value v = {VAL_FUNC, 0, {.i = 0}}; v.as.fn = fn; return v; }
static inline Value val_builtin(uint32_t b) { Value v = {VAL_BUILTIN, 0, {.i = 0}}; v.as.fn = b; return v; }
static inline Value val_obj(Obj *o) { Value v = {VAL_OBJ, 0, {.i = 0}}; v.as.obj = o; return v; }

/* Reads and writes a Value in memory as two 8-byte words, kind first. A plain struct
   copy from one slot to another becomes a single 16-byte move, which cannot take its data
   from the two 8-byte stores that usually wrote the slot (store-to-load forwarding
   fails, stalling the copy), and which hides the payload from the register cache of
   compiled code (vm/jit_abi.h). */
static inline Value val_load(const Value *p) {
  Value v;
  __builtin_memcpy(&v, p, 8);  /* builtin: the stencils are compiled with -fno-builtin */
  v.as.i = p->as.i;
  return v;
}
static inline void val_store(Value *p, Value v) {
  __builtin_memcpy(p, &v, 8);
  p->as.i = v.as.i;
}

static inline bool is_obj_kind(Value v, ObjKind k) { return v.kind == VAL_OBJ && v.as.obj->kind == k; }
static inline bool is_string(Value v) { return is_obj_kind(v, OBJ_STRING); }
static inline bool is_array(Value v) { return is_obj_kind(v, OBJ_ARRAY); }
static inline ObjString *as_string(Value v) { return (ObjString *)v.as.obj; }
static inline ObjArray *as_array(Value v) { return (ObjArray *)v.as.obj; }
static inline bool is_class(Value v) { return is_obj_kind(v, OBJ_CLASS); }
static inline bool is_instance(Value v) { return is_obj_kind(v, OBJ_INSTANCE); }
static inline ObjClass *as_class(Value v) { return (ObjClass *)v.as.obj; }
static inline ObjInstance *as_instance(Value v) { return (ObjInstance *)v.as.obj; }
static inline bool is_map(Value v) { return is_obj_kind(v, OBJ_MAP); }
static inline ObjMap *as_map(Value v) { return (ObjMap *)v.as.obj; }
static inline bool is_iter(Value v) { return is_obj_kind(v, OBJ_ITER); }
static inline ObjIter *as_iter(Value v) { return (ObjIter *)v.as.obj; }
static inline bool is_cell(Value v) { return is_obj_kind(v, OBJ_CELL); }
static inline ObjCell *as_cell(Value v) { return (ObjCell *)v.as.obj; }
static inline bool is_closure(Value v) { return is_obj_kind(v, OBJ_CLOSURE); }
static inline ObjClosure *as_closure(Value v) { return (ObjClosure *)v.as.obj; }

/* The type name used in messages: nil, bool, int, float, function, string, array,
   class, instance, map, iterator, cell, closure, builtin. */
const char *value_type_name(Value v);

#endif
