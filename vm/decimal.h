/* decimal.h: the decimal digits of a double, exactly and without printf (decimal.c). */
#ifndef TESSERA_DECIMAL_H
#define TESSERA_DECIMAL_H

/* The shortest correctly rounded digits of a finite, nonzero double that read back to
   it, as render.h defines them: writes them (no sign, no point, no trailing NUL) to
   digits, sets *exp10 to the decimal exponent of the first one, and returns how many.
   The value is 0.d1d2d3... * 10^(exp10 + 1), sign aside. */
int decimal_shortest(double f, char digits[17], int *exp10);

#endif
