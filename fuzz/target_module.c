/* target_module.c: fuzz target `module`: raw bytes -> module_load (reader and
 * verifier); a module that loads runs through oracle_run under the module target's
 * limits (smaller than the other targets', target_common.h), and a divergence aborts with the oracle's report. A rejection is the normal
 * outcome for most inputs. Engine-neutral (see target_common.h). */
#include "asm.h"
#include "oracle.h"
#include "target_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Module m = {0};
  Diag d = {{0}};
  if (!module_load(data, size, &m, &d)) return 0;
  OracleResult r;
  oracle_run(&m, module_target_limits(), FAULT_NONE, &r);
  if (r.diverged) {
    Buf text = {0}, report = {0};
    dis_module(&m, &text);
    oracle_report(&m, &r, &report);
    fprintf(stderr, "%.*s\n%.*s\n", (int)text.len, text.data, (int)report.len, report.data);
    TARGET_FAIL("divergence %s", r.signature);
  }
  oracle_result_free(&r);
  module_free(&m);
  return 0;
}
