/* jit_hooks.c: the JIT as t2 reaches it (JitHooks, vm/trace.h): compiling an executor's
 * trace for the host, then the inspection a run asked for; freeing compiled code. */
#include <stdio.h>

#include "jit.h"

static JitCode *hook_compile(const JitHooks *h, const VM *vm, const Executor *ex, const TraceInst *code, uint32_t len,
                             char *why, size_t whycap) {
  (void)h;
  return jit_compile(code, len, (uint32_t)switched_off_jit_uops(&vm->t2->off, ex->id, len), ex->loop_start, ex->exits,
                     ex->chain > 0, vm->t1.fault, vm->t2->at_entry, why, whycap);
}

static void hook_show(const JitHooks *h, const VM *vm, const Executor *ex, const JitCode *c, const TraceInst *code) {
  const JitOptions *o = h->options;
  if (!o) return;
  if (o->perf_map) jit_perf_map_add(c, code, ex->id);
  if (o->dump_dir && !jit_dump(o->dump_dir, vm, c, code, ex->id))
    fprintf(stderr, "tessera: --dump-jit: cannot write trace %u into %s\n", ex->id, o->dump_dir);
}

static void hook_free_batch(bool begin) {
  if (begin) jit_free_batch_begin();
  else jit_free_batch_end();
}

const JitHooks jit_default_hooks = {jit_prepare, hook_compile, hook_show, jit_free, hook_free_batch, NULL};

JitHooks jit_hooks(const JitOptions *options) {
  JitHooks h = jit_default_hooks;
  h.options = options;
  return h;
}
