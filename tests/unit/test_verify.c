/* test_verify.c: the loader (module_read) and the verifier (verify_module) reject every
 * malformed module with its specific reason and location, and accept valid ones.
 *
 * Modules are built byte by byte with the small builder below, so each case shows
 * exactly the bytes that are wrong. Reader messages are "module offset N: why";
 * code messages are "function 'F' offset N (op): why". */
#include <inttypes.h>
#include <string.h>

#include "asm.h"
#include "check.h"
#include "module.h"
#include "opcodes.h"
#include "verify.h"

/* ---- Byte builder ---- */

/* Two little-endian bytes of a u16 operand. */
#define W(x) (uint8_t)((x) & 0xff), (uint8_t)(((unsigned)(x) >> 8) & 0xff)
/* A code array and its length, as two arguments. */
#define CODE(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static void put(Buf *b, const char *s, size_t n) { buf_append(b, s, n); }
static void header_vf(Buf *b, uint16_t version, uint16_t flags) {
  put(b, "TSMD", 4);
  buf_u16(b, version);
  buf_u16(b, flags);
}
static void header(Buf *b) { header_vf(b, MODULE_VERSION, 0); }
static void count(Buf *b, uint32_t n) { buf_u32(b, n); }
static void cint(Buf *b, int64_t v) {
  buf_u8(b, CONST_INT);
  buf_u64(b, (uint64_t)v);
}
static void cfloat(Buf *b, uint64_t bits) {
  buf_u8(b, CONST_FLOAT);
  buf_u64(b, bits);
}
static void cstr(Buf *b, const char *s, uint32_t n) {
  buf_u8(b, CONST_STRING);
  buf_u32(b, n);
  put(b, s, n);
}
/* A u8-length-prefixed name (raw bytes: may be empty or not an identifier). */
static void rawname(Buf *b, const char *s, size_t n) {
  buf_u8(b, (uint8_t)n);
  put(b, s, n);
}
static void name(Buf *b, const char *s) { rawname(b, s, strlen(s)); }
/* A function with an exception table: nh entries of 4 u16 each (start, end, handler,
   depth), written as they are (the reader does not check them; the verifier does). */
static void func_h(Buf *b, const char *nm, uint8_t nparams, uint16_t nlocals, uint16_t max_stack,
                   const uint8_t *code, size_t n, const uint16_t *handlers, size_t nh) {
  name(b, nm);
  buf_u8(b, nparams);
  buf_u16(b, nlocals);
  buf_u16(b, max_stack);
  buf_u32(b, (uint32_t)n);
  put(b, (const char *)code, n);
  buf_u16(b, (uint16_t)nh);
  for (size_t i = 0; i < 4 * nh; i++) buf_u16(b, handlers[i]);
}
/* A function without exception handlers. */
static void func(Buf *b, const char *nm, uint8_t nparams, uint16_t nlocals, uint16_t max_stack,
                 const uint8_t *code, size_t n) {
  func_h(b, nm, nparams, nlocals, max_stack, code, n, NULL, 0);
}
/* An exception table and its number of entries, as two arguments: each entry is
   start, end, handler, depth. */
#define HANDLERS(...) \
  (const uint16_t[]){__VA_ARGS__}, sizeof((const uint16_t[]){__VA_ARGS__}) / (4 * sizeof(uint16_t))
/* A function that returns nil: push_nil; return (max_stack 1). */
static void func_nil(Buf *b, const char *nm) { func(b, nm, 0, 0, 1, CODE(OP_PUSH_NIL, OP_RETURN)); }
/* Header, no constants, no globals: the function count is at offset 16. */
static void empty_pools(Buf *b) {
  header(b);
  count(b, 0);
  count(b, 0);
}
/* The smallest valid module: 38 bytes, main at offset 20, its code at 34, its handler
   count at 36. */
static void minimal(Buf *b) {
  empty_pools(b);
  count(b, 1);
  func_nil(b, "main");
}

/* ---- Running a case ---- */

typedef enum { AT_READER, AT_VERIFIER } Stage;

/* Loads bytes, expects a rejection whose message contains want1 (and want2 if given). */
static void expect_reject(const char *what, const Buf *b, Stage stage, const char *want1, const char *want2) {
  Module m;
  Diag d;
  memset(&d, 0, sizeof d);
  const uint8_t *bytes = (const uint8_t *)(b->data ? b->data : "");
  bool ok = module_load(bytes, b->len, &m, &d);
  CHECK_MSG(!ok, "%s: module was accepted", what);
  if (ok) {
    module_free(&m);
    return;
  }
  CHECK_MSG(m.nconsts == 0 && m.nglobals == 0 && m.nfuncs == 0 && !m.funcs, "%s: module not cleared", what);
  CHECK_MSG(strstr(d.msg, want1) != NULL, "%s: message \"%s\" lacks \"%s\"", what, d.msg, want1);
  if (want2) CHECK_MSG(strstr(d.msg, want2) != NULL, "%s: message \"%s\" lacks \"%s\"", what, d.msg, want2);
  /* The stage: structural errors stop module_read; code errors pass it. */
  Diag d2;
  memset(&d2, 0, sizeof d2);
  bool read_ok = module_read(bytes, b->len, &m, &d2);
  if (stage == AT_READER) {
    CHECK_MSG(!read_ok, "%s: module_read accepted a structurally bad module", what);
    CHECK_MSG(strcmp(d.msg, d2.msg) == 0, "%s: module_read said \"%s\", module_load \"%s\"", what, d2.msg, d.msg);
  } else {
    CHECK_MSG(read_ok, "%s: module_read rejected a code-level case: %s", what, d2.msg);
  }
  if (read_ok) module_free(&m);
}

/* Every accepted module is remembered and, at the very end (after all loader-only
   checks, so that an assembler failure cannot hide them), must survive dis then asm
   with identical bytes: the canonical-form promise of module.h. */
typedef struct {
  char what[96];
  uint8_t *bytes;
  size_t len;
} Accepted;
static Accepted *accepted_list;
static size_t accepted_len, accepted_cap;

static void remember(const char *what, const uint8_t *bytes, size_t len) {
  if (accepted_len == accepted_cap) {
    accepted_cap = accepted_cap ? accepted_cap * 2 : 64;
    accepted_list = xrealloc(accepted_list, sizeof(Accepted) * accepted_cap);
  }
  Accepted *a = &accepted_list[accepted_len++];
  snprintf(a->what, sizeof a->what, "%s", what);
  a->bytes = xmalloc(len);
  memcpy(a->bytes, bytes, len);
  a->len = len;
}

/* Loads bytes, expects acceptance; returns main_func (or -1). */
static int64_t expect_accept(const char *what, const Buf *b, Module *keep) {
  Module m;
  Diag d;
  memset(&d, 0, sizeof d);
  bool ok = module_load((const uint8_t *)b->data, b->len, &m, &d);
  CHECK_MSG(ok, "%s: rejected: %s", what, d.msg);
  if (!ok) return -1;
  int64_t main_func = m.main_func;
  /* Canonical form: writing the module back gives the same bytes. */
  Buf out = {0};
  module_write(&m, &out);
  CHECK_MSG(out.len == b->len && memcmp(out.data, b->data, b->len) == 0, "%s: module_write differs", what);
  buf_free(&out);
  remember(what, (const uint8_t *)b->data, b->len);
  if (keep) *keep = m;
  else module_free(&m);
  return main_func;
}

/* ---- Structural cases (module_read) ---- */

typedef void (*Build)(Buf *b);
#define BUILD(id) static void id(Buf *b)

BUILD(b_empty) { (void)b; }
BUILD(b_short_magic) { put(b, "TS", 2); }
BUILD(b_bad_magic) {
  put(b, "TSMX", 4);
  buf_u16(b, 1);
  buf_u16(b, 0);
  count(b, 0);
  count(b, 0);
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_lower_magic) { put(b, "tsmd\x01\x00\x00\x00", 8); }
BUILD(b_version0) { header_vf(b, 0, 0); }
BUILD(b_version_old) {
  header_vf(b, 1, 0);
  count(b, 0);
  count(b, 0);
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_version_ffff) { header_vf(b, 0xffff, 0); }
BUILD(b_version_next) { header_vf(b, MODULE_VERSION + 1, 0); }
BUILD(b_flags1) {
  header_vf(b, MODULE_VERSION, 1);
  count(b, 0);
  count(b, 0);
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_flags_high) { header_vf(b, MODULE_VERSION, 0x8000); }
BUILD(b_trunc_version) { put(b, "TSMD\x01", 5); }
BUILD(b_trunc_flags) { put(b, "TSMD\x03\x00\x00", 7); }
BUILD(b_trunc_const_count) {
  header(b);
  put(b, "\x01\x00", 2);
}
BUILD(b_const_count_lie) {
  header(b);
  count(b, 3);
  put(b, "\x01\x02", 2);
}
BUILD(b_const_count_65536) {
  header(b);
  count(b, 65536);
}
BUILD(b_const_count_max) {
  header(b);
  count(b, 0xffffffffu);
}
BUILD(b_trunc_const_kind) {
  header(b);
  count(b, 2);
  cint(b, 5); /* 9 bytes: the second kind byte is missing */
}
BUILD(b_trunc_int) {
  header(b);
  count(b, 1);
  buf_u8(b, CONST_INT);
  put(b, "\x01\x02\x03", 3);
}
BUILD(b_trunc_float) {
  header(b);
  count(b, 1);
  buf_u8(b, CONST_FLOAT);
  put(b, "\x00\x00\x00\x00\x00\x00\xf8", 7);
}
BUILD(b_trunc_str_len) {
  header(b);
  count(b, 1);
  buf_u8(b, CONST_STRING);
  put(b, "\x05\x00", 2);
}
BUILD(b_trunc_str_bytes) {
  header(b);
  count(b, 1);
  buf_u8(b, CONST_STRING);
  buf_u32(b, 10);
  put(b, "abc", 3);
}
BUILD(b_str_len_huge) {
  header(b);
  count(b, 1);
  buf_u8(b, CONST_STRING);
  buf_u32(b, 0xffffffffu);
  put(b, "abc", 3);
}
BUILD(b_const_kind0) {
  header(b);
  count(b, 1);
  buf_u8(b, 0);
  buf_u64(b, 0);
}
BUILD(b_const_kind4) {
  header(b);
  count(b, 2);
  cint(b, 1);
  buf_u8(b, 4); /* at offset 21 */
  buf_u64(b, 0);
}
BUILD(b_nan_payload) {
  header(b);
  count(b, 1);
  cfloat(b, 0x7ff8000000000001ull);
}
BUILD(b_nan_negative) {
  header(b);
  count(b, 2);
  cint(b, 0);
  cfloat(b, 0xfff8000000000000ull); /* at offset 21 */
}
BUILD(b_nan_signalling) {
  header(b);
  count(b, 1);
  cfloat(b, 0x7ff0000000000001ull);
}
BUILD(b_dup_int) {
  header(b);
  count(b, 3);
  cint(b, 5);
  cint(b, 7);
  cint(b, 5);
  count(b, 0);
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_dup_float) {
  header(b);
  count(b, 3);
  cfloat(b, 0x3ff8000000000000ull); /* 1.5 */
  cint(b, 0x3ff8000000000000ll);    /* same bits, other kind: not a duplicate */
  cfloat(b, 0x3ff8000000000000ull);
  count(b, 0);
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_dup_nan) {
  header(b);
  count(b, 2);
  cfloat(b, CANONICAL_NAN_BITS);
  cfloat(b, CANONICAL_NAN_BITS);
  count(b, 0);
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_dup_string) {
  header(b);
  count(b, 3);
  cstr(b, "a\0b", 3);
  cstr(b, "a\0c", 3); /* differs after the NUL: not a duplicate */
  cstr(b, "a\0b", 3);
  count(b, 0);
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_dup_empty_string) {
  header(b);
  count(b, 2);
  cstr(b, "", 0);
  cstr(b, "", 0);
  count(b, 0);
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_trunc_global_count) {
  header(b);
  count(b, 0);
  put(b, "\x01", 1);
}
BUILD(b_global_count_lie) {
  header(b);
  count(b, 0);
  count(b, 5);
  put(b, "\x01g", 2);
}
BUILD(b_global_count_70000) {
  header(b);
  count(b, 0);
  count(b, 70000);
}
BUILD(b_trunc_global_name) {
  header(b);
  count(b, 0);
  count(b, 1);
  put(b, "\x05" "ab", 3);
}
BUILD(b_empty_global_name) {
  header(b);
  count(b, 0);
  count(b, 1);
  rawname(b, "", 0);
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_digit_global_name) {
  header(b);
  count(b, 0);
  count(b, 2);
  name(b, "ok");
  name(b, "1x"); /* at offset 19 */
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_dash_global_name) {
  header(b);
  count(b, 0);
  count(b, 1);
  name(b, "a-b");
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_nul_global_name) {
  header(b);
  count(b, 0);
  count(b, 1);
  rawname(b, "a\0b", 3);
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_dup_global) {
  header(b);
  count(b, 0);
  count(b, 3);
  name(b, "x");
  name(b, "y");
  name(b, "x");
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_trunc_func_count) {
  header(b);
  count(b, 0);
  count(b, 0);
}
BUILD(b_zero_funcs) {
  empty_pools(b);
  count(b, 0);
}
BUILD(b_func_count_lie) {
  empty_pools(b);
  count(b, 40);
  func_nil(b, "main"); /* 16 bytes */
}
BUILD(b_func_count_65536) {
  empty_pools(b);
  count(b, 65536);
}
BUILD(b_func_name_space) {
  empty_pools(b);
  count(b, 1);
  func(b, "ma in", 0, 0, 1, CODE(OP_PUSH_NIL, OP_RETURN));
}
BUILD(b_func_name_empty) {
  empty_pools(b);
  count(b, 2);
  func_nil(b, "main");
  func(b, "", 0, 0, 1, CODE(OP_PUSH_NIL, OP_RETURN)); /* at offset 38 */
}
BUILD(b_trunc_func_name) {
  empty_pools(b);
  count(b, 1);
  put(b, "\x04ma", 3);
}
BUILD(b_trunc_params) {
  empty_pools(b);
  count(b, 1);
  name(b, "main");
}
BUILD(b_trunc_locals) {
  empty_pools(b);
  count(b, 1);
  name(b, "main");
  put(b, "\x00\x00", 2);
}
BUILD(b_trunc_max_stack) {
  empty_pools(b);
  count(b, 1);
  name(b, "main");
  put(b, "\x00\x00\x00\x01", 4);
}
BUILD(b_trunc_code_len) {
  empty_pools(b);
  count(b, 1);
  name(b, "main");
  put(b, "\x00\x00\x00\x01\x00\x02\x00\x00", 8); /* params, locals, max_stack, 3 of 4 */
}
BUILD(b_code_len_0) {
  empty_pools(b);
  count(b, 1);
  func(b, "main", 0, 0, 0, NULL, 0);
}
static void code_len_field(Buf *b, uint32_t n) {
  empty_pools(b);
  count(b, 1);
  name(b, "main");
  buf_u8(b, 0);
  buf_u16(b, 0);
  buf_u16(b, 1);
  buf_u32(b, n);
  put(b, "\x01\x27", 2);
}
BUILD(b_code_len_65536) { code_len_field(b, 65536); }
BUILD(b_code_len_huge) { code_len_field(b, 0xffffffffu); }
BUILD(b_trunc_code) { code_len_field(b, 5); }
BUILD(b_dup_func) {
  empty_pools(b);
  count(b, 3);
  func_nil(b, "main");
  func_nil(b, "f");
  func_nil(b, "main");
}
BUILD(b_version2) { /* the format before exception tables: no handler counts */
  header_vf(b, 2, 0);
  count(b, 0);
  count(b, 0);
  count(b, 1);
  func_nil(b, "main");
}
BUILD(b_trunc_handler_count) { /* the handler count (offset 36) cut after one byte */
  minimal(b);
  b->len = 37;
}
BUILD(b_no_handler_count) { /* the code is the last thing: a version 2 function */
  minimal(b);
  b->len = 36;
}
/* main's code (push_nil; return) and a handler count of n, then `bytes` bytes of
   entries: the table starts at offset 38. */
static void handler_table_field(Buf *b, uint16_t n, size_t bytes) {
  empty_pools(b);
  count(b, 1);
  name(b, "main");
  buf_u8(b, 0);
  buf_u16(b, 0);
  buf_u16(b, 1);
  buf_u32(b, 2);
  put(b, "\x01\x27", 2);
  buf_u16(b, n);
  for (size_t i = 0; i < bytes; i++) buf_u8(b, 0);
}
BUILD(b_trunc_handler_table) { handler_table_field(b, 2, 8); }     /* one entry of two */
BUILD(b_trunc_handler_entry) { handler_table_field(b, 1, 5); }     /* 5 bytes of 8 */
BUILD(b_handler_count_65535) { handler_table_field(b, 0xffff, 16); }
BUILD(b_handler_after_zero_count) { handler_table_field(b, 0, 8); } /* an entry nobody counted */
BUILD(b_trunc_handler_second_func) { /* main is whole; f's table is cut */
  empty_pools(b);
  count(b, 2);
  func_nil(b, "main");
  func_h(b, "f", 0, 0, 1, CODE(OP_PUSH_NIL, OP_RETURN), HANDLERS(0, 1, 1, 0));
  b->len -= 1; /* f: name at 38, code at 49, handler count at 51, table at 53 */
}
BUILD(b_trailing) {
  minimal(b);
  buf_u8(b, 0);
}
BUILD(b_trailing_module) { /* two modules back to back */
  minimal(b);
  minimal(b);
}

static void test_reader(void) {
  static const struct {
    const char *what;
    Build build;
    const char *want1, *want2;
  } cases[] = {
    {"empty input", b_empty, "module offset 0: truncated: magic needs 4 bytes, 0 left", NULL},
    {"2-byte input", b_short_magic, "module offset 0: truncated: magic needs 4 bytes, 2 left", NULL},
    {"bad magic", b_bad_magic, "module offset 0: bad magic (not a Tessera module: expected \"TSMD\")", NULL},
    {"lower-case magic", b_lower_magic, "module offset 0: bad magic", NULL},
    {"version 0", b_version0, "module offset 4: unsupported version 0 (this VM reads version 3", NULL},
    {"version 1 (before classes)", b_version_old,
     "module offset 4: unsupported version 1 (this VM reads version 3: assemble the module again)", NULL},
    {"version 2 (before exception tables)", b_version2,
     "module offset 4: unsupported version 2 (this VM reads version 3: assemble the module again)", NULL},
    {"version 4", b_version_next, "module offset 4: unsupported version 4 (this VM reads version 3: the module is from a newer Tessera)", NULL},
    {"version 65535", b_version_ffff, "module offset 4: unsupported version 65535", NULL},
    {"flags 1", b_flags1, "module offset 6: flags must be zero", NULL},
    {"flags 0x8000", b_flags_high, "module offset 6: flags must be zero", NULL},
    {"truncated version", b_trunc_version, "module offset 4: truncated: version needs 2 bytes, 1 left", NULL},
    {"truncated flags", b_trunc_flags, "module offset 6: truncated: flags needs 2 bytes, 1 left", NULL},
    {"truncated constant count", b_trunc_const_count,
     "module offset 8: truncated: constant count needs 4 bytes, 2 left", NULL},
    {"constant count > bytes left", b_const_count_lie,
     "module offset 8: constant count 3 is larger than the 2 bytes that follow", NULL},
    {"constant count 65536", b_const_count_65536,
     "module offset 8: constant count 65536 exceeds the limit of 65535", NULL},
    {"constant count 2^32-1", b_const_count_max,
     "module offset 8: constant count 4294967295 exceeds the limit of 65535", NULL},
    {"truncated constant kind", b_trunc_const_kind,
     "module offset 21: truncated: constant kind needs 1 byte, 0 left", NULL},
    {"truncated int constant", b_trunc_int, "module offset 13: truncated: int constant needs 8 bytes, 3 left", NULL},
    {"truncated float constant", b_trunc_float,
     "module offset 13: truncated: float constant needs 8 bytes, 7 left", NULL},
    {"truncated string length", b_trunc_str_len,
     "module offset 13: truncated: string constant length needs 4 bytes, 2 left", NULL},
    {"truncated string bytes", b_trunc_str_bytes,
     "module offset 17: truncated: string constant needs 10 bytes, 3 left", NULL},
    {"string length 2^32-1", b_str_len_huge,
     "module offset 17: truncated: string constant needs 4294967295 bytes, 3 left", NULL},
    {"constant kind 0", b_const_kind0, "module offset 12: unknown constant kind 0 (1 int, 2 float, 3 string)", NULL},
    {"constant kind 4", b_const_kind4, "module offset 21: unknown constant kind 4", NULL},
    {"NaN with payload", b_nan_payload,
     "module offset 12: NaN constant is not the canonical NaN 0x7ff8000000000000", NULL},
    {"negative NaN", b_nan_negative, "module offset 21: NaN constant is not the canonical NaN", NULL},
    {"signalling NaN", b_nan_signalling, "module offset 12: NaN constant is not the canonical NaN", NULL},
    {"duplicate int constant", b_dup_int, "constant 2 duplicates constant 0", NULL},
    {"duplicate float constant", b_dup_float, "constant 2 duplicates constant 0", NULL},
    {"duplicate NaN constant", b_dup_nan, "constant 1 duplicates constant 0", NULL},
    {"duplicate string constant", b_dup_string, "constant 2 duplicates constant 0", NULL},
    {"duplicate empty string", b_dup_empty_string, "constant 1 duplicates constant 0", NULL},
    {"truncated global count", b_trunc_global_count,
     "module offset 12: truncated: global count needs 4 bytes, 1 left", NULL},
    {"global count > bytes left", b_global_count_lie,
     "module offset 12: global count 5 is larger than the 2 bytes that follow", NULL},
    {"global count 70000", b_global_count_70000, "module offset 12: global count 70000 exceeds the limit of 65535",
     NULL},
    {"truncated global name", b_trunc_global_name,
     "module offset 17: truncated: global name needs 5 bytes, 2 left", NULL},
    {"empty global name", b_empty_global_name,
     "module offset 16: global name is not an identifier ([A-Za-z_][A-Za-z0-9_]*, 1-255 bytes)", NULL},
    {"global name starting with a digit", b_digit_global_name, "module offset 19: global name is not an identifier",
     NULL},
    {"global name with '-'", b_dash_global_name, "module offset 16: global name is not an identifier", NULL},
    {"global name with NUL", b_nul_global_name, "module offset 16: global name is not an identifier", NULL},
    {"duplicate global", b_dup_global, "global 'x' is declared twice", NULL},
    {"truncated function count", b_trunc_func_count,
     "module offset 16: truncated: function count needs 4 bytes, 0 left", NULL},
    {"zero functions", b_zero_funcs, "module has no functions (a function 'main' is required)", NULL},
    {"function count > bytes left", b_func_count_lie,
     "module offset 16: function count 40 is larger than the 18 bytes that follow", NULL},
    {"function count 65536", b_func_count_65536,
     "module offset 16: function count 65536 exceeds the limit of 65535", NULL},
    {"function name with space", b_func_name_space, "module offset 20: function name is not an identifier", NULL},
    {"empty function name", b_func_name_empty, "module offset 38: function name is not an identifier", NULL},
    {"truncated function name", b_trunc_func_name,
     "module offset 21: truncated: function name needs 4 bytes, 2 left", NULL},
    {"truncated parameter count", b_trunc_params, "module offset 25: truncated: parameter count", NULL},
    {"truncated local count", b_trunc_locals, "module offset 26: truncated: local count needs 2 bytes, 1 left", NULL},
    {"truncated max_stack", b_trunc_max_stack,
     "module offset 28: truncated: maximum stack depth needs 2 bytes, 1 left", NULL},
    {"truncated code length", b_trunc_code_len, "module offset 30: truncated: code length needs 4 bytes, 3 left",
     NULL},
    {"code length 0", b_code_len_0, "module offset 30: function 'main': code length 0 is not in 1..65535", NULL},
    {"code length 65536", b_code_len_65536,
     "module offset 30: function 'main': code length 65536 is not in 1..65535", NULL},
    {"code length 2^32-1", b_code_len_huge,
     "module offset 30: function 'main': code length 4294967295 is not in 1..65535", NULL},
    {"truncated code", b_trunc_code, "module offset 34: truncated: function code needs 5 bytes, 2 left", NULL},
    {"truncated handler count", b_trunc_handler_count,
     "module offset 36: truncated: handler count needs 2 bytes, 1 left", NULL},
    {"no handler count", b_no_handler_count, "module offset 36: truncated: handler count needs 2 bytes, 0 left",
     NULL},
    {"handler table cut after one entry of two", b_trunc_handler_table, "module offset 36: handler table is truncated",
     NULL},
    {"handler entry cut short", b_trunc_handler_entry, "module offset 36: handler table is truncated", NULL},
    {"handler count 65535", b_handler_count_65535, "module offset 36: handler table is truncated", NULL},
    {"handler entry after a zero count", b_handler_after_zero_count,
     "module offset 38: trailing bytes after the last function", NULL},
    {"truncated handler table in a second function", b_trunc_handler_second_func,
     "module offset 51: handler table is truncated", NULL},
    {"duplicate function", b_dup_func, "function 'main' is defined twice", NULL},
    {"one trailing byte", b_trailing, "module offset 38: trailing bytes after the last function", NULL},
    {"a second module appended", b_trailing_module, "module offset 38: trailing bytes after the last function",
     NULL},
  };
  for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
    Buf b = {0};
    cases[i].build(&b);
    expect_reject(cases[i].what, &b, AT_READER, cases[i].want1, cases[i].want2);
    buf_free(&b);
  }
}

/* ---- Code cases (verify_module) ----
 * Each runs in a standard module: constant 0 = int 7, global 0 = "g", and functions
 * [main (locals=1, the code)] or, with helper set, [main returning nil, helper]. */

typedef struct {
  const char *what;
  const char *fname;  /* "main", or another name for a second function */
  uint8_t nparams;
  uint16_t nlocals, max_stack;
  const uint8_t *code;
  size_t len;
  const char *where, *why;
} CodeCase;

/* The standard module around one function under test (main, or a second function
   after a main returning nil), with nh exception table entries. */
static void standard_module_of(Buf *b, const char *fname, uint8_t nparams, uint16_t nlocals, uint16_t max_stack,
                               const uint8_t *code, size_t len, const uint16_t *handlers, size_t nh) {
  header(b);
  count(b, 1);
  cint(b, 7);
  count(b, 1);
  name(b, "g");
  bool is_main = strcmp(fname, "main") == 0;
  count(b, is_main ? 1 : 2);
  if (!is_main) func_nil(b, "main");
  func_h(b, fname, nparams, nlocals, max_stack, code, len, handlers, nh);
}

static void standard_module(Buf *b, const CodeCase *c) {
  standard_module_of(b, c->fname, c->nparams, c->nlocals, c->max_stack, c->code, c->len, NULL, 0);
}

static void test_code(void) {
  const CodeCase cases[] = {
    /* decoding */
    {"unknown opcode 0xff", "main", 0, 1, 1, CODE(OP_PUSH_NIL, 0xff, OP_RETURN), "function 'main' offset 1: ",
     "unknown opcode 0xff"},
    {"first unassigned opcode", "main", 0, 1, 1, CODE(OP_PUSH_NIL, OP_RETURN, OP__COUNT),
     "function 'main' offset 2: ", "unknown opcode"},
    {"truncated instruction at the end", "main", 0, 1, 1, CODE(OP_PUSH_NIL, OP_RETURN, OP_PUSH_INT, 1),
     "function 'main' offset 2 (push_int): ", "truncated instruction: needs 3 bytes, 2 left"},
    {"truncated call operand", "main", 0, 1, 1, CODE(OP_PUSH_NIL, OP_RETURN, OP_CALL),
     "function 'main' offset 2 (call): ", "truncated instruction: needs 2 bytes, 1 left"},
    {"truncated push_builtin operand", "main", 0, 1, 1, CODE(OP_PUSH_NIL, OP_RETURN, OP_PUSH_BUILTIN),
     "function 'main' offset 2 (push_builtin): ", "truncated instruction: needs 2 bytes, 1 left"},
    /* operands */
    {"constant index out of range", "main", 0, 1, 1, CODE(OP_PUSH_CONST, W(1), OP_RETURN),
     "function 'main' offset 0 (push_const): ", "constant 1 out of range (module has 1)"},
    {"constant index 65535", "main", 0, 1, 1, CODE(OP_PUSH_CONST, W(0xffff), OP_RETURN),
     "function 'main' offset 0 (push_const): ", "constant 65535 out of range (module has 1)"},
    {"function index out of range", "main", 0, 1, 1, CODE(OP_PUSH_FUNC, W(1), OP_RETURN),
     "function 'main' offset 0 (push_func): ", "function 1 out of range (module has 1)"},
    /* builtins are numbered 0 .. 6 (vm/builtin.h): one past the last, and the largest
       operand the byte can hold */
    {"builtin number out of range", "main", 0, 1, 1, CODE(OP_PUSH_BUILTIN, 7, OP_RETURN),
     "function 'main' offset 0 (push_builtin): ", "builtin 7 out of range (there are 7)"},
    {"builtin number 255", "main", 0, 1, 1, CODE(OP_PUSH_NIL, OP_POP, OP_PUSH_BUILTIN, 255, OP_RETURN),
     "function 'main' offset 2 (push_builtin): ", "builtin 255 out of range (there are 7)"},
    {"local index out of range (load)", "f", 1, 1, 1, CODE(OP_LOAD_LOCAL, W(2), OP_RETURN),
     "function 'f' offset 0 (load_local): ", "local 2 out of range (function has 2)"},
    {"local index out of range (store, no locals)", "f", 0, 0, 1,
     CODE(OP_PUSH_NIL, OP_STORE_LOCAL, W(0), OP_PUSH_NIL, OP_RETURN), "function 'f' offset 1 (store_local): ",
     "local 0 out of range (function has 0)"},
    {"global index out of range", "main", 0, 1, 1, CODE(OP_LOAD_GLOBAL, W(1), OP_RETURN),
     "function 'main' offset 0 (load_global): ", "global 1 out of range (module has 1)"},
    {"global index out of range (store)", "main", 0, 1, 1,
     CODE(OP_PUSH_NIL, OP_DUP, OP_STORE_GLOBAL, W(300), OP_RETURN), "function 'main' offset 2 (store_global): ",
     "global 300 out of range (module has 1)"},
    /* jumps */
    {"jump target past the end", "main", 0, 1, 1, CODE(OP_JUMP, W(3), OP_PUSH_NIL, OP_RETURN),
     "function 'main' offset 0 (jump): ", "jump target 6 is past the end of the code"},
    {"jump target exactly at the end", "main", 0, 1, 1, CODE(OP_JUMP, W(2), OP_PUSH_NIL, OP_RETURN),
     "function 'main' offset 0 (jump): ", "jump target 5 is past the end of the code"},
    {"jump_if_true by 65535", "main", 0, 1, 1, CODE(OP_PUSH_TRUE, OP_JUMP_IF_TRUE, W(0xffff), OP_PUSH_NIL, OP_RETURN),
     "function 'main' offset 1 (jump_if_true): ", "jump target 65539 is past the end of the code"},
    {"jump into the middle of an instruction", "main", 0, 1, 1,
     CODE(OP_PUSH_TRUE, OP_JUMP_IF_FALSE, W(1), OP_PUSH_INT, W(1), OP_RETURN, OP_PUSH_NIL, OP_RETURN),
     "function 'main' offset 1 (jump_if_false): ", "jump target 5 is not an instruction boundary"},
    {"loop target not backward (offset 0)", "main", 0, 1, 1, CODE(OP_PUSH_NIL, OP_LOOP, W(0), OP_RETURN),
     "function 'main' offset 1 (loop): ", "loop target 4 is not backward"},
    {"loop target inside the loop itself", "main", 0, 1, 1, CODE(OP_PUSH_NIL, OP_LOOP, W(2), OP_RETURN),
     "function 'main' offset 1 (loop): ", "loop target 2 is not backward"},
    {"loop target before the code", "main", 0, 1, 0, CODE(OP_NOP, OP_LOOP, W(5)), "function 'main' offset 1 (loop): ",
     "loop target is before the start of the code"},
    {"loop by 65535", "main", 0, 1, 0, CODE(OP_NOP, OP_LOOP, W(0xffff)), "function 'main' offset 1 (loop): ",
     "loop target is before the start of the code"},
    {"loop target mid-instruction", "main", 0, 1, 1, CODE(OP_PUSH_INT, W(0), OP_LOOP, W(5)),
     "function 'main' offset 3 (loop): ", "loop target 1 is not an instruction boundary"},
    /* stack */
    {"pop on an empty stack", "main", 0, 1, 1, CODE(OP_POP, OP_PUSH_NIL, OP_RETURN), "function 'main' offset 0 (pop): ",
     "stack underflow: pops 1 with depth 0"},
    {"add with one value", "main", 0, 1, 1, CODE(OP_PUSH_INT, W(1), OP_ADD, OP_RETURN),
     "function 'main' offset 3 (add): ", "stack underflow: pops 2 with depth 1"},
    {"call needing more values", "main", 0, 1, 1, CODE(OP_PUSH_FUNC, W(0), OP_CALL, 2, OP_RETURN),
     "function 'main' offset 3 (call): ", "stack underflow: pops 3 with depth 1"},
    {"call with no callee", "main", 0, 1, 1, CODE(OP_CALL, 0, OP_RETURN), "function 'main' offset 0 (call): ",
     "stack underflow: pops 1 with depth 0"},
    {"return on an empty stack", "main", 0, 1, 1, CODE(OP_RETURN), "function 'main' offset 0 (return): ",
     "stack underflow: pops 1 with depth 0"},
    {"array_new 3 with two values", "main", 0, 1, 1, CODE(OP_PUSH_NIL, OP_PUSH_NIL, OP_ARRAY_NEW, W(3), OP_RETURN),
     "function 'main' offset 2 (array_new): ", "stack underflow: pops 3 with depth 2"},
    {"set with two values", "main", 0, 1, 1, CODE(OP_PUSH_NIL, OP_PUSH_NIL, OP_SET, OP_PUSH_NIL, OP_RETURN),
     "function 'main' offset 2 (set): ", "stack underflow: pops 3 with depth 2"},
    {"jump_if_false on an empty stack", "main", 0, 1, 1, CODE(OP_JUMP_IF_FALSE, W(0), OP_PUSH_NIL, OP_RETURN),
     "function 'main' offset 0 (jump_if_false): ", "stack underflow: pops 1 with depth 0"},
    /* if/else arms leave 1 and 2 values at the join (offset 16) */
    {"depth mismatch at an if/else join", "main", 0, 1, 2,
     CODE(OP_PUSH_TRUE, OP_JUMP_IF_FALSE, W(6), OP_PUSH_INT, W(1), OP_JUMP, W(6), OP_PUSH_INT, W(2), OP_PUSH_INT, W(3),
          OP_RETURN),
     "function 'main' offset 13 (push_int): ", "stack depth mismatch at offset 16: 1 on one path, 2 on this one"},
    /* two forward jumps reach offset 9 with depths 1 and 0 */
    {"depth mismatch between two jumps", "main", 0, 1, 2,
     CODE(OP_PUSH_TRUE, OP_PUSH_TRUE, OP_JUMP_IF_TRUE, W(4), OP_POP, OP_JUMP, W(0), OP_RETURN),
     "function 'main' offset 6 (jump): ", "stack depth mismatch at offset 9: 1 on one path, 0 on this one"},
    {"depth mismatch at a loop target", "main", 0, 1, 2, CODE(OP_PUSH_NIL, OP_PUSH_NIL, OP_LOOP, W(4)),
     "function 'main' offset 2 (loop): ", "stack depth mismatch at loop target 1: 1 there, 2 here"},
    /* control */
    {"unreachable after return", "main", 0, 1, 1, CODE(OP_PUSH_NIL, OP_RETURN, OP_PUSH_NIL, OP_RETURN),
     "function 'main' offset 2 (push_nil): ", "unreachable: no earlier instruction falls or jumps here"},
    {"unreachable after jump", "main", 0, 1, 1, CODE(OP_JUMP, W(1), OP_NOP, OP_PUSH_NIL, OP_RETURN),
     "function 'main' offset 3 (nop): ", "unreachable"},
    {"unreachable after loop", "main", 0, 1, 1, CODE(OP_NOP, OP_LOOP, W(4), OP_PUSH_NIL, OP_RETURN),
     "function 'main' offset 4 (push_nil): ", "unreachable"},
    {"loop head entered only by the loop", "main", 0, 1, 1, CODE(OP_PUSH_NIL, OP_RETURN, OP_NOP, OP_LOOP, W(4)),
     "function 'main' offset 2 (nop): ", "a loop head must be entered from above"},
    {"falling off the end", "main", 0, 1, 1, CODE(OP_PUSH_NIL), "function 'main' offset 0 (push_nil): ",
     "control falls off the end of the function"},
    {"falling off after a conditional jump", "main", 0, 1, 1,
     CODE(OP_PUSH_TRUE, OP_JUMP_IF_TRUE, W(2), OP_PUSH_NIL, OP_RETURN, OP_NOP), "function 'main' offset 6 (nop): ",
     "control falls off the end of the function"},
    {"error in a second function", "helper", 0, 0, 1, CODE(OP_PUSH_NIL, OP_POP, OP_POP, OP_PUSH_NIL, OP_RETURN),
     "function 'helper' offset 2 (pop): ", "stack underflow: pops 1 with depth 0"},
    /* max_stack */
    {"declared max_stack too small", "main", 0, 1, 0, CODE(OP_PUSH_NIL, OP_RETURN), "function 'main': ",
     "declared max_stack 0 but the proven maximum is 1"},
    {"declared max_stack too large", "main", 0, 1, 3, CODE(OP_PUSH_NIL, OP_DUP, OP_POP, OP_RETURN),
     "function 'main': ", "declared max_stack 3 but the proven maximum is 2"},
    {"declared max_stack 65535", "helper", 0, 0, 65535, CODE(OP_PUSH_NIL, OP_RETURN), "function 'helper': ",
     "declared max_stack 65535 but the proven maximum is 1"},
    /* entry point */
    {"main with parameters", "main", 1, 0, 1, CODE(OP_PUSH_NIL, OP_RETURN), "function 'main' ",
     "must take no parameters (it takes 1)"},
    {"main with 255 parameters", "main", 255, 0, 1, CODE(OP_PUSH_NIL, OP_RETURN), "function 'main' ",
     "must take no parameters (it takes 255)"},
  };
  for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
    Buf b = {0};
    standard_module(&b, &cases[i]);
    expect_reject(cases[i].what, &b, AT_VERIFIER, cases[i].where, cases[i].why);
    buf_free(&b);
  }

  /* No main: every function is valid, none is called main (names are case-sensitive). */
  Buf b = {0};
  empty_pools(&b);
  count(&b, 2);
  func_nil(&b, "start");
  func_nil(&b, "Main");
  expect_reject("no main", &b, AT_VERIFIER, "no function 'main' (the entry point)", NULL);
  buf_free(&b);

  /* verify_function reports the proven maximum, and -1 with a message on failure. */
  Module m;
  Diag d;
  memset(&d, 0, sizeof d);
  b = (Buf){0};
  empty_pools(&b);
  count(&b, 1);
  func(&b, "main", 0, 0, 1, CODE(OP_PUSH_NIL, OP_POP, OP_PUSH_NIL, OP_RETURN));
  CHECK(module_read((const uint8_t *)b.data, b.len, &m, &d));
  CHECK(verify_function(&m, &m.funcs[0], NULL, &d) == 1);
  m.funcs[0].code[1] = OP_ADD; /* push_nil; add: underflow at offset 1 */
  CHECK(verify_function(&m, &m.funcs[0], NULL, &d) == -1);
  CHECK_MSG(strstr(d.msg, "function 'main' offset 1 (add): stack underflow: pops 2 with depth 1"), "%s", d.msg);
  module_free(&m);
  buf_free(&b);
}

/* ---- Exception tables (verify_module, bytecode.md section 3.2 rule 5) ----
 * Each runs in the standard module of test_code, with the function's handler table. */

typedef struct {
  const char *what;
  const char *fname;
  uint8_t nparams;
  uint16_t nlocals, max_stack;
  const uint8_t *code;
  size_t len;
  const uint16_t *handlers;
  size_t nhandlers;
  const char *where, *why;
} HandlerCase;

static void handler_module(Buf *b, const HandlerCase *c) {
  standard_module_of(b, c->fname, c->nparams, c->nlocals, c->max_stack, c->code, c->len, c->handlers,
                     c->nhandlers);
}

/* A range [3, 8) around `push_int 0; idiv; return` at depth 1, handler 8: a `return`
   entered with depth 2 (the 1 and the error's value). Valid as it is (test_accepted). */
#define DIV_CODE CODE(OP_PUSH_INT, W(1), OP_PUSH_INT, W(0), OP_IDIV, OP_RETURN, OP_RETURN)

static void test_handlers(void) {
  const HandlerCase cases[] = {
    /* check_handlers: the offsets */
    {"empty range", "main", 0, 0, 2, DIV_CODE, HANDLERS(3, 3, 8, 1),
     "function 'main' handler 0 (range 3..3, handler 8): ", "its range is empty"},
    {"range ending before its start", "main", 0, 0, 2, DIV_CODE, HANDLERS(6, 3, 8, 1),
     "function 'main' handler 0 (range 6..3, handler 8): ", "its range is empty"},
    {"handler inside its range", "main", 0, 0, 2, DIV_CODE, HANDLERS(3, 8, 6, 1),
     "function 'main' handler 0 (range 3..8, handler 6): ", "the handler is inside or before its range"},
    {"handler at its range's start", "main", 0, 0, 2, DIV_CODE, HANDLERS(3, 8, 3, 1),
     "function 'main' handler 0 (range 3..8, handler 3): ", "the handler is inside or before its range"},
    {"handler before its range", "main", 0, 0, 2, DIV_CODE, HANDLERS(3, 7, 0, 1),
     "function 'main' handler 0 (range 3..7, handler 0): ", "the handler is inside or before its range"},
    {"handler at the end of the code", "main", 0, 0, 2, DIV_CODE, HANDLERS(3, 8, 9, 1),
     "function 'main' handler 0 (range 3..8, handler 9): ", "the handler is past the end of the code"},
    {"handler 65535", "main", 0, 0, 2, DIV_CODE, HANDLERS(3, 8, 0xffff, 1),
     "function 'main' handler 0 (range 3..8, handler 65535): ", "the handler is past the end of the code"},
    {"range end past the code", "main", 0, 0, 2, DIV_CODE, HANDLERS(3, 10, 10, 1),
     "function 'main' handler 0 (range 3..10, handler 10): ", "the handler is past the end of the code"},
    {"range starting inside an instruction", "main", 0, 0, 2, DIV_CODE, HANDLERS(4, 8, 8, 1),
     "function 'main' handler 0 (range 4..8, handler 8): ", "its range is not whole instructions"},
    {"range ending inside an instruction", "main", 0, 0, 2, DIV_CODE, HANDLERS(3, 5, 8, 1),
     "function 'main' handler 0 (range 3..5, handler 8): ", "its range is not whole instructions"},
    {"handler inside an instruction", "main", 0, 0, 1,
     CODE(OP_PUSH_NIL, OP_POP, OP_PUSH_INT, W(5), OP_RETURN), HANDLERS(0, 2, 3, 0),
     "function 'main' handler 0 (range 0..2, handler 3): ", "the handler is not an instruction boundary"},
    {"the second entry at fault", "main", 0, 0, 2, DIV_CODE, HANDLERS(3, 8, 8, 1, 0, 3, 1, 0),
     "function 'main' handler 1 (range 0..3, handler 1): ", "the handler is inside or before its range"},
    {"an entry at fault in a second function", "helper", 0, 0, 2, DIV_CODE, HANDLERS(3, 8, 7, 1),
     "function 'helper' handler 0 (range 3..8, handler 7): ", "the handler is inside or before its range"},
    /* flow_to_handlers: the depths */
    {"declared depth below the proven one", "main", 0, 0, 2, DIV_CODE, HANDLERS(3, 8, 8, 0),
     "function 'main' offset 3 (push_int): ",
     "handler 0 declares stack depth 0 but the depth at its range's start is 1"},
    {"declared depth above the proven one", "main", 0, 0, 2, DIV_CODE, HANDLERS(0, 8, 8, 1),
     "function 'main' offset 0 (push_int): ",
     "handler 0 declares stack depth 1 but the depth at its range's start is 0"},
    {"declared depth 65535", "main", 0, 0, 2, DIV_CODE, HANDLERS(3, 8, 8, 0xffff),
     "function 'main' offset 3 (push_int): ",
     "handler 0 declares stack depth 65535 but the depth at its range's start is 1"},
    /* inside [3, 10) the pop leaves depth 0 at offset 8, below the entry's depth 1 */
    {"depth inside the range below the handler's", "main", 0, 0, 2,
     CODE(OP_PUSH_INT, W(1), OP_PUSH_INT, W(0), OP_IDIV, OP_POP, OP_PUSH_NIL, OP_RETURN, OP_RETURN),
     HANDLERS(3, 10, 10, 1), "function 'main' offset 8 (push_nil): ", "stack depth 0 is below handler 0's depth 1"},
    /* the handler at 2 is entered with depth 1 from [0, 1) and reached with depth 2 by
       the push_nil before it */
    {"handler entry depth differs from the fall-through", "main", 0, 0, 2,
     CODE(OP_PUSH_NIL, OP_PUSH_NIL, OP_RETURN), HANDLERS(0, 1, 2, 0), "function 'main' offset 1 (push_nil): ",
     "stack depth mismatch at offset 2: 1 on one path, 2 on this one"},
    /* the handler at 5 is a jump target with depth 0, and entered with depth 1 */
    {"handler entry depth differs from a jump", "main", 0, 0, 1,
     CODE(OP_PUSH_TRUE, OP_JUMP_IF_TRUE, W(1), OP_NOP, OP_NOP, OP_PUSH_NIL, OP_RETURN), HANDLERS(4, 5, 5, 0),
     "function 'main' offset 4 (nop): ", "stack depth mismatch at offset 5: 0 on one path, 1 on this one"},
    /* two entries with one handler, entered with depths 1 and 2 */
    {"one handler for ranges of different depths", "main", 0, 0, 3,
     CODE(OP_PUSH_NIL, OP_PUSH_NIL, OP_POP, OP_POP, OP_PUSH_NIL, OP_RETURN), HANDLERS(0, 1, 4, 0, 1, 2, 4, 1),
     "function 'main' offset 1 (push_nil): ", "stack depth mismatch at offset 4: 1 on one path, 2 on this one"},
    /* the handler's entry depth counts for max_stack: 2 here, though no instruction
       leaves more than 1 */
    {"max_stack without the handler's entry depth", "main", 0, 0, 1,
     CODE(OP_PUSH_NIL, OP_RAISE, OP_POP, OP_RETURN), HANDLERS(1, 2, 2, 1), "function 'main': ",
     "declared max_stack 1 but the proven maximum is 2"},
  };
  for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
    Buf b = {0};
    handler_module(&b, &cases[i]);
    expect_reject(cases[i].what, &b, AT_VERIFIER, cases[i].where, cases[i].why);
    buf_free(&b);
  }
}

/* Two functions with exception tables. helper(d) is 12 // d, or -1 when that raises.
   main: for (i = 0; i < 3; i++) { 12 // i } with an inner range [16, 23) around the
   division and an outer one [6, 26) around the whole body; both go to the handler at
   26, which the push_nil at 25 also falls into (depth 1 either way); the handler
   loops back into the ranges. */
static void handlers_module(Buf *b) {
  empty_pools(b);
  count(b, 2);
  func_h(b, "helper", 1, 0, 2,
         CODE(OP_PUSH_INT, W(12), OP_LOAD_LOCAL, W(0), OP_IDIV, OP_RETURN, /* 0 .. 7: range [0, 8) */
              OP_POP, OP_PUSH_INT, W(-1), OP_RETURN),                         /* 8: handler */
         HANDLERS(0, 8, 8, 0));
  func_h(b, "main", 0, 1, 2,
         CODE(OP_PUSH_INT, W(0), OP_STORE_LOCAL, W(0),                        /* 0, 3 */
              OP_LOAD_LOCAL, W(0), OP_PUSH_INT, W(3), OP_LT,                  /* 6 top, 9, 12 */
              OP_JUMP_IF_FALSE, W(24),                                        /* 13 -> 40 */
              OP_PUSH_INT, W(12), OP_LOAD_LOCAL, W(0), OP_IDIV, OP_POP,       /* 16, 19, 22, 23 */
              OP_NOP, OP_PUSH_NIL,                                            /* 24, 25 */
              OP_POP,                                                         /* 26: handler */
              OP_LOAD_LOCAL, W(0), OP_PUSH_INT, W(1), OP_ADD, OP_STORE_LOCAL, W(0), /* 27 .. 34 */
              OP_LOOP, W(34),                                                 /* 37 -> 6 */
              OP_PUSH_NIL, OP_RETURN),                                        /* 40, 41 */
         HANDLERS(16, 23, 26, 0, 6, 26, 26, 0));
}

/* ---- Valid modules are accepted (so the rejections are not vacuous) ---- */

static void test_accepted(void) {
  Buf b = {0};
  minimal(&b);
  CHECK(b.len == 38);
  CHECK(expect_accept("minimal main", &b, NULL) == 0);
  buf_free(&b);

  /* main is the second function; the first one is only referenced. */
  b = (Buf){0};
  empty_pools(&b);
  count(&b, 2);
  func(&b, "helper", 2, 0, 2, CODE(OP_LOAD_LOCAL, W(0), OP_LOAD_LOCAL, W(1), OP_ADD, OP_RETURN));
  func(&b, "main", 0, 0, 3, CODE(OP_PUSH_FUNC, W(0), OP_PUSH_INT, W(2), OP_PUSH_INT, W(3), OP_CALL, 2, OP_RETURN));
  CHECK(expect_accept("main second", &b, NULL) == 1);
  buf_free(&b);

  /* A counting loop, balanced at the loop head (offset 6): i = 0; while (i < 10) i++; */
  b = (Buf){0};
  empty_pools(&b);
  count(&b, 1);
  func(&b, "main", 0, 1, 2,
       CODE(OP_PUSH_INT, W(0), OP_STORE_LOCAL, W(0),                           /* 0, 3 */
            OP_LOAD_LOCAL, W(0), OP_PUSH_INT, W(10), OP_LT,                    /* 6, 9, 12 */
            OP_JUMP_IF_FALSE, W(13),                                           /* 13 -> 29 */
            OP_LOAD_LOCAL, W(0), OP_PUSH_INT, W(1), OP_ADD, OP_STORE_LOCAL, W(0), /* 16 .. 23 */
            OP_LOOP, W(23),                                                    /* 26 -> 6 */
            OP_LOAD_LOCAL, W(0), OP_RETURN));                                  /* 29, 32 */
  Module m;
  CHECK(expect_accept("counting loop", &b, &m) == 0);
  if (m.nfuncs == 1) {
    CHECK(m.funcs[0].max_stack == 2);
    CHECK(m.funcs[0].nlocals == 1);
    CHECK(m.funcs[0].code_len == 33);
    module_free(&m);
  }
  buf_free(&b);

  /* Boundaries that are valid: a loop to itself (offset == length), a loop to offset 0,
     a jump by 0, constants that differ only in sign, kind or after a NUL, the canonical
     NaN, a 255-byte name, a global and a function with the same name. */
  b = (Buf){0};
  header(&b);
  count(&b, 8);
  cfloat(&b, 0);                     /* 0.0 */
  cfloat(&b, 0x8000000000000000ull); /* -0.0 */
  cint(&b, 0);
  cfloat(&b, CANONICAL_NAN_BITS);
  cfloat(&b, 0x7ff0000000000000ull); /* inf */
  cstr(&b, "a\0b", 3);
  cstr(&b, "a\0c", 3);
  cstr(&b, "", 0);
  char long_name[256];
  memset(long_name, 'x', 255);
  long_name[255] = '\0';
  count(&b, 2);
  name(&b, long_name);
  name(&b, "main");
  count(&b, 3);
  func(&b, "spin", 0, 0, 0, CODE(OP_LOOP, W(3)));
  func(&b, "spin0", 0, 0, 0, CODE(OP_NOP, OP_NOP, OP_LOOP, W(5)));
  func(&b, "main", 0, 0, 1, CODE(OP_PUSH_CONST, W(7), OP_JUMP, W(0), OP_RETURN));
  CHECK(expect_accept("valid boundaries", &b, NULL) == 2);
  buf_free(&b);

  /* Exception tables (bytecode.md section 3.2 rule 5): a range around a division at
     depth 1 with its handler right after it; a handler whose entry depth (2) is the
     maximum though no instruction leaves more than 1. */
  b = (Buf){0};
  empty_pools(&b);
  count(&b, 1);
  func_h(&b, "main", 0, 0, 2, DIV_CODE, HANDLERS(3, 8, 8, 1));
  CHECK(expect_accept("a handler right after its range", &b, NULL) == 0);
  buf_free(&b);
  b = (Buf){0};
  empty_pools(&b);
  count(&b, 1);
  func_h(&b, "main", 0, 0, 2, CODE(OP_PUSH_NIL, OP_RAISE, OP_POP, OP_RETURN), HANDLERS(1, 2, 2, 1));
  CHECK(expect_accept("a handler's entry depth is the maximum", &b, &m) == 0);
  if (m.nfuncs == 1) {
    CHECK(m.funcs[0].nhandlers == 1 && m.funcs[0].handlers[0].depth == 1);
    module_free(&m);
  }
  buf_free(&b);
  b = (Buf){0};
  handlers_module(&b);
  CHECK(expect_accept("nested ranges, a shared handler, a loop back into a range", &b, &m) == 1);
  if (m.nfuncs == 2) {
    CHECK(m.funcs[1].nhandlers == 2 && m.funcs[1].max_stack == 2);
    module_free(&m);
  }
  buf_free(&b);

  /* The first and the last builtin, pushed and called: ord("A") and sqrt of it. */
  b = (Buf){0};
  header(&b);
  count(&b, 1);
  cstr(&b, "A", 1);
  count(&b, 0);
  count(&b, 1);
  func(&b, "main", 0, 0, 3,
       CODE(OP_PUSH_BUILTIN, 0, OP_PUSH_BUILTIN, 6, OP_PUSH_CONST, W(0), OP_CALL, 1, OP_CALL, 1, OP_RETURN));
  CHECK(expect_accept("builtins 0 and 6", &b, &m) == 0);
  if (m.nfuncs == 1) {
    CHECK(m.funcs[0].max_stack == 3);
    CHECK(m.funcs[0].code_len == 12);
    module_free(&m);
  }
  buf_free(&b);

  /* The largest function: 65535 bytes of code. */
  b = (Buf){0};
  empty_pools(&b);
  count(&b, 1);
  uint8_t *big = xmalloc(65535);
  memset(big, OP_NOP, 65533);
  big[65533] = OP_PUSH_NIL;
  big[65534] = OP_RETURN;
  func(&b, "main", 0, 0, 1, big, 65535);
  CHECK(expect_accept("65535 bytes of code", &b, NULL) == 0);
  free(big);
  buf_free(&b);
}

/* ---- Robustness sweeps over a rich valid module ---- */

static void rich_module(Buf *b) {
  header(b);
  count(b, 4);
  cint(b, -3);
  cfloat(b, 0x3ff8000000000000ull);
  cstr(b, "hi\n", 3);
  cfloat(b, CANONICAL_NAN_BITS);
  count(b, 2);
  name(b, "g");
  name(b, "counter");
  count(b, 2);
  func(b, "twice", 1, 1, 2,
       CODE(OP_LOAD_LOCAL, W(0), OP_DUP, OP_ADD, OP_STORE_LOCAL, W(1), OP_LOAD_LOCAL, W(1), OP_RETURN));
  func(b, "main", 0, 1, 2,
       CODE(OP_PUSH_INT, W(0), OP_STORE_LOCAL, W(0),                             /* 0, 3 */
            OP_LOAD_LOCAL, W(0), OP_PUSH_INT, W(4), OP_LT, OP_JUMP_IF_FALSE, W(24), /* 6 .. 13 -> 40 */
            OP_PUSH_FUNC, W(0), OP_LOAD_LOCAL, W(0), OP_CALL, 1, OP_STORE_GLOBAL, W(1), /* 16 .. 24 */
            OP_LOAD_LOCAL, W(0), OP_PUSH_INT, W(1), OP_ADD, OP_STORE_LOCAL, W(0), OP_LOOP, W(34), /* 37 -> 6 */
            OP_PUSH_CONST, W(2), OP_PRINT, OP_PUSH_CONST, W(1), OP_PUSH_CONST, W(3), OP_ARRAY_NEW, W(2),
            OP_LOAD_GLOBAL, W(1), OP_POP, OP_RETURN));
}

/* Builtins: min(ord("A"), 7) through a swap, after a helper that is never called. A
   mutated builtin operand is another builtin (and round-trips) or out of range. */
static void builtins_module(Buf *b) {
  header(b);
  count(b, 1);
  cstr(b, "A", 1);
  count(b, 0);
  count(b, 2);
  func_nil(b, "helper");
  func(b, "main", 0, 0, 3,
       CODE(OP_PUSH_BUILTIN, 6, OP_PUSH_CONST, W(0), OP_CALL, 1,       /* 0, 2, 5 */
            OP_PUSH_BUILTIN, 3, OP_SWAP, OP_PUSH_INT, W(7), OP_CALL, 2, /* 7, 9, 10, 13 */
            OP_RETURN));                                               /* 15 */
}

/* The sweeps below, over the module that build makes (valid, with main second). */
static void sweep(const char *what, Build build) {
  Buf b = {0};
  build(&b);
  Module m;
  CHECK(expect_accept(what, &b, NULL) == 1);
  const uint8_t *base = (const uint8_t *)b.data;

  /* Every proper prefix is rejected, with a located message (no crash, no leak). */
  int prefix_bad = 0;
  for (size_t n = 0; n < b.len; n++) {
    uint8_t *copy = xmalloc(n ? n : 1); /* exact size, so ASan sees any overread */
    memcpy(copy, base, n);
    Diag d;
    memset(&d, 0, sizeof d);
    bool ok = module_load(copy, n, &m, &d);
    if (ok) module_free(&m);
    if (ok || strncmp(d.msg, "module offset ", 14) != 0) {
      if (prefix_bad++ < 5) fprintf(stderr, "%s: prefix of %zu bytes: %s\n", what, n, ok ? "accepted" : d.msg);
    }
    free(copy);
  }
  CHECK_MSG(prefix_bad == 0, "%s: %d prefixes accepted or without a location", what, prefix_bad);

  /* Every single-byte change is either rejected with a message or accepted (and then
     checked for canonical form by test_round_trips). */
  static const int deltas[] = {1, -1, 0x80};
  int mutant_bad = 0, accepted = 0, total = 0;
  for (size_t i = 0; i < b.len; i++) {
    uint8_t vals[6] = {0, 0xff, (uint8_t)(base[i] ^ 1), (uint8_t)(base[i] + deltas[0]), (uint8_t)(base[i] + deltas[1]),
                       (uint8_t)(base[i] ^ deltas[2])};
    for (size_t k = 0; k < ARRAY_LEN(vals); k++) {
      if (vals[k] == base[i]) continue;
      uint8_t *copy = xmalloc(b.len);
      memcpy(copy, base, b.len);
      copy[i] = vals[k];
      Diag d;
      memset(&d, 0, sizeof d);
      total++;
      if (module_load(copy, b.len, &m, &d)) {
        accepted++;
        char mutant[96];
        snprintf(mutant, sizeof mutant, "%s with byte %zu = 0x%02x", what, i, vals[k]);
        remember(mutant, copy, b.len);
        module_free(&m);
      } else if (d.msg[0] == '\0' && mutant_bad++ < 5) {
        fprintf(stderr, "%s: byte %zu = 0x%02x: rejected without a message\n", what, i, vals[k]);
      }
      free(copy);
    }
  }
  CHECK_MSG(mutant_bad == 0, "%s: %d of %d mutants misbehaved", what, mutant_bad, total);
  CHECK_MSG(accepted > 0 && accepted < total, "%s: accepted %d of %d mutants", what, accepted, total);
  buf_free(&b);
}

/* Every prefix and single-byte mutant of a plain module, of one with exception tables
   (mutated offsets and depths are either rejected or round-trip) and of one with
   builtins. */
static void test_sweeps(void) {
  sweep("rich module", rich_module);
  sweep("module with handlers", handlers_module);
  sweep("module with builtins", builtins_module);
}

/* An accepted module must also survive dis then asm with identical bytes. */
static bool round_trips(const uint8_t *bytes, size_t len, const Module *m) {
  Buf text = {0}, again = {0};
  dis_module(m, &text);
  Module m2;
  Diag d;
  bool ok = asm_assemble(text.data, text.len, "dis", &m2, NULL, &d);
  if (ok) {
    module_write(&m2, &again);
    ok = again.len == len && memcmp(again.data, bytes, len) == 0;
    module_free(&m2);
  } else {
    fprintf(stderr, "reassembly failed: %s\n%s", d.msg, text.data);
  }
  buf_free(&text);
  buf_free(&again);
  return ok;
}

static void test_round_trips(void) {
  for (size_t i = 0; i < accepted_len; i++) {
    Accepted *a = &accepted_list[i];
    Module m;
    Diag d;
    memset(&d, 0, sizeof d);
    bool ok = module_load(a->bytes, a->len, &m, &d);
    CHECK_MSG(ok, "%s: no longer loads: %s", a->what, d.msg);
    if (ok) {
      CHECK_MSG(round_trips(a->bytes, a->len, &m), "%s: dis then asm changed the bytes", a->what);
      module_free(&m);
    }
    free(a->bytes);
  }
  free(accepted_list);
}

int main(void) {
  test_reader();
  test_code();
  test_handlers();
  test_accepted();
  test_sweeps();
  /* Report the loader-only results first: the round trips below need the assembler. */
  printf("test_verify: loader and verifier checks done (%d passed, %d failed); %zu accepted modules to round-trip\n",
         check_passed_, check_failed_, accepted_len);
  fflush(stdout);
  test_round_trips();
  return check_summary("test_verify");
}
