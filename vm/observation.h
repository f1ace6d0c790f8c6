/* observation.h: everything a run shows the outside world. Every tier must produce
 * the same observation for the same module; any difference in any field is a bug. */
#ifndef TESSERA_OBSERVATION_H
#define TESSERA_OBSERVATION_H

#include "buf.h"
#include "errors.h"

#define OBS_PROBE_TRACE_MAX 64

typedef struct {
  Buf output;             /* bytes printed */
  char *result;           /* main's return value, rendered canonically; NULL on error */
  ErrorKind error;        /* ERR_NONE when main returned */
  char *error_function;   /* where the error was raised */
  uint32_t error_offset;
  char *error_detail;     /* human explanation; not compared */
  uint64_t fuel_used;
  uint64_t checksum;      /* probe checksum */
  /* Not compared (the checksum covers them): where probes first differ. */
  uint64_t probes;        /* PROBE instructions executed */
  uint64_t probe_trace[OBS_PROBE_TRACE_MAX];  /* checksum after each of the first probes */
  uint64_t heap_objects;  /* live at exit */
  uint64_t heap_bytes;
} Observation;

void observation_free(Observation *o);
/* One JSON object, no trailing newline. */
void observation_json(const Observation *o, Buf *out);
/* Name of the first field in which a and b differ, or NULL when they agree. */
const char *observation_diff(const Observation *a, const Observation *b);

#endif
