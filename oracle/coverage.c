/* coverage.c: the VM's statistics as coverage features (coverage.h). */
#include "coverage.h"

const char *const coverage_label[COV_KIND__COUNT] = {
#define KIND(NAME, label, count, tier, doc) label,
  COVERAGE_KINDS(KIND)
#undef KIND
};
const char *const coverage_doc[COV_KIND__COUNT] = {
#define KIND(NAME, label, count, tier, doc) doc,
  COVERAGE_KINDS(KIND)
#undef KIND
};
const Tier coverage_tier[COV_KIND__COUNT] = {
#define KIND(NAME, label, count, tier, doc) tier,
  COVERAGE_KINDS(KIND)
#undef KIND
};

static const uint32_t kind_first[COV_KIND__COUNT + 1] = {
#define KIND(NAME, label, count, tier, doc) COV_##NAME##_FIRST,
  COVERAGE_KINDS(KIND)
#undef KIND
  COV__BITS,
};

/* Feature i of the kind starting at `first` for every nonzero count[i]. */
static void note_counts(Coverage *cov, uint32_t first, const uint64_t *count, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (count[i]) bit_set(cov->bits, first + i);
}

/* The pairs of T2Stats, and the ops they are made of. */
static void note_pairs(Coverage *cov, const uint64_t *pairs) {
  for (uint32_t w = 0; w < TRACE_PAIR_WORDS; w++)
    for (uint64_t bits = pairs[w]; bits; bits &= bits - 1) {
      uint32_t pair = w * 64 + (uint32_t)__builtin_ctzll(bits);
      bit_set(cov->bits, COV_PAIR_FIRST + pair);
      bit_set(cov->bits, COV_UOP_FIRST + pair / TRACE_OP__COUNT);
      bit_set(cov->bits, COV_UOP_FIRST + pair % TRACE_OP__COUNT);
    }
}

void coverage_note(Coverage *cov, Tier tier, const T1Stats *t1, const T2Stats *t2) {
  if (t1) {
    note_counts(cov, COV_FORM_FIRST, t1->specialized, OP__ALL);
    note_counts(cov, COV_DEOPT_FIRST, t1->deopts, OP__ALL);
  }
  if (!t2) return;
  note_pairs(cov, t2->pairs);
  note_counts(cov, COV_ABORT_FIRST, t2->aborted, TRACE_ABORT__COUNT);
  note_counts(cov, COV_END_FIRST, t2->ended, TRACE_END__COUNT);
  if (tier_compiles(tier)) note_counts(cov, COV_JIT_EXIT_FIRST, t2->jit_left_op, TRACE_OP__COUNT);
  else note_counts(cov, COV_EXIT_FIRST, t2->exit_op, TRACE_FUSED__END);
}

uint64_t coverage_merge(uint64_t *into, const Coverage *cov) {
  uint64_t added = 0;
  for (size_t w = 0; w < COV_WORDS; w++) {
    uint64_t bits = cov->bits[w];
    if (!bits || (bits & ~__atomic_load_n(&into[w], __ATOMIC_RELAXED)) == 0) continue;
    uint64_t before = __atomic_fetch_or(&into[w], bits, __ATOMIC_RELAXED);
    added += (uint64_t)__builtin_popcountll(bits & ~before);
  }
  return added;
}

uint64_t coverage_count(const uint64_t *map, uint64_t per_kind[COV_KIND__COUNT]) {
  uint64_t total = 0;
  for (int k = 0; k < COV_KIND__COUNT; k++) {
    uint64_t n = 0;
    for (uint32_t bit = kind_first[k]; bit < kind_first[k + 1]; bit++)
      n += (__atomic_load_n(&map[bit / 64], __ATOMIC_RELAXED) >> (bit % 64)) & 1;
    if (per_kind) per_kind[k] = n;
    total += n;
  }
  return total;
}
