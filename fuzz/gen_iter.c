/* gen_iter.c: what happens to a container while an iterator walks it (issue 15): a
 * callee changes it, another iterator walks it inside the first, and a map's keys move
 * under the walk (their number kept) or, rarely, change in number (the documented
 * index error, raised at the loop's for_iter, inside its trace); and what happens to the
 * iterator itself: the body replaces it by one of another kind.
 *
 * Every program has two helper functions after the object methods, small enough that a
 * trace inlines their calls, so the change happens inside the trace of the loop:
 *   iter helper ARRAY (a, n): when a is longer than 1, rotates it (its first element
 *       moves to the end) when n is even, else pops it; a never grows, so an
 *       iteration over it still ends
 *   iter helper MAP (m, k): when m has k, moves k to the end of m's order (deleted,
 *       then stored again with its value): the number of keys stays
 * Both return nil. A map is walked by the rank of its next key, so a key moved to the
 * end is met again and the one after it is skipped; the semantics define both. */
#include "gen_decide.h"
#include "gen_internal.h"

enum { H_ARRAY, H_MAP };

static uint32_t helper_index(const Gen *g, int h) { return g->first_helper + (uint32_t)h; }

/* The cost of a helper call, the call itself included (at most). */
#define HELPER_COST 24

void gen_iter_helpers(Gen *g) {
  for (int h = 0; h <= H_MAP; h++) {
    Function *out = gen_helper_begin(g, helper_index(g, h));
    uint32_t out_label = gen_new_label(g);
    if (h == H_ARRAY) {
      uint32_t pop = gen_new_label(g);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_op(g, OP_LEN);
      gen_emit_int(g, OP_PUSH_INT, 1);
      gen_emit_op(g, OP_GT);
      gen_emit_jump(g, OP_JUMP_IF_FALSE, out_label);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_int(g, OP_PUSH_INT, 2);
      gen_emit_op(g, OP_MOD);
      gen_emit_int(g, OP_PUSH_INT, 0);
      gen_emit_op(g, OP_EQ);
      gen_emit_jump(g, OP_JUMP_IF_FALSE, pop);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);  /* a.append(a.remove(0)) */
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_int(g, OP_PUSH_INT, 0);
      gen_emit_op(g, OP_ARRAY_REMOVE);
      gen_emit_op(g, OP_APPEND);
      gen_emit_jump(g, OP_JUMP, out_label);
      gen_place_label(g, pop);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_op(g, OP_ARRAY_POP);
      gen_emit_op(g, OP_PROBE);
    } else {
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_op(g, OP_HAS);
      gen_emit_jump(g, OP_JUMP_IF_FALSE, out_label);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);  /* m, k, m[k] under the deletion; then the store */
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_op(g, OP_GET);
      gen_emit_int(g, OP_LOAD_LOCAL, 0);
      gen_emit_int(g, OP_LOAD_LOCAL, 1);
      gen_emit_op(g, OP_DEL_KEY);
      gen_emit_op(g, OP_SET);
    }
    gen_place_label(g, out_label);
    gen_emit_op(g, OP_PUSH_NIL);
    gen_emit_op(g, OP_RETURN);
    gen_helper_end(g, out, 2, 0);
  }
}

/* The helper called on the container of iterator loop l, whose body this is: an array
   with the loop's counter, a map with the key being walked (or one of the pool). */
static void call_helper(Gen *g, const LoopCtx *l) {
  bool map = l->iter_kind == ITER_MAP;
  gen_emit_int(g, OP_PUSH_FUNC, helper_index(g, map ? H_MAP : H_ARRAY));
  gen_emit_load(g, l->iterated);
  if (map && l->key_local >= 0)
    gen_emit_int(g, OP_LOAD_LOCAL, (uint32_t)l->key_local);  /* the key being walked goes last */
  else if (map)
    gen_map_emit_key(g);
  else
    gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
  gen_emit_int(g, OP_CALL, 2);
  gen_emit_op(g, OP_POP);
  g->shape.calls++;
  g->spent += g->mult * HELPER_COST;
}

/* The iterations after which a replaced iterator's ranges are empty (replace_iterator). */
#define REPLACED_RANGE 24

/* In the body of iterator loop l: the iterator under the body's values popped and
   replaced, in every iteration, by a fresh one, over a range of the iterations left
   (REPLACED_RANGE - counter) in blocks of eight iterations and over a string in the
   blocks between ([range, string][(counter >> 3) & 1]). No branch chooses, so the
   loop's trace holds the replacement, and the kind of iterator its for_iter walks
   changes from one block to the next without an exit: the trace optimizer must keep
   the iterator guard in the loop (docs/tier2.md, "Iterator guards"). The walk ends in
   the first range block once the counter reaches REPLACED_RANGE (only a fresh string
   iterator is never done). Decided apart from the stream, and not charged to the
   budget, so that every other decision of the program stays as it was (at most 14
   instructions an iteration, in loops that end within REPLACED_RANGE + 8 iterations). */
static void replace_iterator(Gen *g, const LoopCtx *l) {
  gen_emit_op(g, OP_POP);
  gen_emit_int(g, OP_PUSH_INT, REPLACED_RANGE);
  gen_emit_int(g, OP_LOAD_LOCAL, l->counter);
  gen_emit_op(g, OP_SUB);
  gen_emit_op(g, OP_ITER);
  gen_emit_const(g, "\"replaced\"");
  gen_emit_op(g, OP_ITER);
  gen_emit_int(g, OP_ARRAY_NEW, 2);
  gen_pick_by_block(g, l);
}

/* In the body of iterator loop l: in one loop of eight, its iterator replaced first
   (replace_iterator); over an array or a map, the container changed by a callee, or
   walked again by a loop nested in this one; or a map given a key (when it is new, the
   walk's index error at the next for_iter). */
void gen_iter_hazard(Gen *g, const LoopCtx *l) {
  if (l->step > 0 && !l->is_float && rd_last_site_chance(g, g->nloops, 12) && gen_fits(g, 14)) replace_iterator(g, l);
  if (l->iter_kind != ITER_ARRAY && l->iter_kind != ITER_MAP) return;
  if (l->iter_kind == ITER_MAP && rd_chance(g, 25)) {  /* a key stored while the map is walked */
    gen_map_store(g, l->iterated);
    return;
  }
  if (rd_chance(g, 70)) {
    if (gen_fits(g, HELPER_COST + 5)) call_helper(g, l);
    return;
  }
  g->iter_again = l->iterated;
  g->iter_again_kind = l->iter_kind;
  gen_loop(g, false);
  g->iter_again_kind = ITER_NONE;  /* when gen_loop found no room, it never took it */
}
