/* main.c: the `tessera` command line's entry: the table of commands, dispatch, the
 * overview, `help` and `version`. Each command lives in its own file (cli.h lists
 * them) with its option table (options.h), from which its usage text is derived.
 *
 *   tessera COMMAND [options] [operands]   a command; --help or -h: its usage
 *   tessera help [COMMAND]                 the overview, or a command's usage
 *   tessera --version                      version, commit, build, architecture, JIT
 *
 * Exit status: 0 success; 1 a runtime error, a divergence, or nothing to reduce; 2 bad
 * usage or an invalid module, with nothing executed. */
#include <malloc.h>
#include <string.h>

#include "cli.h"
#include "version.h"

static const CliCommand cli_help, cli_version;

/* Every command, in the order of the overview. */
static const CliCommand *const commands[] = {
  &cli_run, &cli_asm, &cli_dis, &cli_diff, &cli_repro, &cli_reduce, &cli_fuzz, &cli_triage, &cli_tiers, &cli_help, &cli_version,
};

static const CliCommand *find_command(const char *name) {
  for (size_t i = 0; i < ARRAY_LEN(commands); i++)
    if (strcmp(commands[i]->name, name) == 0) return commands[i];
  return NULL;
}

static void overview(FILE *f) {
  fputs("usage: tessera COMMAND [options] [operands]\n\ncommands:\n", f);
  for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
    char head[40];
    snprintf(head, sizeof head, "%s %s", commands[i]->name, commands[i]->operands);
    fprintf(f, "  %-20s %s\n", head, commands[i]->summary);
  }
  fputs("\n"
        "FILE may be .tas text, a binary module, or a fuzzer input (.gen: generator bytes).\n"
        "'tessera help COMMAND' or 'tessera COMMAND --help' gives a command's options. An\n"
        "option's value may follow it as the next argument or after '=' (--fuel 100 or\n"
        "--fuel=100); '--' ends the options. 'tessera --version' describes the build.\n"
        "\n"
        "Exit status: 0 success, 1 runtime error or divergence, 2 bad usage or invalid module.\n",
        f);
}

/* ---- help ---- */

static int help_main(int argc, char **argv) {
  OptScan s;
  int status;
  if (!opt_parse(&cli_help, argc, argv, NULL, &s, &status)) return status;
  const char *name = s.noperands ? s.operands[0] : NULL;
  opt_scan_free(&s);
  if (!name) {
    overview(stdout);
    return 0;
  }
  const CliCommand *c = find_command(name);
  if (!c) return opt_usage_error(NULL, "unknown command '%s'", name);
  opt_usage(c, stdout);
  return 0;
}

static const CliCommand cli_help = {
  "help", "[COMMAND]", "", 0, 1,
  "this overview, or a command's usage and options",
  "Print the overview of all commands, or COMMAND's usage and options (as 'tessera COMMAND --help').",
  cli_no_options, 0, NULL, help_main,
};

/* ---- version ---- */

#if TESSERA_SANITIZERS
#define SANITIZERS_WORD "on"
#else
#define SANITIZERS_WORD "off"
#endif

const char *cli_version_line(void) {
  return "tessera " TESSERA_VERSION ", commit " TESSERA_COMMIT ", " TESSERA_BUILD_TYPE " build, sanitizers "
         SANITIZERS_WORD ", " CLI_HOST_ARCH;
}

static int version_main(int argc, char **argv) {
  int status;
  if (!opt_parse(&cli_version, argc, argv, NULL, NULL, &status)) return status;
  printf("tessera %s\n", TESSERA_VERSION);
  printf("commit:   %s\n", TESSERA_COMMIT);
  printf("build:    %s, sanitizers %s\n", TESSERA_BUILD_TYPE, TESSERA_SANITIZERS ? "on (ASan, UBSan)" : "off");
#ifdef __clang__
  printf("compiler: clang %d.%d.%d\n", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  printf("compiler: gcc %d.%d.%d\n", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#endif
  printf("arch:     %s\n", CLI_HOST_ARCH);
  const StencilSet *set = cli_jit_stencils();
  if (set)
    printf("jit:      %s stencil set, %u stencils, %u-byte shared blob, %u run-time symbols\n",
           cli_jit_arch_name(set), set->nstencils, set->shared_size, set->nsymbols);
  else
    printf("jit:      none (no stencils for this machine: the jit tiers are not available)\n");
  return 0;
}

static const CliCommand cli_version = {
  "version", "", "", 0, 0,
  "the version, commit, build and the JIT's stencil set",
  "Print the version, the git commit the build was configured from, the build type and sanitizers, the "
  "compiler, the architecture and the stencil set the JIT runs (as 'tessera --version').",
  cli_no_options, 0, NULL, version_main,
};

int main(int argc, char **argv) {
  /* Programs allocate and free large buffers again and again (a sieve's array each
     repetition; in a campaign, every program's heaps, outputs and renderings): kept by
     malloc instead of given back to the kernel, they are not faulted in again, page by
     page. Fuzz workers inherit it. */
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  if (!cli_read_environment()) return EXIT_USAGE;
  if (argc < 2) {
    overview(stderr);
    return EXIT_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) name = "help";
  if (strcmp(name, "--version") == 0) name = "version";
  const CliCommand *c = find_command(name);
  if (!c) {
    if (name[0] == '-') return opt_usage_error(NULL, "unknown option '%s': options follow a COMMAND", name);
    return opt_usage_error(NULL, "unknown command '%s'", name);
  }
  return c->main(argc - 2, argv + 2);
}
