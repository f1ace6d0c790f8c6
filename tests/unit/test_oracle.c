/* test_oracle.c: the oracle's self-tests (as Fuzzilli's start-up checks). With a
 * test-only fault switched on, programs must diverge, with a located record and a
 * stable signature; with no fault, every language test and example must agree. Also
 * locks what the OBS_FIELDS and ORACLE_REACH tables cannot derive: the exact JSON text,
 * unique names, a configuration for every reach counter, and the documentation. */
#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "check.h"
#include "engine.h"
#include "jit.h"
#include "localize.h"
#include "step_watch.h"
#include "oracle.h"

/* A loop that subtracts: t1 specializes the sub, and the fault turns it into an add. */
static const char *sub_loop(int n) {
  static char src[1024];
  snprintf(src, sizeof src,
           ".func main params=0 locals=2\n"
           "    push_int %d\n    store_local 0\n    push_int 0\n    store_local 1\n"
           "top:\n    load_local 0\n    push_int 0\n    gt\n    jump_if_false done\n"
           "    load_local 1\n    load_local 0\n    sub\n    dup\n    probe\n    store_local 1\n"
           "    load_local 0\n    push_int 1\n    sub\n    store_local 0\n    loop top\n"
           "done:\n    load_local 1\n    dup\n    print\n    return\n.end\n",
           n);
  return src;
}


/* Small limits: under the fault a loop counter may never reach its bound. */
static Limits small_limits(void) {
  Limits l = limits_default();
  l.fuel = 100000;
  return l;
}

static void test_fault_diverges(void) {
  char first_signature[96] = "";
  for (int n = 5; n <= 40; n += 35) {
    Module m;
    if (!check_assemble(sub_loop(n), &m)) return;
    OracleResult r;
    oracle_run(&m, small_limits(), FAULT_NONE, &r);
    CHECK_MSG(!r.diverged, "no fault, but diverged: %s", r.where);
    oracle_result_free(&r);

    oracle_run(&m, small_limits(), FAULT_T1_SUB_ADDS, &r);
    CHECK_MSG(r.diverged, "the t1-sub-adds fault went unnoticed (n=%d)", n);
    if (r.diverged) {
      CHECK_MSG(oracle_configs[r.other].tier == TIER_T1, "the disagreeing configuration is %s",
                oracle_configs[r.other].name);
      CHECK_MSG(r.field == OBS_OUTPUT, "first differing field %s, want output", obs_field_name[r.field]);
      CHECK_MSG(strstr(r.where, "output line 1") != NULL, "where: %s", r.where);
      CHECK_MSG(r.signature[0] != '\0', "no signature");
      /* The same bug in another program has the same signature. */
      if (first_signature[0]) CHECK_STR(r.signature, first_signature);
      else snprintf(first_signature, sizeof first_signature, "%s", r.signature);
      Buf b = {0};
      oracle_report(&m, &r, &b);
      CHECK_MSG(strstr(b.data, "DIVERGENCE") && strstr(b.data, "! t1"), "report:\n%s", b.data);
      buf_free(&b);
    }
    oracle_result_free(&r);
    module_free(&m);
  }
}

/* A probe that differs: the record names the first differing probe. */
static void test_probe_located(void) {
  Module m;
  const char *src = ".func main params=0 locals=0\n"
                    "    push_int 9\n    push_int 4\n    sub\n    probe\n    push_int 1\n    return\n.end\n";
  if (!check_assemble(src, &m)) return;
  OracleResult r;
  oracle_run(&m, small_limits(), FAULT_T1_SUB_ADDS, &r);
  CHECK_MSG(r.diverged && r.field == OBS_CHECKSUM, "want a checksum divergence");
  if (r.diverged) CHECK_MSG(strstr(r.where, "probe #0") != NULL, "where: %s", r.where);
  oracle_result_free(&r);
  module_free(&m);
}

/* Runs src under the fault; returns whether it diverged, with the result in r. */
static bool diverges(const char *src, OracleResult *r) {
  Module m;
  memset(r, 0, sizeof *r);
  if (!check_assemble(src, &m)) return false;
  oracle_run(&m, small_limits(), FAULT_T1_SUB_ADDS, r);
  module_free(&m);
  CHECK_MSG(r->diverged, "no divergence under the fault:\n%s", src);
  return r->diverged;
}

/* A count-down loop (the fault makes it count up, until the fuel runs out), then TAIL,
   which raises an error of its own in ref. */
static const char *loop_then(const char *tail) {
  static char src[1024];
  snprintf(src, sizeof src,
           ".func main params=0 locals=1\n"
           "    push_int 30\n    store_local 0\n"
           "top:\n    load_local 0\n    push_int 0\n    gt\n    jump_if_false done\n"
           "    load_local 0\n    push_int 1\n    sub\n    store_local 0\n    loop top\n"
           "done:\n%s.end\n",
           tail);
  return src;
}

/* Signatures name the bug, not the program: the same fault seen the same way in two
   different programs gives one signature, whatever instruction the reference stopped
   at; two different ways of diverging give two. */
static void test_signatures(void) {
  /* ref: division_by_zero at idiv, and negative_shift at shl in a function; t1 never
     leaves the loop and runs out of fuel. The old key (both error kinds and
     instructions) gave two signatures. */
  OracleResult a, b;
  bool da = diverges(loop_then("    push_int 1\n    push_int 0\n    idiv\n    return\n"), &a);
  bool db = diverges(".func shift params=1 locals=0\n    load_local 0\n    push_int -1\n    shl\n    return\n.end\n"
                     ".func main params=0 locals=1\n"
                     "    push_int 9\n    store_local 0\n"
                     "top:\n    load_local 0\n    push_int 0\n    gt\n    jump_if_false done\n"
                     "    load_local 0\n    push_int 1\n    sub\n    store_local 0\n    loop top\n"
                     "done:\n    push_func shift\n    push_int 7\n    call 1\n    return\n.end\n",
                     &b);
  if (da && db) {
    CHECK_STR(obs_field_name[a.field], "error");
    CHECK_STR(a.signature_key, "w1:goto+switch;end;done/fuel");
    CHECK_MSG(strcmp(a.signature, b.signature) == 0, "same fault, two signatures: %s (%s: %s), %s (%s: %s)",
              a.signature, a.signature_key, a.where, b.signature, b.signature_key, b.where);
  }
  oracle_result_free(&a);
  oracle_result_free(&b);

  /* Output: a wrong value printed (same kind) is not a missing line. */
  OracleResult c, d;
  bool dc = diverges(".func main params=0 locals=0\n    push_int 9\n    push_int 4\n    sub\n    print\n"
                     "    push_int 0\n    return\n.end\n",
                     &c);
  bool dd = diverges(loop_then("    push_int 5\n    print\n    push_int 0\n    return\n"), &d);
  if (dc && dd) {
    CHECK_STR(obs_field_name[c.field], "output");
    CHECK_STR(obs_field_name[d.field], "output");
    CHECK_STR(c.signature_key, "w1:goto+switch;print;same");
    CHECK_STR(d.signature_key, "w1:goto+switch;end;done/fuel");
    CHECK_MSG(strcmp(c.signature, d.signature) != 0, "two kinds of divergence, one signature: %s", c.signature);
    /* The report shows the key. */
    Module m;
    memset(&m, 0, sizeof m);
    Buf rep = {0};
    oracle_report(&m, &c, &rep);
    CHECK_MSG(strstr(rep.data, "signature key: w1:goto+switch;print;same") != NULL, "report:\n%s", rep.data);
    buf_free(&rep);
  }
  /* And a wrong value is not an error ending. */
  if (dd && da) CHECK_MSG(strcmp(d.signature, a.signature) != 0, "output and error divergences share %s", a.signature);
  oracle_result_free(&c);
  oracle_result_free(&d);
}

/* The JSON text is read by other tools (tessera fuzz --arch compares it across architectures, fuzz/remote.c;
   `tessera run --json`): it stays exactly this. */
static void test_observation_json(void) {
  Observation o;
  memset(&o, 0, sizeof o);
  buf_puts(&o.output, "a\"b\n\x01\xff");
  o.result = xstrndup("[1, 2]", 6);
  o.fuel_used = 7;
  o.checksum = 0xabc;
  o.probes = 3;
  o.heap_objects = 2;
  o.heap_bytes = 99;
  Buf j = {0};
  observation_json(&o, &j);
  CHECK_STR(j.data, "{\"output\":\"a\\\"b\\n\\u0001\\u00ff\",\"result\":\"[1, 2]\",\"error\":null,\"fuel\":7,"
                    "\"checksum\":\"0000000000000abc\",\"heap_objects\":2,\"heap_bytes\":99}");
  free(o.result);
  o.result = NULL;
  o.error = ERR_DIV_ZERO;
  o.error_function = xstrndup("f", 1);
  o.error_offset = 12;
  o.error_detail = xstrndup("x // 0", 6);
  j.len = 0;
  observation_json(&o, &j);
  CHECK_STR(j.data, "{\"output\":\"a\\\"b\\n\\u0001\\u00ff\",\"result\":null,\"error\":{\"kind\":\"division_by_zero\","
                    "\"function\":\"f\",\"offset\":12,\"detail\":\"x // 0\"},\"fuel\":7,"
                    "\"checksum\":\"0000000000000abc\",\"heap_objects\":2,\"heap_bytes\":99}");
  buf_free(&j);

  /* Each compared field, changed alone, is the one observation_diff names. */
  Observation b = o;
  CHECK(observation_diff(&o, &b) == OBS_AGREE);
  b.error_detail = "other words";
  b.probes = 4;
  CHECK(observation_diff(&o, &b) == OBS_AGREE);
  b.error_offset = 13;
  CHECK(observation_diff(&o, &b) == OBS_ERROR_LOCATION);
  CHECK(!observation_field_same(OBS_ERROR_LOCATION, &o, &b) && observation_field_same(OBS_ERROR, &o, &b));
  b.heap_bytes = 1;
  CHECK(observation_diff(&o, &b) == OBS_ERROR_LOCATION);
  b = o;
  b.heap_bytes = 1;
  CHECK_STR(obs_field_name[observation_diff(&o, &b)], "heap bytes");
  observation_free(&o);
}

/* True when text contains `word` in backquotes. */
static bool mentions(const char *text, const char *word) {
  char q[64];
  snprintf(q, sizeof q, "`%s`", word);
  return text && strstr(text, q) != NULL;
}

/* What the tables cannot derive: names are unique (signatures and the progress line
   are read by name), every reach counter is taken from a tier the matrix runs, and
   docs/fuzzing.md names every field and counter. */
static void test_tables(void) {
  const char *root = getenv("TESSERA_SOURCE_DIR");
  char path[1024];
  snprintf(path, sizeof path, "%s/docs/fuzzing.md", root ? root : ".");
  Buf doc = {0};
  CHECK_MSG(root && buf_read_file(&doc, path), "cannot read %s", path);
  buf_putc(&doc, '\0');
  for (int f = 1; f < OBS__COUNT; f++) {
    CHECK_MSG(obs_field_doc[f][0] != '\0', "field %s has no description", obs_field_name[f]);
    for (int g = 1; g < f; g++) CHECK_MSG(strcmp(obs_field_name[f], obs_field_name[g]) != 0, "two fields %s", obs_field_name[f]);
    CHECK_MSG(mentions(doc.data, obs_field_name[f]), "docs/fuzzing.md does not name the field `%s`", obs_field_name[f]);
    CHECK_MSG(!obs_field_key[f][0] || mentions(doc.data, obs_field_key[f]), "docs/fuzzing.md does not give the JSON key `%s`",
              obs_field_key[f]);
  }
  for (int i = 0; i < REACH__COUNT; i++) {
    CHECK_MSG(oracle_reach_doc[i][0] != '\0', "reach counter %s has no description", oracle_reach_label[i]);
    for (int k = 0; k < i; k++) CHECK_MSG(strcmp(oracle_reach_label[i], oracle_reach_label[k]) != 0, "two counters %s", oracle_reach_label[i]);
    bool run = false;
    for (size_t c = 0; c < oracle_nconfigs; c++) run |= oracle_configs[c].tier == oracle_reach_tier[i];
    CHECK_MSG(run, "reach counter %s is taken from %s, which the matrix does not run", oracle_reach_label[i],
              tier_name[oracle_reach_tier[i]]);
    CHECK_MSG(mentions(doc.data, oracle_reach_label[i]), "docs/fuzzing.md does not name the counter `%s`", oracle_reach_label[i]);
  }
  for (int k = 0; k < COV_KIND__COUNT; k++) {
    CHECK_MSG(coverage_doc[k][0] != '\0', "coverage kind %s has no description", coverage_label[k]);
    for (int j = 0; j < k; j++) CHECK_MSG(strcmp(coverage_label[k], coverage_label[j]) != 0, "two coverage kinds %s", coverage_label[k]);
    bool run = false;
    for (size_t c = 0; c < oracle_nconfigs; c++) run |= oracle_configs[c].tier == coverage_tier[k];
    CHECK_MSG(run, "coverage kind %s is taken from %s, which the matrix does not run", coverage_label[k],
              tier_name[coverage_tier[k]]);
    CHECK_MSG(mentions(doc.data, coverage_label[k]), "docs/fuzzing.md does not name the coverage kind `%s`", coverage_label[k]);
  }
  buf_free(&doc);
}

/* Coverage (oracle/coverage.h): a program with a hot loop covers forms, uops, pairs and
   stencils' exits; the same program covers the same features again; merging into a map
   counts only what is new there. */
static void test_coverage(void) {
  const char *src = ".func main params=0 locals=1\n"
                    "    push_int 0\n    store_local 0\n"
                    "top:\n"
                    "    load_local 0\n    push_int 50\n    lt\n    jump_if_false done\n"
                    "    load_local 0\n    push_int 1\n    add\n    store_local 0\n"
                    "    loop top\n"
                    "done:\n"
                    "    load_local 0\n    return\n.end\n";
  Module m;
  Diag d = {{0}};
  CHECK_MSG(asm_assemble(src, strlen(src), "coverage", &m, NULL, &d), "assemble: %s", d.msg);
  OracleResult a, b;
  oracle_run(&m, fuzz_default_limits(), FAULT_NONE, &a);
  oracle_run(&m, fuzz_default_limits(), FAULT_NONE, &b);
  CHECK(!a.diverged);
  CHECK_MSG(memcmp(&a.coverage, &b.coverage, sizeof a.coverage) == 0, "the same program covered other features");
  uint64_t map[COV_WORDS] = {0}, per_kind[COV_KIND__COUNT];
  uint64_t added = coverage_merge(map, &a.coverage);
  uint64_t total = coverage_count(map, per_kind);
  CHECK_MSG(added > 0 && added == total, "merged %" PRIu64 " features, the map counts %" PRIu64, added, total);
  CHECK_MSG(coverage_merge(map, &b.coverage) == 0, "the same features were new twice");
  CHECK_MSG(per_kind[COV_KIND_FORM] > 0, "no t1 form covered");
  CHECK_MSG(per_kind[COV_KIND_UOP] > 0 && per_kind[COV_KIND_PAIR] > 0, "no trace covered");
  CHECK_MSG(per_kind[COV_KIND_EXIT] > 0 && per_kind[COV_KIND_JIT_EXIT] > 0, "the loop's exit was not covered");
  CHECK_MSG(per_kind[COV_KIND_END] > 0, "no trace end covered");
  oracle_result_free(&a);
  oracle_result_free(&b);
  module_free(&m);
}

/* Assembles src, runs it with fault on and localizes its divergence into *loc; the
   disagreeing tier into *tier. Answers whether it diverged. */
static bool localize_source(const char *src, Fault fault, Tier *tier, Localization *loc) {
  Module m;
  Diag d = {{0}};
  CHECK_MSG(asm_assemble(src, strlen(src), "localize", &m, NULL, &d), "assemble: %s", d.msg);
  OracleResult r;
  oracle_run(&m, fuzz_default_limits(), fault, &r);
  oracle_localize(&m, fuzz_default_limits(), fault, &r, loc);
  *tier = oracle_configs[r.other].tier;
  bool diverged = r.diverged;
  oracle_result_free(&r);
  module_free(&m);
  return diverged;
}

/* Localization (oracle/localize.h): a t1 fault is pinned on the form it makes wrong; a
   program that agrees has nothing to localize. */
static void test_localize(void) {
  const char *src = ".func main params=0 locals=1\n"
                    "    push_int 10\n    store_local 0\n"
                    "top:\n"
                    "    load_local 0\n    push_int 0\n    gt\n    jump_if_false done\n"
                    "    load_local 0\n    push_int 1\n    sub\n    store_local 0\n"
                    "    loop top\n"
                    "done:\n"
                    "    load_local 0\n    return\n.end\n";
  Localization loc;
  Tier tier;
  CHECK_MSG(localize_source(src, FAULT_T1_SUB_ADDS, &tier, &loc) && tier == TIER_T1, "the t1 fault is not seen");
  CHECK_MSG(loc.found && strcmp(loc.culprit, "t1 form add_int") == 0, "culprit '%s': %s", loc.culprit, loc.verdict);
  CHECK_MSG(!localize_source(src, FAULT_NONE, &tier, &loc), "the program diverges without the fault");
  CHECK_MSG(!loc.found && loc.runs == 0, "a program that agrees was localized: %s", loc.verdict);
}

/* A fault in the runtime every tier but ref shares, which no form's switch hides, is
   pinned on the instruction after which t1's state first leaves ref's, and its place. */
static void test_localize_runtime(void) {
  const char *src = ".func main params=0 locals=2\n"
                    "    push_int 1\n    push_int 2\n    push_int 3\n    array_new 3\n    store_local 0\n"
                    "    push_int 3\n    store_local 1\n"
                    "top:\n"
                    "    load_local 1\n    push_int 0\n    gt\n    jump_if_false done\n"
                    "    load_local 1\n    push_int 1\n    sub\n    store_local 1\n"
                    "    loop top\n"
                    "done:\n"
                    "    load_local 0\n    push_int 0\n    array_remove\n    pop\n"
                    "    load_local 0\n    return\n.end\n";
  Localization loc;
  Tier tier;
  CHECK_MSG(localize_source(src, FAULT_SWAP_REMOVE, &tier, &loc), "the runtime fault is not seen");
  CHECK_MSG(loc.found && strcmp(loc.culprit, "t1 runtime array_remove") == 0, "culprit '%s': %s", loc.culprit,
            loc.verdict);
  CHECK_MSG(strstr(loc.verdict, "after array_remove at main:") != NULL, "no place in: %s", loc.verdict);
}

/* The interpreters built with steps (vm/step_watch.h) compute what ref does, and, with
   no fault, t1 reaches the places ref marks after `fuel` units in the same state (or
   skips one, for a fused form). */
static void check_steps(const Module *m, Limits limits, const char *file) {
  Observation want, got;
  RunOptions o = run_options_default(TIER_REF);
  o.limits = limits;
  vm_run_module(m, &o, &want);
  uint64_t fuel = want.fuel_used / 2;
  StepWatch watch[2] = {{.fuel = fuel, .every = true}, {.fuel = fuel, .every = true}};
  for (int t = 0; t < 2; t++) {
    o = run_options_default(t ? TIER_T1 : TIER_REF);
    o.limits = limits;
    o.watch = &watch[t];
    vm_run_module(m, &o, &got);
    CHECK_MSG(observation_diff(&want, &got) == OBS_AGREE, "%s: %s with steps disagrees with ref", file,
              t ? "t1" : "ref");
    observation_free(&got);
  }
  const StepWatch *r = &watch[0], *t1 = &watch[1];
  CHECK_MSG(r->n > 0, "%s: ref marked no place after %llu units", file, (unsigned long long)fuel);
  size_t i = 0;
  for (size_t j = 0; j < t1->n; j++) {
    const StepMark *b = &t1->marks[j];
    if (j && b->depth == b[-1].depth && b->func == b[-1].func && b->pc == b[-1].pc) continue;  /* dispatched again */
    while (i < r->n && !(r->marks[i].depth == b->depth && r->marks[i].func == b->func && r->marks[i].pc == b->pc)) i++;
    CHECK_MSG(i < r->n, "%s: t1 marked %u:%u, which ref did not after it", file, b->func, b->pc);
    if (i == r->n) break;
    CHECK_MSG(r->marks[i].digest == b->digest, "%s: at %u:%u t1's state differs from ref's", file, b->func, b->pc);
  }
  step_watch_free(&watch[0]);
  step_watch_free(&watch[1]);
  observation_free(&want);
}

/* Each test-only fault of the traces, in a loop that folds 6 - 7 and probes it, is
   pinned on its part, and the bug-level signature becomes the oracle's: the optimizer's
   rule, the JIT's stencil on this architecture, t2's own uop. */
static void test_localize_traces(void) {
  const char *src = ".func main params=0 locals=1\n"
                    "    push_int 10\n    store_local 0\n"
                    "top:\n"
                    "    load_local 0\n    push_int 0\n    gt\n    jump_if_false done\n"
                    "    push_int 6\n    push_int 7\n    sub\n    probe\n"
                    "    load_local 0\n    push_int 1\n    sub\n    store_local 0\n"
                    "    loop top\n"
                    "done:\n"
                    "    load_local 0\n    return\n.end\n";
  const StencilSet *set = jit_host_set();
  char jit_culprit[64];
  snprintf(jit_culprit, sizeof jit_culprit, "jit stencil push_value (%s)", set ? jit_arch_name[set->arch] : "?");
  struct {
    Fault fault;
    const char *culprit, *signature;
  } cases[] = {
    {FAULT_OPT_FOLD_SUB, "t2 optimizer rule fold", "t2-optimizer-rule-fold"},
    {set && set->arch == ARCH_X86_64 ? FAULT_JIT_OPERAND_X86_64 : FAULT_JIT_OPERAND_AARCH64, jit_culprit, NULL},
    {FAULT_T2_LOOP_FREE, "t2 uop loop", "t2-uop-loop"},
  };
  Module m;
  Diag d = {{0}};
  CHECK_MSG(asm_assemble(src, strlen(src), "localize", &m, NULL, &d), "assemble: %s", d.msg);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (!set && cases[i].culprit == jit_culprit) continue;  /* no JIT on this machine */
    OracleResult r;
    Localization loc;
    oracle_run(&m, fuzz_default_limits(), cases[i].fault, &r);
    CHECK_MSG(r.diverged, "fault %s is not seen", fault_name[cases[i].fault]);
    CHECK_MSG(oracle_bug_signature(&m, fuzz_default_limits(), cases[i].fault, &r, &loc), "fault %s: %s",
              fault_name[cases[i].fault], loc.verdict);
    CHECK_MSG(strcmp(loc.culprit, cases[i].culprit) == 0, "fault %s: culprit '%s': %s", fault_name[cases[i].fault],
              loc.culprit, loc.verdict);
    CHECK_MSG(strcmp(r.signature, loc.signature) == 0, "the signature is not the culprit's: %s", r.signature);
    if (cases[i].signature)
      CHECK_MSG(strcmp(r.signature, cases[i].signature) == 0, "signature %s, not %s", r.signature, cases[i].signature);
    oracle_result_free(&r);
  }
  module_free(&m);
}

/* No fault: every example and language test agrees in every configuration. A slow
   build's test preset (ASan, QEMU) sets TESSERA_ORACLE_EVERY=N: every Nth file, where the
   language tests already run every file in a sample of the configurations. */
static void test_corpus_agrees(void) {
  const char *root = getenv("TESSERA_SOURCE_DIR");
  CHECK_MSG(root != NULL, "TESSERA_SOURCE_DIR is not set");
  if (!root) return;
  const char *every_env = getenv("TESSERA_ORACLE_EVERY");
  int every = every_env && atoi(every_env) > 0 ? atoi(every_env) : 1;
  const char *dirs[] = {"examples", "tests/lang"};
  int files = 0, seen = 0;
  for (size_t di = 0; di < ARRAY_LEN(dirs); di++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, dirs[di]);
    DIR *dir = opendir(path);
    CHECK_MSG(dir != NULL, "cannot open %s", path);
    if (!dir) continue;
    struct dirent *e;
    while ((e = readdir(dir))) {
      size_t n = strlen(e->d_name);
      if (n < 5 || strcmp(e->d_name + n - 4, ".tas") != 0) continue;
      if (seen++ % every) continue;
      char file[2048];
      snprintf(file, sizeof file, "%s/%s", path, e->d_name);
      Buf src = {0};
      if (!buf_read_file(&src, file)) continue;
      Module m;
      Diag d;
      memset(&d, 0, sizeof d);
      if (asm_assemble(src.data ? src.data : "", src.len, file, &m, NULL, &d)) {
        /* Some tests end only through a small fuel limit of their own (run: lines):
           any limits do for agreement, so keep them small. */
        Limits limits = small_limits();
        OracleResult r;
        oracle_run(&m, limits, FAULT_NONE, &r);
        CHECK_MSG(!r.diverged, "%s: %s", file, r.where);
        oracle_result_free(&r);
        check_steps(&m, limits, file);
        module_free(&m);
        files++;
      }
      buf_free(&src);
    }
    closedir(dir);
  }
  CHECK_MSG(files > 100 / every, "only %d programs found", files);
  printf("test_oracle: %d programs of %d (one in %d) agree in %zu configurations\n", files, seen, every,
         oracle_nconfigs);
}

int main(void) {
  test_observation_json();
  test_tables();
  test_coverage();
  test_localize();
  test_localize_traces();
  test_localize_runtime();
  test_fault_diverges();
  test_probe_located();
  test_signatures();
  test_corpus_agrees();
  return check_summary("test_oracle");
}
