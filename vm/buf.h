/* buf.h: a growable byte buffer (module bytes, program output, rendered text). */
#ifndef TESSERA_BUF_H
#define TESSERA_BUF_H

#include "common.h"

typedef struct {
  char *data;
  size_t len, cap;
} Buf;

void buf_reserve(Buf *b, size_t extra);
void buf_append(Buf *b, const void *p, size_t n);
void buf_putc(Buf *b, char c);
void buf_puts(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes v in decimal into out (at least 21 bytes), NUL-terminated; returns the length.
   The same text as printf's %lld, without printf: the VM prints ints all the time and
   the fuzzer generates text all the time. */
int format_i64(char *out, int64_t v);
void buf_put_i64(Buf *b, int64_t v);
void buf_u8(Buf *b, uint8_t v);
void buf_u16(Buf *b, uint16_t v);   /* little-endian */
void buf_u32(Buf *b, uint32_t v);
void buf_u64(Buf *b, uint64_t v);
void buf_free(Buf *b);
/* Appends a whole file. Returns false (errno set) when it cannot be opened or read. */
bool buf_read_file(Buf *b, const char *path);
/* Appends s as a JSON string: quotes, backslashes and control bytes escaped; bytes
   >= 0x80 written as \u00XX, so that any bytes give valid, reversible JSON. */
void buf_json_string(Buf *b, const char *s, size_t n);
/* Appends s as XML character data or attribute text (& < > " ' escaped; control bytes
   other than tab and newline, which XML 1.0 forbids, as U+FFFD). */
void buf_xml_text(Buf *b, const char *s);
/* Appends s as a double-quoted string literal with escapes (\n \t \r \\ \" \xHH). */
void buf_quote(Buf *b, const char *s, size_t n);

#endif
