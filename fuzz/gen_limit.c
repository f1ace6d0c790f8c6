/* gen_limit.c: limit runners. In one program in GEN_RUNNER_ONE_IN, main ends in a loop
 * that runs until a runtime limit runs out, by then inside the loop's trace or compiled
 * code: an exit no other statement aims for (issue 19, item 5). Main reads the decision
 * just before its return value, so only that value's expression changes for the bytes
 * that gave a program before.
 *
 *   output   prints a 66-byte line each iteration: the campaign's 64 KiB run out after
 *            about a thousand (the swarm's tight output limits sooner), well before
 *            the fuel does
 *
 * The loop is counted like every other (a local counter to 32767), so it also has a way
 * out that the verifier and the budget see; the limit comes first. */
#include "gen_decide.h"

#define GEN_RUNNER_ONE_IN 12

/* 66 bytes printed an iteration, with the newline print adds. */
#define RUNNER_LINE "\"limit runner: this line is printed until the output limit ends it\""

static void output_runner(Gen *g) {
  uint16_t i;
  if (!gen_new_local(g, C_INT, &i)) return;
  uint32_t top = gen_new_label(g), done = gen_new_label(g);
  gen_emit_int(g, OP_PUSH_INT, 0);
  gen_emit_store(g, (VarRef){i, false});
  g->locals[i].ready = true;
  gen_place_label(g, top);
  gen_emit_int(g, OP_LOAD_LOCAL, i);
  gen_emit_int(g, OP_PUSH_INT, 32767);
  gen_emit_op(g, OP_LT);
  gen_emit_jump(g, OP_JUMP_IF_FALSE, done);
  gen_emit_const(g, RUNNER_LINE);
  gen_emit_op(g, OP_PRINT);
  gen_emit_int(g, OP_LOAD_LOCAL, i);
  gen_emit_int(g, OP_PUSH_INT, 1);
  gen_emit_op(g, OP_ADD);
  gen_emit_store(g, (VarRef){i, false});
  gen_emit_jump(g, OP_LOOP, top);
  gen_place_label(g, done);
}

void gen_limit_runner(Gen *g) {
  /* The highest draw, so that a zero byte (and an input that ran out) means none. */
  if (rd_below(g, GEN_RUNNER_ONE_IN) == GEN_RUNNER_ONE_IN - 1) output_runner(g);
}
