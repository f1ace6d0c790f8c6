/* cmd_oracle.c: the commands that run the oracle's matrix on files: `tessera diff`
 * (a table line per file), `tessera repro` (replay a saved divergence, with a watchdog
 * for crashes and hangs) and `tessera reduce` (shrink a divergent program). */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "asm.h"
#include "cli.h"
#include "engine.h"
#include "fatal.h"
#include "localize.h"
#include "oracle.h"
#include "reduce.h"

/* diff, repro and reduce: the matrix decides tier, dispatch and warmup; the limits and
   the fault are the caller's. */
typedef struct {
  RunOptions run;
  OracleKnobs knobs;
  uint64_t timeout;   /* repro */
  const char *out;    /* reduce */
  uint64_t seconds;   /* reduce: 0, no bound */
  bool no_frame_state;
} OracleArgs;

static void oracle_defaults(void *args) {
  OracleArgs *a = args;
  a->run = run_options_default(TIER_REF);
  a->timeout = 60;
}

/* The arguments of repro and reduce, and the module FILE holds. A fuzzer input (.gen)
   starts from the campaign's limits, any other file from the defaults; the options
   given override either. Returns 0 to go on, -1 after --help (exit 0), or EXIT_USAGE. */
static int replay_args(const CliCommand *cmd, int argc, char **argv, OracleArgs *a, const char **path, Module *m) {
  OptScan s;
  int status;
  memset(a, 0, sizeof *a);
  oracle_defaults(a);
  if (!opt_scan(cmd, argc, argv, &s, &status)) return status == 0 ? -1 : status;
  *path = s.operands[0];
  if (cli_is_gen(*path)) a->run.limits = fuzz_default_limits();
  bool ok = opt_apply(&s, a);
  opt_scan_free(&s);
  oracle_frame_state_check = !a->no_frame_state;
  return ok && cli_load_module(*path, m) ? 0 : EXIT_USAGE;
}

/* ---- diff ---- */

#define FRAME_STATE_OPTION                                             \
  OPTION_FLAG("--no-frame-state", OracleArgs, no_frame_state,          \
              "switch the frame-state check off: states traces hand back are not compared with ref's")

static const CliOption diff_options[] = {
  FRAME_STATE_OPTION,
  OPTION_GROUP(OracleArgs, run, cli_matrix_options),
  OPTION_GROUP(OracleArgs, knobs, cli_knob_options),
  OPTION_END,
};

static int diff_main(int argc, char **argv) {
  OracleArgs a;
  OptScan s;
  int status, diverged = 0;
  if (!opt_parse(&cli_diff, argc, argv, &a, &s, &status)) return status;
  oracle_frame_state_check = !a.no_frame_state;
  for (int i = 0; i < s.noperands; i++) {
    const char *path = s.operands[i];
    Module m;
    if (!cli_load_module(path, &m)) {
      opt_scan_free(&s);
      return EXIT_USAGE;
    }
    OracleResult r;
    oracle_run_knobs(&m, a.run.limits, a.run.fault, a.knobs, &r);
    const Observation *ref = &r.obs[0];
    printf("%-40s ", path);
    if (ref->error != ERR_NONE)
      printf("error=%s@%s:%u", error_kind_name[ref->error], ref->error_function, ref->error_offset);
    else
      printf("result=%.24s", ref->result);
    printf(" output=%zuB fuel=%llu checksum=%016llx heap=%llu/%lluB  ", ref->output.len,
           (unsigned long long)ref->fuel_used, (unsigned long long)ref->checksum,
           (unsigned long long)ref->heap_objects, (unsigned long long)ref->heap_bytes);
    if (r.diverged) {
      printf("DIVERGE %s: %s\n", r.signature, r.where);
      diverged++;
    } else {
      printf("agree (%zu configurations)\n", oracle_nconfigs);
    }
    oracle_result_free(&r);
    module_free(&m);
  }
  printf("%d module(s), %d divergence(s)\n", s.noperands, diverged);
  opt_scan_free(&s);
  return diverged ? 1 : 0;
}

const CliCommand cli_diff = {
  "diff", "FILE...", "at least one FILE", 1, -1,
  "run every configuration of the oracle's matrix and compare",
  "Run each module in every configuration of the oracle's matrix (tiers, dispatch, warmups) and compare the "
  "whole observations: one line per FILE, then the totals. Exit 0 when all agree, 1 if any module diverges, 2 on "
  "bad usage or a FILE that does not load.",
  diff_options, sizeof(OracleArgs), oracle_defaults, diff_main,
};

/* ---- repro ---- */

/* repro's watchdog: a saved crash or hang (tessera fuzz saves both) names the
   configuration that crashed or hung (fatal.h). A hang reproduces: exit 1 at once. A
   crash then takes its course. */
static uint64_t repro_timeout;

static void on_repro_signal(int sig) {
  const char *config = oracle_running;
  char line[256];
  size_t k = fatal_put_str(line, 0, sizeof line, "repro: the configuration ");
  k = fatal_put_str(line, k, sizeof line, config ? config : "(none: between configurations)");
  if (sig == SIGALRM) {
    k = fatal_put_str(line, k, sizeof line, " ran for more than ");
    k = fatal_put_u64(line, k, sizeof line, repro_timeout);
    k = fatal_put_str(line, k, sizeof line, " s: a hang, and it reproduces\n");
    (void)!write(2, line, k);
    _exit(1);
  }
  k = fatal_put_str(line, k, sizeof line, " crashed the VM (signal ");
  k = fatal_put_u64(line, k, sizeof line, (uint64_t)sig);
  k = fatal_put_str(line, k, sizeof line, "): it reproduces\n");
  (void)!write(2, line, k);
  fatal_signals_pass_on(sig);
}

static const CliOption repro_options[] = {
  FRAME_STATE_OPTION,
  OPTION_UINT("--timeout", "S", OracleArgs, timeout, 0, 86400,
              "a configuration still running after S seconds is a hang: name it and exit 1; 0: no limit"),
  OPTION_GROUP(OracleArgs, run, cli_matrix_options),
  OPTION_GROUP(OracleArgs, knobs, cli_knob_options),
  OPTION_END,
};

static int repro_main(int argc, char **argv) {
  OracleArgs a;
  const char *path;
  Module m;
  int status = replay_args(&cli_repro, argc, argv, &a, &path, &m);
  if (status) return status < 0 ? 0 : status;
  OracleResult r;
  repro_timeout = a.timeout;
  fatal_signals_catch(on_repro_signal);
  if (repro_timeout) alarm((unsigned)repro_timeout);
  oracle_run_knobs(&m, a.run.limits, a.run.fault, a.knobs, &r);
  alarm(0);
  Buf b = {0};
  buf_printf(&b, "== program (%s)\n", path);
  dis_module(&m, &b);
  buf_puts(&b, "\n== observations\n");
  oracle_report(&m, &r, &b);
  if (r.diverged) {
    Localization loc;
    oracle_localize(&m, a.run.limits, a.run.fault, &r, &loc);
    buf_printf(&b, "\n== culprit\n%s (%u runs)\n", loc.verdict, loc.runs);
    if (loc.found) buf_printf(&b, "bug signature: %s\n", loc.signature);
  }
  fwrite(b.data, 1, b.len, stdout);
  buf_free(&b);
  int rc = r.diverged ? 1 : 0;
  oracle_result_free(&r);
  module_free(&m);
  return rc;
}

const CliCommand cli_repro = {
  "repro", "FILE", "a FILE", 1, 1,
  "replay a saved divergence",
  "Replay a saved divergence: the program's listing, then every configuration's observation with the "
  "differences marked, then the culprit localization names (the part of the disagreeing tier that, switched "
  "off, makes it agree) and the bug-level signature built from it. A .gen FILE starts from the fuzzer's limits (--fuel 20000 --max-depth 64 --max-heap "
  "65536 --max-output 65536), any other from the defaults below; each limit given replaces its own. A "
  "configuration that crashes or hangs is named on stderr. Exit 1 while it reproduces, 0 when all agree, 2 on "
  "bad usage or an invalid module.",
  repro_options, sizeof(OracleArgs), oracle_defaults, repro_main,
};

/* ---- reduce ---- */

static const CliOption reduce_options[] = {
  FRAME_STATE_OPTION,
  OPTION_STRING("--out", "OUT", OracleArgs, out, "where to write the result (default: FILE with .reduced.tas)"),
  OPTION_UINT("--seconds", "N", OracleArgs, seconds, 0, 86400,
              "stop after about N seconds with the smallest program so far; 0: until no line can go (default: 0)"),
  OPTION_GROUP(OracleArgs, run, cli_matrix_options),
  OPTION_GROUP(OracleArgs, knobs, cli_knob_options),
  OPTION_END,
};

/* reduce's check of FILE itself, before any candidate (which run in a child, where a
   crash only rejects the candidate): a FILE that crashes a configuration is named as
   repro names it, rather than reduce dying without a word. */
static void on_reduce_signal(int sig) {
  const char *config = oracle_running;
  char line[256];
  size_t k = fatal_put_str(line, 0, sizeof line, "reduce: the configuration ");
  k = fatal_put_str(line, k, sizeof line, config ? config : "(none: between configurations)");
  k = fatal_put_str(line, k, sizeof line, " crashed the VM (signal ");
  k = fatal_put_u64(line, k, sizeof line, (uint64_t)sig);
  k = fatal_put_str(line, k, sizeof line, ") on the program itself: reduce shrinks divergences, not crashes\n");
  (void)!write(2, line, k);
  fatal_signals_pass_on(sig);
}

static int reduce_main(int argc, char **argv) {
  OracleArgs a;
  const char *path;
  Module m;
  int status = replay_args(&cli_reduce, argc, argv, &a, &path, &m);
  if (status) return status < 0 ? 0 : status;
  OracleResult whole;
  fatal_signals_catch(on_reduce_signal);
  oracle_run_knobs(&m, a.run.limits, a.run.fault, a.knobs, &whole);
  fatal_signals_release();
  oracle_result_free(&whole);
  char default_out[4096];
  if (!a.out) {
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    int stem = dot && (!slash || dot > slash) ? (int)(dot - path) : (int)strlen(path);
    snprintf(default_out, sizeof default_out, "%.*s.reduced.tas", stem, path);
    a.out = default_out;
  }
  Buf text = {0};
  ReduceStats st;
  bool diverged = reduce_program(&m, a.run.limits, a.run.fault, a.knobs, (double)a.seconds, isatty(2), &text, &st);
  module_free(&m);
  if (!diverged) {
    fprintf(stderr, "tessera: %s does not diverge under these limits: nothing to reduce\n", path);
    buf_free(&text);
    return EXIT_RUNTIME_ERROR;
  }
  Buf file = {0};
  buf_printf(&file, "; reduced by tessera reduce from %s: %u lines to %u, signature %s\n", path, st.lines_before,
             st.lines_after, st.signature);
  buf_append(&file, text.data, text.len);
  bool ok = cli_write_file(a.out, file.data, file.len);
  buf_free(&file);
  buf_free(&text);
  if (!ok) return EXIT_USAGE;
  char stopped[96] = "";
  if (st.timeouts)
    snprintf(stopped, sizeof stopped, ", %llu stopped after %.2f s", (unsigned long long)st.timeouts,
             st.candidate_seconds);
  printf("%s: %u lines to %u (%llu programs tried%s%s), signature %s\n", a.out, st.lines_before, st.lines_after,
         (unsigned long long)st.tests, stopped, st.stopped ? "; the time was up before it was minimal" : "",
         st.signature);
  return 0;
}

const CliCommand cli_reduce = {
  "reduce", "FILE", "a FILE", 1, 1,
  "shrink a divergent program, keeping its signature",
  "Shrink a divergent program line by line while the oracle reports the same signature, and write the result "
  "to OUT. Each candidate runs in a child process with a fuel and a time bound (a removal can make a loop "
  "endless); one that reaches either is not taken. Limits as for repro. A FILE that crashes a configuration "
  "itself is not reduced: the configuration is named on stderr, as repro names it, and the crash takes its course. "
  "Exit 0 when written, 1 if FILE does not diverge under these limits, 2 on bad usage or an unwritable OUT.",
  reduce_options, sizeof(OracleArgs), oracle_defaults, reduce_main,
};
