/* asm.h: text assembly (.tas) to module, and module back to text.
 *
 *   ; comment to end of line
 *   .global NAME                  declare a global (nil at start)
 *   .const LITERAL                add a constant-pool entry (dis writes the whole pool)
 *   .func NAME params=N locals=N  start a function (both default to 0)
 *   label:                        a jump target inside the function
 *   mnemonic [operand]            one instruction
 *   .end                          end the function
 *
 * Operands by format: I16, LOCAL, ARGC, COUNT: a decimal integer; CONST: a literal
 * (int 42, float 1.5 / -0.0 / 1e300 / nan / inf / -inf, string "a\n\x00");
 * FUNC: a function name; GLOBAL: a global name; JUMP and LOOP: a label.
 * Literals used by push_const are interned into the pool in order of first use.
 * The assembler computes max_stack and verifies the result: its output always loads.
 * dis_module writes text that assembles to the identical bytes. */
#ifndef TESSERA_ASM_H
#define TESSERA_ASM_H

#include "buf.h"
#include "module.h"

/* A label's position, kept for tools (tests name error locations by label). */
typedef struct {
  char *func, *label;
  uint32_t offset;
} AsmLabel;

typedef struct {
  AsmLabel *items;
  size_t len, cap;
} AsmLabels;

/* Assembles src; on failure d says "NAME:LINE: reason". labels may be NULL. */
bool asm_assemble(const char *src, size_t len, const char *name, Module *out, AsmLabels *labels, Diag *d);
void asm_labels_free(AsmLabels *labels);
/* Reads one literal, the whole of text, as push_const's operand would be read
   (ownership of out->s passes to the caller); false if text is not exactly one. */
bool asm_parse_literal(const char *text, size_t len, Constant *out);

/* Writes the module as assembly text. */
void dis_module(const Module *m, Buf *out);
/* Writes one instruction's operand as assembly text (for listings). */
void dis_operand(const Module *m, const Function *f, uint32_t pc, Buf *out);

#endif
