/* test_gen.c: the program generator's contract (fuzz/gen.h), and its reach.
 *
 * For SEEDS seeds (default 2000), the program generated from GEN_SEED_BYTES bytes of
 * gen_bytes_from_seed:
 *   - assembles and verifies (gen_program succeeds);
 *   - is deterministic: the same bytes give the same text and shape again;
 *   - its text assembles to the identical module (the generator builds the module
 *     directly and writes the text only when asked);
 *   - round-trips: module_write -> module_load -> dis_module -> asm_assemble ->
 *     module_write gives the same bytes;
 *   - runs under ref and under t1 (warmup 1, so every adaptive instruction specializes
 *     at once and every later kind change deopts) with the fuzzer's limits, and the two
 *     observations agree. A divergence is a VM bug: its program is saved as
 *     /tmp/tessera-gen-divergence-SEED.tas and the two observations are printed.
 * Empty and short inputs (the generator reads zeros past the end) must work too.
 *
 * Reach, printed on stdout and checked against floors: the share of programs that end
 * without a runtime error (>= 60%), that see a deopt in t1 (>= 30%) and that run more
 * than 1000 instructions (>= 50%); also the share in which t1 specialized something, the
 * average instructions executed, and the programs/s of generation (module and text).
 * Instructions are t1's count (T1Stats), less the second count of each execution that
 * specialized or deopted; a jump skipped by a fused compare+jump is not counted.
 *
 * usage: test_gen [SEEDS [FIRST_SEED]]; without SEEDS, TESSERA_GEN_SEEDS when set (the slow
 * presets' smaller sample). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asm.h"
#include "check.h"
#include "gen.h"
#include "specialize.h"
#include "vm.h"

#define DEFAULT_SEEDS 2000
#define MAX_REPORTS 10

/* The fuzzer's limits: fuel, call depth, heap bytes, output bytes. */
static const Limits gen_limits = {100000, 64, 16u << 20, 64u << 10};

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool same_buf(const Buf *a, const Buf *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

typedef struct {
  uint64_t programs, no_error, specialized, deopted, over_1000;
  uint64_t kind_deopted;  /* a deopt other than load_global_cached's: a kind changed */
  uint64_t hot_errors;  /* runtime errors raised after more than 1000 instructions */
  uint64_t instructions;
  uint64_t errors[ERR__COUNT];
  uint64_t divergences;
  uint64_t form_specialized[OP__ALL], form_deopted[OP__ALL];  /* programs, by form */
  GenShape shape_sum;
  double gen_seconds, run_seconds;
} Reach;

static int reports;

/* Saves a diverging program where the report says. */
static void save_divergence(const char *tag, const Buf *tas) {
  char path[256];
  snprintf(path, sizeof path, "/tmp/tessera-gen-divergence-%s.tas", tag);
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(tas->data, 1, tas->len, f);
    fclose(f);
  }
  fprintf(stderr, "  program saved as %s\n", path);
}

/* module_write -> module_load -> dis_module -> asm_assemble -> module_write: same bytes. */
/* The generator's text assembles to the module it built (gen_text_of checks it, as the
   engine does before saving a program). */
static void check_text_is_module(const char *tag, const uint8_t *data, size_t len, const Module *m) {
  Buf text = {0};
  Diag d = {{0}};
  CHECK_MSG(gen_text_of(data, len, m, &text, &d), "%s: %s", tag, d.msg);
  buf_free(&text);
}

static void check_round_trip(const char *tag, const Module *m) {
  Buf w1 = {0}, text = {0}, w3 = {0};
  module_write(m, &w1);
  Module m2, m3;
  Diag d = {{0}};
  bool loaded = module_load((const uint8_t *)w1.data, w1.len, &m2, &d);
  CHECK_MSG(loaded, "%s: the written module does not load: %s", tag, d.msg);
  if (loaded) {
    dis_module(&m2, &text);
    bool assembled = asm_assemble(text.data, text.len, "<dis>", &m3, NULL, &d);
    CHECK_MSG(assembled, "%s: the disassembly does not assemble: %s", tag, d.msg);
    if (assembled) {
      module_write(&m3, &w3);
      CHECK_MSG(same_buf(&w1, &w3), "%s: write -> load -> dis -> asm -> write changes the bytes", tag);
      module_free(&m3);
    }
    module_free(&m2);
  }
  buf_free(&w1);
  buf_free(&text);
  buf_free(&w3);
}

/* Runs m under ref and t1, compares, and adds the run to the reach figures. */
static void run_both(const char *tag, const Module *m, const Buf *tas, Reach *reach) {
  RunOptions ref = run_options_default(TIER_REF);
  ref.limits = gen_limits;
  RunOptions t1 = run_options_default(TIER_T1);
  t1.limits = gen_limits;
  t1.warmup = 1;
  static T1Stats stats;
  memset(&stats, 0, sizeof stats);
  t1.stats = &stats;
  Observation o_ref, o_t1;
  double t0 = now_seconds();
  vm_run_module(m, &ref, &o_ref);
  vm_run_module(m, &t1, &o_t1);
  reach->run_seconds += now_seconds() - t0;

  ObsField diff = observation_diff(&o_ref, &o_t1);
  CHECK_MSG(diff == OBS_AGREE, "%s: ref and t1 differ in %s", tag, obs_field_name[diff]);
  if (diff != OBS_AGREE) {
    reach->divergences++;
    if (reports++ < MAX_REPORTS) {
      Buf j0 = {0}, j1 = {0};
      observation_json(&o_ref, &j0);
      observation_json(&o_t1, &j1);
      fprintf(stderr, "  ref: %.2000s\n  t1:  %.2000s\n", j0.data, j1.data);
      buf_free(&j0);
      buf_free(&j1);
      save_divergence(tag, tas);
    }
  }

  uint64_t executed = 0, specialized = 0, deopts = 0;
  for (int op = 0; op < OP__ALL; op++) {
    executed += stats.executed[op];
    specialized += stats.specialized[op];
    deopts += stats.deopts[op];
  }
  uint64_t instructions = executed - specialized - deopts;
  for (int op = OP__COUNT; op < OP__ALL; op++) {
    reach->form_specialized[op] += stats.specialized[op] > 0;
    reach->form_deopted[op] += stats.deopts[op] > 0;
  }
  reach->programs++;
  reach->no_error += o_ref.error == ERR_NONE;
  reach->errors[o_ref.error < ERR__COUNT ? o_ref.error : ERR_NONE]++;
  reach->specialized += specialized > 0;
  reach->deopted += deopts > 0;
  reach->kind_deopted += deopts > stats.deopts[OP_LOAD_GLOBAL_CACHED];
  reach->over_1000 += instructions > 1000;
  reach->hot_errors += o_ref.error != ERR_NONE && instructions > 1000;
  reach->instructions += instructions;
  observation_free(&o_ref);
  observation_free(&o_t1);
}

/* Generates from bytes, checks the whole contract, runs; returns false if it failed. */
static bool exercise(const char *tag, const uint8_t *data, size_t len, Reach *reach) {
  Buf tas = {0}, again = {0};
  Module m;
  GenShape shape, shape2;
  Diag d = {{0}};
  double t0 = now_seconds();
  bool ok = gen_program(data, len, &tas, &m, &shape, &d);
  reach->gen_seconds += now_seconds() - t0;
  CHECK_MSG(ok, "%s: %s\n%.6000s", tag, d.msg, tas.data ? tas.data : "");
  if (!ok) {
    buf_free(&tas);
    return false;
  }
  CHECK_MSG(shape.functions >= 1 && shape.loops >= 1, "%s: every program has main and a loop", tag);
  reach->shape_sum.functions += shape.functions;
  reach->shape_sum.loops += shape.loops;
  reach->shape_sum.calls += shape.calls;
  reach->shape_sum.probes += shape.probes;
  reach->shape_sum.global_stores += shape.global_stores;

  /* Deterministic: the same bytes, the same text and shape (no module this time). */
  bool ok2 = gen_program(data, len, &again, NULL, &shape2, &d);
  CHECK_MSG(ok2 && same_buf(&tas, &again) && memcmp(&shape, &shape2, sizeof shape) == 0,
            "%s: generating twice from the same bytes gives different programs", tag);

  check_text_is_module(tag, data, len, &m);
  check_round_trip(tag, &m);
  run_both(tag, &m, &tas, reach);
  module_free(&m);
  buf_free(&tas);
  buf_free(&again);
  return true;
}

static double share(uint64_t n, uint64_t of) { return of ? 100.0 * (double)n / (double)of : 0.0; }

int main(int argc, char **argv) {
  uint64_t nseeds = DEFAULT_SEEDS, first = 0;
  const char *env = getenv("TESSERA_GEN_SEEDS");
  if (argc > 1) nseeds = strtoull(argv[1], NULL, 0);
  else if (env && *env) nseeds = strtoull(env, NULL, 0);
  if (argc > 2) first = strtoull(argv[2], NULL, 0);

  /* Empty and short inputs: past the end every byte reads as zero. */
  Reach edge = {0};
  exercise("empty", NULL, 0, &edge);
  exercise("empty-nonnull", (const uint8_t *)"", 0, &edge);
  static const size_t short_lengths[] = {1, 2, 7, 16, 64, 300, 1000};
  uint8_t bytes[GEN_SEED_BYTES];
  for (size_t i = 0; i < ARRAY_LEN(short_lengths); i++) {
    char tag[64];
    snprintf(tag, sizeof tag, "short-%zu", short_lengths[i]);
    gen_bytes_from_seed(0x5eed0000u + i, bytes, short_lengths[i]);
    exercise(tag, bytes, short_lengths[i], &edge);
  }
  memset(bytes, 0xff, sizeof bytes);
  exercise("all-ff", bytes, sizeof bytes, &edge);

  /* The seeds. */
  Reach reach = {0};
  for (uint64_t s = first; s < first + nseeds; s++) {
    char tag[64];
    snprintf(tag, sizeof tag, "seed-%" PRIu64, s);
    gen_bytes_from_seed(s, bytes, GEN_SEED_BYTES);
    exercise(tag, bytes, GEN_SEED_BYTES, &reach);
  }

  uint64_t n = reach.programs;
  double no_error = share(reach.no_error, n), deopted = share(reach.deopted, n), over = share(reach.over_1000, n);
  printf("test_gen: %" PRIu64 " programs (seeds %" PRIu64 "..%" PRIu64 "), %" PRIu64 " divergences\n", n, first,
         first + nseeds - 1, reach.divergences);
  printf("  ended without error      %5.1f%%   (floor 60%%)\n", no_error);
  printf("  t1 specialized something %5.1f%%\n", share(reach.specialized, n));
  printf("  t1 deoptimized           %5.1f%%   (floor 30%%)\n", deopted);
  printf("    on a kind change       %5.1f%%   (a deopt other than load_global_cached)\n",
         share(reach.kind_deopted, n));
  printf("  ran > 1000 instructions  %5.1f%%   (floor 50%%)\n", over);
  printf("  instructions per program %7.0f on average (t1's count)\n", n ? (double)reach.instructions / (double)n : 0.0);
  printf("  errors after > 1000 instructions %.1f%% of programs (%.1f%% of the errors)\n", share(reach.hot_errors, n),
         share(reach.hot_errors, n - reach.no_error));
  printf("  errors:");
  for (int k = 1; k < ERR__COUNT; k++)
    if (reach.errors[k]) printf(" %s %.1f%%", error_kind_name[k], share(reach.errors[k], n));
  printf("\n");
  if (n)
    printf("  per program: %.2f functions, %.2f loops, %.2f calls, %.2f probes, %.2f global stores\n",
           (double)reach.shape_sum.functions / (double)n, (double)reach.shape_sum.loops / (double)n,
           (double)reach.shape_sum.calls / (double)n, (double)reach.shape_sum.probes / (double)n,
           (double)reach.shape_sum.global_stores / (double)n);
  printf("  programs in which a form specialized / deopted:\n");
  for (int op = OP__COUNT; op < OP__ALL; op++)
    printf("    %-20s %5.1f%% / %5.1f%%\n", opcode_name(op), share(reach.form_specialized[op], n),
           share(reach.form_deopted[op], n));
  printf("  generation (module and text): %.0f programs/s; ref + t1 runs: %.0f programs/s\n",
         reach.gen_seconds > 0 ? (double)n / reach.gen_seconds : 0.0,
         reach.run_seconds > 0 ? (double)n / reach.run_seconds : 0.0);

  CHECK_MSG(n == nseeds, "every seed gave a program");
  if (n >= 500) {  /* the floors are meaningless for a handful of seeds */
    CHECK_MSG(no_error >= 60.0, "only %.1f%% of programs end without error", no_error);
    CHECK_MSG(deopted >= 30.0, "only %.1f%% of programs deopt in t1", deopted);
    CHECK_MSG(over >= 50.0, "only %.1f%% of programs run more than 1000 instructions", over);
  }
  return check_summary("test_gen");
}
