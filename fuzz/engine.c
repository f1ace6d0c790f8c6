/* engine.c: the built-in fuzzing engine (see engine.h). Its counts, the pipe messages
 * of its workers, the progress line and the summary expand FUZZ_COUNTS (engine.h) and
 * ORACLE_REACH (oracle/oracle.h). */
#include "engine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fatal.h"
#include "gen.h"
#include "oracle.h"
#include "report.h"

Limits fuzz_default_limits(void) {
  Limits l = limits_default();
  l.fuel = 20000;
  l.max_depth = 64;
  l.max_heap = 1u << 22;
  l.max_output = 1u << 16;
  return l;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile sig_atomic_t interrupted;
static void on_interrupt(int sig) {
  (void)sig;
  interrupted = 1;
}

/* Writes bytes to path through a temporary file and a rename, so a reader (or a crash)
   never sees half a file. */
static bool write_atomically(const char *path, const void *data, size_t len) {
  char tmp[1200];
  snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
  FILE *f = fopen(tmp, "wb");
  if (!f) return false;
  bool ok = fwrite(data, 1, len, f) == len;
  ok = fflush(f) == 0 && ok;
  ok = fsync(fileno(f)) == 0 && ok;
  ok = fclose(f) == 0 && ok;
  if (ok) ok = rename(tmp, path) == 0;
  if (!ok) unlink(tmp);
  return ok;
}

/* mkdir -p: creates path and any missing parents. */
static bool make_dir(const char *path) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return false;
    *p = '/';
  }
  return mkdir(buf, 0777) == 0 || errno == EEXIST;
}

void fuzz_replay_options(const FuzzOptions *o, char *out, size_t cap) {
  snprintf(out, cap, "--fuel=%" PRIu64 " --max-depth=%" PRIu64 " --max-heap=%" PRIu64 " --max-output=%" PRIu64 "%s%s",
           o->limits.fuel, o->limits.max_depth, o->limits.max_heap, o->limits.max_output, o->fault ? " --fault=" : "",
           o->fault ? fault_name[o->fault] : "");
}

/* Saves a divergence as DIR/SIGNATURE/{input.gen, program.tas, report.txt}. Returns 1
   when saved, 0 when the signature was already there, -1 on an I/O error. */
static int save_divergence(const FuzzOptions *o, uint64_t seed, const uint8_t *input, size_t len, const Module *m,
                           const OracleResult *r) {
  const char *dir = o->out_dir;
  char sigdir[1024], path[sizeof sigdir + 16];  /* room for sigdir and a file name */
  if (!make_dir(dir)) return -1;
  if (snprintf(sigdir, sizeof sigdir, "%s/%s", dir, r->signature) >= (int)sizeof sigdir) return -1;
  if (mkdir(sigdir, 0777) != 0) return errno == EEXIST ? 0 : -1;  /* mkdir is the claim */
  Buf report = {0};
  char limits[200];
  fuzz_replay_options(o, limits, sizeof limits);
  buf_printf(&report, "seed %" PRIu64 "\nreplay: tessera repro %s %s/input.gen\n    or: tessera repro %s %s/program.tas\nfound by: %s\n\n",
             seed, limits, sigdir, limits, sigdir, o->version ? o->version : "unknown");
  oracle_report(m, r, &report);
  snprintf(path, sizeof path, "%s/input.gen", sigdir);
  bool ok = write_atomically(path, input, len);
  snprintf(path, sizeof path, "%s/program.tas", sigdir);
  Buf program = {0};
  buf_printf(&program, "; found by tessera fuzz, seed %" PRIu64 ", signature %s\n; replay: tessera repro %s FILE\n; build: %s\n",
             seed, r->signature, limits, o->version ? o->version : "unknown");
  Buf tas = {0};
  Diag d = {{0}};
  if (!gen_text_of(input, len, m, &tas, &d)) buf_printf(&report, "\nwarning: %s\n", d.msg);
  buf_append(&program, tas.data, tas.len);
  buf_free(&tas);
  ok = write_atomically(path, program.data, program.len) && ok;
  buf_free(&program);
  snprintf(path, sizeof path, "%s/report.txt", sigdir);
  ok = write_atomically(path, report.data, report.len) && ok;
  buf_free(&report);
  return ok ? 1 : -1;
}

/* ---- Crashes and hangs ----
 *
 * A program that crashes the VM, or runs longer than FUZZ_PROGRAM_SECONDS (generated
 * programs run in microseconds, and fuel bounds every loop: only a VM bug hangs), is a
 * finding too. While a worker runs a program, its input bytes and seed are where a
 * signal handler can reach them; on SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, or the
 * SIGALRM of the per-program alarm, the handler writes DIR/crash-SEED.gen and a line
 * saying how to replay it, with nothing but open, write and close (async-signal-safe),
 * then lets the signal take its course (fatal.h). */
#define FUZZ_PROGRAM_SECONDS 10

static const uint8_t *volatile fatal_input;
static volatile size_t fatal_len;
static volatile uint64_t fatal_seed;
static char fatal_dir[900];
static char fatal_limits[200];
static void on_fatal(int sig) {
  char path[1024], line[2048];
  size_t n = fatal_put_str(path, 0, sizeof path, fatal_dir);
  n = fatal_put_str(path, n, sizeof path, "/crash-");
  n = fatal_put_u64(path, n, sizeof path, fatal_seed);
  n = fatal_put_str(path, n, sizeof path, ".gen");
  path[n] = '\0';
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    (void)!write(fd, (const void *)fatal_input, fatal_len);
    close(fd);
  }
  size_t k = fatal_put_str(line, 0, sizeof line, "\n[fuzz] the program at seed ");
  k = fatal_put_u64(line, k, sizeof line, fatal_seed);
  if (sig == SIGALRM) {
    k = fatal_put_str(line, k, sizeof line, " ran for more than ");
    k = fatal_put_u64(line, k, sizeof line, FUZZ_PROGRAM_SECONDS);
    k = fatal_put_str(line, k, sizeof line, " s (a hang)");
  } else {
    k = fatal_put_str(line, k, sizeof line, " crashed the VM (signal ");
    k = fatal_put_u64(line, k, sizeof line, (uint64_t)sig);
    k = fatal_put_str(line, k, sizeof line, ")");
  }
  k = fatal_put_str(line, k, sizeof line, fd >= 0 ? "; its input is saved: tessera repro " : "; it could not be saved: ");
  k = fatal_put_str(line, k, sizeof line, fatal_limits);
  k = fatal_put_str(line, k, sizeof line, " ");
  k = fatal_put_str(line, k, sizeof line, path);
  k = fatal_put_str(line, k, sizeof line, "\n");
  (void)!write(2, line, k);
  fatal_signals_pass_on(sig);
}

static void watch_fatal_signals(const FuzzOptions *o) {
  snprintf(fatal_dir, sizeof fatal_dir, "%s", o->out_dir);
  fuzz_replay_options(o, fatal_limits, sizeof fatal_limits);
  fatal_signals_catch(on_fatal);
  (void)make_dir(o->out_dir);  /* made now, the handler cannot; once it exists, so do the handlers */
}

static double pct(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

/* "reach: specialized 100% deopt 81% ...": one "LABEL N%" per counter of ORACLE_REACH. */
#define REACH_FORMAT(NAME, label, summary, TIER, test, doc) " " label " %.0f%%"
#define REACH_SHARE(NAME, label, summary, TIER, test, doc) pct(c->reached[REACH_##NAME], c->programs),

static void print_progress(const FuzzCounts *c, double elapsed, bool final) {
  bool tty = isatty(2);
  char lost[64] = "";
  if (c->crashes || c->hangs)
    snprintf(lost, sizeof lost, "  crashes %" PRIu64 " hangs %" PRIu64, c->crashes, c->hangs);
  fprintf(stderr,
          "%s[fuzz] %6.1fs  programs %" PRIu64 "  %.0f/s  reach:" ORACLE_REACH(REACH_FORMAT)
          "  divergences %" PRIu64 " (%" PRIu64 " new)%s%s",
          tty && !final ? "\r" : "", elapsed, c->programs, elapsed > 0 ? (double)c->programs / elapsed : 0.0,
          ORACLE_REACH(REACH_SHARE) c->divergences, c->saved, lost, tty && !final ? "   " : "\n");
  fflush(stderr);
}

/* The same, as a JSON line for --json. */
static void json_progress(const FuzzOptions *o, const FuzzCounts *c, double elapsed, bool final) {
  if (!o->json) return;
  Buf b = {0};
  buf_printf(&b, "{\"seconds\": %.1f, \"final\": %s, \"counts\": ", elapsed, final ? "true" : "false");
  report_json_counts(&b, c);
  buf_puts(&b, "}\n");
  fwrite(b.data, 1, b.len, o->json);
  fflush(o->json);
  buf_free(&b);
}

/* The summary's reach: each counter's phrase, neighbours from one tier joined by ", ",
   the others by "; " ("t1 specialized in 100.0%, deopted in 81.4%; t2 built ..."). */
static void summary_reach(const FuzzCounts *c, Buf *out) {
  int prev = -1;
#define REACH(NAME, label, summary, TIER, test, doc)                                  \
  buf_printf(out, "%s" summary, prev < 0 ? "" : prev == (int)(TIER) ? ", " : "; ",     \
             pct(c->reached[REACH_##NAME], c->programs));                              \
  prev = (int)(TIER);
  ORACLE_REACH(REACH)
#undef REACH
}

uint64_t fuzz_program_seed(uint64_t campaign_seed, uint64_t index) {
  uint64_t z = campaign_seed + 0x9e3779b97f4a7c15ull;  /* splitmix64's finalizer: seeds S and S + 1 */
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;        /* start far apart */
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (z ^ (z >> 31)) + index;
}

/* ---- Workers ----
 *
 * Every job is a worker process with a slot in memory shared with the parent: the
 * worker adds each program's counts there as it finishes it and writes the index of
 * the program it is about to run; the parent reads the slots for the progress line
 * (relaxed atomic loads and stores, so a read is never torn), and sums them once the
 * worker is gone. So a worker that crashes or hangs loses nothing it had counted, and
 * the parent knows which program killed it: it counts a crash or a hang and starts a
 * new worker at the next program of that job (the worker's signal handler has already
 * saved the program as DIR/crash-SEED.gen). */
STATIC_ASSERT(sizeof(FuzzCounts) % sizeof(uint64_t) == 0, "slot_add and slot_read see FuzzCounts as uint64_t words");

typedef struct {
  FuzzCounts counts;  /* the programs finished */
  uint64_t running;   /* the index of the program being run */
} JobSlot;

static void slot_add(JobSlot *slot, const FuzzCounts *one) {
  uint64_t *to = (uint64_t *)&slot->counts;
  const uint64_t *from = (const uint64_t *)one;
  for (size_t i = 0; i < sizeof(FuzzCounts) / sizeof(uint64_t); i++)
    if (from[i]) __atomic_store_n(&to[i], __atomic_load_n(&to[i], __ATOMIC_RELAXED) + from[i], __ATOMIC_RELAXED);
}

static void slot_read(const JobSlot *slot, FuzzCounts *into) {
  uint64_t *to = (uint64_t *)into;
  const uint64_t *from = (const uint64_t *)&slot->counts;
  for (size_t i = 0; i < sizeof(FuzzCounts) / sizeof(uint64_t); i++) to[i] += __atomic_load_n(&from[i], __ATOMIC_RELAXED);
}

/* One worker: programs first, first + J, first + 2J, ... of the campaign that began at
   `start`, counted into slot. */
static void run_job(const FuzzOptions *o, uint64_t first, double start, JobSlot *slot) {
  uint8_t input[GEN_SEED_BYTES];
  watch_fatal_signals(o);
  fatal_input = input;
  fatal_len = sizeof input;
  for (uint64_t index = first; !interrupted; index += (uint64_t)o->jobs) {
    if (o->seconds > 0 && now_seconds() - start >= o->seconds) break;
    if (o->max_programs && index >= o->max_programs) break;
    __atomic_store_n(&slot->running, index, __ATOMIC_RELAXED);
    uint64_t seed = fuzz_program_seed(o->seed, index);
    gen_bytes_from_seed(seed, input, sizeof input);
    fatal_seed = seed;
    alarm(FUZZ_PROGRAM_SECONDS);
    if (o->test_crash_at && index == o->test_crash_at - 1) raise(SIGSEGV);  /* test-only: a VM crash */
    Module m;
    GenShape shape;
    Diag d = {{0}};
    FuzzCounts one = {0};
    one.programs = 1;
    /* The module only: the text is written again for the programs that are saved. */
    if (!gen_program(input, sizeof input, NULL, &m, &shape, &d)) {
      one.gen_failures = 1;
      fprintf(stderr, "\n[fuzz] generator bug at seed %" PRIu64 ": %s\n", seed, d.msg);
    } else {
      OracleResult r;
      oracle_run(&m, o->limits, o->fault, &r);
      for (int i = 0; i < REACH__COUNT; i++) one.reached[i] = r.reached[i];
      one.executed = r.executed;
      if (o->observations) {
        Buf line = {0};
        for (size_t c = 0; c < oracle_nconfigs; c++) {
          buf_printf(&line, "%" PRIu64 " %s ", seed, oracle_configs[c].name);
          observation_json(&r.obs[c], &line);
          buf_putc(&line, '\n');
        }
        fwrite(line.data, 1, line.len, o->observations);
        fflush(o->observations);  /* before the next program, which may crash */
        buf_free(&line);
      }
      if (r.diverged) {
        one.divergences = 1;
        int saved = save_divergence(o, seed, input, sizeof input, &m, &r);
        if (saved < 0) fprintf(stderr, "\n[fuzz] cannot save a divergence under %s: %s\n", o->out_dir, strerror(errno));
        if (saved > 0) {
          one.saved = 1;
          fprintf(stderr, "%s[fuzz] new divergence %s (seed %" PRIu64 "): %s\n       saved in %s/%s\n",
                  isatty(2) ? "\n" : "", r.signature, seed, r.where, o->out_dir, r.signature);
        }
      }
      oracle_result_free(&r);
      module_free(&m);
    }
    slot_add(slot, &one);
  }
  alarm(0);
}

/* Starts job j's worker at program `first`; returns its pid, or -1. */
static pid_t start_worker(const FuzzOptions *o, int j, uint64_t first, double start, JobSlot *slot) {
  fflush(NULL);  /* nothing buffered is written twice */
  pid_t pid = fork();
  if (pid == 0) {
    run_job(o, first, start, slot);
    if (o->observations) fflush(o->observations);
    _exit(0);
  }
  if (pid < 0) fprintf(stderr, "[fuzz] cannot start job %d: %s\n", j, strerror(errno));
  return pid;
}

/* Whether job j, whose worker died at program `index`, has programs left to run. */
static bool job_has_more(const FuzzOptions *o, uint64_t index, double start) {
  if (interrupted || (o->seconds > 0 && now_seconds() - start >= o->seconds)) return false;
  return !o->max_programs || index + (uint64_t)o->jobs < o->max_programs;
}

/* ---- Finds, for the reports ---- */

typedef struct {
  char **names;
  size_t len, cap;
} NameList;

static void names_add(NameList *l, const char *name) {
  if (l->len == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 16;
    l->names = xrealloc(l->names, l->cap * sizeof(char *));
  }
  l->names[l->len++] = xstrndup(name, strlen(name));
}

static bool names_have(const NameList *l, const char *name) {
  for (size_t i = 0; i < l->len; i++)
    if (strcmp(l->names[i], name) == 0) return true;
  return false;
}

static void names_free(NameList *l) {
  for (size_t i = 0; i < l->len; i++) free(l->names[i]);
  free(l->names);
}

/* The finds in dir (signature directories and crash-SEED.gen files) not in `before`. */
static void list_finds(const char *dir, const NameList *before, NameList *out) {
  DIR *d = opendir(dir);
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.' || (before && names_have(before, e->d_name))) continue;
    size_t n = strlen(e->d_name);
    bool crash = strncmp(e->d_name, "crash-", 6) == 0 && n > 4 && strcmp(e->d_name + n - 4, ".gen") == 0;
    char report[1200];
    snprintf(report, sizeof report, "%s/%s/report.txt", dir, e->d_name);
    if (crash || access(report, R_OK) == 0) names_add(out, e->d_name);
  }
  closedir(d);
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

FuzzCounts fuzz_campaign(const FuzzOptions *o) {
  interrupted = 0;
  signal(SIGINT, on_interrupt);
  double start = now_seconds();
  FuzzCounts total = {0}, lost = {0};  /* lost: the crashes and hangs, counted here */
  char limit[64];
  if (o->seconds > 0) snprintf(limit, sizeof limit, "%.0f seconds", o->seconds);
  else if (o->max_programs) snprintf(limit, sizeof limit, "%" PRIu64 " programs", o->max_programs);
  else snprintf(limit, sizeof limit, "until interrupted");
  fprintf(stderr, "[fuzz] seed %" PRIu64 "%s, %d job%s, %s, %zu configurations, divergences saved in %s/\n", o->seed,
          o->fresh_seed ? " (fresh: --seed=it runs this campaign again)" : "", o->jobs, o->jobs == 1 ? "" : "s", limit,
          oracle_nconfigs, o->out_dir);
  (void)make_dir(o->out_dir);
  NameList before = {0}, found = {0};
  list_finds(o->out_dir, NULL, &before);
  ReportSample *samples = NULL;
  size_t nsamples = 0, samples_cap = 0;
  JobSlot *slots = mmap(NULL, sizeof(JobSlot) * (size_t)o->jobs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (slots == MAP_FAILED) {
    perror("tessera fuzz: mmap");
    return total;
  }
  memset(slots, 0, sizeof(JobSlot) * (size_t)o->jobs);
  pid_t *pids = xcalloc((size_t)o->jobs, sizeof(pid_t));
  int alive = 0;
  for (int j = 0; j < o->jobs; j++) alive += (pids[j] = start_worker(o, j, (uint64_t)j, start, &slots[j])) > 0;
  double last = start;
  while (alive > 0) {
    int st = 0;
    pid_t pid = waitpid(-1, &st, WNOHANG);
    if (pid <= 0) {
      struct timespec pause = {0, 50 * 1000 * 1000};
      nanosleep(&pause, NULL);
    }
    int j = 0;
    while (pid > 0 && j < o->jobs && pids[j] != pid) j++;
    if (pid > 0 && j < o->jobs) {
      pids[j] = 0;
      alive--;
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        /* The program it was running crashed or hung the VM: counted, and the job goes
           on from its next program (its handler saved this one, or said why not). */
        uint64_t index = __atomic_load_n(&slots[j].running, __ATOMIC_RELAXED);
        bool hang = WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM;
        if (hang) lost.hangs++;
        else lost.crashes++;
        lost.programs++;
        fprintf(stderr, "%s[fuzz] job %d: the program at seed %" PRIu64 " %s (%s %d); the job goes on\n",
                isatty(2) ? "\n" : "", j, fuzz_program_seed(o->seed, index), hang ? "hung" : "crashed the VM",
                WIFSIGNALED(st) ? "signal" : "exit status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        if (job_has_more(o, index, start)) {
          pids[j] = start_worker(o, j, index + (uint64_t)o->jobs, start, &slots[j]);
          alive += pids[j] > 0;
        }
      }
    }
    double t = now_seconds();
    if (t - last >= 1.0) {
      last = t;
      FuzzCounts now = lost;
      for (int k = 0; k < o->jobs; k++) slot_read(&slots[k], &now);
      print_progress(&now, t - start, false);
      json_progress(o, &now, t - start, false);
      if (nsamples == samples_cap) {
        samples_cap = samples_cap ? 2 * samples_cap : 64;
        samples = xrealloc(samples, samples_cap * sizeof *samples);
      }
      samples[nsamples++] = (ReportSample){t - start, now};
    }
  }
  total = lost;
  for (int k = 0; k < o->jobs; k++) slot_read(&slots[k], &total);
  double elapsed = now_seconds() - start;
  if (nsamples == samples_cap) samples = xrealloc(samples, (samples_cap = nsamples + 1) * sizeof *samples);
  samples[nsamples++] = (ReportSample){elapsed, total};  /* the timeline ends with the totals */
  free(pids);
  munmap(slots, sizeof(JobSlot) * (size_t)o->jobs);
  print_progress(&total, elapsed, true);
  json_progress(o, &total, elapsed, true);
  Buf reach = {0};
  summary_reach(&total, &reach);
  fprintf(stderr,
          "[fuzz] summary: %" PRIu64 " programs in %.1fs (%.0f/s, %zu configurations each); %s, %.0f t1 instructions "
          "per program (all t1 configurations); %" PRIu64 " divergent programs, %" PRIu64 " new signatures saved; %" PRIu64
          " generator failures; %" PRIu64 " crashes, %" PRIu64 " hangs%s\n",
          total.programs, elapsed, elapsed > 0 ? (double)total.programs / elapsed : 0.0, oracle_nconfigs, reach.data,
          total.programs ? (double)total.executed / (double)total.programs : 0.0, total.divergences, total.saved,
          total.gen_failures, total.crashes, total.hangs, interrupted ? " (interrupted)" : "");
  buf_free(&reach);
  if (o->report_dir) {
    list_finds(o->out_dir, &before, &found);
    if (found.len) qsort(found.names, found.len, sizeof(char *), compare_names);  /* names is NULL when empty */
    CampaignReport rep = {o, elapsed, total, samples, nsamples, found.names, found.len};
    char err[1400];
    if (report_write(&rep, o->report_dir, err, sizeof err))
      fprintf(stderr, "[fuzz] report: %s/campaign-%" PRIu64 ".json (and .junit.xml, .sarif, .html)\n", o->report_dir,
              o->seed);
    else
      fprintf(stderr, "[fuzz] %s\n", err);
  }
  free(samples);
  names_free(&before);
  names_free(&found);
  return total;
}
