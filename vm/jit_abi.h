/* jit_abi.h: how compiled traces and the VM talk: the signature every stencil has,
 * what a stencil returns when it leaves the JIT code, and the handle of a compiled
 * trace. The VM library defines this contract and runs code that follows it
 * (vm/trace_run.c); the JIT (jit/, a layer above) produces such code and is reached
 * only through the hook t2 is given (JitHooks, vm/trace.h).
 *
 * Every stencil is
 *
 *   JitResult stencil_NAME(JitFrame *jf, Value *sp, Value *locals,
 *                          uint64_t top0, uint64_t top1, uint64_t top2)
 *
 * and ends in a guaranteed tail call of the next one with the same arguments, so they
 * stay in the argument registers (rdi, rsi, rdx, rcx, r8, r9; x0 to x5) from the first
 * uop of a trace to the last. Because all stencils share the signature, the code of a
 * trace can be entered at any uop.
 *
 * top0, top1 and top2 are a register cache of the payloads of sp[-1], sp[-2] and sp[-3],
 * written through: the stack in memory is always whole and exact, and the registers
 * always equal it (JIT_TOPS). A stencil tells the compiler so (jit/template.c), which
 * then takes its operands from registers, not from the slots the previous stencil just
 * stored, so a chain of arithmetic runs through registers while the stores go on off its
 * critical path. Nothing need be spilled when code leaves. Below a frame's slots lie the
 * caller's, and below main's the stack's floor (VM_STACK_FLOOR), so the three reads stay
 * inside the stack.
 *
 * A stencil leaves by storing sp and locals into the JitFrame and returning
 * JIT_RESULT(index, reason): index is the uop it was running (its _JIT_INDEX hole), and
 * the VM's trace machinery (vm/trace_run.c) takes it from there, exactly as if the uop
 * interpreter had stopped at that uop. */
#ifndef TESSERA_JIT_ABI_H
#define TESSERA_JIT_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "value.h"

struct VM;

struct Executor;

typedef uint64_t JitResult;

typedef struct JitFrame {
  struct VM *vm;
  Value *sp;      /* written when the code leaves */
  Value *locals;
  struct Executor *executor;  /* the executor whose code runs: compiled code moves from
                                 one executor to another (a linked exit, a link) */
  /* A run a call_trace's stencil nested without a C call (vm/trace.h: T2State.nested),
     else all 0: the caller's frame, and its code after the call, which the callee's
     return jumps to when the VM is back to `frames` frames; nest_frames as it was
     before the call, and the index of the caller's call uop. */
  struct JitFrame *caller;
  JitResult (*resume)(struct JitFrame *jf, Value *sp, Value *locals, uint64_t top0, uint64_t top1, uint64_t top2);
  uint32_t frames, outer_frames, call_index;
  /* The caller's locals while the code runs in a deferred frame (docs/tier2.md, "Deferred
     frames"), where pop_frame_deferred takes them back: one load, not the four dependent
     ones through the frame array. Written by push_frame_deferred; a body holds no call,
     so the same JitFrame pops it, or the code leaves. */
  Value *deferred_caller;
} JitFrame;

/* Why JIT code left, in the low byte of its result. */
#define JIT_LEFT_EXIT 1     /* a guard failed or a branch went the other way: take the uop's exit */
#define JIT_LEFT_HANDOFF 2  /* run the uop in the uop interpreter: it is the trace machinery's,
                               or it failed (a uop that fails changes nothing, and run again it
                               fails the same way, this time with the error's detail) */
#define JIT_LEFT_LINK 3     /* a link found no compiled executor; its fuel is charged */
#define JIT_LEFT_RETURN 4   /* a return from the trace's frame is done: the caller resumes */
#define JIT_LEFT_NESTED 5   /* a call_trace's nested run left elsewhere than back to it
                               (vm/trace.h: trace_call): the trace leaves as that run did */

#define JIT_RESULT(index, reason) (((JitResult)(index) << 8) | (JitResult)(reason))
#define JIT_RESULT_INDEX(r) ((uint32_t)((r) >> 8))
#define JIT_RESULT_REASON(r) ((uint32_t)((r)&0xff))

typedef JitResult (*JitEntry)(JitFrame *jf, Value *sp, Value *locals, uint64_t top0, uint64_t top1, uint64_t top2);

/* The register cache of a stack pointer: the payloads of its three top slots. */
#define JIT_TOPS(sp) (uint64_t)(sp)[-1].as.i, (uint64_t)(sp)[-2].as.i, (uint64_t)(sp)[-3].as.i

/* A compiled trace: machine code in JIT memory, entered at any uop. */
typedef struct JitCode {
  uint8_t *mem;
  size_t mem_size;     /* whole pages (the JIT's business) */
  size_t code_size;    /* bytes of code */
  uint32_t *offsets;   /* where each uop starts */
  uint32_t len;
  uint32_t compiled_uops;  /* uops from this index on are left to the uop interpreter, one at
                              a time (localization: SwitchedOff.jit_uops); len otherwise */
  uint8_t *side_entry;     /* a side trace's: where its parent's exit goes in (the side_entry
                              stencil, after the last uop; jit/template.c), else NULL */
} JitCode;

/* Runs compiled code from uop `index` with the frame's stack pointer and locals. */
static inline JitResult jit_run(const JitCode *c, uint32_t index, JitFrame *jf) {
  JitEntry entry = (JitEntry)(void *)(c->mem + c->offsets[index]);
  return entry(jf, jf->sp, jf->locals, JIT_TOPS(jf->sp));
}

#endif
