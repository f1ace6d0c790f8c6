/* engine.h: the built-in differential fuzzing engine (`tessera fuzz`): no fuzzing
 * library, seed-driven generation into the oracle, guided by the VM's coverage.
 *
 *   seed S, job j of J:  programs j, j + J, j + 2J ...; program i uses the seed
 *                        fuzz_program_seed(S, i)
 *     -> gen_bytes_from_seed -> gen_program   (or, with a corpus: one of its modules
 *        run again, or mutated: fuzz/corpus.h, fuzz/mutator.h)
 *     -> oracle_run -> its coverage into the campaign's map; something new: kept
 *     -> on divergence: save DIR/SIGNATURE/{input.gen or input.tsm, program.tas,
 *        report.txt} atomically (temporary file, then rename) before anything else
 *        happens, then reduce it for a bounded time into program.reduced.tas; a
 *        signature already saved is counted as a duplicate and not saved again, but
 *        some of its sightings are reduced too, and the smallest reduction is kept.
 *
 * A live progress line shows programs, programs/s, coverage, reach (one figure per
 * counter of ORACLE_REACH, oracle/oracle.h) and divergences; a summary ends the
 * campaign. J worker processes (one or more) share the work and count into memory
 * shared with the parent (FuzzCounts per job, and the coverage map); a worker that a
 * program crashes or hangs is counted and replaced, from that job's next program. */
#ifndef TESSERA_ENGINE_H
#define TESSERA_ENGINE_H

#include "oracle.h"
#include "vm.h"

/* The limits a campaign runs with unless told otherwise: small, so that one program
   costs well under a millisecond. `tessera repro X.gen` uses them too. */
Limits fuzz_default_limits(void);


/* Where a campaign's programs run (--arch): here, on a worker of another architecture
   (fuzz/remote.h: the whole matrix there, and the reference here to compare with), or
   both (the whole matrix on each). */
typedef enum { FUZZ_ARCH_HERE, FUZZ_ARCH_OTHER, FUZZ_ARCH_BOTH } FuzzArch;

typedef struct {
  double seconds;          /* stop after this long (0: no time limit) */
  uint64_t max_programs;   /* stop after this many programs (0: no limit) */
  uint64_t seed;           /* the campaign's seed (fuzz_program_seed) */
  bool fresh_seed;         /* chosen at random for this run, not given */
  int jobs;
  const char *out_dir;     /* where divergences are saved */
  Limits limits;
  Fault fault;             /* test-only: proves the campaign catches a wrong tier */
  FILE *observations;      /* if not NULL, one line per program and configuration:
                              "SEED CONFIG JSON" (for cross-architecture comparison;
                              needs jobs == 1 so the lines come in seed order) */
  uint64_t test_crash_at;  /* test-only: program N (from 1) crashes its worker (0: none) */
  const char *version;     /* the build, one line (tessera --version), recorded with finds */
  const char *report_dir;  /* where the campaign's reports go on exit (report.h), or NULL */
  FILE *json;              /* if not NULL, the progress as one JSON object a second and
                              one at the end: {"seconds": S, "final": B, "counts": {...}} */
  double reduce_seconds;   /* each new find is also reduced (fuzz/reduce.h) for at most
                              this long, into program.reduced.tas (0: not reduced) */
  uint32_t reduce_tries;   /* and so are up to this many sightings of each bug per job,
                              each smaller than the ones before, while the job has spent
                              less than a quarter of its time on them: the
                              smallest reduction is kept */
  const char *corpus_dir;  /* if not NULL, the corpus (fuzz/corpus.h): its programs run
                              first, the rest are mutations of them or generated, and the
                              ones that cover something new are kept there */
  bool swarm;              /* each program under a configuration of its own (fuzz_swarm) */
  const char *replay;      /* the command that replays finds made here: "tessera" (NULL),
                              or for a worker under an emulator, "qemu-aarch64 -L ... PATH" */
  FuzzArch arch;
  char *const *other_argv; /* FUZZ_ARCH_OTHER, BOTH: starts a worker of the other architecture
                              (`tessera fuzz --serve`, remote.h), one per job */
  const char *other_arch;  /* its name: "aarch64" */
  const char *other_replay;  /* how its finds replay (FuzzOptions.replay of its side) */
  const char *here_arch;   /* this build's: "x86_64" */
} FuzzOptions;

/* Swarm testing, as wasm-smith varies its configuration per test case: with o->swarm,
   the program of seed `seed` runs with knobs of the matrix drawn from its seed (the
   warmup of t1/warm3, the trace threshold of the configurations with traces) and, in
   FUZZ_SWARM_TIGHT_PERCENT of programs, one of the campaign's limits tightened far
   below what programs use, so that it runs out mid-program, often inside a trace or
   compiled code. Without: the campaign's limits and the table's knobs. */
#define FUZZ_SWARM_TIGHT_PERCENT 40
void fuzz_swarm(const FuzzOptions *o, uint64_t seed, Limits *limits, OracleKnobs *knobs);

/* The options that replay the find of seed `seed`: its limits, the campaign's fault, and
   its knobs of the matrix when the swarm turned them. */
void fuzz_replay_options(const FuzzOptions *o, uint64_t seed, char *out, size_t cap);

/* The seed of program `index` (from 0) of the campaign with seed S: a hash of S, plus
   the index. So a campaign's programs have consecutive seeds, and campaigns with nearby
   seeds (1, 2, 3 ...) run unrelated programs. A saved find records its program's seed;
   `tessera-gen --seed` takes it. */
uint64_t fuzz_program_seed(uint64_t campaign_seed, uint64_t index);

/* What a campaign (or one job of it) counted: the counts below, and for each reach
   counter of ORACLE_REACH (oracle/oracle.h) the programs that reached it. A worker
   process sends its counts to the parent as this struct, through a pipe: adding a
   count is a line here, and the sum, the pipe and the summary's sum follow. */
#define FUZZ_COUNTS(COUNT)                                                   \
  COUNT(programs)      /* programs run */                                    \
  COUNT(executed)      /* instructions the t1 configurations executed, summed */ \
  COUNT(divergences)   /* divergent programs */                              \
  COUNT(saved)         /* new signatures saved */                            \
  COUNT(known)         /* divergent programs of bugs the registry marks known: not saved */ \
  COUNT(gen_failures)  /* generator bugs: a program that did not assemble */ \
  COUNT(crashes)       /* programs that crashed the VM (the job went on after them) */ \
  COUNT(hangs)         /* programs that ran past FUZZ_PROGRAM_SECONDS (the same) */ \
  COUNT(replayed)      /* programs of the corpus run again (the campaign's first) */ \
  COUNT(mutated)       /* programs made by mutating one of the corpus */ \
  COUNT(kept)          /* programs kept in the corpus: they covered something new */ \
  COUNT(reductions)    /* divergent programs reduced (FuzzOptions.reduce_tries) */ \
  COUNT(reduce_ms)     /* milliseconds spent reducing them */                \
  COUNT(jit_uops)      /* uops the JIT compiled (every configuration that compiles) */ \
  COUNT(jit_compile_ns) /* nanoseconds it spent compiling them */

typedef struct {
#define COUNT(name) uint64_t name;
  FUZZ_COUNTS(COUNT)
#undef COUNT
  uint64_t reached[REACH__COUNT];  /* programs that reached each counter, by ReachId */
  uint64_t covered[COV_KIND__COUNT];  /* features covered so far, by CoverageKind: read
                                         from the campaign's coverage map, not summed */
} FuzzCounts;

/* part as a percentage of whole (0 when whole is 0): how the reach figures are shown. */
static inline double fuzz_percent(uint64_t part, uint64_t whole) {
  return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The features covered, every kind together. */
static inline uint64_t fuzz_covered(const FuzzCounts *c) {
  uint64_t n = 0;
  for (int k = 0; k < COV_KIND__COUNT; k++) n += c->covered[k];
  return n;
}

/* Runs a campaign; prints progress and a summary on stderr. Returns the counts. */
FuzzCounts fuzz_campaign(const FuzzOptions *o);

/* The other architecture's side of a campaign (`tessera fuzz --serve`, fuzz/remote.h):
   reads programs on stdin, runs each through the matrix as a job would (saving,
   reducing and noting its divergences in o->out_dir), and answers on stdout. Returns the
   exit status once its input ends. */
int fuzz_serve(const FuzzOptions *o);

/* Prunes the corpus o->corpus_dir (with o's limits and fault): runs its programs once,
   smallest first, and deletes those that cover no feature the ones before them did, as
   libFuzzer's -merge=1 keeps a minimal corpus. Prints what it kept on stderr. Returns
   false when the corpus cannot be read or a file cannot be deleted. */
bool fuzz_prune_corpus(const FuzzOptions *o);

#endif
