/* code_builder.c: instructions appended with checked operands, labels resolved at a
 * function's end, constants interned into the module's pool (API in code_builder.h).
 *
 *   opcode | operand (format_size bytes, little-endian)
 *   jump:    operand = label offset - next instruction's offset   (0..65535)
 *   loop:    operand = next instruction's offset - label offset   (1..65535) */
#include "code_builder.h"

static const char *const status_text[] = {
#define X(name, text) [CB_##name] = text,
  CB_STATUSES(X)
#undef X
};

const char *cb_status_text(CbStatus s) { return status_text[s]; }

/* ---- Constants ---- */

static uint64_t const_hash(const Constant *k) {
  uint64_t h = 1469598103934665603ull ^ (uint64_t)k->kind;
  uint64_t x = 0;
  if (k->kind == CONST_INT) x = (uint64_t)k->i;
  else if (k->kind == CONST_FLOAT) memcpy(&x, &k->f, sizeof x);
  if (k->kind != CONST_STRING) return (h ^ x) * 1099511628211ull;
  for (uint32_t i = 0; i < k->len; i++) h = (h ^ (uint8_t)k->s[i]) * 1099511628211ull;
  return h;
}

static void const_table_insert(CodeBuilder *b, uint32_t index) {
  size_t mask = b->const_cap - 1, i = const_hash(&b->m->consts[index]) & mask;
  while (b->const_slots[i]) i = (i + 1) & mask;
  b->const_slots[i] = index + 1;
}

/* Keeps the table's load under one half. */
static void const_table_grow(CodeBuilder *b) {
  Module *m = b->m;
  if ((m->nconsts + 1) * 2 <= b->const_cap) return;
  free(b->const_slots);
  b->const_cap = b->const_cap ? b->const_cap * 2 : 64;
  while ((m->nconsts + 1) * 2 > b->const_cap) b->const_cap *= 2;
  b->const_slots = xcalloc(b->const_cap, sizeof(uint32_t));
  for (uint32_t j = 0; j < m->nconsts; j++) const_table_insert(b, j);
}

CbStatus cb_const(CodeBuilder *b, Constant *k, bool must_be_new, uint32_t *index) {
  if (b->const_cap) {
    size_t mask = b->const_cap - 1, i = const_hash(k) & mask;
    for (; b->const_slots[i]; i = (i + 1) & mask) {
      uint32_t j = b->const_slots[i] - 1;
      if (const_equal(&b->m->consts[j], k)) {
        free(k->s);
        k->s = NULL;
        if (must_be_new) return CB_CONST_TWICE;
        *index = j;
        return CB_OK;
      }
    }
  }
  Module *m = b->m;
  if (m->nconsts >= MODULE_MAX_ITEMS) {
    free(k->s);
    k->s = NULL;
    return CB_POOL_FULL;
  }
  m->consts = xrealloc(m->consts, sizeof(Constant) * (m->nconsts + 1));
  m->consts[m->nconsts] = *k;
  k->s = NULL;
  *index = m->nconsts++;
  if ((m->nconsts + 1) * 2 > b->const_cap)
    const_table_grow(b);
  else
    const_table_insert(b, *index);
  return CB_OK;
}

/* ---- Setting up ---- */

void cb_init(CodeBuilder *b, Module *m) {
  memset(b, 0, sizeof *b);
  b->m = m;
  if (m->nconsts) const_table_grow(b);
}

void cb_free(CodeBuilder *b) {
  buf_free(&b->code);
  free(b->label_at);
  free(b->jumps);
  free(b->handlers);
  free(b->const_slots);
  memset(b, 0, sizeof *b);
}

void cb_begin(CodeBuilder *b) {
  b->code.len = 0;
  b->nlabels = b->njumps = b->nhandlers = 0;
}

/* ---- Labels ---- */

uint32_t cb_label(CodeBuilder *b) {
  if (b->nlabels == b->labels_cap) {
    b->labels_cap = b->labels_cap ? b->labels_cap * 2 : 64;
    b->label_at = xrealloc(b->label_at, sizeof(uint32_t) * b->labels_cap);
  }
  b->label_at[b->nlabels] = CB_UNPLACED;
  return b->nlabels++;
}

CbStatus cb_place(CodeBuilder *b, uint32_t label) {
  ASSERT(label < b->nlabels, "a label of this function");
  if (b->label_at[label] != CB_UNPLACED) return CB_LABEL_TWICE;
  b->label_at[label] = cb_length(b);
  return CB_OK;
}

/* ---- Instructions ---- */

static void put_operand(Buf *code, OperandFormat fmt, int64_t v) {
  if (format_size[fmt] == 1) buf_u8(code, (uint8_t)v);
  else if (format_size[fmt] == 2) buf_u16(code, (uint16_t)v);
}

CbStatus cb_emit(CodeBuilder *b, Opcode op, int64_t v) {
  OperandFormat fmt = op_info[op].format;
  ASSERT(fmt != FMT_JUMP && fmt != FMT_LOOP, "jumps go through cb_emit_jump");
  if (fmt != FMT_NONE && (v < format_min(fmt) || v > format_max(fmt))) return CB_OUT_OF_RANGE;
  if (b->code.len + op_length(op) > MODULE_MAX_CODE) return CB_TOO_LONG;
  buf_u8(&b->code, (uint8_t)op);
  put_operand(&b->code, fmt, v);
  return CB_OK;
}

CbStatus cb_emit_jump(CodeBuilder *b, Opcode op, uint32_t label, int line) {
  OperandFormat fmt = op_info[op].format;
  ASSERT(fmt == FMT_JUMP || fmt == FMT_LOOP, "a jump or loop instruction");
  ASSERT(label < b->nlabels, "a label of this function");
  if (b->code.len + op_length(op) > MODULE_MAX_CODE) return CB_TOO_LONG;
  if (b->njumps == b->jumps_cap) {
    b->jumps_cap = b->jumps_cap ? b->jumps_cap * 2 : 64;
    b->jumps = xrealloc(b->jumps, sizeof(CbJump) * b->jumps_cap);
  }
  buf_u8(&b->code, (uint8_t)op);
  b->jumps[b->njumps++] = (CbJump){label, (uint32_t)b->code.len, fmt == FMT_LOOP, line};
  put_operand(&b->code, fmt, 0);
  return CB_OK;
}

void cb_handler(CodeBuilder *b, uint32_t start, uint32_t end, uint32_t handler, int line) {
  ASSERT(start < b->nlabels && end < b->nlabels && handler < b->nlabels, "labels of this function");
  if (b->nhandlers == b->handlers_cap) {
    b->handlers_cap = b->handlers_cap ? b->handlers_cap * 2 : 8;
    b->handlers = xrealloc(b->handlers, sizeof *b->handlers * b->handlers_cap);
  }
  b->handlers[b->nhandlers++] = (CbHandler){start, end, handler, line};
}

CbStatus cb_end(CodeBuilder *b, Function *f, CbJump *failed) {
  for (uint32_t i = 0; i < b->njumps; i++) {
    const CbJump *j = &b->jumps[i];
    int64_t target = b->label_at[j->label];
    OperandFormat fmt = j->back ? FMT_LOOP : FMT_JUMP;
    int64_t next = (int64_t)j->at + format_size[fmt];
    int64_t off = j->back ? next - target : target - next;
    CbStatus s = CB_OK;
    if (target == CB_UNPLACED) s = CB_UNDEFINED_LABEL;
    else if (off < 0 || (j->back && off == 0)) s = j->back ? CB_LOOP_FORWARD : CB_JUMP_BACKWARD;
    else if (off > format_max(fmt)) s = CB_TOO_FAR;
    if (s != CB_OK) {
      *failed = *j;
      return s;
    }
    b->code.data[j->at] = (char)(off & 0xff);
    b->code.data[j->at + 1] = (char)(off >> 8);
  }
  if (b->code.len > MODULE_MAX_CODE) return CB_TOO_LONG;
  for (uint32_t i = 0; i < b->nhandlers; i++) {
    const CbHandler *h = &b->handlers[i];
    const uint32_t labels[3] = {h->start, h->end, h->handler};
    for (int k = 0; k < 3; k++)
      if (b->label_at[labels[k]] == CB_UNPLACED) {
        *failed = (CbJump){labels[k], 0, false, h->line};
        return CB_HANDLER_LABEL;
      }
  }
  f->nhandlers = b->nhandlers;
  f->handlers = xcalloc(b->nhandlers ? b->nhandlers : 1, sizeof(Handler));
  for (uint32_t i = 0; i < b->nhandlers; i++) {
    const CbHandler *h = &b->handlers[i];
    f->handlers[i] = (Handler){b->label_at[h->start], b->label_at[h->end], b->label_at[h->handler], 0};
  }
  f->code_len = (uint32_t)b->code.len;
  f->code = xmalloc(b->code.len ? b->code.len : 1);
  memcpy(f->code, b->code.data, b->code.len);
  return CB_OK;
}
