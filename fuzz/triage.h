/* triage.h: the triage registry of a finds directory (issue 19): one record per bug-level
 * signature the campaigns saving there have seen, in DIR/triage.tsv.
 *
 *   signature  status  first_seen  last_seen  sightings  smallest_lines  smallest  culprit  regression
 *
 * one tab-separated line per record after a header line; times are Unix seconds (UTC).
 * A status is new (seen, not yet looked at), known (a person has: campaigns count its
 * sightings but save it no more) or fixed (with the regression file that proves it; a
 * sighting after that makes it new again). `smallest` is the smallest program saved for
 * it (its reduction, once made), relative to DIR.
 *
 * Campaign workers never write the registry: each divergence appends one line to
 * DIR/sightings.tsv (one write with O_APPEND, whole lines from every process), and the
 * campaign's parent, like `tessera triage`, folds those lines into the registry
 * (triage_fold) and removes them. A campaign that was killed leaves its sightings for
 * the next fold. */
#ifndef TESSERA_TRIAGE_H
#define TESSERA_TRIAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

#define TRIAGE_STATUSES(X) X(NEW, "new") X(KNOWN, "known") X(FIXED, "fixed")

typedef enum {
#define X(NAME, name) TRIAGE_##NAME,
  TRIAGE_STATUSES(X)
#undef X
  TRIAGE__COUNT
} TriageStatus;

extern const char *const triage_status_name[TRIAGE__COUNT];

typedef struct {
  char signature[96];
  TriageStatus status;
  int64_t first_seen, last_seen;
  uint64_t sightings;
  uint32_t smallest_lines;  /* 0: no program saved yet */
  char smallest[160];
  char culprit[320];        /* localization's verdict, or empty */
  char regression[256];     /* fixed: the file that proves it */
} TriageRecord;

typedef struct {
  TriageRecord *records;
  size_t n, cap;
} Triage;

/* Reads DIR/triage.tsv into t (no file: an empty registry). False with the reason for
   a file that cannot be read or a line that is not a record. */
bool triage_load(const char *dir, Triage *t, char *why, size_t whycap);
/* Writes t to DIR/triage.tsv, atomically. */
bool triage_save(const char *dir, const Triage *t);
void triage_free(Triage *t);

TriageRecord *triage_find(const Triage *t, const char *signature);
/* The record of signature, added as new when there is none. */
TriageRecord *triage_get(Triage *t, const char *signature);

/* Appends one sighting to DIR/sightings.tsv: now, the signature, the culprit's verdict
   (or ""), and the program saved for it with its lines (NULL, 0: none this time). */
bool triage_note_sighting(const char *dir, const char *signature, const char *culprit, const char *program,
                          uint32_t lines);
/* Folds DIR/sightings.tsv into DIR/triage.tsv and removes it. Returns the number of
   sightings folded, or -1 with the reason. */
long triage_fold(const char *dir, char *why, size_t whycap);

/* The registry as a table for a person, one line per record. */
void triage_list(const Triage *t, Buf *out);

#endif
