/* triage.c: the triage registry and its sightings (triage.h). */
#include "triage.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "files.h"

const char *const triage_status_name[TRIAGE__COUNT] = {
#define X(NAME, name) name,
    TRIAGE_STATUSES(X)
#undef X
};

#define TRIAGE_HEADER "signature\tstatus\tfirst_seen\tlast_seen\tsightings\tsmallest_lines\tsmallest\tculprit\tregression"
#define TRIAGE_FIELDS 9

static void path_in(const char *dir, const char *name, char *out, size_t cap) { snprintf(out, cap, "%s/%s", dir, name); }

/* Copies src into a field of cap bytes: no tab or newline, which separate fields and records. */
static void set_field(char *dst, size_t cap, const char *src) {
  size_t n = 0;
  for (; src && *src && n + 1 < cap; src++) dst[n++] = (*src == '\t' || *src == '\n' || *src == '\r') ? ' ' : *src;
  dst[n] = '\0';
}

/* Splits line (modified in place) at tabs into at most max fields; answers how many. */
static int split_tabs(char *line, char **fields, int max) {
  int n = 0;
  fields[n++] = line;
  for (char *p = line; *p && n < max; p++)
    if (*p == '\t') {
      *p = '\0';
      fields[n++] = p + 1;
    }
  return n;
}

static int status_of(const char *name) {
  for (int s = 0; s < TRIAGE__COUNT; s++)
    if (strcmp(name, triage_status_name[s]) == 0) return s;
  return -1;
}

TriageRecord *triage_find(const Triage *t, const char *signature) {
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->records[i].signature, signature) == 0) return &t->records[i];
  return NULL;
}

TriageRecord *triage_get(Triage *t, const char *signature) {
  TriageRecord *r = triage_find(t, signature);
  if (r) return r;
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 16;
    t->records = xrealloc(t->records, sizeof *t->records * t->cap);
  }
  r = &t->records[t->n++];
  memset(r, 0, sizeof *r);
  set_field(r->signature, sizeof r->signature, signature);
  r->status = TRIAGE_NEW;
  return r;
}

void triage_free(Triage *t) {
  free(t->records);
  memset(t, 0, sizeof *t);
}

bool triage_load(const char *dir, Triage *t, char *why, size_t whycap) {
  memset(t, 0, sizeof *t);
  char path[1024];
  path_in(dir, "triage.tsv", path, sizeof path);
  Buf text = {0};
  if (!buf_read_file(&text, path)) {
    if (errno == ENOENT) return true;
    snprintf(why, whycap, "cannot read %s: %s", path, strerror(errno));
    return false;
  }
  buf_putc(&text, '\0');
  unsigned lineno = 0;
  bool ok = true;
  for (char *line = text.data, *next; ok && line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    if (++lineno == 1 || !*line) continue;  /* the header */
    char *f[TRIAGE_FIELDS];
    int status = -1;
    if (split_tabs(line, f, TRIAGE_FIELDS) != TRIAGE_FIELDS || (status = status_of(f[1])) < 0) {
      snprintf(why, whycap, "%s:%u: not a record of %d tab-separated fields with a status", path, lineno,
               TRIAGE_FIELDS);
      ok = false;
      break;
    }
    TriageRecord *r = triage_get(t, f[0]);
    r->status = (TriageStatus)status;
    r->first_seen = strtoll(f[2], NULL, 10);
    r->last_seen = strtoll(f[3], NULL, 10);
    r->sightings = strtoull(f[4], NULL, 10);
    r->smallest_lines = (uint32_t)strtoul(f[5], NULL, 10);
    set_field(r->smallest, sizeof r->smallest, f[6]);
    set_field(r->culprit, sizeof r->culprit, f[7]);
    set_field(r->regression, sizeof r->regression, f[8]);
  }
  buf_free(&text);
  if (!ok) triage_free(t);
  return ok;
}

bool triage_save(const char *dir, const Triage *t) {
  Buf b = {0};
  buf_puts(&b, TRIAGE_HEADER "\n");
  for (size_t i = 0; i < t->n; i++) {
    const TriageRecord *r = &t->records[i];
    buf_printf(&b, "%s\t%s\t%" PRId64 "\t%" PRId64 "\t%" PRIu64 "\t%u\t%s\t%s\t%s\n", r->signature,
               triage_status_name[r->status], r->first_seen, r->last_seen, r->sightings, r->smallest_lines, r->smallest,
               r->culprit, r->regression);
  }
  char path[1024];
  path_in(dir, "triage.tsv", path, sizeof path);
  bool ok = files_make_dir(dir) && files_write_atomically(path, b.data, b.len);
  buf_free(&b);
  return ok;
}

bool triage_note_sighting(const char *dir, const char *signature, const char *culprit, const char *program,
                          uint32_t lines) {
  char sig[96], verdict[320], prog[160], path[1024];
  set_field(sig, sizeof sig, signature);
  set_field(verdict, sizeof verdict, culprit);
  set_field(prog, sizeof prog, program);
  Buf b = {0};
  buf_printf(&b, "%lld\t%s\t%u\t%s\t%s\n", (long long)time(NULL), sig, program ? lines : 0, prog, verdict);
  path_in(dir, "sightings.tsv", path, sizeof path);
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  bool ok = fd >= 0 && write(fd, b.data, b.len) == (ssize_t)b.len;  /* one write: lines never interleave */
  if (fd >= 0) ok = close(fd) == 0 && ok;
  buf_free(&b);
  return ok;
}

long triage_fold(const char *dir, char *why, size_t whycap) {
  char path[1024];
  path_in(dir, "sightings.tsv", path, sizeof path);
  Buf text = {0};
  if (!buf_read_file(&text, path)) {
    if (errno == ENOENT) return 0;
    snprintf(why, whycap, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  Triage t;
  if (!triage_load(dir, &t, why, whycap)) {
    buf_free(&text);
    return -1;
  }
  buf_putc(&text, '\0');
  long folded = 0;
  for (char *line = text.data, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    char *f[5];
    if (split_tabs(line, f, 5) != 5 || !*f[1]) continue;  /* a line cut short by a crash */
    int64_t when = strtoll(f[0], NULL, 10);
    uint32_t lines = (uint32_t)strtoul(f[2], NULL, 10);
    TriageRecord *r = triage_get(&t, f[1]);
    if (!r->sightings || when < r->first_seen) r->first_seen = when;
    if (when > r->last_seen) r->last_seen = when;
    if (r->status == TRIAGE_FIXED && when > 0) r->status = TRIAGE_NEW;  /* seen again after its fix */
    r->sightings++;
    if (lines && (!r->smallest_lines || lines < r->smallest_lines)) {
      r->smallest_lines = lines;
      set_field(r->smallest, sizeof r->smallest, f[3]);
    }
    if (*f[4]) set_field(r->culprit, sizeof r->culprit, f[4]);
    folded++;
  }
  buf_free(&text);
  bool ok = triage_save(dir, &t);
  triage_free(&t);
  if (!ok || unlink(path) != 0) {
    snprintf(why, whycap, "cannot update %s/triage.tsv: %s", dir, strerror(errno));
    return -1;
  }
  return folded;
}

static void put_time(Buf *out, int64_t when) {
  time_t tt = (time_t)when;
  struct tm tm;
  char s[32];
  if (when <= 0 || !gmtime_r(&tt, &tm) || !strftime(s, sizeof s, "%Y-%m-%d %H:%M", &tm)) snprintf(s, sizeof s, "-");
  buf_puts(out, s);
}

void triage_list(const Triage *t, Buf *out) {
  size_t counts[TRIAGE__COUNT] = {0};
  for (size_t i = 0; i < t->n; i++) counts[t->records[i].status]++;
  buf_printf(out, "%zu bugs: %zu new, %zu known, %zu fixed\n", t->n, counts[TRIAGE_NEW], counts[TRIAGE_KNOWN],
             counts[TRIAGE_FIXED]);
  for (size_t i = 0; i < t->n; i++) {
    const TriageRecord *r = &t->records[i];
    buf_printf(out, "\n%-6s %s\n  seen %" PRIu64 " time%s, first ", triage_status_name[r->status], r->signature,
               r->sightings, r->sightings == 1 ? "" : "s");
    put_time(out, r->first_seen);
    buf_puts(out, ", last ");
    put_time(out, r->last_seen);
    buf_puts(out, " (UTC)\n");
    if (r->smallest_lines) buf_printf(out, "  smallest: %s (%u lines)\n", r->smallest, r->smallest_lines);
    if (r->culprit[0]) buf_printf(out, "  culprit: %s\n", r->culprit);
    if (r->regression[0]) buf_printf(out, "  regression: %s\n", r->regression);
  }
}
