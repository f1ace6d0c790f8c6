/* shared.c: what several commands use: reading, loading and writing files; the option
 * groups for limits, tiering and the oracle's matrix; the environment's warmup and
 * trace threshold. */
#include <errno.h>
#include <string.h>

#include "asm.h"
#include "cli.h"
#include "gen.h"
#include "jit.h"
#include "oracle.h"
#include "specialize.h"
#include "trace.h"

bool cli_read_file(const char *path, Buf *out) {
  if (buf_read_file(out, path)) return true;
  fprintf(stderr, "tessera: cannot read %s: %s\n", path, strerror(errno));
  return false;
}

bool cli_write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  bool ok = f && fwrite(data, 1, len, f) == len;
  if (f && fclose(f) != 0) ok = false;
  if (!ok) fprintf(stderr, "tessera: cannot write %s: %s\n", path, strerror(errno));
  return ok;
}

bool cli_is_gen(const char *path) {
  size_t n = strlen(path);
  return n > 4 && strcmp(path + n - 4, ".gen") == 0;
}

bool cli_load_module(const char *path, Module *m) {
  Buf b = {0};
  if (!cli_read_file(path, &b)) return false;
  Diag d = {{0}};
  bool ok;
  if (cli_is_gen(path)) {  /* fuzzer input: the generator's bytes */
    Buf tas = {0};
    GenShape shape;
    ok = gen_program((const uint8_t *)(b.data ? b.data : ""), b.len, &tas, m, &shape, &d);
    buf_free(&tas);
  } else if (b.len >= 4 && memcmp(b.data, MODULE_MAGIC, 4) == 0) {
    ok = module_load((const uint8_t *)b.data, b.len, m, &d);
  } else {
    ok = asm_assemble(b.data ? b.data : "", b.len, path, m, NULL, &d);
  }
  if (!ok) fprintf(stderr, "tessera: invalid module %s: %s\n", path, d.msg);
  buf_free(&b);
  return ok;
}

/* ---- Option groups ---- */

const CliOption cli_no_options[] = {OPTION_END};

const CliOption cli_limit_options[] = {
  OPTION_UINT("--fuel", "N", Limits, fuel, 0, UINT64_MAX, "fuel limit: loop and call executions"),
  OPTION_UINT("--max-depth", "N", Limits, max_depth, 0, UINT64_MAX, "call depth limit, in frames, main included"),
  OPTION_UINT("--max-heap", "N", Limits, max_heap, 0, UINT64_MAX, "heap limit, in accounted bytes"),
  OPTION_UINT("--max-output", "N", Limits, max_output, 0, UINT64_MAX, "output limit, in bytes written by print"),
  OPTION_END,
};

static const char *const dispatch_names[] = {"goto", "switch"};
static const char *const opt_names[] = {"off", "on"};  /* RunOptions.trace_opt: false, true */
_Static_assert(DISPATCH_GOTO == 0 && DISPATCH_SWITCH == 1, "dispatch_names follows Dispatch");

const CliOption cli_tier_options[] = {
  OPTION_ENUM("--tier", "NAME", RunOptions, tier, tier_name, TIER__COUNT, "the tier to run (see 'tessera tiers')"),
  OPTION_ENUM("--dispatch", "goto|switch", RunOptions, dispatch, dispatch_names, 2,
              "how the interpreter dispatches: computed goto or switch"),
  OPTION_UINT("--warmup", "N", RunOptions, warmup, 1, 65535,
              "t1: an instruction first tries to specialize at its N-th execution; TESSERA_WARMUP sets the default"),
  OPTION_UINT("--trace-threshold", "N", RunOptions, trace_threshold, 1, 65535,
              "t2: a loop projects a trace at its N-th run; TESSERA_TRACE_THRESHOLD sets the default"),
  OPTION_ENUM("--opt", "on|off", RunOptions, trace_opt, opt_names, 2, "off: t2 and jit without the trace optimizer"),
  OPTION_UINT("--max-nested", "N", RunOptions, max_nested, 1, TRACE_MAX_NESTED,
              "t2: executors run nested at most, one in another's call; a call past it leaves for t1"),
  OPTION_GROUP(RunOptions, limits, cli_limit_options),
  OPTION_END,
};

#define MATRIX_DECIDES_ "runs the oracle's configurations"
const CliOption cli_matrix_options[] = {
  OPTION_GROUP(RunOptions, limits, cli_limit_options),
  OPTION_ENUM("--fault", "NAME", RunOptions, fault, fault_name, FAULT__COUNT,
              "test-only: a fault in every configuration, to prove the oracle catches a wrong tier"),
  OPTION_REFUSED("--tier", "NAME", MATRIX_DECIDES_),
  OPTION_REFUSED("--dispatch", "KIND", MATRIX_DECIDES_),
  OPTION_REFUSED("--warmup", "N", MATRIX_DECIDES_),
  OPTION_REFUSED("--trace-threshold", "N", MATRIX_DECIDES_),
  OPTION_REFUSED("--opt", "on|off", MATRIX_DECIDES_),
  OPTION_REFUSED("--max-nested", "N", MATRIX_DECIDES_),
  OPTION_END,
};

const CliOption cli_knob_options[] = {
  OPTION_UINT("--matrix-warmup", "N", OracleKnobs, warmup, 0, 1000000,
              "the warmup of the matrix's t1/warm3 configuration, as a campaign's swarm turned it; 0: 3"),
  OPTION_UINT("--matrix-threshold", "N", OracleKnobs, threshold, 0, 1000000,
              "the trace threshold of the matrix's t2 and jit configurations, as a campaign's swarm turned it; 0: 2"),
  OPTION_UINT("--matrix-nesting", "N", OracleKnobs, nesting, 0, TRACE_MAX_NESTED,
              "the bound on nested executors of the matrix's t2 and jit configurations, as a campaign's swarm "
              "turned it; 0: 64"),
  OPTION_END,
};

/* ---- The environment ---- */

static uint32_t env_warmup = T1_DEFAULT_WARMUP;
static uint32_t env_trace_threshold = TRACE_DEFAULT_THRESHOLD;

bool cli_read_environment(void) {
  static const struct {
    const char *name;
    uint32_t *value;
  } vars[] = {{"TESSERA_WARMUP", &env_warmup}, {"TESSERA_TRACE_THRESHOLD", &env_trace_threshold}};
  for (size_t i = 0; i < ARRAY_LEN(vars); i++) {
    const char *text = getenv(vars[i].name);
    uint64_t v;
    if (!text || !*text) continue;
    if (!opt_parse_uint(NULL, vars[i].name, text, 1, 65535, &v)) return false;
    *vars[i].value = (uint32_t)v;
  }
  return true;
}

RunOptions cli_run_defaults(Tier tier) {
  RunOptions o = run_options_default(tier);
  o.jit = &jit_default_hooks;
  o.warmup = env_warmup;
  o.trace_threshold = env_trace_threshold;
  return o;
}
