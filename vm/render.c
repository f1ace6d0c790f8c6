/* render.c: canonical value text (rules in render.h). */
#include "render.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "decimal.h"

int render_float(double f, char *buf) {
  if (isnan(f)) return (int)(strcpy(buf, "nan"), 3);
  if (isinf(f)) return f > 0 ? (int)(strcpy(buf, "inf"), 3) : (int)(strcpy(buf, "-inf"), 4);
  /* An integer below 2^53 in magnitude is its digits and ".0" (positional: fewer than 16
     digits); programs print such floats all the time. -0.0 keeps its sign. */
  if (fabs(f) < 9007199254740992.0 && f == (double)(int64_t)f) {
    int n = f == 0 && signbit(f) ? (int)(strcpy(buf, "-0"), 2) : format_i64(buf, (int64_t)f);
    strcpy(buf + n, ".0");
    return n + 2;
  }
  char digits[17];
  int exp10, d = decimal_shortest(f, digits, &exp10);
  char *p = buf;
  if (f < 0) *p++ = '-';
  if (exp10 < -4 || exp10 >= 16) { /* scientific, as "%.*e": d.ddde+XX */
    *p++ = digits[0];
    if (d > 1) {
      *p++ = '.';
      memcpy(p, digits + 1, (size_t)d - 1);
      p += d - 1;
    }
    *p++ = 'e';
    *p++ = exp10 < 0 ? '-' : '+';
    int a = abs(exp10);
    if (a >= 100) *p++ = (char)('0' + a / 100);
    *p++ = (char)('0' + a / 10 % 10);
    *p++ = (char)('0' + a % 10);
  } else if (exp10 >= 0) { /* ddd.ddd, or ddd00.0 */
    for (int i = 0; i <= exp10; i++) *p++ = i < d ? digits[i] : '0';
    *p++ = '.';
    if (d > exp10 + 1) {
      memcpy(p, digits + exp10 + 1, (size_t)(d - exp10 - 1));
      p += d - exp10 - 1;
    } else {
      *p++ = '0';
    }
  } else { /* 0.000ddd */
    *p++ = '0';
    *p++ = '.';
    for (int i = -1; i > exp10; i--) *p++ = '0';
    memcpy(p, digits, (size_t)d);
    p += d;
  }
  *p = '\0';
  return (int)(p - buf);
}

typedef struct {
  const Module *m;
  const ShapeTable *shapes;
  Buf *out;
  size_t start;
  uint64_t cap;
  const Obj *path[RENDER_MAX_DEPTH];  /* arrays and instances being printed, outermost first */
  int depth;
} Renderer;

static bool over(Renderer *r) { return r->out->len - r->start > r->cap; }

static bool render(Renderer *r, Value v, RenderMode mode) {
  char tmp[40];
  switch (v.kind) {
  case VAL_NIL: buf_puts(r->out, "nil"); break;
  case VAL_BOOL: buf_puts(r->out, v.as.b ? "true" : "false"); break;
  case VAL_INT:
    buf_put_i64(r->out, v.as.i);
    break;
  case VAL_FLOAT:
    render_float(v.as.f, tmp);
    buf_puts(r->out, tmp);
    break;
  case VAL_FUNC:
    buf_printf(r->out, "<function %s>", r->m->funcs[v.as.fn].name);
    break;
  case VAL_BUILTIN:
    buf_printf(r->out, "<builtin %s>", builtin_name[v.as.fn]);
    break;
  case VAL_OBJ:
    if (is_string(v)) {
      ObjString *s = as_string(v);
      /* Copy no more than one byte past the cap: a huge string costs nothing. */
      uint64_t room = r->cap - (r->out->len - r->start);
      uint32_t n = (uint64_t)s->len > room ? (uint32_t)room + 1 : s->len;
      if (mode == RENDER_STR)
        buf_append(r->out, s->chars, n);
      else
        buf_quote(r->out, s->chars, n);
    } else if (is_class(v)) {
      buf_printf(r->out, "<class %s>", r->m->consts[as_class(v)->name].s);
    } else if (is_iter(v)) {
      buf_puts(r->out, "<iterator>");
    } else if (is_cell(v)) {
      buf_puts(r->out, "<cell>");
    } else if (is_closure(v)) {
      buf_printf(r->out, "<closure %s>", r->m->funcs[as_closure(v)->fn].name);
    } else {
      const Obj *o = v.as.obj;
      bool seen = r->depth >= RENDER_MAX_DEPTH;
      for (int i = 0; i < r->depth && !seen; i++) seen = r->path[i] == o;
      if (is_instance(v)) buf_puts(r->out, r->m->consts[as_instance(v)->cls->name].s);
      /* Cycles and depth: [...] for an array, {...} for a map or NAME{...} for an
         instance. */
      if (seen) {
        buf_puts(r->out, is_array(v) ? "[...]" : "{...}");
        break;
      }
      r->path[r->depth++] = o;
      if (is_array(v)) {
        const ObjArray *a = as_array(v);
        buf_putc(r->out, '[');
        for (uint32_t i = 0; i < a->len; i++) {
          if (i) buf_puts(r->out, ", ");
          if (!render(r, a->items[i], RENDER_REPR) || over(r)) return false;
        }
        buf_putc(r->out, ']');
      } else if (is_map(v)) {
        const ObjMap *m = as_map(v);
        buf_putc(r->out, '{');
        bool first = true;
        for (uint32_t i = 0; i < m->used; i++) {
          if (!m->entries[i].live) continue;
          if (!first) buf_puts(r->out, ", ");
          first = false;
          if (!render(r, m->entries[i].key, RENDER_REPR) || over(r)) return false;
          buf_puts(r->out, ": ");
          if (!render(r, m->entries[i].value, RENDER_REPR) || over(r)) return false;
        }
        buf_putc(r->out, '}');
      } else {
        const ObjInstance *in = as_instance(v);
        buf_putc(r->out, '{');
        for (uint32_t i = 0; i < in->len; i++) {
          if (i) buf_puts(r->out, ", ");
          buf_puts(r->out, r->m->consts[shape_name_at(r->shapes, in->shape, i)].s);
          buf_puts(r->out, ": ");
          if (!render(r, in->slots[i], RENDER_REPR) || over(r)) return false;
        }
        buf_putc(r->out, '}');
      }
      r->depth--;
    }
    break;
  }
  return !over(r);
}

bool render_value(const Module *m, const ShapeTable *shapes, Value v, RenderMode mode, Buf *out, uint64_t cap) {
  Renderer r = {m, shapes, out, out->len, cap, {0}, 0};
  if (render(&r, v, mode)) return true;
  ASSERT(out->len > r.start + cap, "render stopped before its cap");
  out->len = r.start + cap;
  out->data[out->len] = '\0';
  return false;
}
