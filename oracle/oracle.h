/* oracle.h: the differential oracle. Runs one module under every configuration of the
 * matrix, each in a fresh VM, and compares the whole observations.
 *
 * A divergence names the two configurations that disagree (the first is always the
 * reference), the first field that differs, where it differs (the first differing output
 * line, the first differing probe, the two error locations and their instructions), and
 * a signature: a short stable string, the same when the same bug is found twice, so
 * that a campaign keeps one copy per bug. New tiers join the matrix by adding a line
 * to oracle_configs in oracle.c. */
#ifndef TESSERA_ORACLE_H
#define TESSERA_ORACLE_H

#include "specialize.h"
#include "vm.h"

typedef struct {
  const char *name;
  Tier tier;
  Dispatch dispatch;
  uint32_t warmup;  /* t1: tiny, so that specialized forms and deopts really run */
} OracleConfig;

#define ORACLE_MAX_CONFIGS 8
extern const OracleConfig oracle_configs[];
extern const size_t oracle_nconfigs;

/* What the t1 configurations reached, for the fuzzer's reach figures. */
typedef struct {
  bool specialized;  /* some instruction specialized */
  bool deopted;      /* some guard failed */
  uint64_t executed; /* instructions t1 executed */
} OracleReach;

typedef struct {
  Observation obs[ORACLE_MAX_CONFIGS];
  OracleReach reach;
  bool diverged;
  size_t other;        /* the configuration that disagrees with oracle_configs[0] */
  const char *field;   /* the first differing field (observation_diff's name) */
  char where[512];     /* where it differs, in words */
  char signature[96];  /* FIELD-TIER-HASH, e.g. "checksum-t1-3f9a2c01" */
} OracleResult;

/* Runs m under every configuration with the given limits and fault (FAULT_NONE
   except in self-tests; the fault applies to every configuration, and only some
   tiers act on it). */
void oracle_run(const Module *m, Limits limits, Fault fault, OracleResult *r);
void oracle_result_free(OracleResult *r);

/* A readable report: the verdict, then one row per configuration with the fields
   that differ from the reference marked '!'. */
void oracle_report(const Module *m, const OracleResult *r, Buf *out);

#endif
