/* target_diff.c: fuzz target `diff`: fuzzer bytes -> gen_program -> oracle_run.
 * A divergence between configurations aborts with the oracle's report; so does a
 * generator failure (every byte string must give a program that verifies: a failure
 * is a generator bug). Engine-neutral: linked with libFuzzer, the AFL++ driver or the
 * replay driver. */
#include "gen.h"
#include "oracle.h"
#include "target_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Buf tas = {0};
  Module m = {0};
  Diag d = {{0}};
  if (!gen_program(data, size, NULL, &m, NULL, &d)) {
    gen_program(data, size, &tas, NULL, NULL, &d);  /* the text, to show */
    fprintf(stderr, "%.*s\n", (int)tas.len, tas.data ? tas.data : "");
    TARGET_FAIL("generator bug: %s", d.msg);
  }
  OracleResult r;
  oracle_run(&m, target_limits(), FAULT_NONE, &r);
  if (r.diverged) {
    Buf report = {0};
    oracle_report(&m, &r, &report);
    if (!gen_text_of(data, size, &m, &tas, &d)) buf_printf(&report, "warning: %s\n", d.msg);
    fprintf(stderr, "%.*s\n%.*s\n", (int)tas.len, tas.data ? tas.data : "", (int)report.len, report.data);
    TARGET_FAIL("divergence %s", r.signature);
  }
  oracle_result_free(&r);
  module_free(&m);
  return 0;
}
