/* reduce.c: ddmin over the lines of a divergent program (reduce.h). */
#include "reduce.h"

#include <string.h>
#include <time.h>

#include "asm.h"
#include "localize.h"

#define REDUCE_WINDOW 8  /* the most neighbouring lines tried together after ddmin */
#define REDUCE_PAIR_SPAN 24  /* the farthest apart two lines tried together, in candidates */

typedef struct {
  Limits limits;
  Fault fault;
  OracleKnobs knobs;
  const char *signature;
  bool progress;
  double last_report;
  ReduceStats *st;
  char **lines;        /* every line of the starting text */
  uint32_t nlines;
  bool *keep;          /* the lines kept so far */
  bool *trial;         /* a candidate: keep with some lines taken out */
  double start, seconds;  /* when it began, and for how long it may run (0: no bound) */
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

/* m through the oracle, and its divergence, if any, localized: the signature is the
   bug-level one whenever a culprit is found. */
static void run_localized(const Module *m, Limits limits, Fault fault, OracleKnobs knobs, OracleResult *res) {
  oracle_run_knobs(m, limits, fault, knobs, res);
  Localization loc;
  if (res->diverged) (void)oracle_bug_signature(m, limits, fault, res, &loc);
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
    run_localized(&m, r->limits, r->fault, r->knobs, &res);
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

/* Whether the time is up (and if so, st->stopped says so). */
static bool time_up(Reducer *r) {
  if (r->seconds > 0 && seconds_now() - r->start >= r->seconds) r->st->stopped = true;
  return r->st->stopped;
}

/* Takes the lines marked in `out` (indices from..to, or the set `which` of n) out of the
   kept ones when what is left is still interesting. Answers whether it did. */
static bool try_without(Reducer *r, const uint32_t *which, uint32_t n) {
  memcpy(r->trial, r->keep, r->nlines);
  for (uint32_t k = 0; k < n; k++) r->trial[which[k]] = false;
  if (!interesting(r, r->trial)) return false;
  memcpy(r->keep, r->trial, r->nlines);
  return true;
}

/* The kept lines a chunk may hold, into cand; answers how many. */
static uint32_t candidates_of(const Reducer *r, uint32_t *cand) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < r->nlines; i++)
    if (r->keep[i] && removable(r->lines[i])) cand[n++] = i;
  return n;
}

/* Whole functions, last to first: ddmin never removes the .func and .end lines a
   function cannot assemble without. (main cannot go: nothing verifies without it.) */
static bool remove_functions(Reducer *r, uint32_t *block) {
  bool any = false;
  for (uint32_t end = r->nlines; end-- > 0 && !time_up(r);) {
    if (!r->keep[end] || strcmp(r->lines[end], ".end") != 0) continue;
    uint32_t begin = end, n = 0;
    while (begin > 0 && strncmp(r->lines[begin], ".func", 5) != 0) begin--;
    for (uint32_t k = begin; k <= end; k++)
      if (r->keep[k]) block[n++] = k;
    any |= try_without(r, block, n);
    end = begin;
  }
  return any;
}

/* ddmin: removes each of n chunks of the candidate lines in turn; a removal that keeps
   the divergence is taken and the chunks coarsen again, else they halve, down to single
   lines. */
static bool ddmin(Reducer *r, uint32_t *cand) {
  uint32_t ncand = candidates_of(r, cand), n = 2;
  bool any = false;
  while (ncand >= 1 && !time_up(r)) {
    if (n > ncand) n = ncand;
    bool removed = false;
    for (uint32_t c = 0; c < n && !removed; c++) {
      uint32_t lo = (uint32_t)((uint64_t)ncand * c / n), hi = (uint32_t)((uint64_t)ncand * (c + 1) / n);
      if (try_without(r, cand + lo, hi - lo)) {
        memmove(cand + lo, cand + hi, sizeof(uint32_t) * (ncand - hi));
        ncand -= hi - lo;
        removed = any = true;
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
  return any;
}

/* Windows of 2 to REDUCE_WINDOW neighbouring candidate lines, which ddmin's halving
   chunks miss: a push and the pop that balances it, a whole statement. */
static bool remove_windows(Reducer *r, uint32_t *cand) {
  uint32_t ncand = candidates_of(r, cand);
  bool any = false;
  for (uint32_t w = 2; w <= REDUCE_WINDOW; w++)
    for (uint32_t lo = 0; lo + w <= ncand; lo++) {
      if (time_up(r)) return any;
      if (!try_without(r, cand + lo, w)) continue;
      memmove(cand + lo, cand + lo + w, sizeof(uint32_t) * (ncand - lo - w));
      ncand -= w;
      any = true;
    }
  return any;
}

/* Pairs of lines up to REDUCE_PAIR_SPAN candidates apart, with others between them: a
   push and the instruction that consumes it, or a store and the load of it, which only
   go together. Tried last, when nothing else removes a line: it costs a run per pair. */
static bool remove_pairs(Reducer *r, uint32_t *cand) {
  uint32_t ncand = candidates_of(r, cand);
  bool any = false;
  for (uint32_t i = 0; i < ncand; i++)
    for (uint32_t j = i + 2; j < ncand && j <= i + REDUCE_PAIR_SPAN; j++) {
      if (time_up(r)) return any;
      uint32_t pair[2] = {cand[i], cand[j]};
      if (!try_without(r, pair, 2)) continue;
      memmove(cand + j, cand + j + 1, sizeof(uint32_t) * (ncand - j - 1));
      memmove(cand + i, cand + i + 1, sizeof(uint32_t) * (ncand - i - 1));
      ncand -= 2;
      any = true;
      j = i + 1;  /* i now names the next line: start its partners again */
    }
  return any;
}

bool reduce_program(const Module *m, Limits limits, Fault fault, OracleKnobs knobs, double seconds, bool progress,
                    Buf *out, ReduceStats *st) {
  memset(st, 0, sizeof *st);
  double start = seconds_now();
  OracleResult first;
  run_localized(m, limits, fault, knobs, &first);
  bool diverged = first.diverged;
  snprintf(st->signature, sizeof st->signature, "%s", first.signature);
  oracle_result_free(&first);
  if (!diverged) return false;

  Buf text = {0};
  dis_module(m, &text);
  Reducer r = {limits, fault, knobs, st->signature, progress, 0, st, NULL, 0, NULL, NULL, start, seconds};
  for (const char *p = text.data ? text.data : ""; *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    r.lines = xrealloc(r.lines, sizeof(char *) * (r.nlines + 1));
    r.lines[r.nlines++] = xstrndup(p, len);
    p += len + (nl != NULL);
  }
  size_t cap = r.nlines ? r.nlines : 1;
  r.keep = xmalloc(cap);
  r.trial = xmalloc(cap);
  memset(r.keep, 1, cap);
  uint32_t *scratch = xmalloc(sizeof(uint32_t) * cap);
  /* Each pass can let another remove more: all again, until none does; pairs only when
     the cheaper ones remove nothing. */
  for (bool any = true; any && !time_up(&r);) {
    any = remove_functions(&r, scratch);
    any |= ddmin(&r, scratch);
    any |= remove_windows(&r, scratch);
    if (!any) any = remove_pairs(&r, scratch);
  }
  if (progress) fputc('\n', stderr);
  st->seconds = seconds_now() - start;
  st->lines_before = r.nlines;
  join(&r, r.keep, out);
  for (uint32_t i = 0; i < r.nlines; i++) st->lines_after += r.keep[i];
  for (uint32_t i = 0; i < r.nlines; i++) free(r.lines[i]);
  free(r.lines);
  free(r.keep);
  free(r.trial);
  free(scratch);
  buf_free(&text);
  return true;
}
