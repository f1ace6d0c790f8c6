/* ref_switch.c: the ref interpreter with switch dispatch (template: interp.h). */
#define INTERP_RUN ref_run_switch
#define INTERP_T1 0
#define INTERP_T2 0
#define INTERP_COMPUTED_GOTO 0
#include "interp.h"
