/* cmd_fuzz.c: `tessera fuzz`, the built-in differential fuzzer: generated programs
 * through the oracle's matrix (fuzz/engine.c), divergences saved. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "engine.h"

typedef struct {
  RunOptions run;  /* the limits and the fault */
  uint64_t seconds, programs, seed, jobs, test_crash_at, reduce_seconds;
  const char *out, *observations, *report, *corpus;
  bool json, prune, no_swarm;
} FuzzArgs;

static const CliOption fuzz_options[] = {
  OPTION_UINT("--seconds", "N", FuzzArgs, seconds, 0, UINT64_MAX, "stop after N seconds; 0: no time limit"),
  OPTION_UINT("--programs", "N", FuzzArgs, programs, 0, UINT64_MAX,
              "stop after N programs; 0: no limit. Given without --seconds: no time limit"),
  OPTION_UINT("--seed", "S", FuzzArgs, seed, 0, UINT64_MAX,
              "the campaign's seed (program i is generated from a hash of S, plus i); without it, a fresh one, printed"),
  OPTION_UINT("--jobs", "N", FuzzArgs, jobs, 1, 256, "worker processes; program i goes to job i mod N"),
  OPTION_STRING("--out", "DIR", FuzzArgs, out, "where divergences are saved"),
  OPTION_UINT("--reduce-seconds", "N", FuzzArgs, reduce_seconds, 0, 3600,
              "reduce each new find for at most N seconds, into program.reduced.tas beside it; 0: do not reduce"),
  OPTION_STRING("--corpus", "DIR", FuzzArgs, corpus,
                "keep the programs that cover something new in DIR (binary modules), run DIR's programs first, "
                "and mutate them"),
  OPTION_FLAG("--no-swarm", FuzzArgs, no_swarm,
              "run every program with the given limits and the matrix's own warmups and thresholds, instead of "
              "a configuration drawn from each program's seed (--corpus implies it: kept programs replay as kept)"),
  OPTION_FLAG("--prune", FuzzArgs, prune,
              "instead of a campaign: run the programs of --corpus once, smallest first, and delete those that cover "
              "nothing the ones before them did"),
  OPTION_STRING("--report", "DIR", FuzzArgs, report,
                "where the campaign's reports go on exit: campaign-SEED.json, .junit.xml, .sarif and .html"),
  OPTION_STRING("--observations", "FILE", FuzzArgs, observations,
                "also write every observation to FILE (-: stdout), one line per program and configuration: "
                "SEED CONFIG JSON (needs --jobs 1)"),
  OPTION_FLAG("--json", FuzzArgs, json,
              "also the progress as JSON on stdout: an object a second and one at the end, with every count and "
              "reach figure"),
  OPTION_UINT("--test-crash-at", "N", FuzzArgs, test_crash_at, 0, UINT64_MAX,
              "test-only: program N (from 1) crashes its worker, to show that the campaign goes on"),
  OPTION_GROUP(FuzzArgs, run, cli_matrix_options),
  OPTION_END,
};

/* A seed no earlier run is likely to have had: the kernel's random bytes, or the clock
   and the process id where those cannot be read. */
static uint64_t fresh_seed(void) {
  uint64_t s = 0;
  FILE *f = fopen("/dev/urandom", "rb");
  if (f) {
    if (fread(&s, sizeof s, 1, f) != 1) s = 0;
    fclose(f);
  }
  if (!s) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + ((uint64_t)getpid() << 32);
  }
  return s % 1000000000000ull;  /* twelve digits, easy to copy */
}

static void fuzz_defaults(void *args) {
  FuzzArgs *a = args;
  a->run = run_options_default(TIER_REF);
  a->run.limits = fuzz_default_limits();
  a->seconds = 60;
  a->seed = 1;
  a->jobs = 1;
  a->out = "reports/divergences";
  a->report = "reports";
  a->reduce_seconds = 5;
}

static int fuzz_main(int argc, char **argv) {
  FuzzArgs a;
  OptScan s;
  int status;
  if (!opt_parse(&cli_fuzz, argc, argv, &a, &s, &status)) return status;
  if (opt_given(&s, "--programs") && !opt_given(&s, "--seconds")) a.seconds = 0;
  bool fresh = !opt_given(&s, "--seed");
  opt_scan_free(&s);
  if (fresh) a.seed = fresh_seed();
  FuzzOptions f = {(double)a.seconds, a.programs, a.seed, fresh, (int)a.jobs, a.out, a.run.limits, a.run.fault, NULL,
                   a.test_crash_at, cli_version_line(), a.report, a.json ? stdout : NULL, (double)a.reduce_seconds, a.corpus,
                   !a.no_swarm && !a.corpus};  /* a corpus replays as it was kept: no swarm */
  if (a.json && a.observations && strcmp(a.observations, "-") == 0)
    return opt_usage_error(&cli_fuzz, "--json and --observations=- both want stdout");
  if (a.corpus && a.observations)
    return opt_usage_error(&cli_fuzz, "--observations needs programs made from seeds alone, not --corpus");
  if (a.prune) {
    if (!a.corpus) return opt_usage_error(&cli_fuzz, "--prune needs --corpus=DIR");
    return fuzz_prune_corpus(&f) ? 0 : 1;
  }
  if (a.observations) {
    if (f.jobs != 1) return opt_usage_error(&cli_fuzz, "--observations needs --jobs=1 (lines in seed order)");
    f.observations = strcmp(a.observations, "-") == 0 ? stdout : fopen(a.observations, "w");
    if (!f.observations) {
      fprintf(stderr, "tessera: cannot write %s: %s\n", a.observations, strerror(errno));
      return EXIT_USAGE;
    }
  }
  FuzzCounts c = fuzz_campaign(&f);
  if (f.observations && f.observations != stdout && fclose(f.observations) != 0) {
    fprintf(stderr, "tessera: cannot write %s: %s\n", a.observations, strerror(errno));
    return EXIT_USAGE;
  }
  /* Divergences of bugs the triage registry marks known are expected. */
  return c.divergences > c.known || c.gen_failures || c.crashes || c.hangs ? 1 : 0;
}

const CliCommand cli_fuzz = {
  "fuzz", "", "", 0, 0,
  "the built-in differential fuzzer",
  "The built-in differential fuzzer: programs generated from seeds run through every configuration of the "
  "oracle's matrix, guided by the VM's coverage with --corpus; each divergence is saved in DIR with everything needed to replay it, and so is each program "
  "that crashes or hangs the VM (the campaign goes on). Each divergence is named by its culprit when "
  "localization finds one, and noted in the triage registry DIR/triage.tsv (tessera triage); a bug marked known "
  "there is counted, not saved. Progress and summary on stderr. Exit 0 when no program diverged (but for known "
  "bugs), crashed or hung and the generator never failed, 1 otherwise, 2 on bad usage.",
  fuzz_options, sizeof(FuzzArgs), fuzz_defaults, fuzz_main,
};
