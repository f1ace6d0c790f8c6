/* gen_program.c: the generator's entry points (gen.h) and what they build: the
 * program's shape, then each function, then the module's check.
 *
 *   gen_program
 *     program shape: chaos level, globals and their classes, number of functions
 *     gen_function f0 .. f(n-1), then main      (a function calls only those before it),
 *       then the object methods and the iteration, exception, closure, builtin and
 *       limit helpers
 *       signature (0-4 params), recursion?, budget, variables and their classes
 *       prologue: every variable (main: every global first) gets a value of its class
 *       body: main's hot loop, then a block (gen_stmt.c)
 *       epilogue: main probes every global; every function returns a value of its class
 *       its code encoded as it ends (gen_emit.c), its text written (gen_text.c)
 *     the text: header comment, globals, functions; then verify_finish */
#include <string.h>

#include "asm.h"
#include "gen_decide.h"
#include "gen_internal.h"
#include "verify.h"

static const Cls param_classes[] = {C_INT, C_INT, C_NUM, C_NUM, C_FLOAT, C_STR, C_ARR, C_SEQ, C_BOOL, C_ANY};
static const Cls var_classes[] = {C_INT, C_INT, C_INT, C_NUM, C_NUM, C_NUM, C_FLOAT, C_STR,
                                  C_ARR, C_ARR, C_SEQ, C_SEQ, C_BOOL, C_ANY, C_FUNC, C_FUNC};
static const Cls ret_classes[] = {C_INT, C_INT, C_NUM, C_NUM, C_FLOAT, C_STR, C_ARR, C_SEQ, C_BOOL, C_ANY};

static bool sig_equal(const Sig *a, const Sig *b) {
  if (a->nparams != b->nparams || a->ret != b->ret) return false;
  for (uint32_t i = 0; i < a->nparams; i++)
    if (a->params[i] != b->params[i]) return false;
  return true;
}

static void choose_signature(Gen *g, FuncInfo *f, bool may_recurse) {
  uint32_t nrec = 0;
  for (uint32_t i = 0; i < g->nfuncs; i++) nrec += g->funcs[i].recursive;
  if (may_recurse && nrec < MAX_RECURSIVE && rd_chance(g, 25)) {
    f->recursive = true;
    f->self_calls = rd_chance(g, 30) ? 2 : 1;
    f->max_depth = (uint8_t)(f->self_calls == 2 ? 2 + rd_below(g, 4) : 2 + rd_below(g, 11));
    f->sig.nparams = (uint8_t)(1 + rd_below(g, MAX_PARAMS));
    f->sig.params[0] = C_INT;
    for (uint32_t i = 1; i < f->sig.nparams; i++) f->sig.params[i] = PICK(g, param_classes);
    f->sig.ret = PICK(g, ret_classes);
    f->sig_id = g->nsigs++;  /* never shared: calls through variables never reach it */
    return;
  }
  if (g->nfuncs && rd_chance(g, 40)) {  /* the same signature as an earlier function */
    const FuncInfo *o = &g->funcs[rd_below(g, g->nfuncs)];
    if (!o->recursive) {
      f->sig = o->sig;
      f->sig_id = o->sig_id;
      return;
    }
  }
  f->sig.nparams = (uint8_t)rd_below(g, MAX_PARAMS + 1);
  for (uint32_t i = 0; i < f->sig.nparams; i++) f->sig.params[i] = PICK(g, param_classes);
  f->sig.ret = PICK(g, ret_classes);
  for (uint32_t i = 0; i < g->nfuncs; i++)
    if (!g->funcs[i].recursive && sig_equal(&g->funcs[i].sig, &f->sig)) {
      f->sig_id = g->funcs[i].sig_id;
      return;
    }
  f->sig_id = g->nsigs++;
}

/* Declares the function's variables (after its params) with their classes. */
static void declare_vars(Gen *g) {
  /* An int and a number always: loops need an int, and kind changes a number. And when
     two functions share a signature, often a function variable: calls through it
     change callee. */
  bool shared = false;
  for (uint32_t k = 0; k < g->nfuncs; k++)
    for (uint32_t o = k + 1; o < g->nfuncs; o++)
      shared |= !g->funcs[k].recursive && g->funcs[o].sig_id == g->funcs[k].sig_id;
  uint32_t n = 2 + rd_below(g, 5);
  for (uint32_t i = 0; i < n; i++) {
    Cls c = i == 0 ? C_INT : i == 1 ? C_NUM : i == 2 && shared && rd_chance(g, 50) ? C_FUNC : PICK(g, var_classes);
    uint8_t sig = 0;
    if (c == C_FUNC) {  /* preferably a signature that several functions share */
      int f = -1;
      for (uint32_t k = 0; k < g->nfuncs && f < 0; k++)
        for (uint32_t o = k + 1; o < g->nfuncs; o++)
          if (!g->funcs[k].recursive && g->funcs[o].sig_id == g->funcs[k].sig_id && rd_chance(g, 70)) {
            f = (int)k;
            break;
          }
      if (f < 0 && g->nfuncs) f = gen_pick_func_of_sig(g, g->funcs[rd_below(g, g->nfuncs)].sig_id);
      if (f < 0)
        c = C_NUM;
      else
        sig = g->funcs[f].sig_id;
    }
    uint16_t index;
    if (!gen_new_local(g, c, &index)) return;
    g->locals[index].sig = sig;
  }
  /* Instances, in programs with objects: one or two. */
  if (g->obj.on)
    for (uint32_t i = 0, nobj = 1 + rd_below(g, 2); i < nobj; i++) {
      uint16_t index;
      if (!gen_new_local(g, C_OBJ, &index)) return;
    }
  /* A map, in programs with maps. */
  uint16_t map_index;
  if (g->maps_on && !gen_new_local(g, C_MAP, &map_index)) return;
}

static void gen_prologue(Gen *g) {
  g->prologue = true;
  if (g->is_main)
    for (uint32_t i = 0; i < g->nglobals; i++) {
      gen_value_for(g, &g->globals[i]);
      gen_emit_store(g, (VarRef){(uint16_t)i, true});
      g->globals[i].ready = true;
    }
  for (uint32_t i = g->nparams; i < g->nlocals; i++) {
    gen_value_for(g, &g->locals[i]);
    gen_emit_store(g, (VarRef){(uint16_t)i, false});
    g->locals[i].ready = true;
  }
  g->prologue = false;
}

/* The number of calls a recursive function makes to itself in all, its first included. */
static uint64_t recursion_calls(const FuncInfo *f) {
  if (!f->recursive) return 1;
  if (f->self_calls == 1) return f->max_depth + 1u;
  return (2ull << f->max_depth) - 1;
}

/* "f3", "g0": the names of functions and globals in the module and the text. */
static char *numbered_name(char prefix, uint32_t index) {
  char name[16] = {prefix};
  format_i64(name + 1, index);
  return xstrndup(name, strlen(name));
}

/* Function index (main when is_main), generated and encoded into the module. */
static void gen_function(Gen *g, uint32_t index, bool is_main) {
  FuncInfo *f = &g->funcs[index];
  memset(f, 0, sizeof *f);
  Function *out = &g->m->funcs[index];
  out->name = is_main ? xstrndup("main", 4) : numbered_name('f', index);
  gen_code_begin(g, out->name);
  g->fn = f;
  g->is_main = is_main;
  g->nlocals = g->nparams = g->insns = g->nloops = g->block_depth = g->ntries = 0;
  g->spent = 0;
  g->mult = 1;
  g->iterated_map = -1;
  g->ncellsets = 0;
  g->fresh_cell = g->fresh_clos = -1;
  g->nbsets = 0;

  if (is_main) {
    f->sig.nparams = 0;
    f->sig.ret = C_ANY;
    f->sig_id = g->nsigs++;
    g->budget = 6000 + 1000 * (uint64_t)rd_below(g, 40);
    g->static_cap = MAIN_STATIC_CAP;
  } else {
    choose_signature(g, f, true);
    static const uint32_t budgets[] = {40, 120, 400, 1500};
    g->budget = budgets[rd_below(g, ARRAY_LEN(budgets))];
    if (f->recursive) g->budget = g->budget * 4 / recursion_calls(f) + 40;
    g->static_cap = FUNC_STATIC_CAP;
  }
  for (uint32_t i = 0; i < f->sig.nparams; i++) {
    g->locals[i] = (Var){.cls = f->sig.params[i], .ready = true, .readonly = f->recursive && i == 0, .func = -1};
  }
  g->nlocals = g->nparams = f->sig.nparams;
  for (uint32_t i = 0; i < g->nglobals; i++) g->globals[i].ready = !is_main;

  if (f->recursive) {  /* if depth <= 0: return a value (no self call) */
    uint32_t rec = gen_new_label(g);
    gen_emit_int(g, OP_LOAD_LOCAL, 0);
    gen_emit_int(g, OP_PUSH_INT, 0);
    gen_emit_op(g, OP_LE);
    gen_emit_jump(g, OP_JUMP_IF_FALSE, rec);
    g->prologue = true;
    gen_expr(g, f->sig.ret, 1);
    g->prologue = false;
    gen_emit_op(g, OP_RETURN);
    gen_place_label(g, rec);
  }
  declare_vars(g);
  if (is_main) gen_object_classes(g);  /* before any instance is made */
  if (is_main) gen_builtin_global(g);  /* before any call reads it */
  gen_prologue(g);
  if (is_main) gen_loop(g, true);  /* every program has at least one hot loop */
  if (is_main)
    gen_block_n(g, 2, 8);
  else
    gen_block(g, 4);

  if (f->recursive) {  /* r = self(depth - 1, ...), once or twice; the result may use r */
    for (uint32_t k = 0; k < f->self_calls; k++) {
      uint16_t r;
      if (!gen_new_local(g, f->sig.ret, &r)) break;
      gen_emit_int(g, OP_PUSH_FUNC, index);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_int(g, OP_PUSH_INT, 1);
      gen_emit_op(g, OP_SUB);
      for (uint32_t a = 1; a < f->sig.nparams; a++) gen_expr(g, f->sig.params[a], 1);
      gen_emit_int(g, OP_CALL, f->sig.nparams);
      g->shape.calls++;
      gen_emit_store(g, (VarRef){r, false});
      g->locals[r].ready = true;
    }
  }
  if (is_main) gen_limit_runner(g);  /* gen_limit.c: late, so that little of main moves */
  if (is_main)
    for (uint32_t i = 0; i < g->nglobals; i++) {
      gen_emit_int(g, OP_LOAD_GLOBAL, i);
      gen_emit_op(g, OP_PROBE);
      g->shape.probes++;
    }
  gen_expr(g, f->sig.ret, 0);
  gen_emit_op(g, OP_RETURN);

  f->cost = g->spent * recursion_calls(f);
  out->nparams = f->sig.nparams;
  out->nlocals = g->nlocals - f->sig.nparams;
  gen_code_end(g, out);
  if (g->want_text) gen_text_function(g, out);
  g->nfuncs = index + 1;
  g->shape.functions++;
}

/* The program. */

static const Cls global_classes[] = {C_INT, C_INT, C_NUM, C_NUM, C_FLOAT, C_STR, C_ARR, C_SEQ, C_ANY};

bool gen_program(const uint8_t *data, size_t len, Buf *tas_out, Module *module_out, GenShape *shape, Diag *d) {
  Gen *g = xcalloc(1, sizeof *g);
  g->data = data;
  g->len = data ? len : 0;
  g->output_left = OUTPUT_BUDGET;
  Module m = {0};
  g->m = &m;
  cb_init(&g->cb, &m);
  g->want_text = tas_out != NULL;

  /* About 40% of the programs carry hazards (1 to 3 errors waiting to happen, mostly
     after some iterations of a loop); of those, two thirds also mix kinds on purpose. */
  if (rd_below(g, 100) >= 60) {
    g->chaos = (uint8_t)(1 + rd_below(g, 3));
    g->hazards = 1 + rd_below(g, 3);
  }
  g->nglobals = 1 + rd_below(g, MAX_GLOBALS);
  for (uint32_t i = 0; i < g->nglobals; i++) g->globals[i] = (Var){.cls = PICK(g, global_classes), .func = -1};
  uint32_t nfuncs = rd_below(g, MAX_FUNCS);
  gen_object_model(g, g->nglobals, nfuncs + 1);
  gen_map_model(g);
  g->except_on = rd_chance(g, 40);  /* protected ranges, raises and their helpers (gen_except.c) */
  g->closures_on = rd_chance(g, 40);  /* cells, closures and their helpers (gen_closure.c) */
  /* Builtin calls, call sites whose builtin changes, a global and helpers (gen_builtin.c):
     from the input's last byte, so that the programs without them are the ones the same
     bytes gave before they existed. */
  g->builtins_on = rd_last_chance(g, 40);
  /* Kind changes without a branch (gen_retype.c), from another bit of the same byte. */
  g->retype_select = rd_last_bit(g, 0);
  g->builtin_global = g->nglobals + (g->obj.on ? OBJ_CLASSES : 0);
  m.nglobals = g->builtin_global + (g->builtins_on ? 1 : 0);
  m.globals = xcalloc(m.nglobals, sizeof(char *));
  for (uint32_t i = 0; i < m.nglobals; i++) m.globals[i] = numbered_name('g', i);
  g->first_helper = nfuncs + 1 + (g->obj.on ? OBJ_METHODS : 0);
  g->first_exc_helper = g->first_helper + ITER_HELPERS;
  g->first_clo_helper = g->first_exc_helper + (g->except_on ? EXC_HELPERS : 0);
  g->first_bi_helper = g->first_clo_helper + (g->closures_on ? CLO_HELPERS : 0);
  m.nfuncs = g->first_bi_helper + (g->builtins_on ? BI_HELPERS : 0);
  m.funcs = xcalloc(m.nfuncs, sizeof(Function));
  for (uint32_t i = 0; i < nfuncs; i++) gen_function(g, i, false);
  gen_function(g, nfuncs, true);
  gen_object_methods(g);
  gen_iter_helpers(g);
  gen_except_helpers(g);
  gen_closure_helpers(g);
  gen_builtin_helpers(g);
  gen_limit_helpers(g);

  if (tas_out) gen_text_program(g, tas_out);
  if (shape) *shape = g->shape;
  bool ok = !g->failed;
  if (!ok) diag_set(d, "generator bug: the program does not encode: %s", g->why);
  Diag vd = {{0}};
  if (ok && !verify_finish(&m, &vd)) {
    ok = false;
    diag_set(d, "generator bug: the program does not verify: %s", vd.msg);
  }
  buf_free(&g->prog);
  free(g->code);
  cb_free(&g->cb);
  free(g);
  if (!ok || !module_out) module_free(&m);
  if (module_out) *module_out = ok ? m : (Module){0};
  return ok;
}

bool gen_text_of(const uint8_t *data, size_t len, const Module *m, Buf *tas_out, Diag *d) {
  if (!gen_program(data, len, tas_out, NULL, NULL, d)) return false;
  Module from_text;
  Diag ad = {{0}};
  if (!asm_assemble(tas_out->data, tas_out->len, "<gen>", &from_text, NULL, &ad)) {
    diag_set(d, "generator bug: the program's text does not assemble: %s", ad.msg);
    return false;
  }
  Buf ran = {0}, assembled = {0};
  module_write(m, &ran);
  module_write(&from_text, &assembled);
  bool same = ran.len == assembled.len && memcmp(ran.data, assembled.data, ran.len) == 0;
  if (!same) diag_set(d, "generator bug: the program's text assembles to another module than the one that ran");
  module_free(&from_text);
  buf_free(&ran);
  buf_free(&assembled);
  return same;
}

void gen_bytes_from_seed(uint64_t seed, uint8_t *out, size_t len) {
  uint64_t s = seed;
  for (size_t i = 0; i < len; i += 8) {
    uint64_t z = splitmix64_next(&s);
    for (size_t b = 0; b < 8 && i + b < len; b++) out[i + b] = (uint8_t)(z >> (8 * b));
  }
}

#define GEN_FINGERPRINT_SEEDS 16  /* enough to meet every shape the first bytes choose */

uint64_t gen_fingerprint(void) {
  uint8_t *bytes = xmalloc(GEN_SEED_BYTES);
  Buf text = {0};
  uint64_t h = 0;
  for (uint64_t seed = 1; seed <= GEN_FINGERPRINT_SEEDS; seed++) {
    gen_bytes_from_seed(seed, bytes, GEN_SEED_BYTES);
    Diag d = {{0}};
    (void)gen_program(bytes, GEN_SEED_BYTES, &text, NULL, NULL, &d);  /* a failure's text counts too */
    h = mix64(h ^ hash_bytes(text.data, text.len));
  }
  buf_free(&text);
  free(bytes);
  return h;
}
