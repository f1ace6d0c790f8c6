/* t1_steps.c: the t1 interpreter that marks places for localization (step_watch.h;
   template: interp.h). */
#define INTERP_RUN t1_run_steps
#define INTERP_T1 1
#define INTERP_T2 0
#define INTERP_COMPUTED_GOTO 1
#define INTERP_STEPS 1
#include "interp.h"
