/* gen_decide.h: reading the generator's decisions from the input bytes.
 *
 * A decision reads bytes and nothing else: no host float arithmetic, no pointers, no
 * hash-table order, no time. Past the end of the input every byte reads as zero, and
 * a zero always draws the smallest option. Inline: the generator decides all the time. */
#ifndef TESSERA_GEN_DECIDE_H
#define TESSERA_GEN_DECIDE_H

#include "gen_internal.h"

static inline uint32_t rd_byte(Gen *g) { return g->pos < g->len ? g->data[g->pos++] : 0; }

/* A number in 0..n-1: one byte when n <= 256, two otherwise; nothing read when n <= 1. */
static inline uint32_t rd_below(Gen *g, uint32_t n) {
  if (n <= 1) return 0;
  uint32_t v = rd_byte(g);
  if (n > 256) v = v << 8 | rd_byte(g);
  return v % n;
}

/* True with about the given percent chance; a zero byte answers false. */
static inline bool rd_chance(Gen *g, uint32_t percent) { return rd_byte(g) * 100u >= (100u - percent) * 256u; }

/* True with about the given percent chance, decided by the input's last byte rather
   than the stream: a program-wide switch added after the others reads none of their
   bytes, so the programs in which it is off are the ones the same bytes gave before it
   existed (a seeded input is longer than any program reads). An empty input answers false. */
static inline bool rd_last_chance(const Gen *g, uint32_t percent) {
  uint32_t b = g->len ? g->data[g->len - 1] : 0;
  return b * 100u >= (100u - percent) * 256u;
}

/* True with about the given percent chance at site k of a program (a loop's number),
   decided by the input's last byte mixed with k rather than by the stream: a hazard
   added after the others reads none of their bytes, so the programs and sites where it
   is off are the ones the same bytes gave before it existed. An empty input answers false. */
static inline bool rd_last_site_chance(const Gen *g, uint32_t k, uint32_t percent) {
  if (!g->len) return false;
  uint32_t b = (uint32_t)(mix64((uint64_t)g->data[g->len - 1] << 32 | k) & 0xff);
  return b * 100u >= (100u - percent) * 256u;
}

/* The same switch from bit `bit` of the input's last byte (half the programs): one that
   must not depend on rd_last_chance's. */
static inline bool rd_last_bit(const Gen *g, uint32_t bit) { return g->len && (g->data[g->len - 1] >> bit & 1); }

/* Index of a choice drawn by weight (zero weights are never drawn), or -1 if all are 0.
   A zero byte draws the first choice with a weight. */
static inline int rd_pick(Gen *g, const uint32_t *w, int n) {
  uint32_t total = 0;
  for (int i = 0; i < n; i++) total += w[i];
  if (total == 0) return -1;
  uint32_t v = rd_below(g, total);
  for (int i = 0; i < n; i++) {
    if (v < w[i]) return i;
    v -= w[i];
  }
  UNREACHABLE();
}

/* An entry of a table, drawn uniformly. */
#define PICK(g, table) ((table)[rd_below(g, (uint32_t)ARRAY_LEN(table))])

#endif
