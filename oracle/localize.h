/* localize.h: which piece of the disagreeing tier is at fault (issue 19). A divergence
 * says how two observations differ; localization re-runs the disagreeing configuration
 * with parts of its tier switched off (RunOptions.off, vm/vm.h) until it agrees with ref
 * again, and names the part whose switch did it:
 *
 *   t1       each specialized form the run chose, off alone (the instruction stays
 *            generic): "t1 form sub_int"
 *   t2, jit  1. the optimizer's rules all off; if that agrees, each off alone:
 *               "t2 optimizer rule fold"
 *            2. jit tiers: nothing compiled; if that agrees, the traces holding one
 *               op left uncompiled, op by op: "jit stencil add_int (x86_64)"
 *            3. no traces built; if that agrees, the traces holding one op not built:
 *               "t2 uop loop"
 *            4. t1's forms underneath, as for t1
 *
 * In 2 and 3 more than one op may explain it (an op in every trace always does); the
 * one named keeps the most uops in, then has the fewest of its own (op_culprit).
 *
 * The culprit, written with '-' for spaces, is the bug-level signature: one bug, one
 * signature, whichever observation it happened to change.
 *
 * Not yet: the instruction of the program, the architecture (the other one's build). */
#ifndef TESSERA_LOCALIZE_H
#define TESSERA_LOCALIZE_H

#include "oracle.h"

typedef struct {
  bool found;          /* a single culprit was named */
  char culprit[96];    /* "t1 form sub_int", or empty */
  char signature[96];  /* the culprit as a signature, "t1-form-sub_int", or empty */
  char verdict[320];   /* one line for a person: what was tried and what it showed */
  unsigned runs;       /* configuration runs it took */
} Localization;

/* Localizes r's divergence (r from oracle_run of m with these limits and fault, and the
   knobs it records). */
void oracle_localize(const Module *m, Limits limits, Fault fault, const OracleResult *r, Localization *out);

/* Localizes r's divergence into loc and, when a culprit is found, makes its signature
   r's (the bug-level one). Answers whether it did. */
bool oracle_bug_signature(const Module *m, Limits limits, Fault fault, OracleResult *r, Localization *loc);

#endif
