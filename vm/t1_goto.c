/* t1_goto.c: the t1 interpreter with computed-goto dispatch (template: interp.h). */
#define INTERP_RUN t1_run_goto
#define INTERP_T1 1
#define INTERP_T2 0
#define INTERP_COMPUTED_GOTO 1
#include "interp.h"
