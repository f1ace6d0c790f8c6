/* test_mutator.c: the structure-aware module mutator (fuzz/mutator.h) keeps its promises.
 *
 * Seeds: every module of corpora/module under $TESSERA_SOURCE_DIR. For SEEDS seeds,
 * seed k mutates seed module k mod N with max_size 8192 (the module target's max_len):
 *   - at least MIN_MUTATED_PCT of the calls must give a mutant (0 is "could not");
 *   - every mutant loads and verifies, differs from its input, fits max_size, and the
 *     same seed gives the same bytes again;
 *   - every mutant runs through oracle_run with fuzz_default_limits, and no
 *     configuration may disagree (the mutator's purpose is to feed the oracle);
 *   - every edit kind but splice is kept at least once (an edit that never applies is
 *     a broken edit), and splice through crossover.
 * Also: a max_size below the input's size gives nothing and leaves the input as it was;
 * bytes that are not a module give 0 and stay as they were; crossover of two seed
 * modules loads, is deterministic and agrees in every configuration.
 *
 * usage: test_mutator [SEEDS]   (default 2000, or the environment's TESSERA_MUTATOR_SEEDS:
 * the asan preset runs a sample, CMakePresets.json) */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine.h"
#include "module.h"
#include "mutator.h"
#include "oracle.h"

#define DEFAULT_SEEDS 2000u
#define MAX_SIZE 8192u
/* Measured: 99.9% of 2,000 calls give a mutant (the others find nothing to change
   within 24 attempts, or only edits that undo each other). */
#define MIN_MUTATED_PCT 90u
#define MAX_SEEDS 256

typedef struct {
  uint8_t *data;
  size_t len;
  char name[256];
} Seed;

static int compare_names(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

static size_t load_seeds(Seed *seeds) {
  const char *root = getenv("TESSERA_SOURCE_DIR");
  CHECK_MSG(root != NULL, "TESSERA_SOURCE_DIR is not set");
  if (!root) return 0;
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/corpora/module", root);
  DIR *d = opendir(dir);
  CHECK_MSG(d != NULL, "cannot open %s", dir);
  if (!d) return 0;
  char names[MAX_SEEDS][256];  /* a file name is at most 255 bytes */
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < MAX_SEEDS)
    if (e->d_name[0] != '.') snprintf(names[n++], sizeof names[0], "%s", e->d_name);
  closedir(d);
  qsort(names, n, sizeof names[0], compare_names);
  for (size_t i = 0; i < n; i++) {
    char path[sizeof dir + sizeof names[0] + 1];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    Buf b = {0};
    CHECK_MSG(buf_read_file(&b, path), "cannot read %s", path);
    seeds[i].data = (uint8_t *)b.data;
    seeds[i].len = b.len;
    snprintf(seeds[i].name, sizeof seeds[i].name, "%s", names[i]);
  }
  return n;
}

/* The mutant must load, and every configuration must agree on it. */
static void check_runs_clean(const uint8_t *bytes, size_t len, const char *what, uint64_t seed) {
  Module m;
  Diag d = {{0}};
  bool loads = module_load(bytes, len, &m, &d);
  CHECK_MSG(loads, "%s, seed %llu: the mutant does not load: %s", what, (unsigned long long)seed, d.msg);
  if (!loads) return;
  OracleResult r;
  oracle_run(&m, fuzz_default_limits(), FAULT_NONE, &r);
  CHECK_MSG(!r.diverged, "%s, seed %llu: %s (%s)", what, (unsigned long long)seed, r.where, r.signature);
  oracle_result_free(&r);
  module_free(&m);
}

static void test_mutate(const Seed *seeds, size_t nseeds, unsigned nruns) {
  uint8_t *buf = malloc(MAX_SIZE), *again = malloc(MAX_SIZE);
  unsigned mutated = 0, edits = 0, attempts = 0, kept[MUTATOR__COUNT] = {0};
  for (unsigned k = 0; k < nruns; k++) {
    const Seed *s = &seeds[k % nseeds];
    memcpy(buf, s->data, s->len);
    MutatorStats st;
    size_t n = tessera_mutate_module_stats(buf, s->len, MAX_SIZE, k, &st);
    attempts += st.attempts;
    if (n == 0) {
      CHECK_MSG(memcmp(buf, s->data, s->len) == 0, "%s, seed %u: no mutant, but the input changed", s->name, k);
      continue;
    }
    mutated++;
    edits += st.edits;
    for (int i = 0; i < MUTATOR__COUNT; i++) kept[i] += st.kept[i];
    CHECK_MSG(n <= MAX_SIZE, "%s, seed %u: %zu bytes > max_size", s->name, k, n);
    CHECK_MSG(n != s->len || memcmp(buf, s->data, n) != 0, "%s, seed %u: the mutant equals its input", s->name, k);
    memcpy(again, s->data, s->len);
    size_t n2 = tessera_mutate_module(again, s->len, MAX_SIZE, k);
    CHECK_MSG(n2 == n && memcmp(again, buf, n) == 0, "%s, seed %u: the same seed gave another mutant", s->name, k);
    check_runs_clean(buf, n, s->name, k);
  }
  unsigned pct = nruns ? 100u * mutated / nruns : 0;
  printf("test_mutator: %u of %u calls gave a mutant (%u%%), %.2f edits each, %.2f attempts per call\n", mutated,
         nruns, pct, mutated ? (double)edits / mutated : 0.0, nruns ? (double)attempts / nruns : 0.0);
  printf("test_mutator: edits kept:");
  for (int i = 0; i < MUTATOR__COUNT; i++) printf(" %s %u", mutator_edit_name[i], kept[i]);
  printf("\n");
  CHECK_MSG(pct >= MIN_MUTATED_PCT, "only %u%% of the calls gave a mutant, want >= %u%%", pct, MIN_MUTATED_PCT);
  for (int i = 0; i < MUTATOR__COUNT; i++)
    if (i != MUTATOR_SPLICE) CHECK_MSG(kept[i] > 0, "edit %s was never kept", mutator_edit_name[i]);
  free(buf);
  free(again);
}

/* max_size is a hard limit: a mutant that does not fit is not made. */
static void test_max_size(const Seed *seeds, size_t nseeds) {
  uint8_t *buf = malloc(MAX_SIZE);
  for (unsigned k = 0; k < 200; k++) {
    const Seed *s = &seeds[k % nseeds];
    memcpy(buf, s->data, s->len);
    size_t n = tessera_mutate_module(buf, s->len, s->len, k);
    CHECK_MSG(n <= s->len, "%s, seed %u: %zu bytes with max_size %zu", s->name, k, n, s->len);
    if (n) check_runs_clean(buf, n, s->name, k);
    memcpy(buf, s->data, s->len);
    CHECK_MSG(tessera_mutate_module(buf, s->len, 16, k) == 0, "%s, seed %u: a mutant in 16 bytes", s->name, k);
    CHECK_MSG(memcmp(buf, s->data, s->len) == 0, "%s, seed %u: no mutant, but the input changed", s->name, k);
  }
  free(buf);
}

/* Bytes that do not load are left to the engine's byte mutator. */
static void test_not_a_module(void) {
  uint8_t junk[64], copy[64];
  for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 37 + 11);
  memcpy(copy, junk, sizeof junk);
  CHECK(tessera_mutate_module(junk, sizeof junk, sizeof junk, 1) == 0);
  CHECK(memcmp(junk, copy, sizeof junk) == 0);
  uint8_t out[64];
  CHECK(tessera_crossover_module(junk, sizeof junk, junk, sizeof junk, out, sizeof out, 1) == 0);
}

static void test_crossover(const Seed *seeds, size_t nseeds, unsigned nruns) {
  uint8_t *out = malloc(MAX_SIZE), *again = malloc(MAX_SIZE);
  unsigned made = 0;
  for (unsigned k = 0; k < nruns; k++) {
    const Seed *a = &seeds[k % nseeds], *b = &seeds[(k * 7 + 3) % nseeds];
    size_t n = tessera_crossover_module(a->data, a->len, b->data, b->len, out, MAX_SIZE, k);
    if (!n) continue;
    made++;
    size_t n2 = tessera_crossover_module(a->data, a->len, b->data, b->len, again, MAX_SIZE, k);
    CHECK_MSG(n2 == n && memcmp(out, again, n) == 0, "%s x %s, seed %u: not deterministic", a->name, b->name, k);
    check_runs_clean(out, n, "crossover", k);
  }
  printf("test_mutator: %u of %u crossovers gave a module\n", made, nruns);
  /* Every seed has a main with no parameters, so some pair always matches; a result
     can only equal its first input when the two bodies are the same. */
  CHECK_MSG(made >= nruns / 2, "only %u of %u crossovers gave a module", made, nruns);
  free(out);
  free(again);
}

int main(int argc, char **argv) {
  const char *env = getenv("TESSERA_MUTATOR_SEEDS");
  unsigned nruns = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10)
                   : env && *env ? (unsigned)strtoul(env, NULL, 10)
                                 : DEFAULT_SEEDS;
  static Seed seeds[MAX_SEEDS];
  size_t nseeds = load_seeds(seeds);
  CHECK_MSG(nseeds >= 10, "only %zu seed modules", nseeds);
  if (nseeds) {
    test_mutate(seeds, nseeds, nruns);
    test_max_size(seeds, nseeds);
    test_crossover(seeds, nseeds, nruns / 4);
  }
  test_not_a_module();
  for (size_t i = 0; i < nseeds; i++) free(seeds[i].data);
  return check_summary("test_mutator");
}
