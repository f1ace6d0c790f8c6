/* gen_object.c: classes, instances and methods in generated programs, and the hazards
 * that make cached attribute facts go stale (issue 14): instances of several shapes
 * through one site, attributes deleted and re-added after warm-up, classes mutated in a
 * hot loop (directly or by a method the loop calls), set_class, aliases.
 *
 * The object model of a program, when it has one (about two thirds of them):
 *
 *   K0, K1      two classes in two extra globals (after the generator's own, so no
 *               statement stores into them); K1's base is K0 or nil. A K1 whose base
 *               is K0 has nothing of its own, or only c, op_add, init and m or n: the
 *               other one and the other operator methods are then inherited, found
 *               a base up
 *   K0.c, K1.c  int class attributes (K1 may inherit K0's); K1 sets m (n when it
 *               inherits m) before c, K0 after, so each keeps c and a method at the
 *               other's slots
 *   m, n        methods: m computes an int from self and an int; n does the same and
 *               also mutates: it stores K0.c (a class mutation by a callee) and an int
 *               global (rebinding it), or moves self to K1 or K0 (set_class by a callee)
 *   a, b        int attributes every instance gets when made, in the order a, b or
 *               b, a (two shapes from the start): stored after a class call without
 *               arguments, or, in half the programs, by the class's init(self, x)
 *               (K0's stores a, then b by a branch on x; K1's b, then a), which a
 *               mutation may swap for the other: a class call traces inline, and
 *               the branch puts exits inside the inlined frame
 *   op_del      in 3 of 4 of them, a finalizer (docs/semantics.md section 23.8): it
 *               probes self.b, stores self.a into K0.c (a class mutation made by
 *               user code at a release point; with inits, in half the programs) and
 *               self.b into an int global, and
 *               deletes the key "fk" from the map K0.w when it has it; loops drop an
 *               instance inside their trace and make a new one, a map local given
 *               "fk" just before (gen_object_drop)
 *   K0.w        with finalizers, a map: the last one gen_object_drop gave "fk"
 *   move_a      (self, q) -> self.a after q's a moves last (del, then store): called as
 *               a function by emit_alias_move, q sometimes self
 *
 * A loop's object hazard is a use, a mutation from some iteration on, the use again; or
 * (40%) one site that sees two instances in turn, which t1 leaves generic and a trace
 * reads through its attribute cache.
 *
 * Invariant that keeps programs error free: every instance has int attributes a and b,
 * and every class has an int c and methods m and n, each (self, int) -> int. Mutations
 * keep it: they replace a method by another method, c by an int, move a to the end
 * (delete, then store), add attribute z, or switch the class. Chaos programs break it
 * on purpose (a missing attribute, an attribute of an int).
 *
 * Instances live in locals of class C_OBJ, which no other statement or expression
 * picks (their kind is outside every other class). The methods are fixed templates,
 * generated after main. */
#include <string.h>

#include "gen_decide.h"
#include "gen_internal.h"

/* The methods, in the order they follow main in the module: (self, x) -> int,
   M_FIELD_B (self) -> int, the inits (self, x) -> nil, and M_MOVE_A (self, q) -> int,
   called as a function (emit_alias_move). */
enum { M_SUM, M_SCALE, M_MUTATE_C, M_TO_K1, M_TO_K0, M_FIELD_B, M_FINALIZE, M_INIT_AB, M_INIT_BA, M_MOVE_A, M__COUNT };
STATIC_ASSERT(M__COUNT == OBJ_METHODS, "gen_internal.h counts the methods");
/* Instructions one method call runs, at most (the templates below). */
#define METHOD_COST 12

static uint32_t method_index(const Gen *g, int method) { return g->obj.first_method + (uint32_t)method; }
static uint32_t class_global(const Gen *g, uint32_t k) { return g->obj.first_class_global + k; }

/* ---- The classes ---- */

void gen_object_model(Gen *g, uint32_t first_class_global, uint32_t first_method) {
  g->obj.on = rd_chance(g, 65);
  if (!g->obj.on) return;
  g->obj.first_class_global = first_class_global;
  g->obj.first_method = first_method;
  g->obj.k1_inherits = rd_chance(g, 65);
  g->obj.k1_own = rd_chance(g, 35);
  g->obj.k1_own_m = rd_chance(g, 50);
  g->obj.mutator = (uint8_t)(M_MUTATE_C + rd_below(g, 3));
  g->obj.op_add_mutates = rd_chance(g, 35);
  g->obj.finalizers = rd_chance(g, 75);
  g->obj.inits = rd_chance(g, 50);
  g->obj.finalizer_mutates = !g->obj.inits || rd_chance(g, 50);
  g->obj.rebound_global = -1;
  for (uint32_t i = 0; i < first_class_global && g->obj.rebound_global < 0; i++)
    if (g->globals[i].cls == C_INT || g->globals[i].cls == C_NUM) g->obj.rebound_global = (int32_t)i;
}

/* Stores the int on top into the rebound global, or drops it when there is none. */
static void rebind_global(Gen *g) {
  if (g->obj.rebound_global >= 0)
    gen_emit_int(g, OP_STORE_GLOBAL, (uint32_t)g->obj.rebound_global);
  else
    gen_emit_op(g, OP_POP);
}

/* Sets class global k's attribute name to the function method. */
static void set_method(Gen *g, uint32_t k, const char *name, int method) {
  gen_emit_int(g, OP_PUSH_FUNC, method_index(g, method));
  gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, k));
  gen_emit_name(g, OP_STORE_ATTR, name);
}

void gen_object_classes(Gen *g) {
  if (!g->obj.on) return;
  gen_emit_op(g, OP_PUSH_NIL);
  gen_emit_name(g, OP_CLASS, "K0");
  gen_emit_int(g, OP_STORE_GLOBAL, class_global(g, 0));
  if (g->obj.k1_inherits)
    gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, 0));
  else
    gen_emit_op(g, OP_PUSH_NIL);
  gen_emit_name(g, OP_CLASS, "K1");
  gen_emit_int(g, OP_STORE_GLOBAL, class_global(g, 1));
  for (uint32_t k = 0; k < 2; k++) {
    if (k == 1 && g->obj.k1_inherits && !g->obj.k1_own) break;  /* K1 has nothing of its own */
    /* A K1 whose base is K0 defines c, op_add, init and one of m and n: the other, and
       the other operator methods, are found a base up, in K0, by every call on an
       instance of K1 (a hot loop's m, which mutates nothing, or n; ==, [] and len; the
       finalizer) */
    bool sub = k == 1 && g->obj.k1_inherits, own_m = !sub || g->obj.k1_own_m;
    /* K1 sets a method before c, K0 after: each class keeps c and a method at the
       other's slots, so a place found on one class names another attribute on the
       other (an attribute cache that mixes the classes up reads a method as c) */
    if (k == 1) {
      if (own_m) set_method(g, k, "m", M_SCALE);
      else set_method(g, k, "n", g->obj.mutator);
    }
    gen_small_int(g);
    gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, k));
    gen_emit_name(g, OP_STORE_ATTR, "c");
    if (k == 0) set_method(g, k, "m", M_SUM);
    if (!sub) set_method(g, k, "n", g->obj.mutator);
    /* Operator methods (semantics.md section 23.7); op_add may switch self's class. */
    set_method(g, k, "op_add", g->obj.op_add_mutates ? (k == 0 ? M_TO_K1 : M_TO_K0) : M_SUM);
    if (!sub) {
      set_method(g, k, "op_eq", M_SUM);
      set_method(g, k, "op_get", M_SCALE);
      set_method(g, k, "op_len", M_FIELD_B);
      set_method(g, k, "op_bool", M_FIELD_B);
      if (g->obj.finalizers) set_method(g, k, "op_del", M_FINALIZE);
    }
    if (g->obj.inits) set_method(g, k, "init", k == 0 ? M_INIT_AB : M_INIT_BA);
  }
  if (g->obj.finalizers) {  /* K0.w: the map whose key "fk" the finalizer deletes */
    gen_emit_op(g, OP_MAP_NEW);
    gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, 0));
    gen_emit_name(g, OP_STORE_ATTR, "w");
  }
}

/* ---- The methods: each (self, x) -> int ---- */

static void method_begin(Gen *g, Function *out, uint32_t index) {
  char name[16] = {'f'};
  format_i64(name + 1, index);
  out->name = xstrndup(name, strlen(name));
  gen_code_begin(g, out->name);
}

static void method_end(Gen *g, Function *out, uint32_t nparams) {
  out->nparams = nparams;
  out->nlocals = 0;
  gen_code_end(g, out);
  if (g->want_text) gen_text_function(g, out);
}

/* The key a finalizer deletes from the map in K0.w (a map made with the classes, or the
   one gen_object_drop stored there), when the map has it. */
#define WATCHED_KEY "\"fk\""

/* Pushes the map of the watched key: K0.w (in the finalizer), or local m. */
static void load_watched_map(Gen *g, VarRef m, bool in_class) {
  if (in_class) {
    gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, 0));
    gen_emit_name(g, OP_LOAD_ATTR, "w");
  } else {
    gen_emit_load(g, m);
  }
}

/* if map has "fk": del map["fk"] (the map K0.w's, or local m's). */
static void emit_drop_watched_key(Gen *g, VarRef m, bool in_class) {
  uint32_t skip = gen_new_label(g);
  load_watched_map(g, m, in_class);
  gen_emit_const(g, WATCHED_KEY);
  gen_emit_op(g, OP_HAS);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
  load_watched_map(g, m, in_class);
  gen_emit_const(g, WATCHED_KEY);
  gen_emit_op(g, OP_DEL_KEY);
  gen_place_label(g, skip);
}

void gen_object_methods(Gen *g) {
  if (!g->obj.on) return;
  for (int k = 0; k < M__COUNT; k++) {
    uint32_t index = method_index(g, k);
    Function *out = &g->m->funcs[index];
    method_begin(g, out, index);
    switch (k) {
    case M_SUM:  /* self.a + x */
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_name(g, OP_LOAD_ATTR, "a");
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_op(g, OP_ADD);
      break;
    case M_SCALE:  /* self.b * 3 - x */
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_name(g, OP_LOAD_ATTR, "b");
      gen_emit_int(g, OP_PUSH_INT, 3);
      gen_emit_op(g, OP_MUL);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_op(g, OP_SUB);
      break;
    case M_MUTATE_C:  /* K0.c = x; G = x; self.a: a class mutation and a global rebound by a callee */
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, 0));
      gen_emit_name(g, OP_STORE_ATTR, "c");
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      rebind_global(g);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_name(g, OP_LOAD_ATTR, "a");
      break;
    case M_FIELD_B:  /* self.b */
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_name(g, OP_LOAD_ATTR, "b");
      break;
    case M_FINALIZE: {  /* probe self.b; K0.c = self.a; G = self.b; del K0.w["fk"] when it
                           has it: what a dying instance leaves */
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_name(g, OP_LOAD_ATTR, "b");
      gen_emit_op(g, OP_PROBE);
      if (g->obj.finalizer_mutates) {
        gen_emit_int(g, OP_LOAD_LOCAL, 0);
        gen_emit_name(g, OP_LOAD_ATTR, "a");
        gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, 0));
        gen_emit_name(g, OP_STORE_ATTR, "c");
      }
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_name(g, OP_LOAD_ATTR, "b");
      rebind_global(g);
      emit_drop_watched_key(g, (VarRef){0, false}, true);
      gen_emit_op(g, OP_PUSH_NIL);
      break;
    }
    case M_INIT_AB: {  /* self.a = x; self.b = x < 0 ? x * 3 : x */
      uint32_t plain = gen_new_label(g), done = gen_new_label(g);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_name(g, OP_STORE_ATTR, "a");
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_int(g, OP_PUSH_INT, 0);
      gen_emit_op(g, OP_LT);
      gen_emit_jump(g, OP_JUMP_IF_FALSE, plain);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_int(g, OP_PUSH_INT, 3);
      gen_emit_op(g, OP_MUL);
      gen_emit_jump(g, OP_JUMP, done);
      gen_place_label(g, plain);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_place_label(g, done);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_name(g, OP_STORE_ATTR, "b");
      gen_emit_op(g, OP_PUSH_NIL);
      break;
    }
    case M_MOVE_A:  /* del q.a; q.a = 7; self.a: q's a moves to its last slot */
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_name(g, OP_DEL_ATTR, "a");
      gen_emit_int(g, OP_PUSH_INT, 7);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_name(g, OP_STORE_ATTR, "a");
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_name(g, OP_LOAD_ATTR, "a");
      break;
    case M_INIT_BA:  /* self.b = x; self.a = x + 1; its result, 0, is dropped */
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_name(g, OP_STORE_ATTR, "b");
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_int(g, OP_PUSH_INT, 1);
      gen_emit_op(g, OP_ADD);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_name(g, OP_STORE_ATTR, "a");
      gen_emit_int(g, OP_PUSH_INT, 0);
      break;
    default:  /* self moves to K1 (or K0); then x */
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, k == M_TO_K1 ? 1 : 0));
      gen_emit_op(g, OP_SET_CLASS);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      break;
    }
    gen_emit_op(g, OP_RETURN);
    method_end(g, out, k == M_FIELD_B || k == M_FINALIZE ? 1 : 2);
  }
}

/* ---- Instances ---- */

/* Pushes a new instance of K0 or K1 with int attributes a and b, in either order: its
   init stores them, or the code after a call without arguments. */
void gen_object_new(Gen *g) {
  gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, rd_below(g, 2)));
  if (g->obj.inits) {
    gen_expr(g, C_INT, 1);
    gen_emit_int(g, OP_CALL, 1);
    g->spent += g->mult * METHOD_COST;
    g->shape.calls++;
    return;
  }
  gen_emit_int(g, OP_CALL, 0);
  bool b_first = rd_chance(g, 30);
  for (int i = 0; i < 2; i++) {
    gen_emit_op(g, OP_DUP);
    gen_expr(g, C_INT, 1);
    gen_emit_op(g, OP_SWAP);
    gen_emit_name(g, OP_STORE_ATTR, (i == 0) != b_first ? "a" : "b");
  }
  g->shape.calls++;
}

/* r.m(int), or r.n(int) (the mutator) with 100 - percent_m percent: its int result. */
static void emit_method_call(Gen *g, VarRef r, uint32_t percent_m) {
  gen_emit_load(g, r);
  gen_emit_name(g, OP_LOAD_METHOD, rd_chance(g, percent_m) ? "m" : "n");
  gen_leaf(g, C_INT);
  gen_emit_int(g, OP_CALL, 2);
  g->spent += g->mult * METHOD_COST;
  g->shape.calls++;
}

/* Pushes an int computed from an instance or a class: an attribute, a class attribute
   found through the instance or the class, or a method's result. False when no
   instance is in reach and nothing was emitted. */
bool gen_object_int(Gen *g) {
  VarRef r;
  /* In a loop, an attribute of a new instance: a class call its trace inlines, and an
     instance dropped at once (its finalizer, when it has one, due right there). */
  if (g->obj.on && g->obj.inits && g->nloops && rd_chance(g, 35) && gen_fits(g, 2 * METHOD_COST)) {
    gen_object_new(g);
    gen_emit_name(g, OP_LOAD_ATTR, rd_chance(g, 50) ? "a" : "b");
    return true;
  }
  if (!g->obj.on || !gen_pick_var(g, C_OBJ, 0, false, W_LOCAL, &r)) return false;
  if (rd_chance(g, 40) && gen_fits(g, METHOD_COST + 8)) {  /* an operator method */
    static const Opcode ops[] = {OP_ADD, OP_EQ, OP_GET, OP_LEN};
    Opcode op = PICK(g, ops);
    gen_emit_load(g, r);
    if (op != OP_LEN) gen_leaf(g, C_INT);
    gen_emit_op(g, op);
    g->spent += g->mult * METHOD_COST;
    g->shape.calls++;
    return true;
  }
  switch (rd_below(g, 6)) {
  case 0:
  case 1:
    gen_emit_load(g, r);
    gen_emit_name(g, OP_LOAD_ATTR, rd_chance(g, 50) ? "a" : "b");
    return true;
  case 2:
    gen_emit_load(g, r);
    gen_emit_name(g, OP_LOAD_ATTR, "c");
    return true;
  case 3:
    gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, rd_below(g, 2)));
    gen_emit_name(g, OP_LOAD_ATTR, "c");
    return true;
  default:
    if (!gen_fits(g, METHOD_COST + 8)) {
      gen_emit_load(g, r);
      gen_emit_name(g, OP_LOAD_ATTR, "a");
      return true;
    }
    emit_method_call(g, r, 80);
    return true;
  }
}

/* ---- Statements ---- */

/* What changes a cached fact: a's slot, a new attribute, a method, c, where a class
   keeps an attribute, the class. */
static void emit_mutation(Gen *g, VarRef r) {
  uint32_t which = rd_below(g, 10);
  if (which >= 8) which = 0;  /* moving a, which changes the shape for good, twice as often */
  switch (which) {
  case 0:  /* a moves to the end: a new shape */
    gen_emit_load(g, r);
    gen_emit_name(g, OP_DEL_ATTR, "a");
    gen_expr(g, C_INT, 1);
    gen_emit_load(g, r);
    gen_emit_name(g, OP_STORE_ATTR, "a");
    return;
  case 1:  /* another attribute: a new shape */
    gen_expr(g, C_INT, 1);
    gen_emit_load(g, r);
    gen_emit_name(g, OP_STORE_ATTR, "z");
    return;
  case 2:  /* a class's method or init replaced: its version and its subclasses' change */
    if (g->obj.inits && rd_chance(g, 40))
      set_method(g, rd_below(g, 2), "init", rd_chance(g, 50) ? M_INIT_AB : M_INIT_BA);
    else
      set_method(g, rd_below(g, 2), "m", rd_chance(g, 50) ? M_SUM : M_SCALE);
    return;
  case 3:
    gen_expr(g, C_INT, 1);
    gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, rd_below(g, 2)));
    gen_emit_name(g, OP_STORE_ATTR, "c");
    return;
  case 6: {  /* K0's m or c moves to its last slot (deleted, then stored again): a
                cached place in K0, as a subclass's lookup found it, is now wrong */
    bool method = rd_chance(g, 60);
    if (!method) gen_expr(g, C_INT, 1);
    gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, 0));
    gen_emit_name(g, OP_DEL_ATTR, method ? "m" : "c");
    if (method) gen_emit_int(g, OP_PUSH_FUNC, method_index(g, rd_chance(g, 50) ? M_SUM : M_SCALE));
    gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, 0));
    gen_emit_name(g, OP_STORE_ATTR, method ? "m" : "c");
    return;
  }
  case 4:
    gen_emit_load(g, r);
    gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, rd_below(g, 2)));
    gen_emit_op(g, OP_SET_CLASS);
    return;
  default: {  /* an alias of another instance, or a new one */
    VarRef o;
    if (rd_chance(g, 50) && gen_pick_var(g, C_OBJ, 0, false, W_LOCAL, &o))
      gen_emit_load(g, o);
    else
      gen_object_new(g);
    gen_emit_store(g, r);
    return;
  }
  }
}

/* An attribute of instance r, probed: a site whose cache a mutation makes stale. */
static void emit_use(Gen *g, VarRef r) {
  static const char *const names[] = {"a", "b", "c", "a", "b"};
  gen_emit_load(g, r);
  gen_emit_name(g, OP_LOAD_ATTR, PICK(g, names));
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
}

/* One site, two instances in turn: [r, s][counter & 1] of loop l, s another instance in
   reach or a new one (mostly of the other class, or of another shape), then an
   attribute of it, c through it, or its m's result, probed. t1 leaves such a site
   generic, and a trace reads it through its attribute cache (docs/tier2.md, "Attribute
   caches"), whose entries must tell the classes and shapes apart. */
static void emit_poly_use(Gen *g, VarRef r, const LoopCtx *l) {
  VarRef s;
  gen_emit_load(g, r);
  if (rd_chance(g, 40) && gen_pick_var(g, C_OBJ, 0, true, W_LOCAL, &s))
    gen_emit_load(g, s);
  else
    gen_object_new(g);
  gen_emit_int(g, OP_ARRAY_NEW, 2);
  gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
  if (l->is_float) gen_emit_op(g, OP_TO_INT);
  gen_emit_int(g, OP_PUSH_INT, 1);
  gen_emit_op(g, OP_BAND);
  gen_emit_op(g, OP_GET);
  static const char *const names[] = {"a", "b", "c", "m"};
  const char *name = PICK(g, names);
  if (name[0] == 'm') {
    gen_emit_name(g, OP_LOAD_METHOD, name);
    gen_leaf(g, C_INT);
    gen_emit_int(g, OP_CALL, 2);
    g->spent += g->mult * METHOD_COST;
    g->shape.calls++;
  } else {
    gen_emit_name(g, OP_LOAD_ATTR, name);
  }
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
}

/* An alias made at run time: a new instance into a hidden local h (first: a class call
   ends every fact), r.a probed (a shape guard: r's local learns r's shape), then
   M_MOVE_A(r, q), q = [h, r][(counter >> 3) & 1] (h in blocks of eight iterations, r
   itself in the blocks between), its result probed. No branch chooses q, so the loop's
   trace, which inlines the call, runs on when q becomes r: the del_attr through q moves
   r's a, and the read of self.a after it must check r's shape again, though the shape
   r carried into the inlined self was proven (docs/tier2.md, "Objects in traces"). The
   hidden local is never ready, so no other statement picks it. */
static void emit_alias_move(Gen *g, VarRef r, const LoopCtx *l) {
  uint16_t h;
  if (!gen_new_local(g, C_OBJ, &h)) return;
  VarRef hv = {h, false};
  gen_object_new(g);
  gen_emit_store(g, hv);
  gen_emit_load(g, r);
  gen_emit_name(g, OP_LOAD_ATTR, "a");
  gen_emit_op(g, OP_PROBE);
  gen_emit_int(g, OP_PUSH_FUNC, method_index(g, M_MOVE_A));
  gen_emit_load(g, r);
  gen_emit_load(g, hv);
  gen_emit_load(g, r);
  gen_emit_int(g, OP_ARRAY_NEW, 2);
  gen_pick_by_block(g, l);
  gen_emit_int(g, OP_CALL, 2);
  gen_emit_op(g, OP_PROBE);
  g->shape.probes += 2;
  g->shape.calls++;
  g->spent += g->mult * (2 * METHOD_COST + 16);
}

void gen_object_hazard(Gen *g) {
  VarRef r;
  if (!g->nloops || !gen_pick_var(g, C_OBJ, 0, true, W_LOCAL, &r)) return;
  /* In one loop of four (decided apart from the stream: the other programs stay as they
     were), first an alias that moves r's attribute inside an inlined call. */
  if (rd_last_site_chance(g, g->nloops | 0x10000u, 25) && gen_fits(g, 2 * METHOD_COST + 16))
    emit_alias_move(g, r, &g->loops[g->nloops - 1]);
  if (rd_chance(g, 40) && gen_fits(g, 2 * METHOD_COST + 16)) {
    emit_poly_use(g, r, &g->loops[g->nloops - 1]);
    return;
  }
  emit_use(g, r);
  uint32_t skip = gen_new_label(g);
  gen_counter_test(g, &g->loops[g->nloops - 1]);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
  emit_mutation(g, r);
  gen_place_label(g, skip);
  emit_use(g, r);
}

/* In a loop body: the instance the previous iteration left in a hidden local is
   dropped, inside the trace, so its finalizer runs right there (the trace calls it and
   goes on, or leaves when it promoted globals); K0.c, which the finalizer just stored,
   is probed; then a new instance for the next iteration. With a map local m (not one
   a loop walks), m goes into K0.w and gets the key "fk" just before the drop, and the
   finalizer deletes it: the has of "fk" after the drop must find it gone, though the
   trace learned from the store that m has it (t2-finalizer-pure keeps that fact); the
   key never stays. The hidden local is never ready, so no other statement picks it. */
void gen_object_drop(Gen *g) {
  uint16_t d;
  VarRef m;
  if (!g->obj.finalizers || !gen_fits(g, 2 * METHOD_COST + 24)) return;
  bool keyed = g->maps_on && gen_pick_var(g, C_MAP, 0, true, W_LOCAL, &m) && (int32_t)m.index != g->iterated_map;
  if (!gen_new_local(g, C_OBJ, &d)) return;
  VarRef r = {d, false};
  if (keyed) {  /* K0.w = m; m["fk"] = 1 */
    gen_emit_load(g, m);
    gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, 0));
    gen_emit_name(g, OP_STORE_ATTR, "w");
    gen_emit_load(g, m);
    gen_emit_const(g, WATCHED_KEY);
    gen_emit_int(g, OP_PUSH_INT, 1);
    gen_emit_op(g, OP_SET);
  }
  gen_emit_op(g, OP_PUSH_NIL);
  gen_emit_store(g, r);
  if (keyed) {  /* probe m has "fk" (false once a finalizer ran), then make sure it has not */
    gen_emit_load(g, m);
    gen_emit_const(g, WATCHED_KEY);
    gen_emit_op(g, OP_HAS);
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
    emit_drop_watched_key(g, m, false);
  }
  gen_emit_int(g, OP_LOAD_GLOBAL, class_global(g, 0));
  gen_emit_name(g, OP_LOAD_ATTR, "c");
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
  gen_object_new(g);
  gen_emit_store(g, r);
  g->spent += g->mult * 2 * METHOD_COST;
}

void gen_stmt_object(Gen *g) {
  VarRef r;
  if (!gen_pick_var(g, C_OBJ, 0, true, W_LOCAL, &r)) {
    gen_stmt_assign(g, false);
    return;
  }
  if (g->chaos && rd_chance(g, 8)) {  /* an attribute error, or a type error */
    if (rd_chance(g, 50))
      gen_emit_load(g, r);
    else
      gen_small_int(g);
    gen_emit_name(g, OP_LOAD_ATTR, rd_chance(g, 50) ? "q" : "z");
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
    return;
  }
  switch (rd_below(g, 5)) {
  case 4: {  /* a truth test: op_bool, then the test again on its int */
    uint32_t skip = gen_new_label(g);
    gen_emit_load(g, r);
    gen_emit_jump(g, rd_chance(g, 50) ? OP_JUMP_IF_FALSE : OP_JUMP_IF_TRUE, skip);
    gen_expr(g, C_INT, 1);
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
    gen_place_label(g, skip);
    g->spent += g->mult * METHOD_COST;
    return;
  }
  case 0:  /* a store the attribute caches specialize */
    gen_expr(g, C_INT, 1);
    gen_emit_load(g, r);
    gen_emit_name(g, OP_STORE_ATTR, rd_chance(g, 50) ? "a" : "b");
    return;
  case 1:  /* a method call (n mutates), its result probed */
    if (gen_fits(g, METHOD_COST + 8)) {
      emit_method_call(g, r, 50);
      gen_emit_op(g, OP_PROBE);
      g->shape.probes++;
      return;
    }
    /* fall through */
  case 2:  /* a mutation now */
    emit_mutation(g, r);
    return;
  default: {  /* a mutation from some iteration of an enclosing loop on, or at it */
    uint32_t skip = gen_new_label(g);
    if (g->nloops) {
      gen_counter_test(g, &g->loops[rd_below(g, g->nloops)]);
      gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
    }
    emit_mutation(g, r);
    gen_place_label(g, skip);
    return;
  }
  }
}
