/* jit_inspect.c: looking at JIT code from outside: a perf map, so that `perf report`
 * names every stencil of every compiled trace, and --dump-jit, which writes each
 * compiled trace's machine code and a disassembly labelled by uop. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jit.h"

void jit_perf_map_add(const JitCode *c, const TraceInst *code, uint32_t id) {
  static FILE *map;
  if (!map) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
    map = fopen(path, "a");
    if (!map) return;
  }
  /* perf's format: START SIZE NAME, in hex, one symbol per line. */
  for (uint32_t i = 0; i < c->len; i++) {
    uint32_t end = i + 1 < c->len ? c->offsets[i + 1] : (uint32_t)c->code_size;
    fprintf(map, "%llx %x tessera:trace%u:%u:%s\n", (unsigned long long)(uintptr_t)(c->mem + c->offsets[i]),
            end - c->offsets[i], id, i, trace_op_name(code[i].op));
  }
  fflush(map);
}

/* Disassembles bytes with llvm-mc into out; false when llvm-mc cannot be run. */
static bool disassemble(const char *triple, const uint8_t *bytes, size_t n, FILE *out) {
  char tmp[] = "/tmp/tessera-jit-XXXXXX";
  int fd = mkstemp(tmp);
  if (fd < 0) return false;
  FILE *in = fdopen(fd, "w");
  for (size_t i = 0; i < n; i++) fprintf(in, "0x%02x%c", bytes[i], i + 1 < n ? ' ' : '\n');
  fclose(in);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "llvm-mc --disassemble -triple=%s %s 2>&1", triple, tmp);
  FILE *p = popen(cmd, "r");
  bool ok = false;
  if (p) {
    char line[512];
    while (fgets(line, sizeof line, p))
      if (strstr(line, ".text") == NULL) fputs(line, out);
    ok = pclose(p) == 0;
  }
  unlink(tmp);
  return ok;
}

bool jit_dump(const char *dir, const VM *vm, const JitCode *c, const TraceInst *code, uint32_t id) {
  char path[4096];
  snprintf(path, sizeof path, "%s/trace-%u.bin", dir, id);
  FILE *bin = fopen(path, "wb");
  if (!bin) return false;
  fwrite(c->mem, 1, c->code_size, bin);
  fclose(bin);
  snprintf(path, sizeof path, "%s/trace-%u.txt", dir, id);
  FILE *txt = fopen(path, "w");
  if (!txt) return false;
  const char *triple = jit_host_set()->arch == ARCH_X86_64 ? "x86_64-linux-gnu" : "aarch64-linux-gnu";
  fprintf(txt, "; trace %u: %zu bytes at %p, %s\n", id, c->code_size, (void *)c->mem, triple);
  bool disassembled = true;
  for (uint32_t i = 0; i < c->len; i++) {
    uint32_t end = i + 1 < c->len ? c->offsets[i + 1] : (uint32_t)c->code_size;
    const char *op = trace_op_name(code[i].op);
    const Stencil *s = i < c->compiled_uops ? jit_stencil(jit_host_set(), &code[i]) : NULL;
    bool variant = s && strcmp(s->name, op) != 0;  /* jit.h: jit_variant_key */
    fprintf(txt, "\n; uop %u: %s (%s:%u), +%u, %u bytes%s%s\n", i, op, vm->module->funcs[code[i].func].name,
            code[i].pc, c->offsets[i], end - c->offsets[i], variant ? ", stencil " : "", variant ? s->name : "");
    fflush(txt);
    if (disassembled && !disassemble(triple, c->mem + c->offsets[i], end - c->offsets[i], txt)) {
      disassembled = false;
      fprintf(txt, "; (llvm-mc could not be run: the bytes are in trace-%u.bin)\n", id);
    }
  }
  fclose(txt);
  return true;
}
