/* extract.h: the stencil extractor. Reads an ELF64 relocatable object compiled by clang
 * from the stencil template (x86-64 or AArch64, little-endian, -ffunction-sections) and
 * turns it into a StencilSet (jit/stencil.h), then writes that set as a C header.
 *
 * Used at build time by the host tool tessera-extract (jit/host/extract_main.c) and by the
 * unit tests (tests/unit/test_extract.c). The object is untrusted input: every offset
 * and size is checked, and a malformed object gives an error, never a crash.
 *
 * What becomes what:
 *   stencil_NAME (a defined STT_FUNC)   the stencil "name" (lower case): its bytes, and
 *                                       the relocations of its section as holes
 *   every other allocated section       the shared blob, in section order, each section
 *                                       at its alignment; its relocations are the blob's
 *                                       holes (a writable section is an error)
 *   relocation against _JIT_OPARG, ...  HOLE_OPARG, ... (stencil.h)
 *   ... against a symbol in the blob    HOLE_SHARED, target = its offset in the blob
 *   ... against an undefined symbol     HOLE_SYMBOL, target = its index in `symbols`
 *                                       (sorted by name, no duplicates)
 * Any relocation type jit/reloc.h does not list is an error naming it. */
#ifndef TESSERA_EXTRACT_H
#define TESSERA_EXTRACT_H

#include "buf.h"
#include "stencil.h"

/* Reads the object obj[0..len) into *set. On success every array of *set is owned by it
   (free with extract_free); on failure *set is left empty and the reason, naming the
   stencil or section and offset when there is one, is in err. */
bool extract_parse(const uint8_t *obj, size_t len, StencilSet *set, char *err, size_t errcap);

/* Frees what extract_parse allocated and empties *set. */
void extract_free(StencilSet *set);

/* Appends the C header defining `const StencilSet set_name` with the contents of *set.
   Deterministic: the same set gives the same bytes. input_name is only named in the
   opening comment. set_name must be a C identifier. */
void extract_write_header(const StencilSet *set, const char *set_name, const char *input_name,
                          Buf *out);

/* Appends the C file of the set's run-time symbol addresses, in the order of set->symbols:
   `#include "jit_runtime_symbols.h"`, then `const JitSymbol set_name_symbols[]` of
   {"name", (void *)&name} and `const uint32_t set_name_nsymbols`. */
void extract_write_symbols(const StencilSet *set, const char *set_name, const char *input_name,
                           Buf *out);

/* extract_parse, then extract_write_header into header_out and, when symbols_c_out is not
   NULL, extract_write_symbols into it. Returns false, with nothing appended and the
   reason in err, when the object or set_name (not a C identifier) is bad. */
bool extract_stencils(const uint8_t *obj, size_t len, const char *set_name, const char *input_name,
                      Buf *header_out, Buf *symbols_c_out, char *err, size_t errcap);

#endif
