/* remote.h: a campaign's worker on another architecture (`tessera fuzz --arch=aarch64`).
 *
 * Each job of a campaign keeps one `tessera fuzz --serve` process of the other
 * architecture's build running for the whole campaign (under qemu-aarch64 on an x86-64
 * host) and talks to it over two pipes, in text lines:
 *
 *   server -> job, once:  "tessera-serve 2 FINGERPRINT VERSION-LINE"
 *                         (gen_fingerprint in hex: the job refuses a worker whose
 *                         generator makes other programs; the build, its arch last)
 *   job -> server:        "program ORIGIN SEED LEN FUEL DEPTH HEAP OUTPUT WARMUP THRESHOLD"
 *                         then LEN bytes: the program's input (generator bytes or module)
 *   server -> job:        "counts N N ..."   its FuzzCounts for the program, every word
 *                         "coverage W:HEX ..."  the non-zero words of its coverage
 *                         "ref JSON"           the reference configuration's observation
 *
 * The server runs the program through the whole matrix on its architecture, as a job
 * would: a divergence there is localized, saved, reduced and noted in the triage
 * registry by the server itself (the directory is shared). The job compares the
 * reference observations of the two architectures. The server leaves on end of input. */
#ifndef TESSERA_REMOTE_H
#define TESSERA_REMOTE_H

#include <stdio.h>
#include <sys/types.h>

#include "coverage.h"
#include "engine.h"

typedef struct {
  pid_t pid;
  int to;      /* its standard input */
  FILE *from;  /* its standard output */
  uint64_t fingerprint;  /* its hello: its generator's gen_fingerprint */
  char version[200];     /* and the build's version line */
} RemoteWorker;

/* One program, as it travels. */
typedef struct {
  int origin;  /* engine.c's ProgramOrigin */
  uint64_t seed;
  Limits limits;
  OracleKnobs knobs;
  const uint8_t *input;
  size_t len;
} RemoteProgram;

/* What the server answers for it. */
typedef struct {
  FuzzCounts counts;
  Coverage coverage;
  Buf ref_json;  /* observation_json of the reference configuration, without a newline */
} RemoteResult;

/* Starts argv (argv[0] looked up in PATH) with pipes to and from it, and reads its hello.
   false, with the reason in err, when it cannot be started or does not say hello. */
bool remote_start(RemoteWorker *rw, char *const argv[], char *err, size_t cap);
/* Sends p; then (the job may run it here meanwhile) reads the answer into res, whose
   ref_json the caller frees. false when the server is gone (it crashed or was killed:
   remote_stop tells how). */
bool remote_send(RemoteWorker *rw, const RemoteProgram *p);
bool remote_receive(RemoteWorker *rw, RemoteResult *res);
/* Closes its input, waits for it, and returns its wait status. */
int remote_stop(RemoteWorker *rw);

/* The server's side: reads one program (its input into *input, which the caller frees);
   false at end of input or on a malformed request (said on stderr). */
bool remote_read_program(FILE *in, RemoteProgram *p, Buf *input);
void remote_write_hello(FILE *out, uint64_t fingerprint, const char *version);
void remote_write_result(FILE *out, const FuzzCounts *counts, const Coverage *cov, const Buf *ref_json);

/* The first top-level member of two JSON objects whose values differ, as its key (into
   key), for naming a cross-architecture difference: "output", "error" ... false when
   every member is the same. */
bool remote_json_first_difference(const char *a, const char *b, char *key, size_t cap);

#endif
