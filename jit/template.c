/* template.c: the stencil template. Compiled at build time by clang, once for
 * x86_64-linux-gnu and once for aarch64-linux-gnu (jit/CMakeLists.txt), never linked:
 * tessera-extract turns each object into a stencil set. One function per trace op,
 * stencil_NAME, built from the very uop bodies of vm/uops.h that t1 and t2 run.
 *
 * Holes are extern symbols whose address is the value, known only when a trace is
 * compiled (jit/stencil.h): _JIT_OPARG, _JIT_OPERAND, _JIT_INDEX, and the code to go on
 * with, _JIT_CONTINUE (the next uop) and _JIT_JUMP_TARGET (the loop start). The
 * signature and how code leaves: jit/jit_abi.h.
 *
 * Exits and links stay in compiled code when the executor they lead to is compiled;
 * building executors, counting towards them and invalidating them is left to
 * vm/trace_run.c, which runs those uops as the uop interpreter does. */
#include "frames.h"
#include "jit_abi.h"
#include "jit.h"
#include "trace.h"

extern char _JIT_OPARG[], _JIT_OPERAND[], _JIT_INDEX[], _JIT_EXIT[];
extern JitResult _JIT_CONTINUE(JitFrame *jf, Value *sp, Value *locals);
extern JitResult _JIT_JUMP_TARGET(JitFrame *jf, Value *sp, Value *locals);

/* A hole's value. The address of a declared object is never null as far as the compiler
   knows, so `operand != 0` would fold to true; the empty asm hides where the value comes
   from, so a hole patched to 0 is 0. */
static inline uint64_t hole(const char *symbol) {
  uint64_t v = (uint64_t)(uintptr_t)symbol;
  __asm__("" : "+r"(v));
  return v;
}
#define OPARG ((uint32_t)hole(_JIT_OPARG))
#define OPERAND hole(_JIT_OPERAND)
#define INDEX ((uint32_t)hole(_JIT_INDEX))

#define LEAVE(reason)        \
  do {                       \
    jf->sp = u.sp;           \
    jf->locals = u.locals;   \
    return JIT_RESULT(INDEX, (reason)); \
  } while (0)

#define CONTINUE() __attribute__((musttail)) return _JIT_CONTINUE(jf, u.sp, u.locals)

/* Into executor `to`'s compiled code, from its first uop. */
#define ENTER(to)                                                 \
  do {                                                            \
    Executor *to_ = (to);                                         \
    to_->entered++;                                               \
    u.vm->t2->stats->linked++;                                    \
    jf->executor = to_;                                           \
    JitEntry entry_ = (JitEntry)(void *)to_->jit->mem;            \
    __attribute__((musttail)) return entry_(jf, u.sp, u.locals);  \
  } while (0)

/* Takes the uop's exit: straight into its side trace when that is compiled, else back
   to vm/trace_run.c, which counts the exit and may build the side trace. */
#define TAKE_EXIT()                                                   \
  do {                                                                \
    TraceExit *e_ = (TraceExit *)(uintptr_t)hole(_JIT_EXIT);          \
    Executor *side_ = e_->side;                                       \
    if (side_ && side_->valid && side_->jit) {                        \
      e_->taken++;                                                    \
      ENTER(side_);                                                   \
    }                                                                 \
    LEAVE(JIT_LEFT_EXIT);                                             \
  } while (0)

/* A uop: its body, then the next stencil; a guard that fails takes the uop's exit, an
   error leaves with its kind. */
#define UOP(name, doc)                                                     \
  JitResult stencil_##name(JitFrame *jf, Value *sp, Value *locals) {       \
    UopState u = {jf->vm, sp, locals};                                     \
    UopStatus st = uop_##name(&u, OPARG, OPERAND);                         \
    if (UNLIKELY(st != UOP_OK)) {                                          \
      if (st == UOP_DEOPT) TAKE_EXIT();                                    \
      LEAVE(JIT_LEFT_ERROR + (uint32_t)st);                                \
    }                                                                      \
    CONTINUE();                                                            \
  }
TESSERA_UOPS(UOP)
#undef UOP

JitResult stencil_BRANCH(JitFrame *jf, Value *sp, Value *locals) {
  UopState u = {jf->vm, sp, locals};
  if (!trace_branch(u.vm, &u, OPARG)) TAKE_EXIT();  /* popped, as the exit expects */
  CONTINUE();
}

JitResult stencil_BRANCH_BOOL(JitFrame *jf, Value *sp, Value *locals) {
  UopState u = {jf->vm, sp, locals};
  if (!trace_branch_bool(&u, OPARG)) TAKE_EXIT();
  CONTINUE();
}

/* The oparg of push_frame is the argument count in its low 8 bits and the offset the
   caller resumes at above them (the emitter packs them; CALL takes at most 255). */
JitResult stencil_PUSH_FRAME(JitFrame *jf, Value *sp, Value *locals) {
  UopState u = {jf->vm, sp, locals};
  ErrorKind e = frame_enter(u.vm, &u, (uint32_t)OPERAND, OPARG & 0xff, OPARG >> 8);
  if (UNLIKELY(e)) LEAVE(JIT_LEFT_ERROR + (uint32_t)e);
  CONTINUE();
}

JitResult stencil_POP_FRAME(JitFrame *jf, Value *sp, Value *locals) {
  UopState u = {jf->vm, sp, locals};
  frame_return(u.vm, &u);
  CONTINUE();
}

JitResult stencil_LOOP(JitFrame *jf, Value *sp, Value *locals) {
  UopState u = {jf->vm, sp, locals};
  ErrorKind e = fuel_charge(u.vm, trace_loop_units(u.vm));
  if (UNLIKELY(e)) LEAVE(JIT_LEFT_ERROR + (uint32_t)e);
  __attribute__((musttail)) return _JIT_JUMP_TARGET(jf, u.sp, u.locals);
}

JitResult stencil_PUSH_VALUE(JitFrame *jf, Value *sp, Value *locals) {
  UopState u = {jf->vm, sp, locals};
  *u.sp++ = trace_value(OPARG, OPERAND);
  CONTINUE();
}

/* A LOOP of another loop: its fuel, then that loop's compiled executor; without one,
   vm/trace_run.c looks it up or counts towards projecting it. The oparg is the LOOP's
   function, the operand its offset. */
JitResult stencil_LINK(JitFrame *jf, Value *sp, Value *locals) {
  UopState u = {jf->vm, sp, locals};
  ErrorKind e = fuel_charge(u.vm, 1);
  if (UNLIKELY(e)) LEAVE(JIT_LEFT_ERROR + (uint32_t)e);
  Executor **at = u.vm->t2->at_loop[OPARG];
  Executor *next = at ? at[OPERAND] : NULL;
  if (next && next->jit) ENTER(next);
  LEAVE(JIT_LEFT_LINK);
}

JitResult stencil_EXIT(JitFrame *jf, Value *sp, Value *locals) {
  UopState u = {jf->vm, sp, locals};
  TAKE_EXIT();
}

/* Invalidation is the trace machinery's business. */
JitResult stencil_CHECK_GLOBALS(JitFrame *jf, Value *sp, Value *locals) {
  UopState u = {jf->vm, sp, locals};
  LEAVE(JIT_LEFT_HANDOFF);
}
