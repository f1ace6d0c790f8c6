/* reduce.h: shrinking a divergent program (`tessera reduce`).
 *
 * Over the lines of the program's canonical text (one instruction a line), passes take
 * lines out while what is left still assembles, verifies and makes the oracle report
 * the same signature, repeated until none takes any: whole functions; delta debugging
 * (Zeller's ddmin), whose chunks halve down to single lines, so the result is 1-minimal
 * (no single line can go); windows of 2 to 8 neighbouring lines, which ddmin's chunks
 * miss (a push and the pop that balances it); and, when none of those takes a line,
 * conditional jumps rewritten as never or always taken, then pairs of lines up to 24
 * apart (a push and the instruction far below that consumes it). Every candidate loses
 * the lines no run can reach any more, which the verifier would reject: so a loop's
 * exit test goes with the code after the loop. Candidates run in a child process under
 * a fuel and a time bound (a removal can make a loop endless). The signature kept is
 * the bug-level one when the divergence is localized (oracle/localize.h: the culprit),
 * else the oracle's: either names the bug, not the program, which is what makes it the
 * thing to keep. */
#ifndef TESSERA_REDUCE_H
#define TESSERA_REDUCE_H

#include "oracle.h"

typedef struct {
  uint32_t lines_before, lines_after;
  uint64_t tests;          /* candidate programs run through the oracle */
  char signature[96];      /* the divergence kept */
  double seconds;          /* how long it took */
  bool stopped;            /* the time was up before it was 1-minimal */
  uint64_t timeouts;       /* candidates stopped for running longer than... */
  double candidate_seconds;  /* ...this */
} ReduceStats;

/* Shrinks m's program, for at most `seconds` (0: until it is 1-minimal; the time is
   checked between candidate runs). Returns false when m does not diverge under these
   limits, fault and matrix knobs (nothing to keep); otherwise out holds the smallest text found,
   which diverges with the same signature. With progress, a line on stderr twice a
   second. */
bool reduce_program(const Module *m, Limits limits, Fault fault, OracleKnobs knobs, double seconds, bool progress,
                    Buf *out, ReduceStats *st);

#endif
