/* step_watch.c: hashing a run's state at a place (step_watch.h). */
#include "step_watch.h"

#include "render.h"
#include "vm.h"

/* Each value is hashed through its canonical text (render.h: no user code runs, cycles
   and sharing are bounded), cut at this many bytes: a difference deeper than that shows
   later, when it reaches the part that is hashed. */
#define STEP_VALUE_CAP 4096

static uint64_t hash_word(uint64_t h, uint64_t w) { return mix64(h ^ w); }

/* An iterator renders as "<iterator>": its position and what it walks are hashed too. */
static uint64_t hash_value(VM *vm, uint64_t h, Value v, Buf *text) {
  text->len = 0;
  (void)render_value(vm->module, &vm->shapes, v, RENDER_REPR, text, STEP_VALUE_CAP);
  h = hash_word(hash_word(h, text->len), hash_bytes(text->data, text->len));
  if (is_iter(v)) {
    const ObjIter *it = as_iter(v);
    h = hash_word(h, it->pos * 2 + it->done);
    h = hash_value(vm, h, it->source, text);
  }
  return h;
}

void step_watch_mark(VM *vm, StepWatch *w, uint32_t func, uint32_t pc, uint32_t op, const Value *sp) {
  uint64_t h = hash_word(hash_word(hash_word(0, vm->checksum), vm->probes), vm->nframes);
  for (size_t f = 0; f < vm->nframes; f++) h = hash_word(h, vm->frames[f].func);
  Buf text = {0};
  for (const Value *v = vm->stack; v < sp; v++) h = hash_value(vm, h, *v, &text);
  for (uint32_t g = 0; g < vm->module->nglobals; g++) h = hash_value(vm, h, vm->globals[g], &text);
  buf_free(&text);
  h = hash_word(hash_word(h, vm->output.len), hash_bytes(vm->output.data, vm->output.len));
  if (w->n == w->cap) {
    w->cap = w->cap ? 2 * w->cap : 64;
    w->marks = xrealloc(w->marks, w->cap * sizeof *w->marks);
  }
  w->marks[w->n++] = (StepMark){vm->fuel_used, (uint32_t)vm->nframes, func, pc, op, h};
}

void step_watch_free(StepWatch *w) {
  free(w->marks);
  *w = (StepWatch){0};
}
