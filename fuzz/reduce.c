/* reduce.c: ddmin over the lines of a divergent program (reduce.h). */
#include "reduce.h"

#include <string.h>
#include <time.h>

#include "asm.h"

typedef struct {
  Limits limits;
  Fault fault;
  const char *signature;
  bool progress;
  double last_report;
  ReduceStats *st;
  char **lines;        /* every line of the starting text */
  uint32_t nlines;
} Reducer;

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The text of the lines marked in keep. */
static void join(const Reducer *r, const bool *keep, Buf *out) {
  out->len = 0;
  for (uint32_t i = 0; i < r->nlines; i++)
    if (keep[i]) {
      buf_puts(out, r->lines[i]);
      buf_putc(out, '\n');
    }
}

/* True when the kept lines still assemble and diverge with the same signature. */
static bool interesting(Reducer *r, const bool *keep) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < r->nlines; i++) kept += keep[i];
  Buf text = {0};
  join(r, keep, &text);
  Module m;
  Diag d = {{0}};
  bool yes = false;
  if (asm_assemble(text.data ? text.data : "", text.len, "reduce", &m, NULL, &d)) {
    OracleResult res;
    oracle_run(&m, r->limits, r->fault, &res);
    r->st->tests++;
    yes = res.diverged && strcmp(res.signature, r->signature) == 0;
    oracle_result_free(&res);
    module_free(&m);
  }
  buf_free(&text);
  double now = seconds_now();
  if (r->progress && now - r->last_report >= 0.5) {
    fprintf(stderr, "\r[reduce] %u of %u lines, %llu programs tried   ", kept, r->nlines,
            (unsigned long long)r->st->tests);
    r->last_report = now;
  }
  return yes;
}

/* Lines a chunk may hold: everything but a function's first and last line, without
   which nothing assembles anyway. */
static bool removable(const char *line) { return strncmp(line, ".func", 5) != 0 && strcmp(line, ".end") != 0; }

bool reduce_program(const Module *m, Limits limits, Fault fault, double seconds, bool progress, Buf *out,
                    ReduceStats *st) {
  memset(st, 0, sizeof *st);
  double start = seconds_now();
  OracleResult first;
  oracle_run(m, limits, fault, &first);
  bool diverged = first.diverged;
  snprintf(st->signature, sizeof st->signature, "%s", first.signature);
  oracle_result_free(&first);
  if (!diverged) return false;

  Buf text = {0};
  dis_module(m, &text);
  Reducer r = {limits, fault, st->signature, progress, 0, st, NULL, 0};
  for (const char *p = text.data ? text.data : ""; *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    r.lines = xrealloc(r.lines, sizeof(char *) * (r.nlines + 1));
    r.lines[r.nlines++] = xstrndup(p, len);
    p += len + (nl != NULL);
  }
  bool *keep = xmalloc(r.nlines ? r.nlines : 1), *trial = xmalloc(r.nlines ? r.nlines : 1);
  uint32_t *candidates = xmalloc(sizeof(uint32_t) * (r.nlines ? r.nlines : 1)), ncand = 0;
  for (uint32_t i = 0; i < r.nlines; i++) {
    keep[i] = true;
    if (removable(r.lines[i])) candidates[ncand++] = i;
  }
  /* ddmin: try removing each of n chunks of the candidates; a removal that keeps the
     divergence is taken and the chunks coarsen again, else they halve. */
  uint32_t n = 2;
  while (ncand >= 1) {
    if (seconds > 0 && seconds_now() - start >= seconds) {
      st->stopped = true;
      break;
    }
    if (n > ncand) n = ncand;
    bool removed = false;
    for (uint32_t c = 0; c < n && !removed; c++) {
      uint32_t lo = (uint32_t)((uint64_t)ncand * c / n), hi = (uint32_t)((uint64_t)ncand * (c + 1) / n);
      memcpy(trial, keep, r.nlines);
      for (uint32_t k = lo; k < hi; k++) trial[candidates[k]] = false;
      if (interesting(&r, trial)) {
        memcpy(keep, trial, r.nlines);
        memmove(candidates + lo, candidates + hi, sizeof(uint32_t) * (ncand - hi));
        ncand -= hi - lo;
        removed = true;
      }
    }
    if (removed) {
      if (n > 2) n--;
    } else if (n < ncand) {
      n = n * 2 < ncand ? n * 2 : ncand;
    } else {
      break;  /* no single line can go */
    }
  }
  if (progress) fputc('\n', stderr);
  st->seconds = seconds_now() - start;
  st->lines_before = r.nlines;
  join(&r, keep, out);
  for (uint32_t i = 0; i < r.nlines; i++) st->lines_after += keep[i];
  for (uint32_t i = 0; i < r.nlines; i++) free(r.lines[i]);
  free(r.lines);
  free(keep);
  free(trial);
  free(candidates);
  buf_free(&text);
  return true;
}
