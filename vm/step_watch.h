/* step_watch.h: a run's state, hashed before chosen instructions, to find the first
 * instruction after which a tier's state differs from ref's (oracle/localize.c).
 *
 * A place in a run is named the same way in every tier: fuel used so far, call depth,
 * function and offset. Fuel is charged by every LOOP and every frame entered, and LOOP
 * is the only backward edge, so between two charges no frame runs an instruction twice:
 * (fuel, depth, function, offset) happens at most once in a run. Only the
 * interpreters built with steps (ref_steps.c, t1_steps.c) watch; RunOptions.watch
 * chooses them. t1's forms may skip an instruction ref runs (a fused compare and
 * branch) or dispatch one twice (a form chosen or given up): places are matched by
 * name, not counted.
 *
 * The frame-state check (oracle/oracle.c, docs/fuzzing.md) uses the same places and
 * digests: a tier with traces logs the place and digest of every state a trace hands
 * back to the interpreter (step_watch_hand_back), and ref, watching with those places
 * wanted, digests its own state at each of them. */
#ifndef TESSERA_STEP_WATCH_H
#define TESSERA_STEP_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "value.h"

struct VM;

typedef struct {
  uint64_t fuel;
  uint32_t depth, func, pc;
  uint32_t op;      /* the instruction there: in t1, the form it runs as */
  uint64_t digest;  /* frames, operand stacks, globals, output and probes, hashed (step_watch.c) */
} StepMark;

typedef struct StepWatch {
  uint64_t fuel;  /* marks the instructions dispatched while fuel_used is this, */
  bool every;     /* every one of them, or else the first only */
  StepMark *marks;
  size_t n, cap;
  /* Or, when want is set: marks exactly the places of want (nwant of them, sorted by
     fuel), each the first time the run is there, with step_frame_digest; marks[i] is
     want[i]'s, its digest 0 when the run never was (step_watch_want). */
  const StepMark *want;
  size_t nwant, next;  /* want[next] is the first not yet passed */
} StepWatch;

/* The digest of the run's state with sp the top of the current frame's operand stack:
   frames, operand stacks, globals, output and probes. Never 0. */
uint64_t step_digest(struct VM *vm, const Value *sp);
/* The frame-state check's digest of the same state, cheaper: objects other than strings
   by kind and length, the output by its length. Never 0. */
uint64_t step_frame_digest(struct VM *vm, const Value *sp);
/* The interpreters built with steps call this about to run instruction op at func:pc,
   whenever fuel_used >= w->fuel (STEP in interp.h). */
void step_watch_mark(struct VM *vm, StepWatch *w, uint32_t func, uint32_t pc, uint32_t op, const Value *sp);
/* Watches for the places of want (n marks, sorted by fuel; not copied). */
void step_watch_want(StepWatch *w, const StepMark *want, size_t n);
/* A tier with traces hands its state back to the interpreter at the top frame's pc:
   logged with its digest in w (RunOptions.hand_backs). */
void step_watch_hand_back(struct VM *vm, StepWatch *w, uint32_t pc, uint32_t op, const Value *sp);
void step_watch_free(StepWatch *w);

#endif
