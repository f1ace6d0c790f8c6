/* corpus.h: the programs a campaign keeps (`tessera fuzz --corpus DIR`), in memory and
 * in DIR, one binary module per file (the format of the `module` target's corpus,
 * corpora/module, and of `tessera asm`; any name). A program is kept when it covered a
 * feature of the VM no earlier program did (oracle/coverage.h); the engine mutates the
 * kept ones (fuzz/mutator.h), and the next campaign on DIR starts by running them all
 * again, so it starts from the coverage the last one reached.
 *
 * Several worker processes share one DIR: each keeps its own copy in memory, writes
 * what it keeps under a name made of the content's hash (written atomically, so a
 * reader never sees half a file), and picks up the others' files with corpus_rescan. */
#ifndef TESSERA_CORPUS_H
#define TESSERA_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t *data;
  size_t len;
  char *name;  /* its file in DIR */
} CorpusEntry;

typedef struct {
  char *dir;
  CorpusEntry *entries;     /* in the order they were loaded or kept */
  size_t len, cap;
  uint64_t *names;          /* hashes of the file names seen in dir, sorted */
  size_t nnames, names_cap;
  size_t not_modules;       /* files in dir that do not load as modules (skipped) */
} Corpus;

/* Opens DIR (created if missing) and loads every file in it that is a module, in the
   order of their names. Returns false, with the reason in err, when DIR cannot be
   created or read. */
bool corpus_open(Corpus *c, const char *dir, char *err, size_t errcap);

/* Loads the modules that appeared in DIR since the last look. Returns how many. */
size_t corpus_rescan(Corpus *c);

/* Keeps a module: into memory, and into DIR unless a file with its content is there.
   Returns false when it cannot be written (it is kept in memory all the same). */
bool corpus_keep(Corpus *c, const uint8_t *data, size_t len);

/* Deletes entry i's file from DIR (the entry stays in memory). Returns false when it
   cannot. */
bool corpus_delete(Corpus *c, size_t i);

void corpus_free(Corpus *c);

#endif
