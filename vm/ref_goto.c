/* ref_goto.c: the reference interpreter with computed-goto dispatch. */
#define REF_RUN ref_run_goto
#define REF_COMPUTED_GOTO 1
#include "ref_interp.h"
