/* test_extract.c: the stencil extractor (jit/host/extract.c) on fixed objects assembled from
 * tests/jit/extract_x86_64.s, extract_aarch64.s and extract_bad_x86_64.s (their paths are
 * the arguments: tests/CMakeLists.txt). The expected stencils, holes, blob and symbols
 * are derived by hand from the .s files, whose comments give every offset.
 *
 * Then the errors: the unsupported relocation of the bad object, errors made by patching
 * one field of the good object (a relocation type, a symbol, a section flag), and every
 * truncation and many corruptions of both objects, each run on an exactly sized copy so
 * ASan sees any read past the end, must give an error (or a valid set), never a crash. */
#include <elf.h>

#include "check.h"
#include "extract.h"

#define H(off, kind, val, tgt, add) \
  { .offset = (off), .reloc = RELOC_##kind, .value = HOLE_##val, .target = (tgt), .addend = (add) }

typedef struct {
  const char *name;
  uint32_t size, tail_jump;
  const Hole *holes;
  uint32_t nholes;
} WantStencil;

static bool read_input(const char *path, Buf *b) {
  if (buf_read_file(b, path)) return true;
  fprintf(stderr, "test_extract: cannot read %s\n", path);
  check_failed_++;
  return false;
}

static void check_holes(const char *what, const Hole *got, uint32_t ngot, const Hole *want, uint32_t nwant) {
  CHECK_MSG(ngot == nwant, "%s: %u holes, want %u", what, ngot, nwant);
  for (uint32_t i = 0; i < ngot && i < nwant; i++) {
    const Hole *g = &got[i], *w = &want[i];
    CHECK_MSG(g->offset == w->offset && g->reloc == w->reloc && g->value == w->value && g->target == w->target &&
                  g->addend == w->addend,
              "%s hole %u: got {0x%x, %s, value %u, target %u, addend %lld}, want {0x%x, %s, value %u, target %u, "
              "addend %lld}",
              what, i, g->offset, reloc_name[g->reloc], g->value, g->target, (long long)g->addend, w->offset,
              reloc_name[w->reloc], w->value, w->target, (long long)w->addend);
  }
}

static void check_stencils(const StencilSet *set, const WantStencil *want, uint32_t n) {
  CHECK_MSG(set->nstencils == n, "%u stencils, want %u", set->nstencils, n);
  for (uint32_t i = 0; i < set->nstencils && i < n; i++) {
    const Stencil *s = &set->stencils[i];
    CHECK_STR(s->name, want[i].name);
    CHECK_MSG(s->size == want[i].size, "%s: size %u, want %u", want[i].name, s->size, want[i].size);
    CHECK_MSG(s->tail_jump == want[i].tail_jump, "%s: tail_jump %u, want %u", want[i].name, s->tail_jump,
              want[i].tail_jump);
    check_holes(want[i].name, s->holes, s->nholes, want[i].holes, want[i].nholes);
  }
}

static void check_symbols(const StencilSet *set, const char *const *want, uint32_t n) {
  CHECK_MSG(set->nsymbols == n, "%u symbols, want %u", set->nsymbols, n);
  for (uint32_t i = 0; i < set->nsymbols && i < n; i++) CHECK_STR(set->symbols[i], want[i]);
}

static const Stencil *find_stencil(const StencilSet *set, const char *name) {
  for (uint32_t i = 0; i < set->nstencils; i++)
    if (strcmp(set->stencils[i].name, name) == 0) return &set->stencils[i];
  return NULL;
}

/* The object's structures, found the way the extractor finds them (the test trusts the
   good objects). Reads and writes go through memcpy: fields need not be aligned. */
static Elf64_Ehdr get_ehdr(const Buf *b) {
  Elf64_Ehdr e;
  memcpy(&e, b->data, sizeof e);
  return e;
}

static size_t shdr_at(const Buf *b, uint32_t i) { return get_ehdr(b).e_shoff + i * sizeof(Elf64_Shdr); }

static Elf64_Shdr get_shdr(const Buf *b, uint32_t i) {
  Elf64_Shdr s;
  memcpy(&s, b->data + shdr_at(b, i), sizeof s);
  return s;
}

static uint32_t section_named(const Buf *b, const char *name) {
  Elf64_Ehdr e = get_ehdr(b);
  Elf64_Shdr names = get_shdr(b, e.e_shstrndx);
  for (uint32_t i = 1; i < e.e_shnum; i++)
    if (strcmp(b->data + names.sh_offset + get_shdr(b, i).sh_name, name) == 0) return i;
  fprintf(stderr, "test_extract: no section %s\n", name);
  abort();
}

static uint32_t symbol_named(const Buf *b, const char *name) {
  uint32_t st = section_named(b, ".symtab");
  Elf64_Shdr sh = get_shdr(b, st), strs = get_shdr(b, sh.sh_link);
  for (uint32_t i = 1; i < sh.sh_size / sizeof(Elf64_Sym); i++) {
    Elf64_Sym sym;
    memcpy(&sym, b->data + sh.sh_offset + i * sizeof sym, sizeof sym);
    if (strcmp(b->data + strs.sh_offset + sym.st_name, name) == 0) return i;
  }
  fprintf(stderr, "test_extract: no symbol %s\n", name);
  abort();
}

/* Where relocation i of the section named rela lies in the object. */
static size_t rela_at(const Buf *b, const char *rela, uint32_t i) {
  return get_shdr(b, section_named(b, rela)).sh_offset + i * sizeof(Elf64_Rela);
}

/* --- the good objects ----------------------------------------------------------- */

static void test_x86_64(const Buf *obj) {
  StencilSet set;
  char err[256];
  bool ok = extract_parse((const uint8_t *)obj->data, obj->len, &set, err, sizeof err);
  CHECK_MSG(ok, "x86-64 object: %s", err);
  if (!ok) return;
  CHECK(set.arch == ARCH_X86_64);

  static const Hole branch[] = {
    H(5, X86_64_PLT32, CONTINUE, 0, -4),
    H(10, X86_64_PLT32, JUMP_TARGET, 0, -4),
  };
  static const Hole exit_[] = {
    H(2, X86_64_64, INDEX, 0, 8),
    H(11, X86_64_PLT32, SYMBOL, 0, -4),  /* abort */
  };
  static const Hole load_[] = {
    H(2, X86_64_64, OPERAND, 0, 0),
    H(13, X86_64_PC32, SHARED, 16, -4),  /* section .rodata */
    H(20, X86_64_PC32, SHARED, 24, -4),  /* greeting */
    H(27, X86_64_32S, OPARG, 0, 0),
    H(32, X86_64_PLT32, SHARED, 0, -4),  /* section .text.helper */
    H(37, X86_64_PLT32, SYMBOL, 1, -4),  /* memcpy */
    H(42, X86_64_PLT32, SYMBOL, 1, -4),
    H(47, X86_64_PLT32, CONTINUE, 0, -4),
  };
  /* Sorted by name, lower case: stencil_branch, stencil_Exit, stencil_LOAD. */
  const WantStencil want[] = {
    {"branch", 14, 0, branch, ARRAY_LEN(branch)},  /* ends in a jump, but to the jump target */
    {"exit", 16, 0, exit_, ARRAY_LEN(exit_)},
    {"load", 51, 5, load_, ARRAY_LEN(load_)},
  };
  check_stencils(&set, want, ARRAY_LEN(want));
  const Stencil *load = find_stencil(&set, "load");
  if (load && load->size == 51) {
    static const uint8_t head[] = {0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0x48, 0x8d, 0x0d};
    CHECK(memcmp(load->code, head, sizeof head) == 0);
    CHECK(load->code[46] == 0xe9);
  }

  CHECK_MSG(set.shared_size == 40 && set.shared_align == 16, "blob %u bytes aligned to %u", set.shared_size,
            set.shared_align);
  static const Hole blob[] = {
    H(3, X86_64_PC32, SHARED, 24, -4),   /* helper: greeting */
    H(8, X86_64_PLT32, SYMBOL, 2, -4),   /* helper: strlen */
    H(32, X86_64_64, SHARED, 0, 0),      /* .rodata: the address of helper */
  };
  check_holes("blob", set.shared_holes, set.nshared_holes, blob, ARRAY_LEN(blob));
  if (set.shared_size == 40) {
    static const uint8_t helper[16] = {0x48, 0x8d, 0x3d, 0, 0, 0, 0, 0xe9};  /* lea, jmp, zero padding */
    CHECK(memcmp(set.shared, helper, sizeof helper) == 0);
    CHECK(memcmp(set.shared + 16, "hi\0\0\0\0\0\0hello\0\0\0", 16) == 0);
    CHECK(memcmp(set.shared + 32, "\0\0\0\0\0\0\0\0", 8) == 0);
    /* What the holes say is where it is: the rip-relative lea of greeting finds "hello". */
    if (load && load->nholes == ARRAY_LEN(load_) && load->holes[2].value == HOLE_SHARED &&
        load->holes[2].target + 6 <= set.shared_size)
      CHECK_STR((const char *)set.shared + load->holes[2].target, "hello");
    if (load && load->nholes == ARRAY_LEN(load_) && load->holes[1].target + 3 <= set.shared_size)
      CHECK_STR((const char *)set.shared + load->holes[1].target, "hi");
  }
  static const char *const symbols[] = {"abort", "memcpy", "strlen"};
  check_symbols(&set, symbols, ARRAY_LEN(symbols));
  extract_free(&set);
  CHECK(set.stencils == NULL && set.nstencils == 0);
}

static void test_aarch64(const Buf *obj) {
  StencilSet set;
  char err[256];
  bool ok = extract_parse((const uint8_t *)obj->data, obj->len, &set, err, sizeof err);
  CHECK_MSG(ok, "AArch64 object: %s", err);
  if (!ok) return;
  CHECK(set.arch == ARCH_AARCH64);

  static const Hole branch[] = {
    H(0, AARCH64_CONDBR19, JUMP_TARGET, 0, 0),  /* cbz */
    H(8, AARCH64_CONDBR19, CONTINUE, 0, 0),     /* b.eq */
    H(12, AARCH64_CALL26, SYMBOL, 0, 0),        /* memcpy */
    H(16, AARCH64_JUMP26, JUMP_TARGET, 0, 0),
  };
  static const Hole literal[] = {
    H(8, AARCH64_ABS64, INDEX, 0, 8),
  };
  static const Hole load_[] = {
    H(0, AARCH64_MOVW_UABS_G0_NC, OPERAND, 0, 0),
    H(4, AARCH64_MOVW_UABS_G1_NC, OPERAND, 0, 0),
    H(8, AARCH64_MOVW_UABS_G2_NC, OPERAND, 0, 0),
    H(12, AARCH64_MOVW_UABS_G3, OPERAND, 0, 0),
    H(16, AARCH64_ADR_PREL_PG_HI21, SHARED, 32, 0),  /* greeting */
    H(20, AARCH64_ADD_ABS_LO12_NC, SHARED, 32, 0),
    H(24, AARCH64_ADR_PREL_PG_HI21, SHARED, 16, 0),  /* section .rodata */
    H(28, AARCH64_LDST8_ABS_LO12_NC, SHARED, 16, 0),
    H(32, AARCH64_LDST16_ABS_LO12_NC, SHARED, 16, 2),
    H(36, AARCH64_LDST32_ABS_LO12_NC, SHARED, 16, 4),
    H(40, AARCH64_LDST64_ABS_LO12_NC, SHARED, 16, 8),
    H(44, AARCH64_LDST128_ABS_LO12_NC, SHARED, 16, 0),
    H(48, AARCH64_CALL26, SHARED, 0, 0),             /* section .text.helper */
    H(52, AARCH64_CALL26, SYMBOL, 0, 0),             /* memcpy */
    H(56, AARCH64_JUMP26, CONTINUE, 0, 0),
  };
  const WantStencil want[] = {
    {"branch", 20, 0, branch, ARRAY_LEN(branch)},  /* ends in b, but to the jump target */
    {"literal", 16, 0, literal, ARRAY_LEN(literal)},
    {"load", 60, 4, load_, ARRAY_LEN(load_)},
  };
  check_stencils(&set, want, ARRAY_LEN(want));
  const Stencil *load = find_stencil(&set, "load");
  if (load && load->size == 60) {
    static const uint8_t movz_x0[4] = {0x00, 0x00, 0x80, 0xd2}, b[4] = {0x00, 0x00, 0x00, 0x14};
    CHECK(memcmp(load->code, movz_x0, 4) == 0);
    CHECK(memcmp(load->code + 56, b, 4) == 0);
  }

  CHECK_MSG(set.shared_size == 56 && set.shared_align == 16, "blob %u bytes aligned to %u", set.shared_size,
            set.shared_align);
  static const Hole blob[] = {
    H(0, AARCH64_ADR_PREL_PG_HI21, SHARED, 32, 0),  /* helper: greeting */
    H(4, AARCH64_ADD_ABS_LO12_NC, SHARED, 32, 0),
    H(8, AARCH64_JUMP26, SYMBOL, 1, 0),             /* helper: strlen */
    H(40, AARCH64_ABS64, SHARED, 0, 0),             /* .rodata: the address of helper */
    H(48, AARCH64_ABS64, SYMBOL, 1, 0),             /* .rodata: the address of strlen */
  };
  check_holes("blob", set.shared_holes, set.nshared_holes, blob, ARRAY_LEN(blob));
  if (set.shared_size == 56) {
    static const uint8_t rodata[24] = {0x11, 0, 0x22, 0x22, 0x33, 0x33, 0x33, 0x33, 0x44, 0x44, 0x44, 0x44,
                                       0x44, 0x44, 0x44, 0x44, 'h', 'e', 'l', 'l', 'o', 0, 0, 0};
    CHECK(memcmp(set.shared + 16, rodata, sizeof rodata) == 0);
    CHECK(memcmp(set.shared + 12, "\0\0\0\0", 4) == 0);  /* padding after helper */
    if (load && load->nholes == ARRAY_LEN(load_) && load->holes[4].target + 6 <= set.shared_size)
      CHECK_STR((const char *)set.shared + load->holes[4].target, "hello");
  }
  static const char *const symbols[] = {"memcpy", "strlen"};
  check_symbols(&set, symbols, ARRAY_LEN(symbols));
  extract_free(&set);
}

/* The generated C: its shape, and the same bytes every time. */
static void test_output(const Buf *obj) {
  Buf h1 = {0}, h2 = {0}, s1 = {0};
  char err[256];
  bool ok = extract_stencils((const uint8_t *)obj->data, obj->len, "test_set", "extract_x86_64.o", &h1, &s1, err,
                             sizeof err);
  CHECK_MSG(ok, "%s", err);
  if (ok) {
    CHECK(extract_stencils((const uint8_t *)obj->data, obj->len, "test_set", "extract_x86_64.o", &h2, NULL, err,
                           sizeof err));
    CHECK(h1.len == h2.len && memcmp(h1.data, h2.data, h1.len) == 0);
    static const char *const header_has[] = {
      "from extract_x86_64.o",
      "Generated by tessera-extract, do not edit",
      "#include \"stencil.h\"\n",
      ("static const uint8_t test_set__code_load[51] = {\n"
       "  0x48, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x0d, 0x00, 0x00, 0x00,\n"),
      "  {0x2f, RELOC_X86_64_PLT32, HOLE_CONTINUE, 0, -4},\n",
      "  {0x25, RELOC_X86_64_PLT32, HOLE_SYMBOL, 1, -4},  /* memcpy */\n",
      "  {0x14, RELOC_X86_64_PC32, HOLE_SHARED, 0x18, -4},\n",
      "  {\"load\", test_set__code_load, 51, 5, test_set__holes_load, 8},\n",
      "static const char *const test_set__symbols[3] = {\n  \"abort\",\n  \"memcpy\",\n  \"strlen\",\n};\n",
      "const StencilSet test_set = {\n  .arch = ARCH_X86_64,\n",
      "  .shared_size = 40,\n  .shared_align = 16,\n",
    };
    for (size_t i = 0; i < ARRAY_LEN(header_has); i++)
      CHECK_MSG(strstr(h1.data, header_has[i]), "the header lacks: %s", header_has[i]);
    static const char *const symbols_has[] = {
      ("#include \"jit_runtime_symbols.h\"\n\nconst JitSymbol test_set_symbols[] = {\n"
       "  {\"abort\", (void *)&abort},\n  {\"memcpy\", (void *)&memcpy},\n  {\"strlen\", (void *)&strlen},\n};\n"
       "const uint32_t test_set_nsymbols = 3;\n"),
      "Generated by tessera-extract, do not edit",
    };
    for (size_t i = 0; i < ARRAY_LEN(symbols_has); i++)
      CHECK_MSG(strstr(s1.data, symbols_has[i]), "the symbols file lacks: %s", symbols_has[i]);
  }
  Buf none = {0};
  CHECK(!extract_stencils((const uint8_t *)obj->data, obj->len, "2set", "x.o", &none, NULL, err, sizeof err));
  CHECK_STR(err, "set name \"2set\" is not a C identifier");
  CHECK(none.len == 0);
  buf_free(&h1);
  buf_free(&h2);
  buf_free(&s1);
}

/* A set with no blob, holes or symbols: the x86-64 object with every section but the
   stencils' unallocated and every relocation section emptied. */
static void test_empty_parts(const Buf *obj) {
  Buf b = {0};
  buf_append(&b, obj->data, obj->len);
  Elf64_Ehdr e = get_ehdr(&b);
  Elf64_Shdr names = get_shdr(&b, e.e_shstrndx);
  for (uint32_t i = 1; i < e.e_shnum; i++) {
    Elf64_Shdr sh = get_shdr(&b, i);
    if (sh.sh_type == SHT_RELA) sh.sh_type = SHT_PROGBITS;
    if (strncmp(b.data + names.sh_offset + sh.sh_name, ".text.stencil_", 14) != 0) sh.sh_flags &= ~(uint64_t)SHF_ALLOC;
    memcpy(b.data + shdr_at(&b, i), &sh, sizeof sh);
  }
  StencilSet set;
  char err[256];
  bool ok = extract_parse((const uint8_t *)b.data, b.len, &set, err, sizeof err);
  CHECK_MSG(ok, "%s", err);
  if (ok) {
    CHECK(set.nstencils == 3 && set.stencils[0].nholes == 0 && set.stencils[0].holes == NULL);
    CHECK(set.shared == NULL && set.shared_size == 0 && set.shared_align == 1);
    CHECK(set.shared_holes == NULL && set.nshared_holes == 0 && set.symbols == NULL && set.nsymbols == 0);
    CHECK(set.stencils[2].tail_jump == 0);  /* load's jmp has no hole to the next stencil now */
    extract_free(&set);
  }
  Buf header = {0}, symbols = {0};
  CHECK(extract_stencils((const uint8_t *)b.data, b.len, "empty", "empty.o", &header, &symbols, err, sizeof err));
  static const char *const header_has[] = {
    "  {\"branch\", empty__code_branch, 14, 0, NULL, 0},\n",
    "  .shared = NULL,\n  .shared_size = 0,\n  .shared_align = 1,\n  .shared_holes = NULL,\n  .nshared_holes = 0,\n"
    "  .symbols = NULL,\n  .nsymbols = 0,\n};\n",
  };
  for (size_t i = 0; i < ARRAY_LEN(header_has); i++)
    CHECK_MSG(header.data && strstr(header.data, header_has[i]), "the header lacks: %s", header_has[i]);
  CHECK(header.data && !strstr(header.data, "empty__blob") && !strstr(header.data, "empty__symbols"));
  CHECK(symbols.data && strstr(symbols.data, "const JitSymbol empty_symbols[1] = {{0, 0}};"));
  CHECK(symbols.data && strstr(symbols.data, "const uint32_t empty_nsymbols = 0;\n"));
  buf_free(&header);
  buf_free(&symbols);
  buf_free(&b);
}

/* --- errors --------------------------------------------------------------------- */

/* Runs the extractor on a private, exactly sized copy of obj[0..len) (so ASan sees any
   read past its end). Returns whether it succeeded; err has the reason when not. */
static bool extract_copy(const uint8_t *obj, size_t len, char *err, size_t errcap) {
  uint8_t *copy = malloc(len ? len : 1);
  if (len) memcpy(copy, obj, len);
  StencilSet set;
  bool ok = extract_parse(copy, len, &set, err, errcap);
  if (ok) extract_free(&set);
  else CHECK_MSG(err[0] != '\0', "an error without a message (%zu bytes)", len);
  free(copy);
  return ok;
}

/* Expects the extractor to fail on a copy of obj with `n` bytes at `at` replaced by
   `bytes`, with an error containing `want`. */
static void expect_patched_error(const Buf *obj, size_t at, const void *bytes, size_t n, const char *want) {
  uint8_t *copy = malloc(obj->len);
  memcpy(copy, obj->data, obj->len);
  memcpy(copy + at, bytes, n);
  char err[256] = "";
  bool ok = extract_copy(copy, obj->len, err, sizeof err);
  CHECK_MSG(!ok && strstr(err, want), "want an error with \"%s\", got %s \"%s\"", want, ok ? "success" : "error", err);
  free(copy);
}

static void test_unsupported(const Buf *bad) {
  char err[256];
  CHECK(!extract_copy((const uint8_t *)bad->data, bad->len, err, sizeof err));
  CHECK_STR(err, "unsupported relocation R_X86_64_REX_GOTPCRELX (type 42) in stencil_bad at offset 0x4");
}

static void test_patched_errors(const Buf *x86) {
  const Buf *b = x86;
  /* The header. */
  uint16_t u16 = EM_386;
  expect_patched_error(b, offsetof(Elf64_Ehdr, e_machine), &u16, 2, "unsupported machine 3");
  u16 = ET_EXEC;
  expect_patched_error(b, offsetof(Elf64_Ehdr, e_type), &u16, 2, "not a relocatable object");
  uint8_t u8 = ELFCLASS32;
  expect_patched_error(b, EI_CLASS, &u8, 1, "not a 64-bit ELF object");
  u8 = ELFDATA2MSB;
  expect_patched_error(b, EI_DATA, &u8, 1, "not a little-endian ELF object");
  expect_patched_error(b, 0, "\177ELG", 4, "bad magic");
  uint64_t u64 = b->len;
  expect_patched_error(b, offsetof(Elf64_Ehdr, e_shoff), &u64, 8, "lies outside the object");

  /* Relocation types: named when known, by number otherwise. */
  size_t r0 = rela_at(b, ".rela.text.stencil_LOAD", 0);  /* R_X86_64_64 at 2 */
  size_t r0_info = r0 + offsetof(Elf64_Rela, r_info);
  Elf64_Rela rel;
  memcpy(&rel, b->data + r0, sizeof rel);
  u64 = ELF64_R_INFO(ELF64_R_SYM(rel.r_info), R_X86_64_PC64);
  expect_patched_error(b, r0_info, &u64, 8, "unsupported relocation R_X86_64_PC64 (type 24) in stencil_LOAD at offset 0x2");
  u64 = ELF64_R_INFO(ELF64_R_SYM(rel.r_info), R_X86_64_GOTPCREL);
  expect_patched_error(b, r0_info, &u64, 8, "unsupported relocation R_X86_64_GOTPCREL (type 9) in stencil_LOAD");
  u64 = ELF64_R_INFO(ELF64_R_SYM(rel.r_info), R_X86_64_TPOFF32);
  expect_patched_error(b, r0_info, &u64, 8, "unsupported relocation R_X86_64_TPOFF32 (type 23)");
  u64 = ELF64_R_INFO(ELF64_R_SYM(rel.r_info), 200);
  expect_patched_error(b, r0_info, &u64, 8, "unsupported relocation type 200 in stencil_LOAD at offset 0x2");
  u64 = ELF64_R_INFO(ELF64_R_SYM(rel.r_info), R_AARCH64_ABS64);  /* right number, wrong machine */
  expect_patched_error(b, r0_info, &u64, 8, "unsupported relocation type 257");
  /* In the blob, the place is the section. */
  size_t h1_info = rela_at(b, ".rela.text.helper", 1) + offsetof(Elf64_Rela, r_info);
  memcpy(&rel, b->data + h1_info - offsetof(Elf64_Rela, r_info), sizeof rel);
  u64 = ELF64_R_INFO(ELF64_R_SYM(rel.r_info), R_X86_64_GOTPCRELX);
  expect_patched_error(b, h1_info, &u64, 8,
                       "unsupported relocation R_X86_64_GOTPCRELX (type 41) in section .text.helper at offset 0x8");

  /* Symbols. */
  u64 = ELF64_R_INFO(symbol_named(b, "stencil_branch"), R_X86_64_64);
  expect_patched_error(b, r0_info, &u64, 8, "it is the code of stencil_branch");
  u64 = ELF64_R_INFO(symbol_named(b, "stencil_LOAD"), R_X86_64_64);
  expect_patched_error(b, r0_info, &u64, 8, "it is the code of stencil_LOAD");
  u64 = ELF64_R_INFO(symbol_named(b, "_JIT_OPARG"), R_X86_64_PLT32);
  expect_patched_error(b, h1_info, &u64, 8, "relocation against _JIT_OPARG in section .text.helper at offset 0x8: "
                                            "only stencils have holes");
  u64 = ELF64_R_INFO(100000, R_X86_64_64);
  expect_patched_error(b, r0_info, &u64, 8, "symbol index 100000 out of range");
  u64 = ELF64_R_INFO(0, R_X86_64_64);
  expect_patched_error(b, r0_info, &u64, 8, "symbol index 0 out of range");
  /* A relocation past the end of its stencil. */
  u64 = 49;  /* 8 bytes at 49 of 51 */
  expect_patched_error(b, r0 + offsetof(Elf64_Rela, r_offset), &u64, 8,
                       "relocation R_X86_64_64 in stencil_LOAD at offset 0x31: its 8 bytes lie outside the stencil");
  /* A stencil in another's section. */
  uint32_t load_sec = section_named(b, ".text.stencil_LOAD");
  u16 = (uint16_t)load_sec;
  size_t branch_sym = get_shdr(b, section_named(b, ".symtab")).sh_offset +
                      symbol_named(b, "stencil_branch") * sizeof(Elf64_Sym);
  expect_patched_error(b, branch_sym + offsetof(Elf64_Sym, st_shndx), &u16, 2,
                       "share section .text.stencil_LOAD (compile stencils with -ffunction-sections)");

  /* Sections of the blob. */
  uint32_t rodata = section_named(b, ".rodata");
  u64 = SHF_ALLOC | SHF_WRITE;
  expect_patched_error(b, shdr_at(b, rodata) + offsetof(Elf64_Shdr, sh_flags), &u64, 8,
                       "section .rodata is writable: stencils must not have writable data");
  u64 = 3;
  expect_patched_error(b, shdr_at(b, rodata) + offsetof(Elf64_Shdr, sh_addralign), &u64, 8, "not a power of two");
  u64 = b->len;
  expect_patched_error(b, shdr_at(b, rodata) + offsetof(Elf64_Shdr, sh_offset), &u64, 8, "lies outside the object");
  Elf64_Shdr big = get_shdr(b, rodata);  /* a huge read-only .bss */
  big.sh_type = SHT_NOBITS;
  big.sh_size = (uint64_t)1 << 40;
  expect_patched_error(b, shdr_at(b, rodata), &big, sizeof big, "the shared blob would exceed");
}

/* Every truncation fails (the section headers come last); every byte of the object
   flipped three ways, and a few thousand random corruptions, fail or succeed but never
   crash (the sanitizer build turns a bad read into a failure). */
static void test_malformed(const Buf *obj, const char *what) {
  const uint8_t *p = (const uint8_t *)obj->data;
  char err[256];
  size_t truncations_failed = 0;
  for (size_t n = 0; n < obj->len; n++) truncations_failed += !extract_copy(p, n, err, sizeof err);
  CHECK_MSG(truncations_failed == obj->len, "%s: %zu of %zu truncations extracted", what,
            obj->len - truncations_failed, obj->len);

  uint8_t *copy = malloc(obj->len);
  static const uint8_t flips[] = {0x01, 0x80, 0xff};
  for (size_t i = 0; i < obj->len; i++)
    for (size_t f = 0; f < ARRAY_LEN(flips); f++) {
      memcpy(copy, p, obj->len);
      copy[i] ^= flips[f];
      extract_copy(copy, obj->len, err, sizeof err);
    }

  uint64_t rng = 0x9e3779b97f4a7c15u;
  for (int round = 0; round < 10000; round++) {
    memcpy(copy, p, obj->len);
    int k = 1 + round % 8;
    for (int j = 0; j < k; j++) {
      rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
      size_t at = (size_t)(rng % obj->len);
      uint8_t v = (uint8_t)(rng >> 32);
      /* Bias towards the header and section table, where the sizes and offsets are. */
      if (j % 2 == 0) at = rng % 2 ? at % sizeof(Elf64_Ehdr) : shdr_at(obj, 0) + at % (obj->len - shdr_at(obj, 0));
      copy[at] = (rng >> 40) % 3 == 0 ? 0xff : v;
    }
    extract_copy(copy, obj->len, err, sizeof err);
  }
  free(copy);
  CHECK_MSG(shdr_at(obj, get_ehdr(obj).e_shnum) == obj->len, "%s: section headers are not last", what);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: test_extract extract_x86_64.o extract_aarch64.o extract_bad_x86_64.o\n");
    return 2;
  }
  Buf x86 = {0}, a64 = {0}, bad = {0};
  if (read_input(argv[1], &x86) && read_input(argv[2], &a64) && read_input(argv[3], &bad)) {
    test_x86_64(&x86);
    test_aarch64(&a64);
    test_output(&x86);
    test_empty_parts(&x86);
    test_unsupported(&bad);
    test_patched_errors(&x86);
    test_malformed(&x86, "x86-64");
    test_malformed(&a64, "AArch64");
    test_malformed(&bad, "bad x86-64");
  }
  buf_free(&x86);
  buf_free(&a64);
  buf_free(&bad);
  return check_summary("test_extract");
}
