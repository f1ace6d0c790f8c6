/* uops.c: tables derived from the uop tables of uops.h: names for listings and
 * statistics, the facts by uop id, and the pairing of generic uops with the
 * instructions they are the bodies of, all built at compile time; and the checks that
 * lock what the columns cannot derive. */
#include "uops.h"

const char *const uop_name[UOP__COUNT] = {
#define UOP(name, stack, needs, result, flags, doc) #name,
  TESSERA_UOPS(UOP)
#undef UOP
};

const UopInfo uop_info[UOP__COUNT] = {
#define UOP(name, stack, needs, result, flags, doc) {OP_##stack, needs, result, flags},
  TESSERA_UOPS(UOP)
#undef UOP
};

/* The generic uops come first (below UOP__GUARDS). */
#define UOP_OPCODE_OF_GENERIC(name, stack, needs, result, flags, doc) OP_##name,
#define UOP_NO_OPCODE(name, stack, needs, result, flags, doc) -1,
const int16_t opcode_of_uop[UOP__COUNT] = {
  TESSERA_GENERIC_UOPS(UOP_OPCODE_OF_GENERIC)
  TESSERA_GUARD_UOPS(UOP_NO_OPCODE) TESSERA_ACTION_UOPS(UOP_NO_OPCODE) TESSERA_PROVEN_UOPS(UOP_NO_OPCODE)
};
#undef UOP_OPCODE_OF_GENERIC
#undef UOP_NO_OPCODE

/* An instruction whose BODY is UOP names its uop; the name fails to compile when the
   uop is missing. */
#define UOP_OF_BODY_UOP(name) UOP_##name
#define UOP_OF_BODY_CTRL(name) -1
const int16_t uop_of_opcode[OP__COUNT] = {
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) UOP_OF_BODY_##body(name),
  TESSERA_OPCODES(OP)
#undef OP
};
#undef UOP_OF_BODY_UOP
#undef UOP_OF_BODY_CTRL

/* ---- Locks ---- */

/* A generic uop is named as an instruction whose BODY is UOP and has its stack effect; a
   uop that is not generic has no needs unless it is a guard, and a guard pushes and pops
   nothing. With every instruction whose BODY is UOP naming its uop (uop_of_opcode), equal
   counts make the pairing one to one. */
#define UOP_CHECK_GENERIC(name, stack, needs, result, flags, doc)                                   \
  STATIC_ASSERT(OP_HAS_UOP_##name, #name ": a generic uop of a control instruction");               \
  STATIC_ASSERT(OP_##stack == OP_##name, #name ": a generic uop has its instruction's stack effect"); \
  STATIC_ASSERT((needs) == 0, #name ": only guards have needs");                                     \
  STATIC_ASSERT((((flags) & UOPF_OPARG) == 0) == (OP_SIZE_##name == 1), #name ": UOPF_OPARG is its instruction having an operand");
#define UOP_CHECK_GUARD(name, stack, needs, result, flags, doc) \
  STATIC_ASSERT(OP_##stack == OP_NOP && (result) == 0 && !((flags) & UOPF_FOLD), #name ": a guard changes no stack slot");
#define UOP_CHECK_OTHER(name, stack, needs, result, flags, doc) \
  STATIC_ASSERT((needs) == 0, #name ": only guards have needs");
TESSERA_GENERIC_UOPS(UOP_CHECK_GENERIC)
TESSERA_GUARD_UOPS(UOP_CHECK_GUARD)
TESSERA_ACTION_UOPS(UOP_CHECK_OTHER)
TESSERA_PROVEN_UOPS(UOP_CHECK_OTHER)
#undef UOP_CHECK_GENERIC
#undef UOP_CHECK_GUARD
#undef UOP_CHECK_OTHER

#define OP_COUNT_UOP(name, fmt, pops, pushes, flags, body, t1, doc) +OP_HAS_UOP_##name
STATIC_ASSERT(UOP__GUARDS == 0 TESSERA_OPCODES(OP_COUNT_UOP),
              "every instruction whose BODY is UOP has exactly one generic uop");
#undef OP_COUNT_UOP
