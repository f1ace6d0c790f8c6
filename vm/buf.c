/* buf.c: growable byte buffer and the host allocation wrappers. */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

static void out_of_memory(size_t n) {
  fprintf(stderr, "tessera: out of host memory (%zu bytes)\n", n);
  abort();
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) out_of_memory(n);
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) out_of_memory(n * size);
  return p;
}

void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) out_of_memory(n);
  return p;
}

char *xstrndup(const char *s, size_t n) {
  char *d = xmalloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

void buf_reserve(Buf *b, size_t extra) {
  if (b->cap - b->len >= extra + 1) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap - b->len < extra + 1) cap *= 2;
  b->data = xrealloc(b->data, cap);
  b->cap = cap;
}

void buf_append(Buf *b, const void *p, size_t n) {
  buf_reserve(b, n);
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void buf_putc(Buf *b, char c) { buf_append(b, &c, 1); }
void buf_puts(Buf *b, const char *s) { buf_append(b, s, strlen(s)); }

/* Decimal, two digits per division: ints are rendered in hot loops (to_str, string
   concatenation). The length is counted first so that the digits are written in place,
   from the last. */
int format_i64(char *out, int64_t v) {
  static const char two_digits[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
  uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  int len = 0;
  if (v < 0) out[len++] = '-';
  int n = 1;
  for (uint64_t bound = 10; n < 20 && m >= bound; bound *= 10) n++;
  len += n;
  char *p = out + len;
  *p = '\0';
  while (m >= 100) {
    const char *d = &two_digits[(m % 100) * 2];
    m /= 100;
    *--p = d[1];
    *--p = d[0];
  }
  if (m >= 10) {
    *--p = two_digits[m * 2 + 1];
    *--p = two_digits[m * 2];
  } else {
    *--p = (char)('0' + m);
  }
  return len;
}

void buf_put_i64(Buf *b, int64_t v) {
  char text[24];
  buf_append(b, text, (size_t)format_i64(text, v));
}

void buf_printf(Buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n > 0) {
    buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    b->len += (size_t)n;
  }
  va_end(ap2);
}

void buf_u8(Buf *b, uint8_t v) { buf_append(b, &v, 1); }

void buf_u16(Buf *b, uint16_t v) {
  uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  buf_append(b, x, 2);
}

void buf_u32(Buf *b, uint32_t v) {
  buf_u16(b, (uint16_t)v);
  buf_u16(b, (uint16_t)(v >> 16));
}

void buf_u64(Buf *b, uint64_t v) {
  buf_u32(b, (uint32_t)v);
  buf_u32(b, (uint32_t)(v >> 32));
}

void buf_free(Buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void buf_quote(Buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  buf_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '\n': buf_puts(b, "\\n"); break;
    case '\t': buf_puts(b, "\\t"); break;
    case '\r': buf_puts(b, "\\r"); break;
    case '\\': buf_puts(b, "\\\\"); break;
    case '"': buf_puts(b, "\\\""); break;
    default:
      if (c < 0x20 || c >= 0x7f) {
        char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
        buf_append(b, e, 4);
      } else {
        buf_putc(b, (char)c);
      }
    }
  }
  buf_putc(b, '"');
}

bool buf_read_file(Buf *b, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(b, chunk, n);
  int failed = ferror(f), saved = errno;
  fclose(f);
  errno = saved;
  return !failed;
}

void buf_json_string(Buf *out, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  buf_putc(out, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      buf_putc(out, '\\');
      buf_putc(out, (char)c);
    } else if (c == '\n') {
      buf_puts(out, "\\n");
    } else if (c < 0x20 || c >= 0x7f) {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      buf_append(out, e, 6);
    } else {
      buf_putc(out, (char)c);
    }
  }
  buf_putc(out, '"');
}

void buf_xml_text(Buf *out, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
    case '&': buf_puts(out, "&amp;"); break;
    case '<': buf_puts(out, "&lt;"); break;
    case '>': buf_puts(out, "&gt;"); break;
    case '"': buf_puts(out, "&quot;"); break;
    case '\'': buf_puts(out, "&apos;"); break;
    default:
      if (c < 0x20 && c != '\t' && c != '\n') buf_puts(out, "\xef\xbf\xbd");
      else buf_putc(out, (char)c);
    }
  }
}
