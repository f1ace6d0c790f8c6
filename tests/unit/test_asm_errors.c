/* test_asm_errors.c: the assembler rejects malformed .tas sources with a specific
 * message at the right line ("NAME:LINE: why"), surfaces verifier failures naming the
 * file and the function ("NAME: function 'F' offset N (op): why"), and accepts valid
 * sources, which then round-trip: write -> load -> dis -> asm -> write, same bytes.
*/
#include <math.h>
#include <string.h>

#include "asm.h"
#include "check.h"
#include "module.h"
#include "opcodes.h"

/* ---- Rejections ---- */

#define NO_LINE (-1) /* a verifier message: "t.tas: ..." with no line number */

typedef struct {
  const char *what;
  const char *src;
  size_t len;  /* 0: strlen(src) */
  int line;    /* expected line, or NO_LINE */
  const char *why;
} AsmCase;

static void expect_error(const AsmCase *c) {
  Module m;
  Diag d;
  memset(&d, 0, sizeof d);
  AsmLabels labels = {0};
  size_t len = c->len ? c->len : strlen(c->src);
  bool ok = asm_assemble(c->src, len, "t.tas", &m, &labels, &d);
  char prefix[64];
  if (c->line == NO_LINE) snprintf(prefix, sizeof prefix, "t.tas: ");
  else snprintf(prefix, sizeof prefix, "t.tas:%d: ", c->line);
  CHECK_MSG(!ok, "%s: assembled", c->what);
  CHECK_MSG(strncmp(d.msg, prefix, strlen(prefix)) == 0, "%s: message \"%s\" does not start with \"%s\"", c->what,
            d.msg, prefix);
  CHECK_MSG(strstr(d.msg, c->why) != NULL, "%s: message \"%s\" lacks \"%s\"", c->what, d.msg, c->why);
  if (ok) {
    module_free(&m);
    asm_labels_free(&labels);
    return;
  }
  /* A failed assembly leaves nothing behind. */
  CHECK_MSG(m.nfuncs == 0 && m.nconsts == 0 && m.nglobals == 0 && !m.funcs && !m.consts, "%s: module not cleared",
            c->what);
  CHECK_MSG(labels.len == 0 && !labels.items, "%s: labels not cleared", c->what);
}

/* Minimal valid function, for sources whose error is elsewhere. */
#define MAIN ".func main\n    push_nil\n    return\n.end\n"

static void test_errors(void) {
  static const char nul_src[] = ".func main\n    push_nil\n    re\0turn\n.end\n";
  static const char nul_comment_src[] = "; ok\n; a \0 in a comment\n" MAIN;
  const AsmCase cases[] = {
    /* instructions and directives */
    {"unknown instruction", ".func main\n    push_nil\n    frobnicate\n    return\n.end\n", 0, 3,
     "unknown instruction 'frobnicate'"},
    {"mnemonic in upper case", ".func main\n    PUSH_NIL\n    return\n.end\n", 0, 2, "unknown instruction 'PUSH_NIL'"},
    {"unknown directive", ".global g\n.frob x\n" MAIN, 0, 2, "unknown directive '.frob'"},
    {"unknown directive inside a function", ".func main\n    push_nil\n    .frob\n    return\n.end\n", 0, 3,
     "unknown directive '.frob'"},
    {".global inside a function", ".func main\n    push_nil\n.global g\n    return\n.end\n", 0, 3,
     ".global inside a function"},
    {".const inside a function", ".func main\n    push_nil\n    .const 5\n    return\n.end\n", 0, 3,
     ".const inside a function"},
    /* operands */
    {"missing integer operand", ".func main\n    push_int\n    return\n.end\n", 0, 2,
     "push_int needs an integer in -32768..32767, found ''"},
    {"push_int 40000", ".func main\n    push_int 40000\n    return\n.end\n", 0, 2,
     "push_int needs an integer in -32768..32767, found '40000'"},
    {"push_int -32769", ".func main\n    push_int -32769\n    return\n.end\n", 0, 2,
     "push_int needs an integer in -32768..32767, found '-32769'"},
    {"push_int 1.5", ".func main\n    push_int 1.5\n    return\n.end\n", 0, 2,
     "push_int needs an integer in -32768..32767, found '1.5'"},
    {"call 256", ".func main\n    push_func main\n    call 256\n    return\n.end\n", 0, 3,
     "call needs an integer in 0..255, found '256'"},
    {"load_local -1", ".func main locals=1\n    load_local -1\n    return\n.end\n", 0, 2,
     "load_local needs an integer in 0..65535, found '-1'"},
    {"array_new 65536", ".func main\n    array_new 65536\n    return\n.end\n", 0, 2,
     "array_new needs an integer in 0..65535, found '65536'"},
    {"missing label operand", ".func main\n    jump\n.end\n", 0, 2, "expected a label name, found ''"},
    {"missing function operand", ".func main\n    push_func\n    return\n.end\n", 0, 2,
     "expected a function name, found ''"},
    {"missing literal", ".func main\n    push_const\n    return\n.end\n", 0, 2,
     "expected a literal (int, float or \"string\"), found ''"},
    {"bad literal: word", ".func main\n    push_const abc\n    return\n.end\n", 0, 2,
     "expected a literal (int, float or \"string\"), found 'abc'"},
    {"bad literal: two dots", ".func main\n    push_const 1.2.3\n    return\n.end\n", 0, 2,
     "expected a literal (int, float or \"string\"), found '1.2.3'"},
    {"float literal out of range", ".const 1e400\n" MAIN, 0, 1, "found '1e400'"},
    {"bad literal: hex", ".const 0x10\n" MAIN, 0, 1, "expected a literal (int, float or \"string\"), found '0x10'"},
    {"bad literal: int overflow", ".func main\n    push_const 9223372036854775808\n    return\n.end\n", 0, 2,
     "found '9223372036854775808'"},
    {"bad literal: -nan", ".const -nan\n" MAIN, 0, 1, "found '-nan'"},
    {"bad escape", ".func main\n    push_const \"a\\qb\"\n    return\n.end\n", 0, 2,
     "unknown escape '\\q' (use \\n \\t \\r \\\\ \\\" \\xHH)"},
    {"bad escape in .const", "\n\n.const \"\\0\"\n" MAIN, 0, 3, "unknown escape '\\0'"},
    {"\\x with one hex digit", ".func main\n    push_const \"\\x4\"\n    return\n.end\n", 0, 2,
     "\\x needs two hex digits"},
    {"\\x with non-hex digits", ".const \"\\xg0\"\n" MAIN, 0, 1, "\\x needs two hex digits"},
    {"unterminated string", ".func main\n    push_const \"abc\n    return\n.end\n", 0, 2, "unterminated string"},
    {"string ending in a backslash", ".const \"abc\\\n" MAIN, 0, 1, "unterminated string"},
    /* labels */
    {"unknown label", ".func main\n    push_true\n    jump_if_false nowhere\n    push_nil\n    return\n.end\n", 0, 3,
     "undefined label 'nowhere'"},
    {"label of another function", ".func f\nthere:\n    push_nil\n    return\n.end\n"
                                  ".func main\n    jump there\n.end\n", 0, 7, "undefined label 'there'"},
    {"duplicate label", ".func main\ntop:\n    push_nil\ntop:  pop\n    push_nil\n    return\n.end\n", 0, 4,
     "label 'top' defined twice"},
    {"jump backward", ".func main\ntop:\n    push_true\n    jump_if_true top\n    push_nil\n    return\n.end\n", 0, 4,
     "jump to 'top' goes backward (use loop)"},
    {"jump to itself", ".func main\nhere: jump here\n.end\n", 0, 2, "jump to 'here' goes backward (use loop)"},
    {"loop forward", ".func main\n    loop done\n    push_nil\ndone:\n    push_nil\n    return\n.end\n", 0, 2,
     "loop to 'done' goes forward (use jump)"},
    /* offset 0 would be a loop to the next instruction: forward, not backward */
    {"loop to the next instruction", ".func main\n    push_nil\n    loop after\nafter:\n    return\n.end\n", 0, 3,
     "loop to 'after' goes forward (use jump)"},
    {"label outside a function", "stray:\n" MAIN, 0, 1, "label 'stray' outside a function"},
    {"label between functions", MAIN "between:\n.func f\n    push_nil\n    return\n.end\n", 0, 5,
     "label 'between' outside a function"},
    /* .try */
    {".try outside a function", ".try a b h\n" MAIN, 0, 1, ".try outside a function"},
    {".try between functions", MAIN ".try a b h\n.func f\n    push_nil\n    return\n.end\n", 0, 5,
     ".try outside a function"},
    {".try with an unplaced handler label",
     ".func main\n    .try a b x\na:  push_nil\nb:  return\n.end\n", 0, 2, "undefined label 'x' in .try"},
    {".try with an unplaced range label",
     ".func main\n    push_nil\n    .try s b h\nb:  return\nh:  return\n.end\n", 0, 3, "undefined label 's' in .try"},
    {".try naming a label of another function",
     ".func f\nh:  push_nil\n    return\n.end\n.func main\n    .try a b h\na:  push_nil\nb:  return\n.end\n", 0, 6,
     "undefined label 'h' in .try"},
    {".try with two labels", ".func main\n    .try a b\na:  push_nil\nb:  return\n.end\n", 0, 2,
     "expected a handler label name, found ''"},
    {".try with no labels", ".func main\n    .try\n    push_nil\n    return\n.end\n", 0, 2,
     "expected a range start label name, found ''"},
    {".try with a number for a label", ".func main\n    .try a 5 h\na:  push_nil\nh:  return\n.end\n", 0, 2,
     "expected a range end label name, found '5'"},
    {".try with trailing text", ".func main\n    .try a b h extra\na:  push_nil\nb:  return\nh:  return\n.end\n", 0,
     2, "unexpected text after .try"},
    /* names */
    {"unknown function", ".func main\n    push_func nope\n    return\n.end\n", 0, 2, "unknown function 'nope'"},
    /* builtins are named, never numbered; the names are vm/builtin.h's, lower case */
    {"unknown builtin", ".func main\n    push_builtin nosuch\n    return\n.end\n", 0, 2,
     "unknown builtin 'nosuch' (docs/semantics.md section 28)"},
    {"builtin name in upper case", ".func main\n    push_builtin SQRT\n    return\n.end\n", 0, 2,
     "unknown builtin 'SQRT'"},
    {"a function's name is not a builtin's", ".func f\n    push_nil\n    return\n.end\n"
                                             ".func main\n    push_builtin f\n    return\n.end\n", 0, 6,
     "unknown builtin 'f'"},
    {"missing builtin operand", ".func main\n    push_builtin\n    return\n.end\n", 0, 2,
     "expected a builtin name, found ''"},
    {"builtin by number", ".func main\n    push_builtin 0\n    return\n.end\n", 0, 2,
     "expected a builtin name, found '0'"},
    {"unknown global", ".func main\n    load_global g\n    return\n.end\n", 0, 2,
     "unknown global 'g' (declare it with .global)"},
    {"global name not an identifier", ".global 1x\n" MAIN, 0, 1, "expected a global name, found '1x'"},
    {"missing global name", MAIN ".global\n", 0, 5, "expected a global name, found ''"},
    {"function name not an identifier", ".func 9lives\n    push_nil\n    return\n.end\n" MAIN, 0, 1,
     "expected a function name, found '9lives'"},
    {"duplicate global", ".global g\n.global h\n.global g\n" MAIN, 0, 3, "global 'g' declared twice"},
    {"duplicate function", MAIN ".func main\n    push_true\n    return\n.end\n", 0, 5, "function 'main' defined twice"},
    {"duplicate .const int", ".const 1\n.const 1.0\n.const 1\n" MAIN, 0, 3, "constant declared twice"},
    {"duplicate .const float", ".const -0.0\n.const 0.0\n.const -0.0\n" MAIN, 0, 3, "constant declared twice"},
    {"duplicate .const string", ".const \"a\\x00b\"\n.const \"a\\x00c\"\n.const \"a\\x00b\"\n" MAIN, 0, 3,
     "constant declared twice"},
    {"duplicate .const nan", ".const nan\n.const nan\n" MAIN, 0, 2, "constant declared twice"},
    /* .func parameters */
    {"params=256", ".func main params=256\n    push_nil\n    return\n.end\n", 0, 1,
     "params= must be an integer in 0..255"},
    {"locals=-1", ".func main locals=-1\n    push_nil\n    return\n.end\n", 0, 1,
     "locals= must be an integer in 0..65535"},
    {"unknown .func key", ".func main bogus\n    push_nil\n    return\n.end\n", 0, 1,
     "expected params=N or locals=N, found 'bogus'"},
    /* structure */
    {"instruction outside a function", "push_nil\n" MAIN, 0, 1, "instruction outside a function"},
    {"instruction after .end", MAIN "    return\n", 0, 5, "instruction outside a function"},
    {"missing .end", ".func main\n    push_nil\n    return\n", 0, 1, "function 'main' has no .end"},
    {".end outside a function", MAIN ".end\n", 0, 5, ".end outside a function"},
    {"nested .func", ".func main\n    push_nil\n.func inner\n    return\n.end\n.end\n", 0, 3,
     ".func inside function 'main' (missing .end)"},
    {"empty function", MAIN "\n.func f\n; nothing here\n.end\n", 0, 8, "function 'f' has no instructions"},
    {"empty function with a label", ".func f\nonly:\n.end\n" MAIN, 0, 3, "function 'f' has no instructions"},
    {"no functions", "; just a comment\n.global g\n", 0, 2, "no functions (a function 'main' is required)"},
    {"trailing word after an instruction", ".func main\n    push_nil extra\n    return\n.end\n", 0, 2,
     "unexpected text after instruction: 'extra'"},
    {"second operand", ".func main\n    push_int 5 6\n    return\n.end\n", 0, 2,
     "unexpected text after instruction: '6'"},
    {"text after a string operand", ".func main\n    push_const \"a\"b\n    return\n.end\n", 0, 2,
     "unexpected text after instruction: 'b'"},
    {"text after .end", ".func main\n    push_nil\n    return\n.end main\n", 0, 4, "unexpected text after .end"},
    {"text after .global", ".global g h\n" MAIN, 0, 1, "unexpected text after .global"},
    {"NUL byte in an instruction", nul_src, sizeof nul_src - 1, 3, "NUL byte in source"},
    {"NUL byte in a comment", nul_comment_src, sizeof nul_comment_src - 1, 2, "NUL byte in source"},
    /* label fixups report their own line; later lines must still count right */
    {"line numbers after a function with a jump",
     ".func f\n    push_true\n    jump_if_false out\nout:\n    push_nil\n    return\n.end\n"
     ".func main\n    bogus\n.end\n",
     0, 9, "unknown instruction 'bogus'"},
    /* verifier failures: the file and the function, offset and reason */
    {"stack underflow", ".func main\n    pop\n    push_nil\n    return\n.end\n", 0, NO_LINE,
     "function 'main' offset 0 (pop): stack underflow: pops 1 with depth 0"},
    {"stack underflow in a helper", MAIN ".func helper params=1\n    load_local 0\n    add\n    return\n.end\n", 0,
     NO_LINE, "function 'helper' offset 3 (add): stack underflow: pops 2 with depth 1"},
    {"call with too few values", ".func main\n    push_func main\n    call 1\n    return\n.end\n", 0, NO_LINE,
     "function 'main' offset 3 (call): stack underflow: pops 2 with depth 1"},
    {"unreachable after return", ".func main\n    push_nil\n    push_nil\n    return\n    push_nil\n.end\n", 0, NO_LINE,
     "function 'main' offset 3 (push_nil): unreachable"},
    {"falling off the end (no return)", ".func main\n    push_nil\n.end\n", 0, NO_LINE,
     "function 'main' offset 0 (push_nil): control falls off the end of the function"},
    {"depth mismatch at a join",
     ".func main\n    push_true\n    jump_if_false else\n    push_int 1\n    jump end\n"
     "else:\n    push_int 2\n    push_int 3\nend:\n    return\n.end\n",
     0, NO_LINE,
     "function 'main' offset 13 (push_int): stack depth mismatch at offset 16: 1 on one path, 2 on this one"},
    {"depth mismatch at a loop", ".func main\n    push_nil\ntop:\n    push_nil\n    loop top\n.end\n", 0, NO_LINE,
     "function 'main' offset 2 (loop): stack depth mismatch at loop target 1: 1 there, 2 here"},
    {"jump to a label at the very end", ".func main\n    jump out\n    push_nil\n    return\nout:\n.end\n", 0, NO_LINE,
     "function 'main' offset 0 (jump): jump target 5 is past the end of the code"},
    {"no main", ".func start\n    push_nil\n    return\n.end\n", 0, NO_LINE, "no function 'main' (the entry point)"},
    {"main with parameters", ".func main params=1\n    push_nil\n    return\n.end\n", 0, NO_LINE,
     "function 'main' must take no parameters (it takes 1)"},
    /* the verifier's rules for exception tables (bytecode.md section 3.2 rule 5) */
    {".try with its handler before its range",
     ".func main\nh:  push_nil\na:  push_nil\nb:  pop\n    return\n    .try a b h\n.end\n", 0, NO_LINE,
     "function 'main' handler 0 (range 1..2, handler 0): the handler is inside or before its range"},
    {".try with an empty range", ".func main\n    .try a a h\na:  push_nil\n    return\nh:  return\n.end\n", 0, NO_LINE,
     "function 'main' handler 0 (range 0..0, handler 2): its range is empty"},
    {".try whose handler is also reached with another depth",
     ".func main\n    .try a b h\na:  push_nil\nb:  push_nil\nh:  return\n.end\n", 0, NO_LINE,
     "function 'main' offset 1 (push_nil): stack depth mismatch at offset 2: 1 on one path, 2 on this one"},
    {".try whose range goes below its depth",
     ".func main\n    .try a b h\n    push_nil\na:  pop\n    push_nil\nb:  return\nh:  return\n.end\n", 0, NO_LINE,
     "function 'main' offset 2 (push_nil): stack depth 0 is below handler 0's depth 1"},
  };
  for (size_t i = 0; i < ARRAY_LEN(cases); i++) expect_error(&cases[i]);
}

/* A function one byte too long: 65533 nops, push_nil and return make exactly 65535
   bytes; one more nop before them makes the return (line 65537) overflow. */
static void test_code_limit(void) {
  for (int extra = 0; extra <= 1; extra++) {
    Buf src = {0};
    buf_puts(&src, ".func main\n");
    for (int i = 0; i < 65533 + extra; i++) buf_puts(&src, "nop\n");
    buf_puts(&src, "push_nil\nreturn\n.end\n");
    Module m;
    Diag d;
    memset(&d, 0, sizeof d);
    bool ok = asm_assemble(src.data, src.len, "t.tas", &m, NULL, &d);
    if (extra == 0) {
      CHECK_MSG(ok, "65535 bytes of code: %s", d.msg);
      if (ok) {
        CHECK(m.funcs[0].code_len == 65535);
        module_free(&m);
      }
    } else {
      CHECK(!ok);
      CHECK_STR(d.msg, "t.tas:65537: function 'main' is longer than 65535 bytes");
    }
    buf_free(&src);
  }
}

/* ---- Valid sources ---- */

/* Assembles src (must succeed), then checks write -> load -> dis -> asm -> write gives
   the same bytes and dis of the reloaded module is a fixed point. Returns the module. */
static bool assemble_round_trip(const char *what, const char *src, Module *out, AsmLabels *labels) {
  Diag d;
  memset(&d, 0, sizeof d);
  if (!asm_assemble(src, strlen(src), what, out, labels, &d)) {
    CHECK_MSG(false, "%s: rejected: %s", what, d.msg);
    return false;
  }
  Buf bytes1 = {0}, text = {0}, bytes2 = {0}, text2 = {0};
  module_write(out, &bytes1);
  Module loaded, again;
  bool ok = module_load((const uint8_t *)bytes1.data, bytes1.len, &loaded, &d);
  CHECK_MSG(ok, "%s: its bytes do not load: %s", what, d.msg);
  if (ok) {
    dis_module(&loaded, &text);
    bool ok2 = asm_assemble(text.data, text.len, "dis", &again, NULL, &d);
    CHECK_MSG(ok2, "%s: dis output does not assemble: %s\n%s", what, d.msg, text.data);
    if (ok2) {
      module_write(&again, &bytes2);
      CHECK_MSG(bytes2.len == bytes1.len && memcmp(bytes1.data, bytes2.data, bytes1.len) == 0,
                "%s: round trip changed the bytes\n%s", what, text.data);
      dis_module(&again, &text2);
      CHECK_MSG(text2.len == text.len && memcmp(text.data, text2.data, text.len) == 0, "%s: dis is not a fixed point",
                what);
      CHECK(again.main_func == out->main_func);
      module_free(&again);
    }
    module_free(&loaded);
  }
  buf_free(&bytes1);
  buf_free(&bytes2);
  buf_free(&text);
  buf_free(&text2);
  return true;
}

static int64_t label_offset(const AsmLabels *labels, const char *func, const char *label) {
  for (size_t i = 0; i < labels->len; i++)
    if (strcmp(labels->items[i].func, func) == 0 && strcmp(labels->items[i].label, label) == 0)
      return labels->items[i].offset;
  return -1;
}

static uint64_t bits_of(double f) {
  uint64_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static void test_valid(void) {
  /* Comments everywhere, labels on instruction lines, every escape, special floats. */
  static const char src[] =
    "; leading comment\n"
    "   ; indented comment\n"
    "\n"
    ".global counter   ; trailing comment\n"
    ".const \"pool only \\x7f\"\n"
    ".const -0.0\n"
    ".func main locals=1 ; comment after a directive\n"
    "    push_const \"t\\tq\\\"b\\\\n\\nr\\rz\\x00h\\x41;\"\n"
    "    pop;no space before the comment\n"
    "start: push_int 0 ; label on the same line\n"
    "    store_local 0\n"
    "top:\tload_local 0\n"
    "    push_int 3\n"
    "    lt\n"
    "    jump_if_false done\n"
    "    load_local 0\n"
    "    push_int 1\n"
    "    add\n"
    "    store_local 0\n"
    "    loop top\n"
    "done: push_const nan\n"
    "    push_const inf\n"
    "    push_const -inf\n"
    "    push_const -0.0\n"
    "    push_const 0.0\n"
    "    push_const 1e300\n"
    "    push_const 5e-324\n"
    "    push_const -9223372036854775808\n"
    "    push_const \"\"\n"
    "    push_int -32768\n"
    "    array_new 10\n"
    "    store_global counter\n"
    "    load_global counter\n"
    "    return\n"
    ".end ; the end\n";
  Module m;
  AsmLabels labels = {0};
  if (assemble_round_trip("features", src, &m, &labels)) {
    CHECK(m.nglobals == 1);
    CHECK(m.nfuncs == 1 && m.funcs[0].nlocals == 1 && m.funcs[0].max_stack == 10);
    CHECK(label_offset(&labels, "main", "start") == 4);
    CHECK(label_offset(&labels, "main", "top") == 10);
    CHECK(label_offset(&labels, "main", "done") == 33);
    /* Pool: the two .const entries in order, then literals in order of first use. */
    CHECK(m.nconsts == 11);
    if (m.nconsts == 11) {
      CHECK(m.consts[0].kind == CONST_STRING && m.consts[0].len == 11 &&
            memcmp(m.consts[0].s, "pool only \x7f", 11) == 0);
      CHECK(m.consts[1].kind == CONST_FLOAT && bits_of(m.consts[1].f) == 0x8000000000000000ull);
      static const char esc[] = "t\tq\"b\\n\nr\rz\0hA;";
      CHECK(m.consts[2].kind == CONST_STRING && m.consts[2].len == sizeof esc - 1 &&
            memcmp(m.consts[2].s, esc, sizeof esc - 1) == 0);
      CHECK(m.consts[3].kind == CONST_FLOAT && bits_of(m.consts[3].f) == CANONICAL_NAN_BITS);
      CHECK(m.consts[4].kind == CONST_FLOAT && isinf(m.consts[4].f) && m.consts[4].f > 0);
      CHECK(m.consts[5].kind == CONST_FLOAT && isinf(m.consts[5].f) && m.consts[5].f < 0);
      /* push_const -0.0 reuses constant 1; 0.0 is a new, distinct constant. */
      CHECK(m.consts[6].kind == CONST_FLOAT && bits_of(m.consts[6].f) == 0);
      CHECK(m.consts[7].kind == CONST_FLOAT && m.consts[7].f == 1e300);
      CHECK(m.consts[8].kind == CONST_FLOAT && bits_of(m.consts[8].f) == 1);
      CHECK(m.consts[9].kind == CONST_INT && m.consts[9].i == INT64_MIN);
      CHECK(m.consts[10].kind == CONST_STRING && m.consts[10].len == 0);
    }
    module_free(&m);
    asm_labels_free(&labels);
  }

  /* CRLF line endings, tabs, forward references to functions and labels, several
     functions, main not first. */
  static const char crlf[] =
    ".func main\r\n"
    "\tpush_func add3\r\n"
    "\tpush_int 1\r\n"
    "\tpush_int 2\r\n"
    "\tpush_int 3\r\n"
    "\tcall 3\r\n"
    "\tdup\r\n"
    "\tjump_if_true yes\r\n"
    "\treturn\r\n"
    "yes:\treturn\r\n"
    ".end\r\n"
    ".func add3 params=3\r\n"
    "\tload_local 0\r\n"
    "\tload_local 1\r\n"
    "\tadd\r\n"
    "\tload_local 2\r\n"
    "\tadd\r\n"
    "\treturn\r\n"
    ".end\r\n";
  if (assemble_round_trip("crlf", crlf, &m, NULL)) {
    CHECK(m.nfuncs == 2 && m.main_func == 0);
    CHECK(m.funcs[0].max_stack == 4 && m.funcs[1].max_stack == 2 && m.funcs[1].nparams == 3);
    module_free(&m);
  }

  /* main after a helper; no trailing newline; the self-loop is valid. */
  static const char tail[] = ".func spin\nhere: loop here\n.end\n.func main\n    push_func spin\n    return\n.end";
  if (assemble_round_trip("no final newline", tail, &m, NULL)) {
    CHECK(m.main_func == 1);
    CHECK(m.funcs[0].code_len == 3 && m.funcs[0].max_stack == 0);
    module_free(&m);
  }

  /* .try lines before and after their labels, in table order; the assembler computes
     each entry's depth (the operand stack depth at its start) as it computes max_stack,
     and the handler's entry depth (depth + 1) counts for max_stack. */
  static const char tries[] =
    ".func f params=1\n"
    "    .try a b h\n"
    "a:  push_int 12\n"
    "    load_local 0\n"
    "    idiv\n"
    "    return\n"
    "b:\n"
    "h:  return\n"
    ".end\n"
    ".func main\n"
    "    push_nil\n"
    "    push_nil\n"
    "in: push_func f\n"
    "    push_int 0\n"
    "    call 1\n"
    "ie: pop\n"
    "    .try in ie inner\n"
    "out: raise\n"
    "inner: pop\n"
    "    raise\n"
    "oe:\n"
    "outer: pop\n"
    "    return\n"
    "    .try in oe outer\n"
    ".end\n";
  if (assemble_round_trip(".try", tries, &m, &labels)) {
    CHECK(m.nfuncs == 2 && m.funcs[0].nhandlers == 1 && m.funcs[1].nhandlers == 2);
    if (m.nfuncs == 2 && m.funcs[0].nhandlers == 1 && m.funcs[1].nhandlers == 2) {
      const Handler *h = m.funcs[0].handlers;
      CHECK(h[0].start == 0 && h[0].end == 8 && h[0].handler == 8 && h[0].depth == 0);
      CHECK(m.funcs[0].max_stack == 2);
      h = m.funcs[1].handlers;
      CHECK(h[0].start == (uint32_t)label_offset(&labels, "main", "in") && h[0].start == 2);
      CHECK(h[0].end == (uint32_t)label_offset(&labels, "main", "ie") && h[0].end == 10);
      CHECK(h[0].handler == (uint32_t)label_offset(&labels, "main", "inner") && h[0].depth == 2);
      CHECK(h[1].start == 2 && h[1].end == (uint32_t)label_offset(&labels, "main", "oe") && h[1].depth == 2);
      CHECK(h[1].handler == (uint32_t)label_offset(&labels, "main", "outer"));
      CHECK(m.funcs[1].max_stack == 4);  /* 2, then f and its argument */
    }
    module_free(&m);
    asm_labels_free(&labels);
  }

  /* Every builtin by name, in number order (vm/builtin.h): push_builtin's one-byte
     operand is the number. A function may share a builtin's name: push_func sqrt and
     push_builtin sqrt name different things, and dis writes both back by name. */
  static const char builtins[] =
    ".func sqrt params=1\n"
    "    load_local 0\n"
    "    return\n"
    ".end\n"
    ".func main\n"
    "    push_builtin sqrt\n"
    "    push_builtin floor\n"
    "    push_builtin abs\n"
    "    push_builtin min\n"
    "    push_builtin max\n"
    "    push_builtin chr\n"
    "    push_builtin ord\n"
    "    push_func sqrt\n"
    "    array_new 8\n"
    "    return\n"
    ".end\n";
  if (assemble_round_trip("builtins", builtins, &m, NULL)) {
    CHECK(m.nfuncs == 2 && m.main_func == 1);
    if (m.nfuncs == 2) {
      const Function *f = &m.funcs[1];
      CHECK(f->code_len == 7 * 2 + 3 + 3 + 1 && f->max_stack == 8);
      for (uint32_t k = 0; k < 7 && f->code_len >= 14; k++)
        CHECK_MSG(f->code[2 * k] == OP_PUSH_BUILTIN && f->code[2 * k + 1] == k, "builtin %u", k);
      CHECK(f->code_len >= 15 && f->code[14] == OP_PUSH_FUNC);
      Buf text = {0};
      dis_module(&m, &text);
      CHECK_MSG(strstr(text.data, "    push_builtin sqrt\n    push_builtin floor\n") &&
                strstr(text.data, "    push_builtin ord\n    push_func sqrt\n"), "dis:\n%s", text.data);
      buf_free(&text);
    }
    module_free(&m);
  }

  /* Constants that look alike but are not duplicates. */
  static const char alike[] =
    ".const 1\n.const 1.0\n.const \"1\"\n.const 0.0\n.const -0.0\n.const \"a\\x00b\"\n.const \"a\\x00c\"\n"
    ".const inf\n.const -inf\n.const nan\n.const 1e300\n" MAIN;
  if (assemble_round_trip("look-alike constants", alike, &m, NULL)) {
    CHECK(m.nconsts == 11);
    module_free(&m);
  }
}

int main(void) {
  test_errors();
  test_code_limit();
  test_valid();
  return check_summary("test_asm_errors");
}
