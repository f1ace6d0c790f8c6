/* test_loader_fuzz.c: the robustness contract for untrusted bytes (VISION.md).
 *
 * The loader and verifier must accept or reject any byte string, a rejection must say
 * what is wrong, and an accepted module must run without crashing, identically under
 * every configuration (ref and t1, each in both dispatch modes), within its limits, and
 * must round-trip exactly through the
 * writer and through dis/asm. Three deterministic phases (fixed seed, own PRNG):
 *
 *   a. random: byte strings of length 0..512, half behind a valid header;
 *   b. mutate: one mutation (byte set, bit flip, truncation, one-byte insertion or
 *      deletion) of a seed module;
 *   c. run:    stacked mutations (1..8, geometric) of seeds and of accepted mutants.
 *
 * Every input any phase gets accepted is run under DISPATCH_GOTO and DISPATCH_SWITCH
 * with small limits and must give the same observation; it must also survive
 * module_write -> module_load -> identical bytes (and be its own canonical encoding),
 * and dis_module -> asm_assemble -> identical bytes.
 *
 * Seeds: every .tas file in tests/lang and examples under $TESSERA_SOURCE_DIR,
 * assembled and written; the embedded modules below when there are none.
 *
 * usage: test_loader_fuzz [ITERATIONS_PER_PHASE [SEED]]
 *   or env TESSERA_FUZZ_ITERATIONS, TESSERA_FUZZ_SEED. A crash or a sanitizer report is
 *   a failure by itself; a failed check prints the phase, iteration and input in hex. */
#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asm.h"
#include "jit.h"
#include "check.h"
#include "module.h"
#include "verify.h"
#include "vm.h"

#define DEFAULT_ITERATIONS 100000ull
#define DEFAULT_SEED 0x7e55e7a5eed0001ull
#define RANDOM_MAX_LEN 512
#define CORPUS_MAX 4096         /* accepted mutants kept for phase c */
#define CORPUS_MAX_BYTES 65536  /* larger accepted mutants are not kept */
#define MAX_REPORTS 20          /* failing inputs printed in full */

/* ---- PRNG: splitmix64, fixed seed, identical on every platform ---- */

typedef struct {
  uint64_t s;
} Rng;

static uint64_t rng_next(Rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Uniform in 0..n-1 (n > 0); the bias of the modulo is irrelevant here. */
static uint64_t rng_below(Rng *r, uint64_t n) { return rng_next(r) % n; }

/* ---- Seeds ---- */

typedef struct {
  char *name;
  uint8_t *bytes;
  size_t len;
} Input;

typedef struct {
  Input *items;
  size_t len, cap;
} InputList;

static void input_list_add(InputList *l, const char *name, const uint8_t *bytes, size_t len) {
  if (l->len == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 16;
    l->items = xrealloc(l->items, sizeof(Input) * l->cap);
  }
  Input *in = &l->items[l->len++];
  in->name = xstrndup(name, strlen(name));
  in->bytes = xmalloc(len ? len : 1);
  if (len) memcpy(in->bytes, bytes, len);
  in->len = len;
}

static void input_list_free(InputList *l) {
  for (size_t i = 0; i < l->len; i++) {
    free(l->items[i].name);
    free(l->items[i].bytes);
  }
  free(l->items);
  memset(l, 0, sizeof *l);
}

/* Used only when the source tree has no .tas files: small programs that between them
   use every constant kind, globals, calls, loops, arrays, strings and runtime errors. */
static const char *const embedded_seeds[] = {
  /* calls, loops, globals, mixed int/float comparison, INT64_MIN // -1 */
  ".global total\n"
  ".func add2 params=2\n"
  "    load_local 0\n"
  "    load_local 1\n"
  "    add\n"
  "    return\n"
  ".end\n"
  ".func main locals=1\n"
  "    push_int 0\n"
  "    store_global total\n"
  "    push_int 0\n"
  "    store_local 0\n"
  "top:\n"
  "    load_local 0\n"
  "    push_int 50\n"
  "    lt\n"
  "    jump_if_false done\n"
  "    push_func add2\n"
  "    load_global total\n"
  "    load_local 0\n"
  "    push_int 3\n"
  "    mul\n"
  "    call 2\n"
  "    store_global total\n"
  "    load_local 0\n"
  "    push_int 1\n"
  "    add\n"
  "    store_local 0\n"
  "    loop top\n"
  "done:\n"
  "    load_global total\n"
  "    dup\n"
  "    probe\n"
  "    print\n"
  "    push_const 9007199254740993\n"
  "    push_const 9007199254740992.0\n"
  "    eq\n"
  "    print\n"
  "    push_const -9223372036854775808\n"
  "    push_int -1\n"
  "    idiv\n"
  "    return\n"
  ".end\n",

  /* strings, arrays (a cycle included), conversions, float modulo, a conversion error */
  ".func main locals=2\n"
  "    push_const \"abc\"\n"
  "    push_const \"d\\x00e\\n\"\n"
  "    add\n"
  "    store_local 0\n"
  "    load_local 0\n"
  "    len\n"
  "    print\n"
  "    load_local 0\n"
  "    push_int 1\n"
  "    get\n"
  "    print\n"
  "    push_const 2.5\n"
  "    push_const -0.0\n"
  "    push_const nan\n"
  "    push_const inf\n"
  "    array_new 4\n"
  "    store_local 1\n"
  "    load_local 1\n"
  "    load_local 1\n"
  "    append\n"
  "    load_local 1\n"
  "    print\n"
  "    load_local 1\n"
  "    to_str\n"
  "    len\n"
  "    probe\n"
  "    push_const \"123\"\n"
  "    to_int\n"
  "    push_const 1e300\n"
  "    to_float\n"
  "    div\n"
  "    print\n"
  "    push_const 7.0\n"
  "    push_const -2.0\n"
  "    mod\n"
  "    print\n"
  "    load_local 1\n"
  "    push_int 0\n"
  "    push_true\n"
  "    set\n"
  "    push_const 1e20\n"
  "    to_int\n"
  "    return\n"
  ".end\n",

  /* bitwise operators, stack shuffles, then recursion past the depth limit */
  ".func rec params=1\n"
  "    load_local 0\n"
  "    push_int 0\n"
  "    le\n"
  "    jump_if_true base\n"
  "    push_func rec\n"
  "    load_local 0\n"
  "    push_int 1\n"
  "    sub\n"
  "    call 1\n"
  "    push_int 1\n"
  "    add\n"
  "    return\n"
  "base:\n"
  "    push_int 0\n"
  "    return\n"
  ".end\n"
  ".func main\n"
  "    nop\n"
  "    push_int -8\n"
  "    push_int 70\n"
  "    shr\n"
  "    probe\n"
  "    push_int 1\n"
  "    push_int 63\n"
  "    shl\n"
  "    bnot\n"
  "    print\n"
  "    push_int 12\n"
  "    push_int 10\n"
  "    swap\n"
  "    band\n"
  "    push_int 5\n"
  "    bor\n"
  "    push_int 3\n"
  "    bxor\n"
  "    neg\n"
  "    print\n"
  "    push_true\n"
  "    not\n"
  "    push_nil\n"
  "    ne\n"
  "    print\n"
  "    push_false\n"
  "    push_const 0.5\n"
  "    push_int 0\n"
  "    gt\n"
  "    push_const \"b\"\n"
  "    push_const \"a\"\n"
  "    ge\n"
  "    array_new 3\n"
  "    print\n"
  "    push_func rec\n"
  "    push_int 100\n"
  "    call 1\n"
  "    return\n"
  ".end\n",
};

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int skipped_seeds;

/* Assembles src and adds its binary form to seeds. */
static void add_seed_source(InputList *seeds, const char *name, const char *src, size_t len) {
  Module m;
  Diag d = {{0}};
  if (!asm_assemble(src, len, name, &m, NULL, &d)) {
    fprintf(stderr, "test_loader_fuzz: seed %s does not assemble, skipped: %s\n", name, d.msg);
    skipped_seeds++;
    return;
  }
  Buf b = {0};
  module_write(&m, &b);
  input_list_add(seeds, name, (const uint8_t *)b.data, b.len);
  buf_free(&b);
  module_free(&m);
}

/* Adds every DIR/ *.tas, in name order so the run does not depend on readdir. */
static void add_seed_dir(InputList *seeds, const char *root, const char *sub) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/%s", root, sub);
  DIR *dp = opendir(dir);
  if (!dp) return;
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  while ((de = readdir(dp)) != NULL) {
    size_t len = strlen(de->d_name);
    if (len <= 4 || strcmp(de->d_name + len - 4, ".tas") != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      names = xrealloc(names, sizeof(char *) * cap);
    }
    names[n++] = xstrndup(de->d_name, len);
  }
  closedir(dp);
  if (n) qsort(names, n, sizeof(char *), compare_names);
  for (size_t i = 0; i < n; i++) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    Buf src = {0};
    if (buf_read_file(&src, path)) add_seed_source(seeds, path, src.data ? src.data : "", src.len);
    buf_free(&src);
    free(names[i]);
  }
  free(names);
}

static void load_seeds(InputList *seeds) {
  const char *root = getenv("TESSERA_SOURCE_DIR");
  if (root && *root) {
    add_seed_dir(seeds, root, "tests/lang");
    add_seed_dir(seeds, root, "examples");
  }
  if (seeds->len == 0) {
    for (size_t i = 0; i < ARRAY_LEN(embedded_seeds); i++) {
      char name[32];
      snprintf(name, sizeof name, "<embedded %zu>", i);
      size_t before = seeds->len;
      add_seed_source(seeds, name, embedded_seeds[i], strlen(embedded_seeds[i]));
      CHECK_MSG(seeds->len == before + 1, "embedded seed %zu must assemble", i);
    }
  }
}

/* ---- Checking one input ---- */

typedef struct {
  const char *phase;
  uint64_t iteration;
  uint64_t seed;
  uint64_t tried, accepted, run;
  uint64_t run_errors;  /* runs that ended in a runtime error (both modes agree) */
  double seconds;
} Stats;

static int reports;

static void report_input(const Stats *st, const uint8_t *bytes, size_t len, const char *what) {
  if (reports >= MAX_REPORTS) return;
  reports++;
  fprintf(stderr, "  phase %s, iteration %" PRIu64 " (seed 0x%" PRIx64 "): %s\n  input (%zu bytes):",
          st->phase, st->iteration, st->seed, what, len);
  for (size_t i = 0; i < len; i++) fprintf(stderr, "%s%02x", i % 32 ? "" : "\n    ", bytes[i]);
  fputc('\n', stderr);
}

/* A failed check, with the input that made it fail. */
#define FUZZ_CHECK(cond, st, bytes, len, ...)                        \
  do {                                                               \
    int failed_before_ = check_failed_;                              \
    CHECK_MSG(cond, __VA_ARGS__);                                    \
    if (check_failed_ != failed_before_) report_input(st, bytes, len, #cond); \
  } while (0)

static const Limits fuzz_limits = {2000, 50, 1u << 20, 64u << 10};

static bool same_bytes(const Buf *b, const uint8_t *bytes, size_t len) {
  return b->len == len && (len == 0 || memcmp(b->data, bytes, len) == 0);
}

/* Runs and round-trips an accepted module m, loaded from bytes. */
static void exercise(Stats *st, Module *m, const uint8_t *bytes, size_t len) {
  /* 1. Every configuration (ref and t1 with the smallest warmup, each in both
        dispatch modes) gives the same observation, within the limits. */
  enum { NCONFIGS = 4 };
  static const struct { Tier tier; Dispatch dispatch; const char *name; } configs[NCONFIGS] = {
    {TIER_REF, DISPATCH_GOTO, "ref"}, {TIER_REF, DISPATCH_SWITCH, "ref/switch"},
    {TIER_T1, DISPATCH_GOTO, "t1"}, {TIER_T1, DISPATCH_SWITCH, "t1/switch"},
  };
  Observation obs[NCONFIGS];
  for (int i = 0; i < NCONFIGS; i++) {
    RunOptions opts = run_options_default(configs[i].tier);
    opts.jit = &jit_default_hooks;
    opts.dispatch = configs[i].dispatch;
    opts.limits = fuzz_limits;
    opts.warmup = 1;
    vm_run_module(m, &opts, &obs[i]);
  }
  st->run++;
  for (int i = 1; i < NCONFIGS; i++) {
    ObsField diff = observation_diff(&obs[0], &obs[i]);
    if (diff == OBS_AGREE) continue;
    Buf j0 = {0}, j1 = {0};
    observation_json(&obs[0], &j0);
    observation_json(&obs[i], &j1);
    FUZZ_CHECK(diff == OBS_AGREE, st, bytes, len, "ref and %s differ in %s:\n  ref: %.2000s\n  %s: %.2000s",
               configs[i].name, obs_field_name[diff], j0.data, configs[i].name, j1.data);
    buf_free(&j0);
    buf_free(&j1);
  }
  uint64_t const_bytes = 0;
  for (uint32_t i = 0; i < m->nconsts; i++)
    if (m->consts[i].kind == CONST_STRING) const_bytes += HEAP_OBJECT_BYTES + m->consts[i].len;
  for (int i = 0; i < NCONFIGS; i++) {
    const Observation *o = &obs[i];
    if (o->error == ERR_NONE) {
      FUZZ_CHECK(o->result != NULL, st, bytes, len, "a normal return must have a result");
    } else {
      FUZZ_CHECK(o->result == NULL && o->error < ERR__COUNT && o->error_function != NULL, st, bytes, len,
                 "an error must have a kind and a function, and no result");
    }
    FUZZ_CHECK(o->output.len <= fuzz_limits.max_output, st, bytes, len, "output %zu over the limit", o->output.len);
    FUZZ_CHECK(o->fuel_used <= fuzz_limits.fuel, st, bytes, len, "fuel %" PRIu64 " over the limit", o->fuel_used);
    uint64_t heap_cap = fuzz_limits.max_heap > const_bytes ? fuzz_limits.max_heap : const_bytes;
    FUZZ_CHECK(o->heap_bytes <= heap_cap, st, bytes, len, "heap bytes %" PRIu64 " over the limit", o->heap_bytes);
  }
  if (obs[0].error != ERR_NONE) st->run_errors++;
  for (int i = 0; i < NCONFIGS; i++) observation_free(&obs[i]);

  /* 2. The accepted bytes are the module's canonical encoding, and write -> load -> write
        gives them back. */
  Buf w1 = {0};
  module_write(m, &w1);
  FUZZ_CHECK(same_bytes(&w1, bytes, len), st, bytes, len, "module_write of an accepted module differs from its input");
  Module m2;
  Diag d = {{0}};
  bool reloaded = module_load((const uint8_t *)w1.data, w1.len, &m2, &d);
  FUZZ_CHECK(reloaded, st, bytes, len, "module_write output does not load: %s", d.msg);
  if (reloaded) {
    Buf w2 = {0};
    module_write(&m2, &w2);
    FUZZ_CHECK(same_bytes(&w2, (const uint8_t *)w1.data, w1.len), st, bytes, len,
               "write -> load -> write changes the bytes");
    FUZZ_CHECK(m2.main_func == m->main_func, st, bytes, len, "main moved");
    buf_free(&w2);
    module_free(&m2);
  }

  /* 3. dis -> asm gives the same bytes. */
  Buf text = {0};
  dis_module(m, &text);
  Module m3;
  bool assembled = asm_assemble(text.data ? text.data : "", text.len, "<dis>", &m3, NULL, &d);
  FUZZ_CHECK(assembled, st, bytes, len, "dis output does not assemble: %s\n%.4000s", d.msg, text.data);
  if (assembled) {
    Buf w3 = {0};
    module_write(&m3, &w3);
    FUZZ_CHECK(same_bytes(&w3, (const uint8_t *)w1.data, w1.len), st, bytes, len,
               "dis -> asm changes the bytes:\n%.4000s", text.data);
    buf_free(&w3);
    module_free(&m3);
  }
  buf_free(&text);
  buf_free(&w1);
}

/* Loads bytes; checks the rejection message or exercises the accepted module.
   Returns whether the module was accepted. */
static bool try_input(Stats *st, const uint8_t *bytes, size_t len) {
  st->tried++;
  Module m;
  Diag d;
  memset(&d, 0, sizeof d);
  if (!module_load(bytes, len, &m, &d)) {
    /* Rejected: the module is empty and the message says what and where. */
    FUZZ_CHECK(m.nconsts == 0 && m.nglobals == 0 && m.nfuncs == 0 && !m.consts && !m.globals && !m.funcs, st,
               bytes, len, "a rejected module must be left empty");
    FUZZ_CHECK(d.msg[0] != '\0', st, bytes, len, "a rejection must have a message");
    return false;
  }
  st->accepted++;
  exercise(st, &m, bytes, len);
  module_free(&m);
  return true;
}

/* ---- Mutations ---- */

typedef struct {
  uint8_t *data;
  size_t len, cap;
} Bytes;

static void bytes_set(Bytes *b, const uint8_t *p, size_t n) {
  if (n + 1 > b->cap) {
    b->cap = n + 64;
    b->data = xrealloc(b->data, b->cap);
  }
  if (n) memcpy(b->data, p, n);
  b->len = n;
}

/* One mutation in place. Inserting makes room first. */
static void mutate_once(Rng *r, Bytes *b) {
  uint64_t kind = rng_below(r, 100);
  if (b->len == 0) kind = 90;  /* only an insertion makes sense */
  if (kind < 55) {           /* set a random byte to a random value */
    b->data[rng_below(r, b->len)] = (uint8_t)rng_next(r);
  } else if (kind < 75) {    /* flip one bit */
    b->data[rng_below(r, b->len)] ^= (uint8_t)(1u << rng_below(r, 8));
  } else if (kind < 80) {    /* set a byte to an interesting value */
    static const uint8_t interesting[] = {0x00, 0x01, 0x02, 0x03, 0x7f, 0x80, 0xfe, 0xff};
    b->data[rng_below(r, b->len)] = interesting[rng_below(r, ARRAY_LEN(interesting))];
  } else if (kind < 87) {    /* truncate */
    b->len = rng_below(r, b->len);
  } else if (kind < 95) {    /* insert one byte */
    if (b->len + 1 > b->cap) {
      b->cap = b->len + 64;
      b->data = xrealloc(b->data, b->cap);
    }
    size_t at = rng_below(r, b->len + 1);
    memmove(b->data + at + 1, b->data + at, b->len - at);
    b->data[at] = (uint8_t)rng_next(r);
    b->len++;
  } else {                   /* delete one byte */
    size_t at = rng_below(r, b->len);
    memmove(b->data + at, b->data + at + 1, b->len - at - 1);
    b->len--;
  }
}

/* ---- Phases ---- */

static uint64_t phase_seed(uint64_t seed, uint64_t phase) {
  Rng r = {seed ^ (phase * 0xd1b54a32d192ed03ull)};
  return rng_next(&r);
}

static void phase_random(Stats *st, uint64_t n) {
  Rng r = {st->seed};
  uint8_t buf[8 + RANDOM_MAX_LEN];
  static const uint8_t header[8] = {'T', 'S', 'M', 'D', 1, 0, 0, 0};
  for (st->iteration = 0; st->iteration < n; st->iteration++) {
    size_t len = (size_t)rng_below(&r, RANDOM_MAX_LEN + 1);
    size_t at = 0;
    if (rng_next(&r) & 1) {
      memcpy(buf, header, sizeof header);
      at = sizeof header;
    }
    for (size_t i = 0; i < len; i++) buf[at + i] = (uint8_t)rng_next(&r);
    try_input(st, buf, at + len);
  }
}

static void phase_mutate(Stats *st, const InputList *seeds, uint64_t n) {
  Rng r = {st->seed};
  Bytes b = {0};
  for (st->iteration = 0; st->iteration < n; st->iteration++) {
    const Input *s = &seeds->items[rng_below(&r, seeds->len)];
    bytes_set(&b, s->bytes, s->len);
    mutate_once(&r, &b);
    try_input(st, b.data, b.len);
  }
  free(b.data);
}

/* Stacked mutations; accepted mutants join the pool, so later inputs can wander
   further from the seeds while staying loadable often enough to run. */
static void phase_run(Stats *st, const InputList *seeds, uint64_t n) {
  Rng r = {st->seed};
  Bytes b = {0};
  InputList pool = {0};
  for (size_t i = 0; i < seeds->len; i++) input_list_add(&pool, seeds->items[i].name, seeds->items[i].bytes, seeds->items[i].len);
  for (st->iteration = 0; st->iteration < n; st->iteration++) {
    const Input *s = &pool.items[rng_below(&r, pool.len)];
    bytes_set(&b, s->bytes, s->len);
    int k = 1;  /* 1 to 8 mutations, geometrically: most mutants stay close to loadable */
    while (k < 8 && (rng_next(&r) & 1)) k++;
    for (int i = 0; i < k; i++) mutate_once(&r, &b);
    if (try_input(st, b.data, b.len) && b.len <= CORPUS_MAX_BYTES) {
      if (pool.len < CORPUS_MAX) {
        input_list_add(&pool, "mutant", b.data, b.len);
      } else {  /* replace a random non-seed entry */
        Input *victim = &pool.items[seeds->len + rng_below(&r, pool.len - seeds->len)];
        free(victim->bytes);
        victim->bytes = xmalloc(b.len ? b.len : 1);
        if (b.len) memcpy(victim->bytes, b.data, b.len);
        victim->len = b.len;
      }
    }
  }
  input_list_free(&pool);
  free(b.data);
}

static bool parse_u64(const char *s, uint64_t *out) {
  if (!s || !*s) return false;
  char *end;
  unsigned long long v = strtoull(s, &end, 0);
  if (*end) return false;
  *out = v;
  return true;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  uint64_t n = DEFAULT_ITERATIONS, seed = DEFAULT_SEED;
  if (argc > 1) {
    if (!parse_u64(argv[1], &n)) {
      fprintf(stderr, "usage: test_loader_fuzz [ITERATIONS_PER_PHASE [SEED]]\n");
      return 2;
    }
  } else if (getenv("TESSERA_FUZZ_ITERATIONS") && !parse_u64(getenv("TESSERA_FUZZ_ITERATIONS"), &n)) {
    fprintf(stderr, "test_loader_fuzz: TESSERA_FUZZ_ITERATIONS is not a number\n");
    return 2;
  }
  if (argc > 2) {
    if (!parse_u64(argv[2], &seed)) {
      fprintf(stderr, "usage: test_loader_fuzz [ITERATIONS_PER_PHASE [SEED]]\n");
      return 2;
    }
  } else if (getenv("TESSERA_FUZZ_SEED") && !parse_u64(getenv("TESSERA_FUZZ_SEED"), &seed)) {
    fprintf(stderr, "test_loader_fuzz: TESSERA_FUZZ_SEED is not a number\n");
    return 2;
  }

  double t0 = now_seconds();
  InputList seeds = {0};
  load_seeds(&seeds);
  CHECK_MSG(seeds.len > 0, "no seed modules");

  /* The seeds themselves load and pass every check. */
  Stats seed_stats = {.phase = "seeds", .seed = seed};
  for (size_t i = 0; i < seeds.len; i++) {
    seed_stats.iteration = i;
    bool ok = try_input(&seed_stats, seeds.items[i].bytes, seeds.items[i].len);
    CHECK_MSG(ok, "seed %s does not load", seeds.items[i].name);
  }

  Stats phases[3] = {
    {.phase = "random", .seed = phase_seed(seed, 1)},
    {.phase = "mutate", .seed = phase_seed(seed, 2)},
    {.phase = "run", .seed = phase_seed(seed, 3)},
  };
  double t = now_seconds();
  phase_random(&phases[0], n);
  phases[0].seconds = now_seconds() - t;
  if (seeds.len) {
    t = now_seconds();
    phase_mutate(&phases[1], &seeds, n);
    phases[1].seconds = now_seconds() - t;
    t = now_seconds();
    phase_run(&phases[2], &seeds, n);
    phases[2].seconds = now_seconds() - t;
  }
  double elapsed = now_seconds() - t0;

  printf("test_loader_fuzz: seed 0x%" PRIx64 ", %" PRIu64 " iterations per phase, %zu seed modules (%d skipped)\n",
         seed, n, seeds.len, skipped_seeds);
  uint64_t tried = 0, accepted = 0, run = 0;
  for (int i = 0; i < 3; i++) {
    const Stats *s = &phases[i];
    printf("  %-6s tried %10" PRIu64 "  accepted %10" PRIu64 "  run %10" PRIu64 " (%" PRIu64
           " ended in a runtime error) in %.2f s\n",
           s->phase, s->tried, s->accepted, s->run, s->run_errors, s->seconds);
    tried += s->tried;
    accepted += s->accepted;
    run += s->run;
  }
  printf("  total  tried %10" PRIu64 "  accepted %10" PRIu64 "  run %10" PRIu64 " in %.2f s\n", tried, accepted, run,
         elapsed);
  input_list_free(&seeds);
  return check_summary("test_loader_fuzz");
}
