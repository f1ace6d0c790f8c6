/* lang_runner.c: runs language tests (.tas with inline expectations) in one
 * configuration, and checks that it round-trips through asm and dis byte for byte.
 *
 * Expectations, in comments anywhere in the file:
 *   ; expect: TEXT                           the next output line is exactly TEXT
 *   ; expect result: REPR                    main returns a value rendered as REPR
 *   ; expect error: KIND at FUNC:WHERE       runtime error KIND raised in FUNC at
 *                                            WHERE, a label or a byte offset
 *   ; expect fuel: N                         exactly N units of fuel were used
 *   ; expect heap: N objects, M bytes        live heap at exit (constants included)
 *   ; expect specialized: FORM...            under t1: each form was specialized and ran
 *   ; expect deopt: FORM...                  under t1: each form's guard failed at least once
 *   ; expect t2: COUNTER>=N...               under t2 and jit: each trace statistic is at least
 *                                            N; under t2-noopt and jit-noopt only those not the
 *                                            optimizer's; under t2 not compiled code's
 *   ; run: --fuel=N --max-depth=N ...        limits for this test
 * Output must match the expect: lines exactly (no lines means no output). Without an
 * expect error: line the program must return normally.
 *
 * t1 runs with a warmup of 1 (specialize at the first execution) unless --warmup=N;
 * t2 projects a trace at a LOOP's second run unless --trace-threshold=N.
 *
 * Several files run one after another in one process (a slow build's batch: ASan and QEMU
 * spend most of a small test starting the process), each with its own verdict line.
 *
 * usage: lang_runner [--tier=NAME] [--dispatch=goto|switch] [--warmup=N] [--trace-threshold=N] FILE.tas... */
#include <string.h>

#include "asm.h"
#include "specialize.h"
#include "jit.h"
#include "trace.h"
#include "vm.h"

static int failures;

static void fail(const char *file, const char *fmt, const char *a, const char *b) {
  fprintf(stderr, "%s: FAIL: ", file);
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
  failures++;
}

static bool parse_u64(const char *s, size_t n, uint64_t *out) {
  uint64_t v = 0;
  if (!n || n > 19) return false;  /* 19 digits cannot overflow */
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return true;
}

typedef struct {
  Buf output;        /* expected output */
  char *result;      /* expected result repr, or NULL */
  char *error;       /* "KIND at FUNC:WHERE", or NULL */
  char *fuel;        /* "N", or NULL */
  char *heap;        /* "N objects, M bytes", or NULL */
  Buf specialized;   /* space-separated form names */
  Buf deopt;
  Buf t2;            /* space-separated COUNTER>=N */
  Limits limits;
} Expect;

static char *trimmed(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t')) p++;
  while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) end--;
  return xstrndup(p, (size_t)(end - p));
}

static bool parse_expectations(const char *file, const char *src, size_t len, Expect *e) {
  const char *p = src, *end = src + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    const char *c = NULL;
    for (const char *q = p; q + 1 < le; q++)
      if (*q == ';') {
        c = q + 1;
        break;
      }
    if (c) {
      while (c < le && *c == ' ') c++;
      size_t rest = (size_t)(le - c);
      if (rest >= 7 && memcmp(c, "expect:", 7) == 0) {
        const char *t = c + 7;
        if (t < le && *t == ' ') t++;  /* exactly one space separates; the rest is the line */
        const char *te = le;
        if (te > t && te[-1] == '\r') te--;
        buf_append(&e->output, t, (size_t)(te - t));
        buf_putc(&e->output, '\n');
      } else if (rest >= 14 && memcmp(c, "expect result:", 14) == 0) {
        free(e->result);
        e->result = trimmed(c + 14, le);
      } else if (rest >= 13 && memcmp(c, "expect error:", 13) == 0) {
        free(e->error);
        e->error = trimmed(c + 13, le);
      } else if (rest >= 12 && memcmp(c, "expect fuel:", 12) == 0) {
        free(e->fuel);
        e->fuel = trimmed(c + 12, le);
      } else if (rest >= 12 && memcmp(c, "expect heap:", 12) == 0) {
        free(e->heap);
        e->heap = trimmed(c + 12, le);
      } else if (rest >= 19 && memcmp(c, "expect specialized:", 19) == 0) {
        buf_append(&e->specialized, c + 19, (size_t)(le - c - 19));
        buf_putc(&e->specialized, ' ');
      } else if (rest >= 10 && memcmp(c, "expect t2:", 10) == 0) {
        buf_append(&e->t2, c + 10, (size_t)(le - c - 10));
        buf_putc(&e->t2, ' ');
      } else if (rest >= 13 && memcmp(c, "expect deopt:", 13) == 0) {
        buf_append(&e->deopt, c + 13, (size_t)(le - c - 13));
        buf_putc(&e->deopt, ' ');
      } else if (rest >= 4 && memcmp(c, "run:", 4) == 0) {
        const char *q = c + 4;
        while (q < le) {
          while (q < le && *q == ' ') q++;
          const char *w = q;
          while (q < le && *q != ' ' && *q != '\r') q++;
          if (q == w) break;
          const char *eq = memchr(w, '=', (size_t)(q - w));
          uint64_t v;
          char *word = xstrndup(w, (size_t)(q - w));
          bool known = true;
          if (!eq || !parse_u64(eq + 1, (size_t)(q - eq - 1), &v)) {
            fail(file, "bad run: option '%s'%s", word, "");
            free(word);
            return false;
          }
          size_t kn = (size_t)(eq - w);
          if (kn == 6 && memcmp(w, "--fuel", 6) == 0) e->limits.fuel = v;
          else if (kn == 11 && memcmp(w, "--max-depth", 11) == 0) e->limits.max_depth = v;
          else if (kn == 10 && memcmp(w, "--max-heap", 10) == 0) e->limits.max_heap = v;
          else if (kn == 12 && memcmp(w, "--max-output", 12) == 0) e->limits.max_output = v;
          else known = false;
          if (!known) fail(file, "unknown run: option '%s'%s", word, "");
          free(word);
          if (!known) return false;
        }
      }
    }
    p = nl ? nl + 1 : end;
  }
  return true;
}

/* asm(text) -> bytes1; load(bytes1); dis -> text2; asm(text2) -> bytes2 == bytes1. */
static void check_round_trip(const char *file, const Module *m) {
  Buf bytes1 = {0}, text2 = {0}, bytes2 = {0};
  module_write(m, &bytes1);
  Module loaded, m2;
  Diag d = {{0}};
  if (!module_load((const uint8_t *)bytes1.data, bytes1.len, &loaded, &d)) {
    fail(file, "assembled module does not load: %s%s", d.msg, "");
    buf_free(&bytes1);
    return;
  }
  dis_module(&loaded, &text2);
  if (!asm_assemble(text2.data, text2.len, "dis-output", &m2, NULL, &d)) {
    fail(file, "disassembly does not assemble: %s%s", d.msg, "");
  } else {
    module_write(&m2, &bytes2);
    if (bytes1.len != bytes2.len || memcmp(bytes1.data, bytes2.data, bytes1.len) != 0)
      fail(file, "asm/dis round trip changed the bytes%s%s", "", "");
    module_free(&m2);
  }
  module_free(&loaded);
  buf_free(&bytes1);
  buf_free(&text2);
  buf_free(&bytes2);
}

/* Resolves "KIND at FUNC:WHERE" against the run and the labels. */
static void check_error(const char *file, const char *want, const Observation *o, const AsmLabels *labels) {
  char kind[64], func[300], where[300];
  if (sscanf(want, "%63s at %299[^:]:%299s", kind, func, where) != 3) {
    fail(file, "malformed expect error: '%s' (want KIND at FUNC:WHERE)%s", want, "");
    return;
  }
  if (error_kind_from_name(kind) < 0) {
    fail(file, "unknown error kind '%s' in expect error%s", kind, "");
    return;
  }
  int64_t offset = -1;
  uint64_t num;
  if (parse_u64(where, strlen(where), &num)) offset = (int64_t)num;
  for (size_t i = 0; offset < 0 && i < labels->len; i++)
    if (strcmp(labels->items[i].func, func) == 0 && strcmp(labels->items[i].label, where) == 0)
      offset = labels->items[i].offset;
  if (offset < 0) {
    fail(file, "expect error names unknown label '%s'%s", where, "");
    return;
  }
  char got[400];
  if (o->error == ERR_NONE)
    snprintf(got, sizeof got, "no error (result %s)", o->result);
  else
    snprintf(got, sizeof got, "%s at %s:%u (%s)", error_kind_name[o->error], o->error_function, o->error_offset,
             o->error_detail);
  char wanted[400];
  snprintf(wanted, sizeof wanted, "%s at %s:%lld", kind, func, (long long)offset);
  if (o->error == ERR_NONE || strcmp(error_kind_name[o->error], kind) != 0 || strcmp(o->error_function, func) != 0 ||
      o->error_offset != (uint64_t)offset)
    fail(file, "error: got %s, want %s", got, wanted);
}

/* The next space-separated word of *p into out (cap bytes), advancing *p; false at the
   end of the list. */
static bool next_word(const char **p, char *out, size_t cap) {
  while (**p == ' ' || **p == '\t' || **p == '\r') (*p)++;
  const char *w = *p;
  while (**p && **p != ' ' && **p != '\t' && **p != '\r') (*p)++;
  if (*p == w) return false;
  snprintf(out, cap, "%.*s", (int)(*p - w), w);
  return true;
}

/* Each name in the space-separated list must be a specialized form that was
   specialized and ran (or, with deopt, whose guard failed). */
static void check_forms(const char *file, const char *list, const T1Stats *st, bool deopt) {
  if (!list) return;
  const char *p = list;
  char name[64];
  while (next_word(&p, name, sizeof name)) {
    int op = -1;
    for (int i = OP__COUNT; i < OP__ALL; i++)
      if (strcmp(opcode_name(i), name) == 0) op = i;
    if (op < 0) fail(file, "'%s' is not a specialized form%s", name, "");
    else if (!deopt && (!st->specialized[op] || !st->executed[op])) fail(file, "t1 never specialized to %s%s", name, "");
    else if (deopt && !st->deopts[op]) fail(file, "%s never deoptimized%s", name, "");
  }
}

/* The t2 statistics a test may name; `opt`: counted in every trace tier (false), only
   when the optimizer runs (true), or only when it runs and compiled code too (JIT_ONLY:
   what compiled code does apart from the uop interpreter). */
#define JIT_ONLY 2
static const struct {
  const char *name;
  size_t offset;
  uint8_t opt;
} t2_counters[] = {
#define COUNTER(name, opt) {#name, offsetof(T2Stats, name), opt}
  COUNTER(built, false),          COUNTER(side_built, false),     COUNTER(entered, false),
  COUNTER(linked, false),         COUNTER(exits, false),          COUNTER(invalidated, true),
  COUNTER(guards_removed, true),  COUNTER(folded, true),          COUNTER(loads_removed, true),
  COUNTER(pushes_removed, true),  COUNTER(globals_promoted, true), COUNTER(bool_branches, true), COUNTER(int_branches, true), COUNTER(loop_kinds, true), COUNTER(iter_guards_hoisted, true), COUNTER(iter_guards_kept, true), COUNTER(inline_facts, true), COUNTER(entry_param_kinds, true), COUNTER(local_attrs, true), COUNTER(elem_kinds, true), COUNTER(local_elems, true), COUNTER(elems_proved, true), COUNTER(local_elem_stores, true), COUNTER(elem_stores_proved, true), COUNTER(capture_cells, true), COUNTER(capture_cell_stores, true), COUNTER(capture_elem_cells, true), COUNTER(exit_kinds, true), COUNTER(compare_branches, true), COUNTER(int_consts, true), COUNTER(op_locals, true), COUNTER(char_compares, true), COUNTER(char_locals, true), COUNTER(len_locals, true), COUNTER(concat_ints, true), COUNTER(methods_known, true), COUNTER(stable_loops, false), COUNTER(frames_deferred, true), COUNTER(deferred_written, JIT_ONLY),
  COUNTER(refcounts_removed, true), COUNTER(object_guards_removed, true), COUNTER(attr_cache_fills, false), COUNTER(operator_leaves, false),
  COUNTER(finalizer_leaves, false), COUNTER(finalizer_on, false), COUNTER(finalizer_calls, false), COUNTER(finalizers_direct, JIT_ONLY), COUNTER(finalizer_checks_removed, true), COUNTER(key_lookups_removed, true), COUNTER(watcher_invalidations, false),
  COUNTER(shrinks, false), COUNTER(map_deletes, false), COUNTER(iter_changes, false),
  COUNTER(caught, false), COUNTER(cell_writes, false), COUNTER(cell_facts, true),
  COUNTER(builtin_calls, false), COUNTER(builtins_proven, true),
  {"aborted_unwarmed", offsetof(T2Stats, aborted[TRACE_ABORT_UNWARMED]), false},
  COUNTER(entry_built, false), COUNTER(handler_built, false), COUNTER(returns, false), COUNTER(nested_calls, false),
  COUNTER(nested_left, false), COUNTER(nested_bound, false), COUNTER(nested_at_bound, false), COUNTER(call_any, false), COUNTER(call_any_left, false),
  COUNTER(init_frames, false),
#undef COUNTER
};

/* Each COUNTER>=N in the list must hold (t2-noopt: the optimizer's are skipped). */
static void check_t2(const char *file, const char *list, const T2Stats *st, Tier tier) {
  bool optimized = tier == TIER_T2 || tier == TIER_JIT;
  if (!list) return;
  const char *p = list;
  char word[80], name[64];
  while (next_word(&p, word, sizeof word)) {
    unsigned long long want;
    if (sscanf(word, "%63[a-z_]>=%llu", name, &want) != 2) {
      fail(file, "malformed expect t2: '%s' (want COUNTER>=N)%s", word, "");
      continue;
    }
    size_t i = 0;
    while (i < ARRAY_LEN(t2_counters) && strcmp(t2_counters[i].name, name) != 0) i++;
    if (i == ARRAY_LEN(t2_counters)) {
      fail(file, "unknown t2 counter '%s'%s", name, "");
      continue;
    }
    if ((t2_counters[i].opt && !optimized) || (t2_counters[i].opt == JIT_ONLY && tier != TIER_JIT)) continue;
    uint64_t got;
    memcpy(&got, (const char *)st + t2_counters[i].offset, sizeof got);
    char got_text[40];
    snprintf(got_text, sizeof got_text, "%llu", (unsigned long long)got);
    if (got < want) fail(file, "t2 %s is only %s", word, got_text);
  }
}

/* Runs FILE in OPTS's configuration, counting what fails in failures. */
static void run_file(const char *file, RunOptions opts) {
  int failures_before = failures;
  Buf src = {0};
  if (!buf_read_file(&src, file)) {
    fprintf(stderr, "%s: cannot read\n", file);
    failures++;
    return;
  }
  Expect e = {{0}, NULL, NULL, NULL, NULL, {0}, {0}, {0}, limits_default()};
  Module m;
  AsmLabels labels = {0};
  Diag d = {{0}};
  if (parse_expectations(file, src.data ? src.data : "", src.len, &e)) {
    if (!asm_assemble(src.data ? src.data : "", src.len, file, &m, &labels, &d)) {
      fail(file, "does not assemble: %s%s", d.msg, "");
    } else {
      check_round_trip(file, &m);
      opts.limits = e.limits;
      T1Stats stats;
      T2Stats t2;
      memset(&stats, 0, sizeof stats);
      memset(&t2, 0, sizeof t2);
      if (opts.tier == TIER_T1) opts.stats = &stats;  /* t1's counts are only whole in t1 */
      bool has_t2 = tier_traces(opts.tier);
      if (has_t2) opts.t2_stats = &t2;
      Observation o;
      vm_run_module(&m, &opts, &o);
      const char *got = o.output.data ? o.output.data : "";
      const char *want = e.output.data ? e.output.data : "";
      if (o.output.len != e.output.len || memcmp(got, want, e.output.len) != 0)
        fail(file, "output:\n--- got ---\n%s--- want ---\n%s", got, want);
      if (e.error) {
        check_error(file, e.error, &o, &labels);
      } else if (o.error != ERR_NONE) {
        char got_err[400];
        snprintf(got_err, sizeof got_err, "%s at %s:%u (%s)", error_kind_name[o.error], o.error_function,
                 o.error_offset, o.error_detail);
        fail(file, "unexpected runtime error %s%s", got_err, "");
      } else if (e.result && strcmp(o.result, e.result) != 0) {
        fail(file, "result: got %s, want %s", o.result, e.result);
      }
      char got_text[100];
      if (e.fuel) {
        snprintf(got_text, sizeof got_text, "%llu", (unsigned long long)o.fuel_used);
        if (strcmp(got_text, e.fuel) != 0) fail(file, "fuel: got %s, want %s", got_text, e.fuel);
      }
      if (e.heap) {
        snprintf(got_text, sizeof got_text, "%llu objects, %llu bytes", (unsigned long long)o.heap_objects,
                 (unsigned long long)o.heap_bytes);
        if (strcmp(got_text, e.heap) != 0) fail(file, "heap: got %s, want %s", got_text, e.heap);
      }
      if (opts.tier == TIER_T1) {
        check_forms(file, e.specialized.data, &stats, false);
        check_forms(file, e.deopt.data, &stats, true);
      }
      if (has_t2) check_t2(file, e.t2.data, &t2, opts.tier);
      observation_free(&o);
      module_free(&m);
      asm_labels_free(&labels);
    }
  }
  buf_free(&src);
  buf_free(&e.output);
  free(e.result);
  free(e.error);
  free(e.fuel);
  free(e.heap);
  buf_free(&e.specialized);
  buf_free(&e.deopt);
  buf_free(&e.t2);
  printf("%s [%s/%s]: %s\n", file, tier_name[opts.tier], opts.dispatch == DISPATCH_SWITCH ? "switch" : "goto",
         failures > failures_before ? "FAIL" : "ok");
  fflush(stdout);  /* a crash in the next file leaves this one's verdict */
}

/* A count option's value, 1 .. 65535 (a t1 warmup, a trace threshold); false, said, if not. */
static bool parse_count(const char *text, const char *what, uint32_t *out) {
  char *end;
  unsigned long v = strtoul(text, &end, 10);
  *out = (uint32_t)v;
  if (*end || v < 1 || v > 65535) {
    fprintf(stderr, "bad %s %s\n", what, text);
    return false;
  }
  return true;
}

int main(int argc, char **argv) {
  RunOptions opts = run_options_default(TIER_REF);
  opts.jit = &jit_default_hooks;
  opts.warmup = 1;  /* tiny, so that specialized forms and their deopts really run */
  opts.trace_threshold = 2;  /* tiny, so that traces and their exits really run */
  int nfiles = 0;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--tier=", 7) == 0) {
      int t = tier_from_name(argv[i] + 7);
      if (t < 0) {
        fprintf(stderr, "unknown tier %s\n", argv[i] + 7);
        return 2;
      }
      opts.tier = (Tier)t;
    } else if (strncmp(argv[i], "--warmup=", 9) == 0) {
      if (!parse_count(argv[i] + 9, "warmup", &opts.warmup)) return 2;
    } else if (strncmp(argv[i], "--trace-threshold=", 18) == 0) {
      if (!parse_count(argv[i] + 18, "trace threshold", &opts.trace_threshold)) return 2;
    } else if (strcmp(argv[i], "--dispatch=switch") == 0) {
      opts.dispatch = DISPATCH_SWITCH;
    } else if (strcmp(argv[i], "--dispatch=goto") == 0) {
      opts.dispatch = DISPATCH_GOTO;
    } else if (strncmp(argv[i], "--", 2) == 0) {
      fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    } else {
      nfiles++;
    }
  }
  if (nfiles == 0) {
    fprintf(stderr, "usage: lang_runner [--tier=NAME] [--dispatch=goto|switch] [--warmup=N] [--trace-threshold=N] FILE.tas...\n");
    return 2;
  }
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], "--", 2) != 0) run_file(argv[i], opts);
  return failures ? 1 : 0;
}
