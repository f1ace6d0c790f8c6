/* test_tables.c: locks what the tables cannot derive and the compiler cannot check
 * (the STATIC_ASSERTs of opcodes.h, uops.c and specialize.c lock the rest): flags agree
 * with operand formats, mnemonics are unique and round-trip through op_from_name, stack
 * effects are sane, uops pair with their instructions by name, and the documentation
 * names every instruction and error kind. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "errors.h"
#include "opcodes.h"
#include "specialize.h"
#include "trace.h"

static char *read_doc(const char *rel) {
  const char *root = getenv("TESSERA_SOURCE_DIR");
  if (!root) return NULL;
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  Buf b = {0};
  if (!buf_read_file(&b, path)) {
    buf_free(&b);
    return NULL;
  }
  return b.data;
}

/* True when text contains `word` in backquotes. */
static int mentions(const char *text, const char *word) {
  char q[64];
  snprintf(q, sizeof q, "`%s`", word);
  return text && strstr(text, q) != NULL;
}

int main(void) {
  for (int i = 0; i < OP__COUNT; i++) {
    const OpInfo *o = &op_info[i];
    CHECK_MSG(o->name && *o->name, "opcode %d has no mnemonic", i);
    CHECK_MSG(op_from_name(o->name, strlen(o->name)) == i, "mnemonic %s does not map back", o->name);
    CHECK_MSG(((o->flags & OPF_BRANCH) != 0) == (o->format == FMT_JUMP), "%s: BRANCH flag vs JUMP format", o->name);
    CHECK_MSG(((o->flags & OPF_BACK) != 0) == (o->format == FMT_LOOP), "%s: BACK flag vs LOOP format", o->name);
    CHECK_MSG(op_length((Opcode)i) >= 1 && op_length((Opcode)i) <= 3, "%s: length", o->name);
    CHECK_MSG(op_pops((Opcode)i, 0) >= 0 && op_pushes((Opcode)i, 0) >= 0, "%s: stack effect", o->name);
    CHECK_MSG(o->doc && *o->doc, "%s: no meaning line", o->name);
  }
  /* Operand-dependent stack effects. */
  CHECK(op_pops(OP_CALL, 3) == 4 && op_pushes(OP_CALL, 3) == 1);
  CHECK(op_pops(OP_ARRAY_NEW, 7) == 7 && op_pushes(OP_ARRAY_NEW, 7) == 1);
  CHECK(op_from_name("no_such_op", 10) == -1);
  for (int i = 0; i < ERR__COUNT; i++)
    CHECK_MSG(error_kind_from_name(error_kind_name[i]) == i, "error kind %s", error_kind_name[i]);

  /* Specialized forms: each replaces an adaptive generic instruction of the same length
     (its guard being a guard uop and its action not is locked in specialize.c); the
     guards are the uops named GUARD_. */
  for (int op = OP__COUNT; op < OP__ALL; op++) {
    const SpecInfo *si = spec_info(op);
    CHECK_MSG(si->name[0] && strcmp(opcode_name(op), si->name) == 0, "specialized opcode %d has no name", op);
    CHECK_MSG(t1_is_specializable(si->generic), "%s replaces %s, which never specializes", si->name,
              op_info[si->generic].name);
  }
  for (int u = 0; u < UOP__COUNT; u++)
    CHECK_MSG((strncmp(uop_name[u], "GUARD_", 6) == 0) == (u >= UOP__GUARDS && u < UOP__ACTIONS),
              "%s: named GUARD_ but not in TESSERA_GUARD_UOPS, or the other way round", uop_name[u]);
  /* The pairing of instructions and generic uops, built from the BODY column and the
     generic uop table: an instruction's uop is named as it, has its stack effect, and
     pairs back. Control instructions (BODY CTRL) have none. */
  for (int op = 0; op < OP__COUNT; op++) {
    int u = uop_of_opcode[op];
    if (u < 0) continue;
    char lower[64];
    copy_lower(lower, sizeof lower, uop_name[u]);
    CHECK_MSG(strcmp(lower, op_info[op].name) == 0, "instruction %s has the uop %s", op_info[op].name, uop_name[u]);
    CHECK_MSG(opcode_of_uop[u] == op && uop_info[u].stack == (Opcode)op, "uop %s does not pair back", uop_name[u]);
  }
  /* A uop's RESULT is 0 exactly when it pushes nothing (its STACK instruction's pushes
     may depend on the operand: stack effects are not constants). */
  for (int u = 0; u < UOP__COUNT; u++)
    CHECK_MSG((uop_info[u].result == 0) == (op_pushes(uop_info[u].stack, 0) == 0),
              "%s: RESULT 0 but pushes, or pushes nothing but has a RESULT", uop_name[u]);

  char *bytecode = read_doc("docs/bytecode.md");
  char *semantics = read_doc("docs/semantics.md");
  CHECK_MSG(bytecode != NULL, "docs/bytecode.md missing (TESSERA_SOURCE_DIR set?)");
  CHECK_MSG(semantics != NULL, "docs/semantics.md missing");
  for (int i = 0; i < OP__COUNT; i++)
    CHECK_MSG(mentions(bytecode, op_info[i].name), "docs/bytecode.md does not document `%s`", op_info[i].name);
  for (int i = 1; i < ERR__COUNT; i++)
    CHECK_MSG(mentions(semantics, error_kind_name[i]), "docs/semantics.md does not document `%s`",
              error_kind_name[i]);
  char *tier1 = read_doc("docs/tier1.md");
  CHECK_MSG(tier1 != NULL, "docs/tier1.md missing");
  for (int op = OP__COUNT; op < OP__ALL; op++)
    CHECK_MSG(mentions(tier1, opcode_name(op)), "docs/tier1.md does not document `%s`", opcode_name(op));
  free(tier1);
  char *tier2 = read_doc("docs/tier2.md");
  CHECK_MSG(tier2 != NULL, "docs/tier2.md missing");
  for (int op = UOP__COUNT; op < TRACE_OP__COUNT; op++)
    CHECK_MSG(mentions(tier2, trace_op_name(op)), "docs/tier2.md does not document trace op `%s`", trace_op_name(op));
  for (int i = 0; i < TRACE_ABORT__COUNT; i++)
    CHECK_MSG(mentions(tier2, trace_abort_name[i]), "docs/tier2.md does not document abort `%s`", trace_abort_name[i]);
  for (int i = 0; i < TRACE_END__COUNT; i++)
    CHECK_MSG(mentions(tier2, trace_end_name[i]), "docs/tier2.md does not document trace end `%s`", trace_end_name[i]);
  free(tier2);
  free(bytecode);
  free(semantics);
  return check_summary("tables");
}
