/* decimal.c: the shortest decimal of a double that reads back to it, computed exactly.
 *
 * render.h defines the text by printf and strtod: the fewest significant digits d for
 * which the double written with d digits ("%.*e": correctly rounded, ties to even)
 * reads back (strtod: correctly rounded) as the same double. glibc answers each of
 * those questions with big-number arithmetic, and asking up to five of them per float
 * cost a fuzzing campaign about 7% of its time. This file answers them directly:
 *
 *   f = m * 2^e         m the significand as an integer, e its binary exponent
 *   N = f * 10^k        k chosen so that floor(N) has exactly 17 digits
 *
 * Rounding f to d significant digits is rounding N to a multiple of 10^(17-d): integer
 * arithmetic on floor(N) and two facts about N's fraction (is it zero; is it below, at
 * or above one half). A decimal reads back as f when it lies strictly between the
 * midpoints to f's two neighbours, scaled by the same 10^k, or on one of them when m is
 * even (strtod breaks ties to the even significand). The midpoint below a power of two
 * is nearer than the one above, because the spacing of doubles halves there.
 *
 * Scaling m * 2^e * 10^k exactly takes integers of up to about 1,030 bits: m * 5^k when
 * k >= 0, and m * 2^(e-j) divided by 5^j when k = -j < 0. The quotient has 17 digits,
 * so an estimate from the divisor's top 64 bits is off by at most two and a couple of
 * exact corrections settle it. */
#include "decimal.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

typedef unsigned __int128 u128;

/* ---- Big unsigned integers ---- */

/* Little-endian 64-bit words. The largest number is m * 2^(e-j) for the largest
   doubles: below 2^1030, 17 words. */
#define BIG_WORDS 20
typedef struct {
  uint64_t w[BIG_WORDS];
  int n; /* words in use: the top one is nonzero, and 0 is n == 0 */
} Big;

static void big_set(Big *b, uint64_t x) {
  b->w[0] = x;
  b->n = x != 0;
}

static void big_trim(Big *b) {
  while (b->n > 0 && b->w[b->n - 1] == 0) b->n--;
}

/* b *= x, for x > 0. */
static void big_mul(Big *b, uint64_t x) {
  u128 carry = 0;
  for (int i = 0; i < b->n; i++) {
    carry += (u128)b->w[i] * x;
    b->w[i] = (uint64_t)carry;
    carry >>= 64;
  }
  if (carry) {
    ASSERT(b->n < BIG_WORDS, "decimal: a number outgrew its words");
    b->w[b->n++] = (uint64_t)carry;
  }
}

/* b <<= s. */
static void big_shl(Big *b, unsigned s) {
  if (b->n == 0) return;
  int words = (int)(s / 64), bits = (int)(s % 64), n = b->n + words + 1;
  ASSERT(n <= BIG_WORDS, "decimal: a number outgrew its words");
  for (int i = n - 1; i >= 0; i--) {
    int src = i - words;
    uint64_t hi = src >= 0 && src < b->n ? b->w[src] : 0;
    uint64_t lo = src >= 1 && src - 1 < b->n ? b->w[src - 1] : 0;
    b->w[i] = bits ? hi << bits | lo >> (64 - bits) : hi;
  }
  b->n = n;
  big_trim(b);
}

static int big_cmp(const Big *a, const Big *b) {
  if (a->n != b->n) return a->n < b->n ? -1 : 1;
  for (int i = a->n - 1; i >= 0; i--)
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
  return 0;
}

/* a -= b, for a >= b. */
static void big_sub(Big *a, const Big *b) {
  uint64_t borrow = 0;
  for (int i = 0; i < a->n; i++) {
    uint64_t y = i < b->n ? b->w[i] : 0, t = a->w[i] - y;
    uint64_t next = (a->w[i] < y) | (t < borrow);
    a->w[i] = t - borrow;
    borrow = next;
  }
  big_trim(a);
}

static unsigned big_bit_length(const Big *b) {
  return b->n ? 64u * (unsigned)b->n - (unsigned)__builtin_clzll(b->w[b->n - 1]) : 0;
}

/* The 64 bits of b from bit s up: (b >> s) mod 2^64. */
static uint64_t big_bits_at(const Big *b, unsigned s) {
  unsigned i = s / 64, bits = s % 64;
  uint64_t lo = i < (unsigned)b->n ? b->w[i] : 0, hi = i + 1 < (unsigned)b->n ? b->w[i + 1] : 0;
  return bits ? lo >> bits | hi << (64 - bits) : lo;
}

/* Whether the bits of b below bit s are all zero. */
static bool big_low_zero(const Big *b, unsigned s) {
  unsigned i = s / 64, bits = s % 64;
  for (unsigned k = 0; k < i && k < (unsigned)b->n; k++)
    if (b->w[k]) return false;
  return bits == 0 || i >= (unsigned)b->n || (b->w[i] & ((1ull << bits) - 1)) == 0;
}

static void big_pow5(Big *b, unsigned k) {
  big_set(b, 1);
  for (; k >= 27; k -= 27) big_mul(b, 7450580596923828125ull);  /* 5^27, the largest below 2^63 */
  uint64_t p = 1;
  while (k--) p *= 5;
  big_mul(b, p);
}

/* ---- Scaling ---- */

/* A nonnegative number below 2^64 as its integer part and what its fraction is. */
typedef struct {
  uint64_t floor;
  bool exact; /* the fraction is zero */
  int half;   /* the fraction against 1/2: -1, 0 or 1 */
} Scaled;

/* M * 2^e2 * 10^k, exactly, given pow5 = 5^|k|. The caller knows it is below 2^64. */
static Scaled scale(uint64_t M, int e2, int k, const Big *pow5) {
  Scaled r;
  int a = e2 + k; /* 10^k = 5^k * 2^k */
  if (k >= 0) {   /* M * 5^k * 2^a */
    Big b = *pow5;
    big_mul(&b, M);
    if (a >= 0) {
      r.floor = b.w[0] << a;
      r.exact = true;
      r.half = -1;
      return r;
    }
    unsigned s = (unsigned)-a;
    bool top = big_bits_at(&b, s - 1) & 1, rest = big_low_zero(&b, s - 1);
    r.floor = big_bits_at(&b, s);
    r.exact = !top && rest;
    r.half = !top ? -1 : rest ? 0 : 1;
    return r;
  }
  /* M * 2^a / 5^j, j = -k: num / den with num = M * 2^a, or den = 5^j * 2^-a. */
  Big num, den = *pow5;
  big_set(&num, M);
  if (a >= 0)
    big_shl(&num, (unsigned)a);
  else
    big_shl(&den, (unsigned)-a);
  uint64_t q;
  unsigned dbits = big_bit_length(&den);
  if (dbits <= 64) { /* then num < 2^128 */
    u128 x = (u128)big_bits_at(&num, 64) << 64 | big_bits_at(&num, 0);
    q = (uint64_t)(x / den.w[0]);
    big_set(&num, (uint64_t)(x % den.w[0]));
  } else {
    /* Dividing the top bits: num >> sh over den >> sh, the latter 64 bits with its top
       one set. The estimate is within two of the quotient, never below it by more. */
    unsigned sh = dbits - 64;
    u128 top = (u128)big_bits_at(&num, sh + 64) << 64 | big_bits_at(&num, sh);
    uint64_t est = (uint64_t)(top / big_bits_at(&den, sh));
    q = est >= 2 ? est - 2 : 0;
    if (q) {
      Big t = den;
      big_mul(&t, q);
      big_sub(&num, &t);
    }
    while (big_cmp(&num, &den) >= 0) {
      big_sub(&num, &den);
      q++;
    }
  }
  r.floor = q; /* num is now the remainder */
  r.exact = num.n == 0;
  if (r.exact) {
    r.half = -1;
  } else {
    big_shl(&num, 1);
    r.half = big_cmp(&num, &den);
  }
  return r;
}

/* ---- Digits ---- */

static const uint64_t pow10_u64[18] = {
  1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
  1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
  100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
};

typedef struct {
  Scaled v, below, above; /* f, and the midpoints to its neighbours, times 10^k */
  bool even;              /* f's significand is even: a midpoint reads back as f */
} Interval;

/* f rounded to d significant digits, ties to even, times 10^k: a multiple of 10^(17-d). */
static uint64_t rounded(const Scaled *v, int d) {
  uint64_t p = pow10_u64[17 - d], q = v->floor / p, r = v->floor % p;
  bool up = p == 1 ? v->half > 0 || (v->half == 0 && (q & 1))
                   : r > p / 2 || (r == p / 2 && (!v->exact || (q & 1)));
  return (q + up) * p;
}

/* Whether f written with d significant digits reads back as f. x lies above the
   midpoint below when it is above its integer part (x is an integer); and so on. */
static bool reads_back(const Interval *in, int d) {
  uint64_t x = rounded(&in->v, d);
  bool over = x > in->below.floor || (x == in->below.floor && in->below.exact && in->even);
  bool under = x < in->above.floor || (x == in->above.floor && (!in->above.exact || in->even));
  return over && under;
}

int decimal_shortest(double f, char digits[17], int *exp10) {
  uint64_t bits;
  memcpy(&bits, &f, sizeof bits);
  uint64_t fraction = bits & ((1ull << 52) - 1);
  int biased = (int)(bits >> 52 & 0x7ff);
  ASSERT(biased != 0x7ff && (fraction || biased), "decimal_shortest: zero, infinite or NaN");
  uint64_t m = biased ? fraction | 1ull << 52 : fraction;
  int e = biased ? biased - 1075 : -1074;

  /* k from the decimal logarithm, an estimate that the loop corrects. */
  Interval in;
  Big pow5;
  int k = 16 - (int)floor(log10(fabs(f)));
  for (;;) {
    big_pow5(&pow5, (unsigned)abs(k));
    in.v = scale(m, e, k, &pow5);
    if (in.v.floor >= pow10_u64[17])
      k--;
    else if (in.v.floor < pow10_u64[16])
      k++;
    else
      break;
  }
  in.even = (m & 1) == 0;
  in.above = scale(2 * m + 1, e - 1, k, &pow5);
  bool narrow_below = fraction == 0 && biased > 1; /* a power of two, not the smallest normal */
  in.below = narrow_below ? scale(4 * m - 1, e - 2, k, &pow5) : scale(2 * m - 1, e - 1, k, &pow5);

  /* The search render_float always made: 15 digits settle every normal double that
     reads back from 15 (its shortest text is the 15-digit one without trailing zeros,
     DBL_DIG); subnormals that do are searched; otherwise 16, or 17, which always reads
     back. */
  int d;
  if (reads_back(&in, 15)) {
    if (biased) {
      uint64_t x = rounded(&in.v, 15) / 100;
      for (d = 15; d > 1 && x % 10 == 0; d--) x /= 10;
    } else {
      int lo = 1, hi = 15;
      while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (reads_back(&in, mid))
          hi = mid;
        else
          lo = mid + 1;
      }
      d = lo;
    }
  } else {
    d = reads_back(&in, 16) ? 16 : 17;
  }

  uint64_t q = rounded(&in.v, d) / pow10_u64[17 - d];
  *exp10 = 16 - k; /* f lies in [10^(16-k), 10^(17-k)) */
  if (q == pow10_u64[d]) { /* rounded up to the next power of ten */
    q /= 10;
    ++*exp10;
  }
  for (int i = d - 1; i >= 0; i--, q /= 10) digits[i] = (char)('0' + q % 10);
  return d;
}
