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

/* Slots a frame of f occupies above its base. */
static inline size_t frame_slots(const Function *f) { return (size_t)f->nparams + f->nlocals + f->max_stack; }

static inline Frame *frame_top(VM *vm) { return &vm->frames[vm->nframes - 1]; }

/* Charges one unit of fuel, as LOOP and CALL do (docs/semantics.md): ERR_FUEL when it is
   used up, with nothing charged. `units` is 1, or 0 under the test-only fault that makes
   a trace's closing LOOP free. */
static inline bool fuel_left(const VM *vm) { return vm->fuel_used < vm->limits.fuel; }
static inline ErrorKind fuel_exhausted(VM *vm) { return vm_fail(vm, ERR_FUEL, "fuel exhausted"); }
static inline ErrorKind fuel_charge(VM *vm, uint64_t units) {
  if (UNLIKELY(!fuel_left(vm))) return fuel_exhausted(vm);
  vm->fuel_used += units;
  return ERR_NONE;
}

/* Enters function callee, which takes exactly argc arguments (already checked), the
   arguments being the argc values under u->sp; the caller resumes at return_pc. Fuel,
   then depth, then stack slots are checked, in that order, as docs/semantics.md says;
   on failure nothing has changed and the error kind is returned. */
static inline ErrorKind frame_enter(VM *vm, UopState *u, uint32_t callee, uint32_t argc, uint32_t return_pc) {
  const Function *target = &vm->module->funcs[callee];
  size_t new_base = (size_t)(u->sp - vm->stack) - argc;
  if (vm->fuel_used >= vm->limits.fuel) return vm_fail(vm, ERR_FUEL, "fuel exhausted");  /* charged below */
  if (vm->nframes >= vm->limits.max_depth)
    return vm_fail(vm, ERR_DEPTH, "call depth limit %llu", (unsigned long long)vm->limits.max_depth);
  if (new_base + frame_slots(target) > VM_MAX_STACK_SLOTS)
    return vm_fail(vm, ERR_DEPTH, "stack slot limit %u", VM_MAX_STACK_SLOTS);
  vm->fuel_used++;
  frame_top(vm)->pc = return_pc;
  if (vm->nframes == vm->frames_cap) {
    vm->frames_cap = vm->frames_cap ? vm->frames_cap * 2 : 16;
    vm->frames = xrealloc(vm->frames, sizeof(Frame) * vm->frames_cap);
  }
  vm->frames[vm->nframes++] = (Frame){callee, 0, new_base};
  vm_reserve_stack(vm, new_base + frame_slots(target));  /* may move the stack */
  u->locals = vm->stack + new_base;
  u->sp = u->locals + argc;
  for (uint32_t i = 0; i < target->nlocals; i++) *u->sp++ = val_nil();
  return ERR_NONE;
}

/* Returns the value on top of the stack from the current frame, which is not main's,
   to its caller; answers the caller's frame, whose pc is where it resumes. */
static inline Frame *frame_return(VM *vm, UopState *u) {
  Value r = val_load(--u->sp);
  Value *callee_slot = u->locals - 1;
  while (u->sp > callee_slot) val_decref(&vm->heap, val_load(--u->sp));
  val_store(u->sp++, r);
  vm->nframes--;
  Frame *caller = frame_top(vm);
  u->locals = vm->stack + caller->base;
  return caller;
}

#endif
