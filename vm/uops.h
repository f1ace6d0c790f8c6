/* uops.h: micro-ops, each body written once.
 *
 * A micro-op (uop) is one step of an instruction: a guard (checks an assumption,
 * changes nothing, or answers UOP_DEOPT) or an action (does the work). Every
 * non-control generic instruction is one uop of the same name; every specialized
 * instruction (specialize.h) is a guard uop followed by an action uop. The reference
 * and t1 interpreters call these bodies; the t2 uop interpreter and the JIT stencils
 * will include the very same bodies.
 *
 * Interface, uniform for all uops:
 *
 *   UopStatus uop_NAME(UopState *u, uint32_t oparg, uint64_t operand)
 *
 *   u        the VM, the operand stack pointer (next free slot, updated by the uop)
 *            and the current frame's locals
 *   oparg    the instruction's decoded operand, or a value chosen at specialization
 *   operand  a 64-bit value cached at specialization (a version, a function index)
 *   result   UOP_OK; UOP_DEOPT (guards only: the stack is untouched); or an error
 *            kind (> 0), with the stack untouched so the caller can locate and unwind
 *
 * Control flow (jumps, loops, calls, returns) is the business of each tier, not of a
 * uop: an interpreter moves its pc, a trace exits or guards, a stencil jumps. */
#ifndef TESSERA_UOPS_H
#define TESSERA_UOPS_H

#include "semantics.h"

typedef struct {
  VM *vm;
  Value *sp;      /* next free operand stack slot */
  Value *locals;  /* local 0 of the current frame */
} UopState;

typedef int UopStatus;
#define UOP_OK 0
#define UOP_DEOPT (-1)
/* Any other value is an ErrorKind. */

/* UOP(NAME, "meaning"): the generic uops, named as their instructions, then the guards,
   then the specialized actions. */
#define TESSERA_UOPS(UOP) \
  TESSERA_GENERIC_UOPS(UOP) TESSERA_GUARD_UOPS(UOP) TESSERA_ACTION_UOPS(UOP) TESSERA_PROVEN_UOPS(UOP)

#define TESSERA_GENERIC_UOPS(UOP)                                               \
  UOP(NOP, "do nothing")                                                        \
  UOP(PUSH_NIL, "push nil")                                                     \
  UOP(PUSH_TRUE, "push true")                                                   \
  UOP(PUSH_FALSE, "push false")                                                 \
  UOP(PUSH_INT, "push oparg as a signed 16-bit int")                            \
  UOP(PUSH_CONST, "push constant oparg")                                        \
  UOP(PUSH_FUNC, "push function oparg")                                         \
  UOP(LOAD_LOCAL, "push local oparg")                                           \
  UOP(STORE_LOCAL, "pop into local oparg")                                      \
  UOP(LOAD_GLOBAL, "push global oparg")                                         \
  UOP(STORE_GLOBAL, "pop into global oparg; bumps the globals version")         \
  UOP(POP, "discard the top")                                                   \
  UOP(DUP, "duplicate the top")                                                 \
  UOP(SWAP, "exchange the two top values")                                      \
  UOP(ADD, "generic +") UOP(SUB, "generic -") UOP(MUL, "generic *")             \
  UOP(DIV, "generic /") UOP(IDIV, "generic //") UOP(MOD, "generic %")           \
  UOP(NEG, "generic negation")                                                  \
  UOP(BAND, "generic &") UOP(BOR, "generic |") UOP(BXOR, "generic ^")           \
  UOP(SHL, "generic <<") UOP(SHR, "generic >>") UOP(BNOT, "generic ~")          \
  UOP(EQ, "generic ==") UOP(NE, "generic !=") UOP(LT, "generic <")              \
  UOP(LE, "generic <=") UOP(GT, "generic >") UOP(GE, "generic >=")              \
  UOP(NOT, "logical not")                                                       \
  UOP(ARRAY_NEW, "pop oparg values into a new array")                           \
  UOP(GET, "generic x[i]") UOP(SET, "generic x[i] = v") UOP(LEN, "generic len") \
  UOP(APPEND, "generic append")                                                 \
  UOP(TO_INT, "convert to int") UOP(TO_FLOAT, "convert to float")               \
  UOP(TO_STR, "convert to string")                                              \
  UOP(PRINT, "pop and print") UOP(PROBE, "pop and fold into the checksum")

/* Guards answer UOP_OK or UOP_DEOPT, nothing else: deopt unless ... (top of stack last) */
#define TESSERA_GUARD_UOPS(UOP)                                                 \
  UOP(GUARD_INT_INT, "... the two top values are ints")                         \
  UOP(GUARD_FLOAT_FLOAT, "... the two top values are floats")                   \
  UOP(GUARD_STRING_STRING, "... the two top values are strings")                \
  UOP(GUARD_INT, "... the top is an int")                                       \
  UOP(GUARD_FLOAT, "... the top is a float")                                    \
  UOP(GUARD_BOOL, "... the top is a bool")                                      \
  UOP(GUARD_ARRAY, "... the top is an array")                                   \
  UOP(GUARD_STRING, "... the top is a string")                                  \
  UOP(GUARD_ARRAY_INT, "... the two top values are an array and an int")        \
  UOP(GUARD_STRING_INT, "... the two top values are a string and an int")       \
  UOP(GUARD_ARRAY_INT_ANY, "... below the top are an array and an int")         \
  UOP(GUARD_ARRAY_ANY, "... the value below the top is an array")               \
  UOP(GUARD_GLOBALS_VERSION, "... the globals version is still operand")        \
  UOP(GUARD_CALLEE, "... the callee under oparg arguments is function operand")

/* Specialized actions: their guard has run. */
#define TESSERA_ACTION_UOPS(UOP)                                                \
  UOP(ADD_INT, "int + int") UOP(SUB_INT, "int - int") UOP(MUL_INT, "int * int") \
  UOP(IDIV_INT, "int // int") UOP(MOD_INT, "int % int")                         \
  UOP(BAND_INT, "int & int") UOP(BOR_INT, "int | int")                          \
  UOP(BXOR_INT, "int ^ int") UOP(SHL_INT, "int << int")                         \
  UOP(SHR_INT, "int >> int") UOP(NEG_INT, "-int")                               \
  UOP(ADD_FLOAT, "float + float") UOP(SUB_FLOAT, "float - float")               \
  UOP(MUL_FLOAT, "float * float") UOP(DIV_FLOAT, "float / float")               \
  UOP(NEG_FLOAT, "-float")                                                      \
  UOP(CONCAT_STRING, "string + string")                                         \
  UOP(COMPARE_INT, "compare two ints; oparg is the comparison mask")            \
  UOP(COMPARE_FLOAT, "compare two floats; oparg is the comparison mask")        \
  UOP(NOT_BOOL, "not of a bool")                                                \
  UOP(GET_ARRAY_INT, "array[int]") UOP(GET_STRING_INT, "string[int]")           \
  UOP(SET_ARRAY_INT, "array[int] = v") UOP(LEN_ARRAY, "len of an array")        \
  UOP(LEN_STRING, "len of a string") UOP(APPEND_ARRAY, "append to an array")

/* Uops only the trace optimizer writes, where it has proven that a value holds no
   reference (vm/trace_optimize.c): the generic uop without its reference counting. */
#define TESSERA_PROVEN_UOPS(UOP)                                                \
  UOP(LOAD_LOCAL_SCALAR, "push local oparg, which holds no reference")          \
  UOP(STORE_LOCAL_SCALAR, "pop into local oparg, whose old value holds no reference") \
  UOP(POP_SCALAR, "discard the top, which holds no reference")

typedef enum {
#define UOP(name, doc) UOP_##name,
  TESSERA_UOPS(UOP)
#undef UOP
  UOP__COUNT
} UopId;

extern const char *const uop_name[UOP__COUNT];

/* Generic uops are named as their instructions: the instruction of each uop (-1 for
   guards and specialized actions) and the uop of each instruction (-1 for control
   instructions), derived once from the names (uops.c). */
extern int16_t opcode_of_uop[UOP__COUNT];
extern int16_t uop_of_opcode[OP__COUNT];

#define UOP_BODY(name) static inline UopStatus uop_##name(UopState *u, uint32_t oparg, uint64_t operand)
#define TOP(n) (u->sp[-1 - (ptrdiff_t)(n)])
#define HEAP (&u->vm->heap)

/* ---- Generic uops ---- */

UOP_BODY(NOP) { return UOP_OK; }
UOP_BODY(PUSH_NIL) { *u->sp++ = val_nil(); return UOP_OK; }
UOP_BODY(PUSH_TRUE) { *u->sp++ = val_bool(true); return UOP_OK; }
UOP_BODY(PUSH_FALSE) { *u->sp++ = val_bool(false); return UOP_OK; }
UOP_BODY(PUSH_INT) { *u->sp++ = val_int((int16_t)oparg); return UOP_OK; }
UOP_BODY(PUSH_FUNC) { *u->sp++ = val_func(oparg); return UOP_OK; }

UOP_BODY(PUSH_CONST) {
  Value v = val_load(&u->vm->consts[oparg]);
  val_incref(v);
  val_store(u->sp++, v);
  return UOP_OK;
}

UOP_BODY(LOAD_LOCAL) {
  Value v = val_load(&u->locals[oparg]);
  val_incref(v);
  val_store(u->sp++, v);
  return UOP_OK;
}

UOP_BODY(STORE_LOCAL) {
  Value old = val_load(&u->locals[oparg]);
  val_store(&u->locals[oparg], val_load(--u->sp));
  val_decref(HEAP, old);
  return UOP_OK;
}

UOP_BODY(LOAD_GLOBAL) {
  Value v = val_load(&u->vm->globals[oparg]);
  val_incref(v);
  val_store(u->sp++, v);
  return UOP_OK;
}

UOP_BODY(STORE_GLOBAL) {
  Value old = val_load(&u->vm->globals[oparg]);
  val_store(&u->vm->globals[oparg], val_load(--u->sp));
  u->vm->globals_version++;
  val_decref(HEAP, old);
  return UOP_OK;
}

UOP_BODY(POP) { val_decref(HEAP, val_load(--u->sp)); return UOP_OK; }

UOP_BODY(DUP) {
  Value v = val_load(&TOP(0));
  val_incref(v);
  val_store(u->sp++, v);
  return UOP_OK;
}

UOP_BODY(SWAP) {
  Value t = val_load(&TOP(0));
  val_store(&TOP(0), val_load(&TOP(1)));
  val_store(&TOP(1), t);
  return UOP_OK;
}

/* Replaces the two top values by r, releasing them. */
static inline void uop_replace2(UopState *u, Value r) {
  Value b = val_load(&TOP(0)), a = val_load(&TOP(1));
  u->sp -= 2;
  val_decref(HEAP, a);
  val_decref(HEAP, b);
  val_store(u->sp++, r);
}

/* Replaces the top value by r, releasing it. */
static inline void uop_replace1(UopState *u, Value r) {
  Value a = val_load(&TOP(0));
  val_store(&TOP(0), r);
  val_decref(HEAP, a);
}

typedef ErrorKind (*SemBinary)(VM *, Opcode, Value, Value, Value *);
typedef ErrorKind (*SemUnary)(VM *, Value, Value *);

static inline UopStatus uop_binary(UopState *u, SemBinary fn, Opcode op) {
  Value r;
  ErrorKind e = fn(u->vm, op, TOP(1), TOP(0), &r);
  if (e) return e;
  uop_replace2(u, r);
  return UOP_OK;
}

static inline UopStatus uop_unary(UopState *u, SemUnary fn) {
  Value r;
  ErrorKind e = fn(u->vm, TOP(0), &r);
  if (e) return e;
  uop_replace1(u, r);
  return UOP_OK;
}

UOP_BODY(ADD) { return uop_binary(u, sem_arith, OP_ADD); }
UOP_BODY(SUB) { return uop_binary(u, sem_arith, OP_SUB); }
UOP_BODY(MUL) { return uop_binary(u, sem_arith, OP_MUL); }
UOP_BODY(DIV) { return uop_binary(u, sem_arith, OP_DIV); }
UOP_BODY(IDIV) { return uop_binary(u, sem_arith, OP_IDIV); }
UOP_BODY(MOD) { return uop_binary(u, sem_arith, OP_MOD); }
UOP_BODY(NEG) { return uop_unary(u, sem_neg); }
UOP_BODY(BAND) { return uop_binary(u, sem_bitwise, OP_BAND); }
UOP_BODY(BOR) { return uop_binary(u, sem_bitwise, OP_BOR); }
UOP_BODY(BXOR) { return uop_binary(u, sem_bitwise, OP_BXOR); }
UOP_BODY(SHL) { return uop_binary(u, sem_bitwise, OP_SHL); }
UOP_BODY(SHR) { return uop_binary(u, sem_bitwise, OP_SHR); }
UOP_BODY(BNOT) { return uop_unary(u, sem_bnot); }
UOP_BODY(LT) { return uop_binary(u, sem_compare, OP_LT); }
UOP_BODY(LE) { return uop_binary(u, sem_compare, OP_LE); }
UOP_BODY(GT) { return uop_binary(u, sem_compare, OP_GT); }
UOP_BODY(GE) { return uop_binary(u, sem_compare, OP_GE); }
UOP_BODY(EQ) { uop_replace2(u, val_bool(sem_equal(TOP(1), TOP(0)))); return UOP_OK; }
UOP_BODY(NE) { uop_replace2(u, val_bool(!sem_equal(TOP(1), TOP(0)))); return UOP_OK; }
UOP_BODY(NOT) { uop_replace1(u, val_bool(!sem_truthy(TOP(0)))); return UOP_OK; }

UOP_BODY(ARRAY_NEW) {
  ObjArray *a = heap_new_array(HEAP, oparg);
  if (!a) return vm_fail(u->vm, ERR_HEAP, "heap limit reached");
  u->sp -= oparg;
  if (oparg) memcpy(a->items, u->sp, sizeof(Value) * oparg);  /* the array takes the references */
  a->len = oparg;
  *u->sp++ = val_obj(&a->obj);
  return UOP_OK;
}

UOP_BODY(GET) {
  Value r;
  ErrorKind e = sem_get(u->vm, TOP(1), TOP(0), &r);
  if (e) return e;
  uop_replace2(u, r);
  return UOP_OK;
}

UOP_BODY(SET) {
  ErrorKind e = sem_set(u->vm, TOP(2), TOP(1), TOP(0));
  if (e) return e;
  for (int i = 0; i < 3; i++) val_decref(HEAP, *--u->sp);
  return UOP_OK;
}

UOP_BODY(LEN) { return uop_unary(u, sem_len); }

UOP_BODY(APPEND) {
  ErrorKind e = sem_append(u->vm, TOP(1), TOP(0));
  if (e) return e;
  for (int i = 0; i < 2; i++) val_decref(HEAP, *--u->sp);
  return UOP_OK;
}

UOP_BODY(TO_INT) { return uop_unary(u, sem_to_int); }
UOP_BODY(TO_FLOAT) { return uop_unary(u, sem_to_float); }
UOP_BODY(TO_STR) { return uop_unary(u, sem_to_str); }

UOP_BODY(PRINT) {
  ErrorKind e = sem_print(u->vm, TOP(0));
  if (e) return e;
  val_decref(HEAP, *--u->sp);
  return UOP_OK;
}

UOP_BODY(PROBE) {
  sem_probe(u->vm, TOP(0));
  val_decref(HEAP, *--u->sp);
  return UOP_OK;
}

/* ---- Guards ---- */

#define GUARD(cond) return (cond) ? UOP_OK : UOP_DEOPT
UOP_BODY(GUARD_INT_INT) { GUARD(TOP(0).kind == VAL_INT && TOP(1).kind == VAL_INT); }
UOP_BODY(GUARD_FLOAT_FLOAT) { GUARD(TOP(0).kind == VAL_FLOAT && TOP(1).kind == VAL_FLOAT); }
UOP_BODY(GUARD_STRING_STRING) { GUARD(is_string(TOP(0)) && is_string(TOP(1))); }
UOP_BODY(GUARD_INT) { GUARD(TOP(0).kind == VAL_INT); }
UOP_BODY(GUARD_FLOAT) { GUARD(TOP(0).kind == VAL_FLOAT); }
UOP_BODY(GUARD_BOOL) { GUARD(TOP(0).kind == VAL_BOOL); }
UOP_BODY(GUARD_ARRAY) { GUARD(is_array(TOP(0))); }
UOP_BODY(GUARD_STRING) { GUARD(is_string(TOP(0))); }
UOP_BODY(GUARD_ARRAY_INT) { GUARD(TOP(0).kind == VAL_INT && is_array(TOP(1))); }
UOP_BODY(GUARD_STRING_INT) { GUARD(TOP(0).kind == VAL_INT && is_string(TOP(1))); }
UOP_BODY(GUARD_ARRAY_INT_ANY) { GUARD(TOP(1).kind == VAL_INT && is_array(TOP(2))); }
UOP_BODY(GUARD_ARRAY_ANY) { GUARD(is_array(TOP(1))); }
UOP_BODY(GUARD_GLOBALS_VERSION) { GUARD(u->vm->globals_version == operand); }
UOP_BODY(GUARD_CALLEE) {
  Value f = TOP(oparg);
  GUARD(f.kind == VAL_FUNC && f.as.fn == operand);
}
#undef GUARD

/* ---- Specialized actions (operand types already guarded) ---- */

/* Ints and floats own no references: the result simply overwrites the operands. The
   rule itself (wrap-around, zero divisors, shift counts) is semantics.h's. */
static inline UopStatus uop_int_op(UopState *u, Opcode op) {
  int64_t r;
  ErrorKind e = sem_int_op(u->vm, op, TOP(1).as.i, TOP(0).as.i, &r);
  if (e) return e;
  u->sp--;
  TOP(0) = val_int(r);
  return UOP_OK;
}

UOP_BODY(ADD_INT) { return uop_int_op(u, OP_ADD); }
UOP_BODY(SUB_INT) { return uop_int_op(u, OP_SUB); }
UOP_BODY(MUL_INT) { return uop_int_op(u, OP_MUL); }
UOP_BODY(IDIV_INT) { return uop_int_op(u, OP_IDIV); }
UOP_BODY(MOD_INT) { return uop_int_op(u, OP_MOD); }
UOP_BODY(BAND_INT) { return uop_int_op(u, OP_BAND); }
UOP_BODY(BOR_INT) { return uop_int_op(u, OP_BOR); }
UOP_BODY(BXOR_INT) { return uop_int_op(u, OP_BXOR); }
UOP_BODY(SHL_INT) { return uop_int_op(u, OP_SHL); }
UOP_BODY(SHR_INT) { return uop_int_op(u, OP_SHR); }
UOP_BODY(NEG_INT) { TOP(0) = val_int(sem_wrap_neg(TOP(0).as.i)); return UOP_OK; }

static inline UopStatus uop_float_op(UopState *u, Opcode op) {
  double r;
  ErrorKind e = sem_float_op(u->vm, op, TOP(1).as.f, TOP(0).as.f, &r);
  if (e) return e;
  u->sp--;
  TOP(0) = val_float(r);
  return UOP_OK;
}

UOP_BODY(ADD_FLOAT) { return uop_float_op(u, OP_ADD); }
UOP_BODY(SUB_FLOAT) { return uop_float_op(u, OP_SUB); }
UOP_BODY(MUL_FLOAT) { return uop_float_op(u, OP_MUL); }
UOP_BODY(DIV_FLOAT) { return uop_float_op(u, OP_DIV); }

UOP_BODY(NEG_FLOAT) { TOP(0) = val_float(-TOP(0).as.f); return UOP_OK; }

UOP_BODY(CONCAT_STRING) {
  Value r;
  ErrorKind e = sem_concat(u->vm, as_string(TOP(1)), as_string(TOP(0)), &r);
  if (e) return e;
  uop_replace2(u, r);
  return UOP_OK;
}

/* Comparison masks: bit (c + 1) of the mask is the result when the comparison c is
   -1 (less), 0 (equal), 1 (greater) or 2 (unordered: a NaN). */
#define CMP_MASK_LT 0x1u
#define CMP_MASK_EQ 0x2u
#define CMP_MASK_GT 0x4u
#define CMP_MASK_UNORDERED 0x8u
static inline uint32_t cmp_mask_of(Opcode op) {
  switch (op) {
  case OP_LT: return CMP_MASK_LT;
  case OP_LE: return CMP_MASK_LT | CMP_MASK_EQ;
  case OP_EQ: return CMP_MASK_EQ;
  case OP_NE: return CMP_MASK_LT | CMP_MASK_GT | CMP_MASK_UNORDERED;
  case OP_GT: return CMP_MASK_GT;
  case OP_GE: return CMP_MASK_GT | CMP_MASK_EQ;
  default: UNREACHABLE();
  }
}

UOP_BODY(COMPARE_INT) {
  int64_t x = TOP(1).as.i, y = TOP(0).as.i;
  int c = (x > y) - (x < y);
  u->sp--;
  TOP(0) = val_bool((oparg >> (c + 1)) & 1);
  return UOP_OK;
}

UOP_BODY(COMPARE_FLOAT) {
  int c = sem_cmp_float(TOP(1).as.f, TOP(0).as.f);
  u->sp--;
  TOP(0) = val_bool((oparg >> (c + 1)) & 1);
  return UOP_OK;
}

UOP_BODY(NOT_BOOL) { TOP(0) = val_bool(!TOP(0).as.b); return UOP_OK; }

UOP_BODY(GET_ARRAY_INT) {
  ObjArray *a = as_array(TOP(1));
  int64_t i = TOP(0).as.i;
  ErrorKind e = sem_check_bounds(u->vm, i, a->len);
  if (e) return e;
  Value r = val_load(&a->items[i]);
  val_incref(r);
  uop_replace2(u, r);
  return UOP_OK;
}

UOP_BODY(GET_STRING_INT) { return uop_GET(u, oparg, operand); }

UOP_BODY(SET_ARRAY_INT) {
  ObjArray *a = as_array(TOP(2));
  int64_t i = TOP(1).as.i;
  ErrorKind e = sem_check_bounds(u->vm, i, a->len);
  if (e) return e;
  Value old = val_load(&a->items[i]);
  val_store(&a->items[i], val_load(&TOP(0)));  /* the array takes the stack's reference to v */
  u->sp -= 3;
  val_decref(HEAP, old);
  val_decref(HEAP, val_obj(&a->obj));
  return UOP_OK;
}

UOP_BODY(LEN_ARRAY) { uop_replace1(u, val_int(as_array(TOP(0))->len)); return UOP_OK; }
UOP_BODY(LEN_STRING) { uop_replace1(u, val_int(as_string(TOP(0))->len)); return UOP_OK; }

UOP_BODY(APPEND_ARRAY) {
  if (!heap_array_push(HEAP, as_array(TOP(1)), TOP(0))) return vm_fail(u->vm, ERR_HEAP, "heap limit reached");
  u->sp -= 2;  /* the array took v's reference */
  val_decref(HEAP, u->sp[0]);
  return UOP_OK;
}

/* ---- Proven uops ---- */

UOP_BODY(LOAD_LOCAL_SCALAR) { val_store(u->sp++, val_load(&u->locals[oparg])); return UOP_OK; }
/* The popped value's reference, if it has one, moves into the local. */
UOP_BODY(STORE_LOCAL_SCALAR) { val_store(&u->locals[oparg], val_load(--u->sp)); return UOP_OK; }
UOP_BODY(POP_SCALAR) { u->sp--; return UOP_OK; }

#undef TOP
#undef HEAP

#endif
