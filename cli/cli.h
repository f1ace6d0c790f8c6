/* cli.h: what the files of the `tessera` command share: the commands (one CliCommand
 * each, defined in the file that runs it), loading and writing files, the option groups
 * several commands take, and the JIT's stencil set as the command line sees it.
 *
 *   main.c        the command table, dispatch, the overview, help, version
 *   options.c     the option mechanism (options.h)
 *   shared.c      files in and out, the limit, tier and matrix option groups, the
 *                 environment's warmup and trace threshold
 *   cmd_run.c     run, tiers, dis --quickened's run, statistics, the JIT's options
 *   cmd_asm.c     asm and dis
 *   cmd_oracle.c  diff, repro and reduce
 *   cmd_fuzz.c    fuzz
 *   cmd_triage.c  triage */
#ifndef TESSERA_CLI_H
#define TESSERA_CLI_H

#include "options.h"
#include "stencil.h"
#include "vm.h"

extern const CliCommand cli_run, cli_tiers, cli_asm, cli_dis, cli_diff, cli_repro, cli_reduce, cli_fuzz, cli_triage;

/* Reads FILE into out, or says why not on stderr. */
bool cli_read_file(const char *path, Buf *out);
/* Writes len bytes to path, or says why not on stderr. */
bool cli_write_file(const char *path, const void *data, size_t len);
/* Loads FILE: a fuzzer input (.gen), a binary module (it starts with the magic) or
   assembly text; on failure says why on stderr. */
bool cli_load_module(const char *path, Module *m);
bool cli_is_gen(const char *path);

/* The option groups. Over Limits: --fuel, --max-depth, --max-heap, --max-output.
   Over RunOptions: the tiering options of run and dis (--tier, --dispatch, --warmup,
   --trace-threshold, --opt, and the limits); the matrix options of diff, repro, reduce
   and fuzz (--fault and the limits; the tiering options refused: the oracle's matrix
   decides them). */
extern const CliOption cli_limit_options[], cli_tier_options[], cli_matrix_options[];
/* Over OracleKnobs (oracle.h): --matrix-warmup and --matrix-threshold, the knobs of the
   matrix a campaign's swarm turns per program, for diff, repro, reduce and triage. */
extern const CliOption cli_knob_options[];
/* The table of a command without options. */
extern const CliOption cli_no_options[];

/* TESSERA_WARMUP and TESSERA_TRACE_THRESHOLD, read once by main; false after a usage
   error. */
bool cli_read_environment(void);
/* run_options_default with the environment's warmup and trace threshold. */
RunOptions cli_run_defaults(Tier tier);

/* The stencil set the JIT runs on this machine, or NULL (cmd_run.c). */
const StencilSet *cli_jit_stencils(void);
/* The architecture this build runs on. */
#if defined(__x86_64__)
#define CLI_HOST_ARCH "x86_64"
#elif defined(__aarch64__)
#define CLI_HOST_ARCH "aarch64"
#else
#define CLI_HOST_ARCH "unknown"
#endif
/* "x86_64" or "aarch64". */
const char *cli_jit_arch_name(const StencilSet *set);
/* The build in one line, for what a campaign records: "tessera 0.1.0, commit C, Release
   build, sanitizers off, x86_64" (main.c; `tessera --version` says more). */
const char *cli_version_line(void);
/* A usage error, reported for cmd, unless the tier can run in this build. */
bool cli_tier_available(const CliCommand *cmd, Tier tier);
/* dis --quickened: runs m under opts (a tier that quickens) and lists its code as t1
   left it into out. */
void cli_run_quickened(const Module *m, RunOptions *opts, Buf *out);

#endif
