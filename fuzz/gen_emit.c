/* gen_emit.c: a function's code as the generator emits it, and the budget that says
 * whether more fits. Each instruction and label goes to the code builder
 * (vm/code_builder.h), which writes the module's bytes exactly as the assembler would
 * for the same text: operands checked, constants interned in order of first use, jumps
 * resolved at the function's end. When the caller wants text, each also becomes a line
 * for gen_text.c; the text assembles to the identical module (unit/test_gen checks
 * that for every program it generates), and a fuzzer asks for it only for the
 * programs it saves.
 *
 *   gen_emit_op, gen_emit_int, gen_emit_const, gen_emit_jump, gen_place_label
 *     --> cb_emit, cb_const, cb_emit_jump, cb_place --cb_end--> Function's bytes
 *     \-> Insn lines (want_text) --gen_text.c--> .tas text */
#include <string.h>

#include "asm.h"
#include "gen_internal.h"

/* The code does not encode: a generator bug. The first one is kept. */
static void encode_error(Gen *g, const char *why, int64_t v) {
  if (!g->failed) snprintf(g->why, sizeof g->why, "function '%s': %s (%lld)", g->fname, why, (long long)v);
  g->failed = true;
}

static void push_line(Gen *g, Insn in) {
  if (g->ncode == g->code_cap) {
    g->code_cap = g->code_cap ? g->code_cap * 2 : 512;
    g->code = xrealloc(g->code, sizeof(Insn) * g->code_cap);
  }
  g->code[g->ncode++] = in;
}

/* The pool index of push_const's constant: the literal's, or the float v.0's. */
static uint32_t const_index(Gen *g, int64_t v, const char *literal) {
  Constant k = {.kind = CONST_FLOAT, .f = (double)v};
  if (literal && !asm_parse_literal(literal, strlen(literal), &k)) {
    encode_error(g, "push_const of something that is not a literal", 0);
    return 0;
  }
  uint32_t index = 0;
  CbStatus s = cb_const(&g->cb, &k, false, &index);
  if (s != CB_OK) encode_error(g, cb_status_text(s), g->m->nconsts);
  return index;
}

/* The pool index of a NAME operand: the string constant of the identifier name. */
static uint32_t name_const(Gen *g, const char *name) {
  Constant k = {.kind = CONST_STRING, .s = xstrndup(name, strlen(name)), .len = (uint32_t)strlen(name)};
  uint32_t index = 0;
  CbStatus s = cb_const(&g->cb, &k, false, &index);
  if (s != CB_OK) encode_error(g, cb_status_text(s), g->m->nconsts);
  return index;
}

static void emit_insn(Gen *g, Opcode op, int64_t v, const char *literal) {
  if (g->want_text) push_line(g, (Insn){(uint8_t)op, v, literal});
  g->insns++;
  g->spent += g->mult;
  OperandFormat fmt = op_info[op].format;
  CbStatus s;
  if (fmt == FMT_JUMP || fmt == FMT_LOOP)
    s = cb_emit_jump(&g->cb, op, (uint32_t)v, 0);
  else if (fmt == FMT_CONST)
    s = cb_emit(&g->cb, op, const_index(g, v, literal));
  else if (fmt == FMT_NAME)
    s = cb_emit(&g->cb, op, name_const(g, literal));
  else
    s = cb_emit(&g->cb, op, v);
  if (s != CB_OK) encode_error(g, cb_status_text(s), v);
}

void gen_code_begin(Gen *g, const char *fname) {
  cb_begin(&g->cb);
  g->ncode = 0;
  g->fname = fname;
}

void gen_code_end(Gen *g, Function *f) {
  CbJump bad;
  CbStatus s = cb_end(&g->cb, f, &bad);
  if (s == CB_TOO_LONG) encode_error(g, cb_status_text(s), cb_length(&g->cb));
  else if (s != CB_OK) encode_error(g, cb_status_text(s), bad.label);
}

Function *gen_helper_begin(Gen *g, uint32_t index) {
  Function *out = &g->m->funcs[index];
  char name[16] = {'f'};
  format_i64(name + 1, index);
  out->name = xstrndup(name, strlen(name));
  gen_code_begin(g, out->name);
  return out;
}

void gen_helper_end(Gen *g, Function *out, uint32_t nparams, uint32_t nlocals) {
  out->nparams = nparams;
  out->nlocals = nlocals;
  gen_code_end(g, out);
  if (g->want_text) gen_text_function(g, out);
}

void gen_emit_op(Gen *g, Opcode op) { emit_insn(g, op, 0, NULL); }
void gen_emit_int(Gen *g, Opcode op, int64_t v) { emit_insn(g, op, v, NULL); }
void gen_emit_const(Gen *g, const char *literal) { emit_insn(g, OP_PUSH_CONST, 0, literal); }
void gen_emit_const_float(Gen *g, int64_t v) { emit_insn(g, OP_PUSH_CONST, v, NULL); }
void gen_emit_name(Gen *g, Opcode op, const char *name) { emit_insn(g, op, 0, name); }

uint32_t gen_new_label(Gen *g) { return cb_label(&g->cb); }

void gen_place_label(Gen *g, uint32_t label) {
  if (cb_place(&g->cb, label) != CB_OK) encode_error(g, cb_status_text(CB_LABEL_TWICE), label);
  if (g->want_text) push_line(g, (Insn){INSN_LABEL, label, NULL});
}

void gen_emit_jump(Gen *g, Opcode op, uint32_t label) { emit_insn(g, op, label, NULL); }

bool gen_fits(Gen *g, uint64_t n) { return g->spent + n * g->mult <= g->budget; }
bool gen_room_for_stmt(Gen *g) { return g->insns + STMT_RESERVE <= g->static_cap && gen_fits(g, STMT_RESERVE); }
