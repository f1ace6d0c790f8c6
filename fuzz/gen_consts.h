/* gen_consts.h: the literals and operators that the generator's expressions and
 * statements pick from (with PICK, gen_decide.h): small ints, int and float edges,
 * divisors that are never zero, strings. */
#ifndef TESSERA_GEN_CONSTS_H
#define TESSERA_GEN_CONSTS_H

#include "gen_internal.h"

static const int16_t small_ints[] = {0, 1, -1, 2, 3, -2, 5, 7, 10, 31, 63, 64, 100, 255, 256, 1000, -1000, 4096, 32767, -32768};

/* Ints beyond push_int's 16 bits, the edges of every width that matters. */
static const char *const int_edges[] = {
  "-9223372036854775808", "-9223372036854775807", "9223372036854775807", "9223372036854775806",
  "4611686018427387904", "-4611686018427387904", "9007199254740993", "9007199254740992",
  "-9007199254740993", "4294967296", "4294967295", "-4294967296", "2147483648", "2147483647",
  "-2147483648", "-2147483649", "65536", "32768", "-32769", "1000000007",
};

/* Float literals: the IEEE edges, values near the int64 range, and ordinary ones. */
static const char *const float_edges[] = {
  "nan", "-0.0", "0.0", "inf", "-inf", "5e-324", "-5e-324", "2.2250738585072014e-308", "1e308", "-1e308",
  "1.7976931348623157e+308", "9.223372036854776e+18", "-9.223372036854776e+18", "9007199254740992.0",
  "9007199254740994.0", "1e16", "0.30000000000000004", "1.5", "-2.5", "0.1", "0.5", "3.0", "100.0", "-7.25",
};

/* Divisors that never raise division_by_zero: ints for int dividends, ints and floats
   (NaN and the infinities are not zero) for number dividends. */
static const char *const nonzero_int_divisors[] = {"1", "-1", "2", "3", "7", "-5", "1000", "-9223372036854775808"};
static const char *const nonzero_divisors[] = {
  "1", "-1", "2", "3", "7", "-5", "1000", "-9223372036854775808", "0.5", "-2.5", "1.5", "nan", "inf",
  "-inf", "5e-324", "1e308", "-0.1",
};

/* Non-empty strings (as .tas literals). */
static const char *const str_consts[] = {
  "\"a\"", "\"b\"", "\"ab\"", "\"xyz\"", "\"0\"", "\"12\"", "\"-7\"", "\"hello\"", "\"\\x00\"",
  "\"\\xff\\xfe\"", "\"a\\tb\"", "\"\\n\"", "\"\\xc3\\xa9\"", "\"nan\"", "\"[1, 2]\"", "\" \"",
};

/* Strings that to_int accepts. */
static const char *const numeric_strs[] = {
  "\"12\"", "\"-7\"", "\"0\"", "\"-0042\"", "\"+5\"", "\"9223372036854775807\"", "\"-9223372036854775808\"",
};

/* The comparisons: all six take two numbers or two strings. */
static const Opcode cmp_ops[] = {OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE};

#endif
