/* localize.h: which piece of the disagreeing tier is at fault (issue 19). A divergence
 * says how two observations differ; localization re-runs the disagreeing configuration
 * with parts of its tier switched off until it agrees with ref again, and names the
 * part whose switch did it.
 *
 *   t1: each specialized form that the run chose is switched off alone (the instruction
 *       then stays generic, RunOptions.t1_forms_off); the first whose absence makes the
 *       configuration agree with ref is the culprit.
 *
 * Not yet: optimizer passes and rules, the JIT's stencils, the architecture. */
#ifndef TESSERA_LOCALIZE_H
#define TESSERA_LOCALIZE_H

#include "oracle.h"

typedef struct {
  bool found;          /* a single culprit was named */
  char culprit[96];    /* "t1 form sub_int", or empty */
  char verdict[320];   /* one line for a person: what was tried and what it showed */
  unsigned runs;       /* configuration runs it took */
} Localization;

/* Localizes r's divergence (r from oracle_run of m with these limits and fault). */
void oracle_localize(const Module *m, Limits limits, Fault fault, const OracleResult *r, Localization *out);

#endif
