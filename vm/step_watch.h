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
 * name, not counted. */
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
} StepWatch;

/* Notes the place about to run instruction op, with sp the top of the current frame's
   operand stack. */
void step_watch_mark(struct VM *vm, StepWatch *w, uint32_t func, uint32_t pc, uint32_t op, const Value *sp);
void step_watch_free(StepWatch *w);

#endif
