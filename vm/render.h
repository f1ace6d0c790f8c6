/* render.h: the canonical text of values, identical on every CPU.
 *
 *   nil, true, false; ints in decimal; floats with the fewest significant digits that
 *   read back to the same double, positional for decimal exponents -4..15 (0.0001,
 *   10.0, 1234567890123456.0) and scientific otherwise (1e-05, 1e+16), as CPython's
 *   repr; always with a '.', an exponent, or one of nan, inf, -inf
 *   (every NaN prints "nan", whatever its sign or payload; -0.0 prints "-0.0");
 *   strings raw at the top level in STR mode, quoted with escapes in REPR mode and
 *   inside arrays; arrays as [a, b, c], with "[...]" for an array already being
 *   printed (cycles) or nested deeper than RENDER_MAX_DEPTH; functions as <function f>;
 *   classes as <class P>; instances as P{x: 1, y: "s"}, attributes in their order, with
 *   P{...} for one already being printed. Module m names functions, classes and
 *   attributes; shapes (the VM's) name an instance's attributes (NULL when v can hold no
 *   instance). */
#ifndef TESSERA_RENDER_H
#define TESSERA_RENDER_H

#include "buf.h"
#include "module.h"
#include "object.h"
#include "value.h"

#define RENDER_MAX_DEPTH 64
/* main's return value is rendered up to this many bytes, then "..." marks the cut. */
#define RENDER_RESULT_CAP (1u << 20)

typedef enum { RENDER_STR, RENDER_REPR } RenderMode;

/* Appends the rendering of v to out. Returns false when the text would be longer than
   cap bytes; out then holds exactly its first cap bytes (callers that need all or
   nothing cut it back themselves). Work is bounded by cap, even for arrays that share
   subarrays exponentially. */
bool render_value(const Module *m, const ShapeTable *shapes, Value v, RenderMode mode, Buf *out, uint64_t cap);

/* Shortest round-trip text of a double; buf needs 32 bytes. Returns the length. */
int render_float(double f, char *buf);

#endif
