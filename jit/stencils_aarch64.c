/* stencils_aarch64.c: the aarch64 stencil set, generated at build time (stencils.cmake). */
#include "jit.h"
#include "jit_stencils_aarch64.h"
