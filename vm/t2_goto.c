/* t2_goto.c: the t2 interpreter (t1 plus traces) with computed-goto dispatch (template: interp.h). */
#define INTERP_RUN t2_run_goto
#define INTERP_T1 1
#define INTERP_T2 1
#define INTERP_COMPUTED_GOTO 1
#include "interp.h"
