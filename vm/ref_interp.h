/* ref_interp.h: the reference interpreter, the tier that defines the semantics.
 *
 * Written for obviousness: generic instructions only, every operation through
 * semantics.h, stack positions as indices into vm->stack. Included twice, by
 * ref_goto.c and ref_switch.c, so the same handlers build with computed-goto and with
 * switch dispatch (the test suite runs both). The includer defines REF_RUN (the
 * function name) and REF_COMPUTED_GOTO (1 or 0).
 *
 * Stack layout of a frame (indices into vm->stack):
 *
 *   base-1      base                base+nslots          sp
 *   | callee |  params.. locals..  |  operand stack ... |
 *
 * CALL leaves the callee and its arguments where they are: the arguments become the
 * parameters in place. RETURN releases callee, locals and leftovers, and puts the
 * result where the callee was. main's frame has base 0 and no callee slot. */

#include <string.h>

#include "semantics.h"
#include "vm.h"

typedef struct {
  uint32_t func;  /* index into module->funcs */
  uint32_t pc;    /* offset of the instruction being executed */
  size_t base;    /* stack index of local 0 */
} RefFrame;

#if REF_COMPUTED_GOTO
#define DISPATCH() goto *dispatch_table[code[pc]]
#define CASE(name) do_##name:
#define INTERPRET_LOOP DISPATCH();
#define END_INTERPRET_LOOP
#else
#define DISPATCH() goto dispatch
#define CASE(name) case OP_##name:
#define INTERPRET_LOOP \
  dispatch:            \
  switch ((Opcode)code[pc])
#define END_INTERPRET_LOOP
#endif

/* Slots a frame of f occupies above its base. */
static inline size_t ref_frame_slots(const Function *f) { return (size_t)f->nparams + f->nlocals + f->max_stack; }

bool REF_RUN(VM *vm, Value *result) {
#if REF_COMPUTED_GOTO
  static void *const dispatch_table[OP__COUNT] = {
#define OP(name, fmt, pops, pushes, flags, doc) &&do_##name,
    TESSERA_OPCODES(OP)
#undef OP
  };
#endif
  const Module *m = vm->module;
  RefFrame *frames = xmalloc(sizeof(RefFrame) * 16);
  size_t nframes = 0, frames_cap = 16;
  ErrorKind err = ERR_NONE;

  /* Registers: the current frame's function, code, pc and the stack pointer. */
  const Function *fn = &m->funcs[m->main_func];
  const uint8_t *code = fn->code;
  uint32_t pc = 0;
  size_t base = 0, sp = 0;
  Value *stack = vm->stack;

  frames[nframes++] = (RefFrame){m->main_func, 0, 0};
  if (vm->limits.max_depth < 1) {
    err = vm_fail(vm, ERR_DEPTH, "call depth limit 0 leaves no room for main");
    goto error;
  }
  if (ref_frame_slots(fn) > VM_MAX_STACK_SLOTS) {
    err = vm_fail(vm, ERR_DEPTH, "frame of main exceeds %u stack slots", VM_MAX_STACK_SLOTS);
    goto error;
  }
  vm_reserve_stack(vm, ref_frame_slots(fn));
  stack = vm->stack;
  for (size_t i = 0; i < (size_t)fn->nparams + fn->nlocals; i++) stack[i] = val_nil();
  sp = (size_t)fn->nparams + fn->nlocals;

#define OPERAND() op_operand(code, pc)
#define NEXT() pc += op_length((Opcode)code[pc])
#define PUSH(v) (stack[sp++] = (v))
#define POP() (stack[--sp])
#define PEEK(n) (stack[sp - 1 - (n)])
#define THROW(e)  \
  do {            \
    err = (e);    \
    goto error;   \
  } while (0)
/* Binary operation through a semantics function taking (vm, op, a, b, &out). */
#define BINARY_OP(fn_)                                   \
  {                                                      \
    Value b_ = PEEK(0), a_ = PEEK(1), r_;                \
    ErrorKind e_ = fn_(vm, (Opcode)code[pc], a_, b_, &r_); \
    if (e_) THROW(e_);                                   \
    sp -= 2;                                             \
    val_decref(&vm->heap, a_);                           \
    val_decref(&vm->heap, b_);                           \
    PUSH(r_);                                            \
    NEXT();                                              \
    DISPATCH();                                          \
  }
/* Unary operation through a semantics function taking (vm, a, &out). */
#define UNARY_OP(fn_)                  \
  {                                    \
    Value a_ = PEEK(0), r_;            \
    ErrorKind e_ = fn_(vm, a_, &r_);   \
    if (e_) THROW(e_);                 \
    val_decref(&vm->heap, a_);         \
    PEEK(0) = r_;                      \
    NEXT();                            \
    DISPATCH();                        \
  }

  INTERPRET_LOOP {
    CASE(NOP) { NEXT(); DISPATCH(); }
    CASE(PUSH_NIL) { PUSH(val_nil()); NEXT(); DISPATCH(); }
    CASE(PUSH_TRUE) { PUSH(val_bool(true)); NEXT(); DISPATCH(); }
    CASE(PUSH_FALSE) { PUSH(val_bool(false)); NEXT(); DISPATCH(); }
    CASE(PUSH_INT) { PUSH(val_int((int16_t)OPERAND())); NEXT(); DISPATCH(); }
    CASE(PUSH_CONST) {
      Value v = vm->consts[OPERAND()];
      val_incref(v);
      PUSH(v);
      NEXT();
      DISPATCH();
    }
    CASE(PUSH_FUNC) { PUSH(val_func(OPERAND())); NEXT(); DISPATCH(); }
    CASE(LOAD_LOCAL) {
      Value v = stack[base + OPERAND()];
      val_incref(v);
      PUSH(v);
      NEXT();
      DISPATCH();
    }
    CASE(STORE_LOCAL) {
      Value old = stack[base + OPERAND()];
      stack[base + OPERAND()] = POP();
      val_decref(&vm->heap, old);
      NEXT();
      DISPATCH();
    }
    CASE(LOAD_GLOBAL) {
      Value v = vm->globals[OPERAND()];
      val_incref(v);
      PUSH(v);
      NEXT();
      DISPATCH();
    }
    CASE(STORE_GLOBAL) {
      Value old = vm->globals[OPERAND()];
      vm->globals[OPERAND()] = POP();
      val_decref(&vm->heap, old);
      NEXT();
      DISPATCH();
    }
    CASE(POP) { val_decref(&vm->heap, POP()); NEXT(); DISPATCH(); }
    CASE(DUP) {
      Value v = PEEK(0);
      val_incref(v);
      PUSH(v);
      NEXT();
      DISPATCH();
    }
    CASE(SWAP) {
      Value t = PEEK(0);
      PEEK(0) = PEEK(1);
      PEEK(1) = t;
      NEXT();
      DISPATCH();
    }
    CASE(ADD) BINARY_OP(sem_arith)
    CASE(SUB) BINARY_OP(sem_arith)
    CASE(MUL) BINARY_OP(sem_arith)
    CASE(DIV) BINARY_OP(sem_arith)
    CASE(IDIV) BINARY_OP(sem_arith)
    CASE(MOD) BINARY_OP(sem_arith)
    CASE(NEG) UNARY_OP(sem_neg)
    CASE(BAND) BINARY_OP(sem_bitwise)
    CASE(BOR) BINARY_OP(sem_bitwise)
    CASE(BXOR) BINARY_OP(sem_bitwise)
    CASE(SHL) BINARY_OP(sem_bitwise)
    CASE(SHR) BINARY_OP(sem_bitwise)
    CASE(BNOT) UNARY_OP(sem_bnot)
    CASE(EQ)
    CASE(NE) {
      Value b = POP(), a = POP();
      bool eq = sem_equal(a, b);
      val_decref(&vm->heap, a);
      val_decref(&vm->heap, b);
      PUSH(val_bool(code[pc] == OP_EQ ? eq : !eq));
      NEXT();
      DISPATCH();
    }
    CASE(LT) BINARY_OP(sem_compare)
    CASE(LE) BINARY_OP(sem_compare)
    CASE(GT) BINARY_OP(sem_compare)
    CASE(GE) BINARY_OP(sem_compare)
    CASE(NOT) {
      Value a = POP();
      bool t = sem_truthy(a);
      val_decref(&vm->heap, a);
      PUSH(val_bool(!t));
      NEXT();
      DISPATCH();
    }
    CASE(JUMP) {
      pc += op_length(OP_JUMP) + OPERAND();
      DISPATCH();
    }
    CASE(JUMP_IF_FALSE)
    CASE(JUMP_IF_TRUE) {
      Value a = POP();
      bool t = sem_truthy(a);
      val_decref(&vm->heap, a);
      uint32_t next = pc + op_length((Opcode)code[pc]);
      pc = t == (code[pc] == OP_JUMP_IF_TRUE) ? next + OPERAND() : next;
      DISPATCH();
    }
    CASE(LOOP) {
      if (vm->fuel_used >= vm->limits.fuel) THROW(vm_fail(vm, ERR_FUEL, "fuel exhausted"));
      vm->fuel_used++;
      pc = pc + op_length(OP_LOOP) - OPERAND();
      DISPATCH();
    }
    CASE(CALL) {
      uint32_t argc = OPERAND();
      Value callee = PEEK(argc);
      if (callee.kind != VAL_FUNC)
        THROW(vm_fail(vm, ERR_TYPE, "cannot call %s", value_type_name(callee)));
      const Function *target = &m->funcs[callee.as.fn];
      if (target->nparams != argc)
        THROW(vm_fail(vm, ERR_ARITY, "%s takes %u arguments, called with %u", target->name, target->nparams, argc));
      if (vm->fuel_used >= vm->limits.fuel) THROW(vm_fail(vm, ERR_FUEL, "fuel exhausted"));
      size_t new_base = sp - argc;
      if (nframes >= vm->limits.max_depth)
        THROW(vm_fail(vm, ERR_DEPTH, "call depth limit %llu", (unsigned long long)vm->limits.max_depth));
      if (new_base + ref_frame_slots(target) > VM_MAX_STACK_SLOTS)
        THROW(vm_fail(vm, ERR_DEPTH, "stack slot limit %u", VM_MAX_STACK_SLOTS));
      vm->fuel_used++;
      frames[nframes - 1].pc = pc + op_length(OP_CALL);
      if (nframes == frames_cap) {
        frames_cap *= 2;
        frames = xrealloc(frames, sizeof(RefFrame) * frames_cap);
      }
      frames[nframes++] = (RefFrame){callee.as.fn, 0, new_base};
      vm_reserve_stack(vm, new_base + ref_frame_slots(target));
      stack = vm->stack;
      fn = target;
      code = fn->code;
      pc = 0;
      base = new_base;
      for (uint32_t i = 0; i < fn->nlocals; i++) PUSH(val_nil());
      DISPATCH();
    }
    CASE(RETURN) {
      Value r = POP();
      if (nframes == 1) {
        while (sp > 0) val_decref(&vm->heap, stack[--sp]);
        *result = r;
        free(frames);
        return true;
      }
      while (sp > base - 1) val_decref(&vm->heap, stack[--sp]);
      PUSH(r);
      nframes--;
      RefFrame *caller = &frames[nframes - 1];
      fn = &m->funcs[caller->func];
      code = fn->code;
      pc = caller->pc;
      base = caller->base;
      DISPATCH();
    }
    CASE(ARRAY_NEW) {
      uint32_t n = OPERAND();
      ObjArray *a = heap_new_array(&vm->heap, n);
      if (!a) THROW(vm_fail(vm, ERR_HEAP, "heap limit reached"));
      if (n) memcpy(a->items, &stack[sp - n], sizeof(Value) * n);
      a->len = n;
      sp -= n;
      PUSH(val_obj(&a->obj));
      NEXT();
      DISPATCH();
    }
    CASE(GET) {
      Value i = PEEK(0), x = PEEK(1), r;
      ErrorKind e = sem_get(vm, x, i, &r);
      if (e) THROW(e);
      sp -= 2;
      val_decref(&vm->heap, x);
      val_decref(&vm->heap, i);
      PUSH(r);
      NEXT();
      DISPATCH();
    }
    CASE(SET) {
      Value v = PEEK(0), i = PEEK(1), x = PEEK(2);
      ErrorKind e = sem_set(vm, x, i, v);
      if (e) THROW(e);
      sp -= 3;
      val_decref(&vm->heap, x);
      val_decref(&vm->heap, i);
      val_decref(&vm->heap, v);
      NEXT();
      DISPATCH();
    }
    CASE(LEN) UNARY_OP(sem_len)
    CASE(APPEND) {
      Value v = PEEK(0), x = PEEK(1);
      ErrorKind e = sem_append(vm, x, v);
      if (e) THROW(e);
      sp -= 2;
      val_decref(&vm->heap, x);
      val_decref(&vm->heap, v);
      NEXT();
      DISPATCH();
    }
    CASE(TO_INT) UNARY_OP(sem_to_int)
    CASE(TO_FLOAT) UNARY_OP(sem_to_float)
    CASE(TO_STR) UNARY_OP(sem_to_str)
    CASE(PRINT) {
      ErrorKind e = sem_print(vm, PEEK(0));
      if (e) THROW(e);
      val_decref(&vm->heap, POP());
      NEXT();
      DISPATCH();
    }
    CASE(PROBE) {
      sem_probe(vm, PEEK(0));
      val_decref(&vm->heap, POP());
      NEXT();
      DISPATCH();
    }
#if !REF_COMPUTED_GOTO
    default: UNREACHABLE();
#endif
  }
  END_INTERPRET_LOOP
  UNREACHABLE();

error:
  /* The error is raised at the current instruction of the innermost frame; every
     value on the stack is released, so heap statistics show only what remains
     reachable from globals, constants and cycles. */
  vm->error = err;
  vm->error_func = frames[nframes - 1].func;
  vm->error_pc = pc;
  while (sp > 0) val_decref(&vm->heap, stack[--sp]);
  free(frames);
  return false;

#undef OPERAND
#undef NEXT
#undef PUSH
#undef POP
#undef PEEK
#undef THROW
#undef BINARY_OP
#undef UNARY_OP
}

#undef DISPATCH
#undef CASE
#undef INTERPRET_LOOP
#undef END_INTERPRET_LOOP
