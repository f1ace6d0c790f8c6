/* extract_main.c: tessera-extract, the build-time tool that turns a stencil object into
 * a C header (jit/host/extract.h):
 *
 *   tessera-extract OBJECT.o SET_NAME OUT_HEADER.h [OUT_SYMBOLS.c]
 *
 * OUT_HEADER.h defines `const StencilSet SET_NAME`; OUT_SYMBOLS.c, when given, the table
 * of the set's run-time symbol addresses. Each output is written to a temporary file and
 * renamed into place, so a failed run leaves no partial output for the build to trust.
 * Exit status: 0 success, 1 the object cannot be read or extracted or an output cannot
 * be written, 2 bad usage. A host tool: never installed. */
#include <errno.h>
#include <stdio.h>

#include "extract.h"

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* Writes b to path through path.tmp. Returns false with the reason in err. */
static bool write_file(const char *path, const Buf *b, char *err, size_t errcap) {
  Buf tmp = {0};
  buf_printf(&tmp, "%s.tmp", path);
  FILE *f = fopen(tmp.data, "wb");
  bool ok = f && fwrite(b->data, 1, b->len, f) == b->len;
  int error = errno;
  if (f && fclose(f) != 0 && ok) {
    ok = false;
    error = errno;
  }
  if (ok && rename(tmp.data, path) != 0) {
    ok = false;
    error = errno;
  }
  if (!ok) {
    snprintf(err, errcap, "cannot write %s: %s", path, strerror(error));
    remove(tmp.data);
  }
  buf_free(&tmp);
  return ok;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr,
            "usage: tessera-extract OBJECT.o SET_NAME OUT_HEADER.h [OUT_SYMBOLS.c]\n"
            "  Reads the stencil object OBJECT.o (ELF64 relocatable, x86-64 or AArch64) and writes\n"
            "  OUT_HEADER.h, defining `const StencilSet SET_NAME`, and OUT_SYMBOLS.c, the addresses\n"
            "  of its run-time symbols.\n");
    return 2;
  }
  const char *object = argv[1], *set_name = argv[2];
  Buf obj = {0}, header = {0}, symbols = {0};
  char err[512];
  int status = 1;
  if (!buf_read_file(&obj, object)) {
    fprintf(stderr, "tessera-extract: cannot read %s: %s\n", object, strerror(errno));
    goto done;
  }
  if (!extract_stencils((const uint8_t *)obj.data, obj.len, set_name, base_name(object), &header,
                        argc == 5 ? &symbols : NULL, err, sizeof err)) {
    fprintf(stderr, "tessera-extract: %s: %s\n", object, err);
    goto done;
  }
  if (!write_file(argv[3], &header, err, sizeof err) || (argc == 5 && !write_file(argv[4], &symbols, err, sizeof err))) {
    fprintf(stderr, "tessera-extract: %s\n", err);
    goto done;
  }
  status = 0;
done:
  buf_free(&obj);
  buf_free(&header);
  buf_free(&symbols);
  return status;
}
