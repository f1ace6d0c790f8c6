/* afl_driver.c: AFL++ persistent-mode driver for the engine-neutral targets.
 * Built only by fuzz/afl.sh with afl-clang-fast, which defines __AFL_LOOP,
 * __AFL_FUZZ_INIT and friends: the process runs up to 10,000 inputs before AFL++
 * forks a fresh one, and reads each input from shared memory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target_common.h"

__AFL_FUZZ_INIT();

int main(void) {
#ifdef __AFL_HAVE_MANUAL_CONTROL
  __AFL_INIT();
#endif
  unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
  while (__AFL_LOOP(10000)) {
    size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
    /* An exact-size copy, so a sanitizer sees a read past the end of the input. */
    uint8_t *copy = malloc(len ? len : 1);
    if (len) memcpy(copy, buf, len);
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
  }
  return 0;
}
