/* check.h: a minimal unit-test harness. Each test program calls CHECK* and ends with
 * `return check_summary("name");`, which prints "N passed, N failed". */
#ifndef TESSERA_CHECK_H
#define TESSERA_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed_, check_failed_;

#define CHECK_MSG(cond, ...)                                          \
  do {                                                                \
    if (cond) {                                                       \
      check_passed_++;                                                \
    } else {                                                          \
      check_failed_++;                                                \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fputc('\n', stderr);                                            \
    }                                                                 \
  } while (0)

#define CHECK(cond) CHECK_MSG(cond, "%s", "")

#define CHECK_STR(got, want)                                                   \
  do {                                                                         \
    const char *g_ = (got), *w_ = (want);                                      \
    CHECK_MSG(g_ && strcmp(g_, w_) == 0, "got \"%s\", want \"%s\"", g_ ? g_ : "(null)", w_); \
  } while (0)

#ifdef TESSERA_ASM_H
/* Assembles a test program written in the test; a failure is a failed check. */
static inline bool check_assemble(const char *src, Module *m) {
  Diag d;
  memset(&d, 0, sizeof d);
  bool ok = asm_assemble(src, strlen(src), "t.tas", m, NULL, &d);
  CHECK_MSG(ok, "does not assemble: %s", d.msg);
  return ok;
}
#endif

static inline int check_summary(const char *name) {
  printf("%s: %d passed, %d failed\n", name, check_passed_, check_failed_);
  return check_failed_ ? 1 : 0;
}

#endif
