/* uops.c: names of the micro-ops, for listings and statistics. */
#include "uops.h"

const char *const uop_name[UOP__COUNT] = {
#define UOP(name, doc) #name,
  TESSERA_UOPS(UOP)
#undef UOP
};
