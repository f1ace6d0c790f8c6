/* cmd_fuzz.c: `tessera fuzz`, the built-in differential fuzzer: generated programs
 * through the oracle's matrix (fuzz/engine.c), divergences saved. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "engine.h"

typedef struct {
  RunOptions run;  /* the limits and the fault */
  uint64_t seconds, programs, seed, jobs, test_crash_at, reduce_seconds, reduce_tries;
  const char *out, *observations, *report, *corpus, *arch, *aarch64_tessera, *serve;
  bool json, prune, no_swarm, no_frame_state;
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
  OPTION_UINT("--reduce-tries", "N", FuzzArgs, reduce_tries, 1, 100,
              "sightings of each bug that each job reduces, the first find included, each smaller than the ones "
              "before, in at most a quarter of the job's time; the smallest reduction is kept"),
  OPTION_STRING("--corpus", "DIR", FuzzArgs, corpus,
                "keep the programs that cover something new in DIR (binary modules), run DIR's programs first, "
                "and mutate them"),
  OPTION_FLAG("--no-swarm", FuzzArgs, no_swarm,
              "run every program with the given limits and the matrix's own warmups and thresholds, instead of "
              "a configuration drawn from each program's seed (--corpus implies it: kept programs replay as kept)"),
  OPTION_STRING("--arch", "ARCH", FuzzArgs, arch,
                "where programs run: " CLI_HOST_ARCH " (this machine), aarch64 (the whole matrix in a worker per job "
                "under qemu-aarch64, its reference compared with this machine's), or both (the whole matrix on each)"),
  OPTION_STRING("--aarch64-tessera", "PATH", FuzzArgs, aarch64_tessera,
                "the AArch64 build the workers of --arch run (default: build/aarch64-release/cli/tessera beside this "
                "build, else build/aarch64-qemu/cli/tessera)"),
  OPTION_STRING("--serve", "CMD", FuzzArgs, serve,
                "internal, for --arch: be a worker of another architecture's campaign, reading programs on stdin "
                "(fuzz/remote.h); CMD is how its finds replay"),
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
  OPTION_FLAG("--no-frame-state", FuzzArgs, no_frame_state,
              "switch the frame-state check off: states traces hand back are not compared with ref's (faster)"),
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
  a->reduce_seconds = 30;  /* per reduction: 5 s left 2 of 14 faults' finds unreduced */
  a->reduce_tries = 3;
}

#define QEMU_AARCH64 "qemu-aarch64"
#define AARCH64_SYSROOT "/usr/aarch64-linux-gnu"

/* The AArch64 build beside this one: BUILD/aarch64-release/cli/tessera, or the debug
   one, for this binary at BUILD/PRESET/cli/tessera. NULL when neither is there. */
static const char *aarch64_build_beside(char *path, size_t cap) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return NULL;
  self[n] = '\0';
  for (int up = 0; up < 3; up++) {  /* cli/tessera, then PRESET */
    char *slash = strrchr(self, '/');
    if (!slash) return NULL;
    *slash = '\0';
  }
  static const char *const presets[] = {"aarch64-release", "aarch64-qemu"};
  for (size_t i = 0; i < 2; i++) {
    snprintf(path, cap, "%s/%s/cli/tessera", self, presets[i]);
    if (access(path, X_OK) == 0) return path;
  }
  return NULL;
}

/* --arch into f: where programs run, and for the other architecture, the command that
   starts its workers (into static storage: the campaign reads it). false, said as a
   usage error, when it cannot be. */
static bool choose_arch(const FuzzArgs *a, FuzzOptions *f) {
  static char path[PATH_MAX], replay[PATH_MAX + 64], serve[PATH_MAX + 80], out[PATH_MAX + 8], reduce[48], tries[48], fault[64];
  static char *args[12];
  f->here_arch = CLI_HOST_ARCH;
  f->other_arch = "aarch64";
  if (!a->arch || strcmp(a->arch, CLI_HOST_ARCH) == 0) return true;
  if (strcmp(a->arch, "aarch64") != 0 && strcmp(a->arch, "both") != 0) {
    opt_usage_error(&cli_fuzz, "--arch takes " CLI_HOST_ARCH ", aarch64 or both");
    return false;
  }
  if (strcmp(CLI_HOST_ARCH, "x86_64") != 0) {
    opt_usage_error(&cli_fuzz, "--arch=aarch64 and both run AArch64 workers from an x86_64 build");
    return false;
  }
  f->arch = strcmp(a->arch, "both") == 0 ? FUZZ_ARCH_BOTH : FUZZ_ARCH_OTHER;
  if (a->aarch64_tessera) {
    snprintf(path, sizeof path, "%s", a->aarch64_tessera);
  } else if (!aarch64_build_beside(path, sizeof path)) {
    opt_usage_error(&cli_fuzz, "--arch=%s needs an AArch64 build: cmake --preset aarch64-release && cmake --build "
                               "--preset aarch64-release (or give --aarch64-tessera=PATH)", a->arch);
    return false;
  }
  if (access(path, X_OK) != 0) {
    opt_usage_error(&cli_fuzz, "--aarch64-tessera: %s: %s", path, strerror(errno));
    return false;
  }
  snprintf(replay, sizeof replay, QEMU_AARCH64 " -L " AARCH64_SYSROOT " %s", path);
  snprintf(serve, sizeof serve, "--serve=%s", replay);
  snprintf(out, sizeof out, "--out=%s", f->out_dir);
  snprintf(reduce, sizeof reduce, "--reduce-seconds=%.0f", f->reduce_seconds);
  snprintf(tries, sizeof tries, "--reduce-tries=%u", f->reduce_tries);
  snprintf(fault, sizeof fault, "--fault=%s", fault_name[f->fault]);
  char *argv[] = {QEMU_AARCH64, "-L", AARCH64_SYSROOT, path, "fuzz", serve, out, reduce, tries, f->fault ? fault : NULL,
                  NULL};
  memcpy(args, argv, sizeof argv);
  f->other_argv = args;
  f->other_replay = replay;
  return true;
}

static int fuzz_main(int argc, char **argv) {
  FuzzArgs a;
  OptScan s;
  int status;
  if (!opt_parse(&cli_fuzz, argc, argv, &a, &s, &status)) return status;
  if (opt_given(&s, "--programs") && !opt_given(&s, "--seconds")) a.seconds = 0;
  bool fresh = !opt_given(&s, "--seed");
  opt_scan_free(&s);
  oracle_frame_state_check = !a.no_frame_state;
  if (fresh) a.seed = fresh_seed();
  FuzzOptions f = {
    .seconds = (double)a.seconds, .max_programs = a.programs, .seed = a.seed, .fresh_seed = fresh,
    .jobs = (int)a.jobs, .out_dir = a.out, .limits = a.run.limits, .fault = a.run.fault,
    .test_crash_at = a.test_crash_at, .version = cli_version_line(), .report_dir = a.report,
    .json = a.json ? stdout : NULL, .reduce_seconds = (double)a.reduce_seconds,
    .reduce_tries = (uint32_t)a.reduce_tries, .corpus_dir = a.corpus,
    .swarm = !a.no_swarm && !a.corpus,  /* a corpus replays as it was kept: no swarm */
  };
  if (a.json && a.observations && strcmp(a.observations, "-") == 0)
    return opt_usage_error(&cli_fuzz, "--json and --observations=- both want stdout");
  if (a.corpus && a.observations)
    return opt_usage_error(&cli_fuzz, "--observations needs programs made from seeds alone, not --corpus");
  if (a.serve) {
    f.replay = a.serve;
    f.here_arch = CLI_HOST_ARCH;
    return fuzz_serve(&f);
  }
  if (!choose_arch(&a, &f)) return EXIT_USAGE;
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
