/* localize.h: which piece of the disagreeing tier is at fault (issue 19). A divergence
 * says how two observations differ; localization re-runs the disagreeing configuration
 * with parts of its tier switched off (RunOptions.off, vm/vm.h) until it agrees with ref
 * again, and names the part whose switch did it:
 *
 *   t1       0. what forms rely on, each switched to never being trusted: every class
 *               renewed when one changes ("t1 class versions"), map hints unused
 *               ("t1 map hints")
 *   t1       1. each specialized form the run chose, off alone (the instruction stays
 *               generic): "t1 form sub_int"; if only all of them off agrees, the
 *               instruction after which t1's state first leaves ref's, by its form
 *            2. every form off, and t1 still disagrees: the runtime the tiers above
 *               ref share, named by the instruction after which t1's state first
 *               leaves ref's: "t1 runtime array_remove". That instruction is found by
 *               comparing hashes of the state at the same places in ref and t1
 *               (vm/step_watch.h): a fuel count bisected, then every place between
 *               two fuel charges.
 *   traces   0. t1 alone at the configuration's warm-up disagrees too: as for t1
 *   jit      1. nothing compiled (every uop handed to the uop interpreter); if that
 *               agrees, the executors compiled up to id K, K bisected, then executor K
 *               compiled up to N uops (those before it whole), N bisected:
 *               "jit stencil push_value (x86_64)"
 *   t2, jit  2. the optimizer's rules (unless the noopt tier disagrees too), all off,
 *               then each alone: "t2 optimizer rule fold"
 *            2b. a finalizer check before every trace instruction: "t2 finalizer checks"
 *            2c. t1's mechanisms whose switch changes no path (map hints): "t1 map hints"
 *            3. no trace built; if that agrees, the executors with ids below K run
 *               (the rest dormant), K bisected; executor K - 1 has its trace cut
 *               after N instructions, N bisected; when the last instruction kept
 *               runs only t1's uops or was folded, each t1 form off alone first:
 *               "t2 uop loop", "t2 instruction load_attr"
 *            4. t1's forms underneath, as for t1
 *
 * The bisections assume that more compiled uops or longer traces only add chances for
 * the bug to show; where a program breaks that, the name can miss.
 *
 * The culprit, written with '-' for spaces, is the bug-level signature: one bug, one
 * signature, whichever observation it happened to change.
 *
 * Not yet: the trace tiers' state place by place. The architecture is named by the
 * campaign that compares two (tessera fuzz --arch, fuzz/remote.h), not here. */
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
