/* test_tables.c: locks what the tables cannot derive: flags agree with operand
 * formats, mnemonics are unique and round-trip through op_from_name, stack effects
 * are sane, and the documentation names every instruction and error kind. */
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

  /* Specialized forms: each replaces a generic instruction of the same length, and
     its guard uop is a guard. */
  for (int op = OP__COUNT; op < OP__ALL; op++) {
    const SpecInfo *si = spec_info(op);
    CHECK_MSG(si->name[0] && strcmp(opcode_name(op), si->name) == 0, "specialized opcode %d has no name", op);
    CHECK_MSG(t1_is_specializable(si->generic), "%s replaces %s, which never specializes", si->name,
              op_info[si->generic].name);
    CHECK_MSG(strncmp(uop_name[si->guard], "GUARD_", 6) == 0, "%s: guard %s is not a guard", si->name,
              uop_name[si->guard]);
    CHECK_MSG(strncmp(uop_name[si->action], "GUARD_", 6) != 0, "%s: action %s is a guard", si->name,
              uop_name[si->action]);
  }
  /* Generic uops are named as their instructions, in the same order. */
  for (int op = 0; op < OP__COUNT; op++) {
    bool control = op == OP_JUMP || op == OP_JUMP_IF_FALSE || op == OP_JUMP_IF_TRUE || op == OP_LOOP ||
                   op == OP_CALL || op == OP_RETURN;
    if (control) continue;
    int found = -1;
    for (int id = 0; id < UOP__COUNT; id++) {
      char lower[64];
      copy_lower(lower, sizeof lower, uop_name[id]);
      if (strcmp(lower, op_info[op].name) == 0) found = id;
    }
    CHECK_MSG(found >= 0, "instruction %s has no generic uop", op_info[op].name);
  }

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
