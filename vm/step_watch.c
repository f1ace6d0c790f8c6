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

uint64_t step_digest(VM *vm, const Value *sp) {
  uint64_t h = hash_word(hash_word(hash_word(0, vm->checksum), vm->probes), vm->nframes);
  for (size_t f = 0; f < vm->nframes; f++) h = hash_word(h, vm->frames[f].func);
  Buf text = {0};
  for (const Value *v = vm->stack; v < sp; v++) h = hash_value(vm, h, *v, &text);
  for (uint32_t g = 0; g < vm->module->nglobals; g++) h = hash_value(vm, h, vm->globals[g], &text);
  buf_free(&text);
  h = hash_word(hash_word(h, vm->output.len), hash_bytes(vm->output.data, vm->output.len));
  return h ? h : 1;
}

/* The frame-state check's digest: cheaper, since it is taken at every hand-back. A
   scalar by its bits (every NaN as one), a string by its bytes, any other object by its kind and its
   length (an array's elements, a map's keys, an instance's attributes) or an iterator's
   position: what a stale slot would change, not what the observation shows anyway.
   Each value is one word, folded in as a polynomial (h * K + word, K odd): one multiply
   and add per value instead of a chain of full mixes, and a difference in any one word
   always changes the digest, since multiplying by an odd K loses no bit. */
#define FRAME_DIGEST_K 0x9e3779b97f4a7c15ull

static uint64_t shallow_word(Value v) {
  uint64_t kind = (uint64_t)v.kind << 56;
  /* A NaN's sign and payload are not the semantics' (docs/semantics.md section 7.4). */
  if (v.kind == VAL_FLOAT && v.as.f != v.as.f) return kind ^ CANONICAL_NAN_BITS;
  if (v.kind != VAL_OBJ) return kind ^ mix64((uint64_t)v.as.i);
  const Obj *o = v.as.obj;
  kind ^= (uint64_t)o->kind << 48;
  switch (o->kind) {
  case OBJ_STRING: return kind ^ hash_bytes(as_string(v)->chars, as_string(v)->len);
  case OBJ_ARRAY: return kind ^ as_array(v)->len;
  case OBJ_MAP: return kind ^ as_map(v)->len;
  case OBJ_INSTANCE: return kind ^ ((const ObjInstance *)o)->len;
  case OBJ_ITER: return kind ^ (as_iter(v)->pos * 2 + as_iter(v)->done);
  default: return kind;
  }
}

uint64_t step_frame_digest(VM *vm, const Value *sp) {
  uint64_t h = hash_word(hash_word(hash_word(0, vm->checksum), vm->probes), vm->nframes);
  for (size_t f = 0; f < vm->nframes; f++) h = h * FRAME_DIGEST_K + vm->frames[f].func;
  for (const Value *v = vm->stack; v < sp; v++) h = h * FRAME_DIGEST_K + shallow_word(*v);
  for (uint32_t g = 0; g < vm->module->nglobals; g++) h = h * FRAME_DIGEST_K + shallow_word(vm->globals[g]);
  h = hash_word(h, vm->output.len);
  return h ? h : 1;
}

static void add_mark(StepWatch *w, StepMark m) {
  if (w->n == w->cap) {
    w->cap = w->cap ? 2 * w->cap : 64;
    w->marks = xrealloc(w->marks, w->cap * sizeof *w->marks);
  }
  w->marks[w->n++] = m;
}

/* Want mode: the wanted places at this fuel that the run is at now get its digest;
   the watch then waits for the first place still ahead. */
static void mark_wanted(VM *vm, StepWatch *w, uint32_t func, uint32_t pc, const Value *sp) {
  uint64_t fuel = vm->fuel_used, digest = 0;
  while (w->next < w->nwant && w->want[w->next].fuel < fuel) w->next++;  /* passed, never there */
  for (size_t i = w->next; i < w->nwant && w->want[i].fuel == fuel; i++) {
    const StepMark *p = &w->want[i];
    if (w->marks[i].digest || p->depth != vm->nframes || p->func != func || p->pc != pc) continue;
    if (!digest) digest = step_frame_digest(vm, sp);
    w->marks[i] = *p;
    w->marks[i].digest = digest;
  }
  while (w->next < w->nwant && w->marks[w->next].digest) w->next++;
  w->fuel = w->next < w->nwant ? w->want[w->next].fuel : UINT64_MAX;
}

void step_watch_mark(VM *vm, StepWatch *w, uint32_t func, uint32_t pc, uint32_t op, const Value *sp) {
  if (w->want) {
    mark_wanted(vm, w, func, pc, sp);
    return;
  }
  if (vm->fuel_used != w->fuel) {  /* past the fuel watched: nothing more to mark */
    w->fuel = UINT64_MAX;
    return;
  }
  if (!w->every && w->n) return;
  add_mark(w, (StepMark){vm->fuel_used, (uint32_t)vm->nframes, func, pc, op, step_digest(vm, sp)});
}

void step_watch_want(StepWatch *w, const StepMark *want, size_t n) {
  *w = (StepWatch){0};
  w->want = want;
  w->nwant = n;
  w->marks = xcalloc(n ? n : 1, sizeof *w->marks);
  w->n = w->cap = n;
  w->fuel = n ? want[0].fuel : UINT64_MAX;
}

void step_watch_hand_back(VM *vm, StepWatch *w, uint32_t pc, uint32_t op, const Value *sp) {
  add_mark(w, (StepMark){vm->fuel_used, (uint32_t)vm->nframes, vm->frames[vm->nframes - 1].func, pc, op,
                         step_frame_digest(vm, sp)});
}

void step_watch_free(StepWatch *w) {
  free(w->marks);
  *w = (StepWatch){0};
}
