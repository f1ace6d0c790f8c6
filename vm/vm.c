/* vm.c: VM set-up and teardown, and running a module into an observation. */
#include "vm.h"

#include <stdarg.h>
#include <string.h>

#include "asm.h"
#include "render.h"
#include "semantics.h"
#include "specialize.h"
#include "trace.h"

const char *const tier_name[TIER__COUNT] = {
#define TIER(name, text, doc) text,
  TESSERA_TIERS(TIER)
#undef TIER
};

const char *const tier_doc[TIER__COUNT] = {
#define TIER(name, text, doc) doc,
  TESSERA_TIERS(TIER)
#undef TIER
};

int tier_from_name(const char *name) { return name_index(tier_name, TIER__COUNT, name); }

Limits limits_default(void) {
  Limits l = {LIMIT_DEFAULT_FUEL, LIMIT_DEFAULT_DEPTH, LIMIT_DEFAULT_HEAP, LIMIT_DEFAULT_OUTPUT};
  return l;
}

RunOptions run_options_default(Tier tier) {
  RunOptions o = {.tier = tier, .dispatch = DISPATCH_GOTO, .limits = limits_default(), .fault = FAULT_NONE,
                  .warmup = T1_DEFAULT_WARMUP, .trace_threshold = TRACE_DEFAULT_THRESHOLD, .max_nested = TRACE_MAX_NESTED,
                  .trace_opt = true};
  return o;
}

const char *const fault_name[FAULT__COUNT] = {
#define FAULT(name, text, doc) text,
  TESSERA_FAULTS(FAULT)
#undef FAULT
};

const char *const operator_method_name[OPM__COUNT] = {
#define OPERATOR(name, method) method,
    TESSERA_OPERATORS(OPERATOR)
#undef OPERATOR
};

int fault_from_name(const char *name) { return name_index(fault_name, FAULT__COUNT, name); }

/* t1 works on its own copy of the code, with a cache per instruction offset. With
   tracing, a LOOP's counter counts down to projection from the trace threshold
   (t2_init); the loop below sets it at every byte that reads as OP_LOOP, operand bytes
   too, whose cache entries nothing reads: one pass over the code, not a second walk
   instruction by instruction for each tier that traces. */
static void t1_init(VM *vm, const RunOptions *opts) {
  const Module *m = vm->module;
  vm->t1.fault = opts->fault;
  vm->t1.warmup = opts->warmup ? opts->warmup : 1;
  vm->t1.stats = opts->stats;
  vm->t1.off = opts->off;
  vm->t1.code = xcalloc(m->nfuncs, sizeof(uint8_t *));
  vm->t1.cache = xcalloc(m->nfuncs, sizeof(T1Cache *));
  uint16_t warm = t1_counter(vm->t1.warmup, 0);
  uint16_t loop = tier_traces(opts->tier) ? t1_counter(run_trace_threshold(opts), 0) : warm;
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    const Function *f = &m->funcs[i];
    vm->t1.code[i] = xmalloc(f->code_len);
    memcpy(vm->t1.code[i], f->code, f->code_len);
    vm->t1.cache[i] = xcalloc(f->code_len, sizeof(T1Cache));
    for (uint32_t pc = 0; pc < f->code_len; pc++)
      vm->t1.cache[i][pc].counter = f->code[pc] == OP_LOOP ? loop : warm;
  }
}

static void t1_free(VM *vm) {
  if (!vm->t1.code) return;
  for (uint32_t i = 0; i < vm->module->nfuncs; i++) {
    free(vm->t1.code[i]);
    free(vm->t1.cache[i]);
  }
  free(vm->t1.code);
  free(vm->t1.cache);
}

/* Lists each function's code as t1 left it: specialized forms by their names. */
static void t1_list_quickened(const VM *vm, Buf *out) {
  const Module *m = vm->module;
  for (uint32_t fi = 0; fi < m->nfuncs; fi++) {
    const Function *f = &m->funcs[fi];
    buf_printf(out, ".func %s params=%u locals=%u\n", f->name, f->nparams, f->nlocals);
    for (uint32_t pc = 0; pc < f->code_len; pc += op_length(f->code[pc])) {
      int op = vm->t1.code[fi][pc];
      buf_printf(out, "  %5u  %-20s", pc, opcode_name(op));
      if (op_info[f->code[pc]].format != FMT_NONE) dis_operand(m, f, pc, out);
      if (op >= OP__COUNT) buf_printf(out, "    ; was %s", op_info[f->code[pc]].name);
      while (out->len && out->data[out->len - 1] == ' ') out->len--;
      buf_putc(out, '\n');
    }
    buf_puts(out, ".end\n");
  }
}

#define CHECKSUM_SEED 0xcbf29ce484222325ull

/* The constant index of the string text, a name the VM gives a meaning to (init,
   op_add ...), or SHAPE_NONE when the module has no such constant, so no class can
   have that attribute. */
static uint32_t name_constant(const Module *m, const char *text) {
  Constant k = {CONST_STRING, 0, 0, (char *)text, (uint32_t)strlen(text)};
  int64_t at = module_find_const(m, &k);
  return at < 0 ? SHAPE_NONE : (uint32_t)at;
}

void vm_init(VM *vm, const Module *m, Limits limits) {
  memset(vm, 0, sizeof *vm);
  vm->module = m;
  vm->limits = limits;
  vm->checksum = CHECKSUM_SEED;
  /* Constant strings are heap objects like any other: they count in the heap
     statistics and against the limit, the same way in every tier. The heap limit is
     applied only after they exist, so a module always starts. */
  heap_init(&vm->heap, UINT64_MAX);
  vm->consts = xcalloc(m->nconsts, sizeof(Value));
  for (uint32_t i = 0; i < m->nconsts; i++) {
    const Constant *c = &m->consts[i];
    switch (c->kind) {
    case CONST_INT: vm->consts[i] = val_int(c->i); break;
    case CONST_FLOAT: vm->consts[i] = val_float(c->f); break;
    case CONST_STRING: vm->consts[i] = val_obj(&heap_new_string(&vm->heap, c->s, c->len)->obj); break;
    }
  }
  vm->heap.max_bytes = limits.max_heap;
  shapes_init(&vm->shapes);
  vm->next_class_version = 1;
  vm->init_name = name_constant(m, "init");
  for (int op = 0; op < OPM__COUNT; op++) vm->operator_name[op] = name_constant(m, operator_method_name[op]);
  vm->heap.finalizer_name = vm->operator_name[OPM_DEL];
  vm->globals = xcalloc(m->nglobals, sizeof(Value));
  for (uint32_t i = 0; i < m->nglobals; i++) vm->globals[i] = val_nil();
}

void vm_teardown(VM *vm) {
  heap_teardown(&vm->heap);
  shapes_free(&vm->shapes);
  free(vm->consts);
  free(vm->globals);
  free(vm->stack ? vm->stack - VM_STACK_FLOOR - vm->placement : NULL);
  free(vm->frames ? vm->frames - vm->placement : NULL);
  t2_free(vm);
  t1_free(vm);
  buf_free(&vm->output);
  memset(vm, 0, sizeof *vm);
}

void vm_grow_frames(VM *vm, size_t cap) {
  Frame *mem = xrealloc(vm->frames ? vm->frames - vm->placement : NULL, sizeof(Frame) * (vm->placement + cap));
  vm->frames = mem + vm->placement;
  vm->frames_cap = cap;
}

void vm_grow_stack(VM *vm, size_t slots) {
  size_t cap = vm->stack_cap ? vm->stack_cap : 256;
  while (cap < slots) cap *= 2;
  size_t below = VM_STACK_FLOOR + vm->placement;
  Value *mem = xrealloc(vm->stack ? vm->stack - below : NULL, (below + cap) * sizeof(Value));
  for (size_t i = 0; i < below; i++) mem[i] = val_nil();
  vm->stack = mem + below;
  vm->stack_cap = cap;
  vm->stack_end = (uintptr_t)(vm->stack + cap);
}

/* Whether fmt's only conversions are %s. */
static bool only_strings(const char *fmt) {
  for (const char *p = fmt; (p = strchr(p, '%')) != NULL; p += 2)
    if (p[1] != 's') return false;
  return true;
}

/* Appends the n bytes at s to out (*len of cap used), as many as fit before the NUL. */
static void put_cut(char *out, size_t cap, size_t *len, const char *s, size_t n) {
  if (n > cap - 1 - *len) n = cap - 1 - *len;
  memcpy(out + *len, s, n);
  *len += n;
}

/* fmt with each %s replaced by the next string of ap, into out (cap bytes, cut as
   vsnprintf cuts): each run of text copied whole. */
static void format_strings(char *out, size_t cap, const char *fmt, va_list ap) {
  size_t len = 0;
  for (const char *p = fmt;;) {
    const char *pc = strchr(p, '%');
    if (!pc) {
      put_cut(out, cap, &len, p, strlen(p));
      break;
    }
    put_cut(out, cap, &len, p, (size_t)(pc - p));
    const char *a = va_arg(ap, const char *);
    put_cut(out, cap, &len, a, strlen(a));
    p = pc + 2;
  }
  out[len] = '\0';
}

/* Most details have no conversion but %s ("integer division by zero", "a %s raised
   and not caught"), and a program that catches errors in a loop makes one at each:
   by hand, a detail costs a tenth of vsnprintf's 500 instructions or so
   (bench/exceptions.tas). */
ErrorKind vm_fail(VM *vm, ErrorKind kind, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (only_strings(fmt))
    format_strings(vm->error_detail, sizeof vm->error_detail, fmt, ap);
  else
    vsnprintf(vm->error_detail, sizeof vm->error_detail, fmt, ap);
  va_end(ap);
  return kind;
}

/* ---- Running a module ---- */

static char *render_result(const Module *m, const ShapeTable *shapes, Value v) {
  Buf b = {0};
  if (!render_value(m, shapes, v, RENDER_REPR, &b, RENDER_RESULT_CAP)) buf_puts(&b, "...");
  char *s = xstrndup(b.data ? b.data : "", b.len);
  buf_free(&b);
  return s;
}

void vm_run_module(const Module *m, const RunOptions *opts, Observation *obs) {
  memset(obs, 0, sizeof *obs);
  VM vm;
  vm_init(&vm, m, opts->limits);
  vm.placement = opts->placement;  /* before the first allocation of the stack and the frames, main's frame */
  Value result = val_nil();
  bool ok = false;
  vm.watch = opts->watch;
  vm.hand_backs = opts->hand_backs;
  ASSERT(!opts->watch || opts->tier == TIER_REF || opts->tier == TIER_T1, "only ref and t1 are built with steps");
  switch (opts->tier) {
  case TIER_REF:
    ok = opts->watch                       ? ref_run_steps(&vm, &result)
         : opts->dispatch == DISPATCH_SWITCH ? ref_run_switch(&vm, &result)
                                             : ref_run_goto(&vm, &result);
    break;
  case TIER_T1:
    t1_init(&vm, opts);
    ok = opts->watch                       ? t1_run_steps(&vm, &result)
         : opts->dispatch == DISPATCH_SWITCH ? t1_run_switch(&vm, &result)
                                             : t1_run_goto(&vm, &result);
    if (opts->quickened) t1_list_quickened(&vm, opts->quickened);
    break;
  case TIER_T2:
  case TIER_T2_NOOPT:
  case TIER_JIT:
  case TIER_JIT_NOOPT:
    ASSERT(!tier_compiles(opts->tier) || opts->jit, "a jit tier needs RunOptions.jit (jit/jit.h: jit_hooks)");
    t1_init(&vm, opts);
    t2_init(&vm, opts);
    ok = opts->dispatch == DISPATCH_SWITCH ? t2_run_switch(&vm, &result) : t2_run_goto(&vm, &result);
    t2_fold_stats(&vm);
    if (opts->t2_stats) opts->t2_stats->class_invalidations += vm.class_invalidations;
    if (opts->quickened) t1_list_quickened(&vm, opts->quickened);
    break;
  default: UNREACHABLE();
  }
  if (ok) {
    obs->result = render_result(m, &vm.shapes, result);
    val_decref(&vm.heap, result);
  } else {
    obs->error = vm.error;
    obs->error_function = xstrndup(m->funcs[vm.error_func].name, strlen(m->funcs[vm.error_func].name));
    obs->error_offset = vm.error_pc;
    obs->error_detail = xstrndup(vm.error_detail, strlen(vm.error_detail));
  }
  heap_release_waiting(&vm.heap);
  obs->fuel_used = vm.fuel_used;
#if defined(__aarch64__)
  /* test-only fault: in the code every tier shares, so only comparing architectures sees it */
  if (opts->fault == FAULT_ARCH_FUEL_AARCH64 && obs->fuel_used) obs->fuel_used--;
#endif
  obs->checksum = vm.checksum;
  obs->probes = vm.probes;
  memcpy(obs->probe_trace, vm.probe_trace, sizeof obs->probe_trace);
  obs->heap_objects = vm.heap.live_objects;
  obs->heap_bytes = vm.heap.live_bytes;
  obs->output = vm.output;  /* moved */
  vm.output = (Buf){0};
  vm_teardown(&vm);
}
