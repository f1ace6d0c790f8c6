/* jit_abi.h: how compiled traces and the VM talk: the signature every stencil has, and
 * what a stencil returns when it leaves the JIT code.
 *
 * Every stencil is `JitResult stencil_NAME(JitFrame *jf, Value *sp, Value *locals)` and
 * ends in a guaranteed tail call of the next one with the same three arguments, so the
 * frame, the stack pointer and the locals stay in the argument registers (rdi, rsi, rdx;
 * x0, x1, x2) from the first uop of a trace to the last. Because all stencils share the
 * signature, the code of a trace can be entered at any uop.
 *
 * A stencil leaves by storing sp and locals into the JitFrame and returning
 * JIT_RESULT(index, reason): index is the uop it was running (its _JIT_INDEX hole), and
 * the VM's trace machinery (vm/trace_run.c) takes it from there, exactly as if the uop
 * interpreter had stopped at that uop. */
#ifndef TESSERA_JIT_ABI_H
#define TESSERA_JIT_ABI_H

#include <stdint.h>

#include "value.h"

struct VM;

struct Executor;

typedef struct {
  struct VM *vm;
  Value *sp;      /* written when the code leaves */
  Value *locals;
  struct Executor *executor;  /* the executor whose code runs: compiled code moves from
                                 one executor to another (a linked exit, a link) */
} JitFrame;

typedef uint64_t JitResult;

/* Why JIT code left, in the low byte of its result. Values above JIT_LEFT_ERROR are an
   ErrorKind plus JIT_LEFT_ERROR. */
#define JIT_LEFT_EXIT 1     /* a guard failed or a branch went the other way: take the uop's exit */
#define JIT_LEFT_HANDOFF 2  /* the uop is the trace machinery's: run it in the uop interpreter */
#define JIT_LEFT_LINK 3     /* a link found no compiled executor; its fuel is charged */
#define JIT_LEFT_ERROR 16   /* the uop raised an error */

#define JIT_RESULT(index, reason) (((JitResult)(index) << 8) | (JitResult)(reason))
#define JIT_RESULT_INDEX(r) ((uint32_t)((r) >> 8))
#define JIT_RESULT_REASON(r) ((uint32_t)((r)&0xff))

typedef JitResult (*JitEntry)(JitFrame *jf, Value *sp, Value *locals);

#endif
