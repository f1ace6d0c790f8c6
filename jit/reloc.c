/* reloc.c: the relocation table: names, architectures and ELF type numbers. */
#include "reloc.h"

const char *const jit_arch_name[ARCH__COUNT] = {[ARCH_X86_64] = "x86_64", [ARCH_AARCH64] = "aarch64"};

const char *const reloc_name[RELOC__COUNT] = {
#define RELOC(name, arch, type, doc) "R_" #name,
  TESSERA_RELOCS(RELOC)
#undef RELOC
};

const JitArch reloc_arch[RELOC__COUNT] = {
#define RELOC(name, arch, type, doc) ARCH_##arch,
  TESSERA_RELOCS(RELOC)
#undef RELOC
};

const uint32_t reloc_elf_type[RELOC__COUNT] = {
#define RELOC(name, arch, type, doc) type,
  TESSERA_RELOCS(RELOC)
#undef RELOC
};

int reloc_from_elf(JitArch arch, uint32_t type) {
  for (int k = 0; k < RELOC__COUNT; k++)
    if (reloc_arch[k] == arch && reloc_elf_type[k] == type) return k;
  return -1;
}
