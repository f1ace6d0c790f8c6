/* replay_main.c: the replay driver (after OpenSSL's fuzz/test-corpus.c).
 *
 *   tessera-replay-TARGET FILE_OR_DIR...
 *
 * Runs every named file, and every regular file directly inside every named directory
 * (sorted by name, so runs are reproducible), through the target's
 * LLVMFuzzerTestOneInput as an ordinary program: corpora run as tests with no fuzzing
 * library. A finding aborts inside the target, so the process dies with SIGABRT after
 * "replay: FILE" names the input. Exit 0 when every file ran; 2 on a usage or I/O error. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "target_common.h"

static int replay_file(const char *path) {
  Buf b = {0};
  if (!buf_read_file(&b, path)) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    return 2;
  }
  fprintf(stderr, "replay: %s\n", path);
  /* An exact-size copy, so ASan sees a read past the end of the input. */
  uint8_t *copy = malloc(b.len ? b.len : 1);
  if (b.len) memcpy(copy, b.data, b.len);
  LLVMFuzzerTestOneInput(copy, b.len);
  free(copy);
  buf_free(&b);
  return 0;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, size_t *count) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "replay: cannot open %s\n", dir);
    return 2;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      names = realloc(names, cap * sizeof *names);
    }
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    names[n] = malloc(len);
    snprintf(names[n], len, "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, compare_names);
  int status = 0;
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
      if (replay_file(names[i]) != 0) status = 2;
      else (*count)++;
    }
    free(names[i]);
  }
  free(names);
  return status;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  int status = 0;
  size_t count = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "replay: cannot open %s\n", argv[i]);
      status = 2;
    } else if (S_ISDIR(st.st_mode)) {
      if (replay_dir(argv[i], &count) != 0) status = 2;
    } else if (replay_file(argv[i]) != 0) {
      status = 2;
    } else {
      count++;
    }
  }
  printf("replay: %zu inputs ran\n", count);
  return status;
}
