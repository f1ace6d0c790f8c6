/* test_pool.c: the heap's small blocks (vm/pool.h): classes by size, reuse of a freed
 * block by the next take of its class, blocks that never overlap while live, contents
 * kept across pool_realloc within and between classes and to and from malloc, and many
 * chunks returned by one teardown (which ASan and LeakSanitizer check in the asan build). */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "pool.h"

static void test_classes(void) {
  CHECK(pool_class_of(0) == 0);
  CHECK(pool_class_of(1) == 1 && pool_class_of(16) == 1 && pool_class_of(17) == 2);
  CHECK(pool_class_of(POOL_MAX_BYTES) == POOL_CLASSES);
  CHECK(pool_class_of(POOL_MAX_BYTES + 1) == 0);
}

static void test_reuse(void) {
  Pool p;
  pool_init(&p);
  void *a = pool_alloc(&p, 40), *b = pool_alloc(&p, 48);
  CHECK(a != b);
  pool_free(&p, a, 40);
  CHECK(pool_alloc(&p, 33) == a);  /* same class (48 bytes): the block just freed */
  void *c = pool_alloc(&p, 40);
  CHECK(c != a && c != b);
  pool_free(&p, b, 48);
  CHECK(pool_alloc(&p, 100) != b);  /* another class: not b */
  pool_teardown(&p);
}

/* Many live blocks of every size, each filled with its own byte: none overwrites another. */
static void test_no_overlap(void) {
  Pool p;
  pool_init(&p);
  enum { N = 5000 };  /* about 700 KiB: many chunks */
  static unsigned char *blocks[N];
  static size_t sizes[N];
  for (int i = 0; i < N; i++) {
    sizes[i] = 1 + (size_t)(i * 37) % 300;
    blocks[i] = pool_alloc(&p, sizes[i]);
    memset(blocks[i], i & 0xff, sizes[i]);
    if (i % 3 == 2) {  /* free some as we go, so takes mix fresh and reused blocks */
      pool_free(&p, blocks[i - 1], sizes[i - 1]);
      blocks[i - 1] = NULL;
    }
  }
  int bad = 0;
  for (int i = 0; i < N; i++)
    for (size_t k = 0; blocks[i] && k < sizes[i]; k++) bad += blocks[i][k] != (i & 0xff);
  CHECK_MSG(bad == 0, "%d bytes overwritten", bad);
  pool_teardown(&p);
  CHECK(p.chunks == NULL);
}

static void test_realloc(void) {
  Pool p;
  pool_init(&p);
  static const size_t steps[] = {16, 64, 128, 256, 512, 1024, 200, 24, 8};
  unsigned char *b = pool_realloc(&p, NULL, 0, 8);
  memset(b, 0x5a, 8);
  size_t size = 8;
  int bad = 0;
  for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
    b = pool_realloc(&p, b, size, steps[s]);
    size_t kept = size < steps[s] ? size : steps[s];
    for (size_t k = 0; k < kept; k++) bad += b[k] != 0x5a;
    memset(b, 0x5a, steps[s]);
    size = steps[s];
  }
  CHECK_MSG(bad == 0, "%d bytes lost by pool_realloc", bad);
  pool_free(&p, b, size);
  pool_teardown(&p);
}

int main(void) {
  test_classes();
  test_reuse();
  test_no_overlap();
  test_realloc();
  return check_summary("test_pool");
}
