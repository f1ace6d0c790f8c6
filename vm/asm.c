/* asm.c: the assembler (syntax in asm.h).
 *
 *   pass 1: read every line; declare globals, functions and explicit constants, so
 *           any instruction may name a function defined later;
 *   pass 2: encode each function's instructions through a code builder
 *           (code_builder.h), which checks operands, places labels and, at .end,
 *           resolves the jumps;
 *   finish: compute each max_stack with the verifier, then verify the module. */
#include "asm.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "builtin.h"
#include "code_builder.h"
#include "opcodes.h"
#include "verify.h"

typedef struct {
  const char *p;  /* start of the token */
  size_t n;
} Tok;

typedef struct {
  const char *src, *name;
  size_t len;
  Diag *d;
  Module *m;
  AsmLabels *labels_out;
  int line;
  bool failed;
  CodeBuilder cb;  /* the function being encoded, and the constant pool's index */
} Asm;

static bool asm_error(Asm *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool asm_error(Asm *a, const char *fmt, ...) {
  if (a->failed) return false;
  char why[240];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  diag_set(a->d, "%s:%d: %s", a->name, a->line, why);
  a->failed = true;
  return false;
}

/* ---- Lines and tokens ---- */

typedef struct {
  const char *p, *end;
} Cursor;

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }
static bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static void skip_space(Cursor *c) {
  while (c->p < c->end && is_space(*c->p)) c->p++;
  if (c->p < c->end && *c->p == ';') c->p = c->end;  /* comment */
}

static bool at_end(Cursor *c) {
  skip_space(c);
  return c->p >= c->end;
}

/* A bare word: identifier characters plus '.', '-', '+' and '=' (numbers, directives,
   key=value). Strings are read by read_string. */
static Tok next_word(Cursor *c) {
  skip_space(c);
  Tok t = {c->p, 0};
  while (c->p < c->end && (is_ident_char(*c->p) || *c->p == '.' || *c->p == '-' || *c->p == '+' || *c->p == '=')) c->p++;
  t.n = (size_t)(c->p - t.p);
  return t;
}

static bool tok_is(Tok t, const char *s) { return name_is(s, t.p, t.n); }

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads "..." with escapes into out. */
static bool read_string(Asm *a, Cursor *c, Buf *out) {
  c->p++;  /* opening quote */
  while (c->p < c->end && *c->p != '"') {
    char ch = *c->p++;
    if (ch != '\\') {
      buf_putc(out, ch);
      continue;
    }
    if (c->p >= c->end) break;
    char e = *c->p++;
    switch (e) {
    case 'n': buf_putc(out, '\n'); break;
    case 't': buf_putc(out, '\t'); break;
    case 'r': buf_putc(out, '\r'); break;
    case '\\': buf_putc(out, '\\'); break;
    case '"': buf_putc(out, '"'); break;
    case 'x': {
      int hi = c->p < c->end ? hex_digit(c->p[0]) : -1;
      int lo = c->p + 1 < c->end ? hex_digit(c->p[1]) : -1;
      if (hi < 0 || lo < 0) return asm_error(a, "\\x needs two hex digits");
      buf_putc(out, (char)(hi * 16 + lo));
      c->p += 2;
      break;
    }
    default: return asm_error(a, "unknown escape '\\%c' (use \\n \\t \\r \\\\ \\\" \\xHH)", e);
    }
  }
  if (c->p >= c->end) return asm_error(a, "unterminated string");
  c->p++;  /* closing quote */
  return true;
}

static bool parse_int(Tok t, int64_t *out) {
  if (t.n == 0 || t.n > 24) return false;
  char tmp[32];
  memcpy(tmp, t.p, t.n);
  tmp[t.n] = '\0';
  size_t i = tmp[0] == '-' ? 1 : 0;
  if (i == t.n) return false;
  for (size_t j = i; j < t.n; j++)
    if (tmp[j] < '0' || tmp[j] > '9') return false;
  errno = 0;
  long long v = strtoll(tmp, NULL, 10);
  if (errno == ERANGE) return false;
  *out = v;
  return true;
}

/* nan, inf, -inf, or a decimal with a '.' or an exponent. */
static bool parse_float(Tok t, double *out) {
  if (tok_is(t, "nan")) {
    uint64_t bits = CANONICAL_NAN_BITS;
    memcpy(out, &bits, sizeof bits);
    return true;
  }
  if (tok_is(t, "inf")) return *out = INFINITY, true;
  if (tok_is(t, "-inf")) return *out = -INFINITY, true;
  if (t.n == 0 || t.n > 64) return false;
  char tmp[72];
  memcpy(tmp, t.p, t.n);
  tmp[t.n] = '\0';
  bool has_digit = false, has_mark = false;
  for (size_t i = 0; i < t.n; i++) {
    char ch = tmp[i];
    if (ch >= '0' && ch <= '9') has_digit = true;
    else if (ch == '.' || ch == 'e' || ch == 'E') has_mark = true;
    else if (ch != '-' && ch != '+') return false;
  }
  if (!has_digit || !has_mark) return false;
  char *end;
  *out = strtod(tmp, &end);
  return *end == '\0' && !isinf(*out);  /* 1e400 is out of range: write inf */
}

/* Reads a literal for .const or push_const. */
static bool read_literal(Asm *a, Cursor *c, Constant *k) {
  memset(k, 0, sizeof *k);
  skip_space(c);
  if (c->p < c->end && *c->p == '"') {
    Buf b = {0};
    if (!read_string(a, c, &b)) {
      buf_free(&b);
      return false;
    }
    if (b.len > UINT32_MAX) return asm_error(a, "string too long");
    k->kind = CONST_STRING;
    k->len = (uint32_t)b.len;
    k->s = b.data ? b.data : xstrndup("", 0);
    return true;
  }
  Tok t = next_word(c);
  if (parse_int(t, &k->i)) {
    k->kind = CONST_INT;
    return true;
  }
  if (parse_float(t, &k->f)) {
    k->kind = CONST_FLOAT;
    return true;
  }
  return asm_error(a, "expected a literal (int, float or \"string\"), found '%.*s'", (int)t.n, t.p);
}

bool asm_parse_literal(const char *text, size_t len, Constant *out) {
  Asm a = {.src = text, .name = "<literal>", .len = len};
  Cursor c = {text, text + len};
  if (!read_literal(&a, &c, out)) return false;
  if (at_end(&c)) return true;
  free(out->s);
  return false;
}

/* ---- Constant interning ---- */

/* Index of k in the pool; appends it (taking ownership of k->s) if new, else frees k. */
static bool intern_const(Asm *a, Constant *k, bool must_be_new, uint32_t *index) {
  switch (cb_const(&a->cb, k, must_be_new, index)) {
  case CB_OK: return true;
  case CB_CONST_TWICE: return asm_error(a, "constant declared twice");
  case CB_POOL_FULL: return asm_error(a, "more than %u constants", MODULE_MAX_ITEMS);
  default: UNREACHABLE();
  }
}

/* ---- Names ---- */

static int64_t find_name(char *const *names, size_t stride, uint32_t n, Tok t) {
  for (uint32_t i = 0; i < n; i++) {
    const char *s = *(char *const *)((const char *)names + i * stride);
    if (name_is(s, t.p, t.n)) return i;
  }
  return -1;
}

static bool read_name(Asm *a, Cursor *c, const char *what, Tok *t) {
  *t = next_word(c);
  if (!module_is_identifier(t->p, t->n))
    return asm_error(a, "expected a %s name, found '%.*s'", what, (int)t->n, t->p);
  return true;
}

/* ---- Lines ---- */

/* Calls fn for each line; fn sees a cursor over the line without its newline. */
typedef bool (*LineFn)(Asm *a, Cursor *c, void *ctx);

static bool for_each_line(Asm *a, LineFn fn, void *ctx) {
  const char *p = a->src, *end = a->src + a->len;
  a->line = 0;
  while (p < end && !a->failed) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    a->line++;
    for (const char *q = p; q < le; q++)
      if (*q == '\0') return asm_error(a, "NUL byte in source");
    Cursor c = {p, le};
    if (!fn(a, &c, ctx)) return false;
    p = nl ? nl + 1 : end;
  }
  return !a->failed;
}

/* Strips a leading "label:" and returns it (n == 0 if none). */
static Tok take_label(Cursor *c) {
  skip_space(c);
  const char *q = c->p;
  while (q < c->end && is_ident_char(*q)) q++;
  if (q > c->p && q < c->end && *q == ':') {
    Tok t = {c->p, (size_t)(q - c->p)};
    c->p = q + 1;
    return t;
  }
  return (Tok){NULL, 0};
}

static bool read_count(Asm *a, Tok t, const char *key, uint32_t max, uint32_t *out) {
  size_t k = strlen(key);
  int64_t v;
  Tok num = {t.p + k, t.n - k};
  if (!parse_int(num, &v) || v < 0 || v > (int64_t)max)
    return asm_error(a, "%s must be an integer in 0..%u", key, max);
  *out = (uint32_t)v;
  return true;
}

/* Pass 1: declarations. */
static bool declare(Asm *a, Cursor *c, void *ctx) {
  (void)ctx;
  Module *m = a->m;
  take_label(c);
  if (at_end(c) || *c->p != '.') return true;
  Tok d = next_word(c);
  Tok name;
  if (tok_is(d, ".global")) {
    if (!read_name(a, c, "global", &name)) return false;
    if (find_name(m->globals, sizeof(char *), m->nglobals, name) >= 0)
      return asm_error(a, "global '%.*s' declared twice", (int)name.n, name.p);
    if (m->nglobals >= MODULE_MAX_ITEMS) return asm_error(a, "more than %u globals", MODULE_MAX_ITEMS);
    m->globals = xrealloc(m->globals, sizeof(char *) * (m->nglobals + 1));
    m->globals[m->nglobals++] = xstrndup(name.p, name.n);
  } else if (tok_is(d, ".const")) {
    Constant k;
    uint32_t index;
    if (!read_literal(a, c, &k) || !intern_const(a, &k, true, &index)) return false;
  } else if (tok_is(d, ".func")) {
    if (!read_name(a, c, "function", &name)) return false;
    if (m->nfuncs && find_name(&m->funcs[0].name, sizeof(Function), m->nfuncs, name) >= 0)
      return asm_error(a, "function '%.*s' defined twice", (int)name.n, name.p);
    if (m->nfuncs >= MODULE_MAX_ITEMS) return asm_error(a, "more than %u functions", MODULE_MAX_ITEMS);
    m->funcs = xrealloc(m->funcs, sizeof(Function) * (m->nfuncs + 1));
    Function *f = &m->funcs[m->nfuncs++];
    memset(f, 0, sizeof *f);
    f->name = xstrndup(name.p, name.n);
    while (!at_end(c)) {
      Tok kv = next_word(c);
      if (kv.n > 7 && memcmp(kv.p, "params=", 7) == 0) {
        if (!read_count(a, kv, "params=", 255, &f->nparams)) return false;
      } else if (kv.n > 7 && memcmp(kv.p, "locals=", 7) == 0) {
        if (!read_count(a, kv, "locals=", 65535, &f->nlocals)) return false;
      } else {
        return asm_error(a, "expected params=N or locals=N, found '%.*s'", (int)kv.n, kv.p);
      }
    }
    return true;
  } else if (tok_is(d, ".try")) {
    return true;  /* a function's exception table: pass 2 */
  } else if (!tok_is(d, ".end")) {
    return asm_error(a, "unknown directive '%.*s'", (int)d.n, d.p);
  }
  if (!at_end(c)) return asm_error(a, "unexpected text after %.*s", (int)d.n, d.p);
  return true;
}

/* Pass 2 state: the function being encoded (its code and labels are in a->cb). */
typedef struct {
  int64_t func;  /* -1 outside a function */
  int func_line; /* where it started */
  uint32_t next_func;
  char **label_names;  /* by the builder's label number: each label named so far */
  uint32_t *placed;    /* the labels placed so far, in order (for AsmLabels) */
  uint32_t nnames, nplaced, names_cap;
} Emit;

static int64_t find_label(Emit *e, const char *name, size_t n) {
  for (uint32_t i = 0; i < e->nnames; i++)
    if (name_is(e->label_names[i], name, n)) return (int64_t)i;
  return -1;
}

/* The builder's label named t, made at its first mention. */
static uint32_t label_named(Asm *a, Emit *e, Tok t) {
  int64_t li = find_label(e, t.p, t.n);
  if (li >= 0) return (uint32_t)li;
  if (e->nnames == e->names_cap) {
    e->names_cap = e->names_cap ? e->names_cap * 2 : 16;
    e->label_names = xrealloc(e->label_names, sizeof(char *) * e->names_cap);
    e->placed = xrealloc(e->placed, sizeof(uint32_t) * e->names_cap);
  }
  uint32_t label = cb_label(&a->cb);
  ASSERT(label == e->nnames, "one name per label of the function");
  e->label_names[e->nnames++] = xstrndup(t.p, t.n);
  return label;
}

static void reset_function(Emit *e) {
  for (uint32_t i = 0; i < e->nnames; i++) free(e->label_names[i]);
  e->nnames = e->nplaced = 0;
}

static bool end_function(Asm *a, Emit *e) {
  Function *f = &a->m->funcs[e->func];
  if (cb_length(&a->cb) == 0) return asm_error(a, "function '%s' has no instructions", f->name);
  CbJump bad;
  CbStatus s = cb_end(&a->cb, f, &bad);
  if (s != CB_OK && s != CB_TOO_LONG) {
    const char *label = e->label_names[bad.label];
    a->line = bad.line;  /* a jump's error names the jump's own line */
    switch (s) {
    case CB_HANDLER_LABEL: return asm_error(a, "undefined label '%s' in .try", label);
    case CB_UNDEFINED_LABEL: return asm_error(a, "undefined label '%s'", label);
    case CB_LOOP_FORWARD: return asm_error(a, "loop to '%s' goes forward (use jump)", label);
    case CB_JUMP_BACKWARD: return asm_error(a, "jump to '%s' goes backward (use loop)", label);
    case CB_TOO_FAR: return asm_error(a, "jump to '%s' is too far", label);
    default: UNREACHABLE();
    }
  }
  if (s == CB_TOO_LONG) return asm_error(a, "function '%s' is longer than %u bytes", f->name, MODULE_MAX_CODE);
  if (a->labels_out) {
    for (uint32_t i = 0; i < e->nplaced; i++) {
      AsmLabels *L = a->labels_out;
      if (L->len == L->cap) {
        L->cap = L->cap ? L->cap * 2 : 16;
        L->items = xrealloc(L->items, sizeof(AsmLabel) * L->cap);
      }
      uint32_t label = e->placed[i];
      L->items[L->len++] =
          (AsmLabel){xstrndup(f->name, strlen(f->name)), e->label_names[label], cb_label_offset(&a->cb, label)};
      e->label_names[label] = NULL;
    }
  }
  reset_function(e);
  e->func = -1;
  return true;
}

/* Reads op's operand and appends op with it (the code has room: emit_line checked). */
static bool encode_instruction(Asm *a, Emit *e, Cursor *c, Opcode op) {
  Module *m = a->m;
  OperandFormat fmt = op_info[op].format;
  int64_t v = 0;
  Tok t;
  switch (fmt) {
  case FMT_NONE: break;
  case FMT_I16:
  case FMT_LOCAL:
  case FMT_ARGC:
  case FMT_COUNT:
    t = next_word(c);
    if (!parse_int(t, &v) || cb_emit(&a->cb, op, v) == CB_OUT_OF_RANGE)
      return asm_error(a, "%s needs an integer in %lld..%lld, found '%.*s'", op_info[op].name,
                       (long long)format_min(fmt), (long long)format_max(fmt), (int)t.n, t.p);
    return true;
  case FMT_CONST: {
    Constant k;
    uint32_t index;
    if (!read_literal(a, c, &k) || !intern_const(a, &k, false, &index)) return false;
    v = index;
    break;
  }
  case FMT_NAME: {
    if (!read_name(a, c, "attribute or class", &t)) return false;
    Constant k = {CONST_STRING, 0, 0, xstrndup(t.p, t.n), (uint32_t)t.n};
    uint32_t index;
    if (!intern_const(a, &k, false, &index)) return false;
    v = index;
    break;
  }
  case FMT_FUNC:
    if (!read_name(a, c, "function", &t)) return false;
    v = find_name(&m->funcs[0].name, sizeof(Function), m->nfuncs, t);
    if (v < 0) return asm_error(a, "unknown function '%.*s'", (int)t.n, t.p);
    break;
  case FMT_BUILTIN:
    if (!read_name(a, c, "builtin", &t)) return false;
    v = find_name((char *const *)builtin_name, sizeof(char *), BUILTIN__COUNT, t);
    if (v < 0) return asm_error(a, "unknown builtin '%.*s' (docs/semantics.md section 28)", (int)t.n, t.p);
    break;
  case FMT_GLOBAL:
    if (!read_name(a, c, "global", &t)) return false;
    v = find_name(m->globals, sizeof(char *), m->nglobals, t);
    if (v < 0) return asm_error(a, "unknown global '%.*s' (declare it with .global)", (int)t.n, t.p);
    break;
  case FMT_JUMP:
  case FMT_LOOP:
    if (!read_name(a, c, "label", &t)) return false;
    if (cb_emit_jump(&a->cb, op, label_named(a, e, t), a->line) != CB_OK) UNREACHABLE();
    return true;
  case FMT__COUNT: UNREACHABLE();
  }
  /* Pool, function and global indices are below MODULE_MAX_ITEMS, builtins below
     BUILTIN__COUNT: always in range. */
  if (cb_emit(&a->cb, op, v) != CB_OK) UNREACHABLE();
  return true;
}

/* `.try START END HANDLER`: the function's next exception table entry (labels). */
static bool try_directive(Asm *a, Emit *e, Cursor *c) {
  if (e->func < 0) return asm_error(a, ".try outside a function");
  uint32_t l[3];
  static const char *const what[3] = {"range start label", "range end label", "handler label"};
  for (int i = 0; i < 3; i++) {
    Tok t;
    if (!read_name(a, c, what[i], &t)) return false;
    l[i] = label_named(a, e, t);
  }
  if (!at_end(c)) return asm_error(a, "unexpected text after .try");
  cb_handler(&a->cb, l[0], l[1], l[2], a->line);
  return true;
}

static bool emit_line(Asm *a, Cursor *c, void *ctx) {
  Emit *e = ctx;
  Tok label = take_label(c);
  if (label.n) {
    if (e->func < 0) return asm_error(a, "label '%.*s' outside a function", (int)label.n, label.p);
    uint32_t l = label_named(a, e, label);
    if (cb_place(&a->cb, l) == CB_LABEL_TWICE)
      return asm_error(a, "label '%.*s' defined twice", (int)label.n, label.p);
    e->placed[e->nplaced++] = l;
  }
  if (at_end(c)) return true;
  if (*c->p == '.') {
    Tok d = next_word(c);
    if (tok_is(d, ".func")) {
      if (e->func >= 0) return asm_error(a, ".func inside function '%s' (missing .end)", a->m->funcs[e->func].name);
      e->func = e->next_func++;
      e->func_line = a->line;
      cb_begin(&a->cb);
    } else if (tok_is(d, ".end")) {
      if (e->func < 0) return asm_error(a, ".end outside a function");
      return end_function(a, e);
    } else if (tok_is(d, ".try")) {
      return try_directive(a, e, c);
    } else if (e->func >= 0) {
      return asm_error(a, "%.*s inside a function", (int)d.n, d.p);
    }
    return true;  /* declarations were handled in pass 1 */
  }
  Tok mn = next_word(c);
  int op = op_from_name(mn.p, mn.n);
  if (op < 0) return asm_error(a, "unknown instruction '%.*s'", (int)mn.n, mn.p);
  if (e->func < 0) return asm_error(a, "instruction outside a function");
  if (cb_length(&a->cb) + op_length(op) > MODULE_MAX_CODE)
    return asm_error(a, "function '%s' is longer than %u bytes", a->m->funcs[e->func].name, MODULE_MAX_CODE);
  if (!encode_instruction(a, e, c, op)) return false;
  if (!at_end(c)) return asm_error(a, "unexpected text after instruction: '%.*s'", (int)(c->end - c->p), c->p);
  return true;
}

bool asm_assemble(const char *src, size_t len, const char *name, Module *out, AsmLabels *labels, Diag *d) {
  memset(out, 0, sizeof *out);
  Asm a = {.src = src, .name = name ? name : "<input>", .len = len, .d = d, .m = out, .labels_out = labels};
  cb_init(&a.cb, out);
  Emit e = {.func = -1};
  bool ok = for_each_line(&a, declare, NULL) && for_each_line(&a, emit_line, &e);
  if (ok && e.func >= 0) {
    a.line = e.func_line;
    ok = asm_error(&a, "function '%s' has no .end", out->funcs[e.func].name);
  }
  if (ok && out->nfuncs == 0) ok = asm_error(&a, "no functions (a function 'main' is required)");
  if (ok) ok = verify_finish(out, d);
  if (!ok && !a.failed && d) {  /* a verifier message: say which file it is about */
    char msg[sizeof d->msg];
    snprintf(msg, sizeof msg, "%s", d->msg);
    diag_set(d, "%s: %s", a.name, msg);
  }
  reset_function(&e);
  free(e.label_names);
  free(e.placed);
  cb_free(&a.cb);
  if (!ok) {
    module_free(out);
    if (labels) asm_labels_free(labels);
  }
  return ok;
}

void asm_labels_free(AsmLabels *labels) {
  for (size_t i = 0; i < labels->len; i++) {
    free(labels->items[i].func);
    free(labels->items[i].label);
  }
  free(labels->items);
  memset(labels, 0, sizeof *labels);
}
