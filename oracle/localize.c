/* localize.c: culprits by switching parts of a tier off (localize.h). */
#include "localize.h"

#include <string.h>

#define FORM_WORDS ((OP__ALL + 63) / 64)

/* Whether configuration c, with the forms in `off` switched off, agrees with ref; its
   t1 statistics into t1. */
static bool agrees_without(const Module *m, size_t c, Limits limits, Fault fault, const uint64_t *off,
                           const Observation *ref, T1Stats *t1, Localization *out) {
  Observation obs;
  T2Stats t2;
  memset(t1, 0, sizeof *t1);
  memset(&t2, 0, sizeof t2);
  oracle_run_config(m, c, limits, fault, off, &obs, t1, &t2);
  out->runs++;
  bool same = observation_diff(ref, &obs) == OBS_AGREE;
  observation_free(&obs);
  return same;
}

static void localize_t1(const Module *m, Limits limits, Fault fault, const OracleResult *r, Localization *out) {
  size_t c = r->other;
  const char *name = oracle_configs[c].name;
  T1Stats t1;
  (void)agrees_without(m, c, limits, fault, NULL, &r->obs[0], &t1, out);  /* the forms it chose */
  uint64_t chosen[FORM_WORDS] = {0};
  unsigned nchosen = 0;
  for (int op = OP__COUNT; op < OP__ALL; op++)
    if (t1.specialized[op]) {
      bit_set(chosen, (uint32_t)op);
      nchosen++;
    }
  for (int op = OP__COUNT; op < OP__ALL; op++) {
    if (!bit_test(chosen, (uint32_t)op)) continue;
    uint64_t off[FORM_WORDS] = {0};
    bit_set(off, (uint32_t)op);
    if (agrees_without(m, c, limits, fault, off, &r->obs[0], &t1, out)) {
      out->found = true;
      snprintf(out->culprit, sizeof out->culprit, "t1 form %s", opcode_name(op));
      snprintf(out->verdict, sizeof out->verdict,
               "t1 form %s: with it switched off (the instruction left generic), %s agrees with ref", opcode_name(op),
               name);
      return;
    }
  }
  if (nchosen && agrees_without(m, c, limits, fault, chosen, &r->obs[0], &t1, out))
    snprintf(out->verdict, sizeof out->verdict,
             "t1's forms together: with all %u it chose switched off %s agrees with ref, with any one off it does not",
             nchosen, name);
  else
    snprintf(out->verdict, sizeof out->verdict,
             "not t1's forms: with all %u it chose switched off, %s still disagrees with ref", nchosen, name);
}

void oracle_localize(const Module *m, Limits limits, Fault fault, const OracleResult *r, Localization *out) {
  memset(out, 0, sizeof *out);
  if (!r->diverged) {
    snprintf(out->verdict, sizeof out->verdict, "no divergence to localize");
    return;
  }
  Tier tier = oracle_configs[r->other].tier;
  if (tier == TIER_T1) {
    localize_t1(m, limits, fault, r, out);
    return;
  }
  snprintf(out->verdict, sizeof out->verdict, "not localized: only t1's divergences are, so far (the disagreeing tier is %s)",
           tier_name[tier]);
}
