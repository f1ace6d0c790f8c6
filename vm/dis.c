/* dis.c: module to assembly text; asm(dis(m)) gives m's bytes back exactly. */
#include <inttypes.h>
#include <string.h>

#include "asm.h"
#include "builtin.h"
#include "opcodes.h"
#include "render.h"

static void dis_constant(const Constant *c, Buf *out) {
  char tmp[40];
  switch (c->kind) {
  case CONST_INT: buf_printf(out, "%" PRId64, c->i); break;
  case CONST_FLOAT:
    render_float(c->f, tmp);
    buf_puts(out, tmp);
    break;
  case CONST_STRING: buf_quote(out, c->s, c->len); break;
  }
}

/* Jump targets are named by offset, so the text needs no symbol table. */
static void dis_label(uint32_t target, Buf *out) { buf_printf(out, "L%u", target); }

void dis_operand(const Module *m, const Function *f, uint32_t pc, Buf *out) {
  Opcode op = f->code[pc];
  uint32_t a = op_operand(f->code, pc);
  uint32_t next = pc + op_length(op);
  switch (op_info[op].format) {
  case FMT_NONE: break;
  case FMT_I16: buf_printf(out, "%d", (int16_t)a); break;
  case FMT_CONST: dis_constant(&m->consts[a], out); break;
  case FMT_NAME: buf_puts(out, m->consts[a].s); break;  /* an identifier (the verifier) */
  case FMT_FUNC: buf_puts(out, m->funcs[a].name); break;
  case FMT_BUILTIN: buf_puts(out, builtin_name[a]); break;  /* in range: the verifier */
  case FMT_GLOBAL: buf_puts(out, m->globals[a]); break;
  case FMT_JUMP: dis_label(next + a, out); break;
  case FMT_LOOP: dis_label(next - a, out); break;
  case FMT_LOCAL:
  case FMT_ARGC:
  case FMT_COUNT: buf_printf(out, "%u", a); break;
  case FMT__COUNT: UNREACHABLE();
  }
}

void dis_module(const Module *m, Buf *out) {
  buf_printf(out, "; tessera module, format version %u\n", MODULE_VERSION);
  for (uint32_t i = 0; i < m->nglobals; i++) buf_printf(out, ".global %s\n", m->globals[i]);
  for (uint32_t i = 0; i < m->nconsts; i++) {
    buf_puts(out, ".const ");
    dis_constant(&m->consts[i], out);
    buf_putc(out, '\n');
  }
  for (uint32_t fi = 0; fi < m->nfuncs; fi++) {
    const Function *f = &m->funcs[fi];
    buf_printf(out, "\n.func %s params=%u locals=%u\n", f->name, f->nparams, f->nlocals);
    /* Mark every jump target first, then print labels where they fall. */
    uint8_t *target = xcalloc(f->code_len + 1, 1);
    for (uint32_t pc = 0; pc < f->code_len; pc += op_length(f->code[pc])) {
      uint32_t a = op_operand(f->code, pc), next = pc + op_length(f->code[pc]);
      if (op_info[f->code[pc]].format == FMT_JUMP) target[next + a] = 1;
      if (op_info[f->code[pc]].format == FMT_LOOP) target[next - a] = 1;
    }
    /* The exception table, in its order, before the code its labels name. */
    for (uint32_t i = 0; i < f->nhandlers; i++) {
      const Handler *h = &f->handlers[i];
      target[h->start] = target[h->end] = target[h->handler] = 1;
      buf_printf(out, ".try L%u L%u L%u\n", h->start, h->end, h->handler);
    }
    for (uint32_t pc = 0; pc < f->code_len; pc += op_length(f->code[pc])) {
      if (target[pc]) buf_printf(out, "L%u:\n", pc);
      buf_printf(out, "    %s", op_info[f->code[pc]].name);
      if (op_info[f->code[pc]].format != FMT_NONE) {
        buf_putc(out, ' ');
        dis_operand(m, f, pc, out);
      }
      buf_putc(out, '\n');
    }
    free(target);
    buf_puts(out, ".end\n");
  }
}
