/* oracle.c: the configuration matrix, reach, comparison, divergence records and
 * signatures. Fields are named by ObsField (vm/observation.h) and their names come from
 * obs_field_name; the reach counters expand ORACLE_REACH (oracle.h). */
#include "oracle.h"
#include "jit.h"
#include "step_watch.h"
#include "trace.h"

#include <inttypes.h>
#include <string.h>

const OracleConfig oracle_configs[] = {
  {"ref", TIER_REF, DISPATCH_GOTO, 1, 1, false},
  {"ref/switch", TIER_REF, DISPATCH_SWITCH, 1, 1, true},
  {"t1", TIER_T1, DISPATCH_GOTO, 1, 1, false},
  {"t1/switch", TIER_T1, DISPATCH_SWITCH, 1, 1, false},
  {"t1/warm3", TIER_T1, DISPATCH_GOTO, 3, 1, false},
  {"t2", TIER_T2, DISPATCH_GOTO, 1, 2, false},
  {"t2-noopt", TIER_T2_NOOPT, DISPATCH_GOTO, 1, 2, false},
  {"jit", TIER_JIT, DISPATCH_GOTO, 1, 2, false},
  {"jit-noopt", TIER_JIT_NOOPT, DISPATCH_GOTO, 1, 2, false},
};
const size_t oracle_nconfigs = ARRAY_LEN(oracle_configs);
STATIC_ASSERT(ARRAY_LEN(oracle_configs) <= ORACLE_MAX_CONFIGS, "oracle matrix too large");

const char *const oracle_reach_label[REACH__COUNT] = {
#define REACH(NAME, label, summary, TIER, test, doc) label,
  ORACLE_REACH(REACH)
#undef REACH
};
const char *const oracle_reach_doc[REACH__COUNT] = {
#define REACH(NAME, label, summary, TIER, test, doc) doc,
  ORACLE_REACH(REACH)
#undef REACH
};
const Tier oracle_reach_tier[REACH__COUNT] = {
#define REACH(NAME, label, summary, TIER, test, doc) TIER,
  ORACLE_REACH(REACH)
#undef REACH
};

/* The line of text starting at *p (advancing p), without its newline. */
static size_t line_at(const char *s, size_t len, size_t *p) {
  size_t start = *p;
  while (*p < len && s[*p] != '\n') (*p)++;
  size_t n = *p - start;
  if (*p < len) (*p)++;
  return n;
}

/* The mnemonic at an error location, or "?" when the location is not an instruction. */
static const char *instruction_at(const Module *m, const char *func, uint32_t offset) {
  for (uint32_t i = 0; i < m->nfuncs; i++)
    if (func && strcmp(m->funcs[i].name, func) == 0 && offset < m->funcs[i].code_len)
      return op_info[m->funcs[i].code[offset]].name;
  return "?";
}

static void describe(const Module *m, const Observation *a, const Observation *b, ObsField field,
                     const char *bname, char *out, size_t cap) {
  switch (field) {
  case OBS_OUTPUT: {
    const char *x = a->output.data ? a->output.data : "", *y = b->output.data ? b->output.data : "";
    size_t px = 0, py = 0;
    for (unsigned line = 1;; line++) {
      size_t sx = px, sy = py;
      size_t nx = line_at(x, a->output.len, &px), ny = line_at(y, b->output.len, &py);
      bool endx = sx >= a->output.len, endy = sy >= b->output.len;
      if (endx && endy) break;
      if (endx != endy || nx != ny || memcmp(x + sx, y + sy, nx) != 0) {
        snprintf(out, cap, "output line %u: ref %s%.*s%s, %s %s%.*s%s", line, endx ? "(none)" : "\"",
                 endx ? 0 : (int)(nx > 80 ? 80 : nx), x + sx, endx ? "" : "\"", bname, endy ? "(none)" : "\"",
                 endy ? 0 : (int)(ny > 80 ? 80 : ny), y + sy, endy ? "" : "\"");
        return;
      }
    }
    snprintf(out, cap, "output differs");
    return;
  }
  case OBS_RESULT:
    snprintf(out, cap, "result: ref %.100s, %s %.100s", a->result ? a->result : "(error)", bname,
             b->result ? b->result : "(error)");
    return;
  case OBS_ERROR:
  case OBS_ERROR_LOCATION: {
    const char *ia = a->error ? instruction_at(m, a->error_function, a->error_offset) : "-";
    const char *ib = b->error ? instruction_at(m, b->error_function, b->error_offset) : "-";
    snprintf(out, cap, "error: ref %s at %s:%u (%s), %s %s at %s:%u (%s)", error_kind_name[a->error],
             a->error_function ? a->error_function : "-", a->error_offset, ia, bname, error_kind_name[b->error],
             b->error_function ? b->error_function : "-", b->error_offset, ib);
    return;
  }
  case OBS_CHECKSUM: {
    uint64_t n = a->probes < b->probes ? a->probes : b->probes;
    uint64_t first = n;
    for (uint64_t i = 0; i < n && i < OBS_PROBE_TRACE_MAX; i++)
      if (a->probe_trace[i] != b->probe_trace[i]) {
        first = i;
        break;
      }
    if (first < n)
      snprintf(out, cap, "checksum: probe #%" PRIu64 " (of %" PRIu64 ") is the first to differ", first, n);
    else if (a->probes != b->probes)
      snprintf(out, cap, "checksum: ref ran %" PRIu64 " probes, %s %" PRIu64, a->probes, bname, b->probes);
    else
      snprintf(out, cap, "checksum: the first %d probes agree; a later one differs", OBS_PROBE_TRACE_MAX);
    return;
  }
  case OBS_FUEL:
    snprintf(out, cap, "fuel: ref %" PRIu64 ", %s %" PRIu64, a->fuel_used, bname, b->fuel_used);
    return;
  case OBS_HEAP_OBJECTS:
  case OBS_HEAP_BYTES:
    snprintf(out, cap, "%s: ref %" PRIu64 " objects %" PRIu64 " bytes, %s %" PRIu64 " objects %" PRIu64 " bytes",
             obs_field_name[field], a->heap_objects, a->heap_bytes, bname, b->heap_objects, b->heap_bytes);
    return;
  case OBS_FRAME_STATE:
    snprintf(out, cap, "frame state: %s: %" PRIu64 " hand-backs differ; %s", bname, b->frame_state,
             b->frame_state_detail ? b->frame_state_detail : "");
    return;
  case OBS_AGREE:
  case OBS_ERROR_DETAIL:  /* not compared */
  case OBS_PROBES:
  case OBS__COUNT:
    break;
  }
  snprintf(out, cap, "%s differs", obs_field_name[field < OBS__COUNT ? field : OBS_AGREE]);
}

static uint32_t fnv32(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

/* Signatures: the same string whenever the same bug is found again, in any program.
 *
 *   SIGNATURE = FIELD "-" TIER "-" HASH      HASH: FNV-1a of FIELD "|" TIER "|" KEY
 *   KEY       = CONFIGS ";" FIRST [";" DETAIL]
 *
 * KEY (OracleResult.signature_key, also in the report) describes the divergence in
 * words that do not depend on where in the program it happened: no function names,
 * offsets, probe numbers, line numbers or values. The rule is to describe the first
 * visible difference and nothing after it: once values have gone wrong, where and how
 * the runs end depends on the program, not on the bug.
 *
 *   CONFIGS  which configurations of the disagreeing tier disagree with ref: the warmup
 *            of the first one, and among those with that warmup the dispatch modes
 *            ("w1:goto+switch"; a dispatch bug shows in one mode, a semantic bug in
 *            both; a bug that needs another warmup shows as "w3:goto").
 *   FIRST    the earliest evidence, and DETAIL what it shows:
 *            "probe": one of the first 64 probes differs (for the checksum field, also
 *              a later one with equal probe counts). No DETAIL: the VM does not record
 *              which instruction ran a probe, nor the probed value's kind.
 *            "print": a printed line differs on both sides. DETAIL: "same" when the two
 *              values printed have the same kind (a wrong value), else their kinds,
 *              "int/float".
 *            "end": nothing differs before a run ends (or prints a line the other
 *              does not). DETAIL by field:
 *              - result, when both returned: "same" or the two kinds, as for print;
 *              - fuel, checksum (probe counts), heap fields: "more" or "fewer" for the
 *                disagreeing run (both runs end alike, so their ends add nothing);
 *              - otherwise how each run ended, "REF/OTHER" (run_end): a resource limit
 *                is named ("fuel", "depth", "heap", "output": where a budget runs out
 *                says nothing about the bug) and the other run is then "done", however
 *                it ended; else the run that went further (progress_order) is "on", and
 *                the one that stopped first "ok" or its error kind; when neither went
 *                further, an error also names the instruction that raised it,
 *                "division_by_zero@idiv".
 * docs/fuzzing.md section 3.5 has examples and measurements. */

/* The kind of a value from its rendering (a result is rendered canonically; a printed
   line shows strings raw, so a printed "12" counts as an int). NULL: absent. */
static const char *text_kind(const char *s, size_t n) {
  if (!s) return "none";
  if (n == 0) return "string";
  static const struct {
    const char *text, *kind;
  } words[] = {{"nil", "nil"}, {"true", "bool"}, {"false", "bool"}, {"nan", "float"}, {"inf", "float"}, {"-inf", "float"}};
  for (size_t i = 0; i < ARRAY_LEN(words); i++)
    if (n == strlen(words[i].text) && memcmp(s, words[i].text, n) == 0) return words[i].kind;
  if (s[0] == '[') return "array";
  if (s[0] == '"') return "string";
  if (n > 10 && memcmp(s, "<function ", 10) == 0) return "function";
  size_t i = s[0] == '-' ? 1 : 0, digits = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
  if (digits == 0) return "string";
  if (i == n) return "int";
  bool fraction = false;
  if (s[i] == '.') {
    fraction = true;
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
  }
  if (i < n && s[i] == 'e') {
    fraction = true;
    i++;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
  }
  return fraction && i == n ? "float" : "string";
}

/* The first output line that differs: its text on each side (NULL when one side has
   no such line). Returns false when the outputs agree. */
static bool first_output_difference(const Observation *a, const Observation *b, const char **xa, size_t *na,
                                    const char **xb, size_t *nb) {
  const char *x = a->output.data ? a->output.data : "", *y = b->output.data ? b->output.data : "";
  size_t px = 0, py = 0;
  for (;;) {
    size_t sx = px, sy = py;
    size_t nx = line_at(x, a->output.len, &px), ny = line_at(y, b->output.len, &py);
    bool endx = sx >= a->output.len, endy = sy >= b->output.len;
    if (endx && endy) return false;
    if (endx != endy || nx != ny || memcmp(x + sx, y + sy, nx) != 0) {
      *xa = endx ? NULL : x + sx;
      *na = nx;
      *xb = endy ? NULL : y + sy;
      *nb = ny;
      return true;
    }
  }
}

static bool first_probe_differs(const Observation *a, const Observation *b) {
  uint64_t n = a->probes < b->probes ? a->probes : b->probes;
  for (uint64_t i = 0; i < n && i < OBS_PROBE_TRACE_MAX; i++)
    if (a->probe_trace[i] != b->probe_trace[i]) return true;
  return false;
}

static bool is_limit(ErrorKind k) { return k == ERR_FUEL || k == ERR_DEPTH || k == ERR_HEAP || k == ERR_OUTPUT; }

static const char *compare_counts(uint64_t ref, uint64_t other) {
  return other > ref ? "more" : other < ref ? "fewer" : "same";
}

/* "same" when both values have the same kind, else "KIND/KIND". */
static void compare_kinds(const char *xa, size_t na, const char *xb, size_t nb, char *out, size_t cap) {
  const char *ka = text_kind(xa, na), *kb = text_kind(xb, nb);
  if (strcmp(ka, kb) == 0) snprintf(out, cap, "same");
  else snprintf(out, cap, "%s/%s", ka, kb);
}

/* Which run stopped first, as far as the observations show: fuel used (loop edges and
   calls run), then probes run, then bytes printed. Negative when a stopped before b,
   positive when after, 0 when they stopped at the same point. */
static int progress_order(const Observation *a, const Observation *b) {
  if (a->fuel_used != b->fuel_used) return a->fuel_used < b->fuel_used ? -1 : 1;
  if (a->probes != b->probes) return a->probes < b->probes ? -1 : 1;
  if (a->output.len != b->output.len) return a->output.len < b->output.len ? -1 : 1;
  return 0;
}

/* How run o ended, for the key (see above); other is the other run. */
static void run_end(const Module *m, const Observation *o, const Observation *other, char *out, size_t cap) {
  int order = progress_order(o, other);
  if (is_limit(o->error)) snprintf(out, cap, "%s", error_kind_name[o->error]);
  else if (is_limit(other->error)) snprintf(out, cap, "done");
  else if (order > 0) snprintf(out, cap, "on");
  else if (o->error == ERR_NONE) snprintf(out, cap, "ok");
  else if (order < 0) snprintf(out, cap, "%s", error_kind_name[o->error]);
  else snprintf(out, cap, "%s@%s", error_kind_name[o->error], instruction_at(m, o->error_function, o->error_offset));
}

static void signature_key(const Module *m, const OracleResult *r, char *key, size_t cap) {
  const Observation *a = &r->obs[0], *b = &r->obs[r->other];
  const OracleConfig *cfg = &oracle_configs[r->other];
  bool goto_differs = false, switch_differs = false;
  for (size_t c = 1; c < oracle_nconfigs; c++)
    if (oracle_configs[c].tier == cfg->tier && oracle_configs[c].warmup == cfg->warmup &&
        observation_diff(a, &r->obs[c]) != OBS_AGREE) {
      if (oracle_configs[c].dispatch == DISPATCH_GOTO) goto_differs = true;
      else switch_differs = true;
    }
  char configs[40];
  snprintf(configs, sizeof configs, "w%u:%s", cfg->warmup,
           goto_differs && switch_differs ? "goto+switch" : goto_differs ? "goto" : "switch");

  const char *xa = NULL, *xb = NULL;
  size_t na = 0, nb = 0;
  bool output_differs = first_output_difference(a, b, &xa, &na, &xb, &nb);
  char kinds[40];
  if (first_probe_differs(a, b) || (r->field == OBS_CHECKSUM && a->probes == b->probes)) {
    snprintf(key, cap, "%s;probe", configs);
    return;
  }
  if (output_differs && xa && xb) {
    compare_kinds(xa, na, xb, nb, kinds, sizeof kinds);
    snprintf(key, cap, "%s;print;%s", configs, kinds);
    return;
  }
  /* The end of the runs: what it shows depends on the field. */
  const char *counts = NULL;
  switch (r->field) {
  case OBS_RESULT:
    if (a->result && b->result) {
      compare_kinds(a->result, strlen(a->result), b->result, strlen(b->result), kinds, sizeof kinds);
      snprintf(key, cap, "%s;end;%s", configs, kinds);
      return;
    }
    break;
  case OBS_FUEL: counts = compare_counts(a->fuel_used, b->fuel_used); break;
  case OBS_CHECKSUM: counts = compare_counts(a->probes, b->probes); break;
  case OBS_HEAP_OBJECTS: counts = compare_counts(a->heap_objects, b->heap_objects); break;
  case OBS_HEAP_BYTES: counts = compare_counts(a->heap_bytes, b->heap_bytes); break;
  case OBS_FRAME_STATE:
    snprintf(key, cap, "%s;state;%s", configs, trace_op_name((int)b->frame_state_op));
    return;
  case OBS_OUTPUT:
  case OBS_ERROR:
  case OBS_ERROR_LOCATION:
    break;
  case OBS_AGREE:
  case OBS_ERROR_DETAIL:  /* not compared */
  case OBS_PROBES:
  case OBS__COUNT:
    break;
  }
  if (counts) {
    snprintf(key, cap, "%s;end;%s", configs, counts);
    return;
  }
  char end_a[48], end_b[48];
  run_end(m, a, b, end_a, sizeof end_a);
  run_end(m, b, a, end_b, sizeof end_b);
  snprintf(key, cap, "%s;end;%s/%s", configs, end_a, end_b);
}

const char *volatile oracle_running;

/* Whether any opcode's count is nonzero (ORACLE_REACH's tests). */
static bool oracle_any_op(const uint64_t count[OP__ALL]) {
  for (int op = 0; op < OP__ALL; op++)
    if (count[op]) return true;
  return false;
}

/* Whether a t1 form guarded on a shape or class version deopted (ORACLE_REACH). */
static bool oracle_attr_deopted(const T1Stats *t1) {
  for (int op = OP__COUNT; op < OP__ALL; op++)
    if (t1->deopts[op] && (uop_info[spec_info(op)->guard].flags & UOPF_OBJECT_GUARD)) return true;
  return false;
}

/* Whether compiled code left at a shape or class-version guard (ORACLE_REACH). */
static bool oracle_obj_exited(const T2Stats *t2) {
  for (int u = 0; u < UOP__COUNT; u++)
    if (t2->jit_left_op[u] && (uop_info[u].flags & UOPF_OBJECT_GUARD)) return true;
  return false;
}

uint32_t oracle_config_warmup(size_t c, OracleKnobs knobs) {
  const OracleConfig *cfg = &oracle_configs[c];
  return cfg->warmup != 1 && knobs.warmup ? knobs.warmup : cfg->warmup;
}

bool oracle_frame_state_check = true;

/* Runs configuration c; with hand_backs, a run with traces logs its hand-backs there
   for the caller to check, else it checks them itself. */
static void run_config(const Module *m, size_t c, Limits limits, Fault fault, OracleKnobs knobs,
                       const SwitchedOff *off, Observation *obs, T1Stats *t1_stats, T2Stats *t2_stats,
                       StepWatch *hand_backs);

/* The frame-state check: ref runs in the interpreter with steps, digesting its state at
   each place of the logs (nlogs runs with traces, each log the hand-backs in the order
   they happened, so by fuel); in each run, each hand-back that differs from ref's state
   there, or that ref never reached, counts in its observation's frame_state, and the
   first is described. With ref_obs, that run is the one of config ref_config
   (checks_frames), whose observation it fills: with no hand-backs to check, that config
   runs as it is. Without, it is a run of its own. */
static void check_frame_states(const Module *m, Limits limits, Fault fault, const StepWatch *logs, size_t nlogs,
                               Observation *const *obs, size_t ref_config, Observation *ref_obs) {
  size_t n = 0;
  for (size_t l = 0; l < nlogs; l++) n += logs[l].n;
  if (!n) {
    if (ref_obs) run_config(m, ref_config, limits, fault, (OracleKnobs){0, 0, 0}, NULL, ref_obs, NULL, NULL, NULL);
    return;
  }
  /* The logs merged by fuel; from[i]: the log of want[i] */
  StepMark *want = xmalloc(n * sizeof *want);
  uint8_t *from = xmalloc(n);
  size_t at[ORACLE_MAX_CONFIGS] = {0};
  for (size_t i = 0; i < n; i++) {
    size_t best = nlogs;
    for (size_t l = 0; l < nlogs; l++)
      if (at[l] < logs[l].n && (best == nlogs || logs[l].marks[at[l]].fuel < logs[best].marks[at[best]].fuel)) best = l;
    want[i] = logs[best].marks[at[best]++];
    from[i] = (uint8_t)best;
  }
  StepWatch w;
  step_watch_want(&w, want, n);
  RunOptions o = run_options_default(TIER_REF);
  o.limits = limits;
  o.fault = fault;
  o.watch = &w;
  Observation own, *ref = ref_obs ? ref_obs : &own;
  memset(ref, 0, sizeof *ref);
  if (ref_obs) oracle_running = oracle_configs[ref_config].name;
  vm_run_module(m, &o, ref);
  oracle_running = NULL;
  if (!ref_obs) observation_free(&own);
  for (size_t i = 0; i < n; i++) {
    const StepMark *t = &want[i], *r = &w.marks[i];
    Observation *ob = obs[from[i]];
    if (r->digest == t->digest) continue;
    if (!ob->frame_state++) {
      char text[200];
      snprintf(text, sizeof text, "the state handed back by %s at %s:%u (fuel %" PRIu64 ", depth %u) %s",
               trace_op_name((int)t->op), m->funcs[t->func].name, t->pc, t->fuel, t->depth,
               r->digest ? "differs from ref's there" : "is at a place ref never reached");
      ob->frame_state_op = t->op;
      ob->frame_state_detail = xstrndup(text, strlen(text));
    }
  }
  step_watch_free(&w);
  free(want);
  free(from);
}

void oracle_run_config(const Module *m, size_t c, Limits limits, Fault fault, OracleKnobs knobs,
                       const SwitchedOff *off, Observation *obs, T1Stats *t1_stats, T2Stats *t2_stats) {
  run_config(m, c, limits, fault, knobs, off, obs, t1_stats, t2_stats, NULL);
}

void oracle_run_config_logged(const Module *m, size_t c, Limits limits, Fault fault, OracleKnobs knobs,
                              const SwitchedOff *off, Observation *obs, StepWatch *hand_backs) {
  run_config(m, c, limits, fault, knobs, off, obs, NULL, NULL, hand_backs);
}

static void run_config(const Module *m, size_t c, Limits limits, Fault fault, OracleKnobs knobs,
                       const SwitchedOff *off, Observation *obs, T1Stats *t1_stats, T2Stats *t2_stats,
                       StepWatch *hand_backs) {
  const OracleConfig *cfg = &oracle_configs[c];
  RunOptions o = run_options_default(cfg->tier);
  o.jit = &jit_default_hooks;
  o.dispatch = cfg->dispatch;
  o.limits = limits;
  o.warmup = oracle_config_warmup(c, knobs);
  o.trace_threshold = tier_traces(cfg->tier) && knobs.threshold ? knobs.threshold : cfg->trace_threshold;
  if (knobs.nesting) o.max_nested = knobs.nesting;
  o.fault = fault;
  if (off) o.off = *off;
  if (cfg->tier != TIER_REF) o.stats = t1_stats;
  if (tier_traces(cfg->tier)) o.t2_stats = t2_stats;
  StepWatch log = {0};
  bool check = oracle_frame_state_check && tier_traces(cfg->tier);
  if (check) o.hand_backs = hand_backs ? hand_backs : &log;
  oracle_running = cfg->name;
  vm_run_module(m, &o, obs);
  if (check && !hand_backs) check_frame_states(m, limits, fault, &log, 1, &obs, 0, NULL);
  oracle_running = NULL;
  step_watch_free(&log);
}

void oracle_run(const Module *m, Limits limits, Fault fault, OracleResult *r) {
  oracle_run_knobs(m, limits, fault, (OracleKnobs){0, 0, 0}, r);
}

void oracle_run_knobs(const Module *m, Limits limits, Fault fault, OracleKnobs knobs, OracleResult *r) {
  memset(r, 0, sizeof *r);
  r->knobs = knobs;
  StepWatch logs[ORACLE_MAX_CONFIGS];  /* the runs with traces: their hand-backs, checked at once */
  Observation *logged[ORACLE_MAX_CONFIGS];
  size_t nlogs = 0;
  /* The configs in table order, but the one that checks frames after the others */
  size_t order[ORACLE_MAX_CONFIGS], norder = 0, frames_config = oracle_nconfigs;
  for (size_t c = 0; c < oracle_nconfigs; c++) {
    if (oracle_frame_state_check && oracle_configs[c].checks_frames) frames_config = c;
    else order[norder++] = c;
  }
  if (frames_config < oracle_nconfigs) order[norder++] = frames_config;
  for (size_t k = 0; k < norder; k++) {
    size_t c = order[k];
    const OracleConfig *cfg = &oracle_configs[c];
    T1Stats t1_stats;
    T2Stats t2_stats;
    memset(&t1_stats, 0, sizeof t1_stats);
    memset(&t2_stats, 0, sizeof t2_stats);
    StepWatch *log = NULL;
    if (tier_traces(cfg->tier)) {
      log = &logs[nlogs];
      *log = (StepWatch){0};
      logged[nlogs++] = &r->obs[c];
    }
    if (c == frames_config) {
      check_frame_states(m, limits, fault, logs, nlogs, logged, c, &r->obs[c]);
      for (size_t l = 0; l < nlogs; l++) step_watch_free(&logs[l]);
    } else {
      run_config(m, c, limits, fault, knobs, NULL, &r->obs[c], cfg->tier == TIER_T1 ? &t1_stats : NULL, &t2_stats,
                 log);
    }
    /* The names ORACLE_REACH's tests read. The stats are kept only for the tiers the
       tests and the coverage read them for: t1's for the t1 tiers alone, whose counting
       would slow the others. */
    const T1Stats *t1 = &t1_stats;
    const T2Stats *t2 = &t2_stats;
    const Observation *obs = &r->obs[c];
    (void)t1;
    (void)t2;
    (void)obs;
#define REACH(NAME, label, summary, TIER, test, doc) \
    if (cfg->tier == (TIER) && !r->reached[REACH_##NAME]) r->reached[REACH_##NAME] = (test);
    ORACLE_REACH(REACH)
#undef REACH
    if (cfg->tier == TIER_T1)
      for (int op = 0; op < OP__ALL; op++) r->executed += t1_stats.executed[op];
    r->jit_uops += t2_stats.jit_uops;
    r->jit_compile_ns += t2_stats.jit_compile_ns;
    coverage_note(&r->coverage, cfg->tier, cfg->tier == TIER_T1 ? &t1_stats : NULL,
                  tier_traces(cfg->tier) ? &t2_stats : NULL);
  }
  if (oracle_frame_state_check && frames_config == oracle_nconfigs) {  /* no config checks frames: a run of its own */
    check_frame_states(m, limits, fault, logs, nlogs, logged, 0, NULL);
    for (size_t l = 0; l < nlogs; l++) step_watch_free(&logs[l]);
  }
  for (size_t c = 1; c < oracle_nconfigs && !r->diverged; c++) {
    ObsField field = observation_diff(&r->obs[0], &r->obs[c]);
    if (field == OBS_AGREE) continue;
    r->diverged = true;
    r->other = c;
    r->field = field;
    describe(m, &r->obs[0], &r->obs[c], field, oracle_configs[c].name, r->where, sizeof r->where);
    signature_key(m, r, r->signature_key, sizeof r->signature_key);
    char basis[256];
    snprintf(basis, sizeof basis, "%s|%s|%s", obs_field_name[field], tier_name[oracle_configs[c].tier],
             r->signature_key);
    char field_word[32];
    snprintf(field_word, sizeof field_word, "%s", obs_field_name[field]);
    for (char *p = field_word; *p; p++)
      if (*p == ' ') *p = '_';
    snprintf(r->signature, sizeof r->signature, "%s-%s-%08x", field_word, tier_name[oracle_configs[c].tier],
             fnv32(basis));
  }
}

void oracle_result_free(OracleResult *r) {
  for (size_t c = 0; c < oracle_nconfigs; c++) observation_free(&r->obs[c]);
}

void oracle_report(const Module *m, const OracleResult *r, Buf *out) {
  (void)m;
  if (r->diverged) {
    buf_printf(out, "DIVERGENCE %s: %s differs between %s and %s\n  %s\n  signature key: %s\n", r->signature,
               obs_field_name[r->field], oracle_configs[0].name, oracle_configs[r->other].name, r->where, r->signature_key);
  } else {
    buf_printf(out, "all %zu configurations agree\n", oracle_nconfigs);
  }
  buf_printf(out, "  %-12s %-40s %8s %12s %-16s %s\n", "config", "result or error", "output", "fuel", "checksum",
             "heap");
  for (size_t c = 0; c < oracle_nconfigs; c++) {
    const Observation *o = &r->obs[c], *ref = &r->obs[0];
    /* '!' before each column that differs from ref. */
    bool d = c && observation_diff(ref, o) != OBS_AGREE;
    char what[64];
    if (o->error) snprintf(what, sizeof what, "%s at %s:%u", error_kind_name[o->error], o->error_function, o->error_offset);
    else snprintf(what, sizeof what, "%.40s", o->result);
#define DIFFERS(NAME) (c && !observation_field_same(OBS_##NAME, ref, o))
    bool res_d = DIFFERS(RESULT) || DIFFERS(ERROR) || DIFFERS(ERROR_LOCATION);
    bool out_d = DIFFERS(OUTPUT), fuel_d = DIFFERS(FUEL), sum_d = DIFFERS(CHECKSUM);
    bool heap_d = DIFFERS(HEAP_OBJECTS) || DIFFERS(HEAP_BYTES);
#undef DIFFERS
    buf_printf(out, "%c %-12s %c%-39s %c%7zu %c%11" PRIu64 " %c%016" PRIx64 " %c%" PRIu64 "/%" PRIu64 "B\n",
               d ? '!' : ' ', oracle_configs[c].name, res_d ? '!' : ' ', what, out_d ? '!' : ' ', o->output.len,
               fuel_d ? '!' : ' ', o->fuel_used, sum_d ? '!' : ' ', o->checksum, heap_d ? '!' : ' ',
               o->heap_objects, o->heap_bytes);
  }
}
