/* test_remote.c: the pipe protocol of a campaign's worker of another architecture
 * (fuzz/remote.h): a program and an answer go through real pipes and come back whole,
 * and two observations are told apart by the member that differs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "remote.h"

/* A request written by the job's side is read back by the server's side. */
static void test_program_round_trip(void) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  const uint8_t input[] = {0, 1, 2, '\n', 255, 'p', 'r', 'o', 'g', 'r', 'a', 'm', ' '};
  RemoteWorker rw = {.pid = -1, .to = fds[1]};
  RemoteProgram sent = {2, 18446744073709551615ull, {123, 4, 5678, 9}, {16, 3, 2}, input, sizeof input};
  CHECK(remote_send(&rw, &sent));
  sent.seed = 7;
  sent.len = 0;
  CHECK(remote_send(&rw, &sent));  /* an empty input too */
  close(fds[1]);
  FILE *in = fdopen(fds[0], "r");
  RemoteProgram got;
  Buf b = {0};
  CHECK(remote_read_program(in, &got, &b));
  CHECK(got.origin == 2 && got.seed == 18446744073709551615ull && got.len == sizeof input);
  CHECK(got.limits.fuel == 123 && got.limits.max_depth == 4 && got.limits.max_heap == 5678 && got.limits.max_output == 9);
  CHECK(got.knobs.warmup == 16 && got.knobs.threshold == 3 && got.knobs.nesting == 2);
  CHECK(memcmp(got.input, input, sizeof input) == 0);
  CHECK(remote_read_program(in, &got, &b) && got.seed == 7 && got.len == 0);
  CHECK(!remote_read_program(in, &got, &b));  /* end of input: the server leaves */
  fclose(in);
  buf_free(&b);
}

/* An answer written by the server is read back by the job, every count and feature. */
static void test_result_round_trip(void) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  FuzzCounts counts = {0};
  counts.programs = 1;
  counts.divergences = 1;
  counts.executed = 987654321;
  counts.reached[REACH_JITTED] = 1;
  Coverage cov = {{0}};
  cov.bits[0] = 1;
  cov.bits[COV_WORDS - 1] = 0x8000000000000000ull;
  Buf ref = {0};
  buf_puts(&ref, "{\"output\":\"a\\nb\",\"fuel\":3}");
  FILE *out = fdopen(fds[1], "w");
  remote_write_result(out, &counts, &cov, &ref);
  fclose(out);
  RemoteWorker rw = {.pid = -1, .to = -1, .from = fdopen(fds[0], "r")};
  RemoteResult res;
  CHECK(remote_receive(&rw, &res));
  CHECK(memcmp(&res.counts, &counts, sizeof counts) == 0);
  CHECK(memcmp(&res.coverage, &cov, sizeof cov) == 0);
  CHECK(res.ref_json.len == ref.len && memcmp(res.ref_json.data, ref.data, ref.len) == 0);
  buf_free(&res.ref_json);
  CHECK(!remote_receive(&rw, &res));  /* the server is gone */
  fclose(rw.from);
  buf_free(&ref);
}

/* A worker's hello, written by the server's side, is read by remote_start: its
   generator's fingerprint and its version line. The worker here is a shell that says
   the hello it is given, then reads its input to the end. */
static void test_hello(void) {
  char path[] = "/tmp/tessera-test-hello-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd < 0) return;
  FILE *f = fdopen(fd, "w");
  remote_write_hello(f, 0x0123456789abcdefull, "tessera 0.1.0, commit c, Release build, aarch64");
  fclose(f);
  char script[200];
  snprintf(script, sizeof script, "cat %s; cat >/dev/null", path);
  char *argv[] = {"sh", "-c", script, NULL};
  RemoteWorker rw;
  char err[200];
  CHECK_MSG(remote_start(&rw, argv, err, sizeof err), "%s", err);
  CHECK(rw.fingerprint == 0x0123456789abcdefull);
  CHECK(strcmp(rw.version, "tessera 0.1.0, commit c, Release build, aarch64") == 0);
  CHECK(remote_stop(&rw) == 0);
  char *silent[] = {"true", NULL};  /* says nothing: not a worker */
  CHECK(!remote_start(&rw, silent, err, sizeof err));
  unlink(path);
}

static void test_first_difference(void) {
  char key[64];
  const char *a = "{\"output\":\"x,y\\\"}\",\"result\":\"[1, {2}]\",\"error\":null,\"fuel\":5}";
  CHECK(!remote_json_first_difference(a, a, key, sizeof key));
  CHECK(remote_json_first_difference(a, "{\"output\":\"x,y\\\"}\",\"result\":\"[1, {2}]\",\"error\":null,\"fuel\":6}", key,
                                     sizeof key));
  CHECK_STR(key, "fuel");
  CHECK(remote_json_first_difference(a, "{\"output\":\"x,y\\\"} \",\"result\":\"[1, {2}]\",\"error\":null,\"fuel\":5}",
                                     key, sizeof key));
  CHECK_STR(key, "output");
  CHECK(remote_json_first_difference(a, "{\"output\":\"x,y\\\"}\",\"result\":\"[1, {3}]\",\"error\":null,\"fuel\":5}",
                                     key, sizeof key));
  CHECK_STR(key, "result");
}

int main(void) {
  test_program_round_trip();
  test_result_round_trip();
  test_hello();
  test_first_difference();
  return check_summary("test_remote");
}
