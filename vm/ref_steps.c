/* ref_steps.c: the ref interpreter that marks places for localization (step_watch.h;
   template: interp.h). */
#define INTERP_RUN ref_run_steps
#define INTERP_T1 0
#define INTERP_T2 0
/* Switch dispatch: one place marks (STEP), not a copy after every handler. A localization
   run needs no speed, and the computed-goto build of t1's took 61 s to compile under the
   fuzzing services' ASan + UBSan flags (8.5 s so), most of the CI's contract builds. */
#define INTERP_COMPUTED_GOTO 0
#define INTERP_STEPS 1
#include "interp.h"
