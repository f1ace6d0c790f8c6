/* fatal.c: catching the signals of a crash or a hang (see fatal.h). */
#include "fatal.h"

#include <signal.h>
#include <string.h>

#include "common.h"

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM};
static struct sigaction fatal_previous[ARRAY_LEN(fatal_signals)];

void fatal_signals_catch(void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < ARRAY_LEN(fatal_signals); i++) sigaction(fatal_signals[i], &sa, &fatal_previous[i]);
}

void fatal_signals_release(void) {
  for (size_t i = 0; i < ARRAY_LEN(fatal_signals); i++) sigaction(fatal_signals[i], &fatal_previous[i], NULL);
}

void fatal_signals_pass_on(int sig) {
  for (size_t i = 0; i < ARRAY_LEN(fatal_signals); i++)
    if (fatal_signals[i] == sig) sigaction(sig, &fatal_previous[i], NULL);
  if (sig == SIGALRM) signal(SIGALRM, SIG_DFL);  /* a hang ends the process */
  raise(sig);
}

size_t fatal_put_str(char *out, size_t at, size_t cap, const char *s) {
  while (*s && at + 1 < cap) out[at++] = *s++;
  return at;
}

size_t fatal_put_u64(char *out, size_t at, size_t cap, uint64_t v) {
  char digits[24];
  int n = 0;
  do digits[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  while (n > 0 && at + 1 < cap) out[at++] = digits[--n];
  return at;
}
