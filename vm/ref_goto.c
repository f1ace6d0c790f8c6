/* ref_goto.c: the ref interpreter with computed-goto dispatch (template: interp.h). */
#define INTERP_RUN ref_run_goto
#define INTERP_T1 0
#define INTERP_T2 0
#define INTERP_COMPUTED_GOTO 1
#include "interp.h"
