/* render.c: canonical value text (rules in render.h). */
#include "render.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Writes f with `digits` significant digits in scientific notation; true when that text
   reads back as f. */
static bool reads_back(double f, int digits, char text[40]) {
  snprintf(text, 40, "%.*e", digits - 1, f);
  return strtod(text, NULL) == f;
}

int render_float(double f, char *buf) {
  if (isnan(f)) return (int)(strcpy(buf, "nan"), 3);
  if (isinf(f)) return f > 0 ? (int)(strcpy(buf, "inf"), 3) : (int)(strcpy(buf, "-inf"), 4);
  /* An integer below 2^53 in magnitude is its digits and ".0" (positional: fewer than 16
     digits), with no search; programs print such floats all the time. -0.0 keeps its
     sign. */
  if (fabs(f) < 9007199254740992.0 && f == (double)(int64_t)f) {
    int n = f == 0 && signbit(f) ? (int)(strcpy(buf, "-0"), 2) : format_i64(buf, (int64_t)f);
    strcpy(buf + n, ".0");
    return n + 2;
  }
  /* The fewest significant digits that read back to the same double. glibc prints and
     parses exactly (correctly rounded), so this is identical on every CPU. Reading back
     is monotonic in the number of digits (the nearest d+1-digit decimal is at least as
     near as the nearest d-digit one) and 17 always suffice. The first tries settle 15 or
     fewer (below), 16 and 17; only subnormals of 15 or fewer are searched for. */
  char sci[40], tried[40];
  int lo = 1, hi = 17;
  sci[0] = '\0';  /* the text for hi, once a try has read back */
  bool fifteen = reads_back(f, 15, tried);
  if (fifteen && fabs(f) >= DBL_MIN) {
    /* A decimal of at most 15 significant digits survives the trip to a normal double
       and back to 15 digits (DBL_DIG): so if the shortest text has k <= 15 digits, the
       15-digit text is it padded with zeros, and k is what is left once they go. */
    const char *e = strchr(tried, 'e');
    int zeros = 0;
    while (e[-1 - zeros] == '0') zeros++;
    lo = hi = 15 - zeros;
  } else if (fifteen) {
    hi = 15;  /* a subnormal, with fewer bits than DBL_DIG assumes: searched */
    memcpy(sci, tried, sizeof sci);
  } else if (reads_back(f, 16, tried)) {
    lo = hi = 16;
    memcpy(sci, tried, sizeof sci);
  } else {
    lo = 17;
  }
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (reads_back(f, mid, tried)) {
      hi = mid;
      memcpy(sci, tried, sizeof sci);
    } else {
      lo = mid + 1;
    }
  }
  int digits = lo;
  if (!sci[0] || digits == 17) snprintf(sci, sizeof sci, "%.*e", digits - 1, f);
  int exp10 = atoi(strchr(sci, 'e') + 1);
  /* Positional notation for exponents -4..15, scientific otherwise (as CPython's repr).
     Rounding at the same decimal position gives the same digits either way. */
  if (exp10 < -4 || exp10 >= 16) return (int)(strcpy(buf, sci), strlen(buf));
  int decimals = digits - 1 - exp10;
  int n = snprintf(buf, 32, "%.*f", decimals > 0 ? decimals : 0, f);
  if (!strchr(buf, '.')) {
    buf[n++] = '.';
    buf[n++] = '0';
    buf[n] = '\0';
  }
  return n;
}

typedef struct {
  const Module *m;
  Buf *out;
  size_t start;
  uint64_t cap;
  const ObjArray *path[RENDER_MAX_DEPTH];  /* arrays being printed, outermost first */
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
    } else {
      const ObjArray *a = as_array(v);
      bool seen = r->depth >= RENDER_MAX_DEPTH;
      for (int i = 0; i < r->depth && !seen; i++) seen = r->path[i] == a;
      if (seen) {
        buf_puts(r->out, "[...]");
        break;
      }
      r->path[r->depth++] = a;
      buf_putc(r->out, '[');
      for (uint32_t i = 0; i < a->len; i++) {
        if (i) buf_puts(r->out, ", ");
        if (!render(r, a->items[i], RENDER_REPR) || over(r)) return false;
      }
      buf_putc(r->out, ']');
      r->depth--;
    }
    break;
  }
  return !over(r);
}

bool render_value(const Module *m, Value v, RenderMode mode, Buf *out, uint64_t cap) {
  Renderer r = {m, out, out->len, cap, {0}, 0};
  if (render(&r, v, mode)) return true;
  ASSERT(out->len > r.start + cap, "render stopped before its cap");
  out->len = r.start + cap;
  out->data[out->len] = '\0';
  return false;
}
