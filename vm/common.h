/* common.h: assertions, attributes and small helpers shared by every part of the VM. */
#ifndef TESSERA_COMMON_H
#define TESSERA_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ASSERT(cond, msg): an internal invariant; a failure is a VM bug, never a user error. */
#ifndef NDEBUG
#define ASSERT(cond, msg)                                                            \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "%s:%d: assertion failed: %s (%s)\n", __FILE__, __LINE__,      \
              #cond, msg);                                                           \
      abort();                                                                       \
    }                                                                                \
  } while (0)
#else
#define ASSERT(cond, msg) ((void)0)
#endif

#define UNREACHABLE()                                                                \
  do {                                                                               \
    fprintf(stderr, "%s:%d: unreachable\n", __FILE__, __LINE__);                     \
    abort();                                                                         \
  } while (0)

#define STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Allocation that never returns NULL: host memory exhaustion is fatal, unlike the
   VM's own heap limit, which is a defined runtime error. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);

/* A calling convention that keeps every general register but a scratch one (clang's
   preserve_most), for the rare calls of JIT stencils (a release): a stencil whose only
   calls are these needs no register saves on its fast path. */
#if defined(__clang__) && (defined(__x86_64__) || defined(__aarch64__))
#define PRESERVE_MOST __attribute__((preserve_most))
#else
#define PRESERVE_MOST
#endif

/* splitmix64's finalizer: each input bit flips about half of the output bits (map key
   hashes, and the fuzzer's seeds: nearby seeds give unrelated programs). */
static inline uint64_t mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* splitmix64: the next number of the stream that *state walks (the fuzzer's PRNGs). */
static inline uint64_t splitmix64_next(uint64_t *state) { return mix64(*state += 0x9e3779b97f4a7c15ull); }

/* Bit i of a bit set kept as 64-bit words. */
static inline void bit_set(uint64_t *words, uint32_t i) { words[i / 64] |= 1ull << (i % 64); }
static inline bool bit_test(const uint64_t *words, uint32_t i) { return (words[i / 64] >> (i % 64)) & 1; }

/* FNV-1a over n bytes. */
static inline uint64_t hash_bytes(const void *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ull;
  return h;
}

/* Copies an X-macro NAME as its lower-case mnemonic (cap includes the NUL). */
static inline void copy_lower(char *dst, size_t cap, const char *src) {
  size_t j = 0;
  for (; src[j] && j + 1 < cap; j++) dst[j] = (char)(src[j] >= 'A' && src[j] <= 'Z' ? src[j] - 'A' + 'a' : src[j]);
  dst[j] = '\0';
}

/* Whether the NUL-terminated s is the n bytes at p. No strlen: the assembler asks this of
   every opcode, label and name it looks up, in the fuzzer's every program. */
static inline bool name_is(const char *s, const char *p, size_t n) {
  return (n ? s[0] == p[0] : s[0] == '\0') && strncmp(s, p, n) == 0 && s[n] == '\0';
}

/* Index of name in a table of n names (tiers, faults, error kinds), or -1. */
static inline int name_index(const char *const *names, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(names[i], name) == 0) return i;
  return -1;
}

#endif
