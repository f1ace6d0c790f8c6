/* test_semantics.c: the arithmetic helpers of semantics.h, render_float and the heap's
 * accounting (heap.h), each checked against an independent reference: __int128 for
 * integer arithmetic (and the trace optimizer's division by a constant), long double (exact for every int64 and every double) for mixed
 * comparisons, strtod for float text, the sizes documented in heap.h, and vm_fail's
 * details against snprintf. */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "heap.h"
#include "render.h"
#include "semantics.h"
#include "trace.h"

STATIC_ASSERT(LDBL_MANT_DIG >= 64, "the comparison reference needs long double to hold every int64 exactly");

typedef __int128 i128;
typedef unsigned __int128 u128;

/* ---- A deterministic PRNG (splitmix64) ---- */

static uint64_t rng_state = 0x5eed5eed12345678ull;

static uint64_t rng_next(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double bits_to_double(uint64_t u) {
  double f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static uint64_t double_bits(double f) {
  uint64_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

/* Interesting int64 values, plus random ones appended at start-up. */
static int64_t grid[64];
static size_t grid_len;

static void grid_init(void) {
  static const int64_t fixed[] = {
    INT64_MIN, INT64_MIN + 1, INT64_MIN + 2, -(INT64_C(1) << 53) - 1, -(INT64_C(1) << 32), -1000000007,
    -65536, -100, -7, -3, -2, -1, 0, 1, 2, 3, 7, 100, 65536, 1000000007, INT64_C(1) << 32,
    (INT64_C(1) << 53) + 1, INT64_C(0x5555555555555555), INT64_MAX - 2, INT64_MAX - 1, INT64_MAX,
  };
  for (size_t i = 0; i < ARRAY_LEN(fixed); i++) grid[grid_len++] = fixed[i];
  while (grid_len < ARRAY_LEN(grid)) {
    uint64_t r = rng_next();
    /* Mix magnitudes: full 64-bit, 32-bit and small values. */
    switch (grid_len % 3) {
    case 0: grid[grid_len++] = (int64_t)r; break;
    case 1: grid[grid_len++] = (int64_t)(int32_t)r; break;
    default: grid[grid_len++] = (int64_t)(int8_t)r; break;
    }
  }
}

/* The int64 with the same value as x modulo 2^64 (no implementation-defined casts). */
static int64_t wrap128(i128 x) {
  u128 m = (u128)1 << 64;
  u128 r = (u128)(((x % (i128)m) + (i128)m) % (i128)m);
  if (r >= ((u128)1 << 63)) return (int64_t)((i128)r - (i128)m);
  return (int64_t)r;
}

/* ---- Integer arithmetic ---- */

static void test_wrap(void) {
  int bad_add = 0, bad_sub = 0, bad_mul = 0, bad_neg = 0;
  for (size_t i = 0; i < grid_len; i++) {
    int64_t a = grid[i];
    if (sem_wrap_neg(a) != wrap128(-(i128)a)) bad_neg++;
    for (size_t j = 0; j < grid_len; j++) {
      int64_t b = grid[j];
      if (sem_wrap_add(a, b) != wrap128((i128)a + b)) bad_add++;
      if (sem_wrap_sub(a, b) != wrap128((i128)a - b)) bad_sub++;
      if (sem_wrap_mul(a, b) != wrap128((i128)a * b)) bad_mul++;
    }
  }
  CHECK_MSG(bad_add == 0, "%d wrong sums", bad_add);
  CHECK_MSG(bad_sub == 0, "%d wrong differences", bad_sub);
  CHECK_MSG(bad_mul == 0, "%d wrong products", bad_mul);
  CHECK_MSG(bad_neg == 0, "%d wrong negations", bad_neg);
  CHECK(sem_wrap_add(INT64_MAX, 1) == INT64_MIN);
  CHECK(sem_wrap_sub(INT64_MIN, 1) == INT64_MAX);
  CHECK(sem_wrap_mul(INT64_MIN, -1) == INT64_MIN);
  CHECK(sem_wrap_mul(INT64_C(1) << 32, INT64_C(1) << 32) == 0);
  CHECK(sem_wrap_neg(INT64_MIN) == INT64_MIN);
  CHECK(sem_wrap_neg(INT64_MAX) == INT64_MIN + 1);
}

/* floor(a / b) with b > 0, using only divisions of non-negative numbers. */
static i128 floor_div_pos(i128 a, i128 b) {
  if (a >= 0) return a / b;
  return -((-a + b - 1) / b);
}

static i128 ref_floordiv(i128 a, i128 b) { return b > 0 ? floor_div_pos(a, b) : floor_div_pos(-a, -b); }

static void test_floordiv_mod(void) {
  int bad_div = 0, bad_mod = 0, bad_law = 0;
  for (size_t i = 0; i < grid_len; i++) {
    for (size_t j = 0; j < grid_len; j++) {
      int64_t a = grid[i], b = grid[j];
      if (b == 0) continue;
      i128 q = ref_floordiv(a, b);
      i128 r = (i128)a - (i128)b * q;  /* exact: 0 <= |r| < |b|, sign of b */
      int64_t got_q = sem_int_floordiv(a, b), got_r = sem_int_mod(a, b);
      if (got_q != wrap128(q)) {
        if (bad_div++ < 5)
          fprintf(stderr, "  %" PRId64 " // %" PRId64 ": got %" PRId64 ", want %" PRId64 "\n", a, b, got_q, wrap128(q));
      }
      if ((i128)got_r != r) {
        if (bad_mod++ < 5)
          fprintf(stderr, "  %" PRId64 " %% %" PRId64 ": got %" PRId64 ", want %" PRId64 "\n", a, b, got_r, (int64_t)r);
      }
      /* a == b * (a // b) + a % b, modulo 2^64 (exact except for INT64_MIN // -1) */
      if (sem_wrap_add(sem_wrap_mul(b, got_q), got_r) != a) bad_law++;
    }
  }
  CHECK_MSG(bad_div == 0, "%d wrong floor quotients", bad_div);
  CHECK_MSG(bad_mod == 0, "%d wrong remainders", bad_mod);
  CHECK_MSG(bad_law == 0, "%d violations of a == b*(a//b) + a%%b", bad_law);
  /* The documented special cases. */
  CHECK(sem_int_floordiv(INT64_MIN, -1) == INT64_MIN);
  CHECK(sem_int_mod(INT64_MIN, -1) == 0);
  CHECK(sem_int_floordiv(-7, 2) == -4);
  CHECK(sem_int_mod(-7, 2) == 1);
  CHECK(sem_int_floordiv(7, -2) == -4);
  CHECK(sem_int_mod(7, -2) == -1);
  CHECK(sem_int_floordiv(-7, -2) == 3);
  CHECK(sem_int_mod(-7, -2) == -1);
  CHECK(sem_int_floordiv(INT64_MIN, 2) == INT64_MIN / 2);
  CHECK(sem_int_floordiv(INT64_MIN + 1, INT64_MIN) == 0);
  CHECK(sem_int_mod(INT64_MIN + 1, INT64_MIN) == INT64_MIN + 1);
  CHECK(sem_int_floordiv(INT64_MAX, INT64_MIN) == -1);
  CHECK(sem_int_mod(INT64_MAX, INT64_MIN) == -1);
  CHECK(sem_int_mod(INT64_MIN, INT64_MAX) == INT64_MAX - 1);
}

/* Shifts by repeated doubling and halving: nothing shared with the implementation. */
static int64_t ref_shl(int64_t a, int n) {
  uint64_t x = (uint64_t)a;
  for (int i = 0; i < n; i++) x += x;
  return wrap128((i128)x);
}

static int64_t ref_shr(int64_t a, int n) {
  i128 x = a;
  for (int i = 0; i < n; i++) x = (x - (x & 1)) / 2;  /* floor(x / 2), exactly */
  return (int64_t)x;
}

/* The trace optimizer's int_op_const (trace.h): idiv and mod by every divisor it takes
   (2 to 65535), as a multiplication, against the i128 reference, on the numerators where
   a multiplier's error would show first (around multiples of d, the ends of the range)
   and on random ones; the other ops against sem_int_op with random constants. */
static void test_int_op_const(void) {
  int bad = 0;
  for (uint32_t d = 2; d <= 0xffff; d++) {
    uint32_t shift;
    uint64_t m = trace_floor_div_multiplier(d, &shift);
    uint32_t div = OP_IDIV | shift << 8 | d << 16, mod = OP_MOD | shift << 8 | d << 16;
    int64_t top = INT64_MAX / d * d;
    int64_t xs[] = {0, 1, -1, d - 1, d, d + 1, -(int64_t)d, -(int64_t)d - 1, -(int64_t)d + 1, 2 * (int64_t)d - 1,
                    INT64_MAX, INT64_MAX - 1, INT64_MIN, INT64_MIN + 1, top, top - 1, -top, -top - 1, -top + 1,
                    (int64_t)rng_next(), (int64_t)rng_next(), (int64_t)(rng_next() >> 20), -(int64_t)(rng_next() >> 20)};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
      i128 q = ref_floordiv(xs[i], d), r = (i128)xs[i] - (i128)d * q;
      int64_t got_q = trace_int_op_const(div, m, xs[i]), got_r = trace_int_op_const(mod, m, xs[i]);
      if (((i128)got_q != q || (i128)got_r != r) && bad++ < 5)
        fprintf(stderr, "  %" PRId64 " by %u: got %" PRId64 " and %" PRId64 "\n", xs[i], d, got_q, got_r);
    }
  }
  CHECK_MSG(bad == 0, "%d wrong quotients or remainders by a constant", bad);
  const Opcode others[] = {OP_ADD, OP_SUB, OP_MUL, OP_BAND, OP_BOR, OP_BXOR, OP_SHL, OP_SHR};
  int bad_other = 0;
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
    for (int n = 0; n < 2000; n++) {
      int64_t x = (int64_t)rng_next(), k = (int64_t)rng_next();
      if (others[i] == OP_SHL || others[i] == OP_SHR) k = (int64_t)(rng_next() % 80);
      else if (n % 2) k = (int16_t)k;
      int64_t want = 0;
      (void)sem_int_op(NULL, others[i], x, k, &want);
      if (trace_int_op_const(others[i], (uint64_t)k, x) != want) bad_other++;
    }
  }
  CHECK_MSG(bad_other == 0, "%d wrong results of other ops with a constant", bad_other);
}

static void test_shifts(void) {
  int bad_shl = 0, bad_shr = 0;
  for (size_t i = 0; i < grid_len; i++) {
    for (int n = 0; n <= 70; n++) {
      int64_t a = grid[i];
      if (sem_shl(a, n) != ref_shl(a, n)) {
        if (bad_shl++ < 5) fprintf(stderr, "  %" PRId64 " << %d: got %" PRId64 "\n", a, n, sem_shl(a, n));
      }
      if (sem_shr(a, n) != ref_shr(a, n)) {
        if (bad_shr++ < 5) fprintf(stderr, "  %" PRId64 " >> %d: got %" PRId64 "\n", a, n, sem_shr(a, n));
      }
    }
    CHECK(sem_shl(grid[i], INT64_MAX) == 0);
    CHECK(sem_shr(grid[i], INT64_MAX) == (grid[i] < 0 ? -1 : 0));
  }
  CHECK_MSG(bad_shl == 0, "%d wrong left shifts", bad_shl);
  CHECK_MSG(bad_shr == 0, "%d wrong right shifts", bad_shr);
  CHECK(sem_shl(1, 63) == INT64_MIN);
  CHECK(sem_shl(1, 64) == 0);
  CHECK(sem_shr(-7, 1) == -4);
  CHECK(sem_shr(INT64_MIN, 63) == -1);
  CHECK(sem_shr(INT64_MIN, 64) == -1);
  CHECK(sem_shr(INT64_MAX, 62) == 1);
  CHECK(sem_shr(INT64_MAX, 63) == 0);
}

/* ---- Mixed int/float comparison ---- */

static int ref_cmp_int_float(int64_t i, double f) {
  if (isnan(f)) return SEM_UNORDERED;
  long double x = (long double)i, y = (long double)f;  /* both exact */
  return x < y ? -1 : (x > y ? 1 : 0);
}

static void test_cmp_int_float(void) {
  const double two53 = 9007199254740992.0, two63 = 9223372036854775808.0;
  /* The pairs named in the contract. */
  CHECK(sem_cmp_int_float((INT64_C(1) << 53) + 1, two53) == 1);
  CHECK(sem_cmp_int_float(INT64_C(1) << 53, two53) == 0);
  CHECK(sem_cmp_int_float((INT64_C(1) << 53) - 1, two53) == -1);
  CHECK(sem_cmp_int_float(INT64_MAX, two63) == -1);
  CHECK(sem_cmp_int_float(INT64_MAX, nextafter(two63, 0)) == 1);
  CHECK(sem_cmp_int_float(INT64_MIN, -two63) == 0);
  CHECK(sem_cmp_int_float(INT64_MIN + 1, -two63) == 1);
  CHECK(sem_cmp_int_float(INT64_MIN, nextafter(-two63, -INFINITY)) == 1);
  CHECK(sem_cmp_int_float(INT64_MIN, nextafter(-two63, 0)) == -1);
  CHECK(sem_cmp_int_float(0, NAN) == SEM_UNORDERED);
  CHECK(sem_cmp_int_float(0, -NAN) == SEM_UNORDERED);
  CHECK(sem_cmp_int_float(INT64_MAX, INFINITY) == -1);
  CHECK(sem_cmp_int_float(INT64_MIN, -INFINITY) == 1);
  CHECK(sem_cmp_int_float(0, -0.5) == 1);
  CHECK(sem_cmp_int_float(0, 0.5) == -1);
  CHECK(sem_cmp_int_float(-1, -0.5) == -1);
  CHECK(sem_cmp_int_float(1, 0.5) == 1);
  CHECK(sem_cmp_int_float(0, -0.0) == 0);
  CHECK(sem_cmp_int_float(0, 0.0) == 0);

  /* Every grid int against tricky doubles and against neighbours of its own value. */
  double floats[96];
  size_t nf = 0;
  const double fixed[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5,
                          two53, two53 + 2, -two53, two63, -two63, nextafter(two63, 0), nextafter(-two63, 0),
                          nextafter(-two63, -INFINITY), 2 * two63, DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN,
                          5e-324, -5e-324, 1e18, -1e18, 4611686018427387904.5 /* rounds to 2^62 */};
  for (size_t i = 0; i < ARRAY_LEN(fixed); i++) floats[nf++] = fixed[i];
  int bad = 0, checked = 0;
  for (size_t i = 0; i < grid_len; i++) {
    int64_t a = grid[i];
    double near[3] = {(double)a, nextafter((double)a, -INFINITY), nextafter((double)a, INFINITY)};
    for (size_t k = 0; k < nf + 3; k++) {
      double f = k < nf ? floats[k] : near[k - nf];
      int got = sem_cmp_int_float(a, f), want = ref_cmp_int_float(a, f);
      checked++;
      if (got != want) {
        if (bad++ < 5) fprintf(stderr, "  cmp(%" PRId64 ", %a): got %d, want %d\n", a, f, got, want);
      }
    }
  }
  /* Random doubles near the int64 range and random ints. */
  for (int k = 0; k < 200000; k++) {
    int64_t a = (int64_t)rng_next();
    double f;
    switch (k % 4) {
    case 0: f = bits_to_double(rng_next()); break;            /* anything, NaN included */
    case 1: f = (double)a; break;                             /* the int rounded */
    case 2: f = (double)(a >> (rng_next() % 64)) + 0.5; break; /* a half near an int */
    default: f = ldexp((double)(int64_t)rng_next(), -(int)(rng_next() % 80)); break;
    }
    if (k % 8 == 7) a >>= rng_next() % 64;
    int got = sem_cmp_int_float(a, f), want = ref_cmp_int_float(a, f);
    checked++;
    if (got != want) {
      if (bad++ < 5) fprintf(stderr, "  cmp(%" PRId64 ", %a): got %d, want %d\n", a, f, got, want);
    }
  }
  CHECK_MSG(bad == 0, "%d of %d int/float comparisons wrong", bad, checked);

  /* sem_equal and the ordering built on it agree with the exact comparison. */
  CHECK(!sem_equal(val_int((INT64_C(1) << 53) + 1), val_float(two53)));
  CHECK(sem_equal(val_int(INT64_C(1) << 53), val_float(two53)));
  CHECK(!sem_equal(val_int(INT64_MAX), val_float(two63)));
  CHECK(sem_equal(val_float(-0.0), val_float(0.0)));
  CHECK(sem_equal(val_int(0), val_float(-0.0)));
  CHECK(!sem_equal(val_float(NAN), val_float(NAN)));
  CHECK(sem_cmp_numbers(val_float(two53), val_int((INT64_C(1) << 53) + 1)) == -1);
  CHECK(sem_cmp_numbers(val_float(NAN), val_int(0)) == SEM_UNORDERED);
  CHECK(!sem_equal(val_int(1), val_bool(true)));
  CHECK(!sem_equal(val_nil(), val_bool(false)));
}

/* ---- Float floor division and modulo ---- */

static bool same_double(double a, double b) {
  return (isnan(a) && isnan(b)) || double_bits(a) == double_bits(b);
}

static void test_float_div_mod(void) {
  /* Sign rules: the remainder takes the divisor's sign; a zero remainder is a zero
     with the divisor's sign; |r| <= |b|. */
  const double as[] = {0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 7.0, -7.0, 1e300, -1e300, 5e-324, -5e-324,
                       6.0, -6.0, 1e-300, -1e-300, INFINITY, -INFINITY, NAN};
  const double bs[] = {0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 1e-300, -1e-300, 1e300, -1e300, INFINITY,
                       -INFINITY, NAN};
  int bad_sign = 0, bad_special = 0, bad_mag = 0;
  for (size_t i = 0; i < ARRAY_LEN(as); i++) {
    for (size_t j = 0; j < ARRAY_LEN(bs); j++) {
      double a = as[i], b = bs[j], r = sem_float_mod(a, b), q = sem_float_floordiv(a, b);
      if (isnan(a) || isnan(b) || isinf(a)) {
        if (!isnan(r)) bad_special++;
        continue;
      }
      if (isinf(b)) {
        /* finite a: a itself when the signs agree (or a is zero), else b. */
        double want = (a == 0.0) ? copysign(0.0, b) : (signbit(a) == signbit(b) ? a : b);
        if (!same_double(r, want)) {
          if (bad_special++ < 5) fprintf(stderr, "  %g %% %g: got %g, want %g\n", a, b, r, want);
        }
        continue;
      }
      if (isnan(r) || signbit(r) != signbit(b)) {
        if (bad_sign++ < 5) fprintf(stderr, "  %g %% %g = %g: sign is not the divisor's\n", a, b, r);
      }
      if (!(fabs(r) <= fabs(b))) bad_mag++;
      if (isnan(q) || q != floor(q)) bad_special++;
    }
  }
  CHECK_MSG(bad_sign == 0, "%d remainders without the divisor's sign", bad_sign);
  CHECK_MSG(bad_mag == 0, "%d remainders larger than the divisor", bad_mag);
  CHECK_MSG(bad_special == 0, "%d wrong results with nan or infinite operands", bad_special);

  /* Exact cases: multiples of 0.5 in -10..10 are exact, and their quotients are far
     from rounding onto an integer, so floor(a / b) and the remainder have exact
     integer references (scaled by 2). */
  int bad_q = 0, bad_r = 0;
  for (int x = -20; x <= 20; x++) {
    for (int y = -20; y <= 20; y++) {
      if (y == 0) continue;
      double a = x / 2.0, b = y / 2.0;
      double q = sem_float_floordiv(a, b), r = sem_float_mod(a, b);
      double want_q = (double)sem_int_floordiv(x, y), want_r = (double)sem_int_mod(x, y) / 2.0;
      if (want_q == 0.0 && signbit(a) != signbit(b)) want_q = -0.0;  /* floor(-0.x) is -0.0 */
      if (want_r == 0.0) want_r = copysign(0.0, b);
      if (!same_double(q, want_q)) {
        if (bad_q++ < 5) fprintf(stderr, "  %g // %g: got %g, want %g\n", a, b, q, want_q);
      }
      if (!same_double(r, want_r)) {
        if (bad_r++ < 5) fprintf(stderr, "  %g %% %g: got %g, want %g\n", a, b, r, want_r);
      }
    }
  }
  CHECK_MSG(bad_q == 0, "%d wrong float floor quotients", bad_q);
  CHECK_MSG(bad_r == 0, "%d wrong float remainders", bad_r);

  CHECK(same_double(sem_float_mod(7.5, 2), 1.5));
  CHECK(same_double(sem_float_mod(-7.5, 2), 0.5));
  CHECK(same_double(sem_float_mod(7.5, -2), -0.5));
  CHECK(same_double(sem_float_mod(-7.5, -2), -1.5));
  CHECK(same_double(sem_float_mod(6.0, -3.0), -0.0));
  CHECK(same_double(sem_float_mod(-6.0, 3.0), 0.0));
  CHECK(same_double(sem_float_mod(-0.0, 3.0), 0.0));
  CHECK(same_double(sem_float_mod(0.0, -3.0), -0.0));
  /* Floor division as semantics.h defines it (CPython's float //): derived from the
     exact remainder, so it floors the exact quotient and agrees with %. Expected
     values are CPython's. */
  CHECK(same_double(sem_float_floordiv(0.0, -3.0), -0.0));
  CHECK(same_double(sem_float_floordiv(-0.0, 3.0), -0.0));
  CHECK(same_double(sem_float_floordiv(-0.0, -3.0), 0.0));
  CHECK(same_double(sem_float_floordiv(7.5, 2), 3.0));
  CHECK(same_double(sem_float_floordiv(-7.5, 2), -4.0));
  CHECK(same_double(sem_float_floordiv(7.5, -2), -4.0));
  CHECK(same_double(sem_float_floordiv(-7.5, -2), 3.0));
  CHECK(same_double(sem_float_floordiv(1.0, 0.1), 9.0));  /* 0.1 is a little more than 1/10 */
  CHECK(same_double(sem_float_mod(1.0, 0.1), 0.09999999999999995));
  CHECK(same_double(sem_float_floordiv(-1.0, 0.1), -10.0));
  CHECK(same_double(sem_float_floordiv(5.0, INFINITY), 0.0));
  CHECK(same_double(sem_float_floordiv(-5.0, INFINITY), -1.0));
  CHECK(same_double(sem_float_floordiv(5.0, -INFINITY), -1.0));
  CHECK(same_double(sem_float_floordiv(-5.0, -INFINITY), 0.0));
  CHECK(isnan(sem_float_floordiv(INFINITY, 2)));
  CHECK(isnan(sem_float_floordiv(-INFINITY, 2)));
  CHECK(isnan(sem_float_floordiv(NAN, 2)));
  CHECK(isnan(sem_float_floordiv(2, NAN)));
  CHECK(same_double(sem_float_floordiv(1e308, 1e-308), INFINITY));

  /* Property: for random finite operands with |a / b| < 2^50, the quotient is the
     floor of the exact quotient q: a - q*b has the sign of b (or is 0) and a - (q+1)*b
     has the other sign. fma gives each residual with one rounding, which keeps its
     sign. The remainder has b's sign and |r| <= |b|. */
  int bad_floor = 0, bad_rem = 0, tried = 0;
  for (int k = 0; k < 200000; k++) {
    double a = ldexp((double)(int64_t)(rng_next() >> 11) / 9007199254740992.0, (int)(rng_next() % 120) - 60);
    double b = ldexp((double)(int64_t)(rng_next() >> 11) / 9007199254740992.0, (int)(rng_next() % 120) - 60);
    if (rng_next() & 1) a = -a;
    if (rng_next() & 1) b = -b;
    if (k % 4 == 0) b = (double)(int64_t)(rng_next() % 19) - 9.0;  /* small integers: many exact cases */
    if (k % 8 == 1) a = (double)(int64_t)(rng_next() % 2001) - 1000.0;
    if (b == 0.0 || !(fabs(a / b) < 1125899906842624.0)) continue;
    tried++;
    double q = sem_float_floordiv(a, b), r = sem_float_mod(a, b);
    double e0 = fma(-q, b, a), e1 = fma(-(q + 1.0), b, a);
    bool floor_ok = q == floor(q) && (e0 == 0.0 || signbit(e0) == signbit(b)) && e1 != 0.0 &&
                    signbit(e1) != signbit(b);
    if (!floor_ok) {
      if (bad_floor++ < 5) fprintf(stderr, "  %a // %a = %a is not the floor of the exact quotient\n", a, b, q);
    }
    if (isnan(r) || signbit(r) != signbit(b) || !(fabs(r) <= fabs(b))) {
      if (bad_rem++ < 5) fprintf(stderr, "  %a %% %a = %a: wrong sign or size\n", a, b, r);
    }
  }
  CHECK_MSG(bad_floor == 0, "%d of %d float floor divisions are not the exact floor", bad_floor, tried);
  CHECK_MSG(bad_rem == 0, "%d of %d float remainders with a wrong sign or size", bad_rem, tried);
}

/* ---- sem_parse_int ---- */

/* Reference: optional sign, then digits, accumulated in __int128 with an early stop. */
static bool ref_parse_int(const char *s, size_t n, int64_t *out) {
  size_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i == n) return false;
  i128 v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
    if (v > (i128)INT64_MAX + 1) return false;
  }
  if (neg) v = -v;
  if (v > INT64_MAX || v < INT64_MIN) return false;
  *out = (int64_t)v;
  return true;
}

static void check_parse(const char *s, size_t n, bool want_ok, int64_t want) {
  int64_t got = 12345;
  bool ok = sem_parse_int(s, (uint32_t)n, &got);
  CHECK_MSG(ok == want_ok && (!ok || got == want), "parse \"%.*s\": got %s %" PRId64 ", want %s %" PRId64, (int)n,
            s, ok ? "ok" : "rejected", got, want_ok ? "ok" : "rejected", want);
  if (!ok) CHECK_MSG(got == 12345, "a rejected parse must not write *out (\"%.*s\")", (int)n, s);
}

#define PARSE_OK(s, v) check_parse(s, strlen(s), true, v)
#define PARSE_BAD(s) check_parse(s, strlen(s), false, 0)

static void test_parse_int(void) {
  PARSE_OK("0", 0);
  PARSE_OK("-0", 0);
  PARSE_OK("+0", 0);
  PARSE_OK("42", 42);
  PARSE_OK("+42", 42);
  PARSE_OK("-42", -42);
  PARSE_OK("007", 7);
  PARSE_OK("-0000000000000000000000000000001", -1);
  PARSE_OK("9223372036854775807", INT64_MAX);
  PARSE_OK("-9223372036854775807", -INT64_MAX);
  PARSE_OK("-9223372036854775808", INT64_MIN);
  PARSE_OK("+9223372036854775807", INT64_MAX);
  PARSE_OK("00000000000000000000009223372036854775807", INT64_MAX);
  PARSE_BAD("");
  PARSE_BAD("-");
  PARSE_BAD("+");
  PARSE_BAD("--1");
  PARSE_BAD("+-1");
  PARSE_BAD("-+1");
  PARSE_BAD(" 1");
  PARSE_BAD("1 ");
  PARSE_BAD("1a");
  PARSE_BAD("0x10");
  PARSE_BAD("1e5");
  PARSE_BAD("1.0");
  PARSE_BAD("1_000");
  PARSE_BAD("9223372036854775808");
  PARSE_BAD("+9223372036854775808");
  PARSE_BAD("-9223372036854775809");
  PARSE_BAD("18446744073709551615");
  PARSE_BAD("18446744073709551616");
  PARSE_BAD("99999999999999999999999999999999999999999");
  PARSE_BAD("-99999999999999999999999999999999999999999");
  check_parse("12\0" "3", 4, false, 0);  /* an embedded NUL is not a digit */
  check_parse("123", 2, true, 12);       /* only n bytes are read */
  check_parse("-", 0, false, 0);

  /* Random digit strings, near the limits and far from them, against the reference. */
  int bad = 0;
  char s[48];
  for (int k = 0; k < 100000; k++) {
    size_t n = 0;
    uint64_t r = rng_next();
    if (r % 3 == 0) s[n++] = (r >> 2) % 2 ? '-' : '+';
    size_t digits = (size_t)(rng_next() % 22);
    for (size_t i = 0; i < digits; i++) s[n++] = (char)('0' + rng_next() % 10);
    if (rng_next() % 16 == 0 && n) s[rng_next() % n] = (char)(rng_next() % 256);  /* a stray byte */
    if (k % 10 == 0) {  /* exactly at the boundary: INT64_MAX or INT64_MIN, +-1 */
      int64_t base = k % 20 ? INT64_MAX : INT64_MIN;
      int delta = (int)(rng_next() % 3) - 1;
      i128 v = (i128)base + delta;
      bool neg = v < 0;
      u128 mag = neg ? (u128)(-v) : (u128)v;
      char tmp[48];
      size_t t = 0;
      do {
        tmp[t++] = (char)('0' + (int)(mag % 10));
        mag /= 10;
      } while (mag);
      n = 0;
      if (neg) s[n++] = '-';
      while (t) s[n++] = tmp[--t];
    }
    int64_t got = 0, want = 0;
    bool ok = sem_parse_int(s, (uint32_t)n, &got), want_ok = ref_parse_int(s, n, &want);
    if (ok != want_ok || (ok && got != want)) {
      if (bad++ < 5) fprintf(stderr, "  parse \"%.*s\": got %d %" PRId64 ", want %d %" PRId64 "\n", (int)n, s, ok, got,
                             want_ok, want);
    }
  }
  CHECK_MSG(bad == 0, "%d random parses disagree with the reference", bad);
}

/* ---- render_float ---- */

/* Significant digits in a rendering: the mantissa's digits without leading or trailing
   zeros (at least 1). */
static int significant_digits(const char *text) {
  char digits[40];
  int n = 0;
  for (const char *p = text; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9') digits[n++] = *p;
  int start = 0;
  while (start < n && digits[start] == '0') start++;
  while (n > start && digits[n - 1] == '0') n--;
  return n > start ? n - start : 1;
}

/* The decimal exponent of f written with d significant digits. */
static int decimal_exponent(double f, int d) {
  char sci[48];
  snprintf(sci, sizeof sci, "%.*e", d - 1, f);
  return atoi(strchr(sci, 'e') + 1);
}

/* The rule of render.h computed the slow way, with printf and strtod, as render_float
   did before decimal.c: the fewest significant digits (15 settle a normal double that
   reads back from 15; then 16; then 17) whose correctly rounded text reads back. */
static bool reads_back_printf(double f, int digits, char text[48]) {
  snprintf(text, 48, "%.*e", digits - 1, f);
  return strtod(text, NULL) == f;
}

static void reference_render(double f, char out[48]) { /* f finite and nonzero */
  char tried[48];
  int digits = 17;
  if (reads_back_printf(f, 15, tried) && fabs(f) >= DBL_MIN) {
    int zeros = 0;
    for (const char *e = strchr(tried, 'e'); e[-1 - zeros] == '0'; zeros++) {}
    digits = 15 - zeros;
  } else if (reads_back_printf(f, 15, tried)) { /* a subnormal */
    for (digits = 1; !reads_back_printf(f, digits, tried); digits++) {}
  } else if (reads_back_printf(f, 16, tried)) {
    digits = 16;
  }
  snprintf(tried, sizeof tried, "%.*e", digits - 1, f);
  int exp10 = atoi(strchr(tried, 'e') + 1);
  if (exp10 < -4 || exp10 >= 16) {
    strcpy(out, tried);
    return;
  }
  int decimals = digits - 1 - exp10;
  snprintf(out, 48, "%.*f%s", decimals > 0 ? decimals : 0, f, decimals > 0 ? "" : ".0");
}

/* render_float(f) is the reference's text; counts a difference. */
static void compare_render(double f, int *bad) {
  char want[48], got[32];
  reference_render(f, want);
  render_float(f, got);
  if (strcmp(want, got) != 0 && (*bad)++ < 5) fprintf(stderr, "  render_float(%a) = \"%s\", want \"%s\"\n", f, got, want);
}

/* Against the reference: every power of two and its neighbours (where the gap to the
   next double below halves), powers of ten and their neighbours, and random doubles of
   every exponent, subnormals, ints and short decimals. */
static void test_render_float_reference(void) {
  int bad = 0;
  for (uint64_t biased = 0; biased < 2047; biased++)
    for (uint64_t sign = 0; sign < 2; sign++) {
      double f = bits_to_double(sign << 63 | biased << 52);
      for (int step = -2; step <= 2; step++) {
        double g = f;
        for (int i = 0; i < abs(step); i++) g = nextafter(g, step < 0 ? 0.0 : (double)INFINITY);
        if (isfinite(g) && g != 0) compare_render(g, &bad);
      }
    }
  for (int e = -324; e <= 308; e++) {
    char text[32];
    snprintf(text, sizeof text, "1e%d", e);
    double f = strtod(text, NULL);
    for (int i = 0; i < 3 && f != 0 && isfinite(f); i++, f = nextafter(f, (double)INFINITY)) compare_render(f, &bad);
  }
  for (int k = 0; k < 60000; k++) {
    uint64_t u = rng_next();
    if (k % 4 == 1) u &= 0x800fffffffffffffull; /* subnormals */
    if (k % 4 == 2) u = double_bits((double)(int64_t)(rng_next() >> (rng_next() % 64)));
    if (k % 4 == 3) { /* short decimals, where ties and trailing zeros are */
      char text[48];
      snprintf(text, sizeof text, "%d.%de%d", (int)(rng_next() % 100000), (int)(rng_next() % 1000),
               (int)(rng_next() % 640) - 320);
      u = double_bits(strtod(text, NULL));
    }
    double f = bits_to_double(u);
    if (isfinite(f) && f != 0) compare_render(f, &bad);
  }
  CHECK_MSG(bad == 0, "%d renderings differ from printf and strtod's", bad);
}

static void check_render(double f, const char *want) {
  char buf[32];
  int n = render_float(f, buf);
  CHECK_MSG(n == (int)strlen(buf) && strcmp(buf, want) == 0, "render_float(%a): got \"%s\" (length %d), want \"%s\"",
            f, buf, n, want);
}

static void test_render_float(void) {
  check_render(0.1, "0.1");
  check_render(1.0 / 3.0, "0.3333333333333333");
  check_render(2.0 / 3.0, "0.6666666666666666");
  check_render(0.1 + 0.2, "0.30000000000000004");
  check_render(1e16, "1e+16");
  check_render(1e-7, "1e-07");
  check_render(5e-324, "5e-324");
  check_render(-5e-324, "-5e-324");
  check_render(DBL_MAX, "1.7976931348623157e+308");
  check_render(-DBL_MAX, "-1.7976931348623157e+308");
  check_render(DBL_MIN, "2.2250738585072014e-308");
  check_render(0.0, "0.0");
  check_render(-0.0, "-0.0");
  check_render(1.0, "1.0");
  check_render(-1.0, "-1.0");
  check_render(2.5, "2.5");
  check_render(123.0, "123.0");
  check_render(1e300, "1e+300");
  /* Positional for decimal exponents -4..15, scientific otherwise, as CPython's repr. */
  check_render(10.0, "10.0");
  check_render(100.0, "100.0");
  check_render(120.0, "120.0");
  check_render(1e15, "1000000000000000.0");
  check_render(1234567890123456.0, "1234567890123456.0");
  check_render(12345678901234568.0, "1.2345678901234568e+16");
  check_render(1e22, "1e+22");
  check_render(-1.5e16, "-1.5e+16");
  check_render(0.0001, "0.0001");
  check_render(0.00012345, "0.00012345");
  check_render(0.00001, "1e-05");
  check_render(-1.5e-5, "-1.5e-05");
  check_render(123456.789, "123456.789");
  check_render(0.5, "0.5");
  check_render(9007199254740992.0, "9007199254740992.0");
  check_render(9007199254740993.0, "9007199254740992.0");  /* the literal rounds to 2^53 */
  check_render(INFINITY, "inf");
  check_render(-INFINITY, "-inf");
  check_render(NAN, "nan");
  check_render(-NAN, "nan");
  check_render(bits_to_double(0x7ff8000000000000ull), "nan");
  check_render(bits_to_double(0xfff8000000000000ull), "nan");
  check_render(bits_to_double(0x7ff0000000000001ull), "nan");  /* signalling, payload 1 */
  check_render(bits_to_double(0xffffffffffffffffull), "nan");

  /* Property: for random doubles (every bit pattern but NaN), the text reads back to
     the same bits, carries a '.', an 'e', or is inf / -inf, has the fewest significant
     digits that read back, and is scientific exactly outside exponents -4..15. */
  int bad_trip = 0, bad_mark = 0, bad_len = 0, bad_short = 0, bad_form = 0;
  for (int k = 0; k < 100000; k++) {
    uint64_t u = rng_next();
    if (k % 10 == 1) u &= 0x800fffffffffffffull | ((rng_next() % 3) << 52);  /* subnormals and tiny */
    if (k % 10 == 2) u = double_bits((double)(int64_t)(rng_next() >> (rng_next() % 64)));  /* integers */
    if (k == 3) u = 0x7ff0000000000000ull;
    if (k == 4) u = 0xfff0000000000000ull;
    double f = bits_to_double(u);
    if (isnan(f)) continue;
    char buf[32];
    int n = render_float(f, buf);
    if (n != (int)strlen(buf) || n >= 32) bad_len++;
    char *end;
    double back = strtod(buf, &end);
    if (*end != '\0' || double_bits(back) != u) {
      if (bad_trip++ < 5) fprintf(stderr, "  render_float(%a) = \"%s\" reads back as %a\n", f, buf, back);
    }
    bool marked = strpbrk(buf, ".e") != NULL || strcmp(buf, "inf") == 0 || strcmp(buf, "-inf") == 0;
    if (!marked) {
      if (bad_mark++ < 5) fprintf(stderr, "  render_float(%a) = \"%s\" has no '.' or exponent\n", f, buf);
    }
    if (isinf(f)) continue;
    /* Fewest digits: one digit fewer does not read back. */
    int d = significant_digits(buf);
    if (d > 1) {
      char shorter[48];
      snprintf(shorter, sizeof shorter, "%.*e", d - 2, f);
      if (strtod(shorter, NULL) == f) {
        if (bad_short++ < 5) fprintf(stderr, "  render_float(%a) = \"%s\" but \"%s\" reads back too\n", f, buf, shorter);
      }
    }
    /* Scientific exactly when the decimal exponent is outside -4..15. */
    int e = decimal_exponent(f, d);
    bool sci = strchr(buf, 'e') != NULL;
    if (sci != (e < -4 || e >= 16)) {
      if (bad_form++ < 5) fprintf(stderr, "  render_float(%a) = \"%s\": exponent %d\n", f, buf, e);
    }
  }
  CHECK_MSG(bad_trip == 0, "%d renderings do not read back to the same double", bad_trip);
  CHECK_MSG(bad_mark == 0, "%d renderings look like ints", bad_mark);
  CHECK_MSG(bad_len == 0, "%d renderings with a wrong length", bad_len);
  CHECK_MSG(bad_short == 0, "%d renderings with more digits than needed", bad_short);
  CHECK_MSG(bad_form == 0, "%d renderings positional outside exponents -4..15 or scientific inside", bad_form);
}

/* ---- Truthiness (needs heap objects for "" and []) ---- */

static void test_truthy(void) {
  Heap h;
  heap_init(&h, UINT64_MAX);
  ObjString *empty = heap_new_string(&h, "", 0), *x = heap_new_string(&h, "x", 1);
  ObjArray *none = heap_new_array(&h, 4), *one = heap_new_array(&h, 0);
  CHECK(heap_array_push(&h, one, val_nil()));
  CHECK(!sem_truthy(val_nil()));
  CHECK(!sem_truthy(val_bool(false)));
  CHECK(!sem_truthy(val_int(0)));
  CHECK(!sem_truthy(val_float(0.0)));
  CHECK(!sem_truthy(val_float(-0.0)));
  CHECK(!sem_truthy(val_obj(&empty->obj)));
  CHECK(!sem_truthy(val_obj(&none->obj)));
  CHECK(sem_truthy(val_bool(true)));
  CHECK(sem_truthy(val_int(-1)));
  CHECK(sem_truthy(val_int(INT64_MIN)));
  CHECK(sem_truthy(val_float(NAN)));
  CHECK(sem_truthy(val_float(5e-324)));
  CHECK(sem_truthy(val_func(0)));
  CHECK(sem_truthy(val_obj(&x->obj)));
  CHECK(sem_truthy(val_obj(&one->obj)));  /* [nil] is not empty */
  heap_teardown(&h);
}

/* ---- Heap accounting (heap.h) ---- */

static void test_heap_sizes(void) {
  Heap h;
  heap_init(&h, UINT64_MAX);
  CHECK(h.live_objects == 0 && h.live_bytes == 0);

  ObjString *s = heap_new_string(&h, "hello", 5);
  CHECK(s && s->len == 5 && memcmp(s->chars, "hello", 5) == 0 && s->chars[5] == '\0');
  CHECK(s->obj.refcount == 1);
  CHECK(s->obj.bytes == HEAP_OBJECT_BYTES + 5);
  CHECK(h.live_objects == 1 && h.live_bytes == HEAP_OBJECT_BYTES + 5);
  ObjString *e = heap_new_string(&h, "", 0);
  CHECK(e && e->len == 0 && e->obj.bytes == HEAP_OBJECT_BYTES && e->chars[0] == '\0');
  CHECK(h.live_objects == 2 && h.live_bytes == 2 * HEAP_OBJECT_BYTES + 5);

  ObjArray *a = heap_new_array(&h, 3);
  CHECK(a && a->len == 0 && a->cap == 3 && a->obj.bytes == HEAP_OBJECT_BYTES + 3 * HEAP_SLOT_BYTES);
  CHECK(h.live_objects == 3 && h.live_bytes == 3 * HEAP_OBJECT_BYTES + 5 + 3 * HEAP_SLOT_BYTES);

  /* Growth: capacity 0 -> 4 -> 8 -> 16, accounted as it happens. */
  ObjArray *g = heap_new_array(&h, 0);
  CHECK(g && g->cap == 0 && g->obj.bytes == HEAP_OBJECT_BYTES);
  uint64_t before = h.live_bytes;
  const uint32_t want_cap[] = {4, 4, 4, 4, 8, 8, 8, 8, 16};
  bool growth_ok = true;
  for (uint32_t i = 0; i < ARRAY_LEN(want_cap); i++) {
    if (!heap_array_push(&h, g, val_int(i))) growth_ok = false;
    if (g->len != i + 1 || g->cap != want_cap[i] || g->obj.bytes != HEAP_OBJECT_BYTES + HEAP_SLOT_BYTES * g->cap ||
        h.live_bytes != before + HEAP_SLOT_BYTES * g->cap)
      growth_ok = false;
  }
  CHECK_MSG(growth_ok, "array growth 0 -> 4 -> 8 -> 16: cap %u, bytes %" PRIu64, g->cap, (uint64_t)g->obj.bytes);
  CHECK(g->items[8].kind == VAL_INT && g->items[8].as.i == 8);

  /* max(4, 2 * capacity): 1 -> 4, 3 -> 6. */
  ObjArray *c1 = heap_new_array(&h, 1), *c3 = heap_new_array(&h, 3);
  CHECK(heap_array_push(&h, c1, val_nil()) && heap_array_push(&h, c1, val_nil()) && c1->cap == 4);
  for (int i = 0; i < 4; i++) CHECK(heap_array_push(&h, c3, val_nil()));
  CHECK_MSG(c3->cap == 6 && c3->obj.bytes == HEAP_OBJECT_BYTES + 6 * HEAP_SLOT_BYTES,
            "heap.h: a full array of capacity 3 grows to max(4, 2 * 3) = 6; got capacity %u, %" PRIu64 " bytes",
            c3->cap, (uint64_t)c3->obj.bytes);
  CHECK(h.live_objects == 6);

  /* Releasing returns exactly the accounted bytes. */
  uint64_t all = h.live_bytes;
  CHECK(all == 4 * HEAP_OBJECT_BYTES + 5 + 3 * HEAP_SLOT_BYTES + 16 * HEAP_SLOT_BYTES + 2 * HEAP_OBJECT_BYTES +
                   4 * HEAP_SLOT_BYTES + HEAP_SLOT_BYTES * (uint64_t)c3->cap);
  val_decref(&h, val_obj(&s->obj));
  CHECK(h.live_objects == 5 && h.live_bytes == all - (HEAP_OBJECT_BYTES + 5));
  val_decref(&h, val_obj(&e->obj));
  val_decref(&h, val_obj(&a->obj));
  val_decref(&h, val_obj(&g->obj));
  val_decref(&h, val_obj(&c1->obj));
  val_decref(&h, val_obj(&c3->obj));
  CHECK(h.live_objects == 0 && h.live_bytes == 0);

  /* Lengths past HEAP_MAX_LENGTH are refused before any host allocation. */
  CHECK(heap_alloc_string(&h, HEAP_MAX_LENGTH + 1u) == NULL);
  CHECK(heap_new_array(&h, HEAP_MAX_LENGTH + 1u) == NULL);
  CHECK(h.live_objects == 0 && h.live_bytes == 0);
  heap_teardown(&h);
}

static void test_heap_limit(void) {
  Heap h;
  heap_init(&h, 100);
  /* A string of 68 bytes is exactly 100; 69 is one too many. */
  CHECK(heap_alloc_string(&h, 69) == NULL);
  CHECK(h.live_objects == 0 && h.live_bytes == 0);
  char text[68];
  memset(text, 'x', sizeof text);
  ObjString *s = heap_new_string(&h, text, 68);
  CHECK(s != NULL && h.live_bytes == 100);
  CHECK(heap_new_string(&h, "", 0) == NULL);
  CHECK(heap_new_array(&h, 0) == NULL);
  CHECK(h.live_objects == 1 && h.live_bytes == 100);
  val_decref(&h, val_obj(&s->obj));
  CHECK(h.live_bytes == 0);

  /* Arrays: cap 4 is 96 bytes, cap 5 is 112. */
  CHECK(heap_new_array(&h, 5) == NULL);
  ObjArray *a = heap_new_array(&h, 4);
  CHECK(a != NULL && h.live_bytes == 96);
  val_decref(&h, val_obj(&a->obj));
  heap_teardown(&h);

  /* Growth refused: the array is left as it was. Capacity 0 -> 4 needs 64 more. */
  heap_init(&h, 95);
  ObjArray *g = heap_new_array(&h, 0);
  CHECK(g != NULL && h.live_bytes == 32);
  CHECK(!heap_array_push(&h, g, val_int(1)));
  CHECK(g->len == 0 && g->cap == 0 && g->obj.bytes == 32 && h.live_bytes == 32);
  heap_teardown(&h);
  heap_init(&h, 96);
  g = heap_new_array(&h, 0);
  CHECK(heap_array_push(&h, g, val_int(1)) && g->cap == 4 && h.live_bytes == 96);
  for (int i = 0; i < 3; i++) CHECK(heap_array_push(&h, g, val_int(i)));
  CHECK(!heap_array_push(&h, g, val_int(5)));  /* 4 -> 8 needs 64 more */
  CHECK(g->len == 4 && g->cap == 4 && h.live_bytes == 96);
  heap_teardown(&h);
  CHECK(h.live_objects == 0 && h.live_bytes == 0);

  /* A limit near UINT64_MAX must not wrap around. */
  heap_init(&h, UINT64_MAX);
  h.live_bytes = UINT64_MAX - 40;  /* pretend: only the accounting is consulted */
  CHECK(heap_alloc_string(&h, 9) == NULL);
  CHECK(h.live_objects == 0);
  h.live_bytes = 0;
  heap_teardown(&h);
}

/* Builds a chain of n arrays, each holding the next; returns the outermost. */
static ObjArray *deep_chain(Heap *h, uint32_t n) {
  ObjArray *inner = heap_new_array(h, 0);
  for (uint32_t i = 1; i < n; i++) {
    ObjArray *outer = heap_new_array(h, 1);
    if (!outer || !heap_array_push(h, outer, val_obj(&inner->obj))) return NULL;  /* takes inner's reference */
    inner = outer;
  }
  return inner;
}

static void test_heap_deep_and_cycles(void) {
  Heap h;
  heap_init(&h, UINT64_MAX);
  const uint32_t n = 1000000;
  ObjArray *top = deep_chain(&h, n);
  CHECK(top != NULL && h.live_objects == n);
  CHECK(h.live_bytes == (uint64_t)n * HEAP_OBJECT_BYTES + (uint64_t)(n - 1) * HEAP_SLOT_BYTES);

  /* Rendering and hashing are bounded whatever the depth. */
  Buf b = {0};
  CHECK(render_value(NULL, NULL, val_obj(&top->obj), RENDER_REPR, &b, 1u << 20));
  bool shape = b.len == 2 * RENDER_MAX_DEPTH + 5;
  for (size_t i = 0; shape && i < RENDER_MAX_DEPTH; i++)
    shape = b.data[i] == '[' && b.data[b.len - 1 - i] == ']';
  CHECK_MSG(shape && memcmp(b.data + RENDER_MAX_DEPTH, "[...]", 5) == 0, "deep array renders as %.200s", b.data);
  buf_free(&b);
  (void)sem_hash_value(val_obj(&top->obj));

  /* Releasing the outermost frees all of them without recursion. */
  val_decref(&h, val_obj(&top->obj));
  CHECK(h.live_objects == 0 && h.live_bytes == 0);

  /* Teardown frees a deep chain that was never released. */
  top = deep_chain(&h, n);
  CHECK(top != NULL && h.live_objects == n);
  heap_teardown(&h);
  CHECK(h.live_objects == 0 && h.live_bytes == 0);

  /* Cycles: a self-loop and a two-array loop survive their last outside reference,
     and teardown frees them (LeakSanitizer checks that it really does). */
  heap_init(&h, UINT64_MAX);
  ObjArray *self = heap_new_array(&h, 0);
  CHECK(heap_array_push(&h, self, val_obj(&self->obj)));
  val_incref(val_obj(&self->obj));  /* the push took our reference: take another */
  ObjArray *p = heap_new_array(&h, 1), *q = heap_new_array(&h, 1);
  ObjString *str = heap_new_string(&h, "kept alive by the cycle", 23);
  CHECK(heap_array_push(&h, p, val_obj(&q->obj)));  /* p holds q: our q reference moves */
  CHECK(heap_array_push(&h, q, val_obj(&p->obj)));
  val_incref(val_obj(&p->obj));
  CHECK(heap_array_push(&h, q, val_obj(&str->obj)));  /* q holds str: our reference moves */
  val_decref(&h, val_obj(&self->obj));
  val_decref(&h, val_obj(&p->obj));
  CHECK(h.live_objects == 4);
  CHECK(self->obj.refcount == 1 && p->obj.refcount == 1 && q->obj.refcount == 1);
  Buf c = {0};
  CHECK(render_value(NULL, NULL, val_obj(&q->obj), RENDER_REPR, &c, 1000));
  CHECK_STR(c.data, "[[[...]], \"kept alive by the cycle\"]");
  buf_free(&c);
  heap_teardown(&h);
  CHECK(h.live_objects == 0 && h.live_bytes == 0);
  /* The heap is usable again after teardown. */
  CHECK(heap_new_string(&h, "again", 5) != NULL && h.live_objects == 1);
  heap_teardown(&h);
}

/* vm_fail formats details whose only conversions are %s by hand: the same text as
   snprintf, cut at the same length. */
static void test_error_detail(void) {
  static VM vm;
  char want[sizeof vm.error_detail], longer[3 * sizeof vm.error_detail];
  memset(longer, 'x', sizeof longer - 1);
  longer[sizeof longer - 1] = '\0';
  const char *args[] = {"", "int", "a string of some length", longer + 150, longer + 100, longer};
  for (size_t i = 0; i < ARRAY_LEN(args); i++) {
    const char *a = args[i];
    CHECK(vm_fail(&vm, ERR_TYPE, "a %s raised and not caught", a) == ERR_TYPE);
    snprintf(want, sizeof want, "a %s raised and not caught", a);
    CHECK_STR(vm.error_detail, want);
    vm_fail(&vm, ERR_TYPE, "%s%s", a, "!");
    snprintf(want, sizeof want, "%s%s", a, "!");
    CHECK_STR(vm.error_detail, want);
    vm_fail(&vm, ERR_TYPE, "cannot order %s and %s", a, a);
    snprintf(want, sizeof want, "cannot order %s and %s", a, a);
    CHECK_STR(vm.error_detail, want);
    vm_fail(&vm, ERR_TYPE, "%s", a);
    CHECK(strlen(vm.error_detail) == (strlen(a) < sizeof want ? strlen(a) : sizeof want - 1));
    CHECK(strncmp(vm.error_detail, a, sizeof want - 1) == 0);
  }
  vm_fail(&vm, ERR_DIV_ZERO, "integer division by zero");
  CHECK_STR(vm.error_detail, "integer division by zero");
  vm_fail(&vm, ERR_DEPTH, "call depth limit %llu", 64ull);  /* another conversion: vsnprintf's */
  CHECK_STR(vm.error_detail, "call depth limit 64");
}

/* format_i64 against printf's %lld: every length, both signs, the ends of the range. */
static void test_format_i64(void) {
  char got[24], want[24];
  for (int digits = 1; digits <= 19; digits++) {
    int64_t tens = 1;  /* 10^(digits - 1) */
    for (int i = 1; i < digits; i++) tens *= 10;
    const int64_t near[] = {tens - 1, tens, tens + 1, tens * 9 / 10 * 10 + 7, tens / 3};
    for (size_t i = 0; i < ARRAY_LEN(near); i++)
      for (int sign = -1; sign <= 1; sign += 2) {
        int64_t v = near[i] * sign;
        snprintf(want, sizeof want, "%lld", (long long)v);
        CHECK(format_i64(got, v) == (int)strlen(want));
        CHECK_STR(got, want);
      }
  }
  const int64_t ends[] = {0, INT64_MAX, INT64_MIN, INT64_MIN + 1, 999999999999999999, 1000000000000000000};
  for (size_t i = 0; i < ARRAY_LEN(ends); i++) {
    snprintf(want, sizeof want, "%lld", (long long)ends[i]);
    CHECK(format_i64(got, ends[i]) == (int)strlen(want));
    CHECK_STR(got, want);
  }
  uint64_t x = 0x9e3779b97f4a7c15u;
  for (int i = 0; i < 100000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    int64_t v = (int64_t)(x >> (x & 63));  /* every magnitude */
    snprintf(want, sizeof want, "%lld", (long long)v);
    format_i64(got, v);
    CHECK_STR(got, want);
  }
}

int main(void) {
  grid_init();
  test_wrap();
  test_floordiv_mod();
  test_shifts();
  test_int_op_const();
  test_cmp_int_float();
  test_float_div_mod();
  test_parse_int();
  test_render_float();
  test_render_float_reference();
  test_truthy();
  test_heap_sizes();
  test_heap_limit();
  test_heap_deep_and_cycles();
  test_error_detail();
  test_format_i64();
  return check_summary("test_semantics");
}
