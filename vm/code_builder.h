/* code_builder.h: a function's code built one instruction at a time, with labels and
 * a module's constant pool; the assembler's pass 2 (asm.c) and the fuzzer's generator
 * (fuzz/gen_program.c) both encode through it, so both write the same bytes.
 *
 *   cb_init(b, m)                        bound to module m (its constant pool)
 *   cb_const(b, k, must_be_new, &i)      k's index in m's pool, appended at first use
 *   cb_begin(b)                          a new function: no code, no labels
 *     L = cb_label(b)                    a label, placed before or after its jumps
 *     cb_place(b, L)                     L is where the next instruction starts
 *     cb_emit(b, op, v)                  op and operand v, in v's format's range
 *     cb_emit_jump(b, op, L, line)       a JUMP or LOOP instruction to L
 *     cb_handler(b, S, E, H)             an exception table entry: [S, E) handled at H
 *   cb_end(b, f, &failed)                every jump resolved; f gets the code
 *   cb_free(b)
 *
 * A jump's operand is its offset from the next instruction: forward for FMT_JUMP,
 * backward and nonzero for FMT_LOOP (opcodes.h). Jumps are resolved in the order they
 * were emitted, and cb_end reports the first that fails with the line it was given.
 * What the code does with the stack is the verifier's business (verify_finish). */
#ifndef TESSERA_CODE_BUILDER_H
#define TESSERA_CODE_BUILDER_H

#include "buf.h"
#include "module.h"
#include "opcodes.h"

/* X(NAME, "what went wrong"): what a builder call answers. */
#define CB_STATUSES(X)                                                      \
  X(OK, "done")                                                             \
  X(OUT_OF_RANGE, "an operand outside its format's range")                  \
  X(TOO_LONG, "code longer than a function may be")                         \
  X(LABEL_TWICE, "a label placed twice")                                    \
  X(UNDEFINED_LABEL, "a jump to a label never placed")                      \
  X(JUMP_BACKWARD, "a forward jump to a label behind it")                   \
  X(LOOP_FORWARD, "a loop to a label ahead of it or on it")                 \
  X(TOO_FAR, "a jump farther than its operand reaches")                     \
  X(HANDLER_LABEL, "a handler entry naming a label never placed")          \
  X(CONST_TWICE, "a constant declared twice")                               \
  X(POOL_FULL, "more constants than the pool holds")

typedef enum {
#define X(name, text) CB_##name,
  CB_STATUSES(X)
#undef X
} CbStatus;

/* An exception table entry waiting for its labels. */
typedef struct CbHandler {
  uint32_t start, end, handler;  /* labels */
  int line;                      /* the caller's, for messages */
} CbHandler;

/* A jump waiting for its label. */
typedef struct {
  uint32_t label;
  uint32_t at;    /* offset of the operand to patch */
  bool back;      /* FMT_LOOP */
  int line;       /* the caller's, for messages */
} CbJump;

typedef struct {
  Module *m;
  Buf code;
  uint32_t *label_at;  /* offset of each label, CB_UNPLACED until placed */
  uint32_t nlabels, labels_cap;
  CbJump *jumps;
  uint32_t njumps, jumps_cap;
  struct CbHandler *handlers;  /* exception table entries, in table order */
  uint32_t nhandlers, handlers_cap;
  /* constant interning: open addressing over indices into m->consts, +1 (0 = empty) */
  uint32_t *const_slots;
  size_t const_cap;
} CodeBuilder;

#define CB_UNPLACED UINT32_MAX

/* Binds b to m; constants already in m's pool are found by cb_const. */
void cb_init(CodeBuilder *b, Module *m);
void cb_free(CodeBuilder *b);
/* What a status means, for messages that need no more detail. */
const char *cb_status_text(CbStatus s);

/* The index of k in the pool. A new constant is appended and b takes k->s; a known one
   frees k->s and is CB_CONST_TWICE when must_be_new. CB_POOL_FULL frees k->s too. */
CbStatus cb_const(CodeBuilder *b, Constant *k, bool must_be_new, uint32_t *index);

/* Starts a function's code; labels are numbered from 0 again. */
void cb_begin(CodeBuilder *b);
uint32_t cb_label(CodeBuilder *b);
/* CB_LABEL_TWICE when label was placed already. */
CbStatus cb_place(CodeBuilder *b, uint32_t label);
/* op with operand v (ignored for FMT_NONE; a pool index for FMT_CONST). Not for jumps.
   CB_OUT_OF_RANGE or CB_TOO_LONG leave the code as it was. */
CbStatus cb_emit(CodeBuilder *b, Opcode op, int64_t v);
/* op (of FMT_JUMP or FMT_LOOP) to label, resolved by cb_end; line is reported back when
   this jump fails. CB_TOO_LONG leaves the code as it was. */
CbStatus cb_emit_jump(CodeBuilder *b, Opcode op, uint32_t label, int line);
/* An exception table entry, in table order: the range from label start to label end,
   handled at label handler (docs/semantics.md section 26); resolved by cb_end. Its
   stack depth is the verifier's to prove (verify_finish). */
void cb_handler(CodeBuilder *b, uint32_t start, uint32_t end, uint32_t handler, int line);
/* Resolves every jump in emission order, then the handler entries; on success f->code,
   f->code_len and f->handlers get the code and the table (f's other fields are the
   caller's). On failure *failed is the jump at fault (for CB_HANDLER_LABEL, its label
   is the unplaced one and its line the entry's). */
CbStatus cb_end(CodeBuilder *b, Function *f, CbJump *failed);

static inline uint32_t cb_length(const CodeBuilder *b) { return (uint32_t)b->code.len; }
/* Where label was placed, or CB_UNPLACED. */
static inline uint32_t cb_label_offset(const CodeBuilder *b, uint32_t label) { return b->label_at[label]; }

#endif
