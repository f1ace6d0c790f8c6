/* module.c: reading and writing the binary module format (layout in module.h). */
#include "module.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "verify.h"

void diag_set(Diag *d, const char *fmt, ...) {
  if (!d) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  va_end(ap);
}

bool module_is_identifier(const char *s, size_t n) {
  if (n == 0 || n > MODULE_MAX_NAME) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

static uint64_t float_bits(double f) {
  uint64_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

bool const_equal(const Constant *a, const Constant *b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case CONST_INT: return a->i == b->i;
  case CONST_FLOAT: return float_bits(a->f) == float_bits(b->f);
  case CONST_STRING: return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
  }
  return false;
}

int64_t module_find_const(const Module *m, const Constant *c) {
  for (uint32_t i = 0; i < m->nconsts; i++)
    if (const_equal(&m->consts[i], c)) return i;
  return -1;
}

int64_t module_intern_const(Module *m, const Constant *c) {
  int64_t k = module_find_const(m, c);
  if (k >= 0) return k;
  if (m->nconsts >= MODULE_MAX_ITEMS) return -1;
  m->consts = xrealloc(m->consts, sizeof(Constant) * (m->nconsts + 1));
  Constant *n = &m->consts[m->nconsts];
  *n = *c;
  if (c->kind == CONST_STRING) n->s = xstrndup(c->s, c->len);
  return m->nconsts++;
}

/* ---- Duplicate detection: sort pointers, compare neighbours (O(n log n)). ---- */

static int const_order(const void *pa, const void *pb) {
  const Constant *a = *(const Constant *const *)pa, *b = *(const Constant *const *)pb;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  switch (a->kind) {
  case CONST_INT: return a->i < b->i ? -1 : a->i > b->i;
  case CONST_FLOAT: {
    uint64_t x = float_bits(a->f), y = float_bits(b->f);
    return x < y ? -1 : x > y;
  }
  case CONST_STRING: {
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len;
  }
  }
  return 0;
}

static int name_order(const void *pa, const void *pb) {
  return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* Returns the first duplicated name, or NULL. */
static const char *find_duplicate_name(char *const *names, size_t stride, uint32_t n) {
  const char **sorted = xmalloc(sizeof(char *) * (n ? n : 1));
  for (uint32_t i = 0; i < n; i++) sorted[i] = *(char *const *)((const char *)names + i * stride);
  qsort(sorted, n, sizeof(char *), name_order);
  const char *dup = NULL;
  for (uint32_t i = 1; i < n && !dup; i++)
    if (strcmp(sorted[i - 1], sorted[i]) == 0) dup = sorted[i];
  free(sorted);
  return dup;
}

/* ---- Reader ---- */

typedef struct {
  const uint8_t *p;
  size_t len, pos;
  Diag *d;
  bool failed;
} Reader;

static bool rd_fail(Reader *r, const char *what) {
  if (!r->failed) diag_set(r->d, "module offset %zu: %s", r->pos, what);
  r->failed = true;
  return false;
}

static bool rd_bytes(Reader *r, size_t n, const uint8_t **out, const char *what) {
  if (r->failed) return false;
  if (r->len - r->pos < n) {
    char msg[200];
    snprintf(msg, sizeof msg, "truncated: %s needs %zu byte%s, %zu left", what, n, n == 1 ? "" : "s", r->len - r->pos);
    return rd_fail(r, msg);
  }
  *out = r->p + r->pos;
  r->pos += n;
  return true;
}

static uint64_t rd_uint(Reader *r, size_t n, const char *what) {
  const uint8_t *b;
  if (!rd_bytes(r, n, &b, what)) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) v |= (uint64_t)b[i] << (8 * i);
  return v;
}

static char *rd_name(Reader *r, const char *what) {
  size_t at = r->pos;
  uint32_t n = (uint32_t)rd_uint(r, 1, what);
  const uint8_t *b;
  if (!rd_bytes(r, n, &b, what)) return NULL;
  if (!module_is_identifier((const char *)b, n)) {
    r->pos = at;
    char msg[120];
    snprintf(msg, sizeof msg, "%s is not an identifier ([A-Za-z_][A-Za-z0-9_]*, 1-255 bytes)", what);
    rd_fail(r, msg);
    return NULL;
  }
  return xstrndup((const char *)b, n);
}

static uint32_t rd_count(Reader *r, const char *what) {
  size_t at = r->pos;
  uint32_t n = (uint32_t)rd_uint(r, 4, what);
  if (r->failed) return 0;
  if (n > MODULE_MAX_ITEMS) {
    r->pos = at;
    char msg[120];
    snprintf(msg, sizeof msg, "%s %u exceeds the limit of %u", what, n, MODULE_MAX_ITEMS);
    rd_fail(r, msg);
    return 0;
  }
  /* Every item takes at least one byte: a count larger than what is left is a lie. */
  if (n > r->len - r->pos) {
    r->pos = at;
    char msg[120];
    snprintf(msg, sizeof msg, "%s %u is larger than the %zu bytes that follow", what, n, r->len - r->pos - 4);
    rd_fail(r, msg);
    return 0;
  }
  return n;
}

static bool read_constants(Reader *r, Module *m) {
  m->nconsts = rd_count(r, "constant count");
  if (r->failed) return false;
  m->consts = xcalloc(m->nconsts, sizeof(Constant));
  for (uint32_t i = 0; i < m->nconsts; i++) {
    Constant *c = &m->consts[i];
    size_t at = r->pos;
    uint8_t kind = (uint8_t)rd_uint(r, 1, "constant kind");
    if (r->failed) return false;
    switch (kind) {
    case CONST_INT:
      c->kind = CONST_INT;
      c->i = (int64_t)rd_uint(r, 8, "int constant");
      break;
    case CONST_FLOAT: {
      c->kind = CONST_FLOAT;
      uint64_t bits = rd_uint(r, 8, "float constant");
      memcpy(&c->f, &bits, sizeof bits);
      if (!r->failed && isnan(c->f) && bits != CANONICAL_NAN_BITS) {
        r->pos = at;
        return rd_fail(r, "NaN constant is not the canonical NaN 0x7ff8000000000000");
      }
      break;
    }
    case CONST_STRING: {
      c->kind = CONST_STRING;
      uint32_t n = (uint32_t)rd_uint(r, 4, "string constant length");
      const uint8_t *b;
      if (!rd_bytes(r, n, &b, "string constant")) return false;
      c->s = xstrndup((const char *)b, n);
      c->len = n;
      break;
    }
    default: {
      r->pos = at;
      char msg[80];
      snprintf(msg, sizeof msg, "unknown constant kind %u (1 int, 2 float, 3 string)", kind);
      return rd_fail(r, msg);
    }
    }
    if (r->failed) return false;
  }
  /* Unique constants: asm interns literals, so a duplicate could not round-trip. */
  const Constant **sorted = xmalloc(sizeof(Constant *) * (m->nconsts ? m->nconsts : 1));
  for (uint32_t i = 0; i < m->nconsts; i++) sorted[i] = &m->consts[i];
  qsort(sorted, m->nconsts, sizeof(Constant *), const_order);
  for (uint32_t i = 1; i < m->nconsts; i++)
    if (const_order(&sorted[i - 1], &sorted[i]) == 0) {
      uint32_t a = (uint32_t)(sorted[i - 1] - m->consts), b = (uint32_t)(sorted[i] - m->consts);
      diag_set(r->d, "constant %u duplicates constant %u", a > b ? a : b, a < b ? a : b);
      free(sorted);
      return false;
    }
  free(sorted);
  return true;
}

static bool read_globals(Reader *r, Module *m) {
  uint32_t n = rd_count(r, "global count");
  if (r->failed) return false;
  m->globals = xcalloc(n, sizeof(char *));
  for (uint32_t i = 0; i < n; i++) {
    m->globals[i] = rd_name(r, "global name");
    if (r->failed) return false;
    m->nglobals = i + 1;
  }
  const char *dup = find_duplicate_name(m->globals, sizeof(char *), m->nglobals);
  if (dup) {
    diag_set(r->d, "global '%s' is declared twice", dup);
    return false;
  }
  return true;
}

/* The exception table: its offsets are checked against the code by the verifier. */
static bool read_handlers(Reader *r, Function *f) {
  size_t at = r->pos;
  f->nhandlers = (uint32_t)rd_uint(r, 2, "handler count");
  if (r->failed) return false;
  if ((size_t)f->nhandlers * 8 > r->len - r->pos) {
    r->pos = at;
    return rd_fail(r, "handler table is truncated");
  }
  f->handlers = xcalloc(f->nhandlers ? f->nhandlers : 1, sizeof(Handler));
  for (uint32_t i = 0; i < f->nhandlers; i++) {
    Handler *h = &f->handlers[i];
    h->start = (uint32_t)rd_uint(r, 2, "handler range start");
    h->end = (uint32_t)rd_uint(r, 2, "handler range end");
    h->handler = (uint32_t)rd_uint(r, 2, "handler offset");
    h->depth = (uint32_t)rd_uint(r, 2, "handler stack depth");
  }
  return !r->failed;
}

static bool read_functions(Reader *r, Module *m) {
  uint32_t n = rd_count(r, "function count");
  if (r->failed) return false;
  if (n == 0) {
    diag_set(r->d, "module has no functions (a function 'main' is required)");
    return false;
  }
  m->funcs = xcalloc(n, sizeof(Function));
  for (uint32_t i = 0; i < n; i++) {
    Function *f = &m->funcs[i];
    f->name = rd_name(r, "function name");
    if (r->failed) return false;
    m->nfuncs = i + 1;
    f->nparams = (uint32_t)rd_uint(r, 1, "parameter count");
    f->nlocals = (uint32_t)rd_uint(r, 2, "local count");
    f->max_stack = (uint32_t)rd_uint(r, 2, "maximum stack depth");
    size_t at = r->pos;
    f->code_len = (uint32_t)rd_uint(r, 4, "code length");
    if (r->failed) return false;
    if (f->code_len == 0 || f->code_len > MODULE_MAX_CODE) {
      r->pos = at;
      char msg[120];
      snprintf(msg, sizeof msg, "function '%s': code length %u is not in 1..%u", f->name, f->code_len,
               MODULE_MAX_CODE);
      return rd_fail(r, msg);
    }
    const uint8_t *code;
    if (!rd_bytes(r, f->code_len, &code, "function code")) return false;
    f->code = xmalloc(f->code_len);
    memcpy(f->code, code, f->code_len);
    if (!read_handlers(r, f)) return false;
  }
  const char *dup = find_duplicate_name(&m->funcs[0].name, sizeof(Function), m->nfuncs);
  if (dup) {
    diag_set(r->d, "function '%s' is defined twice", dup);
    return false;
  }
  return true;
}

bool module_read(const uint8_t *bytes, size_t len, Module *m, Diag *d) {
  memset(m, 0, sizeof *m);
  Reader r = {bytes, len, 0, d, false};
  const uint8_t *magic;
  if (!rd_bytes(&r, 4, &magic, "magic") || memcmp(magic, MODULE_MAGIC, 4) != 0) {
    r.pos = 0;
    if (!r.failed) rd_fail(&r, "bad magic (not a Tessera module: expected \"" MODULE_MAGIC "\")");
    goto fail;
  }
  size_t at = r.pos;
  uint32_t version = (uint32_t)rd_uint(&r, 2, "version");
  if (!r.failed && version != MODULE_VERSION) {
    r.pos = at;
    char msg[120];
    snprintf(msg, sizeof msg, "unsupported version %u (this VM reads version %u: %s)", version, MODULE_VERSION,
             version < MODULE_VERSION ? "assemble the module again" : "the module is from a newer Tessera");
    rd_fail(&r, msg);
    goto fail;
  }
  at = r.pos;
  uint32_t flags = (uint32_t)rd_uint(&r, 2, "flags");
  if (!r.failed && flags != 0) {
    r.pos = at;
    rd_fail(&r, "flags must be zero");
    goto fail;
  }
  if (r.failed || !read_constants(&r, m) || !read_globals(&r, m) || !read_functions(&r, m)) goto fail;
  if (r.pos != len) {
    rd_fail(&r, "trailing bytes after the last function");
    goto fail;
  }
  return true;
fail:
  module_free(m);
  return false;
}

bool module_load(const uint8_t *bytes, size_t len, Module *m, Diag *d) {
  if (!module_read(bytes, len, m, d)) return false;
  if (!verify_module(m, d)) {
    module_free(m);
    return false;
  }
  return true;
}

/* ---- Writer ---- */

void module_write(const Module *m, Buf *out) {
  buf_append(out, MODULE_MAGIC, 4);
  buf_u16(out, MODULE_VERSION);
  buf_u16(out, 0);
  buf_u32(out, m->nconsts);
  for (uint32_t i = 0; i < m->nconsts; i++) {
    const Constant *c = &m->consts[i];
    buf_u8(out, (uint8_t)c->kind);
    switch (c->kind) {
    case CONST_INT: buf_u64(out, (uint64_t)c->i); break;
    case CONST_FLOAT: buf_u64(out, float_bits(c->f)); break;
    case CONST_STRING:
      buf_u32(out, c->len);
      buf_append(out, c->s, c->len);
      break;
    }
  }
  buf_u32(out, m->nglobals);
  for (uint32_t i = 0; i < m->nglobals; i++) {
    buf_u8(out, (uint8_t)strlen(m->globals[i]));
    buf_puts(out, m->globals[i]);
  }
  buf_u32(out, m->nfuncs);
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    const Function *f = &m->funcs[i];
    buf_u8(out, (uint8_t)strlen(f->name));
    buf_puts(out, f->name);
    buf_u8(out, (uint8_t)f->nparams);
    buf_u16(out, (uint16_t)f->nlocals);
    buf_u16(out, (uint16_t)f->max_stack);
    buf_u32(out, f->code_len);
    buf_append(out, f->code, f->code_len);
    buf_u16(out, (uint16_t)f->nhandlers);
    for (uint32_t h = 0; h < f->nhandlers; h++) {
      buf_u16(out, (uint16_t)f->handlers[h].start);
      buf_u16(out, (uint16_t)f->handlers[h].end);
      buf_u16(out, (uint16_t)f->handlers[h].handler);
      buf_u16(out, (uint16_t)f->handlers[h].depth);
    }
  }
}

void module_free(Module *m) {
  for (uint32_t i = 0; i < m->nconsts; i++) free(m->consts[i].s);
  free(m->consts);
  for (uint32_t i = 0; i < m->nglobals; i++) free(m->globals[i]);
  free(m->globals);
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    free(m->funcs[i].name);
    free(m->funcs[i].code);
    free(m->funcs[i].handlers);
  }
  free(m->funcs);
  memset(m, 0, sizeof *m);
}
