/* module.h: a loaded module and its binary format.
 *
 * Binary layout (all integers little-endian):
 *
 *   magic "TSMD" | u16 version (=3) | u16 flags (=0)
 *   u32 nconsts  { u8 kind: 1 int i64 | 2 float u64 bits | 3 string u32 len, bytes }
 *   u32 nglobals { u8 len, name }
 *   u32 nfuncs   { u8 len, name, u8 nparams, u16 nlocals, u16 max_stack,
 *                  u32 code_len, code,
 *                  u16 nhandlers { u16 start, u16 end, u16 handler, u16 depth } }
 *   (nothing after the last function)
 *
 * Canonical form, checked by the reader so that one program has one encoding and
 * `dis` then `asm` gives the same bytes back: names are identifiers, unique among
 * globals and among functions; constants are unique (by kind and bits); the only
 * NaN constant is 0x7ff8000000000000; max_stack is exactly the proven maximum. */
#ifndef TESSERA_MODULE_H
#define TESSERA_MODULE_H

#include "buf.h"
#include "common.h"

#define MODULE_MAGIC "TSMD"
#define MODULE_VERSION 3  /* 2: classes and attributes; 3: exception handler tables */
#define MODULE_MAX_ITEMS 65535u    /* constants, globals, functions: u16 operands */
#define MODULE_MAX_CODE 65535u     /* bytes of code per function: u16 jump offsets */
#define MODULE_MAX_NAME 255u
#define CANONICAL_NAN_BITS 0x7ff8000000000000ull

typedef enum { CONST_INT = 1, CONST_FLOAT = 2, CONST_STRING = 3 } ConstKind;

typedef struct {
  ConstKind kind;
  int64_t i;      /* CONST_INT */
  double f;       /* CONST_FLOAT */
  char *s;        /* CONST_STRING: len bytes plus a NUL */
  uint32_t len;
} Constant;

/* A protected range of a function's code and its handler (docs/semantics.md section 26):
   a catchable error raised by an instruction at an offset in [start, end) cuts the
   operand stack to depth values, pushes the error's value and goes on at handler. The
   first entry of the table that covers the offset is the one taken. */
typedef struct {
  uint32_t start, end, handler;
  uint32_t depth;  /* the operand stack depth at start, proven by the verifier */
} Handler;

typedef struct {
  char *name;
  uint32_t nparams;    /* parameters are locals 0 .. nparams-1 */
  uint32_t nlocals;    /* further locals, nil on entry */
  uint32_t max_stack;  /* operand stack depth, proven by the verifier */
  uint32_t code_len;
  uint8_t *code;
  Handler *handlers;   /* the exception table, in the order it is searched */
  uint32_t nhandlers;
} Function;

typedef struct Module {
  Constant *consts;
  uint32_t nconsts;
  char **globals;
  uint32_t nglobals;
  Function *funcs;
  uint32_t nfuncs;
  uint32_t main_func;  /* set by the verifier */
} Module;

/* A rejection: what is wrong and where. */
typedef struct {
  char msg[320];
} Diag;

void diag_set(Diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Decodes the binary format; checks structure and canonical form, not code. */
bool module_read(const uint8_t *bytes, size_t len, Module *m, Diag *d);
/* module_read, then verify_module: the only way untrusted bytes become a Module. */
bool module_load(const uint8_t *bytes, size_t len, Module *m, Diag *d);
void module_write(const Module *m, Buf *out);
void module_free(Module *m);

bool module_is_identifier(const char *s, size_t n);
/* Index of a constant equal to c (same kind and bits), or -1. */
int64_t module_find_const(const Module *m, const Constant *c);
/* Index of a constant equal to c, appending a copy when there is none (a linear search:
   for pools of tens of constants); -1 when the pool is full. */
int64_t module_intern_const(Module *m, const Constant *c);
bool const_equal(const Constant *a, const Constant *b);

#endif
