/* target_asm.c: fuzz target `asm`: text -> asm_assemble. Text that assembles must
 * round-trip: module_write -> module_load succeeds (the assembler promises output that
 * loads), and dis_module -> asm_assemble -> module_write gives the identical bytes
 * (asm.h's promise). Either failure aborts. Engine-neutral (see target_common.h). */
#include <string.h>

#include "asm.h"
#include "target_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Module m = {0};
  Diag d = {{0}};
  if (!asm_assemble((const char *)data, size, "input", &m, NULL, &d)) return 0;

  Buf bytes = {0};
  module_write(&m, &bytes);
  Module loaded = {0};
  if (!module_load((const uint8_t *)bytes.data, bytes.len, &loaded, &d))
    TARGET_FAIL("assembled module does not load: %s", d.msg);
  module_free(&loaded);

  Buf text = {0};
  dis_module(&m, &text);
  Module again = {0};
  if (!asm_assemble(text.data, text.len, "dis", &again, NULL, &d)) {
    fprintf(stderr, "%.*s\n", (int)text.len, text.data);
    TARGET_FAIL("disassembly does not assemble: %s", d.msg);
  }
  Buf bytes2 = {0};
  module_write(&again, &bytes2);
  if (bytes2.len != bytes.len || memcmp(bytes.data, bytes2.data, bytes.len) != 0) {
    fprintf(stderr, "%.*s\n", (int)text.len, text.data);
    TARGET_FAIL("dis -> asm changed the bytes (%zu -> %zu)", bytes.len, bytes2.len);
  }
  module_free(&again);
  module_free(&m);
  buf_free(&bytes);
  buf_free(&bytes2);
  buf_free(&text);
  return 0;
}
