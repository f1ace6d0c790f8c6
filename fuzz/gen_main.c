/* gen_main.c: tessera-gen, the program generator on the command line. Prints the .tas
 * program that a byte file (a fuzzer input) or a seed decodes to, exactly as the fuzz
 * targets see it, so a saved input can be turned back into its program.
 *
 * usage: tessera-gen FILE                  the program generated from FILE's bytes
 *        tessera-gen --seed N [--bytes L]  the program from L (default GEN_SEED_BYTES)
 *                                          bytes of gen_bytes_from_seed(N)
 *        --shape                           also print the program's shape on stderr
 * Exit 0 with the program on stdout; 1 when the generator fails (a generator bug: the
 * text is still printed, the assembler's message goes to stderr); 2 on bad usage. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "gen.h"

static int usage(void) {
  fprintf(stderr, "usage: tessera-gen [--shape] FILE\n       tessera-gen [--shape] --seed N [--bytes L]\n");
  return 2;
}

static bool parse_u64(const char *s, uint64_t *out) {
  if (!s || !*s) return false;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (*end || errno || s[0] == '-') return false;
  *out = v;
  return true;
}

int main(int argc, char **argv) {
  const char *file = NULL;
  uint64_t seed = 0, nbytes = GEN_SEED_BYTES;
  bool have_seed = false, show_shape = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      if (!parse_u64(argv[++i], &seed)) return usage();
      have_seed = true;
    } else if (strncmp(argv[i], "--seed=", 7) == 0) {
      if (!parse_u64(argv[i] + 7, &seed)) return usage();
      have_seed = true;
    } else if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc) {
      if (!parse_u64(argv[++i], &nbytes) || nbytes > (1u << 24)) return usage();
    } else if (strncmp(argv[i], "--bytes=", 8) == 0) {
      if (!parse_u64(argv[i] + 8, &nbytes) || nbytes > (1u << 24)) return usage();
    } else if (strcmp(argv[i], "--shape") == 0) {
      show_shape = true;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return usage();
    } else if (!file) {
      file = argv[i];
    } else {
      return usage();
    }
  }
  if (have_seed == (file != NULL)) return usage();

  Buf input = {0};
  if (file) {
    if (!buf_read_file(&input, file)) {
      fprintf(stderr, "tessera-gen: cannot read %s: %s\n", file, strerror(errno));
      return 2;
    }
  } else {
    buf_reserve(&input, (size_t)nbytes + 1);
    gen_bytes_from_seed(seed, (uint8_t *)input.data, (size_t)nbytes);
    input.len = (size_t)nbytes;
  }

  Buf tas = {0};
  GenShape shape;
  Diag d = {{0}};
  bool ok = gen_program((const uint8_t *)input.data, input.len, &tas, NULL, &shape, &d);
  fwrite(tas.data, 1, tas.len, stdout);
  if (show_shape)
    fprintf(stderr, "functions=%" PRIu32 " loops=%" PRIu32 " calls=%" PRIu32 " probes=%" PRIu32 " global_stores=%" PRIu32 "\n",
            shape.functions, shape.loops, shape.calls, shape.probes, shape.global_stores);
  if (!ok) fprintf(stderr, "tessera-gen: %s\n", d.msg);
  buf_free(&tas);
  buf_free(&input);
  return ok ? 0 : 1;
}
