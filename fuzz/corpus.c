/* corpus.c: the kept programs, in memory and in their directory (corpus.h). */
#include "corpus.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "files.h"
#include "module.h"

static int compare_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool name_seen(const Corpus *c, uint64_t h) {
  return c->nnames && bsearch(&h, c->names, c->nnames, sizeof h, compare_u64) != NULL;
}

/* Adds a name's hash to the ones seen; they are sorted again by sort_names. */
static void push_name(Corpus *c, uint64_t h) {
  if (c->nnames == c->names_cap) {
    c->names_cap = c->names_cap ? 2 * c->names_cap : 64;
    c->names = xrealloc(c->names, c->names_cap * sizeof *c->names);
  }
  c->names[c->nnames++] = h;
}

static void sort_names(Corpus *c) {
  if (c->nnames) qsort(c->names, c->nnames, sizeof *c->names, compare_u64);
}

static void add_entry(Corpus *c, const uint8_t *data, size_t len, const char *name) {
  if (c->len == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 64;
    c->entries = xrealloc(c->entries, c->cap * sizeof *c->entries);
  }
  uint8_t *copy = xmalloc(len ? len : 1);
  memcpy(copy, data, len);
  c->entries[c->len++] = (CorpusEntry){copy, len, xstrndup(name, strlen(name))};
}

/* Loads the files of dir not seen yet, in the order of their names; `*read_dir` says
   whether dir could be read. Returns how many were modules. */
static size_t load_new(Corpus *c, bool *read_dir) {
  DIR *d = opendir(c->dir);
  *read_dir = d != NULL;
  if (!d) return 0;
  char **fresh = NULL;
  size_t nfresh = 0, cap = 0;
  for (struct dirent *e; (e = readdir(d));) {
    /* Hidden files, and the temporary files of writes in progress (files.c). */
    if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp")) continue;
    uint64_t h = hash_bytes(e->d_name, strlen(e->d_name));
    if (name_seen(c, h)) continue;
    if (nfresh == cap) fresh = xrealloc(fresh, (cap = cap ? 2 * cap : 64) * sizeof *fresh);
    fresh[nfresh++] = xstrndup(e->d_name, strlen(e->d_name));
  }
  closedir(d);
  if (nfresh) qsort(fresh, nfresh, sizeof *fresh, compare_names);
  size_t loaded = 0;
  for (size_t i = 0; i < nfresh; i++) {
    push_name(c, hash_bytes(fresh[i], strlen(fresh[i])));
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", c->dir, fresh[i]);
    Buf b = {0};
    Module m;
    Diag diag = {{0}};
    if (buf_read_file(&b, path) && module_load((const uint8_t *)b.data, b.len, &m, &diag)) {
      module_free(&m);
      add_entry(c, (const uint8_t *)b.data, b.len, fresh[i]);
      loaded++;
    } else {
      c->not_modules++;
    }
    buf_free(&b);
    free(fresh[i]);
  }
  free(fresh);
  sort_names(c);
  return loaded;
}

bool corpus_open(Corpus *c, const char *dir, char *err, size_t errcap) {
  memset(c, 0, sizeof *c);
  c->dir = xstrndup(dir, strlen(dir));
  bool read_dir;
  if (!files_make_dir(dir)) {
    snprintf(err, errcap, "cannot create the corpus directory %s: %s", dir, strerror(errno));
    return false;
  }
  load_new(c, &read_dir);
  if (!read_dir) {
    snprintf(err, errcap, "cannot read the corpus directory %s: %s", dir, strerror(errno));
    return false;
  }
  return true;
}

size_t corpus_rescan(Corpus *c) {
  bool read_dir;
  return load_new(c, &read_dir);
}

bool corpus_keep(Corpus *c, const uint8_t *data, size_t len) {
  char name[17], path[1400];
  snprintf(name, sizeof name, "%016llx", (unsigned long long)hash_bytes(data, len));
  snprintf(path, sizeof path, "%s/%s", c->dir, name);
  uint64_t h = hash_bytes(name, strlen(name));
  if (name_seen(c, h)) return true;  /* kept already, here or by another worker */
  push_name(c, h);
  sort_names(c);
  add_entry(c, data, len, name);
  return files_write_atomically(path, data, len);
}

bool corpus_delete(Corpus *c, size_t i) {
  char path[1400];
  snprintf(path, sizeof path, "%s/%s", c->dir, c->entries[i].name);
  return unlink(path) == 0 || errno == ENOENT;
}

void corpus_free(Corpus *c) {
  for (size_t i = 0; i < c->len; i++) {
    free(c->entries[i].data);
    free(c->entries[i].name);
  }
  free(c->entries);
  free(c->names);
  free(c->dir);
  memset(c, 0, sizeof *c);
}
