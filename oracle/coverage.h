/* coverage.h: what a program made the tiers do, as a set of features (bits), taken from
 * the statistics every configuration of the oracle's matrix keeps. `tessera fuzz`
 * keeps a program in its corpus when it covers a feature no earlier program did
 * (fuzz/corpus.h), and reports the features covered over time: the VM's own coverage,
 * as lafleur takes CPython's uop edges, where libFuzzer would see C edges.
 *
 *   KIND(NAME, "label", COUNT, TIER, "what one feature of the kind means")
 *
 *   NAME   the kind is COV_KIND_NAME; its features are bits COV_NAME_FIRST ..
 *          COV_NAME_FIRST + COUNT - 1 of a Coverage
 *   label  its word in the progress line, the summary and the reports
 *   TIER   the configurations it is taken from: every one of this tier (and of its
 *          -noopt variant); uops and pairs from the jit tiers' too, as they compile the
 *          same traces as t2 (an executor the JIT failed to compile adds nothing there)
 *
 * Adding a kind: a row here, a line in coverage_note (coverage.c) and one in the
 * table of docs/fuzzing.md section 3.8. */
#ifndef TESSERA_COVERAGE_H
#define TESSERA_COVERAGE_H

#include "specialize.h"
#include "trace.h"

#define COVERAGE_KINDS(KIND)                                                                              \
  KIND(FORM, "forms", OP__ALL, TIER_T1, "t1 specialized an instruction into this form")                   \
  KIND(DEOPT, "deopts", OP__ALL, TIER_T1, "this t1 form's guard failed")                                 \
  KIND(UOP, "uops", TRACE_OP__COUNT, TIER_T2,                                                             \
       "a trace holds this uop or trace op: one t2 built, or one the JIT compiled (then it ran as its stencil)") \
  KIND(PAIR, "pairs", TRACE_OP__COUNT * TRACE_OP__COUNT, TIER_T2,                                         \
       "uop B right after uop A in such a trace (in compiled code: stencil B right after stencil A)")      \
  KIND(EXIT, "exits", TRACE_FUSED__END, TIER_T2,                                                          \
       "the uop interpreter took an exit at this op (its fused guard-and-action ops count as their own)") \
  KIND(JIT_EXIT, "jit-exits", TRACE_OP__COUNT, TIER_JIT,                                                  \
       "compiled code left at this op: an exit, an error or a handoff to the interpreter")              \
  KIND(ABORT, "aborts", TRACE_ABORT__COUNT, TIER_T2, "a trace projection stopped for this reason")       \
  KIND(END, "ends", TRACE_END__COUNT, TIER_T2, "a trace was built that ends this way")

typedef enum {
#define KIND(NAME, label, count, tier, doc) COV_KIND_##NAME,
  COVERAGE_KINDS(KIND)
#undef KIND
  COV_KIND__COUNT
} CoverageKind;

/* The bit ranges: COV_NAME_FIRST .. COV_NAME_LAST for each kind. */
enum {
#define KIND(NAME, label, count, tier, doc) COV_##NAME##_FIRST, COV_##NAME##_LAST = COV_##NAME##_FIRST + (count) - 1,
  COVERAGE_KINDS(KIND)
#undef KIND
  COV__BITS
};
#define COV_WORDS ((COV__BITS + 63) / 64)

typedef struct {
  uint64_t bits[COV_WORDS];
} Coverage;

extern const char *const coverage_label[COV_KIND__COUNT];
extern const char *const coverage_doc[COV_KIND__COUNT];
extern const Tier coverage_tier[COV_KIND__COUNT];

/* Adds what one run of the given tier did, from its statistics (t1: T1Stats, NULL for
   other tiers; t2: T2Stats, NULL for tiers without traces). */
void coverage_note(Coverage *cov, Tier tier, const T1Stats *t1, const T2Stats *t2);

/* Adds cov into the map `into` (COV_WORDS words, which other processes may be adding
   to at the same time: atomic). Returns how many of cov's features were new there. */
uint64_t coverage_merge(uint64_t *into, const Coverage *cov);

/* The features of each kind set in the map (COV_WORDS words), and their sum. */
uint64_t coverage_count(const uint64_t *map, uint64_t per_kind[COV_KIND__COUNT]);

#endif
