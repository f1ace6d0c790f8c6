/* gen_map.c: maps in generated programs (docs/semantics.md section 24), and the
 * hazards of issue 15: keys that collide or nearly do (1, 1.0 and true; 0, -0.0 and
 * false; "ab" and "ba"), keys of mixed kinds in one map, deletion and re-insertion in
 * hot loops (a key moves to the end of the order, and the map's keys change under the
 * lookups a trace makes).
 *
 * In about half of the programs each function has a local of class C_MAP, which no
 * other statement or expression picks. Invariant that keeps programs error free: its
 * values are numbers, and every get is guarded by a has of the same key, every
 * del_key too. */
#include "gen_decide.h"
#include "gen_internal.h"

void gen_map_model(Gen *g) { g->maps_on = rd_chance(g, 50); }

/* A key from a small pool of mixed kinds whose members collide under map equality:
   0 to 11 name the pool's odd members (strings a third of them: t1 specializes string
   keys), 12 and up the small int (choice - 12). */
static uint32_t pick_key(Gen *g) { return rd_chance(g, 35) ? 12 + rd_below(g, 6) : rd_below(g, 12); }

static void emit_key(Gen *g, uint32_t key) {
  switch (key) {
  case 0: gen_emit_int(g, OP_PUSH_INT, 1); return;
  case 1: gen_emit_const(g, "1.0"); return;
  case 2: gen_emit_op(g, OP_PUSH_TRUE); return;
  case 3: gen_emit_int(g, OP_PUSH_INT, 0); return;
  case 4: gen_emit_const(g, "-0.0"); return;
  case 5: gen_emit_op(g, OP_PUSH_FALSE); return;
  case 6: gen_emit_op(g, OP_PUSH_NIL); return;
  case 7: gen_emit_const(g, "\"ab\""); return;
  case 8: gen_emit_const(g, "\"ba\""); return;
  case 9: gen_emit_const(g, "2.5"); return;
  case 10: gen_emit_const(g, "\"a\""); return;
  case 11: gen_emit_const(g, "\"b\""); return;
  default: gen_emit_int(g, OP_PUSH_INT, (int32_t)(key - 12)); return;
  }
}

void gen_map_emit_key(Gen *g) { emit_key(g, pick_key(g)); }

/* Pushes a new map with one or two numbers under keys of the pool. */
void gen_map_new(Gen *g) {
  gen_emit_op(g, OP_MAP_NEW);
  for (uint32_t i = 0, n = 1 + rd_below(g, 2); i < n; i++) {
    gen_emit_op(g, OP_DUP);
    emit_key(g, pick_key(g));
    gen_leaf(g, C_NUM);
    gen_emit_op(g, OP_SET);
  }
}

/* m[key] = a number. */
static void emit_store(Gen *g, VarRef m, uint32_t key) {
  gen_emit_load(g, m);
  emit_key(g, key);
  gen_expr(g, C_NUM, 1);
  gen_emit_op(g, OP_SET);
}

/* Stores n keys of the pool into m (some may be there already), before a walk. */
void gen_map_fill(Gen *g, VarRef m, uint32_t n) {
  for (uint32_t i = 0; i < n && gen_fits(g, 8); i++) emit_store(g, m, pick_key(g));
}

/* A store that may add a key to m (as it walks m, a loop's body changes its size). */
void gen_map_store(Gen *g, VarRef m) { emit_store(g, m, pick_key(g)); }

/* if has(m, k): body(m, k), where body gets m and k pushed again. */
typedef enum { USE_PROBE, USE_DELETE, USE_BUMP, USE_MOVE } KeyUse;

static void emit_guarded(Gen *g, VarRef m, KeyUse use, uint32_t key) {
  uint32_t skip = gen_new_label(g);
  gen_emit_load(g, m);
  emit_key(g, key);
  gen_emit_op(g, OP_HAS);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
  gen_emit_load(g, m);
  emit_key(g, key);
  switch (use) {
  case USE_PROBE:
    gen_emit_op(g, OP_GET);
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
    break;
  case USE_DELETE: gen_emit_op(g, OP_DEL_KEY); break;
  case USE_BUMP:  /* m[k] = m[k] + 1 */
    gen_emit_load(g, m);
    emit_key(g, key);
    gen_emit_op(g, OP_GET);
    gen_emit_int(g, OP_PUSH_INT, 1);
    gen_emit_op(g, OP_ADD);
    gen_emit_op(g, OP_SET);
    break;
  case USE_MOVE:  /* v = m[k]; del_key m[k]; m[k] = v: k goes last, the number of keys stays */
    gen_emit_load(g, m);
    emit_key(g, key);
    gen_emit_op(g, OP_GET);
    gen_emit_load(g, m);
    emit_key(g, key);
    gen_emit_op(g, OP_DEL_KEY);
    gen_emit_op(g, OP_SET);
    break;
  }
  gen_place_label(g, skip);
}

/* Whether m is the map an enclosing loop walks, whose number of keys must stay: true
   but for a rare hazard (the walk's index error, raised inside its trace). */
static bool walked(Gen *g, VarRef m) {
  return !m.global && (int32_t)m.index == g->iterated_map && !rd_chance(g, 15);
}

void gen_stmt_map(Gen *g) {
  VarRef m;
  if (!gen_pick_var(g, C_MAP, 0, true, W_LOCAL, &m)) {
    gen_stmt_assign(g, false);
    return;
  }
  bool keep_size = walked(g, m);
  switch (rd_below(g, 6)) {
  case 0:
    if (keep_size)
      emit_guarded(g, m, USE_BUMP, pick_key(g));
    else
      emit_store(g, m, pick_key(g));
    return;
  case 1: emit_guarded(g, m, USE_PROBE, pick_key(g)); return;
  case 2: emit_guarded(g, m, keep_size ? USE_MOVE : USE_DELETE, pick_key(g)); return;
  case 3: emit_guarded(g, m, USE_BUMP, pick_key(g)); return;
  case 4:
    gen_emit_load(g, m);
    gen_emit_op(g, OP_LEN);
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
    return;
  default:  /* the map probed whole: its order shows */
    gen_emit_load(g, m);
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
    return;
  }
}

/* First in a loop body: a lookup of one key; another key (a string half of the time, for
   t1's string forms and the trace's key facts) stored, deleted, looked up while it is
   gone, stored again (it moves to the end of the order: the map's keys change on every
   pass, inside the trace; in a loop that walks the map, only moved, when the map has
   it) and looked up; the first key's lookup again, an update, and the whole map
   probed. */
void gen_map_hazard(Gen *g) {
  VarRef m;
  if (!gen_pick_var(g, C_MAP, 0, true, W_LOCAL, &m)) return;
  static const uint32_t string_keys[] = {7, 8, 10, 11};
  uint32_t looked = pick_key(g), moved = rd_chance(g, 50) ? PICK(g, string_keys) : pick_key(g);
  emit_guarded(g, m, USE_PROBE, looked);
  if (walked(g, m)) {  /* the map is being walked: the key moves, the size stays */
    emit_guarded(g, m, USE_MOVE, moved);
  } else {
    emit_store(g, m, moved);
    emit_guarded(g, m, USE_DELETE, moved);
    emit_guarded(g, m, USE_PROBE, moved);  /* gone: a trace that thinks the map has it is wrong */
    emit_store(g, m, moved);
  }
  emit_guarded(g, m, USE_PROBE, moved);  /* where it was when t1 specialized is stale */
  emit_guarded(g, m, USE_PROBE, looked);
  emit_guarded(g, m, USE_BUMP, looked);
  gen_emit_load(g, m);  /* the order shows */
  gen_emit_op(g, OP_PROBE);
  g->shape.probes++;
}
