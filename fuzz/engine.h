/* engine.h: the built-in differential fuzzing engine (`tessera fuzz`): no fuzzing
 * library, seed-driven generation into the oracle.
 *
 *   seed S, job j of J:  program k uses seed S + k*J + j
 *     -> gen_bytes_from_seed -> gen_program -> oracle_run
 *     -> on divergence: save DIR/SIGNATURE/{input.gen, program.tas, report.txt}
 *        atomically (temporary file, then rename) before anything else happens;
 *        a signature already saved is counted as a duplicate and not saved again.
 *
 * A live progress line shows programs, programs/s, reach and divergences; a summary
 * ends the campaign. With J > 1 jobs, J worker processes share the work and report
 * their counts to the parent through a pipe. */
#ifndef TESSERA_ENGINE_H
#define TESSERA_ENGINE_H

#include "vm.h"

/* The limits a campaign runs with unless told otherwise: small, so that one program
   costs well under a millisecond. `tessera repro X.gen` uses them too. */
Limits fuzz_default_limits(void);


typedef struct {
  double seconds;          /* stop after this long (0: no time limit) */
  uint64_t max_programs;   /* stop after this many programs (0: no limit) */
  uint64_t seed;
  int jobs;
  const char *out_dir;     /* where divergences are saved */
  Limits limits;
  Fault fault;             /* test-only: proves the campaign catches a wrong tier */
  FILE *observations;      /* if not NULL, one line per program and configuration:
                              "SEED CONFIG JSON" (for cross-architecture comparison;
                              needs jobs == 1 so the lines come in seed order) */
} FuzzOptions;

/* What a campaign (or one job of it) counted. */
typedef struct {
  uint64_t programs;
  uint64_t specialized;   /* programs in which t1 specialized something */
  uint64_t deopted;       /* programs in which some guard failed */
  uint64_t traced;        /* programs in which t2 built a trace */
  uint64_t exited;        /* programs in which a t2 trace exited to t1 */
  uint64_t side_traced;   /* programs in which t2 built a side trace */
  uint64_t jitted;        /* programs in which the jit tier ran compiled code */
  uint64_t completed;     /* programs that returned without a runtime error (ref) */
  uint64_t executed;      /* instructions t1 executed, summed */
  uint64_t divergences;   /* divergent programs */
  uint64_t saved;         /* new signatures saved */
  uint64_t gen_failures;  /* generator bugs: a program that did not assemble */
  uint64_t crashed_jobs;  /* worker processes that died */
} FuzzCounts;

/* Runs a campaign; prints progress and a summary on stderr. Returns the counts. */
FuzzCounts fuzz_campaign(const FuzzOptions *o);

#endif
