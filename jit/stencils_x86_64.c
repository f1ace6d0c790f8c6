/* stencils_x86_64.c: the x86_64 stencil set, generated at build time (stencils.cmake). */
#include "jit.h"
#include "jit_stencils_x86_64.h"
