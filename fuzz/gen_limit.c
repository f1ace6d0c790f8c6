/* gen_limit.c: limit runners. In one program in GEN_RUNNER_ONE_IN for each runner, main
 * ends in code that runs until a runtime limit runs out, by then inside a trace or
 * compiled code: an exit no other statement aims for (issue 19, item 5). Main reads the
 * decision just before its return value, so only that value's expression changes for
 * the bytes that gave a program before.
 *
 *   output   a loop prints a 66-byte line each iteration: the campaign's 64 KiB run out
 *            after about a thousand (the swarm's tight output limits sooner), well
 *            before the fuel does
 *   depth    main calls DIVE(0). DIVE(n) runs a loop of DIVE_STEPS iterations that call
 *            STEP, small enough that the loop's trace inlines it (push_frame), from
 *            the second iteration on (the first runs in t1, which enters the trace at
 *            the loop's back edge), then returns DIVE(n + 1). Every level's loop enters
 *            the trace compiled at the first, so the depth limit (64 in a campaign, 2
 *            to 7 under the swarm) runs out at the push_frame of the deepest level,
 *            inside the trace
 *   heap     a loop appends a new string of about 140 bytes to an array each iteration:
 *            the campaign's 64 KiB of heap run out after about 350 (generated programs
 *            otherwise live in less than 8 KiB), before the fuel does, between two
 *            growths of the array (at 256 and 512 elements), so that what runs out is a
 *            string's allocation: the int's string or the concatenation's, which the
 *            trace makes as one (concat_int, docs/tier2.md) and must fail where t1 does
 *
 * Each has a way out that the verifier and the budget see, which the limit comes before:
 * the loops are counted like every other (a local counter to 32767), DIVE stops
 * at level DIVE_LEVELS. DIVE and STEP are two functions after the iteration and
 * exception helpers, only in the programs that call them. */
#include <string.h>

#include "gen_decide.h"

#define GEN_RUNNER_ONE_IN 12

/* 66 bytes printed an iteration, with the newline print adds. */
#define RUNNER_LINE "\"limit runner: this line is printed until the output limit ends it\""
/* 135 bytes, and the counter's digits after them, appended an iteration. */
#define RUNNER_TEXT "\"limit runner: this text, its counter after it, is kept in an array until the heap limit ends it; long enough to run out between growths\""

/* The output runner (heap false): LINE printed each iteration. The heap runner: a new
   string of about 140 bytes appended to an array each iteration, so the campaign's 64
   KiB of heap run out after about 350, the fuel after about 1,500. Both count to 32767. */
static void counted_runner(Gen *g, bool heap) {
  uint16_t i, a = 0;
  if (!gen_new_local(g, C_INT, &i) || (heap && !gen_new_local(g, C_ARR, &a))) return;
  uint32_t top = gen_new_label(g), done = gen_new_label(g);
  if (heap) {
    gen_emit_int(g, OP_ARRAY_NEW, 0);
    gen_emit_store(g, (VarRef){a, false});
    g->locals[a].ready = true;
  }
  gen_emit_int(g, OP_PUSH_INT, 0);
  gen_emit_store(g, (VarRef){i, false});
  g->locals[i].ready = true;
  gen_place_label(g, top);
  gen_emit_int(g, OP_LOAD_LOCAL, i);
  gen_emit_int(g, OP_PUSH_INT, 32767);
  gen_emit_op(g, OP_LT);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, done);
  if (heap) {
    gen_emit_int(g, OP_LOAD_LOCAL, a);  /* a.append(TEXT + str(i)) */
    gen_emit_const(g, RUNNER_TEXT);
    gen_emit_int(g, OP_LOAD_LOCAL, i);
    gen_emit_op(g, OP_TO_STR);
    gen_emit_op(g, OP_ADD);
    gen_emit_op(g, OP_APPEND);
  } else {
    gen_emit_const(g, RUNNER_LINE);
    gen_emit_op(g, OP_PRINT);
  }
  gen_emit_int(g, OP_LOAD_LOCAL, i);
  gen_emit_int(g, OP_PUSH_INT, 1);
  gen_emit_op(g, OP_ADD);
  gen_emit_store(g, (VarRef){i, false});
  gen_emit_jump(g, OP_LOOP, top);
  gen_place_label(g, done);
}

#define DIVE_STEPS 8
#define DIVE_LEVELS 500

static void depth_runner(Gen *g) {
  g->depth_runner = true;
  gen_emit_int(g, OP_PUSH_FUNC, g->m->nfuncs);  /* DIVE(0), after every helper; its result dropped */
  gen_emit_int(g, OP_PUSH_INT, 0);
  gen_emit_int(g, OP_CALL, 1);
  gen_emit_op(g, OP_POP);
}

void gen_limit_runner(Gen *g) {
  /* The highest draws, so that a zero byte (and an input that ran out) means none. */
  uint32_t draw = rd_below(g, GEN_RUNNER_ONE_IN);
  if (draw == GEN_RUNNER_ONE_IN - 1) counted_runner(g, false);
  else if (draw == GEN_RUNNER_ONE_IN - 2) depth_runner(g);
  else if (draw == GEN_RUNNER_ONE_IN - 3) counted_runner(g, true);
}

void gen_limit_helpers(Gen *g) {
  if (!g->depth_runner) return;
  Module *m = g->m;
  uint32_t dive = m->nfuncs, step = dive + 1;
  m->funcs = xrealloc(m->funcs, (m->nfuncs + 2) * sizeof(Function));
  memset(&m->funcs[dive], 0, 2 * sizeof(Function));
  m->nfuncs += 2;

  Function *f = gen_helper_begin(g, dive);  /* DIVE(n), local 1 the loop's counter */
  uint32_t base = gen_new_label(g), top = gen_new_label(g), skip = gen_new_label(g), done = gen_new_label(g);
  gen_emit_int(g, OP_LOAD_LOCAL, 0);
  gen_emit_int(g, OP_PUSH_INT, DIVE_LEVELS);
  gen_emit_op(g, OP_LT);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, base);
  gen_emit_int(g, OP_PUSH_INT, 0);
  gen_emit_int(g, OP_STORE_LOCAL, 1);
  gen_place_label(g, top);
  gen_emit_int(g, OP_LOAD_LOCAL, 1);
  gen_emit_int(g, OP_PUSH_INT, DIVE_STEPS);
  gen_emit_op(g, OP_LT);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, done);
  gen_emit_int(g, OP_LOAD_LOCAL, 1);  /* not in the first iteration, which t1 runs: the */
  gen_emit_int(g, OP_PUSH_INT, 0);    /* trace is entered at the loop's back edge */
  gen_emit_op(g, OP_GT);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, skip);
  gen_emit_int(g, OP_PUSH_FUNC, step);
  gen_emit_int(g, OP_LOAD_LOCAL, 1);
  gen_emit_int(g, OP_CALL, 1);
  gen_emit_op(g, OP_POP);
  gen_place_label(g, skip);
  gen_emit_int(g, OP_LOAD_LOCAL, 1);
  gen_emit_int(g, OP_PUSH_INT, 1);
  gen_emit_op(g, OP_ADD);
  gen_emit_int(g, OP_STORE_LOCAL, 1);
  gen_emit_jump(g, OP_LOOP, top);
  gen_place_label(g, done);
  gen_emit_int(g, OP_PUSH_FUNC, dive);
  gen_emit_int(g, OP_LOAD_LOCAL, 0);
  gen_emit_int(g, OP_PUSH_INT, 1);
  gen_emit_op(g, OP_ADD);
  gen_emit_int(g, OP_CALL, 1);
  gen_emit_op(g, OP_RETURN);
  gen_place_label(g, base);
  gen_emit_int(g, OP_PUSH_INT, 0);
  gen_emit_op(g, OP_RETURN);
  gen_helper_end(g, f, 1, 1);

  f = gen_helper_begin(g, step);  /* STEP(x) = x + 1 */
  gen_emit_int(g, OP_LOAD_LOCAL, 0);
  gen_emit_int(g, OP_PUSH_INT, 1);
  gen_emit_op(g, OP_ADD);
  gen_emit_op(g, OP_RETURN);
  gen_helper_end(g, f, 1, 0);
}
