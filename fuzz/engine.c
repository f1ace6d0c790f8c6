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
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "asm.h"
#include "corpus.h"
#include "fatal.h"
#include "files.h"
#include "gen.h"
#include "localize.h"
#include "triage.h"
#include "mutator.h"
#include "oracle.h"
#include "reduce.h"
#include "remote.h"
#include "report.h"

Limits fuzz_default_limits(void) {
  Limits l = limits_default();
  l.fuel = 20000;
  l.max_depth = 64;
  l.max_heap = 1u << 16;  /* generated programs live in less than 8 KiB; the heap runner
                             (fuzz/gen_limit.c) needs about 500 iterations to fill 64 KiB */
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

/* The most of its time a job spends reducing, beyond the first find of each bug, and the
   least time worth a reduction (reduce_again). */
#define FUZZ_REDUCE_SHARE 0.25
#define FUZZ_REDUCE_LEAST 0.5

/* The knobs a swarm draws from: the table's (3 and 2) among others. */
static const uint32_t swarm_warmups[] = {2, 3, 4, 8, 16, 64};
static const uint32_t swarm_thresholds[] = {1, 2, 3, 4, 8, 16};
/* The bound on nested executors: the table's (0: TRACE_MAX_NESTED, 64) in 13 programs of
   16, else so low that a generated recursion reaches it, where a nested call leaves for
   t1 at the callee's start with its frame pushed (docs/tier2.md). A program at the bound
   runs slower (every call past it leaves the traces around it), so only a few. */
static const uint32_t swarm_nestings[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 4};

static uint64_t at_most(uint64_t limit, uint64_t value) { return value < limit ? value : limit; }

void fuzz_swarm(const FuzzOptions *o, uint64_t seed, Limits *limits, OracleKnobs *knobs) {
  *limits = o->limits;
  *knobs = (OracleKnobs){0, 0, 0};
  if (!o->swarm) return;
  uint64_t nest_rng = mix64(seed ^ 0x6e657374696e67ull);  /* "nesting": its own stream, the others' as before */
  knobs->nesting = swarm_nestings[splitmix64_next(&nest_rng) % ARRAY_LEN(swarm_nestings)];
  uint64_t rng = mix64(seed ^ 0x737761726d000000ull);  /* "swarm": apart from the generator's bytes */
  knobs->warmup = swarm_warmups[splitmix64_next(&rng) % ARRAY_LEN(swarm_warmups)];
  knobs->threshold = swarm_thresholds[splitmix64_next(&rng) % ARRAY_LEN(swarm_thresholds)];
  if (splitmix64_next(&rng) % 100 >= FUZZ_SWARM_TIGHT_PERCENT) return;
  uint64_t r = splitmix64_next(&rng);
  /* Below what a generated program typically uses: fuel 100 runs out inside compiled
     traces in half of all programs, 500 in a tenth (docs/fuzzing.md section 2.5).
     Output: under 256 bytes it mostly ran out before any trace was hot (output-exit
     5.2% of 6,000 programs with 0-63 bytes, 5.6% with 256-2,303). */
  switch (splitmix64_next(&rng) % 5) {  /* fuel twice: it is the one that runs out in traces */
  case 0: case 1: limits->fuel = at_most(limits->fuel, 30 + r % 200); break;
  case 2: limits->max_depth = at_most(limits->max_depth, 2 + r % 6); break;
  case 3: limits->max_heap = at_most(limits->max_heap, 1024 + r % 4096); break;
  default: limits->max_output = at_most(limits->max_output, 256 + r % 2048); break;
  }
}

/* "--fuel=F --max-depth=D --max-heap=H --max-output=O [--fault=X] [--matrix-warmup=W
   --matrix-threshold=T [--matrix-nesting=N]]": what replays a program run with these
   limits, fault and knobs. */
static void replay_options(Limits l, Fault fault, OracleKnobs k, char *out, size_t cap) {
  int n = snprintf(out, cap, "--fuel=%" PRIu64 " --max-depth=%" PRIu64 " --max-heap=%" PRIu64 " --max-output=%" PRIu64 "%s%s",
                   l.fuel, l.max_depth, l.max_heap, l.max_output, fault ? " --fault=" : "", fault ? fault_name[fault] : "");
  if (n > 0 && (size_t)n < cap && (k.warmup || k.threshold))
    n += snprintf(out + n, cap - (size_t)n, " --matrix-warmup=%u --matrix-threshold=%u", k.warmup, k.threshold);
  if (n > 0 && (size_t)n < cap && k.nesting) snprintf(out + n, cap - (size_t)n, " --matrix-nesting=%u", k.nesting);
}

void fuzz_replay_options(const FuzzOptions *o, uint64_t seed, char *out, size_t cap) {
  Limits l;
  OracleKnobs k;
  fuzz_swarm(o, seed, &l, &k);
  replay_options(l, o->fault, k, out, cap);
}

/* The command that replays this side's finds. */
static const char *replay_command(const FuzzOptions *o) { return o->replay ? o->replay : "tessera"; }

/* ---- Programs ----
 *
 * A campaign's program comes from the generator (its seed's bytes), or, with a corpus,
 * is a kept program run again or a mutation of one (a binary module). Either way its
 * input replays it: input.gen through the generator, input.tsm as it is. */
typedef enum {
  FROM_SEED,      /* generated from the program's seed */
  FROM_CORPUS,    /* a program of the corpus, run again (the first programs of a campaign) */
  FROM_MUTATION,  /* a program of the corpus, mutated (fuzz/mutator.h) */
} ProgramOrigin;

static const char *const origin_words[] = {"generated", "from the corpus", "a mutation of a corpus program"};

typedef struct {
  ProgramOrigin origin;
  uint64_t seed;         /* the program's seed: it generated the program, or chose the mutation */
  const uint8_t *input;  /* generator bytes (FROM_SEED) or a binary module */
  size_t len;
  Limits limits;         /* what it runs with (fuzz_swarm) */
  OracleKnobs knobs;
} Program;

static const char *input_suffix(const Program *p) { return p->origin == FROM_SEED ? "gen" : "tsm"; }

/* Program p, a find of `signature`, as text: a `;` header with its seed and how it
   replays, then the program (a generated one with the generator's comments). False,
   with the reason in d, when the generator's text could not be made (then the header
   alone). */
static bool find_text(const FuzzOptions *o, const Program *p, const Module *m, const char *signature, Buf *out, Diag *d) {
  char limits[260];
  replay_options(p->limits, o->fault, p->knobs, limits, sizeof limits);
  buf_printf(out, "; found by tessera fuzz, seed %" PRIu64 " (%s), signature %s\n; replay: %s repro %s FILE\n; build: %s\n",
             p->seed, origin_words[p->origin], signature, replay_command(o), limits, o->version ? o->version : "unknown");
  Buf tas = {0};
  bool ok = true;
  if (p->origin == FROM_SEED) ok = gen_text_of(p->input, p->len, m, &tas, d);
  else dis_module(m, &tas);
  buf_append(out, tas.data, tas.len);
  buf_free(&tas);
  return ok;
}

/* Lines of a program's text, its `;` header left out (as the reducer counts them). */
static uint32_t program_lines(const Buf *text) {
  uint32_t lines = 0;
  for (size_t i = 0; i < text->len; i++)
    if ((i == 0 || text->data[i - 1] == '\n') && text->data[i] != ';') lines++;
  return lines;
}

/* Saves a find as DIR/SIGNATURE/{input.gen or input.tsm, program.tas, report.txt}: the
   report says how to replay it, then `body`. Returns 1 when saved, 0 when the signature
   was already there, -1 on an I/O error. */
static int save_find(const FuzzOptions *o, const Program *p, const Module *m, const char *signature, const Buf *body,
                     uint32_t *lines) {
  const char *dir = o->out_dir;
  char sigdir[1024], path[sizeof sigdir + 16];  /* room for sigdir and a file name */
  if (!files_make_dir(dir)) return -1;
  if (snprintf(sigdir, sizeof sigdir, "%s/%s", dir, signature) >= (int)sizeof sigdir) return -1;
  if (mkdir(sigdir, 0777) != 0) return errno == EEXIST ? 0 : -1;  /* mkdir is the claim */
  Buf report = {0};
  char limits[260];
  replay_options(p->limits, o->fault, p->knobs, limits, sizeof limits);
  const char *version = o->version ? o->version : "unknown", *cmd = replay_command(o);
  buf_printf(&report, "seed %" PRIu64 " (%s)\nreplay: %s repro %s %s/input.%s\n    or: %s repro %s %s/program.tas\nfound by: %s\n\n",
             p->seed, origin_words[p->origin], cmd, limits, sigdir, input_suffix(p), cmd, limits, sigdir, version);
  buf_append(&report, body->data, body->len);
  snprintf(path, sizeof path, "%s/input.%s", sigdir, input_suffix(p));
  bool ok = files_write_atomically(path, p->input, p->len);
  snprintf(path, sizeof path, "%s/program.tas", sigdir);
  Buf program = {0};
  Diag d = {{0}};
  if (!find_text(o, p, m, signature, &program, &d)) buf_printf(&report, "\nwarning: %s\n", d.msg);
  *lines = program_lines(&program);
  ok = files_write_atomically(path, program.data, program.len) && ok;
  buf_free(&program);
  snprintf(path, sizeof path, "%s/report.txt", sigdir);
  ok = files_write_atomically(path, report.data, report.len) && ok;
  buf_free(&report);
  return ok ? 1 : -1;
}

/* ---- Crashes and hangs ----
 *
 * A program that crashes the VM, or runs longer than FUZZ_PROGRAM_SECONDS (generated
 * programs run in microseconds, and fuel bounds every loop: only a VM bug hangs), is a
 * finding too. While a worker runs a program, its input bytes and seed are where a
 * signal handler can reach them; on SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, or the
 * SIGALRM of the per-program alarm, the handler writes DIR/crash-SEED.gen (or .tsm, for
 * a program from the corpus) and a line
 * saying how to replay it, with nothing but open, write and close (async-signal-safe),
 * then lets the signal take its course (fatal.h). */
#define FUZZ_PROGRAM_SECONDS 10

static const uint8_t *volatile fatal_input;
static volatile size_t fatal_len;
static volatile uint64_t fatal_seed;
static const char *volatile fatal_suffix = ".gen";
static char fatal_dir[900];
static char fatal_limits[260];  /* the replay options of the program running (watch_program) */
static char fatal_command[300];  /* replay_command */
static char fatal_prefix[32] = "/crash-";  /* a worker of another architecture's: "/crash-aarch64-" */
static void on_fatal(int sig) {
  char path[1024], line[2048];
  size_t n = fatal_put_str(path, 0, sizeof path, fatal_dir);
  n = fatal_put_str(path, n, sizeof path, fatal_prefix);
  n = fatal_put_u64(path, n, sizeof path, fatal_seed);
  n = fatal_put_str(path, n, sizeof path, (const char *)fatal_suffix);
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
  if (fd >= 0) {
    k = fatal_put_str(line, k, sizeof line, "; its input is saved: ");
    k = fatal_put_str(line, k, sizeof line, fatal_command);
    k = fatal_put_str(line, k, sizeof line, " repro ");
  } else {
    k = fatal_put_str(line, k, sizeof line, "; it could not be saved: ");
  }
  k = fatal_put_str(line, k, sizeof line, fatal_limits);
  k = fatal_put_str(line, k, sizeof line, " ");
  k = fatal_put_str(line, k, sizeof line, path);
  k = fatal_put_str(line, k, sizeof line, "\n");
  (void)!write(2, line, k);
  fatal_signals_pass_on(sig);
}

static void watch_fatal_signals(const FuzzOptions *o) {
  snprintf(fatal_dir, sizeof fatal_dir, "%s", o->out_dir);
  fuzz_replay_options(o, 0, fatal_limits, sizeof fatal_limits);
  snprintf(fatal_command, sizeof fatal_command, "%s", replay_command(o));
  if (o->replay && o->here_arch) snprintf(fatal_prefix, sizeof fatal_prefix, "/crash-%s-", o->here_arch);
  fatal_signals_catch(on_fatal);
  (void)files_make_dir(o->out_dir);  /* made now, the handler cannot; once it exists, so do the handlers */
}

/* Lines of the program in a saved .tas file, its `;` header left out; 0 when there is
   none. */
static uint32_t program_lines_in(const char *path) {
  Buf text = {0};
  uint32_t lines = buf_read_file(&text, path) ? program_lines(&text) : 0;
  buf_free(&text);
  return lines;
}

/* Reduces program p, a find of r->signature, for at most `seconds`, and keeps the
   result as DIR/SIGNATURE/program.reduced.tas when there is none yet or it has fewer
   lines than the one there (campaign jobs reduce sightings of the same bug at once: the
   directory's lock orders them). `from` is the file p's text is in: program.tas for the
   first find; a later sighting's is written beside it as program.reduced-from.tas. A
   line of report.txt says so. Answers the lines of the program kept, or 0. */
static uint32_t reduce_find(const FuzzOptions *o, const Program *p, const Module *m, const OracleResult *r,
                            double seconds, const char *from, const Buf *from_text) {
  char sigdir[1024], path[sizeof sigdir + 32];
  snprintf(sigdir, sizeof sigdir, "%s/%s", o->out_dir, r->signature);
  Buf text = {0}, file = {0}, report = {0};
  ReduceStats st;
  alarm((unsigned)seconds + 1 + FUZZ_PROGRAM_SECONDS);  /* the time is checked between runs */
  if (!reduce_program(m, p->limits, o->fault, p->knobs, seconds, false, &text, &st)) {
    buf_free(&text);
    return 0;  /* it diverged a moment ago: only a VM that is not deterministic gets here */
  }
  int lock = open(sigdir, O_RDONLY | O_DIRECTORY);
  if (lock >= 0) (void)flock(lock, LOCK_EX);
  snprintf(path, sizeof path, "%s/program.reduced.tas", sigdir);
  uint32_t there = program_lines_in(path);
  bool ok = true, kept = !there || st.lines_after < there;
  if (kept) {
    char limits[260];
    replay_options(p->limits, o->fault, p->knobs, limits, sizeof limits);
    buf_printf(&file, "; reduced by tessera fuzz from %s (seed %" PRIu64 "): %u lines to %u in %.1f s%s, signature %s\n"
               "; replay: %s repro %s FILE\n",
               from, p->seed, st.lines_before, st.lines_after, st.seconds, st.stopped ? " (time was up)" : "", st.signature,
               replay_command(o), limits);
    buf_append(&file, text.data, text.len);
    if (from_text) {
      char from_path[sizeof sigdir + 32];
      snprintf(from_path, sizeof from_path, "%s/%s", sigdir, from);
      ok = files_write_atomically(from_path, from_text->data, from_text->len);
    }
    ok = ok && files_write_atomically(path, file.data, file.len);
    snprintf(path, sizeof path, "%s/report.txt", sigdir);
    if (ok && buf_read_file(&report, path)) {
      buf_printf(&report, "\nreduced: %s/program.reduced.tas, %u lines of %u in %s (seed %" PRIu64
                 "; %llu programs tried in %.1f s, %llu stopped after %.2f s%s)\n",
                 sigdir, st.lines_after, st.lines_before, from, p->seed, (unsigned long long)st.tests, st.seconds,
                 (unsigned long long)st.timeouts, st.candidate_seconds,
                 st.stopped ? "; the time was up before it was minimal" : "");
      ok = files_write_atomically(path, report.data, report.len);
    }
    if (!ok) fprintf(stderr, "\n[fuzz] cannot write the reduced program under %s: %s\n", sigdir, strerror(errno));
  }
  if (lock >= 0) close(lock);
  buf_free(&text);
  buf_free(&file);
  buf_free(&report);
  return kept && ok ? st.lines_after : 0;
}

/* "reach: specialized 100% deopt 81% ...": one "LABEL N%" per counter of ORACLE_REACH. */
#define REACH_FORMAT(NAME, label, summary, TIER, test, doc) " " label " %.0f%%"
#define REACH_SHARE(NAME, label, summary, TIER, test, doc) fuzz_percent(c->reached[REACH_##NAME], c->programs),

static void print_progress(const FuzzCounts *c, double elapsed, bool final) {
  bool tty = isatty(2);
  char lost[64] = "", corpus[64] = "";
  if (c->crashes || c->hangs)
    snprintf(lost, sizeof lost, "  crashes %" PRIu64 " hangs %" PRIu64, c->crashes, c->hangs);
  if (c->replayed || c->kept || c->mutated)
    snprintf(corpus, sizeof corpus, " kept %" PRIu64, c->kept);
  fprintf(stderr,
          "%s[fuzz] %6.1fs  programs %" PRIu64 "  %.0f/s  cov %" PRIu64 " (pairs %" PRIu64 ")%s  reach:"
          ORACLE_REACH(REACH_FORMAT) "  divergences %" PRIu64 " (%" PRIu64 " new)%s%s",
          tty && !final ? "\r" : "", elapsed, c->programs, elapsed > 0 ? (double)c->programs / elapsed : 0.0,
          fuzz_covered(c), c->covered[COV_KIND_PAIR], corpus,
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
             fuzz_percent(c->reached[REACH_##NAME], c->programs));                     \
  prev = (int)(TIER);
  ORACLE_REACH(REACH)
#undef REACH
}

uint64_t fuzz_program_seed(uint64_t campaign_seed, uint64_t index) {
  return mix64(campaign_seed + 0x9e3779b97f4a7c15ull) + index;  /* seeds S and S + 1 start far apart */
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
 * saved the program as DIR/crash-SEED.gen). The campaign's coverage map is in the same
 * shared memory: every worker ORs each program's features into it (atomically). */
STATIC_ASSERT(sizeof(FuzzCounts) % sizeof(uint64_t) == 0, "slot_add and slot_read see FuzzCounts as uint64_t words");

typedef struct {
  FuzzCounts counts;  /* the programs finished */
  uint64_t running;   /* the index of the program being run */
} JobSlot;

typedef struct {
  uint64_t coverage[COV_WORDS];  /* every feature any program of the campaign covered */
  JobSlot slots[];               /* one per job */
} Shared;

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

/* The counts of every slot, the parent's own, and the coverage so far. */
static FuzzCounts counts_now(const Shared *sh, int jobs, const FuzzCounts *own) {
  FuzzCounts c = *own;
  for (int j = 0; j < jobs; j++) slot_read(&sh->slots[j], &c);
  coverage_count(sh->coverage, c.covered);
  return c;
}

/* ---- Choosing a program ----
 *
 * With a corpus of N programs, programs 0 .. N - 1 of the campaign run them again, so
 * that the campaign starts from the coverage they reached. After that, a program is a
 * mutation of a kept one (FUZZ_MUTATE_PERCENT of them), or generated from its seed.
 * The choices come from the program's seed, so that a campaign with one job runs the
 * same programs again on the same corpus; with several, which programs each job has
 * kept when depends on timing, but every find replays from its saved input. */
#define FUZZ_MUTATE_PERCENT 50
/* In FUZZ_RECENT_PERCENT of mutations the parent is one of the last FUZZ_RECENT kept:
   programs just kept are the likeliest to lead further. */
#define FUZZ_RECENT 8
#define FUZZ_RECENT_PERCENT 50
#define FUZZ_CROSSOVER_PERCENT 20 /* of mutations: a function body from a second program */
#define FUZZ_MODULE_MAX (64u << 10)
#define FUZZ_RESCAN_SECONDS 2.0   /* how often a job looks for the programs other jobs kept */

/* What a worker keeps from program to program. */
/* How far a job got reducing sightings of one bug (FuzzOptions.reduce_tries). */
typedef struct {
  char signature[96];
  uint32_t tries;
  uint32_t fewest_lines;  /* the smallest program, in lines, it reduced */
} ReducedBug;

typedef struct {
  uint8_t seed_input[GEN_SEED_BYTES];
  uint8_t *module;   /* FUZZ_MODULE_MAX bytes: a mutated program */
  Corpus *corpus;    /* NULL: no corpus, no mutation */
  size_t replays;    /* the corpus's size when the campaign began: programs run again */
  const Triage *triage;  /* the registry as the campaign began: which bugs are known */
  RemoteWorker other;    /* with --arch: the job's worker of the other architecture */
  ReducedBug *reduced;   /* the bugs whose sightings this job reduced */
  size_t nreduced;
  double started;        /* when the job began (now_seconds) */
  double reducing;       /* seconds it spent reducing (reduce_again) */
} Worker;

/* From here on, a crash or a hang saves program p (the handler reads these). */
static void watch_program(const Program *p) {
  fatal_input = p->input;
  fatal_len = p->len;
  fatal_seed = p->seed;
  fatal_suffix = p->origin == FROM_SEED ? ".gen" : ".tsm";
}

static const CorpusEntry *pick_parent(const Corpus *c, uint64_t *rng) {
  uint64_t r = splitmix64_next(rng);
  if (r % 100 < FUZZ_RECENT_PERCENT && c->len > FUZZ_RECENT)
    return &c->entries[c->len - 1 - splitmix64_next(rng) % FUZZ_RECENT];
  return &c->entries[splitmix64_next(rng) % c->len];
}

/* Program `index` of the campaign as a module in m. Returns false, with the reason in
   d, when the generator or the mutator made a module that does not verify: a bug of
   theirs. */
static bool make_program(const FuzzOptions *o, Worker *w, uint64_t index, Program *p, Module *m, Diag *d) {
  uint64_t rng = p->seed = fuzz_program_seed(o->seed, index);
  if (index < w->replays) {
    const CorpusEntry *e = &w->corpus->entries[index];
    *p = (Program){.origin = FROM_CORPUS, .seed = p->seed, .input = e->data, .len = e->len};
    watch_program(p);
    return module_load(e->data, e->len, m, d);
  }
  if (w->corpus && w->corpus->len && splitmix64_next(&rng) % 100 < FUZZ_MUTATE_PERCENT) {
    const CorpusEntry *e = pick_parent(w->corpus, &rng);
    size_t n = 0;
    if (w->corpus->len > 1 && splitmix64_next(&rng) % 100 < FUZZ_CROSSOVER_PERCENT) {
      const CorpusEntry *other = pick_parent(w->corpus, &rng);
      n = tessera_crossover_module(e->data, e->len, other->data, other->len, w->module, FUZZ_MODULE_MAX,
                                   splitmix64_next(&rng));
    } else if (e->len <= FUZZ_MODULE_MAX) {
      memcpy(w->module, e->data, e->len);
      n = tessera_mutate_module(w->module, e->len, FUZZ_MODULE_MAX, splitmix64_next(&rng));
    }
    if (n) {
      *p = (Program){.origin = FROM_MUTATION, .seed = p->seed, .input = w->module, .len = n};
      watch_program(p);
      if (module_load(w->module, n, m, d)) return true;
      char why[sizeof d->msg];
      snprintf(why, sizeof why, "%s", d->msg);
      diag_set(d, "mutator bug: %s", why);
      return false;
    }
    /* No edit could be made: a generated program instead. */
  }
  gen_bytes_from_seed(p->seed, w->seed_input, sizeof w->seed_input);
  *p = (Program){.origin = FROM_SEED, .seed = p->seed, .input = w->seed_input, .len = sizeof w->seed_input};
  watch_program(p);
  /* The module only: the text is written again for the programs that are saved. */
  return gen_program(w->seed_input, sizeof w->seed_input, NULL, m, NULL, d);
}

/* Keeps program p, whose module is m, in the corpus: its module's bytes. */
static void keep_program(Worker *w, const Program *p, const Module *m) {
  bool ok;
  if (p->origin == FROM_SEED) {
    Buf b = {0};
    module_write(m, &b);
    ok = corpus_keep(w->corpus, (const uint8_t *)b.data, b.len);
    buf_free(&b);
  } else {
    ok = corpus_keep(w->corpus, p->input, p->len);
  }
  if (!ok) fprintf(stderr, "\n[fuzz] cannot write into the corpus %s: %s\n", w->corpus->dir, strerror(errno));
}

/* For how long this job reduces program p, a find of `signature` (`lines` long), or 0
   if it does not: the first find of a bug for o->reduce_seconds; a later sighting when
   the job has reduced fewer than o->reduce_tries of that bug, each smaller (in lines)
   than every one before, for what is left of FUZZ_REDUCE_SHARE of the job's time so
   far (at most o->reduce_seconds, at least FUZZ_REDUCE_LEAST). Reductions of the same
   bug differ widely (map-revive's first finds in six campaigns reduced to 19 to 84
   instructions), and smaller programs reduce faster and smaller; but finding bugs comes
   first (under QEMU, where a reduction takes its whole 30 s, three tries each left a
   60-second campaign 39 programs). */
static double reduce_again(const FuzzOptions *o, Worker *w, const char *signature, uint32_t lines, bool first) {
  if (o->reduce_seconds <= 0 || !o->reduce_tries) return 0;
  double seconds = o->reduce_seconds;
  if (!first) {
    double left = FUZZ_REDUCE_SHARE * (now_seconds() - w->started) - w->reducing;
    if (left < FUZZ_REDUCE_LEAST) return 0;
    if (left < seconds) seconds = left;
  }
  ReducedBug *b = NULL;
  for (size_t i = 0; i < w->nreduced && !b; i++)
    if (strcmp(w->reduced[i].signature, signature) == 0) b = &w->reduced[i];
  if (!b) {
    w->reduced = xrealloc(w->reduced, sizeof *w->reduced * (w->nreduced + 1));
    b = &w->reduced[w->nreduced++];
    *b = (ReducedBug){.fewest_lines = UINT32_MAX};
    snprintf(b->signature, sizeof b->signature, "%s", signature);
  }
  if (b->tries >= o->reduce_tries || lines >= b->fewest_lines) return 0;
  b->tries++;
  b->fewest_lines = lines;
  return seconds;
}

/* Program p, whose module is m, diverged: counted in one; unless the triage registry
   marks `signature` known, saved under it with `body` in its report when new, and noted
   as a sighting. Given r, the oracle's result, a new find is reduced, and so are some
   later sightings (reduce_again): the smallest reduction is kept. */
static void note_find(const FuzzOptions *o, Worker *w, const Program *p, const Module *m, const char *signature,
                      const char *verdict, const char *where, const Buf *body, const OracleResult *r, FuzzCounts *one) {
  one->divergences = 1;
  const TriageRecord *rec = w->triage ? triage_find(w->triage, signature) : NULL;
  uint32_t lines = 0;
  int saved = 0;
  bool known = rec && rec->status == TRIAGE_KNOWN;
  if (known) one->known = 1;  /* counted, not saved again */
  else saved = save_find(o, p, m, signature, body, &lines);
  if (saved < 0) fprintf(stderr, "\n[fuzz] cannot save a divergence under %s: %s\n", o->out_dir, strerror(errno));
  char program[200];
  snprintf(program, sizeof program, "%s/program.tas", signature);
  uint32_t reduced = 0;
  double seconds = 0, began = now_seconds();
  if (saved > 0) {
    one->saved = 1;
    fprintf(stderr, "%s[fuzz] new divergence %s (seed %" PRIu64 ", %s): %s\n       saved in %s/%s\n",
            isatty(2) ? "\n" : "", signature, p->seed, origin_words[p->origin], where, o->out_dir, signature);
    if (r && (seconds = reduce_again(o, w, signature, lines, true)) > 0)
      reduced = reduce_find(o, p, m, r, seconds, "program.tas", NULL);
  } else if (saved == 0 && !known && r) {
    Buf text = {0};
    Diag d = {{0}};
    (void)find_text(o, p, m, signature, &text, &d);
    if ((seconds = reduce_again(o, w, signature, program_lines(&text), false)) > 0)
      reduced = reduce_find(o, p, m, r, seconds, "program.reduced-from.tas", &text);
    buf_free(&text);
  }
  if (seconds > 0) {
    double took = now_seconds() - began;
    w->reducing += took;
    one->reductions = 1;
    one->reduce_ms = (uint64_t)(took * 1000);
  }
  if (reduced) {
    lines = reduced;
    snprintf(program, sizeof program, "%s/program.reduced.tas", signature);
  }
  if (!triage_note_sighting(o->out_dir, signature, verdict, saved > 0 || reduced ? program : NULL, lines))
    fprintf(stderr, "\n[fuzz] cannot note a sighting in %s/sightings.tsv: %s\n", o->out_dir, strerror(errno));
}

/* Program p through the whole matrix here: its counts into one, its coverage into cov,
   and (if ref is not NULL) the reference configuration's observation as JSON. */
static void run_matrix(const FuzzOptions *o, Worker *w, const Program *p, const Module *m, FuzzCounts *one,
                       Coverage *cov, Buf *ref) {
  OracleResult r;
  oracle_run_knobs(m, p->limits, o->fault, p->knobs, &r);
  for (int i = 0; i < REACH__COUNT; i++) one->reached[i] = r.reached[i];
  one->executed = r.executed;
  one->jit_uops = r.jit_uops;
  one->jit_compile_ns = r.jit_compile_ns;
  *cov = r.coverage;
  if (ref) observation_json(&r.obs[0], ref);
  if (o->observations) {
    Buf line = {0};
    for (size_t c = 0; c < oracle_nconfigs; c++) {
      buf_printf(&line, "%" PRIu64 " %s ", p->seed, oracle_configs[c].name);
      observation_json(&r.obs[c], &line);
      buf_putc(&line, '\n');
    }
    fwrite(line.data, 1, line.len, o->observations);
    fflush(o->observations);  /* before the next program, which may crash */
    buf_free(&line);
  }
  if (r.diverged) {
    Localization loc;
    (void)oracle_bug_signature(m, p->limits, o->fault, &r, &loc);  /* one bug, one signature */
    Buf body = {0};
    oracle_report(m, &r, &body);
    buf_printf(&body, "\nculprit: %s (%u runs)\n", loc.verdict, loc.runs);
    note_find(o, w, p, m, r.signature, loc.verdict, r.where, &body, &r, one);
    buf_free(&body);
  }
  oracle_result_free(&r);
}

/* Its coverage into the campaign's map; something new there, and the program is kept
   in the corpus. */
static void note_coverage(Worker *w, const Program *p, const Module *m, Shared *sh, const Coverage *cov,
                          FuzzCounts *one) {
  one->replayed = p->origin == FROM_CORPUS;
  one->mutated = p->origin == FROM_MUTATION;
  if (coverage_merge(sh->coverage, cov) && w->corpus && p->origin != FROM_CORPUS) {
    keep_program(w, p, m);
    one->kept = 1;
  }
}

/* ---- The other architecture ----
 *
 * With --arch, each job sends every program to its worker of the other architecture
 * (fuzz/remote.h) before running it here, so both run at once: the whole matrix there,
 * and here either the whole matrix too (FUZZ_ARCH_BOTH) or the reference configuration
 * alone. Tiers that disagree there are that worker's finds. Here the job compares the two
 * architectures' reference observations: every other configuration agrees with its own
 * architecture's reference, or is a find, so this one comparison covers the rest. A
 * difference is saved as arch-ARCH-FIELD, FIELD the first member of the observation
 * that differs; it is not reduced (that would take both builds for every candidate). */

/* Starts the job's worker of the other architecture; false (said) when it cannot. */
static bool start_other(const FuzzOptions *o, Worker *w) {
  static uint64_t here;  /* this build's gen_fingerprint, once */
  char err[600];
  if (!remote_start(&w->other, o->other_argv, err, sizeof err)) {
    fprintf(stderr, "\n[fuzz] the %s worker did not start: %s\n", o->other_arch, err);
    return false;
  }
  if (!here) here = gen_fingerprint();
  if (w->other.fingerprint == here) return true;
  fprintf(stderr,
          "\n[fuzz] the %s worker (%s) generates other programs from the same bytes than this build (generator "
          "fingerprint %016" PRIx64 " there, %016" PRIx64 " here): it was built from another tree, and every difference "
          "would be a false find. Build both from this tree.\n",
          o->other_arch, o->other_argv[0], w->other.fingerprint, here);
  remote_stop(&w->other);
  return false;
}

static void save_arch_divergence(const FuzzOptions *o, Worker *w, const Program *p, const Module *m, const Buf *here,
                                 const Buf *there, FuzzCounts *one) {
  char field[64], signature[128], verdict[256], where[256];
  remote_json_first_difference(here->data, there->data, field, sizeof field);
  snprintf(signature, sizeof signature, "arch-%s-%s", o->other_arch, field);
  snprintf(where, sizeof where, "the reference configuration's %s differs between %s and %s", field, o->here_arch,
           o->other_arch);
  snprintf(verdict, sizeof verdict, "architecture %s: its reference configuration's %s differs from %s's", o->other_arch,
           field, o->here_arch);
  Buf body = {0};
  char limits[260];
  replay_options(p->limits, o->fault, p->knobs, limits, sizeof limits);
  buf_printf(&body, "DIVERGENCE %s: %s\n  %s: %s\n  %s: %s\n\nreplay on %s: %s repro %s %s/%s/program.tas\n",
             signature, where, o->here_arch, here->data, o->other_arch, there->data, o->other_arch,
             o->other_replay, limits, o->out_dir, signature);
  buf_printf(&body, "\nculprit: %s\n", verdict);
  note_find(o, w, p, m, signature, verdict, where, &body, NULL, one);
  buf_free(&body);
}

/* The other architecture's counts for the same program, into one: every count of
   FUZZ_COUNTS added, but the program and its divergence counted once; a reach counter
   reached when either side reached it. */
static void merge_other_counts(FuzzCounts *one, const FuzzCounts *other) {
#define COUNT(name) one->name += other->name;
  FUZZ_COUNTS(COUNT)
#undef COUNT
  one->programs = 1;
  one->divergences = one->divergences != 0;
  for (int i = 0; i < REACH__COUNT; i++) one->reached[i] |= other->reached[i];
}

/* Program p on both architectures (see above): counts into one, coverage into cov. */
static void run_on_both(const FuzzOptions *o, Worker *w, uint64_t job, const Program *p, const Module *m,
                        FuzzCounts *one, Coverage *cov) {
  RemoteProgram rp = {(int)p->origin, p->seed, p->limits, p->knobs, p->input, p->len};
  bool sent = remote_send(&w->other, &rp);
  Buf here = {0};
  if (o->arch == FUZZ_ARCH_BOTH) {
    run_matrix(o, w, p, m, one, cov, &here);
  } else {
    Observation obs;
    oracle_run_config(m, 0, p->limits, o->fault, p->knobs, NULL, &obs, NULL, NULL);
    observation_json(&obs, &here);
    observation_free(&obs);
  }
  buf_putc(&here, '\0');
  RemoteResult res;
  /* The worker may localize and reduce a find of its own: room for that. */
  alarm((unsigned)o->reduce_seconds + 3 * FUZZ_PROGRAM_SECONDS);
  if (sent && remote_receive(&w->other, &res)) {
    merge_other_counts(one, &res.counts);
    for (size_t i = 0; i < COV_WORDS; i++) cov->bits[i] |= res.coverage.bits[i];
    buf_putc(&res.ref_json, '\0');
    if (res.ref_json.data[0] && strcmp(here.data, res.ref_json.data) != 0) save_arch_divergence(o, w, p, m, &here, &res.ref_json, one);
    buf_free(&res.ref_json);
  } else {
    /* It crashed or hung on p (its own handler saved p and said how to replay it): counted,
       and a new worker goes on from the next program. */
    int st = remote_stop(&w->other);
    bool hang = WIFSIGNALED(st) && (WTERMSIG(st) == SIGALRM || WTERMSIG(st) == SIGKILL);
    if (hang) one->hangs = 1;
    else one->crashes = 1;
    fprintf(stderr, "%s[fuzz] job %" PRIu64 ": the program at seed %" PRIu64 " %s the %s worker (%s %d); it starts again\n",
            isatty(2) ? "\n" : "", job, p->seed, hang ? "hung" : "crashed", o->other_arch,
            WIFSIGNALED(st) ? "signal" : "exit status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    if (!start_other(o, w)) w->other.pid = -1;
  }
  buf_free(&here);
}

/* One worker: programs first, first + J, first + 2J, ... of the campaign that began at
   `start`, counted into its slot. */
static void run_job(const FuzzOptions *o, Worker *w, uint64_t first, double start, Shared *sh, JobSlot *slot) {
  watch_fatal_signals(o);
  w->started = now_seconds();
  if (o->arch != FUZZ_ARCH_HERE && !start_other(o, w)) return;
  double rescanned = now_seconds();
  for (uint64_t index = first; !interrupted; index += (uint64_t)o->jobs) {
    double t = now_seconds();
    if (o->seconds > 0 && t - start >= o->seconds) break;
    if (o->max_programs && index >= o->max_programs) break;
    if (w->corpus && o->jobs > 1 && t - rescanned >= FUZZ_RESCAN_SECONDS) {
      corpus_rescan(w->corpus);
      rescanned = t;
    }
    __atomic_store_n(&slot->running, index, __ATOMIC_RELAXED);
    Program p;
    Module m;
    Diag d = {{0}};
    FuzzCounts one = {0};
    one.programs = 1;
    alarm(FUZZ_PROGRAM_SECONDS);
    uint64_t seed = fuzz_program_seed(o->seed, index);
    fuzz_replay_options(o, seed, fatal_limits, sizeof fatal_limits);  /* before a crash can happen */
    bool made = make_program(o, w, index, &p, &m, &d);
    fuzz_swarm(o, seed, &p.limits, &p.knobs);
    if (o->test_crash_at && index == o->test_crash_at - 1) raise(SIGSEGV);  /* test-only: a VM crash */
    if (!made) {
      one.gen_failures = 1;
      fprintf(stderr, "\n[fuzz] generator bug at seed %" PRIu64 " (%s): %s\n", p.seed, origin_words[p.origin], d.msg);
    } else {
      Coverage cov = {{0}};
      if (o->arch == FUZZ_ARCH_HERE) run_matrix(o, w, &p, &m, &one, &cov, NULL);
      else run_on_both(o, w, first % (uint64_t)o->jobs, &p, &m, &one, &cov);
      note_coverage(w, &p, &m, sh, &cov, &one);
      module_free(&m);
    }
    slot_add(slot, &one);
    if (o->arch != FUZZ_ARCH_HERE && w->other.pid < 0) break;  /* its worker could not start again */
  }
  alarm(0);
  if (o->arch != FUZZ_ARCH_HERE) remote_stop(&w->other);
}

int fuzz_serve(const FuzzOptions *o) {
  Worker w = {.started = now_seconds()};
  Triage triage;
  char err[1200];
  /* The registry as the campaign's parent folded it: which bugs are known. */
  if (triage_load(o->out_dir, &triage, err, sizeof err)) w.triage = &triage;
  else fprintf(stderr, "[fuzz] triage: %s\n", err);
  watch_fatal_signals(o);
  signal(SIGINT, SIG_IGN);  /* an interrupted campaign's job ends its program, then its input */
  remote_write_hello(stdout, gen_fingerprint(), o->version ? o->version : "unknown");
  RemoteProgram rp;
  Buf input = {0}, ref = {0};
  while (remote_read_program(stdin, &rp, &input)) {
    Program p = {(ProgramOrigin)rp.origin, rp.seed, rp.input, rp.len, rp.limits, rp.knobs};
    if (rp.origin < FROM_SEED || rp.origin > FROM_MUTATION) p.origin = FROM_MUTATION;
    watch_program(&p);
    replay_options(p.limits, o->fault, p.knobs, fatal_limits, sizeof fatal_limits);
    alarm(FUZZ_PROGRAM_SECONDS);
    Module m;
    Diag d = {{0}};
    FuzzCounts one = {0};
    Coverage cov = {0};
    one.programs = 1;
    ref.len = 0;
    bool made = p.origin == FROM_SEED ? gen_program(p.input, p.len, NULL, &m, NULL, &d) : module_load(p.input, p.len, &m, &d);
    if (made) {
      run_matrix(o, &w, &p, &m, &one, &cov, &ref);
      module_free(&m);
    } else {
      one.gen_failures = 1;
      fprintf(stderr, "\n[fuzz] generator bug at seed %" PRIu64 " on this architecture: %s\n", p.seed, d.msg);
    }
    alarm(0);
    remote_write_result(stdout, &one, &cov, &ref);
  }
  buf_free(&input);
  buf_free(&ref);
  if (w.triage) triage_free(&triage);
  return 0;
}

/* Starts job j's worker at program `first`; returns its pid, or -1. */
static pid_t start_worker(const FuzzOptions *o, Worker *w, int j, uint64_t first, double start, Shared *sh) {
  fflush(NULL);  /* nothing buffered is written twice */
  pid_t pid = fork();
  if (pid == 0) {
    run_job(o, w, first, start, sh, &sh->slots[j]);
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

/* The finds in dir (signature directories and crash-SEED.gen or .tsm files) not in `before`. */
static void list_finds(const char *dir, const NameList *before, NameList *out) {
  DIR *d = opendir(dir);
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.' || (before && names_have(before, e->d_name))) continue;
    size_t n = strlen(e->d_name);
    bool crash = strncmp(e->d_name, "crash-", 6) == 0 && n > 4 &&
                 (strcmp(e->d_name + n - 4, ".gen") == 0 || strcmp(e->d_name + n - 4, ".tsm") == 0);
    char report[1200];
    snprintf(report, sizeof report, "%s/%s/report.txt", dir, e->d_name);
    if (crash || access(report, R_OK) == 0) names_add(out, e->d_name);
  }
  closedir(d);
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* "coverage 1234 features: forms 80, deopts 40, ...". */
static void summary_coverage(const FuzzCounts *c, Buf *out) {
  buf_printf(out, "coverage %" PRIu64 " features:", fuzz_covered(c));
  for (int k = 0; k < COV_KIND__COUNT; k++)
    buf_printf(out, "%s %s %" PRIu64, k ? "," : "", coverage_label[k], c->covered[k]);
}

/* The registry of dir, with the sightings an earlier campaign left folded in first; false
   (said on stderr) when it cannot be read: then every find is saved as if new. */
static bool load_triage(const char *dir, Triage *t) {
  char err[1200];
  if (triage_fold(dir, err, sizeof err) < 0 || !triage_load(dir, t, err, sizeof err)) {
    fprintf(stderr, "[fuzz] triage: %s\n", err);
    return false;
  }
  return true;
}

/* Folds the campaign's sightings into the registry, and says how it stands. */
static void fold_triage(const char *dir, uint64_t known) {
  char err[1200];
  Triage t;
  long n = triage_fold(dir, err, sizeof err);
  if (n < 0 || !triage_load(dir, &t, err, sizeof err)) {
    fprintf(stderr, "[fuzz] triage: %s\n", err);
    return;
  }
  size_t counts[TRIAGE__COUNT] = {0};
  for (size_t i = 0; i < t.n; i++) counts[t.records[i].status]++;
  fprintf(stderr, "[fuzz] triage: %ld sightings folded into %s/triage.tsv: %zu bugs, %zu new, %zu known (%" PRIu64
          " divergent programs of known bugs not saved), %zu fixed; tessera triage --out=%s lists them\n",
          n, dir, t.n, counts[TRIAGE_NEW], counts[TRIAGE_KNOWN], known, counts[TRIAGE_FIXED], dir);
  triage_free(&t);
}

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
  if (o->arch != FUZZ_ARCH_HERE) {
    /* Every job starts its own worker; this one shows that they can. */
    Worker probe = {0};
    if (!start_other(o, &probe)) {
      total.gen_failures = 1;  /* the campaign did not run: not a clean one */
      return total;
    }
    fprintf(stderr, "[fuzz] every program also runs on %s (%s), in a worker per job: %s\n", o->other_arch,
            o->arch == FUZZ_ARCH_BOTH ? "the whole matrix on both architectures"
                                      : "the whole matrix there, the reference configuration here",
            probe.other.version);
    remote_stop(&probe.other);
  }
  Corpus corpus;
  Worker w = {.module = xmalloc(FUZZ_MODULE_MAX)};
  if (o->corpus_dir) {
    char err[1200];
    if (!corpus_open(&corpus, o->corpus_dir, err, sizeof err)) {
      fprintf(stderr, "[fuzz] %s\n", err);
      free(w.module);
      total.gen_failures = 1;  /* the campaign did not run: not a clean one */
      return total;
    }
    w.corpus = &corpus;
    w.replays = corpus.len;
    fprintf(stderr, "[fuzz] corpus %s: %zu programs, run first; programs that cover something new are kept there\n",
            o->corpus_dir, corpus.len);
    if (corpus.not_modules)
      fprintf(stderr, "[fuzz] corpus %s: %zu files are not modules and are left alone\n", o->corpus_dir,
              corpus.not_modules);
  }
  (void)files_make_dir(o->out_dir);
  Triage triage;
  if (load_triage(o->out_dir, &triage)) w.triage = &triage;
  NameList before = {0}, found = {0};
  list_finds(o->out_dir, NULL, &before);
  ReportSample *samples = NULL;
  size_t nsamples = 0, samples_cap = 0;
  size_t shared_size = sizeof(Shared) + sizeof(JobSlot) * (size_t)o->jobs;
  Shared *sh = mmap(NULL, shared_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) {
    perror("tessera fuzz: mmap");
    if (w.corpus) corpus_free(&corpus);
    free(w.module);
    return total;
  }
  memset(sh, 0, shared_size);
  pid_t *pids = xcalloc((size_t)o->jobs, sizeof(pid_t));
  int alive = 0;
  for (int j = 0; j < o->jobs; j++) alive += (pids[j] = start_worker(o, &w, j, (uint64_t)j, start, sh)) > 0;
  double last = start;
  bool replay_told = w.replays == 0;
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
        uint64_t index = __atomic_load_n(&sh->slots[j].running, __ATOMIC_RELAXED);
        bool hang = WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM;
        if (hang) lost.hangs++;
        else lost.crashes++;
        lost.programs++;
        lost.replayed += index < w.replays;
        fprintf(stderr, "%s[fuzz] job %d: the program at seed %" PRIu64 " %s (%s %d); the job goes on\n",
                isatty(2) ? "\n" : "", j, fuzz_program_seed(o->seed, index), hang ? "hung" : "crashed the VM",
                WIFSIGNALED(st) ? "signal" : "exit status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        if (job_has_more(o, index, start)) {
          pids[j] = start_worker(o, &w, j, index + (uint64_t)o->jobs, start, sh);
          alive += pids[j] > 0;
        }
      }
    }
    double t = now_seconds();
    if (!replay_told || t - last >= 1.0) {
      FuzzCounts now = counts_now(sh, o->jobs, &lost);
      if (!replay_told && now.replayed >= w.replays) {
        Buf cov = {0};
        summary_coverage(&now, &cov);
        fprintf(stderr, "%s[fuzz] corpus run again in %.1fs: %s\n", isatty(2) ? "\n" : "", t - start, cov.data);
        buf_free(&cov);
        replay_told = true;
      }
      if (t - last < 1.0) continue;
      last = t;
      print_progress(&now, t - start, false);
      json_progress(o, &now, t - start, false);
      if (nsamples == samples_cap) {
        samples_cap = samples_cap ? 2 * samples_cap : 64;
        samples = xrealloc(samples, samples_cap * sizeof *samples);
      }
      samples[nsamples++] = (ReportSample){t - start, now};
    }
  }
  total = counts_now(sh, o->jobs, &lost);
  double elapsed = now_seconds() - start;
  if (nsamples == samples_cap) samples = xrealloc(samples, (samples_cap = nsamples + 1) * sizeof *samples);
  samples[nsamples++] = (ReportSample){elapsed, total};  /* the timeline ends with the totals */
  free(pids);
  munmap(sh, shared_size);
  print_progress(&total, elapsed, true);
  json_progress(o, &total, elapsed, true);
  Buf reach = {0}, cov = {0};
  summary_reach(&total, &reach);
  summary_coverage(&total, &cov);
  fprintf(stderr,
          "[fuzz] summary: %" PRIu64 " programs in %.1fs (%.0f/s, %zu configurations each); %s, %.0f t1 instructions "
          "per program (all t1 configurations); %" PRIu64 " divergent programs, %" PRIu64 " new signatures saved; %" PRIu64
          " generator failures; %" PRIu64 " crashes, %" PRIu64 " hangs; %" PRIu64 " divergent programs reduced in %.1f s%s\n"
          "[fuzz] the JIT compiled %" PRIu64 " uops, %.0f ns per uop\n"
          "[fuzz] %s\n",
          total.programs, elapsed, elapsed > 0 ? (double)total.programs / elapsed : 0.0, oracle_nconfigs, reach.data,
          total.programs ? (double)total.executed / (double)total.programs : 0.0, total.divergences, total.saved,
          total.gen_failures, total.crashes, total.hangs, total.reductions, (double)total.reduce_ms / 1000,
          interrupted ? " (interrupted)" : "", total.jit_uops,
          total.jit_uops ? (double)total.jit_compile_ns / (double)total.jit_uops : 0.0, cov.data);
  if (o->corpus_dir)
    fprintf(stderr, "[fuzz] corpus %s: %" PRIu64 " programs run again, %" PRIu64 " mutated, %" PRIu64 " kept (now %" PRIu64 ")\n",
            o->corpus_dir, total.replayed, total.mutated, total.kept, (uint64_t)w.replays + total.kept);
  buf_free(&reach);
  buf_free(&cov);
  fold_triage(o->out_dir, total.known);
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
  if (w.triage) triage_free(&triage);
  names_free(&before);
  names_free(&found);
  if (w.corpus) corpus_free(&corpus);
  free(w.module);
  return total;
}

/* ---- Pruning ---- */

/* Smallest first; equal sizes in name order, so a pruning is the same every time. */
static int smaller_first(const void *a, const void *b) {
  const CorpusEntry *x = a, *y = b;
  if (x->len != y->len) return x->len < y->len ? -1 : 1;
  return strcmp(x->name, y->name);
}

bool fuzz_prune_corpus(const FuzzOptions *options) {
  FuzzOptions unswarmed = *options;  /* every program with the campaign's own limits */
  unswarmed.swarm = false;
  const FuzzOptions *o = &unswarmed;
  Corpus c;
  char err[1200];
  if (!corpus_open(&c, o->corpus_dir, err, sizeof err)) {
    fprintf(stderr, "[fuzz] %s\n", err);
    return false;
  }
  double start = now_seconds();
  if (c.len) qsort(c.entries, c.len, sizeof *c.entries, smaller_first);
  bool *useful = xcalloc(c.len ? c.len : 1, sizeof *useful);
  uint64_t *map = xcalloc(COV_WORDS, sizeof *map);
  watch_fatal_signals(o);
  for (size_t k = 0; k < c.len; k++) {
    const CorpusEntry *e = &c.entries[k];
    Module m;
    Diag d = {{0}};
    if (!module_load(e->data, e->len, &m, &d)) continue;  /* corpus_open loaded it: cannot happen */
    watch_program(&(Program){.origin = FROM_CORPUS, .seed = k, .input = e->data, .len = e->len});
    OracleResult r;
    oracle_run(&m, o->limits, o->fault, &r);
    useful[k] = coverage_merge(map, &r.coverage) > 0;
    oracle_result_free(&r);
    module_free(&m);
  }
  size_t kept = 0, failed = 0;
  for (size_t i = 0; i < c.len; i++) {
    if (useful[i]) kept++;
    else if (!corpus_delete(&c, i)) failed++;
  }
  uint64_t features = coverage_count(map, NULL);
  fprintf(stderr, "[fuzz] corpus %s pruned in %.1fs: %zu of %zu programs kept, covering %" PRIu64 " features; %zu deleted%s\n",
          o->corpus_dir, now_seconds() - start, kept, c.len, features, c.len - kept - failed,
          failed ? " (some could not be deleted)" : "");
  free(useful);
  free(map);
  corpus_free(&c);
  return failed == 0;
}
