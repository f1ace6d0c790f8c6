/* extract.c: the stencil extractor (extract.h): an ELF64 relocatable object in, a
 * StencilSet and its C header out.
 *
 *   object bytes
 *     | read_object     header, section table, names, symbols: every offset and size
 *     |                 checked against the object, copied out (no unaligned reads)
 *     | find_stencils   each stencil_NAME function: its own section, its bytes;
 *     |                 sorted by name
 *     | place_shared    every other allocated section, in section order, at its
 *     |                 alignment in the shared blob
 *     | read_relocs     every relocation of a stencil or blob section: a hole
 *     | name_symbols    the undefined symbols the holes name: sorted, deduplicated,
 *     |                 HOLE_SYMBOL targets renumbered into that list
 *     | finish          holes sorted by offset, trailing jumps found, the StencilSet
 *     v
 *   StencilSet --extract_write_header / extract_write_symbols--> C text
 *
 * Errors: the first one is formatted into the caller's buffer and every stage returns
 * false; extract_parse frees all it built in one place. */
#include "extract.h"

#include <elf.h>
#include <stdarg.h>

STATIC_ASSERT(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the extractor reads little-endian ELF fields as host integers");
STATIC_ASSERT(ARCH__COUNT == 2, "an architecture needs its ELF machine, tail jump and names here");
STATIC_ASSERT(HOLE__COUNT == 8, "a hole value needs its symbol and enum name here");

/* The largest shared blob and section alignment accepted: far beyond what the template
   needs, small enough that no size computation overflows. */
#define SHARED_MAX (64u << 20)
#define ALIGN_MAX 4096u

/* The hole symbols of jit/template.c, by HoleValue (NULL: not a symbol's address). */
static const char *const hole_symbol[HOLE__COUNT] = {
  [HOLE_OPARG] = "_JIT_OPARG",
  [HOLE_OPERAND] = "_JIT_OPERAND",
  [HOLE_INDEX] = "_JIT_INDEX",
  [HOLE_CONTINUE] = "_JIT_CONTINUE",
  [HOLE_JUMP_TARGET] = "_JIT_JUMP_TARGET",
  [HOLE_EXIT] = "_JIT_EXIT",
};

/* Names in the generated C. */
static const char *const hole_enum[HOLE__COUNT] = {
  [HOLE_OPARG] = "HOLE_OPARG",
  [HOLE_OPERAND] = "HOLE_OPERAND",
  [HOLE_INDEX] = "HOLE_INDEX",
  [HOLE_CONTINUE] = "HOLE_CONTINUE",
  [HOLE_JUMP_TARGET] = "HOLE_JUMP_TARGET",
  [HOLE_EXIT] = "HOLE_EXIT",
  [HOLE_SHARED] = "HOLE_SHARED",
  [HOLE_SYMBOL] = "HOLE_SYMBOL",
};
static const char *const reloc_enum[RELOC__COUNT] = {
#define RELOC(name, arch, type, doc) "RELOC_" #name,
  TESSERA_RELOCS(RELOC)
#undef RELOC
};
static const char *const arch_enum[ARCH__COUNT] = {[ARCH_X86_64] = "ARCH_X86_64", [ARCH_AARCH64] = "ARCH_AARCH64"};
static const char *const arch_title[ARCH__COUNT] = {[ARCH_X86_64] = "x86-64", [ARCH_AARCH64] = "AArch64"};

/* Relocation types the JIT does not handle but clang may emit, named in the error (the
   flags that avoid them: jit/CMakeLists.txt). Others are reported by number. */
static const struct {
  uint16_t machine;
  uint32_t type;
  const char *name;
} unsupported_names[] = {
#define X(type) {EM_X86_64, type, #type}
  X(R_X86_64_NONE), X(R_X86_64_GOT32), X(R_X86_64_GOTPCREL), X(R_X86_64_32), X(R_X86_64_16),
  X(R_X86_64_PC16), X(R_X86_64_8), X(R_X86_64_PC8), X(R_X86_64_DTPMOD64), X(R_X86_64_DTPOFF64),
  X(R_X86_64_TPOFF64), X(R_X86_64_TLSGD), X(R_X86_64_TLSLD), X(R_X86_64_DTPOFF32),
  X(R_X86_64_GOTTPOFF), X(R_X86_64_TPOFF32), X(R_X86_64_PC64), X(R_X86_64_GOTOFF64),
  X(R_X86_64_GOTPC32), X(R_X86_64_GOTPCREL64), X(R_X86_64_GOTPC64), X(R_X86_64_SIZE32),
  X(R_X86_64_SIZE64), X(R_X86_64_GOTPC32_TLSDESC), X(R_X86_64_TLSDESC_CALL), X(R_X86_64_TLSDESC),
  X(R_X86_64_GOTPCRELX), X(R_X86_64_REX_GOTPCRELX),
#undef X
#define X(type) {EM_AARCH64, type, #type}
  X(R_AARCH64_NONE), X(R_AARCH64_ABS32), X(R_AARCH64_ABS16), X(R_AARCH64_PREL64),
  X(R_AARCH64_PREL32), X(R_AARCH64_PREL16), X(R_AARCH64_MOVW_UABS_G0), X(R_AARCH64_MOVW_UABS_G1),
  X(R_AARCH64_MOVW_UABS_G2), X(R_AARCH64_MOVW_SABS_G0), X(R_AARCH64_MOVW_SABS_G1),
  X(R_AARCH64_MOVW_SABS_G2), X(R_AARCH64_LD_PREL_LO19), X(R_AARCH64_ADR_PREL_LO21),
  X(R_AARCH64_ADR_PREL_PG_HI21_NC), X(R_AARCH64_TSTBR14), X(R_AARCH64_ADR_GOT_PAGE),
  X(R_AARCH64_LD64_GOT_LO12_NC), X(R_AARCH64_LD64_GOTPAGE_LO15),
  X(R_AARCH64_TLSGD_ADR_PAGE21), X(R_AARCH64_TLSGD_ADD_LO12_NC),
  X(R_AARCH64_TLSLD_ADR_PAGE21), X(R_AARCH64_TLSLD_ADD_LO12_NC),
  X(R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21), X(R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC),
  X(R_AARCH64_TLSLE_ADD_TPREL_HI12), X(R_AARCH64_TLSLE_ADD_TPREL_LO12),
  X(R_AARCH64_TLSLE_ADD_TPREL_LO12_NC), X(R_AARCH64_TLSDESC_ADR_PAGE21),
  X(R_AARCH64_TLSDESC_LD64_LO12), X(R_AARCH64_TLSDESC_ADD_LO12), X(R_AARCH64_TLSDESC_CALL),
#undef X
};

/* A symbol of the object, checked: name NUL-terminated inside the string table, section
   index either special (SHN_UNDEF, SHN_ABS, ...) or an existing section. */
typedef struct {
  const char *name;
  uint8_t type;
  uint16_t shndx;
  uint64_t value, size;
} Sym;

typedef struct {
  Hole *v;
  uint32_t n, cap;
} HoleVec;

/* A stencil while it is built. */
typedef struct {
  char *name;         /* lower case, without "stencil_" */
  const char *symbol; /* "stencil_NAME" as in the object */
  uint32_t section;
  uint64_t start;     /* of the code in its section */
  uint8_t *code;
  uint32_t size;
  HoleVec holes;
} Work;

typedef struct {
  const uint8_t *obj;
  size_t len;
  JitArch arch;
  uint16_t machine;
  Elf64_Shdr *sh;     /* section headers, copied */
  uint32_t nsh;
  const char *shstr;  /* section names */
  size_t shstr_size;
  uint32_t symtab;    /* section index of .symtab */
  Sym *syms;
  size_t nsyms;
  Work *work;         /* stencils, sorted by name */
  uint32_t nwork;
  int32_t *stencil_of;  /* per section: the stencil in it, or -1 */
  int64_t *shared_at;   /* per section: its offset in the shared blob, or -1 */
  uint8_t *shared;
  uint32_t shared_size, shared_align;
  HoleVec shared_holes;
  const char **pending;  /* names of HOLE_SYMBOL holes, indexed by their target until name_symbols */
  uint32_t npending, pending_cap;
  char **symbols;
  uint32_t nsymbols;
  char *err;
  size_t errcap;
  bool failed;
} Extract;

static bool fail(Extract *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(Extract *x, const char *fmt, ...) {
  if (!x->failed && x->errcap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, x->errcap, fmt, ap);
    va_end(ap);
  }
  x->failed = true;
  return false;
}

static bool is_identifier(const char *s) {
  if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return false;
  for (s++; *s; s++)
    if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
      return false;
  return true;
}

/* The string at offset off of a string table of size bytes at base, or NULL when it
   does not start and end (NUL) inside the table. */
static const char *table_string(const char *base, size_t size, uint64_t off) {
  if (off >= size || !memchr(base + off, 0, size - off)) return NULL;
  return base + off;
}

static const char *section_name(const Extract *x, uint32_t i) {
  return x->shstr + x->sh[i].sh_name;  /* checked by read_object */
}

static bool is_nobits(const Elf64_Shdr *s) { return s->sh_type == SHT_NOBITS; }

/* Bytes a relocation of kind k patches. */
static uint32_t reloc_field_size(RelocKind k) {
  return k == RELOC_X86_64_64 || k == RELOC_AARCH64_ABS64 ? 8 : 4;
}

static void holes_push(HoleVec *h, Hole hole) {
  if (h->n == h->cap) {
    h->cap = h->cap ? h->cap * 2 : 8;
    h->v = xrealloc(h->v, h->cap * sizeof *h->v);
  }
  h->v[h->n++] = hole;
}

/* --- read_object ---------------------------------------------------------------- */

static bool read_header(Extract *x, Elf64_Ehdr *eh) {
  if (x->len < sizeof *eh) return fail(x, "not an ELF object: %zu bytes, shorter than an ELF header", x->len);
  memcpy(eh, x->obj, sizeof *eh);
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) return fail(x, "not an ELF object (bad magic)");
  if (eh->e_ident[EI_CLASS] != ELFCLASS64) return fail(x, "not a 64-bit ELF object (class %u)", eh->e_ident[EI_CLASS]);
  if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
    return fail(x, "not a little-endian ELF object (data encoding %u)", eh->e_ident[EI_DATA]);
  if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
    return fail(x, "unknown ELF version %u", eh->e_ident[EI_VERSION]);
  if (eh->e_type != ET_REL) return fail(x, "not a relocatable object (ELF type %u; compile with -c)", eh->e_type);
  x->machine = eh->e_machine;
  if (eh->e_machine == EM_X86_64) x->arch = ARCH_X86_64;
  else if (eh->e_machine == EM_AARCH64) x->arch = ARCH_AARCH64;
  else return fail(x, "unsupported machine %u (the JIT knows x86-64 and AArch64)", eh->e_machine);
  if (eh->e_shentsize != sizeof(Elf64_Shdr))
    return fail(x, "section header entry size %u, not %zu", eh->e_shentsize, sizeof(Elf64_Shdr));
  if (eh->e_shnum == 0) return fail(x, "no section headers (extended section numbering is not supported)");
  if (eh->e_shstrndx == SHN_XINDEX) return fail(x, "extended section numbering is not supported");
  if (eh->e_shstrndx >= eh->e_shnum) return fail(x, "section name table index %u out of range", eh->e_shstrndx);
  if (eh->e_shoff > x->len || (x->len - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum)
    return fail(x, "section header table (%u entries at 0x%llx) lies outside the object", eh->e_shnum,
                (unsigned long long)eh->e_shoff);
  return true;
}

static bool read_sections(Extract *x, const Elf64_Ehdr *eh) {
  x->nsh = eh->e_shnum;
  x->sh = xmalloc(x->nsh * sizeof *x->sh);
  memcpy(x->sh, x->obj + eh->e_shoff, x->nsh * sizeof *x->sh);
  for (uint32_t i = 1; i < x->nsh; i++) {
    const Elf64_Shdr *s = &x->sh[i];
    if (s->sh_type != SHT_NOBITS && (s->sh_offset > x->len || s->sh_size > x->len - s->sh_offset))
      return fail(x, "section %u (0x%llx bytes at 0x%llx) lies outside the object", i,
                  (unsigned long long)s->sh_size, (unsigned long long)s->sh_offset);
  }
  const Elf64_Shdr *names = &x->sh[eh->e_shstrndx];
  if (names->sh_type != SHT_STRTAB) return fail(x, "section %u is not the section name table", eh->e_shstrndx);
  x->shstr = (const char *)x->obj + names->sh_offset;
  x->shstr_size = names->sh_size;
  for (uint32_t i = 0; i < x->nsh; i++)
    if (!table_string(x->shstr, x->shstr_size, x->sh[i].sh_name))
      return fail(x, "section %u: name offset 0x%x outside the section name table", i, x->sh[i].sh_name);
  return true;
}

static bool read_symbols(Extract *x) {
  x->symtab = 0;
  for (uint32_t i = 1; i < x->nsh; i++) {
    if (x->sh[i].sh_type == SHT_SYMTAB_SHNDX) return fail(x, "extended section numbering is not supported");
    if (x->sh[i].sh_type != SHT_SYMTAB) continue;
    if (x->symtab) return fail(x, "more than one symbol table");
    x->symtab = i;
  }
  if (!x->symtab) return fail(x, "no symbol table");
  const Elf64_Shdr *st = &x->sh[x->symtab];
  if (st->sh_entsize != sizeof(Elf64_Sym) || st->sh_size % sizeof(Elf64_Sym) != 0)
    return fail(x, "symbol table entry size %llu, not %zu", (unsigned long long)st->sh_entsize, sizeof(Elf64_Sym));
  if (st->sh_link == 0 || st->sh_link >= x->nsh || x->sh[st->sh_link].sh_type != SHT_STRTAB)
    return fail(x, "symbol table: string table index %u is not a string table", st->sh_link);
  const Elf64_Shdr *strs = &x->sh[st->sh_link];
  x->nsyms = st->sh_size / sizeof(Elf64_Sym);
  x->syms = xcalloc(x->nsyms, sizeof *x->syms);
  for (size_t i = 0; i < x->nsyms; i++) {
    Elf64_Sym es;
    memcpy(&es, x->obj + st->sh_offset + i * sizeof es, sizeof es);
    Sym *s = &x->syms[i];
    s->name = table_string((const char *)x->obj + strs->sh_offset, strs->sh_size, es.st_name);
    if (!s->name) return fail(x, "symbol %zu: name offset 0x%x outside the string table", i, es.st_name);
    s->type = ELF64_ST_TYPE(es.st_info);
    s->shndx = es.st_shndx;
    s->value = es.st_value;
    s->size = es.st_size;
    if (s->shndx == SHN_XINDEX) return fail(x, "symbol %s: extended section numbering is not supported", s->name);
    if (s->shndx != SHN_UNDEF && s->shndx < SHN_LORESERVE && s->shndx >= x->nsh)
      return fail(x, "symbol %s: section index %u out of range", s->name, s->shndx);
  }
  return true;
}

static bool read_object(Extract *x) {
  Elf64_Ehdr eh;
  return read_header(x, &eh) && read_sections(x, &eh) && read_symbols(x);
}

/* --- find_stencils -------------------------------------------------------------- */

static int work_by_name(const void *a, const void *b) {
  return strcmp(((const Work *)a)->name, ((const Work *)b)->name);
}

static bool add_stencil(Extract *x, const Sym *s) {
  static const char prefix[] = "stencil_";
  const char *name = s->name + sizeof prefix - 1;
  if (!is_identifier(name)) return fail(x, "%s: the stencil name is not a C identifier", s->name);
  if (s->shndx == SHN_UNDEF || s->shndx >= SHN_LORESERVE) return fail(x, "%s: not defined in a section", s->name);
  const Elf64_Shdr *sec = &x->sh[s->shndx];
  if (x->stencil_of[s->shndx] >= 0)
    return fail(x, "%s and %s share section %s (compile stencils with -ffunction-sections)",
                x->work[x->stencil_of[s->shndx]].symbol, s->name, section_name(x, s->shndx));
  if (sec->sh_type != SHT_PROGBITS || (sec->sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) != (SHF_ALLOC | SHF_EXECINSTR))
    return fail(x, "%s: section %s is not code", s->name, section_name(x, s->shndx));
  if (s->size == 0 || s->value > sec->sh_size || s->size > sec->sh_size - s->value)
    return fail(x, "%s: %llu bytes at 0x%llx do not fit its section %s (0x%llx bytes)", s->name,
                (unsigned long long)s->size, (unsigned long long)s->value, section_name(x, s->shndx),
                (unsigned long long)sec->sh_size);
  if (x->arch == ARCH_AARCH64 && (s->size % 4 != 0 || s->value % 4 != 0))
    return fail(x, "%s: %llu bytes at 0x%llx, not whole instructions", s->name, (unsigned long long)s->size,
                (unsigned long long)s->value);
  Work *w = &x->work[x->nwork];
  x->stencil_of[s->shndx] = (int32_t)x->nwork++;
  size_t n = strlen(name);
  w->name = xmalloc(n + 1);
  copy_lower(w->name, n + 1, name);
  w->symbol = s->name;
  w->section = s->shndx;
  w->start = s->value;
  w->size = (uint32_t)s->size;  /* at most the object's length: sections are inside it */
  w->code = xmalloc(w->size);
  memcpy(w->code, x->obj + sec->sh_offset + s->value, w->size);
  return true;
}

static bool find_stencils(Extract *x) {
  static const char prefix[] = "stencil_";
  x->work = xcalloc(x->nsyms, sizeof *x->work);
  x->stencil_of = xmalloc(x->nsh * sizeof *x->stencil_of);
  for (uint32_t i = 0; i < x->nsh; i++) x->stencil_of[i] = -1;
  for (size_t i = 0; i < x->nsyms; i++) {
    const Sym *s = &x->syms[i];
    if (s->type == STT_FUNC && strncmp(s->name, prefix, sizeof prefix - 1) == 0 && !add_stencil(x, s)) return false;
  }
  if (x->nwork == 0) return fail(x, "no stencil_NAME functions in the object");
  qsort(x->work, x->nwork, sizeof *x->work, work_by_name);
  for (uint32_t i = 0; i < x->nwork; i++) {
    x->stencil_of[x->work[i].section] = (int32_t)i;
    if (i > 0 && strcmp(x->work[i - 1].name, x->work[i].name) == 0)
      return fail(x, "%s and %s both make stencil %s", x->work[i - 1].symbol, x->work[i].symbol, x->work[i].name);
  }
  return true;
}

/* --- place_shared --------------------------------------------------------------- */

static bool place_shared(Extract *x) {
  x->shared_at = xmalloc(x->nsh * sizeof *x->shared_at);
  uint64_t size = 0, align = 1;
  for (uint32_t i = 0; i < x->nsh; i++) {
    x->shared_at[i] = -1;
    const Elf64_Shdr *s = &x->sh[i];
    if (!(s->sh_flags & SHF_ALLOC) || x->stencil_of[i] >= 0) continue;
    const char *name = section_name(x, i);
    if (strcmp(name, ".eh_frame") == 0 || s->sh_type == SHT_X86_64_UNWIND)
      return fail(x, "section %s: stencils have no unwind tables (compile with -fno-asynchronous-unwind-tables)", name);
    if (s->sh_flags & SHF_WRITE)
      return fail(x, "section %s is writable: stencils must not have writable data (JIT memory is read-execute)", name);
    if (s->sh_type != SHT_PROGBITS && s->sh_type != SHT_NOBITS)
      return fail(x, "section %s: unsupported section type 0x%x", name, s->sh_type);
    uint64_t a = s->sh_addralign ? s->sh_addralign : 1;
    if ((a & (a - 1)) != 0 || a > ALIGN_MAX)
      return fail(x, "section %s: alignment %llu is not a power of two up to %u", name, (unsigned long long)a, ALIGN_MAX);
    if (s->sh_size == 0) {  /* an empty .text: nothing to place, symbols in it point here */
      x->shared_at[i] = (int64_t)size;
      continue;
    }
    size = (size + a - 1) & ~(a - 1);
    if (size > SHARED_MAX || s->sh_size > SHARED_MAX - size)
      return fail(x, "section %s: the shared blob would exceed %u bytes", name, SHARED_MAX);
    x->shared_at[i] = (int64_t)size;
    size += s->sh_size;
    if (a > align) align = a;
  }
  x->shared_size = (uint32_t)size;
  x->shared_align = (uint32_t)align;
  if (size) {
    x->shared = xcalloc(1, size);  /* zero-filled: padding and SHT_NOBITS sections */
    for (uint32_t i = 0; i < x->nsh; i++)
      if (x->shared_at[i] >= 0 && !is_nobits(&x->sh[i]))
        memcpy(x->shared + x->shared_at[i], x->obj + x->sh[i].sh_offset, x->sh[i].sh_size);
  }
  return true;
}

/* --- read_relocs ---------------------------------------------------------------- */

/* Where a relocation of section `section` is, for errors: "stencil_add at offset 0x1c"
   (offset from the stencil start) or "section .text.helper at offset 0x8". */
static void describe_place(const Extract *x, uint32_t section, uint64_t offset, char *out, size_t cap) {
  int w = x->stencil_of[section];
  if (w >= 0 && offset >= x->work[w].start)
    snprintf(out, cap, "%s at offset 0x%llx", x->work[w].symbol, (unsigned long long)(offset - x->work[w].start));
  else
    snprintf(out, cap, "section %s at offset 0x%llx", section_name(x, section), (unsigned long long)offset);
}

static bool unsupported_reloc(Extract *x, uint32_t type, const char *where) {
  for (size_t i = 0; i < ARRAY_LEN(unsupported_names); i++)
    if (unsupported_names[i].machine == x->machine && unsupported_names[i].type == type)
      return fail(x, "unsupported relocation %s (type %u) in %s", unsupported_names[i].name, type, where);
  return fail(x, "unsupported relocation type %u in %s", type, where);
}

/* Sets the value and target of *h from symbol s, for a relocation at `where` of section
   `section` (a stencil's or the blob's). */
static bool resolve_symbol(Extract *x, uint32_t section, const Sym *s, const char *where, Hole *h) {
  bool in_stencil = x->stencil_of[section] >= 0;
  for (int v = 0; v < HOLE__COUNT; v++) {
    if (!hole_symbol[v] || strcmp(s->name, hole_symbol[v]) != 0) continue;
    if (s->shndx != SHN_UNDEF) return fail(x, "%s is defined in the object: it must be left undefined", s->name);
    if (!in_stencil) return fail(x, "relocation against %s in %s: only stencils have holes", s->name, where);
    h->value = (uint16_t)v;
    return true;
  }
  if (s->shndx == SHN_UNDEF) {
    if (!is_identifier(s->name))
      return fail(x, "relocation against \"%s\" in %s: a run-time symbol must be named by a C identifier", s->name, where);
    if (x->npending == x->pending_cap) {
      x->pending_cap = x->pending_cap ? x->pending_cap * 2 : 16;
      x->pending = xrealloc(x->pending, x->pending_cap * sizeof *x->pending);
    }
    h->value = HOLE_SYMBOL;
    h->target = x->npending;
    x->pending[x->npending++] = s->name;
    return true;
  }
  if (s->shndx >= SHN_LORESERVE)
    return fail(x, "relocation against symbol \"%s\" in %s: %s symbols are not supported", s->name, where,
                s->shndx == SHN_ABS ? "absolute" : s->shndx == SHN_COMMON ? "common (writable)" : "special");
  const char *what = s->type == STT_SECTION ? "section" : "symbol";
  const char *name = s->type == STT_SECTION ? section_name(x, s->shndx) : s->name;
  int other = x->stencil_of[s->shndx];
  if (other >= 0)
    return fail(x, "relocation against %s %s in %s: it is the code of %s, and one stencil cannot refer to a "
                "stencil's code", what, name, where, x->work[other].symbol);
  if (x->shared_at[s->shndx] < 0)
    return fail(x, "relocation against %s %s in %s: section %s is not loaded (not SHF_ALLOC)", what, name, where,
                section_name(x, s->shndx));
  if (s->value > x->sh[s->shndx].sh_size)
    return fail(x, "relocation against %s %s in %s: value 0x%llx lies outside its section", what, name, where,
                (unsigned long long)s->value);
  h->value = HOLE_SHARED;
  h->target = (uint32_t)((uint64_t)x->shared_at[s->shndx] + s->value);  /* < SHARED_MAX + ALIGN_MAX */
  return true;
}

static bool read_reloc_section(Extract *x, uint32_t r) {
  const Elf64_Shdr *rs = &x->sh[r];
  uint32_t t = rs->sh_info;
  if (t == 0 || t >= x->nsh) return fail(x, "relocation section %s: target section %u out of range", section_name(x, r), t);
  if (!(x->sh[t].sh_flags & SHF_ALLOC)) return true;  /* debug information and the like */
  if (rs->sh_type == SHT_REL) return fail(x, "relocation section %s: REL relocations are not supported", section_name(x, r));
  if (rs->sh_link != x->symtab)
    return fail(x, "relocation section %s: symbol table %u is not the symbol table", section_name(x, r), rs->sh_link);
  if (rs->sh_entsize != sizeof(Elf64_Rela) || rs->sh_size % sizeof(Elf64_Rela) != 0)
    return fail(x, "relocation section %s: entry size %llu, not %zu", section_name(x, r),
                (unsigned long long)rs->sh_entsize, sizeof(Elf64_Rela));
  if (is_nobits(&x->sh[t])) return fail(x, "relocation section %s: relocates section %s, which has no bytes",
                                        section_name(x, r), section_name(x, t));
  int w = x->stencil_of[t];
  ASSERT(w >= 0 || x->shared_at[t] >= 0, "an allocated section is a stencil's or in the shared blob");
  size_t n = rs->sh_size / sizeof(Elf64_Rela);
  for (size_t i = 0; i < n; i++) {
    Elf64_Rela rel;
    memcpy(&rel, x->obj + rs->sh_offset + i * sizeof rel, sizeof rel);
    uint32_t type = (uint32_t)ELF64_R_TYPE(rel.r_info);
    uint64_t symi = ELF64_R_SYM(rel.r_info);
    char where[160];
    describe_place(x, t, rel.r_offset, where, sizeof where);
    int k = reloc_from_elf(x->arch, type);
    if (k < 0) return unsupported_reloc(x, type, where);
    /* The patched field must lie inside the stencil (or section) bytes. */
    uint64_t lo = w >= 0 ? x->work[w].start : 0, size = w >= 0 ? x->work[w].size : x->sh[t].sh_size;
    uint32_t field = reloc_field_size((RelocKind)k);
    if (rel.r_offset < lo || size < field || rel.r_offset - lo > size - field)
      return fail(x, "relocation %s in %s: its %u bytes lie outside the %s", reloc_name[k], where, field,
                  w >= 0 ? "stencil" : "section");
    if (symi == 0 || symi >= x->nsyms)
      return fail(x, "relocation %s in %s: symbol index %llu out of range", reloc_name[k], where, (unsigned long long)symi);
    Hole h = {.reloc = (uint16_t)k, .addend = rel.r_addend};
    if (!resolve_symbol(x, t, &x->syms[symi], where, &h)) return false;
    if (w >= 0) {
      h.offset = (uint32_t)(rel.r_offset - lo);
      holes_push(&x->work[w].holes, h);
    } else {
      h.offset = (uint32_t)((uint64_t)x->shared_at[t] + rel.r_offset);
      holes_push(&x->shared_holes, h);
    }
  }
  return true;
}

static bool read_relocs(Extract *x) {
  for (uint32_t r = 1; r < x->nsh; r++)
    if ((x->sh[r].sh_type == SHT_RELA || x->sh[r].sh_type == SHT_REL) && !read_reloc_section(x, r)) return false;
  return true;
}

/* --- name_symbols --------------------------------------------------------------- */

static int by_string(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void renumber(Extract *x, HoleVec *h) {
  for (uint32_t i = 0; i < h->n; i++) {
    if (h->v[i].value != HOLE_SYMBOL) continue;
    const char *name = x->pending[h->v[i].target];
    char **found = bsearch(&name, x->symbols, x->nsymbols, sizeof *x->symbols, by_string);
    ASSERT(found, "every pending symbol is in the sorted list");
    h->v[i].target = (uint32_t)(found - x->symbols);
  }
}

static void name_symbols(Extract *x) {
  const char **sorted = xmalloc((x->npending ? x->npending : 1) * sizeof *sorted);
  if (x->npending) {  /* pending is NULL until the first symbol hole */
    memcpy(sorted, x->pending, x->npending * sizeof *sorted);
    qsort(sorted, x->npending, sizeof *sorted, by_string);
  }
  x->symbols = xmalloc((x->npending ? x->npending : 1) * sizeof *x->symbols);
  for (uint32_t i = 0; i < x->npending; i++)
    if (i == 0 || strcmp(sorted[i - 1], sorted[i]) != 0) x->symbols[x->nsymbols++] = xstrndup(sorted[i], strlen(sorted[i]));
  free(sorted);
  for (uint32_t i = 0; i < x->nwork; i++) renumber(x, &x->work[i].holes);
  renumber(x, &x->shared_holes);
}

/* --- finish --------------------------------------------------------------------- */

static int hole_order(const void *pa, const void *pb) {
  const Hole *a = pa, *b = pb;
  if (a->offset != b->offset) return a->offset < b->offset ? -1 : 1;
  if (a->reloc != b->reloc) return a->reloc < b->reloc ? -1 : 1;
  if (a->value != b->value) return a->value < b->value ? -1 : 1;
  if (a->target != b->target) return a->target < b->target ? -1 : 1;
  return a->addend < b->addend ? -1 : a->addend > b->addend;
}

static const Hole *hole_at(const HoleVec *h, uint32_t offset) {
  for (uint32_t i = 0; i < h->n; i++)
    if (h->v[i].offset == offset) return &h->v[i];
  return NULL;
}

/* Bytes at the end of stencil w that only jump to the next stencil:
     x86-64   e9 rel32 (jmp), a PC32 or PLT32 hole to HOLE_CONTINUE at size - 4, addend -4
     AArch64  b imm26 (000101 in the top bits), a JUMP26 hole to HOLE_CONTINUE at size - 4,
              addend 0 */
static uint32_t tail_jump(const Extract *x, const Work *w) {
  if (w->size < (x->arch == ARCH_X86_64 ? 5u : 4u)) return 0;
  const Hole *h = hole_at(&w->holes, w->size - 4);
  if (!h || h->value != HOLE_CONTINUE) return 0;
  if (x->arch == ARCH_X86_64)
    return w->code[w->size - 5] == 0xe9 && (h->reloc == RELOC_X86_64_PC32 || h->reloc == RELOC_X86_64_PLT32) &&
                   h->addend == -4
               ? 5
               : 0;
  uint32_t insn;
  memcpy(&insn, w->code + w->size - 4, 4);
  return insn >> 26 == 0x05 && h->reloc == RELOC_AARCH64_JUMP26 && h->addend == 0 ? 4 : 0;
}

static void finish(Extract *x, StencilSet *set) {
  Stencil *stencils = xcalloc(x->nwork, sizeof *stencils);
  for (uint32_t i = 0; i < x->nwork; i++) {
    Work *w = &x->work[i];
    if (w->holes.n) qsort(w->holes.v, w->holes.n, sizeof *w->holes.v, hole_order);
    stencils[i] = (Stencil){.name = w->name, .code = w->code, .size = w->size, .tail_jump = tail_jump(x, w),
                            .holes = w->holes.n ? w->holes.v : NULL, .nholes = w->holes.n};
    if (!w->holes.n) free(w->holes.v);
    w->name = NULL;  /* now the set's */
    w->code = NULL;
    w->holes = (HoleVec){0};
  }
  if (x->shared_holes.n) qsort(x->shared_holes.v, x->shared_holes.n, sizeof *x->shared_holes.v, hole_order);
  *set = (StencilSet){
    .arch = x->arch,
    .stencils = stencils,
    .nstencils = x->nwork,
    .shared = x->shared,
    .shared_size = x->shared_size,
    .shared_align = x->shared_align,
    .shared_holes = x->shared_holes.n ? x->shared_holes.v : NULL,
    .nshared_holes = x->shared_holes.n,
    .symbols = (const char *const *)x->symbols,
    .nsymbols = x->nsymbols,
  };
  if (!x->shared_holes.n) free(x->shared_holes.v);
  if (!x->nsymbols) {
    free(x->symbols);
    set->symbols = NULL;
  }
  x->shared = NULL;  /* now the set's */
  x->shared_holes = (HoleVec){0};
  x->symbols = NULL;
  x->nsymbols = 0;
}

/* Frees what the stages built and the set does not own. */
static void extract_cleanup(Extract *x) {
  for (uint32_t i = 0; i < x->nwork; i++) {
    free(x->work[i].name);
    free(x->work[i].code);
    free(x->work[i].holes.v);
  }
  for (uint32_t i = 0; i < x->nsymbols; i++) free(x->symbols[i]);
  free(x->symbols);
  free(x->work);
  free(x->sh);
  free(x->syms);
  free(x->stencil_of);
  free(x->shared_at);
  free(x->shared);
  free(x->shared_holes.v);
  free(x->pending);
}

bool extract_parse(const uint8_t *obj, size_t len, StencilSet *set, char *err, size_t errcap) {
  Extract x = {.obj = obj, .len = len, .err = err, .errcap = errcap};
  *set = (StencilSet){0};
  if (errcap) err[0] = '\0';
  bool ok = read_object(&x) && find_stencils(&x) && place_shared(&x) && read_relocs(&x);
  if (ok) {
    name_symbols(&x);
    finish(&x, set);
  }
  extract_cleanup(&x);
  return ok;
}

void extract_free(StencilSet *set) {
  for (uint32_t i = 0; i < set->nstencils; i++) {
    free((void *)set->stencils[i].name);
    free((void *)set->stencils[i].code);
    free((void *)set->stencils[i].holes);
  }
  for (uint32_t i = 0; i < set->nsymbols; i++) free((void *)set->symbols[i]);
  free((void *)set->stencils);
  free((void *)set->shared);
  free((void *)set->shared_holes);
  free((void *)set->symbols);
  *set = (StencilSet){0};
}

/* --- the C header --------------------------------------------------------------- */

/* Appends s for a C comment: no "*" "/" pair, no line break. */
static void put_comment_text(Buf *out, const char *s) {
  for (s = s ? s : "(unnamed input)"; *s; s++) {
    if (*s == '\n' || *s == '\r') buf_putc(out, ' ');
    else if (*s == '*' && s[1] == '/') buf_puts(out, "* ");
    else buf_putc(out, *s);
  }
}

/* Appends `static const uint8_t SET__KINDNAME[n]` with the bytes p[0..n), 16 a line. */
static void put_bytes(Buf *out, const char *set, const char *kind, const char *name, const uint8_t *p, uint32_t n) {
  buf_printf(out, "static const uint8_t %s__%s%s[%u] = {\n", set, kind, name, n);
  for (uint32_t i = 0; i < n; i++)
    buf_printf(out, "%s0x%02x,%s", i % 16 == 0 ? "  " : "", p[i], i % 16 == 15 || i + 1 == n ? "\n" : " ");
  buf_puts(out, "};\n");
}

/* Appends `static const Hole SET__KINDNAME[n]` (nothing when n is 0). */
static void put_holes(Buf *out, const StencilSet *set, const char *s, const char *kind, const char *name,
                      const Hole *h, uint32_t n) {
  if (!n) return;
  buf_printf(out, "static const Hole %s__%s%s[%u] = {\n", s, kind, name, n);
  buf_puts(out, "  /* offset, reloc, value, target, addend */\n");
  for (uint32_t i = 0; i < n; i++) {
    buf_printf(out, "  {0x%x, %s, %s, ", h[i].offset, reloc_enum[h[i].reloc], hole_enum[h[i].value]);
    if (h[i].value == HOLE_SHARED) buf_printf(out, "0x%x", h[i].target);
    else buf_printf(out, "%u", h[i].target);
    if (h[i].addend == INT64_MIN) buf_puts(out, ", INT64_MIN},");
    else buf_printf(out, ", %lld},", (long long)h[i].addend);
    if (h[i].value == HOLE_SYMBOL && h[i].target < set->nsymbols) buf_printf(out, "  /* %s */", set->symbols[h[i].target]);
    buf_putc(out, '\n');
  }
  buf_puts(out, "};\n");
}

void extract_write_header(const StencilSet *set, const char *set_name, const char *input_name, Buf *out) {
  ASSERT(is_identifier(set_name), "the set name is a C identifier");
  const char *s = set_name;
  buf_printf(out, "/* %s: the copy-and-patch stencils for %s, from ", s, arch_title[set->arch]);
  put_comment_text(out, input_name);
  buf_puts(out, ".\n * Generated by tessera-extract, do not edit (the extractor: jit/host/extract.c).\n");
  buf_printf(out, " * %u stencils, a shared blob of %u bytes, %u run-time symbols. Include it from exactly\n",
             set->nstencils, set->shared_size, set->nsymbols);
  buf_printf(out, " * one .c file: it defines the StencilSet %s (jit/stencil.h). */\n", s);
  buf_puts(out, "#include \"stencil.h\"\n\n");

  buf_printf(out, "/* The shared blob: %u bytes, aligned to %u, and its holes. */\n", set->shared_size, set->shared_align);
  if (set->shared_size) put_bytes(out, s, "blob", "", set->shared, set->shared_size);
  put_holes(out, set, s, "blob_holes", "", set->shared_holes, set->nshared_holes);
  if (set->nsymbols) {
    buf_puts(out, "\n/* The run-time symbols HOLE_SYMBOL holes name, sorted (their addresses: the symbols .c file). */\n");
    buf_printf(out, "static const char *const %s__symbols[%u] = {\n", s, set->nsymbols);
    for (uint32_t i = 0; i < set->nsymbols; i++) {
      buf_puts(out, "  ");
      buf_quote(out, set->symbols[i], strlen(set->symbols[i]));
      buf_puts(out, ",\n");
    }
    buf_puts(out, "};\n");
  }

  for (uint32_t i = 0; i < set->nstencils; i++) {
    const Stencil *st = &set->stencils[i];
    buf_printf(out, "\n/* %s: %u bytes", st->name, st->size);
    if (st->tail_jump) buf_printf(out, ", the last %u a jump to the next stencil", st->tail_jump);
    buf_printf(out, "; %u holes. */\n", st->nholes);
    put_bytes(out, s, "code_", st->name, st->code, st->size);
    put_holes(out, set, s, "holes_", st->name, st->holes, st->nholes);
  }

  buf_printf(out, "\nstatic const Stencil %s__stencils[%u] = {\n", s, set->nstencils);
  buf_puts(out, "  /* name, code, size, tail_jump, holes, nholes */\n");
  for (uint32_t i = 0; i < set->nstencils; i++) {
    const Stencil *st = &set->stencils[i];
    buf_printf(out, "  {\"%s\", %s__code_%s, %u, %u, ", st->name, s, st->name, st->size, st->tail_jump);
    if (st->nholes) buf_printf(out, "%s__holes_%s, %u},\n", s, st->name, st->nholes);
    else buf_puts(out, "NULL, 0},\n");
  }
  buf_puts(out, "};\n\n");

  buf_printf(out, "const StencilSet %s = {\n", s);
  buf_printf(out, "  .arch = %s,\n", arch_enum[set->arch]);
  buf_printf(out, "  .stencils = %s__stencils,\n  .nstencils = %u,\n", s, set->nstencils);
  if (set->shared_size) buf_printf(out, "  .shared = %s__blob,\n", s);
  else buf_puts(out, "  .shared = NULL,\n");
  buf_printf(out, "  .shared_size = %u,\n  .shared_align = %u,\n", set->shared_size, set->shared_align);
  if (set->nshared_holes) buf_printf(out, "  .shared_holes = %s__blob_holes,\n", s);
  else buf_puts(out, "  .shared_holes = NULL,\n");
  buf_printf(out, "  .nshared_holes = %u,\n", set->nshared_holes);
  if (set->nsymbols) buf_printf(out, "  .symbols = %s__symbols,\n", s);
  else buf_puts(out, "  .symbols = NULL,\n");
  buf_printf(out, "  .nsymbols = %u,\n};\n", set->nsymbols);
}

void extract_write_symbols(const StencilSet *set, const char *set_name, const char *input_name, Buf *out) {
  ASSERT(is_identifier(set_name), "the set name is a C identifier");
  buf_printf(out, "/* The addresses of the run-time symbols of the stencil set %s, from ", set_name);
  put_comment_text(out, input_name);
  buf_puts(out, ",\n * in the order of its symbols. Generated by tessera-extract, do not edit.\n");
  buf_puts(out, " * jit_runtime_symbols.h declares every name (functions and data alike). */\n");
  buf_puts(out, "#include \"jit_runtime_symbols.h\"\n\n");
  if (set->nsymbols) {
    buf_printf(out, "const JitSymbol %s_symbols[] = {\n", set_name);
    for (uint32_t i = 0; i < set->nsymbols; i++)
      buf_printf(out, "  {\"%s\", (void *)&%s},\n", set->symbols[i], set->symbols[i]);
    buf_puts(out, "};\n");
  } else {
    buf_printf(out, "const JitSymbol %s_symbols[1] = {{0, 0}};  /* none: C has no empty arrays */\n", set_name);
  }
  buf_printf(out, "const uint32_t %s_nsymbols = %u;\n", set_name, set->nsymbols);
}

bool extract_stencils(const uint8_t *obj, size_t len, const char *set_name, const char *input_name,
                      Buf *header_out, Buf *symbols_c_out, char *err, size_t errcap) {
  if (!is_identifier(set_name)) {
    snprintf(err, errcap, "set name \"%s\" is not a C identifier", set_name);
    return false;
  }
  StencilSet set;
  if (!extract_parse(obj, len, &set, err, errcap)) return false;
  extract_write_header(&set, set_name, input_name, header_out);
  if (symbols_c_out) extract_write_symbols(&set, set_name, input_name, symbols_c_out);
  extract_free(&set);
  return true;
}
