/* reduce.c: shrinking a divergent program: ddmin over its lines, branch rewrites, candidates in a child (reduce.h). */
#include "reduce.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "asm.h"
#include "opcodes.h"
#include "localize.h"

#define REDUCE_WINDOW 8  /* the most neighbouring lines tried together after ddmin */
#define REDUCE_PAIR_SPAN 24  /* the farthest apart two lines tried together, in candidates */
#define REDUCE_FUEL_TIMES 4     /* a candidate's fuel: this many times the program's use... */
#define REDUCE_FUEL_FLOOR 20000   /* ...and at least this: a campaign's programs get 20,000, so never less */
#define REDUCE_SLOWER 10          /* a candidate's time: this many times the program's... */
#define REDUCE_CANDIDATE_SECONDS 0.25  /* ...and this much more */

/* A line's part in control flow (line_flow). */
typedef struct {
  bool directive;  /* .func, .end, .global...: always kept (not .try: below) */
  bool starts;     /* .func: the next line is where a run enters */
  bool falls;      /* a run goes on to the next line (false after jump, loop, return) */
  int op;          /* the opcode of its last instruction, or -1 */
  int32_t target;  /* the line of the label its jump or loop goes to, or -1 */
  char label[24];  /* the label it places, or "" */
  char goes_to[24];  /* the label its jump or loop names, or its handler's (.try), or "" */
} LineFlow;

typedef struct {
  Limits limits;
  Limits candidate_limits;  /* what candidates run with (reduce_program: their fuel) */
  double candidate_seconds;  /* how long one may run (diverges_apart) */
  pid_t child;               /* where candidates run, or 0 */
  int child_fd;
  Fault fault;
  OracleKnobs knobs;
  const char *signature;
  bool progress;
  double last_report;
  ReduceStats *st;
  char **lines;        /* every line of the starting text, as rewritten so far */
  LineFlow *flow;      /* each line's part in control flow */
  uint32_t nlines;
  bool *keep;          /* the lines kept so far */
  bool *trial;         /* a candidate: keep with some lines taken out */
  bool *live;          /* scratch for keep_reachable */
  uint32_t *work;
  double start, seconds;  /* when it began, and for how long it may run (0: no bound) */
} Reducer;

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The part of `line` in control flow: a line is a directive, a label, or one or more
   instructions (a rewrite may put two on a line, separated by a newline); the last
   instruction says whether control falls through. A `.try START END HANDLER` line may go
   like an instruction: while it is kept its handler is reached (an error's edge), so it
   "jumps" there and falls on. Targets are resolved by resolve_targets. */
static LineFlow line_flow(const char *line) {
  LineFlow f = {.falls = true, .target = -1, .op = -1};
  const char *p = line;
  while (*p == ' ' || *p == '\t') p++;
  if (strncmp(p, ".try", 4) == 0 && (p[4] == ' ' || p[4] == '\t')) {
    const char *h = p + 4;
    for (int word = 0; word < 3; word++) {  /* the third label: the handler */
      h += strspn(h, " \t");
      if (word < 2) h += strcspn(h, " \t");
    }
    snprintf(f.goes_to, sizeof f.goes_to, "%.*s", (int)strcspn(h, " \t;"), h);
    return f;
  }
  if (*p == '.') {
    f.directive = true;
    f.starts = strncmp(p, ".func", 5) == 0;
    f.falls = false;
    return f;
  }
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    size_t n = strcspn(p, " \t\n");
    if (!n || *p == ';') break;
    if (p[n - 1] == ':') {
      snprintf(f.label, sizeof f.label, "%.*s", (int)(n - 1), p);
      p += n;
      continue;
    }
    int op = op_from_name(p, n);
    p += n;
    while (*p == ' ' || *p == '\t') p++;
    size_t arg = strcspn(p, " \t\n;");
    f.op = op;
    if (op >= 0) {
      uint8_t flags = op_info[op].flags;
      f.falls = !(flags & OPF_STOP);
      if (flags & (OPF_BRANCH | OPF_BACK)) snprintf(f.goes_to, sizeof f.goes_to, "%.*s", (int)arg, p);
    }
    p += arg;
    p += strcspn(p, "\n");
  }
  return f;
}

/* Each line's target: the line in its function that places the label it names. */
static void resolve_targets(Reducer *r) {
  uint32_t begin = 0;
  for (uint32_t i = 0; i < r->nlines; i++) {
    LineFlow *f = &r->flow[i];
    if (f->starts) begin = i;
    f->target = -1;
    if (!f->goes_to[0]) continue;
    for (uint32_t j = begin; j < r->nlines && !(j > begin && r->flow[j].starts); j++)
      if (strcmp(r->flow[j].label, f->goes_to) == 0) f->target = (int32_t)j;
  }
}

/* Takes out of keep the lines no run can reach: from each function's first line, kept
   lines fall through to the next kept one and jump to their label's line. The verifier
   rejects code nothing reaches, so a candidate that strands some (a branch rewritten
   away, a jump removed) is tried without it. Directives stay. */
static void keep_reachable(const Reducer *r, bool *keep, uint32_t *work, bool *live) {
  memset(live, 0, r->nlines);
  uint32_t n = 0;
  for (uint32_t i = 0; i < r->nlines; i++) {
    if (r->flow[i].directive) live[i] = true;
    if (r->flow[i].starts && i + 1 < r->nlines) work[n++] = i + 1;
  }
  while (n) {
    uint32_t i = work[--n];
    while (i < r->nlines && !keep[i]) i++;  /* a line taken out: the next kept one */
    if (i >= r->nlines || live[i] || r->flow[i].directive) continue;
    live[i] = true;
    if (r->flow[i].target >= 0) work[n++] = (uint32_t)r->flow[i].target;
    if (r->flow[i].falls) work[n++] = i + 1;
  }
  for (uint32_t i = 0; i < r->nlines; i++) keep[i] = keep[i] && live[i];
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

/* Whether any configuration ran out of fuel. */
static bool ran_out_of_fuel(const OracleResult *res) {
  for (size_t c = 0; c < oracle_nconfigs; c++)
    if (res->obs[c].error == ERR_FUEL) return true;
  return false;
}

/* Whether m diverges with the signature kept. */
static bool diverges_alike(const Reducer *r, const Module *m) {
  OracleResult res;
  run_localized(m, r->candidate_limits, r->fault, r->knobs, &res);
  bool yes = res.diverged && strcmp(res.signature, r->signature) == 0;
  /* Under a lower fuel limit than the program's, running out says nothing about how it
     ends under its own. */
  if (r->candidate_limits.fuel < r->limits.fuel && ran_out_of_fuel(&res)) yes = false;
  oracle_result_free(&res);
  return yes;
}

/* ---- Candidates in a child process ----
 *
 * A removal can take a loop's exit, and a tier that does not charge fuel (the bug being
 * reduced, say) then never ends; a candidate can crash the VM too. So candidates run in
 * a child process, forked once and fed over a socket (a fork per candidate cost half as
 * much again as the runs): a text goes down as its length and bytes, one byte comes
 * back. A candidate that runs longer than r->candidate_seconds, or crashes, is not
 * taken, and the child is replaced at the next candidate. */

static bool read_all(int fd, void *to, size_t n) {
  for (size_t got = 0; got < n;) {
    ssize_t k = read(fd, (char *)to + got, n - got);
    if (k <= 0 && !(k < 0 && errno == EINTR)) return false;
    if (k > 0) got += (size_t)k;
  }
  return true;
}

static bool send_all(int fd, const void *from, size_t n) {
  for (size_t sent = 0; sent < n;) {
    ssize_t k = send(fd, (const char *)from + sent, n - sent, MSG_NOSIGNAL);
    if (k <= 0 && !(k < 0 && errno == EINTR)) return false;
    if (k > 0) sent += (size_t)k;
  }
  return true;
}

/* The child: texts in, one byte out each (1: diverges alike), until the socket closes. */
static void serve_candidates(const Reducer *r, int fd) {
  static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM};
  for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) signal(fatal[i], SIG_DFL);  /* no find saved */
  alarm(0);
  Buf text = {0};
  uint64_t len;
  while (read_all(fd, &len, sizeof len)) {
    text.len = 0;
    buf_reserve(&text, len + 1);
    if (!read_all(fd, text.data, len)) break;
    text.len = len;
    Module m;
    Diag d = {{0}};
    char yes = 0;
    if (asm_assemble(text.data ? text.data : "", text.len, "reduce", &m, NULL, &d)) {
      yes = diverges_alike(r, &m);
      module_free(&m);
    }
    if (!send_all(fd, &yes, 1)) break;
  }
  _exit(0);
}

static void stop_child(Reducer *r) {
  if (r->child <= 0) return;
  close(r->child_fd);
  kill(r->child, SIGKILL);
  while (waitpid(r->child, NULL, 0) < 0 && errno == EINTR) {}
  r->child = 0;
}

/* Whether text (which assembles) diverges alike, asked of the child (started if it is
   not running); in this process when no child can be had. */
static bool diverges_apart(Reducer *r, const Buf *text, const Module *m) {
  if (r->child <= 0) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return diverges_alike(r, m);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
      close(sv[0]);
      serve_candidates(r, sv[1]);
    }
    close(sv[1]);
    if (pid < 0) {
      close(sv[0]);
      return diverges_alike(r, m);
    }
    r->child = pid;
    r->child_fd = sv[0];
  }
  uint64_t len = text->len;
  char yes = 0;
  if (send_all(r->child_fd, &len, sizeof len) && send_all(r->child_fd, text->data, text->len)) {
    struct pollfd pfd = {r->child_fd, POLLIN, 0};
    int waited;
    while ((waited = poll(&pfd, 1, (int)(r->candidate_seconds * 1000))) < 0 && errno == EINTR) {}
    if (waited > 0 && read_all(r->child_fd, &yes, 1)) return yes;
    if (waited == 0) r->st->timeouts++;
  }
  stop_child(r);  /* it ran too long, or crashed */
  return false;
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
    r->st->tests++;
    yes = diverges_apart(r, &text, &m);
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
  keep_reachable(r, r->trial, r->work, r->live);
  if (!interesting(r, r->trial)) return false;
  memcpy(r->keep, r->trial, r->nlines);
  return true;
}

/* Line i rewritten as `text`, kept when what is left still diverges the same way. */
static bool try_rewrite(Reducer *r, uint32_t i, const char *text) {
  char *old = r->lines[i];
  LineFlow old_flow = r->flow[i];
  r->lines[i] = xstrndup(text, strlen(text));
  r->flow[i] = line_flow(text);
  resolve_targets(r);
  if (try_without(r, NULL, 0)) {
    free(old);
    return true;
  }
  free(r->lines[i]);
  r->lines[i] = old;
  r->flow[i] = old_flow;
  resolve_targets(r);
  return false;
}

/* Conditional jumps rewritten as never taken (`pop`: the condition is dropped) or always
   taken (`pop`, then `jump` to the label): with the lines no run reaches any more
   (keep_reachable), a branch and the code of its one side go at once, which no removal
   of lines does (that leaves the other side stranded, and the verifier rejects it). */
static bool rewrite_branches(Reducer *r) {
  bool any = false;
  for (uint32_t i = 0; i < r->nlines; i++) {
    int op = r->flow[i].op;
    if (!r->keep[i] || (op != OP_JUMP_IF_FALSE && op != OP_JUMP_IF_TRUE)) continue;
    char always[64];
    snprintf(always, sizeof always, "    pop\n    jump %s", r->flow[i].goes_to);
    if (time_up(r)) break;
    if (try_rewrite(r, i, "    pop") || (!time_up(r) && try_rewrite(r, i, always))) any = true;
  }
  return any;
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
  double first_seconds = seconds_now() - start;
  bool diverged = first.diverged;
  /* A candidate loops for ever once a removal takes a loop's exit or its counter; under
     the default limit (a billion) that takes minutes. Candidates get a few times the
     fuel the program used (REDUCE_FUEL_TIMES, at least REDUCE_FUEL_FLOOR), and one that
     runs out of it is not taken. */
  uint64_t used = 0;
  for (size_t c = 0; c < oracle_nconfigs; c++)
    if (first.obs[c].fuel_used > used) used = first.obs[c].fuel_used;
  Limits candidate_limits = limits;
  uint64_t bound = used * REDUCE_FUEL_TIMES > REDUCE_FUEL_FLOOR ? used * REDUCE_FUEL_TIMES : REDUCE_FUEL_FLOOR;
  if (bound < candidate_limits.fuel) candidate_limits.fuel = bound;
  snprintf(st->signature, sizeof st->signature, "%s", first.signature);
  oracle_result_free(&first);
  if (!diverged) return false;

  Buf text = {0};
  dis_module(m, &text);
  /* A candidate is no bigger than the program, and gets its fuel at most a few times. */
  double candidate_seconds = st->candidate_seconds = REDUCE_SLOWER * first_seconds + REDUCE_CANDIDATE_SECONDS;
  Reducer r = {.limits = limits, .candidate_limits = candidate_limits, .candidate_seconds = candidate_seconds, .fault = fault, .knobs = knobs, .signature = st->signature, .progress = progress,
               .st = st, .start = start, .seconds = seconds};
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
  r.live = xmalloc(cap);
  r.work = xmalloc(sizeof(uint32_t) * (3 * cap + 1));  /* each live line pushes at most two */
  r.flow = xmalloc(sizeof(LineFlow) * cap);
  for (uint32_t i = 0; i < r.nlines; i++) r.flow[i] = line_flow(r.lines[i]);
  resolve_targets(&r);
  memset(r.keep, 1, cap);
  uint32_t *scratch = xmalloc(sizeof(uint32_t) * cap);
  /* Each pass can let another remove more: all again, until none does; pairs only when
     the cheaper ones remove nothing. */
  for (bool any = true; any && !time_up(&r);) {
    any = remove_functions(&r, scratch);
    any |= ddmin(&r, scratch);
    any |= remove_windows(&r, scratch);
    if (!any) any = rewrite_branches(&r);
    if (!any) any = remove_pairs(&r, scratch);
  }
  stop_child(&r);
  if (progress) fputc('\n', stderr);
  st->seconds = seconds_now() - start;
  st->lines_before = r.nlines;
  join(&r, r.keep, out);
  for (size_t i = 0; i < out->len; i++) st->lines_after += out->data[i] == '\n';
  for (uint32_t i = 0; i < r.nlines; i++) free(r.lines[i]);
  free(r.lines);
  free(r.keep);
  free(r.trial);
  free(r.live);
  free(r.work);
  free(r.flow);
  free(scratch);
  buf_free(&text);
  return true;
}
