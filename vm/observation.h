/* observation.h: everything a run shows the outside world. Every tier must produce
 * the same observation for the same module; any difference in a compared field is a bug.
 *
 * OBS_FIELDS lists every field once, in the order observation_diff compares them and
 * observation_json writes them. The ObsField enum, the name, JSON key and description
 * tables, observation_diff, observation_field_same and observation_json all derive
 * from it; the oracle (oracle/oracle.c) names fields only by ObsField.
 *
 *   FIELD(NAME, "name", "json key", HOW, member, "description")
 *
 *   NAME      the field's ObsField is OBS_NAME
 *   name      its name in reports and divergence signatures, where a space becomes '_'
 *             ("heap_objects-t1-1a2b3c4d"). Saved regressions are named after their
 *             signatures and signatures hash the name: never rename a field.
 *   json key  its key in observation_json. "object.key" puts it in a JSON object, which
 *             is null when its first member is absent (then its other members are left
 *             out). "": not written.
 *   HOW       how it is compared (observation.c, OBS_SAME_HOW) and written (OBS_JSON_HOW):
 *     BYTES     a Buf: byte for byte; a JSON string
 *     STRING    a char * or NULL: as text, NULL equal only to NULL; a string, null when NULL
 *     KIND      an ErrorKind: as a number; its name, absent when ERR_NONE
 *     LOCATION  member_function and member_offset, where error `member` was raised: equal
 *               when neither run raised one, else both parts equal; the function under
 *               the key, then the offset under "offset"
 *     COUNT     a uint64_t: as a number; a JSON number
 *     HASH      a uint64_t: as a number; 16 hex digits in a JSON string
 *     TEXT      a char *: not compared; a JSON string
 *     TRACE     member and probe_trace: not compared (the checksum covers them); not written
 *   member    the Observation member it reads
 *
 * Adding a field: a member in Observation, a row here (a new HOW needs its two macros in
 * observation.c), a case in oracle.c's describe and signature_key (the compiler asks for
 * both), and a line in docs/fuzzing.md section 1.1. */
#ifndef TESSERA_OBSERVATION_H
#define TESSERA_OBSERVATION_H

#include "buf.h"
#include "errors.h"

#define OBS_FIELDS(FIELD)                                                                                 \
  FIELD(OUTPUT,         "output",         "output",         BYTES,    output,       "the bytes printed")   \
  FIELD(RESULT,         "result",         "result",         STRING,   result,                             \
        "main's return value, rendered canonically; null after an error")                                   \
  FIELD(ERROR,          "error",          "error.kind",     KIND,     error,                              \
        "the runtime error's kind; the error object is null when main returned")                            \
  FIELD(ERROR_LOCATION, "error location", "error.function", LOCATION, error,                              \
        "the function and bytecode offset of the instruction that raised the error")                        \
  FIELD(ERROR_DETAIL,   "error detail",   "error.detail",   TEXT,     error_detail,                       \
        "the error explained for people; not compared")                                                     \
  FIELD(FUEL,           "fuel",           "fuel",           COUNT,    fuel_used,                          \
        "fuel used: one unit per loop back edge and per call")                                              \
  FIELD(CHECKSUM,       "checksum",       "checksum",       HASH,     checksum,     "the probe checksum") \
  FIELD(PROBES,         "probes",         "",               TRACE,    probes,                             \
        "probes run, and the checksum after each of the first 64; not compared (the checksum covers them)") \
  FIELD(HEAP_OBJECTS,   "heap objects",   "heap_objects",   COUNT,    heap_objects,                       \
        "heap objects live at exit")                                                                        \
  FIELD(HEAP_BYTES,     "heap bytes",     "heap_bytes",     COUNT,    heap_bytes,                         \
        "accounted heap bytes live at exit")                                                                \
  FIELD(FRAME_STATE,    "frame state",    "",               COUNT,    frame_state,                        \
        "the frame-state check: states a trace handed back that differ from ref's at the same place; 0 in every other run")

/* A field of the observation; OBS_AGREE (0) when two observations agree. */
typedef enum {
  OBS_AGREE,
#define FIELD(NAME, name, key, HOW, member, doc) OBS_##NAME,
  OBS_FIELDS(FIELD)
#undef FIELD
  OBS__COUNT
} ObsField;

extern const char *const obs_field_name[OBS__COUNT];  /* [OBS_AGREE] is "agree" */
extern const char *const obs_field_key[OBS__COUNT];   /* JSON key, "" when not written */
extern const char *const obs_field_doc[OBS__COUNT];

#define OBS_PROBE_TRACE_MAX 64

typedef struct {
  Buf output;             /* bytes printed */
  char *result;           /* main's return value, rendered canonically; NULL on error */
  ErrorKind error;        /* ERR_NONE when main returned */
  char *error_function;   /* where the error was raised; NULL when main returned */
  uint32_t error_offset;
  char *error_detail;     /* human explanation; not compared */
  uint64_t fuel_used;
  uint64_t checksum;      /* probe checksum */
  /* Not compared (the checksum covers them): where probes first differ. */
  uint64_t probes;        /* PROBE instructions executed */
  uint64_t probe_trace[OBS_PROBE_TRACE_MAX];  /* checksum after each of the first probes */
  uint64_t heap_objects;  /* live at exit */
  uint64_t heap_bytes;
  /* The frame-state check (oracle/oracle.c), tiers with traces only. */
  uint64_t frame_state;        /* hand-backs whose state differs from ref's there */
  uint32_t frame_state_op;     /* the trace op that handed back the first of them */
  char *frame_state_detail;    /* where that was, in words; NULL when none */
} Observation;

void observation_free(Observation *o);
/* One JSON object, no trailing newline. */
void observation_json(const Observation *o, Buf *out);
/* The first compared field in which a and b differ, or OBS_AGREE. */
ObsField observation_diff(const Observation *a, const Observation *b);
/* Whether a and b agree in field f (always true for a field not compared). */
bool observation_field_same(ObsField f, const Observation *a, const Observation *b);

#endif
