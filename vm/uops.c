/* uops.c: names of the micro-ops, for listings and statistics, and the pairing of
 * generic uops with the instructions they are the bodies of. */
#include "uops.h"

#include <string.h>

const char *const uop_name[UOP__COUNT] = {
#define UOP(name, doc) #name,
  TESSERA_UOPS(UOP)
#undef UOP
};

int16_t opcode_of_uop[UOP__COUNT];
int16_t uop_of_opcode[OP__COUNT];

/* By the X-macro names themselves, which exist before any constructor runs (op_info's
   lower-case names are made by one); early (priority 101), since other constructors
   read the tables (trace_optimize.c's stack effects). */
__attribute__((constructor(101))) static void uop_opcode_pairs_init(void) {
  static const char *const opcode_names[OP__COUNT] = {
#define OP(name, fmt, pops, pushes, flags, doc) #name,
    TESSERA_OPCODES(OP)
#undef OP
  };
  for (int u = 0; u < UOP__COUNT; u++) opcode_of_uop[u] = -1;
  for (int op = 0; op < OP__COUNT; op++) {
    uop_of_opcode[op] = -1;
    for (int u = 0; u < UOP__COUNT; u++)
      if (strcmp(opcode_names[op], uop_name[u]) == 0) {
        uop_of_opcode[op] = (int16_t)u;
        opcode_of_uop[u] = (int16_t)op;
      }
  }
}
