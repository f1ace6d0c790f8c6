/* cmd_run.c: `tessera run` (one module in one tier, its output or observation and
 * statistics), `tessera tiers`, the run behind `dis --quickened`, and the one place
 * the command line hands options to the JIT and asks it for its stencils. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "cli.h"
#include "jit.h"
#include "specialize.h"
#include "trace.h"

/* ---- The JIT as the command line sees it ---- */

const StencilSet *cli_jit_stencils(void) { return jit_host_set(); }

const char *cli_jit_arch_name(const StencilSet *set) { return jit_arch_name[set->arch]; }

bool cli_tier_available(const CliCommand *cmd, Tier tier) {
  if (!tier_compiles(tier) || cli_jit_stencils()) return true;
  opt_usage_error(cmd, "tier '%s' is not available: this build has no stencils for this machine", tier_name[tier]);
  return false;
}

/* ---- run ---- */

typedef struct {
  RunOptions run;
  bool json, stats, dump_traces;
  const char *dump_jit;  /* the JIT's options: handed over by jit_options() */
  bool perf_map;
} RunArgs;

/* The JIT the run compiles through, with the inspection options: the one place they
   meet RunOptions. jo and hooks must outlive the run. */
static void jit_options(const RunArgs *a, JitOptions *jo, JitHooks *hooks, RunOptions *o) {
  *jo = (JitOptions){a->dump_jit, a->perf_map};
  *hooks = jit_hooks(jo);
  o->jit = hooks;
}

static const CliOption run_options[] = {
  OPTION_GROUP(RunArgs, run, cli_tier_options),
  OPTION_FLAG("--json", RunArgs, json, "print the whole observation as one JSON object instead of the program's output"),
  OPTION_FLAG("--stats", RunArgs, stats, "print run statistics on stderr"),
  OPTION_FLAG("--dump-traces", RunArgs, dump_traces,
              "t2 and jit tiers: list every trace, before and after optimizing, on stderr"),
  OPTION_STRING("--dump-jit", "DIR", RunArgs, dump_jit,
                "jit tiers: write each compiled trace's code and disassembly into DIR"),
  OPTION_FLAG("--perf-map", RunArgs, perf_map, "jit tiers: name the compiled code in /tmp/perf-PID.map (for anonymous JIT memory only: docs/jit.md, Inspection)"),
  OPTION_UINT("--placement", "N", RunArgs, run.placement, 0, 65536,
              "benchmarking: place the value stack N slots and the frame array N frames further into "
              "their memory; a build's time is compared over several placements (bench/README.md)"),
  OPTION_END,
};

static void run_defaults(void *args) {
  RunArgs *a = args;
  a->run = cli_run_defaults(TIER_REF);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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
          "globals promoted %llu, branches on bools %llu, branches on ints %llu, refcounts removed %llu, loop kinds %llu, iterator guards before loops %llu (%llu kept in), object facts into inlined frames %llu, parameter kinds at entries %llu, attribute "
          "loads from locals %llu, element gets typed %llu, element loads from locals %llu (%llu with array and index proved), element stores into locals %llu (%llu with array and index proved), cell reads from captures %llu, cell writes into captures %llu, cells in captured arrays %llu, side traces knowing kinds from their exit %llu, compares fused with their branch %llu, int ops fused with their constant %llu, ops reading a local operand %llu, char compares %llu (%llu reading locals), lengths read from locals %llu, int digits concatenated in place %llu, methods known %llu, frames deferred %llu, loops stamped stable %llu\n",
          (unsigned long long)st->projected, (unsigned long long)st->built, (unsigned long long)st->side_built,
          aborted, (unsigned long long)st->invalidated, (unsigned long long)st->entered,
          (unsigned long long)st->linked, (unsigned long long)st->exits, (unsigned long long)st->uops,
          (unsigned long long)st->guards_removed, (unsigned long long)st->folded,
          (unsigned long long)st->loads_removed, (unsigned long long)st->pushes_removed,
          (unsigned long long)st->globals_promoted, (unsigned long long)st->bool_branches, (unsigned long long)st->int_branches,
          (unsigned long long)st->refcounts_removed, (unsigned long long)st->loop_kinds,
          (unsigned long long)st->iter_guards_hoisted, (unsigned long long)st->iter_guards_kept, (unsigned long long)st->inline_facts,
          (unsigned long long)st->entry_param_kinds,
          (unsigned long long)st->local_attrs, (unsigned long long)st->elem_kinds, (unsigned long long)st->local_elems, (unsigned long long)st->elems_proved,
          (unsigned long long)st->local_elem_stores, (unsigned long long)st->elem_stores_proved, (unsigned long long)st->capture_cells, (unsigned long long)st->capture_cell_stores,
          (unsigned long long)st->capture_elem_cells,
          (unsigned long long)st->exit_kinds, (unsigned long long)st->compare_branches, (unsigned long long)st->int_consts, (unsigned long long)st->op_locals,
          (unsigned long long)st->char_compares, (unsigned long long)st->char_locals, (unsigned long long)st->len_locals,
          (unsigned long long)st->concat_ints, (unsigned long long)st->methods_known, (unsigned long long)st->frames_deferred,
          (unsigned long long)st->stable_loops);
  if (st->object_guards_removed || st->operator_leaves || st->class_invalidations || st->finalizer_leaves ||
      st->finalizer_checks_removed || st->attr_cache_fills)
    fprintf(stderr,
            "stats: t2 objects: object guards removed %llu, attribute cache fills %llu, left for operator methods "
            "%llu, class versions "
            "invalidated %llu (executors invalidated by the class watcher %llu), checks that called finalizers %llu "
            "(went on in the trace after them %llu; finalizers called %llu, directly %llu), finalizer checks removed %llu\n",
            (unsigned long long)st->object_guards_removed, (unsigned long long)st->attr_cache_fills,
            (unsigned long long)st->operator_leaves,
            (unsigned long long)st->class_invalidations, (unsigned long long)st->watcher_invalidations,
            (unsigned long long)st->finalizer_leaves, (unsigned long long)st->finalizer_on,
            (unsigned long long)st->finalizer_calls, (unsigned long long)st->finalizers_direct,
            (unsigned long long)st->finalizer_checks_removed);
  if (st->caught || st->handler_built)
    fprintf(stderr, "stats: t2 errors raised in traces and caught by a handler %llu, traces built at handlers %llu\n",
            (unsigned long long)st->caught, (unsigned long long)st->handler_built);
  if (st->cell_writes || st->cell_facts)
    fprintf(stderr, "stats: t2 cells: written in traces %llu, reads answered by cell facts %llu\n",
            (unsigned long long)st->cell_writes, (unsigned long long)st->cell_facts);
  if (st->builtin_calls || st->builtins_proven)
    fprintf(stderr, "stats: t2 builtins: called in traces %llu, calls of sqrt on proven floats %llu\n",
            (unsigned long long)st->builtin_calls, (unsigned long long)st->builtins_proven);
  if (st->entry_built || st->returns || st->nested_calls || st->nested_bound || st->call_any || st->deferred_written ||
      st->init_frames)
    fprintf(stderr,
            "stats: t2 calls: entry executors built %llu, returns from a trace's frame %llu, calls run nested "
            "%llu (left elsewhere %llu), left for t1 at the callee's start %llu (at the nesting bound %llu), "
            "generic calls %llu (left for t1 %llu), deferred frames written when compiled code left inside %llu, "
            "class calls entering init in traces %llu\n",
            (unsigned long long)st->entry_built, (unsigned long long)st->returns,
            (unsigned long long)st->nested_calls, (unsigned long long)st->nested_left,
            (unsigned long long)st->nested_bound, (unsigned long long)st->nested_at_bound, (unsigned long long)st->call_any,
            (unsigned long long)st->call_any_left, (unsigned long long)st->deferred_written,
            (unsigned long long)st->init_frames);
  if (st->shrinks || st->map_deletes || st->iter_changes || st->key_lookups_removed)
    fprintf(stderr,
            "stats: t2 containers: shrunk %llu, map keys deleted %llu, iterated after a change %llu, key "
            "lookups removed %llu\n",
            (unsigned long long)st->shrinks, (unsigned long long)st->map_deletes,
            (unsigned long long)st->iter_changes, (unsigned long long)st->key_lookups_removed);
  if (st->jit_compiled || st->jit_failed)
    fprintf(stderr,
            "stats: jit executors compiled %llu (%llu failed), %llu bytes of code, %llu uops, %.0f ns per uop to "
            "compile (and %.0f us to set the JIT up), compiled code entered %llu times\n",
            (unsigned long long)st->jit_compiled, (unsigned long long)st->jit_failed,
            (unsigned long long)st->jit_code_bytes, (unsigned long long)st->jit_uops,
            st->jit_uops ? (double)st->jit_compile_ns / (double)st->jit_uops : 0.0, (double)st->jit_setup_ns / 1000.0,
            (unsigned long long)st->jit_entries);
  for (int i = 0; i < TRACE_END__COUNT; i++)
    if (st->ended[i]) fprintf(stderr, "stats: t2 traces ended %-12s %llu\n", trace_end_name[i], (unsigned long long)st->ended[i]);
  for (int i = 0; i < TRACE_ABORT__COUNT; i++)
    if (st->aborted[i])
      fprintf(stderr, "stats: t2 projections aborted %-9s %llu\n", trace_abort_name[i], (unsigned long long)st->aborted[i]);
}

static void print_run_stats(const RunOptions *opts, const Observation *o, double elapsed, const T1Stats *t1,
                            const T2Stats *t2) {
  fprintf(stderr,
          "stats: tier=%s dispatch=%s time=%.6fs fuel=%llu heap_objects=%llu heap_bytes=%llu "
          "output_bytes=%zu\n",
          tier_name[opts->tier], opts->dispatch == DISPATCH_SWITCH ? "switch" : "goto", elapsed,
          (unsigned long long)o->fuel_used, (unsigned long long)o->heap_objects, (unsigned long long)o->heap_bytes,
          o->output.len);
  if (tier_quickens(opts->tier)) print_t1_stats(t1);
  if (tier_traces(opts->tier)) print_t2_stats(t2);
  if (!tier_quickens(opts->tier)) fprintf(stderr, "stats: no specialization, traces or JIT in this tier\n");
  else if (!tier_traces(opts->tier)) fprintf(stderr, "stats: no traces or JIT in this tier\n");
  else if (!tier_compiles(opts->tier)) fprintf(stderr, "stats: no JIT in this tier\n");
}

/* The inspection options against the tier; a usage error when the tier has nothing to
   show. */
static bool check_inspection(const RunArgs *a) {
  Tier t = a->run.tier;
  if (a->dump_traces && !tier_traces(t)) {
    opt_usage_error(&cli_run, "--dump-traces lists t2's traces: --tier must be t2, t2-noopt, jit or jit-noopt, not %s",
                    tier_name[t]);
    return false;
  }
  if ((a->dump_jit || a->perf_map) && !tier_compiles(t)) {
    opt_usage_error(&cli_run, "--dump-jit and --perf-map show compiled code: --tier must be jit or jit-noopt, not %s",
                    tier_name[t]);
    return false;
  }
  struct stat st;
  if (a->dump_jit && ((mkdir(a->dump_jit, 0777) != 0 && errno != EEXIST) || stat(a->dump_jit, &st) != 0 ||
                      !S_ISDIR(st.st_mode))) {
    opt_usage_error(&cli_run, "--dump-jit needs a directory it can create or use, not '%s'", a->dump_jit);
    return false;
  }
  return true;
}

static void print_error_line(const Observation *o) {
  fprintf(stderr, "runtime error: %s in %s at offset %u: %s\n", error_kind_name[o->error], o->error_function,
          o->error_offset, o->error_detail);
}

static int run_main(int argc, char **argv) {
  RunArgs a;
  OptScan s;
  int status;
  if (!opt_parse(&cli_run, argc, argv, &a, &s, &status)) return status;
  const char *path = s.operands[0];
  opt_scan_free(&s);
  if (!cli_tier_available(&cli_run, a.run.tier)) return EXIT_USAGE;
  Module m;
  if (!cli_load_module(path, &m)) return EXIT_USAGE;
  if (!check_inspection(&a)) {
    module_free(&m);
    return EXIT_USAGE;
  }
  RunOptions opts = a.run;
  JitOptions jit_opts;
  JitHooks jit;
  jit_options(&a, &jit_opts, &jit, &opts);
  T1Stats t1_stats;
  T2Stats t2_stats;
  memset(&t1_stats, 0, sizeof t1_stats);
  memset(&t2_stats, 0, sizeof t2_stats);
  Buf traces = {0};
  if (a.stats && tier_quickens(opts.tier)) opts.stats = &t1_stats;
  if (a.stats && tier_traces(opts.tier)) opts.t2_stats = &t2_stats;
  if (a.dump_traces) opts.traces = &traces;
  Observation o;
  double t0 = now_seconds();
  vm_run_module(&m, &opts, &o);
  double elapsed = now_seconds() - t0;
  if (a.json) {
    Buf b = {0};
    observation_json(&o, &b);
    printf("%s\n", b.data);
    buf_free(&b);
  } else {
    fwrite(o.output.data ? o.output.data : "", 1, o.output.len, stdout);
  }
  if (o.error != ERR_NONE) print_error_line(&o);
  if (a.dump_traces) {
    fwrite(traces.data ? traces.data : "", 1, traces.len, stderr);
    buf_free(&traces);
  }
  if (a.stats) print_run_stats(&opts, &o, elapsed, &t1_stats, &t2_stats);
  int rc = o.error == ERR_NONE ? 0 : EXIT_RUNTIME_ERROR;
  observation_free(&o);
  module_free(&m);
  return rc;
}

const CliCommand cli_run = {
  "run", "FILE", "a FILE", 1, 1,
  "run a module in one tier",
  "Run a module (.tas text, a binary module, or a fuzzer input .gen) and print the program's output; with "
  "--json, the whole observation as one JSON object. Exit 0 when main returned, 1 on a runtime error (kind and "
  "location on stderr), 2 on bad usage or an invalid module.",
  run_options, sizeof(RunArgs), run_defaults, run_main,
};

/* ---- dis --quickened's run ---- */

void cli_run_quickened(const Module *m, RunOptions *opts, Buf *out) {
  Observation o;
  opts->quickened = out;
  vm_run_module(m, opts, &o);
  buf_printf(out, "; after the run: %s\n", o.error == ERR_NONE ? "main returned" : error_kind_name[o.error]);
  observation_free(&o);
}

/* ---- tiers ---- */

static int tiers_main(int argc, char **argv) {
  int status;
  if (!opt_parse(&cli_tiers, argc, argv, NULL, NULL, &status)) return status;
  for (int i = 0; i < TIER__COUNT; i++)
    printf("%-10s %s%s\n", tier_name[i], tier_doc[i],
           tier_compiles((Tier)i) && !cli_jit_stencils() ? " (not available: no stencils for this machine)" : "");
  return 0;
}

const CliCommand cli_tiers = {
  "tiers", "", "", 0, 0,
  "list the tiers",
  "List the tiers, one per line: the name, then what runs in it.",
  cli_no_options, 0, NULL, tiers_main,
};
