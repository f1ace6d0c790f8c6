/* trace_executor.c: tier 2's executors: when a LOOP or an exit gets hot, projecting,
 * optimizing and installing a trace; invalidation; the trace listing of --dump-traces. */
#include <string.h>
#include <time.h>

#include "render.h"

#include "specialize.h"
#include "trace.h"

const char *const trace_abort_name[TRACE_ABORT__COUNT] = {
#define X(name, doc) #name,
  TESSERA_TRACE_ABORTS(X)
#undef X
};

const char *const trace_end_name[TRACE_END__COUNT] = {
#define X(name, doc) #name,
  TESSERA_TRACE_ENDS(X)
#undef X
};

static char trace_op_names[TRACE_OP__COUNT][32];

__attribute__((constructor)) static void trace_op_names_init(void) {
  static const char *const trace_ops[] = {
#define TRACE_OP(name, doc) #name,
    TESSERA_TRACE_OPS(TRACE_OP)
#undef TRACE_OP
  };
  for (int i = 0; i < UOP__COUNT; i++) copy_lower(trace_op_names[i], sizeof trace_op_names[i], uop_name[i]);
  for (size_t i = 0; i < ARRAY_LEN(trace_ops); i++)
    copy_lower(trace_op_names[UOP__COUNT + i], sizeof trace_op_names[0], trace_ops[i]);
}

const char *trace_op_name(int op) { return op >= 0 && op < TRACE_OP__COUNT ? trace_op_names[op] : "?"; }

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void t2_init(VM *vm, const RunOptions *opts) {
  T2State *s = vm->t2 = xcalloc(1, sizeof *vm->t2);
  s->off = opts->off;
  s->optimize = (opts->tier == TIER_T2 || opts->tier == TIER_JIT) && opts->trace_opt;
  s->jit = tier_compiles(opts->tier) ? opts->jit : NULL;
  s->threshold = run_trace_threshold(opts);
  s->max_nested = opts->max_nested ? opts->max_nested : TRACE_MAX_NESTED;
  for (uint32_t n = 0; n < TRACE_MAX_NESTED; n++) s->nested[n].vm = vm;  /* the same in every nested run */
  s->stats = opts->t2_stats ? opts->t2_stats : &s->own_stats;
  if (s->jit) {
    char why[200];
    uint64_t t0 = now_ns();
    (void)s->jit->prepare(why, sizeof why);  /* a failure is compile's to report, per trace */
    s->stats->jit_setup_ns += now_ns() - t0;
  }
  s->dump = opts->traces;
  s->at_loop = xcalloc(vm->module->nfuncs, sizeof(Executor **));
  s->at_entry = xcalloc(vm->module->nfuncs, sizeof *s->at_entry);
  for (uint32_t fi = 0; fi < vm->module->nfuncs; fi++) {
    const Function *f = &vm->module->funcs[fi];
    s->at_entry[fi] = (EntrySlot){NULL,
                                NULL,
                                f->nparams,
                                f->nlocals,
                                (uint32_t)(f->nparams * sizeof(Value)),
                                (uint32_t)(frame_slots(f) * sizeof(Value)),
                                t1_counter(s->threshold, 0),
                                0};
  }
  /* A LOOP has no specialized form: its t1 counter, which t1_init set from the same
     threshold, counts down to projection. */
}

void t2_fold_stats(VM *vm) {
  T2State *s = vm->t2;
  s->stats->jit_entries += s->nested_jumps;
  s->stats->nested_calls += s->nested_jumps;
  s->stats->returns += s->nested_jumps - s->jumps_settled;
  s->nested_jumps = s->jumps_settled = 0;
}

void t2_free(VM *vm) {
  T2State *s = vm->t2;
  if (!s) return;
  if (s->jit) s->jit->free_batch(true);
  for (Executor *ex = s->all, *next; ex; ex = next) {
    next = ex->next;
    if (ex->jit) s->jit->free(ex->jit);
    free(ex->code);
    free(ex->exits);
    free(ex->class_versions);
    free(ex->attr_caches);
    free(ex);
  }
  t2_free_dead_code(vm);
  free(s->dead_code);
  if (s->jit) s->jit->free_batch(false);
  for (uint32_t fi = 0; fi < vm->module->nfuncs; fi++) free(s->at_loop[fi]);
  free(s->at_loop);
  if (s->at_handler)
    for (uint32_t fi = 0; fi < vm->module->nfuncs; fi++) free(s->at_handler[fi]);
  free(s->at_handler);
  free(s->at_entry);
  free(s);
  vm->t2 = NULL;
}

/* A projection that failed, or an executor invalidated: counting starts again, each time
   from further back, as t1's specializations do. */
static void back_off(const T2State *s, uint16_t *counter, uint8_t *backoff) {
  if (*backoff < T1_MAX_BACKOFF) (*backoff)++;
  *counter = t1_counter(s->threshold, *backoff);
}

void t2_invalidate(VM *vm, Executor *ex) {
  if (!ex->valid) return;
  ex->valid = false;
  T2State *s = vm->t2;
  s->stats->invalidated++;
  if (ex->jit) {  /* never run again: its code goes back to the JIT once none runs */
    if (s->ndead_code == s->dead_code_cap) {
      s->dead_code_cap = s->dead_code_cap ? 2 * s->dead_code_cap : 8;
      s->dead_code = xrealloc(s->dead_code, sizeof(JitCode *) * s->dead_code_cap);
    }
    s->dead_code[s->ndead_code++] = ex->jit;
  }
  ex->jit = NULL;
  if (ex->from) ex->from->code = NULL;  /* compiled code no longer goes in */
  /* A root trace leaves its LOOP or its function's entry, which counts down to a new
     projection; a side trace is dropped from its exit when the exit is next taken,
     which then counts towards a new one. */
  if (ex->entry) {
    s->at_entry[ex->func].ex = NULL;
    s->at_entry[ex->func].code = NULL;
    back_off(s, &s->at_entry[ex->func].counter, &s->at_entry[ex->func].backoff);
  } else if (ex->handler >= 0) {
    HandlerSlot *h = &s->at_handler[ex->func][ex->handler];
    h->ex = NULL;
    back_off(s, &h->counter, &h->backoff);
  } else if (ex->chain == 0) {
    vm->t2->at_loop[ex->func][ex->loop_pc] = NULL;
    T1Cache *c = &vm->t1.cache[ex->func][ex->loop_pc];
    back_off(s, &c->counter, &c->backoff);  /* a loop invalidated again and again backs off */
  }
}

void t2_free_dead_code(VM *vm) {
  T2State *s = vm->t2;
  for (uint32_t i = 0; i < s->ndead_code; i++) s->jit->free(s->dead_code[i]);
  s->ndead_code = 0;
}

void t2_class_version_renewed(VM *vm, uint32_t old_version) {
  for (Executor *ex = vm->t2->all; ex; ex = ex->next) {
    if (!ex->valid) continue;
    for (uint32_t i = 0; i < ex->nclass_versions; i++)
      if (ex->class_versions[i] == old_version) {
        t2_invalidate(vm, ex);
        vm->t2->stats->watcher_invalidations++;
        break;
      }
  }
}

/* The class versions the guards of a trace check (GUARD_CLASS_VERSION's operand, the
   low half of GUARD_CLASS_CALLEE's, the high half of GUARD_SHAPE_CLASS's), each once: what the class watcher looks for. */
static void collect_class_versions(Executor *ex, const TraceBuffer *t) {
  ex->class_versions = xmalloc(sizeof(uint32_t) * (t->len ? t->len : 1));
  for (uint32_t i = 0; i < t->len; i++) {
    const TraceInst *ti = &t->code[i];
    uint32_t v;
    if (ti->op == UOP_GUARD_CLASS_VERSION || ti->op == UOP_GUARD_CLASS_CALLEE)
      v = (uint32_t)ti->operand;
    else if (ti->op == UOP_GUARD_SHAPE_CLASS)
      v = (uint32_t)(ti->operand >> 32);
    else
      continue;
    bool seen = false;
    for (uint32_t k = 0; k < ex->nclass_versions; k++) seen |= ex->class_versions[k] == v;
    if (!seen) ex->class_versions[ex->nclass_versions++] = v;
  }
}

/* Every generic load_attr and load_method gets an attribute cache of its own (vm/object.h:
   the sites t1 left generic, mostly ones that see several classes or shapes), which its
   operand points to, compiled code too. */
static bool has_attr_cache(int op) { return op == UOP_LOAD_ATTR || op == UOP_LOAD_METHOD; }
static void attach_attr_caches(Executor *ex, TraceBuffer *t) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < t->len; i++) n += has_attr_cache(t->code[i].op);
  ex->attr_caches = n ? xmalloc(sizeof(AttrCache) * n) : NULL;
  for (uint32_t i = 0, k = 0; i < t->len; i++)
    if (has_attr_cache(t->code[i].op)) {
      attr_cache_init(&ex->attr_caches[k]);
      t->code[i].operand = (uint64_t)(uintptr_t)&ex->attr_caches[k++];
    }
}

static void dump_trace(VM *vm, const char *when, const Executor *ex, const TraceBuffer *t) {
  Buf *out = vm->t2->dump;
  const Module *m = vm->module;
  buf_printf(out, "trace %u %s: %s:%u", ex->id, when, m->funcs[ex->func].name, ex->start_pc);
  if (ex->entry) buf_printf(out, ", entered at the function's entry\n");
  else if (ex->handler >= 0) buf_printf(out, ", entered at handler %d after a catch\n", ex->handler);
  else if (ex->chain == 0) buf_printf(out, ", entered from the LOOP at %u\n", ex->loop_pc);
  else buf_printf(out, ", side trace of trace %u exit %u\n", ex->parent, ex->parent_exit);
  trace_list(vm, t->code, t->len, t->loop_start, t->exits, out);
}

/* Where a new trace hangs: on a LOOP or a function's entry (chain 0), or on an exit of
   another trace. */
typedef struct {
  uint32_t chain, loop_pc, parent, parent_exit;
  bool entry;
  uint32_t outer;    /* side traces: the exit's depth (TraceExit.depth) */
  int32_t operands;  /* the values on the operand stack of the frame it begins in, or -1 */
  uint64_t kinds;    /* side traces: what the exit proved of its frame's locals (TraceExit.kinds) */
  int32_t handler;   /* a handler's root trace: the handler's index, else -1 */
} Origin;

/* Which op follows which in trace t, into stats->pairs (the fuzzer's coverage). */
static void note_pairs(T2Stats *stats, const TraceBuffer *t) {
  for (uint32_t i = 1; i < t->len; i++) bit_set(stats->pairs, trace_pair_index(t->code[i - 1].op, t->code[i].op));
}

/* Localization's cut: what the last instruction of a cut trace became, once optimized
   (its uops, found by their instruction), for the first cut trace, or the first whose
   last instruction has a trace op: one t1 never runs, the likelier culprit when the cut
   changed several traces. */
static void note_cut(T2Stats *st, const TraceBuffer *t) {
  bool trace_op = false;
  for (uint32_t i = 0; i < t->len; i++)
    if (t->code[i].func == t->cut_func && t->code[i].pc == t->cut_pc) trace_op |= t->code[i].op >= UOP__COUNT;
  if (st->cut_traces++ && (!trace_op || st->cut_trace_op)) return;
  st->cut_func = t->cut_func;
  st->cut_pc = t->cut_pc;
  st->cut_opcode = t->cut_opcode;
  st->cut_trace_op = trace_op;
  memset(st->cut_ops, 0, sizeof st->cut_ops);
  for (uint32_t i = 0; i < t->len; i++)
    if (t->code[i].func == t->cut_func && t->code[i].pc == t->cut_pc) bit_set(st->cut_ops, t->code[i].op);
}

/* Localization's partial compilation: the last uop compiled, of the first trace that
   has one there. */
static void note_jit_part(const VM *vm, const TraceBuffer *t) {
  T2Stats *st = vm->t2->stats;
  uint32_t n = vm->t2->off.jit_uops;
  if (n == 0 || n > t->len || st->cut_traces++) return;
  const TraceInst *ti = &t->code[n - 1];
  st->cut_func = ti->func;
  st->cut_pc = ti->pc;
  st->cut_opcode = vm->t1.code[ti->func][ti->pc];
  st->cut_uop = ti->op;
}

/* Localization's partial compilation runs the uops from `compiled` on in the uop
   interpreter, one at a time, going back into compiled code after each (JitCode.
   compiled_uops). Each of those hand-overs would write a deferred frame's record again
   (vm/trace_run.c), so a deferred frame whose pop is past the line is pushed and popped
   as push_frame and pop_frame_known. */
static void undefer_past(TraceInst *code, uint32_t len, uint32_t compiled) {
  for (uint32_t p = 0; p < len; p++) {
    if (code[p].op != TOP_PUSH_FRAME_DEFERRED) continue;
    uint32_t q = p + 1;
    while (code[q].op != TOP_POP_FRAME_DEFERRED) q++;  /* defer_frames made the pair */
    if (q >= compiled) {
      code[p].op = TOP_PUSH_FRAME;
      code[q].op = TOP_POP_FRAME_KNOWN;
    }
    p = q;
  }
}

/* A trace that closes its loop and has no uop that may invalidate its executor while it
   runs: its LOOP is stamped LOOP_STABLE, and skips the check. */
static void mark_stable_loop(const VM *vm, TraceBuffer *t) {
  if (!t->len || t->code[t->len - 1].op != TOP_LOOP) return;
  for (uint32_t i = 0; i < t->len; i++)
    if (trace_op_may_invalidate(t->code[i].op)) return;
  t->code[t->len - 1].oparg |= LOOP_STABLE;
  vm->t2->stats->stable_loops++;
}

/* Projects and optimizes a trace from func:start_pc into a new executor, or counts why
   not and answers NULL. */
static Executor *build(VM *vm, uint32_t func, uint32_t start_pc, Origin o) {
  T2State *s = vm->t2;
  s->stats->projected++;
  if (s->count >= TRACE_MAX_EXECUTORS) {
    s->stats->aborted[TRACE_ABORT_TOO_MANY]++;
    return NULL;
  }
  if (o.chain > TRACE_MAX_CHAIN) {
    s->stats->aborted[TRACE_ABORT_CHAIN]++;
    return NULL;
  }
  /* On the C stack, as the optimizer's state is: about 19 KiB a trace, which from the
     heap meant fresh pages and ASan's quarantine churn for every trace a fuzzer builds. */
  TraceBuffer buffer;
  TraceBuffer *t = &buffer;
  TraceAbort why;
  if (!trace_project(vm, func, start_pc, o.chain == 0 && !o.entry && o.handler < 0, o.outer, t, &why)) {
    s->stats->aborted[why]++;
    return NULL;
  }
  /* A recursive function counts its calls on the way down, before t1 has run the rest
     of its body: a trace built then holds generic forms and ends at the first untried
     call, and its callers go through a side trace at every call. It waits a while for
     t1, TRACE_MAX_PUT_OFF times at most. */
  if (o.entry && t->unwarmed && s->at_entry[func].backoff < TRACE_MAX_PUT_OFF) {
    s->stats->aborted[TRACE_ABORT_UNWARMED]++;
    return NULL;
  }
  Executor head = {.id = s->count, .func = func, .start_pc = start_pc, .loop_pc = o.loop_pc, .chain = o.chain,
                   .parent = o.parent, .parent_exit = o.parent_exit, .entry = o.entry, .handler = o.handler, .valid = true,
                   .next = s->all};
  if (s->dump) dump_trace(vm, "projected", &head, t);
  if (s->optimize) {
    t->entry_operands = o.operands;
    t->entry_kinds = o.kinds;
    t->entry = o.entry;
    trace_optimize(vm, t, s->stats);
    if (s->dump) dump_trace(vm, "optimized", &head, t);
  }
  mark_stable_loop(vm, t);
  Executor *ex = xmalloc(sizeof *ex);
  *ex = head;
  ex->dormant = s->off.t2_upto && ex->id > s->off.t2_id;
  s->count++;
  s->all = ex;
  s->stats->ended[t->end]++;
  s->stats->built++;
  if (o.chain) s->stats->side_built++;
  if (o.entry) s->stats->entry_built++;
  if (o.handler >= 0) s->stats->handler_built++;
  if (t->cut) note_cut(s->stats, t);
  if (!s->jit) note_pairs(s->stats, t);
  collect_class_versions(ex, t);
  attach_attr_caches(ex, t);
  ex->loop_start = t->loop_start;
  ex->nexits = t->nexits;
  ex->exits = xmalloc(sizeof(TraceExit) * (t->nexits ? t->nexits : 1));  /* compiled code points into it */
  memcpy(ex->exits, t->exits, sizeof(TraceExit) * t->nexits);
  int64_t compiled = switched_off_jit_uops(&s->off, ex->id, t->len);
  if (s->jit && compiled >= 0 && compiled < t->len) undefer_past(t->code, t->len, (uint32_t)compiled);
  for (uint32_t i = 0; i < t->len; i++) ex->defers_frames |= t->code[i].op == TOP_PUSH_FRAME_DEFERRED;
  if (s->jit && compiled < 0) {
    if (s->dump) buf_printf(s->dump, "trace %u not compiled: switched off\n", ex->id);
  } else if (s->jit) {
    /* The compiled trace runs the uops themselves; the executor keeps them for its
       exits and the ops the JIT hands over (vm/jit_abi.h). */
    char reason[200];
    uint64_t t0 = now_ns();
    ex->jit = s->jit->compile(s->jit, vm, ex, t->code, t->len, reason, sizeof reason);
    s->stats->jit_compile_ns += now_ns() - t0;
    if (ex->jit && s->jit->show) s->jit->show(s->jit, vm, ex, ex->jit, t->code);
    if (ex->jit) {
      s->stats->jit_compiled++;
      s->stats->jit_code_bytes += ex->jit->code_size;
      s->stats->jit_uops += t->len;
      for (uint32_t i = 0; i < t->len; i++) s->stats->jit_compiled_op[t->code[i].op]++;
      note_pairs(s->stats, t);
      if (s->off.jit_part && (!s->off.jit_below || ex->id == s->off.jit_id)) note_jit_part(vm, t);
      if (s->dump) buf_printf(s->dump, "trace %u compiled: %zu bytes of machine code\n", ex->id, ex->jit->code_size);
    } else {
      s->stats->jit_failed++;
      if (s->dump) buf_printf(s->dump, "trace %u not compiled: %s\n", ex->id, reason);
    }
  }
  ex->len = ex->jit ? t->len : trace_fuse(t->code, t->len, &ex->loop_start);
  ex->code = xmalloc(sizeof(TraceInst) * ex->len);
  memcpy(ex->code, t->code, sizeof(TraceInst) * ex->len);
  return ex;
}

Executor *t2_loop_executor(VM *vm, uint32_t func, uint32_t loop_pc) {
  T2State *s = vm->t2;
  Executor **at = s->at_loop[func];
  if (at && at[loop_pc]) return at[loop_pc];
  T1Cache *c = &vm->t1.cache[func][loop_pc];
  if (--c->counter != 0) return NULL;
  const uint8_t *code = vm->t1.code[func];
  uint32_t head = loop_pc + OP_SIZE_LOOP - op_operand(code, loop_pc);
  Executor *ex = build(vm, func, head, (Origin){.loop_pc = loop_pc, .operands = -1, .handler = -1});
  if (!ex) {
    back_off(s, &c->counter, &c->backoff);
    return NULL;
  }
  if (!at) at = s->at_loop[func] = xcalloc(vm->module->funcs[func].code_len, sizeof(Executor *));
  at[loop_pc] = ex;
  return ex;
}

Executor *t2_handler_executor(VM *vm, uint32_t func, uint32_t pc) {
  T2State *s = vm->t2;
  if (s->off.no_handler_traces) return NULL;  /* localization only */
  const Function *f = &vm->module->funcs[func];
  uint32_t h = 0;
  while (h < f->nhandlers && f->handlers[h].handler != pc) h++;
  ASSERT(h < f->nhandlers, "a catch resumes at a handler of its function");
  if (vm->t1.fault == FAULT_T2_HANDLER_FIRST) h = 0;  /* test-only fault: the first handler's slot */
  if (!s->at_handler) s->at_handler = xcalloc(vm->module->nfuncs, sizeof(HandlerSlot *));
  if (!s->at_handler[func]) s->at_handler[func] = xcalloc(f->nhandlers, sizeof(HandlerSlot));
  HandlerSlot *slot = &s->at_handler[func][h];
  if (slot->ex) return slot->ex;
  if (slot->counter == 0) slot->counter = t1_counter(s->threshold, 0);  /* its first catch */
  if (--slot->counter != 0) return NULL;
  slot->ex = build(vm, func, pc, (Origin){.operands = -1, .handler = (int32_t)h});
  if (!slot->ex) back_off(s, &slot->counter, &slot->backoff);
  return slot->ex;
}

Executor *t2_entry_build(VM *vm, uint32_t func) {
  T2State *s = vm->t2;
  Executor *ex = build(vm, func, 0, (Origin){.entry = true, .operands = 0, .handler = -1});
  if (!ex) back_off(s, &s->at_entry[func].counter, &s->at_entry[func].backoff);
  s->at_entry[func].code = ex && ex->jit && !ex->dormant ? ex->jit->mem : NULL;
  return s->at_entry[func].ex = ex;
}

Executor *t2_exit_executor(VM *vm, Executor *ex, uint32_t i, const UopState *at) {
  TraceExit *e = &ex->exits[i];
  if (e->side && e->side->valid) return e->side;
  if (e->side) {  /* invalidated: the exit counts towards a new side trace */
    e->side = NULL;
    e->taken = 1;
  }
  if (e->taken != TRACE_SIDE_THRESHOLD) return NULL;
  e->side = build(vm, e->func, e->pc,
                  (Origin){.chain = ex->chain + 1, .parent = ex->id, .parent_exit = i, .outer = e->depth,
                           .operands = (int32_t)frame_operands(vm, at), .kinds = e->kinds, .handler = -1});
  if (e->side) {
    e->side->from = e;
    if (e->side->jit) e->code = e->side->jit->side_entry;  /* until it is invalidated */
  }
  return e->side;
}

/* Whether a uop's oparg means something in a listing: its UOPF_OPARG flag (uops.h). */
static bool uop_shows_oparg(int op) { return uop_info[op].flags & UOPF_OPARG; }

/* " a float": the kind a typed element read expects (its operand, a ValueKind), and
   whether its array and index were proved (ELEM_ARRAY_PROVED). */
static void put_elem_kind(Buf *out, const TraceInst *ti) {
  uint64_t kind = ti->operand & ~ELEM_ARRAY_PROVED;
  buf_printf(out, " %s%s", kind == VAL_INT ? "an int" : kind == VAL_FLOAT ? "a float" : "a bool",
             ti->operand & ELEM_ARRAY_PROVED ? ", array and index proved" : "");
}

/* The operands of one trace uop, in words. */
static void list_operands(const Module *m, const TraceInst *ti, Buf *out) {
  switch (ti->op) {
  case TOP_PUSH_VALUE:
  case TOP_PUSH_VALUE_UNDER: {
    Value v = trace_value(ti->oparg, ti->operand);
    buf_printf(out, " %s ", value_type_name(v));
    render_value(m, NULL, v, RENDER_REPR, out, 64);
    return;
  }
  case TOP_PUSH_FRAME:
  case TOP_PUSH_FRAME_DEFERRED:
  case TOP_PUSH_INIT_FRAME:
  case TOP_CALL_TRACE: buf_printf(out, " %s, %u args", m->funcs[ti->operand].name, ti->oparg); return;
  case TOP_CALL_ANY: buf_printf(out, " %u args", ti->oparg); return;
  case UOP_GUARD_CALLEE:
  case UOP_GUARD_CLOSURE_CALLEE: buf_printf(out, " %s under %u args", m->funcs[ti->operand].name, ti->oparg); return;
  case UOP_GUARD_CLASS_CALLEE:
    buf_printf(out, " version %u (init %s) under %u args", (uint32_t)ti->operand, m->funcs[CALL_CLASS_INIT(ti->operand)].name,
               ti->oparg);
    return;
  case TOP_POP_FRAME:
    if (ti->oparg & POP_FRAME_INSTANCE) buf_printf(out, " giving the instance");
    return;
  case UOP_GUARD_BUILTIN:
  case UOP_CALL_BUILTIN: buf_printf(out, " %s under %u args", builtin_name[ti->operand], ti->oparg); return;
  case TOP_BRANCH: buf_printf(out, " stays while %s", ti->oparg ? "truthy" : "falsy"); return;
  case TOP_BRANCH_COMPARE_INT: buf_printf(out, " %u, stays while %s", ti->oparg, ti->operand ? "true" : "false"); return;
  case TOP_BRANCH_COMPARE_INT_CONST:
    buf_printf(out, " %u with %lld, stays while %s", ti->oparg & 0xfu, (long long)ti->operand, ti->oparg >> 4 ? "true" : "false");
    return;
  case TOP_BRANCH_COMPARE_LOCALS:
    buf_printf(out, " locals %u, %llu, %u, stays while %s", ti->oparg >> 16, (unsigned long long)ti->operand,
               ti->oparg & 0xfu, ti->oparg >> 4 & 1u ? "true" : "false");
    return;
  case TOP_BRANCH_COMPARE_LOCAL_CONST:
    buf_printf(out, " local %u, %u with %lld, stays while %s", ti->oparg >> 16, ti->oparg & 0xfu, (long long)ti->operand,
               ti->oparg >> 4 & 1u ? "true" : "false");
    return;
  case TOP_LOCAL_INT_OP_CONST:
    buf_printf(out, " local %u %s %lld", ti->oparg >> 16, op_info[INT_CONST_OPCODE(ti->oparg)].name, (long long)ti->operand);
    return;
  case TOP_INT_OP_LOCAL:
  case TOP_FLOAT_OP_LOCAL: buf_printf(out, " %s local %u", op_info[INT_CONST_OPCODE(ti->oparg)].name, ti->oparg >> 16); return;
  case TOP_COMPARE_CHAR_CONST:
    buf_printf(out, " %u with byte %u%s", ti->oparg, (unsigned)(ti->operand & 0xffu), ti->operand >> 8 & 1 ? " and more" : "");
    return;
  case TOP_COMPARE_CHAR_LOCAL:
    buf_printf(out, " %u of local %u at local %u with byte %u%s", ti->oparg, CHAR_LOCAL_TEXT(ti->operand),
               CHAR_LOCAL_INDEX(ti->operand), (unsigned)(ti->operand & 0xffu), ti->operand >> 8 & 1 ? " and more" : "");
    return;
  case TOP_BRANCH_CHAR_LOCAL:
    buf_printf(out, " %u of local %u at local %u with byte %u%s, stays while %s", ti->oparg & 0xfu,
               CHAR_LOCAL_TEXT(ti->operand), CHAR_LOCAL_INDEX(ti->operand), (unsigned)(ti->operand & 0xffu),
               ti->operand >> 8 & 1 ? " and more" : "", ti->oparg >> 4 & 1u ? "true" : "false");
    return;
  case TOP_INT_OP_CONST:
    buf_printf(out, " %s %lld", op_info[INT_CONST_OPCODE(ti->oparg)].name, (long long)int_const_value(ti->oparg, ti->operand));
    return;
  case TOP_LINK: buf_printf(out, " the LOOP at %llu", (unsigned long long)ti->operand); return;
  case TOP_CHECK_GLOBALS: buf_printf(out, " version %llu", (unsigned long long)ti->operand); return;
  case TOP_LOAD_LOCAL_ATTR:
  case TOP_STORE_LOCAL_ATTR:
    buf_printf(out, " local %u, slot %u%s", ti->oparg & 0xffff, ti->oparg >> 16,
               ti->operand & LOCAL_ATTR_PROVEN ? ", its shape proved" : "");
    return;
  case TOP_CONCAT_INT: buf_printf(out, ", the concatenation's at offset %llu", (unsigned long long)ti->operand); return;
  case TOP_LEN_LOCAL:
    buf_printf(out, " of the %s in local %u", ti->operand == LEN_LOCAL_STRING ? "string" : "array", ti->oparg);
    return;
  case TOP_POP_INIT_FRAME_KNOWN:
  case TOP_POP_FRAME_KNOWN:
  case TOP_POP_FRAME_DEFERRED:
  case TOP_RETURN_KNOWN: buf_printf(out, " releasing slots 0x%llx", (unsigned long long)ti->operand); return;
  case TOP_STORE_LOCAL_ELEM:
  case TOP_LOAD_LOCAL_ELEM:
    buf_printf(out, " local %u, index in local %u%s", ti->oparg & 0xffff, ti->oparg >> 16,
               ti->operand & ELEM_ARRAY_PROVED ? ", array and index proved" : "");
    return;
  case TOP_STORE_LOCAL_ELEM_AT:
  case TOP_LOAD_LOCAL_ELEM_AT: buf_printf(out, " local %u, index %lld", ti->oparg, (long long)ti->operand); return;
  case TOP_LOAD_CAPTURE_ELEM: buf_printf(out, " index in local %u", ti->oparg); return;
  case TOP_LOAD_CAPTURE_ELEM_AT:
  case TOP_LOAD_CAPTURE_ELEM_CELL:
  case TOP_STORE_CAPTURE_ELEM_CELL: buf_printf(out, " index %lld", (long long)ti->operand); return;
  case TOP_GET_ARRAY_KIND: put_elem_kind(out, ti); return;
  case TOP_LOAD_LOCAL_ELEM_KIND:
    buf_printf(out, " local %u, index in local %u,", ti->oparg & 0xffff, ti->oparg >> 16);
    put_elem_kind(out, ti);
    return;
  case TOP_LOAD_LOCAL_ELEM_AT_KIND:
    buf_printf(out, " local %u, index %u,", ti->oparg & 0xffff, ti->oparg >> 16);
    put_elem_kind(out, ti);
    return;
  case TOP_LOAD_CAPTURE_ELEM_KIND: buf_printf(out, " index in local %u,", ti->oparg); put_elem_kind(out, ti); return;
  case TOP_LOAD_CAPTURE_ELEM_AT_KIND: buf_printf(out, " index %u,", ti->oparg); put_elem_kind(out, ti); return;
  case TOP_GUARD_LOCAL_KIND:
    buf_printf(out, " local %u is %s", ti->oparg,
               ti->operand == GUARD_KIND_ARRAY ? "array" : value_type_name(trace_value((uint32_t)ti->operand, 0)));
    return;
  default:
    if (ti->op < UOP__COUNT && uop_shows_oparg(ti->op)) buf_printf(out, " %u", ti->oparg);
  }
}

void trace_list(const VM *vm, const TraceInst *code, uint32_t len, uint32_t loop_start, const TraceExit *exits,
                Buf *out) {
  const Module *m = vm->module;
  for (uint32_t i = 0; i < len; i++) {
    const TraceInst *ti = &code[i];
    size_t start = out->len;
    buf_printf(out, "  %c%3u  %-8s %5u  %s", i == loop_start ? '>' : ' ', i, m->funcs[ti->func].name, ti->pc,
               trace_op_name(ti->op));
    list_operands(m, ti, out);
    if (ti->exit != TRACE_NO_EXIT) {
      const TraceExit *e = &exits[ti->exit];
      while (out->len - start < 56) buf_putc(out, ' ');
      buf_printf(out, " -> exit %u: %s:%u", ti->exit, m->funcs[e->func].name, e->pc);
      static const char *const kind_name[4] = {"", "int", "float", "bool"};
      for (uint32_t l = 0, n = 0; l < EXIT_KIND_LOCALS; l++)  /* what a side trace from it knows */
        if (exit_kind_of(e->kinds, l)) buf_printf(out, "%s%u %s", n++ ? ", " : " knowing local ", l, kind_name[exit_kind_of(e->kinds, l)]);
    }
    buf_putc(out, '\n');
  }
}
