/* cmd_asm.c: `tessera asm` (assembly text to a binary module) and `tessera dis` (a
 * module back to text, byte for byte; with --quickened, the code t1 leaves after a
 * run). */
#include <string.h>

#include "asm.h"
#include "cli.h"

/* ---- asm ---- */

typedef struct {
  const char *out;
} AsmArgs;

static const CliOption asm_options[] = {
  OPTION_STRING_SHORT("--output", 'o', "OUT", AsmArgs, out,
                      "where to write the module (default: FILE with its .tas suffix replaced by .tsm)"),
  OPTION_END,
};

static int asm_main(int argc, char **argv) {
  AsmArgs a;
  OptScan s;
  int status;
  if (!opt_parse(&cli_asm, argc, argv, &a, &s, &status)) return status;
  const char *in = s.operands[0];
  opt_scan_free(&s);
  Buf src = {0};
  if (!cli_read_file(in, &src)) return EXIT_USAGE;
  Module m;
  Diag d = {{0}};
  bool ok = asm_assemble(src.data ? src.data : "", src.len, in, &m, NULL, &d);
  buf_free(&src);
  if (!ok) {
    fprintf(stderr, "tessera: %s\n", d.msg);
    return EXIT_USAGE;
  }
  char *default_out = NULL;
  if (!a.out) {
    size_t n = strlen(in);
    if (n > 4 && strcmp(in + n - 4, ".tas") == 0) n -= 4;
    default_out = xmalloc(n + 5);
    memcpy(default_out, in, n);
    strcpy(default_out + n, ".tsm");
    a.out = default_out;
  }
  Buf bytes = {0};
  module_write(&m, &bytes);
  int rc = cli_write_file(a.out, bytes.data, bytes.len) ? 0 : EXIT_USAGE;
  free(default_out);
  buf_free(&bytes);
  module_free(&m);
  return rc;
}

const CliCommand cli_asm = {
  "asm", "FILE.tas", "a FILE.tas", 1, 1,
  "assemble text into a binary module",
  "Assemble FILE.tas into a binary module (the assembler verifies what it writes). Nothing is printed on "
  "success. Exit 0 on success, 2 when the source does not assemble, a file cannot be read or written, or on "
  "bad usage.",
  asm_options, sizeof(AsmArgs), NULL, asm_main,
};

/* ---- dis ---- */

typedef struct {
  RunOptions run;
  bool quickened;
} DisArgs;

static const CliOption dis_options[] = {
  OPTION_FLAG("--quickened", DisArgs, quickened, "run FILE first, then list its code as t1 left it"),
  OPTION_GROUP(DisArgs, run, cli_tier_options),
  OPTION_END,
};

static void dis_defaults(void *args) {
  DisArgs *a = args;
  a->run = cli_run_defaults(TIER_T1);
}

static int dis_main(int argc, char **argv) {
  DisArgs a;
  OptScan s;
  int status;
  if (!opt_parse(&cli_dis, argc, argv, &a, &s, &status)) return status;
  const char *path = s.operands[0];
  bool run_options = s.ngiven > (a.quickened ? 1 : 0);
  opt_scan_free(&s);
  if (!a.quickened && run_options) return opt_usage_error(&cli_dis, "run options need --quickened");
  if (a.quickened && !cli_tier_available(&cli_dis, a.run.tier)) return EXIT_USAGE;
  Module m;
  if (!cli_load_module(path, &m)) return EXIT_USAGE;
  Buf b = {0};
  if (a.quickened) {
    if (!tier_quickens(a.run.tier)) {
      module_free(&m);
      return opt_usage_error(&cli_dis, "--quickened shows t1's code: --tier must not be ref");
    }
    cli_run_quickened(&m, &a.run, &b);
  } else {
    dis_module(&m, &b);
  }
  fwrite(b.data, 1, b.len, stdout);
  buf_free(&b);
  module_free(&m);
  return 0;
}

const CliCommand cli_dis = {
  "dis", "FILE", "a FILE", 1, 1,
  "print a module as assembly (--quickened: as t1 left it)",
  "Print a module as assembly: for a binary module, 'tessera asm' of the text gives back the same bytes. With "
  "--quickened, run FILE under t1 (or the tier --tier names, any but ref) and list every function's code as t1 "
  "left it, each rewritten instruction marked '; was GENERIC'; the other options need --quickened. Exit 0 on "
  "success, 2 on bad usage or an invalid module.",
  dis_options, sizeof(DisArgs), dis_defaults, dis_main,
};
