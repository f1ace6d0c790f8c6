/* engine.c: the built-in fuzzing engine (see engine.h). Its counts, the pipe messages
 * of its workers, the progress line and the summary expand FUZZ_COUNTS (engine.h) and
 * ORACLE_REACH (oracle/oracle.h). */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fatal.h"
#include "gen.h"
#include "oracle.h"

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

/* The options that replay a find with the campaign's limits and fault. */
static void replay_options(const FuzzOptions *o, char *out, size_t cap) {
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
  replay_options(o, limits, sizeof limits);
  buf_printf(&report, "seed %" PRIu64 "\nreplay: tessera repro %s %s/input.gen\n    or: tessera repro %s %s/program.tas\n\n",
             seed, limits, sigdir, limits, sigdir);
  oracle_report(m, r, &report);
  snprintf(path, sizeof path, "%s/input.gen", sigdir);
  bool ok = write_atomically(path, input, len);
  snprintf(path, sizeof path, "%s/program.tas", sigdir);
  Buf program = {0};
  buf_printf(&program, "; found by tessera fuzz, seed %" PRIu64 ", signature %s\n; replay: tessera repro %s FILE\n", seed,
             r->signature, limits);
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
  replay_options(o, fatal_limits, sizeof fatal_limits);
  fatal_signals_catch(on_fatal);
  (void)make_dir(o->out_dir);  /* made now, the handler cannot; once it exists, so do the handlers */
}

/* A worker's message is one FuzzCounts, written whole: a write of at most PIPE_BUF
   bytes to a pipe is atomic, so the messages of several workers never interleave. */
STATIC_ASSERT(sizeof(FuzzCounts) <= PIPE_BUF, "FuzzCounts must fit one atomic pipe write");

static void add_counts(FuzzCounts *a, const FuzzCounts *b) {
#define COUNT(name) a->name += b->name;
  FUZZ_COUNTS(COUNT)
#undef COUNT
  for (int i = 0; i < REACH__COUNT; i++) a->reached[i] += b->reached[i];
}

static double pct(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

/* "reach: specialized 100% deopt 81% ...": one "LABEL N%" per counter of ORACLE_REACH. */
#define REACH_FORMAT(NAME, label, summary, TIER, test, doc) " " label " %.0f%%"
#define REACH_SHARE(NAME, label, summary, TIER, test, doc) pct(c->reached[REACH_##NAME], c->programs),

static void print_progress(const FuzzCounts *c, double elapsed, bool final) {
  bool tty = isatty(2);
  fprintf(stderr,
          "%s[fuzz] %6.1fs  programs %" PRIu64 "  %.0f/s  reach:" ORACLE_REACH(REACH_FORMAT)
          "  divergences %" PRIu64 " (%" PRIu64 " new)%s",
          tty && !final ? "\r" : "", elapsed, c->programs, elapsed > 0 ? (double)c->programs / elapsed : 0.0,
          ORACLE_REACH(REACH_SHARE) c->divergences, c->saved, tty && !final ? "   " : "\n");
  fflush(stderr);
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

/* One worker: programs j, j+J, j+2J, ... Reports counts through fd every `period`
   seconds (fd < 0: prints progress itself). */
static FuzzCounts run_job(const FuzzOptions *o, int job, int fd) {
  FuzzCounts total = {0}, unsent = {0};
  double start = now_seconds(), last = start;
  uint8_t input[GEN_SEED_BYTES];
  watch_fatal_signals(o);
  fatal_input = input;
  fatal_len = sizeof input;
  for (uint64_t k = 0; !interrupted; k++) {
    double t = now_seconds();
    if (o->seconds > 0 && t - start >= o->seconds) break;
    uint64_t index = k * (uint64_t)o->jobs + (uint64_t)job;
    if (o->max_programs && index >= o->max_programs) break;
    uint64_t seed = o->seed + index;
    gen_bytes_from_seed(seed, input, sizeof input);
    fatal_seed = seed;
    alarm(FUZZ_PROGRAM_SECONDS);
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
    add_counts(&total, &one);
    add_counts(&unsent, &one);
    if (t - last >= 1.0) {
      last = t;
      if (fd >= 0) {
        if (write(fd, &unsent, sizeof unsent) == (ssize_t)sizeof unsent) memset(&unsent, 0, sizeof unsent);
      } else {
        print_progress(&total, t - start, false);
      }
    }
  }
  alarm(0);
  if (fd >= 0 && unsent.programs) (void)!write(fd, &unsent, sizeof unsent);
  return total;
}

FuzzCounts fuzz_campaign(const FuzzOptions *o) {
  interrupted = 0;
  signal(SIGINT, on_interrupt);
  double start = now_seconds();
  FuzzCounts total = {0};
  char limit[64];
  if (o->seconds > 0) snprintf(limit, sizeof limit, "%.0f seconds", o->seconds);
  else if (o->max_programs) snprintf(limit, sizeof limit, "%" PRIu64 " programs", o->max_programs);
  else snprintf(limit, sizeof limit, "until interrupted");
  fprintf(stderr, "[fuzz] seed %" PRIu64 ", %d job%s, %s, %zu configurations, divergences saved in %s/\n", o->seed,
          o->jobs, o->jobs == 1 ? "" : "s", limit, oracle_nconfigs, o->out_dir);
  if (o->jobs <= 1) {
    total = run_job(o, 0, -1);
  } else {
    int fds[2];
    if (pipe(fds) != 0) {
      perror("tessera fuzz: pipe");
      return total;
    }
    pid_t *pids = xcalloc((size_t)o->jobs, sizeof(pid_t));
    for (int j = 0; j < o->jobs; j++) {
      pids[j] = fork();
      if (pids[j] == 0) {
        close(fds[0]);
        run_job(o, j, fds[1]);
        _exit(0);
      }
    }
    close(fds[1]);
    FuzzCounts msg;
    double last = start;
    while (read(fds[0], &msg, sizeof msg) == (ssize_t)sizeof msg) {
      add_counts(&total, &msg);
      double t = now_seconds();
      if (t - last >= 1.0) {
        last = t;
        print_progress(&total, t - start, false);
      }
    }
    close(fds[0]);
    for (int j = 0; j < o->jobs; j++) {
      int st = 0;
      waitpid(pids[j], &st, 0);
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        /* A crash is a finding too: the worker's seeds are j, j+J, ... from the seed. */
        total.crashed_jobs++;
        fprintf(stderr, "[fuzz] job %d died (%s %d): rerun with --jobs=1 --seed=%" PRIu64 " to find the program\n", j,
                WIFSIGNALED(st) ? "signal" : "exit status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
                o->seed);
      }
    }
    free(pids);
  }
  double elapsed = now_seconds() - start;
  print_progress(&total, elapsed, true);
  Buf reach = {0};
  summary_reach(&total, &reach);
  fprintf(stderr,
          "[fuzz] summary: %" PRIu64 " programs in %.1fs (%.0f/s, %zu configurations each); %s, %.0f t1 instructions "
          "per program (all t1 configurations); %" PRIu64 " divergent programs, %" PRIu64 " new signatures saved; %" PRIu64
          " generator failures%s\n",
          total.programs, elapsed, elapsed > 0 ? (double)total.programs / elapsed : 0.0, oracle_nconfigs, reach.data,
          total.programs ? (double)total.executed / (double)total.programs : 0.0, total.divergences, total.saved,
          total.gen_failures, interrupted ? " (interrupted)" : "");
  buf_free(&reach);
  return total;
}
