/* gen_vars.c: the variables code may use at the current point (picking one by class,
 * loading, storing, a new local) and the functions it may call (their costs). */
#include "gen_consts.h"
#include "gen_decide.h"
#include "gen_internal.h"

Var *gen_var_at(Gen *g, VarRef r) { return r.global ? &g->globals[r.index] : &g->locals[r.index]; }

static bool var_fits(const Var *v, Cls want, int sig) {
  if (!v->ready) return false;
  if (v->cls == C_FUNC) return want == C_ANY || (want == C_FUNC && v->sig == sig);
  if (want == C_FUNC) return false;
  return cls_within(v->cls, want);
}

bool gen_pick_var(Gen *g, Cls want, int sig, bool writable, int where, VarRef *out) {
  VarRef cand[MAX_LOCALS + MAX_GLOBALS];
  uint32_t n = 0;
  if (where & W_LOCAL)
    for (uint32_t i = 0; i < g->nlocals; i++)
      if (var_fits(&g->locals[i], want, sig) && !(writable && g->locals[i].readonly))
        cand[n++] = (VarRef){(uint16_t)i, false};
  if (where & W_GLOBAL)
    for (uint32_t i = 0; i < g->nglobals; i++)
      if (var_fits(&g->globals[i], want, sig) && !(writable && g->globals[i].readonly))
        cand[n++] = (VarRef){(uint16_t)i, true};
  if (n == 0) return false;
  *out = cand[rd_below(g, n)];
  return true;
}

void gen_jump_unless_shorter(Gen *g, VarRef a, uint32_t n, uint32_t label) {
  gen_emit_load(g, a);
  gen_emit_op(g, OP_LEN);
  gen_emit_int(g, OP_PUSH_INT, n);
  gen_emit_op(g, OP_LT);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, label);
}

void gen_emit_load(Gen *g, VarRef r) {
  if (r.global)
    gen_emit_int(g, OP_LOAD_GLOBAL, r.index);
  else
    gen_emit_int(g, OP_LOAD_LOCAL, r.index);
}

/* Stores the top of the stack into r. A string-class variable is then reset when it has
   grown past STRING_CAP, so repeated concatenation cannot grow without bound. */
void gen_emit_store(Gen *g, VarRef r) {
  if (r.global) {
    gen_emit_int(g, OP_STORE_GLOBAL, r.index);
    g->shape.global_stores++;
  } else {
    gen_emit_int(g, OP_STORE_LOCAL, r.index);
  }
  if (gen_var_at(g, r)->cls != C_STR) return;
  uint32_t ok = gen_new_label(g);
  gen_emit_load(g, r);
  gen_emit_op(g, OP_LEN);
  gen_emit_int(g, OP_PUSH_INT, STRING_CAP);
  gen_emit_op(g, OP_GT);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, ok);
  gen_emit_const(g, PICK(g, str_consts));
  if (r.global) {
    gen_emit_int(g, OP_STORE_GLOBAL, r.index);
    g->shape.global_stores++;
  } else {
    gen_emit_int(g, OP_STORE_LOCAL, r.index);
  }
  gen_place_label(g, ok);
}

bool gen_new_local(Gen *g, Cls cls, uint16_t *index) {
  if (g->nlocals >= MAX_LOCALS) return false;
  *index = (uint16_t)g->nlocals;
  g->locals[g->nlocals++] = (Var){.cls = cls, .func = -1};
  return true;
}

/* Functions that can be called from here. */

uint64_t gen_call_cost(const FuncInfo *f) { return f->cost + f->sig.nparams + 2; }

uint64_t gen_sig_cost(Gen *g, uint8_t sig) {
  uint64_t c = 0;
  for (uint32_t i = 0; i < g->nfuncs; i++)
    if (g->funcs[i].sig_id == sig && gen_call_cost(&g->funcs[i]) > c) c = gen_call_cost(&g->funcs[i]);
  return c;
}

int gen_pick_func_of_sig(Gen *g, uint8_t sig) {
  int cand[MAX_FUNCS], n = 0;
  for (uint32_t i = 0; i < g->nfuncs; i++)
    if (g->funcs[i].sig_id == sig && !g->funcs[i].recursive) cand[n++] = (int)i;
  return n ? cand[rd_below(g, (uint32_t)n)] : -1;
}

bool gen_pick_holder(Gen *g, uint16_t kinds, bool globals, VarRef *out) {
  VarRef cand[MAX_LOCALS + MAX_GLOBALS];
  uint32_t n = 0;
  uint32_t nvars = g->nlocals + (globals ? g->nglobals : 0);
  for (uint32_t i = 0; i < nvars; i++) {
    VarRef r = i < g->nlocals ? (VarRef){(uint16_t)i, false} : (VarRef){(uint16_t)(i - g->nlocals), true};
    const Var *v = gen_var_at(g, r);
    if (v->ready && !v->readonly && v->cls < C_FUNC && (cls_kinds[v->cls] & kinds) == kinds) cand[n++] = r;
  }
  if (n == 0) return false;
  *out = cand[rd_below(g, n)];
  return true;
}
