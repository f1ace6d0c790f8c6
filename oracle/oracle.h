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
  uint32_t warmup;           /* t1: tiny, so that specialized forms and deopts really run */
  uint32_t trace_threshold;  /* t2: tiny, so that traces, exits and side traces really run */
} OracleConfig;

#define ORACLE_MAX_CONFIGS 12
extern const OracleConfig oracle_configs[];
extern const size_t oracle_nconfigs;

/* What the t1 and t2 configurations reached, for the fuzzer's reach figures. */
typedef struct {
  bool specialized;  /* some instruction specialized */
  bool deopted;      /* some guard failed */
  uint64_t executed; /* instructions t1 executed */
  bool traced;       /* t2 built an executor */
  bool exited;       /* t2 took an exit back to t1 */
  bool side_traced;  /* t2 built a side trace */
  bool jitted;       /* the jit tier ran compiled code */
} OracleReach;

typedef struct {
  Observation obs[ORACLE_MAX_CONFIGS];
  OracleReach reach;
  bool diverged;
  size_t other;        /* the configuration that disagrees with oracle_configs[0] */
  const char *field;   /* the first differing field (observation_diff's name) */
  char where[512];     /* where it differs, in words */
  char signature[96];  /* FIELD-TIER-HASH, e.g. "checksum-t1-3f9a2c01" */
  char signature_key[160];  /* what HASH hashes besides field and tier, readable:
                               "w1:goto+switch;end;done/fuel" (oracle.c) */
} OracleResult;

/* Runs m under every configuration with the given limits and fault (FAULT_NONE
   except in self-tests; the fault applies to every configuration, and only some
   tiers act on it). */
void oracle_run(const Module *m, Limits limits, Fault fault, OracleResult *r);
/* The name of the configuration oracle_run is running, or NULL: for a signal handler
   that reports which configuration crashed or hung (tessera repro). */
extern const char *volatile oracle_running;
void oracle_result_free(OracleResult *r);

/* A readable report: the verdict, then one row per configuration with the fields
   that differ from the reference marked '!'. */
void oracle_report(const Module *m, const OracleResult *r, Buf *out);

#endif
