/* t1_switch.c: the t1 interpreter with switch dispatch (template: interp.h). */
#define INTERP_RUN t1_run_switch
#define INTERP_T1 1
#define INTERP_T2 0
#define INTERP_COMPUTED_GOTO 0
#include "interp.h"
