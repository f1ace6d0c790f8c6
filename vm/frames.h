/* frames.h: the VM's call frames, and entering and leaving one: written once for every
 * tier (the interpreters' CALL and RETURN, and the frames a trace pushes for an
 * inlined call, which are real frames, so an exit inside one needs no materializing).
 *
 * Stack layout of a frame (vm->stack):
 *
 *   base-1      base                base+nslots          sp
 *   | callee |  params.. locals..  |  operand stack ... |
 *
 * A call leaves the callee and its arguments where they are: the arguments become the
 * parameters in place. A return releases callee, locals and leftovers, and puts the
 * result where the callee was. main's frame has base 0 and no callee slot. */
#ifndef TESSERA_FRAMES_H
#define TESSERA_FRAMES_H

#include "uops.h"
#include "vm.h"

/* Slots a frame of f occupies above its base: two more than its values, the room a call
   of a class takes to insert the new instance under the arguments (frame_call_class),
   or a finalizer call to push the instance and the finalizer (interp.h). */
static inline size_t frame_slots(const Function *f) { return (size_t)f->nparams + f->nlocals + f->max_stack + 2; }

static inline Frame *frame_top(VM *vm) { return &vm->frames[vm->nframes - 1]; }

/* The values on the top frame's operand stack, above its parameters and locals. */
static inline uint32_t frame_operands(VM *vm, const UopState *u) {
  const Function *f = &vm->module->funcs[frame_top(vm)->func];
  return (uint32_t)(u->sp - u->locals) - f->nparams - f->nlocals;
}

/* Whether a finalizer call is due before the next instruction (docs/semantics.md section
   23.8): an instance waits, and no finalizer call is running (they never nest). Every
   tier asks after each instruction that may release an object; after the others it is
   false, because it was false before them. */
static inline bool finalizer_due(const VM *vm) { return heap_has_waiting(&vm->heap) && vm->finalizers_running == 0; }

/* Charges one unit of fuel, as LOOP and CALL do (docs/semantics.md): ERR_FUEL when it is
   used up, with nothing charged. `units` is 1, or 0 under the test-only fault that makes
   a trace's closing LOOP free. */

/* The checks of entering a frame of `slots` slots (frame_slots) whose local 0 is at
   stack index new_base: fuel, then depth, then stack slots, in that order, as
   docs/semantics.md says. */
static inline ErrorKind frame_check_slots(VM *vm, size_t new_base, size_t slots) {
  if (vm->fuel_used >= vm->limits.fuel) return vm_fail(vm, ERR_FUEL, "fuel exhausted");  /* charged by frame_enter */
  if (vm->nframes >= vm->limits.max_depth)
    return vm_fail(vm, ERR_DEPTH, "call depth limit %llu", (unsigned long long)vm->limits.max_depth);
  if (new_base + slots > VM_MAX_STACK_SLOTS) return vm_fail(vm, ERR_DEPTH, "stack slot limit %u", VM_MAX_STACK_SLOTS);
  return ERR_NONE;
}
static inline ErrorKind frame_check(VM *vm, size_t new_base, const Function *target) {
  return frame_check_slots(vm, new_base, frame_slots(target));
}

/* Whether the frame array and the value stack have room for a frame of `slots` slots
   whose local 0 is at stack index new_base, so that frame_enter need not grow them. JIT
   stencils leave the rare call without room to the uop interpreter, and so hold no code
   for growing (no calls, no register saves). */
static inline bool frame_room(const VM *vm, size_t new_base, size_t slots) {
  return vm->nframes < vm->frames_cap && new_base + slots <= vm->stack_cap;
}

/* frame_room for compiled code, from the new frame's locals and its size in bytes
   (EntrySlot.frame_bytes): the stack's bound compared as an address (VM.stack_end),
   which spares working out the stack index. */
static inline bool frame_room_at(const VM *vm, const Value *locals, uint32_t frame_bytes) {
  return vm->nframes < vm->frames_cap && (uintptr_t)locals + frame_bytes <= vm->stack_end;
}

/* frame_room, and frame_check_slots passing, in two compares fewer: frame_enter never
   grows the frame array past the depth limit, nor the stack past VM_MAX_STACK_SLOTS (a
   power of two it doubles up to from 256), so where there is room the depth and stack
   checks pass and only fuel is left. */
static inline bool frame_room_checked(const VM *vm, size_t new_base, size_t slots) {
  return frame_room(vm, new_base, slots) && vm->fuel_used < vm->limits.fuel;
}
static inline bool frame_room_at_checked(const VM *vm, const Value *locals, uint32_t frame_bytes) {
  return frame_room_at(vm, locals, frame_bytes) && vm->fuel_used < vm->limits.fuel;
}

/* The locals of a frame entered with the arguments under sp, arg_bytes of them
   (EntrySlot.arg_bytes). */
static inline Value *frame_args_under(Value *sp, uint32_t arg_bytes) { return (Value *)((char *)sp - arg_bytes); }

/* The records of a call: the caller's resume point (return_pc) and the instruction that
   made the call (at), then the callee's Frame, entered at stack index new_base. */
static inline __attribute__((always_inline)) void frame_write_record(VM *vm, uint32_t callee, size_t new_base,
                                                                     uint32_t at, uint32_t return_pc) {
  Frame *frames = vm->frames;  /* read once: each store below may alias them (-fno-strict-aliasing) */
  size_t n = vm->nframes;
  frames[n - 1].pc = return_pc;
  frames[n - 1].at = at;
  frames[n] = (Frame){callee, 0, new_base, FRAME_RET_VALUE, 0};
  vm->nframes = n + 1;
}

/* A new frame's nlocals locals above its arguments, nil. Few, often none: a vectorized,
   unrolled loop only made the call stencils larger and their register saves more
   (jit/template.c: call_trace). */
static inline __attribute__((always_inline)) void frame_clear_locals(UopState *u, uint32_t nlocals) {
#pragma clang loop vectorize(disable) unroll(disable)
  for (uint32_t i = 0; i < nlocals; i++) *u->sp++ = val_nil();
}

/* frame_enter's last step, its checks passed and room made: the frame of function
   callee, with nlocals locals, pushed at new_base (its argc arguments under u->sp),
   fuel charged, and the caller's resume point set. */
static inline __attribute__((always_inline)) void frame_push(VM *vm, UopState *u, uint32_t callee, uint32_t argc,
                                                             uint32_t nlocals, size_t new_base, uint32_t at,
                                                             uint32_t return_pc) {
  vm->fuel_used++;
  frame_write_record(vm, callee, new_base, at, return_pc);
  u->locals = vm->stack + new_base;
  u->sp = u->locals + argc;
  frame_clear_locals(u, nlocals);
}

/* push_frame_deferred in compiled code (rule deferred-frames): frame_enter's checks and
   effects but the record, which trace_run.c writes if the code leaves inside the frame.
   The checks are frame_push's room (the record's slot among them), so a frame that
   passes them can always be written; else false with nothing done. (Their failure is
   rare, but told to the compiler as likely, as jit/template.c's EXIT_LAID_FIRST does:
   that lays the stencil's hand-over first and its fast path last, falling through into
   the next stencil, rather than a jump over the hand-over.) */
static inline __attribute__((always_inline)) bool frame_push_deferred(VM *vm, UopState *u, uint32_t arg_bytes,
                                                                      uint32_t nlocals, uint32_t frame_bytes) {
  Value *locals = frame_args_under(u->sp, arg_bytes);
  if (__builtin_expect(!frame_room_at_checked(vm, locals, frame_bytes), 1)) return false;
  vm->fuel_used++;
  u->locals = locals;
  frame_clear_locals(u, nlocals);
  return true;
}

/* frame_enter past its checks: the frame array and the stack grown when they must, then
   the frame of function callee (target) pushed at new_base, its argc arguments under
   u->sp. */
static inline __attribute__((always_inline)) void frame_enter_checked(VM *vm, UopState *u, uint32_t callee,
                                                                      const Function *target, uint32_t argc,
                                                                      size_t new_base, uint32_t at,
                                                                      uint32_t return_pc) {
  if (UNLIKELY(!frame_room(vm, new_base, frame_slots(target)))) {  /* each doubles: rare */
    if (vm->nframes == vm->frames_cap) {  /* doubles, up to the depth limit (frame_room_checked) */
      size_t cap = vm->frames_cap ? vm->frames_cap * 2 : 16;
      vm_grow_frames(vm, cap < vm->limits.max_depth ? cap : vm->limits.max_depth);
    }
    vm_reserve_stack(vm, new_base + frame_slots(target));  /* may move the stack */
  }
  ASSERT(vm->frames_cap <= vm->limits.max_depth && vm->stack_cap <= VM_MAX_STACK_SLOTS, "frame_room_checked's bounds");
  frame_push(vm, u, callee, argc, target->nlocals, new_base, at, return_pc);
}

/* Enters function callee, which takes exactly argc arguments (already checked), the
   arguments being the argc values under u->sp, from the caller's instruction at; the
   caller resumes at return_pc. On a failed frame_check nothing has changed and the
   error kind is returned. */
static inline __attribute__((always_inline)) ErrorKind frame_enter(VM *vm, UopState *u, uint32_t callee, uint32_t argc,
                                                                   uint32_t at, uint32_t return_pc) {
  const Function *target = &vm->module->funcs[callee];
  size_t new_base = (size_t)(u->sp - vm->stack) - argc;
  ErrorKind e = frame_check(vm, new_base, target);
  if (e) return e;
  frame_enter_checked(vm, u, callee, target, argc, new_base, at, return_pc);
  return ERR_NONE;
}

/* Enters the operator method vm->invoke (set by sem_operator) for the instruction at
   `at`, as `call` would with the checks of `call`: its operands, the argc values under
   u->sp, become its arguments, the method goes into a callee slot under them, and the
   caller resumes at return_pc (the instruction itself for a truth test or a finalizer,
   else the one after it). On an error nothing has changed. */
static inline ErrorKind frame_invoke(VM *vm, UopState *u, uint32_t at, uint32_t return_pc) {
  const Invoke iv = vm->invoke;
  const Function *f = &vm->module->funcs[iv.func];
  if (f->nparams != iv.argc) return sem_arity_error(vm, f->name, f->nparams, iv.argc);
  Value *args = u->sp - iv.argc;
  size_t new_base = (size_t)(args + 1 - vm->stack);
  ErrorKind e = frame_check(vm, new_base, f);  /* before anything moves */
  if (e) return e;
  /* Up one slot (frame_slots leaves the room): operator methods take one or two
     arguments, which are moved by hand rather than by a call of memmove. */
  if (iv.argc > 2) {
    memmove(args + 1, args, sizeof(Value) * iv.argc);
  } else {
    if (iv.argc == 2) args[2] = args[1];
    if (iv.argc >= 1) args[1] = args[0];
  }
  *args = val_func(iv.func);
  u->sp++;
  frame_enter_checked(vm, u, iv.func, f, iv.argc, new_base, at, return_pc);
  frame_top(vm)->ret = iv.ret;
  if (iv.ret == FRAME_RET_FINALIZER) vm->finalizers_running++;
  return ERR_NONE;
}

/* Whether a frame's return drops its result instead of pushing it for the caller. */
static inline bool frame_ret_drops(uint8_t ret) { return ret == FRAME_RET_NOTHING || ret == FRAME_RET_FINALIZER; }

/* Starts the finalizer call of the instance that waited longest (docs/semantics.md
   section 23.8): the instance is pushed as the argument of its op_del, an operator
   method. UOP_INVOKE: vm->invoke is set, for frame_invoke to enter it returning to the
   instruction that has not run yet; UOP_OK: no op_del any more, and the instance has
   been released; else the error, with the instance still pushed. */
static inline UopStatus frame_finalize_next(VM *vm, UopState *u) {
  Value x = val_obj(&heap_take_waiting(&vm->heap)->obj);
  *u->sp++ = x;
  UopStatus st = uop_operator(u, x, OPM_DEL, 1, FRAME_RET_FINALIZER, true);
  if (st == UOP_OK) val_decref(&vm->heap, *--u->sp);
  return st;
}

/* Returns the value on top of the stack from the current frame, which is not main's,
   to its caller, as the frame's FrameRet says; answers the caller's frame, whose pc is
   where it resumes. Always inlined: clang kept it out of line in the stencils, and the
   call, given &u, put the stencil's state in memory and a stack frame around it (jit
   calls 0.62 -> 0.48 s, fib 0.72 -> 0.66 s once inlined). */
static inline __attribute__((always_inline)) Frame *frame_return(VM *vm, UopState *u) {
  Value r = val_load(--u->sp);
  Value *callee_slot = u->locals - 1;
  uint8_t ret = frame_top(vm)->ret;
  if (ret == FRAME_RET_INSTANCE) {  /* init's result is dropped: the call gives the instance */
    val_decref(&vm->heap, r);
    r = val_load(callee_slot);
    val_store(callee_slot, val_nil());
  }
  while (u->sp > callee_slot) val_decref(&vm->heap, val_load(--u->sp));
  if (ret == FRAME_RET_FINALIZER) vm->finalizers_running--;
  if (frame_ret_drops(ret))
    val_decref(&vm->heap, r);
  else
    val_store(u->sp++, r);
  vm->nframes--;
  Frame *caller = frame_top(vm);
  u->locals = vm->stack + caller->base;
  return caller;
}

/* frame_return of a frame entered by frame_enter (FRAME_RET_VALUE) of which only the
   slots under the result that `refs` marks may hold a reference (bit i: the callee slot
   + i; POP_FRAME_KNOWN, the trace optimizer proved the others hold none): those are
   released, from the top down as frame_return does, and the result replaces the
   callee (frame_return_slots, also pop_frame_deferred's in compiled code, which has no
   record to remove: jit/template.c); then the frame's record goes. */
static inline __attribute__((always_inline)) void frame_return_slots_as(VM *vm, UopState *u, uint64_t refs,
                                                                         bool none_freed) {
  Value r = val_load(--u->sp);
  Value *callee_slot = u->locals - 1;
  while (refs) {
    int i = 63 - __builtin_clzll(refs);
    refs &= ~(1ull << i);
    Value v = val_load(&callee_slot[i]);
    if (none_freed) {
      if (v.kind == VAL_OBJ) v.as.obj->refcount--;
    } else {
      val_decref(&vm->heap, v);
    }
  }
  val_store(callee_slot, r);
  u->sp = callee_slot + 1;
}
static inline __attribute__((always_inline)) void frame_return_slots(VM *vm, UopState *u, uint64_t refs) {
  frame_return_slots_as(vm, u, refs, false);
}
static inline __attribute__((always_inline)) void frame_return_known_as(VM *vm, UopState *u, uint64_t refs,
                                                                        bool none_freed) {
  frame_return_slots_as(vm, u, refs, none_freed);
  vm->nframes--;
  u->locals = vm->stack + frame_top(vm)->base;
}
static inline __attribute__((always_inline)) void frame_return_known(VM *vm, UopState *u, uint64_t refs) {
  frame_return_known_as(vm, u, refs, false);
}
/* frame_return of an init's frame (FRAME_RET_INSTANCE) of which the optimizer knows the
   slots: init's own value is dropped (released when refs bit 0 says it may hold a
   reference), then the slots above the callee slot that refs marks are released from
   the top down, as frame_return releases them, and the instance stays in the callee
   slot, the call's value; then the frame's record goes. */
static inline __attribute__((always_inline)) void frame_return_init_known(VM *vm, UopState *u, uint64_t refs) {
  if (refs & 1) val_decref(&vm->heap, val_load(&u->sp[-1]));
  val_store(&u->sp[-1], val_load(&u->locals[-1]));  /* the instance, as the result the callee slot takes */
  frame_return_known(vm, u, refs & ~UINT64_C(1));
}

/* Whether releasing the slots refs marks (bit 0 the callee slot) may free an object:
   one of them holds an object with no more references than the slots marked, since
   one object may be in several (a conservative answer, exact for one slot). Compiled
   code then leaves the return or pop to shared code, and otherwise makes it with
   none_freed (the counts only drop), so that its stencil makes no call. Only for the
   variants of refs 1 (an entry trace's return, the pop of a callee whose other slots
   hold no reference), 2 and 3 (a method's self, with or without the callee), whose
   test clang unrolls: a loop over any refs cost more than the call it spares
   (richards 7.16e9 -> 7.76e9 instructions). */
static inline __attribute__((always_inline)) bool frame_release_frees(const UopState *u, uint64_t refs) {
  int64_t marked = __builtin_popcountll(refs);
  for (; refs; refs &= refs - 1) {
    Value v = val_load(&u->locals[__builtin_ctzll(refs) - 1]);
    if (v.kind == VAL_OBJ && v.as.obj->refcount <= marked) return true;
  }
  return false;
}

/* RETURN_KNOWN: frame_return_known when the frame returns a plain value (the optimizer
   cannot know how the frame a trace began in was entered), else frame_return. */
static inline __attribute__((always_inline)) void frame_return_maybe_known(VM *vm, UopState *u, uint64_t refs) {
  if (LIKELY(frame_top(vm)->ret == FRAME_RET_VALUE))
    frame_return_known(vm, u, refs);
  else
    frame_return(vm, u);
}

/* The entry of f's exception table that handles an error raised at offset at: the first
   whose range holds it, or NULL. With the test-only fault catch-range-end (late), a
   range also holds the instruction at its end. */
static inline const Handler *frame_handler(const Function *f, uint32_t at, bool late) {
  for (uint32_t i = 0; i < f->nhandlers; i++) {
    const Handler *h = &f->handlers[i];
    if (at >= h->start && (at < h->end || (late && at < h->end + op_length(f->code[h->end])))) return h;
  }
  return NULL;
}

/* Catches error err, raised at offset pc of the top frame (docs/semantics.md section 26):
   the innermost frame with a handler for it (the top frame at pc; each caller at the
   instruction that made its call) is found; every frame above it is left, its values
   released top first down to its callee slot; the handler frame's operand stack is cut
   to the handler's depth, top first; the error's value is pushed (the raised value for
   ERR_RAISED, else the int err). Answers the handler's offset in the top frame, or -1
   with nothing changed when the error is not caught. Charges no fuel. late: the fault
   catch-range-end (frame_handler). */
static inline int64_t frame_catch(VM *vm, UopState *u, uint32_t pc, ErrorKind err, bool late) {
  if (!error_catchable(err)) return -1;
  const Module *m = vm->module;
  const Handler *h = NULL;
  uint32_t n = vm->nframes;
  for (; n > 0 && !h; n--)
    h = frame_handler(&m->funcs[vm->frames[n - 1].func], n == vm->nframes ? pc : vm->frames[n - 1].at, late);
  if (!h) return -1;
  n++;  /* the handler's frame is frames[n - 1] */
  Value v = err == ERR_RAISED ? vm->raised : val_int(err);
  vm->raised = val_nil();
  while (vm->nframes > n) {
    Value *callee_slot = u->locals - 1;
    while (u->sp > callee_slot) val_decref(&vm->heap, val_load(--u->sp));
    if (frame_top(vm)->ret == FRAME_RET_FINALIZER) vm->finalizers_running--;
    vm->nframes--;
    u->locals = vm->stack + frame_top(vm)->base;
  }
  const Function *f = &m->funcs[frame_top(vm)->func];
  Value *keep = u->locals + f->nparams + f->nlocals + h->depth;
  while (u->sp > keep) val_decref(&vm->heap, val_load(--u->sp));
  val_store(u->sp++, v);
  return h->handler;
}

/* A class call's instance inst inserted under the argc arguments, which move up one
   slot (frame_slots leaves the room): it takes the class's place in the callee slot
   and is argument 0 as well. The class's release frees nothing: the instance holds it. */
static inline __attribute__((always_inline)) void frame_insert_instance(VM *vm, UopState *u, uint32_t argc,
                                                                        Value inst) {
  Value *slot = u->sp - 1 - argc;
  Value cls = *slot;
  for (uint32_t i = argc; i > 0; i--) slot[i + 1] = slot[i];  /* a few: no memmove call */
  u->sp++;
  slot[0] = inst;
  slot[1] = inst;
  val_incref(inst);
  val_decref(&vm->heap, cls);
}

/* A class call's end once its instance inst is made and init (a function taking argc +
   1) is known: frame_check for init's frame (on failure inst is released and nothing
   else changes), then the instance inserted under the argc arguments, kept in the
   callee slot in place of the class and passed as argument 0, and init's frame entered,
   whose return gives the instance (FRAME_RET_INSTANCE). */
static inline __attribute__((always_inline)) ErrorKind frame_enter_init(VM *vm, UopState *u, uint32_t argc,
                                                                       Value inst, uint32_t init, uint32_t return_pc) {
  /* Checked before the instance goes in, so that a failing call changes nothing; its
     frame's local 0 will be where argument 0 is now. */
  ErrorKind e = frame_check(vm, (size_t)(u->sp - argc - vm->stack), &vm->module->funcs[init]);
  if (e) {
    val_decref(&vm->heap, inst);
    return e;
  }
  frame_insert_instance(vm, u, argc, inst);
  e = frame_enter(vm, u, init, argc + 1, return_pc - OP_SIZE_CALL, return_pc);
  ASSERT(e == ERR_NONE, "frame_check passed above");
  frame_top(vm)->ret = FRAME_RET_INSTANCE;
  return ERR_NONE;
}

/* Calls class cls = the value under the argc arguments under u->sp (docs/semantics.md):
   a new instance; when the class has an init, its frame is entered with the instance
   inserted as the first argument (and kept in the callee slot, where the frame's return
   finds it), and *entered is true; otherwise the instance replaces the class and one
   unit of fuel is charged. Errors, in order: heap, init not a function, arity, then
   frame_enter's. */
static inline ErrorKind frame_call_class(VM *vm, UopState *u, uint32_t argc, uint32_t return_pc, bool *entered) {
  Value *slot = u->sp - 1 - argc;
  Value cls = *slot, inst, init;
  ErrorKind e = sem_instantiate(vm, cls, &inst, &init);
  if (e) return e;
  uint32_t want = init.kind == VAL_FUNC ? vm->module->funcs[init.as.fn].nparams : 1;
  if (want == 0) {
    val_decref(&vm->heap, inst);
    return vm_fail(vm, ERR_ARITY, "init of class %s takes no parameter for the instance",
                   object_name_text(vm, as_class(cls)->name));
  }
  if (want != argc + 1) {
    val_decref(&vm->heap, inst);
    return vm_fail(vm, ERR_ARITY, "class %s takes %u arguments, called with %u", object_name_text(vm, as_class(cls)->name),
                   want - 1, argc);
  }
  *entered = init.kind == VAL_FUNC;
  if (!*entered) {
    if ((e = fuel_charge(vm, 1))) {
      val_decref(&vm->heap, inst);
      return e;
    }
    *slot = inst;
    val_decref(&vm->heap, cls);
    return ERR_NONE;
  }
  return frame_enter_init(vm, u, argc, inst, init.as.fn, return_pc);
}

/* The call of the class under the argc arguments whose init, function init taking argc +
   1, is known (CALL_CLASS: a guard proved the class's version): frame_call_class without
   the lookup, whose errors are the heap's, then frame_enter's. */
static inline ErrorKind frame_call_init(VM *vm, UopState *u, uint32_t argc, uint32_t init, uint32_t return_pc) {
  ObjInstance *o = heap_new_instance(&vm->heap, as_class(u->sp[-1 - (int)argc]));
  if (!o) return vm_fail(vm, ERR_HEAP, "heap limit reached");
  return frame_enter_init(vm, u, argc, val_obj(&o->obj), init, return_pc);
}

#endif
