/* localize.c: culprits by switching parts of a tier off (localize.h). */
#include "localize.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jit.h"
#include "step_watch.h"

#define FORM_WORDS ((OP__ALL + 63) / 64)

/* One configuration's runs against ref's observation. */
typedef struct {
  const Module *m;
  size_t c;
  Limits limits;
  Fault fault;
  OracleKnobs knobs;
  const Observation *ref;
  Localization *out;
  ObsField field;        /* the first field the configuration disagrees in */
  bool noopt_disagrees;  /* the same tier without the optimizer disagrees with ref too */
  bool trace;            /* TESSERA_LOCALIZE_TRACE: every run on stderr */
  T1Stats t1;  /* the statistics of the last run */
  T2Stats t2;
} Trial;

/* One line on stderr per run, with TESSERA_LOCALIZE_TRACE set: what was off, and whether
   the run then agreed. */
static void describe_run(const SwitchedOff *off, bool same) {
  fprintf(stderr, "[localize]");
  if (!off) fprintf(stderr, " nothing off");
  if (off && off->t1_forms) fprintf(stderr, " t1 forms off;");
  if (off && off->renew_all_classes) fprintf(stderr, " every class renewed;");
  if (off && off->hints_unused) fprintf(stderr, " map hints unused;");
  if (off && off->opt_rules) fprintf(stderr, " optimizer rules %#llx off;", (unsigned long long)off->opt_rules);
  if (off && off->every_check) fprintf(stderr, " a finalizer check before every trace instruction;");
  if (off && off->instance_branches) fprintf(stderr, " every instance's truth left to the interpreter;");
  if (off && off->no_handler_traces) fprintf(stderr, " no handler traces;");
  if (off && off->no_direct_finalizers) fprintf(stderr, " no direct finalizer calls;");
  if (off && off->t2_upto) fprintf(stderr, " only executors up to %u run;", off->t2_id);
  if (off && off->cut) fprintf(stderr, " traces cut after %u instructions;", off->trace_insts);
  if (off && off->jit_below) fprintf(stderr, " executors below %u compiled;", off->jit_id);
  if (off && off->jit_part) fprintf(stderr, " compiled up to uop %u;", off->jit_uops);
  fprintf(stderr, " %s\n", same ? "agrees" : "disagrees");
}

/* Whether the configuration, with the parts in off switched off (NULL: none), agrees
   with ref; its statistics into the trial. */
static bool agrees(Trial *tr, const SwitchedOff *off) {
  Observation obs;
  memset(&tr->t1, 0, sizeof tr->t1);
  memset(&tr->t2, 0, sizeof tr->t2);
  oracle_run_config(tr->m, tr->c, tr->limits, tr->fault, tr->knobs, off, &obs, &tr->t1, &tr->t2);
  tr->out->runs++;
  bool same = observation_diff(tr->ref, &obs) == OBS_AGREE;
  if (tr->trace) describe_run(off, same);
  observation_free(&obs);
  return same;
}

static void say(char *dst, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(dst, cap, fmt, ap);
  va_end(ap);
}

#define VERDICT(...) say(tr->out->verdict, sizeof tr->out->verdict, __VA_ARGS__)

/* Names the culprit: in words, and as the bug-level signature (words joined by '-'). */
static void blame(Trial *tr, const char *culprit) {
  Localization *out = tr->out;
  out->found = true;
  say(out->culprit, sizeof out->culprit, "%s", culprit);
  size_t n = 0;
  for (const char *p = culprit; *p && n + 1 < sizeof out->signature; p++)
    if (*p == ' ' || *p == '(' || *p == ')') {
      if (n && out->signature[n - 1] != '-') out->signature[n++] = '-';
    } else {
      out->signature[n++] = *p;
    }
  while (n && out->signature[n - 1] == '-') n--;
  out->signature[n] = '\0';
}

/* ---- The first place where t1's state leaves ref's (vm/step_watch.h) ---- */

/* Runs ref or t1 (at the configuration's warm-up, with the forms in forms_off never
   chosen) with the interpreter that marks places under w. */
static void run_watched(Trial *tr, Tier tier, const uint64_t *forms_off, StepWatch *w, Observation *obs) {
  RunOptions o = run_options_default(tier);
  o.limits = tr->limits;
  o.warmup = oracle_config_warmup(tr->c, tr->knobs);
  o.fault = tr->fault;
  o.off.t1_forms = forms_off;
  o.watch = w;
  vm_run_module(tr->m, &o, obs);
  observation_free(obs);
  tr->out->runs++;
}

static bool same_place(const StepMark *a, const StepMark *b) {
  return a->depth == b->depth && a->func == b->func && a->pc == b->pc;
}

/* Whether ref and t1 reach the first place after `fuel` units in the same state, or
   neither reaches it. */
static bool same_after_fuel(Trial *tr, const uint64_t *forms_off, uint64_t fuel) {
  StepWatch r = {.fuel = fuel}, t = {.fuel = fuel};
  Observation obs;
  run_watched(tr, TIER_REF, NULL, &r, &obs);
  run_watched(tr, TIER_T1, forms_off, &t, &obs);
  bool same = r.n == t.n && (!r.n || (same_place(&r.marks[0], &t.marks[0]) && r.marks[0].digest == t.marks[0].digest));
  step_watch_free(&r);
  step_watch_free(&t);
  return same;
}

/* The place of the instruction after which t1's state (frames, operand stacks,
   globals, output, probes) first differs from ref's, as t1 marked it (its op: the form
   t1 ran there), into *at. First the fuel: the smallest F such that the first places
   after F units differ, by bisection (the first place of a run is the same in both);
   then every place of the stretch between F - 1 and F units, in both, matched by name
   (t1 may skip an instruction a fused form ran, or dispatch one twice). The culprit is
   the last place both reach in the same state. hi: the fuel the longer run used. */
static bool first_difference(Trial *tr, const uint64_t *forms_off, uint64_t hi, StepMark *at) {
  uint64_t agree = 0, differ = hi + 1;  /* after the last unit, the observations differ */
  if (!same_after_fuel(tr, forms_off, 0)) return false;
  while (differ - agree > 1) {
    uint64_t mid = agree + (differ - agree) / 2;
    if (same_after_fuel(tr, forms_off, mid)) agree = mid;
    else differ = mid;
  }
  StepWatch r = {.fuel = agree, .every = true}, t = {.fuel = agree, .every = true};
  Observation obs;
  run_watched(tr, TIER_REF, NULL, &r, &obs);
  run_watched(tr, TIER_T1, forms_off, &t, &obs);
  size_t k = 0, last = 0;
  bool found = false, any = false;
  for (size_t i = 0; i < r.n && !found; i++) {
    size_t j = k;
    while (j < t.n && !same_place(&r.marks[i], &t.marks[j])) j++;
    if (j == t.n) continue;  /* skipped by t1, or where t1 never went */
    if (r.marks[i].digest != t.marks[j].digest) {
      found = true;
    } else {
      last = j, k = j + 1, any = true;
    }
  }
  /* The last place both reached in the same state: after it the state differs, or one
     run goes where the other does not (ends, raises, branches), or, the last place of
     the stretch in both, the next stretch begins differently. */
  bool named = any;
  if (named) *at = t.marks[last];
  step_watch_free(&r);
  step_watch_free(&t);
  return named;
}

/* Names the instruction after which t1's state first leaves ref's, with the forms in
   forms_off never chosen: by its form ("t1 form get_map_string") or, generic, as the
   runtime every tier above ref shares ("t1 runtime set"). hi: the fuel the longer run
   used. Answers whether one was named. */
static bool blame_first_difference(Trial *tr, const uint64_t *forms_off, uint64_t hi, const char *forms_said) {
  StepMark at;
  if (!first_difference(tr, forms_off, hi, &at)) return false;
  const char *op = opcode_name((int)at.op);
  char culprit[96];
  say(culprit, sizeof culprit, "t1 %s %s", at.op >= OP__COUNT ? "form" : "runtime", op);
  blame(tr, culprit);
  VERDICT("%s: %s, and t1's state (frames, operand stacks, globals, output, probes) first differs from ref's after "
          "%s at %s:%u, %llu units of fuel in",
          culprit, forms_said, op, tr->m->funcs[at.func].name, at.pc, (unsigned long long)at.fuel);
  return true;
}

/* The fuel the longer of ref's run and t1's (forms_off never chosen) uses, and whether
   t1's observation differs from ref's. */
static bool t1_differs(Trial *tr, const uint64_t *forms_off, uint64_t *hi) {
  RunOptions o = run_options_default(TIER_T1);
  o.limits = tr->limits;
  o.warmup = oracle_config_warmup(tr->c, tr->knobs);
  o.fault = tr->fault;
  o.off.t1_forms = forms_off;
  Observation obs;
  vm_run_module(tr->m, &o, &obs);
  tr->out->runs++;
  bool differs = observation_diff(tr->ref, &obs) != OBS_AGREE;
  *hi = obs.fuel_used > tr->ref->fuel_used ? obs.fuel_used : tr->ref->fuel_used;
  observation_free(&obs);
  return differs;
}

/* A configuration that disagrees in the frame state alone may owe it to the t1 its
   traces hand back to, though t1 alone, which hands nothing back, agrees: a t1 form
   that computes a wrong value into a local the program overwrites before it shows.
   Answers whether t1 alone (at the configuration's warm-up) and ref, each digesting its
   state at the places where the configuration handed back, differ at one of them. */
static bool t1_state_differs(Trial *tr) {
  StepWatch log = {0};
  Observation obs;
  oracle_run_config_logged(tr->m, tr->c, tr->limits, tr->fault, tr->knobs, NULL, &obs, &log);
  observation_free(&obs);
  tr->out->runs++;
  bool differs = false;
  if (log.n) {
    StepWatch r, t;
    step_watch_want(&r, log.marks, log.n);
    step_watch_want(&t, log.marks, log.n);
    run_watched(tr, TIER_REF, NULL, &r, &obs);
    run_watched(tr, TIER_T1, NULL, &t, &obs);
    for (size_t i = 0; i < log.n && !differs; i++)
      differs = r.marks[i].digest && t.marks[i].digest && r.marks[i].digest != t.marks[i].digest;
    step_watch_free(&r);
    step_watch_free(&t);
  }
  step_watch_free(&log);
  return differs;
}

/* The runtime t1 and the tiers above it share: with every t1 form off, does t1 still
   disagree with ref? Then the instruction after which its state first leaves ref's is
   named. Answers whether it was. */
static bool localize_runtime(Trial *tr) {
  uint64_t all[FORM_WORDS], hi;
  memset(all, 0xff, sizeof all);
  return t1_differs(tr, all, &hi) &&
         blame_first_difference(tr, all, hi, "with every t1 form off, t1 still disagrees with ref");
}

/* What t1's forms rely on beyond their own guards, each with a switch that stops
   relying on it: a cache gone stale is named by its mechanism, whichever forms read it.
   neutral: with a right cache, the switch changes nothing but speed (a hint is only
   a place to look first), so it is tried for the trace tiers too before their traces
   are cut; renewing every class instead makes caches miss and traces invalidate, and
   a program can then take another path. */
static const struct {
  const char *culprit, *how;
  SwitchedOff off;
  bool neutral;
} t1_mechanisms[] = {
    {"t1 class versions", "with every class renewed whenever one changes", {.renew_all_classes = true}, false},
    {"t1 map hints", "with map lookups never trusting t1's hints", {.hints_unused = true}, true},
};

/* The first of t1's mechanisms (all, or the neutral ones) whose switch makes the run
   agree, named. */
static bool blame_t1_mechanism(Trial *tr, bool neutral_only) {
  for (size_t i = 0; i < ARRAY_LEN(t1_mechanisms); i++)
    if ((t1_mechanisms[i].neutral || !neutral_only) && agrees(tr, &t1_mechanisms[i].off)) {
      blame(tr, t1_mechanisms[i].culprit);
      VERDICT("%s: %s, %s agrees with ref", t1_mechanisms[i].culprit, t1_mechanisms[i].how,
              oracle_configs[tr->c].name);
      return true;
    }
  return false;
}

/* Each specialized form the run chose, switched off alone (the instruction left
   generic); the first that makes the run agree is named. chosen, nchosen: the forms. */
static bool blame_t1_form_alone(Trial *tr, uint64_t chosen[FORM_WORDS], unsigned *nchosen) {
  const char *name = oracle_configs[tr->c].name;
  (void)agrees(tr, NULL);  /* the forms it chose */
  *nchosen = 0;
  for (int op = OP__COUNT; op < OP__ALL; op++)
    if (tr->t1.specialized[op]) {
      bit_set(chosen, (uint32_t)op);
      ++*nchosen;
    }
  for (int op = OP__COUNT; op < OP__ALL; op++) {
    if (!bit_test(chosen, (uint32_t)op)) continue;
    uint64_t one[FORM_WORDS] = {0};
    bit_set(one, (uint32_t)op);
    if (agrees(tr, &(SwitchedOff){.t1_forms = one})) {
      char culprit[96];
      say(culprit, sizeof culprit, "t1 form %s", opcode_name(op));
      blame(tr, culprit);
      VERDICT("t1 form %s: with it switched off (the instruction left generic), %s agrees with ref", opcode_name(op), name);
      return true;
    }
  }
  return false;
}

/* t1: the mechanisms its forms rely on, then each form the run chose, switched off
   alone, then the first difference. Answers whether one was named. */
static bool localize_t1(Trial *tr) {
  const char *name = oracle_configs[tr->c].name;
  if (blame_t1_mechanism(tr, false)) return true;
  uint64_t chosen[FORM_WORDS] = {0};
  unsigned nchosen;
  if (blame_t1_form_alone(tr, chosen, &nchosen)) return true;
  uint64_t hi;
  if (nchosen && agrees(tr, &(SwitchedOff){.t1_forms = chosen})) {
    char said[160];
    say(said, sizeof said, "with all %u forms t1 chose switched off %s agrees with ref, with any one off it does not",
        nchosen, name);
    if (t1_differs(tr, NULL, &hi) && blame_first_difference(tr, NULL, hi, said)) return true;
    VERDICT("t1's forms together: %s", said);
  } else
    VERDICT("not t1's forms: with all %u it chose switched off, %s still disagrees with ref", nchosen, name);
  return false;
}

/* How a bisection sets its number into the switches. */
static void set_cut(SwitchedOff *off, uint32_t n) {
  off->cut = true;
  off->trace_insts = n;
}
static void set_compiled(SwitchedOff *off, uint32_t n) {
  off->jit_part = true;
  off->jit_uops = n;
}
static void set_jit_below(SwitchedOff *off, uint32_t n) {  /* executors with ids below n compiled */
  off->jit_below = true;
  off->jit_id = n;
}
static void set_t2_below(SwitchedOff *off, uint32_t n) {  /* executors with ids below n run, n - 1 cut */
  off->t2_upto = true;
  off->t2_id = n - 1;
}

/* Into *n, the smallest n in 1..hi at which the run, with off and set(off, n),
   disagrees, by bisection; that it agrees at 0 is the caller's to know. Answers false
   when it agrees at hi. */
static bool smallest_disagreeing(Trial *tr, SwitchedOff off, void (*set)(SwitchedOff *, uint32_t), uint32_t hi,
                                 uint32_t *n) {
  uint32_t agree = 0, disagree = hi;
  if (hi == 0) return false;
  set(&off, disagree);
  if (agrees(tr, &off)) return false;
  while (disagree - agree > 1) {
    uint32_t mid = agree + (disagree - agree) / 2;
    set(&off, mid);
    if (agrees(tr, &off)) agree = mid;
    else disagree = mid;
  }
  *n = disagree;
  return true;
}

/* smallest_disagreeing, with the end at 0 checked, and the run at the answer again so
   that its statistics are in tr (the cut_* fields name what the last n-th thing was).
   Answers false when the ends are not so, or the run at the answer does not disagree
   after all (a disagreement that comes and goes). */
static bool bisect(Trial *tr, SwitchedOff off, void (*set)(SwitchedOff *, uint32_t), uint32_t hi) {
  uint32_t n;
  set(&off, 0);
  if (!agrees(tr, &off) || !smallest_disagreeing(tr, off, set, hi, &n)) return false;
  set(&off, n);
  return !agrees(tr, &off) && tr->t2.cut_traces;
}

/* The instruction whose presence in the traces makes the run disagree: bisects over the
   number of instructions the traces off names may hold (more than a trace's at the top).
   The last instruction of the traces cut at the smallest number that disagrees is the
   culprit, left in tr->t2's cut_* fields. */
static bool find_cut(Trial *tr, SwitchedOff off) { return bisect(tr, off, set_cut, 4 * TRACE_MAX_LEN); }

/* find_cut on one executor: the smallest n such that the executors with ids below n
   running (the others dormant) make the run disagree, by bisection; then executor n - 1
   is cut, those before it whole. So a bug that shows only where one trace runs into
   another (a side trace off its exit) is still pinned to one instruction of one trace.
   Executors get their ids in the same order in every run with the same ones running.
   When the bisection's ends do not hold, all traces are cut at once, which may reach
   the number of instructions in several traces. */
static bool find_cut_one(Trial *tr, const T2Stats *base) {
  uint32_t n;
  if (smallest_disagreeing(tr, (SwitchedOff){0}, set_t2_below, (uint32_t)base->built, &n) &&
      find_cut(tr, (SwitchedOff){.t2_upto = true, .t2_id = n - 1}))
    return true;
  return find_cut(tr, (SwitchedOff){0});
}

/* The uop whose compilation makes the run disagree. First the executor: the smallest n
   such that compiling the executors with ids below n (and no others) disagrees, by
   bisection; then executor n - 1, with those before it compiled whole, is compiled up to
   a number of uops, the rest handed to the uop interpreter uop by uop, and that number
   is bisected from none (which agrees: the executors before it alone) to all. The last
   uop compiled at the smallest number that disagrees is left in tr->t2's cut_* fields.
   So a bug that shows only when several traces are compiled is still pinned to one uop
   of one trace. Executors get their ids in the same order as without switches: until
   compiled code runs, the run is the uop interpreter's, which agrees. */
static bool find_jit_uop(Trial *tr, const T2Stats *base, uint32_t *id) {
  uint32_t n;
  if (!smallest_disagreeing(tr, (SwitchedOff){0}, set_jit_below, (uint32_t)base->built, &n)) return false;
  *id = n - 1;
  return bisect(tr, (SwitchedOff){.jit_below = true, .jit_id = *id}, set_compiled, TRACE_MAX_LEN);
}

/* The one trace op (not a uop t1 runs too) among the cut instruction's uops, or -1. A
   check_finalizers at its start is not counted: it is there for the uops before it. */
static int cut_trace_op(const T2Stats *t2) {
  int found = -1;
  for (int op = UOP__COUNT; op < TRACE_OP__COUNT; op++)
    if (op != TOP_CHECK_FINALIZERS && bit_test(t2->cut_ops, (uint32_t)op)) {
      if (found >= 0) return -1;
      found = op;
    }
  return found;
}

/* The cut instruction's uops, in words: "guard_int_int sub_int". */
static void cut_uops(const T2Stats *t2, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (int op = 0; op < TRACE_OP__COUNT && n < cap; op++)
    if (bit_test(t2->cut_ops, (uint32_t)op))
      n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "", trace_op_name(op));
}

/* Names the cut instruction as the culprit: a trace op among its uops by itself, since
   t1 never runs one; otherwise the instruction, by its t1 form. arch: the JIT's, or NULL
   for t2's uop interpreter. */
static void blame_cut(Trial *tr, const char *arch, const char *name) {
  const T2Stats *t2 = &tr->t2;
  char culprit[96], uops[160];
  int top = cut_trace_op(t2);
  const char *inst = opcode_name((int)t2->cut_opcode);
  if (arch && top >= 0) say(culprit, sizeof culprit, "jit stencil %s (%s)", trace_op_name(top), arch);
  else if (arch) say(culprit, sizeof culprit, "jit stencils of %s (%s)", inst, arch);
  else if (top >= 0) say(culprit, sizeof culprit, "t2 uop %s", trace_op_name(top));
  else say(culprit, sizeof culprit, "t2 instruction %s", inst);
  blame(tr, culprit);
  cut_uops(t2, uops, sizeof uops);
  VERDICT("%s: traces cut just after %s at %s:%u (uops %s) make %s disagree with ref, cut just before it they do not",
          culprit, opcode_name((int)t2->cut_opcode), tr->m->funcs[t2->cut_func].name, t2->cut_pc, uops, name);
}

/* t2 and the jit tiers: the optimizer's rules, then the JIT, then the traces themselves,
   then t1 underneath. */
/* A part of t2 that one switch leaves to the interpreter, only that part changing: when
   the run agrees with it switched off, the part is the culprit. Tried in this order,
   after the optimizer's rules and before cutting traces short. */
typedef struct {
  SwitchedOff off;
  bool at_handlers;  /* tried only when traces were built at handlers (else: when any was) */
  const char *culprit, *with, *wrong;
} T2Part;

static const T2Part t2_parts[] = {
  /* Compiled code calls a due finalizer directly when its op_del has compiled code
     (trace_run.c: finalize_compiled): with every one called through the generic operator
     call, the same frames are pushed and the same code runs. Before the checks' part,
     which moves where finalizers run and so would hide this one's bug too. */
  {{.no_direct_finalizers = true}, false, "t2 direct finalizers",
   "with every finalizer called through the generic operator call",
   "compiled code's direct call of a finalizer leaves another state than the generic call"},
  /* Where traces check for a due finalizer (docs/semantics.md section 23.8): with a check
     before every instruction, instead of after those that may release an object, a
     finalizer runs as soon as in t1. Only the timing of finalizers changes. */
  {{.every_check = true}, false, "t2 finalizer checks",
   "with a check for a due finalizer before every instruction of every trace",
   "the traces leave out a check where an instance may be released"},
  /* A trace's branch tests an instance's truth itself unless the instance's class
     defines op_bool (docs/tier2.md); with every instance's truth left to the
     interpreter (only where a class defines op_bool at all), only where traces exit
     changes. A wrong test shows as whatever the path it took did next: cutting traces
     short named a store after the branch for 11 of 1,054 t2-branch-no-bool finds. */
  {{.instance_branches = true}, false, "t2 uop branch", "with every instance's truth left to the interpreter",
   "a trace's branch tests an instance's truth wrongly"},
  /* A handler's trace runs right after a catch (docs/tier2.md, "Handler traces"): with
     none, the interpreter runs the handler. Cutting traces short names the handler's
     first instruction, which is right where it runs. */
  {{.no_handler_traces = true}, true, "t2 handler traces", "with no trace entered at a handler",
   "a handler's trace is not the one for the catch, or runs wrongly"},
};

static void localize_traces(Trial *tr) {
  const OracleConfig *cfg = &oracle_configs[tr->c];
  const char *name = cfg->name;
  bool optimizes = cfg->tier == TIER_T2 || cfg->tier == TIER_JIT;
  bool compiles = tier_compiles(cfg->tier);
  T2Stats base;
  char culprit[96];
  uint64_t hi;

  /* Traces are projected from t1's code: when t1 alone, at this configuration's
     warm-up, disagrees with ref too (or, for a difference in the frame state, has
     another state than ref's where the traces handed back), the bug is t1's or the
     runtime's, whatever part of the traces carries it further. */
  if (t1_differs(tr, NULL, &hi) || (tr->field == OBS_FRAME_STATE && t1_state_differs(tr))) {
    if (!localize_t1(tr) && !localize_runtime(tr))
      VERDICT("not localized: t1 alone disagrees with ref too, and neither its forms nor the instruction where its "
              "state leaves ref's name a culprit");
    return;
  }
  (void)agrees(tr, NULL);
  base = tr->t2;

  /* A jit configuration disagrees only when t2's, with the same optimizer, agreed: the
     JIT comes first. Nothing compiled: every uop handed to the uop interpreter. */
  if (compiles && base.jit_compiled && agrees(tr, &(SwitchedOff){.jit_part = true, .jit_uops = 0})) {
    const StencilSet *set = jit_host_set();
    const char *arch = set ? jit_arch_name[set->arch] : "?";
    uint32_t id = 0;
    if (find_jit_uop(tr, &base, &id)) {
      const T2Stats *t2 = &tr->t2;
      say(culprit, sizeof culprit, "jit stencil %s (%s)", trace_op_name((int)t2->cut_uop), arch);
      blame(tr, culprit);
      VERDICT("%s: compiling trace %u up to this uop, of %s at %s:%u (the traces before it whole, none after it), "
              "makes %s disagree with ref; up to the one before it (the rest left to the uop interpreter), it does not",
              culprit, id, opcode_name((int)t2->cut_opcode), tr->m->funcs[t2->cut_func].name, t2->cut_pc, name);
    } else {
      VERDICT("the JIT on %s: with nothing compiled %s agrees with ref; compiling part of its traces names no uop",
              arch, name);
    }
    return;
  }

  /* The optimizer, unless the same tier without it (t2-noopt, jit-noopt) disagrees too.
     Of the rules whose switching off alone makes the run agree, the last in the table is
     named: the table lists a rule that enables others (guard removal lets folding see
     its operands) before them, and switching off either hides the bug. */
  if (optimizes && !tr->noopt_disagrees && agrees(tr, &(SwitchedOff){.opt_rules = OPT_RULES_ALL})) {
    int named = -1;
    char also[160] = "";
    for (int rule = 0; rule < OPT_RULE__COUNT; rule++) {
      if (!agrees(tr, &(SwitchedOff){.opt_rules = UINT64_C(1) << rule})) continue;
      if (named >= 0) {
        size_t n = strlen(also);
        snprintf(also + n, sizeof also - n, "%s%s", n ? ", " : "", opt_rule_name[named]);
      }
      named = rule;
    }
    if (named >= 0) {
      say(culprit, sizeof culprit, "t2 optimizer rule %s", opt_rule_name[named]);
      blame(tr, culprit);
      VERDICT("t2 optimizer rule %s: with it switched off %s agrees with ref%s%s%s", opt_rule_name[named], name,
              also[0] ? " (as with " : "", also, also[0] ? " off, which come before it)" : "");
      return;
    }
  }

  /* Parts of t2 that a switch leaves to the interpreter, changing nothing else (t2_parts) */
  for (size_t k = 0; k < ARRAY_LEN(t2_parts); k++) {
    const T2Part *p = &t2_parts[k];
    if (!(p->at_handlers ? base.handler_built : base.built) || !agrees(tr, &p->off)) continue;
    blame(tr, p->culprit);
    VERDICT("%s: %s, %s agrees with ref: %s", p->culprit, p->with, name, p->wrong);
    return;
  }

  /* The uops of t1's forms that traces run rely on its mechanisms too (a map hint): a
     cut would name the instruction of one of them. */
  if (blame_t1_mechanism(tr, true)) return;

  if (base.built && agrees(tr, &(SwitchedOff){.cut = true, .trace_insts = 0})) {  /* no trace built */
    if (find_cut_one(tr, &base)) {
      /* An instruction of t1's own uops (none a trace op) or folded into a push_value:
         the trace did what t1's form does there, and the wrong thing may be that form,
         folded or run after the cut's exit (t1 under the traces warms up on other
         values than t1 alone). A form whose switch makes the run agree is named
         instead. */
      int top = cut_trace_op(&tr->t2);
      if (top < 0 || top == TOP_PUSH_VALUE) {
        T2Stats *cut = xmalloc(sizeof *cut);
        *cut = tr->t2;
        uint64_t chosen[FORM_WORDS] = {0};
        unsigned nchosen;
        bool named = blame_t1_form_alone(tr, chosen, &nchosen);
        tr->t2 = *cut;
        free(cut);
        if (named) return;
      }
      blame_cut(tr, NULL, name);
    }
    else VERDICT("t2's traces: with none built %s agrees with ref; cutting them short names no instruction", name);
    return;
  }

  if (localize_t1(tr)) return;  /* t1's forms under the traces */
  VERDICT("not localized: %s still disagrees with ref with its optimizer, JIT, traces and t1 forms each switched off",
          name);
}

void oracle_localize(const Module *m, Limits limits, Fault fault, const OracleResult *r, Localization *out) {
  memset(out, 0, sizeof *out);
  if (!r->diverged) {
    say(out->verdict, sizeof out->verdict, "no divergence to localize");
    return;
  }
  Trial *tr = xcalloc(1, sizeof *tr);  /* the statistics are large */
  *tr = (Trial){.m = m, .c = r->other, .limits = limits, .fault = fault, .knobs = r->knobs, .ref = &r->obs[0], .out = out,
                .field = r->field, .trace = getenv("TESSERA_LOCALIZE_TRACE") != NULL};
  Tier tier = oracle_configs[r->other].tier;
  Tier noopt = tier == TIER_T2 ? TIER_T2_NOOPT : tier == TIER_JIT ? TIER_JIT_NOOPT : tier;
  for (size_t c = 0; c < oracle_nconfigs; c++)
    if (c != r->other && oracle_configs[c].tier == noopt && observation_diff(&r->obs[0], &r->obs[c]) != OBS_AGREE)
      tr->noopt_disagrees = true;
  if (tier_traces(tier)) localize_traces(tr);
  else if (tier == TIER_T1) (void)(localize_t1(tr) || localize_runtime(tr));
  else say(out->verdict, sizeof out->verdict, "not localized: the disagreeing tier is %s", tier_name[tier]);
  free(tr);
}

bool oracle_bug_signature(const Module *m, Limits limits, Fault fault, OracleResult *r, Localization *loc) {
  oracle_localize(m, limits, fault, r, loc);
  if (!loc->found) return false;
  snprintf(r->signature, sizeof r->signature, "%s", loc->signature);
  return true;
}
