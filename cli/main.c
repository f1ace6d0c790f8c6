/* main.c: the `tessera` command line (cli/: nothing else lives here).
 *
 *   tessera run FILE [options]     run a .tas or binary module
 *   tessera asm FILE.tas [-o OUT]  assemble to a binary module
 *   tessera dis FILE               print a module as assembly
 *   tessera diff FILE...           run every configuration and compare observations
 *
 * Exit status: 0 ran to completion (diff: all agree); 1 runtime error (diff: a
 * divergence); 2 bad usage or an invalid module, with nothing executed. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "asm.h"
#include "engine.h"
#include "fatal.h"
#include "gen.h"
#include "jit.h"
#include "reduce.h"
#include "oracle.h"
#include "specialize.h"
#include "trace.h"
#include "vm.h"

#define EXIT_RUNTIME_ERROR 1
#define EXIT_USAGE 2

static const char usage_text[] =
  "usage: tessera COMMAND [ARGS]\n"
  "\n"
  "  run FILE [--tier=NAME] [--dispatch=goto|switch] [--json] [--stats]\n"
  "           [--fuel=N] [--max-depth=N] [--max-heap=N] [--max-output=N] [--warmup=N]\n"
  "           [--trace-threshold=N] [--opt=on|off] [--dump-traces] [--dump-jit=DIR] [--perf-map]\n"
  "      Run a module (.tas text or binary). Prints the program's output; with --json,\n"
  "      the whole observation as one JSON object. --stats adds run statistics on stderr.\n"
  "      --warmup=N: t1 instructions first try to specialize at their N-th execution\n"
  "      (default 8, or the environment variable TESSERA_WARMUP).\n"
  "      --trace-threshold=N: t2 projects a trace at a LOOP's N-th run (default 16, or\n"
  "      TESSERA_TRACE_THRESHOLD). --opt=off: t2 without the trace optimizer (t2-noopt).\n"
  "      --dump-traces: t2 lists every trace, before and after optimizing, on stderr.\n"
  "      --dump-jit=DIR: jit writes each compiled trace's code and disassembly into DIR;\n"
  "      --perf-map: jit names its code in /tmp/perf-PID.map for perf report.\n"
  "  asm FILE.tas [-o OUT]   Assemble to a binary module (default OUT: FILE with .tsm).\n"
  "  dis FILE                Print a module as assembly (round-trips byte for byte).\n"
  "  dis --quickened FILE [run options]\n"
  "                          Run FILE under t1, then list its code as t1 left it.\n"
  "  diff FILE... [limit options]\n"
  "                          Run each module in every configuration of the oracle's\n"
  "                          matrix; exit 1 if any disagree.\n"
  "  repro FILE [--timeout=S] [limit options]\n"
  "                          Replay a saved divergence: the listing, then every\n"
  "                          configuration's observation with differences marked;\n"
  "                          exit 1 while it reproduces. A configuration that crashes,\n"
  "                          or runs longer than S seconds (default 60, 0: no limit),\n"
  "                          is named on stderr and reproduces a crash or a hang.\n"
  "  reduce FILE [--out=OUT] [limit options]\n"
  "                          Shrink a divergent program line by line while the oracle\n"
  "                          reports the same signature; writes OUT (default: FILE with\n"
  "                          .reduced.tas); exit 1 if FILE does not diverge.\n"
  "  fuzz [--seconds=N] [--programs=N] [--seed=S] [--jobs=N] [--out=DIR] [limit options]\n"
  "       [--observations=FILE|-]\n"
  "                          The built-in differential fuzzer: generated programs through\n"
  "                          the oracle; divergences saved in DIR (default\n"
  "                          reports/divergences). Default: 60 seconds, seed 1, 1 job.\n"
  "                          --observations also writes every observation, one line per\n"
  "                          program and configuration (for comparing architectures).\n"
  "  (diff, repro, reduce and fuzz take --fault=NAME, a test-only fault that proves the oracle works)\n"
  "  FILE may be .tas text, a binary module, or a fuzzer input (.gen: generator bytes).\n"
  "  tiers                   List the tiers.\n"
  "\n"
  "Exit status: 0 success, 1 runtime error or divergence, 2 bad usage or invalid module.\n";

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "tessera: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n(run 'tessera help' for usage)\n");
  return EXIT_USAGE;
}

static bool read_file(const char *path, Buf *out) {
  if (buf_read_file(out, path)) return true;
  fprintf(stderr, "tessera: cannot read %s: %s\n", path, strerror(errno));
  return false;
}

/* Loads FILE: a binary module if it starts with the magic, else assembly text. */
static bool load_file(const char *path, Module *m) {
  Buf b = {0};
  if (!read_file(path, &b)) return false;
  Diag d = {{0}};
  bool ok;
  size_t n = strlen(path);
  if (n > 4 && strcmp(path + n - 4, ".gen") == 0) {  /* fuzzer input: the generator's bytes */
    Buf tas = {0};
    GenShape shape;
    ok = gen_program((const uint8_t *)(b.data ? b.data : ""), b.len, &tas, m, &shape, &d);
    buf_free(&tas);
  } else if (b.len >= 4 && memcmp(b.data, MODULE_MAGIC, 4) == 0)
    ok = module_load((const uint8_t *)b.data, b.len, m, &d);
  else
    ok = asm_assemble(b.data ? b.data : "", b.len, path, m, NULL, &d);
  if (!ok) fprintf(stderr, "tessera: invalid module %s: %s\n", path, d.msg);
  buf_free(&b);
  return ok;
}

static bool parse_u64(const char *s, uint64_t *out) {
  if (!*s) return false;
  uint64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return false;
    if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10) return false;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  *out = v;
  return true;
}

/* Matches "--name=VALUE"; returns VALUE or NULL. */
static const char *option_value(const char *arg, const char *name) {
  size_t n = strlen(name);
  if (strncmp(arg, name, n) == 0 && arg[n] == '=') return arg + n + 1;
  return NULL;
}

/* Parses the options shared by run and diff; returns false on a bad option. */
static bool parse_run_option(const char *arg, RunOptions *o, int *status) {
  const char *v;
  struct { const char *name; uint64_t *field; } limits[] = {
    {"--fuel", &o->limits.fuel}, {"--max-depth", &o->limits.max_depth},
    {"--max-heap", &o->limits.max_heap}, {"--max-output", &o->limits.max_output},
  };
  for (size_t i = 0; i < ARRAY_LEN(limits); i++) {
    if ((v = option_value(arg, limits[i].name))) {
      if (!parse_u64(v, limits[i].field)) {
        *status = usage_error("%s needs a non-negative integer", limits[i].name);
        return false;
      }
      return true;
    }
  }
  if ((v = option_value(arg, "--warmup"))) {
    uint64_t w;
    if (!parse_u64(v, &w) || w < 1 || w > 65535) {
      *status = usage_error("--warmup needs an integer in 1..65535, not '%s'", v);
      return false;
    }
    o->warmup = (uint32_t)w;
    return true;
  }
  if ((v = option_value(arg, "--trace-threshold"))) {
    uint64_t t;
    if (!parse_u64(v, &t) || t < 1 || t > 65535) {
      *status = usage_error("--trace-threshold needs an integer in 1..65535, not '%s'", v);
      return false;
    }
    o->trace_threshold = (uint32_t)t;
    return true;
  }
  if ((v = option_value(arg, "--opt"))) {
    if (strcmp(v, "on") == 0) o->trace_opt = true;
    else if (strcmp(v, "off") == 0) o->trace_opt = false;
    else {
      *status = usage_error("--opt must be on or off, not '%s'", v);
      return false;
    }
    return true;
  }
  if ((v = option_value(arg, "--tier"))) {
    int t = tier_from_name(v);
    if (t < 0) {
      *status = usage_error("unknown tier '%s' (run 'tessera tiers')", v);
      return false;
    }
    if (tier_compiles((Tier)t) && !jit_host_set()) {
      *status = usage_error("tier '%s' is not available: this build has no stencils for this machine", v);
      return false;
    }
    o->tier = (Tier)t;
    return true;
  }
  if ((v = option_value(arg, "--dispatch"))) {
    if (strcmp(v, "goto") == 0) o->dispatch = DISPATCH_GOTO;
    else if (strcmp(v, "switch") == 0) o->dispatch = DISPATCH_SWITCH;
    else {
      *status = usage_error("--dispatch must be goto or switch, not '%s'", v);
      return false;
    }
    return true;
  }
  *status = usage_error("unknown option '%s'", arg);
  return false;
}

/* The warmup and trace threshold when no option gives them: TESSERA_WARMUP and
   TESSERA_TRACE_THRESHOLD, read once by main. */
static uint32_t env_warmup = T1_DEFAULT_WARMUP;
static uint32_t env_trace_threshold = TRACE_DEFAULT_THRESHOLD;

/* run_options_default with the environment's warmup and threshold. */
static RunOptions cli_options(Tier tier) {
  RunOptions o = run_options_default(tier);
  o.jit = &jit_default_hooks;
  o.warmup = env_warmup;
  o.trace_threshold = env_trace_threshold;
  return o;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void print_error_line(const Observation *o) {
  fprintf(stderr, "runtime error: %s in %s at offset %u: %s\n", error_kind_name[o->error], o->error_function,
          o->error_offset, o->error_detail);
}

/* Options of the commands that run the oracle's matrix (diff, repro, fuzz): the limits,
   and --fault=NAME (test-only); the matrix decides tier, dispatch and warmup. */
static bool parse_matrix_option(const char *cmd, const char *arg, RunOptions *o, int *status) {
  const char *v;
  static const char *const fixed[] = {"--tier", "--dispatch", "--warmup", "--trace-threshold", "--opt"};
  bool is_fixed = false;
  for (size_t i = 0; i < ARRAY_LEN(fixed); i++) is_fixed |= strncmp(arg, fixed[i], strlen(fixed[i])) == 0;
  if (is_fixed) {
    fprintf(stderr, "tessera: %s runs the oracle's configurations; '%s' does not apply\n", cmd, arg);
    *status = EXIT_USAGE;
    return false;
  }
  if ((v = option_value(arg, "--fault"))) {
    int f = fault_from_name(v);
    if (f < 0) {
      *status = usage_error("unknown fault '%s'", v);
      return false;
    }
    o->fault = (Fault)f;
    return true;
  }
  return parse_run_option(arg, o, status);
}

/* The t1 statistics table: every opcode that ran or changed form. */
static void print_t1_stats(const T1Stats *st) {
  uint64_t total = 0, spec_exec = 0, specs = 0, deopts = 0, fails = 0;
  for (int op = 0; op < OP__ALL; op++) {
    total += st->executed[op];
    if (op >= OP__COUNT) spec_exec += st->executed[op];
    specs += st->specialized[op];
    deopts += st->deopts[op];
    fails += st->failed[op];
  }
  fprintf(stderr, "stats: t1 executed %llu instructions, %llu (%.1f%%) in specialized forms; "
          "%llu specializations, %llu deopts, %llu failed attempts\n",
          (unsigned long long)total, (unsigned long long)spec_exec, total ? 100.0 * (double)spec_exec / (double)total : 0.0,
          (unsigned long long)specs, (unsigned long long)deopts, (unsigned long long)fails);
  fprintf(stderr, "stats: %-20s %14s %12s %8s %8s\n", "opcode", "executed", "specialized", "deopts", "failed");
  for (int op = 0; op < OP__ALL; op++) {
    if (!st->executed[op] && !st->specialized[op] && !st->deopts[op] && !st->failed[op]) continue;
    fprintf(stderr, "stats: %-20s %14llu %12llu %8llu %8llu\n", opcode_name(op), (unsigned long long)st->executed[op],
            (unsigned long long)st->specialized[op], (unsigned long long)st->deopts[op],
            (unsigned long long)st->failed[op]);
  }
}

/* The t2 statistics: traces, their exits, and what the optimizer did. */
static void print_t2_stats(const T2Stats *st) {
  unsigned long long aborted = 0;
  for (int i = 0; i < TRACE_ABORT__COUNT; i++) aborted += st->aborted[i];
  fprintf(stderr,
          "stats: t2 traces projected %llu, built %llu (%llu side traces), aborted %llu, invalidated %llu\n"
          "stats: t2 executors entered %llu, linked %llu times, exits to t1 %llu, uops run %llu\n"
          "stats: t2 optimizer: guards removed %llu, folded %llu, loads removed %llu, pushes removed %llu, "
          "globals promoted %llu, branches on bools %llu, refcounts removed %llu\n",
          (unsigned long long)st->projected, (unsigned long long)st->built, (unsigned long long)st->side_built,
          aborted, (unsigned long long)st->invalidated, (unsigned long long)st->entered,
          (unsigned long long)st->linked, (unsigned long long)st->exits, (unsigned long long)st->uops,
          (unsigned long long)st->guards_removed, (unsigned long long)st->folded,
          (unsigned long long)st->loads_removed, (unsigned long long)st->pushes_removed,
          (unsigned long long)st->globals_promoted, (unsigned long long)st->bool_branches,
          (unsigned long long)st->refcounts_removed);
  if (st->jit_compiled || st->jit_failed)
    fprintf(stderr,
            "stats: jit executors compiled %llu (%llu failed), %llu bytes of code, %llu uops, %.0f ns per uop to "
            "compile, compiled code entered %llu times\n",
            (unsigned long long)st->jit_compiled, (unsigned long long)st->jit_failed,
            (unsigned long long)st->jit_code_bytes, (unsigned long long)st->jit_uops,
            st->jit_uops ? (double)st->jit_compile_ns / (double)st->jit_uops : 0.0,
            (unsigned long long)st->jit_entries);
  for (int i = 0; i < TRACE_END__COUNT; i++)
    if (st->ended[i]) fprintf(stderr, "stats: t2 traces ended %-12s %llu\n", trace_end_name[i], (unsigned long long)st->ended[i]);
  for (int i = 0; i < TRACE_ABORT__COUNT; i++)
    if (st->aborted[i])
      fprintf(stderr, "stats: t2 projections aborted %-9s %llu\n", trace_abort_name[i], (unsigned long long)st->aborted[i]);
}


static int cmd_run(int argc, char **argv) {
  RunOptions opts = cli_options(TIER_REF);
  JitOptions jit_opts = {NULL, false};
  JitHooks jit = jit_hooks(&jit_opts);
  opts.jit = &jit;
  const char *path = NULL;
  bool json = false, stats = false, dump_traces = false;
  int status = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = true;
    else if (strcmp(argv[i], "--stats") == 0) stats = true;
    else if (strcmp(argv[i], "--dump-traces") == 0) dump_traces = true;
    else if (strcmp(argv[i], "--perf-map") == 0) jit_opts.perf_map = true;
    else if (strncmp(argv[i], "--dump-jit=", 11) == 0) jit_opts.dump_dir = argv[i] + 11;
    else if (argv[i][0] == '-' && argv[i][1]) {
      if (!parse_run_option(argv[i], &opts, &status)) return status;
    } else if (!path) path = argv[i];
    else return usage_error("run takes one file, got another: '%s'", argv[i]);
  }
  if (!path) return usage_error("%s", "run needs a FILE");
  Module m;
  if (!load_file(path, &m)) return EXIT_USAGE;
  Observation o;
  if (dump_traces && !tier_traces(opts.tier)) {
    module_free(&m);
    return usage_error("--dump-traces lists t2's traces: --tier must be t2, t2-noopt, jit or jit-noopt, not %s", tier_name[opts.tier]);
  }
  if ((jit_opts.dump_dir || jit_opts.perf_map) && !tier_compiles(opts.tier)) {
    module_free(&m);
    return usage_error("--dump-jit and --perf-map show compiled code: --tier must be jit or jit-noopt, not %s",
                       tier_name[opts.tier]);
  }
  if (jit_opts.dump_dir) {
    struct stat st;
    if (!*jit_opts.dump_dir || (mkdir(jit_opts.dump_dir, 0777) != 0 && errno != EEXIST) || stat(jit_opts.dump_dir, &st) != 0 ||
        !S_ISDIR(st.st_mode)) {
      module_free(&m);
      return usage_error("--dump-jit needs a directory it can create or use, not '%s'", jit_opts.dump_dir);
    }
  }
  T1Stats t1_stats;
  T2Stats t2_stats;
  memset(&t1_stats, 0, sizeof t1_stats);
  memset(&t2_stats, 0, sizeof t2_stats);
  Buf traces = {0};
  if (stats && tier_quickens(opts.tier)) opts.stats = &t1_stats;
  if (stats && tier_traces(opts.tier)) opts.t2_stats = &t2_stats;
  if (dump_traces) opts.traces = &traces;
  double t0 = now_seconds();
  vm_run_module(&m, &opts, &o);
  double elapsed = now_seconds() - t0;
  if (json) {
    Buf b = {0};
    observation_json(&o, &b);
    printf("%s\n", b.data);
    buf_free(&b);
  } else {
    fwrite(o.output.data ? o.output.data : "", 1, o.output.len, stdout);
  }
  if (o.error != ERR_NONE) print_error_line(&o);
  if (dump_traces) {
    fwrite(traces.data ? traces.data : "", 1, traces.len, stderr);
    buf_free(&traces);
  }
  if (stats) {
    fprintf(stderr,
            "stats: tier=%s dispatch=%s time=%.6fs fuel=%llu heap_objects=%llu heap_bytes=%llu "
            "output_bytes=%zu\n",
            tier_name[opts.tier], opts.dispatch == DISPATCH_SWITCH ? "switch" : "goto", elapsed,
            (unsigned long long)o.fuel_used, (unsigned long long)o.heap_objects,
            (unsigned long long)o.heap_bytes, o.output.len);
    if (tier_quickens(opts.tier)) print_t1_stats(&t1_stats);
    if (tier_traces(opts.tier)) print_t2_stats(&t2_stats);
    if (!tier_quickens(opts.tier)) fprintf(stderr, "stats: no specialization, traces or JIT in this tier\n");
    else if (!tier_traces(opts.tier)) fprintf(stderr, "stats: no traces or JIT in this tier\n");
    else if (!tier_compiles(opts.tier)) fprintf(stderr, "stats: no JIT in this tier\n");
  }
  int rc = o.error == ERR_NONE ? 0 : EXIT_RUNTIME_ERROR;
  observation_free(&o);
  module_free(&m);
  return rc;
}

static int cmd_asm(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "-o") == 0) {
      if (i + 1 == argc) return usage_error("%s", "-o needs a file name");
      out = argv[++i];
    } else if (argv[i][0] == '-') return usage_error("unknown option '%s'", argv[i]);
    else if (!in) in = argv[i];
    else return usage_error("asm takes one file, got another: '%s'", argv[i]);
  }
  if (!in) return usage_error("%s", "asm needs a FILE.tas");
  Buf src = {0};
  if (!read_file(in, &src)) return EXIT_USAGE;
  Module m;
  Diag d = {{0}};
  if (!asm_assemble(src.data ? src.data : "", src.len, in, &m, NULL, &d)) {
    fprintf(stderr, "tessera: %s\n", d.msg);
    buf_free(&src);
    return EXIT_USAGE;
  }
  buf_free(&src);
  char *default_out = NULL;
  if (!out) {
    size_t n = strlen(in);
    if (n > 4 && strcmp(in + n - 4, ".tas") == 0) n -= 4;
    default_out = xmalloc(n + 5);
    memcpy(default_out, in, n);
    strcpy(default_out + n, ".tsm");
    out = default_out;
  }
  Buf bytes = {0};
  module_write(&m, &bytes);
  int rc = 0;
  FILE *f = fopen(out, "wb");
  bool written = f && fwrite(bytes.data, 1, bytes.len, f) == bytes.len;
  if (f && fclose(f) != 0) written = false;
  if (!written) {
    fprintf(stderr, "tessera: cannot write %s: %s\n", out, strerror(errno));
    rc = EXIT_USAGE;
  }
  free(default_out);
  buf_free(&bytes);
  module_free(&m);
  return rc;
}

static int cmd_dis(int argc, char **argv) {
  RunOptions opts = cli_options(TIER_T1);
  bool quickened = false;
  const char *path = NULL;
  int status = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--quickened") == 0) quickened = true;
    else if (argv[i][0] == '-' && argv[i][1]) {
      if (!parse_run_option(argv[i], &opts, &status)) return status;
    } else if (!path) path = argv[i];
    else return usage_error("dis takes one file, got another: '%s'", argv[i]);
  }
  if (!path) return usage_error("%s", "dis needs a FILE");
  if (!quickened && argc != 1) return usage_error("%s", "run options need --quickened");
  Module m;
  if (!load_file(path, &m)) return EXIT_USAGE;
  Buf b = {0};
  if (quickened) {
    if (!tier_quickens(opts.tier)) {
      module_free(&m);
      return usage_error("%s", "--quickened shows t1's code: --tier must not be ref");
    }
    Observation o;
    opts.quickened = &b;
    vm_run_module(&m, &opts, &o);
    buf_printf(&b, "; after the run: %s\n",
               o.error == ERR_NONE ? "main returned" : error_kind_name[o.error]);
    observation_free(&o);
  } else {
    dis_module(&m, &b);
  }
  fwrite(b.data, 1, b.len, stdout);
  buf_free(&b);
  module_free(&m);
  return 0;
}

/* diff FILE...: the oracle's matrix on each file; a table line per file. */
static int cmd_diff(int argc, char **argv) {
  RunOptions o = run_options_default(TIER_REF);
  int nfiles = 0, status = 0, diverged = 0;
  for (int i = 0; i < argc; i++)
    if (argv[i][0] == '-' && !parse_matrix_option("diff", argv[i], &o, &status)) return status;
  for (int i = 0; i < argc; i++) {
    if (argv[i][0] == '-') continue;
    nfiles++;
    Module m;
    if (!load_file(argv[i], &m)) return EXIT_USAGE;
    OracleResult r;
    oracle_run(&m, o.limits, o.fault, &r);
    const Observation *ref = &r.obs[0];
    printf("%-40s ", argv[i]);
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
  if (!nfiles) return usage_error("%s", "diff needs at least one FILE");
  printf("%d module(s), %d divergence(s)\n", nfiles, diverged);
  return diverged ? 1 : 0;
}

/* repro FILE: the program listing, then the oracle's table with differences marked.
   Exit 1 while the divergence reproduces. */
/* repro and reduce: a fuzzer input (.gen) starts from the campaign's limits, anything
   else from the defaults; options given override either. */
static void starting_limits(int argc, char **argv, RunOptions *o) {
  for (int i = 0; i < argc; i++)
    if (argv[i][0] != '-' && strlen(argv[i]) > 4 && strcmp(argv[i] + strlen(argv[i]) - 4, ".gen") == 0)
      o->limits = fuzz_default_limits();
}

/* repro's watchdog: a saved crash or hang (tessera fuzz saves both) names the
   configuration that crashed or hung (fatal.h). A hang reproduces: exit 1 at once. A
   crash then takes its course. */
static uint64_t repro_timeout = 60;

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

static int cmd_repro(int argc, char **argv) {
  RunOptions o = run_options_default(TIER_REF);
  const char *path = NULL, *v;
  int status = 0;
  starting_limits(argc, argv, &o);
  for (int i = 0; i < argc; i++) {
    if ((v = option_value(argv[i], "--timeout"))) {
      if (!parse_u64(v, &repro_timeout) || repro_timeout > 86400)
        return usage_error("--timeout needs a number of seconds in 0..86400, not '%s'", v);
    } else if (argv[i][0] == '-' && argv[i][1]) {
      if (!parse_matrix_option("repro", argv[i], &o, &status)) return status;
    } else if (!path) {
      path = argv[i];
    } else {
      return usage_error("repro takes one file, got another: '%s'", argv[i]);
    }
  }
  if (!path) return usage_error("%s", "repro needs a FILE");
  Module m;
  if (!load_file(path, &m)) return EXIT_USAGE;
  OracleResult r;
  fatal_signals_catch(on_repro_signal);
  if (repro_timeout) alarm((unsigned)repro_timeout);
  oracle_run(&m, o.limits, o.fault, &r);
  alarm(0);
  Buf b = {0};
  buf_printf(&b, "== program (%s)\n", path);
  dis_module(&m, &b);
  buf_puts(&b, "\n== observations\n");
  oracle_report(&m, &r, &b);
  fwrite(b.data, 1, b.len, stdout);
  buf_free(&b);
  int rc = r.diverged ? 1 : 0;
  oracle_result_free(&r);
  module_free(&m);
  return rc;
}

static int cmd_reduce(int argc, char **argv) {
  RunOptions o = run_options_default(TIER_REF);
  const char *path = NULL, *out_path = NULL, *v;
  int status = 0;
  starting_limits(argc, argv, &o);
  for (int i = 0; i < argc; i++) {
    if ((v = option_value(argv[i], "--out"))) {
      if (!*v) return usage_error("%s", "--out needs a file name");
      out_path = v;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      if (!parse_matrix_option("reduce", argv[i], &o, &status)) return status;
    } else if (!path) {
      path = argv[i];
    } else {
      return usage_error("reduce takes one file, got another: '%s'", argv[i]);
    }
  }
  if (!path) return usage_error("%s", "reduce needs a FILE");
  Module m;
  if (!load_file(path, &m)) return EXIT_USAGE;
  char default_out[4096];
  if (!out_path) {
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    int stem = dot && (!slash || dot > slash) ? (int)(dot - path) : (int)strlen(path);
    snprintf(default_out, sizeof default_out, "%.*s.reduced.tas", stem, path);
    out_path = default_out;
  }
  Buf text = {0};
  ReduceStats st;
  bool diverged = reduce_program(&m, o.limits, o.fault, isatty(2), &text, &st);
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
  FILE *f = fopen(out_path, "wb");
  bool ok = f && fwrite(file.data, 1, file.len, f) == file.len;
  if (f && fclose(f) != 0) ok = false;
  buf_free(&file);
  buf_free(&text);
  if (!ok) {
    fprintf(stderr, "tessera: cannot write %s: %s\n", out_path, strerror(errno));
    return EXIT_USAGE;
  }
  printf("%s: %u lines to %u (%llu programs tried), signature %s\n", out_path, st.lines_before, st.lines_after,
         (unsigned long long)st.tests, st.signature);
  return 0;
}

static int cmd_fuzz(int argc, char **argv) {
  FuzzOptions f = {60, 0, 1, 1, "reports/divergences", fuzz_default_limits(), FAULT_NONE, NULL};
  const char *observations = NULL;
  RunOptions o = run_options_default(TIER_REF);
  o.limits = f.limits;
  int status = 0;
  for (int i = 0; i < argc; i++) {
    const char *v;
    uint64_t n;
    if ((v = option_value(argv[i], "--seconds"))) {
      if (!parse_u64(v, &n)) return usage_error("--seconds needs a non-negative integer, not '%s'", v);
      f.seconds = (double)n;
    } else if ((v = option_value(argv[i], "--programs"))) {
      if (!parse_u64(v, &n)) return usage_error("--programs needs a non-negative integer, not '%s'", v);
      f.max_programs = n;
    } else if ((v = option_value(argv[i], "--seed"))) {
      if (!parse_u64(v, &f.seed)) return usage_error("--seed needs a non-negative integer, not '%s'", v);
    } else if ((v = option_value(argv[i], "--jobs"))) {
      if (!parse_u64(v, &n) || n < 1 || n > 256) return usage_error("--jobs needs an integer in 1..256, not '%s'", v);
      f.jobs = (int)n;
    } else if ((v = option_value(argv[i], "--out"))) {
      if (!*v) return usage_error("%s", "--out needs a directory");
      f.out_dir = v;
    } else if ((v = option_value(argv[i], "--observations"))) {
      if (!*v) return usage_error("%s", "--observations needs a file name (or -)");
      observations = v;
    } else if (argv[i][0] == '-') {
      if (!parse_matrix_option("fuzz", argv[i], &o, &status)) return status;
    } else {
      return usage_error("fuzz takes no files: '%s'", argv[i]);
    }
  }
  for (int i = 0; i < argc; i++)  /* --programs alone means no time limit */
    if (option_value(argv[i], "--programs")) {
      bool timed = false;
      for (int j = 0; j < argc; j++) timed |= option_value(argv[j], "--seconds") != NULL;
      if (!timed) f.seconds = 0;
    }
  f.limits = o.limits;
  f.fault = o.fault;
  if (observations) {
    if (f.jobs != 1) return usage_error("%s", "--observations needs --jobs=1 (lines in seed order)");
    f.observations = strcmp(observations, "-") == 0 ? stdout : fopen(observations, "w");
    if (!f.observations) {
      fprintf(stderr, "tessera: cannot write %s: %s\n", observations, strerror(errno));
      return EXIT_USAGE;
    }
  }
  FuzzCounts c = fuzz_campaign(&f);
  if (f.observations && f.observations != stdout && fclose(f.observations) != 0) {
    fprintf(stderr, "tessera: cannot write %s: %s\n", observations, strerror(errno));
    return EXIT_USAGE;
  }
  return c.divergences || c.gen_failures || c.crashed_jobs ? 1 : 0;
}

static int cmd_tiers(void) {
  for (int i = 0; i < TIER__COUNT; i++)
    printf("%-10s %s%s\n", tier_name[i], tier_doc[i],
           tier_compiles((Tier)i) && !jit_host_set() ? " (not available: no stencils for this machine)" : "");
  return 0;
}

int main(int argc, char **argv) {
  const char *w = getenv("TESSERA_WARMUP");
  if (w && *w) {
    uint64_t v;
    if (parse_u64(w, &v) && v >= 1 && v <= 65535) env_warmup = (uint32_t)v;
    else return usage_error("TESSERA_WARMUP must be an integer in 1..65535, not '%s'", w);
  }
  const char *tt = getenv("TESSERA_TRACE_THRESHOLD");
  if (tt && *tt) {
    uint64_t v;
    if (parse_u64(tt, &v) && v >= 1 && v <= 65535) env_trace_threshold = (uint32_t)v;
    else return usage_error("TESSERA_TRACE_THRESHOLD must be an integer in 1..65535, not '%s'", tt);
  }
  if (argc < 2) {
    fputs(usage_text, stderr);
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "run") == 0) return cmd_run(argc - 2, argv + 2);
  if (strcmp(cmd, "asm") == 0) return cmd_asm(argc - 2, argv + 2);
  if (strcmp(cmd, "dis") == 0) return cmd_dis(argc - 2, argv + 2);
  if (strcmp(cmd, "diff") == 0) return cmd_diff(argc - 2, argv + 2);
  if (strcmp(cmd, "repro") == 0) return cmd_repro(argc - 2, argv + 2);
  if (strcmp(cmd, "fuzz") == 0) return cmd_fuzz(argc - 2, argv + 2);
  if (strcmp(cmd, "reduce") == 0) return cmd_reduce(argc - 2, argv + 2);
  if (strcmp(cmd, "tiers") == 0) return cmd_tiers();
  if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  return usage_error("unknown command '%s'", cmd);
}
