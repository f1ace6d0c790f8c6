/* files.h: how the fuzzing engine writes what it keeps (finds, corpus entries, reports):
 * whole files or none, and the directories they go in. */
#ifndef TESSERA_FILES_H
#define TESSERA_FILES_H

#include <stdbool.h>
#include <stddef.h>

/* Writes bytes to path through a temporary file, fsync and a rename, so a reader (or
   a crash) never sees half a file. */
bool files_write_atomically(const char *path, const void *data, size_t len);

/* mkdir -p: creates path and any missing parents. */
bool files_make_dir(const char *path);

#endif
