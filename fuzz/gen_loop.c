/* gen_loop.c: counted loops (up, down, float, do-while, over an array's length, over
 * an iterator), and tests on a loop's counter that turn true from some iteration on.
 *
 *   init counter; top: test -> brk; body; cont: update; loop top; brk:
 *   iterator:  init counter; x iter; top: for_iter -> end; probe; body; cont: update;
 *              loop top; [brk: pop;] end:
 * An iterator loop walks a range of ints, an array local (which the body may grow or
 * shrink: the iterator reads its length at each step), the function's map (whose keys
 * the body moves, but whose number of keys it keeps: gen_map.c) or a string literal;
 * gen_iter.c changes the container from a callee or walks it again in a nested loop.
 * Its counter still counts the iterations, for the tests keyed on it. */
#include <string.h>

#include "gen_decide.h"
#include "gen_internal.h"

enum { LOOP_UP, LOOP_DOWN, LOOP_FLOAT, LOOP_DO_WHILE, LOOP_ARRAY, LOOP_ITER, LOOP__COUNT };

/* What a new iterator loop walks: an array local (at most ARRAY_CAP elements), the
   function's map (at most MAP_MAX_KEYS keys), a string literal (into *text) or a range
   (a hot loop: an array or a range); the local into *over. */
static IterKind pick_iterated(Gen *g, bool hot, const VarRef *arr, VarRef *over, const char **text) {
  static const char *const strings[] = {"\"abc\"", "\"tessera\"", "\"iterators walk strings\"", "\"x\"",
                                        "\"a string of thirty-two letters.\""};
  VarRef map;
  uint32_t r = rd_below(g, 100);
  if (r < 70 && arr) {
    *over = *arr;
    return ITER_ARRAY;
  }
  if (hot) return ITER_RANGE;  /* maps and strings are short: a hot loop walks longer */
  if (r < 85 && g->maps_on && gen_pick_var(g, C_MAP, 0, true, W_LOCAL, &map)) {
    *over = map;
    return ITER_MAP;
  }
  if (r >= 90) {
    *text = PICK(g, strings);
    return ITER_STRING;
  }
  return ITER_RANGE;
}

/* while len(a) < n: a.append(len(a)), when the budget has room for it (n <= ARRAY_CAP). */
static void fill_array(Gen *g, VarRef a, uint32_t n) {
  if (!gen_fits(g, 12 * (uint64_t)n)) return;
  uint32_t top = gen_new_label(g), done = gen_new_label(g);
  gen_place_label(g, top);
  gen_jump_unless_shorter(g, a, n, done);
  gen_emit_load(g, a);
  gen_emit_load(g, a);
  gen_emit_op(g, OP_LEN);
  gen_emit_op(g, OP_APPEND);
  gen_emit_jump(g, OP_LOOP, top);
  gen_place_label(g, done);
  g->spent += 12 * (uint64_t)n * g->mult;
}

/* Iterations: mostly 10 to 300 (well past t1's warmup), some short, a few long. */
static uint32_t loop_iterations(Gen *g, bool hot) {
  uint32_t r = rd_below(g, 100);
  if (hot) return 10 + rd_below(g, 291);
  if (r < 10) return 1 + rd_below(g, 9);
  if (r < 92) return 10 + rd_below(g, 291);
  return 300 + rd_below(g, 701);
}

/* A counted loop around a block. Returns false (nothing emitted) when the budget has no
   room for two iterations or no local is left for the counter. */
bool gen_loop(Gen *g, bool hot) {
  if (g->nloops >= MAX_LOOP_DEPTH || g->insns + 40 > g->static_cap) return false;
  uint64_t room = g->budget > g->spent ? g->budget - g->spent : 0;
  uint64_t max_iters = room / (LOOP_MIN_ITER * g->mult);
  if (max_iters < 2) return false;
  uint32_t w[LOOP__COUNT] = {10, 4, 2, 3, 0, hot ? 12 : 8};
  VarRef arr = {0, false};
  bool have_arr = gen_pick_var(g, C_ARR, 0, true, W_LOCAL, &arr);
  if (have_arr && !hot && max_iters >= ARRAY_CAP) w[LOOP_ARRAY] = 2;  /* arrays are short */
  /* Nested in an iterator loop, walking its container again (gen_iter_hazard), or a
     loop of a kind picked by weight. */
  IterKind iter = g->iter_again_kind;
  VarRef over = g->iter_again;
  g->iter_again_kind = ITER_NONE;
  int kind = iter != ITER_NONE ? LOOP_ITER : rd_pick(g, w, LOOP__COUNT);
  const char *text = NULL;  /* the string an iterator loop walks */
  if (kind == LOOP_ITER && iter == ITER_NONE) iter = pick_iterated(g, hot, have_arr ? &arr : NULL, &over, &text);
  uint32_t iters = kind == LOOP_ARRAY || iter == ITER_ARRAY ? ARRAY_CAP
                 : iter == ITER_MAP                         ? MAP_MAX_KEYS
                 : iter == ITER_STRING                      ? (uint32_t)strlen(text) - 2
                                                            : loop_iterations(g, hot);
  /* A container may be longer than the budget allows: the loop then also stops when its
     counter reaches the bound (a break, which pops the iterator). */
  bool capped = iters > max_iters && kind == LOOP_ITER && iter != ITER_RANGE;
  if (iters > max_iters) iters = (uint32_t)max_iters;
  int32_t step = 1;
  if (kind == LOOP_UP && rd_chance(g, 20)) step = (int32_t)(2 + rd_below(g, 3));
  uint16_t c;
  if (!gen_new_local(g, kind == LOOP_FLOAT ? C_FLOAT : C_INT, &c)) return false;
  g->locals[c].readonly = true;

  LoopCtx *l = &g->loops[g->nloops];
  *l = (LoopCtx){.start = 0, .step = step, .iters = iters, .counter = c, .is_float = kind == LOOP_FLOAT,
                 .over_iterator = kind == LOOP_ITER, .iter_kind = iter, .iterated = over, .key_local = -1};
  uint16_t key;
  l->brk = gen_new_label(g);  /* one at a time: the order of calls in an initializer is unspecified */
  l->cont = gen_new_label(g);
  uint32_t top = gen_new_label(g), end = gen_new_label(g);
  int32_t bound = (int32_t)iters * step;
  g->shape.loops++;

  /* In programs with closure hazards, cells and closures for the body (gen_closure.c). */
  bool cells = gen_closure_before(g, hot);
  /* In programs with builtin hazards, a call site and its callees (gen_builtin.c). */
  bool builtins = gen_builtin_before(g, hot);
  /* In programs with kind changes made without a branch, a local overwritten after its
     kind guard failed (gen_retype.c). */
  int32_t overwrite = gen_retype_overwrite_before(g, iters);
  /* Element writes straight into a local's array (gen_elem.c). */
  int32_t elems = gen_elem_store_before(g, iters, kind != LOOP_FLOAT, hot);
  /* Element reads whose kind guard moves into the read (gen_elem.c). */
  int32_t elem_kinds = gen_elem_kind_before(g, iters, kind != LOOP_FLOAT, hot);
  /* Bytes of a text compared with string constants (gen_elem.c). */
  int32_t chars = gen_elem_char_before(g, iters, kind != LOOP_FLOAT, hot);

  /* Initialization, once per entry. */
  switch (kind) {
  case LOOP_DOWN:
    gen_emit_int(g, OP_PUSH_INT, bound);
    l->start = bound - 1;
    l->step = -1;
    break;
  case LOOP_FLOAT: gen_emit_const(g, "0.0"); break;
  default: gen_emit_int(g, OP_PUSH_INT, 0); break;
  }
  gen_emit_int(g, OP_STORE_LOCAL, c);
  /* Arrays start short: most walks first fill theirs, so that the walk runs hot. */
  if (iter == ITER_ARRAY && rd_chance(g, 70)) fill_array(g, over, 8 + rd_below(g, ARRAY_CAP - 8));
  if (iter == ITER_MAP && rd_chance(g, 70)) gen_map_fill(g, over, 3 + rd_below(g, 6));
  if (kind == LOOP_ITER) {  /* the iterator, under everything the body pushes */
    if (iter == ITER_ARRAY || iter == ITER_MAP)
      gen_emit_load(g, over);
    else if (iter == ITER_STRING)
      gen_emit_const(g, text);
    else
      gen_emit_int(g, OP_PUSH_INT, (int32_t)iters);
    gen_emit_op(g, OP_ITER);
  }

  uint64_t outer = g->mult;
  g->mult = outer * iters;
  gen_place_label(g, top);
  /* The test at the top (all but do-while). */
  switch (kind) {
  case LOOP_UP:
    switch (rd_below(g, 3)) {
    case 0:
      gen_emit_int(g, OP_LOAD_LOCAL, c);
      gen_emit_int(g, OP_PUSH_INT, bound);
      gen_emit_op(g, OP_GE);
      gen_emit_jump(g, OP_JUMP_IF_TRUE, l->brk);
      break;
    case 1:
      gen_emit_int(g, OP_PUSH_INT, bound);
      gen_emit_int(g, OP_LOAD_LOCAL, c);
      gen_emit_op(g, OP_GT);
      gen_emit_jump(g, OP_JUMP_IF_FALSE, l->brk);
      break;
    default:
      gen_emit_int(g, OP_LOAD_LOCAL, c);
      gen_emit_int(g, OP_PUSH_INT, bound);
      gen_emit_op(g, OP_LT);
      gen_emit_jump(g, OP_JUMP_IF_FALSE, l->brk);
      break;
    }
    break;
  case LOOP_DOWN:
    gen_emit_int(g, OP_LOAD_LOCAL, c);
    gen_emit_int(g, OP_PUSH_INT, 0);
    gen_emit_op(g, OP_GT);
    gen_emit_jump(g, OP_JUMP_IF_FALSE, l->brk);
    gen_emit_int(g, OP_LOAD_LOCAL, c);
    gen_emit_int(g, OP_PUSH_INT, 1);
    gen_emit_op(g, OP_SUB);
    gen_emit_int(g, OP_STORE_LOCAL, c);
    break;
  case LOOP_FLOAT:
    gen_emit_int(g, OP_LOAD_LOCAL, c);
    gen_emit_const_float(g, iters);
    gen_emit_op(g, OP_LT);
    gen_emit_jump(g, OP_JUMP_IF_FALSE, l->brk);
    break;
  case LOOP_ARRAY:
    gen_emit_int(g, OP_LOAD_LOCAL, c);
    gen_emit_load(g, arr);
    gen_emit_op(g, OP_LEN);
    gen_emit_op(g, OP_LT);
    gen_emit_jump(g, OP_JUMP_IF_FALSE, l->brk);
    break;
  case LOOP_ITER:  /* the next value, probed (a map's key also kept); done: the iterator popped, out */
    gen_emit_jump(g, OP_FOR_ITER, end);
    if (iter == ITER_MAP && gen_new_local(g, C_ANY, &key)) {
      gen_emit_op(g, OP_DUP);
      gen_emit_int(g, OP_STORE_LOCAL, key);
      l->key_local = key;
      g->locals[key].readonly = true;  /* it stays a key, for the helper */
    }
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
    if (iter == ITER_ARRAY && rd_chance(g, 60)) gen_shrink_array(g, over, false);  /* shrunk under its iterator */
    if (capped) {
      gen_emit_int(g, OP_LOAD_LOCAL, c);
      gen_emit_int(g, OP_PUSH_INT, (int32_t)iters);
      gen_emit_op(g, OP_GE);
      gen_emit_jump(g, OP_JUMP_IF_TRUE, l->brk);
      l->brk_used = true;
    }
    break;
  default: break;
  }
  g->locals[c].ready = true;
  bool arr_was_readonly = g->locals[arr.index].readonly;
  if (kind == LOOP_ARRAY) {
    g->locals[arr.index].readonly = true;  /* its length bounds the loop and the index */
    gen_emit_load(g, arr);
    gen_emit_int(g, OP_LOAD_LOCAL, c);
    gen_emit_op(g, OP_GET);  /* in range: the counter is below the length */
    gen_emit_op(g, OP_PROBE);
    g->shape.probes++;
  }
  g->nloops++;
  g->block_depth++;
  int32_t outer_map = g->iterated_map;
  if (iter == ITER_MAP) g->iterated_map = over.index;
  /* In programs with exception hazards, first in the body (before any call ends the
     trace): a range around an error in some iterations, and its handler (gen_except.c). */
  if (g->except_on && rd_chance(g, hot ? 85 : 35) && gen_room_for_stmt(g)) gen_except_loop(g);
  /* The cells made before the loop written through one reference and read through
     another, in the trace (gen_closure.c). */
  if (cells) gen_closure_loop(g);
  /* Calls through that site, its builtin changed after warm-up (gen_builtin.c). */
  if (builtins) gen_builtin_loop(g);
  /* The walked container changed by a callee, or walked again inside (gen_iter.c). */
  if (kind == LOOP_ITER && rd_chance(g, hot ? 85 : 70) && gen_room_for_stmt(g)) gen_iter_hazard(g, l);
  /* Often a kind change, first or last in the body: what ran specialized so far deopts. */
  bool retype = rd_chance(g, hot ? 85 : 45), retype_first = rd_chance(g, 50);
  if (retype && retype_first) gen_stmt_retype(g);
  if (overwrite >= 0) gen_retype_overwrite(g, l, (uint16_t)overwrite);
  if (elems >= 0) gen_elem_store(g, l, (uint16_t)elems);
  if (elem_kinds >= 0) gen_elem_kind(g, l, (uint16_t)elem_kinds);
  if (chars >= 0) gen_elem_char(g, l, (uint16_t)chars);
  /* In programs with objects, a loop's cached attribute facts go stale after warm-up
     (every hot loop, half of the others); first in the body, while there is room. */
  if (g->obj.on && (hot || rd_chance(g, 50)) && gen_room_for_stmt(g)) gen_object_hazard(g);
  /* A map's keys changed between lookups, and an array shrunk, inside the loop, before
     any call ends its trace. */
  if (g->maps_on && rd_chance(g, hot ? 80 : 50) && gen_room_for_stmt(g)) gen_map_hazard(g);
  if (rd_chance(g, hot ? 80 : 50) && gen_room_for_stmt(g)) gen_stmt_shrink(g);
  /* With finalizers, an instance dropped inside the trace: mostly last in the body, where
     everything before it was traced too; sometimes first, before any call ends the trace. */
  bool drop = g->obj.on && (hot || rd_chance(g, 70)), drop_first = rd_chance(g, 30);
  if (drop && drop_first && gen_room_for_stmt(g)) gen_object_drop(g);
  if (hot)
    gen_block_n(g, 3, 8);
  else
    gen_block(g, gen_sub_block_stmts(g) + 1);
  if (retype && !retype_first && gen_room_for_stmt(g)) gen_stmt_retype(g);
  /* And a hazard, if the program has one left: an error from inside a hot loop. */
  if (g->hazards && rd_chance(g, hot ? 70 : 40) && gen_room_for_stmt(g)) gen_stmt_hazard(g);
  if (drop && !drop_first && gen_room_for_stmt(g)) gen_object_drop(g);
  g->iterated_map = outer_map;
  g->block_depth--;
  g->nloops--;
  g->locals[c].ready = false;  /* on some paths after the loop it was never set */
  if (kind == LOOP_ARRAY) g->locals[arr.index].readonly = arr_was_readonly;

  /* The update and the back edge. */
  gen_place_label(g, l->cont);
  switch (kind) {
  case LOOP_DOWN: break;
  case LOOP_FLOAT:
    gen_emit_int(g, OP_LOAD_LOCAL, c);
    gen_emit_const(g, "1.0");
    gen_emit_op(g, OP_ADD);
    gen_emit_int(g, OP_STORE_LOCAL, c);
    break;
  default:
    gen_emit_int(g, OP_LOAD_LOCAL, c);
    gen_emit_int(g, OP_PUSH_INT, step);
    gen_emit_op(g, OP_ADD);
    gen_emit_int(g, OP_STORE_LOCAL, c);
    break;
  }
  if (kind == LOOP_DO_WHILE) {
    gen_emit_int(g, OP_LOAD_LOCAL, c);
    gen_emit_int(g, OP_PUSH_INT, bound);
    gen_emit_op(g, OP_LT);
    gen_emit_jump(g, OP_JUMP_IF_FALSE, l->brk);
  }
  gen_emit_jump(g, OP_LOOP, top);
  if (kind == LOOP_ITER) {
    if (l->brk_used) {  /* a break leaves the iterator on the stack */
      gen_place_label(g, l->brk);
      gen_emit_op(g, OP_POP);
    }
    gen_place_label(g, end);
  } else {
    gen_place_label(g, l->brk);
  }
  g->mult = outer;
  if (cells) gen_closure_after(g);  /* what the cells hold after the loop, observed */
  if (builtins) gen_builtin_after(g);  /* which callee the site holds now, observed */
  return true;
}

/* The counter's value in an iteration from the middle half of the loop's. */
int32_t gen_counter_value_mid(Gen *g, const LoopCtx *l) {
  uint32_t span = l->iters > 1 ? l->iters : 1;
  int32_t j = (int32_t)(span / 4 + rd_below(g, span / 2 + 1));
  if (j >= (int32_t)span) j = (int32_t)span - 1;
  return l->start + l->step * j;
}

/* Pushes whether loop l's counter has passed a quarter of its iterations: true from then
   on, with no branch. */
void gen_counter_past_quarter(Gen *g, const LoopCtx *l) {
  int64_t k = l->start + (int64_t)l->step * (l->iters / 4);
  gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
  if (l->is_float)
    gen_emit_const_float(g, k);
  else
    gen_emit_int(g, OP_PUSH_INT, k);
  gen_emit_op(g, l->step > 0 ? OP_GE : OP_LE);
}

void gen_pick_by_block(Gen *g, const LoopCtx *l) {
  gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
  if (l->is_float) gen_emit_op(g, OP_TO_INT);
  gen_emit_int(g, OP_PUSH_INT, 3);
  gen_emit_op(g, OP_SHR);
  gen_emit_int(g, OP_PUSH_INT, 1);
  gen_emit_op(g, OP_BAND);
  gen_emit_op(g, OP_GET);
}

/* Loop l's counter compared with one of its values from the middle of the loop: pushes a
   bool that is true from iteration k on (or at k only, or every m-th iteration). */
void gen_counter_test(Gen *g, const LoopCtx *l) {
  int32_t k = gen_counter_value_mid(g, l);
  uint32_t how = rd_below(g, 4);
  gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
  if (!l->is_float && how == 3) {  /* every m-th iteration: the kind keeps flipping */
    gen_emit_int(g, OP_PUSH_INT, 2 + rd_below(g, 6));
    gen_emit_op(g, OP_MOD);
    gen_emit_int(g, OP_PUSH_INT, 0);
    gen_emit_op(g, OP_EQ);
    return;
  }
  if (l->is_float)
    gen_emit_const_float(g, k);
  else
    gen_emit_int(g, OP_PUSH_INT, k);
  if (how == 0)
    gen_emit_op(g, OP_EQ);
  else
    gen_emit_op(g, l->step > 0 ? OP_GE : OP_LE);
}
