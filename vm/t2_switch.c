/* t2_switch.c: the t2 interpreter (t1 plus traces) with switch dispatch (template: interp.h). */
#define INTERP_RUN t2_run_switch
#define INTERP_T1 1
#define INTERP_T2 1
#define INTERP_COMPUTED_GOTO 0
#include "interp.h"
