/* ref_switch.c: the reference interpreter with switch dispatch. */
#define REF_RUN ref_run_switch
#define REF_COMPUTED_GOTO 0
#include "ref_interp.h"
