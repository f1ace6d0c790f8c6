/* observation.c: JSON rendering and comparison of observations. */
#include "observation.h"

#include <inttypes.h>
#include <string.h>

void observation_free(Observation *o) {
  buf_free(&o->output);
  free(o->result);
  free(o->error_function);
  free(o->error_detail);
  memset(o, 0, sizeof *o);
}

/* JSON string: escapes quotes, backslashes and control bytes; other bytes >= 0x80 are
   written as \u00XX so that any output bytes give valid, reversible JSON. */
static void json_string(Buf *out, const char *s, size_t n) {
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

void observation_json(const Observation *o, Buf *out) {
  buf_puts(out, "{\"output\":");
  json_string(out, o->output.data ? o->output.data : "", o->output.len);
  buf_puts(out, ",\"result\":");
  if (o->result) json_string(out, o->result, strlen(o->result));
  else buf_puts(out, "null");
  buf_puts(out, ",\"error\":");
  if (o->error == ERR_NONE) {
    buf_puts(out, "null");
  } else {
    buf_printf(out, "{\"kind\":\"%s\",\"function\":", error_kind_name[o->error]);
    json_string(out, o->error_function, strlen(o->error_function));
    buf_printf(out, ",\"offset\":%u,\"detail\":", o->error_offset);
    json_string(out, o->error_detail, strlen(o->error_detail));
    buf_putc(out, '}');
  }
  buf_printf(out, ",\"fuel\":%" PRIu64 ",\"checksum\":\"%016" PRIx64 "\",\"heap_objects\":%" PRIu64
                  ",\"heap_bytes\":%" PRIu64 "}",
             o->fuel_used, o->checksum, o->heap_objects, o->heap_bytes);
}

static bool str_eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

const char *observation_diff(const Observation *a, const Observation *b) {
  if (a->output.len != b->output.len ||
      (a->output.len && memcmp(a->output.data, b->output.data, a->output.len) != 0))
    return "output";
  if (!str_eq(a->result, b->result)) return "result";
  if (a->error != b->error) return "error";
  if (a->error != ERR_NONE &&
      (!str_eq(a->error_function, b->error_function) || a->error_offset != b->error_offset))
    return "error location";
  if (a->fuel_used != b->fuel_used) return "fuel";
  if (a->checksum != b->checksum) return "checksum";
  if (a->heap_objects != b->heap_objects) return "heap objects";
  if (a->heap_bytes != b->heap_bytes) return "heap bytes";
  return NULL;
}
