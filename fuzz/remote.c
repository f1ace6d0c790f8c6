/* remote.c: the pipe protocol between a campaign's job and its worker of another
 * architecture (see remote.h). */
#include "remote.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HELLO "tessera-serve 2 "
#define COUNT_WORDS (sizeof(FuzzCounts) / sizeof(uint64_t))

/* ---- The job's side ---- */

bool remote_start(RemoteWorker *rw, char *const argv[], char *err, size_t cap) {
  int to[2], from[2];
  memset(rw, 0, sizeof *rw);
  rw->pid = -1;
  if (pipe(to) != 0) {
    snprintf(err, cap, "pipe: %s", strerror(errno));
    return false;
  }
  if (pipe(from) != 0) {
    snprintf(err, cap, "pipe: %s", strerror(errno));
    close(to[0]);
    close(to[1]);
    return false;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(to[0], 0);
    dup2(from[1], 1);
    close(to[0]);
    close(to[1]);
    close(from[0]);
    close(from[1]);
    execvp(argv[0], argv);
    fprintf(stderr, "[fuzz] cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  close(to[0]);
  close(from[1]);
  if (pid < 0) {
    snprintf(err, cap, "fork: %s", strerror(errno));
    close(to[1]);
    close(from[0]);
    return false;
  }
  signal(SIGPIPE, SIG_IGN);  /* a server that died is seen as a failed write, not a signal */
  rw->pid = pid;
  rw->to = to[1];
  rw->from = fdopen(from[0], "r");
  char line[sizeof rw->version + sizeof HELLO];
  if (!rw->from || !fgets(line, sizeof line, rw->from) || strncmp(line, HELLO, strlen(HELLO)) != 0) {
    int st = remote_stop(rw);
    snprintf(err, cap, "%s did not start as a worker (%s %d)", argv[0], WIFSIGNALED(st) ? "signal" : "exit status",
             WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    return false;
  }
  line[strcspn(line, "\n")] = '\0';
  char *rest;
  rw->fingerprint = strtoull(line + strlen(HELLO), &rest, 16);
  snprintf(rw->version, sizeof rw->version, "%s", rest + (*rest == ' '));
  return true;
}

static bool write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= (size_t)n;
  }
  return true;
}

/* Reads one line into b (without its newline); false at end of input. */
static bool read_line(FILE *f, Buf *b) {
  b->len = 0;
  int c;
  while ((c = getc(f)) != EOF && c != '\n') buf_putc(b, (char)c);
  buf_putc(b, '\0');
  b->len--;
  return c == '\n';
}

static bool parse_counts(const char *s, FuzzCounts *c) {
  if (strncmp(s, "counts", 6) != 0) return false;
  s += 6;
  uint64_t *words = (uint64_t *)c;
  for (size_t i = 0; i < COUNT_WORDS; i++) {
    char *end;
    errno = 0;
    words[i] = strtoull(s, &end, 10);
    if (end == s || errno) return false;
    s = end;
  }
  return *s == '\0';
}

static bool parse_coverage(const char *s, Coverage *cov) {
  if (strncmp(s, "coverage", 8) != 0) return false;
  s += 8;
  memset(cov, 0, sizeof *cov);
  while (*s == ' ') {
    char *end;
    unsigned long i = strtoul(s + 1, &end, 10);
    if (*end != ':' || i >= COV_WORDS) return false;
    cov->bits[i] = strtoull(end + 1, &end, 16);
    s = end;
  }
  return *s == '\0';
}

bool remote_send(RemoteWorker *rw, const RemoteProgram *p) {
  char head[400];
  int n = snprintf(head, sizeof head,
                   "program %d %" PRIu64 " %zu %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %u %u %u\n", p->origin,
                   p->seed, p->len, p->limits.fuel, p->limits.max_depth, p->limits.max_heap, p->limits.max_output,
                   p->knobs.warmup, p->knobs.threshold, p->knobs.nesting);
  return write_all(rw->to, head, (size_t)n) && write_all(rw->to, p->input, p->len);
}

bool remote_receive(RemoteWorker *rw, RemoteResult *res) {
  memset(res, 0, sizeof *res);
  Buf line = {0};
  bool ok = read_line(rw->from, &line) && parse_counts(line.data, &res->counts) && read_line(rw->from, &line) &&
            parse_coverage(line.data, &res->coverage) && read_line(rw->from, &line) && strncmp(line.data, "ref ", 4) == 0;
  if (ok) buf_append(&res->ref_json, line.data + 4, line.len - 4);
  buf_free(&line);
  return ok;
}

int remote_stop(RemoteWorker *rw) {
  int st = 0;
  if (rw->to > 0) close(rw->to);
  if (rw->from) fclose(rw->from);
  rw->to = -1;
  rw->from = NULL;
  if (rw->pid > 0)
    while (waitpid(rw->pid, &st, 0) < 0 && errno == EINTR) {}
  rw->pid = -1;
  return st;
}

/* ---- The server's side ---- */

void remote_write_hello(FILE *out, uint64_t fingerprint, const char *version) {
  fprintf(out, HELLO "%016" PRIx64 " %s\n", fingerprint, version);
  fflush(out);
}

bool remote_read_program(FILE *in, RemoteProgram *p, Buf *input) {
  char head[400];
  if (!fgets(head, sizeof head, in)) return false;
  memset(p, 0, sizeof *p);
  size_t len;
  if (sscanf(head, "program %d %" SCNu64 " %zu %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %u %u %u", &p->origin,
             &p->seed, &len, &p->limits.fuel, &p->limits.max_depth, &p->limits.max_heap, &p->limits.max_output,
             &p->knobs.warmup, &p->knobs.threshold, &p->knobs.nesting) != 10 || len > (64u << 20)) {
    fprintf(stderr, "[fuzz] --serve: a malformed request: %s", head);
    return false;
  }
  input->len = 0;
  for (size_t i = 0; i < len; i++) {
    int c = getc(in);
    if (c == EOF) return false;
    buf_putc(input, (char)c);
  }
  p->input = (const uint8_t *)input->data;
  p->len = len;
  return true;
}

void remote_write_result(FILE *out, const FuzzCounts *counts, const Coverage *cov, const Buf *ref_json) {
  const uint64_t *words = (const uint64_t *)counts;
  fputs("counts", out);
  for (size_t i = 0; i < COUNT_WORDS; i++) fprintf(out, " %" PRIu64, words[i]);
  fputs("\ncoverage", out);
  for (size_t i = 0; i < COV_WORDS; i++)
    if (cov->bits[i]) fprintf(out, " %zu:%" PRIx64, i, cov->bits[i]);
  fputs("\nref ", out);
  fwrite(ref_json->data, 1, ref_json->len, out);
  fputc('\n', out);
  fflush(out);
}

/* ---- Comparing two observations as JSON ---- */

/* The end of the JSON value at s: past a string, or past the bracket that closes the one
   at s, or at the next ',' or '}' of this level. */
static const char *skip_value(const char *s) {
  int depth = 0;
  bool in_string = false;
  for (; *s; s++) {
    if (in_string) {
      if (*s == '\\' && s[1]) s++;
      else if (*s == '"') in_string = false;
    } else if (*s == '"') {
      in_string = true;
    } else if (*s == '[' || *s == '{') {
      depth++;
    } else if (*s == ']' || *s == '}') {
      if (depth == 0) return s;
      depth--;
    } else if (*s == ',' && depth == 0) {
      return s;
    }
  }
  return s;
}

bool remote_json_first_difference(const char *a, const char *b, char *key, size_t cap) {
  if (*a == '{') a++;
  if (*b == '{') b++;
  while (*a && *a != '}') {
    const char *ka = a, *va = strchr(a, ':');
    if (!va) break;
    const char *ea = skip_value(va + 1), *eb = skip_value(strchr(b, ':') ? strchr(b, ':') + 1 : b);
    if ((size_t)(ea - a) != (size_t)(eb - b) || memcmp(a, b, (size_t)(ea - a)) != 0) {
      size_t n = (size_t)(va - ka);
      if (n >= 2 && ka[0] == '"') ka++, n -= 2;  /* without its quotes */
      snprintf(key, cap, "%.*s", (int)n, ka);
      return true;
    }
    a = *ea == ',' ? ea + 1 : ea;
    b = *eb == ',' ? eb + 1 : eb;
  }
  if (strcmp(a, b) == 0) return false;
  snprintf(key, cap, "observation");
  return true;
}
