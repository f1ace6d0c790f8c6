/* opcodes.c: tables derived from TESSERA_OPCODES and TESSERA_FORMATS. */
#include "opcodes.h"

#include <string.h>

static const char *const op_names[OP__COUNT] = {
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) #name,
  TESSERA_OPCODES(OP)
#undef OP
};

/* Mnemonics are the enum names in lower case; filled lazily from op_names. */
static char mnemonic_store[OP__COUNT][24];

const uint8_t format_size[FMT__COUNT] = {
#define FMT(name, size, doc) size,
  TESSERA_FORMATS(FMT)
#undef FMT
};

const char *const format_doc[FMT__COUNT] = {
#define FMT(name, size, doc) doc,
  TESSERA_FORMATS(FMT)
#undef FMT
};

const OpInfo op_info[OP__COUNT] = {
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) {mnemonic_store[OP_##name], FMT_##fmt, flags, doc},
  TESSERA_OPCODES(OP)
#undef OP
};

__attribute__((constructor)) static void opcodes_init(void) {
  for (int i = 0; i < OP__COUNT; i++) {
    ASSERT(strlen(op_names[i]) < sizeof mnemonic_store[i], "mnemonic too long");
    copy_lower(mnemonic_store[i], sizeof mnemonic_store[i], op_names[i]);
  }
}

int op_pops(Opcode op, uint32_t a) {
  (void)a;
  switch (op) {
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) case OP_##name: return (int)(pops);
    TESSERA_OPCODES(OP)
#undef OP
  default: UNREACHABLE();
  }
}

int op_pushes(Opcode op, uint32_t a) {
  (void)a;
  switch (op) {
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) case OP_##name: return (int)(pushes);
    TESSERA_OPCODES(OP)
#undef OP
  default: UNREACHABLE();
  }
}

int op_branch_depth(Opcode op, uint32_t a, int d) {
  return d - op_pops(op, a) + ((op_info[op].flags & OPF_BRANCH_POPS) ? 0 : op_pushes(op, a));
}

int op_from_name(const char *name, size_t len) {
  for (int i = 0; i < OP__COUNT; i++)
    if (name_is(op_info[i].name, name, len)) return i;
  return -1;
}
