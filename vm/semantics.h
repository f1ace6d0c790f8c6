/* semantics.h: the meaning of every operation, written once.
 *
 * Each function takes borrowed operands and, on success, returns ERR_NONE with an
 * owned result in *out; on failure it returns the error kind (and leaves a detail in
 * vm->error_detail) and *out is untouched. The reference interpreter calls these;
 * later tiers' micro-ops call the same functions, so no rule is written twice.
 * docs/semantics.md states the rules in prose; this file is their implementation. */
#ifndef TESSERA_SEMANTICS_H
#define TESSERA_SEMANTICS_H

#include <math.h>
#include <string.h>

#include "builtin.h"
#include "heap.h"
#include "opcodes.h"
#include "render.h"
#include "vm.h"

/* ---- Integer arithmetic: two's complement wrap-around, never C overflow. ---- */

static inline int64_t sem_wrap_add(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static inline int64_t sem_wrap_sub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static inline int64_t sem_wrap_mul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
static inline int64_t sem_wrap_neg(int64_t a) { return (int64_t)(0u - (uint64_t)a); }

/* Floor division; the caller has excluded b == 0. INT64_MIN // -1 wraps to INT64_MIN. */
static inline int64_t sem_int_floordiv(int64_t a, int64_t b) {
  if (b == -1) return sem_wrap_neg(a);
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) q--;
  return q;
}

/* Modulo with the sign of the divisor; b != 0. x % -1 is 0. */
static inline int64_t sem_int_mod(int64_t a, int64_t b) {
  if (b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

/* Float modulo with the sign of the divisor (b != 0): fmod is exact, then the result is
   moved into the divisor's sign; a zero result takes the divisor's sign. */
static inline double sem_float_mod(double a, double b) {
  double r = fmod(a, b);
  if (r != 0.0) {
    if ((b < 0.0) != (r < 0.0)) r += b;
  } else {
    r = copysign(0.0, b);
  }
  return r;
}

/* Float floor division (b != 0), consistent with sem_float_mod: computed from the exact
   remainder, (a - mod) / b, then rounded to the nearest integer-valued double; a zero
   quotient takes the sign of a / b. This is CPython's float floor division. */
static inline double sem_float_floordiv(double a, double b) {
  double mod = fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0.0 && ((b < 0.0) != (mod < 0.0))) div -= 1.0;
  if (div == 0.0) return copysign(0.0, a / b);
  double f = floor(div);
  if (div - f > 0.5) f += 1.0;
  return f;
}

/* Shifts: counts >= 64 shift everything out; the caller has excluded n < 0. */
static inline int64_t sem_shl(int64_t a, int64_t n) { return n >= 64 ? 0 : (int64_t)((uint64_t)a << n); }
static inline int64_t sem_shr(int64_t a, int64_t n) {
  if (n >= 64) return a < 0 ? -1 : 0;
  return a < 0 ? ~(~a >> n) : a >> n;  /* arithmetic, without C's implementation-defined >> */
}

/* ---- Truthiness and comparison ---- */

/* Falsy: nil, false, 0, 0.0, -0.0, "", [] and the empty map. Everything else (NaN,
   classes and instances included) is truthy. */
static inline bool sem_truthy(Value v) {
  switch (v.kind) {
  case VAL_NIL: return false;
  case VAL_BOOL: return v.as.b;
  case VAL_INT: return v.as.i != 0;
  case VAL_FLOAT: return v.as.f != 0.0;
  case VAL_FUNC:
  case VAL_BUILTIN: return true;
  case VAL_OBJ:
    if (is_string(v)) return as_string(v)->len != 0;
    if (is_array(v)) return as_array(v)->len != 0;
    if (is_map(v)) return as_map(v)->len != 0;
    return true;
  }
  return true;
}

#define SEM_UNORDERED 2

/* Exact comparison of an int with a double (no rounding of the int): -1, 0, 1 or
   SEM_UNORDERED for NaN. */
static inline int sem_cmp_int_float(int64_t i, double f) {
  if (isnan(f)) return SEM_UNORDERED;
  if (f >= 9223372036854775808.0) return -1;
  if (f < -9223372036854775808.0) return 1;
  double t = trunc(f);
  int64_t ti = (int64_t)t;  /* exact: t is integral and in range */
  if (i != ti) return i < ti ? -1 : 1;
  return f > t ? -1 : (f < t ? 1 : 0);
}

static inline int sem_cmp_float(double a, double b) {
  if (isnan(a) || isnan(b)) return SEM_UNORDERED;
  return a < b ? -1 : (a > b ? 1 : 0);
}

static inline int sem_cmp_string(const ObjString *a, const ObjString *b) {
  uint32_t n = a->len < b->len ? a->len : b->len;
  /* The first bytes first, as memcmp compares them (unsigned): most strings that differ
     differ there, and a one-byte string's compare needs no library call. */
  unsigned char a0 = (unsigned char)a->chars[0], b0 = (unsigned char)b->chars[0];
  if (n && a0 != b0) return a0 < b0 ? -1 : 1;
  int c = n > 1 ? memcmp(a->chars + 1, b->chars + 1, n - 1) : 0;
  if (c) return c < 0 ? -1 : 1;
  return a->len < b->len ? -1 : (a->len > b->len ? 1 : 0);
}

#define SEM_SHORT_BYTES 16u

/* Whether a and b differ in their first w bytes or in their last w of n (w 8 or 4, n at
   least w): two loads from each, overlapping when n is under 2 * w, none outside the n
   bytes. __builtin_memcpy: the stencils are compiled with -fno-builtin. */
static inline bool sem_edges_differ(const char *a, const char *b, uint32_t n, uint32_t w) {
  uint64_t a0 = 0, b0 = 0, a1 = 0, b1 = 0;
  __builtin_memcpy(&a0, a, w);
  __builtin_memcpy(&b0, b, w);
  __builtin_memcpy(&a1, a + n - w, w);
  __builtin_memcpy(&b1, b + n - w, w);
  return ((a0 ^ b0) | (a1 ^ b1)) != 0;
}

/* Whether the n bytes at a and at b, n at most SEM_SHORT_BYTES, are the same: by
   sem_edges_differ's loads of 8 bytes (of 4 below 8), or bytes 0, n / 2 and n - 1 below 4.
   No library call and no loop (clang makes a byte loop a bcmp call): map keys, words
   mostly, are compared inside the probe's loop (vm/map.c). */
static inline __attribute__((always_inline)) bool sem_short_bytes_equal(const char *a, const char *b, uint32_t n) {
  if (n >= 8) return !sem_edges_differ(a, b, n, 8);
  if (n >= 4) return !sem_edges_differ(a, b, n, 4);
  return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

/* Whether the n bytes at a and at b are the same. */
static inline bool sem_bytes_equal(const char *a, const char *b, uint32_t n) {
  return n <= SEM_SHORT_BYTES ? sem_short_bytes_equal(a, b, n) : memcmp(a, b, n) == 0;
}

/* Whether two strings hold the same bytes: the same object, or the same length and
   bytes. */
static inline bool sem_string_equal(const ObjString *a, const ObjString *b) {
  return a == b || (a->len == b->len && sem_bytes_equal(a->chars, b->chars, a->len));
}

static inline bool sem_is_number(Value v) { return v.kind == VAL_INT || v.kind == VAL_FLOAT; }

/* Numeric comparison of two numbers (int, float, mixed exactly). */
static inline int sem_cmp_numbers(Value a, Value b) {
  if (a.kind == VAL_INT && b.kind == VAL_INT) return a.as.i < b.as.i ? -1 : (a.as.i > b.as.i ? 1 : 0);
  if (a.kind == VAL_INT) return sem_cmp_int_float(a.as.i, b.as.f);
  if (b.kind == VAL_INT) {
    int c = sem_cmp_int_float(b.as.i, a.as.f);
    return c == SEM_UNORDERED ? c : -c;
  }
  return sem_cmp_float(a.as.f, b.as.f);
}

/* Equality: numbers by value (int and float compared exactly, NaN equals nothing,
   -0.0 == 0.0); strings by content; arrays by identity; functions by index; nil,
   bools by value; values of different kinds are unequal. */
static inline bool sem_equal(Value a, Value b) {
  if (sem_is_number(a) && sem_is_number(b)) return sem_cmp_numbers(a, b) == 0;
  if (a.kind != b.kind) return false;
  switch (a.kind) {
  case VAL_NIL: return true;
  case VAL_BOOL: return a.as.b == b.as.b;
  case VAL_FUNC:
  case VAL_BUILTIN: return a.as.fn == b.as.fn;
  case VAL_OBJ:
    if (is_string(a) && is_string(b)) return sem_string_equal(as_string(a), as_string(b));
    return a.as.obj == b.as.obj;
  default: return false;
  }
}

/* The order of a and b in *c (-1, 0, 1 or SEM_UNORDERED) when both are numbers or both
   strings; false for any other kinds. */
static inline bool sem_order(Value a, Value b, int *c) {
  if (sem_is_number(a) && sem_is_number(b))
    *c = sem_cmp_numbers(a, b);
  else if (is_string(a) && is_string(b))
    *c = sem_cmp_string(as_string(a), as_string(b));
  else
    return false;
  return true;
}

/* LT, LE, GT, GE: numbers or two strings; anything else is a type error. */
static inline ErrorKind sem_compare(VM *vm, Opcode op, Value a, Value b, Value *out) {
  int c;
  if (!sem_order(a, b, &c))
    return vm_fail(vm, ERR_TYPE, "cannot order %s and %s", value_type_name(a), value_type_name(b));
  bool r = false;
  if (c != SEM_UNORDERED) {
    switch (op) {
    case OP_LT: r = c < 0; break;
    case OP_LE: r = c <= 0; break;
    case OP_GT: r = c > 0; break;
    case OP_GE: r = c >= 0; break;
    default: UNREACHABLE();
    }
  }
  *out = val_bool(r);
  return ERR_NONE;
}

/* ---- Arithmetic ---- */

static inline double sem_to_double(Value v) { return v.kind == VAL_INT ? (double)v.as.i : v.as.f; }

static inline ErrorKind sem_concat(VM *vm, ObjString *a, ObjString *b, Value *out) {
  uint64_t n = (uint64_t)a->len + b->len;
  ObjString *s = n > HEAP_MAX_LENGTH ? NULL : heap_alloc_string(&vm->heap, (uint32_t)n);
  if (!s) return vm_fail(vm, ERR_HEAP, "string of %llu bytes exceeds the heap limit", (unsigned long long)n);
  memcpy(s->chars, a->chars, a->len);
  memcpy(s->chars + a->len, b->chars, b->len);
  *out = val_obj(&s->obj);
  return ERR_NONE;
}

/* int op int for ADD SUB MUL IDIV MOD BAND BOR BXOR SHL SHR where it cannot fail: y is
   not 0 for IDIV and MOD, not negative for SHL and SHR. */
static inline int64_t sem_int_op_valid(Opcode op, int64_t x, int64_t y) {
  switch (op) {
  case OP_ADD: return sem_wrap_add(x, y);
  case OP_SUB: return sem_wrap_sub(x, y);
  case OP_MUL: return sem_wrap_mul(x, y);
  case OP_IDIV: return sem_int_floordiv(x, y);
  case OP_MOD: return sem_int_mod(x, y);
  case OP_BAND: return x & y;
  case OP_BOR: return x | y;
  case OP_BXOR: return x ^ y;
  case OP_SHL: return sem_shl(x, y);
  case OP_SHR: return sem_shr(x, y);
  default: UNREACHABLE();
  }
}
/* int op int: the one statement of integer arithmetic, used by the generic instructions
   and the specialized uops alike (with a constant op the checks of other ops fold away). */
static inline ErrorKind sem_int_op(VM *vm, Opcode op, int64_t x, int64_t y, int64_t *out) {
  if (op == OP_IDIV && y == 0) return vm_fail(vm, ERR_DIV_ZERO, "integer division by zero");
  if (op == OP_MOD && y == 0) return vm_fail(vm, ERR_DIV_ZERO, "modulo by zero");
  if ((op == OP_SHL || op == OP_SHR) && y < 0) return vm_fail(vm, ERR_NEG_SHIFT, "shift by %lld", (long long)y);
  *out = sem_int_op_valid(op, x, y);
  return ERR_NONE;
}

/* float op float for ADD SUB MUL DIV IDIV MOD (IEEE; // and % by zero are errors). */
static inline ErrorKind sem_float_op(VM *vm, Opcode op, double x, double y, double *out) {
  switch (op) {
  case OP_ADD: *out = x + y; break;
  case OP_SUB: *out = x - y; break;
  case OP_MUL: *out = x * y; break;
  case OP_DIV: *out = x / y; break;
  case OP_IDIV:
    if (y == 0.0) return vm_fail(vm, ERR_DIV_ZERO, "float division by zero");
    *out = sem_float_floordiv(x, y);
    break;
  case OP_MOD:
    if (y == 0.0) return vm_fail(vm, ERR_DIV_ZERO, "float modulo by zero");
    *out = sem_float_mod(x, y);
    break;
  default: UNREACHABLE();
  }
  return ERR_NONE;
}

/* ADD SUB MUL DIV IDIV MOD: int op int is int (wrapping); if either is a float, both
   are converted to float; DIV is always float; ADD also concatenates strings. */
static inline ErrorKind sem_arith(VM *vm, Opcode op, Value a, Value b, Value *out) {
  if (op == OP_ADD && is_string(a) && is_string(b)) return sem_concat(vm, as_string(a), as_string(b), out);
  if (!sem_is_number(a) || !sem_is_number(b))
    return vm_fail(vm, ERR_TYPE, "%s of %s and %s", op_info[op].name, value_type_name(a), value_type_name(b));
  ErrorKind e;
  if (a.kind == VAL_INT && b.kind == VAL_INT && op != OP_DIV) {
    int64_t r;
    if ((e = sem_int_op(vm, op, a.as.i, b.as.i, &r))) return e;
    *out = val_int(r);
    return ERR_NONE;
  }
  double r;
  if ((e = sem_float_op(vm, op, sem_to_double(a), sem_to_double(b), &r))) return e;
  *out = val_float(r);
  return ERR_NONE;
}

static inline ErrorKind sem_neg(VM *vm, Value a, Value *out) {
  if (a.kind == VAL_INT) *out = val_int(sem_wrap_neg(a.as.i));
  else if (a.kind == VAL_FLOAT) *out = val_float(-a.as.f);
  else return vm_fail(vm, ERR_TYPE, "neg of %s", value_type_name(a));
  return ERR_NONE;
}

/* BAND BOR BXOR SHL SHR: ints only. */
static inline ErrorKind sem_bitwise(VM *vm, Opcode op, Value a, Value b, Value *out) {
  if (a.kind != VAL_INT || b.kind != VAL_INT)
    return vm_fail(vm, ERR_TYPE, "%s of %s and %s", op_info[op].name, value_type_name(a), value_type_name(b));
  int64_t r;
  ErrorKind e = sem_int_op(vm, op, a.as.i, b.as.i, &r);
  if (e) return e;
  *out = val_int(r);
  return ERR_NONE;
}

static inline ErrorKind sem_bnot(VM *vm, Value a, Value *out) {
  if (a.kind != VAL_INT) return vm_fail(vm, ERR_TYPE, "bnot of %s", value_type_name(a));
  *out = val_int(~a.as.i);
  return ERR_NONE;
}

/* ---- Maps (vm/map.c; docs/semantics.md section 24) ---- */

ErrorKind sem_map_new(VM *vm, Value *out);
/* m[k] of a map m (a missing key is an index error); m[k] = v (v borrowed). */
ErrorKind sem_map_get(VM *vm, Value m, Value k, Value *out);
ErrorKind sem_map_set(VM *vm, Value m, Value k, Value v);
/* has and del_key: m must be a map. */
ErrorKind sem_map_has(VM *vm, Value m, Value k, Value *out);
ErrorKind sem_map_delete(VM *vm, Value m, Value k);
/* The same as get and set on a map with a string key k, first trying entry hint, where
   the key was when t1 specialized (a hint that no longer holds k costs a lookup). */
ErrorKind sem_map_get_hinted(VM *vm, Value m, Value k, uint32_t hint, Value *out);
ErrorKind sem_map_set_hinted(VM *vm, Value m, Value k, Value v, uint32_t hint);
ErrorKind sem_map_has_hinted(VM *vm, Value m, Value k, uint32_t hint, Value *out);
/* The entry holding key k now, or UINT32_MAX: a hint. */
uint32_t sem_map_hint(Value m, Value k);

/* ---- Cells and closures (vm/cell.c; docs/semantics.md section 27) ---- */

ErrorKind sem_cell_new(VM *vm, Value x, Value *out);
ErrorKind sem_cell_get(VM *vm, Value c, Value *out);
ErrorKind sem_cell_set(VM *vm, Value c, Value v);
ErrorKind sem_closure(VM *vm, uint32_t fn, Value x, Value *out);
/* What the closure in a frame's callee slot captured; `type` when the frame was not
   entered from a closure (main's callee slot reads as nil). Inline: every closure call
   reads it, and a stencil then makes no call. */
static inline ErrorKind sem_load_capture(VM *vm, Value callee, Value *out) {
  if (!is_closure(callee))
    return vm_fail(vm, ERR_TYPE, "load_capture in a frame entered from %s, not a closure", value_type_name(callee));
  *out = as_closure(callee)->capture;
  val_incref(*out);
  return ERR_NONE;
}

/* ---- Iterators (vm/iter.c; docs/semantics.md section 25) ---- */

ErrorKind sem_iter(VM *vm, Value x, Value *out);

/* Whether x is an iterator whose array changed length, or whose map had a key stored
   anew (moved or added), since it was made: counted by traces for the fuzzer's reach
   figures, never part of the semantics. */
static inline bool iter_source_changed(Value x) {
  if (!is_iter(x)) return false;
  const ObjIter *it = as_iter(x);
  if (is_array(it->source)) return as_array(it->source)->len != it->start_len;
  return is_map(it->source) && as_map(it->source)->used != it->start_used;
}

/* One step of an iterator that is not done, by what it walks: the next value into *out
   (a new reference), or *done. uop_for_iter (uops.h) chooses one by the iterator's source; t1's
   for_iter forms and the trace ops they become call theirs directly, after a guard on
   the source's kind. The caller marks the iterator done. */
/* The next value of an array's or a range's iterator when it has one (iter_step_array's
   and iter_step_range's common case, which compiled code's for_iter_array and
   for_iter_range make themselves): true with *out (a new reference), else false with
   nothing changed. */
static inline bool iter_array_next(ObjIter *it, Value *out) {
  const ObjArray *a = as_array(it->source);
  if (it->pos >= a->len) return false;
  *out = a->items[it->pos++];
  val_incref(*out);
  return true;
}
static inline bool iter_range_next(ObjIter *it, Value *out) {
  int64_t n = it->source.as.i;
  if (n <= 0 || it->pos >= (uint64_t)n) return false;
  *out = val_int((int64_t)it->pos++);
  return true;
}

static inline ErrorKind iter_step_array(VM *vm, ObjIter *it, Value *out, bool *done) {
  *done = false;
  if (LIKELY(iter_array_next(it, out))) return ERR_NONE;
  if (vm->t1.fault == FAULT_ITER_STALE_LENGTH && it->pos < it->start_len) {
    /* test-only fault, every tier but ref: the length when iteration began (a hoisted
       length), so nil past the current end */
    *out = val_nil();
    it->pos++;
    return ERR_NONE;
  }
  *done = true;
  return ERR_NONE;
}

static inline ErrorKind iter_step_range(VM *vm, ObjIter *it, Value *out, bool *done) {
  (void)vm;
  *done = !iter_range_next(it, out);
  return ERR_NONE;
}

static inline ErrorKind iter_step_string(VM *vm, ObjIter *it, Value *out, bool *done) {
  const ObjString *str = as_string(it->source);
  *done = it->pos >= str->len;
  if (*done) return ERR_NONE;
  ObjString *c = heap_new_string(&vm->heap, &str->chars[it->pos], 1);
  if (!c) return vm_fail(vm, ERR_HEAP, "heap limit reached");
  it->pos++;
  *out = val_obj(&c->obj);
  return ERR_NONE;
}

/* A map is walked by the rank of its next key, once its number of keys is checked. */
static inline ErrorKind iter_step_map(VM *vm, ObjIter *it, Value *out, bool *done) {
  const ObjMap *m = as_map(it->source);
  if (m->len != it->start_len) return vm_fail(vm, ERR_INDEX, "map changed size during iteration");
  *done = it->pos >= m->len;
  if (*done) return ERR_NONE;
  uint32_t rank = (uint32_t)it->pos++;
  if (m->used == m->len) {  /* no holes: the rank is the place */
    *out = m->entries[rank].key;
  } else {
    uint32_t i = 0;
    for (;; i++)
      if (m->entries[i].live && rank-- == 0) break;
    *out = m->entries[i].key;
  }
  val_incref(*out);
  return ERR_NONE;
}

/* ---- Arrays, strings and maps ---- */

static inline ErrorKind sem_len(VM *vm, Value a, Value *out) {
  if (is_string(a)) *out = val_int(as_string(a)->len);
  else if (is_array(a)) *out = val_int(as_array(a)->len);
  else if (is_map(a)) *out = val_int(as_map(a)->len);
  else return vm_fail(vm, ERR_TYPE, "len of %s", value_type_name(a));
  return ERR_NONE;
}

/* 0 <= i < len, else an index error. */
static inline ErrorKind sem_check_bounds(VM *vm, int64_t i, uint32_t len) {
  if (i < 0 || i >= (int64_t)len)
    return vm_fail(vm, ERR_INDEX, "index %lld out of range for length %u", (long long)i, len);
  return ERR_NONE;
}

static inline ErrorKind sem_check_index(VM *vm, Value i, uint32_t len) {
  if (i.kind != VAL_INT) return vm_fail(vm, ERR_TYPE, "index is %s, not int", value_type_name(i));
  ErrorKind e = sem_check_bounds(vm, i.as.i, len);
  if (e) return e;
  return ERR_NONE;
}

/* x[i]: an element of an array, a one-byte string of a string, or a map's value. */
static inline ErrorKind sem_get(VM *vm, Value x, Value i, Value *out) {
  ErrorKind e;
  if (is_array(x)) {
    if ((e = sem_check_index(vm, i, as_array(x)->len))) return e;
    *out = as_array(x)->items[i.as.i];
    val_incref(*out);
    return ERR_NONE;
  }
  if (is_string(x)) {
    if ((e = sem_check_index(vm, i, as_string(x)->len))) return e;
    ObjString *s = heap_new_string(&vm->heap, &as_string(x)->chars[i.as.i], 1);
    if (!s) return vm_fail(vm, ERR_HEAP, "heap limit reached");
    *out = val_obj(&s->obj);
    return ERR_NONE;
  }
  if (is_map(x)) return sem_map_get(vm, x, i, out);
  return vm_fail(vm, ERR_TYPE, "cannot index %s", value_type_name(x));
}

/* x[i] = v for an array x; v is borrowed (the array takes its own reference). */
static inline ErrorKind sem_set(VM *vm, Value x, Value i, Value v) {
  if (is_map(x)) return sem_map_set(vm, x, i, v);
  if (!is_array(x)) return vm_fail(vm, ERR_TYPE, "cannot store into %s", value_type_name(x));
  ErrorKind e = sem_check_index(vm, i, as_array(x)->len);
  if (e) return e;
  Value old = as_array(x)->items[i.as.i];
  val_incref(v);
  as_array(x)->items[i.as.i] = v;
  val_decref(&vm->heap, old);
  return ERR_NONE;
}

/* Appends v (borrowed) to array x. */
static inline ErrorKind sem_append(VM *vm, Value x, Value v) {
  if (!is_array(x)) return vm_fail(vm, ERR_TYPE, "cannot append to %s", value_type_name(x));
  if (!heap_array_push(&vm->heap, as_array(x), v)) return vm_fail(vm, ERR_HEAP, "heap limit reached");
  val_incref(v);
  return ERR_NONE;
}

/* Shrinking (docs/semantics.md section 10.2): the removed element's reference moves to
   *out; the capacity stays. */
static inline ErrorKind sem_array_pop(VM *vm, Value x, Value *out) {
  if (!is_array(x)) return vm_fail(vm, ERR_TYPE, "cannot pop from %s", value_type_name(x));
  ObjArray *a = as_array(x);
  if (a->len == 0) return vm_fail(vm, ERR_INDEX, "pop from an empty array");
  *out = a->items[--a->len];
  return ERR_NONE;
}

static inline ErrorKind sem_array_remove(VM *vm, Value x, Value i, Value *out) {
  if (!is_array(x)) return vm_fail(vm, ERR_TYPE, "cannot remove from %s", value_type_name(x));
  ObjArray *a = as_array(x);
  ErrorKind e = sem_check_index(vm, i, a->len);
  if (e) return e;
  *out = a->items[i.as.i];
  if (vm->t1.fault == FAULT_SWAP_REMOVE)  /* test-only fault: every tier but ref */
    a->items[i.as.i] = a->items[a->len - 1];
  else
    memmove(&a->items[i.as.i], &a->items[i.as.i + 1], sizeof(Value) * (a->len - (uint32_t)i.as.i - 1));
  a->len--;
  return ERR_NONE;
}

/* ---- Classes and instances (vm/object.c; docs/semantics.md) ---- */

/* class NAME: a new class with base (nil or a class). */
ErrorKind sem_new_class(VM *vm, Value base, uint32_t name, Value *out);
/* x.NAME: an instance's own attribute, else its class's (base after base); a class's
   own, else its bases'. */
ErrorKind sem_load_attr(VM *vm, Value x, uint32_t name, Value *out);
/* x.NAME = v (v borrowed): an instance's own attribute, added last if new; or a class
   attribute, which mutates the class (new versions for it and every subclass). */
ErrorKind sem_store_attr(VM *vm, Value x, uint32_t name, Value v);
/* Deletes x's own attribute NAME (an instance's, or a class's: a mutation). */
ErrorKind sem_del_attr(VM *vm, Value x, uint32_t name);
/* Makes cls the class of instance x. */
ErrorKind sem_set_class(VM *vm, Value x, Value cls);
/* Calling class cls: a new instance (owned) and the init function to run on it, or nil
   when the class has no init. */
ErrorKind sem_instantiate(VM *vm, Value cls, Value *inst, Value *init);
/* Whether instance x's class (or a base) has operator method op: the instruction then
   calls it instead of doing its own work (docs/semantics.md section 23.7). */
bool sem_has_operator(const VM *vm, Value x, OperatorId op);
/* When x is an instance whose class has operator method op, sets vm->invoke to call it
   with the instruction's argc operands (x the deepest) and answers true, with *err the
   type error when the method is not a function. False when x has no such method. */
bool sem_operator(VM *vm, Value x, OperatorId op, uint32_t argc, FrameRet ret, bool again, ErrorKind *err);

/* ---- Conversions ---- */

/* Parses an optional sign and one or more decimal digits, nothing else. */
static inline bool sem_parse_int(const char *s, uint32_t n, int64_t *out) {
  uint32_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (i == n) return false;
  uint64_t mag = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = (uint64_t)(s[i] - '0');
    if (mag > (limit - d) / 10) return false;
    mag = mag * 10 + d;
  }
  *out = neg ? (int64_t)(0u - mag) : (int64_t)mag;
  return true;
}

/* int: ints unchanged; bools 0 or 1; floats truncated toward zero when finite and in
   range, else a conversion error; strings of decimal digits parsed exactly. */
static inline ErrorKind sem_to_int(VM *vm, Value a, Value *out) {
  switch (a.kind) {
  case VAL_INT: *out = a; return ERR_NONE;
  case VAL_BOOL: *out = val_int(a.as.b); return ERR_NONE;
  case VAL_FLOAT:
    if (!(a.as.f >= -9223372036854775808.0 && a.as.f < 9223372036854775808.0))
      return vm_fail(vm, ERR_CONVERSION, "float out of int range");
    *out = val_int((int64_t)a.as.f);
    return ERR_NONE;
  default:
    if (is_string(a)) {
      int64_t i;
      if (!sem_parse_int(as_string(a)->chars, as_string(a)->len, &i))
        return vm_fail(vm, ERR_CONVERSION, "string is not a decimal int");
      *out = val_int(i);
      return ERR_NONE;
    }
    return vm_fail(vm, ERR_TYPE, "to_int of %s", value_type_name(a));
  }
}

/* float: floats unchanged; ints rounded to nearest; bools 0.0 or 1.0. */
static inline ErrorKind sem_to_float(VM *vm, Value a, Value *out) {
  switch (a.kind) {
  case VAL_FLOAT: *out = a; return ERR_NONE;
  case VAL_INT: *out = val_float((double)a.as.i); return ERR_NONE;
  case VAL_BOOL: *out = val_float(a.as.b ? 1.0 : 0.0); return ERR_NONE;
  default: return vm_fail(vm, ERR_TYPE, "to_float of %s", value_type_name(a));
  }
}

/* str: the canonical rendering (render.h); a string converts to itself. */
static inline ErrorKind sem_to_str(VM *vm, Value a, Value *out) {
  if (is_string(a)) {
    val_incref(a);
    *out = a;
    return ERR_NONE;
  }
  uint64_t room = vm->heap.live_bytes < vm->heap.max_bytes ? vm->heap.max_bytes - vm->heap.live_bytes : 0;
  room = room > HEAP_OBJECT_BYTES ? room - HEAP_OBJECT_BYTES : 0;
  if (room > HEAP_MAX_LENGTH) room = HEAP_MAX_LENGTH;
  ObjString *s = NULL;
  if (a.kind == VAL_INT) {  /* the common case, with no Buf to allocate: render's text and checks */
    char text[24];
    int n = format_i64(text, a.as.i);
    if ((uint64_t)n <= room) s = heap_new_string(&vm->heap, text, (uint32_t)n);
  } else {
    Buf b = {0};
    if (render_value(vm->module, &vm->shapes, a, RENDER_STR, &b, room))
      s = heap_new_string(&vm->heap, b.data ? b.data : "", (uint32_t)b.len);
    buf_free(&b);
  }
  if (!s) return vm_fail(vm, ERR_HEAP, "string rendering exceeds the heap limit");
  *out = val_obj(&s->obj);
  return ERR_NONE;
}

/* ---- Effects ---- */

/* Prints the STR rendering of a and a newline, only if the whole line fits. */
static inline ErrorKind sem_print(VM *vm, Value a) {
  size_t before = vm->output.len;
  uint64_t room = vm->limits.max_output - before;
  if (room == 0 || !render_value(vm->module, &vm->shapes, a, RENDER_STR, &vm->output, room - 1)) {
    vm->output.len = before;  /* nothing of a line that does not fit is printed */
    if (vm->output.data) vm->output.data[before] = '\0';
    return vm_fail(vm, ERR_OUTPUT, "output limit of %llu bytes reached", (unsigned long long)vm->limits.max_output);
  }
  buf_putc(&vm->output, '\n');
  return ERR_NONE;
}

/* The probe checksum folds a hash of each probed value into a running 64-bit state.
   Floats hash by bits with every NaN made canonical; strings by content; arrays by
   length and their first elements (bounded, so sharing cannot make it exponential). */
uint64_t sem_hash_value(Value v);

static inline uint64_t sem_mix(uint64_t h, uint64_t x) {
  h ^= x;
  h *= 0x9e3779b97f4a7c15ull;
  h ^= h >> 29;
  return h;
}

/* The probe hash of a value that is no object (sem_hash_value hashes every value;
   most probed values are scalars, hashed here without a call). */
#define PROBE_HASH_SEED 0x51ed270b27u

static inline uint64_t sem_hash_scalar(Value v) {
  uint64_t h = sem_mix(PROBE_HASH_SEED, v.kind);
  switch (v.kind) {
  case VAL_BOOL: return sem_mix(h, v.as.b);
  case VAL_INT: return sem_mix(h, (uint64_t)v.as.i);
  case VAL_FLOAT: {
    uint64_t bits;
    memcpy(&bits, &v.as.f, sizeof bits);
    if (isnan(v.as.f)) bits = CANONICAL_NAN_BITS;  /* NaN sign and payload differ by CPU */
    return sem_mix(h, bits);
  }
  case VAL_FUNC:
  case VAL_BUILTIN: return sem_mix(h, v.as.fn);  /* the kind is mixed in above */
  default: return h;  /* nil */
  }
}

static inline void sem_probe(VM *vm, Value a) {
  vm->checksum = sem_mix(vm->checksum, a.kind == VAL_OBJ ? sem_hash_value(a) : sem_hash_scalar(a));
  if (vm->probes < OBS_PROBE_TRACE_MAX) vm->probe_trace[vm->probes] = vm->checksum;
  vm->probes++;
}

/* ---- Calls ---- */

/* A call of callee name, which takes want arguments, with got: the arity error. */
static inline ErrorKind sem_arity_error(VM *vm, const char *name, uint32_t want, uint32_t got) {
  return vm_fail(vm, ERR_ARITY, "%s takes %u arguments, called with %u", name, want, got);
}

/* ---- Fuel ---- */

static inline bool fuel_left(const VM *vm) { return vm->fuel_used < vm->limits.fuel; }
static inline ErrorKind fuel_exhausted(VM *vm) { return vm_fail(vm, ERR_FUEL, "fuel exhausted"); }
static inline ErrorKind fuel_charge(VM *vm, uint64_t units) {
  if (UNLIKELY(!fuel_left(vm))) return fuel_exhausted(vm);
  vm->fuel_used += units;
  return ERR_NONE;
}

/* ---- Builtins (docs/semantics.md section 28) ---- */

/* sqrt's rule, also the body of the trace optimizer's call_sqrt_float (uops.h): the
   correctly rounded root (with -fno-math-errno, as the stencils are built, the
   instruction itself). */
static inline double sem_sqrt(double x) { return __builtin_sqrt(x); }

/* The least of the two by the order of LT (section 6) when want < 0, the greatest when
   want > 0: y when it is strictly on that side of x, else x (so x when they are equal or
   unordered). The result is one of the two values, its kind kept. */
static inline ErrorKind sem_builtin_pick(VM *vm, BuiltinId b, Value x, Value y, Value *out) {
  int c;
  if (!sem_order(y, x, &c))
    return vm_fail(vm, ERR_TYPE, "%s of %s and %s", builtin_name[b], value_type_name(x), value_type_name(y));
  int want = b == BUILTIN_MIN ? -1 : 1;
  *out = c != SEM_UNORDERED && c == want ? y : x;
  val_incref(*out);
  return ERR_NONE;
}

/* Builtin b's result for args[0 .. its arity), borrowed; the call around it (arity,
   fuel, the stack) is uop_CALL_BUILTIN's. */
static inline ErrorKind sem_builtin(VM *vm, BuiltinId b, const Value *args, Value *out) {
  Value x = args[0];
  switch (b) {
  case BUILTIN_SQRT:
  case BUILTIN_FLOOR:
  case BUILTIN_ABS:
    if (!sem_is_number(x)) return vm_fail(vm, ERR_TYPE, "%s of %s", builtin_name[b], value_type_name(x));
    if (b == BUILTIN_SQRT) *out = val_float(sem_sqrt(sem_to_double(x)));
    else if (x.kind == VAL_INT)
      *out = b == BUILTIN_FLOOR ? x : val_int(x.as.i < 0 ? sem_wrap_neg(x.as.i) : x.as.i);
    else *out = val_float(b == BUILTIN_FLOOR ? __builtin_floor(x.as.f) : __builtin_fabs(x.as.f));
    return ERR_NONE;
  case BUILTIN_MIN:
  case BUILTIN_MAX: return sem_builtin_pick(vm, b, x, args[1], out);
  case BUILTIN_CHR: {
    if (x.kind != VAL_INT) return vm_fail(vm, ERR_TYPE, "chr of %s", value_type_name(x));
    if (x.as.i < 0 || x.as.i > 255)
      return vm_fail(vm, ERR_CONVERSION, "chr of %lld: not a byte", (long long)x.as.i);
    char c = (char)(unsigned char)x.as.i;
    ObjString *s = heap_new_string(&vm->heap, &c, 1);
    if (!s) return vm_fail(vm, ERR_HEAP, "heap limit reached");
    *out = val_obj(&s->obj);
    return ERR_NONE;
  }
  case BUILTIN_ORD:
    if (!is_string(x)) return vm_fail(vm, ERR_TYPE, "ord of %s", value_type_name(x));
    if (as_string(x)->len != 1)
      return vm_fail(vm, ERR_CONVERSION, "ord of a string of %u bytes", as_string(x)->len);
    *out = val_int((unsigned char)as_string(x)->chars[0]);
    return ERR_NONE;
  case BUILTIN__COUNT: break;
  }
  UNREACHABLE();
}

#endif
