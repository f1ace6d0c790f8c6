/* gen_text.c: the generated program as .tas text (asm.h), from the lines gen_emit.c
 * keeps when the caller wants text: function by function as each ends, then the whole
 * program with its header comment and globals. Names in the text: functions f0, f1,
 * ... and main, globals g0, g1, ..., labels L0, L1, ... per function. */
#include "builtin.h"
#include "gen_internal.h"

/* The function as .tas: its header, its .try lines, a line per instruction and label,
   .end. */
void gen_text_function(Gen *g, const Function *f) {
  Buf *out = &g->prog;
  buf_puts(out, "\n.func ");
  buf_puts(out, f->name);
  buf_puts(out, " params=");
  buf_put_i64(out, f->nparams);
  buf_puts(out, " locals=");
  buf_put_i64(out, f->nlocals);
  buf_putc(out, '\n');
  /* The exception table, in its order (the code builder keeps its entries' labels until
     the next function begins). */
  for (uint32_t i = 0; i < g->cb.nhandlers; i++) {
    const CbHandler *h = &g->cb.handlers[i];
    const uint32_t labels[3] = {h->start, h->end, h->handler};
    buf_puts(out, ".try");
    for (int k = 0; k < 3; k++) {
      buf_puts(out, " L");
      buf_put_i64(out, labels[k]);
    }
    buf_putc(out, '\n');
  }
  for (uint32_t i = 0; i < g->ncode; i++) {
    const Insn *in = &g->code[i];
    if (in->op == INSN_LABEL) {
      buf_putc(out, 'L');
      buf_put_i64(out, in->v);
      buf_puts(out, ":\n");
      continue;
    }
    buf_puts(out, "    ");
    buf_puts(out, op_info[in->op].name);
    switch (op_info[in->op].format) {
    case FMT_NONE: break;
    case FMT_GLOBAL: buf_puts(out, " g"); buf_put_i64(out, in->v); break;
    case FMT_FUNC: buf_puts(out, " f"); buf_put_i64(out, in->v); break;
    case FMT_BUILTIN: buf_putc(out, ' '); buf_puts(out, builtin_name[in->v]); break;
    case FMT_JUMP:
    case FMT_LOOP: buf_puts(out, " L"); buf_put_i64(out, in->v); break;
    case FMT_CONST:
      buf_putc(out, ' ');
      if (in->literal) {
        buf_puts(out, in->literal);
      } else {
        buf_put_i64(out, in->v);
        buf_puts(out, ".0");
      }
      break;
    case FMT_NAME: buf_putc(out, ' '); buf_puts(out, in->literal); break;
    default: buf_putc(out, ' '); buf_put_i64(out, in->v); break;
    }
    buf_putc(out, '\n');
  }
  buf_puts(out, ".end\n");
}

void gen_text_program(Gen *g, Buf *out) {
  out->len = 0;
  buf_printf(out, "; tessera-gen: %u functions, %u loops, %u calls, %u probes, %u global stores, chaos %u\n",
             g->shape.functions, g->shape.loops, g->shape.calls, g->shape.probes, g->shape.global_stores, g->chaos);
  for (uint32_t i = 0; i < g->m->nglobals; i++) buf_printf(out, ".global g%u\n", i);
  buf_append(out, g->prog.data, g->prog.len);
}
