/* fatal.h: catching the signals that end a run which crashed or hung, to say what was
 * running before the process goes; shared by the fuzzing engine (which saves the
 * program) and tessera repro (which names the configuration).
 *
 * The signals are SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT (sanitizer aborts
 * included) for a crash, and SIGALRM, from the caller's alarm, for a hang. A handler may
 * only use async-signal-safe calls: the text helpers below build a line in a buffer for
 * one write. */
#ifndef TESSERA_FATAL_H
#define TESSERA_FATAL_H

#include <stddef.h>
#include <stdint.h>

/* Installs handler for every fatal signal, keeping the handlers that were there. */
void fatal_signals_catch(void (*handler)(int));
/* Puts back the handlers fatal_signals_catch found. */
void fatal_signals_release(void);
/* From a handler: the signal takes its course. The handler that was there before (a
   sanitizer's, or the default) is put back and the signal raised again; a hang
   (SIGALRM) gets the default action, which ends the process. */
void fatal_signals_pass_on(int sig);

/* Append s, or v in decimal, to out[at..cap-1] (room kept for a NUL); return the new
   length. */
size_t fatal_put_str(char *out, size_t at, size_t cap, const char *s);
size_t fatal_put_u64(char *out, size_t at, size_t cap, uint64_t v);

#endif
