/* observation.c: the observation's field tables, comparison and JSON rendering, all
 * expanded from OBS_FIELDS (observation.h). Each HOW of the table has two macros here:
 * OBS_SAME_HOW(a, b, member), true when a and b agree in the field, and
 * OBS_JSON_HOW(out, o, member) with OBS_ABSENT_HOW(o, member), which write its value
 * (observation_json writes null for an absent one). */
#include "observation.h"

#include <inttypes.h>
#include <string.h>

const char *const obs_field_name[OBS__COUNT] = {
  "agree",
#define FIELD(NAME, name, key, HOW, member, doc) name,
  OBS_FIELDS(FIELD)
#undef FIELD
};

const char *const obs_field_key[OBS__COUNT] = {
  "",
#define FIELD(NAME, name, key, HOW, member, doc) key,
  OBS_FIELDS(FIELD)
#undef FIELD
};

const char *const obs_field_doc[OBS__COUNT] = {
  "the observations agree",
#define FIELD(NAME, name, key, HOW, member, doc) doc,
  OBS_FIELDS(FIELD)
#undef FIELD
};

void observation_free(Observation *o) {
  buf_free(&o->output);
  free(o->result);
  free(o->error_function);
  free(o->error_detail);
  free(o->frame_state_detail);
  memset(o, 0, sizeof *o);
}

static inline bool str_eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

static inline bool bytes_eq(const Buf *a, const Buf *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* ---- Comparison: OBS_SAME_HOW(a, b, member) ----
   observation_diff is the chain of these in table order, with no formatting and no
   calls beyond memcmp and strcmp: the fuzzer runs it eight times per program. */
#define OBS_SAME_BYTES(a, b, m) bytes_eq(&(a)->m, &(b)->m)
#define OBS_SAME_STRING(a, b, m) str_eq((a)->m, (b)->m)
#define OBS_SAME_KIND(a, b, m) ((a)->m == (b)->m)
#define OBS_SAME_LOCATION(a, b, m)                  \
  (((a)->m == ERR_NONE && (b)->m == ERR_NONE) ||    \
   (str_eq((a)->m##_function, (b)->m##_function) && (a)->m##_offset == (b)->m##_offset))
#define OBS_SAME_COUNT(a, b, m) ((a)->m == (b)->m)
#define OBS_SAME_HASH(a, b, m) ((a)->m == (b)->m)
#define OBS_SAME_TEXT(a, b, m) true
#define OBS_SAME_TRACE(a, b, m) true

ObsField observation_diff(const Observation *a, const Observation *b) {
#define FIELD(NAME, name, key, HOW, member, doc) \
  if (!OBS_SAME_##HOW(a, b, member)) return OBS_##NAME;
  OBS_FIELDS(FIELD)
#undef FIELD
  return OBS_AGREE;
}

bool observation_field_same(ObsField f, const Observation *a, const Observation *b) {
  switch (f) {
#define FIELD(NAME, name, key, HOW, member, doc) \
  case OBS_##NAME:                               \
    return OBS_SAME_##HOW(a, b, member);
    OBS_FIELDS(FIELD)
#undef FIELD
  case OBS_AGREE:
  case OBS__COUNT:
    break;
  }
  return true;
}

/* ---- JSON ---- */

static void json_text(Buf *out, const char *s) { buf_json_string(out, s, strlen(s)); }

/* OBS_ABSENT_HOW(o, member): the value is absent (null); OBS_JSON_HOW writes a present one. */
#define OBS_ABSENT_BYTES(o, m) false
#define OBS_JSON_BYTES(out, o, m) buf_json_string(out, (o)->m.data ? (o)->m.data : "", (o)->m.len)
#define OBS_ABSENT_STRING(o, m) ((o)->m == NULL)
#define OBS_JSON_STRING(out, o, m) json_text(out, (o)->m)
#define OBS_ABSENT_KIND(o, m) ((o)->m == ERR_NONE)
#define OBS_JSON_KIND(out, o, m) json_text(out, error_kind_name[(o)->m])
#define OBS_ABSENT_LOCATION(o, m) ((o)->m##_function == NULL)
#define OBS_JSON_LOCATION(out, o, m) \
  (json_text(out, (o)->m##_function), buf_printf(out, ",\"offset\":%" PRIu32, (o)->m##_offset))
#define OBS_ABSENT_COUNT(o, m) false
#define OBS_JSON_COUNT(out, o, m) buf_printf(out, "%" PRIu64, (o)->m)
#define OBS_ABSENT_HASH(o, m) false
#define OBS_JSON_HASH(out, o, m) buf_printf(out, "\"%016" PRIx64 "\"", (o)->m)
#define OBS_ABSENT_TEXT(o, m) ((o)->m == NULL)
#define OBS_JSON_TEXT(out, o, m) json_text(out, (o)->m)
#define OBS_ABSENT_TRACE(o, m) true
#define OBS_JSON_TRACE(out, o, m) ((void)0)

/* Writes the fields of the table as members of one object, nesting a key
   "object.key" in an object of its own. */
typedef struct {
  Buf *out;
  char sep;            /* written before the next member: '{' first, then ',' */
  const char *object;  /* the key that opened the object now open ("error.kind"), or NULL */
  size_t object_len;   /* its length up to the dot */
  bool object_null;    /* that object was written as null: its members are left out */
} JsonWriter;

/* Ends the object now open, if any. */
static void json_end_object(JsonWriter *w) {
  if (w->object && !w->object_null) buf_putc(w->out, '}');
  w->object = NULL;
}

/* Starts member key (not written when ""), whose value is absent or not; true when the
   caller is to write the value. Ends the open object when key is not one of its own. */
static bool json_member(JsonWriter *w, const char *key, bool absent) {
  if (!*key) return false;
  const char *dot = strchr(key, '.');
  size_t len = dot ? (size_t)(dot - key) : 0;
  if (w->object && (len != w->object_len || memcmp(key, w->object, len) != 0)) json_end_object(w);
  if (dot && !w->object) {
    /* The first member of an object decides whether the object is null. */
    buf_putc(w->out, w->sep);
    buf_json_string(w->out, key, len);
    buf_putc(w->out, ':');
    w->object = key;
    w->object_len = len;
    w->object_null = absent;
    w->sep = '{';
    if (absent) {
      buf_puts(w->out, "null");
      w->sep = ',';
      return false;
    }
  } else if (dot && w->object_null) {
    return false;
  }
  const char *name = dot ? dot + 1 : key;
  buf_putc(w->out, w->sep);
  w->sep = ',';
  json_text(w->out, name);
  buf_putc(w->out, ':');
  if (absent) buf_puts(w->out, "null");
  return !absent;
}

void observation_json(const Observation *o, Buf *out) {
  JsonWriter w = {out, '{', NULL, 0, false};
#define FIELD(NAME, name, key, HOW, member, doc) \
  if (json_member(&w, key, OBS_ABSENT_##HOW(o, member))) OBS_JSON_##HOW(out, o, member);
  OBS_FIELDS(FIELD)
#undef FIELD
  json_end_object(&w);
  buf_putc(out, '}');
}
